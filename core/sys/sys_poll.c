/*
 * core/sys/sys_poll.c: poll(2), ppoll(2), select(2) and pselect6(2) (fs/select.c).
 *
 * All four gather the files they watch as poll items, then run one loop: scan the readiness
 * of every file; when nothing is ready, register on the waiter queue of every file that has
 * one (kwait_reg per file, all on the task's one wait slot), scan again, and sleep until a
 * queue fires, the deadline passes or a signal comes. The files are held from the first scan to
 * the end, as Linux's poll table holds them. Timeouts are on CLOCK_MONOTONIC; ppoll, select and
 * pselect6 write the time left back (not for a zero timeout, and a read-only timeout is not an
 * error), and ppoll and pselect6 run with their signal mask in force, restored on return unless
 * the call is interrupted: then the handler's frame records the old mask for sigreturn, as
 * rt_sigsuspend does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "sentry/plugin.h"
#include "fd/fdtable.h"
#include "kernel/interrupt.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#define NSEC 1000000000ll
/* What each of select's sets counts as ready (fs/select.c). */
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET POLLPRI

/* One watched file. */
struct poll_item {
	struct vfs_file *f;	/* one reference; NULL: the descriptor is not open */
	uint32_t events;	/* the readiness that counts (POLLNVAL included for poll) */
	uint32_t revents;	/* of events, what the last scan found */
	int fd;			/* select: the descriptor */
	uint32_t sets;		/* select: bit k for set k (read, write, except) */
};

static int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* The absolute end of a validated timeout: 0 for a zero one (poll once), INT64_MAX past what
 * the clock can count. */
static int64_t end_after(int64_t sec, int64_t nsec)
{
	if (!sec && !nsec)
		return 0;
	int64_t now = mono_now();
	if (sec > (INT64_MAX - now) / NSEC - 1)
		return INT64_MAX;
	return now + sec * NSEC + nsec;
}

/* The file's whole poll mask, as vfs_poll gives it. */
static uint32_t file_mask(struct vfs_file *f)
{
	/* Not open, or O_PATH (fdget refuses those). */
	if (!f || !f->sf)
		return POLLNVAL;
	if (!SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, readiness))
		return POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;	/* DEFAULT_POLLMASK */
	return vfs_file_readiness(f, ~0u);
}

static int64_t scan(struct poll_item *it, size_t n)
{
	int64_t ready = 0;
	for (size_t i = 0; i < n; i++) {
		it[i].revents = file_mask(it[i].f) & it[i].events;
		ready += it[i].revents != 0;
	}
	return ready;
}

/* Registers the task on the queue of every item's file: regs[0] on none (it only carries the
 * sleep), then one per queue. Returns the registrations made. */
static size_t register_all(struct task *t, struct poll_item *it, size_t n,
			   struct kwait_reg *regs)
{
	size_t nregs = 0;
	kwait_prepare(t, NULL, 0, &regs[nregs++]);
	for (size_t i = 0; i < n; i++) {
		struct sentry_waitq *wq = it[i].f ? vfs_file_waitq(it[i].f) : NULL;
		if (wq)
			kwait_prepare(t, wq, it[i].events | POLLERR | POLLHUP, &regs[nregs++]);
	}
	return nregs;
}

/* do_poll's loop until something in @it is ready, @end (absolute; 0: scan once; -1 or
 * INT64_MAX: none) or a signal. Returns the items ready, 0 at the end, -EINTR, -ENOMEM. */
static int64_t wait_ready(struct task *t, struct poll_item *it, size_t n, int64_t end)
{
	struct kwait_reg *regs = NULL;
	size_t nregs = 0;
	int64_t deadline = end == INT64_MAX ? -1 : end, rc;
	for (;;) {
		rc = scan(it, n);
		if (rc)
			break;
		if (task_signal_pending(t)) {
			rc = -EINTR;
			break;
		}
		if (deadline == 0)
			break;
		if (!regs) {
			/* Scan again once registered: a change before that had no one to wake. */
			regs = malloc((n + 1) * sizeof(*regs));
			if (!regs) {
				rc = -ENOMEM;
				break;
			}
			nregs = register_all(t, it, n, regs);
			continue;
		}
		int w = kwait_sleep(&regs[0], SENTRY_CLOCK_MONOTONIC, deadline);
		if (w == -ETIMEDOUT)
			deadline = 0;	/* one last scan, as do_poll after timing out */
		else if (w == -EINTR)
			(void)task_wait_interrupted(t);	/* a signal to act on: the next pass */
	}
	for (size_t i = 0; i < nregs; i++)
		kwait_finish(&regs[i]);
	free(regs);
	return rc;
}

static void put_items(struct poll_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (it[i].f)
			vfs_file_put(it[i].f);
	free(it);
}

/* do_sys_poll. Linux caps nfds at RLIMIT_NOFILE; the table's limit is that. revents go back
 * whatever the outcome once the array was read, as Linux writes them. */
static int64_t do_poll(struct task *t, uint64_t addr, uint64_t nfds, int64_t end)
{
	if (nfds > fdt_limit(t->fdt))
		return -EINVAL;
	struct pollfd *p = calloc(nfds ? nfds : 1, sizeof(*p));
	struct poll_item *it = calloc(nfds ? nfds : 1, sizeof(*it));
	int64_t rc = p && it ? 0 : -ENOMEM;
	if (rc == 0 && nfds && mm_copy_in(t->mm, addr, p, nfds * sizeof(*p)) < 0)
		rc = -EFAULT;
	if (rc < 0) {
		free(p);
		free(it);
		return rc;
	}
	for (uint64_t i = 0; i < nfds; i++) {
		/* A negative descriptor is skipped: its revents stay 0. */
		if (p[i].fd >= 0 && sys_get_file(t, p[i].fd, &it[i].f) < 0)
			it[i].f = NULL;
		if (p[i].fd >= 0)
			it[i].events = (uint16_t)p[i].events | POLLERR | POLLHUP | POLLNVAL;
	}
	rc = wait_ready(t, it, nfds, end);
	for (uint64_t i = 0; i < nfds; i++)
		p[i].revents = (short)it[i].revents;
	if (nfds && mm_copy_out(t->mm, addr, p, nfds * sizeof(*p)) < 0)
		rc = -EFAULT;
	put_items(it, nfds);
	free(p);
	return rc;
}

int sys_set_call_mask(struct task *t, uint64_t addr, uint64_t size)
{
	if (!addr)
		return 0;
	if (size != sizeof(uint64_t))
		return -EINVAL;
	uint64_t mask;
	if (mm_copy_in(t->mm, addr, &mask, sizeof(mask)) < 0)
		return -EFAULT;
	t->saved_sigmask = t->sigmask;
	t->has_saved_sigmask = 1;
	__atomic_store_n(&t->sigmask, mask & ~SIG_UNBLOCKABLE, __ATOMIC_SEQ_CST);
	return 0;
}

void sys_restore_call_mask(struct task *t, int64_t rc)
{
	if (rc != -EINTR && t->has_saved_sigmask) {
		__atomic_store_n(&t->sigmask, t->saved_sigmask, __ATOMIC_SEQ_CST);
		t->has_saved_sigmask = 0;
	}
}

/* poll_select_finish: the old mask back unless a handler is about to run (it restores it on
 * sigreturn), and the time left written to the timeout at @addr (@timeval: struct timeval). */
static int64_t finish(struct task *t, int64_t rc, uint64_t addr, int64_t end, int timeval)
{
	sys_restore_call_mask(t, rc);
	if (!addr || end <= 0)
		return rc;
	int64_t left = end - mono_now();
	if (left < 0)
		left = 0;
	if (timeval) {
		struct timeval tv = { .tv_sec = left / NSEC, .tv_usec = left % NSEC / 1000 };
		(void)mm_copy_out(t->mm, addr, &tv, sizeof(tv));
	} else {
		struct timespec ts = { .tv_sec = left / NSEC, .tv_nsec = left % NSEC };
		(void)mm_copy_out(t->mm, addr, &ts, sizeof(ts));
	}
	return rc;
}

/* A struct timespec timeout at @addr (non-NULL) as an end. Returns 0, -EFAULT, -EINVAL. */
static int get_timespec_end(struct task *t, uint64_t addr, int64_t *ret_end)
{
	struct timespec ts;
	if (mm_copy_in(t->mm, addr, &ts, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC)
		return -EINVAL;
	*ret_end = end_after(ts.tv_sec, ts.tv_nsec);
	return 0;
}

int64_t sys_poll(struct task *t, const uint64_t a[6])
{
	int timeout = (int)a[2];
	int64_t end = timeout < 0 ? -1 : end_after(timeout / 1000, (timeout % 1000) * 1000000ll);
	return do_poll(t, a[0], (uint32_t)a[1], end);
}

int64_t sys_ppoll(struct task *t, const uint64_t a[6])
{
	int64_t end = -1;
	int rc = a[2] ? get_timespec_end(t, a[2], &end) : 0;
	if (rc == 0)
		rc = sys_set_call_mask(t, a[3], a[4]);
	if (rc < 0)
		return rc;
	return finish(t, do_poll(t, a[0], (uint32_t)a[1], end), a[2], end, 0);
}

static const uint32_t g_set_events[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };

/* Bit k set when fd @i is in set k. */
static uint32_t select_sets(uint64_t *const sets[3], size_t i)
{
	uint32_t in = 0;
	for (int k = 0; k < 3; k++)
		if (sets[k] && (sets[k][i / 64] & (1ull << (i % 64))))
			in |= 1u << k;
	return in;
}

/* The items for the descriptors named in @sets below @n: -EBADF if one is not open
 * (max_select_fd, before any wait), -ENOMEM. */
static int select_items(struct task *t, uint64_t *const sets[3], size_t n,
			struct poll_item **ret_it, size_t *ret_count)
{
	size_t count = 0;
	for (size_t i = 0; i < n; i++)
		count += select_sets(sets, i) != 0;
	struct poll_item *it = calloc(count ? count : 1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n && k < count; i++) {
		uint32_t in = select_sets(sets, i);
		if (!in)
			continue;
		if (sys_get_file(t, (int64_t)i, &it[k].f) < 0) {
			put_items(it, k);
			return -EBADF;
		}
		it[k].fd = (int)i;
		it[k].sets = in;
		for (int s = 0; s < 3; s++)
			if (in & (1u << s))
				it[k].events |= g_set_events[s];
		k++;
	}
	*ret_it = it;
	*ret_count = count;
	return 0;
}

/* The ready descriptors into @sets (cleared first); returns how many set bits that makes. */
static int64_t select_results(struct poll_item *it, size_t count, uint64_t *const sets[3],
			      size_t words)
{
	int64_t n = 0;
	for (int s = 0; s < 3; s++)
		if (sets[s])
			memset(sets[s], 0, words * sizeof(uint64_t));
	for (size_t k = 0; k < count; k++)
		for (int s = 0; s < 3; s++)
			if ((it[k].sets & (1u << s)) && (it[k].revents & g_set_events[s])) {
				sets[s][it[k].fd / 64] |= 1ull << (it[k].fd % 64);
				n++;
			}
	return n;
}

/* core_sys_select over the sets at @addr[0..2] (0: none) with @end. nfds past the table's
 * size is clipped to it, so only that much of each set is read and written, as on Linux. */
static int64_t do_select(struct task *t, int64_t n, const uint64_t addr[3], int64_t end)
{
	if (n < 0)
		return -EINVAL;
	if (n > (int64_t)fdt_size(t->fdt))
		n = fdt_size(t->fdt);
	size_t words = ((size_t)n + 63) / 64, size = words * sizeof(uint64_t);
	uint64_t *bits = calloc(3 * words + 1, sizeof(uint64_t));
	if (!bits)
		return -ENOMEM;
	uint64_t *sets[3] = { NULL, NULL, NULL };
	int64_t rc = 0;
	for (int k = 0; k < 3 && rc == 0; k++) {
		if (!addr[k])
			continue;
		sets[k] = bits + (size_t)k * words;
		if (size && mm_copy_in(t->mm, addr[k], sets[k], size) < 0)
			rc = -EFAULT;
	}
	struct poll_item *it = NULL;
	size_t count = 0;
	if (rc == 0)
		rc = select_items(t, sets, (size_t)n, &it, &count);
	if (rc == 0)
		rc = wait_ready(t, it, count, end);
	if (rc >= 0) {
		rc = select_results(it, count, sets, words);
		for (int k = 0; k < 3; k++)
			if (sets[k] && size && mm_copy_out(t->mm, addr[k], sets[k], size) < 0)
				rc = -EFAULT;
	}
	if (it)
		put_items(it, count);
	free(bits);
	return rc;
}

int64_t sys_select(struct task *t, const uint64_t a[6])
{
	int64_t end = -1;
	if (a[4]) {
		struct timeval tv;
		if (mm_copy_in(t->mm, a[4], &tv, sizeof(tv)) < 0)
			return -EFAULT;
		/* Microseconds past a second carry into the seconds (kern_select). */
		int64_t sec, nsec = (tv.tv_usec % 1000000) * 1000;
		if (__builtin_add_overflow(tv.tv_sec, tv.tv_usec / 1000000, &sec))
			sec = INT64_MAX;
		if (sec < 0 || nsec < 0)
			return -EINVAL;
		end = end_after(sec, nsec);
	}
	const uint64_t sets[3] = { a[1], a[2], a[3] };
	return finish(t, do_select(t, (int)a[0], sets, end), a[4], end, 1);
}

int64_t sys_pselect6(struct task *t, const uint64_t a[6])
{
	/* The sixth argument points at { const sigset_t *ss; size_t ss_len; }. */
	uint64_t pack[2] = { 0, 0 };
	if (a[5] && mm_copy_in(t->mm, a[5], pack, sizeof(pack)) < 0)
		return -EFAULT;
	int64_t end = -1;
	int rc = a[4] ? get_timespec_end(t, a[4], &end) : 0;
	if (rc == 0)
		rc = sys_set_call_mask(t, pack[0], pack[1]);
	if (rc < 0)
		return rc;
	const uint64_t sets[3] = { a[1], a[2], a[3] };
	return finish(t, do_select(t, (int)a[0], sets, end), a[4], end, 0);
}
