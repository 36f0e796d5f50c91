/*
 * core/ipc/eventfd.c: eventfd counters (see eventfd.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "ipc/eventfd.h"
#include "ipc/ipc_io.h"
#include "kernel/interrupt.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "vfs/vfs.h"

struct efd {
	struct sentry_file base;
	pthread_mutex_t lock;
	uint64_t count;			/* under lock */
	int semaphore;			/* EFD_SEMAPHORE: reads take 1 */
	struct sentry_waitq *wq;
};

static const struct sentry_file_ops g_efd_ops;

/* Waits, with e->lock held on entry and return, for @events. Returns 0 (recheck), -EINTR, or
 * -EAGAIN when there is no task to block. */
static int efd_wait(struct efd *e, struct task *t, uint32_t events)
{
	if (!t)
		return -EAGAIN;
	struct kwait_reg r;
	kwait_prepare(t, e->wq, events, &r);
	pthread_mutex_unlock(&e->lock);
	int rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, -1);
	kwait_finish(&r);
	pthread_mutex_lock(&e->lock);
	return rc == -EINTR && task_wait_interrupted(t) ? -EINTR : 0;
}

/* eventfd_read: the value taken, in *ret_val. Returns 0, -EAGAIN, -EINTR. */
static int efd_take(struct efd *e, struct task *t, uint64_t *ret_val)
{
	int rc = 0;
	pthread_mutex_lock(&e->lock);
	while (!e->count && rc == 0)
		rc = (e->base.flags & O_NONBLOCK) ? -EAGAIN : efd_wait(e, t, SENTRY_EV_IN);
	if (rc == 0) {
		*ret_val = e->semaphore ? 1 : e->count;
		e->count -= *ret_val;
	}
	pthread_mutex_unlock(&e->lock);
	if (rc == 0)
		kwait_wq_notify(e->wq, SENTRY_EV_OUT);
	return rc;
}

/* eventfd_write of @v (checked: not UINT64_MAX). Returns 0, -EAGAIN, -EINTR. */
static int efd_add(struct efd *e, struct task *t, uint64_t v)
{
	int rc = 0;
	pthread_mutex_lock(&e->lock);
	while (UINT64_MAX - e->count <= v && rc == 0)
		rc = (e->base.flags & O_NONBLOCK) ? -EAGAIN : efd_wait(e, t, SENTRY_EV_OUT);
	if (rc == 0)
		e->count += v;
	pthread_mutex_unlock(&e->lock);
	if (rc == 0 && v)
		kwait_wq_notify(e->wq, SENTRY_EV_IN);
	return rc;
}

static int64_t efd_read_io(struct efd *e, struct task *t, struct ipc_io *io)
{
	uint64_t v;
	if (io->left < sizeof(v))
		return -EINVAL;
	int rc = efd_take(e, t, &v);
	if (rc < 0)
		return rc;
	return ipc_io_move(io, &v, sizeof(v), 0) < 0 ? -EFAULT : (int64_t)sizeof(v);
}

/* One write(2) of the @len bytes at the cursor. */
static int64_t efd_write1(struct efd *e, struct task *t, struct ipc_io *io, size_t len)
{
	uint64_t v;
	if (len < sizeof(v))
		return -EINVAL;
	if (ipc_io_move(io, &v, sizeof(v), 1) < 0)
		return -EFAULT;
	if (v == UINT64_MAX)
		return -EINVAL;
	int rc = efd_add(e, t, v);
	return rc < 0 ? rc : (int64_t)sizeof(v);
}

/* do_loop_readv_writev: each segment is one write; the first short or failed one ends it.
 * Empty segments after a written one are stepped over, as the iterator does. */
static int64_t efd_write_io(struct efd *e, struct task *t, const struct iovec *iov, size_t count,
			    struct ipc_io *io)
{
	int64_t done = 0;
	for (size_t i = 0; i < count && (i == 0 || io->left); i++) {
		if (i > 0 && !iov[i].iov_len)
			continue;
		struct ipc_io one = *io;
		one.idx = i;
		one.skip = 0;
		one.left = iov[i].iov_len;
		int64_t n = efd_write1(e, t, &one, iov[i].iov_len);
		if (n < 0)
			return done ? done : n;
		done += n;
		io->left -= iov[i].iov_len;
		if ((size_t)n != iov[i].iov_len)
			break;
	}
	return done;
}

int eventfd_is(const struct vfs_file *f)
{
	return f->sf && f->sf->ops == &g_efd_ops;
}

int64_t eventfd_user_io(struct task *t, struct vfs_file *f, const struct iovec *iov,
			size_t count, int write)
{
	if ((f->flags & O_ACCMODE) == (write ? O_RDONLY : O_WRONLY))
		return -EBADF;
	struct efd *e = (struct efd *)f->sf;
	struct ipc_io io;
	ipc_io_init(&io, t->mm, iov, count);
	return write ? efd_write_io(e, t, iov, count, &io) : efd_read_io(e, t, &io);
}

/* The file slots, for the core's own callers (Sentry buffers; the calling thread's task). */
static int64_t efd_file_io(struct sentry_file *file, struct sentry_task *task,
			   const struct sentry_iov *iov, size_t count, int64_t *off, int write)
{
	if (*off >= 0)
		return -ESPIPE;
	struct efd *e = (struct efd *)file;
	struct task *t = task ? (struct task *)task : task_current();
	struct ipc_io io;
	int rc = ipc_io_init_sentry(&io, iov, count);
	if (rc < 0)
		return rc;
	int64_t n = write ? efd_write_io(e, t, io.iov, count, &io) : efd_read_io(e, t, &io);
	ipc_io_fini(&io);
	return n;
}

static int64_t efd_read(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return efd_file_io(file, task, iov, count, off, 0);
}

static int64_t efd_write(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return efd_file_io(file, task, iov, count, off, 1);
}

/* noop_llseek: the position stays 0 whatever is asked. */
static int efd_seek(struct sentry_file *file, int64_t *off, int whence)
{
	*off = 0;
	return 0;
}

/* eventfd_poll. */
static uint32_t efd_readiness(struct sentry_file *file, uint32_t mask)
{
	struct efd *e = (struct efd *)file;
	pthread_mutex_lock(&e->lock);
	uint64_t c = e->count;
	pthread_mutex_unlock(&e->lock);
	uint32_t r = 0;
	if (c > 0)
		r |= SENTRY_EV_IN;
	if (c == UINT64_MAX)
		r |= SENTRY_EV_ERR;
	if (UINT64_MAX - 1 > c)
		r |= SENTRY_EV_OUT;
	return r & mask;
}

static struct sentry_waitq *efd_waitq(struct sentry_file *file)
{
	return ((struct efd *)file)->wq;
}

static void efd_release(struct sentry_file *file)
{
	struct efd *e = (struct efd *)file;
	kwait_wq_free(e->wq);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static const struct sentry_file_ops g_efd_ops = {
	.read = efd_read,
	.write = efd_write,
	.seek = efd_seek,
	.readiness = efd_readiness,
	.waitq = efd_waitq,
	.release = efd_release,
};

/* Linux's anon_inode name; it cannot be opened anew (ENXIO). */
static const struct vfs_anon_ops g_efd_anon_ops = { .name = "anon_inode:[eventfd]" };

int eventfd_new(uint32_t initval, uint32_t flags, struct vfs_file **ret_file)
{
	struct efd *e = calloc(1, sizeof(*e));
	struct sentry_waitq *wq = e ? kwait_wq_new() : NULL;
	if (!wq) {
		free(e);
		return -ENOMEM;
	}
	e->base.ops = &g_efd_ops;
	e->base.ops_size = sizeof(g_efd_ops);
	e->wq = wq;
	e->count = initval;
	e->semaphore = (flags & EVENTFD_SEMAPHORE) != 0;
	pthread_mutex_init(&e->lock, NULL);
	int rc = vfs_anon_inode_file(&e->base, O_RDWR | (flags & O_NONBLOCK), 1, ret_file);
	if (rc == 0)
		vfs_anon_set_ops(*ret_file, &g_efd_anon_ops);
	return rc;
}
