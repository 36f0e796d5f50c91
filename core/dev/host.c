/*
 * core/dev/host.c: open file descriptions over host descriptors (see dev.h).
 *
 * The description is a "stream" (vfs_file.stream): the offset that matters is the host's own,
 * shared with whoever else holds the host file description (the shell that redirected the
 * container's output to a file). Sequential reads and writes therefore use read(2)/write(2) on
 * the host descriptor and never the Sentry's copy of an offset; that is what keeps every byte of
 * interleaved output in order.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

#include "dev/dev.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "vfs/vfs.h"

struct host_file {
	struct sentry_file base;
	int fd;
	int waits;	/* a pipe, socket or terminal: I/O may wait for the other end */
};

static int host_fd(struct sentry_file *file)
{
	return ((struct host_file *)file)->fd;
}

/* Before sequential I/O on a pipe, socket or terminal: waits for readiness where a signal can
 * end the wait (the host descriptor itself stays blocking: other holders of its description,
 * the engine's end of a pipe, keep their mode), or says -EAGAIN when the application asked
 * for O_NONBLOCK. */
static int host_ready(struct sentry_file *file, struct sentry_task *task, int write)
{
	short ev = write ? POLLOUT : POLLIN;
	if (file->flags & O_NONBLOCK) {
		struct pollfd p = { .fd = host_fd(file), .events = ev };
		return poll(&p, 1, 0) == 0 ? -EAGAIN : 0;
	}
	return task ? kwait_host_fd((struct task *)task, host_fd(file), ev) : 0;
}

/* Host iovecs of at most IOV_MAX entries are what the core hands over (UIO_MAXIOV). */
static int64_t host_io(struct sentry_file *file, struct sentry_task *task,
		       const struct sentry_iov *iov, size_t count, int64_t *off, int write)
{
	if (*off < 0 && ((struct host_file *)file)->waits) {
		int rc = host_ready(file, task, write);
		if (rc < 0)
			return rc;
	}
	struct iovec v[64];
	size_t n = count < 64 ? count : 64;	/* a short transfer is allowed; callers loop */
	for (size_t i = 0; i < n; i++)
		v[i] = (struct iovec){ .iov_base = iov[i].base, .iov_len = iov[i].len };
	ssize_t r;
	do {
		if (*off < 0)
			r = write ? writev(host_fd(file), v, (int)n) : readv(host_fd(file), v, (int)n);
		else
			r = write ? pwritev(host_fd(file), v, (int)n, *off)
				  : preadv(host_fd(file), v, (int)n, *off);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (*off >= 0)
		*off += r;
	return r;
}

static int64_t host_read(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return host_io(file, task, iov, count, off, 0);
}

static int64_t host_write(struct sentry_file *file, struct sentry_task *task,
			  const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return host_io(file, task, iov, count, off, 1);
}

/* The host's lseek on its own offset: -ESPIPE for pipes and terminals, as Linux. */
static int host_seek(struct sentry_file *file, int64_t *off, int whence)
{
	off_t r = lseek(host_fd(file), *off, whence);
	if (r < 0)
		return -errno;
	*off = r;
	return 0;
}

/* TCGETS and TCSETS move the kernel's struct termios (asm/termbits.h: four flag words, c_line
 * and 19 control characters), smaller than glibc's struct termios of the same name: copying
 * glibc's size would write past the application's buffer. */
#define KERNEL_TERMIOS_SIZE 36

/* Terminal requests a program makes on its stdio: passed through with their argument copied,
 * so nothing the application names reaches the host but a struct of known size. */
static int64_t host_ioctl(struct sentry_file *file, struct sentry_task *task, uint32_t cmd,
			  uint64_t arg)
{
	struct task *t = (struct task *)task;
	union {
		struct termios tio;
		struct winsize ws;
		int i;
	} u;
	size_t size;
	int out;
	/* The terminal's foreground group is the sandbox's business: the host's pty knows only
	 * the Sentry. A shell asks for it to turn job control on; its own group is the answer,
	 * and the only one it may set until the process model has job control (#7). */
	if (cmd == TIOCGPGRP || cmd == TIOCSPGRP) {
		if (!isatty(host_fd(file)))
			return -ENOTTY;
		int pgrp = task_pgid(t);
		if (cmd == TIOCGPGRP)
			return mm_copy_out(t->mm, arg, &pgrp, sizeof(pgrp));
		if (mm_copy_in(t->mm, arg, &u.i, sizeof(u.i)) < 0)
			return -EFAULT;
		return u.i == pgrp ? 0 : u.i <= 0 ? -EINVAL : -EPERM;
	}
	switch (cmd) {
	case TCGETS: size = KERNEL_TERMIOS_SIZE; out = 1; break;
	case TCSETS: case TCSETSW: case TCSETSF: size = KERNEL_TERMIOS_SIZE; out = 0; break;
	case TIOCGWINSZ: size = sizeof(u.ws); out = 1; break;
	case TIOCSWINSZ: size = sizeof(u.ws); out = 0; break;
	case FIONREAD: size = sizeof(u.i); out = 1; break;
	default:
		return -ENOTTY;
	}
	if (!out && mm_copy_in(t->mm, arg, &u, size) < 0)
		return -EFAULT;
	if (ioctl(host_fd(file), cmd, &u) < 0)
		return -errno;
	if (out && mm_copy_out(t->mm, arg, &u, size) < 0)
		return -EFAULT;
	return 0;
}

static void host_release(struct sentry_file *file)
{
	close(host_fd(file));
	free(file);
}

static const struct sentry_file_ops g_host_ops = {
	.read = host_read,
	.write = host_write,
	.seek = host_seek,
	.ioctl = host_ioctl,
	.release = host_release,
};

/* A file over host descriptor @fd (kept: closed on release), or NULL (errno set). */
static struct host_file *host_new(int fd, struct stat *hs)
{
	struct host_file *f = fstat(fd, hs) == 0 ? calloc(1, sizeof(*f)) : NULL;
	if (!f)
		return NULL;
	f->base.ops = &g_host_ops;
	f->base.ops_size = sizeof(g_host_ops);
	f->fd = fd;
	f->waits = S_ISFIFO(hs->st_mode) || S_ISSOCK(hs->st_mode) || S_ISCHR(hs->st_mode);
	return f;
}

static int g_no_reopen;

void dev_host_no_reopen(void)
{
	__atomic_store_n(&g_no_reopen, 1, __ATOMIC_RELAXED);
}

/* open(2) of /proc/PID/fd/N naming a host file: the host opens its own /proc/self/fd link, so
 * a pipe gets a new end and a file a new description with its own offset, as on Linux. Opened
 * non-blocking (a named FIFO must not block the task's thread), then made blocking as every
 * host descriptor here is (host_ready waits). */
static int host_reopen(struct vfs_file *vf, uint32_t flags, struct sentry_file **ret_sf)
{
	if (!vf->sf || vf->sf->ops != &g_host_ops)
		return -ENXIO;
	int fd, dup = __atomic_load_n(&g_no_reopen, __ATOMIC_RELAXED);
	if (dup) {
		int have = fcntl(host_fd(vf->sf), F_GETFL);
		if (have < 0)
			return -errno;
		if ((flags & O_ACCMODE) != ((uint32_t)have & O_ACCMODE) &&
		    (have & O_ACCMODE) != O_RDWR)
			return -ENXIO;
		fd = fcntl(host_fd(vf->sf), F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
	} else {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", host_fd(vf->sf));
		uint32_t keep = O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECT | O_SYNC | O_DSYNC;
		fd = open(path, (int)(flags & keep) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? -ENXIO : -errno;
	}
	struct stat hs;
	/* A duplicate's status flags are the shared description's: left as they are. */
	struct host_file *f = dup || fcntl(fd, F_SETFL, (int)(flags & (O_APPEND | O_DIRECT))) == 0
				      ? host_new(fd, &hs) : NULL;
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	*ret_sf = &f->base;
	return 0;
}

static const struct vfs_anon_ops g_host_anon_ops = { .reopen = host_reopen };

int dev_host_file(int fd, uint32_t flags, struct vfs_file **ret_file)
{
	struct stat hs;
	struct host_file *f = host_new(fd, &hs);
	if (!f) {
		int rc = errno == ENOMEM ? -ENOMEM : -EBADF;
		close(fd);	/* taken on every path, as documented */
		return rc;
	}
	/* fstat shows the type and permissions; the host's owner, inode and times stay out. */
	struct sentry_statx st = {
		.mask = SENTRY_STATX_TYPE | SENTRY_STATX_MODE | SENTRY_STATX_UID | SENTRY_STATX_GID,
		.mode = hs.st_mode & (S_IFMT | 0777),
		.blksize = 4096,
	};
	int rc = vfs_anon_file(&f->base, &st, flags, ret_file);
	if (rc == 0) {
		(*ret_file)->stream = 1;
		vfs_anon_set_ops(*ret_file, &g_host_anon_ops);
	}
	return rc;
}
