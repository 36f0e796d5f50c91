/*
 * core/kernel/jobctl.c: job control: stop signals stop the whole process, SIGCONT continues it,
 * and the parent hears of both (SIGCHLD with CLD_STOPPED or CLD_CONTINUED, unless it set
 * SA_NOCLDSTOP; wait4's WUNTRACED and WCONTINUED, waitid's WSTOPPED and WCONTINUED).
 *
 * As on Linux, SIGCONT acts when it is sent, whatever its disposition, and discards pending stop
 * signals; a stop signal sent discards a pending SIGCONT. The stop itself happens when a thread
 * takes a stop signal whose action is the default: the process is marked stopped, the other
 * threads are kicked and park at their next delivery point, until a SIGCONT or SIGKILL.
 *
 * Orphaned process groups (POSIX): a group none of whose members has a parent in another group
 * of the same session has no shell left to continue it, so the terminal stop signals
 * (SIGTSTP, SIGTTIN, SIGTTOU, not SIGSTOP) are dropped at delivery, and a group that becomes
 * orphaned with a stopped member gets SIGHUP then SIGCONT. A process started from outside the
 * sandbox (init, runsc exec) has no parent inside it: it keeps no group from being orphaned.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "kernel/process_internal.h"
#include "kernel/thread.h"
#include "kernel/wait.h"

int task_sig_stops(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

#define STOP_SIGS (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))

/* Tells @g's parent: SIGCHLD with @code unless it asked for none (SA_NOCLDSTOP), and its
 * waiters. k->lock held. */
static void notify_parent_locked(struct kernel *k, struct tgroup *g, int code, int status)
{
	struct task *parent = g->ppid ? kernel_find_locked(k, g->ppid) : NULL;
	if (parent) {
		const struct task_sigaction *a = &parent->tg->sigactions[SIGCHLD - 1];
		if (!(__atomic_load_n(&a->flags, __ATOMIC_RELAXED) & SA_NOCLDSTOP)) {
			const struct task_siginfo si = { .code = code, .pid = g->tgid,
							 .status = status };
			tgroup_signal_locked(parent->tg, SIGCHLD, &si);
		}
	}
	if (k->exit_wq)
		kwait_wq_notify(k->exit_wq, ~0u);
}

void tgroup_discard_locked(struct tgroup *g, uint64_t mask)
{
	pthread_mutex_lock(&g->lock);
	__atomic_fetch_and(&g->shared_pending, ~mask, __ATOMIC_RELAXED);
	task_sigq_drop(&g->shared_q, mask);
	pthread_mutex_unlock(&g->lock);
	for (struct task *o = g->threads; o; o = o->group_next) {
		pthread_mutex_lock(&o->wait.lock);
		__atomic_fetch_and(&o->sig_incoming, ~mask, __ATOMIC_RELAXED);
		task_sigq_drop(&o->incoming_q, mask);
		/* sigpending is the thread's own; it drops stale ones when it next delivers. */
		__atomic_fetch_or(&o->sig_discard, mask, __ATOMIC_RELAXED);
		pthread_mutex_unlock(&o->wait.lock);
	}
}

void jobctl_on_send_locked(struct tgroup *g, int sig)
{
	struct kernel *k = g->k;
	if (sig == SIGCONT) {
		tgroup_discard_locked(g, STOP_SIGS);
		if (g->stopped) {
			g->stopped = 0;
			g->stop_report = TGROUP_REPORT_CONTINUED;
			notify_parent_locked(k, g, CLD_CONTINUED, SIGCONT);
			for (struct task *o = g->threads; o; o = o->group_next)
				task_kick(o);
		}
	} else if (task_sig_stops(sig)) {
		tgroup_discard_locked(g, SIGBIT(SIGCONT));
	}
}

/* Parks @t while its process is stopped; SIGKILL ends the park. */
static void park(struct task *t)
{
	struct kernel *k = t->k;
	struct tgroup *g = t->tg;
	for (;;) {
		pthread_mutex_lock(&k->lock);
		int stopped = g->stopped && !g->exiting;
		pthread_mutex_unlock(&k->lock);
		if (!stopped)
			return;
		kwait_clear_interrupt(&t->wait);
		task_take_signals(t);
		if (t->sigpending & SIGBIT(SIGKILL))
			return;
		/* A SIGCONT or SIGKILL sent after the checks kicks us out of this. */
		(void)kwait_until(t, SENTRY_CLOCK_MONOTONIC, -1);
	}
}

/* Linux's will_become_orphaned_pgrp: no member other than @dying, and not exiting, has its
 * parent in another group of the same session; @dying's children count as @reaper's, which
 * they are about to become. k->lock held. */
static int pgrp_orphaned_locked(struct kernel *k, int pgid, const struct task *dying,
				struct task *reaper)
{
	for (struct task *o = k->tasks; o; o = o->next) {
		if (!task_is_leader(o) || o == dying || o->tg->exiting || task_pgid(o) != pgid)
			continue;
		struct task *parent = dying && o->tg->ppid == dying->tgid ? reaper
					: o->tg->ppid ? kernel_find_locked(k, o->tg->ppid)
					: NULL;
		if (parent && task_pgid(parent) != pgid && task_sid(parent) == task_sid(o))
			return 0;
	}
	return 1;
}

int kernel_pgrp_orphaned(struct kernel *k, int pgid)
{
	pthread_mutex_lock(&k->lock);
	int orphaned = pgrp_orphaned_locked(k, pgid, NULL, NULL);
	pthread_mutex_unlock(&k->lock);
	return orphaned;
}

/* SIGHUP then SIGCONT to every member of @pgid when it has a stopped one. k->lock held. */
static void hangup_stopped_pgrp_locked(struct kernel *k, int pgid)
{
	int stopped = 0;
	for (struct task *o = k->tasks; o && !stopped; o = o->next)
		stopped = task_is_leader(o) && task_pgid(o) == pgid && o->tg->stopped;
	if (!stopped)
		return;
	const struct task_siginfo si = { .code = SI_KERNEL };
	for (struct task *o = k->tasks; o; o = o->next) {
		if (!task_is_leader(o) || task_pgid(o) != pgid || o->tg->exiting)
			continue;
		tgroup_signal_locked(o->tg, SIGHUP, &si);
		jobctl_on_send_locked(o->tg, SIGCONT);
		tgroup_signal_locked(o->tg, SIGCONT, &si);
	}
}

void jobctl_exit_orphans_locked(struct kernel *k, struct task *t, struct task *reaper)
{
	/* Our own group, if we were what kept it parented (Linux's kill_orphaned_pgrp)... */
	struct task *parent = t->tg->ppid ? kernel_find_locked(k, t->tg->ppid) : NULL;
	int pgid = task_pgid(t);
	if (parent && task_pgid(parent) != pgid && task_sid(parent) == task_sid(t) &&
	    pgrp_orphaned_locked(k, pgid, t, reaper))
		hangup_stopped_pgrp_locked(k, pgid);
	/* ... and each child's group in our session that only we kept parented. */
	for (struct task *c = k->tasks; c; c = c->next) {
		int cg = task_pgid(c);
		if (task_is_leader(c) && c->tg->ppid == t->tgid && cg != pgid &&
		    task_sid(c) == task_sid(t) && pgrp_orphaned_locked(k, cg, t, reaper))
			hangup_stopped_pgrp_locked(k, cg);
	}
}

void task_group_stop(struct task *t, int sig)
{
	struct kernel *k = t->k;
	struct tgroup *g = t->tg;
	pthread_mutex_lock(&k->lock);
	if (sig != SIGSTOP && pgrp_orphaned_locked(k, task_pgid(t), NULL, NULL)) {
		pthread_mutex_unlock(&k->lock);
		return;
	}
	if (!g->stopped && !g->exiting) {
		g->stopped = 1;
		g->stop_sig = sig;
		g->stop_report = TGROUP_REPORT_STOPPED;
		for (struct task *o = g->threads; o; o = o->group_next)
			if (o != t)
				task_kick(o);
		notify_parent_locked(k, g, CLD_STOPPED, sig);
	}
	pthread_mutex_unlock(&k->lock);
	park(t);
}

void task_stop_point(struct task *t)
{
	if (__atomic_load_n(&t->tg->stopped, __ATOMIC_RELAXED))
		park(t);
}

int jobctl_wait_report_locked(struct task *c, int options, int *ret_status)
{
	struct tgroup *g = c->tg;
	if ((options & WUNTRACED) && g->stop_report == TGROUP_REPORT_STOPPED) {
		*ret_status = (g->stop_sig << 8) | 0x7f;
	} else if ((options & WCONTINUED) && g->stop_report == TGROUP_REPORT_CONTINUED) {
		*ret_status = 0xffff;
	} else {
		return 0;
	}
	if (!(options & WNOWAIT))
		g->stop_report = TGROUP_REPORT_NONE;
	return 1;
}

/* ---- terminals (core/tty): the foreground group's signals, and its checks ---- */

int kernel_signal_pgrp(struct kernel *k, int pgid, int sig)
{
	if (pgid <= 0)
		return -ESRCH;
	/* si_code SI_KERNEL, as kill_pgrp from a tty driver. */
	const struct task_siginfo si = { .code = 0x80 };
	int found = 0;
	pthread_mutex_lock(&k->lock);
	for (struct task *o = k->tasks; o; o = o->next) {
		if (!task_is_leader(o) || task_pgid(o) != pgid)
			continue;
		found = 1;
		if (!kernel_init_ignores(o, sig, 0))
			tgroup_signal_locked(o->tg, sig, &si);
	}
	pthread_mutex_unlock(&k->lock);
	return found ? 0 : -ESRCH;
}

int kernel_pgrp_session(struct kernel *k, int pgid)
{
	int sid = -ESRCH;
	pthread_mutex_lock(&k->lock);
	for (struct task *o = k->tasks; o && sid < 0; o = o->next)
		if (task_is_leader(o) && task_pgid(o) == pgid)
			sid = task_sid(o);
	pthread_mutex_unlock(&k->lock);
	return sid;
}

int task_sig_blocked_or_ignored(struct task *t, int sig)
{
	uint64_t h = __atomic_load_n(&t->tg->sigactions[sig - 1].handler, __ATOMIC_RELAXED);
	return (t->sigmask & SIGBIT(sig)) || h == (uint64_t)(uintptr_t)SIG_IGN;
}
