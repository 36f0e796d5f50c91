/*
 * runtime/gofer/gofer.h: the Gofer's 9P2000.L server (`runsc gofer`).
 *
 * One server serves one channel (a stream socket, one end of a socketpair) with one backend
 * plugin (sentry/gofer.h) rooted at one node. The wire format is p9_wire's; this layer keeps
 * the fid table, checks every request against it and against the names a backend may see,
 * calls the backend and encodes the replies.
 *
 * Ordering: requests of a channel are handled one at a time, in the order they arrive, and the
 * replies of a batch that arrived together leave in one write. A client may therefore pipeline
 * dependent requests (Twalk to a new fid, then Tgetattr of that fid) and pay one round trip;
 * the Sentry's fs-gofer9p does so. Tflush is answered at once: the flushed request was already
 * answered when the Tflush is read.
 *
 * Confinement: no request can name a file outside the root. The server refuses names that are
 * not one component ("", ".", "..", anything with '/'; the codec already refuses NUL), fids that
 * were never attached or walked, walks from opened fids, and I/O on fids not opened for it; the
 * backend resolves single components relative to its own nodes (hostdir: openat2 with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/gofer.h"

/* Largest msize the server agrees to: 1 MiB of data per Tread/Twrite plus headers. */
#define GOFER_MSIZE_MAX ((1u << 20) + 4096u)

/* What a server serves. */
struct gofer_export {
	const struct sentry_gofer_ops *ops;	/* the backend's table (borrowed) */
	size_t ops_size;			/* its size, for SENTRY_OPS_HAS */
	struct sentry_gnode *root;		/* from ops->attach; taken: released by the server */
	struct sentry_qid root_qid;
	uint32_t flags;				/* SENTRY_GOFER_RDONLY */
};

/* Serves @fd until the peer closes it or breaks the protocol (a frame that cannot be decoded,
 * or larger than msize). Releases every node, the root included, before returning. @fd stays
 * open (the caller's). Returns 0 when the peer closed the channel, -EBADMSG/-EPROTO for a broken
 * peer, or the -errno of a failed read or write. */
int gofer_serve(int fd, struct gofer_export *exp);
