/*
 * plugins/platform-ptrace/ptrace_ctx.c: contexts and switch_to (see ptrace.h).
 *
 * One switch: apply queued mappings, load the registers (and the FPU when the core changed it or
 * the stub thread holds another thread's), PTRACE_SYSEMU, wait for the stop, read the state
 * back, and classify the stop. The tracer and the stub share a CPU (see ptrace_plugin.c): a
 * cross-CPU ptrace round trip costs ~10x a same-CPU one here.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace.h"

_Static_assert(sizeof(struct sentry_regs) == sizeof(struct user_regs_struct),
	       "sentry_regs mirrors user_regs_struct");

/* The calling thread's context. A pthread key, not __thread: the dynamic TLS of a dlopen'ed
 * module confuses LeakSanitizer's thread scan, which crashes at exit. */
static pthread_key_t g_ctx_key;
static pthread_once_t g_ctx_once = PTHREAD_ONCE_INIT;

static void ctx_key_make(void)
{
	(void)pthread_key_create(&g_ctx_key, NULL);
}

static void set_current(struct sentry_ctx *ctx)
{
	pthread_once(&g_ctx_once, ctx_key_make);
	(void)pthread_setspecific(g_ctx_key, ctx);
}

struct sentry_ctx *ptrace_ctx_current(void)
{
	pthread_once(&g_ctx_once, ctx_key_make);
	return pthread_getspecific(g_ctx_key);
}

static int fpu_io(struct stub_thread *st, struct sentry_cpu_state *cpu, int set)
{
	struct iovec iov = { .iov_base = cpu->fpu, .iov_len = cpu->fpu_size };
	long r = ptrace(set ? PTRACE_SETREGSET : PTRACE_GETREGSET, st->tid, (void *)NT_X86_XSTATE,
			&iov);
	return r < 0 ? -errno : 0;
}

int ptrace_fpu_fetch(struct sentry_ctx *ctx)
{
	struct stub_thread *st = ctx->fpu_held;
	if (!st)
		return 0;
	ctx->fpu_held = NULL;
	/* A state the core has set since (execve's reset, a sigreturn) is newer than the stub
	 * thread's: a vfork child that exec'd ends its thread in the parent's address space
	 * after the reset, and reading that back would carry its old state into the new image. */
	if (ctx->fpu_cpu->fpu_dirty)
		return 0;
	return st->dead ? -ECHILD : fpu_io(st, ctx->fpu_cpu, 0);
}

/* Gives @st @cpu's FPU state unless it holds it already: the core's copy when the core changed
 * it, else the newest one, which may still be in another of the context's stub threads. */
static int fpu_load(struct sentry_ctx *ctx, struct stub_thread *st, struct sentry_cpu_state *cpu)
{
	if (cpu->fpu_dirty)
		ctx->fpu_held = NULL;	/* the core's copy wins */
	else if (ctx->fpu_held == st)
		return 0;
	else if (ctx->fpu_held)
		(void)ptrace_fpu_fetch(ctx);	/* lost with a dead thread: the last copy serves */
	else if (st->fpu_owner == cpu)
		return 0;
	int rc = fpu_io(st, cpu, 1);
	st->fpu_owner = rc == 0 ? cpu : NULL;
	return rc;
}

static int ctx_fpu_get(struct sentry_ctx *ctx, struct sentry_cpu_state *cpu)
{
	return ctx->fpu_held && ctx->fpu_cpu == cpu ? ptrace_fpu_fetch(ctx) : 0;
}

/* A fault's access type. The host does not report it through ptrace, so it is inferred: the
 * stub maps a page only with the VMA's protection, and every mapped page is readable unless
 * the VMA is PROT_NONE (which never gets mapped), so a protection fault (SEGV_ACCERR) that is
 * not an instruction fetch is a write, and a fault on a missing page (SEGV_MAPERR) is taken as
 * a read: mm maps it with the VMA's protection, and a write to a read-only page comes back as
 * SEGV_ACCERR. */
static uint32_t fault_access(const siginfo_t *si, uint64_t rip)
{
	uint64_t addr = (uint64_t)si->si_addr;
	/* An instruction fetch faults at rip, or on the next page for one that straddles it. */
	if (addr >= rip && addr - rip < 16)
		return SENTRY_ACCESS_EXEC | SENTRY_ACCESS_READ;
	return si->si_code == SEGV_ACCERR ? SENTRY_ACCESS_WRITE : SENTRY_ACCESS_READ;
}

/* Fills *ex from a signal-delivery stop of @sig. */
static int classify_signal(struct stub_thread *st, int sig, const struct sentry_cpu_state *cpu,
			   struct sentry_exit *ex)
{
	siginfo_t si;
	if (ptrace(PTRACE_GETSIGINFO, st->tid, 0, &si) < 0)
		return -errno;
	/* A fault is SI_KERNEL too (a general protection fault, int3), but only with one of
	 * the signals an instruction can raise. */
	int fault_sig = sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
			sig == SIGTRAP || sig == SIGSYS;
	if (si.si_code <= 0 || (si.si_code == SI_KERNEL && !fault_sig)) {
		/* Sent, not caused by an instruction: our interrupt (tgkill SIGSTOP), or a host
		 * process or the terminal signalling the stub. Signals for the application come
		 * from the Sentry, so none of these reaches it. */
		ex->kind = SENTRY_EXIT_INTERRUPT;
		return 0;
	}
	if (sig == SIGSEGV && si.si_code > 0) {
		ex->kind = SENTRY_EXIT_FAULT;
		ex->addr = (uint64_t)si.si_addr;
		ex->access = fault_access(&si, cpu->regs.rip);
		return 0;
	}
	ex->kind = SENTRY_EXIT_SIGNAL;
	ex->signo = sig;
	ex->code = si.si_code;
	ex->addr = (uint64_t)si.si_addr;
	return 0;
}

/* Loads the registers into @st. A fresh thread stopped in the spawner's parked futex call:
 * orig_rax -1 keeps the kernel from restarting that call over the application's rip. After a
 * system call the core has nearly always changed rax alone, and one PTRACE_POKEUSER costs a
 * fraction of PTRACE_SETREGS, which copies in and checks every register (a sixth of a getppid
 * round trip here). */
static int load_regs(struct stub_thread *st, struct sentry_cpu_state *cpu)
{
	struct sentry_regs r = cpu->regs;
	if (st->fresh)
		r.orig_rax = ~0ull;
	if (st->seen_ok) {
		uint64_t rax = st->seen.rax;
		st->seen.rax = r.rax;
		if (memcmp(&st->seen, &r, sizeof(r)) == 0)
			return rax == r.rax || ptrace(PTRACE_POKEUSER, st->tid,
						      offsetof(struct user_regs_struct, rax),
						      r.rax) == 0 ? 0 : -errno;
		st->seen_ok = 0;
	}
	if (ptrace(PTRACE_SETREGS, st->tid, 0, &r) < 0)
		return -errno;
	st->fresh = 0;
	return 0;
}

static int ctx_switch(struct sentry_ctx *ctx, struct sentry_as *as, struct sentry_cpu_state *cpu,
		      struct sentry_exit *ex)
{
	memset(ex, 0, sizeof(*ex));
	if (as->dead)
		return -ECHILD;
	/* A context runs in one address space at a time: its threads in others (the parent's,
	 * for a vfork child that exec'd) are ended, so they never hold up that stub's end. */
	for (struct stub_thread *o = ctx->threads, *next; o; o = next) {
		next = o->ctx_next;
		if (__atomic_load_n(&o->as, __ATOMIC_ACQUIRE) != as)
			stub_thread_end(o);
	}
	struct stub_thread *st;
	pthread_mutex_lock(&as->lock);
	int rc = stub_thread_get(as, ctx, &st);
	if (rc == 0)
		rc = stub_flush(as, st);
	pthread_mutex_unlock(&as->lock);
	if (rc < 0)
		return rc;
	if (atomic_exchange(&ctx->interrupt, 0)) {
		ex->kind = SENTRY_EXIT_INTERRUPT;
		return 0;
	}
	if ((rc = load_regs(st, cpu)) < 0 || (rc = fpu_load(ctx, st, cpu)) < 0)
		return rc;
	/* interrupt() stores its flag, then reads running; here running is stored, then the flag
	 * read: one of the two sees the other, so an interrupt is never lost. */
	atomic_store(&ctx->running, (uint64_t)(uint32_t)as->pid << 32 | (uint32_t)st->tid);
	if (atomic_exchange(&ctx->interrupt, 0)) {
		atomic_store(&ctx->running, 0);
		ex->kind = SENTRY_EXIT_INTERRUPT;
		return 0;
	}
	int status;
	rc = ptrace(PTRACE_SYSEMU, st->tid, 0, 0) < 0 ? -errno : stub_wait(st, &status);
	atomic_store(&ctx->running, 0);
	if (rc < 0)
		return rc;
	if (!WIFSTOPPED(status))
		return -EIO;
	if (ptrace(PTRACE_GETREGS, st->tid, 0, &cpu->regs) < 0)
		return -errno;
	st->seen = cpu->regs;
	st->seen_ok = 1;
	st->seen_any = 1;
	ctx->fpu_held = st;	/* read back only when the core asks (fpu_get) */
	ctx->fpu_cpu = cpu;
	int sig = WSTOPSIG(status);
	if (sig == (SIGTRAP | 0x80)) {
		ex->kind = SENTRY_EXIT_SYSCALL;
		return 0;
	}
	return classify_signal(st, sig, cpu, ex);
}

static void ctx_interrupt(struct sentry_ctx *ctx)
{
	atomic_store(&ctx->interrupt, 1);
	uint64_t run = atomic_load(&ctx->running);
	if (run)
		syscall(SYS_tgkill, (pid_t)(run >> 32), (pid_t)(uint32_t)run, SIGSTOP);
}

/* On the owner's thread (the tracer of its stub threads), as the core guarantees. */
static void ctx_release(struct sentry_ctx *ctx)
{
	ctx->fpu_held = NULL;	/* nobody reads it any more */
	while (ctx->threads)
		stub_thread_end(ctx->threads);
	if (ptrace_ctx_current() == ctx)
		set_current(NULL);
	free(ctx);
}

/* The next thread keeps the stub threads: the one in its own address space runs it at once.
 * What they hold of the last thread's FPU is not its. */
static void ctx_recycle(struct sentry_ctx *ctx)
{
	ctx->fpu_held = NULL;
	ctx->fpu_cpu = NULL;
	atomic_store(&ctx->interrupt, 0);
	for (struct stub_thread *st = ctx->threads; st; st = st->ctx_next)
		st->fpu_owner = NULL;
}

int ptrace_ctx_new(void *state, int cpu_hint, struct sentry_ctx **ret_ctx)
{
	struct sentry_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->pp = state;
	ctx->cpu = cpu_hint;
	ctx->owner = (pid_t)syscall(SYS_gettid);
	set_current(ctx);
	*ret_ctx = ctx;
	return 0;
}

const struct sentry_ctx_ops g_ptrace_ctx_ops = {
	.switch_to = ctx_switch,
	.interrupt = ctx_interrupt,
	.release = ctx_release,
	.fpu_get = ctx_fpu_get,
	.recycle = ctx_recycle,
};
