/*
 * Processes: fork, vfork, clone and clone3 of processes, wait4 and waitid (exits and deaths by signal,
 * WNOHANG, WNOWAIT, the pid, group and "any" targets, their errors), SIGCHLD with its siginfo,
 * SIGCHLD ignored or SA_NOCLDWAIT leaving no zombie, kill(2) to children and process groups,
 * setpgid/getpgid/getsid across parent and child, and a grandchild reparented when its parent
 * exits.
 *
 * Only the parent prints: a child reports through its exit status (or dies of a signal), and
 * every output line is a relation or a constant, never a pid. Inside the Sentry this program is
 * PID 1 while natively it is not, so nothing here depends on who init is: an orphan's new
 * parent is only checked to differ from the old one. Every wait is for a child that ends on
 * its own or that this process kills, and every poll is bounded, so nothing can hang (the
 * Sentry has no alarm(2) to guard with). No pipes: the Sentry has none yet.
 */
#include "expect.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)8)

static volatile int g_value = 1;

/* A new empty file, already unlinked: for children to report through. */
static int scratch_file(void)
{
	char path[] = "/tmp/fork_test-XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* fork with nothing buffered, so no child writes the parent's pending output again. */
static pid_t start(void)
{
	fflush(stdout);
	return fork();
}

/* A child that waits until killed. pause() returns only for a handled signal; none is. */
static pid_t start_paused(void)
{
	pid_t c = start();
	if (c == 0) {
		for (;;)
			pause();
	}
	return c;
}

/* Waits for @c, retrying an interrupted wait; the status, or -1 with errno. */
static int reap(pid_t c)
{
	int st;
	pid_t r;
	while ((r = waitpid(c, &st, 0)) == -1 && errno == EINTR)
		;
	return r == c ? st : -1;
}

/* The exit code of a child's status, or -1 when it did not exit. */
static int exit_code(int st)
{
	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The signal that ended a child, or -1 when it exited. */
static int term_sig(int st)
{
	return st != -1 && WIFSIGNALED(st) ? WTERMSIG(st) : -1;
}

/* A child's report of one call: 0 for success, else its errno. */
static int child_errno(long rc)
{
	return rc == -1 ? errno : 0;
}

/* Prints a child's errno report like expect_errno (want 0: success). */
static void expect_child_errno(const char *what, int st, int want)
{
	int code = exit_code(st);
	printf("%s: %s", what, code == 0 ? "ok" : code > 0 ? strerrorname_np(code) : "(no exit)");
	if (code != want)
		expect_miss(want ? strerrorname_np(want) : "ok");
	else
		putchar('\n');
}

static void test_no_children(void)
{
	int st;
	siginfo_t si;
	expect_errno("wait4 with no children", wait4(-1, &st, 0, NULL), ECHILD);
	expect_errno("wait4 WNOHANG with no children", wait4(-1, &st, WNOHANG, NULL), ECHILD);
	expect_errno("waitid P_ALL with no children", waitid(P_ALL, 0, &si, WEXITED), ECHILD);
	expect_errno("wait4 bad option (WNOWAIT is waitid's)", wait4(-1, &st, WNOWAIT, NULL),
		     EINVAL);
	expect_errno("wait4 unknown option bit", wait4(-1, &st, 0x100, NULL), EINVAL);
	expect_errno("waitid without WEXITED|WSTOPPED|WCONTINUED", waitid(P_ALL, 0, &si, WNOHANG),
		     EINVAL);
	expect_errno("waitid P_PID with id 0", waitid(P_PID, 0, &si, WEXITED), EINVAL);
	expect_errno("waitid unknown idtype", waitid((idtype_t)42, 0, &si, WEXITED), EINVAL);
	expect_errno("waitid unknown option bit", waitid(P_ALL, 0, &si, WEXITED | 0x100), EINVAL);
}

static void test_fork_basics(void)
{
	pid_t parent = getpid();
	pid_t r = start();
	if (r != -1 && getpid() != parent)	/* the child, whatever fork returned in it */
		_exit((r != 0) | (getppid() != parent) << 1);
	expect_ok("fork", r);
	expect_true("fork returns the child's pid in the parent", r > 0 && r != parent);
	int st = reap(r);
	expect_true("waitpid returns that pid", st != -1);
	int code = exit_code(st);
	expect_true("child: fork returned 0", code >= 0 && !(code & 1));
	expect_true("child: getppid() == parent's getpid()", code >= 0 && !(code & 2));

	/* exit(N) through wait4, with its rusage, and through waitpid; only the low 8 bits. */
	r = start();
	if (r == 0)
		exit(3);
	struct rusage ru;
	st = -1;
	expect_true("wait4(child) returns the child", wait4(r, &st, 0, &ru) == r);
	expect_true("WIFEXITED", WIFEXITED(st));
	expect_eq("WEXITSTATUS of exit(3)", WEXITSTATUS(st), 3);
	r = start();
	if (r == 0)
		exit(256 + 200);
	expect_eq("waitpid: WEXITSTATUS of exit(456)", exit_code(reap(r)), 200);

	/* Deaths by signal: its own SIGKILL, or the parent's SIGTERM. */
	r = start();
	if (r == 0) {
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	st = reap(r);
	expect_true("child killed itself: WIFSIGNALED", st != -1 && WIFSIGNALED(st));
	expect_eq("WTERMSIG", term_sig(st), SIGKILL);
	r = start_paused();
	expect_ok("kill(child, SIGTERM)", kill(r, SIGTERM));
	st = reap(r);
	expect_true("child killed by the parent: WIFSIGNALED", st != -1 && WIFSIGNALED(st));
	expect_eq("WTERMSIG", term_sig(st), SIGTERM);
	expect_true("no core dumped", st != -1 && !WCOREDUMP(st));
}

static void test_fork_memory_and_files(void)
{
	/* Memory is copied: the child's writes stay the child's. */
	int *heap = malloc(sizeof(int));
	int *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	*heap = 10;
	*anon = 20;
	g_value = 1;
	pid_t r = start();
	if (r == 0) {
		g_value = 2;
		*heap = 11;
		*anon = 21;
		_exit(g_value == 2 && *heap == 11 && *anon == 21 ? 0 : 1);
	}
	expect_eq("child saw its own writes", exit_code(reap(r)), 0);
	expect_eq("parent's global after the child changed it", g_value, 1);
	expect_eq("parent's heap after the child changed it", *heap, 10);
	expect_eq("parent's private mapping after the child changed it", *anon, 20);
	/* The parent's writes after fork do not reach the child either: the child sees the value
	 * of fork time even though the parent changes it before the child reads (the child
	 * sleeps first; a later read would only make the check weaker, never wrong). */
	g_value = 5;
	r = start();
	if (r == 0) {
		sleep_ms(20);
		_exit(g_value);
	}
	g_value = 6;
	expect_eq("child's global after the parent changed it", exit_code(reap(r)), 5);
	free(heap);
	munmap(anon, 4096);

	/* A descriptor opened before fork: the child writes through it, and the open file
	 * (with its offset) is the parent's too. */
	int fd = scratch_file();
	expect_ok("a scratch file", fd);
	r = start();
	if (r == 0)
		_exit(write(fd, "child", 5) == 5 ? 0 : child_errno(-1));
	expect_child_errno("child writes to the inherited descriptor", reap(r), 0);
	expect_eq("offset shared with the child", lseek(fd, 0, SEEK_CUR), 5);
	char buf[8] = { 0 };
	expect_eq("pread what the child wrote", pread(fd, buf, 5, 0), 5);
	expect_str("content", buf, "child");
	/* Closing in the child leaves the parent's descriptor open. */
	r = start();
	if (r == 0)
		_exit(child_errno(close(fd)));
	expect_child_errno("child closes it", reap(r), 0);
	expect_ok("still open in the parent", fcntl(fd, F_GETFD));
	close(fd);
}

static void test_wait_targets(void)
{
	int st = -1;
	/* WNOHANG on a child that cannot end until killed. */
	pid_t c = start_paused();
	expect_eq("wait4 WNOHANG on a running child", wait4(c, &st, WNOHANG, NULL), 0);
	expect_eq("wait4(-1) WNOHANG on a running child", wait4(-1, &st, WNOHANG, NULL), 0);
	siginfo_t si;
	memset(&si, 0xff, sizeof(si));
	expect_ok("waitid WNOHANG on a running child", waitid(P_PID, c, &si, WEXITED | WNOHANG));
	expect_true("waitid WNOHANG: si_pid and si_signo zeroed",
		    si.si_pid == 0 && si.si_signo == 0);
	kill(c, SIGKILL);
	expect_eq("then killed", term_sig(reap(c)), SIGKILL);

	/* A specific pid is waited for even when another child ended first. */
	pid_t a = start();
	if (a == 0)
		_exit(1);
	pid_t b = start();
	if (b == 0) {
		sleep_ms(30);
		_exit(2);
	}
	st = -1;
	expect_true("wait4(second child) returns it", wait4(b, &st, 0, NULL) == b);
	expect_eq("its status", exit_code(st), 2);
	st = -1;
	expect_true("wait4(first child) returns it", wait4(a, &st, 0, NULL) == a);
	expect_eq("its status", exit_code(st), 1);
	expect_errno("wait4(a reaped child)", wait4(a, &st, 0, NULL), ECHILD);
	expect_errno("wait4(its own pid)", wait4(getpid(), &st, WNOHANG, NULL), ECHILD);

	/* wait4(0): a child in the caller's group. */
	c = start();
	if (c == 0)
		_exit(3);
	st = -1;
	expect_true("wait4(0) returns a child of the caller's group", wait4(0, &st, 0, NULL) == c);
	expect_eq("its status", exit_code(st), 3);

	/* wait4(-pgid): a child moved to its own group; wait4(0) no longer sees it. */
	c = start_paused();
	expect_ok("setpgid(child, child)", setpgid(c, c));
	expect_errno("wait4(0) WNOHANG, the only child in another group",
		     wait4(0, &st, WNOHANG, NULL), ECHILD);
	expect_eq("wait4(-pgid) WNOHANG while it runs", wait4(-c, &st, WNOHANG, NULL), 0);
	kill(c, SIGKILL);
	st = -1;
	expect_true("wait4(-pgid) returns it", wait4(-c, &st, 0, NULL) == c);
	expect_eq("its signal", term_sig(st), SIGKILL);

	/* A bad status pointer: EFAULT, and the child is reaped all the same. */
	c = start();
	if (c == 0)
		_exit(4);
	expect_errno("wait4 bad status pointer", wait4(c, BAD_PTR, 0, NULL), EFAULT);
	expect_errno("the child was reaped", wait4(c, &st, WNOHANG, NULL), ECHILD);
	c = start();
	if (c == 0)
		_exit(4);
	expect_errno("wait4 bad rusage pointer", wait4(c, &st, 0, BAD_PTR), EFAULT);
	expect_errno("the child was reaped", wait4(c, &st, WNOHANG, NULL), ECHILD);
}

static void test_waitid(void)
{
	siginfo_t si;
	pid_t c = start();
	if (c == 0)
		_exit(9);
	memset(&si, 0, sizeof(si));
	expect_ok("waitid(P_ALL, WEXITED)", waitid(P_ALL, 0, &si, WEXITED));
	expect_eq("si_signo", si.si_signo, SIGCHLD);
	expect_eq("si_code", si.si_code, CLD_EXITED);
	expect_eq("si_status", si.si_status, 9);
	expect_true("si_pid == child", si.si_pid == c);
	expect_true("si_uid == getuid()", si.si_uid == getuid());
	expect_errno("reaped", waitid(P_PID, c, &si, WEXITED | WNOHANG), ECHILD);

	c = start_paused();
	kill(c, SIGKILL);
	memset(&si, 0, sizeof(si));
	expect_ok("waitid(P_PID) of a killed child", waitid(P_PID, c, &si, WEXITED));
	expect_eq("si_code", si.si_code, CLD_KILLED);
	expect_eq("si_status", si.si_status, SIGKILL);

	/* WNOWAIT leaves the zombie for the next wait. */
	c = start();
	if (c == 0)
		_exit(4);
	memset(&si, 0, sizeof(si));
	expect_ok("waitid WNOWAIT", waitid(P_PID, c, &si, WEXITED | WNOWAIT));
	expect_true("si_pid == child", si.si_pid == c);
	expect_eq("si_status", si.si_status, 4);
	memset(&si, 0, sizeof(si));
	expect_ok("waitid WNOWAIT again", waitid(P_ALL, 0, &si, WEXITED | WNOWAIT | WNOHANG));
	expect_true("the same child", si.si_pid == c);
	/* A zombie still exists for kill and the group calls until it is reaped. */
	expect_ok("kill(zombie, 0)", kill(c, 0));
	int st = -1;
	expect_true("wait4 reaps it", wait4(c, &st, 0, NULL) == c);
	expect_eq("its status", exit_code(st), 4);
	expect_errno("a third wait", waitid(P_PID, c, &si, WEXITED | WNOHANG), ECHILD);

	/* P_PGID: the caller's group with id 0, another group by its id. */
	c = start();
	if (c == 0)
		_exit(5);
	memset(&si, 0, sizeof(si));
	expect_ok("waitid(P_PGID, 0)", waitid(P_PGID, 0, &si, WEXITED));
	expect_true("si_pid == child", si.si_pid == c);
	c = start_paused();
	setpgid(c, c);
	kill(c, SIGKILL);
	memset(&si, 0, sizeof(si));
	expect_ok("waitid(P_PGID, child's group)", waitid(P_PGID, c, &si, WEXITED));
	expect_true("si_pid == child", si.si_pid == c);

	/* A bad siginfo pointer: EFAULT once the child is reaped. */
	c = start();
	if (c == 0)
		_exit(6);
	expect_errno("waitid bad siginfo pointer", waitid(P_PID, c, BAD_PTR, WEXITED), EFAULT);
	expect_errno("the child was reaped", waitid(P_PID, c, &si, WEXITED | WNOHANG), ECHILD);
}

static volatile int g_chld_hits, g_chld_signo, g_chld_code, g_chld_status;
static volatile pid_t g_chld_pid;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_chld_hits++;
	g_chld_signo = si->si_signo;
	g_chld_code = si->si_code;
	g_chld_pid = si->si_pid;
	g_chld_status = si->si_status;
}

/* The SIGCHLD of a reaped child is delivered by the time the wait returns on Linux; a bounded
 * wait in case the signal comes later. */
static void settle_chld(int hits)
{
	for (int i = 0; i < 100 && g_chld_hits < hits; i++)
		sleep_ms(10);
}

/* kill(@pid, 0) until it fails (at most about 2 s): -1 with errno ESRCH once @pid is gone. */
static long gone_soon(pid_t pid)
{
	for (int i = 0; i < 2000 && kill(pid, 0) == 0; i++)
		sleep_ms(1);
	return kill(pid, 0);
}

static void test_sigchld(void)
{
	/* No SA_RESTART: a wait the child's own SIGCHLD interrupts must still return the
	 * child, since Linux looks for it before it looks at signals. */
	struct sigaction sa = { .sa_sigaction = on_chld, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	g_chld_hits = 0;
	pid_t c = start();
	if (c == 0) {
		sleep_ms(20);	/* so the parent is usually asleep in the wait */
		_exit(6);
	}
	int st = 0;
	expect_true("waitpid with a SIGCHLD handler returns the child", waitpid(c, &st, 0) == c);
	expect_eq("its status", exit_code(st), 6);
	settle_chld(1);
	expect_eq("SIGCHLD handler ran", g_chld_hits, 1);
	expect_eq("si_signo", g_chld_signo, SIGCHLD);
	expect_eq("si_code", g_chld_code, CLD_EXITED);
	expect_eq("si_status", g_chld_status, 6);
	expect_true("si_pid == child", g_chld_pid == c);

	c = start_paused();
	kill(c, SIGKILL);
	expect_eq("child killed", term_sig(reap(c)), SIGKILL);
	settle_chld(2);
	expect_eq("SIGCHLD handler ran", g_chld_hits, 2);
	expect_eq("si_code", g_chld_code, CLD_KILLED);
	expect_eq("si_status", g_chld_status, SIGKILL);
	expect_true("si_pid == child", g_chld_pid == c);

	/* SA_NOCLDWAIT: the handler still runs, but there is no zombie: the wait lasts until
	 * the child is gone, then finds nothing. */
	sa.sa_flags = SA_SIGINFO | SA_NOCLDWAIT;
	sigaction(SIGCHLD, &sa, NULL);
	c = start();
	if (c == 0) {
		sleep_ms(20);
		_exit(0);
	}
	expect_errno("SA_NOCLDWAIT: wait4 until the child is gone", wait4(-1, &st, 0, NULL),
		     ECHILD);
	/* Linux reaps such a child in its own exit path, which can still be finishing when the
	 * wait returns: its PID goes away moments later, not necessarily at once. */
	expect_errno("SA_NOCLDWAIT: kill(the child, 0)", gone_soon(c), ESRCH);
	settle_chld(3);
	expect_eq("SA_NOCLDWAIT: SIGCHLD handler ran", g_chld_hits, 3);
	expect_true("si_pid == child", g_chld_pid == c);

	/* SIGCHLD ignored: the same, without a signal. */
	signal(SIGCHLD, SIG_IGN);
	c = start();
	if (c == 0) {
		sleep_ms(20);
		_exit(0);
	}
	expect_errno("SIGCHLD ignored: wait4 until the child is gone", wait4(-1, &st, 0, NULL),
		     ECHILD);
	expect_errno("SIGCHLD ignored: kill(the child, 0)", gone_soon(c), ESRCH);
	expect_eq("no SIGCHLD handler run", g_chld_hits, 3);
	c = start();
	if (c == 0)
		_exit(0);
	siginfo_t si;
	expect_errno("SIGCHLD ignored: waitid until the child is gone",
		     waitid(P_PID, c, &si, WEXITED), ECHILD);
	signal(SIGCHLD, SIG_DFL);

	/* Back to the default: zombies again. */
	c = start();
	if (c == 0)
		_exit(8);
	expect_eq("SIGCHLD default: the child waits as a zombie", exit_code(reap(c)), 8);
}

static void test_vfork(void)
{
	/* In the Sentry a vfork child runs on a copy of its parent's memory (the parent still
	 * waits for it), where Linux shares it; so only the suspension is checked here, through
	 * a file the child writes after a pause, never memory the child changes. The child makes
	 * nothing but system calls before _exit. */
	int fd = scratch_file();
	fflush(stdout);
	pid_t c = vfork();
	if (c == 0) {
		struct timespec ts = { 0, 30000000 };
		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_write, fd, "v", 1);
		syscall(SYS_exit, 7);
	}
	expect_ok("vfork", c);
	struct stat stb;
	fstat(fd, &stb);
	expect_eq("the parent resumed after the child wrote and exited", stb.st_size, 1);
	expect_eq("the child's _exit(7)", exit_code(reap(c)), 7);
	close(fd);
}

static long raw_clone(unsigned long flags, void *ptid, void *ctid)
{
	fflush(stdout);
	return syscall(SYS_clone, flags, NULL, ptid, ctid, 0);
}

static void test_clone(void)
{
	pid_t parent = getpid();
	long c = raw_clone(SIGCHLD, NULL, NULL);
	if (c == 0)
		_exit(getppid() == parent ? 5 : 1);
	expect_true("clone(SIGCHLD) returns the child's pid", c > 0);
	expect_eq("the child's exit status", exit_code(reap((pid_t)c)), 5);

	/* Only the low 32 bits of clone's flags are read. */
	c = raw_clone(SIGCHLD | (1ul << 40), NULL, NULL);
	if (c == 0)
		_exit(5);
	expect_true("clone with a bit above 32 set: a child", c > 0);
	expect_eq("the child's exit status", exit_code(reap((pid_t)c)), 5);

	volatile int ptid = 0;
	c = raw_clone(SIGCHLD | CLONE_PARENT_SETTID, (void *)&ptid, NULL);
	if (c == 0)
		_exit(0);
	expect_true("CLONE_PARENT_SETTID: the parent's copy holds the child's pid", ptid == c);
	reap((pid_t)c);

	volatile int ctid = 0;
	c = raw_clone(SIGCHLD | CLONE_CHILD_SETTID, NULL, (void *)&ctid);
	if (c == 0)
		_exit(ctid == getpid() ? 0 : 1);
	expect_eq("CLONE_CHILD_SETTID: the child's copy holds its pid", exit_code(reap((pid_t)c)),
		  0);
	expect_eq("CLONE_CHILD_SETTID: the parent's copy untouched", ctid, 0);

	expect_errno("clone CLONE_SIGHAND without CLONE_VM",
		     raw_clone(SIGCHLD | CLONE_SIGHAND, NULL, NULL), EINVAL);
	expect_errno("clone CLONE_THREAD without CLONE_SIGHAND",
		     raw_clone(SIGCHLD | CLONE_THREAD | CLONE_VM, NULL, NULL), EINVAL);
	expect_errno("clone CLONE_NEWNS with CLONE_FS",
		     raw_clone(SIGCHLD | CLONE_NEWNS | CLONE_FS, NULL, NULL), EINVAL);
	expect_errno("clone CLONE_PIDFD with CLONE_DETACHED",
		     raw_clone(SIGCHLD | CLONE_PIDFD | 0x00400000, NULL, NULL), EINVAL);
	expect_errno("clone CLONE_THREAD and CLONE_NEWPID",
		     raw_clone(SIGCHLD | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID,
			       NULL, NULL), EINVAL);
}

/* struct clone_args as far as its third version (linux/sched.h). */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};
#define CLEAR_SIGHAND 0x100000000ull

static void on_any(int sig)
{
	(void)sig;
}
#define INTO_CGROUP 0x200000000ull

static long raw_clone3(const void *args, size_t size)
{
	fflush(stdout);
	return syscall(SYS_clone3, args, size);
}

/* Expects clone3 to refuse @a (@size bytes) with @want, making no child. */
static void expect_clone3_refused(const char *what, const void *a, size_t size, int want)
{
	long c = raw_clone3(a, size);
	if (c == 0)
		_exit(99);
	if (c > 0)
		reap((pid_t)c);
	expect_errno(what, c, want);
}

static void test_clone3(void)
{
	struct clone3_args a = { .exit_signal = SIGCHLD };
	long c = raw_clone3(&a, 64);
	if (c == 0)
		_exit(7);
	expect_true("clone3 (version 0 size) returns the child's pid", c > 0);
	expect_eq("the child's exit status", exit_code(reap((pid_t)c)), 7);

	/* A larger struct than known is fine when its tail is zero. */
	uint64_t big[16] = { 0 };
	big[4] = SIGCHLD;
	c = raw_clone3(big, sizeof(big));
	if (c == 0)
		_exit(8);
	expect_eq("clone3 with a zero tail past the known struct", exit_code(reap((pid_t)c)), 8);
	big[12] = 1;
	expect_clone3_refused("clone3 with a nonzero byte past the known struct", big, sizeof(big),
			      E2BIG);
	expect_clone3_refused("clone3 size 63", &a, 63, EINVAL);
	expect_clone3_refused("clone3 size 4097", big, 4097, E2BIG);
	expect_clone3_refused("clone3 of an unmapped struct", BAD_PTR, 64, EFAULT);

	struct clone3_args bad = { .exit_signal = 65 };
	expect_clone3_refused("clone3 exit_signal 65", &bad, sizeof(bad), EINVAL);
	bad = (struct clone3_args){ .flags = SIGCHLD };
	expect_clone3_refused("clone3 with a signal in flags", &bad, sizeof(bad), EINVAL);
	bad = (struct clone3_args){ .flags = 0x00400000, .exit_signal = SIGCHLD };
	expect_clone3_refused("clone3 CLONE_DETACHED", &bad, sizeof(bad), EINVAL);
	bad = (struct clone3_args){ .flags = 1ull << 40, .exit_signal = SIGCHLD };
	expect_clone3_refused("clone3 an unknown flag", &bad, sizeof(bad), EINVAL);
	bad = (struct clone3_args){ .flags = CLONE_SIGHAND | CLONE_VM | CLEAR_SIGHAND };
	expect_clone3_refused("clone3 CLONE_SIGHAND with CLONE_CLEAR_SIGHAND", &bad, sizeof(bad),
			      EINVAL);
	bad = (struct clone3_args){ .flags = CLONE_PARENT, .exit_signal = SIGCHLD };
	expect_clone3_refused("clone3 CLONE_PARENT with an exit signal", &bad, sizeof(bad), EINVAL);
	bad = (struct clone3_args){ .exit_signal = SIGCHLD, .stack = 0x10000 };
	expect_clone3_refused("clone3 a stack without a size", &bad, sizeof(bad), EINVAL);
	bad = (struct clone3_args){ .exit_signal = SIGCHLD, .stack_size = 4096 };
	expect_clone3_refused("clone3 a size without a stack", &bad, sizeof(bad), EINVAL);
	bad = (struct clone3_args){ .exit_signal = SIGCHLD, .set_tid_size = 1 };
	expect_clone3_refused("clone3 set_tid_size without set_tid", &bad, sizeof(bad), EINVAL);
	pid_t want = 1;
	bad = (struct clone3_args){ .exit_signal = SIGCHLD, .set_tid = (uintptr_t)&want,
				    .set_tid_size = 33 };
	expect_clone3_refused("clone3 set_tid_size 33", &bad, sizeof(bad), EINVAL);
	bad = (struct clone3_args){ .flags = INTO_CGROUP, .exit_signal = SIGCHLD };
	expect_clone3_refused("clone3 CLONE_INTO_CGROUP in a version 0 struct", &bad, 64, EINVAL);
	bad = (struct clone3_args){ .flags = CLONE_THREAD | CLONE_VM, .exit_signal = 0 };
	expect_clone3_refused("clone3 CLONE_THREAD without CLONE_SIGHAND", &bad, sizeof(bad),
			      EINVAL);

	/* clone3 has a field for the pidfd: it may go with CLONE_PARENT_SETTID, at another
	 * address. */
	int pidfd = -1;
	volatile int ptid = 0;
	a = (struct clone3_args){ .flags = CLONE_PIDFD | CLONE_PARENT_SETTID,
				  .pidfd = (uintptr_t)&pidfd, .parent_tid = (uintptr_t)&ptid,
				  .exit_signal = SIGCHLD };
	c = raw_clone3(&a, sizeof(a));
	if (c == 0)
		_exit(0);
	expect_true("clone3 CLONE_PIDFD and CLONE_PARENT_SETTID: the tid stored", c > 0 && ptid == c);
	expect_eq("the pidfd is close-on-exec", fcntl(pidfd, F_GETFD), FD_CLOEXEC);
	reap((pid_t)c);
	close(pidfd);
	a.parent_tid = a.pidfd;
	expect_clone3_refused("clone3 pidfd and parent_tid at one address", &a, sizeof(a), EINVAL);

	/* CLONE_CLEAR_SIGHAND: handlers go back to SIG_DFL in the child; ignored stays ignored. */
	signal(SIGUSR1, on_any);
	signal(SIGUSR2, SIG_IGN);
	a = (struct clone3_args){ .flags = CLEAR_SIGHAND, .exit_signal = SIGCHLD };
	c = raw_clone3(&a, sizeof(a));
	if (c == 0) {
		struct sigaction s1, s2;
		sigaction(SIGUSR1, NULL, &s1);
		sigaction(SIGUSR2, NULL, &s2);
		_exit(s1.sa_handler == SIG_DFL && s2.sa_handler == SIG_IGN ? 0 : 1);
	}
	expect_eq("CLONE_CLEAR_SIGHAND: caught goes to default, ignored stays",
		  exit_code(reap((pid_t)c)), 0);
	struct sigaction s1;
	sigaction(SIGUSR1, NULL, &s1);
	expect_true("the parent keeps its handler", s1.sa_handler == on_any);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* "Clone" children, which send their parent no SIGCHLD at exit: wait4 sees them only with
 * __WCLONE (and the others only without it), __WALL sees both. */
static void test_wclone(void)
{
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	int st;
	long c = raw_clone(0, NULL, NULL);	/* no exit signal at all */
	if (c == 0)
		_exit(3);
	expect_errno("a child with no exit signal: waitpid without __WCLONE",
		     waitpid((pid_t)c, &st, 0), ECHILD);
	expect_true("waitpid __WCLONE reaps it", waitpid((pid_t)c, &st, __WCLONE) == c);
	expect_eq("  its status", WEXITSTATUS(st), 3);

	c = raw_clone(SIGUSR1, NULL, NULL);
	if (c == 0)
		_exit(4);
	siginfo_t si;
	struct timespec ten = { 10, 0 };
	expect_eq("a child with SIGUSR1 as exit signal sends it",
		  sigtimedwait(&usr1, &si, &ten), SIGUSR1);
	expect_eq("  si_code CLD_EXITED", si.si_code, CLD_EXITED);
	expect_errno("  waitid(WEXITED) without __WCLONE",
		     waitid(P_PID, (id_t)c, &si, WEXITED | WNOHANG), ECHILD);
	expect_true("  waitpid __WALL reaps it", waitpid((pid_t)c, &st, __WALL) == c);
	expect_eq("  its status", WEXITSTATUS(st), 4);

	c = raw_clone(SIGCHLD, NULL, NULL);
	if (c == 0)
		_exit(5);
	expect_errno("a SIGCHLD child: waitpid __WCLONE", waitpid((pid_t)c, &st, __WCLONE), ECHILD);
	expect_true("  waitpid __WALL", waitpid((pid_t)c, &st, __WALL) == c);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_kill_and_groups(void)
{
	pid_t self_pgid = getpgid(0), self_sid = getsid(0);
	pid_t c = start_paused();
	expect_ok("kill(child, 0)", kill(c, 0));
	expect_errno("kill(child, 65)", kill(c, 65), EINVAL);
	expect_errno("kill(child, -1)", kill(c, -1), EINVAL);
	expect_true("getpgid(child) == parent's group", getpgid(c) == self_pgid);
	expect_true("getsid(child) == parent's session", getsid(c) == self_sid);
	expect_ok("setpgid(child, child)", setpgid(c, c));
	expect_true("getpgid(child) == child", getpgid(c) == c);
	expect_true("getsid(child) unchanged", getsid(c) == self_sid);
	expect_true("the parent's group unchanged", getpgid(0) == self_pgid);
	expect_ok("setpgid(child, parent's group): back", setpgid(c, self_pgid));
	expect_true("getpgid(child) == parent's group", getpgid(c) == self_pgid);
	expect_ok("setpgid(child, 0): its own group", setpgid(c, 0));
	expect_true("getpgid(child) == child", getpgid(c) == c);
	expect_ok("kill(-child, SIGTERM): its group", kill(-c, SIGTERM));
	int st = reap(c);
	expect_eq("the child died of it", term_sig(st), SIGTERM);
	expect_errno("kill(reaped child, 0)", kill(c, 0), ESRCH);
	expect_errno("kill(reaped child, 65)", kill(c, 65), ESRCH);
	expect_errno("kill(-reaped child's group, 0)", kill(-c, 0), ESRCH);
	expect_errno("getpgid(reaped child)", getpgid(c), ESRCH);
	expect_errno("getsid(reaped child)", getsid(c), ESRCH);
	expect_errno("setpgid(reaped child, 0): not a child", setpgid(c, 0), ESRCH);

	/* Groups that do not exist, and a process that is not a child. */
	pid_t gone = c;
	c = start_paused();
	expect_errno("setpgid(child, a group that does not exist)", setpgid(c, gone), EPERM);
	expect_errno("setpgid(child, -1)", setpgid(c, -1), EINVAL);
	expect_true("getpgid(child) unchanged", getpgid(c) == self_pgid);
	kill(c, SIGKILL);
	reap(c);
	c = start();
	if (c == 0) {
		/* The parent is not the child's child. */
		_exit(child_errno(setpgid(getppid(), 0)));
	}
	expect_child_errno("child: setpgid(its parent, 0)", reap(c), ESRCH);
	c = start();
	if (c == 0)
		_exit(child_errno(setpgid(0, 0)));
	expect_child_errno("child: setpgid(0, 0)", reap(c), 0);
	c = start();
	if (c == 0) {
		pid_t me = getpid();
		_exit(setsid() == me && getsid(0) == me && getpgid(0) == me ? 0 : 1);
	}
	expect_eq("child: setsid() makes a session and group of its own", exit_code(reap(c)), 0);
	/* A group the caller led and left still has a member: setsid is EPERM until it ends. */
	c = start();
	if (c == 0) {
		pid_t parent_group = getpgid(getppid());
		setpgid(0, 0);
		pid_t member = fork();
		if (member == 0) {
			pause();
			_exit(0);
		}
		int bits = setpgid(0, parent_group) == 0 ? 0 : 1;
		if (!(setsid() == -1 && errno == EPERM))
			bits |= 2;
		kill(member, SIGKILL);
		waitpid(member, NULL, 0);
		if (setsid() != getpid())
			bits |= 4;
		_exit(bits);
	}
	expect_eq("child: setsid() while its old group lives on: EPERM, then ok", exit_code(reap(c)), 0);
}

/* A child forks a grandchild and exits: the grandchild gets another parent (the sandbox's init
 * or the host's reaper, whichever it is) and reports so through a file. */
static void test_reparent(void)
{
	int fd = scratch_file();
	pid_t c = start();
	if (c == 0) {
		pid_t mid = getpid();
		pid_t g = fork();
		if (g == 0) {
			char verdict = 'n';
			for (int i = 0; i < 200 && verdict == 'n'; i++) {
				if (getppid() != mid)
					verdict = 'y';
				else
					sleep_ms(10);
			}
			pwrite(fd, &verdict, 1, 0);
			_exit(0);
		}
		_exit(g > 0 ? 0 : 1);
	}
	expect_eq("the middle child exits", exit_code(reap(c)), 0);
	char verdict = 0;
	for (int i = 0; i < 300 && pread(fd, &verdict, 1, 0) != 1; i++)
		sleep_ms(10);
	expect_true("grandchild reparented", verdict == 'y');
	close(fd);
}

int main(void)
{
	test_no_children();
	test_fork_basics();
	test_fork_memory_and_files();
	test_wait_targets();
	test_waitid();
	test_sigchld();
	test_vfork();
	test_clone();
	test_clone3();
	test_wclone();
	test_kill_and_groups();
	/* Last: in the Sentry its grandchild ends up this process's child. */
	test_reparent();
	return expect_status();
}
