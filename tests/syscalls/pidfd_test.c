/*
 * pidfd_test: pidfd_open, CLONE_PIDFD, poll readiness at exit, waitid(P_PIDFD),
 * pidfd_send_signal, and their errors.
 */
#include "expect.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int pidfd_send(int fd, int sig, siginfo_t *si, unsigned flags)
{
	return (int)syscall(SYS_pidfd_send_signal, fd, sig, si, flags);
}

static pid_t sleeper(void)
{
	pid_t c = fork();
	if (c == 0) {
		struct timespec d = { 0, 200 * 1000 * 1000 };
		nanosleep(&d, NULL);
		_exit(4);
	}
	return c;
}

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void test_open_wait(void)
{
	pid_t c = sleeper();
	int fd = pidfd_open(c, 0);
	expect_true("pidfd_open of a child", fd >= 0);
	expect_eq("  close-on-exec", fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	expect_eq("  not readable while it runs", readable(fd, 0), 0);
	expect_eq("  readable once it exits", readable(fd, 5000), 1);
	siginfo_t si = { 0 };
	expect_ok("waitid(P_PIDFD)", waitid(P_PIDFD, fd, &si, WEXITED));
	expect_true("  the child", si.si_pid == c);
	expect_eq("  its code", si.si_status, 4);
	expect_errno("pidfd_send_signal to a reaped process",
		     pidfd_send(fd, SIGTERM, NULL, 0), ESRCH);
	close(fd);
}

static void test_send(void)
{
	pid_t c = sleeper();
	int fd = pidfd_open(c, PIDFD_NONBLOCK);
	expect_true("pidfd_open PIDFD_NONBLOCK", fd >= 0);
	expect_eq("  O_NONBLOCK", fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	expect_ok("pidfd_send_signal signal 0", pidfd_send(fd, 0, NULL, 0));
	expect_errno("pidfd_send_signal unknown flag 8", pidfd_send(fd, SIGTERM, NULL, 8), EINVAL);
	expect_errno("pidfd_send_signal two scope flags", pidfd_send(fd, SIGTERM, NULL, 3), EINVAL);
	expect_errno("pidfd_send_signal signal 65", pidfd_send(fd, 65, NULL, 0), EINVAL);
	siginfo_t si = { .si_signo = SIGUSR1, .si_code = SI_QUEUE };
	expect_errno("pidfd_send_signal info for another signal",
		     pidfd_send(fd, SIGTERM, &si, 0), EINVAL);
	si.si_signo = SIGTERM;
	si.si_code = SI_USER;
	expect_errno("pidfd_send_signal claiming SI_USER", pidfd_send(fd, SIGTERM, &si, 0), EPERM);
	expect_errno("pidfd_send_signal bad info pointer",
		     pidfd_send(fd, SIGTERM, (siginfo_t *)8, 0), EFAULT);
	expect_ok("pidfd_send_signal SIGTERM", pidfd_send(fd, SIGTERM, NULL, 0));
	int st;
	waitpid(c, &st, 0);
	expect_true("  killed it", WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	close(fd);
}

static void test_clone_pidfd(void)
{
	int pfd = -1;
	long c = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pfd, NULL, 0);
	if (c == 0)
		_exit(3);
	expect_true("clone(CLONE_PIDFD)", c > 0 && pfd >= 0);
	siginfo_t si = { 0 };
	expect_ok("  waitid on its pidfd", waitid(P_PIDFD, pfd, &si, WEXITED));
	expect_eq("  exit code", si.si_status, 3);
	close(pfd);
	int tid = 0;
	expect_errno("clone CLONE_PIDFD|CLONE_PARENT_SETTID",
		     syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &tid, NULL,
			     0), EINVAL);
}

static void test_errors(void)
{
	expect_errno("pidfd_open pid 0", pidfd_open(0, 0), EINVAL);
	expect_errno("pidfd_open pid -1", pidfd_open(-1, 0), EINVAL);
	expect_errno("pidfd_open bad flags", pidfd_open(getpid(), 1), EINVAL);
	expect_errno("pidfd_open of no process", pidfd_open(4000000, 0), ESRCH);
	expect_errno("pidfd_send_signal bad fd", pidfd_send(-1, SIGTERM, NULL, 0), EBADF);
	expect_errno("pidfd_send_signal on a pipe", pidfd_send(0, SIGTERM, NULL, 0), EBADF);
	siginfo_t si;
	expect_errno("waitid(P_PIDFD) bad fd", waitid(P_PIDFD, 1000, &si, WEXITED), EBADF);
	int p[2];
	if (pipe(p) == 0) {
		expect_errno("waitid(P_PIDFD) on a pipe", waitid(P_PIDFD, p[0], &si, WEXITED),
			     EBADF);
		close(p[0]);
		close(p[1]);
	}
	int self = pidfd_open(getpid(), 0);
	expect_true("pidfd_open of itself", self >= 0);
	expect_eq("  not readable: it runs", readable(self, 0), 0);
	close(self);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(30);
	int p[2];	/* fd 0 is whatever the runner gave; make sure it is a pipe */
	if (pipe(p) == 0 && p[0] != 0) {
		dup2(p[0], 0);
	}
	test_open_wait();
	test_send();
	test_clone_pidfd();
	test_errors();
	return expect_status();
}
