/*
 * core/kernel/process.h: the sandbox's processes as the world outside it sees them.
 *
 * runsc starts processes in a running Sentry (the container's init at create, others for
 * `runsc exec`), signals them (`runsc kill`), waits for them and lists them (`runsc ps`).
 * Each process runs on its own Sentry host thread, which creates its platform context and
 * address space (the ptrace platform binds both to the thread that made them) and runs the
 * task loop. The kernel's lock guards the task list: a task is only freed after leaving it,
 * so anyone holding the lock may signal a task it found there.
 *
 * PID 1 is special as in a PID namespace: signals from outside the sandbox with no handler
 * installed do nothing to it except SIGKILL and SIGSTOP, and when it exits every other
 * process is killed.
 */
#pragma once

#include <stdint.h>

#include "kernel/task.h"

struct vfs_mntns;
struct sock_filter;

/* A resource limit a new process starts with. */
struct kernel_rlimit {
	int resource;		/* RLIMIT_* */
	uint64_t soft, hard;
};

/* What a new process runs. */
struct kernel_spawn {
	char *const *argv;	/* argv[0] is looked up in PATH (from @envp) without a "/" */
	char *const *envp;
	const char *cwd;	/* absolute, NULL: "/" */
	uint32_t uid, gid;	/* credentials; root gets every capability */
	uint32_t umask;		/* taken as given (runc's default is 022) */
	const uint32_t *groups;	/* supplementary groups, @ngroups of them (at most 32 kept) */
	size_t ngroups;
	const struct kernel_rlimit *rlimits;	/* over the defaults, @rlimit_count of them */
	size_t rlimit_count;
	int stdio[3];		/* host descriptors for 0, 1, 2 (taken on every path), or -1 */
	struct vfs_mntns *ns;	/* the mount namespace it runs in (borrowed) */
	int hold;		/* made and exec'd, but kept from running until kernel_release */
	/* A seccomp program it starts under (struct sock_filter, @seccomp_len of them; NULL:
	 * none), with SECCOMP_FILTER_FLAG_LOG when @seccomp_log. Borrowed. */
	const struct sock_filter *seccomp;
	size_t seccomp_len;
	int seccomp_log;
	int no_new_privs;	/* process.noNewPrivileges: set-ID files and exec gain nothing */
};

/* An exit record: how a process ended. A spawned one's is kept for kernel_wait; a forked
 * one's is its zombie, until its parent reaps it with wait4/waitid. */
struct kernel_exit {
	struct kernel_exit *next;
	int pid;
	int ppid;		/* the parent that may reap it; 0: spawned from outside */
	int pgid;		/* its process group, for wait4(-pgid) */
	uint32_t uid;
	int status;		/* wait(2) status */
	int exit_signal;	/* not SIGCHLD: a "clone" child, for __WCLONE */
	/* What /proc shows of the zombie until it is reaped. */
	int sid;
	char comm[16];
	int64_t start_ns;
};

/* What `runsc ps` shows of one process. */
struct kernel_proc_info {
	int pid, ppid;
	uint32_t uid;
	int64_t start_ns;	/* CLOCK_REALTIME */
	char comm[16];
	const char *cmdline;	/* NUL-separated argv, @cmdline_len bytes */
	size_t cmdline_len;
};

void kernel_init(struct kernel *k);
/* Kills every process, waits for their threads to end, frees the exit records. */
void kernel_destroy(struct kernel *k);

/* Starts a process: returns 0 with *ret_pid once its program is loaded (or held), or -errno
 * with one line in @msg ("/bin/nope: No such file or directory"). */
int kernel_spawn(struct kernel *k, const struct kernel_spawn *req, int *ret_pid, char *msg,
		 size_t msg_size);
/* pidfd_open's lookup: 0 when @pid is a process (running, or a zombie), -EINVAL when it is a
 * thread other than its process's leader, -ESRCH when there is none. */
int kernel_process_exists(struct kernel *k, int pid);

/* Lets a held process run. -ESRCH if it is not there (killed meanwhile). */
int kernel_release(struct kernel *k, int pid);

/* Sends @sig to process @pid (@pid -1: every process) as a sender outside the sandbox
 * (@outside, si_pid 0) or as process @sender. Returns 0, -ESRCH, -EINVAL. Signal 0 checks
 * existence. */
int kernel_signal(struct kernel *k, int pid, int sig, int outside, int sender, uint32_t uid);

/* Blocks the calling host thread until @pid has exited; *ret_status is its wait(2) status.
 * -ECHILD when @pid was never spawned here. */
int kernel_wait(struct kernel *k, int pid, int *ret_status);

/* Calls @cb for each live process in PID order under the kernel's lock (@cb must not call
 * back into the kernel); stops at a non-zero return and returns it. */
int kernel_list(struct kernel *k, int (*cb)(const struct kernel_proc_info *p, void *arg),
		void *arg);

/* ---- inside the sandbox (kernel/fork.c) ---- */

/* What clone(2) asks for a new process. */
struct kernel_clone {
	uint64_t flags;		/* CLONE_* (CLONE_CLEAR_SIGHAND too); the low byte is the exit
				 * signal */
	uint64_t stack;		/* the child's stack pointer, 0: the parent's */
	uint64_t parent_tid;	/* CLONE_PARENT_SETTID: where the parent gets the child's PID */
	uint64_t child_tid;	/* CLONE_CHILD_SETTID / CLONE_CHILD_CLEARTID address */
	uint64_t tls;		/* CLONE_SETTLS: the child's fs base */
	uint64_t pidfd;		/* CLONE_PIDFD: where the parent gets the pidfd (clone(2):
				 * parent_tid) */
	int refuse;		/* -errno clone3 gives once the flags passed (set_tid, a cgroup) */
};

/* fork(2), vfork(2) and clone(2) of a process or a thread: returns the child's TID or -EINVAL
 * (flags), -EAGAIN, -ENOMEM; with CLONE_VFORK after the child exec'd or exited. */
int64_t kernel_clone(struct task *parent, const struct kernel_clone *c);

/* What wait4/waitid found. */
struct kernel_waited {
	int pid;		/* 0: nothing yet (WNOHANG) */
	int status;		/* wait(2) status */
	uint32_t uid;
};

/* waitid's idtypes as wait4's pid argument maps onto them. */
enum { KWAIT_ALL, KWAIT_PID, KWAIT_PGID };

/* Waits for a child of @t matching (@idtype, @id) to have exited (WEXITED) and reaps it
 * unless WNOWAIT. @options: WNOHANG, WNOWAIT (the caller checked the rest). Returns 0 with
 * *@res, -ECHILD (no such child), -EINTR. */
int kernel_wait_child(struct task *t, int idtype, int id, int options, struct kernel_waited *res);
/* @options: WEXITED, WUNTRACED (WSTOPPED), WCONTINUED for what is reported, WNOHANG,
 * WNOWAIT. A stop is reported as (sig << 8) | 0x7f, a continue as 0xffff. */

/* kill(2) from @t: @pid > 0 one process, 0 @t's group, -1 every process but init and @t, < -1
 * group -@pid. Signals every match but @t itself; *@ret_self says whether @t matched (the
 * caller raises its own). Returns 0, -ESRCH (no match), -EINVAL. */
int kernel_kill(struct task *t, int pid, int sig, int *ret_self);
/* capget(2) of another thread: its effective, permitted and inheritable sets. Returns 0 or
 * -ESRCH. */
int kernel_thread_caps(struct task *t, int tid, uint64_t *eff, uint64_t *perm, uint64_t *inh);
/* kernel_kill with the siginfo the targets get (rt_sigqueueinfo's; kill's is SI_USER from @t). */
int kernel_kill_info(struct task *t, int pid, int sig, const struct task_siginfo *info,
		     int *ret_self);

/* setpgid(2) of @pid (0: @t) into group @pgid (0: its PID); getpgid/getsid of @pid (0: @t).
 * Linux's rules: ESRCH (not @t or its child), EPERM (session leader, other session, no such
 * group), EACCES (a child that has exec'd), EINVAL. */
int kernel_setpgid(struct task *t, int pid, int pgid);
int kernel_getpgid(struct task *t, int pid);
int kernel_getsid(struct task *t, int pid);

/* Terminals (core/tty) as Linux's kill_pgrp and session_of_pgrp: sends @sig from the kernel
 * (SI_KERNEL) to every process of group @pgid (-ESRCH: none); the session of group @pgid, or
 * -ESRCH. */
int kernel_signal_pgrp(struct kernel *k, int pgid, int sig);
/* Whether process group @pgid is orphaned: none of its members has a parent in another group
 * of the same session (kernel/jobctl.c). */
int kernel_pgrp_orphaned(struct kernel *k, int pgid);
int kernel_pgrp_session(struct kernel *k, int pgid);
/* Whether @t (its own thread) blocks or ignores @sig: a background read or write then gets
 * EIO instead of SIGTTIN/SIGTTOU, as Linux's tty_check_change. */
int task_sig_blocked_or_ignored(struct task *t, int sig);
