/*
 * Pipes, eventfds and the calls that wait on them, in one process (pipe(7), eventfd(2),
 * poll(2), select(2)): data in and out, EOF, EPIPE with SIGPIPE caught, blocked and ignored,
 * O_NONBLOCK's EAGAIN and partial writes, Linux's page-slot capacity (merging small writes,
 * atomic writes of up to PIPE_BUF, filling a pipe exactly), packet mode, F_GETPIPE_SZ and
 * F_SETPIPE_SZ (rounding, EBUSY, EINVAL), FIONREAD, fstat, ESPIPE; poll, ppoll, select and
 * pselect6 on each end in each state, their timeouts (zero, expiring, the time left written
 * back) and signal masks; eventfd counters, semaphores, overflow and EINVAL; bad pointers and
 * flags. Sizes above /proc/sys/fs/pipe-max-size are left out: their answer depends on
 * CAP_SYS_RESOURCE, which differs between a host shell and a sandbox.
 */
#include "expect.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* An address nothing maps, hidden from the compiler's buffer-size checks. */
static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)
#define PAGE 4096
#define KSIGSET 8

static char g_buf[1 << 17];
static volatile int g_sigpipes, g_sigpipe_code_user, g_sigpipe_pid_self, g_usr1;

static void on_sigpipe(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_sigpipes++;
	g_sigpipe_code_user = si->si_code == SI_USER;
	g_sigpipe_pid_self = si->si_pid == getpid();
}

static void on_usr1(int sig)
{
	(void)sig;
	g_usr1++;
}

static long fionread(int fd)
{
	int n = -1;
	long rc = ioctl(fd, FIONREAD, &n);
	return rc < 0 ? rc : n;
}

/* revents of @fd for @events after a poll with timeout 0. */
static int revents(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void close2(int p[2])
{
	close(p[0]);
	close(p[1]);
}

static void test_basics(void)
{
	int p[2];
	expect_ok("pipe", pipe(p));
	expect_eq("read end F_GETFL", fcntl(p[0], F_GETFL), O_RDONLY);
	expect_eq("write end F_GETFL", fcntl(p[1], F_GETFL), O_WRONLY);
	expect_eq("F_GETFD", fcntl(p[0], F_GETFD), 0);
	struct stat s0, s1;
	expect_ok("fstat read end", fstat(p[0], &s0));
	expect_ok("fstat write end", fstat(p[1], &s1));
	expect_mode("st_mode", s0.st_mode, S_IFIFO | 0600);
	expect_true("both ends one inode", s0.st_ino == s1.st_ino && s0.st_dev == s1.st_dev);
	expect_eq("st_nlink", (long)s0.st_nlink, 1);
	expect_eq("st_blksize", (long)s0.st_blksize, PAGE);
	expect_eq("write 5", write(p[1], "hello", 5), 5);
	expect_eq("st_size stays 0", fstat(p[0], &s0) == 0 ? (long)s0.st_size : -1, 0);
	expect_eq("FIONREAD", fionread(p[0]), 5);
	expect_eq("FIONREAD on the write end", fionread(p[1]), 5);
	char b[16] = { 0 };
	expect_eq("read 3", read(p[0], b, 3), 3);
	expect_str("read 3 data", b, "hel");
	expect_eq("read rest", read(p[0], b, sizeof(b)), 2);
	expect_true("read rest data", memcmp(b, "lo", 2) == 0);
	expect_eq("read 0 bytes", read(p[0], b, 0), 0);
	expect_eq("write 0 bytes", write(p[1], b, 0), 0);
	expect_errno("read the write end", read(p[1], b, 1), EBADF);
	expect_errno("write the read end", write(p[0], b, 1), EBADF);
	expect_errno("lseek", lseek(p[0], 0, SEEK_CUR), ESPIPE);
	expect_errno("pread", pread(p[0], b, 1, 0), ESPIPE);
	expect_errno("pwrite", pwrite(p[1], b, 1, 0), ESPIPE);
	expect_errno("ioctl TCGETS", ioctl(p[0], TCGETS, b), ENOTTY);
	char x[] = "ab", y[] = "cde";
	struct iovec wv[3] = { { x, 2 }, { y, 0 }, { y, 3 } };
	expect_eq("writev", writev(p[1], wv, 3), 5);
	char r1[3] = { 0 }, r2[8] = { 0 };
	struct iovec rv[2] = { { r1, 2 }, { r2, 8 } };
	expect_eq("readv", readv(p[0], rv, 2), 5);
	expect_true("readv data", memcmp(r1, "ab", 2) == 0 && memcmp(r2, "cde", 3) == 0);
	expect_eq("write 1", write(p[1], "z", 1), 1);
	struct iovec one = { b, 4 };
	expect_eq("preadv2 at offset -1", syscall(SYS_preadv2, p[0], &one, 1, -1L, 0, 0), 1);
	close2(p);
}

static void test_eof(void)
{
	int p[2];
	pipe(p);
	write(p[1], "x", 1);
	expect_eq("write end open: POLLIN", revents(p[0], POLLIN), POLLIN);
	close(p[1]);
	expect_eq("writer gone with data: POLLIN|POLLHUP", revents(p[0], POLLIN), POLLIN | POLLHUP);
	char c;
	expect_eq("read the last byte", read(p[0], &c, 1), 1);
	expect_eq("then EOF", read(p[0], &c, 1), 0);
	expect_eq("EOF again", read(p[0], &c, 1), 0);
	expect_eq("writer gone, empty: POLLHUP", revents(p[0], POLLIN | POLLOUT), POLLHUP);
	close(p[0]);
}

static void test_epipe(void)
{
	int p[2];
	pipe(p);
	close(p[0]);
	struct sigaction ign = { .sa_handler = SIG_IGN }, old;
	sigaction(SIGPIPE, &ign, &old);
	expect_errno("write with no reader, SIGPIPE ignored", write(p[1], "x", 1), EPIPE);
	expect_eq("write 0 bytes with no reader", write(p[1], "x", 0), 0);
	expect_eq("reader gone: POLLOUT|POLLERR", revents(p[1], POLLOUT), POLLOUT | POLLERR);
	expect_eq("reader gone, POLLIN asked: POLLERR", revents(p[1], POLLIN), POLLERR);

	struct sigaction sa = { .sa_sigaction = on_sigpipe, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	expect_errno("write with no reader, SIGPIPE caught", write(p[1], "x", 1), EPIPE);
	expect_eq("handler ran once", g_sigpipes, 1);
	expect_true("si_code SI_USER", g_sigpipe_code_user);
	expect_true("si_pid is the writer", g_sigpipe_pid_self);
	struct iovec v = { g_buf, 10 };
	expect_errno("writev with no reader", writev(p[1], &v, 1), EPIPE);
	expect_eq("handler ran again", g_sigpipes, 2);

	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	expect_errno("write with SIGPIPE blocked", write(p[1], "x", 1), EPIPE);
	sigpending(&pend);
	expect_true("SIGPIPE pending", sigismember(&pend, SIGPIPE));
	expect_eq("not delivered while blocked", g_sigpipes, 2);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	expect_eq("delivered when unblocked", g_sigpipes, 3);
	sigaction(SIGPIPE, &old, NULL);
	close(p[1]);
}

/* A nonblocking pipe with @n bytes written in one write. */
static void fill(int p[2], long n)
{
	pipe2(p, O_NONBLOCK);
	if (n)
		write(p[1], g_buf, (size_t)n);
}

static void test_capacity(void)
{
	int p[2];
	fill(p, 0);
	expect_eq("F_GETPIPE_SZ default", fcntl(p[0], F_GETPIPE_SZ), 65536);
	expect_eq("O_NONBLOCK on both ends", (fcntl(p[0], F_GETFL) & O_NONBLOCK) &&
						     (fcntl(p[1], F_GETFL) & O_NONBLOCK), 1);
	char c;
	expect_errno("read empty, O_NONBLOCK", read(p[0], &c, 1), EAGAIN);
	expect_eq("empty: read end not ready", revents(p[0], POLLIN), 0);
	expect_eq("empty: write end POLLOUT", revents(p[1], POLLOUT), POLLOUT);
	expect_eq("POLLWRNORM asked", revents(p[1], POLLWRNORM), POLLWRNORM);
	expect_eq("fill exactly", write(p[1], g_buf, 65536), 65536);
	expect_errno("one byte more", write(p[1], g_buf, 1), EAGAIN);
	expect_eq("FIONREAD full", fionread(p[0]), 65536);
	expect_eq("full: no POLLOUT", revents(p[1], POLLOUT), 0);
	expect_eq("full: POLLIN|POLLRDNORM", revents(p[0], POLLIN | POLLRDNORM),
		  POLLIN | POLLRDNORM);
	expect_eq("read a page back", read(p[0], g_buf, PAGE), PAGE);
	expect_eq("a free slot: POLLOUT", revents(p[1], POLLOUT), POLLOUT);
	expect_eq("a page fits again", write(p[1], g_buf, PAGE), PAGE);
	close2(p);

	/* One byte short of a page consumed frees no slot. */
	fill(p, 65536);
	expect_eq("read one byte of the first slot", read(p[0], &c, 1), 1);
	expect_errno("still full: the slot is in use", write(p[1], g_buf, 1), EAGAIN);
	expect_eq("still no POLLOUT", revents(p[1], POLLOUT), 0);
	close2(p);

	/* Partial writes: 14 pages in, a 20000-byte write gets the 2 free slots. */
	fill(p, 14 * PAGE);
	expect_eq("partial write", write(p[1], g_buf, 20000), 2 * PAGE);
	expect_eq("then EAGAIN", write(p[1], g_buf, 20000) == -1 && errno == EAGAIN, 1);
	close2(p);

	/* Small writes merge into the last slot only when they fit whole. */
	fill(p, 15 * PAGE + 1);
	expect_eq("FIONREAD 15 pages + 1", fionread(p[0]), 15 * PAGE + 1);
	expect_eq("4000 bytes merge into the last slot", write(p[1], g_buf, 4000), 4000);
	expect_errno("200 more do not fit it: atomic, EAGAIN", write(p[1], g_buf, 200), EAGAIN);
	expect_eq("95 fill the slot", write(p[1], g_buf, 95), 95);
	expect_eq("FIONREAD 16 pages", fionread(p[0]), 16 * PAGE);
	close2(p);

	fill(p, 65536 - 100);
	expect_errno("200 into 100 spare bytes of the last slot", write(p[1], g_buf, 200), EAGAIN);
	expect_eq("50 merge", write(p[1], g_buf, 50), 50);
	close2(p);
}

static void test_packets(void)
{
	int p[2];
	expect_ok("pipe2 O_DIRECT", pipe2(p, O_DIRECT | O_NONBLOCK));
	expect_eq("read end F_GETFL", fcntl(p[0], F_GETFL), O_RDONLY | O_NONBLOCK);
	expect_eq("write end F_GETFL", fcntl(p[1], F_GETFL), O_WRONLY | O_NONBLOCK | O_DIRECT);
	write(p[1], "abc", 3);
	write(p[1], "defg", 4);
	char b[16] = { 0 };
	expect_eq("a read takes one packet", read(p[0], b, sizeof(b)), 3);
	expect_eq("a short read takes part of the next", read(p[0], b, 2), 2);
	expect_true("its bytes", memcmp(b, "de", 2) == 0);
	expect_errno("the rest of it is gone", read(p[0], b, sizeof(b)), EAGAIN);
	for (int i = 0; i < 16; i++)
		write(p[1], "x", 1);
	expect_errno("16 one-byte packets fill 16 slots", write(p[1], "x", 1), EAGAIN);
	close2(p);
}

static void test_setpipe_sz(void)
{
	int p[2];
	fill(p, 0);
	static const struct { long arg; long want; const char *what; } sizes[] = {
		{ 0, PAGE, "F_SETPIPE_SZ 0: one page" },
		{ 1, PAGE, "F_SETPIPE_SZ 1: one page" },
		{ 4097, 2 * PAGE, "F_SETPIPE_SZ 4097: two pages" },
		{ 12288, 4 * PAGE, "F_SETPIPE_SZ 3 pages: four" },
		{ 1 << 20, 1 << 20, "F_SETPIPE_SZ pipe-max-size" },
		{ (1L << 32) + PAGE, PAGE, "F_SETPIPE_SZ takes an unsigned int" },
		{ 8 * PAGE, 8 * PAGE, "F_SETPIPE_SZ 8 pages" },
	};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		expect_eq(sizes[i].what, fcntl(p[1], F_SETPIPE_SZ, sizes[i].arg), sizes[i].want);
	expect_eq("F_GETPIPE_SZ on the other end", fcntl(p[0], F_GETPIPE_SZ), 8 * PAGE);
	expect_errno("F_SETPIPE_SZ 2^31 + 1", fcntl(p[1], F_SETPIPE_SZ, (1L << 31) + 1), EINVAL);
	expect_errno("F_SETPIPE_SZ -1", fcntl(p[1], F_SETPIPE_SZ, -1L), EINVAL);
	expect_eq("fill the 8 pages", write(p[1], g_buf, 8 * PAGE + 1), 8 * PAGE);
	close2(p);

	fill(p, 0);
	for (int i = 0; i < 3; i++)
		g_buf[i * PAGE] = (char)('a' + i);
	write(p[1], g_buf, 2 * PAGE + 1);	/* three slots */
	expect_errno("shrink below 3 slots in use", fcntl(p[0], F_SETPIPE_SZ, 2 * PAGE), EBUSY);
	expect_eq("to 4 slots", fcntl(p[0], F_SETPIPE_SZ, 4 * PAGE), 4 * PAGE);
	expect_eq("the data stays", fionread(p[0]), 2 * PAGE + 1);
	static char b[2 * PAGE];
	read(p[0], b, PAGE);
	read(p[0], b + PAGE, PAGE);
	expect_true("in order", b[0] == 'a' && b[PAGE] == 'b');
	expect_eq("the last byte", read(p[0], b, PAGE), 1);
	expect_true("is the third slot's", b[0] == 'c');
	expect_eq("the emptied 4-slot pipe takes 4 pages", write(p[1], g_buf, 5 * PAGE), 4 * PAGE);
	close2(p);

	int fd = open(".", O_RDONLY);
	expect_errno("F_GETPIPE_SZ on a directory", fcntl(fd, F_GETPIPE_SZ), EBADF);
	expect_errno("F_SETPIPE_SZ on a directory", fcntl(fd, F_SETPIPE_SZ, PAGE), EBADF);
	close(fd);
}

static void test_bad_args(void)
{
	int lo = open(".", O_RDONLY);	/* the lowest free descriptor */
	close(lo);
	expect_errno("pipe bad pointer", syscall(SYS_pipe, BAD_PTR), EFAULT);
	expect_errno("pipe2 bad pointer", syscall(SYS_pipe2, BAD_PTR, 0), EFAULT);
	expect_errno("pipe2 unknown flag", syscall(SYS_pipe2, g_buf, O_APPEND), EINVAL);
	expect_errno("pipe2 unknown flag, bad pointer", syscall(SYS_pipe2, BAD_PTR, 1), EINVAL);
	int p[2];
	expect_ok("pipe2 O_CLOEXEC", pipe2(p, O_CLOEXEC));
	expect_true("no descriptor leaked", p[0] == lo);
	expect_eq("FD_CLOEXEC on both", fcntl(p[0], F_GETFD) + fcntl(p[1], F_GETFD), 2);
	expect_errno("write from a bad buffer", write(p[1], BAD_PTR, 10), EFAULT);
	expect_eq("nothing went in", fionread(p[0]), 0);
	expect_eq("and no POLLIN", revents(p[0], POLLIN), 0);
	char ok[] = "hello";
	struct iovec wbad[2] = { { ok, 2 }, { BAD_PTR, 3 } };
	expect_errno("writev faulting inside a page", writev(p[1], wbad, 2), EFAULT);
	expect_eq("that page was not written", fionread(p[0]), 0);
	struct iovec wpage[2] = { { g_buf, PAGE }, { BAD_PTR, 100 } };
	expect_eq("writev: the whole page before the fault counts", writev(p[1], wpage, 2), PAGE);
	char b[PAGE];
	read(p[0], b, PAGE);
	write(p[1], ok, 5);
	expect_errno("read into a bad buffer", read(p[0], BAD_PTR, 5), EFAULT);
	expect_eq("the data stays", fionread(p[0]), 5);
	struct iovec rbad[2] = { { b, 2 }, { BAD_PTR, 3 } };
	expect_errno("readv faulting in the second segment", readv(p[0], rbad, 2), EFAULT);
	expect_eq("the data still stays", fionread(p[0]), 5);
	expect_errno("FIONREAD to a bad pointer", ioctl(p[0], FIONREAD, BAD_PTR), EFAULT);
	close2(p);
}

static void test_poll(void)
{
	int p[2];
	pipe(p);
	struct pollfd fds[4] = {
		{ .fd = p[0], .events = POLLIN }, { .fd = p[1], .events = POLLOUT },
		{ .fd = -1, .events = POLLIN, .revents = 7 }, { .fd = 999, .events = POLLIN },
	};
	expect_eq("poll: write end, bad fd", poll(fds, 4, 0), 2);
	expect_eq("read end revents", fds[0].revents, 0);
	expect_eq("write end revents", fds[1].revents, POLLOUT);
	expect_eq("negative fd revents", fds[2].revents, 0);
	expect_eq("closed fd POLLNVAL", fds[3].revents, POLLNVAL);
	long long t0 = mono_ms();
	expect_eq("poll empty read end, 30 ms", poll(fds, 1, 30), 0);
	expect_true("waited the timeout", mono_ms() - t0 >= 29);
	write(p[1], "x", 1);
	expect_eq("poll with data", poll(fds, 2, 1000), 2);
	expect_eq("read end POLLIN", fds[0].revents, POLLIN);
	expect_errno("poll bad array", poll(BAD_PTR, 1, 0), EFAULT);
	expect_errno("poll nfds over RLIMIT_NOFILE", syscall(SYS_poll, fds, 1L << 30, 0), EINVAL);
	expect_eq("poll no fds, 0 ms", poll(NULL, 0, 0), 0);

	struct timespec ts = { 0, 20 * 1000000 };
	fds[0].fd = p[0];
	read(p[0], g_buf, 1);
	expect_eq("ppoll expires", syscall(SYS_ppoll, fds, 1, &ts, NULL, KSIGSET), 0);
	expect_true("time left written: 0", ts.tv_sec == 0 && ts.tv_nsec == 0);
	ts = (struct timespec){ 5, 0 };
	expect_eq("ppoll ready at once", syscall(SYS_ppoll, &fds[1], 1, &ts, NULL, KSIGSET), 1);
	expect_true("time left written: under 5 s", ts.tv_sec == 4 || (ts.tv_sec == 5 && ts.tv_nsec == 0));
	ts = (struct timespec){ 0, 1000000000 };
	expect_errno("ppoll bad timeout", syscall(SYS_ppoll, fds, 1, &ts, NULL, KSIGSET), EINVAL);
	expect_errno("ppoll timeout bad pointer", syscall(SYS_ppoll, fds, 1, BAD_PTR, NULL, KSIGSET),
		     EFAULT);
	uint64_t none = 0;
	expect_errno("ppoll sigsetsize 4", syscall(SYS_ppoll, fds, 1, NULL, &none, 4), EINVAL);
	expect_errno("ppoll bad sigset", syscall(SYS_ppoll, fds, 1, NULL, BAD_PTR, KSIGSET), EFAULT);
	close2(p);
}

/* A pending blocked SIGUSR1 that @wait's temporary mask lets through: -EINTR, the handler
 * runs, and the old mask is back after. */
static void check_call_mask(const char *what, long (*wait)(int fd, const uint64_t *mask))
{
	char name[96];
	int p[2];
	pipe(p);
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigset_t set, cur;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGUSR1);
	g_usr1 = 0;
	uint64_t all = ~0ull, open = 0;
	snprintf(name, sizeof(name), "%s with SIGUSR1 still blocked", what);
	expect_eq(name, wait(p[0], &all), 0);
	snprintf(name, sizeof(name), "%s unblocking the pending SIGUSR1", what);
	expect_errno(name, wait(p[0], &open), EINTR);
	snprintf(name, sizeof(name), "%s: handler ran", what);
	expect_eq(name, g_usr1, 1);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	snprintf(name, sizeof(name), "%s: SIGUSR1 blocked again after", what);
	expect_true(name, sigismember(&cur, SIGUSR1));
	write(p[1], "x", 1);
	raise(SIGUSR1);
	snprintf(name, sizeof(name), "%s: ready beats a pending signal", what);
	expect_eq(name, wait(p[0], &open), 1);
	snprintf(name, sizeof(name), "%s: mask restored at once, still pending", what);
	expect_eq(name, g_usr1, 1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	snprintf(name, sizeof(name), "%s: delivered when unblocked", what);
	expect_eq(name, g_usr1, 2);
	close2(p);
}

static long ppoll_masked(int fd, const uint64_t *mask)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec ts = { 0, 0 };
	return syscall(SYS_ppoll, &p, 1, &ts, mask, KSIGSET);
}

static long pselect_masked(int fd, const uint64_t *mask)
{
	fd_set r;
	FD_ZERO(&r);
	FD_SET(fd, &r);
	struct timespec ts = { 0, 0 };
	struct { const uint64_t *ss; size_t len; } pack = { mask, KSIGSET };
	return syscall(SYS_pselect6, fd + 1, &r, NULL, NULL, &ts, &pack);
}

static long do_select(int nfds, fd_set *r, fd_set *w, fd_set *e, long sec, long usec,
		      struct timeval *left)
{
	struct timeval tv = { sec, usec };
	long rc = syscall(SYS_select, nfds, r, w, e, &tv);
	if (left)
		*left = tv;
	return rc;
}

static void test_select(void)
{
	int p[2];
	pipe(p);
	int n = (p[0] > p[1] ? p[0] : p[1]) + 1;
	fd_set r, w, e;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	FD_SET(p[0], &e);
	FD_SET(p[1], &e);
	expect_eq("select empty pipe, zero timeout", do_select(n, &r, &w, &e, 0, 0, NULL), 1);
	expect_true("write end writable, read end not, no exceptions",
		    FD_ISSET(p[1], &w) && !FD_ISSET(p[0], &r) && !FD_ISSET(p[0], &e) &&
			    !FD_ISSET(p[1], &e));
	struct timeval left;
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	long long t0 = mono_ms();
	expect_eq("select empty read end, 20 ms", do_select(n, &r, NULL, NULL, 0, 20000, &left), 0);
	expect_true("waited the timeout", mono_ms() - t0 >= 19);
	expect_true("time left written: 0", left.tv_sec == 0 && left.tv_usec == 0);
	expect_true("the set cleared", !FD_ISSET(p[0], &r));
	write(p[1], "x", 1);
	FD_SET(p[0], &r);
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	FD_SET(p[0], &w);	/* a read end is never writable */
	expect_eq("select with data, 1.5 s in microseconds", do_select(n, &r, &w, NULL, 0, 1500000,
									&left), 2);
	expect_true("time left: 1 s and some", left.tv_sec == 1);
	expect_true("both ready", FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w) && !FD_ISSET(p[0], &w));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(p[1], &r);	/* a write end is never readable */
	expect_eq("one fd in two sets counts twice", syscall(SYS_select, n, &r, &r, NULL, NULL), 2);
	expect_errno("select nfds -1", do_select(-1, NULL, NULL, NULL, 0, 0, NULL), EINVAL);
	expect_errno("select negative microseconds", do_select(n, &r, NULL, NULL, 0, -1, NULL),
		     EINVAL);
	expect_errno("select negative seconds", do_select(n, &r, NULL, NULL, -1, 0, NULL), EINVAL);
	expect_errno("select bad timeout", syscall(SYS_select, n, &r, NULL, NULL, BAD_PTR), EFAULT);
	expect_errno("select bad set", do_select(n, BAD_PTR, NULL, NULL, 0, 0, NULL), EFAULT);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(60, &r);	/* below 64, the table's least size, which nfds is clipped to */
	expect_errno("select a closed fd", do_select(61, &r, NULL, NULL, 0, 0, NULL), EBADF);
	expect_eq("select nfds far past the table", do_select(1 << 20, NULL, NULL, NULL, 0, 0,
							       NULL), 0);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	expect_eq("select FD_SETSIZE with data", do_select(FD_SETSIZE, &r, NULL, NULL, 0, 0, NULL),
		  1);
	close(p[1]);
	read(p[0], g_buf, 1);
	FD_SET(p[0], &r);
	expect_eq("writer gone: readable (EOF)", do_select(n, &r, NULL, NULL, 0, 0, NULL), 1);
	close(p[0]);

	pipe(p);
	close(p[0]);
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	expect_eq("reader gone: writable (EPIPE)", do_select(n, NULL, &w, NULL, 0, 0, NULL), 1);
	close(p[1]);

	pipe(p);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	struct timespec ts = { 0, 10000000 };
	expect_eq("pselect6 expires", syscall(SYS_pselect6, n, &r, NULL, NULL, &ts, NULL), 0);
	expect_true("time left written: 0", ts.tv_sec == 0 && ts.tv_nsec == 0);
	uint64_t m = 0;
	struct { uint64_t *ss; size_t len; } bad_len = { &m, 4 }, bad_set = { BAD_PTR, KSIGSET };
	FD_SET(p[0], &r);
	ts = (struct timespec){ 0, 0 };
	expect_errno("pselect6 sigset size 4",
		     syscall(SYS_pselect6, n, &r, NULL, NULL, &ts, &bad_len), EINVAL);
	expect_errno("pselect6 bad sigset",
		     syscall(SYS_pselect6, n, &r, NULL, NULL, &ts, &bad_set), EFAULT);
	expect_errno("pselect6 bad sigset pack",
		     syscall(SYS_pselect6, n, &r, NULL, NULL, &ts, BAD_PTR), EFAULT);
	ts.tv_nsec = -1;
	expect_errno("pselect6 bad timeout", syscall(SYS_pselect6, n, &r, NULL, NULL, &ts, NULL),
		     EINVAL);
	close2(p);

	check_call_mask("ppoll", ppoll_masked);
	check_call_mask("pselect6", pselect_masked);
}

static void test_eventfd(void)
{
	uint64_t v = 0;
	int e = eventfd(5, 0);
	expect_true("eventfd", e >= 0);
	expect_eq("F_GETFL", fcntl(e, F_GETFL), O_RDWR);
	struct stat st;
	fstat(e, &st);
	expect_mode("st_mode: an anonymous inode", st.st_mode, 0600);
	expect_eq("POLLIN|POLLOUT with 5", revents(e, POLLIN | POLLOUT), POLLIN | POLLOUT);
	expect_eq("no POLLRDNORM", revents(e, POLLRDNORM), 0);
	expect_eq("read", read(e, &v, 8), 8);
	expect_eq("the counter", (long)v, 5);
	expect_eq("empty: POLLOUT only", revents(e, POLLIN | POLLOUT), POLLOUT);
	uint64_t three = 3, four = 4;
	expect_eq("write 3", write(e, &three, 8), 8);
	expect_eq("write 4", write(e, &four, sizeof(four)), 8);
	expect_eq("read a larger buffer", read(e, g_buf, 64), 8);
	memcpy(&v, g_buf, 8);
	expect_eq("the sum", (long)v, 7);
	expect_errno("read 4 bytes", read(e, &v, 4), EINVAL);
	expect_errno("write 4 bytes", write(e, &v, 4), EINVAL);
	expect_errno("write 4 bytes from a bad buffer", write(e, BAD_PTR, 4), EINVAL);
	expect_errno("write from a bad buffer", write(e, BAD_PTR, 8), EFAULT);
	uint64_t max = UINT64_MAX, big = UINT64_MAX - 1, one = 1;
	expect_errno("write 2^64-1", write(e, &max, 8), EINVAL);
	expect_eq("lseek answers 0", lseek(e, 0, SEEK_CUR), 0);
	expect_eq("lseek to 5 still 0", lseek(e, 5, SEEK_SET), 0);
	expect_errno("pread", pread(e, &v, 8, 0), ESPIPE);
	expect_errno("FIONREAD", ioctl(e, FIONREAD, &v), ENOTTY);
	expect_errno("F_GETPIPE_SZ", fcntl(e, F_GETPIPE_SZ), EBADF);
	char seg[16];
	memcpy(seg, &one, 8);
	memcpy(seg + 8, &one, 8);
	struct iovec two[2] = { { seg, 8 }, { seg + 8, 8 } };
	expect_eq("writev of two 8-byte writes", writev(e, two, 2), 16);
	struct iovec halves[2] = { { seg, 4 }, { seg + 4, 4 } };
	expect_errno("writev of two 4-byte halves", writev(e, halves, 2), EINVAL);
	expect_eq("readv gathers 8 bytes over halves", readv(e, halves, 2), 8);
	memcpy(&v, seg, 8);
	expect_eq("the counter", (long)v, 2);
	close(e);

	e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	expect_eq("EFD_NONBLOCK F_GETFL", fcntl(e, F_GETFL), O_RDWR | O_NONBLOCK);
	expect_eq("EFD_CLOEXEC", fcntl(e, F_GETFD), FD_CLOEXEC);
	expect_errno("read at 0", read(e, &v, 8), EAGAIN);
	expect_eq("write 2^64-2", write(e, &big, 8), 8);
	expect_eq("at the top: POLLIN only", revents(e, POLLIN | POLLOUT), POLLIN);
	expect_errno("one more would overflow", write(e, &one, 8), EAGAIN);
	expect_eq("writing 0 still works", write(e, &(uint64_t){ 0 }, 8), 8);
	expect_errno("read into a bad buffer", read(e, BAD_PTR, 8), EFAULT);
	expect_errno("which took the counter anyway", read(e, &v, 8), EAGAIN);
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(e, &r);
	FD_SET(e, &w);
	expect_eq("select: writable only", do_select(e + 1, &r, &w, NULL, 0, 0, NULL), 1);
	expect_true("in the write set", FD_ISSET(e, &w) && !FD_ISSET(e, &r));
	close(e);

	e = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	long got = 0;
	for (int i = 0; i < 3; i++)
		got += read(e, &v, 8) == 8 && v == 1;
	expect_eq("EFD_SEMAPHORE reads 1 three times", got, 3);
	expect_errno("then EAGAIN", read(e, &v, 8), EAGAIN);
	close(e);

	expect_errno("eventfd2 unknown flag", syscall(SYS_eventfd2, 0, 0x4), EINVAL);
	e = syscall(SYS_eventfd2, 0x100000007UL, EFD_NONBLOCK);
	expect_eq("initval is an unsigned int", read(e, &v, 8) == 8 ? (long)v : -1, 7);
	close(e);
	e = syscall(SYS_eventfd, 9);
	expect_eq("eventfd (the old call)", read(e, &v, 8) == 8 ? (long)v : -1, 9);
	close(e);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_basics();
	test_eof();
	test_epipe();
	test_capacity();
	test_packets();
	test_setpipe_sz();
	test_bad_args();
	test_poll();
	test_select();
	test_eventfd();
	return expect_status();
}
