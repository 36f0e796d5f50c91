/*
 * p9fs_ops.c: fs-gofer9p's lookups, open, attributes, readlink, statfs and xattrs.
 *
 * The Gofer acts with its own (root's) rights, so every permission check of Linux happens here
 * first, against the cached attributes, in fs/namei.c's order; the server's errno decides the
 * rest (ENOTEMPTY, ENOSPC, EROFS of a read-only Gofer...).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "p9fs.h"

/* Walks the whole path; a trailing "/" or O_DIRECTORY wants a directory. */
static int walk_all(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry **ret,
		    struct p9fs_wk *wk)
{
	int r = p9fs_walk(fs, rp, 0, ret, wk);

	if (r == 0 && fs->rp->must_be_dir(rp) && !S_ISDIR((*ret)->inode->st.mode))
		return -ENOTDIR;
	return r;
}

static void stat_copy(struct p9fs_inode *in, struct sentry_statx *ret)
{
	pthread_mutex_lock(&in->io);
	*ret = in->st;
	pthread_mutex_unlock(&in->io);
}

int p9fs_get_dentry_at(struct sentry_fs *sfs, struct sentry_rp *rp, struct sentry_dentry **ret_d)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;

	pthread_mutex_lock(&fs->mu);
	int r = walk_all(fs, rp, &d, &wk);
	if (r == 0) {
		p9fs_dentry_get(sfs, &d->base);
		*ret_d = &d->base;
	}
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}

int p9fs_stat_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t mask,
		 struct sentry_statx *ret)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;

	pthread_mutex_lock(&fs->mu);
	int r = walk_all(fs, rp, &d, &wk);
	if (r == 0)
		stat_copy(d->inode, ret);
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}

int p9fs_dentry_stat(struct sentry_fs *sfs, struct sentry_dentry *sd, uint32_t mask,
		     struct sentry_statx *ret)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_dentry *d = p9fs_d(sd);

	/* Shared files change behind the Sentry's back: fstat asks. */
	if (fs->cache == P9FS_CACHE_SHARED && d->fid != P9_NOFID) {
		struct p9c_call c;
		p9fs_req_getattr(&c, d->fid);
		if (p9c_rpc(fs->ch, &c) == 0)
			p9fs_attr_set(d->inode, &c.rep.u.rgetattr);
	}
	stat_copy(d->inode, ret);
	return 0;
}

/* Tsetattr fields of @ss. */
static void setattr_req(struct p9c_call *c, uint32_t fid, const struct sentry_setstat *ss)
{
	struct p9_tsetattr *t = &c->req.u.tsetattr;

	memset(c, 0, sizeof(*c));
	c->req.type = P9_TSETATTR;
	t->fid = fid;
	t->valid |= (ss->mask & SENTRY_STATX_MODE) ? P9_SETATTR_MODE : 0;
	t->valid |= (ss->mask & SENTRY_STATX_UID) ? P9_SETATTR_UID : 0;
	t->valid |= (ss->mask & SENTRY_STATX_GID) ? P9_SETATTR_GID : 0;
	t->valid |= (ss->mask & SENTRY_STATX_SIZE) ? P9_SETATTR_SIZE : 0;
	t->mode = ss->mode & 07777;
	t->uid = ss->uid;
	t->gid = ss->gid;
	t->size = ss->size;
	if ((ss->mask & SENTRY_STATX_ATIME) && ss->atime.nsec != SENTRY_UTIME_OMIT) {
		t->valid |= P9_SETATTR_ATIME;
		if (ss->atime.nsec != SENTRY_UTIME_NOW) {
			t->valid |= P9_SETATTR_ATIME_SET;
			t->atime_sec = (uint64_t)ss->atime.sec;
			t->atime_nsec = (uint64_t)ss->atime.nsec;
		}
	}
	if ((ss->mask & SENTRY_STATX_MTIME) && ss->mtime.nsec != SENTRY_UTIME_OMIT) {
		t->valid |= P9_SETATTR_MTIME;
		if (ss->mtime.nsec != SENTRY_UTIME_NOW) {
			t->valid |= P9_SETATTR_MTIME_SET;
			t->mtime_sec = (uint64_t)ss->mtime.sec;
			t->mtime_nsec = (uint64_t)ss->mtime.nsec;
		}
	}
	/* Linux changes ctime with any attribute change; the host does it too. */
	t->valid |= P9_SETATTR_CTIME;
}

/* Shrinking drops whole pages past the end and zeroes the tail of the last one, so a later
 * extension reads zeros. Under in->io. */
static void pages_resize(struct p9fs_fs *fs, struct p9fs_inode *in, uint64_t size)
{
	uint64_t idx = size / P9FS_PAGE;

	p9fs_pages_trim(fs, in, (size + P9FS_PAGE - 1) / P9FS_PAGE);
	if (size % P9FS_PAGE && idx / P9FS_CHUNK < in->nchunks && in->pages[idx / P9FS_CHUNK]) {
		uint64_t slot = in->pages[idx / P9FS_CHUNK][idx % P9FS_CHUNK];
		if (slot & P9FS_PG_SET)
			memset((char *)fs->svc->mf_ptr(slot & ~(uint64_t)(P9FS_PAGE - 1)) +
				       size % P9FS_PAGE,
			       0, P9FS_PAGE - size % P9FS_PAGE);
	}
}

/* Applies @ss to @d and rereads its attributes, in one round trip. */
static int setstat(struct p9fs_fs *fs, struct p9fs_dentry *d, const struct sentry_setstat *ss)
{
	struct p9fs_inode *in = d->inode;
	struct p9c_call c[2];

	setattr_req(&c[0], d->fid, ss);
	p9fs_req_getattr(&c[1], d->fid);
	pthread_mutex_lock(&in->io);
	int r = p9c_run(fs->ch, c, 2);
	if (r == 0)
		r = c[0].err;
	if (r == 0 && (ss->mask & SENTRY_STATX_SIZE))
		pages_resize(fs, in, ss->size);
	pthread_mutex_unlock(&in->io);
	/* The mode and owner that walks check live under fs->mu: publish them under it. */
	if (r == 0 && c[1].err == 0) {
		pthread_mutex_lock(&fs->mu);
		p9fs_attr_set(in, &c[1].rep.u.rgetattr);
		pthread_mutex_unlock(&fs->mu);
	}
	return r;
}

int p9fs_dentry_setstat(struct sentry_fs *sfs, struct sentry_dentry *sd,
			const struct sentry_creds *creds, const struct sentry_setstat *ss)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_dentry *d = p9fs_d(sd);

	/* setstat(2) family on a regular file only changes size; the core checked the rest. */
	if ((ss->mask & SENTRY_STATX_SIZE) && !S_ISREG(d->inode->st.mode))
		return -EINVAL;
	return setstat(fs, d, ss);
}

int p9fs_handle(struct p9fs_fs *fs, struct p9fs_inode *in, uint32_t fid, int want_write)
{
	if (in->hfid != P9_NOFID && (in->hwrite || !want_write))
		return 0;
	uint32_t nf = p9c_fid_get(fs->ch);
	struct p9c_call c[2];

	if (nf == P9_NOFID)
		return -ENOMEM;
	p9fs_req_walk(&c[0], fid, nf, NULL, 0);
	memset(&c[1], 0, sizeof(c[1]));
	c[1].req.type = P9_TLOPEN;
	c[1].req.u.tlopen.fid = nf;
	c[1].req.u.tlopen.flags = want_write ? O_RDWR : O_RDONLY;
	int r = p9c_run(fs->ch, c, 2);
	if (r == 0)
		r = c[0].err ? c[0].err : c[1].err;
	if (r < 0) {
		if (c[0].err == 0)
			p9c_clunk(fs->ch, nf);
		else
			p9c_fid_put(fs->ch, nf);
		return r;
	}
	p9c_clunk(fs->ch, in->hfid);	/* a read-only handle upgraded: the old one goes */
	in->hfid = nf;
	in->hwrite = want_write;
	return 0;
}

/* The checks of may_open() on an existing file, in fs/namei.c's order. */
static int may_open(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *d,
		    uint32_t flags, int created)
{
	uint32_t mode = d->inode->st.mode, acc = flags & O_ACCMODE;
	uint32_t want = (acc == O_RDONLY || acc == O_RDWR ? SENTRY_MAY_READ : 0) |
			(acc != O_RDONLY || (flags & O_TRUNC) ? SENTRY_MAY_WRITE : 0);

	if (S_ISLNK(mode))
		return -ELOOP;
	if (!S_ISDIR(mode) && fs->rp->must_be_dir(rp))
		return -ENOTDIR;
	if (S_ISDIR(mode) && (want & SENTRY_MAY_WRITE))
		return -EISDIR;
	if (!S_ISREG(mode) && !S_ISDIR(mode))
		return -ENXIO;	/* TODO(#4): FIFOs, sockets and devices need Sentry-side files */
	if (!created) {
		int r = p9fs_may(fs, rp, d->inode, want);
		if (r < 0)
			return r;
	}
	const struct sentry_creds *c = fs->rp->creds(rp);
	if ((flags & O_NOATIME) && c->fsuid != d->inode->st.uid &&
	    !((c->cap_effective >> SENTRY_CAP_FOWNER) & 1))
		return -EPERM;
	return 0;
}

/* open(O_CREAT) of a path with a final component: creates it, or opens what is there. */
static int open_create(struct p9fs_fs *fs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
		       struct p9fs_dentry **ret, int *created, struct p9fs_wk *wk)
{
	const struct sentry_rp_ops *o = fs->rp;

	for (;;) {
		struct p9fs_dentry *dir, *d;
		size_t len;
		int r = p9fs_walk(fs, rp, 1, &dir, wk);
		if (r < 0)
			return r;
		const char *name = o->component(rp, &len);
		/* fs/namei.c open_last_lookups: "/", "." and a trailing "/" are EISDIR. */
		if (!name || (len <= 2 && name[0] == '.' && (len == 1 || name[1] == '.')) ||
		    o->must_be_dir(rp))
			return -EISDIR;
		if ((r = p9fs_child(fs, dir, name, len, &d, wk)) < 0)
			return r;
		if (!d->inode) {
			*created = 1;
			return p9fs_create_file(fs, rp, dir, name, len, mode, ret, wk);
		}
		if (flags & O_EXCL)
			return -EEXIST;
		o->advance(rp);
		if (d->base.mount_count && (r = o->check_mount(rp, &d->base)) < 0)
			return r;
		if (S_ISDIR(d->inode->st.mode))
			return -EISDIR;
		if (S_ISLNK(d->inode->st.mode) && o->should_follow(rp)) {
			if (!d->inode->target && (r = p9fs_target(fs, d, wk)) < 0)
				return r;
			if ((r = o->handle_symlink(rp, d->inode->target,
						   strlen(d->inode->target))) < 0)
				return r;
			continue;
		}
		*ret = d;
		return 0;
	}
}

/* Shared cache: an open rereads the attributes and forgets pages of a file that changed. */
static int revalidate(struct p9fs_fs *fs, struct p9fs_dentry *d)
{
	struct p9fs_inode *in = d->inode;
	struct p9c_call c;
	struct sentry_statx st;

	p9fs_req_getattr(&c, d->fid);
	int r = p9c_rpc(fs->ch, &c);
	if (r < 0)
		return r;
	p9fs_attr_from(&c.rep.u.rgetattr, &st);
	if (st.size != in->st.size || st.mtime.sec != in->st.mtime.sec ||
	    st.mtime.nsec != in->st.mtime.nsec)
		p9fs_pages_trim(fs, in, 0);
	in->st = st;
	return 0;
}

/* The I/O side of open, after the walk: handle, truncation, revalidation. */
static int open_io(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *d,
		   uint32_t flags, int created)
{
	struct p9fs_inode *in = d->inode;
	int wr = (flags & O_ACCMODE) != O_RDONLY;
	int r = 0;

	if (!S_ISREG(in->st.mode))
		return 0;
	if ((wr || (flags & O_TRUNC)) && (r = fs->rp->write_begin(rp)) < 0)
		return r;
	pthread_mutex_lock(&in->io);
	if (fs->cache == P9FS_CACHE_SHARED && !created)
		r = revalidate(fs, d);
	if (r == 0)
		r = p9fs_handle(fs, in, d->fid, wr);
	pthread_mutex_unlock(&in->io);
	if (r == 0 && (flags & O_TRUNC) && !created && in->st.size) {
		struct sentry_setstat ss = { .mask = SENTRY_STATX_SIZE | SENTRY_STATX_MTIME,
					     .mtime.nsec = SENTRY_UTIME_NOW };
		r = setstat(fs, d, &ss);
	}
	if (wr || (flags & O_TRUNC))
		fs->rp->write_end(rp);
	return r;
}

static int new_file(struct p9fs_fs *fs, struct p9fs_dentry *d, uint32_t flags,
		    struct sentry_file **ret)
{
	struct p9fs_file *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	f->base.ops = S_ISDIR(d->inode->st.mode) ? &p9fs_dir_ops : &p9fs_reg_ops;
	f->base.ops_size = sizeof(struct sentry_file_ops);
	f->base.flags = flags;
	f->base.dentry = &d->base;
	f->fs = fs;
	f->own = d;
	p9fs_dentry_get(NULL, &d->base);
	*ret = &f->base;
	return 0;
}

int p9fs_open_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
		 struct sentry_file **ret_file)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d = NULL;
	int created = 0, r;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;	/* open(2): a filesystem without O_TMPFILE */
	pthread_mutex_lock(&fs->mu);
	if ((flags & O_CREAT) && !fs->rp->done(rp)) {
		r = open_create(fs, rp, flags, mode & 07777, &d, &created, &wk);
	} else {
		r = p9fs_walk(fs, rp, 0, &d, &wk);
		if (r == 0 && (flags & O_CREAT) && S_ISDIR(d->inode->st.mode))
			r = -EISDIR;
		else if (r == 0 && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			r = -EEXIST;
	}
	if (r == 0)
		r = may_open(fs, rp, d, flags, created);
	if (r == 0)
		p9fs_wk_hold(fs, &wk, d);	/* the I/O below runs without fs->mu */
	pthread_mutex_unlock(&fs->mu);
	if (r == 0)
		r = open_io(fs, rp, d, flags, created);
	if (r == 0)
		r = new_file(fs, d, flags, ret_file);
	p9fs_wk_done(fs, &wk);
	return r;
}

int64_t p9fs_readlink_at(struct sentry_fs *sfs, struct sentry_rp *rp, char *buf, size_t size)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;

	pthread_mutex_lock(&fs->mu);
	int64_t r = p9fs_walk(fs, rp, 0, &d, &wk);
	if (r == 0 && !S_ISLNK(d->inode->st.mode))
		r = -EINVAL;
	if (r == 0 && !d->inode->target)
		r = p9fs_target(fs, d, &wk);
	if (r == 0) {
		size_t len = strlen(d->inode->target);
		r = (int64_t)(len < size ? len : size);
		memcpy(buf, d->inode->target, (size_t)r);
	}
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}

int p9fs_statfs_at(struct sentry_fs *sfs, struct sentry_rp *rp, struct sentry_statfs *st)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;
	struct p9c_call c = { .req.type = P9_TSTATFS };

	pthread_mutex_lock(&fs->mu);
	int r = walk_all(fs, rp, &d, &wk);
	if (r == 0) {
		c.req.u.tfid.fid = d->fid;
		r = p9fs_run_unlocked(fs, &wk, d, &c, 1);
	}
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	if (r == 0)
		r = c.err;
	if (r < 0)
		return r;
	const struct p9_rstatfs *s = &c.rep.u.rstatfs;
	*st = (struct sentry_statfs){ .type = s->type, .bsize = s->bsize, .blocks = s->blocks,
				      .bfree = s->bfree, .bavail = s->bavail, .files = s->files,
				      .ffree = s->ffree, .namelen = s->namelen, .frsize = s->bsize };
	return 0;
}

/* The dentry of an xattr call (the core resolved AT_SYMLINK_NOFOLLOW into the rp), with a
 * reference in @wk, fs->mu released. */
static int xattr_target(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry **ret,
			struct p9fs_wk *wk)
{
	pthread_mutex_lock(&fs->mu);
	int r = walk_all(fs, rp, ret, wk);
	if (r == 0)
		p9fs_wk_hold(fs, wk, *ret);
	pthread_mutex_unlock(&fs->mu);
	return r;
}

/* Txattrwalk of @name (NULL: the list) of @d, the value read into @buf of @size (0: size only),
 * the fid clunked: one round trip. Returns bytes, -ERANGE, -ENODATA... */
static int64_t xattr_read(struct p9fs_fs *fs, struct p9fs_dentry *d, const char *name,
			  void *buf, size_t size)
{
	uint32_t nf = p9c_fid_get(fs->ch);
	uint32_t count = size < p9c_iounit(fs->ch) ? (uint32_t)size : p9c_iounit(fs->ch);
	struct p9c_call c[3];

	if (nf == P9_NOFID)
		return -ENOMEM;
	memset(c, 0, sizeof(c));
	c[0].req.type = P9_TXATTRWALK;
	c[0].req.u.txattrwalk = (struct p9_txattrwalk){ .fid = d->fid, .newfid = nf,
							 .name = p9_str_of(name ? name : "") };
	c[1].req.type = P9_TREAD;
	c[1].req.u.tread = (struct p9_tread){ .fid = nf, .offset = 0, .count = count };
	c[1].rx_cap = (size_t)count + 64;
	c[1].rx = malloc(c[1].rx_cap);
	c[2].req.type = P9_TCLUNK;
	c[2].req.u.tfid.fid = nf;
	int64_t r = c[1].rx ? p9c_run(fs->ch, c, size ? 3 : 1) : -ENOMEM;
	if (r == 0)
		r = c[0].err;
	if (r == 0 && !size) {
		p9c_clunk(fs->ch, nf);
		nf = P9_NOFID;
	}
	p9c_fid_put(fs->ch, nf);
	if (r == 0 && size) {
		if (c[0].rep.u.rxattrwalk.size > size)
			r = -ERANGE;
		else if (!c[1].err && c[1].rep.u.rdata.count > size)
			r = -EIO;	/* more than the server said it had: not trusted */
		else if (c[1].err)
			r = c[1].err;
		else {
			memcpy(buf, c[1].rep.u.rdata.data, c[1].rep.u.rdata.count);
			r = c[1].rep.u.rdata.count;
		}
	} else if (r == 0) {
		r = (int64_t)c[0].rep.u.rxattrwalk.size;
	}
	free(c[1].rx);
	return r;
}

int64_t p9fs_getxattr_at(struct sentry_fs *sfs, struct sentry_rp *rp, const char *name,
			 void *buf, size_t size)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;
	int64_t r = xattr_target(fs, rp, &d, &wk);

	if (r == 0)
		r = xattr_read(fs, d, name, buf, size);
	p9fs_wk_done(fs, &wk);
	return r;
}

int64_t p9fs_listxattr_at(struct sentry_fs *sfs, struct sentry_rp *rp, char *buf, size_t size)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;
	int64_t r = xattr_target(fs, rp, &d, &wk);

	if (r == 0)
		r = xattr_read(fs, d, NULL, buf, size);
	p9fs_wk_done(fs, &wk);
	return r;
}

/* Txattrcreate on a clone of @d's fid, the value written, the clunk that applies it. */
static int xattr_write(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *d,
		       const char *name, const void *value, size_t size, uint32_t flags)
{
	uint32_t nf = p9c_fid_get(fs->ch);
	struct p9c_call c[4];
	size_t n = 0;

	if (nf == P9_NOFID)
		return -ENOMEM;
	int r = fs->rp->write_begin(rp);
	if (r < 0) {
		p9c_fid_put(fs->ch, nf);
		return r;
	}
	p9fs_req_walk(&c[n++], d->fid, nf, NULL, 0);
	memset(&c[n], 0, sizeof(c[n]));
	c[n].req.type = P9_TXATTRCREATE;
	c[n++].req.u.txattrcreate = (struct p9_txattrcreate){ .fid = nf, .name = p9_str_of(name),
							      .attr_size = size, .flags = flags };
	if (size) {
		memset(&c[n], 0, sizeof(c[n]));
		c[n].req.type = P9_TWRITE;
		c[n++].req.u.twrite = (struct p9_twrite){ .fid = nf, .count = (uint32_t)size,
							  .data = value };
	}
	memset(&c[n], 0, sizeof(c[n]));
	c[n].req.type = P9_TCLUNK;
	c[n++].req.u.tfid.fid = nf;
	r = p9c_run(fs->ch, c, n);
	for (size_t i = 0; i < n && r == 0; i++)
		r = c[i].err;
	p9c_fid_put(fs->ch, nf);
	fs->rp->write_end(rp);
	return r;
}

int p9fs_setxattr_at(struct sentry_fs *sfs, struct sentry_rp *rp, const char *name,
		     const void *value, size_t size, int flags)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;
	int r = xattr_target(fs, rp, &d, &wk);

	if (r == 0 && size > 65536)
		r = -E2BIG;
	if (r == 0)
		r = xattr_write(fs, rp, d, name, value, size, (uint32_t)flags);
	p9fs_wk_done(fs, &wk);
	return r;
}

int p9fs_removexattr_at(struct sentry_fs *sfs, struct sentry_rp *rp, const char *name)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;
	int r = xattr_target(fs, rp, &d, &wk);

	if (r == 0)
		r = xattr_write(fs, rp, d, name, NULL, 0, P9_XATTR_REMOVE);
	p9fs_wk_done(fs, &wk);
	return r;
}
