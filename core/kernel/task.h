/*
 * core/kernel/task.h: a task is one application thread, run by one Sentry host thread.
 *
 * The task loop (DESIGN.md, Threading and blocking): switch into the application through the
 * platform context, handle the exit (system call, fault, signal, interrupt), repeat until the
 * thread exits. Signal delivery and thread groups beyond the first thread come with the
 * process model; today a fault no VMA allows, or a synchronous signal, ends the task with that
 * signal, as a default action would.
 */
#pragma once

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>

#include "sentry/platform.h"
#include "kernel/wait.h"
#include "sentry/services.h"

struct mm;
struct fdt;
struct fdt_ops;
struct ipc_ns;
struct vfs_ctx;
struct vfs_file;
struct seccomp_filter;

/* What a task needs from the composed Sentry: the platform and its ops. */
struct kernel {
	const struct sentry_platform_ops *platform;	/* borrowed from the plugin */
	void *platform_state;				/* the plugin's state */
	struct sentry_platform_info info;
	const struct sentry_services *svc;		/* the core's services */
	/* A session leader's exit, for its controlling terminal (core/tty: set at boot; NULL
	 * without terminals): the foreground group hears SIGHUP and the session loses it. */
	void (*session_end)(struct kernel *k, int sid);
	int next_tid;					/* last TID handed out (under lock) */
	/* The sandbox's processes (kernel/process.c): every running task, the exit records
	 * of spawned ones, and the threads still running tasks. */
	pthread_mutex_t lock;
	pthread_cond_t changed;				/* a task started, exited or was released */
	struct task *tasks;				/* linked through task.next */
	struct kernel_exit *exits;			/* exit records, newest first */
	int threads;					/* task threads not yet finished */
	/* Host threads that run task threads (kernel/worker.c), under lock: the parked ones, how
	 * many, all of them, and whether they are to end. */
	struct kworker *idle;
	int idle_count;
	int workers;
	int workers_stop;
	int init_exited;				/* PID 1 ended: the sandbox is over */
	struct sentry_waitq *exit_wq;			/* notified when a process exits or execs */
	/* The UTS namespace's names (under lock); empty: "cvisor" and "(none)". */
	char hostname[65];
	char domainname[65];
	/* The IPC namespace (ipc/sysv.h): System V objects and POSIX message queues. */
	struct ipc_ns *ipc;
};

/* Signals a task knows: 1..TASK_NSIG, as Linux's _NSIG on x86-64. */
#define TASK_NSIG 64

/* One signal's disposition as rt_sigaction(2) records it (the kernel's struct sigaction,
 * x86-64 layout, which is what the application passes). */
struct task_sigaction {
	uint64_t handler;	/* SIG_DFL (0), SIG_IGN (1) or the handler's address */
	uint64_t flags;		/* SA_* */
	uint64_t restorer;	/* SA_RESTORER: the return trampoline */
	uint64_t mask;		/* blocked while the handler runs; bit n-1 is signal n */
};

/* What a pending signal carries into the handler's siginfo. */
struct task_siginfo {
	int code;		/* si_code: SI_USER, SI_TKILL, SEGV_MAPERR... */
	uint64_t addr;		/* si_addr of a fault */
	int pid;		/* sender, for kill(2); the child, for SIGCHLD */
	uint32_t uid;
	int status;		/* SIGCHLD: the exit code or signal (si_status) */
	/* SI_TIMER (kernel/ptimer.h): si_timerid, si_overrun, si_value, and the timer's arming
	 * that queued it (0: not a timer's), which delivery checks is still current. */
	int timer_id;
	int overrun;
	uint64_t value;
	uint64_t timer_seq;
	/* SIGSYS of a seccomp TRAP (SYS_SECCOMP): si_syscall, si_arch, si_errno (the filter's
	 * data); si_call_addr is @addr. */
	int syscall;
	uint32_t arch;
	int err;
};

/* A real-time signal's instance queued behind the one pending in a siginfo slot: Linux
 * queues every instance of a real-time signal (a standard one is pending once). */
struct task_sigq {
	struct task_sigq *next;
	int sig;
	struct task_siginfo si;
};
/* Instances one list holds at most; more are dropped (Linux's RLIMIT_SIGPENDING bounds them
 * per user, refusing rt_sigqueueinfo with EAGAIN). */
#define TASK_SIGQ_MAX 1024
/* The first real-time signal (the kernel's SIGRTMIN; glibc reserves two of them). */
#define TASK_SIGRTMIN 32

/* The alternate signal stack of sigaltstack(2); size 0: none (reported as SS_DISABLE). */
struct task_altstack {
	uint64_t sp;		/* lowest address */
	uint64_t size;		/* bytes */
	uint32_t flags;		/* SS_AUTODISARM or 0 */
};

/* Credential state beyond what the VFS checks (struct sentry_creds): the saved set-IDs and
 * the permitted capabilities that setuid(2) and friends consult. Filled from the VFS creds
 * the first time a credential call needs it (@valid), so task creation stays as it is. */
struct task_creds {
	int valid;		/* the fields below were initialised */
	uint32_t suid;		/* saved set-user-ID */
	uint32_t sgid;		/* saved set-group-ID */
	uint64_t cap_permitted;	/* permitted capability set */
	uint64_t cap_inheritable; /* inheritable capability set (capset(2)); 0 at first */
};

struct kernel_exit;
struct task;

/* What the threads of one process share (CLONE_THREAD). Freed with its last task. The thread
 * list, refs, live and exiting are under kernel.lock; the shared pending signals under lock. */
struct tgroup {
	int refs;			/* tasks pointing here, a lingering leader included */
	int live;			/* threads still running */
	struct task *threads;		/* the running ones, through task.group_next */
	/* exit_group(2), a fatal signal, or an execve killing the others: every thread but
	 * @exec_task ends; the process's wait status is exit_status. Read racily by threads. */
	int exiting;
	int exit_status;
	struct task *exec_task;		/* the thread whose execve is clearing the group, or NULL */
	/* Job control (kernel/jobctl.c), under kernel.lock: stopped by stop_sig, and what the
	 * parent's wait has yet to hear (TGROUP_REPORT_*). */
	int stopped;
	int stop_sig;
	int stop_report;
	pthread_mutex_t lock;
	/* Process-directed signals (kill(2), SIGCHLD, SIGALRM) waiting for a thread that does
	 * not block them (task_take_signals). */
	uint64_t shared_pending;
	struct task_siginfo shared_info[TASK_NSIG];
	struct task_sigq *shared_q;	/* further real-time instances, oldest first */
	/* Dispositions. CLONE_SIGHAND without CLONE_THREAD copies them rather than sharing. */
	struct task_sigaction sigactions[TASK_NSIG];	/* index signo - 1 */
	int ppid;			/* parent process; 0: started from outside the sandbox */
	int pgid;			/* process group; 0 until set: the tgid */
	int sid;			/* session; 0 until set: the tgid */
	struct rlimit rlimits[RLIM_NLIMITS];	/* getrlimit(2) values, once rlimits_set */
	int rlimits_set;
	/* setitimer(ITIMER_REAL) and alarm(2): SIGALRM from the core's timer thread. Under
	 * lock; the timer is made on first use and freed (cancelled) with the group. The
	 * virtual and profiling timers are recorded for getitimer but never fire. */
	struct sentry_timer *itimer;
	int64_t itimer_deadline;	/* absolute MONOTONIC ns, 0: disarmed */
	int64_t itimer_interval;	/* ns, 0: one shot */
	struct { int64_t value, interval; } itimer_other[2];	/* VIRTUAL, PROF as set */
	/* prctl: the signal sent when the thread that made the process ends (0: none), that
	 * thread, and whether orphaned descendants come here rather than to init. */
	int pdeathsig;
	int creator_tid;
	int child_subreaper;
	/* Notified whenever a signal is queued for the process or one of its threads:
	 * signalfd's readiness queue. */
	struct sentry_waitq *sig_wq;
	struct kernel *k;
	int tgid;
	struct ptimer_set *ptimers;	/* timer_create(2)'s (kernel/ptimer.h); NULL: none */
};

/* References on a thread group beyond its tasks' (a signalfd's). */
void tgroup_ref(struct tgroup *g);
void tgroup_put(struct tgroup *g);

enum { TGROUP_REPORT_NONE, TGROUP_REPORT_STOPPED, TGROUP_REPORT_CONTINUED };
struct ptimer_set;

struct task {
	struct kernel *k;
	struct task *next;		/* in kernel.tasks */
	struct tgroup *tg;		/* its process, shared by its threads */
	struct task *group_next;	/* in tg->threads while running */
	int thread_done;		/* a leader whose thread ended while others run */
	int exit_signal;		/* sent to the parent at exit (clone's CSIGNAL; 0: none) */
	int vfork_pending;		/* a vfork child that has not yet exec'd or exited */
	int did_exec;			/* has exec'd since fork (setpgid's EACCES) */
	int held;			/* spawned but kept from running until released */
	int64_t start_ns;		/* CLOCK_REALTIME at creation (ps) */
	int tid;			/* thread ID; the first task is 1, PID 1 of the sandbox */
	int tgid;			/* thread group (process) ID */
	struct mm *mm;			/* owned */
	struct fdt *fdt;		/* owned */
	struct vfs_ctx *fs;		/* borrowed: creds, root, cwd */
	struct sentry_ctx *ctx;		/* platform context, owned */
	struct sentry_cpu_state cpu;	/* registers and XSAVE area while not running */
	uint64_t clear_child_tid;	/* set_tid_address(2) */
	uint64_t robust_list;		/* set_robust_list(2) head */
	uint64_t robust_len;
	int futex_dead;			/* past futex_exit: no longer a PI lock's owner */
	char *exe_path;			/* the executable's path at execve (/proc/self/exe) */
	struct vfs_file *exe_file;	/* the executable exec'd, referenced (/proc/PID/exe) */
	char *cmdline;			/* argv strings, each NUL-terminated (/proc/self/cmdline) */
	size_t cmdline_len;
	char *environ;			/* envp strings at execve, the same way (/proc/PID/environ) */
	size_t environ_len;
	struct kwait wait;		/* where the task blocks (kernel/wait.h) */
	uint64_t sigmask;		/* blocked signals; bit n-1 is signal n */
	/* rt_sigsuspend's caller's mask, back in force once the handler it waited for has a
	 * frame (which records it for sigreturn) or nothing was delivered. */
	uint64_t saved_sigmask;
	int has_saved_sigmask;
	uint64_t sigpending;		/* raised while blocked or caught, not yet delivered */
	struct task_siginfo siginfo[TASK_NSIG];	/* of each pending signal */
	struct task_sigq *sigq;		/* further real-time instances, oldest first */
	/* Signals other threads sent (kill(2) from another process, `runsc kill`), under
	 * wait.lock: only the task's own thread touches the fields above, and it moves these
	 * into sigpending before delivering (task_take_signals). */
	uint64_t sig_incoming;
	/* Pending signals a SIGCONT or stop signal discarded (jobctl.c), under wait.lock; the
	 * task drops them from sigpending when it next takes its signals. */
	uint64_t sig_discard;
	struct task_siginfo incoming_info[TASK_NSIG];
	struct task_sigq *incoming_q;	/* further real-time instances, under wait.lock */
	/* Signal state of this thread: its mask and what was sent to it alone (tkill, faults). */
	struct task_altstack altstack;
	/* The system call just interrupted by a signal (-EINTR), and how it restarts: Linux's
	 * ERESTARTSYS (again after a handler with SA_RESTART, or none) or ERESTARTNOHAND (again
	 * only if no handler runs). Settled by the next delivery. */
	int restart;			/* TASK_RESTART_* */
	/* rt_sigtimedwait's set while it waits (Linux's real_blocked): unblocked for the wait,
	 * and never dropped as ignored on arrival. */
	uint64_t sigwait_set;
	struct task_creds xcreds;	/* saved IDs and permitted capabilities */
	/* prctl state kept per thread, as Linux: inherited by clone, kept across execve. */
	int no_new_privs;
	int dumpable;			/* PR_SET_DUMPABLE: 1 unless set to 0 */
	int keepcaps;
	uint64_t timerslack_ns;		/* PR_SET_TIMERSLACK; 0: the default 50 us */
	uint64_t capbset;		/* the bounding set, all ones until dropped */
	char comm[16];			/* prctl(PR_SET_NAME) name, NUL-terminated; set by exec */
	/* The application's seccomp chain (kernel/seccomp.h), referenced; NULL: none, the one
	 * test on the system call path. Inherited by clone, kept across execve; another thread's
	 * TSYNC may replace it (atomically, under kernel.lock). */
	struct seccomp_filter *seccomp;
	struct rlimit rlimits[RLIM_NLIMITS];	/* getrlimit(2) values, once rlimits_set */
	int rlimits_set;
	/* setitimer(ITIMER_REAL) and alarm(2): SIGALRM from the core's timer thread. Under
	 * wait.lock; the timer is made on first use and freed (cancelled) with the task. The
	 * virtual and profiling timers are recorded for getitimer but never fire (#7). */
	struct sentry_timer *itimer;
	int64_t itimer_deadline;	/* absolute MONOTONIC ns, 0: disarmed */
	int64_t itimer_interval;	/* ns, 0: one shot */
	struct { int64_t value, interval; } itimer_other[2];	/* VIRTUAL, PROF as set */
	int exited;			/* the task ended: exit_status is final */
	int exit_status;		/* wait(2) status: code << 8, or the terminating signal */
};

/* Makes a task with a platform context and an empty mm on @k. Returns 0, -ENOMEM, or the
 * platform's -errno. */
int task_new(struct kernel *k, struct vfs_ctx *fs, struct task **ret_task);
void task_free(struct task *t);

/* fork(2)'s child of @parent, made on the thread that will run it: the copies @fs, @fdt and
 * @mm (taken, also on failure) and a copy of the parent's registers, FPU, signal dispositions
 * and mask, limits, identity and process group. Returns 0, -ENOMEM or the platform's -errno. */
int task_fork(struct task *parent, struct vfs_ctx *fs, struct fdt *fdt, struct mm *mm,
	      struct task **ret_task);

/* A thread (CLONE_THREAD) of @parent's process, made on the thread that will run it: the same
 * mm (a reference taken) and thread group, descriptor table @fdt and filesystem context @fs
 * (the caller's references, shared or copied as clone asked; @fdt taken also on failure), the
 * parent's registers, FPU, mask and identity. Returns 0, -ENOMEM or the platform's -errno. */
int task_clone_thread(struct task *parent, struct vfs_ctx *fs, struct fdt *fdt,
		      struct task **ret_task);

/* Releases what only a running thread needs: its platform context (on its own thread, which
 * the platform binds it to), its mm and descriptor table references. A leader whose thread
 * ended keeps the rest until its process is gone. */
void task_drop_thread_state(struct task *t);

/* A platform context for a task thread about to run on the calling host thread: the one its
 * last task left there, recycled, or a new one (kernel/worker.c). Returns 0 or the platform's
 * -errno. */
int kernel_ctx_new(struct kernel *k, struct sentry_ctx **ret_ctx);
/* Gives back a context made by kernel_ctx_new: kept for the next task of the calling host
 * thread when it is the one the context is bound to, else released. */
void kernel_ctx_release(struct kernel *k, struct sentry_ctx *ctx);

/* Makes t->cpu.fpu the thread's current FPU state (the platform may hold it: see
 * sentry_ctx_ops.fpu_get), before the core reads it. On @t's own thread. A platform failure is
 * logged and leaves the last copy, which is what the thread gets back. */
void task_fpu_sync(struct task *t);

/* execve(2) of @file (an open executable, borrowed) with @argv/@envp: replaces the mm with a
 * new one holding the ELF image and its initial stack, and sets the registers. @execfn is the
 * path shown as AT_EXECFN. Returns 0, -ENOEXEC, -E2BIG, -ENOMEM, -EACCES, -EIO. */
int task_exec(struct task *t, struct vfs_file *file, const char *execfn, char *const argv[],
	      char *const envp[]);

/* execve(2)'s first step, before Linux reads the arguments (so a missing file is -ENOENT
 * whatever argv holds): opens @path (relative to @dirf, NULL: the cwd; AT_SYMLINK_NOFOLLOW in
 * @at) or, for "" with AT_EMPTY_PATH, the file @dirf refers to anew (an O_PATH one too; NULL:
 * the cwd), and checks it is a regular file the task may execute. On success *@ret is a new
 * reference the caller owns. Returns 0 or -ENOENT, -ENOTDIR, -EACCES (not a regular file, no
 * x bit), -ELOOP, -ENAMETOOLONG, -EBADF, -ENOMEM. */
int task_exec_open(struct task *t, struct vfs_file *dirf, const char *path, int at,
		   struct vfs_file **ret);

/* The rest of execve(2) for @file (from task_exec_open, borrowed): follows "#!" interpreters
 * (five scripts may nest, as on Linux), runs task_exec, and closes the close-on-exec
 * descriptors. @execfn is the name the caller gave: AT_EXECFN, the task's name, and what the
 * first script's interpreter gets as the script. @name_inaccessible: that name is /dev/fd/N of
 * a close-on-exec descriptor, so a script is -ENOENT (its interpreter could not open it).
 * Returns 0 or -ENOENT, -EACCES, -ENOEXEC, -ELOOP, -E2BIG, -ENOMEM, -EIO. */
int task_exec_file(struct task *t, struct vfs_file *file, const char *execfn,
		   int name_inaccessible, char *const argv[], char *const envp[]);

/* task_exec_open, then task_exec_file: execve(2) of @path with arguments already at hand (the
 * first process). Returns what they return. */
int task_exec_path(struct task *t, struct vfs_file *dirf, const char *path, int at,
		   const char *execfn, char *const argv[], char *const envp[]);

/* Sets the registers and FPU for a fresh image entering at @rip with stack @rsp. */
void task_reset_regs(struct task *t, uint64_t rip, uint64_t rsp);

/* The FD table ops for open file descriptions (struct vfs_file). */
extern const struct fdt_ops g_task_fdt_ops;

/* Linux's flush_signal_handlers: every action loses its flags, mask and restorer, and goes
 * back to SIG_DFL unless ignored. execve and clone3's CLONE_CLEAR_SIGHAND. */
void task_flush_handlers(struct task *t);

/* Every capability this kernel knows (CAP_LAST_CAP 40, CAP_CHECKPOINT_RESTORE). */
#define TASK_CAP_VALID ((1ull << 41) - 1)
/* @t's saved IDs and capability sets, made from its IDs at first use: its own thread only. */
struct task_creds *task_xcreds(struct task *t);
/* @t's capability sets as capget(2) reports them, read without making them (any thread, with
 * @t kept alive: kernel.lock). */
void task_caps(const struct task *t, uint64_t *eff, uint64_t *perm, uint64_t *inh);

/* execve's credentials, commoncap's rules without file capabilities or an ambient set: a root
 * caller (real or effective) gets its inheritable and bounding sets as permitted (no more than
 * before under no_new_privs) and, root in effect, as effective too; anyone else none. The saved
 * and filesystem IDs become the effective ones. At the point of no return. */
void task_exec_creds(struct task *t);

/* execve(2)'s effect on signal state: caught signals go back to SIG_DFL (ignored ones stay
 * ignored), every action loses its flags and mask, the alternate stack goes, the mask and
 * pending set stay. */
void task_exec_signals(struct task *t);

/* Runs the task until it exits; returns its wait(2) status. */
int task_run(struct task *t);

/* Ends the task with wait status @status (exit(2), exit_group(2), a fatal signal). */
void task_exit(struct task *t, int status);

/* The task the calling Sentry thread runs, or NULL outside task_run (for /proc/self). */
struct task *task_current(void);

/* The task's process group and session (0 in the fields: its own PID). */
static inline int task_pgid(const struct task *t)
{
	return t->tg->pgid ? t->tg->pgid : t->tgid;
}

static inline int task_sid(const struct task *t)
{
	return t->tg->sid ? t->tg->sid : t->tgid;
}

/* Whether @t is the one entry that stands for its process in kernel.tasks. */
static inline int task_is_leader(const struct task *t)
{
	return t->tid == t->tgid;
}

enum {
	TASK_RESTART_NONE = 0,
	TASK_RESTART_SYS = 1,
	TASK_RESTART_NOHAND = 2,
	TASK_RESTART_NOINTR = 3,	/* -ERESTARTNOINTR: restarts even after a handler ran */
};

/* Bit of signal @s in a mask (bit n-1 is signal n), and the signals nothing may catch or
 * block. */
#define SIGBIT(s) (1ull << ((s) - 1))
#define SIG_UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
/* Whether @sig's default action is to do nothing (stops are not modelled yet: ignored). */
int task_sig_default_ignored(int sig);
/* Whether handler @h (SIG_DFL, SIG_IGN or an address) makes @sig do nothing: SIG_IGN, or the
 * default of a signal whose default is to be ignored. SIGKILL never is. */
static inline int task_handler_ignores(uint64_t h, int sig)
{
	return sig != SIGKILL &&
	       (h == (uint64_t)(uintptr_t)SIG_IGN ||
		(h == (uint64_t)(uintptr_t)SIG_DFL && task_sig_default_ignored(sig)));
}
/* Is @sp on the task's alternate signal stack (sigaltstack's SS_ONSTACK)? */
int task_on_altstack(const struct task *t, uint64_t sp);
/* Marks @sig pending with its siginfo (kernel/signal.c). */
void task_queue_signal(struct task *t, int sig, int code, uint64_t addr, int pid, uint32_t uid);
/* task_queue_signal with a whole siginfo (rt_sigqueueinfo's, from the sender). */
void task_queue_siginfo(struct task *t, int sig, const struct task_siginfo *si);
/* Sends @sig to @t from any thread: queued for the task's own thread to take, and the task
 * kicked out of the application or of a blocking wait unless the signal is blocked; dropped
 * when @t ignores it (SIG_IGN, or ignored by default) and has it unblocked. The caller
 * keeps @t alive (kernel.lock held, see kernel/process.h). */
void task_send_signal(struct task *t, int sig, int code, int pid, uint32_t uid);
/* The same with a whole siginfo (SIGCHLD's status). */
void task_send_siginfo(struct task *t, int sig, const struct task_siginfo *si);
/* Interrupts @t's blocking wait and its run in the application, so it looks at its signals. */
void task_kick(struct task *t);
/* Whether @sig is pending for @t, sent or queued and not yet delivered, from any thread. */
int task_sig_queued(struct task *t, int sig);
/* The task's own thread: moves signals sent by others into its pending set. */
void task_take_signals(struct task *t);
/* Before returning to the application: the first pending unblocked signal gets its action,
 * a handler its frame. */
void task_deliver_signals(struct task *t);
/* Takes the lowest pending signal in @set from @t's own pending signals, else its process's,
 * with its siginfo (signalfd's read). Returns the signal or 0. */
int task_dequeue_signal(struct task *t, uint64_t set, struct task_siginfo *ret_si);
/* The 128-byte siginfo_t of pending signal @sig as the application sees it, into @out. */
void task_siginfo_abi(const struct task *t, int sig, void *out);
/* The same of siginfo @si for @sig. */
void task_siginfo_abi_of(int sig, const struct task_siginfo *si, void *out);

/* Queues of real-time instances (struct task_sigq), for the lock holder of the list:
 * task_sigq_push appends a copy of @si (a real-time @sig only, at most TASK_SIGQ_MAX);
 * task_sigq_pop takes @sig's oldest into *@si (1) or finds none (0); task_sigq_move appends
 * the entries of signals in @mask from *@from to *@to, in order; task_sigq_drop frees those of
 * signals in @mask (~0: all). */
void task_sigq_push(struct task_sigq **q, int sig, const struct task_siginfo *si);
int task_sigq_pop(struct task_sigq **q, int sig, struct task_siginfo *si);
void task_sigq_move(struct task_sigq **to, struct task_sigq **from, uint64_t mask);
void task_sigq_drop(struct task_sigq **q, uint64_t mask);
/* After the instance of @sig in @t's siginfo slot was taken (its pending bit cleared): the
 * next queued one, if any, moves into the slot and is pending again. The task's thread. */
void task_sig_next(struct task *t, int sig);
/* rt_sigreturn(2): restores what the frame saved. Returns the rax to resume with. */
int64_t task_sigreturn(struct task *t);
