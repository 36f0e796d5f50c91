/*
 * runtime/confine.c: namespaces, an empty root, capabilities and the host filter for runsc's
 * sandbox process and Gofers (see confine.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
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

/* Drops the calling thread's capabilities but @keep. Async-signal-safe: caps_on_signal runs it. */
static int caps_drop_self(uint64_t keep)
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

/* capset(2) and PR_CAPBSET_DROP change the calling thread only, and the Sentry confines itself
 * with threads already running (the init task's, held until start; a plugin's poller), whose
 * later threads inherit theirs: each thread is made to drop its own from a signal handler, the
 * way glibc's setuid reaches every thread. One confinement at a time per process. */
static struct {
	uint64_t keep;
	sem_t done;
	atomic_int rc;
} g_caps;

static void caps_on_signal(int sig)
{
	(void)sig;
	int saved = errno;
	int rc = caps_drop_self(g_caps.keep);
	if (rc < 0)
		atomic_store(&g_caps.rc, rc);
	sem_post(&g_caps.done);
	errno = saved;
}

/* The TID of the thread named @name in @task_dir as our own PID namespace numbers it: the
 * listing names threads as the /proc mount's namespace does, which for runsc's sandbox (PID 1
 * of a namespace of its own, under the host's /proc) is the host's. The last NSpid field is
 * ours. Returns it, 0 for an entry that is no thread, or -errno. */
static pid_t local_tid(int task_dir, const char *name)
{
	if (name[0] < '1' || name[0] > '9')
		return 0;
	char path[288], buf[2048];
	snprintf(path, sizeof(path), "%.255s/status", name);
	int fd = openat(task_dir, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;	/* ENOENT: gone since the listing */
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	int err = errno;
	close(fd);
	if (len < 0)
		return err == ESRCH ? 0 : -err;	/* ESRCH: exited while we read */
	buf[len] = 0;
	char *line = strstr(buf, "\nNSpid:");
	if (!line)
		return -ENOTSUP;
	char *end = strchr(line + 1, '\n');
	if (end)
		*end = 0;
	char *last = strrchr(line, '\t');
	long tid = last ? strtol(last + 1, NULL, 10) : 0;
	return tid > 0 ? (pid_t)tid : -ENOTSUP;
}

/* Signals each thread listed in @task_dir that @done (@n TIDs) does not hold yet and waits for
 * its drop; adds it to @done. Returns how many were new, or -errno. */
static int caps_round(int task_dir, pid_t *done, size_t *n, size_t max)
{
	int fd = openat(task_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		int rc = -errno;
		if (fd >= 0)
			close(fd);
		return rc;
	}
	int fresh = 0, rc = 0;
	pid_t pid = getpid();
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		pid_t tid = local_tid(task_dir, e->d_name);
		size_t i = 0;
		while (tid > 0 && i < *n && done[i] != tid)
			i++;
		if (tid <= 0 || i < *n) {
			rc = tid < 0 ? tid : 0;
			continue;
		}
		if (*n == max) {
			rc = -E2BIG;
			break;
		}
		done[(*n)++] = tid;
		if (syscall(SYS_tgkill, pid, tid, SIGRTMIN) < 0) {
			if (errno != ESRCH)	/* gone since the listing: nothing to drop */
				rc = -errno;
			continue;
		}
		/* Bounded: a thread that has the signal blocked would never answer. */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		while (sem_timedwait(&g_caps.done, &until) < 0 && rc == 0)
			if (errno != EINTR)
				rc = -errno;
		/* A thread on its way out (glibc blocks every signal there) never answers, and
		 * needs nothing dropped once gone. */
		if (rc == -ETIMEDOUT && syscall(SYS_tgkill, pid, tid, 0) < 0 && errno == ESRCH)
			rc = 0;
		fresh++;
	}
	closedir(d);
	return rc < 0 ? rc : fresh;
}

int rt_confine_caps(uint64_t keep, int task_dir)
{
	g_caps.keep = keep;
	atomic_store(&g_caps.rc, 0);
	sem_init(&g_caps.done, 0, 0);
	struct sigaction sa = { .sa_handler = caps_on_signal, .sa_flags = SA_RESTART }, old;
	sigfillset(&sa.sa_mask);
	int rc = sigaction(SIGRTMIN, &sa, &old) < 0 ? -errno : 0;
	/* Our own first, so no thread we start from here on keeps more. */
	pid_t done[256] = { gettid() };
	size_t n = 1;
	if (rc == 0)
		rc = caps_drop_self(keep);
	/* Again until a listing shows no thread we have not reached: one reached meanwhile may
	 * have started another before its drop. */
	while (rc == 0 && (rc = caps_round(task_dir, done, &n, sizeof(done) / sizeof(done[0]))) > 0)
		rc = 0;
	if (rc == 0)
		rc = atomic_load(&g_caps.rc);
	/* A thread that never answered may take the signal later: ignored then, not fatal. */
	if (rc < 0)
		old = (struct sigaction){ .sa_handler = SIG_IGN };
	sigaction(SIGRTMIN, &old, NULL);
	sem_destroy(&g_caps.done);
	return rc;
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
	/* Open before the root empties: the threads are listed from it after. */
	int task_dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (task_dir < 0)
		return rt_error_make(err, errno, "confine: /proc/self/task");
	int rc = empty_root();
	if (rc == 0 && (rc = rt_confine_caps(plg_set_host_caps(set), task_dir)) < 0)
		rt_error_make(err, -rc, "confine: capabilities");
	else if (rc < 0)
		rt_error_make(err, -rc, "confine: empty root");
	close(task_dir);
	if (rc < 0)
		return -1;
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
