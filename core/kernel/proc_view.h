/*
 * core/kernel/proc_view.h: what /proc shows of the sandbox's processes, copied out of the
 * kernel's objects.
 *
 * The one place /proc (core/proc) reaches into struct task: every call takes the kernel's
 * lock, finds the task by its IDs (a task is only freed after leaving the task list, and exec
 * swaps the mm and the identity strings under that lock, kernel/exec.c), copies what it needs
 * and lets go. Nothing returned borrows from a task: strings are copies, files and paths come
 * with references. The caller holds no lock; under the kernel's lock these take a process's
 * mm lock and fd table lock, nothing else.
 *
 * IDs are the sandbox's (there is one PID namespace). A zombie (an exit record its parent has
 * not reaped) is a process with one thread, its TID its PID, and nothing but IDs, name and
 * start time: no memory, descriptors, command line or executable.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

struct kernel;
struct vfs_file;
struct vfs_path;

/* Optional parts of a snapshot (proc_view_get's @want). */
enum {
	PROC_VIEW_CMDLINE = 1u << 0,	/* cmdline, cmdline_len */
	PROC_VIEW_ENVIRON = 1u << 1,	/* environ, environ_len */
	PROC_VIEW_EXE = 1u << 2,	/* exe, exe_file */
	PROC_VIEW_MM = 1u << 3,		/* mm */
};

/* Memory counters of a process, from its VMAs and populated pages (bytes unless noted). */
struct proc_view_mm {
	uint64_t vsize;		/* every VMA (VmSize) */
	uint64_t rss_anon;	/* populated pages the process owns: private memory (RssAnon) */
	uint64_t rss_file;	/* populated pages of shared file mappings (RssFile) */
	uint64_t data;		/* private writable mappings but the stack (VmData) */
	uint64_t stack;		/* the stack VMA (VmStk) */
	uint64_t exec;		/* executable, not writable mappings (VmExe + VmLib) */
	uint64_t start_code;	/* the first executable file mapping: the program's text */
	uint64_t end_code;
	uint64_t start_stack;	/* top of the stack VMA */
	uint64_t start_brk;	/* where the heap began, and the program break now */
	uint64_t brk;
	size_t vma_count;	/* mappings (maps lines) */
};

/* A snapshot of one thread of a process. */
struct proc_view {
	int pid;		/* thread group (process) ID */
	int tid;		/* the thread's ID */
	int ppid;		/* parent; 0 for a process started from outside the sandbox */
	int pgid;		/* process group */
	int sid;		/* session */
	int nthreads;		/* threads of the process */
	int is_caller;		/* the thread asking: the one surely running */
	int zombie;		/* exited, not yet reaped: only the IDs, name and start are known */
	int stopped;		/* stopped by job control (SIGSTOP, SIGTSTP...) */
	int exit_signal;	/* sent to the parent at exit (0: none) */
	char comm[16];		/* NUL-terminated */
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint32_t groups[32];	/* supplementary groups, @ngroups of them */
	uint32_t ngroups;
	uint32_t umask;
	uint64_t cap_effective;	/* capability sets; bit n is capability n */
	uint64_t cap_permitted;
	int no_new_privs;	/* prctl(PR_SET_NO_NEW_PRIVS) */
	int seccomp_mode;	/* 0 none, 1 strict, 2 filter (kernel/seccomp.h) */
	unsigned seccomp_filters;	/* filters in the thread's chain */
	uint64_t sig_pending;	/* signal masks; bit n-1 is signal n */
	uint64_t sig_blocked;
	uint64_t sig_ignored;	/* disposition SIG_IGN */
	uint64_t sig_caught;	/* a handler installed */
	int64_t start_ns;	/* CLOCK_REALTIME when the process was made */
	int64_t cpu_ns;		/* CPU time the Sentry spent for it, known for the caller only */
	struct rlimit rlimits[RLIM_NLIMITS];	/* getrlimit(2)'s values (RLIM_INFINITY) */
	unsigned fd_count;	/* open descriptors */
	unsigned fd_size;	/* descriptors the table has room for (FDSize) */
	struct proc_view_mm mm;	/* with PROC_VIEW_MM */
	char *cmdline;		/* with PROC_VIEW_CMDLINE: argv, each NUL-terminated; owned */
	size_t cmdline_len;
	char *environ;		/* with PROC_VIEW_ENVIRON: envp at exec, the same way; owned */
	size_t environ_len;
	char *exe;		/* with PROC_VIEW_EXE: the executable's path; owned, may be NULL */
	struct vfs_file *exe_file;	/* with PROC_VIEW_EXE: the executable, a reference, or NULL */
};

/* What backs a mapping. */
enum { PROC_VMA_ANON, PROC_VMA_FILE, PROC_VMA_CORE /* the Sentry's own: the vDSO and its data */ };

/* One mapping of a process (a maps line). */
struct proc_view_vma {
	uint64_t start, end;	/* page aligned */
	int64_t off;		/* file offset of start */
	uint32_t prot;		/* PROT_* */
	uint32_t flags;		/* VMA_* (mm/mm.h) */
	int kind;		/* PROC_VMA_* */
	struct vfs_file *file;	/* PROC_VMA_FILE: a reference; else NULL */
};

/* Sandbox-wide counters, for /proc/loadavg and /proc/stat. */
struct proc_view_counts {
	int processes;		/* live processes */
	int threads;		/* live threads */
	int last_pid;		/* the ID handed out last */
	int64_t forks;		/* IDs handed out since boot (/proc/stat "processes") */
};

/* The kernel the calling task runs in, or NULL outside a task (unit tests, the runtime). */
struct kernel *proc_view_kernel(void);
/* The calling task's PID and TID (0 outside a task). */
int proc_view_self(int *ret_tid);
/* The calling task's filesystem context (borrowed: the caller's own), NULL outside a task. */
struct vfs_ctx *proc_view_fs(void);

/* Whether the caller may read process @pid's private files (environ, fd/, cwd, exe, maps):
 * ptrace_may_access(PTRACE_MODE_READ_FSCREDS) as far as the sandbox has credentials: the
 * caller's own process, or its fsuid and fsgid are the target's real, effective and saved IDs,
 * or it has CAP_SYS_PTRACE. Returns 0, -EACCES, -ESRCH. */
int proc_view_may_read(struct kernel *k, int pid);

/* Writing /proc/PID/task/TID/comm: the thread's name (prctl(PR_SET_NAME)), for a thread of the
 * caller's own process only, as Linux. @name is cut to 15 bytes. Returns 0, -EINVAL (another
 * process), -ESRCH. */
int proc_view_set_comm(struct kernel *k, int pid, int tid, const char *name, size_t len);

/* The lowest live PID above @after, or 0 when there is none (listing /proc). */
int proc_view_next_pid(struct kernel *k, int after);
/* The lowest TID above @after among process @pid's threads, 0 when there is none, -ESRCH when
 * the process is gone. */
int proc_view_next_tid(struct kernel *k, int pid, int after);
/* Whether thread @tid of process @pid (@tid 0: any) lives. */
int proc_view_alive(struct kernel *k, int pid, int tid);

/* A snapshot of thread @tid (0: the main one) of process @pid; @want adds PROC_VIEW_* parts.
 * Release it with proc_view_fini. Returns 0, -ESRCH (gone), -ENOMEM. */
int proc_view_get(struct kernel *k, int pid, int tid, uint32_t want, struct proc_view *ret);
void proc_view_fini(struct proc_view *v);

/* Process @pid's mappings in address order, each file referenced; *ret is a new array the
 * caller frees with proc_view_vmas_free. Returns 0, -ESRCH, -ENOMEM. */
int proc_view_vmas(struct kernel *k, int pid, struct proc_view_vma **ret, size_t *ret_count);
void proc_view_vmas_free(struct proc_view_vma *v, size_t count);

/* The open file description of descriptor @fd of process @pid, with a reference. Returns 0,
 * -ESRCH, -EBADF. */
int proc_view_fd(struct kernel *k, int pid, int fd, struct vfs_file **ret);
/* The lowest open descriptor >= @from of process @pid: >= 0, -1 when none, -ESRCH. */
int proc_view_next_fd(struct kernel *k, int pid, int from);

/* Which directory of a process's filesystem context proc_view_dir gives. */
enum { PROC_VIEW_CWD, PROC_VIEW_ROOT };
/* The cwd or root of process @pid, with references (vfs_path_put). Returns 0, -ESRCH. */
int proc_view_dir(struct kernel *k, int pid, int which, struct vfs_path *ret);

/* Sandbox-wide counters. */
void proc_view_counts(struct kernel *k, struct proc_view_counts *ret);
/* The UTS names (uname's nodename and domainname) into 65-byte buffers. */
void proc_view_uts(struct kernel *k, char *hostname, char *domainname);
