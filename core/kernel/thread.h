/*
 * core/kernel/thread.h: thread groups (see thread.c): process-directed signals, exit_group, the
 * end of one thread, and execve in a process with several threads.
 */
#pragma once

#include "kernel/task.h"

/* Sends @sig to the process @g as a whole: pending in the group until a thread that does not
 * block it takes it; one such thread is kicked. Dropped when the process ignores it. Caller
 * holds kernel.lock (the thread list). */
void tgroup_signal_locked(struct tgroup *g, int sig, const struct task_siginfo *si);

/* The task's own thread: moves the group's pending signals it does not block into its own
 * pending set. Returns whether it took any. */
int tgroup_take_signals(struct task *t);

/* exit_group(2) and fatal signals: ends @t with @status and every other thread of its
 * process with SIGKILL; the process's status is the first group exit's. */
void task_group_exit(struct task *t, int status);

/* Puts a new thread (or the first thread of a new process) in the task list and its group.
 * -EAGAIN when its process or the sandbox is ending. */
int kernel_thread_enter(struct kernel *k, struct task *t);

/* What kernel_thread_end found. */
enum {
	KERNEL_THREAD_GONE = 0,		/* others run on; the caller frees the task */
	KERNEL_THREAD_LINGERS = 1,	/* a leader: stays for its process, the caller lets go */
	KERNEL_THREAD_PROCESS_GONE = 2,	/* the last thread: *ret_leader's exit is the process's */
};

/* A task's thread is over (task_run returned @*status): CLONE_CHILD_CLEARTID, its thread state
 * released, and off the group. With KERNEL_THREAD_PROCESS_GONE, *status becomes the process's
 * wait status and *ret_leader the task standing for it (@t or a lingering leader; the caller
 * reports and frees it, and @t). */
int kernel_thread_end(struct kernel *k, struct task *t, int *status, struct task **ret_leader);

/* execve's de_thread: kills the process's other threads and waits until they are gone; a
 * non-leader caller takes over the process's PID. Returns 0, or -EAGAIN when an exit_group
 * (or a kill of the caller) overtook it. */
int kernel_exec_dethread(struct task *t);

/* tgkill(2) (@tgid > 0) and tkill(2) (@tgid -1) of thread @tid by @t: -ESRCH when no such
 * thread runs, -EINVAL for a bad signal; *ret_self when it is @t itself (the caller raises). */
int kernel_tkill(struct task *t, int tgid, int tid, int sig, int *ret_self);
/* kernel_tkill with the siginfo the thread gets (rt_tgsigqueueinfo's; tkill's is SI_TKILL). */
int kernel_tkill_info(struct task *t, int tgid, int tid, int sig, const struct task_siginfo *info,
		      int *ret_self);

/* Drops the pending instances of the signals in @mask from @g and every one of its threads
 * (a signal set to be ignored, SIGCONT and the stop signals). kernel.lock held. */
void tgroup_discard_locked(struct tgroup *g, uint64_t mask);

/* Job control (kernel/jobctl.c). */
/* SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU: their default action stops the process. */
int task_sig_stops(int sig);
/* What sending @sig does at once: SIGCONT continues a stopped @g and discards its pending
 * stop signals; a stop signal discards a pending SIGCONT. kernel.lock held. */
void jobctl_on_send_locked(struct tgroup *g, int sig);
/* The default action of stop signal @sig taken by @t: the process stops (its parent told) and
 * @t parks until a SIGCONT or SIGKILL. A terminal stop signal (not SIGSTOP) does nothing in an
 * orphaned process group. */
void task_group_stop(struct task *t, int sig);
/* Process @t is exiting, its children about to go to @reaper (NULL: none in the sandbox): each
 * process group its exit orphans that has a stopped member gets SIGHUP and SIGCONT.
 * kernel.lock held. */
void jobctl_exit_orphans_locked(struct kernel *k, struct task *t, struct task *reaper);
/* At a delivery point: parks @t while its process is stopped. */
void task_stop_point(struct task *t);
/* wait4/waitid of live child process @c (its leader): a stop (WUNTRACED) or continue
 * (WCONTINUED) not yet reported gives 1 and its wait status, consumed unless WNOWAIT. */
int jobctl_wait_report_locked(struct task *c, int options, int *ret_status);
