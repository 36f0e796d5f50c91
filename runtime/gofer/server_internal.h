/*
 * runtime/gofer/server_internal.h: what server.c (loop, fids, walk, I/O) and server_ops.c (the
 * tree-changing and metadata messages) share.
 */
#pragma once

#include <stdint.h>

#include "sentry/plugin.h"

#include "gofer.h"
#include "p9_wire.h"

#define GOFER_FID_BUCKETS 1024u
/* XATTR_SIZE_MAX: Linux refuses larger values with E2BIG. */
#define GOFER_XATTR_MAX 65536u

/* What a fid stands for. */
enum gofer_fid_kind {
	GOFER_FID_NODE = 0,	/* a file of the tree, opened or not */
	GOFER_FID_XREAD,	/* after Txattrwalk: a value or a name list to read */
	GOFER_FID_XWRITE,	/* after Txattrcreate: a value collected by Twrite, set at Tclunk */
};

struct gofer_fid {
	struct gofer_fid *next;		/* hash chain */
	uint32_t fid;
	uint8_t kind;			/* enum gofer_fid_kind */
	uint8_t opened;			/* Tlopen/Tlcreate done */
	uint32_t open_flags;		/* Linux flags of the open */
	struct sentry_gnode *node;	/* owned; NULL for GOFER_FID_XREAD */
	struct sentry_qid qid;
	/* Extended attribute fids. */
	char *xname;			/* GOFER_FID_XWRITE: the name to set */
	uint8_t *xbuf;			/* value or list */
	uint64_t xsize;			/* bytes in xbuf (XREAD) or announced (XWRITE) */
	uint32_t xflags;		/* XWRITE: XATTR_CREATE, XATTR_REPLACE, P9_XATTR_REMOVE */
};

struct gofer_srv {
	struct gofer_export *exp;
	const struct sentry_gofer_ops *ops;
	uint32_t msize;			/* negotiated; 0 before Tversion */
	int root_lent;			/* without clone: the root node went to the one Tattach */
	struct gofer_fid *fids[GOFER_FID_BUCKETS];
	uint8_t *scratch;		/* msize bytes for Tread/Treaddir data */
};

/* Has the backend the optional slot? */
#define GOFER_HAS(srv, slot) SENTRY_OPS_HAS((srv)->ops, (srv)->exp->ops_size, slot)

/* The fid @fid, or NULL. */
struct gofer_fid *gofer_fid_find(struct gofer_srv *srv, uint32_t fid);
/* A node fid @fid that is not opened (walks, creates, metadata): -EBADF when unknown or not a
 * node, -EBUSY when @unopened and it is open. */
int gofer_fid_node(struct gofer_srv *srv, uint32_t fid, int unopened, struct gofer_fid **ret);
/* Enters a new fid @fid (-EBADF if in use; P9_NOFID is refused too). */
int gofer_fid_add(struct gofer_srv *srv, uint32_t fid, struct gofer_fid **ret);
/* Removes @f from the table, releases what it holds and frees it. */
void gofer_fid_drop(struct gofer_srv *srv, struct gofer_fid *f);
/* Copies a request name into @buf (NAME_MAX + 1 bytes) after checking it is one component:
 * -EINVAL for "", ".", ".." or a '/', -ENAMETOOLONG. */
int gofer_name(const struct p9_str *s, char *buf);

/* server_ops.c: handlers of the messages that change the tree or deal in metadata. Each fills
 * @rep (type and body) and returns 0, or returns -errno for an Rlerror. */
int gofer_getattr(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_setattr(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_lcreate(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_mkdir(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_mknod(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_symlink(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_link(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_renameat(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_unlinkat(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_readlink(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_statfs(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_fsync(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_xattrwalk(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_xattrcreate(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_lock(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
int gofer_getlock(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);
/* Tclunk of an XWRITE fid: sets or removes the attribute. Returns 0 or -errno. */
int gofer_xattr_commit(struct gofer_srv *srv, struct gofer_fid *f);
