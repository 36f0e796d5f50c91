/*
 * AF_UNIX sockets (unix(7), socket(2), socketpair(2), bind(2), listen(2), accept(2),
 * connect(2), send(2), recv(2), sendmmsg(2), recvmmsg(2), cmsg(3), getsockopt(2)): creation
 * errors, each type's data semantics (stream bytes, datagram and record boundaries, MSG_PEEK,
 * MSG_TRUNC, MSG_WAITALL, MSG_DONTWAIT), shutdown and close as the peer sees them (EOF, EPIPE
 * with SIGPIPE, ECONNRESET), poll readiness in each state, abstract, autobound and filesystem
 * names, listen backlogs, SCM_RIGHTS and SCM_CREDENTIALS with their limits, SO_PEERCRED and
 * the SOL_SOCKET options, timeouts, signals ending blocked calls, and bad input (lengths,
 * pointers, descriptors, flags). Two-process cases fork. What Linux gives is stated in each
 * case; Linux 6.x with net.unix.max_dgram_qlen 10 and net.core.wmem_max >= 8192.
 */
#include "expect.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* An address nothing maps, hidden from the compiler's buffer-size checks. */
static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)

static volatile int g_sigpipes, g_usr1;
static char g_dir[64];

static void on_sigpipe(int sig)
{
	(void)sig;
	g_sigpipes++;
}

static void on_usr1(int sig)
{
	(void)sig;
	g_usr1++;
}

/* A handler without SA_RESTART, so blocked calls end with EINTR. */
static void catch_signal(int sig, void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int revents(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

static int pair(int type, int sv[2])
{
	return socketpair(AF_UNIX, type, 0, sv);
}

static void close2(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

/* An abstract address "\0NAME" and its length. */
static socklen_t abstract_addr(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	size_t n = strlen(name);
	memcpy(sa->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

/* A filesystem address in the test's directory and its length (with the NUL). */
static socklen_t path_addr(struct sockaddr_un *sa, const char *name)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", g_dir, name);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sa->sun_path) + 1);
}

/* A listening stream socket at abstract @name. */
static int listener(const char *name, int backlog)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, name);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, len) < 0 || listen(s, backlog) < 0)
		return -1;
	return s;
}

static int connect_to(const char *name, int flags)
{
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, name);
	int c = socket(AF_UNIX, SOCK_STREAM | flags, 0);
	if (c < 0)
		return -1;
	if (connect(c, (struct sockaddr *)&sa, len) < 0) {
		int e = errno;
		close(c);
		errno = e;
		return -1;
	}
	return c;
}

static void test_create(void)
{
	int pfd[2];
	expect_errno("socket family -1", socket(-1, SOCK_STREAM, 0), EAFNOSUPPORT);
	expect_errno("socket family AF_MAX", socket(46, SOCK_STREAM, 0), EAFNOSUPPORT);
	expect_errno("socket family 1000", socket(1000, SOCK_STREAM, 0), EAFNOSUPPORT);
	expect_errno("socket type 11", socket(AF_UNIX, 11, 0), EINVAL);
	expect_errno("socket type flag bad", socket(AF_UNIX, SOCK_STREAM | 0x100, 0), EINVAL);
	expect_errno("socket SOCK_RDM", socket(AF_UNIX, SOCK_RDM, 0), ESOCKTNOSUPPORT);
	expect_errno("socket SOCK_PACKET", socket(AF_UNIX, SOCK_PACKET, 0), ESOCKTNOSUPPORT);
	expect_errno("socket protocol 2", socket(AF_UNIX, SOCK_STREAM, 2), EPROTONOSUPPORT);
	int s = socket(AF_UNIX, SOCK_STREAM, PF_UNIX);
	expect_ok("socket protocol PF_UNIX", s);
	close(s);
	s = socket(AF_UNIX, SOCK_RAW, 0);
	int v = -1;
	socklen_t l = sizeof(v);
	getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l);
	expect_eq("socket SOCK_RAW is SOCK_DGRAM", v, SOCK_DGRAM);
	close(s);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	expect_true("SOCK_NONBLOCK sets O_NONBLOCK", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0);
	expect_eq("SOCK_CLOEXEC sets FD_CLOEXEC", fcntl(s, F_GETFD), FD_CLOEXEC);
	expect_eq("F_GETFL access mode", fcntl(s, F_GETFL) & O_ACCMODE, O_RDWR);
	struct stat st;
	fstat(s, &st);
	expect_true("fstat S_ISSOCK", S_ISSOCK(st.st_mode));
	expect_mode("fstat permissions", st.st_mode & 07777, 0777);
	expect_errno("lseek on a socket", lseek(s, 0, SEEK_SET), ESPIPE);
	expect_errno("pread on a socket", pread(s, &v, 1, 0), ESPIPE);
	close(s);

	int sv[2];
	expect_errno("socketpair bad flags", socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, sv), EINVAL);
	expect_errno("socketpair family 46", socketpair(46, SOCK_STREAM, 0, sv), EAFNOSUPPORT);
	expect_errno("socketpair protocol 2", socketpair(AF_UNIX, SOCK_STREAM, 2, sv),
		     EPROTONOSUPPORT);
	expect_errno("socketpair bad pointer", socketpair(AF_UNIX, SOCK_STREAM, 0, BAD_PTR), EFAULT);
	expect_ok("socketpair SOCK_SEQPACKET", pair(SOCK_SEQPACKET, sv));
	close2(sv);
	/* The descriptors a failed socketpair reserved are free again. */
	int a = socket(AF_UNIX, SOCK_DGRAM, 0), b = dup(a);
	expect_eq("socketpair leaves descriptors free", b - a, 1);
	close(a);
	close(b);

	/* ENOTSOCK and EBADF. */
	if (pipe(pfd) < 0)
		return;
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, "cvisor-notsock");
	expect_errno("bind on a pipe", bind(pfd[0], (struct sockaddr *)&sa, len), ENOTSOCK);
	expect_errno("listen on a pipe", listen(pfd[0], 1), ENOTSOCK);
	expect_errno("accept on a pipe", accept(pfd[0], NULL, NULL), ENOTSOCK);
	expect_errno("connect on a pipe", connect(pfd[0], (struct sockaddr *)&sa, len), ENOTSOCK);
	expect_errno("getsockname on a pipe", getsockname(pfd[0], (struct sockaddr *)&sa, &len),
		     ENOTSOCK);
	expect_errno("send on a pipe", send(pfd[1], "x", 1, 0), ENOTSOCK);
	expect_errno("recv on a pipe", recv(pfd[0], &v, 1, 0), ENOTSOCK);
	expect_errno("shutdown on a pipe", shutdown(pfd[0], SHUT_RD), ENOTSOCK);
	l = sizeof(v);
	expect_errno("getsockopt on a pipe", getsockopt(pfd[0], SOL_SOCKET, SO_TYPE, &v, &l),
		     ENOTSOCK);
	expect_errno("setsockopt on a pipe", setsockopt(pfd[0], SOL_SOCKET, SO_PASSCRED, &v, 4),
		     ENOTSOCK);
	close2(pfd);
	expect_errno("bind fd -1", bind(-1, (struct sockaddr *)&sa, len), EBADF);
	expect_errno("connect closed fd", connect(pfd[0], (struct sockaddr *)&sa, len), EBADF);
	expect_errno("sendmsg fd 9999", sendmsg(9999, NULL, 0), EBADF);
	expect_errno("accept4 bad flags, fd -1", accept4(-1, NULL, NULL, 0x4), EBADF);
	int us = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_errno("accept4 bad flags", accept4(us, NULL, NULL, 0x4), EINVAL);
	close(us);
	expect_errno("accept4 bad flags on a pipe", accept4(pfd[0] = dup(1), NULL, NULL, 0x4),
		     EINVAL);
	close(pfd[0]);
}

static void test_stream_data(void)
{
	int sv[2];
	char buf[64] = { 0 };
	pair(SOCK_STREAM, sv);
	expect_eq("write 5", write(sv[0], "hello", 5), 5);
	expect_eq("send 6", send(sv[0], " world", 6, 0), 6);
	int n = -1;
	ioctl(sv[1], FIONREAD, &n);
	expect_eq("FIONREAD stream", n, 11);
	expect_eq("recv MSG_PEEK", recv(sv[1], buf, 3, MSG_PEEK), 3);
	expect_eq("read across writes", read(sv[1], buf, sizeof(buf)), 11);
	buf[11] = 0;
	expect_str("stream bytes", buf, "hello world");
	expect_errno("recv MSG_DONTWAIT empty", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	struct iovec wv[2] = { { "ab", 2 }, { "cde", 3 } };
	expect_eq("writev", writev(sv[1], wv, 2), 5);
	char x[2], y[3];
	struct iovec rv[2] = { { x, 2 }, { y, 3 } };
	expect_eq("readv", readv(sv[0], rv, 2), 5);
	expect_true("readv scatter", !memcmp(x, "ab", 2) && !memcmp(y, "cde", 3));
	/* MSG_TRUNC on a stream reads as usual. */
	send(sv[0], "xyz", 3, 0);
	expect_eq("stream recv MSG_TRUNC", recv(sv[1], buf, 2, MSG_TRUNC), 2);
	expect_eq("stream rest", recv(sv[1], buf, 8, 0), 1);
	expect_errno("stream MSG_OOB recv empty", recv(sv[1], buf, 1, MSG_OOB | MSG_DONTWAIT),
		     EINVAL);
	/* Zero-length send and recv. */
	expect_eq("send 0 bytes", send(sv[0], buf, 0, 0), 0);
	expect_errno("recv after empty send", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);

	/* O_NONBLOCK through fcntl. */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	expect_errno("read O_NONBLOCK", read(sv[1], buf, 1), EAGAIN);
	fcntl(sv[1], F_SETFL, 0);
	int on = 1;
	ioctl(sv[1], FIONBIO, &on);
	expect_errno("read FIONBIO", read(sv[1], buf, 1), EAGAIN);
	close2(sv);

	/* Filling a stream: nonblocking writes stop with EAGAIN; what went is all readable. */
	pair(SOCK_STREAM, sv);
	int sz = 8192;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	static char big[1 << 16];
	long total = 0, w;
	while ((w = send(sv[0], big, 1024, MSG_DONTWAIT)) > 0)
		total += w;
	expect_errno("full stream send", w, EAGAIN);
	expect_true("full stream took some", total > 0 && total < (1 << 20));
	expect_eq("poll full writer", revents(sv[0], POLLOUT) & POLLOUT, 0);
	long got = 0, r;
	while ((r = recv(sv[1], big, sizeof(big), MSG_DONTWAIT)) > 0)
		got += r;
	expect_true("drained what was written", got == total);
	expect_eq("poll drained writer", revents(sv[0], POLLOUT), POLLOUT);
	close2(sv);
}

static void test_stream_shutdown(void)
{
	int sv[2];
	char buf[8];
	catch_signal(SIGPIPE, on_sigpipe);
	pair(SOCK_STREAM, sv);
	expect_eq("shutdown SHUT_RD", shutdown(sv[0], SHUT_RD), 0);
	expect_eq("recv after own SHUT_RD", recv(sv[0], buf, 1, 0), 0);
	g_sigpipes = 0;
	expect_errno("send to SHUT_RD peer", send(sv[1], "x", 1, 0), EPIPE);
	expect_eq("SIGPIPE for stream EPIPE", g_sigpipes, 1);
	expect_errno("send MSG_NOSIGNAL", send(sv[1], "x", 1, MSG_NOSIGNAL), EPIPE);
	expect_eq("no SIGPIPE with MSG_NOSIGNAL", g_sigpipes, 1);
	expect_errno("shutdown bad how", shutdown(sv[0], 3), EINVAL);
	expect_errno("shutdown how -1", shutdown(sv[0], -1), EINVAL);
	close2(sv);

	pair(SOCK_STREAM, sv);
	send(sv[1], "ab", 2, 0);
	shutdown(sv[1], SHUT_WR);
	expect_eq("poll after peer SHUT_WR",
		  revents(sv[0], POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLRDNORM),
		  POLLIN | POLLOUT | POLLRDHUP | POLLRDNORM);
	expect_eq("poll self after SHUT_WR", revents(sv[1], POLLIN | POLLOUT | POLLHUP),
		  POLLOUT);
	expect_eq("data before EOF", recv(sv[0], buf, 8, 0), 2);
	expect_eq("EOF after SHUT_WR", recv(sv[0], buf, 8, 0), 0);
	g_sigpipes = 0;
	expect_errno("write after own SHUT_WR", write(sv[1], "x", 1), EPIPE);
	expect_eq("SIGPIPE for write", g_sigpipes, 1);
	close2(sv);

	pair(SOCK_STREAM, sv);
	close(sv[1]);
	expect_eq("poll after peer close",
		  revents(sv[0], POLLIN | POLLOUT | POLLRDHUP | POLLHUP | POLLERR),
		  POLLIN | POLLOUT | POLLRDHUP | POLLHUP);
	expect_eq("EOF after peer close", read(sv[0], buf, 8), 0);
	expect_errno("send after peer close", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[0]);

	/* Closing with unread data resets the connection once. */
	pair(SOCK_STREAM, sv);
	send(sv[0], "x", 1, 0);
	close(sv[1]);
	expect_eq("poll after reset", revents(sv[0], POLLIN | POLLERR | POLLHUP),
		  POLLIN | POLLERR | POLLHUP);
	expect_errno("recv after reset", recv(sv[0], buf, 1, 0), ECONNRESET);
	expect_eq("recv after the reset", recv(sv[0], buf, 1, 0), 0);
	close(sv[0]);

	/* SIGPIPE ignored: still EPIPE. */
	signal(SIGPIPE, SIG_IGN);
	pair(SOCK_STREAM, sv);
	close(sv[1]);
	expect_errno("EPIPE with SIGPIPE ignored", write(sv[0], "x", 1), EPIPE);
	close(sv[0]);
	/* Datagram and record sockets give EPIPE without the signal. */
	catch_signal(SIGPIPE, on_sigpipe);
	g_sigpipes = 0;
	pair(SOCK_SEQPACKET, sv);
	close(sv[1]);
	expect_errno("seqpacket send after peer close", send(sv[0], "x", 1, 0), EPIPE);
	expect_eq("seqpacket recv after peer close", recv(sv[0], buf, 1, 0), 0);
	close(sv[0]);
	pair(SOCK_DGRAM, sv);
	shutdown(sv[0], SHUT_WR);
	expect_errno("dgram send after own SHUT_WR", send(sv[0], "x", 1, 0), EPIPE);
	close2(sv);
	expect_eq("no SIGPIPE for dgram or seqpacket", g_sigpipes, 0);
	signal(SIGPIPE, SIG_DFL);
}

static void test_poll_states(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_eq("poll fresh stream", revents(s, POLLIN | POLLOUT), POLLOUT | POLLHUP);
	close(s);
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	expect_eq("poll fresh seqpacket", revents(s, POLLIN | POLLOUT), POLLOUT | POLLHUP);
	close(s);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect_eq("poll fresh dgram", revents(s, POLLIN | POLLOUT | POLLWRNORM),
		  POLLOUT | POLLWRNORM);
	close(s);
	int sv[2];
	pair(SOCK_STREAM, sv);
	expect_eq("poll connected", revents(sv[0], POLLIN | POLLOUT), POLLOUT);
	send(sv[1], "x", 1, 0);
	expect_eq("poll with data", revents(sv[0], POLLIN | POLLOUT | POLLRDNORM),
		  POLLIN | POLLOUT | POLLRDNORM);
	close2(sv);
	int l = listener("cvisor-poll", 5);
	expect_eq("poll idle listener", revents(l, POLLIN | POLLOUT), 0);
	int c = connect_to("cvisor-poll", 0);
	expect_eq("poll listener with a connection", revents(l, POLLIN | POLLOUT), POLLIN);
	/* poll wakes up for a connection from another process. */
	int a = accept(l, NULL, NULL);
	close(a);
	close(c);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		_exit(connect_to("cvisor-poll", 0) < 0);
	}
	struct pollfd p = { .fd = l, .events = POLLIN };
	expect_eq("poll waits for a connection", poll(&p, 1, 5000), 1);
	int st;
	waitpid(pid, &st, 0);
	expect_eq("child connected", st, 0);
	close(l);
}

static void test_dgram(void)
{
	int sv[2];
	char buf[64];
	pair(SOCK_DGRAM, sv);
	send(sv[0], "one", 3, 0);
	send(sv[0], "three", 5, 0);
	int n = -1;
	ioctl(sv[1], FIONREAD, &n);
	expect_eq("FIONREAD dgram: the next datagram", n, 3);
	expect_eq("dgram boundary 1", recv(sv[1], buf, sizeof(buf), 0), 3);
	struct iovec iov = { buf, 2 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	expect_eq("dgram truncated", recvmsg(sv[1], &mh, 0), 2);
	expect_eq("MSG_TRUNC in msg_flags", mh.msg_flags & MSG_TRUNC, MSG_TRUNC);
	expect_errno("truncated rest dropped", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	send(sv[0], "12345", 5, 0);
	expect_eq("recv MSG_TRUNC gives the length", recv(sv[1], buf, 1, MSG_TRUNC), 5);
	send(sv[0], "", 0, 0);
	expect_eq("empty datagram", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT), 0);
	int sb = 0;
	socklen_t sl = sizeof(sb);
	getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sb, &sl);
	static char big[1 << 18];
	expect_errno("datagram over sndbuf - 32", send(sv[0], big, (size_t)sb - 31, 0), EMSGSIZE);
	expect_errno("datagram of a huge length", send(sv[0], big, (size_t)-1, 0), EMSGSIZE);
	close(sv[1]);
	expect_errno("dgram send after peer close", send(sv[0], "x", 1, 0), ECONNREFUSED);
	expect_errno("then not connected", send(sv[0], "x", 1, 0), ENOTCONN);
	close(sv[0]);

	/* Named datagram sockets: sources, connect, EPERM, the queue limit. */
	struct sockaddr_un ra, sa2, from;
	socklen_t rlen = abstract_addr(&ra, "cvisor-dgram-r");
	socklen_t slen = abstract_addr(&sa2, "cvisor-dgram-s");
	int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect_ok("bind receiver", bind(r, (struct sockaddr *)&ra, rlen));
	expect_eq("sendto unbound sender", sendto(s, "a", 1, 0, (struct sockaddr *)&ra, rlen), 1);
	socklen_t fl = sizeof(from);
	expect_eq("recvfrom", recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 1);
	expect_eq("recvfrom unbound source length", fl, 0);
	bind(s, (struct sockaddr *)&sa2, slen);
	sendto(s, "b", 1, 0, (struct sockaddr *)&ra, rlen);
	fl = sizeof(from);
	recvfrom(r, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
	expect_eq("recvfrom bound source length", fl, slen);
	expect_true("recvfrom source bytes", !memcmp(&from, &sa2, slen));
	expect_errno("send unconnected dgram", send(s, "c", 1, 0), ENOTCONN);
	expect_errno("recv empty dgram", recv(r, buf, 1, MSG_DONTWAIT), EAGAIN);
	struct sockaddr_un none;
	socklen_t nlen = abstract_addr(&none, "cvisor-dgram-none");
	expect_errno("sendto nobody", sendto(s, "c", 1, 0, (struct sockaddr *)&none, nlen),
		     ECONNREFUSED);
	expect_errno("sendto bad address length",
		     sendto(s, "c", 1, 0, (struct sockaddr *)&ra, sizeof(ra) + 20), EINVAL);
	expect_errno("sendto negative address length",
		     sendto(s, "c", 1, 0, (struct sockaddr *)&ra, (socklen_t)-1), EINVAL);
	expect_errno("sendto address fault", sendto(s, "c", 1, 0, BAD_PTR, rlen), EFAULT);
	/* The receiver connects to someone else: others may not send to it. */
	int o = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un oa;
	socklen_t olen = abstract_addr(&oa, "cvisor-dgram-o");
	bind(o, (struct sockaddr *)&oa, olen);
	expect_ok("dgram connect", connect(r, (struct sockaddr *)&oa, olen));
	expect_errno("send to a socket connected elsewhere",
		     sendto(s, "d", 1, 0, (struct sockaddr *)&ra, rlen), EPERM);
	expect_errno("connect to a socket connected elsewhere",
		     connect(s, (struct sockaddr *)&ra, rlen), EPERM);
	struct sockaddr un = { .sa_family = AF_UNSPEC };
	expect_ok("dgram disconnect with AF_UNSPEC", connect(r, &un, sizeof(un)));
	expect_errno("getpeername after AF_UNSPEC", getpeername(r, (struct sockaddr *)&from, &fl),
		     ENOTCONN);
	/* max_dgram_qlen: 10 queued, the eleventh still fits (the check is "more than"). */
	int sent = 0;
	while (sendto(s, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&ra, rlen) == 1 && sent < 100)
		sent++;
	expect_eq("datagrams queued before EAGAIN", sent, 11);
	expect_errno("full receiver", sendto(s, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&ra, rlen),
		     EAGAIN);
	recv(r, buf, 1, 0);
	expect_eq("room after a read", sendto(s, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&ra, rlen),
		  1);
	connect(s, (struct sockaddr *)&ra, rlen);
	expect_eq("poll writer of a full peer", revents(s, POLLOUT), 0);
	close(r);
	close(s);
	close(o);
}

static void test_seqpacket(void)
{
	int sv[2];
	char buf[16];
	pair(SOCK_SEQPACKET, sv);
	send(sv[0], "record", 6, 0);
	send(sv[0], "two", 3, 0);
	struct iovec iov = { buf, 4 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	expect_eq("seqpacket truncated record", recvmsg(sv[1], &mh, 0), 4);
	expect_eq("seqpacket msg_flags", mh.msg_flags, MSG_TRUNC);
	expect_eq("seqpacket next record", recv(sv[1], buf, sizeof(buf), 0), 3);
	send(sv[0], "abcdef", 6, 0);
	expect_eq("seqpacket recv MSG_TRUNC length", recv(sv[1], buf, 2, MSG_TRUNC), 6);
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, "cvisor-seq-nobody");
	expect_eq("seqpacket sendto ignores the address",
		  sendto(sv[0], "z", 1, 0, (struct sockaddr *)&sa, len), 1);
	expect_eq("seqpacket got it", recv(sv[1], buf, sizeof(buf), 0), 1);
	close2(sv);
	int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	expect_errno("seqpacket send unconnected", send(s, "x", 1, 0), ENOTCONN);
	expect_errno("seqpacket recv unconnected", recv(s, buf, 1, MSG_DONTWAIT), ENOTCONN);
	close(s);
	/* A seqpacket listener. */
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	len = abstract_addr(&sa, "cvisor-seq-l");
	bind(s, (struct sockaddr *)&sa, len);
	expect_ok("seqpacket listen", listen(s, 4));
	int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	expect_ok("seqpacket connect", connect(c, (struct sockaddr *)&sa, len));
	int a = accept(s, NULL, NULL);
	send(c, "hi", 2, 0);
	send(c, "there", 5, 0);
	expect_eq("seqpacket accepted record 1", recv(a, buf, sizeof(buf), 0), 2);
	expect_eq("seqpacket accepted record 2", recv(a, buf, sizeof(buf), 0), 5);
	close(a);
	close(c);
	close(s);
}

static void test_names(void)
{
	struct sockaddr_un sa, got;
	socklen_t len = abstract_addr(&sa, "cvisor-name"), gl;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	gl = sizeof(got);
	expect_ok("getsockname unbound", getsockname(s, (struct sockaddr *)&got, &gl));
	expect_eq("unbound name length", gl, offsetof(struct sockaddr_un, sun_path));
	expect_ok("bind abstract", bind(s, (struct sockaddr *)&sa, len));
	gl = sizeof(got);
	getsockname(s, (struct sockaddr *)&got, &gl);
	expect_eq("abstract name length", gl, len);
	expect_true("abstract name bytes", !memcmp(&got, &sa, len));
	gl = 4;
	memset(&got, 0, sizeof(got));
	getsockname(s, (struct sockaddr *)&got, &gl);
	expect_eq("short getsockname: full length", gl, len);
	expect_eq("short getsockname: 4 bytes", got.sun_path[2], 0);
	expect_errno("bind twice", bind(s, (struct sockaddr *)&sa, len), EINVAL);
	int t = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_errno("abstract EADDRINUSE", bind(t, (struct sockaddr *)&sa, len), EADDRINUSE);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect_ok("same abstract name, other type", bind(d, (struct sockaddr *)&sa, len));
	expect_ok("dgram connects to its own name", connect(d, (struct sockaddr *)&sa, len));
	expect_errno("connect to a non-listener", connect(t, (struct sockaddr *)&sa, len),
		     ECONNREFUSED);
	close(s);
	expect_ok("name free after close", bind(t, (struct sockaddr *)&sa, len));
	close(t);
	close(d);

	/* Autobind: bind with only the family, or SO_PASSCRED then connect or send. */
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect_ok("autobind", bind(s, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path)));
	gl = sizeof(got);
	getsockname(s, (struct sockaddr *)&got, &gl);
	expect_eq("autobind name length", gl, offsetof(struct sockaddr_un, sun_path) + 6);
	int hex = got.sun_path[0] == 0;
	for (int i = 1; i < 6; i++)
		hex = hex && strchr("0123456789abcdef", got.sun_path[i]) != NULL;
	expect_true("autobind name is \\0 and five hex digits", hex);
	close(s);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	int on = 1;
	setsockopt(s, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	int r = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(r, (struct sockaddr *)&sa, len);
	sendto(s, "x", 1, 0, (struct sockaddr *)&sa, len);
	gl = sizeof(got);
	getsockname(s, (struct sockaddr *)&got, &gl);
	expect_eq("SO_PASSCRED send autobinds", gl, offsetof(struct sockaddr_un, sun_path) + 6);
	close(s);
	close(r);

	/* Bad addresses. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_errno("bind length 0", bind(s, (struct sockaddr *)&sa, 0), EINVAL);
	expect_errno("bind length 1", bind(s, (struct sockaddr *)&sa, 1), EINVAL);
	expect_errno("bind length 111", bind(s, (struct sockaddr *)&sa, 111), EINVAL);
	expect_errno("bind length 129", bind(s, (struct sockaddr *)&sa, 129), EINVAL);
	expect_errno("bind negative length", bind(s, (struct sockaddr *)&sa, (socklen_t)-5), EINVAL);
	expect_errno("bind bad pointer", bind(s, BAD_PTR, len), EFAULT);
	struct sockaddr_un wrong = sa;
	wrong.sun_family = AF_INET;
	expect_errno("bind wrong family", bind(s, (struct sockaddr *)&wrong, len), EINVAL);
	expect_errno("connect length 0", connect(s, (struct sockaddr *)&sa, 0), EINVAL);
	expect_errno("connect wrong family", connect(s, (struct sockaddr *)&wrong, len), EINVAL);
	expect_errno("connect bad pointer", connect(s, BAD_PTR, len), EFAULT);
	expect_errno("getsockname bad length pointer", getsockname(s, (struct sockaddr *)&got,
								   BAD_PTR), EFAULT);
	gl = (socklen_t)-1;
	expect_errno("getsockname negative length", getsockname(s, (struct sockaddr *)&got, &gl),
		     EINVAL);
	gl = sizeof(got);
	expect_errno("getsockname bad buffer", getsockname(s, BAD_PTR, &gl), EFAULT);
	expect_errno("getpeername unconnected", getpeername(s, (struct sockaddr *)&got, &gl),
		     ENOTCONN);
	close(s);
}

static void test_path_names(void)
{
	struct sockaddr_un sa, got;
	socklen_t len = path_addr(&sa, "sock"), gl;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_ok("bind path", bind(s, (struct sockaddr *)&sa, len));
	struct stat st;
	expect_ok("stat bound path", stat(sa.sun_path, &st));
	expect_true("bound path is a socket", S_ISSOCK(st.st_mode));
	expect_mode("bound path mode (umask 022)", st.st_mode & 0777, 0755);
	gl = sizeof(got);
	getsockname(s, (struct sockaddr *)&got, &gl);
	expect_eq("path name length", gl, len);
	expect_true("path name", !strcmp(got.sun_path, sa.sun_path));
	int t = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_errno("bind existing path", bind(t, (struct sockaddr *)&sa, len), EADDRINUSE);
	expect_errno("connect path not listening", connect(t, (struct sockaddr *)&sa, len),
		     ECONNREFUSED);
	listen(s, 4);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect_errno("dgram connect to a stream path", connect(d, (struct sockaddr *)&sa, len),
		     EPROTOTYPE);
	expect_errno("dgram sendto a stream path", sendto(d, "x", 1, 0, (struct sockaddr *)&sa, len),
		     EPROTOTYPE);
	expect_ok("connect path", connect(t, (struct sockaddr *)&sa, len));
	int a = accept(s, NULL, NULL);
	gl = sizeof(got);
	getpeername(t, (struct sockaddr *)&got, &gl);
	expect_true("client's peer name is the path", !strcmp(got.sun_path, sa.sun_path));
	gl = sizeof(got);
	getsockname(a, (struct sockaddr *)&got, &gl);
	expect_true("accepted socket's name is the path", !strcmp(got.sun_path, sa.sun_path));
	gl = sizeof(got);
	getpeername(a, (struct sockaddr *)&got, &gl);
	expect_eq("accepted socket's peer unbound", gl, offsetof(struct sockaddr_un, sun_path));
	close(a);
	close(t);
	close(s);
	t = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_errno("connect after the listener closed", connect(t, (struct sockaddr *)&sa, len),
		     ECONNREFUSED);
	expect_ok("unlink socket path", unlink(sa.sun_path));
	expect_errno("connect unlinked path", connect(t, (struct sockaddr *)&sa, len), ENOENT);
	socklen_t flen = path_addr(&sa, "file");
	close(open(sa.sun_path, O_CREAT | O_WRONLY, 0644));
	expect_errno("connect to a regular file", connect(t, (struct sockaddr *)&sa, flen),
		     ECONNREFUSED);
	expect_errno("bind over a regular file", bind(t, (struct sockaddr *)&sa, flen), EADDRINUSE);
	unlink(sa.sun_path);
	socklen_t mlen = path_addr(&sa, "nodir/sock");
	expect_errno("bind in a missing directory", bind(t, (struct sockaddr *)&sa, mlen), ENOENT);
	/* mknod(S_IFSOCK) makes an inode nobody listens on. */
	socklen_t klen = path_addr(&sa, "mknod");
	expect_ok("mknod S_IFSOCK", mknod(sa.sun_path, S_IFSOCK | 0600, 0));
	expect_errno("connect to a mknod socket", connect(t, (struct sockaddr *)&sa, klen),
		     ECONNREFUSED);
	unlink(sa.sun_path);
	close(t);
	/* A datagram socket bound to a path receives through it. */
	socklen_t dlen = path_addr(&sa, "dgram");
	int r = socket(AF_UNIX, SOCK_DGRAM, 0);
	bind(r, (struct sockaddr *)&sa, dlen);
	char buf[4];
	expect_eq("sendto a path", sendto(d, "p", 1, 0, (struct sockaddr *)&sa, dlen), 1);
	expect_eq("recv through a path", recv(r, buf, sizeof(buf), 0), 1);
	/* A path of 108 bytes with no NUL: Linux ends it at the address's end. */
	close(r);
	close(d);
	unlink(sa.sun_path);
}

static void test_listen_accept(void)
{
	char buf[8];
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_errno("listen unbound", listen(s, 1), EINVAL);
	expect_errno("accept not listening", accept(s, NULL, NULL), EINVAL);
	close(s);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	expect_errno("listen dgram", listen(s, 1), EOPNOTSUPP);
	expect_errno("accept dgram", accept(s, NULL, NULL), EOPNOTSUPP);
	close(s);
	int sv[2];
	pair(SOCK_STREAM, sv);
	expect_errno("listen connected", listen(sv[0], 1), EINVAL);
	struct sockaddr_un sa;
	socklen_t len = abstract_addr(&sa, "cvisor-x");
	expect_errno("connect connected, nobody there", connect(sv[0], (struct sockaddr *)&sa, len),
		     ECONNREFUSED);
	int xl = listener("cvisor-x", 1);
	expect_errno("connect connected", connect(sv[0], (struct sockaddr *)&sa, len), EISCONN);
	expect_errno("connect a listener", connect(xl, (struct sockaddr *)&sa, len), EINVAL);
	close(xl);
	expect_errno("sendto with address, connected stream",
		     sendto(sv[0], "x", 1, 0, (struct sockaddr *)&sa, len), EISCONN);
	close2(sv);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_errno("sendto with address, unconnected stream",
		     sendto(s, "x", 1, 0, (struct sockaddr *)&sa, len), EOPNOTSUPP);
	expect_errno("send unconnected stream", send(s, "x", 1, 0), ENOTCONN);
	expect_errno("recv unconnected stream", recv(s, buf, 1, 0), EINVAL);
	expect_ok("shutdown unconnected stream", shutdown(s, SHUT_WR));
	close(s);

	/* Backlog 0: one connection queues, the next one would wait. */
	int l = listener("cvisor-backlog", 0);
	int fl = fcntl(l, F_GETFL);
	fcntl(l, F_SETFL, fl | O_NONBLOCK);
	expect_errno("accept nonblocking listener", accept(l, NULL, NULL), EAGAIN);
	fcntl(l, F_SETFL, fl);
	expect_eq("listen again on a listener", listen(l, 0), 0);
	int c1 = connect_to("cvisor-backlog", SOCK_NONBLOCK);
	expect_true("first connection with backlog 0", c1 >= 0);
	expect_errno("second connection with backlog 0", connect_to("cvisor-backlog", SOCK_NONBLOCK),
		     EAGAIN);
	int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	struct timeval tv = { 0, 100000 };
	setsockopt(c2, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	len = abstract_addr(&sa, "cvisor-backlog");
	long long t0 = mono_ms();
	expect_errno("blocking connect times out", connect(c2, (struct sockaddr *)&sa, len), EAGAIN);
	expect_true("connect waited its timeout", mono_ms() - t0 >= 80);
	expect_eq("client writes before accept", send(c1, "early", 5, 0), 5);
	struct sockaddr_un peer;
	socklen_t pl = sizeof(peer);
	int a = accept4(l, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	expect_true("accept4", a >= 0);
	expect_eq("accept peer address of an unbound client", pl,
		  offsetof(struct sockaddr_un, sun_path));
	expect_true("accept4 SOCK_NONBLOCK", (fcntl(a, F_GETFL) & O_NONBLOCK) != 0);
	expect_eq("accept4 SOCK_CLOEXEC", fcntl(a, F_GETFD), FD_CLOEXEC);
	expect_eq("accepted socket reads the early data", recv(a, buf, sizeof(buf), 0), 5);
	int v = 0;
	socklen_t vl = sizeof(v);
	getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
	expect_eq("SO_ACCEPTCONN listener", v, 1);
	getsockopt(a, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl);
	expect_eq("SO_ACCEPTCONN accepted", v, 0);
	expect_ok("connect after accept made room", connect(c2, (struct sockaddr *)&sa, len));
	expect_errno("accept bad address length pointer", accept(l, (struct sockaddr *)&peer,
								 BAD_PTR), EFAULT);
	close(a);
	close(c1);
	close(c2);
	/* Closing a listener with queued connections resets them. */
	c1 = connect_to("cvisor-backlog", 0);
	close(l);
	expect_errno("queued client after listener close", recv(c1, buf, 1, 0), ECONNRESET);
	expect_eq("then EOF", recv(c1, buf, 1, 0), 0);
	close(c1);

	/* Two processes: the child connects and talks, the parent accepts. */
	l = listener("cvisor-fork", 4);
	pid_t pid = fork();
	if (pid == 0) {
		int c = connect_to("cvisor-fork", 0);
		char b[8];
		int ok = c >= 0 && send(c, "ping", 4, 0) == 4 && recv(c, b, 4, MSG_WAITALL) == 4 &&
			 !memcmp(b, "pong", 4);
		_exit(ok ? 0 : 1);
	}
	a = accept(l, NULL, NULL);
	expect_eq("parent reads the child's ping", recv(a, buf, 4, MSG_WAITALL), 4);
	expect_eq("parent answers", send(a, "pong", 4, 0), 4);
	int st;
	waitpid(pid, &st, 0);
	expect_eq("child got pong", st, 0);
	struct ucred uc;
	socklen_t ul = sizeof(uc);
	getsockopt(a, SOL_SOCKET, SO_PEERCRED, &uc, &ul);
	expect_true("SO_PEERCRED of the accepted socket is the child", uc.pid == pid);
	close(a);
	close(l);
}

static void test_waitall_and_signals(void)
{
	int sv[2];
	char buf[8];
	pair(SOCK_STREAM, sv);
	pid_t pid = fork();
	if (pid == 0) {
		send(sv[1], "ab", 2, 0);
		usleep(50000);
		send(sv[1], "cd", 2, 0);
		_exit(0);
	}
	expect_eq("MSG_WAITALL waits for all", recv(sv[0], buf, 4, MSG_WAITALL), 4);
	waitpid(pid, NULL, 0);
	close2(sv);

	catch_signal(SIGUSR1, on_usr1);
	pair(SOCK_STREAM, sv);
	pid_t me = getpid();
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		kill(me, SIGUSR1);
		_exit(0);
	}
	g_usr1 = 0;
	expect_errno("recv interrupted", recv(sv[0], buf, 1, 0), EINTR);
	expect_eq("handler ran", g_usr1, 1);
	waitpid(pid, NULL, 0);
	int l = listener("cvisor-eintr", 1);
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		kill(me, SIGUSR1);
		_exit(0);
	}
	expect_errno("accept interrupted", accept(l, NULL, NULL), EINTR);
	waitpid(pid, NULL, 0);
	close(l);
	/* A blocked stream writer is interrupted too, after nothing went. */
	int sz = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	static char big[1 << 16];
	while (send(sv[0], big, 1024, MSG_DONTWAIT) > 0)
		;
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		kill(me, SIGUSR1);
		_exit(0);
	}
	expect_errno("send interrupted", send(sv[0], big, 1024, 0), EINTR);
	waitpid(pid, NULL, 0);
	close2(sv);
	signal(SIGUSR1, SIG_DFL);

	/* SO_RCVTIMEO: EAGAIN after the time. */
	pair(SOCK_DGRAM, sv);
	struct timeval tv = { 0, 200000 }, got;
	expect_ok("SO_RCVTIMEO", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	socklen_t gl = sizeof(got);
	getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &got, &gl);
	expect_true("SO_RCVTIMEO reads back", got.tv_sec == 0 && got.tv_usec == 200000 &&
						     gl == sizeof(got));
	long long t0 = mono_ms();
	expect_errno("recv times out", recv(sv[0], buf, 1, 0), EAGAIN);
	long long dt = mono_ms() - t0;
	expect_true("recv waited about its timeout", dt >= 150 && dt < 3000);
	tv.tv_usec = 1000000;
	expect_errno("SO_RCVTIMEO usec 1000000", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
							    sizeof(tv)), EDOM);
	expect_errno("SO_RCVTIMEO short", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, 8),
		     EINVAL);
	tv = (struct timeval){ -1, 0 };
	expect_ok("SO_RCVTIMEO negative", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
						     sizeof(tv)));
	expect_errno("negative timeout never waits", recv(sv[0], buf, 1, 0), EAGAIN);
	tv = (struct timeval){ 0, 0 };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	getsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &got, &gl);
	expect_true("SO_SNDTIMEO default zero", got.tv_sec == 0 && got.tv_usec == 0);
	close2(sv);
}

/* Sends @n descriptors (all @fd) with @data over @s. */
static long send_fds(int s, const int *fds, int n, const char *data, size_t len)
{
	char ctl[CMSG_SPACE(sizeof(int) * 300)];
	memset(ctl, 0, sizeof(ctl));
	struct iovec iov = { (void *)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	return sendmsg(s, &mh, 0);
}

/* Receives up to 8 descriptors; returns the bytes, with the count in *nfd and the first in
 * *fd0, the message flags in *mflags. */
static long recv_fds(int s, int flags, size_t room, int *nfd, int *fd0, int *mflags)
{
	char data[16];
	char ctl[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = room ? ctl : NULL,
			     .msg_controllen = room };
	long n = recvmsg(s, &mh, flags);
	*nfd = 0;
	*fd0 = -1;
	*mflags = mh.msg_flags;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			*nfd = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(fd0, CMSG_DATA(c), sizeof(int));
		}
	}
	return n;
}

static void test_rights(void)
{
	int sv[2], p[2], nfd, fd0, mf;
	char buf[8];
	pair(SOCK_STREAM, sv);
	if (pipe(p) < 0)
		return;
	expect_eq("send a pipe descriptor", send_fds(sv[0], &p[1], 1, "f", 1), 1);
	close(p[1]);
	expect_eq("recv with a descriptor", recv_fds(sv[1], 0, CMSG_SPACE(sizeof(int) * 8), &nfd,
						     &fd0, &mf), 1);
	expect_eq("one descriptor came", nfd, 1);
	expect_eq("received descriptor writes into the pipe", write(fd0, "z", 1), 1);
	expect_eq("pipe read end gets it", read(p[0], buf, 1), 1);
	expect_eq("no FD_CLOEXEC by default", fcntl(fd0, F_GETFD), 0);
	close(fd0);

	/* Closed descriptors, too many, bad headers. */
	int closed = dup(p[0]);
	close(closed);
	expect_errno("SCM_RIGHTS closed descriptor", send_fds(sv[0], &closed, 1, "x", 1), EBADF);
	int many[254];
	for (int i = 0; i < 254; i++)
		many[i] = p[0];
	expect_errno("SCM_RIGHTS 254 descriptors", send_fds(sv[0], many, 254, "x", 1), EINVAL);
	expect_eq("SCM_RIGHTS 253 descriptors", send_fds(sv[0], many, 253, "x", 1), 1);
	char big[CMSG_SPACE(sizeof(int) * 253)];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = big,
			     .msg_controllen = sizeof(big) };
	expect_eq("recv 253", recvmsg(sv[1], &mh, MSG_CMSG_CLOEXEC), 1);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int count = c ? (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int)) : 0;
	expect_eq("253 came", count, 253);
	int *fds = (int *)CMSG_DATA(c);
	expect_eq("MSG_CMSG_CLOEXEC sets FD_CLOEXEC", fcntl(fds[0], F_GETFD), FD_CLOEXEC);
	for (int i = 0; i < count; i++)
		close(fds[i]);
	char ctl[CMSG_SPACE(sizeof(int))];
	iov = (struct iovec){ "x", 1 };
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = sizeof(struct cmsghdr) - 1;
	expect_errno("cmsg_len below a header", sendmsg(sv[0], &mh, 0), EINVAL);
	c->cmsg_len = sizeof(ctl) + 8;
	expect_errno("cmsg_len past the buffer", sendmsg(sv[0], &mh, 0), EINVAL);
	c->cmsg_len = CMSG_LEN(sizeof(int));
	c->cmsg_type = 99;
	expect_errno("unknown SOL_SOCKET type", sendmsg(sv[0], &mh, 0), EINVAL);
	c->cmsg_level = IPPROTO_IP;
	expect_eq("other levels are ignored", sendmsg(sv[0], &mh, 0), 1);
	recv(sv[1], buf, 1, 0);
	mh.msg_controllen = 8;
	expect_eq("control shorter than a header is ignored", sendmsg(sv[0], &mh, 0), 1);
	recv(sv[1], buf, 1, 0);
	mh.msg_controllen = 200000;
	expect_errno("control above optmem_max", sendmsg(sv[0], &mh, 0), ENOBUFS);
	mh.msg_controllen = sizeof(ctl);
	mh.msg_control = BAD_PTR;
	expect_errno("control bad pointer", sendmsg(sv[0], &mh, 0), EFAULT);

	/* A reader stops after the descriptors' message; MSG_PEEK shows them twice. */
	send_fds(sv[0], &p[0], 1, "ab", 2);
	send(sv[0], "cd", 2, 0);
	expect_eq("peek with descriptors", recv_fds(sv[1], MSG_PEEK, CMSG_SPACE(sizeof(int) * 8),
						    &nfd, &fd0, &mf), 2);
	expect_eq("peek installs them", nfd, 1);
	close(fd0);
	expect_eq("read stops at the descriptors", recv_fds(sv[1], 0, CMSG_SPACE(sizeof(int) * 8),
							    &nfd, &fd0, &mf), 2);
	expect_eq("descriptors again", nfd, 1);
	close(fd0);
	expect_eq("rest of the stream", recv(sv[1], buf, sizeof(buf), 0), 2);

	/* Too little room: MSG_CTRUNC, and the rest are closed; no room at all drops them. */
	int two[2] = { p[0], p[0] };
	send_fds(sv[0], two, 2, "t", 1);
	expect_eq("recv in room for one", recv_fds(sv[1], 0, CMSG_LEN(sizeof(int)), &nfd, &fd0,
						   &mf), 1);
	expect_eq("one of two", nfd, 1);
	expect_eq("MSG_CTRUNC", mf & MSG_CTRUNC, MSG_CTRUNC);
	close(fd0);
	int before = dup(0);
	close(before);
	send_fds(sv[0], &p[0], 1, "n", 1);
	expect_eq("recv without a control buffer", recv_fds(sv[1], 0, 0, &nfd, &fd0, &mf), 1);
	expect_eq("MSG_CTRUNC without room", mf & MSG_CTRUNC, MSG_CTRUNC);
	int after = dup(0);
	expect_eq("dropped descriptors were not installed", after, before);
	close(after);
	send_fds(sv[0], &p[0], 1, "r", 1);
	expect_eq("read(2) drops descriptors", read(sv[1], buf, 1), 1);
	after = dup(0);
	expect_eq("read(2) installed nothing", after, before);
	close(after);
	close2(sv);

	/* Datagrams carry descriptors too; a socket can travel. */
	pair(SOCK_DGRAM, sv);
	int inner[2];
	pair(SOCK_STREAM, inner);
	send_fds(sv[0], &inner[1], 1, "s", 1);
	close(inner[1]);
	recv_fds(sv[1], 0, CMSG_SPACE(sizeof(int) * 8), &nfd, &fd0, &mf);
	expect_eq("a socket travels", send(fd0, "via", 3, 0), 3);
	expect_eq("the other end hears it", recv(inner[0], buf, sizeof(buf), 0), 3);
	close(fd0);
	close(inner[0]);
	/* Descriptors in messages nobody reads go with the socket. */
	send_fds(sv[0], &p[1 - 1], 1, "u", 1);
	close2(sv);
	close2(p);
}

static long send_creds(int s, const struct ucred *uc)
{
	char ctl[CMSG_SPACE(sizeof(*uc))];
	struct iovec iov = { "c", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(*uc));
	memcpy(CMSG_DATA(c), uc, sizeof(*uc));
	return sendmsg(s, &mh, 0);
}

/* Receives one byte and the SCM_CREDENTIALS that came with it (found: *ok). */
static long recv_creds(int s, struct ucred *uc, int *ok)
{
	char data[4], ctl[CMSG_SPACE(sizeof(*uc)) + 64];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	long n = recvmsg(s, &mh, 0);
	*ok = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); n >= 0 && c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
			memcpy(uc, CMSG_DATA(c), sizeof(*uc));
			*ok = 1;
		}
	}
	return n;
}

static void test_creds(void)
{
	int sv[2], ok;
	struct ucred uc, me = { getpid(), getuid(), getgid() };
	pair(SOCK_DGRAM, sv);
	socklen_t l = sizeof(uc);
	expect_ok("SO_PEERCRED socketpair", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &l));
	expect_true("socketpair peer is us", uc.pid == me.pid && uc.uid == me.uid &&
						     uc.gid == me.gid && l == sizeof(uc));
	int on = 1;
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	int v = 0;
	l = sizeof(v);
	getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &l);
	expect_eq("SO_PASSCRED reads back", v, 1);
	send(sv[0], "x", 1, 0);
	recv_creds(sv[1], &uc, &ok);
	expect_true("SCM_CREDENTIALS without asking", ok && uc.pid == me.pid && uc.uid == me.uid);
	expect_eq("explicit SCM_CREDENTIALS", send_creds(sv[0], &me), 1);
	recv_creds(sv[1], &uc, &ok);
	expect_true("explicit credentials arrive", ok && uc.pid == me.pid && uc.gid == me.gid);
	struct ucred bad = me;
	bad.uid = (uid_t)-1;
	expect_errno("SCM_CREDENTIALS uid -1", send_creds(sv[0], &bad), EINVAL);
	char ctl[CMSG_SPACE(sizeof(uc))];
	struct iovec iov = { "c", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(uc) - 4);
	expect_errno("SCM_CREDENTIALS short", sendmsg(sv[0], &mh, 0), EINVAL);
	/* Without privileges a process may claim only its own identity. */
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
			_exit(2);
		struct ucred other = { 1, 65534, 65534 };
		errno = 0;
		long r = send_creds(sv[0], &other);
		_exit(r == -1 && errno == EPERM ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	expect_eq("unprivileged SCM_CREDENTIALS for pid 1: EPERM", st, 0);
	close2(sv);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	l = sizeof(uc);
	getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &l);
	expect_true("SO_PEERCRED unconnected", uc.pid == 0 && uc.uid == (uid_t)-1 &&
						       uc.gid == (gid_t)-1);
	close(s);
	/* Streams from two writers are not glued with SO_PASSCRED. */
	pair(SOCK_STREAM, sv);
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	send(sv[0], "a", 1, 0);
	pid = fork();
	if (pid == 0)
		_exit(send(sv[0], "b", 1, 0) == 1 ? 0 : 1);
	waitpid(pid, &st, 0);
	char buf[4];
	expect_eq("read stops at another writer", recv(sv[1], buf, sizeof(buf), 0), 1);
	recv_creds(sv[1], &uc, &ok);
	expect_true("the second writer's credentials", ok && uc.pid == pid);
	close2(sv);
}

static void test_options(void)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0), v = -1;
	socklen_t l = sizeof(v);
	getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l);
	expect_eq("SO_TYPE", v, SOCK_DGRAM);
	getsockopt(s, SOL_SOCKET, SO_DOMAIN, &v, &l);
	expect_eq("SO_DOMAIN", v, AF_UNIX);
	getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &v, &l);
	expect_eq("SO_PROTOCOL", v, 0);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &v, &l);
	expect_eq("SO_ERROR", v, 0);
	v = 4096;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l);
	expect_eq("SO_SNDBUF 4096 doubled", v, 8192);
	v = 1;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l);
	expect_eq("SO_SNDBUF minimum", v, 4608);
	v = 1;
	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l);
	expect_eq("SO_RCVBUF minimum", v, 2304);
	v = 1;
	expect_ok("SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)));
	getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &l);
	expect_eq("SO_REUSEADDR reads back", v, 1);
	getsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, &l);
	expect_eq("SO_RCVLOWAT default", v, 1);
	expect_errno("SO_REUSEPORT on AF_UNIX", setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &v,
							   sizeof(v)), EOPNOTSUPP);
	expect_errno("SO_SNDLOWAT set", setsockopt(s, SOL_SOCKET, SO_SNDLOWAT, &v, sizeof(v)),
		     ENOPROTOOPT);
	expect_errno("SO_LINGER short", setsockopt(s, SOL_SOCKET, SO_LINGER, &v, sizeof(v)),
		     EINVAL);
	struct linger lg = { 1, 5 };
	expect_ok("SO_LINGER", setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	l = sizeof(lg);
	memset(&lg, 0, sizeof(lg));
	getsockopt(s, SOL_SOCKET, SO_LINGER, &lg, &l);
	expect_true("SO_LINGER reads back", lg.l_onoff == 1 && lg.l_linger == 5 && l == sizeof(lg));
	l = 2;
	v = 0;
	getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l);
	expect_eq("getsockopt short length kept", l, 2);
	expect_eq("getsockopt short value", v, SOCK_DGRAM);
	l = 64;
	getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l);
	expect_eq("getsockopt long length cut", l, sizeof(int));
	l = (socklen_t)-1;
	expect_errno("getsockopt negative length", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l),
		     EINVAL);
	expect_errno("getsockopt bad length pointer", getsockopt(s, SOL_SOCKET, SO_TYPE, &v,
								 BAD_PTR), EFAULT);
	l = sizeof(v);
	expect_errno("getsockopt bad value pointer", getsockopt(s, SOL_SOCKET, SO_TYPE, BAD_PTR,
								&l), EFAULT);
	expect_errno("getsockopt unknown", getsockopt(s, SOL_SOCKET, 999, &v, &l), ENOPROTOOPT);
	expect_errno("getsockopt SOL_TCP", getsockopt(s, IPPROTO_TCP, 1, &v, &l), EOPNOTSUPP);
	expect_errno("setsockopt SOL_TCP", setsockopt(s, IPPROTO_TCP, 1, &v, sizeof(v)),
		     EOPNOTSUPP);
	expect_errno("setsockopt unknown", setsockopt(s, SOL_SOCKET, 999, &v, sizeof(v)),
		     ENOPROTOOPT);
	expect_errno("setsockopt length 2", setsockopt(s, SOL_SOCKET, SO_PASSCRED, &v, 2), EINVAL);
	expect_errno("setsockopt negative length", setsockopt(s, SOL_SOCKET, SO_PASSCRED, &v,
							      (socklen_t)-1), EINVAL);
	expect_errno("setsockopt bad pointer", setsockopt(s, SOL_SOCKET, SO_PASSCRED, BAD_PTR, 4),
		     EFAULT);
	close(s);
}

static void test_bad_messages(void)
{
	int sv[2];
	char buf[8];
	pair(SOCK_DGRAM, sv);
	static struct iovec many[1025];
	for (int i = 0; i < 1025; i++)
		many[i] = (struct iovec){ buf, 0 };
	struct msghdr mh = { .msg_iov = many, .msg_iovlen = 1025 };
	expect_errno("sendmsg 1025 segments", sendmsg(sv[0], &mh, 0), EMSGSIZE);
	expect_errno("recvmsg 1025 segments", recvmsg(sv[1], &mh, MSG_DONTWAIT), EMSGSIZE);
	expect_errno("writev 1025 segments", writev(sv[0], many, 1025), EINVAL);
	mh.msg_iovlen = 1024;
	expect_eq("sendmsg 1024 empty segments", sendmsg(sv[0], &mh, 0), 0);
	recv(sv[1], buf, 1, 0);
	struct iovec neg = { buf, (size_t)-1 };
	mh = (struct msghdr){ .msg_iov = &neg, .msg_iovlen = 1 };
	expect_errno("sendmsg negative segment length", sendmsg(sv[0], &mh, 0), EINVAL);
	expect_errno("sendmsg bad header", sendmsg(sv[0], BAD_PTR, 0), EFAULT);
	expect_errno("recvmsg bad header", recvmsg(sv[1], BAD_PTR, 0), EFAULT);
	mh = (struct msghdr){ .msg_iov = BAD_PTR, .msg_iovlen = 1 };
	expect_errno("sendmsg bad segments", sendmsg(sv[0], &mh, 0), EFAULT);
	struct iovec badbuf = { BAD_PTR, 4 };
	mh = (struct msghdr){ .msg_iov = &badbuf, .msg_iovlen = 1 };
	expect_errno("sendmsg bad data", sendmsg(sv[0], &mh, 0), EFAULT);
	expect_errno("send bad data", send(sv[0], BAD_PTR, 4, 0), EFAULT);
	send(sv[0], "data", 4, 0);
	expect_errno("recv into a bad buffer", recv(sv[1], BAD_PTR, 4, 0), EFAULT);
	struct sockaddr_un sa;
	mh = (struct msghdr){ .msg_name = &sa, .msg_namelen = (socklen_t)-1 };
	expect_errno("sendmsg negative name length", sendmsg(sv[0], &mh, 0), EINVAL);
	close2(sv);

	pair(SOCK_STREAM, sv);
	expect_errno("stream send bad data", send(sv[0], BAD_PTR, 4, 0), EFAULT);
	send(sv[0], "abcd", 4, 0);
	expect_errno("stream recv bad buffer", recv(sv[1], BAD_PTR, 4, 0), EFAULT);
	expect_eq("data still there after EFAULT", recv(sv[1], buf, 8, 0), 4);
	close2(sv);
}

static void test_mmsg(void)
{
	int sv[2];
	pair(SOCK_DGRAM, sv);
	char b[3][4] = { "a", "bb", "ccc" };
	struct iovec iov[3];
	struct mmsghdr mm[5];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 3; i++) {
		iov[i] = (struct iovec){ b[i], (size_t)i + 1 };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	expect_eq("sendmmsg 3", syscall(SYS_sendmmsg, sv[0], mm, 3, 0), 3);
	expect_eq("sendmmsg msg_len", mm[2].msg_len, 3);
	char r[5][8];
	struct iovec riov[5];
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < 5; i++) {
		riov[i] = (struct iovec){ r[i], sizeof(r[i]) };
		mm[i].msg_hdr.msg_iov = &riov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	expect_eq("recvmmsg MSG_DONTWAIT takes 3", syscall(SYS_recvmmsg, sv[1], mm, 5, MSG_DONTWAIT,
							    NULL), 3);
	expect_true("recvmmsg lengths", mm[0].msg_len == 1 && mm[1].msg_len == 2 &&
						mm[2].msg_len == 3);
	expect_errno("recvmmsg nothing", syscall(SYS_recvmmsg, sv[1], mm, 5, MSG_DONTWAIT, NULL),
		     EAGAIN);
	send(sv[0], "w", 1, 0);
	expect_eq("recvmmsg MSG_WAITFORONE", syscall(SYS_recvmmsg, sv[1], mm, 5, MSG_WAITFORONE,
						     NULL), 1);
	struct timespec ts = { 0, 2000000000L };
	expect_errno("recvmmsg bad timeout", syscall(SYS_recvmmsg, sv[1], mm, 5, 0, &ts), EINVAL);
	expect_errno("recvmmsg timeout fault", syscall(SYS_recvmmsg, sv[1], mm, 5, 0, BAD_PTR),
		     EFAULT);
	expect_eq("sendmmsg vlen 0", syscall(SYS_sendmmsg, sv[0], mm, 0, 0), 0);
	expect_errno("sendmmsg bad vector", syscall(SYS_sendmmsg, sv[0], BAD_PTR, 2, 0), EFAULT);
	close2(sv);
}

int main(void)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/cvisor-unix-XXXXXX");
	if (!mkdtemp(g_dir)) {
		perror("mkdtemp");
		return 2;
	}
	umask(022);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_create();
	test_stream_data();
	test_stream_shutdown();
	test_poll_states();
	test_dgram();
	test_seqpacket();
	test_names();
	test_path_names();
	test_listen_accept();
	test_waitall_and_signals();
	test_rights();
	test_creds();
	test_options();
	test_bad_messages();
	test_mmsg();
	rmdir(g_dir);
	return expect_status();
}
