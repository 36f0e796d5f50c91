/*
 * runtime/sandbox.c: Gofers and the Sentry of one sandbox (see sandbox.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "dev/dev.h"
#include "plugin/plugin.h"
#include "plugin/services.h"
#include "sandbox.h"
#include "sentry/boot.h"
#include "util/log.h"
#include "vfs/vfs.h"

#ifndef PLUGINDIR
#define PLUGINDIR "/usr/local/lib/cvisor/plugins"
#endif

/* The Gofer's end of the channel, in the Gofer process. */
#define GOFER_FD 3

/* Starts `runsc gofer` on @share; *ret_fd is the Sentry's end of its channel. */
static int gofer_start(const struct rt_globals *g, const struct rt_share *share, pid_t *ret_pid,
		       int *ret_fd, struct rt_error **err)
{
	/* Everything the child needs is built before fork: between fork and exec a child of a
	 * threaded process should only make system calls. */
	char fdarg[16];
	snprintf(fdarg, sizeof(fdarg), "%d", GOFER_FD);
	const char *dir = g->plugin_dir ? g->plugin_dir : PLUGINDIR;
	char *argv[16] = { "runsc", "--plugin-dir", (char *)dir };
	int n = 3;
	if (g->debug_log) {
		argv[n++] = "--debug-log";
		argv[n++] = (char *)g->debug_log;
	}
	if (g->debug)	/* its filter's rules printed, a call outside it logged */
		argv[n++] = "--debug";
	argv[n++] = "gofer";
	argv[n++] = "--root";
	argv[n++] = (char *)share->host;
	argv[n++] = "--fd";
	argv[n++] = fdarg;
	if (share->readonly)
		argv[n++] = "--ro";
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return rt_error_make(err, errno, "gofer: socketpair");
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return rt_error_make(err, errno, "gofer: fork");
	}
	if (pid == 0) {
		/* The Gofer gets its channel and nothing else of ours: no stdin, no other fds.
		 * dup3 onto itself would keep O_CLOEXEC, hence the explicit clear. */
		if (sv[1] == GOFER_FD ? fcntl(GOFER_FD, F_SETFD, 0) < 0
				      : dup2(sv[1], GOFER_FD) < 0)
			_exit(127);
		/* Out of the sandbox's session: the container's terminal signals are not the
		 * Gofer's; and none of the signals the sandbox process blocks to forward them. */
		setsid();
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0)
			dup2(null, 0);
		syscall(SYS_close_range, GOFER_FD + 1, ~0u, 0);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(sv[1]);
	*ret_pid = pid;
	*ret_fd = sv[0];
	return 0;
}

/* Reaps Gofer @pid within @ms milliseconds, else kills it first. Returns the time left. */
static int gofer_reap(pid_t pid, int ms)
{
	for (;;) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return ms;
		if (r == 0 && ms <= 0)
			break;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
		ms -= 10;
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return 0;
}

static void gofers_stop(pid_t *pids, int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);	/* end of the channel: the Gofer exits */
	/* A channel may still be open elsewhere: a boot that failed before mounting a share
	 * leaves the 9p mount's duplicate of it behind. Its Gofer then never sees the end, and
	 * waiting for it would keep this process (and its container) forever. */
	int left = 2000;
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			left = gofer_reap(pids[i], left);
}

/* The Sentry's mount list: 9p for each share, memfs for each tmpfs. */
static int make_mounts(const struct rt_sandbox *sb, const int *fds, struct boot_config *cfg,
		       char (*data)[64], int *dups)
{
	for (size_t i = 0; i < sb->share_count; i++) {
		/* The 9p filesystem owns the descriptor it mounts and closes it when unmounted;
		 * ours stays for gofers_stop, so the Gofer sees its channel end either way. */
		int fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 10);
		if (fd < 0)
			return -errno;
		dups[i] = fd;
		snprintf(data[i], sizeof(data[i]), "fd=%d,cache=exclusive", fd);
		/* The source stays "none": /proc/PID/mountinfo shows it to the application, and
		 * the share's host path would tell it where on the host its files live. */
		struct boot_mount m = { .target = sb->shares[i].target, .fs = "9p",
					.source = NULL, .data = data[i],
					.flags = sb->shares[i].readonly ? MS_RDONLY : 0,
					.file = sb->shares[i].file };
		if (i == 0)
			cfg->root = m;
		else
			cfg->mounts[cfg->mount_count++] = m;
	}
	for (size_t i = 0; i < sb->tmpfs_count; i++) {
		if (cfg->mount_count == BOOT_MAX_MOUNTS)
			return -E2BIG;
		cfg->mounts[cfg->mount_count++] = (struct boot_mount){
			.target = sb->tmpfs[i].target, .fs = "memfs", .source = "tmpfs",
			.data = sb->tmpfs[i].data, .flags = sb->tmpfs[i].flags };
	}
	return 0;
}

/* After a failed boot, closes each 9p mount's duplicate of a Gofer channel that no mount
 * took: one the boot never reached is still open, and its Gofer would never see the channel
 * end. A duplicate is recognised by naming the same socket as the channel, so a number the
 * boot closed and reused for something else is left alone. */
static void mount_dups_close(const int *dups, const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct stat a, b;
		if (dups[i] >= 0 && fds[i] >= 0 && fstat(dups[i], &a) == 0 &&
		    fstat(fds[i], &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			close(dups[i]);
	}
}

struct rt_sandbox_proc {
	pid_t gofer_pids[16];
	int gofer_fds[16];
	size_t gofer_count;
	struct plg_set set;
	struct sentry_services svc;
	struct boot_sandbox *boot;
};

/* --network=none: a fresh network namespace for the Sentry (and the Gofers it starts), with
 * only loopback, brought up as ip(8) would. */
static int netns_loopback_only(struct rt_error **err)
{
	if (unshare(CLONE_NEWNET) < 0)
		return rt_error_make(err, errno, "network namespace (--network=host keeps the host's)");
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { .ifr_name = "lo" };
	int rc = fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -1 : 0;
	if (rc == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	if (rc < 0)
		rc = rt_error_make(err, errno, "bringing up lo");
	if (fd >= 0)
		close(fd);
	return rc;
}

static int have_net_plugin(const struct plg_set *set, const char *name)
{
	for (size_t i = 0; i < set->plugin_count; i++)
		if (set->plugins[i].desc->kind == SENTRY_PLUGIN_NET &&
		    !strcmp(set->plugins[i].desc->name, name))
			return 1;
	return 0;
}

/* The network plugin for --network, after making the namespace it runs in: "host" stays in
 * runsc's namespace; "none" gets one with only loopback; "sandbox" is netstack when the
 * plugin directory has it, otherwise (until netstack lands) the same as "none". *@ret is the
 * plugin's name for boot_config.net. */
static int network_setup(const struct rt_globals *g, const struct plg_set *set,
			 const char **ret, struct rt_error **err)
{
	const char *mode = g->network ? g->network : "sandbox";
	*ret = "host";
	if (!strcmp(mode, "host"))
		return 0;
	if (!strcmp(mode, "sandbox")) {
		if (have_net_plugin(set, "netstack")) {
			*ret = "netstack";
			return netns_loopback_only(err);
		}
		log_msg(SENTRY_LOG_INFO, "network",
			"--network=sandbox: no netstack plugin yet; host plugin in a loopback-only "
			"namespace, as --network=none");
	}
	return netns_loopback_only(err);
}

int rt_sandbox_boot(const struct rt_globals *g, const struct rt_sandbox *sb, const int stdio[3],
		    struct rt_sandbox_proc **ret, struct rt_error **err)
{
	struct rt_sandbox_proc *p = calloc(1, sizeof(*p));
	if (!p)
		return rt_error_make(err, ENOMEM, "sandbox");
	int rc = 0;
	for (; p->gofer_count < sb->share_count && rc == 0; p->gofer_count++) {
		size_t n = p->gofer_count;
		p->gofer_fds[n] = -1;
		rc = gofer_start(g, &sb->shares[n], &p->gofer_pids[n], &p->gofer_fds[n], err);
	}
	plg_set_init(&p->set);
	svc_init(&p->svc);
	vfs_fill_services(&p->svc);
	/* The Gofers keep the host's namespaces; the Sentry leaves them before anything of it
	 * starts a thread. --network=host keeps the host's user namespace, whose capabilities
	 * the host network plugin needs over the host's network namespace. */
	if (rc == 0)
		rc = rt_confine_namespaces(!g->network || strcmp(g->network, "host"), err);
	const char *dir = g->plugin_dir ? g->plugin_dir : PLUGINDIR;
	if (rc == 0 && (rc = plg_set_load_dir(&p->set, dir)) < 0)
		rt_error_make(err, -rc, "plugin directory %s", dir);
	const char *net = NULL;
	if (rc == 0)
		rc = network_setup(g, &p->set, &net, err);

	struct boot_config cfg = {
		.set = &p->set, .svc = &p->svc, .platform = g->platform, .make_dev = 1,
		.argv = sb->argv, .envp = sb->envp, .cwd = sb->cwd, .uid = sb->uid,
		.gid = sb->gid, .strace = g->strace, .stdio = { -1, -1, -1 },
		.groups = sb->groups, .ngroups = sb->ngroups, .umask = sb->umask,
		.umask_set = sb->umask_set, .rlimits = sb->rlimits, .rlimit_count = sb->rlimit_count,
		.hostname = sb->hostname, .domainname = sb->domainname,
		.masked_paths = sb->masked_paths, .readonly_paths = sb->readonly_paths,
		.seccomp = sb->seccomp, .seccomp_len = sb->seccomp_len,
		.seccomp_log = sb->seccomp_log, .no_new_privs = sb->no_new_privs,
		.net = net,
	};
	char data[16][64];
	int dups[16];
	for (size_t i = 0; i < 16; i++)
		dups[i] = -1;
	int mrc = rc == 0 ? make_mounts(sb, p->gofer_fds, &cfg, data, dups) : 0;
	if (mrc < 0)
		rc = rt_error_make(err, mrc == -E2BIG ? 0 : -mrc, "mounts (at most %d)",
				   BOOT_MAX_MOUNTS);
	for (int i = 0; rc == 0 && i < 3; i++)
		if (stdio[i] >= 0 && (cfg.stdio[i] = fcntl(stdio[i], F_DUPFD_CLOEXEC, 10)) < 0)
			rc = rt_error_make(err, errno, "stdio %d", i);
	char msg[512];
	if (rc == 0 && boot_create(&cfg, &p->boot, msg, sizeof(msg)) < 0)
		rc = rt_error_make(err, 0, "%s", msg);
	else if (rc < 0)
		for (int i = 0; i < 3; i++)
			if (cfg.stdio[i] >= 0)
				close(cfg.stdio[i]);
	if (rc < 0)
		mount_dups_close(dups, p->gofer_fds, p->gofer_count);
	if (rc < 0) {
		rt_sandbox_end(p);
		return -1;
	}
	*ret = p;
	return 0;
}

int rt_sandbox_confine(const struct rt_globals *g, struct rt_sandbox_proc *p,
		       struct rt_error **err)
{
	const struct hostfilter_set own[] = { hostfilter_base, hostfilter_sentry, rt_sandbox_rules };
	/* Host files named through /proc/self/fd are duplicated from now on: no path opens. */
	dev_host_no_reopen();
	int flags = g->debug ? HOSTFILTER_TRAP | HOSTFILTER_PRINT : 0;
	return rt_confine_finish(&p->set, own, sizeof(own) / sizeof(own[0]), flags, err);
}

struct boot_sandbox *rt_sandbox_sentry(struct rt_sandbox_proc *p)
{
	return p->boot;
}

void rt_sandbox_end(struct rt_sandbox_proc *p)
{
	if (!p)
		return;
	boot_destroy(p->boot);
	plg_set_fini(&p->set);
	gofers_stop(p->gofer_pids, p->gofer_fds, p->gofer_count);
	free(p);
}

int rt_sandbox_run(const struct rt_globals *g, const struct rt_sandbox *sb, struct rt_error **err)
{
	struct rt_sandbox_proc *p;
	const int stdio[3] = { 0, 1, 2 };
	if (rt_sandbox_boot(g, sb, stdio, &p, err) < 0)
		return -1;
	if (rt_sandbox_confine(g, p, err) < 0) {
		rt_sandbox_end(p);
		return -1;
	}
	int status = 0;
	boot_start(p->boot);
	int rc = boot_wait(p->boot, 1, &status);
	rt_sandbox_end(p);
	if (rc < 0)
		return rt_error_make(err, -rc, "wait"), -1;
	return boot_exit_code(status);
}
