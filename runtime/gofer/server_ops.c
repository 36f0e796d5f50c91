/*
 * runtime/gofer/server_ops.c: the Gofer's handlers of the messages that change the tree or
 * carry metadata: getattr, setattr, lcreate, mkdir, mknod, symlink, link, renameat, unlinkat,
 * readlink, statfs, fsync, xattrs, locks. Every name is checked with gofer_name before the
 * backend sees it; an optional backend slot left NULL gives sentry/gofer.h's default errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server_internal.h"

static struct p9_qid wire_qid(const struct sentry_qid *q)
{
	return (struct p9_qid){ .type = q->type, .version = q->version, .path = q->path };
}

/* Rgetattr valid bits from statx mask bits: the same fields, other numbering. */
static uint64_t getattr_valid(uint32_t m)
{
	uint64_t v = 0;

	v |= (m & (SENTRY_STATX_TYPE | SENTRY_STATX_MODE)) ? P9_GETATTR_MODE : 0;
	v |= (m & SENTRY_STATX_NLINK) ? P9_GETATTR_NLINK : 0;
	v |= (m & SENTRY_STATX_UID) ? P9_GETATTR_UID : 0;
	v |= (m & SENTRY_STATX_GID) ? P9_GETATTR_GID : 0;
	v |= (m & SENTRY_STATX_ATIME) ? P9_GETATTR_ATIME : 0;
	v |= (m & SENTRY_STATX_MTIME) ? P9_GETATTR_MTIME : 0;
	v |= (m & SENTRY_STATX_CTIME) ? P9_GETATTR_CTIME : 0;
	v |= (m & SENTRY_STATX_INO) ? P9_GETATTR_INO : 0;
	v |= (m & SENTRY_STATX_SIZE) ? P9_GETATTR_SIZE : 0;
	v |= (m & SENTRY_STATX_BLOCKS) ? P9_GETATTR_BLOCKS : 0;
	v |= (m & SENTRY_STATX_BTIME) ? P9_GETATTR_BTIME : 0;
	return v | P9_GETATTR_RDEV;
}

int gofer_getattr(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	struct gofer_fid *f;
	struct sentry_statx st;
	int r = gofer_fid_node(srv, req->u.tgetattr.fid, 0, &f);

	if (r < 0)
		return r;
	if ((r = srv->ops->getattr(f->node, SENTRY_STATX_BASIC_STATS | SENTRY_STATX_BTIME, &st)) < 0)
		return r;
	struct p9_rgetattr *g = &rep->u.rgetattr;
	g->valid = getattr_valid(st.mask);
	g->qid = wire_qid(&f->qid);
	g->mode = st.mode;
	g->uid = st.uid;
	g->gid = st.gid;
	g->nlink = st.nlink;
	g->rdev = ((uint64_t)st.rdev_major << 32) | st.rdev_minor;
	g->size = st.size;
	g->blksize = st.blksize;
	g->blocks = st.blocks;
	g->atime_sec = (uint64_t)st.atime.sec;
	g->atime_nsec = (uint64_t)st.atime.nsec;
	g->mtime_sec = (uint64_t)st.mtime.sec;
	g->mtime_nsec = (uint64_t)st.mtime.nsec;
	g->ctime_sec = (uint64_t)st.ctime.sec;
	g->ctime_nsec = (uint64_t)st.ctime.nsec;
	g->btime_sec = (uint64_t)st.btime.sec;
	g->btime_nsec = (uint64_t)st.btime.nsec;
	return 0;
}

/* A time of Tsetattr: the given one with *_SET, else "now" (Linux's 9p client semantics). */
static struct sentry_timespec set_time(uint32_t valid, uint32_t set_bit, uint64_t sec,
				       uint64_t nsec)
{
	if (!(valid & set_bit))
		return (struct sentry_timespec){ .sec = 0, .nsec = SENTRY_UTIME_NOW };
	return (struct sentry_timespec){ .sec = (int64_t)sec, .nsec = (int64_t)nsec };
}

int gofer_setattr(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tsetattr *t = &req->u.tsetattr;
	const uint32_t known = P9_SETATTR_MODE | P9_SETATTR_UID | P9_SETATTR_GID | P9_SETATTR_SIZE |
			       P9_SETATTR_ATIME | P9_SETATTR_MTIME | P9_SETATTR_CTIME |
			       P9_SETATTR_ATIME_SET | P9_SETATTR_MTIME_SET;
	struct gofer_fid *f;
	struct sentry_statx st = { 0 };
	uint32_t valid = 0;
	int r = gofer_fid_node(srv, t->fid, 0, &f);

	if (r < 0)
		return r;
	if (t->valid & ~known)
		return -EINVAL;
	if (t->atime_nsec >= 1000000000u || t->mtime_nsec >= 1000000000u)
		return -EINVAL;
	st.mode = (uint16_t)(t->mode & 07777);
	st.uid = t->uid;
	st.gid = t->gid;
	st.size = t->size;
	st.atime = set_time(t->valid, P9_SETATTR_ATIME_SET, t->atime_sec, t->atime_nsec);
	st.mtime = set_time(t->valid, P9_SETATTR_MTIME_SET, t->mtime_sec, t->mtime_nsec);
	valid |= (t->valid & P9_SETATTR_MODE) ? SENTRY_STATX_MODE : 0;
	valid |= (t->valid & P9_SETATTR_UID) ? SENTRY_STATX_UID : 0;
	valid |= (t->valid & P9_SETATTR_GID) ? SENTRY_STATX_GID : 0;
	valid |= (t->valid & P9_SETATTR_SIZE) ? SENTRY_STATX_SIZE : 0;
	valid |= (t->valid & P9_SETATTR_ATIME) ? SENTRY_STATX_ATIME : 0;
	valid |= (t->valid & P9_SETATTR_MTIME) ? SENTRY_STATX_MTIME : 0;
	/* CTIME alone: the host updates ctime with any change; nothing to do. */
	if (!valid)
		return 0;
	if (!GOFER_HAS(srv, setattr))
		return -EROFS;
	return srv->ops->setattr(f->node, &st, valid);
}

int gofer_lcreate(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tlcreate *t = &req->u.tlcreate;
	struct gofer_fid *f;
	struct sentry_gnode *node;
	struct sentry_qid q;
	char name[NAME_MAX + 1];
	int host_fd = -1;
	int r = gofer_fid_node(srv, t->fid, 1, &f);

	if (r == 0)
		r = gofer_name(&t->name, name);
	if (r < 0)
		return r;
	if (!(f->qid.type & P9_QTDIR))
		return -ENOTDIR;
	if (!GOFER_HAS(srv, create))
		return -EROFS;
	if ((r = srv->ops->create(f->node, name, t->flags, t->mode, t->gid, &node, &q, &host_fd)) < 0)
		return r;
	/* lcreate: the directory fid becomes the new, opened file. */
	srv->ops->release(f->node);
	f->node = node;
	f->qid = q;
	f->opened = 1;
	f->open_flags = t->flags;
	rep->u.ropen.qid = wire_qid(&q);
	rep->u.ropen.iounit = 0;
	return 0;
}

/* The directory fid @dfid and the checked @name of a request that adds or removes an entry. */
static int dir_and_name(struct gofer_srv *srv, uint32_t dfid, const struct p9_str *s,
			struct gofer_fid **ret_dir, char *name)
{
	int r = gofer_fid_node(srv, dfid, 0, ret_dir);

	if (r == 0)
		r = gofer_name(s, name);
	if (r == 0 && !((*ret_dir)->qid.type & P9_QTDIR))
		r = -ENOTDIR;
	return r;
}

int gofer_mkdir(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tmkdir *t = &req->u.tmkdir;
	struct gofer_fid *d;
	struct sentry_qid q;
	char name[NAME_MAX + 1];
	int r = dir_and_name(srv, t->dfid, &t->name, &d, name);

	if (r < 0)
		return r;
	if (!GOFER_HAS(srv, mkdir))
		return -EROFS;
	if ((r = srv->ops->mkdir(d->node, name, t->mode, t->gid, &q)) < 0)
		return r;
	rep->u.rqid.qid = wire_qid(&q);
	return 0;
}

int gofer_mknod(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tmknod *t = &req->u.tmknod;
	struct gofer_fid *d;
	struct sentry_qid q;
	char name[NAME_MAX + 1];
	int r = dir_and_name(srv, t->dfid, &t->name, &d, name);

	if (r < 0)
		return r;
	if (!GOFER_HAS(srv, mknod))
		return -EROFS;
	if ((r = srv->ops->mknod(d->node, name, t->mode, t->major, t->minor, t->gid, &q)) < 0)
		return r;
	rep->u.rqid.qid = wire_qid(&q);
	return 0;
}

int gofer_symlink(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tsymlink *t = &req->u.tsymlink;
	struct gofer_fid *d;
	struct sentry_qid q;
	char name[NAME_MAX + 1];
	int r = dir_and_name(srv, t->dfid, &t->name, &d, name);

	if (r < 0)
		return r;
	/* symlink(2): an empty target is ENOENT; a long one ENAMETOOLONG. */
	if (t->symtgt.len == 0)
		return -ENOENT;
	char *target = malloc((size_t)t->symtgt.len + 1);
	if (!target)
		return -ENOMEM;
	r = (int)p9_str_copy(&t->symtgt, target, (size_t)t->symtgt.len + 1);
	if (r >= 0 && t->symtgt.len >= PATH_MAX)
		r = -ENAMETOOLONG;
	if (r >= 0)
		r = GOFER_HAS(srv, symlink) ? srv->ops->symlink(d->node, name, target, t->gid, &q)
					    : -EROFS;
	free(target);
	if (r < 0)
		return r;
	rep->u.rqid.qid = wire_qid(&q);
	return 0;
}

int gofer_link(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tlink *t = &req->u.tlink;
	struct gofer_fid *d, *target;
	char name[NAME_MAX + 1];
	int r = dir_and_name(srv, t->dfid, &t->name, &d, name);

	if (r == 0)
		r = gofer_fid_node(srv, t->fid, 0, &target);
	if (r < 0)
		return r;
	if (!GOFER_HAS(srv, link))
		return -EROFS;
	return srv->ops->link(d->node, target->node, name);
}

int gofer_renameat(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_trenameat *t = &req->u.trenameat;
	struct gofer_fid *od, *nd;
	char oname[NAME_MAX + 1], nname[NAME_MAX + 1];
	int r = dir_and_name(srv, t->olddirfid, &t->oldname, &od, oname);

	if (r == 0)
		r = dir_and_name(srv, t->newdirfid, &t->newname, &nd, nname);
	if (r < 0)
		return r;
	if (!GOFER_HAS(srv, renameat))
		return -EROFS;
	return srv->ops->renameat(od->node, oname, nd->node, nname);
}

int gofer_unlinkat(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tunlinkat *t = &req->u.tunlinkat;
	struct gofer_fid *d;
	char name[NAME_MAX + 1];
	int r = dir_and_name(srv, t->dirfid, &t->name, &d, name);

	if (r < 0)
		return r;
	if (t->flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	if (!GOFER_HAS(srv, unlinkat))
		return -EROFS;
	return srv->ops->unlinkat(d->node, name, t->flags);
}

int gofer_readlink(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	struct gofer_fid *f;
	int r = gofer_fid_node(srv, req->u.tfid.fid, 0, &f);

	if (r < 0)
		return r;
	if (!GOFER_HAS(srv, readlink))
		return -EINVAL;
	/* PATH_MAX bytes and a NUL fit the scratch buffer (msize >= P9_MSIZE_MIN). */
	if ((r = srv->ops->readlink(f->node, (char *)srv->scratch, PATH_MAX + 1)) < 0)
		return r;
	rep->u.rreadlink.target = (struct p9_str){ .s = (const char *)srv->scratch,
						   .len = (uint16_t)r };
	return 0;
}

int gofer_statfs(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	struct gofer_fid *f;
	struct sentry_statfs st;
	int r = gofer_fid_node(srv, req->u.tfid.fid, 0, &f);

	if (r < 0)
		return r;
	if (!GOFER_HAS(srv, statfs))
		return -ENOSYS;
	if ((r = srv->ops->statfs(f->node, &st)) < 0)
		return r;
	rep->u.rstatfs = (struct p9_rstatfs){
		.type = (uint32_t)st.type, .bsize = (uint32_t)st.bsize, .blocks = st.blocks,
		.bfree = st.bfree, .bavail = st.bavail, .files = st.files, .ffree = st.ffree,
		.fsid = 0, .namelen = (uint32_t)st.namelen,
	};
	return 0;
}

int gofer_fsync(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	struct gofer_fid *f;
	int r = gofer_fid_node(srv, req->u.tfsync.fid, 0, &f);

	if (r < 0)
		return r;
	if (!f->opened)
		return -EBADF;
	return GOFER_HAS(srv, fsync) ? srv->ops->fsync(f->node, req->u.tfsync.datasync != 0) : 0;
}

/* Reads the whole value of @name (NULL: the name list) of @node into a new buffer. */
static int64_t xattr_fetch(struct gofer_srv *srv, struct sentry_gnode *node, const char *name,
			   uint8_t **ret_buf)
{
	if (name ? !GOFER_HAS(srv, getxattr) : !GOFER_HAS(srv, listxattr))
		return -EOPNOTSUPP;
	int64_t n = name ? srv->ops->getxattr(node, name, NULL, 0)
			 : srv->ops->listxattr(node, NULL, 0);
	if (n < 0)
		return n;
	uint8_t *buf = malloc(n ? (size_t)n : 1);
	if (!buf)
		return -ENOMEM;
	int64_t got = n ? (name ? srv->ops->getxattr(node, name, buf, (size_t)n)
				: srv->ops->listxattr(node, (char *)buf, (size_t)n))
			: 0;
	if (got < 0) {
		free(buf);
		return got == -ERANGE ? -EAGAIN : got;	/* it grew meanwhile: the client retries */
	}
	*ret_buf = buf;
	return got;
}

int gofer_xattrwalk(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_txattrwalk *t = &req->u.txattrwalk;
	struct gofer_fid *f, *nf;
	char name[XATTR_NAME_MAX + 1];
	uint8_t *buf = NULL;
	int r = gofer_fid_node(srv, t->fid, 0, &f);

	if (r < 0)
		return r;
	if (t->newfid == P9_NOFID || (t->newfid != t->fid && gofer_fid_find(srv, t->newfid)))
		return -EBADF;
	if (t->name.len && p9_str_copy(&t->name, name, sizeof(name)) < 0)
		return -ERANGE;	/* getxattr(2): a name over XATTR_NAME_MAX */
	int64_t n = xattr_fetch(srv, f->node, t->name.len ? name : NULL, &buf);
	if (n < 0)
		return (int)n;
	if (t->newfid == t->fid) {
		srv->ops->release(f->node);
		f->node = NULL;
		nf = f;
	} else if ((r = gofer_fid_add(srv, t->newfid, &nf)) < 0) {
		free(buf);
		return r;
	}
	nf->kind = GOFER_FID_XREAD;
	nf->opened = 1;
	nf->xbuf = buf;
	nf->xsize = (uint64_t)n;
	rep->u.rxattrwalk.size = (uint64_t)n;
	return 0;
}

int gofer_xattrcreate(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_txattrcreate *t = &req->u.txattrcreate;
	struct gofer_fid *f;
	int r = gofer_fid_node(srv, t->fid, 1, &f);

	if (r < 0)
		return r;
	if (t->flags & ~(P9_XATTR_CREATE | P9_XATTR_REPLACE | P9_XATTR_REMOVE))
		return -EINVAL;
	if (t->name.len == 0)
		return -EINVAL;
	if (t->name.len > XATTR_NAME_MAX)
		return -ERANGE;
	if (t->attr_size > GOFER_XATTR_MAX)
		return -E2BIG;
	char *name = malloc((size_t)t->name.len + 1);
	/* Zeroed: what the client does not write must not carry our heap into the file. */
	uint8_t *buf = calloc(1, t->attr_size ? (size_t)t->attr_size : 1);
	if (!name || !buf) {
		free(name);
		free(buf);
		return -ENOMEM;
	}
	(void)p9_str_copy(&t->name, name, (size_t)t->name.len + 1);
	f->kind = GOFER_FID_XWRITE;
	f->xname = name;
	f->xbuf = buf;
	f->xsize = t->attr_size;
	f->xflags = t->flags;
	return 0;
}

int gofer_xattr_commit(struct gofer_srv *srv, struct gofer_fid *f)
{
	if (f->xflags & P9_XATTR_REMOVE)
		return GOFER_HAS(srv, removexattr) ? srv->ops->removexattr(f->node, f->xname)
						   : -EOPNOTSUPP;
	if (!GOFER_HAS(srv, setxattr))
		return -EOPNOTSUPP;
	return srv->ops->setxattr(f->node, f->xname, f->xbuf, (size_t)f->xsize,
				  (int)(f->xflags & (P9_XATTR_CREATE | P9_XATTR_REPLACE)));
}

int gofer_lock(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_tlock *t = &req->u.tlock;
	struct gofer_fid *f;
	int status = P9_LOCK_SUCCESS;
	int r = gofer_fid_node(srv, t->fid, 0, &f);

	if (r < 0)
		return r;
	if (!f->opened)
		return -EBADF;
	if (t->type > P9_LOCK_TYPE_UNLCK)
		return -EINVAL;
	/* No lock slot: locks stay inside the sandbox, which keeps them itself. */
	if (GOFER_HAS(srv, lock) &&
	    (r = srv->ops->lock(f->node, F_SETLK, t->type, t->start, t->length, t->proc_id,
				&status)) < 0)
		return r;
	rep->u.rlock.status = (uint8_t)status;
	return 0;
}

int gofer_getlock(struct gofer_srv *srv, const struct p9_msg *req, struct p9_msg *rep)
{
	const struct p9_getlock *t = &req->u.getlock;
	struct gofer_fid *f;
	int status = 0;
	int r = gofer_fid_node(srv, t->fid, 0, &f);

	if (r < 0)
		return r;
	if (!f->opened)
		return -EBADF;
	if (t->type > P9_LOCK_TYPE_UNLCK)
		return -EINVAL;
	rep->u.getlock = *t;
	rep->u.getlock.fid = 0;
	if (!GOFER_HAS(srv, lock)) {
		rep->u.getlock.type = P9_LOCK_TYPE_UNLCK;	/* nothing held on the host's side */
		return 0;
	}
	r = srv->ops->lock(f->node, F_GETLK, t->type, t->start, t->length, t->proc_id, &status);
	if (r < 0)
		return r;
	rep->u.getlock.type = (uint8_t)status;
	return 0;
}
