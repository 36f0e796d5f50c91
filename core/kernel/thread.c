/*
 * core/kernel/thread.c: thread groups: process-directed signals, exit_group, a thread's end,
 * and execve's clearing of the other threads (see thread.h).
 *
 * Every thread is a task in kernel.tasks, on its own Sentry thread. The group's leader (TID ==
 * TGID) stands for the process in every process-wide lookup, so when its thread ends before the
 * others it stays in the list, its thread state released, until the last thread is gone: then
 * the process's exit is reported as the leader's, as Linux's delayed group leader does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>

#include "kernel/futex.h"
#include "kernel/ptimer.h"
#include "kernel/process_internal.h"
#include "kernel/thread.h"
#include "mm/mm.h"
#include "vfs/vfs.h"

/* Whether the process drops @sig on arrival (Linux's sig_ignored, over the group): ignored by
 * its action and blocked by no thread that could take it later. */
static int group_ignores(const struct tgroup *g, int sig)
{
	uint64_t h = __atomic_load_n(&g->sigactions[sig - 1].handler, __ATOMIC_RELAXED);
	if (!task_handler_ignores(h, sig))
		return 0;
	for (const struct task *o = g->threads; o; o = o->group_next)
		if ((__atomic_load_n(&o->sigmask, __ATOMIC_RELAXED) |
		     __atomic_load_n(&o->sigwait_set, __ATOMIC_RELAXED)) & SIGBIT(sig))
			return 0;
	return 1;
}

void tgroup_signal_locked(struct tgroup *g, int sig, const struct task_siginfo *si)
{
	if (sig < 1 || sig > TASK_NSIG)
		return;
	jobctl_on_send_locked(g, sig);	/* whatever the disposition */
	if (group_ignores(g, sig))
		return;
	pthread_mutex_lock(&g->lock);
	if (!(g->shared_pending & SIGBIT(sig)))
		g->shared_info[sig - 1] = *si;
	else
		task_sigq_push(&g->shared_q, sig, si);
	__atomic_fetch_or(&g->shared_pending, SIGBIT(sig), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&g->lock);
	kwait_wq_notify(g->sig_wq, SENTRY_EV_IN);
	/* Wake one thread that can take it, the first (the oldest, usually the main thread)
	 * preferred, as complete_signal does; if all block it, it waits in the group. */
	struct task *pick = NULL;
	for (struct task *o = g->threads; o && !pick; o = o->group_next)
		if ((SIGBIT(sig) & SIG_UNBLOCKABLE) ||
		    !(__atomic_load_n(&o->sigmask, __ATOMIC_RELAXED) & SIGBIT(sig)))
			pick = o;
	if (pick)
		task_kick(pick);
}

int tgroup_take_signals(struct task *t)
{
	struct tgroup *g = t->tg;
	uint64_t avail = __atomic_load_n(&g->shared_pending, __ATOMIC_ACQUIRE) &
			 (~t->sigmask | SIG_UNBLOCKABLE);
	if (!avail)
		return 0;
	pthread_mutex_lock(&g->lock);
	avail = g->shared_pending & (~t->sigmask | SIG_UNBLOCKABLE);
	for (uint64_t in = avail; in; in &= in - 1) {
		int sig = __builtin_ctzll(in) + 1;
		if (!(t->sigpending & SIGBIT(sig)))
			t->siginfo[sig - 1] = g->shared_info[sig - 1];
		else
			task_sigq_push(&t->sigq, sig, &g->shared_info[sig - 1]);
		t->sigpending |= SIGBIT(sig);
	}
	/* The process's further real-time instances go with the first: this thread takes them
	 * all (Linux leaves them shared, for whichever thread dequeues next). */
	task_sigq_move(&t->sigq, &g->shared_q, avail);
	__atomic_fetch_and(&g->shared_pending, ~avail, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&g->lock);
	return avail != 0;
}

/* Kills every thread of @g but @keep. k->lock held. */
static void kill_others_locked(struct tgroup *g, struct task *keep)
{
	for (struct task *o = g->threads; o; o = o->group_next)
		if (o != keep)
			task_send_signal(o, SIGKILL, SI_KERNEL, 0, 0);
}

void task_group_exit(struct task *t, int status)
{
	struct kernel *k = t->k;
	struct tgroup *g = t->tg;
	task_exit(t, status);
	pthread_mutex_lock(&k->lock);
	if (!g->exiting) {
		g->exiting = 1;
		g->exit_status = status;
		kill_others_locked(g, t);
	} else if (g->exec_task == t) {
		/* The execve clearing the group was itself killed. */
		g->exec_task = NULL;
		g->exit_status = status;
	}
	pthread_mutex_unlock(&k->lock);
}

int kernel_thread_enter(struct kernel *k, struct task *t)
{
	struct tgroup *g = t->tg;
	int rc = 0;
	pthread_mutex_lock(&k->lock);
	if (g->exiting || k->init_exited) {
		rc = -EAGAIN;	/* the process is ending: no new threads */
	} else {
		t->next = k->tasks;
		k->tasks = t;
		t->group_next = g->threads;
		g->threads = t;
		g->live++;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

/* Takes @t off its group's running list. k->lock held. Returns the threads left. */
static int leave_group_locked(struct task *t)
{
	struct tgroup *g = t->tg;
	for (struct task **p = &g->threads; *p; p = &(*p)->group_next)
		if (*p == t) {
			*p = t->group_next;
			g->live--;
			break;
		}
	return g->live;
}

static void unlist_locked(struct kernel *k, struct task *t)
{
	for (struct task **p = &k->tasks; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			return;
		}
}

/* The lingering leader of @g, if its thread ended. k->lock held. */
static struct task *lingering_leader_locked(struct kernel *k, struct tgroup *g)
{
	for (struct task *o = k->tasks; o; o = o->next)
		if (o->tg == g && task_is_leader(o) && o->thread_done)
			return o;
	return NULL;
}

/* PR_SET_PDEATHSIG: the children @t made hear of its end (Linux sends it when the creating
 * thread exits, even if its process goes on). k->lock held. */
static void send_pdeathsig_locked(struct kernel *k, const struct task *t)
{
	const struct task_siginfo si = { .code = SI_USER, .pid = t->tgid };
	for (struct task *o = k->tasks; o; o = o->next)
		if (task_is_leader(o) && o->tg->pdeathsig && o->tg->ppid == t->tgid &&
		    o->tg->creator_tid == t->tid)
			tgroup_signal_locked(o->tg, o->tg->pdeathsig, &si);
}

/* CLONE_CHILD_CLEARTID: zero the TID word and wake one futex waiter (pthread_join). */
static void clear_child_tid(struct task *t)
{
	if (!t->clear_child_tid || !t->mm)
		return;
	int zero = 0;
	if (mm_copy_out(t->mm, t->clear_child_tid, &zero, sizeof(zero)) == 0)
		(void)futex_wake(t, t->clear_child_tid, 1, FUTEX_BITSET_ANY, 0);
}

int kernel_thread_end(struct kernel *k, struct task *t, int *status, struct task **ret_leader)
{
	struct tgroup *g = t->tg;
	futex_exit(t);
	clear_child_tid(t);
	/* First, on this thread (the platform binds the context to it), and before t can be
	 * freed by an execve that finds it lingering. */
	task_drop_thread_state(t);
	pthread_mutex_lock(&k->lock);
	send_pdeathsig_locked(k, t);
	int left = leave_group_locked(t);
	if (left > 0) {
		int linger = task_is_leader(t);
		if (linger)
			t->thread_done = 1;	/* stands for the process until the last thread */
		else
			unlist_locked(k, t);
		pthread_cond_broadcast(&k->changed);
		pthread_mutex_unlock(&k->lock);
		return linger ? KERNEL_THREAD_LINGERS : KERNEL_THREAD_GONE;
	}
	/* The last thread: the process ends, reported as its leader. */
	struct task *leader = task_is_leader(t) ? t : lingering_leader_locked(k, g);
	if (g->exiting)
		*status = g->exit_status;
	else if (leader && leader != t)
		*status = leader->exit_status;
	if (leader && leader != t)
		unlist_locked(k, t);
	pthread_mutex_unlock(&k->lock);
	ptimer_exit(g);
	*ret_leader = leader ? leader : t;
	return KERNEL_THREAD_PROCESS_GONE;
}

int kernel_exec_dethread(struct task *t)
{
	struct kernel *k = t->k;
	struct tgroup *g = t->tg;
	if (__atomic_load_n(&g->live, __ATOMIC_RELAXED) == 1 && task_is_leader(t))
		return 0;
	pthread_mutex_lock(&k->lock);
	if (g->exiting) {
		pthread_mutex_unlock(&k->lock);
		return -EAGAIN;	/* exit_group or another execve got there first */
	}
	g->exiting = 1;
	g->exec_task = t;
	kill_others_locked(g, t);
	while (g->live > 1 && g->exec_task == t)
		pthread_cond_wait(&k->changed, &k->lock);
	int rc = g->exec_task == t ? 0 : -EAGAIN;	/* killed meanwhile */
	struct task *old = NULL;
	if (rc == 0 && !task_is_leader(t)) {
		/* The execing thread takes over the process's PID; the old leader goes. */
		old = lingering_leader_locked(k, g);
		if (old)
			unlist_locked(k, old);
		t->tid = t->tgid;
		/* Its parent is told with SIGCHLD, as Linux's de_thread decides. */
		t->exit_signal = SIGCHLD;
	}
	if (rc == 0) {
		g->exiting = 0;
		g->exec_task = NULL;
	}
	pthread_mutex_unlock(&k->lock);
	if (old) {
		struct vfs_ctx *fs = old->fs;
		task_free(old);
		vfs_ctx_free(fs);
	}
	return rc;
}

int kernel_tkill(struct task *t, int tgid, int tid, int sig, int *ret_self)
{
	const struct task_siginfo si = { .code = SI_TKILL, .pid = t->tgid, .uid = t->fs->creds.uid };
	return kernel_tkill_info(t, tgid, tid, sig, &si, ret_self);
}

int kernel_tkill_info(struct task *t, int tgid, int tid, int sig, const struct task_siginfo *info,
		      int *ret_self)
{
	struct kernel *k = t->k;
	int rc = -ESRCH;
	*ret_self = 0;
	pthread_mutex_lock(&k->lock);
	for (struct task *o = k->tasks; o; o = o->next) {
		if (o->tid != tid || o->thread_done || (tgid > 0 && o->tgid != tgid))
			continue;
		rc = sig < 0 || sig > TASK_NSIG ? -EINVAL : 0;
		if (rc == 0 && o == t)
			*ret_self = 1;
		else if (rc == 0 && sig && !kernel_init_ignores(o, sig, 0)) {
			jobctl_on_send_locked(o->tg, sig);
			task_send_siginfo(o, sig, info);
		}
		break;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}
