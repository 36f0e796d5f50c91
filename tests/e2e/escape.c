/*
 * escape: run inside a sandbox, tries to reach the host the ways issue #9 lists and prints one
 * line per attempt: "escape NAME: ok (errno ENOENT)" when the attempt was refused or stayed
 * inside the sandbox, "escape NAME: REACHED HOST (...)" when it got something of the host, or
 * "escape NAME: skipped (...)" when the attempt could not be set up. Exits 1 when any attempt
 * reached the host, 2 on a usage error, 0 otherwise. escape.sh drives it and checks the host
 * side (markers untouched, listeners idle, processes alive, /proc/sys values unchanged).
 *
 * The host facts come from the command line, since nothing inside can tell a host path from a
 * sandbox one on its own:
 *   --marker PATH      a host file, absent from the rootfs, holding a secret line
 *   --host-pid PID     a host process (repeatable): kill, ptrace and /proc must not see it
 *   --host-path STR    a host path (repeatable) that /proc must never show
 *   --host-name NAME   a host block device or network interface name (repeatable) that /sys
 *                      must not list
 *   --host-dev MAJ:MIN the host root's block device, for mknod
 *   --port N --addr A  a host TCP/UDP listener on A:N (A repeatable: 127.0.0.1, the host's
 *                      non-loopback addresses)
 *   --unix PATH, --abstract NAME   host AF_UNIX listeners
 *   --pid1 CMDLINE     the container's PID 1 command line, arguments joined by spaces
 *   --only NAME        run only the attempts whose name starts with NAME (repeatable)
 *
 * The stub attempts go after the ptrace platform's own pages in our address space: ops written
 * into its batch page, return addresses planted on its stack page.
 *
 * Some attempts deliberately change the sandbox (mounts, a chroot in a child, /proc/sys
 * writes, a sweep of raw system calls in a child), so run it in a throwaway container, and
 * never on the host: it refuses to start unless ESCAPE_IN_SANDBOX=1 is in its environment.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LIST 64

static struct {
	const char *marker;
	pid_t host_pids[MAX_LIST];
	size_t host_pid_count;
	const char *host_paths[MAX_LIST];
	size_t host_path_count;
	const char *host_names[MAX_LIST];
	size_t host_name_count;
	unsigned dev_major, dev_minor;
	int port;
	const char *addrs[MAX_LIST];
	size_t addr_count;
	const char *unix_path, *abstract, *pid1;
	const char *only[MAX_LIST];
	size_t only_count;
} g_opt = { .dev_major = 8, .dev_minor = 1 };

static int g_attempts, g_reached;

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);
	return n ? n : "E?";
}

static bool wanted(const char *name)
{
	if (!g_opt.only_count)
		return true;
	for (size_t i = 0; i < g_opt.only_count; i++)
		if (!strncmp(name, g_opt.only[i], strlen(g_opt.only[i])))
			return true;
	return false;
}

static void say(const char *name, const char *verdict, const char *fmt, va_list ap)
{
	printf("escape %s: %s (", name, verdict);
	vprintf(fmt, ap);
	printf(")\n");
	fflush(stdout);
}

static void ok(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_attempts++;
	say(name, "ok", fmt, ap);
	va_end(ap);
}

static void reached(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_attempts++;
	g_reached++;
	say(name, "REACHED HOST", fmt, ap);
	va_end(ap);
}

static void skipped(const char *name, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say(name, "skipped", fmt, ap);
	va_end(ap);
}

/* The usual verdict: a call that had to fail did (@rc < 0 with errno set) or did not. */
static void expect_fail(const char *name, long rc, const char *what)
{
	if (rc < 0)
		ok(name, "errno %s", errname(errno));
	else
		reached(name, "%s succeeded", what);
}

/* ---------- host paths ---------- */

/* Opens @path; reading the marker's secret means the host's file was reached. */
static void try_open(const char *name, int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ok(name, "errno %s", errname(errno));
		return;
	}
	char buf[256] = { 0 };
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	reached(name, "opened %s, read %zd bytes: %.40s", path, n, n > 0 ? buf : "");
}

static void path_join(char *out, size_t size, const char *a, const char *b)
{
	snprintf(out, size, "%s%s", a, b);
}

static void attempt_dotdot(void)
{
	char p[PATH_MAX];
	path_join(p, sizeof(p), "../../../../../../../../../../../..", g_opt.marker);
	if (chdir("/") == 0)
		try_open("open-dotdot-from-root", AT_FDCWD, p);
	if (chdir("/tmp") == 0)
		try_open("open-dotdot-from-tmp", AT_FDCWD, p);
	int dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		try_open("open-dotdot-dirfd", dfd, p);
		close(dfd);
	}
	/* Walking up one step at a time must stop at the sandbox's root. */
	int rc = chdir("/");
	for (int i = 0; i < 64 && rc == 0; i++)
		rc = chdir("..");
	char cwd[PATH_MAX];
	if (rc == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/"))
		reached("chdir-dotdot", "cwd is %s above the root", cwd);
	else if (rc == 0)
		try_open("chdir-dotdot", AT_FDCWD, g_opt.marker + 1);
	else
		ok("chdir-dotdot", "chdir: errno %s", errname(errno));
	(void)!chdir("/");
}

/* A symlink the application makes itself, then opened through. */
static void try_symlink(const char *name, const char *target, const char *link, const char *rest)
{
	(void)unlink(link);
	if (symlink(target, link) < 0) {
		skipped(name, "symlink %s: errno %s", link, errname(errno));
		return;
	}
	char p[PATH_MAX];
	path_join(p, sizeof(p), link, rest);
	try_open(name, AT_FDCWD, p);
	(void)unlink(link);
}

/* The links escape.sh made in the rootfs from the host side, served by the Gofer. */
static void try_gofer_link(const char *name, const char *link, const char *rest)
{
	struct stat st;
	if (lstat(link, &st) < 0) {
		skipped(name, "%s: errno %s (escape.sh makes it)", link, errname(errno));
		return;
	}
	char p[PATH_MAX];
	path_join(p, sizeof(p), link, rest);
	try_open(name, AT_FDCWD, p);
}

static void attempt_symlinks(void)
{
	char p[PATH_MAX];
	try_symlink("symlink-abs", g_opt.marker, "/tmp/escape-link-abs", "");
	try_symlink("symlink-up", "../../../../../../../..", "/tmp/escape-link-up", g_opt.marker);
	try_gofer_link("gofer-symlink-abs", "/escape-links/abs", "");
	try_gofer_link("gofer-symlink-up", "/escape-links/up", g_opt.marker);
	const char *base = strrchr(g_opt.marker, '/');
	snprintf(p, sizeof(p), "%s", base ? base : g_opt.marker);
	try_gofer_link("gofer-symlink-dir", "/escape-links/dir", p);
}

static void attempt_proc_roots(void)
{
	char p[PATH_MAX];
	path_join(p, sizeof(p), "/proc/self/root", g_opt.marker);
	try_open("proc-self-root", AT_FDCWD, p);
	path_join(p, sizeof(p), "/proc/1/root", g_opt.marker);
	try_open("proc-1-root", AT_FDCWD, p);
	path_join(p, sizeof(p), "/proc/self/cwd/../../../../..", g_opt.marker);
	try_open("proc-self-cwd-up", AT_FDCWD, p);
	int dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		snprintf(p, sizeof(p), "/proc/self/fd/%d/../../../..%s", dfd, g_opt.marker);
		try_open("proc-self-fd-up", AT_FDCWD, p);
		close(dfd);
	}
	for (size_t i = 0; i < g_opt.host_pid_count; i++) {
		snprintf(p, sizeof(p), "/proc/%d/root%s", g_opt.host_pids[i], g_opt.marker);
		try_open("proc-hostpid-root", AT_FDCWD, p);
	}
}

/* The classic chroot escape, in a child so the main program keeps its root: chroot into a
 * subdirectory, climb out of it with "..", chroot("."), and look for the marker. */
static void attempt_chroot(void)
{
	(void)mkdir("/tmp/escape-jail", 0755);
	pid_t pid = fork();
	if (pid < 0) {
		skipped("chroot-escape", "fork: errno %s", errname(errno));
		return;
	}
	if (pid == 0) {
		if (chroot("/tmp/escape-jail") < 0)
			_exit(100 + (errno & 0x7f) % 100);
		for (int i = 0; i < 64; i++)
			(void)!chdir("..");
		(void)!chroot(".");
		int fd = open(g_opt.marker, O_RDONLY);
		_exit(fd >= 0 ? 1 : 0);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		reached("chroot-escape", "child did not exit normally (status %#x)", st);
	else if (WEXITSTATUS(st) == 1)
		reached("chroot-escape", "opened %s after climbing out of a chroot", g_opt.marker);
	else if (WEXITSTATUS(st) >= 100)
		ok("chroot-escape", "chroot: errno %s", errname(WEXITSTATUS(st) - 100));
	else
		ok("chroot-escape", "climbed to the sandbox's root only");
	(void)rmdir("/tmp/escape-jail");
}

/* open_by_handle_at with a forged handle for inode 2 (the root of an ext4 filesystem): the
 * "shocker" escape out of Docker in 2014. */
static void attempt_handle(void)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[8];
	} h = { .fh = { .handle_bytes = 8, .handle_type = 1 } };
	uint32_t ino = 2;
	memcpy(h.fh.f_handle, &ino, sizeof(ino));
	int mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd = (int)syscall(SYS_open_by_handle_at, mfd, &h.fh, O_RDONLY);
	if (fd < 0) {
		ok("open-by-handle", "errno %s", errname(errno));
	} else {
		struct stat a, b;
		bool own = fstat(fd, &a) == 0 && stat("/", &b) == 0 && a.st_dev == b.st_dev &&
			   a.st_ino == b.st_ino;
		if (own)
			ok("open-by-handle", "gave the sandbox's own root");
		else
			reached("open-by-handle", "a forged handle opened inode %lu", (unsigned long)a.st_ino);
		close(fd);
	}
	if (mfd >= 0)
		close(mfd);
}

static bool contains_host_path(const char *text, const char **which)
{
	for (size_t i = 0; i < g_opt.host_path_count; i++)
		if (strstr(text, g_opt.host_paths[i])) {
			*which = g_opt.host_paths[i];
			return true;
		}
	return false;
}

/* /proc/PID/fd/N for every N not in the process's own table: a hole in the Sentry's view
 * would show one of its host descriptors (a Gofer channel is a host socket). */
static void fd_sweep(const char *name, const char *pid, const bool *open_fds)
{
	for (int n = 0; n < 1024; n++) {
		char p[64], link[PATH_MAX];
		snprintf(p, sizeof(p), "/proc/%s/fd/%d", pid, n);
		ssize_t len = readlink(p, link, sizeof(link) - 1);
		link[len > 0 ? len : 0] = 0;
		const char *hp;
		if (len >= 0 && contains_host_path(link, &hp)) {
			reached(name, "%s -> %s names the host path %s", p, link, hp);
			return;
		}
		if (open_fds[n])
			continue;
		if (len >= 0) {
			reached(name, "%s -> %s, not a descriptor of the process", p, link);
			return;
		}
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			reached(name, "%s opens, not a descriptor of the process", p);
			return;
		}
	}
	ok(name, "only the process's own descriptors, none naming a host path");
}

static void attempt_proc_fds(void)
{
	bool own[1024];
	for (int n = 0; n < 1024; n++)
		own[n] = fcntl(n, F_GETFD) >= 0;
	fd_sweep("proc-self-fd", "self", own);

	/* PID 1's table is known only through its own directory, so list it first. */
	DIR *d = opendir("/proc/1/fd");
	if (!d) {
		skipped("proc-1-fd", "/proc/1/fd: errno %s", errname(errno));
		return;
	}
	memset(own, 0, sizeof(own));
	for (struct dirent *e; (e = readdir(d));) {
		int n = atoi(e->d_name);
		if (e->d_name[0] != '.' && n >= 0 && n < 1024)
			own[n] = true;
	}
	closedir(d);
	fd_sweep("proc-1-fd", "1", own);
}

/* ---------- raw system calls ---------- */

/* Never called with zero arguments, implemented or not: they end, fork, replace, stop or trace
 * the caller, wait forever (msgrcv: msgget(IPC_PRIVATE) just made queue 0, as on Linux), or
 * would act on the host if they ever reached it. */
static const int g_dangerous[] = {
	SYS_rt_sigreturn, SYS_select, SYS_pause, SYS_clone, SYS_fork, SYS_vfork, SYS_execve,
	SYS_exit, SYS_kill, SYS_ptrace, SYS_vhangup, SYS_acct, SYS_reboot, SYS_sethostname,
	SYS_setdomainname, SYS_tkill, SYS_restart_syscall, SYS_exit_group, SYS_tgkill,
	SYS_kexec_load, SYS_pselect6, SYS_ppoll, SYS_rt_sigsuspend, SYS_finit_module,
	SYS_kexec_file_load, SYS_seccomp, SYS_execveat, SYS_pidfd_send_signal, SYS_clone3,
	SYS_close, SYS_close_range, SYS_msgrcv,
};

static bool dangerous(long nr)
{
	for (size_t i = 0; i < sizeof(g_dangerous) / sizeof(g_dangerous[0]); i++)
		if (g_dangerous[i] == nr)
			return true;
	return false;
}

struct sweep_rec {
	long nr, ret;
	int err;
};

/* The child's side: every number with all-zero arguments, each result to @wfd as it comes,
 * each call under a watchdog alarm so one that blocks ends the child instead of the test.
 * Descriptor 0 becomes a pipe of its own (not /dev/null, which fchmod(0, 0) would spoil for
 * the whole container), so the calls that take descriptor 0 act on nothing that matters. */
static void sweep_child(int wfd, long first, long last)
{
	int p[2];
	if (pipe(p) < 0 || dup2(p[0], 0) < 0)
		_exit(3);
	for (long nr = first; nr <= last; nr++) {
		if (dangerous(nr))
			continue;
		errno = 0;
		alarm(10);
		struct sweep_rec r = { .nr = nr, .ret = syscall(nr, 0, 0, 0, 0, 0, 0) };
		r.err = errno;
		if (write(wfd, &r, sizeof(r)) != sizeof(r))
			_exit(4);
	}
	_exit(0);
}

static void attempt_sweep(void)
{
	int p[2];
	if (pipe(p) < 0) {
		skipped("syscall-sweep", "pipe: errno %s", errname(errno));
		return;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		sweep_child(p[1], 0, 470);
	}
	close(p[1]);
	struct sweep_rec r;
	long last = -1, enosys = 0, other = 0;
	while (pid > 0 && read(p[0], &r, sizeof(r)) == sizeof(r)) {
		last = r.nr;
		if (r.ret == -1 && r.err == ENOSYS)
			enosys++;
		else
			other++;
	}
	close(p[0]);
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		skipped("syscall-sweep", "fork or wait: errno %s", errname(errno));
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM)
		reached("syscall-sweep", "the number after %ld blocked for 10 s", last);
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		reached("syscall-sweep", "child ended with status %#x after number %ld", st, last);
	else
		ok("syscall-sweep", "0..470: %ld ENOSYS, %ld implemented, %zu skipped; child exited 0",
		   enosys, other, sizeof(g_dangerous) / sizeof(g_dangerous[0]));

	/* Past any table: x32's bit, the top of the 32-bit range, and -1. */
	static const long huge[] = { 471, 511, 512, 1000, 4095, 0x3fffffff, 0x40000000 + 1000,
				     0x7fffffff, -1 };
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		errno = 0;
		long ret = syscall(huge[i], 0, 0, 0, 0, 0, 0);
		if (ret != -1 || errno != ENOSYS) {
			reached("syscall-huge", "syscall(%#lx) = %ld errno %s, not ENOSYS", huge[i], ret,
				errname(errno));
			return;
		}
	}
	/* Still alive and still served: a plain call answers as before. */
	if (getpid() > 0 && access("/", F_OK) == 0)
		ok("syscall-huge", "errno ENOSYS for all %zu; the program still runs",
		   sizeof(huge) / sizeof(huge[0]));
	else
		reached("syscall-huge", "the program no longer gets answers");
}

/* ---------- processes: ptrace, process_vm_readv, kill ---------- */

static bool in_sandbox_proc(pid_t pid)
{
	char p[32];
	snprintf(p, sizeof(p), "/proc/%d", pid);
	return access(p, F_OK) == 0;
}

/* The PIDs this process can see: its /proc, itself, its parent, and the host PIDs given. */
static size_t visible_pids(pid_t *out, size_t max)
{
	size_t n = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d)) && n < max - 2;)
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			out[n++] = atoi(e->d_name);
	if (d)
		closedir(d);
	out[n++] = getpid();
	out[n++] = getppid();
	return n;
}

/* Attaching is allowed to succeed only on a process of the sandbox, which is then released.
 * Returns the errno of a refusal, 0 for an attach to a sandbox process, -1 for a host one. */
static int try_trace(const char *name, int req, pid_t pid)
{
	if (ptrace(req, pid, 0, 0) < 0)
		return errno;
	if (in_sandbox_proc(pid)) {
		int st;
		(void)waitpid(pid, &st, __WALL);
		(void)ptrace(PTRACE_DETACH, pid, 0, 0);
		return 0;
	}
	reached(name, "attached to pid %d, which the sandbox's /proc does not list", pid);
	return -1;
}

/* Every visible PID and the host PIDs, with @req; the verdict lists the errnos seen. */
static void trace_all(const char *name, int req, const pid_t *pids, size_t n)
{
	char seen[256] = "";
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		int err = try_trace(name, req, pids[i]);
		if (err < 0)
			return;
		const char *e = err ? errname(err) : "attached-in-sandbox";
		if (!strstr(seen, e) && w < sizeof(seen) - 40)
			w += (size_t)snprintf(seen + w, sizeof(seen) - w, "%s%s", w ? " " : "", e);
	}
	ok(name, "%zu pids: %s", n, seen);
}

static void attempt_ptrace(void)
{
	pid_t pids[256];
	size_t n = visible_pids(pids, 200);
	for (size_t i = 0; i < g_opt.host_pid_count; i++)
		pids[n++] = g_opt.host_pids[i];
	trace_all("ptrace-attach", PTRACE_ATTACH, pids, n);
	trace_all("ptrace-seize", PTRACE_SEIZE, pids, n);
	errno = 0;
	long rc = ptrace(PTRACE_TRACEME, 0, 0, 0);
	ok("ptrace-traceme", rc < 0 ? "errno %s" : "allowed (the tracer is the sandbox's parent)",
	   errname(errno));
}

static void try_vm_read(const char *name, pid_t pid)
{
	static char secret[64] = "escape's own memory";
	char buf[64] = { 0 };
	struct iovec local = { buf, sizeof(buf) }, remote = { secret, sizeof(secret) };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		ok(name, "pid %d: errno %s", pid, errname(errno));
	else if (in_sandbox_proc(pid))
		ok(name, "pid %d is a sandbox process (%zd bytes)", pid, n);
	else
		reached(name, "read %zd bytes of host pid %d", n, pid);
}

static void attempt_vm_read(void)
{
	try_vm_read("process-vm-readv-1", 1);
	for (size_t i = 0; i < g_opt.host_pid_count; i++)
		try_vm_read("process-vm-readv-host", g_opt.host_pids[i]);
}

static void attempt_kill(void)
{
	for (size_t i = 0; i < g_opt.host_pid_count; i++) {
		pid_t pid = g_opt.host_pids[i];
		if (in_sandbox_proc(pid)) {
			skipped("kill-host-pid", "pid %d also exists in the sandbox", pid);
			continue;
		}
		static const struct {
			const char *name;
			pid_t sign;
			int sig;
		} k[] = { { "kill-host-pid-0", 1, 0 },
			  { "kill-host-pid-term", 1, SIGTERM },
			  { "kill-host-pgrp-term", -1, SIGTERM } };
		for (size_t j = 0; j < sizeof(k) / sizeof(k[0]); j++) {
			long rc = kill(k[j].sign * pid, k[j].sig);
			if (rc < 0 && errno != ESRCH)
				reached(k[j].name, "pid %d: errno %s, not ESRCH", pid, errname(errno));
			else
				expect_fail(k[j].name, rc, "kill");
		}
		long rc = syscall(SYS_pidfd_open, pid, 0);
		expect_fail("pidfd-open-host-pid", rc, "pidfd_open");
		if (rc >= 0)
			close((int)rc);
	}
}

/* ---------- mounts and device nodes ---------- */

#define MNT "/tmp/escape-mnt"

static void attempt_mount_dev(void)
{
	static const char *devs[] = { "/dev/sda1", "/dev/vda1", "/dev/nvme0n1p1", "/dev/xvda1",
				      "/dev/root", "/dev/sda" };
	static const char *types[] = { "ext4", "xfs", "btrfs" };
	(void)mkdir(MNT, 0755);
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		for (size_t j = 0; j < sizeof(types) / sizeof(types[0]); j++)
			if (mount(devs[i], MNT, types[j], MS_RDONLY, NULL) == 0) {
				reached("mount-host-dev", "mounted %s as %s", devs[i], types[j]);
				(void)umount2(MNT, MNT_DETACH);
				return;
			}
	ok("mount-host-dev", "every device and type refused, last errno %s", errname(errno));
}

/* A device node of the host's root disk (and of /dev/mem and /dev/kmsg): making it may be
 * allowed, but opening and reading it must not give the host's device. */
static void try_node(const char *name, mode_t type, unsigned maj, unsigned min)
{
	const char *path = "/tmp/escape-node";
	(void)unlink(path);
	if (mknod(path, type | 0600, makedev(maj, min)) < 0) {
		ok(name, "mknod %u:%u: errno %s", maj, min, errname(errno));
		return;
	}
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		ok(name, "node %u:%u made, open: errno %s", maj, min, errname(errno));
	} else {
		char buf[512];
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0)
			reached(name, "read %zd bytes of device %u:%u", n, maj, min);
		else
			ok(name, "node %u:%u opens but reads %zd (errno %s)", maj, min, n,
			   n < 0 ? errname(errno) : "none");
		close(fd);
	}
	(void)unlink(path);
}

static void attempt_mknod(void)
{
	try_node("mknod-host-disk", S_IFBLK, g_opt.dev_major, g_opt.dev_minor);
	try_node("mknod-loop0", S_IFBLK, 7, 0);
	try_node("mknod-dev-mem", S_IFCHR, 1, 1);
	try_node("mknod-dev-kmsg", S_IFCHR, 1, 11);
}

/* Counts the PIDs under @proc and checks that none is a host PID and that PID 1 is the
 * container's. Returns a description of what was wrong, or NULL. */
static const char *check_proc_view(const char *proc, char *why, size_t size)
{
	int count = 0;
	DIR *d = opendir(proc);
	for (struct dirent *e; d && (e = readdir(d));)
		count += e->d_name[0] >= '1' && e->d_name[0] <= '9';
	if (d)
		closedir(d);
	if (count > 64)
		return snprintf(why, size, "%d processes, more than a test container has", count), why;
	for (size_t i = 0; i < g_opt.host_pid_count; i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%d", proc, g_opt.host_pids[i]);
		if (access(p, F_OK) == 0)
			return snprintf(why, size, "host pid %d listed", g_opt.host_pids[i]), why;
	}
	if (!g_opt.pid1)
		return NULL;
	char p[PATH_MAX], cmd[512] = { 0 };
	snprintf(p, sizeof(p), "%s/1/cmdline", proc);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
	if (fd >= 0)
		close(fd);
	for (ssize_t i = 0; i < n; i++)
		cmd[i] = cmd[i] ? cmd[i] : ' ';
	while (n > 0 && cmd[n - 1] == ' ')
		cmd[--n] = 0;
	if (n < 0 || strcmp(cmd, g_opt.pid1))
		return snprintf(why, size, "PID 1 is [%s], not [%s]", cmd, g_opt.pid1), why;
	return NULL;
}

static void attempt_mount_proc(void)
{
	(void)mkdir(MNT, 0755);
	if (mount("proc", MNT, "proc", 0, NULL) < 0) {
		ok("mount-proc", "errno %s", errname(errno));
		return;
	}
	char why[256];
	const char *bad = check_proc_view(MNT, why, sizeof(why));
	if (bad)
		reached("mount-proc", "a new proc shows the host: %s", bad);
	else
		ok("mount-proc", "mounted, the sandbox's own processes only");
	(void)umount2(MNT, MNT_DETACH);
}

/* The host's block devices and interfaces must not appear under @sys. Returns the first one
 * found, or NULL. */
static const char *host_name_in(const char *sys)
{
	static const char *dirs[] = { "block", "class/net", "class/block", "bus/pci/devices" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		for (size_t j = 0; j < g_opt.host_name_count; j++) {
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "%s/%s/%s", sys, dirs[i], g_opt.host_names[j]);
			if (access(p, F_OK) == 0)
				return g_opt.host_names[j];
		}
	return NULL;
}

static void attempt_sysfs(void)
{
	const char *n = host_name_in("/sys");
	if (n)
		reached("sys-host-names", "/sys lists the host's %s", n);
	else
		ok("sys-host-names", "none of %zu host names in /sys", g_opt.host_name_count);
	(void)mkdir(MNT, 0755);
	if (mount("sysfs", MNT, "sysfs", MS_RDONLY, NULL) < 0) {
		ok("mount-sysfs", "errno %s", errname(errno));
		return;
	}
	n = host_name_in(MNT);
	if (n)
		reached("mount-sysfs", "a new sysfs lists the host's %s", n);
	else
		ok("mount-sysfs", "mounted, none of the host's names");
	(void)umount2(MNT, MNT_DETACH);
}

/* The application names one of the Sentry's host descriptors as a 9p channel: the Sentry's
 * own 9p plugin must not take descriptor numbers from the application. */
static void attempt_mount_9p(void)
{
	(void)mkdir(MNT, 0755);
	for (int fd = 0; fd < 64; fd++) {
		char data[96];
		snprintf(data, sizeof(data), "fd=%d,cache=exclusive", fd);
		int rc = mount("none", MNT, "9p", 0, data);
		if (rc < 0) {
			snprintf(data, sizeof(data), "trans=fd,rfdno=%d,wfdno=%d", fd, fd);
			rc = mount("none", MNT, "9p", 0, data);
		}
		if (rc == 0) {
			reached("mount-9p-fd", "mounted 9p over descriptor %d", fd);
			(void)umount2(MNT, MNT_DETACH);
			return;
		}
	}
	ok("mount-9p-fd", "descriptors 0..63 refused, last errno %s", errname(errno));
}

/* ---------- /proc: writes to /proc/sys, host data ---------- */

static void try_write(const char *name, const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ok(name, "open: errno %s", errname(errno));
		return;
	}
	ssize_t n = write(fd, value, strlen(value));
	int err = errno;
	close(fd);
	if (n < 0)
		ok(name, "write: errno %s", errname(err));
	else
		ok(name, "written; escape.sh checks the host's value is unchanged");
}

static void attempt_proc_sys(void)
{
	int fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ok("proc-sys-hostname", "open: errno %s", errname(errno));
	} else {
		ssize_t n = write(fd, "escaped-host", 12);
		int err = errno;
		close(fd);
		struct utsname u;
		if (n < 0)
			ok("proc-sys-hostname", "write: errno %s", errname(err));
		else if (uname(&u) == 0 && !strcmp(u.nodename, "escaped-host"))
			ok("proc-sys-hostname", "written, the sandbox's own UTS name");
		else
			ok("proc-sys-hostname", "written but uname does not show it; escape.sh checks");
	}
	try_write("proc-sys-drop-caches", "/proc/sys/vm/drop_caches", "3\n");
	try_write("proc-sys-core-pattern", "/proc/sys/kernel/core_pattern", "|/tmp/escape-core\n");
	try_write("proc-sys-modprobe", "/proc/sys/kernel/modprobe", "/tmp/escape-modprobe\n");
	try_write("proc-sys-domainname", "/proc/sys/kernel/domainname", "escaped-domain\n");
	try_write("proc-sysrq-trigger", "/proc/sysrq-trigger", "h");
}

/* The whole of a small file, NUL-terminated; NULL when it cannot be read. */
static char *slurp(const char *path, size_t *ret_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t size = 0, cap = 65536;
	char *buf = malloc(cap + 1);
	ssize_t n = 1;
	while (buf && size < cap && (n = read(fd, buf + size, cap - size)) > 0)
		size += (size_t)n;
	close(fd);
	if (!buf || n < 0) {
		free(buf);
		return NULL;
	}
	buf[size] = 0;
	*ret_size = size;
	return buf;
}

static void attempt_proc_view(void)
{
	char why[256];
	const char *bad = check_proc_view("/proc", why, sizeof(why));
	if (bad)
		reached("proc-host-view", "%s", bad);
	else
		ok("proc-host-view", "PID 1 is the container's, no host PIDs");

	static const char *files[] = { "/proc/self/mountinfo", "/proc/self/mounts", "/proc/mounts",
				       "/proc/1/mountinfo", "/proc/self/maps", "/proc/1/maps",
				       "/proc/self/cgroup", "/proc/self/environ" };
	int before = g_reached;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t size;
		char *text = slurp(files[i], &size);
		for (size_t j = 0; text && j < size; j++)
			text[j] = text[j] ? text[j] : '\n';
		const char *hp;
		if (text && contains_host_path(text, &hp))
			reached("proc-host-paths", "%s shows the host path %s", files[i], hp);
		free(text);
	}
	static const char *links[] = { "/proc/self/exe", "/proc/self/cwd", "/proc/self/root",
				       "/proc/1/exe", "/proc/1/cwd", "/proc/1/root" };
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char link[PATH_MAX];
		ssize_t n = readlink(links[i], link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = 0;
		const char *hp;
		if (n > 0 && contains_host_path(link, &hp))
			reached("proc-host-paths", "%s -> %s names the host path %s", links[i], link, hp);
	}
	if (g_reached == before)
		ok("proc-host-paths", "none of %zu host paths in mountinfo, maps or the magic links",
		   g_opt.host_path_count);
}

/* ---------- network ---------- */

/* A bounded connect: refused, unreachable or timed out are all fine; a connection is not. */
static void try_connect(const char *name, const struct sockaddr *sa, socklen_t len,
			const char *what)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ok(name, "%s: socket: errno %s", what, errname(errno));
		return;
	}
	int rc = connect(fd, sa, len), err = errno;
	if (rc < 0 && err == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		socklen_t l = sizeof(err);
		if (poll(&p, 1, 2000) == 0)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
			err = errno;
		rc = err ? -1 : 0;
	}
	if (rc < 0)
		ok(name, "%s: errno %s", what, errname(err));
	else
		reached(name, "connected to the host's %s", what);
	close(fd);
}

static void attempt_inet(void)
{
	for (size_t i = 0; g_opt.port && i < g_opt.addr_count; i++) {
		union {
			struct sockaddr sa;
			struct sockaddr_in in;
			struct sockaddr_in6 in6;
		} a = { 0 };
		socklen_t len;
		if (inet_pton(AF_INET, g_opt.addrs[i], &a.in.sin_addr) == 1) {
			a.in.sin_family = AF_INET;
			a.in.sin_port = htons((uint16_t)g_opt.port);
			len = sizeof(a.in);
		} else if (inet_pton(AF_INET6, g_opt.addrs[i], &a.in6.sin6_addr) == 1) {
			a.in6.sin6_family = AF_INET6;
			a.in6.sin6_port = htons((uint16_t)g_opt.port);
			len = sizeof(a.in6);
		} else {
			skipped("connect-tcp", "%s: not an address", g_opt.addrs[i]);
			continue;
		}
		char what[128];
		snprintf(what, sizeof(what), "%s port %d", g_opt.addrs[i], g_opt.port);
		try_connect("connect-tcp", &a.sa, len, what);
		int fd = socket(a.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		ssize_t n = fd < 0 ? -1 : sendto(fd, "escape", 6, 0, &a.sa, len);
		ok("sendto-udp", n < 0 ? "%s: errno %s" : "%s: sent; the host listener must see nothing",
		   what, errname(errno));
		if (fd >= 0)
			close(fd);
	}
}

static void attempt_unix(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (g_opt.unix_path) {
		snprintf(a.sun_path, sizeof(a.sun_path), "%s", g_opt.unix_path);
		try_connect("connect-unix-path", (struct sockaddr *)&a, sizeof(a), g_opt.unix_path);
	}
	if (g_opt.abstract) {
		size_t n = strlen(g_opt.abstract);
		if (n > sizeof(a.sun_path) - 1)
			n = sizeof(a.sun_path) - 1;
		memset(a.sun_path, 0, sizeof(a.sun_path));
		memcpy(a.sun_path + 1, g_opt.abstract, n);
		try_connect("connect-unix-abstract", (struct sockaddr *)&a,
			    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n), g_opt.abstract);
	}
}

/* ---------- the platform's stub ---------- */

/* The ptrace platform's stub region lies in our own host address space, at one of these
 * bases (plugins/platform-ptrace/stub.c): code, batch page, control page, stack. Natively
 * nothing is mapped there. */
static const uint64_t g_stub_bases[] = {
	0x7ffffff00000ull, 0x7fffff000000ull, 0x7ffff0000000ull,
	0x7fff00000000ull, 0x7ff000000000ull, 0x7e0000000000ull,
};
static sigjmp_buf g_probe_jmp;
static volatile uint32_t g_stub_marker;

static void probe_segv(int sig)
{
	(void)sig;
	siglongjmp(g_probe_jmp, 1);
}

/* Stores @v at @p (@write) or loads it; false when that faults. */
static bool probe(volatile uint64_t *p, uint64_t v, bool write)
{
	struct sigaction sa = { .sa_handler = probe_segv }, old_segv, old_bus;
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);
	bool done = false;
	if (!sigsetjmp(g_probe_jmp, 1)) {
		if (write)
			*p = v;
		else
			(void)*p;
		done = true;
	}
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	return done;
}

static void *nothing_main(void *arg)
{
	return arg;
}

/* The batch page lists host system calls for the stub to make: ops written there would run
 * as the stub, outside the Sentry. The stack page is where an untraced stub thread would keep
 * return addresses: planted ones would run our code, untraced, making host calls. */
static void attempt_stub(void)
{
	int found = 0;
	for (size_t i = 0; i < sizeof(g_stub_bases) / sizeof(g_stub_bases[0]); i++) {
		volatile uint64_t *batch = (volatile uint64_t *)(g_stub_bases[i] + 0x1000);
		if (!probe(batch, 0, false))
			continue;
		found = 1;
		/* One op, getpid, where the next queued op would follow it. */
		if (probe(batch + 1, SYS_getpid, true))
			reached("stub-batch", "the batch page at %#lx takes our ops",
				(unsigned long)g_stub_bases[i]);
		else
			ok("stub-batch", "the batch page at %#lx is read-only",
			   (unsigned long)g_stub_bases[i]);
		/* Code that sets the marker and ends its thread, and the stack page full of its
		 * address; then work for the stub (a thread made, a second of its poll). */
		uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (code == MAP_FAILED) {
			skipped("stub-stack", "mmap: %s", strerror(errno));
			return;
		}
		static const uint8_t tail[] = { 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00, /* movl $1,(%rax) */
						0xb8, 0x3c, 0x00, 0x00, 0x00,	/* mov $60,%eax */
						0x31, 0xff, 0x0f, 0x05 };	/* exit(0) */
		uint64_t marker = (uint64_t)(uintptr_t)&g_stub_marker;
		code[0] = 0x48;	/* movabs $marker,%rax */
		code[1] = 0xb8;
		memcpy(code + 2, &marker, 8);
		memcpy(code + 10, tail, sizeof(tail));
		volatile uint64_t *stack = (volatile uint64_t *)(g_stub_bases[i] + 0x3000);
		bool planted = true;
		for (size_t w = 0; w < 512 && planted; w++)
			planted = probe(stack + w, (uint64_t)(uintptr_t)code, true);
		pthread_t th;
		int made = pthread_create(&th, NULL, nothing_main, NULL);
		if (made == 0)
			pthread_join(th, NULL);
		sleep(2);
		if (g_stub_marker)
			reached("stub-stack", "an untraced stub thread ran our code");
		else
			ok("stub-stack", "stack page %s; a thread %s afterwards, our code never ran",
			   planted ? "overwritten" : "not writable",
			   made == 0 ? "was made" : "could not be made");
		munmap(code, 4096);
		return;
	}
	if (!found)
		ok("stub", "no stub region mapped here (not the ptrace platform)");
}

/* ---------- driver ---------- */

static const struct {
	const char *name;
	void (*fn)(void);
	bool needs_marker;
} g_groups[] = {
	{ "open", attempt_dotdot, true },	  { "symlink", attempt_symlinks, true },
	{ "proc-root", attempt_proc_roots, true }, { "chroot", attempt_chroot, true },
	{ "handle", attempt_handle, false },	  { "proc-fd", attempt_proc_fds, false },
	{ "ptrace", attempt_ptrace, false },	  { "vm-read", attempt_vm_read, false },
	{ "kill", attempt_kill, false },	  { "mount-dev", attempt_mount_dev, false },
	{ "mknod", attempt_mknod, false },	  { "mount-proc", attempt_mount_proc, false },
	{ "sysfs", attempt_sysfs, false },	  { "mount-9p", attempt_mount_9p, false },
	{ "proc-sys", attempt_proc_sys, false },  { "proc-view", attempt_proc_view, false },
	{ "inet", attempt_inet, false },	  { "unix", attempt_unix, false },
	{ "stub", attempt_stub, false },
	/* Last: the sweep leaves a few descriptors and settings behind in its child only, but a
	 * Sentry it brought down should not hide the results above. */
	{ "syscall", attempt_sweep, false },
};

static int add(const char **list, size_t *count, const char *v)
{
	if (*count == MAX_LIST)
		return -1;
	list[(*count)++] = v;
	return 0;
}

static int parse(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc = 0;
		if (!v)
			return -1;
		i++;
		if (!strcmp(k, "--marker") && v[0] == '/')
			g_opt.marker = v;
		else if (!strcmp(k, "--host-pid") && g_opt.host_pid_count < MAX_LIST && atoi(v) > 0)
			g_opt.host_pids[g_opt.host_pid_count++] = atoi(v);
		else if (!strcmp(k, "--host-path"))
			rc = add(g_opt.host_paths, &g_opt.host_path_count, v);
		else if (!strcmp(k, "--host-name"))
			rc = add(g_opt.host_names, &g_opt.host_name_count, v);
		else if (!strcmp(k, "--host-dev"))
			rc = sscanf(v, "%u:%u", &g_opt.dev_major, &g_opt.dev_minor) == 2 ? 0 : -1;
		else if (!strcmp(k, "--port"))
			rc = (g_opt.port = atoi(v)) > 0 && g_opt.port < 65536 ? 0 : -1;
		else if (!strcmp(k, "--addr"))
			rc = add(g_opt.addrs, &g_opt.addr_count, v);
		else if (!strcmp(k, "--unix"))
			g_opt.unix_path = v;
		else if (!strcmp(k, "--abstract"))
			g_opt.abstract = v;
		else if (!strcmp(k, "--pid1"))
			g_opt.pid1 = v;
		else if (!strcmp(k, "--only"))
			rc = add(g_opt.only, &g_opt.only_count, v);
		else
			return -1;
		if (rc < 0)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* Run as root on the host, it would mount the host's disks and sweep raw system calls
	 * through the host's kernel: only a caller that knows it is inside a sandbox says so. */
	const char *in = getenv("ESCAPE_IN_SANDBOX");
	if (!in || strcmp(in, "1")) {
		fprintf(stderr, "escape: refusing to run without ESCAPE_IN_SANDBOX=1 (run it only "
				"inside a sandbox, see escape.sh)\n");
		return 2;
	}
	if (parse(argc, argv) < 0) {
		fprintf(stderr, "usage: escape [--marker PATH] [--host-pid PID]... [--host-path STR]... "
				"[--host-name NAME]... [--host-dev MAJ:MIN] [--port N] [--addr A]... "
				"[--unix PATH] [--abstract NAME] [--pid1 CMDLINE] [--only NAME]...\n");
		return 2;
	}
	/* A host PID that is also a sandbox PID proves nothing either way. */
	for (size_t i = 0; i < g_opt.host_pid_count; i++)
		if (in_sandbox_proc(g_opt.host_pids[i]))
			fprintf(stderr, "escape: host pid %d also exists in the sandbox\n",
				g_opt.host_pids[i]);
	for (size_t i = 0; i < sizeof(g_groups) / sizeof(g_groups[0]); i++) {
		if (!wanted(g_groups[i].name))
			continue;
		if (g_groups[i].needs_marker && !g_opt.marker)
			skipped(g_groups[i].name, "no --marker");
		else
			g_groups[i].fn();
	}
	printf("escape: %d attempts, %d reached the host\n", g_attempts, g_reached);
	return g_reached ? 1 : 0;
}
