/*
 * core/sys/sys_ptimer.c: timer_create(2), timer_settime(2), timer_gettime(2),
 * timer_getoverrun(2), timer_delete(2). The timers are core/kernel/ptimer.c's; this checks the
 * arguments in Linux's order (kernel/time/posix-timers.c).
 *
 * Clocks: REALTIME, MONOTONIC, BOOTTIME and TAI; the alarm clocks where the host has an RTC
 * for them (with CAP_WAKE_ALARM), as the clocks they alarm on (a sandbox never suspends).
 * CPU-time clocks are refused with EOPNOTSUPP: the application's own CPU time is not counted
 * yet (TODO(#5)). SIGEV_THREAD_ID must name a live thread of the caller's process; SIGEV_THREAD,
 * which libc builds on SIGEV_THREAD_ID, reaches the kernel as a plain SIGEV_SIGNAL, as on Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* Linux's CAP_WAKE_ALARM (linux/capability.h). */
#define CAP_WAKE_ALARM_BIT 35
/* The low bits of a negative clock ID that make it a clock descriptor (posix-timers.h). */
#define CLOCKFD 3

/* The kernel's sigevent_t (64 bytes on x86-64). */
struct k_sigevent {
	uint64_t value;		/* sigev_value */
	int32_t signo;
	int32_t notify;
	union {
		int32_t tid;	/* SIGEV_THREAD_ID */
		char pad[48];
	} u;
};
_Static_assert(sizeof(struct k_sigevent) == 64, "sigevent layout");

/* clockid_to_kclock: the host clock a timer on @id runs on. Returns 0, -EINVAL (no such
 * clock), -EOPNOTSUPP (no timers on it). *ret_late is what the kclock's own timer_create
 * says later, once the timer has its ID (alarm clocks: -EOPNOTSUPP without an RTC, -EPERM
 * without CAP_WAKE_ALARM; CPU clocks), or 0. */
static int timer_clock(struct task *t, int id, clockid_t *ret, int *ret_late)
{
	struct timespec res;
	*ret_late = 0;
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		*ret = id;
		return 0;
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		if (clock_getres(id, &res) < 0)
			*ret_late = -EOPNOTSUPP;
		else if (!((t->fs->creds.cap_effective >> CAP_WAKE_ALARM_BIT) & 1))
			*ret_late = -EPERM;
		*ret = id == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME : CLOCK_BOOTTIME;
		return 0;
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return -EOPNOTSUPP;
	default:
		break;
	}
	if (id >= 0)
		return -EINVAL;
	/* A clock descriptor has no timers; an encoded CPU clock is taken as one, and refused by
	 * posix_cpu_timer_create once the timer has its ID: -EINVAL unless it names a valid clock
	 * of the caller (ours: -EOPNOTSUPP, as for the named CPU clocks). */
	if ((id & 7) == CLOCKFD)
		return -EOPNOTSUPP;
	int pid = ~(id >> 3);
	int own = pid == 0 || pid == ((id & 4) ? t->tid : t->tgid);
	*ret_late = (id & 3) < 3 && own ? -EOPNOTSUPP : -EINVAL;
	*ret = CLOCK_MONOTONIC;
	return 0;
}

/* Whether @tid is a live thread of @t's process. */
static int thread_alive(struct task *t, int tid)
{
	int found = 0;
	pthread_mutex_lock(&t->k->lock);
	for (struct task *o = t->tg->threads; o && !found; o = o->group_next)
		found = o->tid == tid && !o->thread_done && !o->exited;
	pthread_mutex_unlock(&t->k->lock);
	return found;
}

/* good_sigevent: whether @ev can be delivered to @t's process. */
static int sigevent_ok(struct task *t, const struct k_sigevent *ev)
{
	switch (ev->notify) {
	case SIGEV_SIGNAL | SIGEV_THREAD_ID:
		if (!thread_alive(t, ev->u.tid))
			return 0;
		/* fall through */
	case SIGEV_SIGNAL:
	case SIGEV_THREAD:
		return ev->signo > 0 && ev->signo <= TASK_NSIG;
	case SIGEV_NONE:
		return 1;
	default:
		return 0;
	}
}

int64_t sys_timer_create(struct task *t, const uint64_t a[6])
{
	struct k_sigevent kev = { .notify = SIGEV_SIGNAL };
	if (a[1] && mm_copy_in(t->mm, a[1], &kev, sizeof(kev)) < 0)
		return -EFAULT;
	clockid_t c;
	int late;
	int rc = timer_clock(t, (int)a[0], &c, &late);
	if (rc < 0)
		return rc;
	/* Linux gives the timer its ID before it checks the sigevent, copies the ID out and asks
	 * the clock, so a failure of any of those still uses one up. */
	int ok = !a[1] || sigevent_ok(t, &kev);
	struct ptimer_event ev = {
		.notify = ok && kev.notify != SIGEV_NONE ? SIGEV_SIGNAL : SIGEV_NONE,
		.signo = kev.signo,
		.value = kev.value,
		.tid = kev.notify == (SIGEV_SIGNAL | SIGEV_THREAD_ID) ? kev.u.tid : 0,
	};
	int id;
	rc = ptimer_create(t, c, a[1] ? &ev : NULL, &id);
	if (rc < 0)
		return rc;
	if (!ok)
		rc = -EINVAL;
	else if (mm_copy_out(t->mm, a[2], &id, sizeof(id)) < 0)
		rc = -EFAULT;
	else
		rc = late;
	if (rc < 0)
		(void)ptimer_delete(t, id);
	return rc;
}

int64_t sys_timer_settime(struct task *t, const uint64_t a[6])
{
	struct itimerspec nv, ov;
	if (!a[2])
		return -EINVAL;
	if (mm_copy_in(t->mm, a[2], &nv, sizeof(nv)) < 0)
		return -EFAULT;
	if (!ktimer_ts_valid(&nv.it_value) || !ktimer_ts_valid(&nv.it_interval))
		return -EINVAL;
	int rc = ptimer_settime(t, (int)a[0], (int)a[1], &nv, a[3] ? &ov : NULL);
	if (rc == 0 && a[3] && mm_copy_out(t->mm, a[3], &ov, sizeof(ov)) < 0)
		return -EFAULT;
	return rc;
}

int64_t sys_timer_gettime(struct task *t, const uint64_t a[6])
{
	struct itimerspec cur;
	int rc = ptimer_gettime(t, (int)a[0], &cur);
	if (rc == 0 && mm_copy_out(t->mm, a[1], &cur, sizeof(cur)) < 0)
		return -EFAULT;
	return rc;
}

int64_t sys_timer_getoverrun(struct task *t, const uint64_t a[6])
{
	return ptimer_getoverrun(t, (int)a[0]);
}

int64_t sys_timer_delete(struct task *t, const uint64_t a[6])
{
	return ptimer_delete(t, (int)a[0]);
}
