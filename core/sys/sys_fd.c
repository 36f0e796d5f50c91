/*
 * core/sys/sys_fd.c: calls on a descriptor rather than its data: dup/dup2/dup3, close_range,
 * fcntl, ioctl, fsync/fdatasync, ftruncate, getdents64 and the old getdents.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fd/fdtable.h"
#include "ipc/memfd.h"
#include "ipc/pipe.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* getdents batches move through a buffer of at most this size; the rest waits for the next
 * call, which Linux allows (a short read of a directory is not its end). */
#define DENTS_MAX (64u << 10)

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

int64_t sys_close_range(struct task *t, const uint64_t a[6])
{
	unsigned first = (unsigned)a[0], last = (unsigned)a[1];
	unsigned flags = (unsigned)a[2];
	if (flags & ~(unsigned)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	/* CLOSE_RANGE_UNSHARE: the table is not shared while a process has one thread. */
	return fdt_close_range(t->fdt, first, last, (flags & CLOSE_RANGE_CLOEXEC) != 0);
}

/* A pending signal ends a blocking lock wait (kernel/wait.h's interrupt flag). */
static int lock_interrupted(void *arg)
{
	struct task *t = arg;
	return __atomic_load_n(&t->wait.interrupted, __ATOMIC_RELAXED);
}

/* F_GETLK/F_SETLK/F_SETLKW and the OFD forms, through the VFS lock table; the process's
 * locks are owned by its thread group ID. */
static int64_t fcntl_lock(struct task *t, struct vfs_file *f, int cmd, uint64_t addr)
{
	struct flock fl;
	if (mm_copy_in(t->mm, addr, &fl, sizeof(fl)) < 0)
		return -EFAULT;
	struct vfs_record_lock rl = { .type = fl.l_type, .whence = fl.l_whence, .start = fl.l_start,
				      .len = fl.l_len, .pid = fl.l_pid };
	struct vfs_lock_wait w = VFS_LOCK_WAIT_INIT(lock_interrupted, t);
	int rc = vfs_fcntl_lock(f, cmd, (uint64_t)t->tgid, t->tgid, &rl, &w);
	if (rc < 0 || (cmd != F_GETLK && cmd != F_OFD_GETLK))
		return rc;
	fl.l_type = rl.type;
	fl.l_whence = rl.whence;
	fl.l_start = rl.start;
	fl.l_len = rl.len;
	fl.l_pid = rl.pid;
	return mm_copy_out(t->mm, addr, &fl, sizeof(fl));
}

int64_t sys_flock(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	struct vfs_lock_wait w = VFS_LOCK_WAIT_INIT(lock_interrupted, t);
	rc = vfs_flock(f, (int)a[1], &w);
	vfs_file_put(f);
	return rc;
}

static int64_t do_fcntl(struct task *t, struct vfs_file *f, int fd, int cmd, uint64_t arg)
{
	int cloexec, nfd, rc;
	void *obj;
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		rc = fdt_dup(t->fdt, fd, (int)arg, cmd == F_DUPFD_CLOEXEC, &nfd);
		return rc < 0 ? rc : nfd;
	case F_GETFD:
		rc = fdt_get(t->fdt, fd, &obj, &cloexec);
		if (rc < 0)
			return rc;
		vfs_file_put(obj);
		return cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		return fdt_set_cloexec(t->fdt, fd, (arg & FD_CLOEXEC) != 0);
	case F_GETFL:
		return vfs_file_getfl(f);
	case F_SETFL:
		return vfs_file_setfl(f, (uint32_t)arg);
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return fcntl_lock(t, f, cmd, arg);
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		return pipe_fcntl(f, cmd, arg, &t->fs->creds);
	case F_ADD_SEALS:
	case F_GET_SEALS:
		return memfd_fcntl(f, cmd, arg);
	default:
		return -EINVAL;
	}
}

int64_t sys_fcntl(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	int64_t r = do_fcntl(t, f, (int)a[0], (int)a[1], a[2]);
	vfs_file_put(f);
	return r;
}

/* FIONREAD on a regular file: the bytes between the offset and the end (fs/ioctl.c). */
static int64_t fionread_reg(struct task *t, struct vfs_file *f, uint64_t arg)
{
	int64_t pos = vfs_lseek(f, 0, SEEK_CUR);
	struct sentry_statx st;
	int rc = vfs_fstat(f, SENTRY_STATX_SIZE, &st);
	if (rc < 0 || pos < 0)
		return rc < 0 ? rc : pos;
	int n = (int64_t)st.size > pos ? (int)((int64_t)st.size - pos) : 0;
	return mm_copy_out(t->mm, arg, &n, sizeof(n));
}

/* The requests every file answers the same way, handled before the file's own slot
 * (do_vfs_ioctl in fs/ioctl.c). 1: not one of them. */
static int64_t ioctl_common(struct task *t, struct vfs_file *f, int fd, uint32_t cmd,
			    uint64_t arg)
{
	int on;
	struct sentry_statx st;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		return fdt_set_cloexec(t->fdt, fd, cmd == FIOCLEX);
	case FIONBIO:
	case FIOASYNC:
		if (mm_copy_in(t->mm, arg, &on, sizeof(on)) < 0)
			return -EFAULT;
		uint32_t bit = cmd == FIONBIO ? O_NONBLOCK : O_ASYNC;
		uint32_t fl = vfs_file_getfl(f);
		return vfs_file_setfl(f, on ? fl | bit : fl & ~bit);
	case FIONREAD:
		if (vfs_fstat(f, SENTRY_STATX_TYPE, &st) == 0 && S_ISREG(st.mode))
			return fionread_reg(t, f, arg);
		return 1;
	default:
		return 1;
	}
}

int64_t sys_ioctl(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	uint32_t cmd = (uint32_t)a[1];
	/* An O_PATH descriptor answers no ioctl, not even FIOCLEX (fdget in sys_ioctl). */
	int64_t r = f->sf ? ioctl_common(t, f, (int)a[0], cmd, a[2]) : -EBADF;
	if (r == 1)
		r = vfs_ioctl(f, (struct sentry_task *)t, cmd, a[2]);
	vfs_file_put(f);
	return r;
}

static int64_t do_fsync(struct task *t, int64_t fd, int datasync)
{
	struct vfs_file *f;
	int rc = sys_get_file(t, fd, &f);
	if (rc < 0)
		return rc;
	rc = vfs_fsync(f, datasync);
	vfs_file_put(f);
	return rc;
}

int64_t sys_fsync(struct task *t, const uint64_t a[6])
{
	return do_fsync(t, (int64_t)a[0], 0);
}

int64_t sys_fdatasync(struct task *t, const uint64_t a[6])
{
	return do_fsync(t, (int64_t)a[0], 1);
}

int64_t sys_ftruncate(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	rc = vfs_ftruncate(t->fs, f, (int64_t)a[1]);
	vfs_file_put(f);
	return rc;
}

/* linux_dirent64 records into linux_dirent ones, in place: both are ALIGN(20 + namelen, 8)
 * bytes long, the old one keeping d_type in its last byte (fs/readdir.c). */
static void dents_to_old(char *buf, size_t n)
{
	for (size_t off = 0; off + 19 < n;) {
		uint16_t reclen;
		memcpy(&reclen, buf + off + 16, 2);
		char type = buf[off + 18];
		size_t namelen = strnlen(buf + off + 19, reclen - 19u);
		memmove(buf + off + 18, buf + off + 19, namelen);
		memset(buf + off + 18 + namelen, 0, reclen - 18u - namelen);
		buf[off + reclen - 1] = type;
		off += reclen;
	}
}

static int64_t do_getdents(struct task *t, const uint64_t a[6], int old)
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	size_t size = (uint32_t)a[2] < DENTS_MAX ? (uint32_t)a[2] : DENTS_MAX;
	char *buf = malloc(size ? size : 1);
	int64_t pos = vfs_lseek(f, 0, SEEK_CUR);
	int64_t n = buf ? vfs_getdents64(f, buf, size) : -ENOMEM;
	if (n > 0 && old)
		dents_to_old(buf, (size_t)n);
	if (n > 0 && mm_copy_out(t->mm, a[1], buf, (size_t)n) < 0) {
		/* Entries the application never saw must come again. */
		if (pos >= 0)
			(void)vfs_lseek(f, pos, SEEK_SET);
		n = -EFAULT;
	}
	free(buf);
	vfs_file_put(f);
	return n;
}

int64_t sys_getdents64(struct task *t, const uint64_t a[6])
{
	return do_getdents(t, a, 0);
}

int64_t sys_getdents(struct task *t, const uint64_t a[6])
{
	return do_getdents(t, a, 1);
}
