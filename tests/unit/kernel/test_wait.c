/*
 * The wait primitive: waiter-queue wakeups by event, deadlines on both clocks, interruption,
 * no lost wakeup between prepare and sleep, the services' sliced block, and one-shot timers
 * (arm, re-arm, cancel while pending).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "kernel/task.h"
#include "kernel/wait.h"
#include "plugin/services.h"

static int64_t now(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct task *mk_task(void)
{
	struct task *t = calloc(1, sizeof(*t));
	kwait_init(&t->wait);
	return t;
}

static void rm_task(struct task *t)
{
	kwait_destroy(&t->wait);
	free(t);
}

struct later {
	struct sentry_waitq *wq;
	struct task *t;
	uint32_t events;
	int interrupt;
	int delay_ms;
};

static void *fire(void *arg)
{
	struct later *l = arg;
	usleep((useconds_t)l->delay_ms * 1000);
	if (l->interrupt)
		kwait_interrupt(&l->t->wait);
	else
		kwait_wq_notify(l->wq, l->events);
	return NULL;
}

Test(wait, notify_wakes_matching_events_only)
{
	struct task *t = mk_task();
	struct sentry_waitq *wq = kwait_wq_new();
	struct later l = { wq, t, SENTRY_EV_OUT, 0, 20 };
	pthread_t th;
	pthread_create(&th, NULL, fire, &l);
	/* OUT does not match IN: the wait runs to its deadline. */
	int64_t t0 = now(CLOCK_MONOTONIC);
	struct kwait_reg r;
	kwait_prepare(t, wq, SENTRY_EV_IN, &r);
	int rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, t0 + 80000000);
	kwait_finish(&r);
	pthread_join(th, NULL);
	cr_expect_eq(rc, -ETIMEDOUT);
	cr_expect_geq(now(CLOCK_MONOTONIC) - t0, 80000000);

	l.events = SENTRY_EV_IN | SENTRY_EV_HUP;
	pthread_create(&th, NULL, fire, &l);
	kwait_prepare(t, wq, SENTRY_EV_IN, &r);
	rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, -1);
	kwait_finish(&r);
	pthread_join(th, NULL);
	cr_expect_eq(rc, 0);
	kwait_wq_free(wq);
	rm_task(t);
}

Test(wait, notify_before_sleep_is_not_lost)
{
	struct task *t = mk_task();
	struct sentry_waitq *wq = kwait_wq_new();
	struct kwait_reg r;
	kwait_prepare(t, wq, SENTRY_EV_IN, &r);
	kwait_wq_notify(wq, SENTRY_EV_IN);	/* between the check and the sleep */
	cr_expect_eq(kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, now(CLOCK_MONOTONIC) + 1000000000), 0);
	kwait_finish(&r);
	kwait_wq_free(wq);
	rm_task(t);
}

Test(wait, interrupt_ends_a_wait_until_cleared)
{
	struct task *t = mk_task();
	struct later l = { NULL, t, 0, 1, 20 };
	pthread_t th;
	pthread_create(&th, NULL, fire, &l);
	int rc, spurious = 0;
	/* The services' block wakes spuriously every slice; a caller loops, as here. */
	while ((rc = kwait_block(t, NULL, 0, SENTRY_CLOCK_MONOTONIC, -1)) == 0)
		spurious++;
	cr_expect_eq(rc, -EINTR);
	cr_expect_lt(spurious, 100);
	pthread_join(th, NULL);
	cr_expect_eq(kwait_block(t, NULL, 0, SENTRY_CLOCK_MONOTONIC, -1), -EINTR,
		     "a pending signal ends every wait");
	kwait_clear_interrupt(&t->wait);
	cr_expect_eq(kwait_block(t, NULL, 0, SENTRY_CLOCK_MONOTONIC, now(CLOCK_MONOTONIC) + 1000000),
		     -ETIMEDOUT);
	rm_task(t);
}

Test(wait, deadlines_and_bad_clock)
{
	struct task *t = mk_task();
	cr_expect_eq(kwait_block(t, NULL, 0, 7, -1), -EINVAL);
	int64_t t0 = now(CLOCK_REALTIME);
	cr_expect_eq(kwait_block(t, NULL, 0, SENTRY_CLOCK_REALTIME, t0 + 3000000), -ETIMEDOUT);
	cr_expect_geq(now(CLOCK_REALTIME) - t0, 3000000);
	cr_expect_eq(kwait_block(t, NULL, 0, SENTRY_CLOCK_MONOTONIC, 0), -ETIMEDOUT,
		     "a deadline in the past times out at once");
	/* No deadline: the services' block returns 0 after one slice, a spurious wakeup. */
	t0 = now(CLOCK_MONOTONIC);
	cr_expect_eq(kwait_block(t, NULL, 0, SENTRY_CLOCK_MONOTONIC, -1), 0);
	cr_expect_lt(now(CLOCK_MONOTONIC) - t0, 500000000);
	rm_task(t);
}

static atomic_int g_fired;
static void tick(void *arg)
{
	atomic_fetch_add(&g_fired, 1);
	*(int64_t *)arg = now(CLOCK_MONOTONIC);
}

Test(wait, timers)
{
	struct sentry_services svc;
	svc_init(&svc);
	int64_t when = 0, when2 = 0;
	struct sentry_timer *a = svc.timer_new(tick, &when), *b = svc.timer_new(tick, &when2);
	cr_assert(a && b);
	int64_t t0 = now(CLOCK_MONOTONIC);
	svc.timer_arm(a, t0 + 30000000);
	svc.timer_arm(a, t0 + 10000000);	/* re-arming replaces the deadline */
	svc.timer_arm(b, t0 + 20000000);
	svc.timer_cancel(b);
	usleep(60000);
	cr_expect_eq(atomic_load(&g_fired), 1, "one fire for a, none for the cancelled b");
	cr_expect_geq(when - t0, 10000000);
	cr_expect_lt(when - t0, 30000000);
	cr_expect_eq(when2, 0);
	svc.timer_free(a);
	svc.timer_free(b);
}

/* services.block_seq: a counter moved before the call returns at once; unchanged, it sleeps
 * until a notify (which a bump-then-notify writer sends) or the deadline. */
struct bumper {
	struct sentry_waitq *wq;
	uint32_t *seq;
};

static void *bump_then_notify(void *arg)
{
	struct bumper *b = arg;
	usleep(20000);
	__atomic_fetch_add(b->seq, 1, __ATOMIC_RELEASE);
	kwait_wq_notify(b->wq, SENTRY_EV_IN);
	return NULL;
}

Test(wait, block_seq_never_misses_a_counted_event)
{
	struct sentry_services svc = { 0 };
	kwait_fill_services(&svc);
	cr_assert_not_null(svc.block_seq);
	struct task *t = mk_task();
	struct sentry_waitq *wq = kwait_wq_new();
	uint32_t seq = 5;
	int64_t soon = now(CLOCK_MONOTONIC) + 2000000;
	cr_expect_eq(svc.block_seq((struct sentry_task *)t, wq, SENTRY_EV_IN, &seq, 4,
				   SENTRY_CLOCK_MONOTONIC, soon), 0, "a moved counter does not sleep");
	cr_expect_eq(svc.block_seq((struct sentry_task *)t, wq, SENTRY_EV_IN, &seq, 5,
				   SENTRY_CLOCK_MONOTONIC, soon), -ETIMEDOUT);
	struct bumper b = { wq, &seq };
	pthread_t th;
	pthread_create(&th, NULL, bump_then_notify, &b);
	int64_t t0 = now(CLOCK_MONOTONIC);
	cr_expect_eq(svc.block_seq((struct sentry_task *)t, wq, SENTRY_EV_IN, &seq, 5,
				   SENTRY_CLOCK_MONOTONIC, t0 + 5000000000ll), 0);
	cr_expect_lt(now(CLOCK_MONOTONIC) - t0, 2000000000ll, "woken by the notify");
	pthread_join(th, NULL);
	cr_expect_eq(svc.block_seq((struct sentry_task *)t, wq, SENTRY_EV_IN, &seq, 5, 9, -1),
		     -EINVAL);
	kwait_wq_free(wq);
	rm_task(t);
}
