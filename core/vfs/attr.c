/*
 * core/vfs/attr.c: attribute changes (chmod, chown, utimensat, truncate), access(2) and
 * extended attributes. The core applies Linux's permission rules (fs/attr.c setattr_prepare,
 * fs/xattr.c xattr_permission) here, so filesystems only store what they are told.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/xattr.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/services.h"
#include "walk.h"

#define VFS_XATTR_SIZE_MAX 65536

static int capable(const struct sentry_creds *c, int cap)
{
	return (c->cap_effective >> cap) & 1;
}

static int in_group(const struct sentry_creds *c, uint32_t gid)
{
	if (c->fsgid == gid)
		return 1;
	for (uint32_t i = 0; i < c->ngroups && i < 32; i++)
		if (c->groups[i] == gid)
			return 1;
	return 0;
}

static int is_owner(const struct sentry_creds *c, const struct sentry_statx *st)
{
	return c->fsuid == st->uid || capable(c, SENTRY_CAP_FOWNER);
}

/* chmod and chown rules; may rewrite @ss (setgid cleared, setuid/setgid dropped on chown). */
static int check_owner_changes(const struct sentry_creds *c, const struct sentry_statx *st,
			       struct sentry_setstat *ss)
{
	if (ss->mask & (SENTRY_STATX_UID | SENTRY_STATX_GID)) {
		int uid_change = (ss->mask & SENTRY_STATX_UID) && ss->uid != st->uid;
		int gid_change = (ss->mask & SENTRY_STATX_GID) && ss->gid != st->gid;
		if (uid_change && !capable(c, SENTRY_CAP_CHOWN))
			return -EPERM;
		if (gid_change && !capable(c, SENTRY_CAP_CHOWN) &&
		    !(c->fsuid == st->uid && in_group(c, ss->gid)))
			return -EPERM;
		if (!(ss->mask & (SENTRY_STATX_UID)) && !gid_change && c->fsuid != st->uid &&
		    !capable(c, SENTRY_CAP_CHOWN))
			return -EPERM;
		/* chown(2): a non-directory loses setuid, and setgid when group-executable. */
		if (!S_ISDIR(st->mode) && (st->mode & (S_ISUID | S_ISGID)) &&
		    !(ss->mask & SENTRY_STATX_MODE)) {
			uint32_t mode = st->mode & 07777 & ~S_ISUID;
			if (st->mode & S_IXGRP)
				mode &= ~S_ISGID;
			if (mode != (st->mode & 07777u)) {
				ss->mask |= SENTRY_STATX_MODE;
				ss->mode = mode;
			}
		}
	}
	if (ss->mask & SENTRY_STATX_MODE) {
		if (!is_owner(c, st))
			return -EPERM;
		uint32_t gid = (ss->mask & SENTRY_STATX_GID) ? ss->gid : st->gid;
		if (!in_group(c, gid) && !capable(c, SENTRY_CAP_FSETID))
			ss->mode &= ~(uint32_t)S_ISGID;
	}
	return 0;
}

static int check_times(const struct sentry_creds *c, const struct sentry_statx *st,
		       const struct sentry_setstat *ss)
{
	if (!(ss->mask & (SENTRY_STATX_ATIME | SENTRY_STATX_MTIME)))
		return 0;
	int explicit_time =
		((ss->mask & SENTRY_STATX_ATIME) && ss->atime.nsec != SENTRY_UTIME_NOW) ||
		((ss->mask & SENTRY_STATX_MTIME) && ss->mtime.nsec != SENTRY_UTIME_NOW);
	if (is_owner(c, st))
		return 0;
	if (explicit_time)
		return -EPERM;
	/* utimensat(2): setting both to now needs write access when not the owner. */
	return svc_may_access(c, st->mode, st->uid, st->gid, SENTRY_MAY_WRITE);
}

static int setstat_path(struct vfs_ctx *ctx, const struct vfs_path *p, struct sentry_setstat ss)
{
	struct sentry_statx st;
	int rc = vfs_path_stat(p, SENTRY_STATX_BASIC_STATS, &st);
	if (rc < 0)
		return rc;
	if (p->mnt->flags & VFS_MNT_RDONLY)
		return -EROFS;
	if (ss.mask & SENTRY_STATX_SIZE) {
		if (S_ISDIR(st.mode))
			return -EISDIR;
		if (!S_ISREG(st.mode))
			return -EINVAL;
		if ((int64_t)ss.size < 0)
			return -EINVAL;
		rc = svc_may_access(&ctx->creds, st.mode, st.uid, st.gid, SENTRY_MAY_WRITE);
		if (rc < 0)
			return rc;
	}
	rc = check_owner_changes(&ctx->creds, &st, &ss);
	if (rc == 0)
		rc = check_times(&ctx->creds, &st, &ss);
	if (rc < 0)
		return rc;
	struct vfs_fs *fs = p->mnt->fs;
	if (!SENTRY_OPS_HAS(fs->ops, fs->ops_size, dentry_setstat))
		return -EPERM;
	return (int)vfs_rc(fs, fs->ops->dentry_setstat(fs->fs, p->d, &ctx->creds, &ss));
}

int vfs_setstatat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
		  const struct sentry_setstat *ss)
{
	if (at & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (ss->mask & ~(SENTRY_STATX_MODE | SENTRY_STATX_UID | SENTRY_STATX_GID |
			 SENTRY_STATX_SIZE | SENTRY_STATX_ATIME | SENTRY_STATX_MTIME))
		return -EINVAL;
	struct vfs_path p = { 0 };
	uint32_t f = ((at & AT_SYMLINK_NOFOLLOW) ? VFS_RP_NOFOLLOW : 0) |
		     ((at & AT_EMPTY_PATH) ? VFS_RP_EMPTY_PATH : 0);
	int rc = vfs_resolve(ctx, dirf, path, f, &p);
	if (rc < 0)
		return rc;
	rc = setstat_path(ctx, &p, *ss);
	vfs_path_put(&p);
	return rc;
}

int vfs_ftruncate(struct vfs_ctx *ctx, struct vfs_file *f, int64_t len)
{
	if (!f->sf)
		return -EBADF;
	if (len < 0 || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	struct sentry_statx st;
	int rc = vfs_path_stat(&f->path, SENTRY_STATX_TYPE, &st);
	if (rc < 0)
		return rc;
	if (!S_ISREG(st.mode))
		return -EINVAL;
	/* The permission check happened at open; only the size changes. */
	struct sentry_setstat ss = { .mask = SENTRY_STATX_SIZE, .size = (uint64_t)len };
	struct vfs_fs *fs = f->path.mnt->fs;
	if (!SENTRY_OPS_HAS(fs->ops, fs->ops_size, dentry_setstat))
		return -EPERM;
	return (int)vfs_rc(fs, fs->ops->dentry_setstat(fs->fs, f->path.d, &ctx->creds, &ss));
}

int vfs_accessat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int mode, int at)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (at & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vfs_path p = { 0 };
	uint32_t f = ((at & AT_SYMLINK_NOFOLLOW) ? VFS_RP_NOFOLLOW : 0) |
		     ((at & AT_EMPTY_PATH) ? VFS_RP_EMPTY_PATH : 0);
	int rc = vfs_resolve(ctx, dirf, path, f, &p);
	if (rc < 0)
		return rc;
	struct sentry_statx st;
	rc = vfs_path_stat(&p, SENTRY_STATX_BASIC_STATS, &st);
	if (rc == 0 && (mode & W_OK) && (p.mnt->flags & VFS_MNT_RDONLY) &&
	    (S_ISREG(st.mode) || S_ISDIR(st.mode) || S_ISLNK(st.mode)))
		rc = -EROFS;
	/* A noexec mount refuses X_OK on files, as execve would (access(2), fs/namei.c). */
	if (rc == 0 && (mode & X_OK) && (p.mnt->flags & VFS_MNT_NOEXEC) && S_ISREG(st.mode))
		rc = -EACCES;
	if (rc == 0 && mode) {
		/* access(2) checks with the real IDs unless AT_EACCESS. */
		struct sentry_creds c = ctx->creds;
		if (!(at & AT_EACCESS)) {
			c.fsuid = c.uid;
			c.fsgid = c.gid;
		}
		uint32_t may = ((mode & R_OK) ? SENTRY_MAY_READ : 0) |
			       ((mode & W_OK) ? SENTRY_MAY_WRITE : 0) |
			       ((mode & X_OK) ? SENTRY_MAY_EXEC : 0);
		rc = svc_may_access(&c, st.mode, st.uid, st.gid, may);
	}
	vfs_path_put(&p);
	return rc;
}

/* --- extended attributes --- */

enum { XA_GET, XA_SET, XA_LIST, XA_REMOVE };

struct xattr_arg {
	int op;
	const char *name;
	void *buf;
	size_t size;
	int flags;
	int64_t result;
};

static int xattr_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct xattr_arg *a = arg;
	const struct sentry_fs_ops *o = fs->ops;
	size_t n = fs->ops_size;
	switch (a->op) {
	case XA_GET:
		if (!SENTRY_OPS_HAS(o, n, getxattr_at))
			return -EOPNOTSUPP;
		a->result = vfs_rc(fs, o->getxattr_at(fs->fs, rp, a->name, a->buf, a->size));
		break;
	case XA_SET:
		if (!SENTRY_OPS_HAS(o, n, setxattr_at))
			return -EOPNOTSUPP;
		a->result = vfs_rc(fs, o->setxattr_at(fs->fs, rp, a->name, a->buf, a->size,
						      a->flags));
		break;
	case XA_LIST:
		if (!SENTRY_OPS_HAS(o, n, listxattr_at))
			return 0; /* no attributes */
		a->result = vfs_rc(fs, o->listxattr_at(fs->fs, rp, a->buf, a->size));
		break;
	default:
		if (!SENTRY_OPS_HAS(o, n, removexattr_at))
			return -EOPNOTSUPP;
		a->result = vfs_rc(fs, o->removexattr_at(fs->fs, rp, a->name));
		break;
	}
	return a->result < 0 ? (int)a->result : 0;
}

/* xattr_permission(): namespaces, file types and access. */
static int xattr_check(struct vfs_ctx *ctx, const struct vfs_path *p, const char *name, int op)
{
	if (op != XA_LIST) {
		size_t len = strnlen(name, SENTRY_NAME_MAX + 1);
		if (len == 0 || len > SENTRY_NAME_MAX)
			return -ERANGE;
	}
	struct sentry_statx st;
	int rc = vfs_path_stat(p, SENTRY_STATX_BASIC_STATS, &st);
	if (rc < 0 || op == XA_LIST)
		return rc;
	int write = op == XA_SET || op == XA_REMOVE;
	if (write && (p->mnt->flags & VFS_MNT_RDONLY))
		return -EROFS;
	if (!strncmp(name, "trusted.", 8))
		return capable(&ctx->creds, SENTRY_CAP_SYS_ADMIN) ? 0 : (write ? -EPERM : -ENODATA);
	if (strncmp(name, "user.", 5))
		return -EOPNOTSUPP; /* security. and system. need LSMs and ACLs we do not have */
	if (!S_ISREG(st.mode) && !S_ISDIR(st.mode))
		return write ? -EPERM : -ENODATA;
	if (write && S_ISDIR(st.mode) && (st.mode & S_ISVTX) && !is_owner(&ctx->creds, &st))
		return -EPERM;
	return svc_may_access(&ctx->creds, st.mode, st.uid, st.gid,
			      write ? SENTRY_MAY_WRITE : SENTRY_MAY_READ);
}

static int64_t xattr_do(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
			struct xattr_arg *a)
{
	if (at & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct vfs_path p = { 0 };
	uint32_t f = ((at & AT_SYMLINK_NOFOLLOW) ? VFS_RP_NOFOLLOW : 0) |
		     ((at & AT_EMPTY_PATH) ? VFS_RP_EMPTY_PATH : 0);
	int rc = vfs_resolve(ctx, dirf, path, f, &p);
	if (rc < 0)
		return rc;
	rc = xattr_check(ctx, &p, a->name, a->op);
	if (rc == 0)
		rc = vfs_walk_at_path(ctx, &p, xattr_fn, a);
	vfs_path_put(&p);
	return rc < 0 ? rc : a->result;
}

int64_t vfs_getxattrat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
		       const char *name, void *buf, size_t size)
{
	struct xattr_arg a = { .op = XA_GET, .name = name, .buf = buf,
			       .size = size > VFS_XATTR_SIZE_MAX ? VFS_XATTR_SIZE_MAX : size };
	return xattr_do(ctx, dirf, path, at, &a);
}

int vfs_setxattrat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
		   const char *name, const void *value, size_t size, int flags)
{
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (size > VFS_XATTR_SIZE_MAX)
		return -E2BIG;
	struct xattr_arg a = { .op = XA_SET, .name = name, .buf = (void *)value, .size = size,
			       .flags = flags };
	return (int)xattr_do(ctx, dirf, path, at, &a);
}

int64_t vfs_listxattrat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
			char *buf, size_t size)
{
	struct xattr_arg a = { .op = XA_LIST, .name = "", .buf = buf,
			       .size = size > VFS_XATTR_SIZE_MAX ? VFS_XATTR_SIZE_MAX : size };
	return xattr_do(ctx, dirf, path, at, &a);
}

int vfs_removexattrat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
		      const char *name)
{
	struct xattr_arg a = { .op = XA_REMOVE, .name = name };
	return (int)xattr_do(ctx, dirf, path, at, &a);
}
