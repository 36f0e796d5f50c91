/*
 * core/kernel/task.c: task lifetime and the task loop (see task.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fd/fdtable.h"
#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "util/log.h"
#include "vfs/vfs.h"

/* x86-64 Linux user-mode segment selectors (arch/x86/include/asm/segment.h). */
#define USER_CS 0x33
#define USER_DS 0x2b
/* x87 control word and MXCSR after FNINIT / at process start. */
#define FPU_FCW_INIT 0x037f
#define FPU_MXCSR_INIT 0x1f80

/* FD-table entries are open file descriptions. */
static void fdt_file_get(void *obj)
{
	vfs_file_get(obj);
}

static void fdt_file_put(void *obj)
{
	vfs_file_put(obj);
}

/* Closing any descriptor of a file drops the process's POSIX record locks on it. */
static void fdt_file_closed(void *obj, uint64_t owner)
{
	vfs_lock_release_owner(obj, owner);
}

const struct fdt_ops g_task_fdt_ops = {
	.get = fdt_file_get, .put = fdt_file_put, .closed = fdt_file_closed
};

/* Sets the XSAVE area to the state a new process starts with. */
static void fpu_reset(struct sentry_cpu_state *cpu)
{
	memset(cpu->fpu, 0, cpu->fpu_size);
	uint16_t fcw = FPU_FCW_INIT;
	uint32_t mxcsr = FPU_MXCSR_INIT;
	memcpy((char *)cpu->fpu + 0, &fcw, sizeof(fcw));
	memcpy((char *)cpu->fpu + 24, &mxcsr, sizeof(mxcsr));
	cpu->fpu_dirty = 1;
}

int task_new(struct kernel *k, struct vfs_ctx *fs, struct task **ret_task)
{
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->k = k;
	t->fs = fs;
	kwait_init(&t->wait);
	pthread_mutex_lock(&k->lock);
	t->tid = t->tgid = ++k->next_tid;
	pthread_mutex_unlock(&k->lock);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	t->start_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	t->cpu.fpu_size = k->info.fpu_size ? k->info.fpu_size : 4096;
	/* XSAVE needs 64-byte alignment. */
	t->cpu.fpu = aligned_alloc(64, (t->cpu.fpu_size + 63) & ~63u);
	int rc = t->cpu.fpu ? 0 : -ENOMEM;
	if (rc == 0)
		rc = k->platform->ctx_new(k->platform_state, -1, &t->ctx);
	if (rc == 0)
		rc = fdt_new(&g_task_fdt_ops, &t->fdt);
	if (rc == 0) {
		fdt_set_owner(t->fdt, (uint64_t)t->tgid);
		/* RLIMIT_NOFILE's default soft value (sys_proc.c), which getrlimit reports. */
		fdt_set_limit(t->fdt, 1024);
	}
	if (rc < 0) {
		task_free(t);
		return rc;
	}
	fpu_reset(&t->cpu);
	*ret_task = t;
	return 0;
}

static char *dup_bytes(const char *p, size_t n)
{
	char *c = p ? malloc(n ? n : 1) : NULL;
	if (c)
		memcpy(c, p, n);
	return c;
}

int task_fork(struct task *parent, struct vfs_ctx *fs, struct fdt *fdt, struct mm *mm,
	      struct task **ret_task)
{
	struct kernel *k = parent->k;
	struct task *t = NULL;
	struct sentry_as *as = NULL;
	int rc = task_new(k, fs, &t);
	if (rc < 0) {
		fdt_free(fdt);
		mm_free(mm);
		return rc;
	}
	fdt_free(t->fdt);
	t->fdt = fdt;
	fdt_set_owner(fdt, (uint64_t)t->tgid);
	if ((rc = k->platform->as_new(k->platform_state, &as)) < 0) {
		task_free(t);
		mm_free(mm);
		return rc;
	}
	mm_set_as(mm, as);
	t->mm = mm;
	/* Registers and FPU as the parent's at the system call; the caller sets the child's
	 * return value and whatever clone changes. */
	t->cpu.regs = parent->cpu.regs;
	memcpy(t->cpu.fpu, parent->cpu.fpu, t->cpu.fpu_size < parent->cpu.fpu_size
						    ? t->cpu.fpu_size : parent->cpu.fpu_size);
	t->cpu.fpu_dirty = 1;
	memcpy(t->sigactions, parent->sigactions, sizeof(t->sigactions));
	t->sigmask = parent->sigmask;
	t->altstack = parent->altstack;
	t->xcreds = parent->xcreds;
	t->pgid = task_pgid(parent);
	t->sid = task_sid(parent);
	memcpy(t->comm, parent->comm, sizeof(t->comm));
	memcpy(t->rlimits, parent->rlimits, sizeof(t->rlimits));
	t->rlimits_set = parent->rlimits_set;
	t->ppid = parent->tgid;
	t->exe_path = parent->exe_path ? strdup(parent->exe_path) : NULL;
	t->cmdline = dup_bytes(parent->cmdline, parent->cmdline_len);
	t->cmdline_len = t->cmdline ? parent->cmdline_len : 0;
	*ret_task = t;
	return 0;
}

static __thread struct task *g_current;

struct task *task_current(void)
{
	return g_current;
}

void task_free(struct task *t)
{
	if (!t)
		return;
	free(t->exe_path);
	free(t->cmdline);
	if (t->itimer)
		t->k->svc->timer_free(t->itimer);	/* cancels: the callback is not running */
	ptimer_exit(t);
	kwait_destroy(&t->wait);
	if (t->ctx)
		t->k->platform->ctx_ops->release(t->ctx);
	mm_free(t->mm);
	if (t->fdt)
		fdt_free(t->fdt);
	free(t->cpu.fpu);
	free(t);
}

void task_exit(struct task *t, int status)
{
	t->exited = 1;
	t->exit_status = status;
}

/* The default action of a synchronous signal with no handler: terminate (core dumps are not
 * written: "core as terminate", issue #7). */
static void task_fatal_signal(struct task *t, int signo)
{
	log_msg(SENTRY_LOG_DEBUG, "task", "tid %d killed by signal %d", t->tid, signo);
	task_exit(t, signo);
}

static void task_syscall(struct task *t)
{
	struct sentry_regs *r = &t->cpu.regs;
	const uint64_t args[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	int64_t ret = sys_dispatch(t, r->orig_rax, args);
	if (!t->exited)
		r->rax = (uint64_t)ret;
}

/* A signal the thread's own instruction caused (force_sig_info): a handler gets it; blocked,
 * ignored or defaulted, it kills, as Linux unblocks and resets it first. */
static void task_sync_signal(struct task *t, int sig, int code, uint64_t addr)
{
	const struct task_sigaction *a = &t->sigactions[sig - 1];
	if ((t->sigmask & (1ull << (sig - 1))) || a->handler == (uint64_t)SIG_IGN ||
	    a->handler == (uint64_t)SIG_DFL) {
		task_fatal_signal(t, sig);
		return;
	}
	task_queue_signal(t, sig, code, addr, 0, 0);
}

static void task_fault(struct task *t, const struct sentry_exit *ex)
{
	int code = 0;
	int rc = mm_fault(t->mm, ex->addr, ex->access, &code);
	if (rc == 0)
		return;
	if (rc == -EFAULT)
		task_sync_signal(t, SIGSEGV, code, ex->addr);
	else
		task_sync_signal(t, SIGBUS, BUS_ADRERR, ex->addr);
}

int task_run(struct task *t)
{
	const struct sentry_ctx_ops *ops = t->k->platform->ctx_ops;
	struct task *outer = g_current;
	g_current = t;
	for (;;) {
		/* First, so a signal sent before the task ever ran (a SIGKILL while held) acts
		 * before any application instruction. */
		task_deliver_signals(t);
		if (t->exited)
			break;
		struct sentry_exit ex = { 0 };
		int rc = ops->switch_to(t->ctx, t->mm->as, &t->cpu, &ex);
		t->cpu.fpu_dirty = 0;
		if (rc < 0) {
			log_msg(SENTRY_LOG_ERR, "task", "tid %d: platform switch failed: %s", t->tid,
				strerror(-rc));
			task_fatal_signal(t, SIGKILL);
			break;
		}
		switch (ex.kind) {
		case SENTRY_EXIT_SYSCALL:
			task_syscall(t);
			break;
		case SENTRY_EXIT_FAULT:
			task_fault(t, &ex);
			break;
		case SENTRY_EXIT_SIGNAL:
			if (ex.signo >= 1 && ex.signo <= TASK_NSIG)
				task_sync_signal(t, ex.signo, ex.code, ex.addr);
			else
				task_fatal_signal(t, SIGKILL);
			break;
		case SENTRY_EXIT_INTERRUPT:
			break;	/* a signal was sent from another thread: delivered below */
		default:
			task_fatal_signal(t, SIGKILL);
		}
	}
	g_current = outer;
	return t->exit_status;
}

void task_exec_signals(struct task *t)
{
	/* flush_signal_handlers: every action loses its flags, mask and restorer; only an
	 * ignored signal keeps its handler. */
	for (int i = 0; i < TASK_NSIG; i++) {
		struct task_sigaction *sa = &t->sigactions[i];
		int ignored = sa->handler == (uint64_t)(uintptr_t)SIG_IGN;
		memset(sa, 0, sizeof(*sa));
		if (ignored)
			sa->handler = (uint64_t)(uintptr_t)SIG_IGN;
	}
	memset(&t->altstack, 0, sizeof(t->altstack));
}

/* Sets the registers for a fresh image entering at @rip with stack @rsp. */
void task_reset_regs(struct task *t, uint64_t rip, uint64_t rsp)
{
	memset(&t->cpu.regs, 0, sizeof(t->cpu.regs));
	t->cpu.regs.rip = rip;
	t->cpu.regs.rsp = rsp;
	t->cpu.regs.cs = USER_CS;
	t->cpu.regs.ss = USER_DS;
	t->cpu.regs.ds = t->cpu.regs.es = USER_DS;
	t->cpu.regs.eflags = 0x202;	/* IF set, reserved bit 1 */
	fpu_reset(&t->cpu);
}
