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

#include "plugin/plugin.h"
#include "sentry/services.h"

/* One filesystem to mount. */
struct boot_mount {
	const char *target;	/* absolute path in the sandbox ("/" for the root) */
	const char *fs;		/* filesystem plugin name: "memfs", "9p" */
	const char *source;	/* mount(2) source, or NULL for "none" */
	const char *data;	/* mount(2) data ("fd=5,cache=exclusive", "size=64m"), or NULL */
	uint64_t flags;		/* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC */
};

#define BOOT_MAX_MOUNTS 32

struct boot_config {
	struct plg_set *set;			/* loaded plugins (borrowed) */
	const struct sentry_services *svc;	/* the core's services (borrowed) */
	const char *platform;			/* platform plugin name */
	struct boot_mount root;
	struct boot_mount mounts[BOOT_MAX_MOUNTS];
	size_t mount_count;
	int make_dev;				/* mount memfs on /dev with the standard nodes */
	char *const *argv;			/* the process, argv[0] resolved through PATH */
	char *const *envp;
	const char *cwd;			/* working directory, NULL: "/" */
	uint32_t uid, gid;			/* credentials of the process */
	int stdio[3];				/* host descriptors for 0, 1, 2 (taken), or -1 */
	int strace;				/* log every system call */
	/* Optional: runs after the mounts, before exec, on the process's filesystem context
	 * (struct vfs_ctx *). Returns 0 or -errno. */
	int (*populate)(void *vfs_ctx, void *arg);
	void *populate_arg;
};

/*
 * Boots and runs the process to its end. On success returns 0 with *ret_status its wait(2)
 * status. On failure returns -errno with one line in @msg naming what failed
 * ("mount /proc: no such filesystem plugin \"procfs\"", "/bin/sh: No such file or
 * directory"); the host descriptors in stdio are closed either way.
 */
int boot_run(const struct boot_config *cfg, int *ret_status, char *msg, size_t msg_size);

/* The exit status runsc reports for wait status @status: the code, or 128 + the signal. */
int boot_exit_code(int status);
