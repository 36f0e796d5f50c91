/*
 * plugins/fs-memfs/memfs_walk.c: the filesystem's half of path resolution.
 *
 * Called with fs->lock held (either mode). Dentries are borrowed for the walk: the lock keeps
 * them linked. The fast path per component is one hash lookup and three rp calls; search
 * permission is checked with may_access only when some class lacks the x bit.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "memfs.h"

int memfs_may(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_inode *in, uint32_t may)
{
	return fs->svc->may_access(fs->rp->creds(rp), in->mode, in->uid, in->gid, may);
}

/* One step from directory *@dir along the current component @name; updates *@dir (unchanged
 * after a relative symlink, whose target then continues from it). Returns 0 or -errno. */
static int step(struct memfs_fs *fs, struct sentry_rp *rp, const char *name, size_t len,
		struct memfs_dentry **dir)
{
	const struct sentry_rp_ops *o = fs->rp;
	struct memfs_dentry *d = *dir;
	if (!S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	if ((d->inode->mode & 0111) != 0111) {
		int rc = memfs_may(fs, rp, d->inode, SENTRY_MAY_EXEC);
		if (rc < 0)
			return rc;
	}
	struct memfs_dentry *next;
	if (len == 1 && name[0] == '.') {
		o->advance(rp);
		return 0;
	}
	if (len == 2 && name[0] == '.' && name[1] == '.') {
		int rc = o->check_root(rp, &d->base);
		if (rc < 0)
			return rc;
		next = rc == 1 ? d : d->parent;
	} else {
		next = memfs_lookup(d, name, len);
		if (!next)
			return -ENOENT;
	}
	o->advance(rp);
	if (next->base.mount_count) {
		int rc = o->check_mount(rp, &next->base);
		if (rc < 0)
			return rc;
	}
	if (S_ISLNK(next->inode->mode) && (!o->done(rp) || o->should_follow(rp))) {
		const char *t = next->inode->lnk.target;
		/* Relative targets continue from this directory: *dir stays. */
		return o->handle_symlink(rp, t, strlen(t));
	}
	*dir = next;
	return 0;
}

int memfs_walk(struct memfs_fs *fs, struct sentry_rp *rp, int stop_final,
	       struct memfs_dentry **ret)
{
	const struct sentry_rp_ops *o = fs->rp;
	struct memfs_dentry *d = memfs_d(o->start(rp));
	for (;;) {
		size_t len;
		const char *name = o->component(rp, &len);
		if (!name)
			break;
		if (stop_final && o->final(rp)) {
			/* The parent must be a searchable directory even when the walk stops. */
			if (!S_ISDIR(d->inode->mode))
				return -ENOTDIR;
			if ((d->inode->mode & 0111) != 0111) {
				int rc = memfs_may(fs, rp, d->inode, SENTRY_MAY_EXEC);
				if (rc < 0)
					return rc;
			}
			break;
		}
		int rc = step(fs, rp, name, len, &d);
		if (rc < 0)
			return rc;
	}
	*ret = d;
	return 0;
}
