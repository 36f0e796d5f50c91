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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Whether @a and @b are one file: the same dentry, or the same inode of the same mount (a
 * filesystem that makes a dentry per lookup, as /proc does, has no other identity). */
static int same_file(const struct vfs_path *a, const struct vfs_path *b)
{
	if (a->mnt != b->mnt)
		return 0;
	if (a->d == b->d)
		return 1;
	struct sentry_statx sa, sb;
	return vfs_path_stat(a, SENTRY_STATX_INO, &sa) == 0 &&
	       vfs_path_stat(b, SENTRY_STATX_INO, &sb) == 0 && sa.ino == sb.ino;
}

/* Does @name in directory @dir resolve (inside its mount, no symlink followed) to @child? */
static int names_child(struct vfs_ctx *ctx, struct vfs_file *dir, const char *name,
		       const struct vfs_path *child)
{
	struct vfs_path q = { 0 };
	if (vfs_resolve(ctx, dir, name, VFS_RP_NOFOLLOW | VFS_RP_NO_MOUNTS, &q) < 0)
		return 0;
	int same = same_file(&q, child);
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

/* --- names of open files --- */

char *vfs_name_fold(const char *path)
{
	size_t len = strlen(path);
	char *out = malloc(len + 2);
	if (!out)
		return NULL;
	int abs = path[0] == '/';
	size_t n = 0, keep = 0;	/* keep: leading ".." of a relative name, never folded */
	if (abs)
		out[n++] = '/';
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t l = (size_t)(e - p);
		if (l == 0 || (l == 1 && p[0] == '.')) {
			/* nothing */
		} else if (l == 2 && p[0] == '.' && p[1] == '.') {
			size_t base = abs ? 1 : keep;
			if (n > base) {
				while (n > base && out[n - 1] != '/')
					n--;
				if (n > base)
					n--;	/* the slash before the dropped component */
			} else if (!abs) {
				if (n)
					out[n++] = '/';
				memcpy(out + n, "..", 2);
				n += 2;
				keep = n;
			}
		} else {
			if (n && out[n - 1] != '/')
				out[n++] = '/';
			memcpy(out + n, p, l);
			n += l;
		}
		p = e;
	}
	if (n == 0)
		out[n++] = '.';
	out[n] = '\0';
	return out;
}

/* @dir "/" @name into @out (SENTRY_PATH_MAX bytes), folded. Returns 0 or -ENAMETOOLONG,
 * -ENOMEM. */
static int join_fold(const char *dir, const char *name, char *out)
{
	char *j = malloc(SENTRY_PATH_MAX * 2);
	if (!j)
		return -ENOMEM;
	snprintf(j, SENTRY_PATH_MAX * 2, "%s/%s", dir, name);
	char *f = vfs_name_fold(j);
	free(j);
	if (!f)
		return -ENOMEM;
	size_t n = strlen(f);
	int rc = n < SENTRY_PATH_MAX ? 0 : -ENAMETOOLONG;
	if (rc == 0)
		memcpy(out, f, n + 1);
	free(f);
	return rc;
}

/* One step toward the canonical form of absolute name @s (SENTRY_PATH_MAX bytes, rewritten):
 * its directory by its own path, and a final symlink replaced by its target. Returns 1 when
 * @s changed into a symlink's target (worth another step), 0 when it is final, -errno. */
static int canon_step(struct vfs_ctx *ctx, char *s, char *tmp)
{
	char *slash = strrchr(s, '/');
	if (!slash)
		return 0;
	int rc;
	int64_t n;
	if (slash != s) {	/* "/name" is in the root, which needs no naming */
		*slash = '\0';
		struct vfs_path dir = { 0 };
		rc = vfs_resolve(ctx, NULL, s, VFS_RP_DIRECTORY, &dir);
		*slash = '/';
		if (rc < 0)
			return rc;
		n = vfs_path_string(ctx, &dir, tmp, SENTRY_PATH_MAX);
		vfs_path_put(&dir);
		if (n < 0)
			return (int)n;
		if ((rc = join_fold(tmp, slash + 1, s)) < 0)
			return rc;
	}
	struct sentry_statx st;
	if (vfs_statat(ctx, NULL, s, AT_SYMLINK_NOFOLLOW, SENTRY_STATX_TYPE, &st) < 0 ||
	    !S_ISLNK(st.mode))
		return 0;
	if ((n = vfs_readlinkat(ctx, NULL, s, tmp, SENTRY_PATH_MAX - 1)) <= 0)
		return 0;
	tmp[n] = '\0';
	if (tmp[0] == '/') {
		char *f = vfs_name_fold(tmp);
		if (!f)
			return -ENOMEM;
		snprintf(s, SENTRY_PATH_MAX, "%s", f);
		free(f);
		return 1;
	}
	slash = strrchr(s, '/');
	*slash = '\0';
	char *dirs = strdup(s[0] ? s : "/");
	if (!dirs)
		return -ENOMEM;
	rc = join_fold(dirs, tmp, s);
	free(dirs);
	return rc < 0 ? rc : 1;
}

/* Whether absolute name @s leads (no final symlink followed) to @p. */
static int names_path(struct vfs_ctx *ctx, const char *s, const struct vfs_path *p)
{
	struct vfs_path q = { 0 };
	if (vfs_resolve(ctx, NULL, s, VFS_RP_NOFOLLOW, &q) < 0)
		return 0;
	int same = same_file(&q, p);
	vfs_path_put(&q);
	return same;
}

/* The name of non-directory @f into @s (SENTRY_PATH_MAX bytes), with @tmp as scratch. */
static int file_name(struct vfs_ctx *ctx, struct vfs_file *f, char *s, char *tmp)
{
	if (!f->name)
		return -ENOENT;
	int rc;
	if (f->name[0] == '/') {
		snprintf(s, SENTRY_PATH_MAX, "%s", f->name);
	} else {
		int64_t n = vfs_path_string(ctx, &f->name_dir, tmp, SENTRY_PATH_MAX);
		if (n < 0)
			return (int)n;
		if ((rc = join_fold(tmp, f->name, s)) < 0)
			return rc;
	}
	/* The name as given may go through symlinks (/bin -> usr/bin on Debian): the
	 * directory's own path and the final link's target give the name Linux would. */
	char *given = strdup(s);
	if (!given)
		return -ENOMEM;
	for (int i = 0; i < SENTRY_SYMLOOP_MAX && (rc = canon_step(ctx, s, tmp)) == 1; i++)
		;
	if (!names_path(ctx, s, &f->path)) {
		/* Renamed away or unlinked: the old name, marked when the file is gone. */
		int dead = (f->path.d->flags & SENTRY_DENTRY_DEAD) != 0;
		snprintf(s, SENTRY_PATH_MAX, "%s%s", given, dead ? " (deleted)" : "");
	}
	free(given);
	return 0;
}

int64_t vfs_file_name(struct vfs_ctx *ctx, struct vfs_file *f, char *buf, size_t size)
{
	char *s = malloc(SENTRY_PATH_MAX * 2);
	if (!s)
		return -ENOMEM;
	/* Naming reads directories whatever the reader may see, as Linux's d_path. */
	struct vfs_ctx priv = *ctx;
	priv.creds.cap_effective = ~0ull;
	struct sentry_statx st;
	int64_t rc = vfs_anon_name(f, s, SENTRY_PATH_MAX);
	if (rc == -EINVAL) {
		if (vfs_path_stat(&f->path, SENTRY_STATX_TYPE, &st) == 0 && S_ISDIR(st.mode))
			rc = vfs_path_string(&priv, &f->path, s, SENTRY_PATH_MAX);
		else
			rc = file_name(&priv, f, s, s + SENTRY_PATH_MAX);
		if (rc >= 0)
			rc = (int64_t)strlen(s);
	}
	if (rc >= 0 && (size_t)rc + 1 > size)
		rc = -ERANGE;
	else if (rc >= 0)
		memcpy(buf, s, (size_t)rc + 1);
	free(s);
	return rc;
}
