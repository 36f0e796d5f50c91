/*
 * core/kernel/wait.h: the one way anything in the Sentry waits (DESIGN.md, Threading and
 * blocking), plus waiter queues and one-shot timers for plugins.
 *
 * A task blocks on its own wait slot (a mutex and condition variable): waiter queues wake it by
 * event, deadlines by time, and kwait_interrupt (a signal for the task) by setting a flag, so
 * every blocking system call can be ended by a signal and restarted per SA_RESTART. The
 * services table's wq_*, block, copy_in/copy_out and timer_* slots are these functions.
 */
#pragma once

#include <pthread.h>
#include <stdint.h>

#include "sentry/services.h"

struct task;

/* A task's wait slot. */
struct kwait {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* on CLOCK_MONOTONIC */
	unsigned long wakeups;	/* bumped by every wake, so a waiter sees wakes it slept through */
	int interrupted;	/* a signal is pending: blocking calls return -EINTR */
	int efd;		/* eventfd made readable by an interrupt, for waits in poll(2) on
				 * host descriptors; -1 until kwait_host_fd first needs it */
};

void kwait_init(struct kwait *w);
void kwait_destroy(struct kwait *w);

/* Makes the task's current or next block return -EINTR, until kwait_clear_interrupt. */
void kwait_interrupt(struct kwait *w);
void kwait_clear_interrupt(struct kwait *w);
/* The same with w->lock held. */
void kwait_clear_interrupt_locked(struct kwait *w);

/* Waits until host descriptor @fd has one of @events (POLLIN, POLLOUT) or the task is
 * interrupted, for core files over host descriptors whose read or write would block the task
 * thread where no signal could end it. Returns 0 (ready, or an error the next I/O will report),
 * -EINTR, or -ENOMEM when no eventfd can be made. */
int kwait_host_fd(struct task *task, int fd, short events);

struct kwait_reg;

/* A registration's wake function, for waiters that are objects rather than tasks (an epoll
 * instance watching a file): called by kwait_wq_notify with the queue's lock held and the
 * @events notified, in place of waking a slot. It must not sleep, nor touch @reg's queue. */
typedef void (*kwait_wake_fn)(struct kwait_reg *reg, uint32_t events);

/* A registration on a waiter queue, on the waiter's stack (or in the object, with wake). */
struct kwait_reg {
	struct kwait_reg *next, *prev;
	struct kwait *slot;	/* NULL with wake */
	uint32_t events;
	struct sentry_waitq *wq;
	unsigned long seen;	/* slot wakeups when registered or last woken */
	kwait_wake_fn wake;	/* NULL: wake slot */
};

/* The exact wait, for the core: register, check the condition, sleep, repeat, finish.
 *   kwait_prepare(t, wq, EV, &r);
 *   while (!ready() && (rc = kwait_sleep(&r, clock, deadline)) == 0)
 *           ;
 *   kwait_finish(&r);
 * A notify after prepare is never lost. kwait_sleep returns 0 (woken: recheck), -ETIMEDOUT,
 * -EINTR or -EINVAL (clock). */
void kwait_prepare(struct task *task, struct sentry_waitq *wq, uint32_t events,
		   struct kwait_reg *reg);
int kwait_sleep(struct kwait_reg *reg, int clock, int64_t deadline_ns);
void kwait_finish(struct kwait_reg *reg);

/* Registers @reg (owned by the caller, kept in place until kwait_finish) on @wq so that every
 * notify with one of @events calls @wake. kwait_finish removes it; once it returns, @wake is
 * not running for @reg and will not be called again. */
void kwait_attach(struct sentry_waitq *wq, uint32_t events, kwait_wake_fn wake,
		  struct kwait_reg *reg);

/* Blocks @task until @wq has one of @events, @deadline_ns (absolute, on @clock; -1 none)
 * passes, or the task is interrupted. Returns 0, -ETIMEDOUT, -EINTR, -EINVAL (clock). @wq may
 * be NULL: a plain interruptible sleep. */
int kwait_block(struct task *task, struct sentry_waitq *wq, uint32_t events, int clock,
		int64_t deadline_ns);

/* An exact interruptible sleep until @deadline_ns (absolute on @clock; -1: until a signal).
 * Returns -ETIMEDOUT, -EINTR or -EINVAL (clock). */
int kwait_until(struct task *task, int clock, int64_t deadline_ns);

struct sentry_waitq *kwait_wq_new(void);
void kwait_wq_free(struct sentry_waitq *wq);
void kwait_wq_notify(struct sentry_waitq *wq, uint32_t events);

/* Fills the waiting, copying and timer slots of @svc. */
void kwait_fill_services(struct sentry_services *svc);
