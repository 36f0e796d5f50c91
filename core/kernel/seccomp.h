/*
 * core/kernel/seccomp.h: the application's own seccomp (seccomp(2), prctl(PR_SET_SECCOMP)):
 * a classic-BPF validator and interpreter like Linux's, run on struct seccomp_data before
 * every system call of a task that has a filter.
 *
 * A task's filters are an immutable chain, newest first, each filter referenced by the
 * tasks that run it and by the newer filter stacked on it (Linux's per-task chain): fork and
 * clone take a reference on the parent's chain, execve keeps it. Strict mode is a chain of its
 * own (g_seccomp_strict, never freed), so a task without seccomp costs one pointer test.
 */
#pragma once

#include <stdint.h>

#include "kernel/task.h"

struct sock_filter;

/* One installed filter; immutable once attached. */
struct seccomp_filter {
	int refs;			/* tasks and newer filters pointing here (atomic) */
	struct seccomp_filter *prev;	/* the filter it was stacked on, referenced; NULL: first */
	int strict;			/* the strict-mode marker, not a program */
	int log;			/* SECCOMP_FILTER_FLAG_LOG: non-allow actions are logged */
	uint32_t len;			/* instructions in @insns, 1..BPF_MAXINSNS */
	uint32_t depth;			/* filters in the chain ending here (Seccomp_filters:) */
	uint32_t path_insns;		/* instructions of the chain plus 4 per filter (Linux) */
	struct sock_filter *insns;	/* the validated program, owned */
};

/* Strict mode (SECCOMP_SET_MODE_STRICT): only read, write, exit and rt_sigreturn. */
extern struct seccomp_filter g_seccomp_strict;

/* Checks @len instructions as Linux's seccomp_check_filter and bpf_check_classic do: 1..4096
 * instructions, only seccomp's opcodes, loads of struct seccomp_data at aligned in-bounds
 * offsets, forward jumps inside the program, scratch words written before read, a RET last.
 * Returns 0 or -EINVAL. */
int seccomp_check(const struct sock_filter *insns, uint32_t len);

/* Runs @f's chain (newest first) on system call @nr with @args at @ip and returns the action
 * with the highest precedence with its data (SECCOMP_RET_*), as Linux's seccomp_run_filters;
 * *@ret_match (unless NULL) is the filter that gave it, untouched when all allow. */
uint32_t seccomp_run(const struct seccomp_filter *f, int nr, const uint64_t args[6],
		     uint64_t ip, const struct seccomp_filter **ret_match);

/* The task's chain (NULL: none), read from any thread (TSYNC writes other threads'). */
static inline struct seccomp_filter *seccomp_of(const struct task *t)
{
	return __atomic_load_n(&t->seccomp, __ATOMIC_ACQUIRE);
}

/* References: take, drop (the chain is freed filter by filter when the last goes). The strict
 * marker and NULL are ignored. */
void seccomp_get(struct seccomp_filter *f);
void seccomp_put(struct seccomp_filter *f);

/* The mode PR_GET_SECCOMP and /proc/PID/status report: 0 none, 1 strict, 2 filter. */
int seccomp_mode(const struct seccomp_filter *f);

/* Filters in the chain (/proc/PID/status Seccomp_filters:). */
static inline uint32_t seccomp_count(const struct seccomp_filter *f)
{
	return f && !f->strict ? f->depth : 0;
}

/* seccomp(2)'s operations, for sys_seccomp and prctl(PR_SET_SECCOMP). @op is SECCOMP_SET_MODE_*
 * or SECCOMP_GET_*, @flags and @uargs as the call gives them. Returns 0, a TID (TSYNC: a thread
 * that cannot take the chain), or -EINVAL, -EFAULT, -EACCES, -ENOMEM, -ESRCH, -EOPNOTSUPP. */
int64_t seccomp_op(struct task *t, unsigned op, unsigned flags, uint64_t uargs);

/* Installs the @len-instruction program @insns (copied) on @t as its process's starting
 * filter (config.json's linux.seccomp), without seccomp(2)'s privilege check. @log: non-allow
 * actions are logged. Returns 0, -EINVAL (a bad program), -ENOMEM. */
int seccomp_install(struct task *t, const struct sock_filter *insns, uint32_t len, int log);

/* The hook before dispatch (task.c) for a task with a chain: runs it on the call in @t's
 * registers. Returns 0 to run the call, or 1 when the call is not run: *ret is then its
 * result, and the task may have been ended (t->exited) or given a SIGSYS. */
int seccomp_enter(struct task *t, const uint64_t args[6], int64_t *ret);
