/*
 * runtime/sandbox.h: starting a sandbox: its Gofers, then the Sentry running the process.
 *
 * The runsc process that runs the container becomes its Sentry: it starts one Gofer process per
 * served host tree (the rootfs, each bind mount), each on its own socketpair, and then boots the
 * Sentry with those trees mounted through the 9p filesystem plugin. When the process ends, the
 * channels close and every Gofer exits; runsc reaps them and returns the process's status.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "kernel/process.h"
#include "runsc.h"

/* A host tree served to the sandbox. */
struct rt_share {
	const char *host;	/* absolute host path */
	const char *target;	/* where it appears in the sandbox ("/" for the root) */
	int readonly;
	int file;		/* @host is a regular file (a file bind mount) */
};

/* A non-host mount (tmpfs). */
struct rt_tmpfs {
	const char *target;
	const char *data;	/* "size=...,mode=...", or NULL */
	uint64_t flags;		/* MS_* */
};

struct sock_filter;

struct rt_sandbox {
	struct rt_share shares[16];	/* shares[0] is the root */
	size_t share_count;
	struct rt_tmpfs tmpfs[16];
	size_t tmpfs_count;
	char *const *argv;
	char *const *envp;
	const char *cwd;
	uint32_t uid, gid;
	const uint32_t *groups;		/* supplementary groups */
	size_t ngroups;
	uint32_t umask;
	int umask_set;			/* else 022 */
	struct kernel_rlimit rlimits[16];	/* over the defaults */
	size_t rlimit_count;
	const char *hostname, *domainname;	/* NULL: the Sentry's defaults */
	char *const *masked_paths;	/* NULL-terminated or NULL */
	char *const *readonly_paths;
	/* linux.seccomp compiled (runtime/seccomp_bpf.h), @seccomp_len instructions, owned by
	 * the caller; NULL: none. @seccomp_log: SECCOMP_FILTER_FLAG_LOG. */
	const struct sock_filter *seccomp;
	size_t seccomp_len;
	int seccomp_log;
	int no_new_privs;		/* process.noNewPrivileges */
};

/* A booted sandbox: its Gofers, plugins and Sentry (see sentry/boot.h). */
struct rt_sandbox_proc;
struct boot_sandbox;

/* Starts the Gofers and builds the Sentry with PID 1 loaded but held (`runsc create`). The
 * process's stdio are duplicates of @stdio (-1: none). Returns 0 or -1 with *@err set. */
int rt_sandbox_boot(const struct rt_globals *g, const struct rt_sandbox *sb, const int stdio[3],
		    struct rt_sandbox_proc **ret, struct rt_error **err);
/* Confines the booted sandbox's process (runtime/confine.h, step 2): an empty root, the
 * plugins' capabilities only, the host filter composed from the core, runsc and every
 * initialised plugin (--debug: printed, and a call outside it is logged instead of fatal).
 * Call once the process holds every descriptor it needs. Returns 0 or -1 with *@err set. */
int rt_sandbox_confine(const struct rt_globals *g, struct rt_sandbox_proc *p,
		       struct rt_error **err);
/* The Sentry, for boot_start, boot_exec, boot_signal, boot_wait, boot_list. */
struct boot_sandbox *rt_sandbox_sentry(struct rt_sandbox_proc *p);
/* Kills what still runs in the Sentry, stops the Gofers, frees @p. */
void rt_sandbox_end(struct rt_sandbox_proc *p);

/* Runs @sb to its end in this process, with its stdio. Returns the exit status runsc reports (the code, or 128 + signal), or
 * -1 with *@err set when the sandbox could not start. */
int rt_sandbox_run(const struct rt_globals *g, const struct rt_sandbox *sb, struct rt_error **err);
