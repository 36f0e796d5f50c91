/*
 * core/sys/sys_file.c: file descriptors and file I/O: read/write and their positional forms,
 * open/openat/close, fstat/newfstatat, lseek, readlink(at), dup/dup2/dup3.
 *
 * Data moves through a Sentry bounce buffer in 64 KiB chunks for now.
 * TODO(#5): hand plugins the application's pages directly (struct sentry_iov over the memory
 * file) to save the copy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "fd/fdtable.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#define IO_CHUNK (64u << 10)

int sys_get_file(struct task *t, int64_t fd, struct vfs_file **ret_file)
{
	if (fd < 0 || fd > INT_MAX)
		return -EBADF;
	void *obj;
	int rc = fdt_get(t->fdt, (int)fd, &obj, NULL);
	if (rc < 0)
		return rc;
	*ret_file = obj;
	return 0;
}

/* The directory of an *at call: NULL for AT_FDCWD, else the file with a reference. */
static int get_dirf(struct task *t, int64_t dirfd, struct vfs_file **ret)
{
	*ret = NULL;
	return (int)dirfd == AT_FDCWD ? 0 : sys_get_file(t, (int)dirfd, ret);
}

static void put_file(struct vfs_file *f)
{
	if (f)
		vfs_file_put(f);
}

/* Reads (@out = 0) or writes @len bytes at @addr through @f at @off (-1: the file offset). */
static int64_t do_io(struct task *t, int64_t fd, uint64_t addr, uint64_t len, int64_t off,
		     int write)
{
	struct vfs_file *f;
	int rc = sys_get_file(t, fd, &f);
	if (rc < 0)
		return rc;
	if ((int64_t)len < 0)
		len = INT64_MAX;
	char *buf = malloc(len < IO_CHUNK ? (len ? len : 1) : IO_CHUNK);
	int64_t done = 0, n = 0;
	while (buf && (uint64_t)done < len) {
		size_t chunk = len - (uint64_t)done < IO_CHUNK ? len - (uint64_t)done : IO_CHUNK;
		if (write && mm_copy_in(t->mm, addr + (uint64_t)done, buf, chunk) < 0) {
			n = -EFAULT;
			break;
		}
		int64_t pos = off < 0 ? -1 : off + done;
		n = write ? (pos < 0 ? vfs_write(f, buf, chunk) : vfs_pwrite(f, buf, chunk, pos))
			  : (pos < 0 ? vfs_read(f, buf, chunk) : vfs_pread(f, buf, chunk, pos));
		if (n > 0 && !write && mm_copy_out(t->mm, addr + (uint64_t)done, buf, (size_t)n) < 0)
			n = -EFAULT;
		if (n <= 0)
			break;
		done += n;
		if ((size_t)n < chunk)
			break;
	}
	free(buf);
	vfs_file_put(f);
	if (!buf && len)
		return -ENOMEM;
	return done ? done : n;
}

int64_t sys_read(struct task *t, const uint64_t a[6])
{
	return do_io(t, (int64_t)a[0], a[1], a[2], -1, 0);
}

int64_t sys_write(struct task *t, const uint64_t a[6])
{
	return do_io(t, (int64_t)a[0], a[1], a[2], -1, 1);
}

int64_t sys_pread64(struct task *t, const uint64_t a[6])
{
	return (int64_t)a[3] < 0 ? -EINVAL : do_io(t, (int64_t)a[0], a[1], a[2], (int64_t)a[3], 0);
}

int64_t sys_pwrite64(struct task *t, const uint64_t a[6])
{
	return (int64_t)a[3] < 0 ? -EINVAL : do_io(t, (int64_t)a[0], a[1], a[2], (int64_t)a[3], 1);
}

/* Copies a path argument: -EFAULT, -ENAMETOOLONG (PATH_MAX with the terminator). */
static int copy_path(struct task *t, uint64_t addr, char *buf)
{
	int64_t n = mm_copy_string(t->mm, addr, buf, PATH_MAX);
	return n < 0 ? (int)n : 0;
}

static int64_t do_openat(struct task *t, int64_t dirfd, uint64_t path_addr, uint32_t flags,
			 uint32_t mode)
{
	char *path = malloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	struct vfs_file *dirf = NULL, *f = NULL;
	int fd = -1;
	int rc = copy_path(t, path_addr, path);
	if (rc == 0)
		rc = get_dirf(t, dirfd, &dirf);
	if (rc == 0)
		rc = vfs_openat(t->fs, dirf, path, flags, mode, &f);
	if (rc == 0)
		rc = fdt_install(t->fdt, f, (flags & O_CLOEXEC) != 0, 0, &fd);
	put_file(f);
	put_file(dirf);
	free(path);
	return rc < 0 ? rc : fd;
}

int64_t sys_openat(struct task *t, const uint64_t a[6])
{
	return do_openat(t, (int64_t)a[0], a[1], (uint32_t)a[2], (uint32_t)a[3]);
}

int64_t sys_open(struct task *t, const uint64_t a[6])
{
	return do_openat(t, AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

int64_t sys_close(struct task *t, const uint64_t a[6])
{
	return (int)a[0] < 0 ? -EBADF : fdt_close(t->fdt, (int)a[0]);
}

/* statx-shaped attributes into the x86-64 struct stat. */
static void stat_from_statx(const struct sentry_statx *x, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(x->dev_major, x->dev_minor);
	st->st_ino = x->ino;
	st->st_nlink = x->nlink;
	st->st_mode = x->mode;
	st->st_uid = x->uid;
	st->st_gid = x->gid;
	st->st_rdev = makedev(x->rdev_major, x->rdev_minor);
	st->st_size = (off_t)x->size;
	st->st_blksize = x->blksize;
	st->st_blocks = (blkcnt_t)x->blocks;
	st->st_atim.tv_sec = x->atime.sec, st->st_atim.tv_nsec = x->atime.nsec;
	st->st_mtim.tv_sec = x->mtime.sec, st->st_mtim.tv_nsec = x->mtime.nsec;
	st->st_ctim.tv_sec = x->ctime.sec, st->st_ctim.tv_nsec = x->ctime.nsec;
}

static int64_t copy_stat(struct task *t, uint64_t addr, const struct sentry_statx *x)
{
	struct stat st;
	stat_from_statx(x, &st);
	return mm_copy_out(t->mm, addr, &st, sizeof(st));
}

int64_t sys_fstat(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	struct sentry_statx x;
	rc = vfs_fstat(f, SENTRY_STATX_BASIC_STATS, &x);
	vfs_file_put(f);
	return rc < 0 ? rc : copy_stat(t, a[1], &x);
}

int64_t sys_newfstatat(struct task *t, const uint64_t a[6])
{
	int at = (int)a[3];
	if (at & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	char *path = malloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	struct vfs_file *dirf = NULL;
	struct sentry_statx x;
	int rc = copy_path(t, a[1], path);
	if (rc == 0)
		rc = get_dirf(t, (int64_t)a[0], &dirf);
	if (rc == 0)
		rc = vfs_statat(t->fs, dirf, path, at, SENTRY_STATX_BASIC_STATS, &x);
	put_file(dirf);
	free(path);
	return rc < 0 ? rc : copy_stat(t, a[2], &x);
}

int64_t sys_lseek(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	int64_t r = vfs_lseek(f, (int64_t)a[1], (int)a[2]);
	vfs_file_put(f);
	return r;
}

static int64_t do_readlinkat(struct task *t, int64_t dirfd, uint64_t path_addr, uint64_t buf_addr,
			     int64_t size)
{
	if (size <= 0)
		return -EINVAL;
	if (size > PATH_MAX)
		size = PATH_MAX;
	char *path = malloc(PATH_MAX), *buf = malloc((size_t)size);
	struct vfs_file *dirf = NULL;
	int64_t n = path && buf ? copy_path(t, path_addr, path) : -ENOMEM;
	if (n == 0)
		n = get_dirf(t, dirfd, &dirf);
	if (n == 0)
		n = vfs_readlinkat(t->fs, dirf, path, buf, (size_t)size);
	if (n > 0 && mm_copy_out(t->mm, buf_addr, buf, (size_t)n) < 0)
		n = -EFAULT;
	put_file(dirf);
	free(path);
	free(buf);
	return n;
}

int64_t sys_readlinkat(struct task *t, const uint64_t a[6])
{
	return do_readlinkat(t, (int64_t)a[0], a[1], a[2], (int64_t)a[3]);
}

int64_t sys_readlink(struct task *t, const uint64_t a[6])
{
	return do_readlinkat(t, AT_FDCWD, a[0], a[1], (int64_t)a[2]);
}

int64_t sys_dup(struct task *t, const uint64_t a[6])
{
	int fd;
	int rc = (int)a[0] < 0 ? -EBADF : fdt_dup(t->fdt, (int)a[0], 0, 0, &fd);
	return rc < 0 ? rc : fd;
}

int64_t sys_dup2(struct task *t, const uint64_t a[6])
{
	/* dup2(2): the same valid descriptor twice is a no-op returning it (dup3 says EINVAL). */
	if (a[0] == a[1]) {
		struct vfs_file *f;
		int rc = sys_get_file(t, (int64_t)a[0], &f);
		if (rc < 0)
			return rc;
		vfs_file_put(f);
		return (int64_t)a[1];
	}
	return fdt_dup3(t->fdt, (int)a[0], (int)a[1], 0);
}

int64_t sys_dup3(struct task *t, const uint64_t a[6])
{
	return fdt_dup3(t->fdt, (int)a[0], (int)a[1], (int)a[2]);
}
