/*
 * core/kernel/pidfd.c: pidfds (see pidfd.h). The file holds the PID only: the process table is
 * the truth, and the kernel's exit waiter queue (notified at every exit) is its readiness
 * queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>

#include "kernel/pidfd.h"
#include "kernel/process_internal.h"
#include "vfs/vfs.h"

struct pidfd {
	struct sentry_file base;
	struct kernel *k;
	int pid;
};

static const struct sentry_file_ops g_pidfd_ops;

/* pidfd_poll: IN (and HUP) once the process is no longer running: a zombie or reaped. */
static uint32_t pidfd_readiness(struct sentry_file *file, uint32_t mask)
{
	struct pidfd *p = (struct pidfd *)file;
	pthread_mutex_lock(&p->k->lock);
	struct task *t = kernel_find_locked(p->k, p->pid);
	int alive = t && t->tg->live > 0;
	pthread_mutex_unlock(&p->k->lock);
	return alive ? 0 : (SENTRY_EV_IN | SENTRY_EV_HUP) & mask;
}

static struct sentry_waitq *pidfd_waitq(struct sentry_file *file)
{
	return ((struct pidfd *)file)->k->exit_wq;
}

static int64_t pidfd_read(struct sentry_file *file, struct sentry_task *task,
			  const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return -EINVAL;	/* pidfds have no read, as Linux's pidfd_fops */
}

static void pidfd_release(struct sentry_file *file)
{
	free(file);
}

static const struct sentry_file_ops g_pidfd_ops = {
	.read = pidfd_read,
	.readiness = pidfd_readiness,
	.waitq = pidfd_waitq,
	.release = pidfd_release,
};

int pidfd_new(struct kernel *k, int pid, uint32_t flags, struct vfs_file **ret_file)
{
	struct pidfd *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->base.ops = &g_pidfd_ops;
	p->base.ops_size = sizeof(g_pidfd_ops);
	p->k = k;
	p->pid = pid;
	return vfs_anon_inode_file(&p->base, O_RDWR | (flags & O_NONBLOCK), 1, ret_file);
}

int pidfd_pid(const struct vfs_file *f)
{
	if (!f->sf || f->sf->ops != &g_pidfd_ops)
		return -EBADF;
	return ((const struct pidfd *)f->sf)->pid;
}
