/*
 * /proc of other processes and magic links (proc(5)): a child exec'd with known arguments and
 * environment, seen through /proc/PID/{stat,status,statm,cmdline,environ,comm,exe,fd,task} and
 * in the listing of /proc; /proc/self/fd/N of a pipe, of the write end and of a file opened
 * anew (a new open file description of the same object, with the open's flags), what an
 * eventfd refuses (ENXIO), and the open flags that stop at the link (O_NOFOLLOW, O_CREAT|O_EXCL,
 * O_DIRECTORY); /dev/fd as the same thing; cwd, root and thread-self; the global files ps and
 * top read and the CPU count of /sys; ENOENT once a process is reaped or never was.
 *
 * Only relations are printed (the child's pid is in its stat; its exe is ours), never pids,
 * paths or numbers that differ between a host and the sandbox.
 */
#include "expect.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The descriptors the child gets: its stdin (a pipe it reads to EOF), and where it says it
 * is ready. */
#define CHILD_READY_FD 3
#define CHILD_ENV "PROCPID_ENV=1"

static char g_buf[1 << 16];

/* The content of @path, NUL-terminated in g_buf; its length, or -1 with errno. */
static ssize_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n, total = 0;
	while ((n = read(fd, g_buf + total, sizeof(g_buf) - 1 - (size_t)total)) > 0)
		total += n;
	int e = errno;
	close(fd);
	g_buf[total] = '\0';
	errno = e;
	return n < 0 ? -1 : total;
}

/* The value of status line @key ("PPid") of @path, or "" when there is none. */
static const char *status_field(const char *path, const char *key, char *out, size_t size)
{
	out[0] = '\0';
	if (slurp(path) < 0)
		return out;
	size_t klen = strlen(key);
	for (char *l = g_buf; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, klen) && l[klen] == ':') {
			char *v = l + klen + 1;
			while (*v == '\t')
				v++;
			size_t n = strcspn(v, "\n");
			snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), v);
			break;
		}
	return out;
}

/* Field @n (1-based, after the comm's closing parenthesis for n > 2) of a stat line. */
static long long stat_field(const char *line, int n)
{
	const char *p = strrchr(line, ')');
	if (!p || n < 3)
		return n == 1 ? atoll(line) : -1;
	p += 2;
	for (int i = 3; i < n && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? (*p >= '0' && *p <= '9') || *p == '-' ? atoll(p) : (long long)*p : -1;
}

static int child_main(void)
{
	char c;
	if (write(CHILD_READY_FD, "r", 1) != 1)
		return 2;
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

/* Starts the child: ourselves exec'd by /proc/self/exe with argv {"procpid", "child"} and
 * one variable. Returns its pid; *ret_in is the write end of its stdin. */
static pid_t start_child(int *ret_in)
{
	int in[2], ready[2];
	if (pipe(in) < 0 || pipe(ready) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "procpid", "child", NULL }, *envp[] = { CHILD_ENV, NULL };
		dup2(in[0], 0);
		dup2(ready[1], CHILD_READY_FD);
		close(in[1]);
		execve("/proc/self/exe", argv, envp);
		_exit(127);
	}
	close(in[0]);
	close(ready[1]);
	char c;
	ssize_t n = read(ready[0], &c, 1);
	close(ready[0]);
	*ret_in = in[1];
	return n == 1 ? pid : -1;
}

/* The child's stat once it sleeps in read(2) (natively it may still run for a moment). */
static void child_stat(pid_t pid, char *out, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (int i = 0; i < 400; i++) {
		if (slurp(path) < 0)
			break;
		if (stat_field(g_buf, 3) == 'S')
			break;
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	size_t n = strnlen(g_buf, size - 1);
	memcpy(out, g_buf, n);
	out[n] = '\0';
}

static void test_child(void)
{
	int in = -1;
	pid_t pid = start_child(&in);
	expect_true("child started", pid > 0);
	if (pid <= 0)
		return;
	char path[96], line[4096], v[256], want[256];
	child_stat(pid, line, sizeof(line));
	expect_eq("stat: pid field is the child", stat_field(line, 1) == pid, 1);
	expect_true("stat: comm is the exe's name", strstr(line, " (exe) ") != NULL);
	expect_true("stat: state S", stat_field(line, 3) == 'S');
	expect_eq("stat: ppid is us", stat_field(line, 4) == getpid(), 1);
	expect_eq("stat: pgrp is ours", stat_field(line, 5) == getpgrp(), 1);
	expect_eq("stat: session is ours", stat_field(line, 6) == getsid(0), 1);
	expect_eq("stat: threads", stat_field(line, 20), 1);
	expect_true("stat: vsize is not 0", stat_field(line, 23) > 0);
	expect_true("stat: rss is not 0", stat_field(line, 24) > 0);
	expect_eq("stat: 52 fields", stat_field(line, 52) >= 0, 1);

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	expect_str("status: Name", status_field(path, "Name", v, sizeof(v)), "exe");
	expect_str("status: State", status_field(path, "State", v, sizeof(v)), "S (sleeping)");
	snprintf(want, sizeof(want), "%d", getpid());
	expect_true("status: PPid is us", !strcmp(status_field(path, "PPid", v, sizeof(v)), want));
	snprintf(want, sizeof(want), "%d", pid);
	expect_true("status: Pid is the child",
		    !strcmp(status_field(path, "Pid", v, sizeof(v)), want));
	expect_true("status: Tgid is the child",
		    !strcmp(status_field(path, "Tgid", v, sizeof(v)), want));
	snprintf(want, sizeof(want), "%u\t%u\t%u\t%u", getuid(), geteuid(), geteuid(), geteuid());
	expect_true("status: Uid is ours", !strcmp(status_field(path, "Uid", v, sizeof(v)), want));
	expect_str("status: Threads", status_field(path, "Threads", v, sizeof(v)), "1");
	expect_str("status: TracerPid", status_field(path, "TracerPid", v, sizeof(v)), "0");
	expect_true("status: VmRSS in kB", strstr(status_field(path, "VmRSS", v, sizeof(v)),
						   " kB") != NULL);
	expect_true("status: CapEff has 16 digits",
		    strlen(status_field(path, "CapEff", v, sizeof(v))) == 16);
	expect_str("status: Seccomp", status_field(path, "Seccomp", v, sizeof(v)), "0");

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	ssize_t n = slurp(path);
	expect_eq("cmdline: length", n, 14);
	expect_true("cmdline: argv", n == 14 && !memcmp(g_buf, "procpid\0child\0", 14));
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	n = slurp(path);
	expect_eq("environ: length", n, (long)sizeof(CHILD_ENV));
	expect_true("environ: envp", n > 0 && !strcmp(g_buf, CHILD_ENV));
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	slurp(path);
	expect_true("comm is \"exe\\n\"", !strcmp(g_buf, "exe\n"));
	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	slurp(path);
	long long sz = -1, res = -1;
	expect_eq("statm: 7 numbers", sscanf(g_buf, "%lld %lld %*d %*d %*d %*d %*d", &sz, &res), 2);
	expect_true("statm: size >= resident > 0", sz >= res && res > 0);

	/* exe is ours; stdin is the pipe we hold the other end of. */
	char mine[4096], theirs[4096];
	ssize_t a = readlink("/proc/self/exe", mine, sizeof(mine) - 1);
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	ssize_t b = readlink(path, theirs, sizeof(theirs) - 1);
	expect_true("exe: the child's is ours", a > 0 && a == b && !memcmp(mine, theirs, (size_t)a));
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%d/fd/0", pid);
	b = readlink(path, theirs, sizeof(theirs) - 1);
	theirs[b > 0 ? b : 0] = '\0';
	snprintf(want, sizeof(want), "pipe:[%llu]",
		 fstat(in, &st) == 0 ? (unsigned long long)st.st_ino : 0ull);
	expect_true("fd/0 of the child: our pipe", !strcmp(theirs, want));
	expect_mode("lstat fd/0 of the child: read-only link",
		    lstat(path, &st) == 0 ? st.st_mode : 0, S_IFLNK | 0500);
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, CHILD_READY_FD);
	expect_mode("lstat fd/3 of the child: write-only link",
		    lstat(path, &st) == 0 ? st.st_mode : 0, S_IFLNK | 0300);
	snprintf(path, sizeof(path), "/proc/%d/fd/99", pid);
	errno = 0;
	expect_errno("readlink of a closed fd", readlink(path, theirs, sizeof(theirs)), ENOENT);

	/* The listing of /proc names both processes, as directories; task/ the one thread. */
	int seen_self = 0, seen_child = 0, all_dirs = 1;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		all_dirs &= e->d_type == DT_DIR;
		seen_self |= atoi(e->d_name) == getpid();
		seen_child |= atoi(e->d_name) == pid;
	}
	if (d)
		closedir(d);
	expect_true("/proc lists us", seen_self);
	expect_true("/proc lists the child", seen_child);
	expect_true("/proc's numbered entries are directories", all_dirs);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	int tasks = 0, task_is_child = 0;
	d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.') {
			tasks++;
			task_is_child = atoi(e->d_name) == pid;
		}
	if (d)
		closedir(d);
	expect_eq("task/ entries", tasks, 1);
	expect_true("task/ holds the child's tid", task_is_child);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, pid);
	slurp(path);
	expect_true("task/TID/comm is the child's", !strcmp(g_buf, "exe\n"));

	/* Gone once reaped. */
	close(in);
	int status = -1;
	expect_eq("child reaped", waitpid(pid, &status, 0) == pid, 1);
	expect_eq("child status", status, 0);
	snprintf(path, sizeof(path), "/proc/%d", pid);
	errno = 0;
	expect_errno("stat a reaped child's dir", stat(path, &st), ENOENT);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	errno = 0;
	expect_errno("open a reaped child's stat", open(path, O_RDONLY), ENOENT);
}

/* /proc/self/fd/N of pipe ends: a new end each time, with the access mode asked for. */
/* A child that exited and is not reaped yet: a zombie in /proc until its parent waits. */
static void test_zombie(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	/* Until it has exited (natively the exit takes a moment). */
	for (int i = 0; i < 400 && (slurp(path) < 0 || stat_field(g_buf, 3) != 'Z'); i++) {
		struct timespec ts = { 0, 5000000 };
		nanosleep(&ts, NULL);
	}
	expect_eq("a zombie's stat state", stat_field(g_buf, 3), 'Z');
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	expect_true("its status says Z (zombie)",
		    slurp(path) >= 0 && strstr(g_buf, "State:\tZ (zombie)") != NULL);
	expect_true("its status has PPid: ours", slurp(path) >= 0 && (strstr(g_buf, "\nPPid:\t") &&
		    atoi(strstr(g_buf, "\nPPid:\t") + 7) == getpid()));
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	expect_eq("its cmdline is empty", slurp(path), 0);
	DIR *d = opendir("/proc");
	int listed = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		listed |= atoi(e->d_name) == pid;
	if (d)
		closedir(d);
	expect_true("/proc lists it", listed);
	int st = 0;
	expect_true("waitpid reaps it", waitpid(pid, &st, 0) == pid && WEXITSTATUS(st) == 3);
	snprintf(path, sizeof(path), "/proc/%d", pid);
	struct stat sb;
	expect_errno("then /proc has it no more", stat(path, &sb), ENOENT);
}

/* A child stopped by SIGSTOP shows state T until SIGCONT. */
static void test_stopped(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(4);
	}
	int st = 0;
	expect_true("waitpid WUNTRACED sees it stop",
		    waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st));
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	expect_eq("a stopped child's stat state", slurp(path) >= 0 ? stat_field(g_buf, 3) : 0, 'T');
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	expect_true("its status says T (stopped)",
		    slurp(path) >= 0 && strstr(g_buf, "State:\tT (stopped)") != NULL);
	kill(pid, SIGCONT);
	expect_true("continued, it exits", waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
						   WEXITSTATUS(st) == 4);
}

static void test_pipe_reopen(void)
{
	int p[2], e = eventfd(0, 0);
	char path[64], path_w[64], buf[16] = { 0 };
	struct stat a, b;
	if (pipe(p) < 0)
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	snprintf(path_w, sizeof(path_w), "/proc/self/fd/%d", p[1]);
	int r2 = open(path, O_RDONLY);
	expect_ok("open fd/N of a read end", r2);
	expect_true("the same pipe", fstat(p[0], &a) == 0 && fstat(r2, &b) == 0 &&
					  a.st_ino == b.st_ino && S_ISFIFO(b.st_mode));
	expect_eq("its access mode", fcntl(r2, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
	expect_eq("write through the pipe", write(p[1], "hi", 2), 2);
	expect_eq("read it through the new end", read(r2, buf, sizeof(buf)), 2);
	expect_str("what was read", buf, "hi");
	/* The first read end closed: the reopened one still counts as a reader. */
	close(p[0]);
	expect_eq("write with only the new reader", write(p[1], "ab", 2), 2);
	int r3 = open(path_w, O_RDONLY | O_NONBLOCK);
	expect_ok("open fd/N of the write end for reading", r3);
	expect_eq("its flags", fcntl(r3, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY | O_NONBLOCK);
	memset(buf, 0, sizeof(buf));
	expect_eq("read from it", read(r3, buf, sizeof(buf)), 2);
	expect_str("the bytes", buf, "ab");
	errno = 0;
	expect_errno("nothing left, O_NONBLOCK", read(r3, buf, 1), EAGAIN);
	snprintf(path, sizeof(path), "/dev/fd/%d", p[1]);
	int w2 = open(path, O_WRONLY);
	expect_ok("open /dev/fd/N of the write end", w2);
	expect_eq("write through it", write(w2, "z", 1), 1);
	expect_eq("read by the first new end", read(r2, buf, 1), 1);
	close(p[1]);
	close(w2);
	expect_eq("EOF with every writer gone", read(r2, buf, 1), 0);

	/* Flags that stop at the link itself. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", r2);
	errno = 0;
	expect_errno("O_NOFOLLOW", open(path, O_RDONLY | O_NOFOLLOW), ELOOP);
	errno = 0;
	expect_errno("O_CREAT|O_EXCL", open(path, O_RDONLY | O_CREAT | O_EXCL, 0600), EEXIST);
	errno = 0;
	expect_errno("O_DIRECTORY", open(path, O_RDONLY | O_DIRECTORY), ENOTDIR);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/x", r2);
	errno = 0;
	expect_errno("a name below a pipe", open(path, O_RDONLY), ENOTDIR);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/", r2);
	errno = 0;
	expect_errno("a pipe with a trailing slash", open(path, O_RDONLY), ENOTDIR);

	/* An eventfd has a name but cannot be opened anew. */
	char link[64] = { 0 };
	snprintf(path, sizeof(path), "/proc/self/fd/%d", e);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	expect_str("eventfd link", n > 0 ? link : NULL, "anon_inode:[eventfd]");
	errno = 0;
	expect_errno("open fd/N of an eventfd", open(path, O_RDWR), ENXIO);
	close(e);
	close(r2);
	close(r3);
}

/* A file opened anew through its descriptor: a new description, its own offset. */
static void test_file_reopen(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	expect_ok("open our exe", fd);
	if (fd < 0)
		return;
	expect_eq("move its offset", lseek(fd, 100, SEEK_SET), 100);
	char path[64], a[4096], b[4096], head[4] = { 0 };
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int fd2 = open(path, O_RDONLY);
	expect_ok("open fd/N of it", fd2);
	expect_eq("the new one's offset", lseek(fd2, 0, SEEK_CUR), 0);
	expect_eq("read the ELF magic", read(fd2, head, 4), 4);
	expect_true("is ELF", !memcmp(head, "\177ELF", 4));
	expect_eq("the first one's offset stays", lseek(fd, 0, SEEK_CUR), 100);
	ssize_t na = readlink("/proc/self/exe", a, sizeof(a));
	ssize_t nb = readlink(path, b, sizeof(b));
	expect_true("fd/N names the exe", na > 0 && na == nb && !memcmp(a, b, (size_t)na));
	struct stat s1, s2;
	expect_true("stat fd/N is the file", stat(path, &s1) == 0 && fstat(fd, &s2) == 0 &&
						 s1.st_ino == s2.st_ino && S_ISREG(s1.st_mode));
	close(fd);
	close(fd2);
}

static void test_self_links(void)
{
	char buf[4096], want[64], cwd[4096];
	ssize_t n = readlink("/proc/thread-self", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	snprintf(want, sizeof(want), "%d/task/%d", getpid(), getpid());
	expect_true("thread-self is PID/task/TID", !strcmp(buf, want));
	n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	expect_true("cwd is getcwd", getcwd(cwd, sizeof(cwd)) && !strcmp(buf, cwd));
	if (chdir("/proc/self") == 0) {
		n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		snprintf(want, sizeof(want), "/proc/%d", getpid());
		expect_true("cwd after chdir(/proc/self) is /proc/PID", !strcmp(buf, want));
		int fd = open("stat", O_RDONLY);
		expect_ok("open ./stat from there", fd);
		close(fd);
		expect_eq("back", chdir(cwd), 0);
	}
	n = readlink("/proc/self/root", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	expect_str("root", buf, "/");
	struct stat a, b;
	expect_true("cwd/ is the cwd", stat("/proc/self/cwd/", &a) == 0 && stat(".", &b) == 0 &&
					   a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	/* comm writes rename the thread. */
	char name[16] = { 0 };
	int fd = open("/proc/self/comm", O_WRONLY);
	expect_ok("open comm for writing", fd);
	expect_eq("write comm", write(fd, "renamed", 7), 7);
	close(fd);
	prctl(PR_GET_NAME, name);
	expect_str("PR_GET_NAME after", name, "renamed");
	/* Root may open any file for writing (CAP_DAC_OVERRIDE); stat has no write. */
	errno = 0;
	fd = open("/proc/self/stat", O_WRONLY);
	if (geteuid() == 0) {
		expect_ok("open stat for writing as root", fd);
		errno = 0;
		expect_errno("write stat", write(fd, "x", 1), EINVAL);
		close(fd);
	} else {
		expect_errno("open stat for writing", fd, EACCES);
	}
	errno = 0;
	expect_errno("a pid that never was", open("/proc/999999999/stat", O_RDONLY), ENOENT);
	errno = 0;
	expect_errno("a thread that never was", open("/proc/self/task/999999999/stat", O_RDONLY),
		     ENOENT);
	errno = 0;
	expect_errno("not a number", open("/proc/01/stat", O_RDONLY), ENOENT);
}

static void test_globals(void)
{
	double up = -1, idle = -1, l1 = -1;
	int running = -1, total = -1, last = -1;
	slurp("/proc/uptime");
	expect_eq("uptime: two numbers", sscanf(g_buf, "%lf %lf", &up, &idle), 2);
	slurp("/proc/loadavg");
	expect_eq("loadavg: five fields",
		  sscanf(g_buf, "%lf %*f %*f %d/%d %d", &l1, &running, &total, &last), 4);
	expect_true("loadavg: running <= total", running >= 1 && running <= total);
	slurp("/proc/stat");
	expect_true("stat: starts with the cpu line", !strncmp(g_buf, "cpu ", 4));
	expect_true("stat: has btime", strstr(g_buf, "\nbtime ") != NULL);
	expect_true("stat: has processes", strstr(g_buf, "\nprocesses ") != NULL);
	slurp("/proc/meminfo");
	long long total_kb = -1, free_kb = -1;
	sscanf(g_buf, "MemTotal: %lld kB MemFree: %lld kB", &total_kb, &free_kb);
	expect_true("meminfo: 0 < MemFree <= MemTotal", free_kb > 0 && free_kb <= total_kb);
	slurp("/proc/self/stat");
	expect_true("self stat: started after boot, before now",
		    stat_field(g_buf, 22) >= 0 && stat_field(g_buf, 22) <= (long long)(up * 100) + 100);
	struct utsname u;
	uname(&u);
	slurp("/proc/sys/kernel/ostype");
	expect_str("ostype", g_buf, "Linux\n");
	slurp("/proc/sys/kernel/osrelease");
	expect_true("osrelease is uname's", !strncmp(g_buf, u.release, strlen(u.release)) &&
						   g_buf[strlen(u.release)] == '\n');
	slurp("/proc/sys/kernel/hostname");
	expect_true("hostname is uname's", !strncmp(g_buf, u.nodename, strlen(u.nodename)) &&
						 g_buf[strlen(u.nodename)] == '\n');
	slurp("/proc/sys/kernel/ngroups_max");
	expect_str("ngroups_max", g_buf, "65536\n");
	slurp("/proc/sys/kernel/cap_last_cap");
	expect_true("cap_last_cap >= 40", atoi(g_buf) >= 40);
	slurp("/proc/sys/kernel/pid_max");
	expect_true("pid_max above our pid", atoi(g_buf) > getpid());
	slurp("/proc/version");
	expect_true("version", !strncmp(g_buf, "Linux version ", 14));
	slurp("/proc/filesystems");
	expect_true("filesystems lists proc", strstr(g_buf, "\tproc\n") != NULL);
	slurp("/proc/self/mounts");
	expect_true("mounts lists /proc", strstr(g_buf, " /proc proc ") != NULL);
	slurp("/proc/self/mountinfo");
	expect_true("mountinfo lists /proc", strstr(g_buf, " /proc ") != NULL &&
						   strstr(g_buf, " - proc ") != NULL);
	/* /sys counts at least the CPUs we may run on. */
	cpu_set_t set;
	int lo = -1, hi = -1;
	slurp("/sys/devices/system/cpu/possible");
	int fields = sscanf(g_buf, "%d-%d", &lo, &hi);
	int possible = fields == 2 ? hi - lo + 1 : fields == 1 ? 1 : 0;
	expect_true("cpu/possible counts our CPUs",
		    sched_getaffinity(0, sizeof(set), &set) == 0 && possible >= CPU_COUNT(&set));
	slurp("/sys/devices/system/cpu/online");
	expect_true("cpu/online starts at 0", !strncmp(g_buf, "0", 1));
	struct stat st;
	expect_true("cpu0 is a directory", stat("/sys/devices/system/cpu/cpu0", &st) == 0 &&
						    S_ISDIR(st.st_mode));
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "child"))
		return child_main();
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_child();
	test_zombie();
	test_stopped();
	test_pipe_reopen();
	test_file_reopen();
	test_self_links();
	test_globals();
	return expect_status();
}
