/*
 * core/kernel/worker.c: the host threads that run task threads, kept for the next one.
 *
 * A task thread's start and end on the host are dear compared with what a program expects of
 * pthread_create: a host thread made and torn down, and a platform context, which on ptrace is
 * a traced stub thread in every address space it runs in, each made by a round trip to the
 * stub and ended by another. So a host thread whose task has ended parks here for a while with
 * its context (platform ctx_ops.recycle), and the next task thread started takes it: a thread
 * of the same process then runs at once in the stub thread its predecessor left.
 *
 * Lock order: k->lock, nothing inside it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "kernel/process_internal.h"
#include "sentry/plugin.h"

/* Parked threads kept at most, and how long one waits for work before it ends. */
#define WORKER_IDLE_MAX 16
#define WORKER_IDLE_SEC 10

struct kworker {
	struct kernel *k;
	void *(*fn)(void *);		/* the next job; NULL while parked */
	void *arg;
	pthread_cond_t wake;		/* a job came, or the kernel is ending */
	struct sentry_ctx *spare;	/* the context its last task left, ready for recycling */
	struct sentry_ctx *current;	/* the context it made or recycled last */
	struct kworker *next;		/* in k->idle */
};

/* The worker the calling host thread is, or NULL (the boot thread, a control thread). A worker
 * serves one kernel, which ends its workers before it goes. */
static __thread struct kworker *t_worker;

static int can_recycle(const struct kernel *k)
{
	const struct sentry_platform_ops *p = k->platform;
	return SENTRY_OPS_HAS(p->ctx_ops, p->ctx_ops_size, recycle);
}

int kernel_ctx_new(struct kernel *k, struct sentry_ctx **ret_ctx)
{
	struct kworker *w = t_worker;
	int rc = 0;
	if (w && w->spare) {
		*ret_ctx = w->spare;
		w->spare = NULL;
		k->platform->ctx_ops->recycle(*ret_ctx);
	} else {
		rc = k->platform->ctx_new(k->platform_state, -1, ret_ctx);
	}
	if (rc == 0 && w)
		w->current = *ret_ctx;
	return rc;
}

void kernel_ctx_release(struct kernel *k, struct sentry_ctx *ctx)
{
	struct kworker *w = t_worker;
	/* Kept only on the thread it is bound to, which made or recycled it. */
	if (w && w->current == ctx && !w->spare && can_recycle(k))
		w->spare = ctx;
	else
		k->platform->ctx_ops->release(ctx);
	if (w && w->current == ctx)
		w->current = NULL;
}

/* Unlinks @w from the idle list if it is there. k->lock held. */
static void idle_remove_locked(struct kernel *k, struct kworker *w)
{
	for (struct kworker **p = &k->idle; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			k->idle_count--;
			return;
		}
}

/* Parks @w until a job comes: 1, or 0 when the worker is to end instead. k->lock held. */
static int park_locked(struct kernel *k, struct kworker *w)
{
	if (k->workers_stop || k->idle_count >= WORKER_IDLE_MAX)
		return 0;
	w->fn = NULL;
	w->next = k->idle;
	k->idle = w;
	k->idle_count++;
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += WORKER_IDLE_SEC;
	while (!w->fn && !k->workers_stop)
		if (pthread_cond_timedwait(&w->wake, &k->lock, &until) == ETIMEDOUT)
			break;
	if (!w->fn)
		idle_remove_locked(k, w);
	return w->fn != NULL;
}

static void *worker_main(void *arg)
{
	struct kworker *w = arg;
	struct kernel *k = w->k;
	t_worker = w;
	for (;;) {
		w->fn(w->arg);
		pthread_mutex_lock(&k->lock);
		int more = park_locked(k, w);
		pthread_mutex_unlock(&k->lock);
		if (!more)
			break;
	}
	/* On this thread, which the platform bound the context to. */
	if (w->spare)
		k->platform->ctx_ops->release(w->spare);
	t_worker = NULL;
	pthread_cond_destroy(&w->wake);
	free(w);
	pthread_mutex_lock(&k->lock);
	k->workers--;
	pthread_cond_broadcast(&k->changed);
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

/* Hands @fn(@arg) to a parked worker, or to a new one. Returns 0 or -EAGAIN. */
static int worker_run(struct kernel *k, void *(*fn)(void *), void *arg)
{
	pthread_mutex_lock(&k->lock);
	struct kworker *w = k->idle;
	if (w) {
		k->idle = w->next;
		k->idle_count--;
		w->fn = fn;
		w->arg = arg;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&k->lock);
	if (w)
		return 0;
	if (!(w = calloc(1, sizeof(*w))))
		return -EAGAIN;
	*w = (struct kworker){ .k = k, .fn = fn, .arg = arg };
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&k->lock);
	k->workers++;
	pthread_mutex_unlock(&k->lock);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t th;
	int rc = pthread_create(&th, &attr, worker_main, w);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return 0;
	pthread_cond_destroy(&w->wake);
	free(w);
	pthread_mutex_lock(&k->lock);
	k->workers--;
	pthread_mutex_unlock(&k->lock);
	return -EAGAIN;
}

void kernel_workers_stop(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
	k->workers_stop = 1;
	for (struct kworker *w = k->idle; w; w = w->next)
		pthread_cond_signal(&w->wake);
	while (k->workers > 0)
		pthread_cond_wait(&k->changed, &k->lock);
	pthread_mutex_unlock(&k->lock);
}

int kernel_start_thread(struct kernel *k, void *(*fn)(void *), void *arg,
			struct kernel_start *st)
{
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	st->done = 0;
	pthread_mutex_lock(&k->lock);
	k->threads++;
	pthread_mutex_unlock(&k->lock);
	int rc = worker_run(k, fn, arg);
	if (rc < 0) {
		kernel_thread_done(k);
		st->rc = rc;
	} else {
		pthread_mutex_lock(&st->lock);
		while (!st->done)
			pthread_cond_wait(&st->cond, &st->lock);
		pthread_mutex_unlock(&st->lock);
	}
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->lock);
	return st->rc;
}

void kernel_start_report(struct kernel_start *st, int rc, int pid)
{
	pthread_mutex_lock(&st->lock);
	st->rc = rc;
	st->pid = pid;
	st->done = 1;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
}

void kernel_thread_done(struct kernel *k)
{
	pthread_mutex_lock(&k->lock);
	k->threads--;
	pthread_cond_broadcast(&k->changed);
	pthread_mutex_unlock(&k->lock);
}
