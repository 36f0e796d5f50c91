/*
 * core/ipc/timerfd.c: timerfds (see timerfd.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <sys/uio.h>

#include "ipc/ipc_io.h"
#include "ipc/timerfd.h"
#include "kernel/interrupt.h"
#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "vfs/vfs.h"

struct tfd {
	struct sentry_file base;
	pthread_mutex_t lock;		/* everything below but the constants */
	const struct sentry_services *svc;
	struct sentry_timer *timer;
	clockid_t clock;		/* constant */
	int64_t deadline;		/* the armed expiry, MONOTONIC ns; 0: disarmed */
	int64_t interval;		/* ns; 0: one-shot */
	int expired;			/* a periodic one fired at @deadline, not re-armed yet */
	uint64_t ticks;			/* expiries not yet read */
	struct sentry_waitq *wq;	/* readers and pollers: IN */
};

static const struct sentry_file_ops g_tfd_ops;

static void arm(struct tfd *d)
{
	if (d->deadline && d->deadline != INT64_MAX)
		d->svc->timer_arm(d->timer, d->deadline);
}

/* timerfd_tmrproc: one expiry counted; a periodic timer waits to be forwarded. */
static void tfd_fire(void *arg)
{
	struct tfd *d = arg;
	pthread_mutex_lock(&d->lock);
	int due = d->deadline && !d->expired && d->deadline <= ktimer_now(CLOCK_MONOTONIC);
	if (due) {
		d->ticks++;
		if (d->interval)
			d->expired = 1;
		else
			d->deadline = 0;
	}
	pthread_mutex_unlock(&d->lock);
	if (due)
		kwait_wq_notify(d->wq, SENTRY_EV_IN);
}

/* The periods a periodic timer let pass since it fired count, and it runs again. Called with
 * d->lock held. */
static void forward(struct tfd *d)
{
	if (!d->expired)
		return;
	d->expired = 0;
	d->ticks += ktimer_forward(&d->deadline, d->interval, ktimer_now(CLOCK_MONOTONIC)) - 1;
	arm(d);
}

static void get_locked(struct tfd *d, struct itimerspec *cur)
{
	forward(d);
	int64_t left = d->deadline ? d->deadline - ktimer_now(CLOCK_MONOTONIC) : 0;
	cur->it_value = ktimer_ns_ts(left > 0 ? left : 0);
	cur->it_interval = ktimer_ns_ts(d->interval);
}

void tfd_gettime(struct vfs_file *f, struct itimerspec *cur)
{
	struct tfd *d = (struct tfd *)f->sf;
	pthread_mutex_lock(&d->lock);
	get_locked(d, cur);
	pthread_mutex_unlock(&d->lock);
}

void tfd_settime(struct vfs_file *f, int flags, const struct itimerspec *new,
		 struct itimerspec *old)
{
	struct tfd *d = (struct tfd *)f->sf;
	int64_t value = ktimer_ts_ns(&new->it_value), now = ktimer_now(CLOCK_MONOTONIC);
	pthread_mutex_lock(&d->lock);
	if (old)
		get_locked(d, old);
	d->ticks = 0;
	d->expired = 0;
	d->interval = value ? ktimer_ts_ns(&new->it_interval) : 0;
	if (!value)
		d->deadline = 0;	/* a service timer still armed finds nothing due */
	else if (flags & TFD_TIMER_ABSTIME)
		d->deadline = ktimer_to_mono(d->clock, value);
	else
		d->deadline = value > INT64_MAX - now ? INT64_MAX : now + value;
	arm(d);
	pthread_mutex_unlock(&d->lock);
}

/* Takes the expiry count, waiting while it is 0. Returns 0, -EAGAIN, -EINTR. */
static int take(struct tfd *d, struct task *t, uint64_t *ret_ticks)
{
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	forward(d);
	while (!d->ticks && rc == 0) {
		if ((d->base.flags & O_NONBLOCK) || !t) {
			rc = -EAGAIN;
			break;
		}
		struct kwait_reg r;
		kwait_prepare(t, d->wq, SENTRY_EV_IN, &r);
		pthread_mutex_unlock(&d->lock);
		int w = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, -1);
		kwait_finish(&r);
		pthread_mutex_lock(&d->lock);
		if (w == -EINTR && task_wait_interrupted(t))
			rc = -EINTR;
		forward(d);
	}
	if (rc == 0) {
		*ret_ticks = d->ticks;
		d->ticks = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static int64_t read_io(struct tfd *d, struct task *t, struct ipc_io *io)
{
	uint64_t v;
	if (io->left < sizeof(v))
		return -EINVAL;
	int rc = take(d, t, &v);
	if (rc < 0)
		return rc;
	return ipc_io_move(io, &v, sizeof(v), 0) < 0 ? -EFAULT : (int64_t)sizeof(v);
}

int64_t tfd_user_read(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count)
{
	struct ipc_io io;
	ipc_io_init(&io, t->mm, iov, count);
	return read_io((struct tfd *)f->sf, t, &io);
}

int tfd_is(const struct vfs_file *f)
{
	return f->sf && f->sf->ops == &g_tfd_ops;
}

/* The read slot, for the core's own callers (Sentry buffers; the calling thread's task). */
static int64_t tfd_read(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t count, int64_t *off)
{
	if (*off >= 0)
		return -ESPIPE;
	struct task *t = task ? (struct task *)task : task_current();
	struct ipc_io io;
	int rc = ipc_io_init_sentry(&io, iov, count);
	if (rc < 0)
		return rc;
	int64_t n = read_io((struct tfd *)file, t, &io);
	ipc_io_fini(&io);
	return n;
}

/* noop_llseek. */
static int tfd_seek(struct sentry_file *file, int64_t *off, int whence)
{
	*off = 0;
	return 0;
}

/* timerfd_poll: only IN. */
static uint32_t tfd_readiness(struct sentry_file *file, uint32_t mask)
{
	struct tfd *d = (struct tfd *)file;
	pthread_mutex_lock(&d->lock);
	uint64_t ticks = d->ticks;
	pthread_mutex_unlock(&d->lock);
	return ticks ? SENTRY_EV_IN & mask : 0;
}

static struct sentry_waitq *tfd_waitq(struct sentry_file *file)
{
	return ((struct tfd *)file)->wq;
}

static void tfd_release(struct sentry_file *file)
{
	struct tfd *d = (struct tfd *)file;
	d->svc->timer_free(d->timer);	/* waits out an expiry in flight */
	kwait_wq_free(d->wq);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static const struct sentry_file_ops g_tfd_ops = {
	.read = tfd_read,
	.seek = tfd_seek,
	.readiness = tfd_readiness,
	.waitq = tfd_waitq,
	.release = tfd_release,
};

int tfd_new(const struct sentry_services *svc, clockid_t clock, uint32_t flags,
	    struct vfs_file **ret_file)
{
	struct tfd *d = calloc(1, sizeof(*d));
	struct sentry_waitq *wq = d ? kwait_wq_new() : NULL;
	struct sentry_timer *timer = wq ? svc->timer_new(tfd_fire, d) : NULL;
	if (!timer) {
		kwait_wq_free(wq);
		free(d);
		return -ENOMEM;
	}
	d->base.ops = &g_tfd_ops;
	d->base.ops_size = sizeof(g_tfd_ops);
	d->svc = svc;
	d->timer = timer;
	d->clock = clock;
	d->wq = wq;
	pthread_mutex_init(&d->lock, NULL);
	return vfs_anon_inode_file(&d->base, O_RDWR | (flags & O_NONBLOCK), 1, ret_file);
}
