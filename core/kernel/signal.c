/*
 * core/kernel/signal.c: delivering signals to handlers and returning from them, with the
 * x86-64 Linux frame: the handler's return address (sa_restorer), a ucontext whose mcontext
 * holds the interrupted registers and points at the saved XSAVE image, then the siginfo. The
 * layout is the ABI glibc and musl code against (arch/x86/include/uapi/asm/sigcontext.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "mm/mm.h"

/* What the kernel marks the XSAVE image with so sigreturn knows its extent (fpu/signal.c). */
#ifndef FP_XSTATE_MAGIC1
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#endif
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif

/* struct sigcontext of x86-64, field for field. */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved[8];
};

struct k_ucontext {
	uint64_t flags;
	uint64_t link;
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
	struct k_sigcontext mc;
	uint64_t sigmask;
};

struct k_siginfo {
	int32_t signo, errno_, code, pad;
	union {
		struct { int32_t pid; uint32_t uid; } kill;
		struct { uint64_t addr; } fault;
		struct { int32_t pid; uint32_t uid; int32_t status; int64_t utime, stime; } chld;
		struct { int32_t tid; int32_t overrun; uint64_t value; } timer;
		char raw[112];
	} u;
};

struct k_rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	struct k_siginfo info;
};

_Static_assert(sizeof(struct k_sigcontext) == 256, "sigcontext layout");
_Static_assert(sizeof(struct k_siginfo) == 128, "siginfo layout");

int task_sig_default_ignored(int sig)
{
	/* SIGCONT's continuing happens when it is sent (jobctl.c): its delivery does nothing. */
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

int task_on_altstack(const struct task *t, uint64_t sp)
{
	/* Linux's on_sig_stack: the top is on the stack, the base is not (sp points at the last
	 * byte pushed). */
	return t->altstack.size && sp > t->altstack.sp && sp - t->altstack.sp <= t->altstack.size;
}

void task_sigq_push(struct task_sigq **q, int sig, const struct task_siginfo *si)
{
	if (sig < TASK_SIGRTMIN)
		return;
	size_t n = 0;
	while (*q && n < TASK_SIGQ_MAX) {
		q = &(*q)->next;
		n++;
	}
	struct task_sigq *e = n < TASK_SIGQ_MAX ? malloc(sizeof(*e)) : NULL;
	if (!e)
		return;	/* dropped, as past RLIMIT_SIGPENDING */
	*e = (struct task_sigq){ .sig = sig, .si = *si };
	*q = e;
}

int task_sigq_pop(struct task_sigq **q, int sig, struct task_siginfo *si)
{
	for (; *q; q = &(*q)->next)
		if ((*q)->sig == sig) {
			struct task_sigq *e = *q;
			*si = e->si;
			*q = e->next;
			free(e);
			return 1;
		}
	return 0;
}

void task_sigq_move(struct task_sigq **to, struct task_sigq **from, uint64_t mask)
{
	if (!*from)
		return;	/* the common case, on every take of incoming signals */
	while (*to)
		to = &(*to)->next;
	while (*from) {
		struct task_sigq *e = *from;
		if (!(mask & SIGBIT(e->sig))) {
			from = &e->next;
			continue;
		}
		*from = e->next;
		e->next = NULL;
		*to = e;
		to = &e->next;
	}
}

void task_sigq_drop(struct task_sigq **q, uint64_t mask)
{
	while (*q) {
		struct task_sigq *e = *q;
		if (mask & SIGBIT(e->sig)) {
			*q = e->next;
			free(e);
		} else {
			q = &e->next;
		}
	}
}

void task_sig_next(struct task *t, int sig)
{
	if (sig >= TASK_SIGRTMIN && !(t->sigpending & SIGBIT(sig)) &&
	    task_sigq_pop(&t->sigq, sig, &t->siginfo[sig - 1]))
		t->sigpending |= SIGBIT(sig);
}

void task_queue_signal(struct task *t, int sig, int code, uint64_t addr, int pid, uint32_t uid)
{
	const struct task_siginfo si = { .code = code, .addr = addr, .pid = pid, .uid = uid };
	task_queue_siginfo(t, sig, &si);
}

void task_queue_siginfo(struct task *t, int sig, const struct task_siginfo *si)
{
	if (sig < 1 || sig > TASK_NSIG)
		return;
	/* Standard signals do not queue: one pending instance keeps its first siginfo. */
	if (!(t->sigpending & SIGBIT(sig)))
		t->siginfo[sig - 1] = *si;
	else
		task_sigq_push(&t->sigq, sig, si);
	t->sigpending |= SIGBIT(sig);
	if (t->tg && t->tg->sig_wq)
		kwait_wq_notify(t->tg->sig_wq, SENTRY_EV_IN);
}

void task_siginfo_abi(const struct task *t, int sig, void *out)
{
	task_siginfo_abi_of(sig, &t->siginfo[sig - 1], out);
}

void task_siginfo_abi_of(int sig, const struct task_siginfo *si, void *out)
{
	struct k_siginfo *i = out;
	memset(i, 0, sizeof(*i));
	i->signo = sig;
	i->code = si->code;
	if (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP) {
		i->u.fault.addr = si->addr;
	} else if (sig == SIGCHLD && si->code > 0) {
		i->u.chld.pid = si->pid;
		i->u.chld.uid = si->uid;
		i->u.chld.status = si->status;
	} else if (sig == SIGSYS && si->code == SYS_SECCOMP) {
		/* _sigsys: si_call_addr, si_syscall, si_arch; si_errno is the filter's data. */
		i->errno_ = si->err;
		memcpy(i->u.raw, &si->addr, 8);
		memcpy(i->u.raw + 8, &si->syscall, 4);
		memcpy(i->u.raw + 12, &si->arch, 4);
	} else if (si->code == SI_TIMER) {
		i->u.timer.tid = si->timer_id;
		i->u.timer.overrun = si->overrun;
		i->u.timer.value = si->value;
	} else {
		i->u.kill.pid = si->pid;
		i->u.kill.uid = si->uid;
		/* _rt's si_value after them: a message queue's notification (mq_notify) carries
		 * sigev_value there, rt_sigqueueinfo its sender's (kill's is zero). */
		memcpy(i->u.raw + 8, &si->value, sizeof(si->value));
	}
}

/* Builds the frame for @sig on the application's stack and points the registers at the
 * handler. Returns 0 or -EFAULT (the stack is unusable: the task dies with SIGSEGV). */
static int setup_frame(struct task *t, int sig, const struct task_siginfo *si,
		       const struct task_sigaction *act)
{
	struct sentry_regs *r = &t->cpu.regs;
	uint64_t sp = r->rsp;
	int on_alt = task_on_altstack(t, sp);
	if ((act->flags & SA_ONSTACK) && t->altstack.size && !on_alt)
		sp = t->altstack.sp + t->altstack.size;
	else
		sp -= 128;	/* the red zone of the interrupted code */
	/* The XSAVE image, 64-byte aligned, plus the trailing magic. */
	uint64_t fp = (sp - t->cpu.fpu_size - 4) & ~63ull;
	uint64_t frame = ((fp - sizeof(struct k_rt_sigframe)) & ~15ull) - 8;
	task_fpu_sync(t);
	char *fpu = t->cpu.fpu;
	uint32_t sw[12] = { FP_XSTATE_MAGIC1, t->cpu.fpu_size + 4, 0, 0, t->cpu.fpu_size };
	uint64_t xfeatures;
	memcpy(&xfeatures, fpu + 512, 8);
	memcpy(&sw[2], &xfeatures, 8);
	memcpy(fpu + 464, sw, sizeof(sw));
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	if (mm_copy_out(t->mm, fp, fpu, t->cpu.fpu_size) < 0 ||
	    mm_copy_out(t->mm, fp + t->cpu.fpu_size, &magic2, 4) < 0)
		return -EFAULT;

	struct k_rt_sigframe f = { .pretcode = act->restorer };
	task_siginfo_abi_of(sig, si, &f.info);
	f.uc.flags = 1 | 4;	/* UC_FP_XSTATE | UC_STRICT_RESTORE_SS */
	f.uc.ss_sp = t->altstack.sp;
	f.uc.ss_size = t->altstack.size;
	f.uc.ss_flags = !t->altstack.size ? SS_DISABLE : on_alt ? SS_ONSTACK : 0;
	struct k_sigcontext *mc = &f.uc.mc;
	*mc = (struct k_sigcontext){
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11, .r12 = r->r12,
		.r13 = r->r13, .r14 = r->r14, .r15 = r->r15, .rdi = r->rdi, .rsi = r->rsi,
		.rbp = r->rbp, .rbx = r->rbx, .rdx = r->rdx, .rax = r->rax, .rcx = r->rcx,
		.rsp = r->rsp, .rip = r->rip, .eflags = r->eflags, .cs = (uint16_t)r->cs,
		.ss = (uint16_t)r->ss, .cr2 = si->addr, .fpstate = fp,
	};
	/* The mask sigreturn restores: sigsuspend's caller's, not the one it waited with. */
	f.uc.sigmask = mc->oldmask = t->has_saved_sigmask ? t->saved_sigmask : t->sigmask;
	t->has_saved_sigmask = 0;
	if (mm_copy_out(t->mm, frame, &f, sizeof(f)) < 0)
		return -EFAULT;

	r->rdi = (uint64_t)sig;
	r->rsi = frame + offsetof(struct k_rt_sigframe, info);
	r->rdx = frame + offsetof(struct k_rt_sigframe, uc);
	r->rax = 0;
	r->rsp = frame;
	r->rip = act->handler;
	r->eflags &= ~(0x100ull | 0x400ull);	/* TF and DF clear, as the kernel does */
	/* The handler starts with a clean FPU, as Linux gives it (fpu__clear_user_states). */
	memset(fpu + 512, 0, 64);
	t->cpu.fpu_dirty = 1;
	t->sigmask |= act->mask | ((act->flags & SA_NODEFER) ? 0 : SIGBIT(sig));
	t->sigmask &= ~SIG_UNBLOCKABLE;
	if ((act->flags & SA_ONSTACK) && (t->altstack.flags & SS_AUTODISARM))
		t->altstack.size = 0;
	return 0;
}

void task_send_signal(struct task *t, int sig, int code, int pid, uint32_t uid)
{
	const struct task_siginfo si = { .code = code, .pid = pid, .uid = uid };
	task_send_siginfo(t, sig, &si);
}

/* Whether @t drops @sig on arrival, as Linux's sig_ignored: unblocked and ignored, by SIG_IGN
 * or by default. Such a signal must not interrupt a blocking call either (a child's SIGCHLD
 * ending its parent's wait4 with EINTR). A blocked one is kept: the handler may change before
 * it is unblocked. The sender reads the task's disposition and mask unlocked; a change racing
 * with the send orders as if the signal came first. */
static int dropped_on_arrival(const struct task *t, int sig)
{
	if ((__atomic_load_n(&t->sigmask, __ATOMIC_RELAXED) |
	     __atomic_load_n(&t->sigwait_set, __ATOMIC_RELAXED)) & SIGBIT(sig))
		return 0;
	return task_handler_ignores(
		__atomic_load_n(&t->tg->sigactions[sig - 1].handler, __ATOMIC_RELAXED), sig);
}

void task_send_siginfo(struct task *t, int sig, const struct task_siginfo *si)
{
	if (sig < 1 || sig > TASK_NSIG || dropped_on_arrival(t, sig))
		return;
	struct kwait *w = &t->wait;
	pthread_mutex_lock(&w->lock);
	if (!(t->sig_incoming & SIGBIT(sig)))
		t->incoming_info[sig - 1] = *si;
	else
		task_sigq_push(&t->incoming_q, sig, si);
	__atomic_fetch_or(&t->sig_incoming, SIGBIT(sig), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&w->lock);
	if (t->tg->sig_wq)
		kwait_wq_notify(t->tg->sig_wq, SENTRY_EV_IN);
	/* The mask is the task's; a stale read only delays delivery to the task's next return
	 * to the application, where it takes and rechecks. */
	uint64_t mask = __atomic_load_n(&t->sigmask, __ATOMIC_RELAXED);
	if ((SIGBIT(sig) & SIG_UNBLOCKABLE) || !(mask & SIGBIT(sig)))
		task_kick(t);
}

void task_kick(struct task *t)
{
	kwait_interrupt(&t->wait);
	struct sentry_ctx *ctx = __atomic_load_n(&t->ctx, __ATOMIC_ACQUIRE);
	if (ctx)	/* none: a leader whose thread ended */
		t->k->platform->ctx_ops->interrupt(ctx);
}

int task_dequeue_signal(struct task *t, uint64_t set, struct task_siginfo *ret_si)
{
	task_take_signals(t);
	uint64_t own = t->sigpending & set;
	if (own) {
		int sig = __builtin_ctzll(own) + 1;
		t->sigpending &= ~SIGBIT(sig);
		*ret_si = t->siginfo[sig - 1];
		task_sig_next(t, sig);
		return sig;
	}
	struct tgroup *g = t->tg;
	if (!(__atomic_load_n(&g->shared_pending, __ATOMIC_ACQUIRE) & set))
		return 0;
	int sig = 0;
	pthread_mutex_lock(&g->lock);
	uint64_t shared = g->shared_pending & set;
	if (shared) {
		sig = __builtin_ctzll(shared) + 1;
		*ret_si = g->shared_info[sig - 1];
		if (!task_sigq_pop(&g->shared_q, sig, &g->shared_info[sig - 1]))
			__atomic_fetch_and(&g->shared_pending, ~SIGBIT(sig), __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&g->lock);
	return sig;
}

int task_sig_queued(struct task *t, int sig)
{
	pthread_mutex_lock(&t->wait.lock);
	uint64_t q = t->sig_incoming | __atomic_load_n(&t->sigpending, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&t->wait.lock);
	return (q & SIGBIT(sig)) != 0;
}

void task_take_signals(struct task *t)
{
	struct kwait *w = &t->wait;
	if (__atomic_load_n(&t->sig_discard, __ATOMIC_RELAXED)) {
		uint64_t drop = __atomic_exchange_n(&t->sig_discard, 0, __ATOMIC_ACQ_REL);
		t->sigpending &= ~drop;
		task_sigq_drop(&t->sigq, drop);
	}
	tgroup_take_signals(t);
	/* Every return to the application passes here: no lock when nothing was sent. A send
	 * racing with this read also interrupts the task, which brings it back at once. */
	if (!__atomic_load_n(&t->sig_incoming, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&w->lock);
	for (uint64_t in = t->sig_incoming; in; in &= in - 1) {
		int sig = __builtin_ctzll(in) + 1;
		const struct task_siginfo *si = &t->incoming_info[sig - 1];
		if (!(t->sigpending & SIGBIT(sig)))
			t->siginfo[sig - 1] = *si;
		else
			task_sigq_push(&t->sigq, sig, si);
		t->sigpending |= SIGBIT(sig);
	}
	/* Behind each signal's first incoming instance, the rest, in the order sent. */
	task_sigq_move(&t->sigq, &t->incoming_q, ~0ull);
	__atomic_store_n(&t->sig_incoming, 0, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&w->lock);
}

/* After delivery: with nothing left the task could take, its waits block again. Checked under
 * the slot's lock, so a signal sent meanwhile keeps the interrupt. */
static void settle_interrupt(struct task *t)
{
	struct kwait *w = &t->wait;
	/* Not interrupted (the common case): nothing to clear, and no lock taken. A send setting
	 * it meanwhile leaves it set, which is right: that signal is still to be taken. */
	if (!__atomic_load_n(&w->interrupted, __ATOMIC_RELAXED))
		return;
	pthread_mutex_lock(&w->lock);
	uint64_t shared = __atomic_load_n(&t->tg->shared_pending, __ATOMIC_ACQUIRE);
	if (!t->sig_incoming && !((t->sigpending | shared) & ~t->sigmask))
		kwait_clear_interrupt_locked(w);
	pthread_mutex_unlock(&w->lock);
}

/* Undoes the -EINTR of an interrupted system call so it runs again: its number back in rax,
 * rip on the syscall instruction (2 bytes), as Linux's handle_signal does. */
static void restart_syscall_regs(struct task *t)
{
	t->cpu.regs.rax = t->cpu.regs.orig_rax;
	t->cpu.regs.rip -= 2;
}

void task_deliver_signals(struct task *t)
{
	uint64_t ready;
	task_take_signals(t);
	task_stop_point(t);
	int restart = t->restart, handled = 0;
	t->restart = TASK_RESTART_NONE;
	while (!t->exited && (ready = t->sigpending & ~t->sigmask)) {
		int sig = __builtin_ctzll(ready) + 1;
		t->sigpending &= ~SIGBIT(sig);
		/* This instance; a real-time signal's next one waits in the slot (blocked by the
		 * handler's mask, unless SA_NODEFER lets it in on top). */
		struct task_siginfo cur = t->siginfo[sig - 1], *si = &cur;
		task_sig_next(t, sig);
		/* A timer's signal from an arming it no longer has is dropped, as on Linux. */
		if (si->code == SI_TIMER && !ptimer_signal_taken(t, si))
			continue;
		struct task_sigaction act = t->tg->sigactions[sig - 1];
		if (act.handler == (uint64_t)SIG_IGN)
			continue;
		if (act.handler == (uint64_t)SIG_DFL) {
			if (task_sig_stops(sig))
				task_group_stop(t, sig);
			else if (!task_sig_default_ignored(sig))
				task_group_exit(t, sig);	/* core dumps are not written */
			continue;
		}
		if (act.flags & SA_RESETHAND)
			t->tg->sigactions[sig - 1].handler = (uint64_t)SIG_DFL;
		/* The first frame decides: it saves the registers the call resumes with. */
		if (!handled++ && ((restart == TASK_RESTART_SYS && (act.flags & SA_RESTART)) ||
				   restart == TASK_RESTART_NOINTR))
			restart_syscall_regs(t);
		if (setup_frame(t, sig, si, &act) < 0)
			task_group_exit(t, SIGSEGV);
		/* On: Linux's exit_to_user_mode_loop delivers while anything the new mask lets
		 * through is pending, each frame on top of the last, so the handler of the last
		 * signal taken runs first. */
	}
	/* No handler ran: the call goes on as if never interrupted. */
	if (!handled && restart != TASK_RESTART_NONE && !t->exited)
		restart_syscall_regs(t);
	if (t->has_saved_sigmask) {
		t->sigmask = t->saved_sigmask;
		t->has_saved_sigmask = 0;
	}
	settle_interrupt(t);
}

/* The XSAVE image came from application memory: keep only what the host would accept
 * (standard format, known features, valid MXCSR), so a forged frame costs the application its
 * FPU state, as on Linux, rather than making the platform's restore fail. */
static void sanitize_fpu(struct task *t)
{
	char *x = t->cpu.fpu;
	uint32_t mxcsr;
	uint64_t bv;
	memcpy(&mxcsr, x + 24, 4);
	mxcsr &= 0xffff;
	memcpy(x + 24, &mxcsr, 4);
	memcpy(&bv, x + 512, 8);
	/* x87, SSE and AVX states are what a signal frame may carry back. */
	bv &= 7;
	memcpy(x + 512, &bv, 8);
	memset(x + 520, 0, 56);	/* xcomp_bv and the reserved header bytes */
}

int64_t task_sigreturn(struct task *t)
{
	struct sentry_regs *r = &t->cpu.regs;
	/* The handler's ret popped pretcode: the frame starts 8 bytes below rsp. */
	uint64_t frame = r->rsp - 8;
	struct k_rt_sigframe f;
	if (mm_copy_in(t->mm, frame, &f, sizeof(f)) < 0) {
		task_group_exit(t, SIGSEGV);
		return 0;
	}
	const struct k_sigcontext *mc = &f.uc.mc;
	if (!mc->fpstate)
		task_fpu_sync(t);	/* kept as it is, then sanitized */
	if (mc->fpstate && mm_copy_in(t->mm, mc->fpstate, t->cpu.fpu, t->cpu.fpu_size) < 0) {
		task_group_exit(t, SIGSEGV);
		return 0;
	}
	sanitize_fpu(t);
	t->cpu.fpu_dirty = 1;
	r->r8 = mc->r8; r->r9 = mc->r9; r->r10 = mc->r10; r->r11 = mc->r11;
	r->r12 = mc->r12; r->r13 = mc->r13; r->r14 = mc->r14; r->r15 = mc->r15;
	r->rdi = mc->rdi; r->rsi = mc->rsi; r->rbp = mc->rbp; r->rbx = mc->rbx;
	r->rdx = mc->rdx; r->rcx = mc->rcx; r->rsp = mc->rsp; r->rip = mc->rip;
	/* Only the flags user code may change (FIX_EFLAGS in the kernel). */
	const uint64_t user_flags = 0x40dd5;
	r->eflags = (r->eflags & ~user_flags) | (mc->eflags & user_flags);
	t->sigmask = f.uc.sigmask & ~SIG_UNBLOCKABLE;
	return (int64_t)mc->rax;	/* the interrupted code's rax, not a result */
}
