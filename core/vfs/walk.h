/*
 * core/vfs/walk.h: running filesystem operations over resolving paths (walk.c).
 */
#pragma once

#include "vfs_internal.h"

/* One filesystem call of a path operation: called with the namespace read lock held, as many
 * times as the walk changes filesystem. Returns what the filesystem returned. */
typedef int (*vfs_walk_fn)(struct vfs_fs *fs, struct sentry_rp *rp, void *arg);

/* Resolves @path from @dirf (NULL: cwd) with VFS_RP_* @flags through @fn. Returns @fn's result,
 * or -ENOENT, -ENAMETOOLONG, -EXDEV from setting the walk up, -ELOOP, -EIO. */
int vfs_walk(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t flags,
	     vfs_walk_fn fn, void *arg);

/* Runs @fn with a resolving path that has no components left, starting at @at. */
int vfs_walk_at_path(struct vfs_ctx *ctx, const struct vfs_path *at, vfs_walk_fn fn, void *arg);

/* dentry_stat of @p with the core's st_dev filled in. */
int vfs_path_stat(const struct vfs_path *p, uint32_t mask, struct sentry_statx *ret);
