/*
 * Time: clock_gettime and clock_getres for every clock id, monotonicity, nanosleep and
 * clock_nanosleep (relative and TIMER_ABSTIME), gettimeofday, time and times, with their error
 * cases. Calls go through syscall() so they trap even where a vDSO would answer; the vDSO's
 * answers are compared with the system call's. Only relations are printed, never times.
 */
#include "expect.h"

#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)1)
#define NSEC 1000000000LL
/* 2020-01-01: every clock that tells the date is later than this. */
#define Y2020 1577836800LL

static long long ns(const struct timespec *t)
{
	return t->tv_sec * NSEC + t->tv_nsec;
}

static long long now(clockid_t id)
{
	struct timespec t;
	if (syscall(SYS_clock_gettime, id, &t) < 0)
		return -1;
	return ns(&t);
}

/* Clocks every Linux answers for; the alarm clocks need an RTC, which not every host has. */
static const struct {
	clockid_t id;
	const char *name;
} clocks[] = {
	{ CLOCK_REALTIME, "CLOCK_REALTIME" },
	{ CLOCK_MONOTONIC, "CLOCK_MONOTONIC" },
	{ CLOCK_PROCESS_CPUTIME_ID, "CLOCK_PROCESS_CPUTIME_ID" },
	{ CLOCK_THREAD_CPUTIME_ID, "CLOCK_THREAD_CPUTIME_ID" },
	{ CLOCK_MONOTONIC_RAW, "CLOCK_MONOTONIC_RAW" },
	{ CLOCK_REALTIME_COARSE, "CLOCK_REALTIME_COARSE" },
	{ CLOCK_MONOTONIC_COARSE, "CLOCK_MONOTONIC_COARSE" },
	{ CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
	{ CLOCK_TAI, "CLOCK_TAI" },
};

static void test_clocks(void)
{
	char what[96];
	for (unsigned i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		struct timespec t, res;
		snprintf(what, sizeof(what), "clock_gettime %s", clocks[i].name);
		expect_ok(what, syscall(SYS_clock_gettime, clocks[i].id, &t));
		snprintf(what, sizeof(what), "%s tv_nsec in range", clocks[i].name);
		expect_true(what, t.tv_nsec >= 0 && t.tv_nsec < NSEC && t.tv_sec >= 0);
		snprintf(what, sizeof(what), "clock_getres %s", clocks[i].name);
		expect_ok(what, syscall(SYS_clock_getres, clocks[i].id, &res));
		snprintf(what, sizeof(what), "%s resolution in (0, 10ms]", clocks[i].name);
		expect_true(what, res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000);
		snprintf(what, sizeof(what), "clock_getres %s NULL", clocks[i].name);
		expect_ok(what, syscall(SYS_clock_getres, clocks[i].id, NULL));
	}
	struct timespec t;
	/* 10 is CLOCK_SGI_CYCLE, never implemented; 16 is past the last id. */
	static const clockid_t bad[] = { 10, 16, 100, INT32_MAX };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(what, sizeof(what), "clock_gettime invalid id %d", bad[i]);
		expect_errno(what, syscall(SYS_clock_gettime, bad[i], &t), EINVAL);
		snprintf(what, sizeof(what), "clock_getres invalid id %d", bad[i]);
		expect_errno(what, syscall(SYS_clock_getres, bad[i], &t), EINVAL);
	}
	expect_errno("clock_gettime bad pointer", syscall(SYS_clock_gettime, CLOCK_MONOTONIC,
							  BAD_PTR), EFAULT);
	expect_errno("clock_gettime NULL", syscall(SYS_clock_gettime, CLOCK_REALTIME, NULL), EFAULT);
	expect_errno("clock_getres bad pointer", syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD_PTR),
		     EFAULT);

	expect_true("CLOCK_REALTIME after 2020", now(CLOCK_REALTIME) / NSEC > Y2020);
	expect_true("CLOCK_TAI after 2020", now(CLOCK_TAI) / NSEC > Y2020);
	long long mono = now(CLOCK_MONOTONIC), boot = now(CLOCK_BOOTTIME);
	expect_true("CLOCK_BOOTTIME >= CLOCK_MONOTONIC", boot >= mono);
	int monotonic = 1;
	long long prev = now(CLOCK_MONOTONIC), prev_raw = now(CLOCK_MONOTONIC_RAW);
	for (int i = 0; i < 1000; i++) {
		long long t1 = now(CLOCK_MONOTONIC), t2 = now(CLOCK_MONOTONIC_RAW);
		monotonic &= t1 >= prev && t2 >= prev_raw;
		prev = t1;
		prev_raw = t2;
	}
	expect_true("CLOCK_MONOTONIC and MONOTONIC_RAW never go back", monotonic);

	/* The vDSO (libc's clock_gettime) and the system call tell the same time. */
	struct timespec v;
	long long before = now(CLOCK_MONOTONIC);
	clock_gettime(CLOCK_MONOTONIC, &v);
	long long after = now(CLOCK_MONOTONIC);
	expect_true("vDSO CLOCK_MONOTONIC between two system calls",
		    before <= ns(&v) && ns(&v) <= after);
	before = now(CLOCK_REALTIME);
	clock_gettime(CLOCK_REALTIME, &v);
	after = now(CLOCK_REALTIME);
	expect_true("vDSO CLOCK_REALTIME between two system calls",
		    before <= ns(&v) && ns(&v) <= after);

	long long cpu0 = now(CLOCK_PROCESS_CPUTIME_ID), thr0 = now(CLOCK_THREAD_CPUTIME_ID);
	volatile unsigned long spin = 0;
	long long until = now(CLOCK_MONOTONIC) + 5000000;
	while (now(CLOCK_MONOTONIC) < until)
		spin++;
	expect_true("CLOCK_PROCESS_CPUTIME_ID advances while busy",
		    now(CLOCK_PROCESS_CPUTIME_ID) > cpu0);
	expect_true("CLOCK_THREAD_CPUTIME_ID advances while busy",
		    now(CLOCK_THREAD_CPUTIME_ID) > thr0);
}

static void test_sleep(void)
{
	struct timespec req = { 0, 1000000 }, rem = { 9, 9 };
	long long t0 = now(CLOCK_MONOTONIC);
	expect_ok("nanosleep 1ms", syscall(SYS_nanosleep, &req, &rem));
	expect_true("nanosleep slept at least 1ms", now(CLOCK_MONOTONIC) - t0 >= 1000000);
	expect_ok("nanosleep 0", syscall(SYS_nanosleep, &(struct timespec){ 0, 0 }, NULL));
	expect_errno("nanosleep tv_nsec 1e9",
		     syscall(SYS_nanosleep, &(struct timespec){ 0, NSEC }, NULL), EINVAL);
	expect_errno("nanosleep tv_nsec -1",
		     syscall(SYS_nanosleep, &(struct timespec){ 0, -1 }, NULL), EINVAL);
	expect_errno("nanosleep tv_sec -1",
		     syscall(SYS_nanosleep, &(struct timespec){ -1, 0 }, NULL), EINVAL);
	expect_errno("nanosleep bad request", syscall(SYS_nanosleep, BAD_PTR, NULL), EFAULT);
	expect_errno("nanosleep NULL request", syscall(SYS_nanosleep, NULL, NULL), EFAULT);

	t0 = now(CLOCK_MONOTONIC);
	expect_ok("clock_nanosleep relative 1ms",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &req, NULL));
	expect_true("clock_nanosleep slept at least 1ms", now(CLOCK_MONOTONIC) - t0 >= 1000000);
	struct timespec abs;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 2000000;
	if (abs.tv_nsec >= NSEC) {
		abs.tv_sec++;
		abs.tv_nsec -= NSEC;
	}
	expect_ok("clock_nanosleep TIMER_ABSTIME",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL));
	expect_true("TIMER_ABSTIME woke at or after the deadline", now(CLOCK_MONOTONIC) >= ns(&abs));
	t0 = now(CLOCK_MONOTONIC);
	expect_ok("clock_nanosleep TIMER_ABSTIME in the past",
		  syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME,
			  &(struct timespec){ 1, 0 }, NULL));
	expect_true("a past deadline returns at once", now(CLOCK_MONOTONIC) - t0 < NSEC);
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &abs);
	abs.tv_nsec = 0;
	abs.tv_sec -= 1;
	expect_ok("clock_nanosleep CLOCK_REALTIME TIMER_ABSTIME in the past",
		  syscall(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL));
	expect_ok("clock_nanosleep CLOCK_BOOTTIME",
		  syscall(SYS_clock_nanosleep, CLOCK_BOOTTIME, 0, &req, NULL));
	expect_errno("clock_nanosleep bad tv_nsec",
		     syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0,
			     &(struct timespec){ 0, NSEC }, NULL), EINVAL);
	expect_errno("clock_nanosleep invalid clock",
		     syscall(SYS_clock_nanosleep, 100, 0, &req, NULL), EINVAL);
	/* clock_nanosleep(2) says EINVAL; the kernel has said EOPNOTSUPP since clocks lost nsleep. */
	expect_errno("clock_nanosleep CLOCK_THREAD_CPUTIME_ID",
		     syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL), EOPNOTSUPP);
	expect_errno("clock_nanosleep bad request",
		     syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD_PTR, NULL), EFAULT);
}

static void test_wall(void)
{
	struct timeval tv;
	struct timezone tz;
	expect_ok("gettimeofday", syscall(SYS_gettimeofday, &tv, &tz));
	expect_true("gettimeofday tv_usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	expect_true("gettimeofday after 2020", tv.tv_sec > Y2020);
	expect_ok("gettimeofday NULL NULL", syscall(SYS_gettimeofday, NULL, NULL));
	expect_ok("gettimeofday timezone only", syscall(SYS_gettimeofday, NULL, &tz));
	expect_errno("gettimeofday bad tv", syscall(SYS_gettimeofday, BAD_PTR, NULL), EFAULT);
	expect_errno("gettimeofday bad tz", syscall(SYS_gettimeofday, &tv, BAD_PTR), EFAULT);
	long long rt = now(CLOCK_REALTIME) / NSEC;
	expect_true("gettimeofday agrees with CLOCK_REALTIME", tv.tv_sec <= rt && rt - tv.tv_sec <= 2);
	struct timeval vtv;
	gettimeofday(&vtv, NULL);
	expect_true("vDSO gettimeofday not before the system call", vtv.tv_sec > tv.tv_sec ||
			    (vtv.tv_sec == tv.tv_sec && vtv.tv_usec >= tv.tv_usec));

	time_t t = 0;
	long r = syscall(SYS_time, &t);
	expect_true("time returns what it stores", r == (long)t);
	expect_true("time after 2020", r > Y2020);
	expect_true("time NULL", syscall(SYS_time, NULL) >= r);
	expect_true("time agrees with CLOCK_REALTIME", now(CLOCK_REALTIME) / NSEC - r <= 2);
	expect_errno("time bad pointer", syscall(SYS_time, BAD_PTR), EFAULT);
	expect_true("vDSO time", time(NULL) >= r);

	struct tms tm;
	long ticks = syscall(SYS_times, &tm);
	expect_true("times succeeds", ticks != -1);
	expect_true("times fields non-negative", tm.tms_utime >= 0 && tm.tms_stime >= 0 &&
			    tm.tms_cutime >= 0 && tm.tms_cstime >= 0);
	expect_true("times NULL", syscall(SYS_times, NULL) != -1);
	expect_errno("times bad pointer", syscall(SYS_times, BAD_PTR), EFAULT);
	expect_eq("sysconf _SC_CLK_TCK", sysconf(_SC_CLK_TCK), 100);
}

int main(void)
{
	test_clocks();
	test_sleep();
	test_wall();
	return expect_status();
}
