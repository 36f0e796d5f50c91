/*
 * plugins/platform-ptrace/ptrace.h: internals of the ptrace platform.
 *
 * An address space is a stub process: a fork of the Sentry that unmaps everything but a few
 * pages of its own (the stub region, at the top of the user range) and stops under
 * PTRACE_TRACEME, so the Sentry thread that made it is its tracer. The application runs in the
 * stub under PTRACE_SYSEMU: every system call stops before the host runs it. Memory file ranges
 * are mapped into the stub by system calls the stub itself makes: the Sentry queues them in a
 * batch page shared with the stub and runs the whole batch in one round trip before the next
 * switch, on the calling Sentry thread's own stub thread.
 *
 * The application shares the stub's address space and can read and write whatever of it is
 * mapped writable, from any of its threads at any time. So nothing the stub runs on its own may
 * take orders from such memory: the batch page is read-only in the stub (the Sentry writes it
 * through its own view, and only a traced stub thread, pointed there by its tracer, runs it,
 * reporting a failed op in its registers); the spawner's requests come from that page too; the
 * untraced spawner keeps its state in registers, never on the stack page; and what the control
 * page answers (a new thread's TID) is checked before the Sentry acts on it. Behind that, each stub has a seccomp filter of its
 * own calls (stub.c's stub_filter) and no capabilities.
 *
 * Making stubs: forking the Sentry costs the copy and teardown of its whole page table and a
 * copy-on-write fault on every Sentry page written afterwards, twice per fork+exec. So the
 * Sentry forks one stub once, the template, whose spawner forks new stub processes (tiny, like
 * itself) on request; each maps its own batch and control pages and becomes a spawner of
 * threads. The template ignores SIGCHLD so its dead stubs reap themselves. If the template is
 * gone, the Sentry forks stubs itself as before.
 *
 * Threads: ptrace binds a tracee to one tracer thread, so every Sentry thread that runs in an
 * address space needs a stub thread of its own there (struct stub_thread). The stub's main
 * thread never runs application code: it is the spawner, untraced, sleeping on a futex in the
 * control page until a Sentry thread asks it for a new thread (CLONE_VM, so it shares the
 * memory), which the asker then seizes (PTRACE_SEIZE + PTRACE_INTERRUPT) and keeps. A stub thread
 * is torn down by its tracer: it is made to exit(2) when its context is released, since a
 * SIGKILL would take the whole stub process. The stub notices a dead Sentry by its parent
 * changing (checked each second), and PTRACE_O_EXITKILL kills it when any tracer dies.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "sentry/platform.h"
#include "sentry/services.h"

/* The stub region: code, batch page, control page, stack. STUB_PAGES pages at a base chosen at
 * init. The batch and control pages are memory-file pages the Sentry shares with the stub. */
#define STUB_PAGE 4096ull
#define STUB_PAGES 4ull
#define STUB_CODE_OFF 0ull
#define STUB_BATCH_OFF (1 * STUB_PAGE)
#define STUB_CTL_OFF (2 * STUB_PAGE)
#define STUB_STACK_TOP_OFF (STUB_PAGES * STUB_PAGE)
/* Lowest user address: Linux's default vm.mmap_min_addr. */
#define MIN_USER_ADDR 0x10000ull
/* One past the highest user address of x86-64 with 4-level paging (TASK_SIZE_MAX). */
#define USER_TOP 0x7ffffffff000ull

/* One system call the stub makes for the Sentry. */
struct stub_op {
	uint64_t nr;
	uint64_t args[6];
};

/* The batch page, which the stub maps read-only: only the Sentry writes it. Ops run in order;
 * the first that fails stops its stub thread (ud2) with -errno in rax, for the tracer to note
 * and continue the rest. The spawner's request counter lives here too, so that only the
 * Sentry can ask it for threads. Offsets are fixed: the stub's assembly uses them. */
#define STUB_BATCH_MAX ((STUB_PAGE - 16) / sizeof(struct stub_op))
#define STUB_REQ_OFF (STUB_PAGE - 8)
struct stub_batch {
	uint64_t count;				/* 0: ops queued */
	struct stub_op ops[STUB_BATCH_MAX];	/* 8 */
	char pad[STUB_REQ_OFF - 8 - STUB_BATCH_MAX * sizeof(struct stub_op)];
	uint32_t req;				/* 4088: spawner requests made */
	uint32_t pad2;
};

/* The control page: the spawner's answers. The Sentry bumps the batch page's req and wakes
 * the spawner; it clones a thread, stores its TID (or -errno) in tid, sets served to req and
 * wakes the Sentry. Offsets are fixed: the stub's assembly uses them. */
struct stub_ctl {
	uint32_t unused;	/* 0 */
	uint32_t served;	/* 4: requests answered */
	int32_t tid;		/* 8: the last thread made, or -errno */
	uint32_t park;		/* 12: new threads sleep on it until seized (always 0) */
	int64_t poll_sec;	/* 16: the spawner's futex timeout (struct timespec) */
	int64_t poll_nsec;	/* 24 */
	int32_t parent;		/* 32: what getppid() gives while the maker lives (the Sentry,
				 * or the template for stubs it forked) */
	int32_t is_template;	/* 36: the template: it forks stub processes, not threads */
	int32_t memfd;		/* 40: the template's request: the memory file's descriptor */
	int32_t pad;
	uint64_t new_off;	/* 48: and the new stub's batch + control pages */
	uint64_t ign_action[4];	/* 56: a struct sigaction setting SIGCHLD to SIG_IGN, so the
				 * template's dead stubs reap themselves */
};

struct ptrace_platform {
	const struct sentry_services *svc;
	uint64_t stub_base;	/* where the stub region lives in every stub (reserved here too) */
	uint32_t fpu_size;	/* XSAVE area size of this CPU's enabled features */
};

/* One stub thread: where one Sentry thread (its context) runs in one address space. Linked
 * in both; freed by its context's thread, which is its tracer. */
struct stub_thread {
	struct sentry_as *as;		/* NULL once the address space was released */
	struct sentry_ctx *ctx;		/* the owner */
	pid_t tid;			/* host TID */
	int fresh;			/* seized, not yet run: its registers are the spawner's */
	int dead;			/* exited or killed */
	/* Its registers as read at its last stop, while nothing but the application has run on it
	 * since (seen_ok): load_regs then writes only what changed. */
	struct sentry_regs seen;
	int seen_ok;
	int seen_any;	/* seen holds some stop's registers (valid segments: set_entry's base) */
	const struct sentry_cpu_state *fpu_owner; /* whose FPU state it holds (see fpu_held) */
	struct stub_thread *as_next;	/* in as->threads */
	struct stub_thread *ctx_next;	/* in ctx->threads */
};

struct sentry_as {
	struct ptrace_platform *pp;
	pid_t pid;			/* the stub process: its main thread is the spawner */
	int direct;			/* forked by the Sentry itself (a child it reaps), not by
					 * the template */
	uint64_t batch_off;		/* memory file offset of the batch page, then the control
					 * page */
	struct stub_batch *batch;	/* the Sentry's view of them */
	struct stub_ctl *ctl;
	/* Guards the batch, the spawner protocol and the thread list: several task threads
	 * share an address space. */
	pthread_mutex_t lock;
	struct stub_thread *threads;
	int dead;			/* the stub exited or was killed: every op fails */
};

struct sentry_ctx {
	struct ptrace_platform *pp;
	int cpu;			/* host CPU of the owning task thread, or -1 */
	pid_t owner;			/* host TID of that thread */
	atomic_int interrupt;		/* interrupt() was called since the last exit */
	/* The stub thread while switch_to runs the application (tgid << 32 | tid), else 0. */
	_Atomic uint64_t running;
	struct stub_thread *threads;	/* one per address space it ran in */
	/* The stub thread whose FPU state is newer than fpu_cpu->fpu, or NULL: an exit leaves the
	 * state in the stub thread until the core asks (fpu_get) or another thread needs it. */
	struct stub_thread *fpu_held;
	struct sentry_cpu_state *fpu_cpu;
};

/* Reads the FPU state @ctx left in a stub thread back into its cpu state. The owner's thread
 * only. Returns 0 or -errno (the stub thread is gone: the state with it). */
int ptrace_fpu_fetch(struct sentry_ctx *ctx);

/* stub.c */
int stub_reserve(struct ptrace_platform *pp);
/* Ends the template (plugin fini). */
void stub_template_stop(struct ptrace_platform *pp);
/* Starts the stub process of @as (its spawner). */
int stub_spawn(struct ptrace_platform *pp, struct sentry_as *as);
/* Kills the stub process and reaps it, with the calling thread's stub threads. */
void stub_kill(struct sentry_as *as);
/* The calling thread's stub thread in @as, made and seized on first use. as->lock held.
 * Returns 0, -ECHILD (the stub is gone), -EAGAIN (no thread could be made). */
int stub_thread_get(struct sentry_as *as, struct sentry_ctx *ctx, struct stub_thread **ret);
/* Makes @st exit and reaps it, and unlinks it from its address space. Its tracer only. */
void stub_thread_end(struct stub_thread *st);
/* Runs the queued batch now on @st. as->lock held. Returns 0 or -errno of the first failed op
 * (the rest still ran). */
int stub_flush(struct sentry_as *as, struct stub_thread *st);
/* Waits for the next stop of @st; *ret_status as waitpid. Returns 0, or -ECHILD when it is
 * gone (marked dead). */
int stub_wait(struct stub_thread *st, int *ret_status);
/* The calling Sentry thread's context, set by ctx_new (flush needs it: see ptrace_as.c). */
struct sentry_ctx *ptrace_ctx_current(void);

/* ptrace_ctx.c */
extern const struct sentry_ctx_ops g_ptrace_ctx_ops;
int ptrace_ctx_new(void *state, int cpu_hint, struct sentry_ctx **ret_ctx);

/* ptrace_as.c */
extern const struct sentry_as_ops g_ptrace_as_ops;
int ptrace_as_new(void *state, struct sentry_as **ret_as);
