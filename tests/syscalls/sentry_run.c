/*
 * sentry_run: runs one static test program inside a Sentry, for tests/syscalls/run.sh.
 *
 *   sentry_run [--strace] MEMFS.so PTRACE.so PROGRAM [ARGS...]
 *
 * Boots a Sentry from the memfs and ptrace plugins with a memfs root (plus /tmp and the
 * standard /dev), copies PROGRAM in as /prog, and runs it with this process's stdin, stdout
 * and stderr donated as host-backed files. Exits with the program's status (128 + signal
 * when killed), so run.sh compares it with a native run.
 *
 * With SENTRY_RUN_NET=PLUGIN.so in the environment, that network plugin is loaded too and serves
 * AF_INET/AF_INET6 (the Sentry's network namespace is this process's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "dev/dev.h"
#include "plugin/plugin.h"
#include "plugin/services.h"
#include "sentry/boot.h"
#include "sentry/hostfilter.h"
#include "util/log.h"
#include "vfs/vfs.h"

static int copy_in_program(void *vctx, void *arg)
{
	struct vfs_ctx *ctx = vctx;
	FILE *in = fopen(arg, "rb");
	if (!in)
		return -errno;
	struct vfs_file *f;
	int rc = vfs_openat(ctx, NULL, "/prog", O_CREAT | O_WRONLY | O_TRUNC, 0755, &f);
	char buf[65536];
	size_t n;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (vfs_write(f, buf, n) != (ssize_t)n)
			rc = -EIO;
	fclose(in);
	if (rc == 0)
		vfs_file_put(f);
	return rc;
}

#ifdef __SANITIZE_ADDRESS__
/* The leak checker at exit: it reads /proc/self and stops our threads from a helper it
 * clones, under ptrace (sanitizer builds only; runsc turns the check off instead, having no
 * /proc left once confined). */
static const struct sentry_host_rule g_lsan_rules[] = {
	SENTRY_ALLOW(SYS_open), SENTRY_ALLOW(SYS_openat), SENTRY_ALLOW(SYS_getdents64),
	SENTRY_ALLOW(SYS_getdents), SENTRY_ALLOW(SYS_ptrace), SENTRY_ALLOW(SYS_wait4),
	SENTRY_ALLOW(SYS_readlink), SENTRY_ALLOW(SYS_getppid), SENTRY_ALLOW(SYS_prctl),
	SENTRY_ALLOW_IF(SYS_clone, 0, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED),
};
#endif

/* The Sentry's host filter, as runsc installs it once the sandbox is built, so that the whole
 * suite runs under it and a rule missing from the core or a plugin fails here. No namespaces
 * or empty root: that part is runsc's (tests/e2e). SENTRY_RUN_TRAP=1 logs a call outside the
 * filter and fails it with ENOSYS instead of killing. */
static int confine(const struct plg_set *set, char *msg, size_t size)
{
	const struct hostfilter_set own[] = {
		hostfilter_base, hostfilter_sentry,
#ifdef __SANITIZE_ADDRESS__
		{ "lsan", g_lsan_rules, sizeof(g_lsan_rules) / sizeof(g_lsan_rules[0]) },
#endif
	};
	dev_host_no_reopen();	/* as runsc: a confined Sentry opens no path */
	const char *trap = getenv("SENTRY_RUN_TRAP");
	return hostfilter_install_with(set, own, sizeof(own) / sizeof(own[0]),
				       trap && *trap == '1' ? HOSTFILTER_TRAP : 0, msg, size);
}

int main(int argc, char **argv)
{
	int strace = argc > 1 && strcmp(argv[1], "--strace") == 0;
	argv += strace;
	argc -= strace;
	if (argc < 4) {
		fprintf(stderr, "usage: sentry_run [--strace] MEMFS.so PTRACE.so PROGRAM [ARGS...]\n");
		return 2;
	}
	struct plg_set set;
	struct sentry_services svc;
	plg_set_init(&set);
	svc_init(&svc);
	vfs_fill_services(&svc);
	if (plg_set_load_file(&set, argv[1]) < 0 || plg_set_load_file(&set, argv[2]) < 0) {
		fprintf(stderr, "sentry_run: cannot load the plugins\n");
		plg_set_fini(&set);
		return 125;
	}
	const char *net = getenv("SENTRY_RUN_NET"), *net_name = NULL;
	if (net && *net) {
		size_t before = set.plugin_count;
		if (plg_set_load_file(&set, net) < 0 || set.plugin_count == before) {
			fprintf(stderr, "sentry_run: cannot load the network plugin %s\n", net);
			plg_set_fini(&set);
			return 125;
		}
		net_name = set.plugins[before].desc->name;
	}
	char *envp[] = { "PATH=/", NULL };
	const char *prog = argv[3];
	argv[3] = "/prog";
	struct boot_config cfg = {
		.set = &set,
		.svc = &svc,
		.platform = "ptrace",
		.net = net_name,
		.root = { .target = "/", .fs = "memfs", .data = "mode=755" },
		.mounts = { { .target = "/tmp", .fs = "memfs", .data = "mode=1777" } },
		.mount_count = 1,
		.make_dev = 1,
		.argv = argv + 3,
		.envp = envp,
		.stdio = { dup(0), dup(1), dup(2) },
		.strace = strace,
		.populate = copy_in_program,
		.populate_arg = (void *)prog,
	};
	int status = 0;
	char msg[512];
	struct boot_sandbox *sb = NULL;
	int rc = boot_create(&cfg, &sb, msg, sizeof(msg));
	if (rc == 0 && (rc = confine(&set, msg, sizeof(msg))) == 0 && (rc = boot_start(sb)) == 0)
		rc = boot_wait(sb, 1, &status);
	if (rc < 0 && !msg[0])
		snprintf(msg, sizeof(msg), "run: %s", strerror(-rc));
	boot_destroy(sb);
	plg_set_fini(&set);
	if (rc < 0) {
		fprintf(stderr, "sentry_run: %s\n", msg);
		return 125;
	}
	return boot_exit_code(status);
}
