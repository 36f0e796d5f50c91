/*
 * core/vfs/walk.c: running a filesystem operation over a resolving path.
 *
 * The walk holds the namespace's read lock from the first component to the last, so the mounts
 * and dentries the resolving path borrows stay put; a filesystem's -SENTRY_ERESOLVE hands the
 * walk back here and it goes on with the filesystem the rp now points into.
 */
#include <errno.h>
#include <string.h>

#include "walk.h"

/* More filesystem calls than this for one path means a plugin keeps bouncing the walk. */
#define VFS_MAX_HANDOFFS (SENTRY_PATH_MAX + SENTRY_SYMLOOP_MAX)

static int rp_run(struct sentry_rp *rp, vfs_walk_fn fn, void *arg)
{
	for (int i = 0; i < VFS_MAX_HANDOFFS; i++) {
		rp->pending = 0;
		int rc = fn(rp->mnt->fs, rp, arg);
		if (rc != -SENTRY_ERESOLVE)
			return rc;
		if (!rp->pending)
			return -EIO; /* the plugin invented a handoff */
	}
	return -ELOOP;
}

int vfs_walk(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t flags,
	     vfs_walk_fn fn, void *arg)
{
	struct sentry_rp rp;
	pthread_rwlock_rdlock(&ctx->ns->lock);
	int rc = vfs_rp_init(&rp, ctx, dirf, path, flags);
	if (rc == 0)
		rc = rp_run(&rp, fn, arg);
	pthread_rwlock_unlock(&ctx->ns->lock);
	vfs_rp_fini(&rp);
	return rc;
}

int vfs_walk_at_path(struct vfs_ctx *ctx, const struct vfs_path *at, vfs_walk_fn fn, void *arg)
{
	struct vfs_file f = { .path = *at };
	return vfs_walk(ctx, &f, "", VFS_RP_EMPTY_PATH, fn, arg);
}

struct get_arg {
	struct vfs_path *ret;
};

static int get_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct get_arg *a = arg;
	struct sentry_dentry *d = NULL;
	int rc = (int)vfs_rc(fs, fs->ops->get_dentry_at(fs->fs, rp, &d));
	if (rc < 0)
		return rc;
	vfs_dref_taken();
	vfs_mount_get(rp->mnt);
	a->ret->mnt = rp->mnt;
	a->ret->d = d;
	return 0;
}

int vfs_resolve(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t rpflags,
		struct vfs_path *ret)
{
	struct get_arg a = { ret };
	if (dirf && !dirf->path.mnt)
		return -EBADF;
	return vfs_walk(ctx, dirf, path, rpflags, get_fn, &a);
}

int vfs_path_stat(const struct vfs_path *p, uint32_t mask, struct sentry_statx *ret)
{
	struct vfs_fs *fs = p->mnt->fs;
	int rc = (int)vfs_rc(fs, fs->ops->dentry_stat(fs->fs, p->d, mask, ret));
	if (rc == 0) {
		ret->dev_major = 0;
		ret->dev_minor = fs->dev_minor;
	}
	return rc;
}
