/*
 * core/sys/sys_splice.c: sendfile(2), splice(2), tee(2), vmsplice(2) and copy_file_range(2).
 *
 * Correct rather than zero-copy: the bytes go through a Sentry buffer, one chunk at a time,
 * where Linux moves page references between a pipe and a file. What that changes is kept small:
 * a chunk is read, written, and then the input gives up only what the output took (a seekable
 * file's offset moves back over the rest, a pipe keeps it: pipe_peek, then pipe_consume), so a
 * short or failed write loses nothing. A socket or character device as input cannot give bytes
 * back: its chunk is sized to what it has (at most) and a failed write of it loses them, where
 * Linux keeps them in the pipe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "ipc/pipe.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#define SPLICE_CHUNK (64u << 10)
/* MAX_RW_COUNT: one transfer moves at most INT_MAX rounded down to a page. */
#define SPLICE_MAX 0x7ffff000ull
#define SPLICE_F_MOVE_ 1u
#define SPLICE_F_NONBLOCK_ 2u
#define SPLICE_F_MORE_ 4u
#define SPLICE_F_GIFT_ 8u
#define SPLICE_FLAGS (SPLICE_F_MOVE_ | SPLICE_F_NONBLOCK_ | SPLICE_F_MORE_ | SPLICE_F_GIFT_)

/* One side of a transfer. @off >= 0: a position the caller keeps (the offset argument); -1:
 * the file's own offset, or none (a pipe or socket). */
struct end {
	struct vfs_file *f;
	int pipe;
	int64_t off;
};

/* Whether the file has positions (a regular file or block device), as FMODE_PREAD says. */
static int seekable(struct vfs_file *f)
{
	struct sentry_statx st;
	return vfs_fstat(f, SENTRY_STATX_TYPE, &st) == 0 &&
	       (S_ISREG(st.mode) || S_ISBLK(st.mode) || S_ISDIR(st.mode));
}

/* Reads into @buf from @in. A pipe is peeked (taken later by give_back); a file at its
 * offset. Returns bytes, 0 at the end, or -errno. */
static int64_t take(struct task *t, struct end *in, void *buf, size_t n, int nonblock)
{
	if (in->pipe)
		return pipe_peek(t, in->f, buf, n, nonblock);
	return in->off >= 0 ? vfs_pread(in->f, buf, n, in->off) : vfs_read(in->f, buf, n);
}

/* After @got bytes were taken from @in and @put of them written: a pipe drops @put, a file
 * position moves by @put (its own offset back by the rest). */
static void give_back(struct end *in, int64_t got, int64_t put)
{
	if (in->pipe) {
		if (put > 0)
			pipe_consume(in->f, (size_t)put);
	} else if (in->off >= 0) {
		in->off += put > 0 ? put : 0;
	} else if (put < got) {
		(void)vfs_lseek(in->f, -(got - (put > 0 ? put : 0)), SEEK_CUR);
	}
}

static int64_t put(struct task *t, struct end *out, const void *buf, size_t n, int nonblock)
{
	if (out->pipe)
		return pipe_write_buf(t, out->f, buf, n, nonblock);
	int64_t w = out->off >= 0 ? vfs_pwrite(out->f, buf, n, out->off) : vfs_write(out->f, buf, n);
	if (w > 0 && out->off >= 0)
		out->off += w;
	return w;
}

/* Moves up to @len bytes from @in to @out, chunk by chunk, until the input has no more for
 * now (a short read after the first chunk, or a pipe that would wait), the output takes less
 * than it was given, or an error. The first chunk may wait (unless @nonblock); later ones do
 * not wait on the input. Returns bytes moved, or -errno when none. */
static int64_t transfer(struct task *t, struct end *in, struct end *out, uint64_t len,
			int nonblock)
{
	if (len > SPLICE_MAX)
		len = SPLICE_MAX;
	char *buf = malloc(len < SPLICE_CHUNK ? (len ? len : 1) : SPLICE_CHUNK);
	if (!buf)
		return -ENOMEM;
	int64_t done = 0, rc = 0;
	while ((uint64_t)done < len) {
		size_t n = len - (uint64_t)done < SPLICE_CHUNK ? len - (uint64_t)done : SPLICE_CHUNK;
		int64_t got = take(t, in, buf, n, nonblock || (done && in->pipe));
		if (got <= 0) {
			rc = got;
			break;
		}
		int64_t w = put(t, out, buf, (size_t)got, nonblock);
		give_back(in, got, w);
		if (w <= 0) {
			rc = w;
			break;
		}
		done += w;
		if (w < got || (size_t)got < n)
			break;
	}
	free(buf);
	return done ? done : rc;
}

/* An offset argument: -1 when NULL, else the value (-EFAULT, -EINVAL when negative). */
static int offset_in(struct task *t, uint64_t addr, int64_t *ret)
{
	*ret = -1;
	if (!addr)
		return 0;
	if (mm_copy_in(t->mm, addr, ret, sizeof(*ret)) < 0)
		return -EFAULT;
	return *ret < 0 ? -EINVAL : 0;
}

static int offset_out(struct task *t, uint64_t addr, int64_t off)
{
	return addr && mm_copy_out(t->mm, addr, &off, sizeof(off)) < 0 ? -EFAULT : 0;
}

/* The two files of a call, with references: in for reading, out for writing (-EBADF). */
static int get_pair(struct task *t, int64_t in_fd, int64_t out_fd, struct vfs_file **in,
		    struct vfs_file **out)
{
	*in = *out = NULL;
	int rc = sys_get_file(t, in_fd, in);
	if (rc == 0 && (rc = sys_get_file(t, out_fd, out)) == 0 &&
	    (!vfs_file_can_read(*in) || !vfs_file_can_write(*out)))
		rc = -EBADF;
	if (rc < 0) {
		sys_put_file(*in);
		sys_put_file(*out);
	}
	return rc;
}

/* splice and tee: @flags checked (-EINVAL), then get_pair. */
static int get_pair_flags(struct task *t, uint32_t flags, int64_t in_fd, int64_t out_fd,
			  struct vfs_file **in, struct vfs_file **out)
{
	return flags & ~SPLICE_FLAGS ? -EINVAL : get_pair(t, in_fd, out_fd, in, out);
}

/* After a transfer of @rc bytes: the offset arguments given (@in_addr, @out_addr) get the
 * positions reached. Returns @rc, or -EFAULT. */
static int64_t offsets_back(struct task *t, int64_t rc, uint64_t in_addr, const struct end *in,
			    uint64_t out_addr, const struct end *out)
{
	if (rc > 0 && ((in_addr && offset_out(t, in_addr, in->off) < 0) ||
		       (out_addr && offset_out(t, out_addr, out->off) < 0)))
		return -EFAULT;
	return rc;
}

int64_t sys_sendfile(struct task *t, const uint64_t a[6])
{
	struct vfs_file *in, *out;
	int64_t rc = get_pair(t, (int64_t)a[1], (int64_t)a[0], &in, &out);
	if (rc < 0)
		return rc;
	struct end src = { in, pipe_is_end(in), -1 }, dst = { out, pipe_is_end(out), -1 };
	if (out->flags & O_APPEND)
		rc = -EINVAL;
	else if (a[2] && !seekable(in))
		rc = -ESPIPE;
	else
		rc = offset_in(t, a[2], &src.off);
	if (rc == 0 && a[3]) {
		int64_t start = src.off;
		rc = transfer(t, &src, &dst, a[3], 0);
		if (a[2] && offset_out(t, a[2], rc > 0 ? start + rc : start) < 0)
			rc = -EFAULT;
	}
	sys_put_file(in);
	sys_put_file(out);
	return rc;
}

int64_t sys_splice(struct task *t, const uint64_t a[6])
{
	uint32_t flags = (uint32_t)a[5];
	struct vfs_file *in, *out;
	int64_t rc = get_pair_flags(t, flags, (int64_t)a[0], (int64_t)a[2], &in, &out);
	if (rc < 0)
		return rc;
	struct end src = { in, pipe_is_end(in), -1 }, dst = { out, pipe_is_end(out), -1 };
	/* do_splice's order: a pipe at either end, no offset on a pipe, not one pipe with
	 * itself, no O_APPEND output. */
	if (!src.pipe && !dst.pipe)
		rc = -EINVAL;
	else if ((src.pipe && a[1]) || (dst.pipe && a[3]))
		rc = -ESPIPE;
	else if (src.pipe && dst.pipe && pipe_same(in, out))
		rc = -EINVAL;
	else if (!dst.pipe && (out->flags & O_APPEND))
		rc = -EINVAL;
	else if ((a[1] && !seekable(in)) || (a[3] && !seekable(out)))
		rc = -ESPIPE;
	if (rc == 0)
		rc = offset_in(t, a[1], &src.off);
	if (rc == 0)
		rc = offset_in(t, a[3], &dst.off);
	if (rc == 0 && a[4])
		rc = offsets_back(t, transfer(t, &src, &dst, a[4], (flags & SPLICE_F_NONBLOCK_) != 0),
				  a[1], &src, a[3], &dst);
	sys_put_file(in);
	sys_put_file(out);
	return rc;
}

int64_t sys_tee(struct task *t, const uint64_t a[6])
{
	uint32_t flags = (uint32_t)a[3];
	struct vfs_file *in, *out;
	int64_t rc = get_pair_flags(t, flags, (int64_t)a[0], (int64_t)a[1], &in, &out);
	if (rc < 0)
		return rc;
	int nonblock = (flags & SPLICE_F_NONBLOCK_) != 0;
	if (!pipe_is_end(in) || !pipe_is_end(out) || pipe_same(in, out))
		rc = -EINVAL;
	uint64_t len = a[2] > SPLICE_MAX ? SPLICE_MAX : a[2];
	char *buf = rc == 0 && len ? malloc(len < SPLICE_CHUNK ? len : SPLICE_CHUNK) : NULL;
	if (rc == 0 && len && !buf)
		rc = -ENOMEM;
	/* One chunk: tee duplicates what the input holds, never more than it had. */
	if (buf) {
		rc = pipe_peek(t, in, buf, len < SPLICE_CHUNK ? len : SPLICE_CHUNK, nonblock);
		if (rc > 0)
			rc = pipe_write_buf(t, out, buf, (size_t)rc, nonblock);
		free(buf);
	}
	sys_put_file(in);
	sys_put_file(out);
	return rc;
}

int64_t sys_vmsplice(struct task *t, const uint64_t a[6])
{
	uint32_t flags = (uint32_t)a[3];
	if (flags & ~SPLICE_FLAGS)
		return -EINVAL;
	struct vfs_file *f;
	int64_t rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	struct iovec *iov = NULL;
	if (!pipe_is_end(f) || !f->sf)
		rc = -EBADF;
	else
		rc = sys_copy_iov(t, a[1], a[2], &iov);
	/* The end decides the direction: user pages into a write end, out of a read end. */
	if (rc == 0)
		rc = pipe_splice_io(t, f, iov, (size_t)a[2], vfs_file_can_write(f),
				    (flags & SPLICE_F_NONBLOCK_) != 0);
	free(iov);
	sys_put_file(f);
	return rc;
}

int64_t sys_copy_file_range(struct task *t, const uint64_t a[6])
{
	if (a[5])
		return -EINVAL;	/* no flags defined */
	struct vfs_file *in, *out;
	int64_t rc = get_pair(t, (int64_t)a[0], (int64_t)a[2], &in, &out);
	if (rc < 0)
		return rc;
	struct sentry_statx si, so;
	struct end src = { in, 0, -1 }, dst = { out, 0, -1 };
	if (out->flags & O_APPEND)
		rc = -EBADF;
	else if (vfs_fstat(in, SENTRY_STATX_BASIC_STATS, &si) < 0 || vfs_fstat(out, SENTRY_STATX_BASIC_STATS, &so) < 0)
		rc = -EBADF;
	else if (S_ISDIR(si.mode) || S_ISDIR(so.mode))
		rc = -EISDIR;
	else if (!S_ISREG(si.mode) || !S_ISREG(so.mode))
		rc = -EINVAL;
	if (rc == 0)
		rc = offset_in(t, a[1], &src.off);
	if (rc == 0)
		rc = offset_in(t, a[3], &dst.off);
	if (rc == 0) {
		/* Positions the copy starts from, for the overlap check on one file. */
		int64_t from = src.off >= 0 ? src.off : vfs_lseek(in, 0, SEEK_CUR);
		int64_t to = dst.off >= 0 ? dst.off : vfs_lseek(out, 0, SEEK_CUR);
		uint64_t len = a[4] > SPLICE_MAX ? SPLICE_MAX : a[4];
		if (si.dev_major == so.dev_major && si.dev_minor == so.dev_minor && si.ino == so.ino && len &&
		    (uint64_t)(from > to ? from - to : to - from) < len)
			rc = -EINVAL;
		else if (len)
			rc = offsets_back(t, transfer(t, &src, &dst, len, 0), a[1], &src, a[3], &dst);
	}
	sys_put_file(in);
	sys_put_file(out);
	return rc;
}
