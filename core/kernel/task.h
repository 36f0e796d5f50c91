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

#include <stdint.h>

#include "sentry/platform.h"
#include "kernel/wait.h"
#include "sentry/services.h"

struct mm;
struct fdt;
struct fdt_ops;
struct vfs_ctx;
struct vfs_file;

/* What a task needs from the composed Sentry: the platform and its ops. */
struct kernel {
	const struct sentry_platform_ops *platform;	/* borrowed from the plugin */
	void *platform_state;				/* the plugin's state */
	struct sentry_platform_info info;
	const struct sentry_services *svc;		/* the core's services */
	int next_tid;					/* last TID handed out */
};

struct task {
	struct kernel *k;
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
	char *exe_path;			/* the executable's path at execve (/proc/self/exe) */
	char *cmdline;			/* argv strings, each NUL-terminated (/proc/self/cmdline) */
	size_t cmdline_len;
	struct kwait wait;		/* where the task blocks (kernel/wait.h) */
	int exited;			/* the task ended: exit_status is final */
	int exit_status;		/* wait(2) status: code << 8, or the terminating signal */
};

/* Makes a task with a platform context and an empty mm on @k. Returns 0, -ENOMEM, or the
 * platform's -errno. */
int task_new(struct kernel *k, struct vfs_ctx *fs, struct task **ret_task);
void task_free(struct task *t);

/* execve(2) of @file (an open executable, borrowed) with @argv/@envp: replaces the mm with a
 * new one holding the ELF image and its initial stack, and sets the registers. @execfn is the
 * path shown as AT_EXECFN. Returns 0, -ENOEXEC, -E2BIG, -ENOMEM, -EACCES, -EIO. */
int task_exec(struct task *t, struct vfs_file *file, const char *execfn, char *const argv[],
	      char *const envp[]);

/* Sets the registers and FPU for a fresh image entering at @rip with stack @rsp. */
void task_reset_regs(struct task *t, uint64_t rip, uint64_t rsp);

/* The FD table ops for open file descriptions (struct vfs_file). */
extern const struct fdt_ops g_task_fdt_ops;

/* Runs the task until it exits; returns its wait(2) status. */
int task_run(struct task *t);

/* Ends the task with wait status @status (exit(2), exit_group(2), a fatal signal). */
void task_exit(struct task *t, int status);

/* The task the calling Sentry thread runs, or NULL outside task_run (for /proc/self). */
struct task *task_current(void);
