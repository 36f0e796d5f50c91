/*
 * hostdir_mod.c: the hostdir backend's optional slots: every change to the tree, readlink,
 * statfs, fsync and xattrs. Names are checked again (single components) and every call is
 * relative to a node's O_PATH fd, never by path; a read-only mount refuses changes with -EROFS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "hostdir.h"

/* Checks that @dir may get or lose entry @name. Returns 0, -EROFS, -ENOTDIR, -EINVAL,
 * -ENAMETOOLONG. */
static int check_dir_change(struct sentry_gnode *dir, const char *name)
{
	if (dir->flags & SENTRY_GOFER_RDONLY)
		return -EROFS;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	return hostdir_check_name(name);
}

/* After creating @name in @dir: gives it group @gid (as Linux would for a setgid directory or
 * the creator's fsgid; best effort, the Gofer may lack CAP_CHOWN) and reports its qid. */
static int new_entry_done(struct sentry_gnode *dir, const char *name, uint32_t gid,
			  struct sentry_qid *ret_qid)
{
	struct stat st;

	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	if (st.st_gid != gid)
		(void)fchownat(dir->fd, name, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW);
	hostdir_qid(&st, ret_qid);
	return 0;
}

int64_t hostdir_write(struct sentry_gnode *node, const void *buf, size_t size, uint64_t off)
{
	if (node->flags & SENTRY_GOFER_RDONLY)
		return -EROFS;
	if (node->open_fd < 0)
		return -EBADF;
	if (off > INT64_MAX)
		return -EINVAL;
	ssize_t n = pwrite(node->open_fd, buf, size, (off_t)off);
	return n < 0 ? -errno : n;
}

int hostdir_create(struct sentry_gnode *dir, const char *name, uint32_t flags, uint32_t mode,
		   uint32_t gid, struct sentry_gnode **ret_node, struct sentry_qid *ret_qid,
		   int *ret_fd)
{
	struct sentry_gnode *node;
	struct stat st;
	int r = check_dir_change(dir, name);

	if (r < 0)
		return r;
	/* O_EXCL: Tlcreate makes a new file, and O_CREAT|O_EXCL never follows a symlink. */
	flags &= ~(uint32_t)(O_PATH | O_TMPFILE | O_DIRECTORY | O_NOCTTY);
	int fd = openat(dir->fd, name, (int)flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			(mode_t)(mode & 07777));
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || (st.st_gid != gid && fchown(fd, (uid_t)-1, gid) < 0 &&
				   errno != EPERM))
		r = -errno;
	if (r == 0)
		r = hostdir_lookup(dir, name, &node, ret_qid);
	if (r == 0 && (node->ino != st.st_ino || node->dev != st.st_dev)) {
		hostdir_release(node);
		r = -ESTALE;
	}
	if (r < 0) {
		(void)close(fd);
		return r;
	}
	node->open_fd = fd;
	*ret_node = node;
	*ret_fd = -1;
	return 0;
}

/* A descriptor with real access for fd-only calls (fchmod, ftruncate, f*xattr): the node's
 * open one when its access mode suffices, else a fresh reopen (*ret_close set). */
static int real_fd(struct sentry_gnode *node, int acc, int *ret_close)
{
	*ret_close = 0;
	if (node->open_fd >= 0) {
		int have = fcntl(node->open_fd, F_GETFL);
		if (have >= 0 && ((have & O_ACCMODE) == O_RDWR || (have & O_ACCMODE) == acc))
			return node->open_fd;
	}
	if (!S_ISREG(node->mode) && !S_ISDIR(node->mode))
		return S_ISLNK(node->mode) ? -ELOOP : -EPERM;
	int fd = hostdir_reopen(node, acc | O_NONBLOCK);
	if (fd >= 0)
		*ret_close = 1;
	return fd;
}

static int set_size(struct sentry_gnode *node, uint64_t size)
{
	int close_fd;

	if (S_ISDIR(node->mode))
		return -EISDIR;
	if (!S_ISREG(node->mode))
		return -EINVAL;
	if (size > INT64_MAX)
		return -EFBIG;
	int fd = real_fd(node, O_WRONLY, &close_fd);
	if (fd < 0)
		return fd;
	int r = ftruncate(fd, (off_t)size) < 0 ? -errno : 0;
	if (close_fd)
		(void)close(fd);
	return r;
}

static int set_mode(struct sentry_gnode *node, uint32_t mode)
{
	int close_fd;

	/* fchmodat(AT_SYMLINK_NOFOLLOW) on Linux: symlinks have no mode of their own. */
	if (S_ISLNK(node->mode))
		return -EOPNOTSUPP;
	/* Sockets, FIFOs and devices are never opened: by name in their directory, after
	 * checking the name still means this node (a symlink put there instead is refused). */
	if (!S_ISREG(node->mode) && !S_ISDIR(node->mode)) {
		struct stat st;
		if (fstatat(node->parent_fd, node->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return -errno;
		if (st.st_ino != node->ino || st.st_dev != node->dev)
			return -ESTALE;
		return fchmodat(node->parent_fd, node->name, (mode_t)(mode & 07777), 0) < 0 ? -errno
											     : 0;
	}
	int fd = real_fd(node, O_RDONLY, &close_fd);
	if (fd < 0)
		return fd;
	int r = fchmod(fd, (mode_t)(mode & 07777)) < 0 ? -errno : 0;
	if (close_fd)
		(void)close(fd);
	return r;
}

static struct timespec utime_of(const struct sentry_timespec *t, int set)
{
	if (!set || t->nsec == SENTRY_UTIME_OMIT)
		return (struct timespec){ .tv_nsec = UTIME_OMIT };
	if (t->nsec == SENTRY_UTIME_NOW)
		return (struct timespec){ .tv_nsec = UTIME_NOW };
	return (struct timespec){ .tv_sec = t->sec, .tv_nsec = t->nsec };
}

int hostdir_setattr(struct sentry_gnode *node, const struct sentry_statx *st, uint32_t valid)
{
	const uint32_t known = SENTRY_STATX_MODE | SENTRY_STATX_UID | SENTRY_STATX_GID |
			       SENTRY_STATX_SIZE | SENTRY_STATX_ATIME | SENTRY_STATX_MTIME;
	int r = 0;

	if (valid & ~known)
		return -EINVAL;
	if (node->flags & SENTRY_GOFER_RDONLY)
		return -EROFS;
	if (valid & SENTRY_STATX_SIZE)
		r = set_size(node, st->size);
	if (r == 0 && (valid & SENTRY_STATX_MODE))
		r = set_mode(node, st->mode);
	if (r == 0 && (valid & (SENTRY_STATX_UID | SENTRY_STATX_GID))) {
		uid_t uid = (valid & SENTRY_STATX_UID) ? st->uid : (uid_t)-1;
		gid_t gid = (valid & SENTRY_STATX_GID) ? st->gid : (gid_t)-1;
		if (fchownat(node->fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
	}
	if (r == 0 && (valid & (SENTRY_STATX_ATIME | SENTRY_STATX_MTIME))) {
		struct timespec ts[2] = { utime_of(&st->atime, valid & SENTRY_STATX_ATIME),
					  utime_of(&st->mtime, valid & SENTRY_STATX_MTIME) };
		if (utimensat(node->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
	}
	return r;
}

int hostdir_mkdir(struct sentry_gnode *dir, const char *name, uint32_t mode, uint32_t gid,
		  struct sentry_qid *ret_qid)
{
	int r = check_dir_change(dir, name);

	if (r < 0)
		return r;
	if (mkdirat(dir->fd, name, (mode_t)(mode & 07777)) < 0)
		return -errno;
	return new_entry_done(dir, name, gid, ret_qid);
}

int hostdir_mknod(struct sentry_gnode *dir, const char *name, uint32_t mode, uint32_t major,
		  uint32_t minor, uint32_t gid, struct sentry_qid *ret_qid)
{
	uint32_t type = (mode & S_IFMT) ? (mode & S_IFMT) : S_IFREG;
	int r = check_dir_change(dir, name);

	if (r < 0)
		return r;
	/* mknod(2): EPERM for a device node without CAP_MKNOD, EINVAL for a directory or an
	 * unknown type. Devices only when the Gofer itself runs as root. */
	if (type == S_IFCHR || type == S_IFBLK) {
		if (geteuid() != 0)
			return -EPERM;
	} else if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK) {
		return -EINVAL;
	}
	if (mknodat(dir->fd, name, (mode_t)(type | (mode & 07777)), makedev(major, minor)) < 0)
		return -errno;
	return new_entry_done(dir, name, gid, ret_qid);
}

int hostdir_symlink(struct sentry_gnode *dir, const char *name, const char *target,
		    uint32_t gid, struct sentry_qid *ret_qid)
{
	int r = check_dir_change(dir, name);

	if (r < 0)
		return r;
	/* The target is stored, never resolved here: the Sentry follows symlinks itself. */
	if (symlinkat(target, dir->fd, name) < 0)
		return -errno;
	return new_entry_done(dir, name, gid, ret_qid);
}

int hostdir_link(struct sentry_gnode *dir, struct sentry_gnode *target, const char *name)
{
	struct stat st;
	int r = check_dir_change(dir, name);

	if (r < 0)
		return r;
	if (S_ISDIR(target->mode) || target->parent_fd < 0)
		return -EPERM;	/* link(2): directories cannot be hard-linked */
	/* By the inode itself when the Gofer may (CAP_DAC_READ_SEARCH), else by name in its
	 * directory, checking afterwards that the name still meant the same file. */
	if (linkat(target->fd, "", dir->fd, name, AT_EMPTY_PATH) == 0)
		return 0;
	if (errno != ENOENT && errno != EPERM)
		return -errno;
	if (linkat(target->parent_fd, target->name, dir->fd, name, 0) < 0)
		return -errno;
	if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_ino == target->ino &&
	    st.st_dev == target->dev)
		return 0;
	(void)unlinkat(dir->fd, name, 0);
	return -ESTALE;
}

int hostdir_renameat(struct sentry_gnode *olddir, const char *oldname,
		     struct sentry_gnode *newdir, const char *newname)
{
	int r = check_dir_change(olddir, oldname);

	if (r == 0)
		r = check_dir_change(newdir, newname);
	if (r < 0)
		return r;
	/* Nodes already walked to the old name keep their O_PATH fd; reopening them by name
	 * then fails with -ESTALE or -ENOENT until the client walks again. */
	if (renameat(olddir->fd, oldname, newdir->fd, newname) < 0)
		return -errno;
	return 0;
}

int hostdir_unlinkat(struct sentry_gnode *dir, const char *name, uint32_t flags)
{
	int r = check_dir_change(dir, name);

	if (r < 0)
		return r;
	if (flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	if (unlinkat(dir->fd, name, (int)flags) < 0)
		return -errno;
	return 0;
}

int hostdir_readlink(struct sentry_gnode *node, char *buf, size_t size)
{
	if (!S_ISLNK(node->mode))
		return -EINVAL;	/* readlink(2) on a non-symlink */
	if (size == 0)
		return -EINVAL;
	ssize_t n = readlinkat(node->fd, "", buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return (int)n;
}

int hostdir_statfs(struct sentry_gnode *node, struct sentry_statfs *ret_st)
{
	struct statfs sf;

	if (fstatfs(node->fd, &sf) < 0)
		return -errno;
	*ret_st = (struct sentry_statfs){
		.type = (uint64_t)sf.f_type, .bsize = (uint64_t)sf.f_bsize,
		.blocks = sf.f_blocks, .bfree = sf.f_bfree, .bavail = sf.f_bavail,
		.files = sf.f_files, .ffree = sf.f_ffree, .namelen = (uint64_t)sf.f_namelen,
		.frsize = (uint64_t)sf.f_frsize, .flags = (uint64_t)sf.f_flags,
	};
	return 0;
}

int hostdir_fsync(struct sentry_gnode *node, int datasync)
{
	if (node->open_fd < 0)
		return -EBADF;
	if ((datasync ? fdatasync(node->open_fd) : fsync(node->open_fd)) < 0)
		return -errno;
	return 0;
}

/* Only the user namespace: trusted.* and security.* on the host are the host's business, and
 * a Gofer running as root could otherwise set them for the sandbox. */
static int check_xattr_name(const char *name)
{
	return strncmp(name, "user.", 5) == 0 ? 0 : -EOPNOTSUPP;
}

int64_t hostdir_getxattr(struct sentry_gnode *node, const char *name, void *buf, size_t size)
{
	int close_fd, r = check_xattr_name(name);

	if (r < 0)
		return r;
	int fd = real_fd(node, O_RDONLY, &close_fd);
	if (fd < 0)
		return fd == -ELOOP ? -ENODATA : fd;
	ssize_t n = fgetxattr(fd, name, buf, size);
	int64_t ret = n < 0 ? -errno : n;
	if (close_fd)
		(void)close(fd);
	return ret;
}

int64_t hostdir_listxattr(struct sentry_gnode *node, char *buf, size_t size)
{
	int close_fd;
	int fd = real_fd(node, O_RDONLY, &close_fd);

	if (fd < 0)
		return fd == -ELOOP ? 0 : fd;
	ssize_t n = flistxattr(fd, buf, size);
	int64_t ret = n < 0 ? -errno : n;
	if (close_fd)
		(void)close(fd);
	return ret;
}

int hostdir_setxattr(struct sentry_gnode *node, const char *name, const void *val, size_t size,
		     int flags)
{
	int close_fd, r = check_xattr_name(name);

	if (r < 0)
		return r;
	if (node->flags & SENTRY_GOFER_RDONLY)
		return -EROFS;
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	int fd = real_fd(node, O_RDONLY, &close_fd);
	if (fd < 0)
		return fd == -ELOOP ? -EPERM : fd;	/* setxattr(2): no user.* on symlinks */
	r = fsetxattr(fd, name, val, size, flags) < 0 ? -errno : 0;
	if (close_fd)
		(void)close(fd);
	return r;
}

int hostdir_removexattr(struct sentry_gnode *node, const char *name)
{
	int close_fd, r = check_xattr_name(name);

	if (r < 0)
		return r;
	if (node->flags & SENTRY_GOFER_RDONLY)
		return -EROFS;
	int fd = real_fd(node, O_RDONLY, &close_fd);
	if (fd < 0)
		return fd == -ELOOP ? -EPERM : fd;
	r = fremovexattr(fd, name) < 0 ? -errno : 0;
	if (close_fd)
		(void)close(fd);
	return r;
}
