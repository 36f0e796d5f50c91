/*
 * signalfd_test: signalfd(2) and signalfd4(2): reading blocked pending signals as
 * signalfd_siginfo records, poll readiness, a child's SIGCHLD, O_NONBLOCK, replacing the mask,
 * and the errors Linux gives.
 */
#include "expect.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(30);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	expect_true("signalfd", fd >= 0);
	expect_eq("  close-on-exec", fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	struct signalfd_siginfo si;
	expect_errno("read with nothing pending (SFD_NONBLOCK)", read(fd, &si, sizeof(si)), EAGAIN);
	expect_eq("  not readable", readable(fd, 0), 0);
	kill(getpid(), SIGUSR1);
	expect_eq("readable once SIGUSR1 is pending", readable(fd, 1000), 1);
	char small[100];
	expect_errno("read into 100 bytes", read(fd, small, sizeof(small)), EINVAL);
	expect_eq("read one record", read(fd, &si, sizeof(si)), (long)sizeof(si));
	expect_eq("  ssi_signo", si.ssi_signo, SIGUSR1);
	expect_eq("  ssi_code SI_USER", si.ssi_code, SI_USER);
	expect_true("  ssi_pid", si.ssi_pid == (uint32_t)getpid());
	sigset_t p;
	sigpending(&p);
	expect_eq("  taken: no longer pending", sigismember(&p, SIGUSR1), 0);

	pid_t c = fork();
	if (c == 0)
		_exit(9);
	int flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	expect_eq("blocking read gets the child's SIGCHLD", read(fd, &si, sizeof(si)),
		  (long)sizeof(si));
	expect_eq("  ssi_signo", si.ssi_signo, SIGCHLD);
	expect_eq("  ssi_code CLD_EXITED", si.ssi_code, CLD_EXITED);
	expect_eq("  ssi_status", si.ssi_status, 9);
	waitpid(c, NULL, 0);
	fcntl(fd, F_SETFL, flags);

	/* Two at once: one read returns both records, the thread's own (raise) before the
	 * process's (kill), as Linux dequeues. */
	kill(getpid(), SIGUSR1);
	raise(SIGCHLD);
	struct signalfd_siginfo two[2];
	expect_eq("one read takes two records", read(fd, two, sizeof(two)), (long)sizeof(two));
	expect_eq("  the thread's first", two[0].ssi_signo, SIGCHLD);
	expect_eq("  then the process's", two[1].ssi_signo, SIGUSR1);

	sigset_t only;
	sigemptyset(&only);
	sigaddset(&only, SIGCHLD);
	expect_eq("signalfd on the fd replaces the mask", signalfd(fd, &only, 0), fd);
	kill(getpid(), SIGUSR1);
	expect_eq("  SIGUSR1 no longer reads", read(fd, &si, sizeof(si)), -1);
	sigpending(&p);
	expect_eq("  and stays pending", sigismember(&p, SIGUSR1), 1);
	sigwaitinfo(&set, NULL);

	uint64_t k = 1ull << (SIGUSR1 - 1);
	expect_errno("signalfd4 bad flags", syscall(SYS_signalfd4, -1, &k, 8, 0x10), EINVAL);
	expect_errno("signalfd4 sizemask 4", syscall(SYS_signalfd4, -1, &k, 4, 0), EINVAL);
	expect_errno("signalfd4 bad mask pointer", syscall(SYS_signalfd4, -1, (void *)8, 8, 0),
		     EFAULT);
	expect_errno("signalfd on a closed fd", syscall(SYS_signalfd4, 999, &k, 8, 0), EBADF);
	int pp[2];
	if (pipe(pp) == 0) {
		expect_errno("signalfd on a pipe", syscall(SYS_signalfd4, pp[0], &k, 8, 0), EINVAL);
		close(pp[0]);
		close(pp[1]);
	}
	close(fd);
	return expect_status();
}
