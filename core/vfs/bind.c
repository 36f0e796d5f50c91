/*
 * core/vfs/bind.c: recursive bind mounts (mount --rbind, MS_BIND|MS_REC).
 *
 * The mounts below the source reappear below the new bind mount. A mount is keyed by (parent
 * mount, mountpoint dentry) and a bind mount shares its source's dentries, so each copy sits on
 * the very same dentry under the copy of its parent. Whether a submount lies below the source
 * dentry is decided by walking ".." inside the source mount, through the filesystem, since the
 * core sees no dentry parents.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "walk.h"

/* True when @d of mount @m is @anc or below it. */
static int dentry_below(struct vfs_ctx *ctx, struct vfs_mount *m, struct sentry_dentry *d,
			struct sentry_dentry *anc)
{
	/* Walk with the mount's root as the process root: ".." stops there instead of leaving. */
	struct vfs_ctx tmp = *ctx;
	tmp.root = (struct vfs_path){ m, m->root };
	struct vfs_path cur = { m, d };
	vfs_path_get(&cur);
	int below = 0;
	for (int i = 0; i < SENTRY_PATH_MAX; i++) {
		if (cur.d == anc) {
			below = 1;
			break;
		}
		if (cur.d == m->root)
			break;
		struct vfs_file f = { .path = cur };
		struct vfs_path up = { 0 };
		int rc = vfs_resolve(&tmp, &f, "..", VFS_RP_NO_MOUNTS, &up);
		vfs_path_put(&cur);
		if (rc < 0)
			return 0;
		cur = up;
	}
	vfs_path_put(&cur);
	return below;
}

/* Snapshot of the namespace's mounts, parents first, each with a reference. */
static int snapshot(struct vfs_mntns *ns, struct vfs_mount ***ret, size_t *ret_n)
{
	pthread_rwlock_rdlock(&ns->lock);
	size_t n = ns->count;
	struct vfs_mount **all = calloc(n ? n : 1, sizeof(*all));
	size_t i = n;
	for (struct vfs_mount *m = ns->all; all && m && i > 0; m = m->sib_next) {
		all[--i] = m; /* the list is newest first; a parent is older than its children */
		vfs_mount_get(m);
	}
	pthread_rwlock_unlock(&ns->lock);
	if (!all)
		return -ENOMEM;
	*ret = all;
	*ret_n = n;
	return 0;
}

/* Index of @m in @all[0..n), or -1. */
static long index_of(struct vfs_mount **all, size_t n, const struct vfs_mount *m)
{
	for (size_t i = 0; i < n; i++)
		if (all[i] == m)
			return (long)i;
	return -1;
}

/* Copies the submount @c whose parent's copy is @parent; attaches under the namespace lock. */
static int copy_one(struct vfs_mntns *ns, struct vfs_mount *c, struct vfs_mount *parent,
		    struct vfs_mount **ret)
{
	struct vfs_mount *m = vfs_mnt_alloc(c->fs, c->root, c->flags);
	if (!m)
		return -ENOMEM;
	vfs_fs_get(c->fs);
	vfs_dget(c->fs, c->root);
	struct vfs_path mp = { parent, c->mountpoint };
	vfs_path_get(&mp);
	pthread_rwlock_wrlock(&ns->lock);
	int rc = parent->ns == ns ? vfs_mnt_attach(ns, m, &mp) : -ENOENT;
	pthread_rwlock_unlock(&ns->lock);
	if (rc < 0) {
		vfs_path_put(&mp);
		vfs_mount_put(m);
		return rc;
	}
	*ret = m;
	return 0;
}

int vfs_bind_submounts(struct vfs_ctx *ctx, const char *source, struct vfs_mount *newm)
{
	struct vfs_path src = { 0 };
	int rc = vfs_resolve(ctx, NULL, source, 0, &src);
	if (rc < 0)
		return rc;
	struct vfs_mount **all = NULL;
	size_t n = 0;
	rc = snapshot(ctx->ns, &all, &n);
	struct vfs_mount **copies = rc == 0 ? calloc(n ? n : 1, sizeof(*copies)) : NULL;
	if (rc == 0 && !copies)
		rc = -ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct vfs_mount *c = all[i], *parent = NULL;
		if (c == newm || !c->parent)
			continue;
		if (c->parent == src.mnt) {
			if (dentry_below(ctx, src.mnt, c->mountpoint, src.d))
				parent = newm;
		} else {
			long p = index_of(all, i, c->parent);
			parent = p >= 0 ? copies[p] : NULL;
		}
		if (parent)
			rc = copy_one(ctx->ns, c, parent, &copies[i]);
	}
	for (size_t i = 0; i < n; i++)
		vfs_mount_put(all[i]);
	free(all);
	free(copies);
	vfs_path_put(&src);
	return rc;
}
