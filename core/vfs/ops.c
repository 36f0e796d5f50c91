/*
 * core/vfs/ops.c: path operations (open, stat, mkdir, mknod, unlink, rename, link, symlink,
 * readlink, statfs). Each validates its arguments the way Linux does, then walks the path with
 * the filesystem's *_at slot; attribute changes and xattrs are in attr.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dev/dev.h"
#include "walk.h"

#define VFS_OPEN_FLAGS                                                                         \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |  \
	 O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |  \
	 O_SYNC | O_PATH | O_TMPFILE)
#define VFS_RESOLVE_FLAGS                                                                      \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH |      \
	 RESOLVE_IN_ROOT | RESOLVE_CACHED)

static int dirf_ok(struct vfs_file *dirf)
{
	return !dirf || dirf->path.mnt ? 0 : -EBADF;
}

/* --- open --- */

struct open_arg {
	uint32_t flags;
	uint32_t mode;
	struct vfs_path path;
	struct sentry_file *sf;
	struct vfs_file *via;	/* the open file a magic link led to, whose name this takes */
};

static int open_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct open_arg *a = arg;
	if (a->flags & O_PATH) {
		struct sentry_dentry *d = NULL;
		int rc = (int)vfs_rc(fs, fs->ops->get_dentry_at(fs->fs, rp, &d));
		if (rc < 0)
			return rc;
		vfs_dref_taken();
		a->path.d = d;
	} else {
		int rc = (int)vfs_rc(fs, fs->ops->open_at(fs->fs, rp, a->flags, a->mode, &a->sf));
		if (rc < 0)
			return rc;
		a->path.d = a->sf->dentry;
		vfs_dget(fs, a->path.d);
	}
	a->path.mnt = rp->mnt;
	vfs_mount_get(rp->mnt);
	if ((a->via = vfs_rp_jumped_file(rp)) != NULL)
		vfs_file_get(a->via);
	return 0;
}

static uint32_t open_rp_flags(uint64_t flags, uint64_t resolve)
{
	uint32_t f = 0;
	if ((flags & O_NOFOLLOW) || (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		f |= VFS_RP_NOFOLLOW;
	if ((flags & O_DIRECTORY) && (flags & O_TMPFILE) != O_TMPFILE)
		f |= VFS_RP_DIRECTORY;
	if (resolve & RESOLVE_NO_SYMLINKS)
		f |= VFS_RP_NO_SYMLINKS;
	if (resolve & RESOLVE_BENEATH)
		f |= VFS_RP_BENEATH;
	if (resolve & RESOLVE_IN_ROOT)
		f |= VFS_RP_IN_ROOT;
	if (resolve & RESOLVE_NO_XDEV)
		f |= VFS_RP_NO_XDEV;
	return f;
}

/* Linux's build_open_flags() checks, for openat2 (strict) and openat (lenient). */
static int open_check(const struct vfs_open_how *how, int strict)
{
	uint64_t fl = how->flags;
	if (strict) {
		if (fl & ~(uint64_t)VFS_OPEN_FLAGS)
			return -EINVAL;
		if (how->resolve & ~(uint64_t)VFS_RESOLVE_FLAGS)
			return -EINVAL;
		if ((how->resolve & RESOLVE_BENEATH) && (how->resolve & RESOLVE_IN_ROOT))
			return -EINVAL;
		if (how->mode & ~07777ull)
			return -EINVAL;
		if (!(fl & O_CREAT) && (fl & O_TMPFILE) != O_TMPFILE && how->mode)
			return -EINVAL;
		if (how->resolve & RESOLVE_CACHED)
			return -EAGAIN; /* nothing is cached for a lock-free first try */
	}
	if ((fl & O_TMPFILE) == O_TMPFILE) {
		if (fl & O_CREAT)
			return -EINVAL;
		if ((fl & O_ACCMODE) == O_RDONLY)
			return -EINVAL;
	} else if ((fl & O_CREAT) && (fl & O_DIRECTORY)) {
		return -EINVAL;
	}
	if ((fl & O_ACCMODE) == O_ACCMODE && !(fl & O_PATH))
		return -EINVAL;
	return 0;
}

/* A device node or FIFO the filesystem opened (sentry_file.special): the description gets the
 * driver's file, and keeps the filesystem's for release (chrdev_open). Consumes a->sf and
 * a->path. */
static int open_special(struct open_arg *a, uint32_t flags, struct vfs_file **ret_file)
{
	struct sentry_file *dsf = NULL;
	struct sentry_statx st;
	int rc = (a->path.mnt->flags & VFS_MNT_NODEV) ? -EACCES : 0;
	if (rc == 0)
		rc = vfs_path_stat(&a->path, SENTRY_STATX_TYPE, &st);
	/* FIFOs open once pipes exist (#7); no block device has a driver. */
	if (rc == 0)
		rc = a->sf->special == S_IFCHR ? dev_open_chr(st.rdev_major, st.rdev_minor, flags, &dsf)
					       : -ENXIO;
	*ret_file = rc == 0 ? vfs_file_wrap(&a->path, dsf, flags) : NULL;
	if (*ret_file)
		(*ret_file)->node_sf = a->sf;
	else if (SENTRY_OPS_HAS(a->sf->ops, a->sf->ops_size, release))
		a->sf->ops->release(a->sf);
	vfs_path_put(&a->path);
	return rc < 0 ? rc : *ret_file ? 0 : -ENOMEM;
}

/* Records the name @f was opened by (vfs_file_name): @path folded, relative to @dirf or the
 * cwd unless absolute; a reopen ("" from @dirf) keeps @dirf's. Best effort: without memory
 * the file has no name, which only /proc shows. */
static void open_name(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
		      struct vfs_file *f)
{
	if (!path[0]) {
		if (dirf && dirf->name && (f->name = strdup(dirf->name)) && dirf->name_dir.mnt) {
			f->name_dir = dirf->name_dir;
			vfs_path_get(&f->name_dir);
		}
		return;
	}
	if (!(f->name = vfs_name_fold(path)) || path[0] == '/')
		return;
	f->name_dir = dirf ? dirf->path : ctx->cwd;
	vfs_path_get(&f->name_dir);
}

/* @rp_extra: VFS_RP_* flags beyond what the open flags imply. */
static int open_common(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
		       const struct vfs_open_how *how, int strict, uint32_t rp_extra,
		       struct vfs_file **ret_file)
{
	int rc = open_check(how, strict);
	if (rc == 0)
		rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	uint32_t flags = (uint32_t)how->flags;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	struct open_arg a = { .flags = flags, .mode = (uint32_t)how->mode & 07777 & ~ctx->umask };
	rc = vfs_walk(ctx, dirf, path, open_rp_flags(flags, how->resolve) | rp_extra, open_fn, &a);
	if (rc < 0)
		return rc;
	if (a.sf && a.sf->special) {
		rc = open_special(&a, flags, ret_file);	/* consumes a.sf and a.path */
	} else {
		*ret_file = vfs_file_wrap(&a.path, a.sf, flags);
		vfs_path_put(&a.path);
		rc = *ret_file ? 0 : -ENOMEM;
	}
	if (rc == 0 && vfs_mount_is_anon((*ret_file)->path.mnt))
		(*ret_file)->stream = 1;	/* a pipe opened anew through /proc: no offset */
	else if (rc == 0)
		open_name(ctx, a.via ? a.via : dirf, a.via ? "" : path, *ret_file);
	vfs_file_put(a.via);
	return rc;
}

int vfs_openat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t flags,
	       uint32_t mode, struct vfs_file **ret_file)
{
	/* open(2) ignores unknown flags and the mode without O_CREAT/O_TMPFILE. */
	struct vfs_open_how how = { .flags = flags & (VFS_OPEN_FLAGS), .mode = mode & 07777 };
	return open_common(ctx, dirf, path, &how, 0, 0, ret_file);
}

int vfs_openat2(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
		const struct vfs_open_how *how, struct vfs_file **ret_file)
{
	return open_common(ctx, dirf, path, how, 1, 0, ret_file);
}

int vfs_reopen(struct vfs_ctx *ctx, struct vfs_file *f, uint32_t flags,
	       struct vfs_file **ret_file)
{
	struct vfs_open_how how = { .flags = flags & (VFS_OPEN_FLAGS) & ~(uint32_t)O_CREAT };
	return open_common(ctx, f, "", &how, 0, VFS_RP_EMPTY_PATH, ret_file);
}

/* --- stat --- */

struct stat_arg {
	uint32_t mask;
	struct sentry_statx *st;
};

static int stat_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct stat_arg *a = arg;
	int rc;
	if (SENTRY_OPS_HAS(fs->ops, fs->ops_size, stat_at)) {
		rc = (int)vfs_rc(fs, fs->ops->stat_at(fs->fs, rp, a->mask, a->st));
	} else {
		struct sentry_dentry *d = NULL;
		rc = (int)vfs_rc(fs, fs->ops->get_dentry_at(fs->fs, rp, &d));
		if (rc < 0)
			return rc;
		vfs_dref_taken();
		rc = (int)vfs_rc(fs, fs->ops->dentry_stat(fs->fs, d, a->mask, a->st));
		vfs_dput(fs, d);
	}
	if (rc == 0) {
		a->st->dev_major = 0;
		a->st->dev_minor = fs->dev_minor;
	}
	return rc;
}

int vfs_statat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
	       uint32_t mask, struct sentry_statx *ret_st)
{
	if (at & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	struct stat_arg a = { mask, ret_st };
	uint32_t f = ((at & AT_SYMLINK_NOFOLLOW) ? VFS_RP_NOFOLLOW : 0) |
		     ((at & AT_EMPTY_PATH) ? VFS_RP_EMPTY_PATH : 0);
	return vfs_walk(ctx, dirf, path, f, stat_fn, &a);
}

/* --- creation --- */

struct mk_arg {
	int what;	/* 0 mkdir, 1 mknod, 2 symlink */
	uint32_t mode;
	uint32_t major, minor;
	const char *target;
};

static int mk_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct mk_arg *a = arg;
	const struct sentry_fs_ops *o = fs->ops;
	switch (a->what) {
	case 0:
		if (!SENTRY_OPS_HAS(o, fs->ops_size, mkdir_at))
			return -EPERM;
		return (int)vfs_rc(fs, o->mkdir_at(fs->fs, rp, a->mode));
	case 1:
		if (!SENTRY_OPS_HAS(o, fs->ops_size, mknod_at))
			return -EPERM;
		return (int)vfs_rc(fs, o->mknod_at(fs->fs, rp, a->mode, a->major, a->minor));
	default:
		if (!SENTRY_OPS_HAS(o, fs->ops_size, symlink_at))
			return -EPERM;
		return (int)vfs_rc(fs, o->symlink_at(fs->fs, rp, a->target));
	}
}

int vfs_mkdirat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t mode)
{
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	struct mk_arg a = { .what = 0, .mode = mode & 07777 & ~ctx->umask };
	return vfs_walk(ctx, dirf, path, VFS_RP_NOFOLLOW, mk_fn, &a);
}

int vfs_mknodat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t mode,
		uint64_t dev)
{
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	uint32_t type = mode & S_IFMT;
	switch (type) {
	case 0:
		type = S_IFREG;
		break;
	case S_IFREG:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFCHR:
	case S_IFBLK:
		if (!((ctx->creds.cap_effective >> SENTRY_CAP_MKNOD) & 1))
			return -EPERM;
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	struct mk_arg a = { .what = 1, .mode = type | (mode & 07777 & ~ctx->umask),
			    .major = (uint32_t)(((dev >> 32) & 0xfffff000u) | ((dev >> 8) & 0xfffu)),
			    .minor = (uint32_t)(((dev >> 12) & 0xffffff00u) | (dev & 0xffu)) };
	return vfs_walk(ctx, dirf, path, VFS_RP_NOFOLLOW, mk_fn, &a);
}

int vfs_symlinkat(struct vfs_ctx *ctx, const char *target, struct vfs_file *dirf,
		  const char *path)
{
	size_t len = strnlen(target, SENTRY_PATH_MAX);
	if (len == 0)
		return -ENOENT;
	if (len >= SENTRY_PATH_MAX)
		return -ENAMETOOLONG;
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	struct mk_arg a = { .what = 2, .target = target };
	return vfs_walk(ctx, dirf, path, VFS_RP_NOFOLLOW, mk_fn, &a);
}

/* --- removal --- */

static int unlink_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	int rmdir = *(int *)arg;
	const struct sentry_fs_ops *o = fs->ops;
	if (rmdir) {
		if (!SENTRY_OPS_HAS(o, fs->ops_size, rmdir_at))
			return -EPERM;
		return (int)vfs_rc(fs, o->rmdir_at(fs->fs, rp));
	}
	if (!SENTRY_OPS_HAS(o, fs->ops_size, unlink_at))
		return -EPERM;
	return (int)vfs_rc(fs, o->unlink_at(fs->fs, rp));
}

int vfs_unlinkat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at)
{
	if (at & ~AT_REMOVEDIR)
		return -EINVAL;
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	int rmdir = !!(at & AT_REMOVEDIR);
	return vfs_walk(ctx, dirf, path, VFS_RP_NOFOLLOW, unlink_fn, &rmdir);
}

/* --- rename and link --- */

/* Splits @path into its parent (written to @parent, "." when none) and last component
 * (@ret_name, inside @path). Returns 0, -ENAMETOOLONG, -EBUSY ("." or ".." last, as
 * do_renameat2), -ENOENT (empty). */
static int split_last(const char *path, char *parent, size_t psize, char *name,
		      int *ret_trailing)
{
	size_t len = strnlen(path, SENTRY_PATH_MAX);
	if (len >= SENTRY_PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return -ENOENT;
	size_t end = len;
	while (end > 0 && path[end - 1] == '/')
		end--;
	*ret_trailing = end < len;
	if (end == 0)
		return -EBUSY; /* "/" */
	size_t start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	size_t nlen = end - start;
	if (nlen > SENTRY_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, path + start, nlen);
	name[nlen] = 0;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EBUSY;
	if (start == 0) {
		snprintf(parent, psize, ".");
	} else {
		memcpy(parent, path, start);
		parent[start] = 0;
	}
	return 0;
}

/* A parent directory resolved with references, and the last component of the path. */
struct vfs_last {
	struct vfs_path parent;
	char name[SENTRY_NAME_MAX + 2];	/* the name, with "/" appended when the path had one */
};

static int resolve_last(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
			struct vfs_last *ret)
{
	char parent[SENTRY_PATH_MAX];
	int trailing = 0;
	int rc = split_last(path, parent, sizeof(parent), ret->name, &trailing);
	if (rc < 0)
		return rc;
	rc = vfs_resolve(ctx, dirf, parent, VFS_RP_DIRECTORY, &ret->parent);
	if (rc == 0 && trailing)
		strcat(ret->name, "/");
	return rc;
}

struct rename_arg {
	struct sentry_dentry *old_parent;
	const char *old_name;
	uint32_t flags;
	struct sentry_dentry *target;	/* link */
};

static int rename_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct rename_arg *a = arg;
	if (!SENTRY_OPS_HAS(fs->ops, fs->ops_size, rename_at))
		return -EPERM;
	return (int)vfs_rc(fs, fs->ops->rename_at(fs->fs, rp, a->old_parent, a->old_name,
						  a->flags));
}

/* Strips a trailing "/" from @name in place; returns whether there was one. */
static int strip_slash(char *name)
{
	size_t n = strlen(name);
	if (n > 0 && name[n - 1] == '/') {
		name[n - 1] = 0;
		return 1;
	}
	return 0;
}

/* Runs @fn over the last component of @nl (a walk of one name from its parent). */
static int walk_last(struct vfs_ctx *ctx, struct vfs_last *nl, vfs_walk_fn fn, void *arg)
{
	struct vfs_file f = { .path = nl->parent };
	return vfs_walk(ctx, &f, nl->name, VFS_RP_NOFOLLOW, fn, arg);
}

/* Checks a source given with a trailing "/" is a directory (rename "file/" is ENOTDIR). */
static int check_old_dir(struct vfs_ctx *ctx, struct vfs_last *ol)
{
	struct vfs_path p = { 0 };
	struct vfs_file f = { .path = ol->parent };
	int rc = vfs_resolve(ctx, &f, ol->name, VFS_RP_NOFOLLOW, &p);
	if (rc == 0)
		vfs_path_put(&p);
	return rc;
}

int vfs_renameat2(struct vfs_ctx *ctx, struct vfs_file *olddirf, const char *oldpath,
		  struct vfs_file *newdirf, const char *newpath, uint32_t flags)
{
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL; /* no overlay yet: whiteouts are unsupported, as on tmpfs without */
	int rc = dirf_ok(olddirf) ?: dirf_ok(newdirf);
	if (rc < 0)
		return rc;
	struct vfs_last ol = { 0 }, nl = { 0 };
	rc = resolve_last(ctx, olddirf, oldpath, &ol);
	if (rc == 0)
		rc = resolve_last(ctx, newdirf, newpath, &nl);
	if (rc == -EBUSY && (flags & RENAME_NOREPLACE) && ol.parent.mnt)
		rc = -EEXIST;
	if (rc == 0 && ol.parent.mnt != nl.parent.mnt)
		rc = -EXDEV;
	if (rc == 0 && ol.name[strlen(ol.name) - 1] == '/') {
		rc = check_old_dir(ctx, &ol);
		(void)strip_slash(ol.name);
	}
	if (rc == 0) {
		struct rename_arg a = { .old_parent = ol.parent.d, .old_name = ol.name,
					.flags = flags };
		rc = walk_last(ctx, &nl, rename_fn, &a);
	}
	vfs_path_put(&ol.parent);
	vfs_path_put(&nl.parent);
	return rc;
}

static int link_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct rename_arg *a = arg;
	if (!SENTRY_OPS_HAS(fs->ops, fs->ops_size, link_at))
		return -EPERM;
	return (int)vfs_rc(fs, fs->ops->link_at(fs->fs, rp, a->target));
}

int vfs_linkat(struct vfs_ctx *ctx, struct vfs_file *olddirf, const char *oldpath,
	       struct vfs_file *newdirf, const char *newpath, int at)
{
	if (at & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	int rc = dirf_ok(olddirf) ?: dirf_ok(newdirf);
	if (rc < 0)
		return rc;
	if ((at & AT_EMPTY_PATH) && !((ctx->creds.cap_effective >> 2) & 1) && !oldpath[0])
		return -ENOENT; /* linkat(2): AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH */
	struct vfs_path old = { 0 };
	uint32_t f = ((at & AT_SYMLINK_FOLLOW) ? 0 : VFS_RP_NOFOLLOW) |
		     ((at & AT_EMPTY_PATH) ? VFS_RP_EMPTY_PATH : 0);
	rc = vfs_resolve(ctx, olddirf, oldpath, f, &old);
	if (rc < 0)
		return rc;
	struct vfs_last nl = { 0 };
	rc = resolve_last(ctx, newdirf, newpath, &nl);
	if (rc == -EBUSY)
		rc = -EEXIST;
	if (rc == 0 && old.mnt != nl.parent.mnt)
		rc = -EXDEV;
	if (rc == 0) {
		struct rename_arg a = { .target = old.d };
		rc = walk_last(ctx, &nl, link_fn, &a);
	}
	vfs_path_put(&nl.parent);
	vfs_path_put(&old);
	return rc;
}

/* --- readlink, statfs --- */

struct readlink_arg {
	char *buf;
	size_t size;
	struct vfs_rp_jump magic;	/* what a magic link names (references owned) */
};

static int readlink_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct readlink_arg *a = arg;
	if (!SENTRY_OPS_HAS(fs->ops, fs->ops_size, readlink_at))
		return -EINVAL;
	int64_t n = vfs_rc(fs, fs->ops->readlink_at(fs->fs, rp, a->buf, a->size));
	if (n == -VFS_EMAGIC && rp->njumps) {
		a->magic = rp->jumps[rp->njumps - 1];
		vfs_path_get(&a->magic.path);
		if (a->magic.file)
			vfs_file_get(a->magic.file);
	}
	return (int)n;
}

/* The text of a magic link, named from the reader's root: the file's name (or what kind of
 * anonymous file it is), or the directory's path. */
static int64_t readlink_magic(struct vfs_ctx *ctx, struct vfs_rp_jump *m, char *buf, size_t size)
{
	char *tmp = malloc(SENTRY_PATH_MAX);
	if (!tmp)
		return -ENOMEM;
	int64_t n = m->file ? vfs_file_name(ctx, m->file, tmp, SENTRY_PATH_MAX)
			    : vfs_path_string(ctx, &m->path, tmp, SENTRY_PATH_MAX);
	if (n >= 0) {
		if ((size_t)n > size)
			n = (int64_t)size;	/* readlink(2) truncates */
		memcpy(buf, tmp, (size_t)n);
	}
	free(tmp);
	return n;
}

int64_t vfs_readlinkat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, char *buf,
		       size_t size)
{
	if ((int64_t)size <= 0)
		return -EINVAL;
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	struct readlink_arg a = { buf, size, { { 0 }, NULL } };
	/* An empty path reads a symlink opened with O_PATH|O_NOFOLLOW (readlinkat(2)). */
	uint32_t f = VFS_RP_NOFOLLOW | (dirf ? VFS_RP_EMPTY_PATH : 0);
	int64_t n = vfs_walk(ctx, dirf, path, f, readlink_fn, &a);
	if (n == -VFS_EMAGIC) {
		n = a.magic.path.mnt ? readlink_magic(ctx, &a.magic, buf, size) : -EIO;
		vfs_path_put(&a.magic.path);
		vfs_file_put(a.magic.file);
	}
	return n;
}

static int statfs_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct sentry_statfs *st = arg;
	if (!SENTRY_OPS_HAS(fs->ops, fs->ops_size, statfs_at))
		return -ENOSYS;
	int rc = (int)vfs_rc(fs, fs->ops->statfs_at(fs->fs, rp, st));
	if (rc == 0) {
		uint32_t mf = rp->mnt->flags;
		st->flags |= ((mf & VFS_MNT_RDONLY) ? 1u : 0) | ((mf & VFS_MNT_NOSUID) ? 2u : 0) |
			     ((mf & VFS_MNT_NODEV) ? 4u : 0) | ((mf & VFS_MNT_NOEXEC) ? 8u : 0);
	}
	return rc;
}

int vfs_statfs(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
	       struct sentry_statfs *ret_st)
{
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	memset(ret_st, 0, sizeof(*ret_st));
	return vfs_walk(ctx, dirf, path ? path : "", path ? 0 : VFS_RP_EMPTY_PATH, statfs_fn,
			ret_st);
}

/* --- AF_UNIX names --- */

struct endpoint_arg {
	uint32_t mode;
	void *endpoint;
};

static int bind_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct endpoint_arg *a = arg;
	if (!SENTRY_OPS_HAS(fs->ops, fs->ops_size, bind_endpoint_at))
		return -EPERM;
	return (int)vfs_rc(fs, fs->ops->bind_endpoint_at(fs->fs, rp, a->mode, a->endpoint));
}

static int bound_fn(struct vfs_fs *fs, struct sentry_rp *rp, void *arg)
{
	struct endpoint_arg *a = arg;
	if (!SENTRY_OPS_HAS(fs->ops, fs->ops_size, bound_endpoint_at))
		return -ECONNREFUSED;
	return (int)vfs_rc(fs, fs->ops->bound_endpoint_at(fs->fs, rp, &a->endpoint));
}

int vfs_bind_endpoint(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t mode,
		      void *endpoint)
{
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	struct endpoint_arg a = { mode & 07777 & ~ctx->umask, endpoint };
	return vfs_walk(ctx, dirf, path, VFS_RP_NOFOLLOW, bind_fn, &a);
}

int vfs_bound_endpoint(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
		       void **ret_endpoint)
{
	int rc = dirf_ok(dirf);
	if (rc < 0)
		return rc;
	struct endpoint_arg a = { 0, NULL };
	rc = vfs_walk(ctx, dirf, path, 0, bound_fn, &a);
	if (rc == 0)
		*ret_endpoint = a.endpoint;
	return rc;
}
