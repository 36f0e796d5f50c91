/*
 * plugins/platform-ptrace/ptrace.h: internals of the ptrace platform.
 *
 * An address space is a stub process: a fork of the Sentry that unmaps everything but a few
 * pages of its own (the stub region, at the top of the user range) and stops under
 * PTRACE_TRACEME, so the Sentry thread that made it is its tracer. The application runs in the
 * stub under PTRACE_SYSEMU: every system call stops before the host runs it. Memory file ranges
 * are mapped into the stub by system calls the stub itself makes: the Sentry queues them in a
 * batch page shared with the stub and runs the whole batch in one round trip before the next
 * switch.
 *
 * Today one stub thread serves an address space, traced by the thread that made it; contexts of
 * other threads (CLONE_VM) need a stub thread of their own and come with the process model
 * (issue #7). switch_to refuses them with -EPERM rather than racing on one tracee.
 */
#pragma once

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "sentry/platform.h"
#include "sentry/services.h"

/* The stub region: code, batch page, stack. STUB_PAGES pages at a base chosen at init. */
#define STUB_PAGE 4096ull
#define STUB_PAGES 4ull
#define STUB_CODE_OFF 0ull
#define STUB_BATCH_OFF (1 * STUB_PAGE)
#define STUB_STACK_TOP_OFF (STUB_PAGES * STUB_PAGE)
/* One past the highest user address of x86-64 with 4-level paging (TASK_SIZE_MAX). */
#define USER_TOP 0x7ffffffff000ull

/* One system call the stub makes for the Sentry. */
struct stub_op {
	uint64_t nr;
	uint64_t args[6];
	int64_t ret;		/* written by the stub */
};

/* The batch page: ops run in order, their results written back. */
#define STUB_BATCH_MAX ((STUB_PAGE - 8) / sizeof(struct stub_op))
struct stub_batch {
	uint64_t count;
	struct stub_op ops[STUB_BATCH_MAX];
};

struct ptrace_platform {
	const struct sentry_services *svc;
	uint64_t stub_base;	/* where the stub region lives in every stub (reserved here too) */
	uint32_t fpu_size;	/* XSAVE area size of this CPU's enabled features */
};

struct sentry_as {
	struct ptrace_platform *pp;
	pid_t pid;			/* the stub process (and its only thread) */
	pid_t tracer;			/* host TID of the thread tracing it */
	uint64_t batch_off;		/* memory file offset of the batch page */
	struct stub_batch *batch;	/* the Sentry's view of it */
	const struct sentry_cpu_state *fpu_owner; /* whose FPU state the stub thread holds */
	int dead;			/* the stub exited or was killed: every op fails */
};

struct sentry_ctx {
	struct ptrace_platform *pp;
	int cpu;			/* host CPU of the owning task thread, or -1 */
	atomic_int interrupt;		/* interrupt() was called since the last exit */
	_Atomic pid_t running;		/* stub TID while switch_to runs the application, else 0 */
};

/* stub.c */
int stub_reserve(struct ptrace_platform *pp);
int stub_spawn(struct ptrace_platform *pp, struct sentry_as *as);
void stub_kill(struct sentry_as *as);
/* Runs the queued batch now. Returns 0 or -errno of the first failed op (the rest still ran). */
int stub_flush(struct sentry_as *as);
/* Waits for the next stop of @pid; *ret_status as waitpid. Returns 0, or -ECHILD when the stub
 * is gone (marked dead). */
int stub_wait(struct sentry_as *as, int *ret_status);

/* ptrace_ctx.c */
extern const struct sentry_ctx_ops g_ptrace_ctx_ops;
int ptrace_ctx_new(void *state, int cpu_hint, struct sentry_ctx **ret_ctx);

/* ptrace_as.c */
extern const struct sentry_as_ops g_ptrace_as_ops;
int ptrace_as_new(void *state, struct sentry_as **ret_as);
