/*
 * core/sys/sys_futex.c: futex(2): argument checks and decoding in Linux's order; the wait
 * queues are kernel/futex.c's. FUTEX_WAIT, WAKE, the BITSET forms, REQUEUE, CMP_REQUEUE,
 * WAKE_OP and the PI locks (LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI). The requeue-to-PI pair
 * (WAIT_REQUEUE_PI, CMP_REQUEUE_PI) is ENOSYS: glibc's condition variables stopped using it in
 * 2.25, and a program that asks learns it cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

#include "kernel/futex.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"

static int has_timeout(int cmd)
{
	return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
	       cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_LOCK_PI2;
}

static int64_t mono_ns(void)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

/* FUTEX_WAIT's timeout is relative (on the monotonic clock); FUTEX_WAIT_BITSET's absolute on
 * the clock chosen. Far deadlines saturate. */
static void deadline_of(const struct timespec *ts, int cmd, int realtime, int *clock,
			int64_t *deadline)
{
	*clock = realtime ? SENTRY_CLOCK_REALTIME : SENTRY_CLOCK_MONOTONIC;
	*deadline = -1;
	if (!ts)
		return;
	int64_t d = ts->tv_sec > INT64_MAX / 1000000000 - 1 ? INT64_MAX
							       : ts->tv_sec * 1000000000 + ts->tv_nsec;
	if (cmd == FUTEX_WAIT) {
		*clock = SENTRY_CLOCK_MONOTONIC;
		int64_t now = mono_ns();
		d = d > INT64_MAX - now ? INT64_MAX : now + d;
	}
	*deadline = d == INT64_MAX ? -1 : d;
}

int64_t sys_futex(struct task *t, const uint64_t a[6])
{
	int op = (int)a[1];
	int cmd = op & FUTEX_CMD_MASK;
	int realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
	int private = (op & FUTEX_PRIVATE_FLAG) != 0;
	struct timespec ts;
	int timed = a[3] && has_timeout(cmd);
	if (timed) {
		if (mm_copy_in(t->mm, a[3], &ts, sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec > 999999999)
			return -EINVAL;
	}
	/* FUTEX_WAIT took FUTEX_CLOCK_REALTIME from Linux 4.5 until 5.13 reverted it (futex(2) still
	 * lists it): now only the absolute forms do. */
	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI &&
	    cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	/* The "timeout" argument of the requeue and wake-op forms is a count. */
	int val2 = (int)(uint32_t)a[3];
	int clock;
	int64_t deadline;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_ANY : (uint32_t)a[5];
		if (!bitset)
			return -EINVAL;
		deadline_of(timed ? &ts : NULL, cmd, realtime, &clock, &deadline);
		return futex_wait(t, a[0], (uint32_t)a[2], bitset, private, clock, deadline);
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_ANY : (uint32_t)a[5];
		if (!bitset)
			return -EINVAL;
		return futex_wake(t, a[0], (int)a[2] < 0 ? 0 : (int)a[2], bitset, private);
	}
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t, a[0], (int)a[2], val2, a[4], cmd == FUTEX_CMP_REQUEUE,
				     (uint32_t)a[5], private);
	case FUTEX_WAKE_OP:
		return futex_wake_op(t, a[0], (int)a[2], a[4], val2, (uint32_t)a[5], private);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		/* Both deadlines are absolute: LOCK_PI's always on CLOCK_REALTIME, LOCK_PI2's on
		 * CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME. */
		deadline_of(timed ? &ts : NULL, cmd, cmd == FUTEX_LOCK_PI || realtime, &clock,
			    &deadline);
		return futex_lock_pi(t, a[0], private, 0, clock, deadline);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(t, a[0], private, 1, SENTRY_CLOCK_MONOTONIC, -1);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(t, a[0], private);
	default:
		return -ENOSYS;
	}
}
