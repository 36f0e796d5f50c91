/*
 * p9fs_namei.c: fs-gofer9p's operations that change the tree: create (open O_CREAT, mkdir,
 * mknod, symlink, AF_UNIX bind), link, unlink, rmdir, rename. Local checks come first, in
 * fs/namei.c's order, against the cache (which the walk filled in the same round trip); then
 * one round trip carries the change and the attributes it alters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "p9fs.h"

static int dot_name(const char *n, size_t len)
{
	return n[0] == '.' && (len == 1 || (len == 2 && n[1] == '.'));
}

/* May the caller add or remove names in @dir (may_create/may_delete)? */
static int may_change(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir)
{
	if (dir->base.flags & SENTRY_DENTRY_DEAD)
		return -ENOENT;
	return p9fs_may(fs, rp, dir->inode, SENTRY_MAY_WRITE | SENTRY_MAY_EXEC);
}

/* Sticky @dir: only the owner of @victim or of @dir, or CAP_FOWNER, removes it. */
static int sticky(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir,
		  struct p9fs_dentry *victim)
{
	const struct sentry_creds *c = fs->rp->creds(rp);

	if (!(dir->inode->st.mode & S_ISVTX) || c->fsuid == dir->inode->st.uid ||
	    c->fsuid == victim->inode->st.uid || ((c->cap_effective >> SENTRY_CAP_FOWNER) & 1))
		return 0;
	return -EPERM;
}

uint32_t p9fs_new_gid(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir)
{
	if (dir->inode->st.mode & S_ISGID)
		return dir->inode->st.gid;
	return fs->rp->creds(rp)->fsgid;
}

static void req_setattr(struct p9c_call *c, uint32_t fid, uint32_t valid, uint32_t uid,
			uint32_t mode)
{
	memset(c, 0, sizeof(*c));
	c->req.type = P9_TSETATTR;
	c->req.u.tsetattr = (struct p9_tsetattr){ .fid = fid, .valid = valid, .uid = uid,
						  .mode = mode & 07777 };
}

int p9fs_made(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir,
	      const char *name, size_t len, struct p9c_call *pre, size_t npre, uint32_t mode,
	      struct p9fs_dentry **ret, struct p9fs_wk *wk)
{
	uint32_t df = p9c_fid_get(fs->ch);
	struct p9c_call *c = calloc(npre + 5, sizeof(*c));
	size_t n = npre;
	int r = -ENOMEM;

	if (!c || df == P9_NOFID)
		goto out;
	memcpy(c, pre, npre * sizeof(*c));
	size_t w = n;
	p9fs_req_walk(&c[n++], dir->fid, df, name, len);
	if (mode)	/* 0: a link to an existing file, whose owner stays */
		req_setattr(&c[n++], df, P9_SETATTR_UID, fs->rp->creds(rp)->fsuid, 0);
	if ((mode & (S_ISUID | S_ISGID)) && !S_ISDIR(mode))
		req_setattr(&c[n++], df, P9_SETATTR_MODE, 0, mode);
	p9fs_req_getattr(&c[n++], df);
	p9fs_req_getattr(&c[n++], dir->fid);
	r = p9fs_run_unlocked(fs, wk, dir, c, n);
	memcpy(pre, c, npre * sizeof(*c));
	for (size_t i = 0; i < npre && r == 0; i++)
		r = c[i].err;
	if (r == 0)
		r = c[w].err ? c[w].err : c[n - 2].err;
	struct sentry_statx st;
	if (r == 0)
		p9fs_attr_from(&c[n - 2].rep.u.rgetattr, &st);
	if (r < 0 || (r = p9fs_enter(fs, dir, name, len, df, c[w].rep.u.rwalk.wqid[0].path,
				     &st, ret)) < 0) {
		if (c[w].err == 0 && c[w].done)
			p9c_clunk(fs->ch, df);
		else
			p9c_fid_put(fs->ch, df);
		df = P9_NOFID;
		goto out;
	}
	df = P9_NOFID;
	(*ret)->seq = wk->seq;
	if (c[n - 1].err == 0)
		p9fs_attr_set(dir->inode, &c[n - 1].rep.u.rgetattr);
out:
	p9c_fid_put(fs->ch, df);
	free(c);
	return r;
}

/* The parent and a free final name for mkdir, mknod, symlink, bind; write_begin done on 0. */
static int create_front(struct p9fs_fs *fs, struct sentry_rp *rp, int is_dir,
			struct p9fs_dentry **dir, const char **name, size_t *len,
			struct p9fs_wk *wk)
{
	struct p9fs_dentry *d;
	int r = p9fs_walk(fs, rp, 1, dir, wk);

	if (r < 0)
		return r;
	*name = fs->rp->component(rp, len);
	if (!*name || dot_name(*name, *len))
		return -EEXIST;
	if ((r = p9fs_child(fs, *dir, *name, *len, &d, wk)) < 0)
		return r;
	if (d->inode)
		return -EEXIST;
	if (!is_dir && fs->rp->must_be_dir(rp))
		return -ENOENT;	/* "name/" for a non-directory */
	if ((r = fs->rp->write_begin(rp)) < 0)
		return r;
	if ((r = may_change(fs, rp, *dir)) < 0)
		fs->rp->write_end(rp);
	return r;
}

int p9fs_create_file(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir,
		     const char *name, size_t len, uint32_t mode, struct p9fs_dentry **ret,
		     struct p9fs_wk *wk)
{
	uint32_t nf = p9c_fid_get(fs->ch);
	struct p9c_call pre[2];
	int r = fs->rp->write_begin(rp);

	if (r == 0 && (r = may_change(fs, rp, dir)) < 0)
		fs->rp->write_end(rp);
	if (r < 0 || nf == P9_NOFID) {
		p9c_fid_put(fs->ch, nf);
		return r < 0 ? r : -ENOMEM;
	}
	/* Tlcreate turns a fid of the directory into the new file, opened: it becomes the
	 * inode's I/O handle, read-write whatever this open asked for. */
	p9fs_req_walk(&pre[0], dir->fid, nf, NULL, 0);
	memset(&pre[1], 0, sizeof(pre[1]));
	pre[1].req.type = P9_TLCREATE;
	pre[1].req.u.tlcreate = (struct p9_tlcreate){ .fid = nf, .name = { name, (uint16_t)len },
						      .flags = O_RDWR, .mode = S_IFREG | mode,
						      .gid = p9fs_new_gid(fs, rp, dir) };
	r = p9fs_made(fs, rp, dir, name, len, pre, 2, S_IFREG | mode, ret, wk);
	if (r == 0) {
		struct p9fs_inode *in = (*ret)->inode;
		pthread_mutex_lock(&in->io);
		p9c_clunk(fs->ch, in->hfid);
		in->hfid = nf;
		in->hwrite = 1;
		pthread_mutex_unlock(&in->io);
	} else if (pre[0].err == 0 && pre[0].done) {
		p9c_clunk(fs->ch, nf);
	} else {
		p9c_fid_put(fs->ch, nf);
	}
	fs->rp->write_end(rp);
	return r;
}

/* mkdir, mknod, symlink, bind: @c is the creating request for @dir's fid and @name. */
static int create_node(struct p9fs_fs *fs, struct sentry_rp *rp, uint32_t mode,
		       void (*fill)(struct p9c_call *c, uint32_t dfid, const char *name,
				    size_t len, uint32_t mode, uint32_t gid, const void *arg),
		       const void *arg, struct p9fs_dentry **ret)
{
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *dir;
	struct p9c_call c;
	const char *name;
	size_t len;

	pthread_mutex_lock(&fs->mu);
	int r = create_front(fs, rp, S_ISDIR(mode), &dir, &name, &len, &wk);
	if (r == 0) {
		fill(&c, dir->fid, name, len, mode, p9fs_new_gid(fs, rp, dir), arg);
		r = p9fs_made(fs, rp, dir, name, len, &c, 1, mode, ret, &wk);
		fs->rp->write_end(rp);
	}
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}

static void fill_mkdir(struct p9c_call *c, uint32_t dfid, const char *name, size_t len,
		       uint32_t mode, uint32_t gid, const void *arg)
{
	memset(c, 0, sizeof(*c));
	c->req.type = P9_TMKDIR;
	c->req.u.tmkdir = (struct p9_tmkdir){ .dfid = dfid, .name = { name, (uint16_t)len },
					      .mode = mode & 07777, .gid = gid };
}

int p9fs_mkdir_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t mode)
{
	struct p9fs_dentry *d;

	return create_node((struct p9fs_fs *)sfs, rp, S_IFDIR | (mode & 07777), fill_mkdir, NULL,
			   &d);
}

static void fill_mknod(struct p9c_call *c, uint32_t dfid, const char *name, size_t len,
		       uint32_t mode, uint32_t gid, const void *arg)
{
	const uint32_t *dev = arg;

	memset(c, 0, sizeof(*c));
	c->req.type = P9_TMKNOD;
	c->req.u.tmknod = (struct p9_tmknod){ .dfid = dfid, .name = { name, (uint16_t)len },
					      .mode = mode, .major = dev[0], .minor = dev[1],
					      .gid = gid };
}

int p9fs_mknod_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t mode, uint32_t major,
		  uint32_t minor)
{
	uint32_t type = mode & S_IFMT, dev[2] = { major, minor };
	struct p9fs_dentry *d;

	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return -EINVAL;
	return create_node((struct p9fs_fs *)sfs, rp, mode, fill_mknod, dev, &d);
}

static void fill_symlink(struct p9c_call *c, uint32_t dfid, const char *name, size_t len,
			 uint32_t mode, uint32_t gid, const void *arg)
{
	memset(c, 0, sizeof(*c));
	c->req.type = P9_TSYMLINK;
	c->req.u.tsymlink = (struct p9_tsymlink){ .dfid = dfid, .name = { name, (uint16_t)len },
						  .symtgt = p9_str_of(arg), .gid = gid };
}

int p9fs_symlink_at(struct sentry_fs *sfs, struct sentry_rp *rp, const char *target)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_dentry *d;
	size_t tlen = strlen(target);

	if (tlen >= SENTRY_PATH_MAX)
		return -ENAMETOOLONG;
	int r = create_node(fs, rp, S_IFLNK | 0777, fill_symlink, target, &d);
	return r;
}

int p9fs_bind_endpoint_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t mode,
			  void *endpoint)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	uint32_t dev[2] = { 0, 0 };
	struct p9fs_dentry *d;
	int r = create_node(fs, rp, S_IFSOCK | (mode & 07777), fill_mknod, dev, &d);

	if (r == -EEXIST)
		return -EADDRINUSE;	/* bind(2) on a name that exists */
	if (r == 0) {
		/* The endpoint lives in the Sentry; the host only has the name. */
		pthread_mutex_lock(&fs->mu);
		d->inode->endpoint = endpoint;
		pthread_mutex_unlock(&fs->mu);
	}
	return r;
}

int p9fs_bound_endpoint_at(struct sentry_fs *sfs, struct sentry_rp *rp, void **ret_endpoint)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };
	struct p9fs_dentry *d;

	pthread_mutex_lock(&fs->mu);
	int r = p9fs_walk(fs, rp, 0, &d, &wk);
	if (r == 0 && !S_ISSOCK(d->inode->st.mode))
		r = -ECONNREFUSED;
	else if (r == 0 && (r = p9fs_may(fs, rp, d->inode, SENTRY_MAY_WRITE)) == 0)
		r = d->inode->endpoint ? 0 : -ECONNREFUSED;
	if (r == 0)
		*ret_endpoint = d->inode->endpoint;
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}

int p9fs_link_at(struct sentry_fs *sfs, struct sentry_rp *rp, struct sentry_dentry *target)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_dentry *t = p9fs_d(target), *dir, *d;
	struct p9fs_wk wk = { 0 };
	struct p9c_call c;
	const char *name;
	size_t len;

	pthread_mutex_lock(&fs->mu);
	int r = create_front(fs, rp, 0, &dir, &name, &len, &wk);
	if (r == 0) {
		if (S_ISDIR(t->inode->st.mode))
			r = -EPERM;	/* link(2): no hard links to directories */
		else if (t->base.flags & SENTRY_DENTRY_DEAD)
			r = -ENOENT;	/* unlinked meanwhile */
		memset(&c, 0, sizeof(c));
		c.req.type = P9_TLINK;
		c.req.u.tlink = (struct p9_tlink){ .dfid = dir->fid, .fid = t->fid,
						   .name = { name, (uint16_t)len } };
		if (r == 0)
			r = p9fs_made(fs, rp, dir, name, len, &c, 1, 0, &d, &wk);
		fs->rp->write_end(rp);
	}
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}

/* Sends @c (the change, first) and Tgetattr of @a and @b's fids, keeping @keep alive; updates
 * their attributes. Returns the change's result. */
static int change(struct p9fs_fs *fs, struct p9c_call *c, size_t n, struct p9fs_dentry **keep,
		  size_t nkeep)
{
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i])
			p9fs_dentry_get(NULL, &keep[i]->base);
	pthread_mutex_unlock(&fs->mu);
	int r = p9c_run(fs->ch, c, n);
	pthread_mutex_lock(&fs->mu);
	if (r == 0)
		r = c[0].err;
	for (size_t i = 1; i < n && r == 0; i++)
		if (c[i].req.type == P9_TGETATTR && c[i].err == 0)
			for (size_t k = 0; k < nkeep; k++)
				if (keep[k] && keep[k]->fid == c[i].req.u.tgetattr.fid)
					p9fs_attr_set(keep[k]->inode, &c[i].rep.u.rgetattr);
	for (size_t i = 0; i < nkeep; i++)
		if (keep[i])
			p9fs_dentry_put((struct sentry_fs *)fs, &keep[i]->base);
	return r;
}

static int remove_locked(struct p9fs_fs *fs, struct sentry_rp *rp, int rmdir, struct p9fs_wk *wk)
{
	struct p9fs_dentry *dir, *v;
	const char *name;
	size_t len;
	int r = p9fs_walk(fs, rp, 1, &dir, wk);

	if (r < 0)
		return r;
	name = fs->rp->component(rp, &len);
	if (!name)
		return rmdir ? -EBUSY : -EISDIR;
	if (dot_name(name, len))
		return rmdir ? (len == 1 ? -EINVAL : -ENOTEMPTY) : -EISDIR;
	if ((r = p9fs_child(fs, dir, name, len, &v, wk)) < 0)
		return r;
	if (!v->inode)
		return -ENOENT;
	int isdir = S_ISDIR(v->inode->st.mode);
	if (rmdir != isdir)
		return rmdir ? -ENOTDIR : -EISDIR;
	if (!rmdir && fs->rp->must_be_dir(rp))
		return -ENOTDIR;
	if ((r = fs->rp->write_begin(rp)) < 0)
		return r;
	if ((r = may_change(fs, rp, dir)) == 0 && (r = sticky(fs, rp, dir, v)) == 0 &&
	    v->base.mount_count)
		r = -EBUSY;
	if (r == 0) {
		struct p9c_call c[3];
		struct p9fs_dentry *keep[2] = { dir, v };
		memset(&c[0], 0, sizeof(c[0]));
		c[0].req.type = P9_TUNLINKAT;
		c[0].req.u.tunlinkat = (struct p9_tunlinkat){
			.dirfid = dir->fid, .name = { name, (uint16_t)len },
			.flags = rmdir ? AT_REMOVEDIR : 0 };
		p9fs_req_getattr(&c[1], dir->fid);
		p9fs_req_getattr(&c[2], v->fid);	/* other links see the new nlink */
		r = change(fs, c, 3, keep, 2);
		if (r == 0)
			p9fs_unhash(fs, v);
	}
	fs->rp->write_end(rp);
	return r;
}

int p9fs_unlink_at(struct sentry_fs *sfs, struct sentry_rp *rp)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };

	pthread_mutex_lock(&fs->mu);
	int r = remove_locked(fs, rp, 0, &wk);
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}

int p9fs_rmdir_at(struct sentry_fs *sfs, struct sentry_rp *rp)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };

	pthread_mutex_lock(&fs->mu);
	int r = remove_locked(fs, rp, 1, &wk);
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}

static int below(struct p9fs_dentry *d, struct p9fs_dentry *anc)
{
	for (;; d = d->parent) {
		if (d == anc)
			return 1;
		if (d->parent == d)
			return 0;
	}
}

/* rename(2)'s checks once both ends are known (vfs_rename's order). */
static int rename_checks(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *sdir,
			 struct p9fs_dentry *src, struct p9fs_dentry *ddir,
			 struct p9fs_dentry *dst, uint32_t flags)
{
	int sd = S_ISDIR(src->inode->st.mode);
	int r;

	if (fs->rp->must_be_dir(rp) && !sd)
		return -ENOTDIR;
	if ((flags & RENAME_NOREPLACE) && dst)
		return -EEXIST;
	if (sd && below(ddir, src))
		return -EINVAL;
	if (dst && sd && !S_ISDIR(dst->inode->st.mode))
		return -ENOTDIR;
	if (dst && !sd && S_ISDIR(dst->inode->st.mode))
		return -EISDIR;
	if ((r = may_change(fs, rp, sdir)) < 0 || (ddir != sdir && (r = may_change(fs, rp, ddir))))
		return r;
	if ((r = sticky(fs, rp, sdir, src)) < 0 || (dst && (r = sticky(fs, rp, ddir, dst)) < 0))
		return r;
	if (src->base.mount_count || (dst && dst->base.mount_count))
		return -EBUSY;
	return 0;
}

/* Renames on the server, then gives @src a fresh fid walked under its new name (a node
 * remembers the name it was walked by) and moves it in the cache. */
static int rename_send(struct p9fs_fs *fs, struct p9fs_dentry *sdir, struct p9fs_dentry *src,
		       struct p9fs_dentry *ddir, struct p9fs_dentry *dst, const char *name,
		       size_t len)
{
	uint32_t nf = p9c_fid_get(fs->ch);
	struct p9c_call c[5];
	struct p9fs_dentry *keep[4] = { sdir, ddir, src, dst };

	if (nf == P9_NOFID)
		return -ENOMEM;
	memset(&c[0], 0, sizeof(c[0]));
	c[0].req.type = P9_TRENAMEAT;
	c[0].req.u.trenameat = (struct p9_trenameat){ .olddirfid = sdir->fid,
						      .oldname = p9_str_of(src->name),
						      .newdirfid = ddir->fid,
						      .newname = { name, (uint16_t)len } };
	p9fs_req_walk(&c[1], ddir->fid, nf, name, len);
	p9fs_req_getattr(&c[2], nf);
	p9fs_req_getattr(&c[3], sdir->fid);
	p9fs_req_getattr(&c[4], ddir->fid);
	int r = change(fs, c, 5, keep, 4);
	if (r < 0 || c[1].err) {
		c[1].err == 0 && c[1].done ? p9c_clunk(fs->ch, nf) : p9c_fid_put(fs->ch, nf);
		return r < 0 ? r : 0;
	}
	if (dst)
		p9fs_unhash(fs, dst);
	if ((r = p9fs_move(fs, src, ddir, name, len)) < 0) {
		p9fs_unhash(fs, src);	/* the cache forgets it; the next walk finds it */
		p9c_clunk(fs->ch, nf);
		return 0;
	}
	p9c_clunk(fs->ch, src->fid);
	src->fid = nf;
	if (c[2].err == 0)
		p9fs_attr_set(src->inode, &c[2].rep.u.rgetattr);
	return 0;
}

static int rename_locked(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *sdir,
			 const char *old_name, uint32_t flags, struct p9fs_wk *wk)
{
	struct p9fs_dentry *ddir, *src, *dst;
	const char *name;
	size_t len;
	int r = p9fs_walk(fs, rp, 1, &ddir, wk);

	if (r < 0)
		return r;
	name = fs->rp->component(rp, &len);
	if (!name || dot_name(name, len))
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	if (flags & ~(uint32_t)RENAME_NOREPLACE)
		return -EINVAL;	/* RENAME_EXCHANGE, RENAME_WHITEOUT: 9P2000.L has neither */
	if (!S_ISDIR(sdir->inode->st.mode))
		return -ENOTDIR;
	if ((r = p9fs_child(fs, sdir, old_name, strlen(old_name), &src, wk)) < 0)
		return r;
	if (!src->inode)
		return -ENOENT;
	p9fs_dentry_get(NULL, &src->base);	/* the next lookup may drop fs->mu */
	r = p9fs_child(fs, ddir, name, len, &dst, wk);
	if (r == 0 && !dst->inode)
		dst = NULL;
	if (r == 0 && (dst == src || (dst && dst->inode == src->inode)))
		r = (flags & RENAME_NOREPLACE) ? -EEXIST : 1;	/* the same file: nothing to do */
	if (r == 0 && (src->base.flags & SENTRY_DENTRY_DEAD))
		r = -ENOENT;
	if (r == 0 && (r = fs->rp->write_begin(rp)) == 0) {
		r = rename_checks(fs, rp, sdir, src, ddir, dst, flags);
		if (r == 0)
			r = rename_send(fs, sdir, src, ddir, dst, name, len);
		fs->rp->write_end(rp);
	}
	p9fs_dentry_put((struct sentry_fs *)fs, &src->base);
	return r == 1 ? 0 : r;
}

int p9fs_rename_at(struct sentry_fs *sfs, struct sentry_rp *rp, struct sentry_dentry *old_parent,
		   const char *old_name, uint32_t flags)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_wk wk = { 0 };

	pthread_mutex_lock(&fs->mu);
	int r = rename_locked(fs, rp, p9fs_d(old_parent), old_name, flags, &wk);
	pthread_mutex_unlock(&fs->mu);
	p9fs_wk_done(fs, &wk);
	return r;
}
