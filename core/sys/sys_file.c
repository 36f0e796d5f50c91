/*
 * core/sys/sys_file.c: file I/O: read/write, their positional and vectored forms, open, creat,
 * close, lseek; and the helpers every file-taking family shares (descriptor lookup, path
 * copies).
 *
 * Data moves through a Sentry bounce buffer in 64 KiB chunks for now, except for pipes and
 * eventfds (core/ipc), which copy straight from and to the application themselves.
 * TODO(#5): hand plugins the application's pages directly (struct sentry_iov over the memory
 * file) to save the copy.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "fd/fdtable.h"
#include "ipc/ipc_io.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "net/socket.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#define IO_CHUNK (64u << 10)
/* UIO_MAXIOV: readv(2) and friends refuse more segments with EINVAL. */
#define IOV_MAX_COUNT 1024

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

int sys_get_dirf(struct task *t, int64_t dirfd, struct vfs_file **ret)
{
	*ret = NULL;
	return (int)dirfd == AT_FDCWD ? 0 : sys_get_file(t, (int)dirfd, ret);
}

void sys_put_file(struct vfs_file *f)
{
	if (f)
		vfs_file_put(f);
}

int sys_copy_path(struct task *t, uint64_t addr, char *buf)
{
	int64_t n = mm_copy_string(t->mm, addr, buf, PATH_MAX);
	return n < 0 ? (int)n : 0;
}

/* One transfer of at most IO_CHUNK bytes between @f and the segments @iov[0..count) from byte
 * @skip on: gathers for a write, scatters after a read. Returns bytes moved or -errno. */
static int64_t io_chunk(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count,
			size_t skip, char *buf, int64_t pos, int write)
{
	size_t want = 0, i = 0, s = skip;
	while (i < count && s >= iov[i].iov_len)
		s -= iov[i++].iov_len;
	/* The segments this chunk spans, from (i, s); a bad segment ends the gather, and what
	 * came before it is still written, as Linux's partial writes. */
	for (size_t j = i, o = s; j < count && want < IO_CHUNK; j++, o = 0) {
		size_t n = iov[j].iov_len - o < IO_CHUNK - want ? iov[j].iov_len - o : IO_CHUNK - want;
		if (write && n && mm_copy_in(t->mm, (uint64_t)iov[j].iov_base + o, buf + want, n) < 0) {
			if (!want)
				return -EFAULT;
			break;
		}
		want += n;
	}
	int64_t got = write ? (pos < 0 ? vfs_write(f, buf, want) : vfs_pwrite(f, buf, want, pos))
			    : (pos < 0 ? vfs_read(f, buf, want) : vfs_pread(f, buf, want, pos));
	for (size_t j = i, o = s, done = 0; !write && got > 0 && done < (size_t)got; j++, o = 0) {
		size_t n = iov[j].iov_len - o < (size_t)got - done ? iov[j].iov_len - o
								    : (size_t)got - done;
		if (n && mm_copy_out(t->mm, (uint64_t)iov[j].iov_base + o, buf + done, n) < 0)
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return got;
}

/* Reads or writes the segments @iov[0..count) through @f at @off (-1: the file offset). */
static int64_t do_iov(struct task *t, int64_t fd, const struct iovec *iov, size_t count,
		      int64_t off, int write)
{
	struct vfs_file *f;
	int rc = sys_get_file(t, fd, &f);
	if (rc < 0)
		return rc;
	/* Pipes, eventfds and sockets move data straight between the application and
	 * themselves. */
	int64_t direct;
	if (ipc_user_io(t, f, iov, count, off, write, &direct) ||
	    sock_user_io(t, f, iov, count, off, write, &direct)) {
		vfs_file_put(f);
		return direct;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < count; i++)
		total += iov[i].iov_len;
	char *buf = malloc(total < IO_CHUNK ? (total ? total : 1) : IO_CHUNK);
	int64_t done = 0, n = buf ? 0 : -ENOMEM;
	while (buf) {
		n = io_chunk(t, f, iov, count, (size_t)done, buf, off < 0 ? -1 : off + done, write);
		if (n <= 0)
			break;
		done += n;
		if ((uint64_t)done >= total || n < IO_CHUNK)
			break;
	}
	/* A zero-length transfer still reaches the file: it reports EBADF, EISDIR, EINVAL. */
	free(buf);
	vfs_file_put(f);
	return done ? done : n;
}

static int64_t do_io(struct task *t, int64_t fd, uint64_t addr, uint64_t len, int64_t off,
		     int write)
{
	/* Linux caps one transfer at MAX_RW_COUNT (INT_MAX rounded down to a page). */
	struct iovec iov = { (void *)addr, len > 0x7ffff000 ? 0x7ffff000 : len };
	return do_iov(t, fd, &iov, 1, off, write);
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

/* Copies in and checks an iovec array (lib/iov_iter.c rules): EINVAL for more than
 * IOV_MAX_COUNT segments, a negative length or a total past SSIZE_MAX; EFAULT. Lengths are
 * then clipped so the total stays within MAX_RW_COUNT, as Linux does. */
int sys_copy_iov(struct task *t, uint64_t addr, uint64_t count, struct iovec **ret)
{
	if (count > IOV_MAX_COUNT)
		return -EINVAL;
	struct iovec *iov = malloc((count ? count : 1) * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (mm_copy_in(t->mm, addr, iov, count * sizeof(*iov)) < 0) {
		free(iov);
		return -EFAULT;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < count; i++) {
		if ((int64_t)iov[i].iov_len < 0) {
			free(iov);
			return -EINVAL;
		}
		uint64_t room = 0x7ffff000 - total;
		if (iov[i].iov_len > room)
			iov[i].iov_len = room;
		total += iov[i].iov_len;
	}
	*ret = iov;
	return 0;
}

/* readv/writev/preadv/pwritev(2)[2]: the descriptor is checked before the vector, as Linux. */
static int64_t do_vec(struct task *t, const uint64_t a[6], int64_t off, int write)
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	vfs_file_put(f);
	struct iovec *iov;
	rc = sys_copy_iov(t, a[1], a[2], &iov);
	if (rc < 0)
		return rc;
	int64_t n = do_iov(t, (int64_t)a[0], iov, (size_t)a[2], off, write);
	free(iov);
	return n;
}

int64_t sys_readv(struct task *t, const uint64_t a[6])
{
	return do_vec(t, a, -1, 0);
}

int64_t sys_writev(struct task *t, const uint64_t a[6])
{
	return do_vec(t, a, -1, 1);
}

int64_t sys_preadv(struct task *t, const uint64_t a[6])
{
	return (int64_t)a[3] < 0 ? -EINVAL : do_vec(t, a, (int64_t)a[3], 0);
}

int64_t sys_pwritev(struct task *t, const uint64_t a[6])
{
	return (int64_t)a[3] < 0 ? -EINVAL : do_vec(t, a, (int64_t)a[3], 1);
}

/* preadv2/pwritev2(2): offset -1 is the file offset; RWF_HIPRI, RWF_DSYNC and RWF_SYNC ask
 * for nothing a Sentry file does differently. RWF_NOWAIT and RWF_APPEND: EOPNOTSUPP for now. */
static int64_t do_vec2(struct task *t, const uint64_t a[6], int write)
{
	if (a[5] & ~(uint64_t)(RWF_HIPRI | RWF_DSYNC | RWF_SYNC))
		return -EOPNOTSUPP;
	int64_t off = (int64_t)a[3];
	return off < -1 ? -EINVAL : do_vec(t, a, off, write);
}

int64_t sys_preadv2(struct task *t, const uint64_t a[6])
{
	return do_vec2(t, a, 0);
}

int64_t sys_pwritev2(struct task *t, const uint64_t a[6])
{
	return do_vec2(t, a, 1);
}

static int64_t do_openat(struct task *t, int64_t dirfd, uint64_t path_addr, uint32_t flags,
			 uint32_t mode)
{
	struct sys_path p;
	struct vfs_file *f = NULL;
	int fd = -1;
	int rc = sys_path_get(t, dirfd, path_addr, 0, &p);
	if (rc == 0)
		rc = vfs_openat(t->fs, p.dirf, p.path, flags, mode, &f);
	if (rc == 0)
		rc = fdt_install(t->fdt, f, (flags & O_CLOEXEC) != 0, 0, &fd);
	sys_put_file(f);
	sys_path_put(&p);
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

int64_t sys_creat(struct task *t, const uint64_t a[6])
{
	return do_openat(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, (uint32_t)a[1]);
}

int64_t sys_close(struct task *t, const uint64_t a[6])
{
	return (int)a[0] < 0 ? -EBADF : fdt_close(t->fdt, (int)a[0]);
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
