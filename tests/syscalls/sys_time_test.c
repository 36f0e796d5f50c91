/*
 * Clocks, sleeps, process information and futexes with good and bad inputs: clock_gettime,
 * clock_getres, gettimeofday, time, nanosleep, clock_nanosleep (relative, TIMER_ABSTIME, bad
 * clocks and times), times, getrusage, sysinfo, sched_yield, sched_getaffinity, prctl names,
 * futex WAIT/WAKE. Raw system calls, so the vDSO does not answer in the Sentry's place.
 */
#include "verdict.h"

#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static void test_clocks(void)
{
	static const int ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID,
				   CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW,
				   CLOCK_REALTIME_COARSE, CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME,
				   CLOCK_TAI, 10, 12, 1000, -1 };
	char name[64];
	struct timespec ts;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		snprintf(name, sizeof(name), "clock_gettime %d", ids[i]);
		verdict(name, syscall(SYS_clock_gettime, ids[i], &ts));
		snprintf(name, sizeof(name), "clock_getres %d", ids[i]);
		ts.tv_sec = ts.tv_nsec = -1;
		long rc = syscall(SYS_clock_getres, ids[i], &ts);
		if (rc == 0)
			printf("%s: %ld.%09ld\n", name, (long)ts.tv_sec, ts.tv_nsec);
		else
			verdict(name, rc);
	}
	clockid_t cpu;
	verdict("clock_getcpuclockid self", clock_getcpuclockid(getpid(), &cpu) ? -1 : 0);
	verdict("clock_gettime own cpu clock", syscall(SYS_clock_gettime, cpu, &ts));
	verdict("clock_gettime pid 0 cpu clock", syscall(SYS_clock_gettime, -6, &ts));
	verdict("clock_gettime thread 0 cpu clock", syscall(SYS_clock_gettime, -2, &ts));
	verdict("clock_gettime fd clock", syscall(SYS_clock_gettime, -5, &ts));
	verdict("clock_gettime bad pointer", syscall(SYS_clock_gettime, CLOCK_REALTIME, BAD_PTR));
	verdict("clock_getres null", syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL));
	verdict("clock_getres bad pointer", syscall(SYS_clock_getres, CLOCK_MONOTONIC, BAD_PTR));

	struct timespec a, b;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
	printf("monotonic does not go back: %d\n", ns(&b) >= ns(&a));
	struct timeval tv;
	struct timezone tz;
	verdict("gettimeofday", syscall(SYS_gettimeofday, &tv, &tz));
	printf("usec in range: %d\n", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	verdict("gettimeofday nulls", syscall(SYS_gettimeofday, NULL, NULL));
	verdict("gettimeofday bad tv", syscall(SYS_gettimeofday, BAD_PTR, NULL));
	verdict("gettimeofday bad tz", syscall(SYS_gettimeofday, NULL, BAD_PTR));
	time_t t1 = 0;
	long t0 = syscall(SYS_time, NULL);
	syscall(SYS_time, &t1);
	printf("time agrees: %d\n", t1 - t0 >= 0 && t1 - t0 < 5 && t0 - tv.tv_sec < 5);
	verdict("time bad pointer", syscall(SYS_time, BAD_PTR));
}

static void test_sleeps(void)
{
	struct timespec d = { 0, 20 * 1000 * 1000 }, a, b;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
	verdict("nanosleep 20ms", syscall(SYS_nanosleep, &d, NULL));
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
	printf("slept long enough: %d\n", ns(&b) - ns(&a) >= 20 * 1000 * 1000);
	struct timespec bad = { 0, 1000000000 };
	verdict("nanosleep nsec too big", syscall(SYS_nanosleep, &bad, NULL));
	bad.tv_nsec = -1;
	verdict("nanosleep negative nsec", syscall(SYS_nanosleep, &bad, NULL));
	struct timespec neg = { -1, 0 };
	verdict("nanosleep negative sec", syscall(SYS_nanosleep, &neg, NULL));
	verdict("nanosleep bad pointer", syscall(SYS_nanosleep, BAD_PTR, NULL));
	struct timespec zero = { 0, 0 };
	verdict("nanosleep zero", syscall(SYS_nanosleep, &zero, BAD_PTR));

	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
	struct timespec until = a;
	until.tv_nsec += 10 * 1000 * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	verdict("clock_nanosleep abstime",
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL));
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
	printf("reached deadline: %d\n", ns(&b) >= ns(&until));
	verdict("clock_nanosleep abstime past",
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &a, NULL));
	d.tv_nsec = 1000;
	verdict("clock_nanosleep realtime relative",
		syscall(SYS_clock_nanosleep, CLOCK_REALTIME, 0, &d, NULL));
	verdict("clock_nanosleep boottime",
		syscall(SYS_clock_nanosleep, CLOCK_BOOTTIME, 0, &d, NULL));
	verdict("clock_nanosleep tai", syscall(SYS_clock_nanosleep, CLOCK_TAI, 0, &d, NULL));
	verdict("clock_nanosleep other flags",
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 2, &d, NULL));
	verdict("clock_nanosleep thread cpu",
		syscall(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL));
	verdict("clock_nanosleep raw", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC_RAW, 0, &d,
					       NULL));
	verdict("clock_nanosleep coarse",
		syscall(SYS_clock_nanosleep, CLOCK_REALTIME_COARSE, 0, &d, NULL));
	verdict("clock_nanosleep bad clock", syscall(SYS_clock_nanosleep, 99, 0, &d, NULL));
	verdict("clock_nanosleep bad clock and time",
		syscall(SYS_clock_nanosleep, 99, 0, BAD_PTR, NULL));
	verdict("clock_nanosleep per-thread cpu id",
		syscall(SYS_clock_nanosleep, -2, 0, &d, NULL));
	struct timespec past = { 0, 0 };
	verdict("clock_nanosleep process cpu past deadline",
		syscall(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &past, NULL));
	verdict("clock_nanosleep bad pointer",
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, BAD_PTR, NULL));
	verdict("clock_nanosleep negative abstime",
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, &neg, NULL));
	bad.tv_nsec = 1000000000;
	verdict("clock_nanosleep bad nsec",
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &bad, NULL));
}

static void test_usage(void)
{
	struct tms tms;
	long t = syscall(SYS_times, &tms);
	printf("times: %s\n", t > 0 ? "positive" : strerrorname_np(errno));
	printf("times null: %s\n", syscall(SYS_times, NULL) > 0 ? "positive" : "bad");
	verdict("times bad pointer", syscall(SYS_times, BAD_PTR));
	struct rusage ru;
	verdict("getrusage self", syscall(SYS_getrusage, RUSAGE_SELF, &ru));
	verdict("getrusage children", syscall(SYS_getrusage, RUSAGE_CHILDREN, &ru));
	printf("children utime: %ld\n", (long)ru.ru_utime.tv_sec);
	verdict("getrusage thread", syscall(SYS_getrusage, RUSAGE_THREAD, &ru));
	verdict("getrusage bad who", syscall(SYS_getrusage, 5, &ru));
	verdict("getrusage bad who -2", syscall(SYS_getrusage, -2, &ru));
	verdict("getrusage bad pointer", syscall(SYS_getrusage, RUSAGE_SELF, BAD_PTR));
	struct sysinfo si;
	verdict("sysinfo", syscall(SYS_sysinfo, &si));
	printf("sysinfo: unit %u, ram %d, procs %d\n", si.mem_unit, si.totalram > 0, si.procs > 0);
	verdict("sysinfo bad pointer", syscall(SYS_sysinfo, BAD_PTR));
	verdict("sched_yield", syscall(SYS_sched_yield));
}

static void test_affinity(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	long n = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
	printf("sched_getaffinity: %s, cpus %d, matches nprocs %d\n", n > 0 ? "ok" : "fail",
	       CPU_COUNT(&set), CPU_COUNT(&set) == sysconf(_SC_NPROCESSORS_ONLN));
	verdict_val("sched_getaffinity own pid",
		    syscall(SYS_sched_getaffinity, getpid(), sizeof(set), &set) > 0);
	verdict("sched_getaffinity size 0", syscall(SYS_sched_getaffinity, 0, 0, &set));
	verdict("sched_getaffinity size 7", syscall(SYS_sched_getaffinity, 0, 7, &set));
	verdict("sched_getaffinity size 12", syscall(SYS_sched_getaffinity, 0, 12, &set));
	verdict("sched_getaffinity bad pointer",
		syscall(SYS_sched_getaffinity, 0, sizeof(set), BAD_PTR));
	verdict("sched_getaffinity no such pid",
		syscall(SYS_sched_getaffinity, 99999999, sizeof(set), &set));
	verdict("sched_getaffinity negative pid",
		syscall(SYS_sched_getaffinity, -5, sizeof(set), &set));
}

static void test_prctl(void)
{
	char name[32];
	verdict("PR_SET_NAME", syscall(SYS_prctl, PR_SET_NAME, "cvisor-test", 0, 0, 0));
	memset(name, 'x', sizeof(name));
	verdict("PR_GET_NAME", syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0));
	printf("name: %s\n", name);
	verdict("PR_SET_NAME long", syscall(SYS_prctl, PR_SET_NAME,
					    "a-name-longer-than-sixteen-bytes", 0, 0, 0));
	syscall(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
	printf("name: %s (%zu)\n", name, strlen(name));
	verdict("PR_SET_NAME bad pointer", syscall(SYS_prctl, PR_SET_NAME, BAD_PTR, 0, 0, 0));
	verdict("PR_GET_NAME bad pointer", syscall(SYS_prctl, PR_GET_NAME, BAD_PTR, 0, 0, 0));
	verdict("prctl unknown option", syscall(SYS_prctl, 0x7fff, 0, 0, 0, 0));
}

static void test_futex(void)
{
	static uint32_t word = 5;
	struct timespec d = { 0, 10 * 1000 * 1000 };
	verdict("futex wait mismatch", syscall(SYS_futex, &word, FUTEX_WAIT, 4, &d, NULL, 0));
	verdict("futex wait timeout", syscall(SYS_futex, &word, FUTEX_WAIT, 5, &d, NULL, 0));
	verdict("futex wait private timeout",
		syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 5, &d, NULL, 0));
	verdict_val("futex wake", syscall(SYS_futex, &word, FUTEX_WAKE, 1, NULL, NULL, 0));
	verdict_val("futex wake private",
		    syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
	verdict("futex unaligned", syscall(SYS_futex, (char *)&word + 1, FUTEX_WAIT, 5, &d,
					   NULL, 0));
	verdict("futex wake unaligned", syscall(SYS_futex, (char *)&word + 1, FUTEX_WAKE, 1,
						NULL, NULL, 0));
	verdict("futex wait bad address", syscall(SYS_futex, BAD_PTR, FUTEX_WAIT, 5, &d, NULL, 0));
	verdict("futex bad timeout pointer",
		syscall(SYS_futex, &word, FUTEX_WAIT, 5, BAD_PTR, NULL, 0));
	struct timespec bad = { 0, -1 };
	verdict("futex bad timeout", syscall(SYS_futex, &word, FUTEX_WAIT, 5, &bad, NULL, 0));
	verdict("futex unknown op", syscall(SYS_futex, &word, 99, 0, NULL, NULL, 0));
	verdict("futex wait bitset zero",
		syscall(SYS_futex, &word, FUTEX_WAIT_BITSET, 5, NULL, NULL, 0));
	verdict("futex wake bitset zero",
		syscall(SYS_futex, &word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
	struct timespec abs;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 5 * 1000 * 1000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	verdict("futex wait bitset abs timeout",
		syscall(SYS_futex, &word, FUTEX_WAIT_BITSET, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY));
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &abs);
	verdict("futex wait bitset realtime past",
		syscall(SYS_futex, &word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 5, &abs, NULL,
			FUTEX_BITSET_MATCH_ANY));
	verdict("futex wake with clock_realtime",
		syscall(SYS_futex, &word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));
}

int main(void)
{
	test_clocks();
	test_sleeps();
	test_usage();
	test_affinity();
	test_prctl();
	test_futex();
	return 0;
}
