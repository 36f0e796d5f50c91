/*
 * core/sys/sys_time.c: clocks and sleeps: clock_gettime, clock_getres, gettimeofday, time,
 * nanosleep, clock_nanosleep, times, getrusage.
 *
 * Wall and monotonic clocks are the host's (the vDSO answers most reads without a trap).
 * CPU-time clocks of the process or thread read the host CPU time of the Sentry thread running
 * the task, which is where a ptrace task's system calls are accounted; the application's own
 * user time, spent in the platform's stub, is not counted yet (TODO(#5)).
 * Sleeps are kwait blocks, so a signal ends them with -EINTR (nanosleep reports the time left;
 * they are not restarted after a handler, as on Linux, where a restart block makes EINTR).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"

/* posix-cpu-timers' encoding of CPU clocks in negative clock IDs. */
#define CPUCLOCK_PID(id) (~((id) >> 3))
#define CPUCLOCK_PERTHREAD(id) (((id) & 4) != 0)
#define CPUCLOCK_TYPE(id) ((id) & 3)
#define CPUCLOCK_MAX 3
#define CLOCKFD 3
#define MAKE_THREAD_CPUCLOCK(tid, type) ((clockid_t)((~(uint32_t)(tid) << 3) | 4u | (uint32_t)(type)))
#define CLOCK_SGI_CYCLE 10

/* The host clock standing for application clock @id: the clock itself for wall and
 * monotonic clocks, the task thread's CPU clock of the same kind for CPU clocks (so getres
 * agrees too). *ret_cpu tells a CPU clock. Returns 0 or -EINVAL (unknown clock, a CPU clock of
 * another process or thread, a clock descriptor). */
static int host_clock(struct task *t, int id, clockid_t *ret, int *ret_cpu)
{
	*ret_cpu = 0;
	if (id >= 0) {
		if (id > CLOCK_TAI || id == CLOCK_SGI_CYCLE)
			return -EINVAL;
		if (id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID) {
			*ret_cpu = id == CLOCK_PROCESS_CPUTIME_ID ? 1 : 2;
			*ret = CLOCK_THREAD_CPUTIME_ID;
			return 0;
		}
		/* The alarm clocks exist only where the host has an RTC for them. */
		struct timespec res;
		if ((id == CLOCK_REALTIME_ALARM || id == CLOCK_BOOTTIME_ALARM) &&
		    clock_getres(id, &res) < 0)
			return -EINVAL;
		*ret = id;
		return 0;
	}
	if ((id & 7) == CLOCKFD || CPUCLOCK_TYPE(id) >= CPUCLOCK_MAX)
		return -EINVAL; /* no dynamic POSIX clock devices */
	int pid = CPUCLOCK_PID(id);
	if (pid != 0 && pid != (CPUCLOCK_PERTHREAD(id) ? t->tid : t->tgid))
		return -EINVAL;
	*ret_cpu = CPUCLOCK_PERTHREAD(id) ? 2 : 1;
	*ret = MAKE_THREAD_CPUCLOCK(0, CPUCLOCK_TYPE(id));
	return 0;
}

int64_t sys_clock_gettime(struct task *t, const uint64_t a[6])
{
	clockid_t c;
	int cpu;
	int rc = host_clock(t, (int)a[0], &c, &cpu);
	if (rc < 0)
		return rc;
	struct timespec ts;
	if (clock_gettime(c, &ts) < 0)
		return -errno;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

int64_t sys_clock_getres(struct task *t, const uint64_t a[6])
{
	clockid_t c;
	int cpu;
	int rc = host_clock(t, (int)a[0], &c, &cpu);
	if (rc < 0)
		return rc;
	struct timespec ts;
	if (clock_getres(c, &ts) < 0)
		return -errno;
	return a[1] ? mm_copy_out(t->mm, a[1], &ts, sizeof(ts)) : 0;
}

int64_t sys_gettimeofday(struct task *t, const uint64_t a[6])
{
	struct timeval tv;
	/* The kernel's timezone (sys_tz) is never set in a sandbox: UTC, no DST. */
	struct timezone tz = { 0, 0 };
	(void)gettimeofday(&tv, NULL);
	if (a[0] && mm_copy_out(t->mm, a[0], &tv, sizeof(tv)) < 0)
		return -EFAULT;
	if (a[1] && mm_copy_out(t->mm, a[1], &tz, sizeof(tz)) < 0)
		return -EFAULT;
	return 0;
}

int64_t sys_time(struct task *t, const uint64_t a[6])
{
	int64_t now = (int64_t)time(NULL);
	if (a[0] && mm_copy_out(t->mm, a[0], &now, sizeof(now)) < 0)
		return -EFAULT;
	return now;
}

static int ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec <= 999999999;
}

static int64_t ts_ns(const struct timespec *ts)
{
	/* Saturates: a huge deadline is for ever, as Linux's timespec64_add_safe makes it. */
	if (ts->tv_sec > INT64_MAX / 1000000000 - 1)
		return INT64_MAX;
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t now_ns(clockid_t c)
{
	struct timespec now;
	clock_gettime(c, &now);
	return ts_ns(&now);
}

int sys_sleep_until(struct task *t, clockid_t c, const struct timespec *deadline)
{
	int64_t d = ts_ns(deadline);
	int clock = SENTRY_CLOCK_REALTIME;
	if (c != CLOCK_REALTIME) {
		/* BOOTTIME and TAI run in step with MONOTONIC (no suspend in a sandbox): the
		 * deadline moves onto it. */
		int64_t left = d == INT64_MAX ? INT64_MAX : d - now_ns(c);
		int64_t m = now_ns(CLOCK_MONOTONIC);
		d = left > INT64_MAX - m ? INT64_MAX : m + left;
		clock = SENTRY_CLOCK_MONOTONIC;
	}
	int rc = kwait_until(t, clock, d == INT64_MAX ? -1 : d);
	return rc == -ETIMEDOUT ? 0 : rc;
}

/* A relative sleep of @req; on -EINTR the time left goes to *@rem when given. */
static int sleep_for(struct task *t, const struct timespec *req, struct timespec *rem)
{
	int64_t start = now_ns(CLOCK_MONOTONIC), len = ts_ns(req);
	struct timespec d = { .tv_sec = INT64_MAX / 1000000000 };
	if (len < INT64_MAX - start) {
		d.tv_sec = (start + len) / 1000000000;
		d.tv_nsec = (start + len) % 1000000000;
	}
	int rc = sys_sleep_until(t, CLOCK_MONOTONIC, &d);
	if (rc == -EINTR && rem) {
		int64_t left = len - (now_ns(CLOCK_MONOTONIC) - start);
		if (left < 0)
			left = 0;
		rem->tv_sec = left / 1000000000;
		rem->tv_nsec = left % 1000000000;
	}
	return rc;
}

int sys_sleep_for(struct task *t, const struct timespec *req)
{
	return sleep_for(t, req, NULL);
}

/* nanosleep's and relative clock_nanosleep's end: the time left on an interrupt. */
static int64_t sleep_rel(struct task *t, const struct timespec *req, uint64_t rem_addr)
{
	struct timespec rem;
	int rc = sleep_for(t, req, &rem);
	if (rc == -EINTR && rem_addr && mm_copy_out(t->mm, rem_addr, &rem, sizeof(rem)) < 0)
		return -EFAULT;
	return rc;
}

int64_t sys_nanosleep(struct task *t, const uint64_t a[6])
{
	struct timespec req;
	if (mm_copy_in(t->mm, a[0], &req, sizeof(req)) < 0)
		return -EFAULT;
	if (!ts_valid(&req))
		return -EINVAL;
	return sleep_rel(t, &req, a[1]);
}

/* Sleeping on the process's own CPU clock: the clock stands still while its only thread
 * sleeps, so only a deadline already reached returns, as on Linux. */
static int cpu_sleep(struct task *t, clockid_t c, int flags, const struct timespec *req)
{
	struct timespec now;
	clock_gettime(c, &now);
	if ((flags & TIMER_ABSTIME) ? (now.tv_sec > req->tv_sec ||
				      (now.tv_sec == req->tv_sec && now.tv_nsec >= req->tv_nsec))
				   : (req->tv_sec == 0 && req->tv_nsec == 0))
		return 0;
	return kwait_until(t, SENTRY_CLOCK_MONOTONIC, -1);
}

int64_t sys_clock_nanosleep(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0], flags = (int)a[1];
	clockid_t c;
	int cpu;
	int rc = host_clock(t, id, &c, &cpu);
	if (rc < 0)
		return rc;
	/* clock_nanosleep(2): the thread CPU clock and the clocks without timers (raw, coarse)
	 * cannot be slept on; a per-thread CPU clock ID is EINVAL (posix_cpu_nsleep). */
	if (id == CLOCK_THREAD_CPUTIME_ID || id == CLOCK_MONOTONIC_RAW ||
	    id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE)
		return -EOPNOTSUPP;
	if (id < 0 && cpu == 2)
		return -EINVAL;
	struct timespec req;
	if (mm_copy_in(t->mm, a[2], &req, sizeof(req)) < 0)
		return -EFAULT;
	if (!ts_valid(&req))
		return -EINVAL;
	if (cpu)
		return cpu_sleep(t, c, flags, &req);
	return (flags & TIMER_ABSTIME) ? sys_sleep_until(t, c, &req) : sleep_rel(t, &req, a[3]);
}

/* CPU time of the task so far (see the file comment). */
static void task_cpu(struct rusage *ru)
{
	memset(ru, 0, sizeof(*ru));
	(void)getrusage(RUSAGE_THREAD, ru);
	struct rusage own = { .ru_utime = ru->ru_utime, .ru_stime = ru->ru_stime };
	*ru = own;
}

static clock_t ticks(const struct timeval *tv)
{
	long hz = sysconf(_SC_CLK_TCK);
	return (clock_t)(tv->tv_sec * hz + tv->tv_usec / (1000000 / hz));
}

int64_t sys_times(struct task *t, const uint64_t a[6])
{
	struct rusage ru;
	task_cpu(&ru);
	struct tms tms = { .tms_utime = ticks(&ru.ru_utime), .tms_stime = ticks(&ru.ru_stime) };
	if (a[0] && mm_copy_out(t->mm, a[0], &tms, sizeof(tms)) < 0)
		return -EFAULT;
	/* Clock ticks since an arbitrary point: the host's, which is what Linux returns. */
	return (int64_t)times(NULL);
}

int64_t sys_getrusage(struct task *t, const uint64_t a[6])
{
	struct rusage ru;
	switch ((int)a[0]) {
	case RUSAGE_SELF:
	case RUSAGE_THREAD:
		task_cpu(&ru);
		break;
	case RUSAGE_CHILDREN:
		memset(&ru, 0, sizeof(ru)); /* no children yet: nothing waited for */
		break;
	default:
		return -EINVAL;
	}
	return mm_copy_out(t->mm, a[1], &ru, sizeof(ru));
}
