/*
 * core/sys/sys_info.c: what a process asks about the machine and itself: sysinfo,
 * sched_yield, sched_getaffinity (prctl is sys_prctl.c's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "kernel/proc_view.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"

/* Largest affinity mask handed to the host: 8192 CPUs. */
#define AFFINITY_MAX 1024

int64_t sys_sysinfo(struct task *t, const uint64_t a[6])
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return -errno;
	/* Uptime, load and memory are the host's (the sandbox keeps no accounting of its own);
	 * the count is the sandbox's threads, as Linux's nr_threads. */
	struct kernel *k = proc_view_kernel();
	struct proc_view_counts n = { .threads = 1 };
	if (k)
		proc_view_counts(k, &n);
	si.procs = (unsigned short)n.threads;
	return mm_copy_out(t->mm, a[0], &si, sizeof(si));
}

int64_t sys_sched_yield(struct task *t, const uint64_t a[6])
{
	(void)sched_yield();
	return 0;
}

/* The CPUs the Sentry was started on, and the host's mask size in bytes: captured before any
 * task thread is pinned to one CPU (the platform does that for its round trips), since the
 * sandbox may use all of them. */
static unsigned long g_cpus[AFFINITY_MAX / sizeof(unsigned long)];
static long g_cpus_size = -ENOSYS;

__attribute__((constructor)) static void capture_cpus(void)
{
	g_cpus_size = syscall(SYS_sched_getaffinity, 0, sizeof(g_cpus), g_cpus);
	if (g_cpus_size < 0)
		g_cpus_size = -errno;
}

int64_t sys_sched_getaffinity(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0];
	uint64_t len = a[1];
	if (g_cpus_size < 0)
		return g_cpus_size;
	/* sched_getaffinity(2): EINVAL below the kernel's mask size in bits (nr_cpu_ids, which
	 * the host's answer bounds) or for a size not a multiple of the word size. */
	uint64_t used = 0;
	for (size_t i = 0; i < sizeof(g_cpus) / sizeof(g_cpus[0]); i++)
		if (g_cpus[i])
			used = (i + 1) * sizeof(unsigned long);
	if (len < used || (len & (sizeof(unsigned long) - 1)))
		return -EINVAL;
	if (pid < 0 || (pid != 0 && pid != t->tid))
		return -ESRCH;
	size_t n = len < (uint64_t)g_cpus_size ? (size_t)len : (size_t)g_cpus_size;
	return mm_copy_out(t->mm, a[2], g_cpus, n) ?: (int64_t)n;
}
