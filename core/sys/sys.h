/*
 * core/sys/sys.h: the system call table and dispatcher.
 *
 * One designated array indexed by x86-64 syscall number (STYLE.md 3.6, gVisor's linux64 table):
 * each entry names the handler, the call's name for --strace, a support level, and argument
 * kinds for --strace formatting. An empty slot gives -ENOSYS, as Linux does for an unknown
 * number. Handlers follow validate -> resolve -> act -> copy out and return a value or -errno.
 */
#pragma once

#include <stdint.h>

struct rlimit;
struct task;

/* A handler: @a holds the six argument registers (rdi, rsi, rdx, r10, r8, r9). */
typedef int64_t (*sys_fn)(struct task *t, const uint64_t a[6]);

/* How completely a call is implemented (gVisor's Supported/PartiallySupported/Error). */
enum sys_support {
	SYS_UNSUPPORTED = 0,	/* no handler: -ENOSYS */
	SYS_FULL = 1,
	SYS_PARTIAL = 2,	/* works for what programs do; .note says what is missing */
};

/* Argument kinds, for --strace. */
enum sys_arg {
	SA_NONE = 0,	/* not an argument */
	SA_INT,		/* signed decimal */
	SA_HEX,		/* unsigned hex (flags, addresses) */
	SA_FD,		/* file descriptor */
	SA_PATH,	/* NUL-terminated string in application memory */
	SA_BUF,		/* pointer to bytes, length in the next argument */
	SA_PTR,		/* pointer, printed as hex */
};

struct sys_entry {
	sys_fn fn;
	const char *name;
	uint8_t support;	/* enum sys_support */
	uint8_t args[6];	/* enum sys_arg */
	const char *note;	/* what a partial implementation lacks */
};

#define SYS_TABLE_SIZE 512

/* The table, defined in table.c. */
extern const struct sys_entry g_sys_table[SYS_TABLE_SIZE];

/* Runs system call @nr with @args for @t and returns what goes to rax. Unknown or
 * unimplemented numbers give -ENOSYS. Logs the call under --strace. */
int64_t sys_dispatch(struct task *t, uint64_t nr, const uint64_t args[6]);

/* Logs under --strace a call that was not dispatched (a seccomp filter decided it) with the
 * result @ret it got. */
void sys_strace_skipped(struct task *t, uint64_t nr, const uint64_t args[6], int64_t ret);

/* Turns --strace on (0: off). */
void sys_set_strace(int on);

/* Sets a new task's limit @res (setrlimit's effects, RLIMIT_NOFILE's on the FD table), as the
 * container's config gives it. Returns 0, -EINVAL (unknown resource, soft > hard), -EPERM
 * (NOFILE past fs.nr_open). */
int sys_task_rlimit(struct task *t, int res, uint64_t soft, uint64_t hard);

/* The limit @res a process has until it sets one (getrlimit's defaults), for /proc/PID/limits.
 * Returns 0 or -EINVAL (unknown resource). */
int sys_default_rlimit(int res, struct rlimit *ret);

/* The x86-64 number of the system call named @name ("openat"), or -1 (seccomp profiles name
 * calls of other architectures too). */
int sys_number(const char *name);

/* The name of system call @nr, NULL for a number Linux never assigned (sys_names.c). */
const char *sys_name(uint64_t nr);
