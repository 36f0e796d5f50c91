/*
 * plugins/fs-memfs/memfs_xattr.c: extended attributes kept in a list per inode. The core has
 * checked namespaces and permissions (sentry/fs.h); this only stores, with getxattr(2) and
 * setxattr(2) semantics for sizes and flags.
 */
#include <errno.h>
#include <linux/xattr.h>
#include <stdlib.h>
#include <string.h>

#include "memfs.h"

static struct memfs_xattr **find(struct memfs_inode *in, const char *name)
{
	struct memfs_xattr **pp = &in->xattrs;
	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->next;
	return pp;
}

static void xattr_free(struct memfs_xattr *x)
{
	free(x->name);
	free(x->value);
	free(x);
}

void memfs_xattrs_free(struct memfs_inode *in)
{
	while (in->xattrs) {
		struct memfs_xattr *x = in->xattrs;
		in->xattrs = x->next;
		xattr_free(x);
	}
}

int64_t memfs_getxattr_at(struct sentry_fs *sfs, struct sentry_rp *rp, const char *name, void *buf,
			  size_t size)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_rdlock(&fs->lock);
	int64_t rc = memfs_walk(fs, rp, 0, &d);
	if (rc == 0) {
		struct memfs_xattr *x = *find(d->inode, name);
		if (!x)
			rc = -ENODATA;
		else if (size == 0)
			rc = (int64_t)x->size;
		else if (size < x->size)
			rc = -ERANGE;
		else {
			memcpy(buf, x->value, x->size);
			rc = (int64_t)x->size;
		}
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

static int set_locked(struct memfs_inode *in, const char *name, const void *value, size_t size,
		      int flags)
{
	struct memfs_xattr **pp = find(in, name);
	if (*pp && (flags & XATTR_CREATE))
		return -EEXIST;
	if (!*pp && (flags & XATTR_REPLACE))
		return -ENODATA;
	void *copy = malloc(size ? size : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, value, size);
	if (*pp) {
		free((*pp)->value);
		(*pp)->value = copy;
		(*pp)->size = size;
		return 0;
	}
	struct memfs_xattr *x = calloc(1, sizeof(*x));
	char *n = strdup(name);
	if (!x || !n) {
		free(x);
		free(n);
		free(copy);
		return -ENOMEM;
	}
	x->name = n;
	x->value = copy;
	x->size = size;
	*pp = x;
	return 0;
}

int memfs_setxattr_at(struct sentry_fs *sfs, struct sentry_rp *rp, const char *name,
		      const void *value, size_t size, int flags)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = memfs_walk(fs, rp, 0, &d);
	if (rc == 0)
		rc = set_locked(d->inode, name, value, size, flags);
	if (rc == 0)
		d->inode->ctime_ns = memfs_now(fs);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int64_t memfs_listxattr_at(struct sentry_fs *sfs, struct sentry_rp *rp, char *buf, size_t size)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_rdlock(&fs->lock);
	int64_t rc = memfs_walk(fs, rp, 0, &d);
	const struct sentry_creds *c = fs->rp->creds(rp);
	int admin = (c->cap_effective >> SENTRY_CAP_SYS_ADMIN) & 1;
	size_t used = 0;
	for (struct memfs_xattr *x = rc == 0 ? d->inode->xattrs : NULL; x; x = x->next) {
		if (!admin && !strncmp(x->name, "trusted.", 8))
			continue; /* listxattr(2) hides trusted. from unprivileged callers */
		size_t n = strlen(x->name) + 1;
		if (size && used + n > size) {
			rc = -ERANGE;
			break;
		}
		if (size)
			memcpy(buf + used, x->name, n);
		used += n;
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc < 0 ? rc : (int64_t)used;
}

int memfs_removexattr_at(struct sentry_fs *sfs, struct sentry_rp *rp, const char *name)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d;
	pthread_rwlock_wrlock(&fs->lock);
	int rc = memfs_walk(fs, rp, 0, &d);
	if (rc == 0) {
		struct memfs_xattr **pp = find(d->inode, name);
		if (!*pp) {
			rc = -ENODATA;
		} else {
			struct memfs_xattr *x = *pp;
			*pp = x->next;
			xattr_free(x);
			d->inode->ctime_ns = memfs_now(fs);
		}
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}
