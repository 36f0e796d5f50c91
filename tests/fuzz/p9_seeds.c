/*
 * Writes a seed corpus for fuzz_p9_decode: one file per 9P2000.L message type, produced by
 * the encoder, into the directory named by argv[1]. Run by tests/fuzz/run.sh, so no binary
 * seeds are committed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p9_wire.h"

static const uint8_t g_types[] = {
	P9_RLERROR, P9_TSTATFS, P9_RSTATFS, P9_TLOPEN, P9_RLOPEN, P9_TLCREATE, P9_RLCREATE,
	P9_TSYMLINK, P9_RSYMLINK, P9_TMKNOD, P9_RMKNOD, P9_TRENAME, P9_RRENAME, P9_TREADLINK,
	P9_RREADLINK, P9_TGETATTR, P9_RGETATTR, P9_TSETATTR, P9_RSETATTR, P9_TXATTRWALK,
	P9_RXATTRWALK, P9_TXATTRCREATE, P9_RXATTRCREATE, P9_TREADDIR, P9_RREADDIR, P9_TFSYNC,
	P9_RFSYNC, P9_TLOCK, P9_RLOCK, P9_TGETLOCK, P9_RGETLOCK, P9_TLINK, P9_RLINK, P9_TMKDIR,
	P9_RMKDIR, P9_TRENAMEAT, P9_RRENAMEAT, P9_TUNLINKAT, P9_RUNLINKAT, P9_TVERSION,
	P9_RVERSION, P9_TAUTH, P9_RAUTH, P9_TATTACH, P9_RATTACH, P9_TFLUSH, P9_RFLUSH, P9_TWALK,
	P9_RWALK, P9_TREAD, P9_RREAD, P9_TWRITE, P9_RWRITE, P9_TCLUNK, P9_RCLUNK, P9_TREMOVE,
	P9_RREMOVE,
};

/* Gives every string and count of @m a non-trivial value. */
static void fill(struct p9_msg *m, const uint8_t *dirents, uint32_t dirents_len)
{
	static const uint8_t data[] = "payload";
	struct p9_str s = p9_str_of("name");

	switch (m->type) {
	case P9_TVERSION: case P9_RVERSION:
		m->u.version = (struct p9_version){ 8192, p9_str_of(P9_VERSION_L) }; break;
	case P9_TAUTH: m->u.tauth.uname = s; m->u.tauth.aname = s; break;
	case P9_TATTACH: m->u.tattach.uname = s; m->u.tattach.aname = p9_str_of("/"); break;
	case P9_TWALK:
		m->u.twalk.nwname = 3;
		for (int i = 0; i < 3; i++)
			m->u.twalk.wname[i] = s;
		break;
	case P9_RWALK: m->u.rwalk.nwqid = 2; break;
	case P9_TLCREATE: m->u.tlcreate.name = s; break;
	case P9_TREAD: case P9_TREADDIR: m->u.tread.count = 4000; break;
	case P9_RREAD: m->u.rdata = (struct p9_rdata){ sizeof(data), data }; break;
	case P9_RREADDIR: m->u.rdata = (struct p9_rdata){ dirents_len, dirents }; break;
	case P9_TWRITE: m->u.twrite.count = sizeof(data); m->u.twrite.data = data; break;
	case P9_TSYMLINK: m->u.tsymlink.name = s; m->u.tsymlink.symtgt = s; break;
	case P9_TMKNOD: m->u.tmknod.name = s; break;
	case P9_TRENAME: m->u.trename.name = s; break;
	case P9_RREADLINK: m->u.rreadlink.target = s; break;
	case P9_TXATTRWALK: m->u.txattrwalk.name = s; break;
	case P9_TXATTRCREATE: m->u.txattrcreate.name = s; break;
	case P9_TLOCK: m->u.tlock.client_id = s; break;
	case P9_TGETLOCK: case P9_RGETLOCK: m->u.getlock.client_id = s; break;
	case P9_TLINK: m->u.tlink.name = s; break;
	case P9_TMKDIR: m->u.tmkdir.name = s; break;
	case P9_TRENAMEAT: m->u.trenameat.oldname = s; m->u.trenameat.newname = s; break;
	case P9_TUNLINKAT: m->u.tunlinkat.name = s; break;
	default: break;
	}
}

int main(int argc, char **argv)
{
	static uint8_t buf[65536], dirents[512];
	size_t used = 0, len;
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (int i = 0; i < 3; i++) {
		struct p9_dirent de = { .offset = (uint64_t)i + 1, .type = 4,
					.name = p9_str_of(i ? "entry" : ".") };
		if (p9_dirent_put(dirents, sizeof(dirents), &used, &de) < 0)
			return 1;
	}
	for (size_t i = 0; i < sizeof(g_types); i++) {
		struct p9_msg m = { .type = g_types[i], .tag = (uint16_t)i };
		fill(&m, dirents, (uint32_t)used);
		if (p9_encode(buf, sizeof(buf), 8192, &m, &len) < 0)
			return 1;
		snprintf(path, sizeof(path), "%s/%s", argv[1], p9_type_name(m.type));
		FILE *f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
			return 1;
	}
	return 0;
}
