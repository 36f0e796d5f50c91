/*
 * POSIX message queues (mq_overview(7)): mq_open's names, flags, modes and attributes
 * (defaults, EINVAL, EEXIST, ENOENT, EACCES, ENAMETOOLONG), priorities, mq_timedsend and
 * mq_timedreceive blocking across processes, O_NONBLOCK's EAGAIN, ETIMEDOUT, EMSGSIZE, EBADF
 * for the wrong access mode or descriptor, mq_notify (SIGEV_SIGNAL with its siginfo,
 * SIGEV_NONE, EBUSY, SIGEV_THREAD's netlink descriptor), mq_getsetattr, and the descriptor as
 * a file: poll, epoll, fstat, read of its status line, close-on-exec, close. Every queue is
 * unlinked at the end.
 */
#include "expect.h"

#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)

static char g_name[64], g_sys[64];	/* "/cvisor_mqt_PID" and the same without '/' */
static volatile int g_sig, g_code, g_value, g_from_self;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	g_sig = sig;
	g_code = si->si_code;
	g_value = si->si_value.sival_int;
	g_from_self = si->si_pid == getpid();
}

static int child_status(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct timespec in_ms(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (ms % 1000) * 1000000;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static void test_open(void)
{
	expect_errno("open absent", mq_open(g_name, O_RDWR), ENOENT);
	mqd_t q = mq_open(g_name, O_RDWR | O_CREAT | O_EXCL, 0640, NULL);
	expect_true("open O_CREAT|O_EXCL", q >= 0);
	struct mq_attr a = { 0 };
	expect_ok("getattr", mq_getattr(q, &a));
	expect_eq("default maxmsg", a.mq_maxmsg, 10);
	expect_eq("default msgsize", a.mq_msgsize, 8192);
	expect_eq("curmsgs", a.mq_curmsgs, 0);
	expect_eq("flags", a.mq_flags, 0);
	struct stat st = { 0 };
	expect_ok("fstat", fstat(q, &st));
	expect_true("fstat S_ISREG", S_ISREG(st.st_mode));
	expect_mode("fstat mode (umask 022)", st.st_mode & 07777, 0640);
	expect_eq("fstat size", st.st_size, 80);
	expect_eq("close-on-exec", fcntl(q, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	expect_errno("open O_EXCL existing", mq_open(g_name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL),
		     EEXIST);
	mqd_t q2 = mq_open(g_name, O_RDONLY);
	expect_true("open existing", q2 >= 0);
	close(q2);
	expect_errno("open O_ACCMODE", syscall(SYS_mq_open, g_sys, O_ACCMODE, 0, NULL), EINVAL);
	expect_errno("glibc: no leading slash", mq_open("nosl", O_RDWR | O_CREAT, 0600, NULL),
		     EINVAL);
	expect_errno("name with /", syscall(SYS_mq_open, "a/b", O_RDWR | O_CREAT, 0600, NULL),
		     EACCES);
	expect_errno("name .", syscall(SYS_mq_open, ".", O_RDWR | O_CREAT, 0600, NULL), EACCES);
	expect_errno("name ..", syscall(SYS_mq_open, "..", O_RDWR, 0600, NULL), EACCES);
	expect_errno("name empty", syscall(SYS_mq_open, "", O_RDWR | O_CREAT, 0600, NULL), ENOENT);
	char big[300];
	memset(big, 'n', sizeof(big));
	big[256] = 0;
	expect_errno("name 256 bytes", syscall(SYS_mq_open, big, O_RDWR | O_CREAT, 0600, NULL),
		     ENAMETOOLONG);
	expect_errno("name bad pointer", syscall(SYS_mq_open, BAD_PTR, O_RDWR, 0, NULL), EFAULT);
	expect_errno("attr bad pointer",
		     syscall(SYS_mq_open, g_sys, O_RDWR | O_CREAT, 0600, BAD_PTR), EFAULT);
	char n2[80];
	snprintf(n2, sizeof(n2), "%s_b", g_name);
	struct mq_attr bad = { .mq_maxmsg = 0, .mq_msgsize = 16 };
	expect_errno("maxmsg 0", mq_open(n2, O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	bad.mq_maxmsg = 2;
	bad.mq_msgsize = -1;
	expect_errno("msgsize -1", mq_open(n2, O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	bad.mq_msgsize = 16 * 1024 * 1024 + 1;
	expect_errno("msgsize past the hard limit", mq_open(n2, O_RDWR | O_CREAT, 0600, &bad), EINVAL);
	bad.mq_msgsize = 16;
	mqd_t q3 = mq_open(n2, O_RDWR | O_CREAT, 0600, &bad);
	expect_true("open with attr", q3 >= 0);
	mq_getattr(q3, &a);
	expect_eq("attr maxmsg", a.mq_maxmsg, 2);
	expect_eq("attr msgsize", a.mq_msgsize, 16);
	expect_ok("unlink", mq_unlink(n2));
	expect_errno("unlink again", mq_unlink(n2), ENOENT);
	expect_ok("open file still works after unlink", mq_send(q3, "x", 1, 0));
	close(q3);
	expect_errno("unlink /", syscall(SYS_mq_unlink, "a/b"), EACCES);
	expect_errno("unlink empty", syscall(SYS_mq_unlink, ""), ENOENT);
	expect_errno("unlink 256 bytes", syscall(SYS_mq_unlink, big), ENAMETOOLONG);
	expect_errno("unlink bad pointer", syscall(SYS_mq_unlink, BAD_PTR), EFAULT);
	close(q);
}

static void test_send_receive(void)
{
	mqd_t q = mq_open(g_name, O_RDWR);
	char buf[8192];
	unsigned prio;
	expect_ok("send prio 1 a", mq_send(q, "a", 1, 1));
	expect_ok("send prio 5 b", mq_send(q, "bb", 2, 5));
	expect_ok("send prio 1 c", mq_send(q, "c", 1, 1));
	expect_ok("send prio 0 empty", mq_send(q, "", 0, 0));
	expect_errno("send prio 32768", mq_send(q, "x", 1, 32768), EINVAL);
	expect_errno("send prio 32768 with a bad timeout: the timeout first",
		     syscall(SYS_mq_timedsend, q, "x", 1, 32768, BAD_PTR), EFAULT);
	expect_errno("send too long", mq_send(q, buf, 8193, 0), EMSGSIZE);
	expect_errno("send bad buffer", mq_send(q, BAD_PTR, 4, 0), EFAULT);
	/* Lengths are unsigned: past INT64_MAX is still too long for a send. */
	expect_errno("send length SIZE_MAX", mq_send(q, buf, (size_t)-1, 0), EMSGSIZE);
	expect_errno("send length 2^63", mq_send(q, buf, (size_t)1 << 63, 0), EMSGSIZE);
	struct mq_attr a;
	mq_getattr(q, &a);
	expect_eq("curmsgs 4", a.mq_curmsgs, 4);
	char line[128] = { 0 };
	expect_eq("read status line", read(q, line, sizeof(line) - 1), 60);
	expect_str("status line", line, "QSIZE:4          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n");
	expect_eq("highest priority first", mq_receive(q, buf, sizeof(buf), &prio), 2);
	expect_eq("its priority", prio, 5);
	expect_eq("then FIFO within 1", mq_receive(q, buf, sizeof(buf), &prio), 1);
	expect_eq("first is a", buf[0], 'a');
	expect_eq("then c", mq_receive(q, buf, sizeof(buf), NULL), 1);
	expect_eq("c", buf[0], 'c');
	expect_eq("empty message", mq_receive(q, buf, sizeof(buf), &prio), 0);
	expect_errno("receive buffer too small", mq_receive(q, buf, 8191, NULL), EMSGSIZE);
	mq_send(q, "big", 3, 0);
	expect_eq("receive with length SIZE_MAX is large enough",
		  mq_receive(q, buf, (size_t)-1, NULL), 3);
	struct timespec ts = in_ms(30);
	expect_errno("timedreceive times out", mq_timedreceive(q, buf, sizeof(buf), NULL, &ts),
		     ETIMEDOUT);
	ts.tv_nsec = 1000000000;
	expect_errno("timedreceive bad timeout", mq_timedreceive(q, buf, sizeof(buf), NULL, &ts),
		     EINVAL);
	expect_errno("timedreceive timeout fault",
		     syscall(SYS_mq_timedreceive, q, buf, sizeof(buf), NULL, BAD_PTR), EFAULT);
	mq_send(q, "z", 1, 0);
	expect_errno("receive bad buffer (message lost)", mq_receive(q, BAD_PTR, 8192, NULL), EFAULT);
	mq_send(q, "z", 1, 0);
	expect_errno("receive bad prio pointer", mq_receive(q, buf, 8192, BAD_PTR), EFAULT);
	for (int i = 0; i < 10; i++)
		mq_send(q, "f", 1, 0);
	ts = in_ms(30);
	expect_errno("timedsend full times out", mq_timedsend(q, "x", 1, 0, &ts), ETIMEDOUT);
	struct mq_attr na = { .mq_flags = O_NONBLOCK }, old;
	expect_ok("setattr O_NONBLOCK", mq_setattr(q, &na, &old));
	expect_eq("old flags", old.mq_flags, 0);
	expect_eq("fcntl sees O_NONBLOCK", (fcntl(q, F_GETFL) & O_NONBLOCK) != 0, 1);
	expect_errno("send full O_NONBLOCK", mq_send(q, "x", 1, 0), EAGAIN);
	struct pollfd p = { .fd = q, .events = POLLIN | POLLOUT };
	expect_eq("poll full", poll(&p, 1, 0), 1);
	expect_eq("poll full: POLLIN only", p.revents, POLLIN);
	for (int i = 0; i < 10; i++)
		mq_receive(q, buf, sizeof(buf), NULL);
	expect_errno("receive empty O_NONBLOCK", mq_receive(q, buf, sizeof(buf), NULL), EAGAIN);
	expect_eq("poll empty", poll(&p, 1, 0), 1);
	expect_eq("poll empty: POLLOUT only", p.revents, POLLOUT);
	na.mq_flags = O_APPEND;
	expect_errno("setattr bad flags", mq_setattr(q, &na, NULL), EINVAL);
	expect_errno("setattr bad new", syscall(SYS_mq_getsetattr, q, BAD_PTR, NULL), EFAULT);
	expect_errno("getattr bad old", syscall(SYS_mq_getsetattr, q, NULL, BAD_PTR), EFAULT);
	na.mq_flags = 0;
	mq_setattr(q, &na, NULL);
	mqd_t ro = mq_open(g_name, O_RDONLY), wo = mq_open(g_name, O_WRONLY);
	expect_errno("send on O_RDONLY", mq_send(ro, "x", 1, 0), EBADF);
	expect_errno("receive on O_WRONLY", mq_receive(wo, buf, sizeof(buf), NULL), EBADF);
	expect_errno("send on a pipe", mq_send(0, "x", 1, 0), EBADF);
	expect_errno("send on fd 99", mq_send(99, "x", 1, 0), EBADF);
	expect_errno("getattr on fd 99", mq_getattr(99, &a), EBADF);
	close(ro);
	close(wo);
	close(q);
}

/* Across processes: a receiver blocks until a sender comes; epoll sees the message. */
static void test_block(void)
{
	mqd_t q = mq_open(g_name, O_RDWR);
	pid_t pid = fork();
	if (pid == 0) {
		char buf[8192];
		unsigned prio;
		ssize_t n = mq_receive(q, buf, sizeof(buf), &prio);
		_exit(n == 3 && prio == 7 && !memcmp(buf, "hey", 3) ? 0 : 1);
	}
	usleep(50000);
	expect_ok("send to a blocked receiver", mq_send(q, "hey", 3, 7));
	expect_eq("receiver got it", child_status(pid), 0);
	for (int i = 0; i < 10; i++)
		mq_send(q, "f", 1, 0);
	pid = fork();
	if (pid == 0)
		_exit(mq_send(q, "last", 4, 9) == 0 ? 0 : 1);
	usleep(50000);
	struct mq_attr a;
	mq_getattr(q, &a);
	expect_eq("sender waits while full", a.mq_curmsgs, 10);
	char buf[8192];
	mq_receive(q, buf, sizeof(buf), NULL);
	expect_eq("sender done", child_status(pid), 0);
	unsigned prio;
	expect_eq("its message first (prio 9)", mq_receive(q, buf, sizeof(buf), &prio), 4);
	while (mq_timedreceive(q, buf, sizeof(buf), NULL, &(struct timespec){ 0, 0 }) >= 0)
		;
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN };
	expect_ok("epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, q, &ev));
	expect_eq("epoll empty", epoll_wait(ep, &ev, 1, 0), 0);
	pid = fork();
	if (pid == 0) {
		usleep(30000);
		_exit(mq_send(q, "e", 1, 0) == 0 ? 0 : 1);
	}
	expect_eq("epoll wakes for a message", epoll_wait(ep, &ev, 1, 5000), 1);
	child_status(pid);
	mq_receive(q, buf, sizeof(buf), NULL);
	close(ep);
	close(q);
}

static void test_notify(void)
{
	mqd_t q = mq_open(g_name, O_RDWR);
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR1, &sa, NULL);
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	ev.sigev_value.sival_int = 42;
	expect_ok("notify SIGEV_SIGNAL", mq_notify(q, &ev));
	expect_errno("notify again: EBUSY", mq_notify(q, &ev), EBUSY);
	char line[128] = { 0 };
	pread(q, line, sizeof(line) - 1, 0);
	expect_true("status line shows the signal", strstr(line, "NOTIFY:0     SIGNO:10") != NULL);
	mq_send(q, "n", 1, 0);
	expect_eq("signal came", g_sig, SIGUSR1);
	expect_eq("si_code SI_MESGQ", g_code, SI_MESGQ);
	expect_eq("si_value", g_value, 42);
	expect_eq("si_pid is the sender", g_from_self, 1);
	g_sig = 0;
	mq_send(q, "m", 1, 0);
	expect_eq("one shot: no second signal", g_sig, 0);
	expect_ok("notify after it fired", mq_notify(q, &ev));
	mq_send(q, "o", 1, 0);
	expect_eq("not empty before: no signal", g_sig, 0);
	expect_ok("notify NULL removes", mq_notify(q, NULL));
	expect_ok("notify NULL again", mq_notify(q, NULL));
	char buf[8192];
	for (int i = 0; i < 3; i++)
		mq_receive(q, buf, sizeof(buf), NULL);
	ev.sigev_notify = SIGEV_NONE;
	expect_ok("notify SIGEV_NONE", mq_notify(q, &ev));
	pid_t pid = fork();
	if (pid == 0) {
		struct sigevent e2 = { .sigev_notify = SIGEV_NONE };
		_exit(mq_notify(q, &e2) == -1 && errno == EBUSY ? 0 : 1);
	}
	expect_eq("other process: EBUSY", child_status(pid), 0);
	mq_send(q, "p", 1, 0);
	expect_ok("SIGEV_NONE fired: free again", mq_notify(q, &ev));
	mq_notify(q, NULL);
	mq_receive(q, buf, sizeof(buf), NULL);
	/* The registration is the process's and goes when it closes a descriptor of the queue;
	 * another process's close leaves it. */
	ev.sigev_notify = SIGEV_NONE;
	mqd_t q2 = mq_open(g_name, O_RDWR);
	expect_ok("notify through a second descriptor", mq_notify(q2, &ev));
	pid = fork();
	if (pid == 0) {
		close(q2);
		_exit(0);
	}
	child_status(pid);
	expect_errno("a child's close leaves it", mq_notify(q, &ev), EBUSY);
	close(q2);
	expect_ok("our close of any descriptor removes it", mq_notify(q, &ev));
	mq_notify(q, NULL);
	ev.sigev_notify = 9;
	expect_errno("notify bad kind", mq_notify(q, &ev), EINVAL);
	ev.sigev_notify = SIGEV_SIGNAL;
	ev.sigev_signo = 65;
	expect_errno("notify signal 65", mq_notify(q, &ev), EINVAL);
	expect_errno("notify bad sigevent", syscall(SYS_mq_notify, q, BAD_PTR), EFAULT);
	expect_errno("notify on fd 99", mq_notify(99, NULL), EBADF);
	char cookie[32] = { 0 };
	struct sigevent th = { .sigev_notify = SIGEV_THREAD, .sigev_signo = q };
	th.sigev_value.sival_ptr = cookie;
	expect_errno("raw SIGEV_THREAD, not a socket", syscall(SYS_mq_notify, q, &th), ENOTSOCK);
	th.sigev_signo = 99;
	expect_errno("raw SIGEV_THREAD, bad fd", syscall(SYS_mq_notify, q, &th), EBADF);
	th.sigev_value.sival_ptr = BAD_PTR;
	expect_errno("raw SIGEV_THREAD, bad cookie", syscall(SYS_mq_notify, q, &th), EFAULT);
	signal(SIGUSR1, SIG_DFL);
	close(q);
}

static void test_perms(void)
{
	mqd_t q = mq_open(g_name, O_RDWR);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(9);
		/* 0640: nothing for others; not the owner's to unlink; an open descriptor is enough. */
		int bad = 0;
		if (mq_open(g_name, O_RDONLY) != -1 || errno != EACCES)
			bad |= 1;
		if (mq_unlink(g_name) != -1 || errno != EACCES)
			bad |= 2;
		if (mq_send(q, "x", 1, 0) != 0)
			bad |= 4;
		_exit(bad);
	}
	expect_eq("other user: EACCES", child_status(pid), 0);
	char buf[8192];
	mq_timedreceive(q, buf, sizeof(buf), NULL, &(struct timespec){ 0, 0 });
	close(q);
}

/* RLIMIT_MSGQUEUE: a user's queues' room (each message's text, 48 bytes of header and 48 of
 * priority tree) is charged to its real uid until the queue goes; past the limit, EMFILE.
 * In a child as an otherwise unused uid, so no other queue of the machine counts. */
static int limit_child(void)
{
	if (setgid(45000 + getpid() % 10000) || setuid(45000 + getpid() % 10000))
		return 90;
	struct rlimit r;
	getrlimit(RLIMIT_MSGQUEUE, &r);
	r.rlim_cur = 2 * (10 * (8192 + 96)) + 10 * 97;	/* two default queues, ten tiny */
	if (setrlimit(RLIMIT_MSGQUEUE, &r))
		return 91;
	char n[4][80];
	for (int i = 0; i < 4; i++)
		snprintf(n[i], sizeof(n[i]), "%s_lim%d", g_name, i);
	struct mq_attr tiny = { .mq_maxmsg = 10, .mq_msgsize = 1 };
	mqd_t a = mq_open(n[0], O_RDWR | O_CREAT, 0600, NULL);
	mqd_t b = mq_open(n[1], O_RDWR | O_CREAT, 0600, NULL);
	mqd_t c = mq_open(n[2], O_RDWR | O_CREAT, 0600, &tiny);
	int bad = (a < 0 || b < 0 || c < 0) ? 1 : 0;
	mqd_t d = mq_open(n[3], O_RDWR | O_CREAT, 0600, &tiny);
	if (d >= 0 || errno != EMFILE)
		bad |= 2;
	mq_unlink(n[2]);
	close(c);
	d = mq_open(n[3], O_RDWR | O_CREAT, 0600, &tiny);
	if (d < 0)
		bad |= 4;	/* the removed queue's room came back */
	mq_unlink(n[0]);
	if (mq_open(n[2], O_RDWR | O_CREAT, 0600, &tiny) >= 0 || errno != EMFILE)
		bad |= 8;	/* unlinked but open: still charged */
	close(a);
	if (mq_open(n[2], O_RDWR | O_CREAT, 0600, &tiny) < 0)
		bad |= 16;	/* closed too: gone */
	for (int i = 0; i < 4; i++)
		mq_unlink(n[i]);
	return bad;
}

static void test_limit(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(limit_child());
	expect_eq("RLIMIT_MSGQUEUE: EMFILE past it, room back when a queue goes",
		  child_status(pid), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	umask(022);
	snprintf(g_name, sizeof(g_name), "/cvisor_mqt_%d", (int)getpid());
	snprintf(g_sys, sizeof(g_sys), "%s", g_name + 1);
	mq_unlink(g_name);
	test_open();
	test_send_receive();
	test_block();
	test_notify();
	test_perms();
	test_limit();
	expect_ok("unlink at the end", mq_unlink(g_name));
	return expect_status();
}
