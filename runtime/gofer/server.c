/*
 * runtime/gofer/server.c: the Gofer's 9P2000.L server loop, its fid table, and the messages of
 * the session and of I/O (version, attach, walk, lopen, read, write, readdir, clunk, remove,
 * flush). server_ops.c has the rest. See gofer.h for ordering and confinement.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server_internal.h"

struct gofer_fid *gofer_fid_find(struct gofer_srv *srv, uint32_t fid)
{
	struct gofer_fid *f = srv->fids[fid % GOFER_FID_BUCKETS];

	while (f && f->fid != fid)
		f = f->next;
	return f;
}

int gofer_fid_node(struct gofer_srv *srv, uint32_t fid, int unopened, struct gofer_fid **ret)
{
	struct gofer_fid *f = gofer_fid_find(srv, fid);

	if (!f || f->kind != GOFER_FID_NODE)
		return -EBADF;
	if (unopened && f->opened)
		return -EBUSY;
	*ret = f;
	return 0;
}

int gofer_fid_add(struct gofer_srv *srv, uint32_t fid, struct gofer_fid **ret)
{
	if (fid == P9_NOFID || gofer_fid_find(srv, fid))
		return -EBADF;
	struct gofer_fid *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fid = fid;
	f->next = srv->fids[fid % GOFER_FID_BUCKETS];
	srv->fids[fid % GOFER_FID_BUCKETS] = f;
	*ret = f;
	return 0;
}

void gofer_fid_drop(struct gofer_srv *srv, struct gofer_fid *f)
{
	struct gofer_fid **pp = &srv->fids[f->fid % GOFER_FID_BUCKETS];

	while (*pp != f)
		pp = &(*pp)->next;
	*pp = f->next;
	if (f->node)
		srv->ops->release(f->node);
	free(f->xname);
	free(f->xbuf);
	free(f);
}

int gofer_name(const struct p9_str *s, char *buf)
{
	if (s->len == 0 || memchr(s->s, '/', s->len) || p9_str_eq(s, ".") || p9_str_eq(s, ".."))
		return -EINVAL;
	if (s->len > NAME_MAX)
		return -ENAMETOOLONG;
	return p9_str_copy(s, buf, NAME_MAX + 1) < 0 ? -ENAMETOOLONG : 0;
}

/* Clunks every fid: Tversion starts a new session, and the end of the channel ends one. */
static void drop_all(struct gofer_srv *srv)
{
	for (size_t b = 0; b < GOFER_FID_BUCKETS; b++)
		while (srv->fids[b])
			gofer_fid_drop(srv, srv->fids[b]);
}

/* A new node for the file of @node: the backend's clone, or -EOPNOTSUPP. */
static int clone_node(struct gofer_srv *srv, struct sentry_gnode *node, struct sentry_gnode **ret)
{
	if (!GOFER_HAS(srv, clone))
		return -EOPNOTSUPP;
	return srv->ops->clone(node, ret);
}

static int do_version(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	int r = p9_version_negotiate(&req->u.version, GOFER_MSIZE_MAX, &rep->u.version);

	if (r < 0)
		return r;
	drop_all(srv);
	/* version(5): "unknown" leaves the session unversioned; everything else is refused. */
	srv->msize = p9_str_eq(&rep->u.version.version, P9_VERSION_L) ? rep->u.version.msize : 0;
	return 0;
}

static int do_attach(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tattach *t = &req->u.tattach;
	struct sentry_gnode *node;
	struct gofer_fid *f;

	/* One tree per Gofer: the root, named "" or "/". No authentication (Tauth is refused). */
	if (t->afid != P9_NOFID)
		return -EINVAL;
	if (!p9_str_eq(&t->aname, "") && !p9_str_eq(&t->aname, "/"))
		return -ENOENT;
	if (gofer_fid_find(srv, t->fid) || t->fid == P9_NOFID)
		return -EBADF;
	if (GOFER_HAS(srv, clone)) {
		int r = srv->ops->clone(srv->exp->root, &node);
		if (r < 0)
			return r;
	} else if (!srv->root_lent && srv->exp->root) {
		node = srv->exp->root;
		srv->exp->root = NULL;
		srv->root_lent = 1;
	} else {
		return -EOPNOTSUPP;
	}
	int r = gofer_fid_add(srv, t->fid, &f);
	if (r < 0) {
		srv->ops->release(node);
		return r;
	}
	f->node = node;
	f->qid = srv->exp->root_qid;
	rep->u.rqid.qid = (struct p9_qid){ f->qid.type, f->qid.version, f->qid.path };
	return 0;
}

/* Walks @names from @from (borrowed); on success *ret_node is the last node (owned), or a clone
 * of @from for no names. *nwqid counts the names walked: a failure after the first name is a
 * partial walk (walk(5)), reported as success with fewer qids and no node. */
static int walk_names(struct gofer_srv *srv, struct sentry_gnode *from, const struct p9_twalk *t,
		      struct p9_rwalk *rw, struct sentry_gnode **ret_node, struct sentry_qid *ret_qid)
{
	struct sentry_gnode *cur = NULL;
	char name[NAME_MAX + 1];
	int r = 0;

	rw->nwqid = 0;
	if (t->nwname == 0)
		return clone_node(srv, from, ret_node);
	for (uint16_t i = 0; i < t->nwname; i++) {
		struct sentry_gnode *next;
		struct sentry_qid q;

		r = gofer_name(&t->wname[i], name);
		if (r == 0)
			r = srv->ops->walk(cur ? cur : from, name, &next, &q);
		if (r < 0)
			break;
		if (cur)
			srv->ops->release(cur);
		cur = next;
		*ret_qid = q;
		rw->wqid[rw->nwqid++] = (struct p9_qid){ q.type, q.version, q.path };
	}
	if (rw->nwqid < t->nwname) {
		if (cur)
			srv->ops->release(cur);
		return rw->nwqid ? 1 : r;
	}
	*ret_node = cur;
	return 0;
}

static int do_walk(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_twalk *t = &req->u.twalk;
	struct gofer_fid *f, *nf;
	struct sentry_gnode *node = NULL;
	int r = gofer_fid_node(srv, t->fid, 1, &f);

	if (r < 0)
		return r;
	if (t->newfid != t->fid && (t->newfid == P9_NOFID || gofer_fid_find(srv, t->newfid)))
		return -EBADF;
	struct sentry_qid qid = f->qid;
	r = walk_names(srv, f->node, t, &rep->u.rwalk, &node, &qid);
	if (r != 0)
		return r < 0 ? r : 0;	/* partial walk: Rwalk with fewer qids, newfid unchanged */
	if (t->newfid == t->fid) {
		srv->ops->release(f->node);
		nf = f;
	} else if ((r = gofer_fid_add(srv, t->newfid, &nf)) < 0) {
		srv->ops->release(node);
		return r;
	}
	nf->node = node;
	nf->qid = qid;
	return 0;
}

static int do_lopen(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	struct gofer_fid *f;
	int host_fd = -1;
	uint32_t iounit = 0;
	int r = gofer_fid_node(srv, req->u.tlopen.fid, 1, &f);

	if (r < 0)
		return r;
	r = srv->ops->open(f->node, req->u.tlopen.flags, &host_fd, &iounit);
	if (r < 0)
		return r;
	f->opened = 1;
	f->open_flags = req->u.tlopen.flags;
	rep->u.ropen.qid = (struct p9_qid){ f->qid.type, f->qid.version, f->qid.path };
	rep->u.ropen.iounit = iounit;
	return 0;
}

/* An opened node fid whose access mode allows @want (O_RDONLY to read, O_WRONLY to write). */
static int io_fid(struct gofer_srv *srv, uint32_t fid, int want, struct gofer_fid **ret)
{
	struct gofer_fid *f = gofer_fid_find(srv, fid);

	if (!f)
		return -EBADF;
	*ret = f;
	if (f->kind == GOFER_FID_XREAD)
		return want == O_RDONLY ? 0 : -EBADF;
	if (f->kind == GOFER_FID_XWRITE)
		return want == O_WRONLY ? 0 : -EBADF;
	if (!f->opened)
		return -EBADF;
	int acc = (int)f->open_flags & O_ACCMODE;
	return acc == O_RDWR || acc == want ? 0 : -EBADF;
}

static int do_read(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tread *t = &req->u.tread;
	struct gofer_fid *f;
	int r = io_fid(srv, t->fid, O_RDONLY, &f);
	int64_t n;

	if (r < 0)
		return r;
	/* The codec bounded count by what an Rread within msize carries. */
	if (f->kind == GOFER_FID_XREAD) {
		uint64_t left = t->offset < f->xsize ? f->xsize - t->offset : 0;
		n = (int64_t)(left < t->count ? left : t->count);
		if (n)
			memcpy(srv->scratch, f->xbuf + t->offset, (size_t)n);
	} else {
		n = srv->ops->read(f->node, srv->scratch, t->count, t->offset);
	}
	if (n < 0)
		return (int)n;
	rep->u.rdata.count = (uint32_t)n;
	rep->u.rdata.data = srv->scratch;
	return 0;
}

static int do_write(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_twrite *t = &req->u.twrite;
	struct gofer_fid *f;
	int r = io_fid(srv, t->fid, O_WRONLY, &f);
	int64_t n;

	if (r < 0)
		return r;
	if (f->kind == GOFER_FID_XWRITE) {
		/* The value arrives in order, in pieces of any size, up to the announced size. */
		if (t->offset > f->xsize || t->count > f->xsize - t->offset)
			return -ENOSPC;
		if (t->count)
			memcpy(f->xbuf + t->offset, t->data, t->count);
		n = t->count;
	} else if (!GOFER_HAS(srv, write)) {
		return -EROFS;
	} else {
		n = srv->ops->write(f->node, t->data, t->count, t->offset);
	}
	if (n < 0)
		return (int)n;
	rep->u.rcount.count = (uint32_t)n;
	return 0;
}

/* Packs backend entries into the Rreaddir data until the requested count is full. */
struct dir_sink {
	struct sentry_gdir_sink base;
	uint8_t *buf;
	size_t cap, used;
};

static int dir_put(struct sentry_gdir_sink *s, const struct sentry_gdirent *de)
{
	struct dir_sink *ds = (struct dir_sink *)s;
	struct p9_dirent e = {
		.qid = { de->qid.type, de->qid.version, de->qid.path },
		.offset = de->off,
		.type = de->type,
		.name = p9_str_of(de->name),
	};
	return p9_dirent_put(ds->buf, ds->cap, &ds->used, &e) == 0 ? 0 : 1;
}

static int do_readdir(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tread *t = &req->u.tread;
	struct gofer_fid *f;
	int r = gofer_fid_node(srv, t->fid, 0, &f);

	if (r < 0)
		return r;
	if (!f->opened)
		return -EBADF;
	struct dir_sink sink = { .base.put = dir_put, .buf = srv->scratch, .cap = t->count };
	r = srv->ops->readdir(f->node, t->offset, &sink.base);
	if (r < 0)
		return r;
	rep->u.rdata.count = (uint32_t)sink.used;
	rep->u.rdata.data = srv->scratch;
	return 0;
}

static int do_clunk(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	struct gofer_fid *f = gofer_fid_find(srv, req->u.tfid.fid);
	int r = 0;

	if (!f)
		return -EBADF;
	/* clunk(5): the fid is gone whatever the answer. */
	if (f->kind == GOFER_FID_XWRITE)
		r = gofer_xattr_commit(srv, f);
	gofer_fid_drop(srv, f);
	return r;
}

static int do_remove(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	struct gofer_fid *f = gofer_fid_find(srv, req->u.tfid.fid);

	if (!f)
		return -EBADF;
	/* A node does not know its name in its directory: removal is Tunlinkat's. remove(5)
	 * clunks the fid even when the removal fails. */
	gofer_fid_drop(srv, f);
	return -EOPNOTSUPP;
}

typedef int (*gofer_handler)(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep);

static const gofer_handler g_handlers[256] = {
	[P9_TSTATFS] = gofer_statfs,	   [P9_TLOPEN] = do_lopen,
	[P9_TLCREATE] = gofer_lcreate,	   [P9_TSYMLINK] = gofer_symlink,
	[P9_TMKNOD] = gofer_mknod,	   [P9_TREADLINK] = gofer_readlink,
	[P9_TGETATTR] = gofer_getattr,	   [P9_TSETATTR] = gofer_setattr,
	[P9_TXATTRWALK] = gofer_xattrwalk, [P9_TXATTRCREATE] = gofer_xattrcreate,
	[P9_TREADDIR] = do_readdir,	   [P9_TFSYNC] = gofer_fsync,
	[P9_TLOCK] = gofer_lock,	   [P9_TGETLOCK] = gofer_getlock,
	[P9_TLINK] = gofer_link,	   [P9_TMKDIR] = gofer_mkdir,
	[P9_TRENAMEAT] = gofer_renameat,   [P9_TUNLINKAT] = gofer_unlinkat,
	[P9_TATTACH] = do_attach,	   [P9_TWALK] = do_walk,
	[P9_TREAD] = do_read,		   [P9_TWRITE] = do_write,
	[P9_TCLUNK] = do_clunk,		   [P9_TREMOVE] = do_remove,
};

/* Answers one decoded request into @rep. */
static void dispatch(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->tag = req->tag;
	rep->type = (uint8_t)(req->type + 1);
	if (req->type == P9_TVERSION) {
		r = do_version(srv, req, rep);
	} else if (req->type == P9_TFLUSH) {
		r = 0;	/* requests are answered in order: the old one already was */
	} else if (!srv->msize) {
		r = -EPROTO;	/* version(5): nothing before a successful Tversion */
	} else if (req->type == P9_TAUTH) {
		r = -EOPNOTSUPP;	/* the channel is the authentication */
	} else if (g_handlers[req->type]) {
		r = g_handlers[req->type](srv, req, rep);
	} else {
		r = -EOPNOTSUPP;	/* an R message, Trename (no names in nodes), Tlerror */
	}
	if (r < 0) {
		memset(&rep->u, 0, sizeof(rep->u));
		rep->type = P9_RLERROR;
		rep->u.rlerror.ecode = (uint32_t)-r;
	}
}

/* Buffered output: replies of one batch of requests leave in one write. */
struct outbuf {
	uint8_t *buf;
	size_t cap, len;
};

static int out_flush(int fd, struct outbuf *o)
{
	size_t done = 0;

	while (done < o->len) {
		ssize_t n = send(fd, o->buf + done, o->len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, o->buf + done, o->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	o->len = 0;
	return 0;
}

/* Decodes, answers and queues the reply of the one frame @frame of @len bytes. */
static int serve_frame(int fd, struct gofer_srv *srv, const uint8_t *frame, size_t len,
		       struct outbuf *o)
{
	struct p9_msg req, rep;
	size_t n;
	uint32_t msize = srv->msize ? srv->msize : GOFER_MSIZE_MAX;
	int r = p9_decode(frame, len, msize, &req);

	if (r == -EOPNOTSUPP) {
		rep = (struct p9_msg){ .type = P9_RLERROR, .tag = req.tag };
		rep.u.rlerror.ecode = EOPNOTSUPP;
	} else if (r < 0) {
		return r;	/* malformed: the peer is not speaking 9P2000.L, stop */
	} else {
		dispatch(srv, &req, &rep);
	}
	if (o->cap - o->len < msize && (r = out_flush(fd, o)) < 0)
		return r;
	r = p9_encode(o->buf + o->len, o->cap - o->len, msize, &rep, &n);
	if (r < 0)
		return r;
	o->len += n;
	return 0;
}

/* Reads and serves frames until the peer closes or a frame is broken. */
static int serve_loop(int fd, struct gofer_srv *srv, uint8_t *in, size_t cap, struct outbuf *o)
{
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, in + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == ECONNRESET ? 0 : -errno;
		if (n == 0)
			return have ? -EPROTO : 0;	/* closed, maybe inside a frame */
		have += (size_t)n;
		size_t pos = 0;
		for (;;) {
			uint32_t msize = srv->msize ? srv->msize : GOFER_MSIZE_MAX;
			ssize_t fs = p9_frame_size(in + pos, have - pos, msize);
			if (fs < 0)
				return (int)fs;
			if (fs == 0 || (size_t)fs > have - pos)
				break;
			int r = serve_frame(fd, srv, in + pos, (size_t)fs, o);
			if (r < 0)
				return r;
			pos += (size_t)fs;
		}
		memmove(in, in + pos, have - pos);
		have -= pos;
		int r = out_flush(fd, o);
		if (r < 0)
			return r == -EPIPE || r == -ECONNRESET ? 0 : r;
	}
}

int gofer_serve(int fd, struct gofer_export *exp)
{
	struct gofer_srv *srv = calloc(1, sizeof(*srv));
	uint8_t *in = malloc(GOFER_MSIZE_MAX);
	struct outbuf o = { .buf = malloc(2 * (size_t)GOFER_MSIZE_MAX),
			    .cap = 2 * (size_t)GOFER_MSIZE_MAX };
	int r = -ENOMEM;

	if (srv && in && o.buf && (srv->scratch = malloc(GOFER_MSIZE_MAX))) {
		srv->exp = exp;
		srv->ops = exp->ops;
		r = serve_loop(fd, srv, in, GOFER_MSIZE_MAX, &o);
	}
	if (srv) {
		drop_all(srv);
		free(srv->scratch);
	}
	if (exp->root)
		exp->ops->release(exp->root);
	exp->root = NULL;
	free(srv);
	free(in);
	free(o.buf);
	return r;
}
