/*
 * plugins/fs-memfs/memfs_ops.c: lookups, open, attributes, readlink, statfs, and the ops table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memfs.h"
#include "memfs_namei.h"

static struct sentry_timespec ts(int64_t ns)
{
	return (struct sentry_timespec){ ns / 1000000000, ns % 1000000000 };
}

int memfs_stat_inode(struct memfs_fs *fs, struct memfs_inode *in, struct sentry_statx *st)
{
	st->mask = SENTRY_STATX_BASIC_STATS | SENTRY_STATX_BTIME;
	st->blksize = MEMFS_PAGE;
	st->attributes = 0;
	st->attributes_mask = 0;
	st->nlink = in->nlink;
	st->uid = in->uid;
	st->gid = in->gid;
	st->mode = (uint16_t)in->mode;
	st->pad0 = 0;
	st->ino = in->ino;
	st->size = S_ISDIR(in->mode) ? MEMFS_PAGE : in->size;
	st->blocks = S_ISREG(in->mode) ? in->reg.pages * (MEMFS_PAGE / 512) : 0;
	st->atime = ts(atomic_load_explicit(&in->atime_ns, memory_order_relaxed));
	st->btime = ts(in->btime_ns);
	st->ctime = ts(in->ctime_ns);
	st->mtime = ts(in->mtime_ns);
	st->rdev_major = in->rdev_major;
	st->rdev_minor = in->rdev_minor;
	st->dev_major = st->dev_minor = 0;
	return 0;
}

/* Walks the whole path; the final dentry must be a directory when the rp says so. */
static int walk_all(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry **ret)
{
	int rc = memfs_walk(fs, rp, 0, ret);
	if (rc == 0 && fs->rp->must_be_dir(rp) && !S_ISDIR((*ret)->inode->mode))
		return -ENOTDIR;
	return rc;
}

int memfs_get_dentry_at(struct sentry_fs *sfs, struct sentry_rp *rp,
			       struct sentry_dentry **ret_d)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_rdlock(&fs->lock);
	int rc = walk_all(fs, rp, &d);
	if (rc == 0) {
		atomic_fetch_add(&d->refs, 1);
		*ret_d = &d->base;
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int memfs_stat_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t mask,
			 struct sentry_statx *ret)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_rdlock(&fs->lock);
	int rc = walk_all(fs, rp, &d);
	if (rc == 0)
		memfs_stat_inode(fs, d->inode, ret);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int memfs_dentry_stat(struct sentry_fs *sfs, struct sentry_dentry *d, uint32_t mask,
			     struct sentry_statx *ret)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	pthread_rwlock_rdlock(&fs->lock);
	memfs_stat_inode(fs, memfs_d(d)->inode, ret);
	pthread_rwlock_unlock(&fs->lock);
	return 0;
}

static int64_t time_ns(const struct sentry_timespec *t, int64_t now)
{
	return t->nsec == SENTRY_UTIME_NOW ? now : t->sec * 1000000000 + t->nsec;
}

int memfs_dentry_setstat(struct sentry_fs *sfs, struct sentry_dentry *sd,
				const struct sentry_creds *creds, const struct sentry_setstat *ss)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_inode *in = memfs_d(sd)->inode;
	int64_t now = memfs_now(fs);
	int rc = 0;
	pthread_rwlock_wrlock(&fs->lock);
	if (ss->mask & SENTRY_STATX_SIZE) {
		if (!S_ISREG(in->mode))
			rc = -EINVAL;
		else
			rc = memfs_truncate(fs, in, ss->size);
		if (rc == 0)
			in->mtime_ns = now;
	}
	if (rc == 0) {
		if (ss->mask & SENTRY_STATX_MODE)
			in->mode = (in->mode & S_IFMT) | (ss->mode & 07777);
		if (ss->mask & SENTRY_STATX_UID)
			in->uid = ss->uid;
		if (ss->mask & SENTRY_STATX_GID)
			in->gid = ss->gid;
		if ((ss->mask & SENTRY_STATX_ATIME) && ss->atime.nsec != SENTRY_UTIME_OMIT)
			atomic_store(&in->atime_ns, time_ns(&ss->atime, now));
		if ((ss->mask & SENTRY_STATX_MTIME) && ss->mtime.nsec != SENTRY_UTIME_OMIT)
			in->mtime_ns = time_ns(&ss->mtime, now);
		in->ctime_ns = now;
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

static int new_file(struct memfs_fs *fs, struct memfs_dentry *d, uint32_t flags,
		    struct sentry_file **ret)
{
	struct memfs_file *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	uint32_t type = d->inode->mode & S_IFMT;
	f->base.ops = type == S_IFDIR ? &memfs_dir_ops
		      : type == S_IFREG ? &memfs_reg_ops : &memfs_special_ops;
	if (type == S_IFCHR || type == S_IFBLK || type == S_IFIFO)
		f->base.special = type;
	f->base.ops_size = sizeof(struct sentry_file_ops);
	f->base.flags = flags;
	f->base.dentry = &d->base;
	f->fs = fs;
	/* The file's own reference, taken under the lock: the core's comes after we unlock. */
	atomic_fetch_add(&d->refs, 1);
	f->own = d;
	f->cursor.prev = f->cursor.next = &f->cursor;
	*ret = &f->base;
	return 0;
}

/* may_open(): type and permission checks on an existing dentry, then O_TRUNC. */
static int open_existing(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry *d,
			 uint32_t flags, int created)
{
	struct memfs_inode *in = d->inode;
	uint32_t acc = flags & O_ACCMODE;
	uint32_t may = (acc != O_WRONLY ? SENTRY_MAY_READ : 0) |
		       (acc != O_RDONLY || (flags & O_TRUNC) ? SENTRY_MAY_WRITE : 0);
	if (S_ISLNK(in->mode))
		return -ELOOP; /* a final symlink not followed: O_NOFOLLOW */
	if (fs->rp->must_be_dir(rp) && !S_ISDIR(in->mode))
		return -ENOTDIR;
	if (S_ISDIR(in->mode) && (may & SENTRY_MAY_WRITE))
		return -EISDIR;
	if (S_ISSOCK(in->mode))
		return -ENXIO; /* open(2): a socket is connected to, not opened */
	int rc = created ? 0 : memfs_may(fs, rp, in, may);
	const struct sentry_creds *c = fs->rp->creds(rp);
	if (rc == 0 && (flags & O_NOATIME) && c->fsuid != in->uid &&
	    !((c->cap_effective >> SENTRY_CAP_FOWNER) & 1))
		rc = -EPERM; /* open(2): O_NOATIME is for the owner */
	if (rc == 0 && S_ISREG(in->mode) && (may & SENTRY_MAY_WRITE)) {
		rc = fs->rp->write_begin(rp);
		if (rc == 0) {
			if ((flags & O_TRUNC) && !created) {
				rc = memfs_truncate(fs, in, 0);
				in->mtime_ns = in->ctime_ns = memfs_now(fs);
			}
			fs->rp->write_end(rp);
		}
	}
	return rc;
}

/* O_CREAT: the final component is looked up here, created if missing, followed if a symlink. */
static int open_create(struct memfs_fs *fs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
		       struct memfs_dentry **ret, int *created)
{
	for (;;) {
		struct memfs_dentry *dir;
		const char *name;
		size_t len;
		int rc = memfs_parent_of_final(fs, rp, &dir, &name, &len);
		if (rc < 0)
			return rc;
		/* O_CREAT with a trailing "/" is EISDIR whatever is there (fs/namei.c
		 * open_last_lookups). */
		if (!name || (len <= 2 && name[0] == '.' && (len == 1 || name[1] == '.')) ||
		    fs->rp->must_be_dir(rp))
			return -EISDIR;
		struct memfs_dentry *d = memfs_lookup(dir, name, len);
		if (!d) {
			*created = 1;
			return memfs_create(fs, rp, dir, name, len, S_IFREG | mode, ret);
		}
		if (flags & O_EXCL)
			return -EEXIST;
		fs->rp->advance(rp);
		if (d->base.mount_count && (rc = fs->rp->check_mount(rp, &d->base)) < 0)
			return rc;
		if (S_ISDIR(d->inode->mode))
			return -EISDIR;
		if (S_ISLNK(d->inode->mode) && fs->rp->should_follow(rp)) {
			const char *t = d->inode->lnk.target;
			if ((rc = fs->rp->handle_symlink(rp, t, strlen(t))) < 0)
				return rc;
			continue;
		}
		*ret = d;
		return 0;
	}
}

static int open_tmpfile(struct memfs_fs *fs, struct sentry_rp *rp, uint32_t mode,
			struct memfs_dentry **ret)
{
	struct memfs_dentry *dir;
	int rc = walk_all(fs, rp, &dir);
	if (rc < 0)
		return rc;
	if (!S_ISDIR(dir->inode->mode))
		return -ENOTDIR;
	if ((rc = fs->rp->write_begin(rp)) < 0)
		return rc;
	rc = memfs_may(fs, rp, dir->inode, SENTRY_MAY_WRITE | SENTRY_MAY_EXEC);
	const struct sentry_creds *c = fs->rp->creds(rp);
	struct memfs_inode *in = rc == 0 ? memfs_inode_new(fs, S_IFREG | mode, c->fsuid, c->fsgid)
					 : NULL;
	struct memfs_dentry *d = in ? memfs_dentry_new("", 0, in) : NULL;
	if (rc == 0 && !d) {
		if (in) {
			atomic_fetch_add(&in->refs, 1);
			memfs_inode_put(fs, in);
		}
		rc = in ? -ENOMEM : -ENOSPC;
	}
	fs->rp->write_end(rp);
	if (rc < 0)
		return rc;
	in->nlink = 0;
	/* Not in any directory; it keeps its would-be parent for "..". */
	d->parent = dir;
	atomic_fetch_add(&dir->refs, 1);
	*ret = d;
	return 0;
}

int memfs_open_at(struct sentry_fs *sfs, struct sentry_rp *rp, uint32_t flags,
			 uint32_t mode, struct sentry_file **ret_file)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d = NULL;
	int created = 0, rc, tmp = (flags & O_TMPFILE) == O_TMPFILE;
	int wr = tmp || (flags & (O_CREAT | O_TRUNC)) != 0;
	if (wr)
		pthread_rwlock_wrlock(&fs->lock);
	else
		pthread_rwlock_rdlock(&fs->lock);
	if (tmp) {
		rc = open_tmpfile(fs, rp, mode & 07777, &d);
		created = 1;
	} else if ((flags & O_CREAT) && !fs->rp->done(rp)) {
		rc = open_create(fs, rp, flags, mode & 07777, &d, &created);
	} else {
		rc = memfs_walk(fs, rp, 0, &d);
		if (rc == 0 && (flags & O_CREAT) && S_ISDIR(d->inode->mode))
			rc = -EISDIR;
		else if (rc == 0 && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			rc = -EEXIST;
	}
	if (rc == 0)
		rc = open_existing(fs, rp, d, flags, created);
	if (rc == 0)
		rc = new_file(fs, d, flags, ret_file);
	if (tmp && d) /* the file took its own reference; the creation one goes */
		memfs_dentry_put(sfs, &d->base);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int64_t memfs_readlink_at(struct sentry_fs *sfs, struct sentry_rp *rp, char *buf,
				 size_t size)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_rdlock(&fs->lock);
	int64_t rc = memfs_walk(fs, rp, 0, &d);
	if (rc == 0 && !S_ISLNK(d->inode->mode))
		rc = -EINVAL;
	if (rc == 0) {
		size_t len = strlen(d->inode->lnk.target);
		rc = (int64_t)(len < size ? len : size);
		memcpy(buf, d->inode->lnk.target, (size_t)rc);
		atomic_store(&d->inode->atime_ns, memfs_now(fs));
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int memfs_statfs_at(struct sentry_fs *sfs, struct sentry_rp *rp, struct sentry_statfs *st)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_rdlock(&fs->lock);
	int rc = walk_all(fs, rp, &d);
	pthread_rwlock_unlock(&fs->lock);
	if (rc < 0)
		return rc;
	uint64_t used = atomic_load(&fs->used_pages), inodes = atomic_load(&fs->nr_inodes);
	st->type = MEMFS_MAGIC;
	st->bsize = st->frsize = MEMFS_PAGE;
	st->blocks = fs->max_pages;
	st->bfree = st->bavail = fs->max_pages > used ? fs->max_pages - used : 0;
	st->files = fs->max_inodes;
	st->ffree = fs->max_inodes > inodes ? fs->max_inodes - inodes : 0;
	st->namelen = SENTRY_NAME_MAX;
	st->flags = 0;
	return 0;
}

