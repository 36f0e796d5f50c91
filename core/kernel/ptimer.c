/*
 * core/kernel/ptimer.c: POSIX per-process timers (see ptimer.h).
 *
 * A timer's arming is named by a sequence number, new at every timer_settime and at delete,
 * which its signals carry (task_siginfo.timer_seq, Linux's it_signal_seq): delivery asks the
 * set whether that arming is still the timer's. The service timer may fire for a deadline that
 * has since moved or gone; the expiry rechecks under the set's lock, so arming needs no cancel
 * (which would wait for a callback that waits for the lock).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "kernel/thread.h"

#define NSEC 1000000000ll

/* --- clock arithmetic --- */

int64_t ktimer_now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

int64_t ktimer_to_mono(clockid_t clock, int64_t abs_ns)
{
	if (abs_ns == INT64_MAX)
		return INT64_MAX;
	int64_t m = ktimer_now(CLOCK_MONOTONIC);
	int64_t left = clock == CLOCK_MONOTONIC ? abs_ns - m : abs_ns - ktimer_now(clock);
	if (left > INT64_MAX - m)
		return INT64_MAX;
	/* A time long past is due now; 1 keeps it apart from 0, "disarmed". */
	return m + left > 0 ? m + left : 1;
}

int64_t ktimer_ts_ns(const struct timespec *ts)
{
	if (ts->tv_sec > INT64_MAX / NSEC - 1)
		return INT64_MAX;
	return (int64_t)ts->tv_sec * NSEC + ts->tv_nsec;
}

struct timespec ktimer_ns_ts(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / NSEC, .tv_nsec = ns % NSEC };
}

int ktimer_ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < NSEC;
}

uint64_t ktimer_forward(int64_t *deadline, int64_t interval, int64_t now)
{
	if (*deadline > now)
		return 0;
	uint64_t n = (uint64_t)(now - *deadline) / (uint64_t)interval + 1;
	if (n > (uint64_t)(INT64_MAX - *deadline) / (uint64_t)interval)
		*deadline = INT64_MAX;	/* the next period is past what the clock counts */
	else
		*deadline += (int64_t)n * interval;
	return n;
}

/* --- timers --- */

struct ptimer {
	struct ptimer *next;		/* in the set's list */
	struct ptimer_set *set;
	int id;
	clockid_t clock;
	struct ptimer_event ev;
	struct sentry_timer *timer;	/* NULL for SIGEV_NONE: nothing to do on expiry */
	int64_t deadline;		/* next expiry, MONOTONIC ns; 0: disarmed */
	int64_t interval;		/* ns; 0: one-shot */
	uint64_t seq;			/* the current arming (see the file comment) */
	int pending;			/* a signal of this arming is queued, not delivered */
	uint64_t overrun;		/* expirations since that signal was queued */
	int overrun_last;		/* of the last signal delivered (timer_getoverrun) */
	int deleted;			/* unlinked: an expiry in flight does nothing */
};

struct ptimer_set {
	pthread_mutex_t lock;		/* the list and every timer's fields */
	struct tgroup *tg;		/* the process the signals go to (it owns the set) */
	const struct sentry_services *svc;
	struct ptimer *list;
	int next_id;
};

/* Sequence numbers of armings, unique for the Sentry's life; 0 marks a siginfo that is not a
 * timer's (an application's own SI_TIMER, once rt_sigqueueinfo exists). */
static _Atomic uint64_t g_ptimer_seq;

static uint64_t next_seq(void)
{
	return atomic_fetch_add(&g_ptimer_seq, 1) + 1;
}

static struct ptimer *find(struct ptimer_set *s, int id)
{
	struct ptimer *p = s ? s->list : NULL;
	while (p && p->id != id)
		p = p->next;
	return p;
}

/* The live thread @tid of @g, or NULL. k->lock held. */
static struct task *thread_of_locked(struct tgroup *g, int tid)
{
	for (struct task *o = g->threads; o; o = o->group_next)
		if (o->tid == tid && !o->thread_done && !o->exited)
			return o;
	return NULL;
}

/* Whether @sig is still queued anywhere in @g: shared, or with one of its threads. */
static int tgroup_sig_queued_locked(struct tgroup *g, int sig)
{
	pthread_mutex_lock(&g->lock);
	int q = (g->shared_pending & SIGBIT(sig)) != 0;
	pthread_mutex_unlock(&g->lock);
	for (struct task *o = g->threads; o && !q; o = o->group_next)
		q = task_sig_queued(o, sig);
	return q;
}

/* posix_timer_fn. */
static void ptimer_fire(void *arg)
{
	struct ptimer *p = arg;
	struct ptimer_set *s = p->set;
	struct kernel *k = s->tg->k;
	pthread_mutex_lock(&s->lock);
	int64_t now = ktimer_now(CLOCK_MONOTONIC);
	if (p->deleted || !p->deadline || p->deadline > now) {
		pthread_mutex_unlock(&s->lock);
		return;	/* disarmed or moved since this firing was due */
	}
	uint64_t n = 1;
	if (p->interval) {
		n = ktimer_forward(&p->deadline, p->interval, now);
		if (p->deadline != INT64_MAX)
			s->svc->timer_arm(p->timer, p->deadline);
	} else {
		p->deadline = 0;
	}
	pthread_mutex_lock(&k->lock);
	/* SIGEV_THREAD_ID's thread, while it lives (its end drops the timer's signals, as
	 * Linux's send_sigqueue finds no task); else the process. */
	struct task *to = p->ev.tid ? thread_of_locked(s->tg, p->ev.tid) : NULL;
	/* A signal that is no longer queued went without reaching us: ignored on arrival,
	 * discarded, or merged into another of its number. */
	if (p->pending && !(to ? task_sig_queued(to, p->ev.signo)
			       : tgroup_sig_queued_locked(s->tg, p->ev.signo)))
		p->pending = 0;
	if (p->pending) {
		p->overrun += n;
	} else if (to || !p->ev.tid) {
		p->pending = 1;
		p->overrun = n - 1;	/* periods the timer thread was late for */
		const struct task_siginfo si = {
			.code = SI_TIMER, .timer_id = p->id, .value = p->ev.value,
			.timer_seq = p->seq,
		};
		if (to)
			task_send_siginfo(to, p->ev.signo, &si);
		else
			tgroup_signal_locked(s->tg, p->ev.signo, &si);
	}
	pthread_mutex_unlock(&k->lock);
	pthread_mutex_unlock(&s->lock);
}

int ptimer_create(struct task *t, clockid_t clock, const struct ptimer_event *ev, int *ret_id)
{
	struct ptimer_set *s = t->tg->ptimers;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -EAGAIN;
		pthread_mutex_init(&s->lock, NULL);
		s->tg = t->tg;
		s->svc = t->k->svc;
		/* Another thread may be making the set too: the first one stays. */
		struct ptimer_set *none = NULL;
		if (!__atomic_compare_exchange_n(&t->tg->ptimers, &none, s, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			pthread_mutex_destroy(&s->lock);
			free(s);
			s = none;
		}
	}
	struct ptimer *p = calloc(1, sizeof(*p));
	int sig_none = ev && ev->notify == SIGEV_NONE;
	if (p && !sig_none && !(p->timer = s->svc->timer_new(ptimer_fire, p))) {
		free(p);
		p = NULL;
	}
	if (!p)
		return -EAGAIN;
	pthread_mutex_lock(&s->lock);
	p->set = s;
	p->id = s->next_id;
	p->clock = clock;
	p->ev = ev ? *ev : (struct ptimer_event){ .notify = SIGEV_SIGNAL, .signo = SIGALRM,
						   .value = (uint64_t)p->id };
	p->seq = next_seq();
	p->next = s->list;
	s->list = p;
	/* Linux's IDs count up to INT_MAX and then start again at 0, skipping those in use. */
	do
		s->next_id = s->next_id == INT_MAX ? 0 : s->next_id + 1;
	while (find(s, s->next_id));
	pthread_mutex_unlock(&s->lock);
	*ret_id = p->id;
	return 0;
}

/* common_timer_get, with the set's lock held. */
static void get_locked(struct ptimer *p, struct itimerspec *cur)
{
	int sig_none = p->ev.notify == SIGEV_NONE;
	int64_t now = ktimer_now(CLOCK_MONOTONIC);
	/* A SIGEV_NONE timer never fires: its periods are counted when it is read. */
	if (sig_none && p->deadline && p->interval)
		p->overrun += ktimer_forward(&p->deadline, p->interval, now);
	int64_t left = p->deadline ? p->deadline - now : 0;
	/* Due but not yet handled by the timer thread: 1 ns, "still armed", as Linux says. */
	if (p->deadline && left <= 0)
		left = sig_none ? 0 : 1;
	cur->it_value = ktimer_ns_ts(left);
	cur->it_interval = ktimer_ns_ts(p->interval);
}

int ptimer_settime(struct task *t, int id, int flags, const struct itimerspec *new,
		   struct itimerspec *old)
{
	struct ptimer_set *s = __atomic_load_n(&t->tg->ptimers, __ATOMIC_ACQUIRE);
	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	struct ptimer *p = find(s, id);
	if (!p) {
		pthread_mutex_unlock(&s->lock);
		return -EINVAL;
	}
	if (old)
		get_locked(p, old);
	int64_t value = ktimer_ts_ns(&new->it_value), now = ktimer_now(CLOCK_MONOTONIC);
	p->seq = next_seq();
	p->pending = 0;
	p->overrun = 0;
	p->overrun_last = 0;
	p->interval = value ? ktimer_ts_ns(&new->it_interval) : 0;
	if (!value)
		p->deadline = 0;
	else if (flags & TIMER_ABSTIME)
		p->deadline = ktimer_to_mono(p->clock, value);
	else
		p->deadline = value > INT64_MAX - now ? INT64_MAX : now + value;
	if (p->timer && p->deadline && p->deadline != INT64_MAX)
		s->svc->timer_arm(p->timer, p->deadline);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

int ptimer_gettime(struct task *t, int id, struct itimerspec *cur)
{
	struct ptimer_set *s = __atomic_load_n(&t->tg->ptimers, __ATOMIC_ACQUIRE);
	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	struct ptimer *p = find(s, id);
	if (p)
		get_locked(p, cur);
	pthread_mutex_unlock(&s->lock);
	return p ? 0 : -EINVAL;
}

int ptimer_getoverrun(struct task *t, int id)
{
	struct ptimer_set *s = __atomic_load_n(&t->tg->ptimers, __ATOMIC_ACQUIRE);
	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	struct ptimer *p = find(s, id);
	int rc = p ? p->overrun_last : -EINVAL;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Frees @p, already unlinked and marked deleted: waits out an expiry in flight. */
static void free_timer(struct ptimer_set *s, struct ptimer *p)
{
	if (p->timer)
		s->svc->timer_free(p->timer);
	free(p);
}

int ptimer_delete(struct task *t, int id)
{
	struct ptimer_set *s = __atomic_load_n(&t->tg->ptimers, __ATOMIC_ACQUIRE);
	if (!s)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	struct ptimer **pp = &s->list;
	while (*pp && (*pp)->id != id)
		pp = &(*pp)->next;
	struct ptimer *p = *pp;
	if (p) {
		*pp = p->next;
		p->deleted = 1;
	}
	pthread_mutex_unlock(&s->lock);
	if (!p)
		return -EINVAL;
	free_timer(s, p);
	return 0;
}

void ptimer_exit(struct tgroup *g)
{
	struct ptimer_set *s = __atomic_exchange_n(&g->ptimers, NULL, __ATOMIC_ACQ_REL);
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	struct ptimer *list = s->list;
	s->list = NULL;
	for (struct ptimer *p = list; p; p = p->next)
		p->deleted = 1;
	pthread_mutex_unlock(&s->lock);
	while (list) {
		struct ptimer *p = list;
		list = p->next;
		free_timer(s, p);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int ptimer_signal_taken(struct task *t, struct task_siginfo *si)
{
	if (!si->timer_seq)
		return 1;
	struct ptimer_set *s = __atomic_load_n(&t->tg->ptimers, __ATOMIC_ACQUIRE);
	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	struct ptimer *p = find(s, si->timer_id);
	int live = p && p->seq == si->timer_seq;
	if (live) {
		p->pending = 0;
		p->overrun_last = p->overrun > INT_MAX ? INT_MAX : (int)p->overrun;
		p->overrun = 0;
		si->overrun = p->overrun_last;
	}
	pthread_mutex_unlock(&s->lock);
	return live;
}
