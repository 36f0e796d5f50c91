/*
 * libFuzzer target for the 9P2000.L decoder (plugins/fs-gofer9p/p9_wire.c).
 *
 * Each input is decoded as is and, because random bytes rarely carry a right size[4] header,
 * once more with the header patched to the input's length, under several msize values. What
 * decodes must re-encode to the very same bytes (the codec is a bijection on valid messages),
 * Rreaddir data must iterate cleanly, and the input split as a stream of frames must not
 * overrun. Any mismatch aborts, which libFuzzer reports as a crash.
 *
 * Built outside automake by tests/fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const uint8_t *buf, size_t len, uint32_t msize)
{
	struct p9_msg msg;
	size_t out_len = 0;

	if (p9_decode(buf, len, msize, &msg) != 0)
		return;

	uint8_t *out = malloc(len);
	if (!out)
		abort();
	if (p9_encode(out, len, msize, &msg, &out_len) != 0 || out_len != len ||
	    memcmp(out, buf, len) != 0) {
		fprintf(stderr, "round trip of %s (%zu bytes) differs\n",
			p9_type_name(msg.type) ? p9_type_name(msg.type) : "?", len);
		abort();
	}
	free(out);

	if (msg.type == P9_RREADDIR) {
		struct p9_dirent_iter it;
		struct p9_dirent de;
		int r;

		p9_dirent_iter_init(&it, &msg.u.rdata);
		while ((r = p9_dirent_next(&it, &de)) > 0)
			continue;
		if (r < 0)
			abort();	/* the decoder promised whole entries */
	}
}

/* Walks @data as a byte stream of frames, as a reader on a socket would. */
static void check_stream(const uint8_t *data, size_t size, uint32_t msize)
{
	size_t off = 0;

	while (off < size) {
		ssize_t need = p9_frame_size(data + off, size - off, msize);
		if (need <= 0 || (size_t)need > size - off)
			return;
		check_round_trip(data + off, (size_t)need, msize);
		off += (size_t)need;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t msizes[] = { 7, 64, 4096, 8192, UINT32_MAX };

	for (size_t i = 0; i < sizeof(msizes) / sizeof(msizes[0]); i++) {
		check_round_trip(data, size, msizes[i]);
		check_stream(data, size, msizes[i]);
	}
	if (size < 4 || size > UINT32_MAX)
		return 0;

	/* An exact-size heap copy, so ASan sees any read past the end. */
	uint8_t *patched = malloc(size);
	if (!patched)
		abort();
	memcpy(patched, data, size);
	patched[0] = (uint8_t)size;
	patched[1] = (uint8_t)(size >> 8);
	patched[2] = (uint8_t)(size >> 16);
	patched[3] = (uint8_t)(size >> 24);
	for (size_t i = 0; i < sizeof(msizes) / sizeof(msizes[0]); i++)
		check_round_trip(patched, size, msizes[i]);
	free(patched);
	return 0;
}
