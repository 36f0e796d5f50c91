/*
 * core/kernel/wait.c: waits, waiter queues and timers (see wait.h).
 *
 * A waiter queue is a list of registrations (task, events) under the queue's mutex. notify
 * bumps the wakeup count of every matching task's slot and signals it; a blocked task rechecks
 * its count, its interrupt flag and its deadline. Lock order: queue, then slot.
 *
 * Timers are served by one thread sleeping until the earliest deadline; the list is short
 * (protocol timers of sockets), so it is kept sorted by insertion.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <stdlib.h>
#include <time.h>

#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/mm.h"

struct sentry_waitq {
	pthread_mutex_t lock;
	struct kwait_reg head;	/* circular list of registrations */
};

void kwait_init(struct kwait *w)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, &a);
	pthread_condattr_destroy(&a);
	w->wakeups = 0;
	w->interrupted = 0;
	w->efd = -1;
}

void kwait_destroy(struct kwait *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	if (w->efd >= 0)
		close(w->efd);
}

static void slot_wake(struct kwait *w, int interrupt)
{
	pthread_mutex_lock(&w->lock);
	w->wakeups++;
	if (interrupt) {
		w->interrupted = 1;
		if (w->efd >= 0)
			(void)eventfd_write(w->efd, 1);
	}
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void kwait_interrupt(struct kwait *w)
{
	slot_wake(w, 1);
}

void kwait_clear_interrupt(struct kwait *w)
{
	pthread_mutex_lock(&w->lock);
	kwait_clear_interrupt_locked(w);
	pthread_mutex_unlock(&w->lock);
}

void kwait_clear_interrupt_locked(struct kwait *w)
{
	w->interrupted = 0;
	eventfd_t drain;
	if (w->efd >= 0)
		(void)eventfd_read(w->efd, &drain);
}

int kwait_host_fd(struct task *task, int fd, short events)
{
	struct kwait *w = &task->wait;
	pthread_mutex_lock(&w->lock);
	if (w->efd < 0)
		w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int efd = w->efd, interrupted = w->interrupted;
	pthread_mutex_unlock(&w->lock);
	if (interrupted)
		return -EINTR;
	if (efd < 0)
		return -ENOMEM;
	/* The eventfd stays readable until the interrupt is cleared, so an interrupt between the
	 * check above and poll() still ends the wait. */
	struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = efd, .events = POLLIN } };
	for (;;) {
		int n = poll(p, 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;	/* let the I/O itself report what is wrong */
		if (p[1].revents)
			return -EINTR;
		return 0;
	}
}

struct sentry_waitq *kwait_wq_new(void)
{
	struct sentry_waitq *wq = calloc(1, sizeof(*wq));
	if (!wq)
		return NULL;
	pthread_mutex_init(&wq->lock, NULL);
	wq->head.next = wq->head.prev = &wq->head;
	return wq;
}

void kwait_wq_free(struct sentry_waitq *wq)
{
	if (!wq)
		return;
	pthread_mutex_destroy(&wq->lock);
	free(wq);
}

void kwait_wq_notify(struct sentry_waitq *wq, uint32_t events)
{
	pthread_mutex_lock(&wq->lock);
	for (struct kwait_reg *r = wq->head.next; r != &wq->head; r = r->next)
		if ((r->events & events) && r->wake)
			r->wake(r, events);
		else if (r->events & events)
			slot_wake(r->slot, 0);
	pthread_mutex_unlock(&wq->lock);
}

/* A deadline on @clock as an absolute CLOCK_MONOTONIC time (what the slot's cond uses). */
static int to_monotonic(int clock, int64_t deadline_ns, struct timespec *ret)
{
	struct timespec now_c, now_m;
	clockid_t id;
	if (clock == SENTRY_CLOCK_MONOTONIC)
		id = CLOCK_MONOTONIC;
	else if (clock == SENTRY_CLOCK_REALTIME)
		id = CLOCK_REALTIME;
	else
		return -EINVAL;
	clock_gettime(id, &now_c);
	clock_gettime(CLOCK_MONOTONIC, &now_m);
	int64_t left = deadline_ns - ((int64_t)now_c.tv_sec * 1000000000 + now_c.tv_nsec);
	int64_t m = (int64_t)now_m.tv_sec * 1000000000 + now_m.tv_nsec + (left > 0 ? left : 0);
	ret->tv_sec = m / 1000000000;
	ret->tv_nsec = m % 1000000000;
	return 0;
}

void kwait_prepare(struct task *task, struct sentry_waitq *wq, uint32_t events,
		   struct kwait_reg *reg)
{
	struct kwait *w = &task->wait;
	*reg = (struct kwait_reg){ .slot = w, .events = events, .wq = wq };
	pthread_mutex_lock(&w->lock);
	reg->seen = w->wakeups;
	pthread_mutex_unlock(&w->lock);
	if (wq) {
		pthread_mutex_lock(&wq->lock);
		reg->next = &wq->head;
		reg->prev = wq->head.prev;
		wq->head.prev->next = reg;
		wq->head.prev = reg;
		pthread_mutex_unlock(&wq->lock);
	}
}

int kwait_sleep(struct kwait_reg *reg, int clock, int64_t deadline_ns)
{
	struct kwait *w = reg->slot;
	struct timespec until;
	if (deadline_ns >= 0) {
		int rc = to_monotonic(clock, deadline_ns, &until);
		if (rc < 0)
			return rc;
	}
	int rc = 0;
	pthread_mutex_lock(&w->lock);
	while (rc == 0 && w->wakeups == reg->seen && !w->interrupted) {
		if (deadline_ns >= 0)
			rc = pthread_cond_timedwait(&w->cond, &w->lock, &until) == ETIMEDOUT ? -ETIMEDOUT
											  : 0;
		else
			pthread_cond_wait(&w->cond, &w->lock);
	}
	if (w->interrupted)
		rc = -EINTR;
	reg->seen = w->wakeups;
	pthread_mutex_unlock(&w->lock);
	return rc;
}

void kwait_finish(struct kwait_reg *reg)
{
	struct sentry_waitq *wq = reg->wq;
	if (!wq)
		return;
	pthread_mutex_lock(&wq->lock);
	reg->prev->next = reg->next;
	reg->next->prev = reg->prev;
	pthread_mutex_unlock(&wq->lock);
	reg->wq = NULL;
}

void kwait_attach(struct sentry_waitq *wq, uint32_t events, kwait_wake_fn wake,
		  struct kwait_reg *reg)
{
	*reg = (struct kwait_reg){ .events = events, .wq = wq, .wake = wake };
	pthread_mutex_lock(&wq->lock);
	reg->next = &wq->head;
	reg->prev = wq->head.prev;
	wq->head.prev->next = reg;
	wq->head.prev = reg;
	pthread_mutex_unlock(&wq->lock);
}

/* The services' block cannot register before its caller checked the condition, so a notify
 * in between would be lost; it therefore sleeps in slices and returns 0 (a spurious wakeup,
 * which the contract allows) at the end of one, bounding a lost wakeup to BLOCK_SLICE_NS. The
 * core's own waits use prepare/sleep/finish around their check and need no slices. */
#define BLOCK_SLICE_NS 5000000ll

int kwait_block(struct task *task, struct sentry_waitq *wq, uint32_t events, int clock,
		int64_t deadline_ns)
{
	if (clock != SENTRY_CLOCK_MONOTONIC && clock != SENTRY_CLOCK_REALTIME)
		return -EINVAL;
	struct timespec ts;
	clock_gettime(clock == SENTRY_CLOCK_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	int64_t slice = now + BLOCK_SLICE_NS;
	int sliced = deadline_ns < 0 || deadline_ns > slice;
	struct kwait_reg reg;
	kwait_prepare(task, wq, events, &reg);
	int rc = kwait_sleep(&reg, clock, sliced ? slice : deadline_ns);
	kwait_finish(&reg);
	return rc == -ETIMEDOUT && sliced ? 0 : rc;
}

int kwait_until(struct task *task, int clock, int64_t deadline_ns)
{
	struct kwait_reg reg;
	kwait_prepare(task, NULL, 0, &reg);
	int rc;
	while ((rc = kwait_sleep(&reg, clock, deadline_ns)) == 0)
		;	/* a wake with no queue is no event: only time or a signal ends this */
	kwait_finish(&reg);
	return rc;
}

/* --- services --- */

static int svc_block(struct sentry_task *task, struct sentry_waitq *wq, uint32_t events,
		     int clock, int64_t deadline_ns)
{
	return kwait_block((struct task *)task, wq, events, clock, deadline_ns);
}

static int svc_block_seq(struct sentry_task *task, struct sentry_waitq *wq, uint32_t events,
			 const uint32_t *seq, uint32_t seen, int clock, int64_t deadline_ns)
{
	if (clock != SENTRY_CLOCK_MONOTONIC && clock != SENTRY_CLOCK_REALTIME)
		return -EINVAL;
	struct kwait_reg reg;
	kwait_prepare((struct task *)task, wq, events, &reg);
	/* Registered first, then the counter: a bump after this read comes with a notify. */
	int rc = __atomic_load_n(seq, __ATOMIC_ACQUIRE) != seen
			 ? 0
			 : kwait_sleep(&reg, clock, deadline_ns);
	kwait_finish(&reg);
	return rc;
}

static int svc_copy_in(struct sentry_task *task, uint64_t addr, void *dst, size_t len)
{
	return mm_copy_in(((struct task *)task)->mm, addr, dst, len);
}

static int svc_copy_out(struct sentry_task *task, uint64_t addr, const void *src, size_t len)
{
	return mm_copy_out(((struct task *)task)->mm, addr, src, len);
}

/* --- timers --- */

struct sentry_timer {
	struct sentry_timer *next;	/* in the armed list, sorted by deadline */
	sentry_timer_fn fn;
	void *arg;
	int64_t deadline;		/* MONOTONIC ns; -1 when not armed */
	int running;			/* the callback runs now */
};

static pthread_mutex_t g_tlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_tcond;		/* the timer thread's sleep, on MONOTONIC */
static pthread_cond_t g_tdone = PTHREAD_COND_INITIALIZER;	/* a callback finished */
static struct sentry_timer *g_armed;
static pthread_once_t g_tonce = PTHREAD_ONCE_INIT;
static int g_tthread_ok;

static int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void unlink_timer(struct sentry_timer *t)
{
	for (struct sentry_timer **p = &g_armed; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->deadline = -1;
}

static void *timer_thread(void *arg)
{
	pthread_mutex_lock(&g_tlock);
	for (;;) {
		struct sentry_timer *t = g_armed;
		if (!t) {
			pthread_cond_wait(&g_tcond, &g_tlock);
			continue;
		}
		if (t->deadline > mono_now()) {
			struct timespec ts = { t->deadline / 1000000000, t->deadline % 1000000000 };
			pthread_cond_timedwait(&g_tcond, &g_tlock, &ts);
			continue;
		}
		unlink_timer(t);
		t->running = 1;
		pthread_mutex_unlock(&g_tlock);
		t->fn(t->arg);
		pthread_mutex_lock(&g_tlock);
		t->running = 0;
		pthread_cond_broadcast(&g_tdone);
	}
	return NULL;
}

static void timers_start(void)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&g_tcond, &a);
	pthread_condattr_destroy(&a);
	pthread_t th;
	if (pthread_create(&th, NULL, timer_thread, NULL) == 0) {
		pthread_detach(th);
		g_tthread_ok = 1;
	}
}

static struct sentry_timer *svc_timer_new(sentry_timer_fn fn, void *arg)
{
	pthread_once(&g_tonce, timers_start);
	if (!g_tthread_ok)
		return NULL;
	struct sentry_timer *t = calloc(1, sizeof(*t));
	if (t) {
		t->fn = fn;
		t->arg = arg;
		t->deadline = -1;
	}
	return t;
}

static void svc_timer_arm(struct sentry_timer *t, int64_t deadline_ns)
{
	pthread_mutex_lock(&g_tlock);
	unlink_timer(t);
	t->deadline = deadline_ns;
	struct sentry_timer **p = &g_armed;
	while (*p && (*p)->deadline <= deadline_ns)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	pthread_cond_signal(&g_tcond);
	pthread_mutex_unlock(&g_tlock);
}

static void svc_timer_cancel(struct sentry_timer *t)
{
	pthread_mutex_lock(&g_tlock);
	unlink_timer(t);
	while (t->running)
		pthread_cond_wait(&g_tdone, &g_tlock);
	pthread_mutex_unlock(&g_tlock);
}

static void svc_timer_free(struct sentry_timer *t)
{
	if (!t)
		return;
	svc_timer_cancel(t);
	free(t);
}

void kwait_fill_services(struct sentry_services *svc)
{
	svc->copy_in = svc_copy_in;
	svc->copy_out = svc_copy_out;
	svc->wq_new = kwait_wq_new;
	svc->wq_free = kwait_wq_free;
	svc->wq_notify = kwait_wq_notify;
	svc->block = svc_block;
	svc->block_seq = svc_block_seq;
	svc->timer_new = svc_timer_new;
	svc->timer_arm = svc_timer_arm;
	svc->timer_cancel = svc_timer_cancel;
	svc->timer_free = svc_timer_free;
}
