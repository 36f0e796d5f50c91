/*
 * core/kernel/task.c: task lifetime and the task loop (see task.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "fd/fdtable.h"
#include "ipc/mqueue.h"
#include "kernel/ptimer.h"
#include "kernel/seccomp.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "mm/mm.h"
#include "sentry/plugin.h"
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

/* Closing any descriptor of a file drops the process's POSIX record locks on it, and of a
 * message queue the process's mq_notify registration. */
static void fdt_file_closed(void *obj, uint64_t owner)
{
	vfs_lock_release_owner(obj, owner);
	if (mq_file_is(obj))
		mq_file_closed(obj, (int)owner);
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

static int tgroup_new(struct kernel *k, int tgid, struct tgroup **ret)
{
	struct tgroup *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->refs = 1;
	g->k = k;
	g->tgid = tgid;
	if (!(g->sig_wq = kwait_wq_new())) {
		free(g);
		return -ENOMEM;
	}
	pthread_mutex_init(&g->lock, NULL);
	*ret = g;
	return 0;
}

void tgroup_ref(struct tgroup *g)
{
	__atomic_add_fetch(&g->refs, 1, __ATOMIC_RELAXED);
}

void tgroup_put(struct tgroup *g)
{
	if (!g || __atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (g->itimer)
		g->k->svc->timer_free(g->itimer);	/* cancels: the callback is not running */
	ptimer_exit(g);	/* a process that never ran its last thread's end */
	kwait_wq_free(g->sig_wq);
	task_sigq_drop(&g->shared_q, ~0ull);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* A task with a TID, an FPU area and a platform context, in thread group @tg (a reference is
 * taken) or, NULL, in a new one it leads. No mm, no descriptor table. */
static int task_alloc(struct kernel *k, struct vfs_ctx *fs, struct tgroup *tg,
		      struct task **ret_task)
{
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->k = k;
	t->fs = fs;
	kwait_init(&t->wait);
	pthread_mutex_lock(&k->lock);
	t->tid = ++k->next_tid;
	pthread_mutex_unlock(&k->lock);
	t->tgid = tg ? tg->tgid : t->tid;
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	t->start_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	t->cpu.fpu_size = k->info.fpu_size ? k->info.fpu_size : 4096;
	/* XSAVE needs 64-byte alignment. */
	t->cpu.fpu = aligned_alloc(64, (t->cpu.fpu_size + 63) & ~63u);
	int rc = t->cpu.fpu ? 0 : -ENOMEM;
	if (rc == 0 && tg) {
		__atomic_add_fetch(&tg->refs, 1, __ATOMIC_RELAXED);
		t->tg = tg;
	} else if (rc == 0) {
		rc = tgroup_new(k, t->tgid, &t->tg);
	}
	if (rc == 0)
		rc = kernel_ctx_new(k, &t->ctx);
	if (rc < 0) {
		task_free(t);
		return rc;
	}
	fpu_reset(&t->cpu);
	t->dumpable = 1;
	t->capbset = ~0ull;
	*ret_task = t;
	return 0;
}

int task_new(struct kernel *k, struct vfs_ctx *fs, struct task **ret_task)
{
	struct task *t;
	int rc = task_alloc(k, fs, NULL, &t);
	if (rc == 0 && (rc = fdt_new(&g_task_fdt_ops, &t->fdt)) == 0) {
		fdt_set_owner(t->fdt, (uint64_t)t->tgid);
		/* RLIMIT_NOFILE's default soft value (sys_proc.c), which getrlimit reports. */
		fdt_set_limit(t->fdt, 1024);
	}
	if (rc < 0) {
		if (t)
			task_free(t);
		return rc;
	}
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

/* What a new task, thread or process, takes from the one that cloned it. */
static void inherit(struct task *t, const struct task *parent)
{
	/* Registers and FPU as the parent's at the system call; the caller sets the child's
	 * return value and whatever clone changes. */
	t->cpu.regs = parent->cpu.regs;
	memcpy(t->cpu.fpu, parent->cpu.fpu, t->cpu.fpu_size < parent->cpu.fpu_size
						    ? t->cpu.fpu_size : parent->cpu.fpu_size);
	t->cpu.fpu_dirty = 1;
	t->sigmask = parent->sigmask;
	t->xcreds = parent->xcreds;
	t->no_new_privs = parent->no_new_privs;
	t->dumpable = parent->dumpable;
	t->keepcaps = parent->keepcaps;
	t->timerslack_ns = parent->timerslack_ns;
	t->capbset = parent->capbset;
	t->seccomp = seccomp_of(parent);
	seccomp_get(t->seccomp);
	memcpy(t->comm, parent->comm, sizeof(t->comm));
	t->exe_path = parent->exe_path ? strdup(parent->exe_path) : NULL;
	if ((t->exe_file = parent->exe_file) != NULL)
		vfs_file_get(t->exe_file);
	t->cmdline = dup_bytes(parent->cmdline, parent->cmdline_len);
	t->cmdline_len = t->cmdline ? parent->cmdline_len : 0;
	t->environ = dup_bytes(parent->environ, parent->environ_len);
	t->environ_len = t->environ ? parent->environ_len : 0;
}

int task_fork(struct task *parent, struct vfs_ctx *fs, struct fdt *fdt, struct mm *mm,
	      struct task **ret_task)
{
	struct kernel *k = parent->k;
	struct task *t = NULL;
	struct sentry_as *as = NULL;
	int rc = task_alloc(k, fs, NULL, &t);
	if (rc < 0) {
		fdt_free(fdt);
		mm_free(mm);
		return rc;
	}
	t->fdt = fdt;
	fdt_set_owner(fdt, (uint64_t)t->tgid);
	/* A shared mm (CLONE_VM) has its address space; a copy gets one made here, on the
	 * thread that runs it. */
	if (!mm->as && (rc = k->platform->as_new(k->platform_state, &as)) < 0) {
		task_free(t);
		mm_free(mm);
		return rc;
	}
	if (!mm->as)
		mm_set_as(mm, as);
	t->mm = mm;
	inherit(t, parent);
	memcpy(t->tg->sigactions, parent->tg->sigactions, sizeof(t->tg->sigactions));
	t->altstack = parent->altstack;
	t->tg->pgid = task_pgid(parent);
	t->tg->sid = task_sid(parent);
	memcpy(t->tg->rlimits, parent->tg->rlimits, sizeof(t->tg->rlimits));
	t->tg->rlimits_set = parent->tg->rlimits_set;
	t->tg->ppid = parent->tgid;
	t->tg->creator_tid = parent->tid;
	*ret_task = t;
	return 0;
}

int task_clone_thread(struct task *parent, struct vfs_ctx *fs, struct fdt *fdt,
		      struct task **ret_task)
{
	struct task *t = NULL;
	int rc = task_alloc(parent->k, fs, parent->tg, &t);
	if (rc < 0) {
		fdt_free(fdt);
		return rc;
	}
	t->fdt = fdt;
	mm_ref(parent->mm);
	t->mm = parent->mm;
	inherit(t, parent);
	/* A thread starts on no alternate stack (CLONE_VM without CLONE_VFORK). */
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
	vfs_file_put(t->exe_file);
	free(t->cmdline);
	free(t->environ);
	seccomp_put(t->seccomp);
	task_sigq_drop(&t->sigq, ~0ull);
	task_sigq_drop(&t->incoming_q, ~0ull);
	kwait_destroy(&t->wait);
	task_drop_thread_state(t);
	tgroup_put(t->tg);
	free(t->cpu.fpu);
	free(t);
}

void task_drop_thread_state(struct task *t)
{
	if (t->ctx)
		kernel_ctx_release(t->k, t->ctx);
	t->ctx = NULL;
	mm_free(t->mm);
	t->mm = NULL;
	if (t->fdt)
		fdt_free(t->fdt);
	t->fdt = NULL;
}

void task_fpu_sync(struct task *t)
{
	const struct sentry_platform_ops *p = t->k->platform;
	if (!t->ctx || !SENTRY_OPS_HAS(p->ctx_ops, p->ctx_ops_size, fpu_get))
		return;
	int rc = p->ctx_ops->fpu_get(t->ctx, &t->cpu);
	if (rc < 0)
		log_msg(SENTRY_LOG_WARN, "task", "tid %d: FPU state not read back: %s", t->tid,
			strerror(-rc));
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
	task_group_exit(t, signo);
}

/* How system call @nr, interrupted with -EINTR, restarts (Linux's -ERESTART* codes). Calls
 * not listed (nanosleep, epoll_wait, ...) report EINTR either way. */
static int restart_kind(uint64_t nr, const uint64_t a[6])
{
	switch (nr) {
	case SYS_read: case SYS_write: case SYS_readv: case SYS_writev:
	case SYS_pread64: case SYS_pwrite64: case SYS_preadv: case SYS_pwritev:
	case SYS_wait4: case SYS_waitid: case SYS_accept: case SYS_accept4: case SYS_connect:
	case SYS_recvfrom: case SYS_sendto: case SYS_recvmsg: case SYS_sendmsg:
	case SYS_flock: case SYS_fcntl: case SYS_open: case SYS_openat: case SYS_ioctl:
	case SYS_sendfile: case SYS_splice: case SYS_tee:
	case SYS_mq_timedsend: case SYS_mq_timedreceive:
		return TASK_RESTART_SYS;
	case SYS_futex:
		/* FUTEX_LOCK_PI(2) always restarts (its deadline is absolute). An untimed
		 * FUTEX_WAIT restarts; a timed one uses a restart block, which a handler turns
		 * into EINTR. */
		if ((a[1] & 127) == FUTEX_LOCK_PI || (a[1] & 127) == FUTEX_LOCK_PI2)
			return TASK_RESTART_NOINTR;
		return ((a[1] & 127) == FUTEX_WAIT || (a[1] & 127) == FUTEX_WAIT_BITSET) && !a[3]
			       ? TASK_RESTART_SYS
			       : TASK_RESTART_NONE;
	case SYS_pause: case SYS_rt_sigsuspend: case SYS_poll: case SYS_ppoll:
	case SYS_select: case SYS_pselect6: case SYS_msgsnd: case SYS_msgrcv:
		return TASK_RESTART_NOHAND;
	default:
		return TASK_RESTART_NONE;
	}
}

static void task_syscall(struct task *t)
{
	struct sentry_regs *r = &t->cpu.regs;
	const uint64_t args[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	int64_t ret;
	/* Relaxed: another thread's TSYNC may store it; seccomp_enter reads it properly. */
	if (__builtin_expect(__atomic_load_n(&t->seccomp, __ATOMIC_RELAXED) != NULL, 0) &&
	    seccomp_enter(t, args, &ret)) {
		sys_strace_skipped(t, r->orig_rax, args, ret);
		if (!t->exited) {
			r->rax = (uint64_t)ret;
			t->restart = TASK_RESTART_NONE;
		}
		return;
	}
	ret = sys_dispatch(t, r->orig_rax, args);
	if (t->exited)
		return;
	r->rax = (uint64_t)ret;
	t->restart = ret == -EINTR ? restart_kind(r->orig_rax, args) : TASK_RESTART_NONE;
}

/* A signal the thread's own instruction caused (force_sig_info): a handler gets it; blocked,
 * ignored or defaulted, it kills, as Linux unblocks and resets it first. */
static void task_sync_signal(struct task *t, int sig, int code, uint64_t addr)
{
	const struct task_sigaction *a = &t->tg->sigactions[sig - 1];
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
		/* File pages truncated away while mapped go before the application runs on
		 * (SIGBUS past the end); on a platform error they stay held, stale but safe. */
		(void)mm_sync(t->mm);
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

void task_flush_handlers(struct task *t)
{
	for (int i = 0; i < TASK_NSIG; i++) {
		struct task_sigaction *sa = &t->tg->sigactions[i];
		int ignored = sa->handler == (uint64_t)(uintptr_t)SIG_IGN;
		memset(sa, 0, sizeof(*sa));
		if (ignored)
			sa->handler = (uint64_t)(uintptr_t)SIG_IGN;
	}
}

struct task_creds *task_xcreds(struct task *t)
{
	if (!t->xcreds.valid)
		t->xcreds = (struct task_creds){ .valid = 1, .suid = t->fs->creds.euid,
						 .sgid = t->fs->creds.egid,
						 .cap_permitted = t->fs->creds.cap_effective };
	return &t->xcreds;
}

void task_caps(const struct task *t, uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	*eff = t->fs->creds.cap_effective & TASK_CAP_VALID;
	*perm = (t->xcreds.valid ? t->xcreds.cap_permitted : t->fs->creds.cap_effective) &
		TASK_CAP_VALID;
	*inh = t->xcreds.valid ? t->xcreds.cap_inheritable & TASK_CAP_VALID : 0;
}

void task_exec_creds(struct task *t)
{
	struct sentry_creds *c = &t->fs->creds;
	task_xcreds(t);
	uint64_t perm = 0;
	if (c->uid == 0 || c->euid == 0)
		perm = (t->xcreds.cap_inheritable | t->capbset) & TASK_CAP_VALID;
	/* no_new_privs: no more than it had (cap_bprm_creds_from_file's downgrade). */
	if (t->no_new_privs)
		perm &= t->xcreds.cap_permitted;
	t->xcreds.cap_permitted = perm;
	c->cap_effective = c->euid == 0 ? perm : 0;
	t->xcreds.suid = c->euid;
	t->xcreds.sgid = c->egid;
	c->fsuid = c->euid;
	c->fsgid = c->egid;
}

void task_exec_signals(struct task *t)
{
	task_flush_handlers(t);
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
