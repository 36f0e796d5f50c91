/*
 * plugins/fs-memfs/memfs_namei.c: operations that change the tree: create (mkdir, mknod,
 * symlink, open O_CREAT), link, unlink, rmdir, rename. All run with fs->lock written and follow
 * fs/namei.c for which check comes first, so each bad input gets Linux's errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memfs.h"
#include "memfs_namei.h"

static int is_dot(const char *n, size_t len)
{
	return (len == 1 && n[0] == '.') || (len == 2 && n[0] == '.' && n[1] == '.');
}

/* Write and search permission on @dir, for adding or removing a name (may_create/may_delete). */
static int may_change_dir(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry *dir)
{
	if (dir->base.flags & SENTRY_DENTRY_DEAD)
		return -ENOENT;
	return memfs_may(fs, rp, dir->inode, SENTRY_MAY_WRITE | SENTRY_MAY_EXEC);
}

/* Sticky directories (may_delete): only the file's or directory's owner, or CAP_FOWNER. */
static int sticky_ok(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry *dir,
		     struct memfs_dentry *victim)
{
	const struct sentry_creds *c = fs->rp->creds(rp);
	if (!(dir->inode->mode & S_ISVTX) || c->fsuid == dir->inode->uid ||
	    c->fsuid == victim->inode->uid || ((c->cap_effective >> SENTRY_CAP_FOWNER) & 1))
		return 0;
	return -EPERM;
}

static void touch_dir(struct memfs_fs *fs, struct memfs_dentry *dir)
{
	dir->inode->mtime_ns = dir->inode->ctime_ns = memfs_now(fs);
}

int memfs_parent_of_final(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry **dir,
			  const char **name, size_t *len)
{
	int rc = memfs_walk(fs, rp, 1, dir);
	if (rc < 0)
		return rc;
	*name = fs->rp->component(rp, len);
	return 0;
}

int memfs_create(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry *dir,
		 const char *name, size_t len, uint32_t mode, struct memfs_dentry **ret)
{
	int rc = fs->rp->write_begin(rp);
	if (rc < 0)
		return rc;
	rc = may_change_dir(fs, rp, dir);
	if (rc == 0 && dir->inode->nlink >= MEMFS_LINK_MAX && S_ISDIR(mode))
		rc = -EMLINK;
	if (rc < 0) {
		fs->rp->write_end(rp);
		return rc;
	}
	const struct sentry_creds *c = fs->rp->creds(rp);
	uint32_t gid = c->fsgid;
	/* Setgid directories pass their group on, and the bit to subdirectories. */
	if (dir->inode->mode & S_ISGID) {
		gid = dir->inode->gid;
		if (S_ISDIR(mode))
			mode |= S_ISGID;
	}
	struct memfs_inode *in = memfs_inode_new(fs, mode, c->fsuid, gid);
	struct memfs_dentry *d = in ? memfs_dentry_new(name, len, in) : NULL;
	if (!d) {
		if (in) {
			atomic_fetch_add(&in->refs, 1);
			memfs_inode_put(fs, in);
		}
		fs->rp->write_end(rp);
		return in ? -ENOMEM : -ENOSPC;
	}
	rc = memfs_dir_link(dir, d);
	if (rc == 0) {
		if (S_ISDIR(mode))
			dir->inode->nlink++;
		touch_dir(fs, dir);
		*ret = d;
	} else {
		memfs_dentry_put((struct sentry_fs *)fs, &d->base);
	}
	fs->rp->write_end(rp);
	return rc;
}

/* Common front of mkdir, mknod, symlink: the parent and a name that must not exist. */
static int create_front(struct memfs_fs *fs, struct sentry_rp *rp, int is_dir,
			struct memfs_dentry **dir, const char **name, size_t *len)
{
	int rc = memfs_parent_of_final(fs, rp, dir, name, len);
	if (rc < 0)
		return rc;
	if (!*name || is_dot(*name, *len))
		return -EEXIST;
	if (memfs_lookup(*dir, *name, *len))
		return -EEXIST;
	if (!is_dir && fs->rp->must_be_dir(rp))
		return -ENOENT; /* "name/" for a non-directory */
	return 0;
}

int memfs_mkdir_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t mode)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *dir, *d;
	const char *name;
	size_t len;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = create_front(fs, rp, 1, &dir, &name, &len);
	if (rc == 0)
		rc = memfs_create(fs, rp, dir, name, len, S_IFDIR | (mode & 07777), &d);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int memfs_mknod_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t mode, uint32_t major,
		   uint32_t minor)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *dir, *d;
	const char *name;
	size_t len;
	uint32_t type = mode & S_IFMT;
	if (type != S_IFREG && type != S_IFCHR && type != S_IFBLK && type != S_IFIFO &&
	    type != S_IFSOCK)
		return -EINVAL;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = create_front(fs, rp, 0, &dir, &name, &len);
	if (rc == 0)
		rc = memfs_create(fs, rp, dir, name, len, mode, &d);
	if (rc == 0 && (type == S_IFCHR || type == S_IFBLK)) {
		d->inode->rdev_major = major;
		d->inode->rdev_minor = minor;
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int memfs_symlink_at(struct sentry_fs *sfs, struct sentry_rp *rp, const char *target)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *dir, *d;
	const char *name;
	size_t len;
	char *copy = strdup(target);
	if (!copy)
		return -ENOMEM;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = create_front(fs, rp, 0, &dir, &name, &len);
	if (rc == 0)
		rc = memfs_create(fs, rp, dir, name, len, S_IFLNK | 0777, &d);
	if (rc == 0) {
		d->inode->lnk.target = copy;
		d->inode->size = strlen(copy);
		copy = NULL;
	}
	pthread_rwlock_unlock(&fs->lock);
	free(copy);
	return rc;
}

int memfs_link_at(struct sentry_fs *sfs, struct sentry_rp *rp, struct sentry_dentry *target)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *dir, *t = memfs_d(target);
	const char *name;
	size_t len;
	pthread_rwlock_wrlock(&fs->lock);
	struct memfs_inode *in = t->inode;
	int rc = create_front(fs, rp, 0, &dir, &name, &len);
	if (rc == -ENOENT && name && fs->rp->must_be_dir(rp))
		rc = -ENOENT;
	if (rc == 0 && S_ISDIR(in->mode))
		rc = -EPERM;
	else if (rc == 0 && in->nlink == 0 && t->linked == 0 && t->name_len)
		rc = -ENOENT; /* unlinked meanwhile (not an O_TMPFILE, whose name is empty) */
	else if (rc == 0 && in->nlink >= MEMFS_LINK_MAX)
		rc = -EMLINK;
	if (rc == 0)
		rc = fs->rp->write_begin(rp);
	if (rc == 0) {
		rc = may_change_dir(fs, rp, dir);
		struct memfs_dentry *d = rc == 0 ? memfs_dentry_new(name, len, in) : NULL;
		if (rc == 0 && !d)
			rc = -ENOMEM;
		if (rc == 0 && (rc = memfs_dir_link(dir, d)) == 0) {
			in->nlink++;
			in->ctime_ns = memfs_now(fs);
			touch_dir(fs, dir);
		} else if (d) {
			memfs_dentry_put(sfs, &d->base);
		}
		fs->rp->write_end(rp);
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

/* Takes @victim out of @dir: link counts, DEAD mark, the tree reference. */
void memfs_remove(struct memfs_fs *fs, struct memfs_dentry *dir, struct memfs_dentry *victim)
{
	struct memfs_inode *in = victim->inode;
	memfs_dir_unlink(dir, victim);
	if (S_ISDIR(in->mode)) {
		in->nlink = 0;
		dir->inode->nlink--;
	} else {
		in->nlink--;
	}
	in->ctime_ns = memfs_now(fs);
	touch_dir(fs, dir);
	victim->base.flags |= SENTRY_DENTRY_DEAD;
	memfs_dentry_put((struct sentry_fs *)fs, &victim->base);
}

static int remove_common(struct memfs_fs *fs, struct sentry_rp *rp, int rmdir)
{
	struct memfs_dentry *dir;
	const char *name;
	size_t len;
	int rc = memfs_parent_of_final(fs, rp, &dir, &name, &len);
	if (rc < 0)
		return rc;
	if (!name)
		return rmdir ? -EBUSY : -EISDIR;
	if (is_dot(name, len))
		return rmdir ? (len == 1 ? -EINVAL : -ENOTEMPTY) : -EISDIR;
	struct memfs_dentry *v = memfs_lookup(dir, name, len);
	if (!v)
		return -ENOENT;
	int isdir = S_ISDIR(v->inode->mode);
	if (rmdir && !isdir)
		return -ENOTDIR;
	if (!rmdir && isdir)
		return -EISDIR;
	if (!rmdir && fs->rp->must_be_dir(rp))
		return -ENOTDIR;
	if ((rc = fs->rp->write_begin(rp)) < 0)
		return rc;
	rc = may_change_dir(fs, rp, dir);
	if (rc == 0)
		rc = sticky_ok(fs, rp, dir, v);
	if (rc == 0 && v->base.mount_count)
		rc = -EBUSY;
	if (rc == 0 && rmdir && v->inode->dir.count)
		rc = -ENOTEMPTY;
	if (rc == 0)
		memfs_remove(fs, dir, v);
	fs->rp->write_end(rp);
	return rc;
}

int memfs_unlink_at(struct sentry_fs *sfs, struct sentry_rp *rp)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = remove_common(fs, rp, 0);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int memfs_rmdir_at(struct sentry_fs *sfs, struct sentry_rp *rp)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = remove_common(fs, rp, 1);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

/* True when @d is @anc or below it. */
static int is_below(struct memfs_dentry *d, struct memfs_dentry *anc)
{
	for (;;) {
		if (d == anc)
			return 1;
		if (d->parent == d || !d->parent)
			return 0;
		d = d->parent;
	}
}

/* Moves @src from @sdir to name @name in @ddir (the name is free there). */
static int move(struct memfs_fs *fs, struct memfs_dentry *sdir, struct memfs_dentry *src,
		struct memfs_dentry *ddir, const char *name, size_t len)
{
	char *buf = memfs_name_buf(src, len);
	if (!buf)
		return -ENOMEM;
	memfs_dir_unlink(sdir, src);
	memfs_name_commit(src, buf, name, len);
	/* Re-link under ddir: takes a reference on ddir, then the one on sdir goes. */
	(void)memfs_dir_link(ddir, src);
	memfs_dentry_put((struct sentry_fs *)fs, &sdir->base);
	if (S_ISDIR(src->inode->mode) && sdir != ddir) {
		sdir->inode->nlink--;
		ddir->inode->nlink++;
	}
	src->inode->ctime_ns = memfs_now(fs);
	touch_dir(fs, sdir);
	touch_dir(fs, ddir);
	return 0;
}

/* RENAME_EXCHANGE: @src and @dst trade names and parents. */
static int exchange(struct memfs_fs *fs, struct memfs_dentry *sdir, struct memfs_dentry *src,
		    struct memfs_dentry *ddir, struct memfs_dentry *dst)
{
	/* Both buffers first, so running out of memory changes nothing. */
	char *sbuf = memfs_name_buf(src, dst->name_len);
	char *dbuf = sbuf ? memfs_name_buf(dst, src->name_len) : NULL;
	if (!dbuf) {
		if (sbuf && sbuf != src->iname)
			free(sbuf);
		return -ENOMEM;
	}
	memfs_dir_unlink(sdir, src);
	memfs_dir_unlink(ddir, dst);
	char sname[SENTRY_NAME_MAX + 1];
	size_t slen = src->name_len;
	memcpy(sname, src->name, slen);
	memfs_name_commit(src, sbuf, dst->name, dst->name_len);
	memfs_name_commit(dst, dbuf, sname, slen);
	/* Each link takes a reference on the new parent; then the old ones go. */
	(void)memfs_dir_link(ddir, src);
	(void)memfs_dir_link(sdir, dst);
	memfs_dentry_put((struct sentry_fs *)fs, &sdir->base);
	memfs_dentry_put((struct sentry_fs *)fs, &ddir->base);
	int sd = S_ISDIR(src->inode->mode), dd = S_ISDIR(dst->inode->mode);
	if (sdir != ddir && sd != dd) {
		/* A directory moving out takes its ".." link count along. */
		struct memfs_dentry *gains = sd ? ddir : sdir, *loses = sd ? sdir : ddir;
		gains->inode->nlink++;
		loses->inode->nlink--;
	}
	src->inode->ctime_ns = dst->inode->ctime_ns = memfs_now(fs);
	touch_dir(fs, sdir);
	touch_dir(fs, ddir);
	return 0;
}

/* Checks of rename(2) once both ends are known (fs/namei.c vfs_rename order). */
static int rename_check(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry *sdir,
			struct memfs_dentry *src, struct memfs_dentry *ddir,
			struct memfs_dentry *dst, uint32_t flags)
{
	int sdirp = S_ISDIR(src->inode->mode);
	if (fs->rp->must_be_dir(rp) && !sdirp)
		return -ENOTDIR;
	if ((flags & RENAME_EXCHANGE) && !dst)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && dst)
		return -EEXIST;
	if (sdirp && is_below(ddir, src))
		return -EINVAL; /* a directory into its own subtree */
	if (dst && (flags & RENAME_EXCHANGE) && S_ISDIR(dst->inode->mode) && is_below(sdir, dst))
		return -EINVAL;
	if (dst && !(flags & RENAME_EXCHANGE)) {
		int ddirp = S_ISDIR(dst->inode->mode);
		if (sdirp && !ddirp)
			return -ENOTDIR;
		if (!sdirp && ddirp)
			return -EISDIR;
		if (ddirp && dst->inode->dir.count)
			return -ENOTEMPTY;
	}
	int rc = may_change_dir(fs, rp, sdir);
	if (rc == 0 && ddir != sdir)
		rc = may_change_dir(fs, rp, ddir);
	if (rc == 0)
		rc = sticky_ok(fs, rp, sdir, src);
	if (rc == 0 && dst)
		rc = sticky_ok(fs, rp, ddir, dst);
	if (rc == 0 && (src->base.mount_count || (dst && dst->base.mount_count)))
		rc = -EBUSY;
	return rc;
}

static int rename_locked(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry *sdir,
			 const char *old_name, uint32_t flags)
{
	struct memfs_dentry *ddir;
	const char *name;
	size_t len;
	int rc = memfs_parent_of_final(fs, rp, &ddir, &name, &len);
	if (rc < 0)
		return rc;
	if (!name || is_dot(name, len))
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	if (!S_ISDIR(sdir->inode->mode))
		return -ENOTDIR;
	struct memfs_dentry *src = memfs_lookup(sdir, old_name, strlen(old_name));
	if (!src)
		return -ENOENT;
	struct memfs_dentry *dst = memfs_lookup(ddir, name, len);
	if (dst == src || (dst && dst->inode == src->inode && !(flags & RENAME_EXCHANGE)))
		return (flags & RENAME_NOREPLACE) ? -EEXIST : 0; /* same file: nothing to do */
	if ((rc = fs->rp->write_begin(rp)) < 0)
		return rc;
	rc = rename_check(fs, rp, sdir, src, ddir, dst, flags);
	if (rc == 0 && (flags & RENAME_EXCHANGE)) {
		rc = exchange(fs, sdir, src, ddir, dst);
	} else if (rc == 0) {
		if (dst)
			memfs_remove(fs, ddir, dst);
		rc = move(fs, sdir, src, ddir, name, len);
	}
	fs->rp->write_end(rp);
	return rc;
}

int memfs_rename_at(struct sentry_fs *sfs, struct sentry_rp *rp, struct sentry_dentry *old_parent,
		    const char *old_name, uint32_t flags)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = rename_locked(fs, rp, memfs_d(old_parent), old_name, flags);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int memfs_bind_endpoint_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t mode,
			   void *endpoint)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *dir, *d;
	const char *name;
	size_t len;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = create_front(fs, rp, 0, &dir, &name, &len);
	if (rc == -EEXIST)
		rc = -EADDRINUSE; /* bind(2) on an existing name */
	if (rc == 0)
		rc = memfs_create(fs, rp, dir, name, len, S_IFSOCK | (mode & 07777), &d);
	if (rc == 0)
		d->inode->endpoint = endpoint;
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int memfs_bound_endpoint_at(struct sentry_fs *sfs, struct sentry_rp *rp, void **ret_endpoint)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_rdlock(&fs->lock);
	int rc = memfs_walk(fs, rp, 0, &d);
	if (rc == 0 && !S_ISSOCK(d->inode->mode))
		rc = -ECONNREFUSED; /* connect(2) to a non-socket */
	else if (rc == 0 && (rc = memfs_may(fs, rp, d->inode, SENTRY_MAY_WRITE)) == 0)
		rc = d->inode->endpoint ? 0 : -ECONNREFUSED;
	if (rc == 0)
		*ret_endpoint = d->inode->endpoint;
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}
