/*
 * core/sentry/boot.h: starting a sandbox's first process in a composed Sentry.
 *
 * Boot builds the container's file tree from mount specs (the root first, then each mount in
 * order, as runc applies config.json's mounts), fills /dev with the standard nodes, installs
 * the donated stdio descriptors as host-backed files, resolves the program through PATH,
 * executes it and runs it to its end. runsc calls it after starting the Gofer; tests call it
 * with a memfs root they populate through @populate.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/process.h"
#include "plugin/plugin.h"
#include "sentry/services.h"

/* One filesystem to mount. */
struct boot_mount {
	const char *target;	/* absolute path in the sandbox ("/" for the root) */
	const char *fs;		/* filesystem plugin name: "memfs", "9p" */
	const char *source;	/* mount(2) source, or NULL for "none" */
	const char *data;	/* mount(2) data ("fd=5,cache=exclusive", "size=64m"), or NULL */
	uint64_t flags;		/* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC */
	int file;		/* the filesystem's root is a file: the target is made a file */
};

#define BOOT_MAX_MOUNTS 32

struct boot_config {
	struct plg_set *set;			/* loaded plugins (borrowed) */
	const struct sentry_services *svc;	/* the core's services (borrowed) */
	const char *platform;			/* platform plugin name */
	const char *net;			/* network plugin name, NULL: AF_INET/AF_INET6 give
						 * EAFNOSUPPORT, as a kernel built without them */
	struct boot_mount root;
	struct boot_mount mounts[BOOT_MAX_MOUNTS];
	size_t mount_count;
	int make_dev;				/* mount memfs on /dev with the standard nodes */
	char *const *argv;			/* the process, argv[0] resolved through PATH */
	char *const *envp;
	const char *cwd;			/* working directory, NULL: "/" */
	uint32_t uid, gid;			/* credentials of the process */
	const uint32_t *groups;			/* its supplementary groups, @ngroups */
	size_t ngroups;
	uint32_t umask;				/* its umask, when @umask_set */
	int umask_set;				/* else runc's default, 022 */
	const struct kernel_rlimit *rlimits;	/* its limits over the defaults */
	size_t rlimit_count;
	const char *hostname, *domainname;	/* the UTS names, NULL: defaults */
	/* Paths hidden (an empty read-only tmpfs over a directory, /dev/null over a file) and
	 * paths made read-only, as config.json's linux.maskedPaths and readonlyPaths; missing
	 * ones are skipped, as runc does. NULL-terminated, or NULL. */
	char *const *masked_paths;
	char *const *readonly_paths;
	int stdio[3];				/* host descriptors for 0, 1, 2 (taken), or -1 */
	int strace;				/* log every system call */
	/* config.json's linux.seccomp compiled to classic BPF (struct sock_filter, @seccomp_len;
	 * NULL: none), the process's first filter; @seccomp_log: SECCOMP_FILTER_FLAG_LOG. */
	const struct sock_filter *seccomp;
	size_t seccomp_len;
	int seccomp_log;
	int no_new_privs;			/* process.noNewPrivileges of the first process */
	/* Optional: runs after the mounts, before exec, on the process's filesystem context
	 * (struct vfs_ctx *). Returns 0 or -errno. */
	int (*populate)(void *vfs_ctx, void *arg);
	void *populate_arg;
};

/* A booted sandbox: its file tree, its kernel and its processes. */
struct boot_sandbox;

/* A process started in a running sandbox (`runsc exec`). */
struct boot_process {
	char *const *argv;	/* argv[0] resolved through PATH */
	char *const *envp;
	const char *cwd;	/* NULL: "/" */
	uint32_t uid, gid;
	int stdio[3];		/* host descriptors for 0, 1, 2 (taken), or -1 */
	int no_new_privs;	/* runsc exec --no-new-privs or its process.noNewPrivileges */
};

/* What boot_list shows of one process. */
struct boot_proc {
	int pid, ppid;
	uint32_t uid;
	int64_t start_ns;	/* CLOCK_REALTIME */
	char comm[16];
	const char *cmdline;	/* NUL-separated argv */
	size_t cmdline_len;
};

/*
 * Builds the sandbox and loads its first process (PID 1) without running it: `runsc create`.
 * Returns 0, or -errno with one line in @msg naming what failed ("mount /proc: no such
 * filesystem plugin \"procfs\"", "/bin/sh: No such file or directory"); the host descriptors
 * in stdio are taken either way.
 */
int boot_create(const struct boot_config *cfg, struct boot_sandbox **ret_sb, char *msg,
		size_t msg_size);
/* Lets PID 1 run (`runsc start`). -ESRCH if it was killed meanwhile. */
int boot_start(struct boot_sandbox *sb);
/* Starts another process, running at once. Returns 0 with its PID or -errno with @msg. */
int boot_exec(struct boot_sandbox *sb, const struct boot_process *p, int *ret_pid, char *msg,
	      size_t msg_size);
/* A signal from outside (PID 1 without a handler only heeds SIGKILL); @pid -1: all. */
int boot_signal(struct boot_sandbox *sb, int pid, int sig);
/* Blocks until @pid has exited; its wait(2) status. -ECHILD for a PID never started. */
int boot_wait(struct boot_sandbox *sb, int pid, int *ret_status);
/* The live processes in PID order; @cb runs under the kernel's lock. */
int boot_list(struct boot_sandbox *sb, int (*cb)(const struct boot_proc *p, void *arg), void *arg);
/* Kills what still runs, waits for it, frees everything. */
void boot_destroy(struct boot_sandbox *sb);

/*
 * Boots and runs the process to its end: create, start, wait for PID 1, destroy. On success returns 0 with *ret_status its wait(2)
 * status. On failure returns -errno with one line in @msg naming what failed
 * ("mount /proc: no such filesystem plugin \"procfs\"", "/bin/sh: No such file or
 * directory"); the host descriptors in stdio are closed either way.
 */
int boot_run(const struct boot_config *cfg, int *ret_status, char *msg, size_t msg_size);

/* The exit status runsc reports for wait status @status: the code, or 128 + the signal. */
int boot_exit_code(int status);
