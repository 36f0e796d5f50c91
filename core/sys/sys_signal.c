/*
 * core/sys/sys_signal.c: signal state and sending: rt_sigaction, rt_sigprocmask, rt_sigpending,
 * rt_sigsuspend, rt_sigtimedwait, sigaltstack, signalfd, kill, tgkill, tkill, pidfd_send_signal,
 * rt_sigqueueinfo, rt_tgsigqueueinfo and rt_sigreturn, with Linux's checks. Pending state,
 * queueing and delivery live in kernel/signal.c, job control in kernel/jobctl.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <time.h>
#include <string.h>

#include "kernel/process.h"
#include "kernel/task.h"
#include "fd/fdtable.h"
#include "kernel/pidfd.h"
#include "kernel/signalfd.h"
#include "kernel/wait.h"
#include "kernel/interrupt.h"
#include "kernel/thread.h"
#include "vfs/vfs.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"

/* SA_* flags rt_sigaction keeps (UAPI_SA_FLAGS on x86-64); others read back as clear. */
#define SA_EXPOSE_TAGBITS_ 0x800
#define SA_RESTORER_ 0x04000000
#define SA_KNOWN                                                                               \
	((uint64_t)(SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART |        \
		    SA_NODEFER | SA_RESETHAND | SA_EXPOSE_TAGBITS_ | SA_RESTORER_))
/* The x86-64 kernel's minimum alternate stack (MINSIGSTKSZ) and SS_AUTODISARM. */
#define ALTSTACK_MIN 2048
#define SS_AUTODISARM_ (1u << 31)

/* Applies the default action of pending, unblocked, uncaught signals: a signal whose default
 * is to be ignored (pending because it was blocked when sent) is dropped. */
static void apply_pending(struct task *t)
{
	uint64_t ready = t->sigpending & ~t->sigmask;
	for (int sig = 1; ready && sig <= TASK_NSIG && !t->exited; sig++) {
		if (!(ready & SIGBIT(sig)) || t->tg->sigactions[sig - 1].handler != (uint64_t)SIG_DFL)
			continue;
		t->sigpending &= ~SIGBIT(sig);
		if (task_sig_stops(sig)) {
			t->sigpending |= SIGBIT(sig);	/* stopping is the delivery's */
			continue;
		}
		if (!task_sig_default_ignored(sig))
			task_group_exit(t, sig);
	}
}

/* Sends @sig (1..TASK_NSIG) to @t. An ignored signal is discarded unless it is blocked: the
 * action may change before it is unblocked (Linux's sig_ignored). */
static void raise_self_info(struct task *t, int sig, const struct task_siginfo *si)
{
	if (sig == SIGCONT || task_sig_stops(sig)) {
		pthread_mutex_lock(&t->k->lock);
		jobctl_on_send_locked(t->tg, sig);
		pthread_mutex_unlock(&t->k->lock);
	}
	if (!(t->sigmask & SIGBIT(sig)) &&
	    task_handler_ignores(t->tg->sigactions[sig - 1].handler, sig))
		return;
	task_queue_siginfo(t, sig, si);
	apply_pending(t);
}

int64_t sys_rt_sigaction(struct task *t, const uint64_t a[6])
{
	int sig = (int)a[0];
	struct task_sigaction act, old;
	if (a[3] != sizeof(uint64_t))
		return -EINVAL;
	if (a[1] && mm_copy_in(t->mm, a[1], &act, sizeof(act)) < 0)
		return -EFAULT;
	if (sig < 1 || sig > TASK_NSIG || (a[1] && (SIGBIT(sig) & SIG_UNBLOCKABLE)))
		return -EINVAL;
	old = t->tg->sigactions[sig - 1];
	if (a[1]) {
		act.flags &= SA_KNOWN;
		act.mask &= ~SIG_UNBLOCKABLE;
		t->tg->sigactions[sig - 1] = act;
		/* Setting a signal to be ignored discards it if pending (POSIX). */
		if (task_handler_ignores(act.handler, sig)) {
			t->sigpending &= ~SIGBIT(sig);
			task_sigq_drop(&t->sigq, SIGBIT(sig));
			pthread_mutex_lock(&t->k->lock);
			tgroup_discard_locked(t->tg, SIGBIT(sig));
			pthread_mutex_unlock(&t->k->lock);
		}
	}
	if (a[2] && mm_copy_out(t->mm, a[2], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

int64_t sys_rt_sigprocmask(struct task *t, const uint64_t a[6])
{
	int how = (int)a[0];
	uint64_t set, old = t->sigmask;
	if (a[3] != sizeof(uint64_t))
		return -EINVAL;
	if (a[1]) {
		if (mm_copy_in(t->mm, a[1], &set, sizeof(set)) < 0)
			return -EFAULT;
		set &= ~SIG_UNBLOCKABLE;
		switch (how) {
		case SIG_BLOCK:
			t->sigmask |= set;
			break;
		case SIG_UNBLOCK:
			t->sigmask &= ~set;
			break;
		case SIG_SETMASK:
			t->sigmask = set;
			break;
		default:
			return -EINVAL;
		}
	}
	if (a[2] && mm_copy_out(t->mm, a[2], &old, sizeof(old)) < 0)
		return -EFAULT;
	apply_pending(t);
	return 0;
}

/* Sleeps until a signal not in @mask (the task's mask meanwhile) is pending. A signal sent
 * before the mask changed is taken after it, so none is missed between the two. */
static int64_t suspend_with(struct task *t, uint64_t mask)
{
	t->saved_sigmask = t->sigmask;
	t->has_saved_sigmask = 1;
	__atomic_store_n(&t->sigmask, mask & ~SIG_UNBLOCKABLE, __ATOMIC_SEQ_CST);
	for (;;) {
		task_take_signals(t);
		if (t->sigpending & ~t->sigmask)
			return -EINTR;
		kwait_until(t, SENTRY_CLOCK_MONOTONIC, -1);
	}
}

int64_t sys_rt_sigsuspend(struct task *t, const uint64_t a[6])
{
	uint64_t mask;
	if (a[1] != sizeof(uint64_t))
		return -EINVAL;
	if (mm_copy_in(t->mm, a[0], &mask, sizeof(mask)) < 0)
		return -EFAULT;
	return suspend_with(t, mask);
}

int64_t sys_pause(struct task *t, const uint64_t a[6])
{
	(void)a;
	int64_t rc = suspend_with(t, t->sigmask);
	t->has_saved_sigmask = 0;	/* the same mask: nothing to restore */
	return rc;
}

int64_t sys_rt_sigtimedwait(struct task *t, const uint64_t a[6])
{
	uint64_t set;
	struct timespec ts;
	if (a[3] != sizeof(uint64_t))
		return -EINVAL;
	if (mm_copy_in(t->mm, a[0], &set, sizeof(set)) < 0)
		return -EFAULT;
	if (a[2] && mm_copy_in(t->mm, a[2], &ts, sizeof(ts)) < 0)
		return -EFAULT;
	if (a[2] && (ts.tv_nsec < 0 || ts.tv_nsec > 999999999 || ts.tv_sec < 0))
		return -EINVAL;
	set &= ~SIG_UNBLOCKABLE;
	int64_t deadline = -1;
	/* A timeout too long to represent waits for ever (the application chose the value). */
	if (a[2] && ts.tv_sec < INT64_MAX / 1000000000 - (int64_t)time(NULL) - 1) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		deadline = (now.tv_sec + ts.tv_sec) * 1000000000 + now.tv_nsec + ts.tv_nsec;
	}
	/* The set is unblocked for the wait, so a send of one kicks the task. */
	uint64_t saved = t->sigmask;
	__atomic_store_n(&t->sigwait_set, set, __ATOMIC_RELAXED);
	__atomic_store_n(&t->sigmask, saved & ~set, __ATOMIC_RELAXED);
	int64_t rc;
	uint64_t hit;
	for (;;) {
		task_take_signals(t);
		if ((hit = t->sigpending & set))
			break;
		if (task_wait_interrupted(t)) {
			hit = t->sigpending & set;
			rc = -EINTR;
			break;
		}
		rc = kwait_until(t, SENTRY_CLOCK_MONOTONIC, deadline);
		if (rc == -ETIMEDOUT) {
			rc = -EAGAIN;
			break;
		}
	}
	__atomic_store_n(&t->sigmask, saved, __ATOMIC_RELAXED);
	__atomic_store_n(&t->sigwait_set, 0, __ATOMIC_RELAXED);
	if (!hit)
		return rc;
	int sig = __builtin_ctzll(hit) + 1;
	t->sigpending &= ~SIGBIT(sig);
	char info[128];
	task_siginfo_abi(t, sig, info);
	task_sig_next(t, sig);
	if (a[1] && mm_copy_out(t->mm, a[1], info, sizeof(info)) < 0)
		return -EFAULT;
	return sig;
}

int64_t sys_rt_sigpending(struct task *t, const uint64_t a[6])
{
	if (a[1] > sizeof(uint64_t))
		return -EINVAL;
	uint64_t set = (t->sigpending | __atomic_load_n(&t->tg->shared_pending, __ATOMIC_ACQUIRE)) &
		       t->sigmask;
	return mm_copy_out(t->mm, a[0], &set, (size_t)a[1]);
}

int64_t sys_sigaltstack(struct task *t, const uint64_t a[6])
{
	int onstack = task_on_altstack(t, t->cpu.regs.rsp);
	stack_t ss, old = {
		.ss_sp = (void *)t->altstack.sp,
		.ss_size = t->altstack.size,
		.ss_flags = (int)(t->altstack.flags |
				  (!t->altstack.size ? SS_DISABLE : onstack ? SS_ONSTACK : 0)),
	};
	if (a[0]) {
		if (mm_copy_in(t->mm, a[0], &ss, sizeof(ss)) < 0)
			return -EFAULT;
		if (onstack)
			return -EPERM;
		unsigned mode = (unsigned)ss.ss_flags & ~SS_AUTODISARM_;
		if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			ss.ss_sp = NULL;
			ss.ss_size = 0;
		} else if (ss.ss_size < ALTSTACK_MIN) {
			return -ENOMEM;
		}
		t->altstack.sp = (uint64_t)ss.ss_sp;
		t->altstack.size = ss.ss_size;
		t->altstack.flags = (unsigned)ss.ss_flags & SS_AUTODISARM_;
	}
	if (a[1] && mm_copy_out(t->mm, a[1], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

/* The signal checks every sender makes after finding its target (check_kill_permission). */
static int64_t send_info(struct task *t, int sig, const struct task_siginfo *si)
{
	if (sig < 0 || sig > TASK_NSIG)
		return -EINVAL;
	if (sig)
		raise_self_info(t, sig, si);
	return 0;
}

static int64_t send(struct task *t, int sig)
{
	const struct task_siginfo si = { .code = SI_USER, .pid = t->tgid, .uid = t->fs->creds.uid };
	return send_info(t, sig, &si);
}

/* kill(2) of the caller's own process: the group's signal (shared pending, taken after the
 * thread's own ones, as Linux dequeues), which the caller takes on its way out unless it
 * blocks it. */
static int64_t send_own_process_info(struct task *t, int sig, const struct task_siginfo *si)
{
	if (sig < 0 || sig > TASK_NSIG)
		return -EINVAL;
	if (!sig)
		return 0;
	pthread_mutex_lock(&t->k->lock);
	tgroup_signal_locked(t->tg, sig, si);
	pthread_mutex_unlock(&t->k->lock);
	return 0;
}

static int64_t send_own_process(struct task *t, int sig)
{
	const struct task_siginfo si = { .code = SI_USER, .pid = t->tgid, .uid = t->fs->creds.uid };
	return send_own_process_info(t, sig, &si);
}

/* kill(2)'s targets (@pid as kill takes it) from @t: the others signalled by the kernel, the
 * caller's own process (when it matches) here. */
static int64_t kill_targets(struct task *t, int pid, int sig)
{
	int self = 0;
	int64_t rc = pid == t->tgid ? (self = 1, 0) : kernel_kill(t, pid, sig, &self);
	return rc == 0 && self ? send_own_process(t, sig) : rc;
}

int64_t sys_kill(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0];
	if (pid == INT_MIN)
		return -ESRCH;
	return kill_targets(t, pid, (int)a[1]);
}

/* signalfd4(2): a new signalfd (@fd -1) or a new mask for the signalfd @fd. SIGKILL and SIGSTOP
 * are silently left out of the mask, as Linux does. */
int64_t sys_signalfd4(struct task *t, const uint64_t a[6])
{
	int fd = (int)a[0];
	uint32_t flags = (uint32_t)a[3];
	uint64_t mask;
	if (flags & ~(uint32_t)(O_NONBLOCK | O_CLOEXEC))
		return -EINVAL;
	if (a[2] != sizeof(uint64_t))
		return -EINVAL;
	if (mm_copy_in(t->mm, a[1], &mask, sizeof(mask)) < 0)
		return -EFAULT;
	mask &= ~SIG_UNBLOCKABLE;
	if (fd != -1) {
		void *obj;
		if (fdt_get(t->fdt, fd, &obj, NULL) < 0)
			return -EBADF;
		int rc = signalfd_set_mask(obj, mask);
		vfs_file_put(obj);
		return rc < 0 ? rc : fd;
	}
	struct vfs_file *f;
	int rc = signalfd_new(t, mask, flags, &f);
	if (rc < 0)
		return rc;
	rc = fdt_install(t->fdt, f, (flags & O_CLOEXEC) != 0, 0, &fd);
	vfs_file_put(f);
	return rc < 0 ? rc : fd;
}

int64_t sys_signalfd(struct task *t, const uint64_t a[6])
{
	return sys_signalfd4(t, (const uint64_t[6]){ a[0], a[1], a[2], 0 });
}

int64_t sys_pidfd_send_signal(struct task *t, const uint64_t a[6])
{
	int sig = (int)a[1];
	/* PIDFD_SIGNAL_THREAD, _THREAD_GROUP, _PROCESS_GROUP: at most one. A pidfd here always
	 * names a process, so the thread scope is its leader thread. */
	uint64_t scope = a[3];
	if ((scope & ~7ull) || (scope & (scope - 1)))
		return -EINVAL;
	void *obj;
	if (fdt_get(t->fdt, (int)a[0], &obj, NULL) < 0)
		return -EBADF;
	int pid = pidfd_pid(obj);
	vfs_file_put(obj);
	if (pid < 0)
		return -EBADF;
	if (sig < 0 || sig > TASK_NSIG)
		return -EINVAL;
	if (a[2]) {
		struct { int32_t signo, errno_, code; } si;
		if (mm_copy_in(t->mm, a[2], &si, sizeof(si)) < 0)
			return -EFAULT;
		if (si.signo != sig)
			return -EINVAL;
		/* Only the kernel may claim SI_USER and friends, or SI_TKILL, to another. */
		if (pid != t->tgid && (si.code >= 0 || si.code == SI_TKILL))
			return -EPERM;
	}
	if (scope == 1)
		return sys_tgkill(t, (const uint64_t[6]){ (uint64_t)pid, (uint64_t)pid, (uint64_t)sig });
	if (scope == 4) {
		int pgid = kernel_getpgid(t, pid);
		return pgid < 0 ? pgid : kill_targets(t, -pgid, sig);
	}
	return kill_targets(t, pid, sig);
}

int64_t sys_tgkill(struct task *t, const uint64_t a[6])
{
	int tgid = (int)a[0], tid = (int)a[1];
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	int self = 0;
	int64_t rc = tid == t->tid && tgid == t->tgid ? (self = 1, 0)
						       : kernel_tkill(t, tgid, tid, (int)a[2], &self);
	return rc == 0 && self ? send(t, (int)a[2]) : rc;
}

int64_t sys_tkill(struct task *t, const uint64_t a[6])
{
	int tid = (int)a[0];
	if (tid <= 0)
		return -EINVAL;
	int self = 0;
	int64_t rc = tid == t->tid ? (self = 1, 0) : kernel_tkill(t, -1, tid, (int)a[1], &self);
	return rc == 0 && self ? send(t, (int)a[1]) : rc;
}

/* The sender's siginfo of rt_sigqueueinfo and rt_tgsigqueueinfo: si_code, and _rt's si_pid,
 * si_uid and si_value as given (glibc's sigqueue fills in its own). Only the kernel may claim
 * SI_USER and the other codes >= 0, or SI_TKILL, to another process or thread (EPERM), and
 * only after the target is found (ESRCH first, then EINVAL for the signal). */
static int queue_info_in(struct task *t, uint64_t addr, struct task_siginfo *si)
{
	struct {
		int32_t signo, errno_, code, pad;
		int32_t pid;
		uint32_t uid;
		uint64_t value;
	} u;
	if (mm_copy_in(t->mm, addr, &u, sizeof(u)) < 0)
		return -EFAULT;
	*si = (struct task_siginfo){ .code = u.code, .pid = u.pid, .uid = u.uid, .value = u.value };
	return 0;
}

static int queue_info_forged(const struct task_siginfo *si)
{
	return si->code >= 0 || si->code == SI_TKILL;
}

int64_t sys_rt_sigqueueinfo(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0], sig = (int)a[1];
	struct task_siginfo si;
	int rc = queue_info_in(t, a[2], &si);
	if (rc < 0)
		return rc;
	if (queue_info_forged(&si) && pid != t->tgid)
		return -EPERM;
	/* POSIX.1b names one process: no groups, no -1. */
	if (pid <= 0)
		return -ESRCH;
	int self = 0;
	int64_t r = pid == t->tgid ? (self = 1, 0) : kernel_kill_info(t, pid, sig, &si, &self);
	return r == 0 && self ? send_own_process_info(t, sig, &si) : r;
}

int64_t sys_rt_tgsigqueueinfo(struct task *t, const uint64_t a[6])
{
	int tgid = (int)a[0], tid = (int)a[1], sig = (int)a[2];
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	struct task_siginfo si;
	int rc = queue_info_in(t, a[3], &si);
	if (rc < 0)
		return rc;
	/* do_rt_tgsigqueueinfo: only to the calling thread itself. */
	if (queue_info_forged(&si) && tid != t->tid)
		return -EPERM;
	int self = 0;
	int64_t r = tid == t->tid && tgid == t->tgid
			    ? (self = 1, 0)
			    : kernel_tkill_info(t, tgid, tid, sig, &si, &self);
	return r == 0 && self ? send_info(t, sig, &si) : r;
}

int64_t sys_rt_sigreturn(struct task *t, const uint64_t a[6])
{
	return task_sigreturn(t);
}
