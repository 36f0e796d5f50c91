/*
 * core/sys/sys_timer.c: interval timers: setitimer, getitimer, alarm.
 *
 * ITIMER_REAL runs on the core's timer thread (the services' timers): on expiry the process
 * gets SIGALRM through the cross-thread signal path, which interrupts a blocking call, and a
 * periodic timer is re-armed from its previous deadline so it does not drift. Timers belong
 * to the process: fork does not copy them, exec keeps them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

#include "kernel/task.h"
#include "kernel/thread.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"

static int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t tv_ns(const struct timeval *tv)
{
	if (tv->tv_sec > INT64_MAX / 1000000000 - 1)
		return INT64_MAX / 2;	/* for ever, in practice */
	return (int64_t)tv->tv_sec * 1000000000 + tv->tv_usec * 1000;
}

/* A time as setitimer reports it: rounded up to the next microsecond, never 0 while armed. */
static struct timeval ns_tv(int64_t ns)
{
	int64_t us = (ns + 999) / 1000;
	return (struct timeval){ .tv_sec = us / 1000000, .tv_usec = us % 1000000 };
}

/* SIGALRM is the process's: any of its threads that does not block it takes it. */
static void itimer_fire(void *arg)
{
	struct tgroup *g = arg;
	pthread_mutex_lock(&g->lock);
	int64_t next = 0;
	if (g->itimer_deadline && g->itimer_interval) {
		next = g->itimer_deadline + g->itimer_interval;
		int64_t now = mono_now();
		if (next <= now)	/* missed periods collapse into one signal, as Linux */
			next = now + g->itimer_interval;
	}
	g->itimer_deadline = next;
	pthread_mutex_unlock(&g->lock);
	if (next)
		g->k->svc->timer_arm(g->itimer, next);
	const struct task_siginfo si = { .code = SI_KERNEL };
	pthread_mutex_lock(&g->k->lock);
	tgroup_signal_locked(g, SIGALRM, &si);
	pthread_mutex_unlock(&g->k->lock);
}

/* Current value and interval of @which into @old; then, with @new, the new setting. */
static int itimer_swap(struct task *t, int which, const struct itimerval *new,
		       struct itimerval *old)
{
	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	if (new && (new->it_value.tv_usec < 0 || new->it_value.tv_usec >= 1000000 ||
		    new->it_interval.tv_usec < 0 || new->it_interval.tv_usec >= 1000000 ||
		    new->it_value.tv_sec < 0 || new->it_interval.tv_sec < 0))
		return -EINVAL;
	if (which == ITIMER_REAL && new && !t->tg->itimer &&
	    !(t->tg->itimer = t->k->svc->timer_new(itimer_fire, t->tg)))
		return -ENOMEM;
	pthread_mutex_lock(&t->tg->lock);
	int64_t left, interval;
	if (which == ITIMER_REAL) {
		left = t->tg->itimer_deadline ? t->tg->itimer_deadline - mono_now() : 0;
		if (t->tg->itimer_deadline && left < 1000)
			left = 1000;	/* armed, due now: a microsecond */
		interval = t->tg->itimer_interval;
	} else {
		left = t->tg->itimer_other[which - 1].value;
		interval = t->tg->itimer_other[which - 1].interval;
	}
	if (old)
		*old = (struct itimerval){ .it_value = ns_tv(left), .it_interval = ns_tv(interval) };
	int64_t value = new ? tv_ns(&new->it_value) : 0;
	int64_t every = new ? tv_ns(&new->it_interval) : 0;
	int64_t deadline = 0;
	if (new && which == ITIMER_REAL) {
		deadline = value ? mono_now() + value : 0;
		t->tg->itimer_deadline = deadline;
		t->tg->itimer_interval = value ? every : 0;
	} else if (new) {
		t->tg->itimer_other[which - 1].value = value;
		t->tg->itimer_other[which - 1].interval = value ? every : 0;
	}
	pthread_mutex_unlock(&t->tg->lock);
	if (new && which == ITIMER_REAL) {
		if (deadline)
			t->k->svc->timer_arm(t->tg->itimer, deadline);
		else
			t->k->svc->timer_cancel(t->tg->itimer);
	}
	return 0;
}

int64_t sys_setitimer(struct task *t, const uint64_t a[6])
{
	struct itimerval nv, ov;
	/* A NULL new value disarms, as Linux has accepted since 2.6.x (with a warning). */
	if (a[1] && mm_copy_in(t->mm, a[1], &nv, sizeof(nv)) < 0)
		return -EFAULT;
	int rc = itimer_swap(t, (int)a[0], a[1] ? &nv : NULL, a[2] ? &ov : NULL);
	if (rc == 0 && a[2] && mm_copy_out(t->mm, a[2], &ov, sizeof(ov)) < 0)
		return -EFAULT;
	return rc;
}

int64_t sys_getitimer(struct task *t, const uint64_t a[6])
{
	struct itimerval ov;
	int rc = itimer_swap(t, (int)a[0], NULL, &ov);
	if (rc == 0 && mm_copy_out(t->mm, a[1], &ov, sizeof(ov)) < 0)
		return -EFAULT;
	return rc;
}

int64_t sys_alarm(struct task *t, const uint64_t a[6])
{
	struct itimerval nv = { .it_value = { .tv_sec = (time_t)(unsigned int)a[0] } }, ov;
	itimer_swap(t, ITIMER_REAL, &nv, &ov);
	/* alarm_setitimer: the seconds left, rounded to nearest, and at least 1 if it was armed. */
	unsigned int left = (unsigned int)ov.it_value.tv_sec;
	if (ov.it_value.tv_usec >= 500000 || (!left && ov.it_value.tv_usec))
		left++;
	return left;
}
