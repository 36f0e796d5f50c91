/*
 * core/kernel/ptimer.h: POSIX per-process timers, timer_create(2) and its family
 * (kernel/time/posix-timers.c), and the clock arithmetic they share with timerfd.
 *
 * A process's timers live in a set hanging off its thread group (tgroup.ptimers), shared by
 * its threads and made on the first timer_create, with IDs from 0 up that are not reused, as Linux hands them out. Each armed
 * timer runs on the core's timer thread (the services' timers, on CLOCK_MONOTONIC: an absolute
 * time on another clock is moved onto it when the timer is set; the sandbox cannot set its
 * clocks, so none ever jumps). On expiry a SIGEV_SIGNAL timer queues its signal with si_code
 * SI_TIMER, si_timerid, si_value and si_overrun; while that signal is still pending, further
 * expirations only count as overruns, which the delivered siginfo and timer_getoverrun report.
 * A signal queued by an arming the timer no longer has (timer_settime again, timer_delete,
 * exec, exit) is dropped when it would be delivered, as Linux 6.13 and later do. Timers are
 * not inherited by fork and are deleted by execve and by the end of the process's last thread.
 * A SIGEV_SIGNAL timer's signal is process-directed; SIGEV_THREAD_ID's goes to its thread, and
 * nowhere once that thread has ended.
 *
 * Locks: the set's mutex, then kernel.lock and the task's wait slot (sending a signal), and the
 * timer thread's list (arming). A timer's expiry runs on the timer thread with no lock held.
 */
#pragma once

#include <stdint.h>
#include <time.h>

struct task;
struct task_siginfo;
struct tgroup;

/* --- clock arithmetic, for timers on REALTIME, MONOTONIC, BOOTTIME and TAI --- */

/* Now on host clock @clock, in nanoseconds. */
int64_t ktimer_now(clockid_t clock);

/* The CLOCK_MONOTONIC time at which host clock @clock reads @abs_ns (INT64_MAX stays: never). */
int64_t ktimer_to_mono(clockid_t clock, int64_t abs_ns);

/* A timespec as nanoseconds, saturating at INT64_MAX; and back. */
int64_t ktimer_ts_ns(const struct timespec *ts);
struct timespec ktimer_ns_ts(int64_t ns);

/* Whether @ts is a valid interval or value (timespec64_valid: tv_sec >= 0, 0 <= tv_nsec < 1e9). */
int ktimer_ts_valid(const struct timespec *ts);

/* hrtimer_forward: the periods of @interval (> 0) that have ended at @now since *@deadline,
 * 0 when *@deadline is still ahead; *@deadline moves to the first one ahead of @now. */
uint64_t ktimer_forward(int64_t *deadline, int64_t interval, int64_t now);

/* --- timers --- */

/* What a timer does on expiry: the sigevent of timer_create(2), checked by the caller. */
struct ptimer_event {
	/* SIGEV_SIGNAL or SIGEV_NONE (SIGEV_THREAD reaches the kernel as SIGEV_SIGNAL; libc
	 * builds it on SIGEV_THREAD_ID). */
	int notify;
	int tid;		/* SIGEV_THREAD_ID's thread, checked to be of the process; 0: none */
	int signo;		/* 1..64 */
	uint64_t value;		/* si_value */
};

/* timer_create(2) for @t on host clock @clock (REALTIME, MONOTONIC, BOOTTIME or TAI) with
 * @ev; NULL means SIGEV_SIGNAL with SIGALRM and the timer's ID as si_value. *ret_id is the new
 * timer's ID. Returns 0, -EAGAIN (no memory for another timer, as Linux says). */
int ptimer_create(struct task *t, clockid_t clock, const struct ptimer_event *ev, int *ret_id);

/* timer_settime(2) of timer @id: @new (validated) from now, or at that time of the timer's
 * clock with TIMER_ABSTIME in @flags; a zero it_value disarms. Fills @old (may be NULL) with
 * the previous setting. Resets the overrun counts and makes a pending signal of the timer
 * stale. Returns 0 or -EINVAL (no such timer). */
int ptimer_settime(struct task *t, int id, int flags, const struct itimerspec *new,
		   struct itimerspec *old);

/* timer_gettime(2): the time to the next expiry (0: disarmed or a spent one-shot) and the
 * interval. Returns 0 or -EINVAL. */
int ptimer_gettime(struct task *t, int id, struct itimerspec *cur);

/* timer_getoverrun(2): the overruns of the last signal delivered (at most INT_MAX). Returns
 * them or -EINVAL. */
int ptimer_getoverrun(struct task *t, int id);

/* timer_delete(2): disarms and frees timer @id; a signal of it still pending is dropped.
 * Returns 0 or -EINVAL. */
int ptimer_delete(struct task *t, int id);

/* execve and the process's end (exit_itimers): deletes every timer of @g and the set. No
 * kernel.lock held. */
void ptimer_exit(struct tgroup *g);

/* Called by signal delivery for a pending signal whose siginfo @si (of @t, the calling task)
 * has si_code SI_TIMER: fills its si_overrun and returns 1 to deliver it, or 0 when the
 * arming that queued it is gone and the signal must be dropped. */
int ptimer_signal_taken(struct task *t, struct task_siginfo *si);
