/*
 * core/sys/sys_futex.c: futex(2) for a process with one thread: FUTEX_WAIT, FUTEX_WAIT_BITSET,
 * FUTEX_WAKE, FUTEX_WAKE_BITSET (private or not).
 *
 * With a single thread nobody can wake a waiter, so a wait whose value matches sleeps until its
 * timeout (or for good, as Linux would), and a wake finds no one. TODO(#7): a futex table keyed
 * by (mm, address) or memory-file offset for shared futexes, once tasks share memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <time.h>
#include <unistd.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"

static int has_timeout(int cmd)
{
	return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
	       cmd == FUTEX_WAIT_REQUEUE_PI || cmd == FUTEX_LOCK_PI2;
}

static int64_t futex_wait(struct task *t, uint64_t uaddr, uint32_t val, const struct timespec *ts,
			  int cmd, int realtime, uint32_t bitset)
{
	if (!bitset)
		return -EINVAL;
	if (uaddr & 3)
		return -EINVAL;
	uint32_t cur;
	if (mm_copy_in(t->mm, uaddr, &cur, sizeof(cur)) < 0)
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	if (!ts) /* no other thread exists to wake us: only a signal ends it */
		return kwait_until(t, SENTRY_CLOCK_MONOTONIC, -1);
	/* FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's absolute on the chosen clock. */
	int rc = cmd == FUTEX_WAIT ? sys_sleep_for(t, ts)
				   : sys_sleep_until(t, realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, ts);
	return rc < 0 ? rc : -ETIMEDOUT;
}

int64_t sys_futex(struct task *t, const uint64_t a[6])
{
	int op = (int)a[1];
	int cmd = op & FUTEX_CMD_MASK;
	int realtime = (op & FUTEX_CLOCK_REALTIME) != 0;
	struct timespec ts;
	int timed = a[3] && has_timeout(cmd);
	if (timed) {
		if (mm_copy_in(t->mm, a[3], &ts, sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec > 999999999)
			return -EINVAL;
	}
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		return futex_wait(t, a[0], (uint32_t)a[2], timed ? &ts : NULL, cmd, realtime,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : (uint32_t)a[5]);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		if (cmd == FUTEX_WAKE_BITSET && !(uint32_t)a[5])
			return -EINVAL;
		return (a[0] & 3) ? -EINVAL : 0;
	default:
		return -ENOSYS;
	}
}
