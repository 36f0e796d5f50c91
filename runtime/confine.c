/*
 * runtime/confine.c: namespaces, an empty root, capabilities and the host filter for runsc's
 * sandbox process and Gofers (see confine.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "confine.h"
#include "fileio.h"
#include "util/log.h"

int rt_confine_namespaces(int userns, struct rt_error **err)
{
	if (userns) {
		/* Root inside is our own user outside and nothing more: the one mapping a process
		 * may give itself, so no helper outside is needed. setgroups must be refused
		 * first for the gid map to be accepted. */
		char map[32];
		uid_t uid = geteuid();
		gid_t gid = getegid();
		if (unshare(CLONE_NEWUSER) < 0)
			return rt_error_make(err, errno, "confine: user namespace");
		int rc = rt_write_file_at("/proc/self", "setgroups", "deny", 0);
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		if (rc == 0)
			rc = rt_write_file_at("/proc/self", "uid_map", map, 0);
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		if (rc == 0)
			rc = rt_write_file_at("/proc/self", "gid_map", map, 0);
		if (rc < 0)
			return rt_error_make(err, -rc, "confine: user namespace maps");
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		return rt_error_make(err, errno, "confine: mount, IPC and UTS namespaces");
	/* Nothing we mount from here on may reach the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return rt_error_make(err, errno, "confine: making mounts private");
	return 0;
}

/* An empty read-only tmpfs becomes "/" and the old root is detached: after this no host path
 * resolves, whatever the filter allows. The tmpfs goes over a directory every system has; in
 * our private mount namespace that hides nothing from anyone else. */
static int empty_root(void)
{
	static const char *const dirs[] = { "/tmp", "/mnt", "/run", "/proc" };
	int rc = -ENOENT;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]) && rc < 0; i++) {
		rc = mount("cvisor-root", dirs[i], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			   "size=4k,nr_inodes=2,mode=0555") < 0 ? -errno : 0;
		if (rc == 0 && chdir(dirs[i]) < 0)
			rc = -errno;
	}
	if (rc < 0)
		return rc;
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	return 0;
}

int rt_confine_caps(uint64_t keep)
{
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which capset removes. */
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break;	/* past the kernel's last capability */
			return -errno;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)keep, .permitted = (uint32_t)keep },
		{ .effective = (uint32_t)(keep >> 32), .permitted = (uint32_t)(keep >> 32) },
	};
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

#ifdef __SANITIZE_ADDRESS__
void __lsan_do_leak_check(void);
#endif

void rt_confine_prepare(void)
{
#ifdef __SANITIZE_ADDRESS__
	/* The leak checker needs /proc and ptrace of our own threads, which confinement takes
	 * away: test builds check what leaked until now, and the check at exit is off. */
	__lsan_do_leak_check();
#endif
	/* glibc reads /etc/localtime the first time it converts a time, even for gmtime_r (the
	 * JSON log's timestamps): now, while the path resolves. */
	tzset();
}

int rt_confine_finish(const struct plg_set *set, const struct hostfilter_set *own, size_t n,
		      int flags, struct rt_error **err)
{
	rt_confine_prepare();
	int rc = empty_root();
	if (rc < 0)
		return rt_error_make(err, -rc, "confine: empty root");
	if ((rc = rt_confine_caps(plg_set_host_caps(set))) < 0)
		return rt_error_make(err, -rc, "confine: capabilities");
	char msg[256];
	if ((rc = hostfilter_install_with(set, own, n, flags, msg, sizeof(msg))) < 0)
		return rt_error_make(err, 0, "confine: %s", msg);
	return 0;
}

void rt_close_fds_except(const int *keep, size_t n)
{
	/* Ascending order makes each gap one close_range. */
	int sorted[16];
	size_t m = 0;
	for (size_t i = 0; i < n && m < sizeof(sorted) / sizeof(sorted[0]); i++)
		if (keep[i] >= 3)
			sorted[m++] = keep[i];
	for (size_t i = 1; i < m; i++)
		for (size_t k = i; k > 0 && sorted[k - 1] > sorted[k]; k--) {
			int t = sorted[k];
			sorted[k] = sorted[k - 1];
			sorted[k - 1] = t;
		}
	unsigned from = 3;
	for (size_t i = 0; i < m; i++) {
		if ((unsigned)sorted[i] > from)
			(void)syscall(SYS_close_range, from, (unsigned)sorted[i] - 1, 0u);
		from = (unsigned)sorted[i] + 1;
	}
	(void)syscall(SYS_close_range, from, ~0u, 0u);
}

#define ALLOW(n) SENTRY_ALLOW(SYS_##n)

static const struct sentry_host_rule g_sandbox[] = {
	ALLOW(accept4), ALLOW(accept),	/* the control socket */
	ALLOW(wait4), ALLOW(waitid), ALLOW(kill),	/* the Gofers, at the end */
	/* Untied from create's life once create has recorded the sandbox. */
	SENTRY_ALLOW_IF(SYS_prctl, 0, PR_SET_PDEATHSIG),
};

const struct hostfilter_set rt_sandbox_rules = {
	"runsc", g_sandbox, sizeof(g_sandbox) / sizeof(g_sandbox[0])
};
