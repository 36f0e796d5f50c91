/*
 * sentry/platform.h: how application code runs (platform-ptrace, platform-kvm).
 *
 * A platform offers two objects. An address space is the application's view of memory: ranges of
 * the memory file mapped at addresses with a protection. A context runs one application thread:
 * switch() enters the application with given registers in an address space and returns when the
 * thread makes a system call, faults, gets a host signal or is interrupted.
 *
 * Threads: every slot of an address space or context is called from the task thread that owns
 * it, except ctx interrupt(), which any thread may call at any time.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque, plugin-defined. */
struct sentry_as;
struct sentry_ctx;

/* General registers of an x86-64 thread, in the order of struct user_regs_struct. */
struct sentry_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi;
	uint64_t orig_rax;	/* system call number at a syscall exit */
	uint64_t rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base;
	uint64_t ds, es, fs, gs;
};

/* Everything a context needs to run a thread. The FPU area is the XSAVE image (legacy region,
 * header, extended components) sized by sentry_platform_info.fpu_size. */
struct sentry_cpu_state {
	struct sentry_regs regs;
	void *fpu;		/* XSAVE area, 64-byte aligned, owned by the core */
	uint32_t fpu_size;	/* bytes at fpu */
	uint32_t fpu_dirty;	/* nonzero when the core changed it (signal delivery, sigreturn) */
	/* With a platform that has ctx_ops.fpu_get, fpu may be older than the thread's state
	 * after switch_to: the core calls fpu_get before it reads fpu. */
};

/* Why switch() returned. */
enum sentry_exit_kind {
	SENTRY_EXIT_SYSCALL = 1,	/* regs.orig_rax holds the number, args in the usual registers */
	SENTRY_EXIT_FAULT = 2,		/* memory fault: addr and access below */
	SENTRY_EXIT_SIGNAL = 3,		/* a synchronous signal other than a fault (SIGILL, SIGFPE,
					 * SIGTRAP): signo and code */
	SENTRY_EXIT_INTERRUPT = 4,	/* interrupt() was called, or the host preempted the context */
};

/* Access type bits of a fault. */
#define SENTRY_ACCESS_READ  1u
#define SENTRY_ACCESS_WRITE 2u
#define SENTRY_ACCESS_EXEC  4u

struct sentry_exit {
	uint32_t kind;		/* enum sentry_exit_kind */
	uint32_t access;	/* SENTRY_ACCESS_* for a fault */
	uint64_t addr;		/* faulting address for a fault, si_addr for a signal */
	int32_t signo;		/* signal number for SENTRY_EXIT_SIGNAL */
	int32_t code;		/* si_code for SENTRY_EXIT_SIGNAL */
};

/* Protection bits for map/protect, same values as PROT_*. */
#define SENTRY_PROT_READ  1u
#define SENTRY_PROT_WRITE 2u
#define SENTRY_PROT_EXEC  4u

/* What the core needs to know about a platform before using it. */
struct sentry_platform_info {
	uint64_t min_user_addr;	/* lowest address the application may map */
	uint64_t max_user_addr;	/* one past the highest */
	uint32_t fpu_size;	/* XSAVE area size the platform saves and restores */
	uint32_t flags;		/* SENTRY_PLATFORM_* */
};

/* The platform may run several contexts truly in parallel; without it the core serializes. */
#define SENTRY_PLATFORM_SMP	 1u
/* switch() may report SENTRY_EXIT_INTERRUPT when the host CPU changed (KVM vCPU migration). */
#define SENTRY_PLATFORM_PREEMPT	 2u

struct sentry_as_ops {
	/* Mandatory. Maps memory file range [mf_off, mf_off+len) at [addr, addr+len) with @prot
	 * (SENTRY_PROT_*), replacing what was there. addr, len and mf_off are page aligned and the
	 * range lies inside [min_user_addr, max_user_addr): the core checked. The platform may defer
	 * the work until flush() or the next switch(). Returns 0, -ENOMEM. */
	int (*map)(struct sentry_as *as, uint64_t addr, uint64_t len, uint64_t mf_off, uint32_t prot);
	/* Mandatory. Removes mappings in [addr, addr+len); unmapped pages fault. Returns 0 or
	 * -errno. */
	int (*unmap)(struct sentry_as *as, uint64_t addr, uint64_t len);
	/* Optional. Changes the protection of mapped pages in the range. NULL: the core unmaps and
	 * lets the pages fault back in with the new protection. */
	int (*protect)(struct sentry_as *as, uint64_t addr, uint64_t len, uint32_t prot);
	/* Optional. Applies deferred map/unmap work now (before the core reuses memory file pages it
	 * unmapped). NULL: map/unmap are synchronous. */
	int (*flush)(struct sentry_as *as);
	/* Mandatory. Destroys the address space; no context is running in it. */
	void (*release)(struct sentry_as *as);
	/* Optional, ABI minor 3. Removes every mapping, as unmap of [min_user_addr,
	 * max_user_addr) would: an execve of a process that shares its memory with no one keeps
	 * its address space for the new image, whose making and ending cost the ptrace platform a
	 * stub process each. May be deferred like unmap (the core flushes). Returns 0 or -errno.
	 * NULL: every image gets a new address space. */
	int (*reset)(struct sentry_as *as);
};

struct sentry_ctx_ops {
	/* Mandatory. Runs @cpu in @as until an exit, described in *ret_exit; @cpu is updated with the
	 * thread's state at the exit. Returns 0, or -errno when the platform itself failed (the core
	 * kills the thread group with SIGKILL and logs it). */
	int (*switch_to)(struct sentry_ctx *ctx, struct sentry_as *as, struct sentry_cpu_state *cpu,
			 struct sentry_exit *ret_exit);
	/* Mandatory. Makes a current or the next switch_to() of @ctx return SENTRY_EXIT_INTERRUPT
	 * soon. Any thread, any time, async-signal-safe. */
	void (*interrupt)(struct sentry_ctx *ctx);
	/* Mandatory. Destroys the context; not running. */
	void (*release)(struct sentry_ctx *ctx);
	/* Optional, ABI minor 3. Brings cpu->fpu up to date. A platform that has it may leave the
	 * thread's FPU state in the context when switch_to returns, for reading it back costs an
	 * XSAVE image copy per exit (an eighth of a system call round trip on ptrace) and the
	 * core seldom looks: at signal delivery, at a sigreturn without a saved image and at
	 * clone. On the owner's thread, with @cpu the state last passed to switch_to. Returns 0 or
	 * -errno. NULL: switch_to always updates cpu->fpu. */
	int (*fpu_get)(struct sentry_ctx *ctx, struct sentry_cpu_state *cpu);
	/* Optional, ABI minor 3. Readies @ctx, whose thread has ended, to run another application
	 * thread on the same host thread, with another sentry_cpu_state: the core keeps a host
	 * thread and its context for the next task thread rather than making both anew, so what
	 * the platform keeps per context (ptrace: a traced stub thread in each address space it
	 * ran in, made and ended by round trips to the stub) serves that thread too. Not running.
	 * NULL: each thread gets a new context. */
	void (*recycle)(struct sentry_ctx *ctx);
};

/* The platform kind's ops table (descriptor kind SENTRY_PLUGIN_PLATFORM). */
struct sentry_platform_ops {
	/* Mandatory. Fills *ret_info. */
	int (*info)(void *state, struct sentry_platform_info *ret_info);
	/* Mandatory. Makes an empty address space. Returns 0, -ENOMEM, -EAGAIN (host limits). */
	int (*as_new)(void *state, struct sentry_as **ret_as);
	/* Mandatory. Makes a context, to run one application thread (then more, with recycle). @cpu_hint is the host CPU the
	 * owning task thread is pinned to, or -1; ptrace pins its stub thread beside it. */
	int (*ctx_new)(void *state, int cpu_hint, struct sentry_ctx **ret_ctx);
	/* Mandatory: the address space and context operations. */
	const struct sentry_as_ops *as_ops;
	size_t as_ops_size;
	const struct sentry_ctx_ops *ctx_ops;
	size_t ctx_ops_size;
	/* Optional. Returns 0 when the platform can run on this host (/dev/kvm usable, ptrace
	 * allowed) or -errno with the reason. NULL: always usable. */
	int (*probe)(void *state);
};

/* Mandatory slots, for the loader and for plugin authors. The platform_ops table must reach
 * ctx_ops_size; as_ops and ctx_ops tables must reach release. */
#define SENTRY_PLATFORM_OPS_MANDATORY(X) X(info) X(as_new) X(ctx_new) X(as_ops) X(ctx_ops)
#define SENTRY_AS_OPS_MANDATORY(X)	 X(map) X(unmap) X(release)
#define SENTRY_CTX_OPS_MANDATORY(X)	 X(switch_to) X(interrupt) X(release)

#ifdef __cplusplus
}
#endif
