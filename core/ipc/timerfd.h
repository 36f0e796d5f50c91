/*
 * core/ipc/timerfd.h: timerfd objects (fs/timerfd.c's semantics, timerfd_create(2)).
 *
 * A timer behind an open file description on the core's anonymous filesystem. It runs on the
 * core's timer thread on CLOCK_MONOTONIC (an absolute time on CLOCK_REALTIME or
 * CLOCK_BOOTTIME is moved onto it when set; the sandbox's clocks are never set, so
 * TFD_TIMER_CANCEL_ON_SET is accepted and never cancels). Each expiry adds to a count that a
 * read of 8 bytes takes (waiting while it is 0); readable (IN) while the count is not 0. A
 * periodic timer is not re-armed by its expiry but when it is next read or asked (as Linux's
 * hrtimer_forward), the periods in between counted then. Thread-safe: one mutex per timer,
 * taken by the expiry too, never held across a sleep; lock order: timer, then its waiter
 * queue, then the timer thread's list.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct iovec;
struct sentry_services;
struct task;
struct vfs_file;

/* A new, disarmed timerfd on host clock @clock (CLOCK_REALTIME, CLOCK_MONOTONIC or
 * CLOCK_BOOTTIME: the caller maps the alarm clocks and checked everything) whose expiries run
 * on @svc's timers (borrowed; lives as long as the Sentry), as *ret_file with one reference
 * the caller owns. @flags may hold O_NONBLOCK. Returns 0 or -ENOMEM. */
int tfd_new(const struct sentry_services *svc, clockid_t clock, uint32_t flags,
	    struct vfs_file **ret_file);

/* Whether @f (borrowed) is a timerfd. */
int tfd_is(const struct vfs_file *f);

/* timerfd_settime(2) on timerfd @f: arms it with @new (validated) from now, or at that time
 * of its clock with TFD_TIMER_ABSTIME in @flags; a zero it_value disarms. The count of
 * expiries not yet read goes back to 0. @old (may be NULL) gets the previous setting as
 * tfd_gettime gives it. */
void tfd_settime(struct vfs_file *f, int flags, const struct itimerspec *new,
		 struct itimerspec *old);

/* timerfd_gettime(2): the time to the next expiry (0: disarmed, or a spent one-shot) and the
 * interval. */
void tfd_gettime(struct vfs_file *f, struct itimerspec *cur);

/* read(2)/readv(2) of timerfd @f for @t over application segments @iov[0..@count), taken as
 * one buffer. Returns 8 (the count of expiries copied out and reset), -EINVAL (a buffer under
 * 8 bytes), -EAGAIN (count 0 and O_NONBLOCK), -EINTR, -EFAULT (the count was taken, as on
 * Linux). */
int64_t tfd_user_read(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count);
