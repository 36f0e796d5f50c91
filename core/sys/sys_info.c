/*
 * core/sys/sys_info.c: what a process asks about the machine and itself: sysinfo,
 * sched_yield, sched_getaffinity, prctl.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

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
	/* Uptime, load and memory are the host's (the sandbox has no accounting of its own yet,
	 * TODO(#7)); the process count is the sandbox's. */
	si.procs = 1;
	return mm_copy_out(t->mm, a[0], &si, sizeof(si));
}

int64_t sys_sched_yield(struct task *t, const uint64_t a[6])
{
	(void)sched_yield();
	return 0;
}

int64_t sys_sched_getaffinity(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0];
	/* A larger buffer is clipped to one that is still a multiple of the word size. */
	size_t len = a[1] < AFFINITY_MAX ? (size_t)a[1] : AFFINITY_MAX;
	unsigned long mask[AFFINITY_MAX / sizeof(unsigned long)];
	/* The sandbox's CPUs are the task thread's; the host checks the size the way Linux does
	 * (EINVAL below nr_cpu_ids bits or not a multiple of the word size) and returns how many
	 * bytes it filled. */
	long n = syscall(SYS_sched_getaffinity, 0, len, mask);
	if (n < 0)
		return -errno;
	if (pid < 0 || (pid != 0 && pid != t->tid))
		return -ESRCH;
	return mm_copy_out(t->mm, a[2], mask, (size_t)n) ?: n;
}

int64_t sys_prctl(struct task *t, const uint64_t a[6])
{
	char name[sizeof(t->comm)];
	int64_t n;
	switch ((int)a[0]) {
	case PR_SET_NAME:
		/* Up to 15 bytes are kept; longer names are cut, as Linux does. */
		memset(name, 0, sizeof(name));
		n = mm_copy_string(t->mm, a[1], name, sizeof(name));
		if (n == -EFAULT)
			return -EFAULT;
		if (n == -ENAMETOOLONG && mm_copy_in(t->mm, a[1], name, sizeof(name) - 1) < 0)
			return -EFAULT;
		name[sizeof(name) - 1] = '\0';
		memcpy(t->comm, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		return mm_copy_out(t->mm, a[1], t->comm, sizeof(t->comm));
	default:
		return -EINVAL;
	}
}
