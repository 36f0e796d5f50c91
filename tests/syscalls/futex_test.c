/*
 * futex(2), raw: the argument errors (a mismatched value, a misaligned or bad address, bad
 * timeouts, a zero bitset, unknown operations), timeouts relative and absolute on either clock,
 * FUTEX_WAKE's count, FUTEX_WAKE_BITSET picking waiters by bitset, FUTEX_REQUEUE and
 * FUTEX_CMP_REQUEUE moving waiters to a second word, FUTEX_WAKE_OP's operations and
 * comparisons, a signal ending a wait, keys (the private and the shared form never meet), and a
 * futex in a shared file mapping (a file under /tmp) between a parent and a forked child.
 *
 * Waiters are threads (or a child process) that each make one FUTEX_WAIT and record what it
 * returned; only the main thread prints. To know that its waiters are asleep before it wakes
 * them, the main thread counts them with a FUTEX_REQUEUE of a word onto itself, waking none:
 * it returns the number of waiters and changes nothing. It polls that count (1 ms apart,
 * bounded) until they are all in, so no verdict depends on timing; times are only checked to
 * be "at least". alarm(20) (alarm(10) in the child) ends anything that would hang.
 *
 * The priority-inheritance locks and robust lists are futex_pi_test.c's. Left out because the
 * Sentry differs:
 *  - a futex in MAP_SHARED|MAP_ANONYMOUS memory between a parent and its child: the Sentry
 *    copies such memory at fork (core/mm/mm.h), so the two do not share the word at all. The
 *    file mapping's cases stand for shared memory between processes.
 */
#include "expect.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)8)
#define MAX_WAITERS 8

static long fx(void *uaddr, int op, uint32_t val, const struct timespec *ts, void *uaddr2,
	       uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

/* The requeue and wake-op forms take a count where the others take a timeout. */
static long fx2(void *uaddr, int op, uint32_t val, long val2, void *uaddr2, uint32_t val3)
{
	return syscall(SYS_futex, uaddr, op, val, val2, uaddr2, val3);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec ns_to_ts(int64_t ns)
{
	return (struct timespec){ ns / 1000000000, ns % 1000000000 };
}

/* The waiters on @word (shared or private as @op_flags says): a requeue onto itself that wakes
 * none. */
static long count_waiters(uint32_t *word, int op_flags)
{
	return fx2(word, FUTEX_REQUEUE | op_flags, 0, INT_MAX, word, 0);
}

/* Polls until @n waiters sleep on @word, for at most 5 s; the count last seen. */
static long await_waiters(uint32_t *word, int op_flags, long n)
{
	long c = -1;
	for (int i = 0; i < 5000; i++) {
		c = count_waiters(word, op_flags);
		if (c >= n || c < 0)
			break;
		sleep_ms(1);
	}
	return c;
}

/* ---- waiter threads ---- */

struct waiter {
	pthread_t th;
	uint32_t *word;
	int op;
	uint32_t val, bitset;
	const struct timespec *timeout;
	long rc;
	int err;
	int started;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	w->rc = fx(w->word, w->op, w->val, w->timeout, NULL, w->bitset);
	w->err = errno;
	return NULL;
}

/* Starts a thread making one wait of @op on @word for @val (@bitset for the BITSET form), with
 * @timeout (NULL: none). */
static void start_timed_waiter(struct waiter *w, uint32_t *word, int op, uint32_t val,
			       uint32_t bitset, const struct timespec *timeout)
{
	*w = (struct waiter){ .word = word, .op = op, .val = val, .bitset = bitset,
			      .timeout = timeout };
	w->started = pthread_create(&w->th, NULL, waiter_main, w) == 0;
}

static void start_waiter(struct waiter *w, uint32_t *word, int op, uint32_t val, uint32_t bitset)
{
	start_timed_waiter(w, word, op, val, bitset, NULL);
}

/* Joins @n waiters; how many returned 0 (woken). */
static int join_woken(struct waiter *w, int n)
{
	int woken = 0;
	for (int i = 0; i < n; i++) {
		if (!w[i].started)
			continue;
		pthread_join(w[i].th, NULL);
		w[i].started = 0;
		woken += w[i].rc == 0;
	}
	return woken;
}

/* Prints a waiter's result as expect_errno or expect_ok would. */
static void expect_waiter(const char *what, const struct waiter *w, int want)
{
	errno = w->err;
	if (want)
		expect_errno(what, w->rc, want);
	else
		expect_ok(what, w->rc);
}

/* ---- errors and timeouts, with no waiters ---- */

static uint32_t g_word, g_word2;

static void test_errors(void)
{
	struct timespec ts10ms = { 0, 10000000 };
	g_word = 1;
	expect_errno("FUTEX_WAIT_PRIVATE, value differs", fx(&g_word, FUTEX_WAIT_PRIVATE, 0, NULL,
							  NULL, 0), EAGAIN);
	expect_errno("FUTEX_WAIT (shared), value differs", fx(&g_word, FUTEX_WAIT, 0, NULL, NULL, 0),
		     EAGAIN);
	expect_errno("FUTEX_WAIT, misaligned address", fx((char *)&g_word + 1, FUTEX_WAIT_PRIVATE, 1,
							   &ts10ms, NULL, 0), EINVAL);
	expect_errno("FUTEX_WAKE, misaligned address", fx((char *)&g_word + 2, FUTEX_WAKE_PRIVATE, 1,
							   NULL, NULL, 0), EINVAL);
	expect_errno("FUTEX_WAIT, misaligned bad address", fx((char *)BAD_PTR + 1, FUTEX_WAIT, 0,
							       NULL, NULL, 0), EINVAL);
	expect_errno("FUTEX_WAIT, bad address", fx(BAD_PTR, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0),
		     EFAULT);
	expect_errno("FUTEX_WAKE (shared), bad address", fx(BAD_PTR, FUTEX_WAKE, 1, NULL, NULL, 0),
		     EFAULT);
	expect_eq("FUTEX_WAKE_PRIVATE, bad address", fx(BAD_PTR, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0),
		  0);
	expect_eq("FUTEX_REQUEUE_PRIVATE, bad addresses",
		  fx2(BAD_PTR, FUTEX_REQUEUE_PRIVATE, 1, 1, (char *)BAD_PTR + 4, 0), 0);
	expect_errno("FUTEX_WAIT, bad timeout pointer", fx(&g_word, FUTEX_WAIT_PRIVATE, 1, BAD_PTR,
							   NULL, 0), EFAULT);

	/* A page that is not readable, and one that is not writable. */
	uint32_t *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (none != MAP_FAILED)
		expect_errno("FUTEX_WAIT on a PROT_NONE page", fx(none, FUTEX_WAIT_PRIVATE, 0, NULL,
								  NULL, 0), EFAULT);
	if (ro != MAP_FAILED) {
		expect_errno("FUTEX_WAIT on a read-only page, value differs",
			     fx(ro, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0), EAGAIN);
		expect_errno("FUTEX_WAIT on a read-only page, 10 ms",
			     fx(ro, FUTEX_WAIT_PRIVATE, 0, &ts10ms, NULL, 0), ETIMEDOUT);
		expect_errno("FUTEX_WAKE_OP writing a read-only page",
			     fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, ro,
				 FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)), EFAULT);
	}
	munmap(none, 4096);
	munmap(ro, 4096);

	/* Timeouts: checked before the value, whatever it holds. */
	struct timespec bad[] = { { -1, 0 }, { 0, -1 }, { 0, 1000000000 } };
	const char *bad_what[] = { "tv_sec -1", "tv_nsec -1", "tv_nsec 1e9" };
	char line[128];
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof(line), "FUTEX_WAIT, timeout %s", bad_what[i]);
		expect_errno(line, fx(&g_word, FUTEX_WAIT_PRIVATE, 1, &bad[i], NULL, 0), EINVAL);
		snprintf(line, sizeof(line), "FUTEX_WAIT, timeout %s, value differs", bad_what[i]);
		expect_errno(line, fx(&g_word, FUTEX_WAIT_PRIVATE, 0, &bad[i], NULL, 0), EINVAL);
		snprintf(line, sizeof(line), "FUTEX_WAIT_BITSET, deadline %s", bad_what[i]);
		expect_errno(line, fx(&g_word, FUTEX_WAIT_BITSET_PRIVATE, 1, &bad[i], NULL,
				      FUTEX_BITSET_MATCH_ANY), EINVAL);
	}

	expect_errno("FUTEX_WAIT_BITSET, bitset 0", fx(&g_word, FUTEX_WAIT_BITSET_PRIVATE, 1,
						       &ts10ms, NULL, 0), EINVAL);
	expect_errno("FUTEX_WAKE_BITSET, bitset 0", fx(&g_word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL,
						       NULL, 0), EINVAL);
	expect_errno("unknown operation 99", fx(&g_word, 99, 0, NULL, NULL, 0), ENOSYS);
	expect_errno("unknown operation 99 | FUTEX_PRIVATE_FLAG",
		     fx(&g_word, 99 | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), ENOSYS);
	expect_errno("FUTEX_WAKE | FUTEX_CLOCK_REALTIME",
		     fx(&g_word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS);
	expect_errno("FUTEX_REQUEUE | FUTEX_CLOCK_REALTIME",
		     fx2(&g_word, FUTEX_REQUEUE | FUTEX_CLOCK_REALTIME, 1, 1, &g_word2, 0), ENOSYS);

	expect_eq("FUTEX_WAKE, no waiters", fx(&g_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0),
		  0);
	expect_eq("FUTEX_WAKE (shared), no waiters", fx(&g_word, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	expect_errno("FUTEX_REQUEUE, nr_wake -1", fx2(&g_word, FUTEX_REQUEUE_PRIVATE, (uint32_t)-1,
						      1, &g_word2, 0), EINVAL);
	expect_errno("FUTEX_REQUEUE, nr_requeue -1", fx2(&g_word, FUTEX_REQUEUE_PRIVATE, 1, -1,
							 &g_word2, 0), EINVAL);
	expect_errno("FUTEX_CMP_REQUEUE, value differs", fx2(&g_word, FUTEX_CMP_REQUEUE_PRIVATE, 1,
							     1, &g_word2, 0), EAGAIN);
	expect_eq("FUTEX_CMP_REQUEUE, value matches, no waiters",
		  fx2(&g_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &g_word2, 1), 0);
	expect_errno("FUTEX_CMP_REQUEUE (shared), bad second address",
		     fx2(&g_word, FUTEX_CMP_REQUEUE, 1, 1, BAD_PTR, 1), EFAULT);
	expect_errno("FUTEX_WAKE_OP, bad second address",
		     fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, BAD_PTR,
			 FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)), EFAULT);
}

static void test_timeouts(void)
{
	g_word = 0;
	struct timespec rel = { 0, 20000000 }, zero = { 0, 0 };
	int64_t start = now_ns(CLOCK_MONOTONIC);
	expect_errno("FUTEX_WAIT, 20 ms", fx(&g_word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0),
		     ETIMEDOUT);
	expect_true("FUTEX_WAIT, 20 ms: at least 20 ms passed",
		    now_ns(CLOCK_MONOTONIC) - start >= 20000000);
	expect_errno("FUTEX_WAIT, timeout 0", fx(&g_word, FUTEX_WAIT_PRIVATE, 0, &zero, NULL, 0),
		     ETIMEDOUT);
	expect_errno("FUTEX_WAIT (shared), 20 ms", fx(&g_word, FUTEX_WAIT, 0, &rel, NULL, 0),
		     ETIMEDOUT);
	/* futex(2) says FUTEX_WAIT takes FUTEX_CLOCK_REALTIME since Linux 4.5, but that was
	 * reverted in 5.13 (and the stable kernels): only the absolute forms take it. */
	expect_errno("FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 20 ms",
		     fx(&g_word, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &rel, NULL, 0),
		     ENOSYS);

	/* FUTEX_WAIT_BITSET's deadlines are absolute: not before them on their clock. */
	int64_t dl = now_ns(CLOCK_MONOTONIC) + 20000000;
	struct timespec ts = ns_to_ts(dl);
	expect_errno("FUTEX_WAIT_BITSET, monotonic deadline in 20 ms",
		     fx(&g_word, FUTEX_WAIT_BITSET_PRIVATE, 0, &ts, NULL, FUTEX_BITSET_MATCH_ANY),
		     ETIMEDOUT);
	expect_true("FUTEX_WAIT_BITSET, monotonic: not before the deadline",
		    now_ns(CLOCK_MONOTONIC) >= dl);
	dl = now_ns(CLOCK_REALTIME) + 20000000;
	ts = ns_to_ts(dl);
	expect_errno("FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, deadline in 20 ms",
		     fx(&g_word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &ts, NULL,
			FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
	expect_true("FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME: not before the deadline",
		    now_ns(CLOCK_REALTIME) >= dl);
	struct timespec past = { 1, 0 };
	expect_errno("FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, deadline in 1970",
		     fx(&g_word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &past, NULL,
			FUTEX_BITSET_MATCH_ANY), ETIMEDOUT);
	expect_errno("FUTEX_WAIT_BITSET, monotonic deadline 0",
		     fx(&g_word, FUTEX_WAIT_BITSET_PRIVATE, 0, &zero, NULL, FUTEX_BITSET_MATCH_ANY),
		     ETIMEDOUT);
}

/* ---- FUTEX_WAKE and FUTEX_WAKE_BITSET ---- */

static void test_wake_count(void)
{
	struct waiter w[4];
	g_word = 0;
	for (int i = 0; i < 4; i++)
		start_waiter(&w[i], &g_word, FUTEX_WAIT_PRIVATE, 0, 0);
	expect_eq("4 waiters asleep", await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 4), 4);
	expect_eq("FUTEX_WAKE 1 of 4", fx(&g_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	expect_eq("FUTEX_WAKE 2 of 3", fx(&g_word, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0), 2);
	expect_eq("waiters left", count_waiters(&g_word, FUTEX_PRIVATE_FLAG), 1);
	expect_eq("FUTEX_WAKE INT_MAX of 1", fx(&g_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0),
		  1);
	expect_eq("FUTEX_WAKE: each waiter's FUTEX_WAIT returned 0", join_woken(w, 4), 4);

	/* Linux wakes one waiter for a count of 0 or below: its loop counts after waking. */
	for (int i = 0; i < 3; i++)
		start_waiter(&w[i], &g_word, FUTEX_WAIT_PRIVATE, 0, 0);
	expect_eq("3 waiters asleep", await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 3), 3);
	expect_eq("FUTEX_WAKE with count 0", fx(&g_word, FUTEX_WAKE_PRIVATE, 0, NULL, NULL, 0), 1);
	expect_eq("FUTEX_WAKE with count -1", fx(&g_word, FUTEX_WAKE_PRIVATE, (uint32_t)-1, NULL,
						 NULL, 0), 1);
	expect_eq("FUTEX_WAKE with count 1, the last", fx(&g_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL,
							  0), 1);
	expect_eq("FUTEX_WAKE count 0: each waiter's FUTEX_WAIT returned 0", join_woken(w, 3), 3);

	/* A waiter with a timeout, woken long before it. */
	struct timespec long_ts = { 10, 0 };
	start_timed_waiter(&w[0], &g_word, FUTEX_WAIT_PRIVATE, 0, 0, &long_ts);
	expect_eq("a waiter with a 10 s timeout asleep",
		  await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 1), 1);
	expect_eq("FUTEX_WAKE of it", fx(&g_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	join_woken(w, 1);
	expect_waiter("its FUTEX_WAIT", &w[0], 0);

	/* The shared form works on private memory too, but its key is not the private form's:
	 * the two never meet, on any memory. */
	start_waiter(&w[0], &g_word, FUTEX_WAIT, 0, 0);
	expect_eq("a shared-form waiter on private memory asleep",
		  await_waiters(&g_word, 0, 1), 1);
	expect_eq("private memory: FUTEX_WAKE_PRIVATE of a shared-form wait",
		  fx(&g_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
	expect_eq("FUTEX_WAKE (shared) of it", fx(&g_word, FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	join_woken(w, 1);
	expect_waiter("its FUTEX_WAIT", &w[0], 0);
	start_waiter(&w[0], &g_word, FUTEX_WAIT_PRIVATE, 0, 0);
	expect_eq("a private-form waiter asleep", await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 1), 1);
	expect_eq("private memory: FUTEX_WAKE (shared) of a private-form wait",
		  fx(&g_word, FUTEX_WAKE, 1, NULL, NULL, 0), 0);
	expect_eq("FUTEX_WAKE_PRIVATE of it", fx(&g_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	join_woken(w, 1);
	expect_waiter("its FUTEX_WAIT", &w[0], 0);
}

static void test_wake_bitset(void)
{
	struct waiter w[4];
	g_word = 0;
	start_waiter(&w[0], &g_word, FUTEX_WAIT_BITSET_PRIVATE, 0, 1);
	start_waiter(&w[1], &g_word, FUTEX_WAIT_BITSET_PRIVATE, 0, 2);
	start_waiter(&w[2], &g_word, FUTEX_WAIT_BITSET_PRIVATE, 0, 3);
	start_waiter(&w[3], &g_word, FUTEX_WAIT_PRIVATE, 0, 0);	/* every bit */
	expect_eq("waiters with bitsets 1, 2, 3 and FUTEX_WAIT's asleep",
		  await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 4), 4);
	expect_eq("FUTEX_WAKE_BITSET 4, only FUTEX_WAIT's has it",
		  fx(&g_word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 4), 1);
	join_woken(&w[3], 1);
	expect_waiter("FUTEX_WAIT's waiter woken", &w[3], 0);
	expect_eq("FUTEX_WAKE_BITSET 2 (bitsets 2 and 3 match)",
		  fx(&g_word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 2), 2);
	int ok = join_woken(&w[1], 2);
	expect_eq("the waiters with bitsets 2 and 3 returned 0", ok, 2);
	expect_eq("the waiter with bitset 1 still asleep",
		  count_waiters(&g_word, FUTEX_PRIVATE_FLAG), 1);
	expect_eq("FUTEX_WAKE_BITSET 6, no match", fx(&g_word, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX,
						      NULL, NULL, 6), 0);
	expect_eq("FUTEX_WAKE (every bit) wakes it", fx(&g_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL,
							 NULL, 0), 1);
	join_woken(w, 1);
	expect_waiter("the waiter with bitset 1", &w[0], 0);
}

/* ---- FUTEX_REQUEUE and FUTEX_CMP_REQUEUE ---- */

static void test_requeue(void)
{
	struct waiter w[4];
	g_word = 0;
	g_word2 = 0;
	for (int i = 0; i < 4; i++)
		start_waiter(&w[i], &g_word, FUTEX_WAIT_PRIVATE, 0, 0);
	expect_eq("4 waiters asleep on the first word", await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 4),
		  4);
	expect_eq("FUTEX_REQUEUE wake 1, requeue 2: woken + requeued",
		  fx2(&g_word, FUTEX_REQUEUE_PRIVATE, 1, 2, &g_word2, 0), 3);
	expect_eq("waiters left on the first word", count_waiters(&g_word, FUTEX_PRIVATE_FLAG), 1);
	expect_eq("waiters on the second word", count_waiters(&g_word2, FUTEX_PRIVATE_FLAG), 2);
	expect_eq("FUTEX_WAKE of the second word", fx(&g_word2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL,
						      NULL, 0), 2);
	expect_eq("FUTEX_WAKE of the first word", fx(&g_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL,
						     NULL, 0), 1);
	expect_eq("FUTEX_REQUEUE: each waiter's FUTEX_WAIT returned 0", join_woken(w, 4), 4);

	for (int i = 0; i < 3; i++)
		start_waiter(&w[i], &g_word, FUTEX_WAIT_PRIVATE, 0, 0);
	expect_eq("3 waiters asleep on the first word", await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 3),
		  3);
	expect_errno("FUTEX_CMP_REQUEUE, value differs",
		     fx2(&g_word, FUTEX_CMP_REQUEUE_PRIVATE, 1, INT_MAX, &g_word2, 1), EAGAIN);
	expect_eq("FUTEX_CMP_REQUEUE that failed moved none",
		  count_waiters(&g_word, FUTEX_PRIVATE_FLAG), 3);
	expect_eq("FUTEX_CMP_REQUEUE wake 0, requeue all: requeued",
		  fx2(&g_word, FUTEX_CMP_REQUEUE_PRIVATE, 0, INT_MAX, &g_word2, 0), 3);
	expect_eq("FUTEX_WAKE of the first word after", fx(&g_word, FUTEX_WAKE_PRIVATE, INT_MAX,
							   NULL, NULL, 0), 0);
	expect_eq("FUTEX_CMP_REQUEUE back, wake 1, requeue 1",
		  fx2(&g_word2, FUTEX_CMP_REQUEUE_PRIVATE, 1, 1, &g_word, 0), 2);
	expect_eq("waiters on the first word", count_waiters(&g_word, FUTEX_PRIVATE_FLAG), 1);
	expect_eq("waiters on the second word", count_waiters(&g_word2, FUTEX_PRIVATE_FLAG), 1);
	fx(&g_word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	fx(&g_word2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	expect_eq("FUTEX_CMP_REQUEUE: each waiter's FUTEX_WAIT returned 0", join_woken(w, 3), 3);
}

/* ---- FUTEX_WAKE_OP ---- */

/* One FUTEX_WAKE_OP with no waiters on a second word holding @old: the word after it. */
static void op_case(const char *what, uint32_t old, uint32_t op, uint32_t want)
{
	char line[128];
	g_word2 = old;
	long rc = fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &g_word2, op);
	snprintf(line, sizeof(line), "FUTEX_WAKE_OP %s, no waiters", what);
	expect_eq(line, rc, 0);
	snprintf(line, sizeof(line), "FUTEX_WAKE_OP %s: the word after", what);
	expect_eq(line, (int32_t)g_word2, (int32_t)want);
}

/* A FUTEX_WAKE_OP whose comparison of the old value @old is @want (1 true): with a waiter on
 * the second word, it returns whether it woke it. */
static void cmp_case(const char *what, struct waiter *w, int32_t old, int cmp, int cmparg,
		     int want)
{
	char line[128];
	if (!w->started)
		start_waiter(w, &g_word2, FUTEX_WAIT_PRIVATE, g_word2, 0);
	long n = await_waiters(&g_word2, FUTEX_PRIVATE_FLAG, 1);
	g_word2 = (uint32_t)old;
	long rc = fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &g_word2,
		      FUTEX_OP(FUTEX_OP_ADD, 0, cmp, cmparg));
	snprintf(line, sizeof(line), "FUTEX_WAKE_OP %s: woken", what);
	expect_eq(line, n == 1 ? rc : -2, want);
	if (rc == 1)
		join_woken(w, 1);
}

static void test_wake_op(void)
{
	g_word = 0;
	op_case("SET 5", 1, FUTEX_OP(FUTEX_OP_SET, 5, FUTEX_OP_CMP_EQ, 0), 5);
	op_case("ADD 3", 1, FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_EQ, 0), 4);
	op_case("OR 6", 1, FUTEX_OP(FUTEX_OP_OR, 6, FUTEX_OP_CMP_EQ, 0), 7);
	op_case("ANDN 1", 3, FUTEX_OP(FUTEX_OP_ANDN, 1, FUTEX_OP_CMP_EQ, 0), 2);
	op_case("XOR 5", 6, FUTEX_OP(FUTEX_OP_XOR, 5, FUTEX_OP_CMP_EQ, 0), 3);
	/* The 12-bit argument is signed. */
	op_case("SET 0xfff (-1)", 1, FUTEX_OP(FUTEX_OP_SET, 0xfff, FUTEX_OP_CMP_EQ, 0), 0xffffffff);
	op_case("ADD 0xffe (-2)", 5, FUTEX_OP(FUTEX_OP_ADD, 0xffe, FUTEX_OP_CMP_EQ, 0), 3);
	/* FUTEX_OP_OPARG_SHIFT: the argument is a bit number. */
	op_case("ADD 1<<4", 1, FUTEX_OP((FUTEX_OP_ADD | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 0),
		17);
	op_case("OR 1<<31", 1, FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 31, FUTEX_OP_CMP_EQ, 0),
		0x80000001);
	op_case("OR 1<<40 (Linux shifts by 40 & 31)", 0,
		FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 40, FUTEX_OP_CMP_EQ, 0), 256);
	g_word2 = 7;
	expect_errno("FUTEX_WAKE_OP unknown operation 5",
		     fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &g_word2,
			 FUTEX_OP(5, 1, FUTEX_OP_CMP_EQ, 0)), ENOSYS);
	expect_eq("FUTEX_WAKE_OP unknown operation: the word unchanged", g_word2, 7);
	/* Linux applies the operation before it looks at the comparison. */
	expect_errno("FUTEX_WAKE_OP unknown comparison 6",
		     fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &g_word2,
			 FUTEX_OP(FUTEX_OP_SET, 9, 6, 0)), ENOSYS);
	expect_eq("FUTEX_WAKE_OP unknown comparison: the operation applied", g_word2, 9);

	struct waiter w = { 0 };
	g_word2 = 0;
	cmp_case("EQ 5 of 5", &w, 5, FUTEX_OP_CMP_EQ, 5, 1);
	cmp_case("EQ 4 of 5", &w, 5, FUTEX_OP_CMP_EQ, 4, 0);
	cmp_case("NE 4 of 5", &w, 5, FUTEX_OP_CMP_NE, 4, 1);
	cmp_case("NE 5 of 5", &w, 5, FUTEX_OP_CMP_NE, 5, 0);
	cmp_case("LT 6 of 5", &w, 5, FUTEX_OP_CMP_LT, 6, 1);
	cmp_case("LT 5 of 5", &w, 5, FUTEX_OP_CMP_LT, 5, 0);
	cmp_case("LE 5 of 5", &w, 5, FUTEX_OP_CMP_LE, 5, 1);
	cmp_case("LE 4 of 5", &w, 5, FUTEX_OP_CMP_LE, 4, 0);
	cmp_case("GT 4 of 5", &w, 5, FUTEX_OP_CMP_GT, 4, 1);
	cmp_case("GT 5 of 5", &w, 5, FUTEX_OP_CMP_GT, 5, 0);
	cmp_case("GE 5 of 5", &w, 5, FUTEX_OP_CMP_GE, 5, 1);
	cmp_case("GE 6 of 5", &w, 5, FUTEX_OP_CMP_GE, 6, 0);
	/* Signed: the old value -2, the 12-bit argument 0xfff is -1. */
	cmp_case("LT 0 of -2 (signed)", &w, -2, FUTEX_OP_CMP_LT, 0, 1);
	cmp_case("LT 0xfff (-1) of -2", &w, -2, FUTEX_OP_CMP_LT, 0xfff, 1);
	cmp_case("GT 0xfff (-1) of -2", &w, -2, FUTEX_OP_CMP_GT, 0xfff, 0);
	if (w.started) {
		fx(&g_word2, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
		join_woken(&w, 1);
	}

	/* Waiters on both words: the first word's are woken whatever the comparison. Counts of 0
	 * wake one, as FUTEX_WAKE's do. */
	struct waiter ws[6];
	g_word = 0;
	g_word2 = 0;
	for (int i = 0; i < 3; i++) {
		start_waiter(&ws[i], &g_word, FUTEX_WAIT_PRIVATE, 0, 0);
		start_waiter(&ws[3 + i], &g_word2, FUTEX_WAIT_PRIVATE, 0, 0);
	}
	long a = await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 3);
	long b = await_waiters(&g_word2, FUTEX_PRIVATE_FLAG, 3);
	expect_true("3 waiters asleep on each word", a == 3 && b == 3);
	expect_eq("FUTEX_WAKE_OP 1 and 1, comparison true",
		  fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, 1, 1, &g_word2,
		      FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0)), 2);
	expect_eq("FUTEX_WAKE_OP 0 and 0, comparison true",
		  fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, 0, 0, &g_word2,
		      FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)), 2);
	expect_eq("FUTEX_WAKE_OP all and all, comparison false",
		  fx2(&g_word, FUTEX_WAKE_OP_PRIVATE, INT_MAX, INT_MAX, &g_word2,
		      FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)), 1);
	expect_eq("the second word's last waiter still asleep",
		  count_waiters(&g_word2, FUTEX_PRIVATE_FLAG), 1);
	expect_eq("FUTEX_WAKE of it", fx(&g_word2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 1);
	expect_eq("FUTEX_WAKE_OP: each waiter's FUTEX_WAIT returned 0", join_woken(ws, 6), 6);
}

/* ---- a signal ends a wait ---- */

static volatile sig_atomic_t g_hits;

static void on_usr1(int sig)
{
	(void)sig;
	g_hits++;
}

static void test_interrupt(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	struct waiter w;
	struct timespec long_ts = { 10, 0 };
	g_word = 0;
	start_waiter(&w, &g_word, FUTEX_WAIT_PRIVATE, 0, 0);
	expect_eq("a waiter asleep", await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 1), 1);
	pthread_kill(w.th, SIGUSR1);
	join_woken(&w, 1);
	expect_waiter("FUTEX_WAIT, a handled signal", &w, EINTR);
	expect_eq("the handler ran", g_hits, 1);

	struct timespec dl = ns_to_ts(now_ns(CLOCK_MONOTONIC) + 10000000000ll);
	start_timed_waiter(&w, &g_word, FUTEX_WAIT_BITSET_PRIVATE, 0, FUTEX_BITSET_MATCH_ANY, &dl);
	expect_eq("a waiter with a deadline asleep", await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 1),
		  1);
	pthread_kill(w.th, SIGUSR1);
	join_woken(&w, 1);
	expect_waiter("FUTEX_WAIT_BITSET with a deadline, a handled signal", &w, EINTR);

	start_timed_waiter(&w, &g_word, FUTEX_WAIT_PRIVATE, 0, 0, &long_ts);
	expect_eq("a waiter with a timeout asleep", await_waiters(&g_word, FUTEX_PRIVATE_FLAG, 1), 1);
	pthread_kill(w.th, SIGUSR1);
	join_woken(&w, 1);
	expect_waiter("FUTEX_WAIT with a timeout, a handled signal", &w, EINTR);
	expect_eq("the handler ran each time", g_hits, 3);
	signal(SIGUSR1, SIG_DFL);
}

/* ---- shared memory between processes ---- */

static int reap(pid_t c)
{
	int st;
	pid_t r;
	while ((r = waitpid(c, &st, 0)) == -1 && errno == EINTR)
		;
	return r == c ? st : -1;
}

static int exit_code(int st)
{
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A child that waits on @word (shared form, 5 s at most) while it is 0: exits 0 when woken
 * with the word changed, else with the errno (or 100 for a wake with the word unchanged). */
static pid_t start_shared_waiter(uint32_t *word)
{
	fflush(stdout);
	pid_t c = fork();
	if (c != 0)
		return c;
	alarm(10);
	struct timespec ts = { 5, 0 };
	long rc = fx(word, FUTEX_WAIT, 0, &ts, NULL, 0);
	if (rc == -1)
		_exit(errno);
	_exit(__atomic_load_n(word, __ATOMIC_ACQUIRE) == 1 ? 0 : 100);
}

/* A child waits on @wait_at; this process wakes through @wake_at (the same memory). */
static void shared_case(const char *what, uint32_t *wait_at, uint32_t *wake_at)
{
	char line[160];
	*wait_at = 0;
	pid_t c = start_shared_waiter(wait_at);
	if (c < 0) {
		expect_ok("fork", -1);
		return;
	}
	snprintf(line, sizeof(line), "%s: the child asleep", what);
	expect_eq(line, await_waiters(wake_at, 0, 1), 1);
	__atomic_store_n(wake_at, 1, __ATOMIC_RELEASE);
	snprintf(line, sizeof(line), "%s: FUTEX_WAKE", what);
	expect_eq(line, fx(wake_at, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1);
	snprintf(line, sizeof(line), "%s: the child's FUTEX_WAIT returned 0", what);
	int code = exit_code(reap(c));
	printf("%s: %s", line, code == 0 ? "ok" : code > 0 && code < 100 ? strerrorname_np(code)
							: "(no)");
	if (code != 0)
		expect_miss("ok");
	else
		putchar('\n');
}

static void test_shared(void)
{
	char path[] = "/tmp/futex_test-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 8192) < 0) {
		expect_ok("a file under /tmp", -1);
		return;
	}
	unlink(path);
	uint32_t *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	uint32_t *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	if (a == MAP_FAILED || b == MAP_FAILED) {
		expect_ok("mmap MAP_SHARED of the file", -1);
		return;
	}
	shared_case("MAP_SHARED file, same address", &a[16], &a[16]);
	/* The second mapping starts at the file's second page: the same word at another
	 * address. */
	shared_case("MAP_SHARED file, another mapping of the word", &a[1024 + 8], &b[8]);

	/* FUTEX_PRIVATE_FLAG makes the key this process's (its memory and the address), even for
	 * shared memory: it does not reach another process's wait, nor a shared-form one here. */
	a[5] = 0;
	pid_t c = start_shared_waiter(&a[5]);
	if (c > 0) {
		expect_eq("MAP_SHARED file: the child asleep", await_waiters(&a[5], 0, 1), 1);
		__atomic_store_n(&a[5], 1, __ATOMIC_RELEASE);
		expect_eq("MAP_SHARED file: FUTEX_WAKE_PRIVATE of the child's shared-form wait",
			  fx(&a[5], FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 0);
		expect_eq("MAP_SHARED file: FUTEX_WAKE (shared) of it",
			  fx(&a[5], FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1);
		expect_eq("MAP_SHARED file: the child's FUTEX_WAIT returned 0", exit_code(reap(c)), 0);
	}
	struct waiter w;
	a[6] = 0;
	start_waiter(&w, &a[6], FUTEX_WAIT_PRIVATE, 0, 0);
	expect_eq("MAP_SHARED file: a FUTEX_WAIT_PRIVATE waiter asleep",
		  await_waiters(&a[6], FUTEX_PRIVATE_FLAG, 1), 1);
	expect_eq("MAP_SHARED file: FUTEX_WAKE (shared) of a private-form wait",
		  fx(&a[6], FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0);
	expect_eq("MAP_SHARED file: FUTEX_WAKE_PRIVATE of it",
		  fx(&a[6], FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 1);
	join_woken(&w, 1);
	expect_waiter("MAP_SHARED file: its FUTEX_WAIT_PRIVATE", &w, 0);
	munmap(a, 8192);
	munmap(b, 4096);
	close(fd);

	/* Shared anonymous memory between threads (between processes it is left out: see the top). */
	uint32_t *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED) {
		expect_ok("mmap MAP_SHARED|MAP_ANONYMOUS", -1);
		return;
	}
	anon[3] = 0;
	start_waiter(&w, &anon[3], FUTEX_WAIT, 0, 0);
	expect_eq("MAP_SHARED|MAP_ANONYMOUS: a shared-form waiter asleep",
		  await_waiters(&anon[3], 0, 1), 1);
	expect_eq("MAP_SHARED|MAP_ANONYMOUS: FUTEX_WAKE", fx(&anon[3], FUTEX_WAKE, INT_MAX, NULL, NULL,
							     0), 1);
	join_woken(&w, 1);
	expect_waiter("MAP_SHARED|MAP_ANONYMOUS: its FUTEX_WAIT", &w, 0);
	munmap(anon, 4096);

	/* Private memory: the child waits on its own copy, which no wake here reaches. */
	g_word = 0;
	c = start_shared_waiter(&g_word);
	if (c > 0) {
		sleep_ms(20);
		expect_eq("MAP_PRIVATE word after fork: FUTEX_WAKE here wakes nothing",
			  fx(&g_word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0);
		kill(c, SIGKILL);
		reap(c);
	}
}

int main(void)
{
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_errors();
	test_timeouts();
	test_wake_count();
	test_wake_bitset();
	test_requeue();
	test_wake_op();
	test_interrupt();
	test_shared();
	return expect_status();
}
