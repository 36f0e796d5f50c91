/*
 * core/vdso/vdso.c: cvisor's vDSO, the code behind clock_gettime, gettimeofday and time that runs
 * inside the application without a trap into the Sentry (issue #5).
 *
 * Built freestanding and position independent into a tiny shared object (vdso.lds), embedded
 * into the Sentry, and mapped into every process right above its parameter page. Anything it
 * cannot answer from the TSC it passes to the real system call, which the Sentry serves.
 */
#include <stdint.h>

#include "vdso_params.h"

/* The parameter page sits just below the image; vdso.lds defines the symbol. */
extern const struct vdso_params vvar_params __attribute__((visibility("hidden")));

struct vdso_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct vdso_timeval {
	int64_t tv_sec;
	int64_t tv_usec;
};

#define NR_gettimeofday 96
#define NR_time 201
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_getcpu 309

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7

static long vdso_syscall3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static uint64_t vdso_rdtsc(void)
{
	uint32_t lo, hi;
	/* lfence keeps the read after earlier loads, so time never appears to go backwards
	 * (rdtscp would too, but not every CPU, nested ones especially, has it). */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* Nanoseconds on @clock from the TSC, or -1 if this clock is not served here. */
static int64_t vdso_ns(int clock)
{
	const volatile struct vdso_params *p = &vvar_params;
	if (!p->valid)
		return -1;
	int64_t base;
	switch (clock) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		base = p->real_base_ns;
		break;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		base = p->mono_base_ns;
		break;
	default:
		return -1;
	}
	uint64_t delta = vdso_rdtsc() - p->tsc_base;
	return base + (int64_t)(((unsigned __int128)delta * p->mult) >> 32);
}

int __vdso_clock_gettime(int clock, struct vdso_timespec *ts)
{
	int64_t ns = vdso_ns(clock);
	if (ns < 0)
		return (int)vdso_syscall3(NR_clock_gettime, clock, (long)ts, 0);
	ts->tv_sec = ns / 1000000000;
	ts->tv_nsec = ns % 1000000000;
	return 0;
}

int __vdso_gettimeofday(struct vdso_timeval *tv, void *tz)
{
	int64_t ns = vdso_ns(CLOCK_REALTIME);
	if (ns < 0 || tz)
		return (int)vdso_syscall3(NR_gettimeofday, (long)tv, (long)tz, 0);
	if (tv) {
		tv->tv_sec = ns / 1000000000;
		tv->tv_usec = ns % 1000000000 / 1000;
	}
	return 0;
}

int64_t __vdso_time(int64_t *t)
{
	int64_t ns = vdso_ns(CLOCK_REALTIME);
	if (ns < 0)
		return vdso_syscall3(NR_time, (long)t, 0, 0);
	int64_t s = ns / 1000000000;
	if (t)
		*t = s;
	return s;
}

int __vdso_clock_getres(int clock, struct vdso_timespec *res)
{
	return (int)vdso_syscall3(NR_clock_getres, clock, (long)res, 0);
}

int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
	return (int)vdso_syscall3(NR_getcpu, (long)cpu, (long)node, (long)unused);
}

/* The unprefixed names glibc also looks up. */
int clock_gettime(int, struct vdso_timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct vdso_timeval *, void *) __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct vdso_timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
