/*
 * core/vfs/dpath.c: a vfs_path as a string, for getcwd(2) (and /proc/self/cwd later).
 *
 * The core keeps no dentry names or parents (README.md, Dentry cache), so the name is found
 * the way Unix getcwd did before the dcache: from each directory step to its parent (a mount
 * root steps to its mountpoint, anything else walks ".." inside its mount), list the parent
 * and keep the entry that resolves to the very dentry we came from. Linux's d_path() reads the
 * dcache instead; the strings are the same, "(unreachable)" prefix included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "walk.h"

#define DPATH_DENTS_SIZE 4096

/* Prepends "/" @name (@len bytes) to the string ending at buf + SENTRY_PATH_MAX. */
static int prepend(char *buf, size_t *pos, const char *name, size_t len)
{
	if (*pos < len + 1)
		return -ENAMETOOLONG;
	*pos -= len;
	memcpy(buf + *pos, name, len);
	buf[--*pos] = '/';
	return 0;
}

/* Does @name in directory @dir resolve (inside its mount, no symlink followed) to @child? */
static int names_child(struct vfs_ctx *ctx, struct vfs_file *dir, const char *name,
		       const struct vfs_path *child)
{
	struct vfs_path q = { 0 };
	if (vfs_resolve(ctx, dir, name, VFS_RP_NOFOLLOW | VFS_RP_NO_MOUNTS, &q) < 0)
		return 0;
	int same = q.mnt == child->mnt && q.d == child->d;
	vfs_path_put(&q);
	return same;
}

/* Scans one getdents64 batch for @ino naming @child; prepends the name when found (1). */
static int scan_batch(struct vfs_ctx *ctx, struct vfs_file *dir, const char *dents, ssize_t n,
		      uint64_t ino, const struct vfs_path *child, char *buf, size_t *pos)
{
	for (ssize_t off = 0; off + 19 < n;) {
		uint64_t d_ino;
		uint16_t reclen;
		memcpy(&d_ino, dents + off, 8);
		memcpy(&reclen, dents + off + 16, 2);
		const char *name = dents + off + 19;
		off += reclen ? reclen : n;
		if (d_ino != ino || !strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (names_child(ctx, dir, name, child)) {
			int rc = prepend(buf, pos, name, strlen(name));
			return rc < 0 ? rc : 1;
		}
	}
	return 0;
}

/* Finds the name of @child in directory @parent and prepends it. -ENOENT: not listed. */
static int prepend_child_name(struct vfs_ctx *ctx, const struct vfs_path *parent,
			      const struct vfs_path *child, char *buf, size_t *pos)
{
	struct sentry_statx st;
	int rc = vfs_path_stat(child, SENTRY_STATX_INO, &st);
	if (rc < 0)
		return rc;
	struct vfs_file at = { .path = *parent }, *dir = NULL;
	rc = vfs_openat(ctx, &at, ".", O_RDONLY | O_DIRECTORY, 0, &dir);
	char *dents = rc == 0 ? malloc(DPATH_DENTS_SIZE) : NULL;
	if (rc == 0 && !dents)
		rc = -ENOMEM;
	while (rc == 0) {
		ssize_t n = vfs_getdents64(dir, dents, DPATH_DENTS_SIZE);
		if (n <= 0) {
			rc = n < 0 ? (int)n : -ENOENT;
			break;
		}
		rc = scan_batch(ctx, dir, dents, n, st.ino, child, buf, pos);
	}
	free(dents);
	vfs_file_put(dir);
	return rc < 0 ? rc : 0;
}

/* One step up from @cur: to the mountpoint of a mount root, else to ".." in the same mount.
 * Returns 1 at the namespace root (no step), 0 after a step (*ret_up with references; *named
 * tells whether the step crossed a name that must be prepended), or -errno. */
static int step_up(struct vfs_ctx *ctx, const struct vfs_path *cur, struct vfs_path *ret_up,
		   int *named)
{
	pthread_rwlock_rdlock(&ctx->ns->lock);
	if (cur->d == cur->mnt->root) {
		int at_top = !cur->mnt->parent;
		if (!at_top) {
			*ret_up = (struct vfs_path){ cur->mnt->parent, cur->mnt->mountpoint };
			vfs_path_get(ret_up);
		}
		pthread_rwlock_unlock(&ctx->ns->lock);
		*named = 0;
		return at_top;
	}
	pthread_rwlock_unlock(&ctx->ns->lock);
	*named = 1;
	struct vfs_file f = { .path = *cur };
	return vfs_resolve(ctx, &f, "..", VFS_RP_NO_MOUNTS, ret_up);
}

/* Builds the string of @p into @tmp (ending at tmp + SENTRY_PATH_MAX); *ret_pos is where it
 * starts. */
static int build(struct vfs_ctx *ctx, const struct vfs_path *root, const struct vfs_path *p,
		 char *tmp, size_t *ret_pos)
{
	size_t pos = SENTRY_PATH_MAX - 1;
	tmp[pos] = '\0';
	struct vfs_path cur = *p;
	vfs_path_get(&cur);
	int rc = 0;
	for (int i = 0; i < SENTRY_PATH_MAX; i++) {
		if (cur.mnt == root->mnt && cur.d == root->d)
			break;
		if (cur.d->flags & SENTRY_DENTRY_DEAD) {
			rc = -ENOENT;	/* getcwd(2): the directory was unlinked */
			break;
		}
		struct vfs_path up = { 0 };
		int named;
		rc = step_up(ctx, &cur, &up, &named);
		if (rc == 1) {
			/* Outside the process root: Linux marks the path (d_path.c). */
			static const char mark[] = "(unreachable)";
			rc = pos < sizeof(mark) ? -ENAMETOOLONG : 0;
			if (rc == 0) {
				if (tmp[pos] == '\0')
					tmp[--pos] = '/';
				pos -= sizeof(mark) - 1;
				memcpy(tmp + pos, mark, sizeof(mark) - 1);
			}
			vfs_path_put(&cur);
			*ret_pos = pos;
			return rc;
		}
		if (rc == 0 && named)
			rc = prepend_child_name(ctx, &up, &cur, tmp, &pos);
		vfs_path_put(&cur);
		cur = up;
		if (rc < 0)
			break;
	}
	vfs_path_put(&cur);
	if (rc == 0 && tmp[pos] == '\0')
		tmp[--pos] = '/';
	*ret_pos = pos;
	return rc;
}

int64_t vfs_path_string(struct vfs_ctx *ctx, const struct vfs_path *p, char *buf, size_t size)
{
	char *tmp = malloc(SENTRY_PATH_MAX);
	if (!tmp)
		return -ENOMEM;
	/* Listing a directory to find a name is the core's business, not the caller's: Linux's
	 * d_path checks no permissions, so neither does this walk. */
	struct vfs_ctx priv = *ctx;
	priv.creds.cap_effective = ~0ull;
	size_t pos = 0;
	int64_t rc = build(&priv, &ctx->root, p, tmp, &pos);
	if (rc == 0) {
		size_t len = SENTRY_PATH_MAX - 1 - pos;
		if (len + 1 > size) {
			rc = -ERANGE;
		} else {
			memcpy(buf, tmp + pos, len + 1);
			rc = (int64_t)len;
		}
	}
	free(tmp);
	return rc;
}
