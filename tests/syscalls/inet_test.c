/*
 * AF_INET and AF_INET6 sockets over loopback (ip(7), ipv6(7), tcp(7), udp(7), icmp(7)): TCP
 * connection life (bind to port 0, listen, connect, accept4 flags, names, data, MSG_PEEK,
 * MSG_DONTWAIT, shutdown, EPIPE, ECONNREFUSED, non-blocking connect, SO_RCVTIMEO), a process
 * pair, UDP datagrams (MSG_TRUNC, connect), ping sockets and bad input. No port number is
 * printed; a ping socket prints the same whether net.ipv4.ping_group_range allows it or not.
 */
#include "expect.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)

/* Loopback of @family with port @port (network order). */
static socklen_t lo_addr(int family, struct sockaddr_storage *ss, in_port_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = port;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	}
	struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
	a->sin6_family = AF_INET6;
	a->sin6_port = port;
	a->sin6_addr = in6addr_loopback;
	return sizeof(*a);
}

static in_port_t port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? ((const struct sockaddr_in *)ss)->sin_port
					: ((const struct sockaddr_in6 *)ss)->sin6_port;
}

/* A listener on loopback port 0; *@addr is where it listens. */
static int listener(int family, struct sockaddr_storage *addr, socklen_t *len)
{
	int l = socket(family, SOCK_STREAM, 0);
	*len = lo_addr(family, addr, 0);
	if (l < 0 || bind(l, (struct sockaddr *)addr, *len) < 0 || listen(l, 8) < 0)
		return -1;
	socklen_t n = sizeof(*addr);
	return getsockname(l, (struct sockaddr *)addr, &n) < 0 ? -1 : l;
}

static int revents(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };
	return poll(&p, 1, 1000) < 0 ? -1 : p.revents;
}

static void tcp_cases(int family)
{
	const char *f = family == AF_INET ? "tcp4" : "tcp6";
	char what[96];
#define W(s) (snprintf(what, sizeof(what), "%s %s", f, s), what)
	struct sockaddr_storage la, got;
	socklen_t llen, glen;
	int l = listener(family, &la, &llen);
	expect_true(W("listener bound to a nonzero port"), l >= 0 && port_of(&la) != 0);
	int v = 0;
	socklen_t vl = sizeof(v);
	expect_ok(W("getsockopt SO_ACCEPTCONN"), getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
	expect_eq(W("SO_ACCEPTCONN value"), v, 1);
	int c = socket(family, SOCK_STREAM, 0);
	expect_ok(W("connect"), connect(c, (struct sockaddr *)&la, llen));
	int a = accept4(l, (struct sockaddr *)&got, &(socklen_t){ sizeof(got) },
			SOCK_NONBLOCK | SOCK_CLOEXEC);
	expect_true(W("accept4 returns a descriptor"), a >= 0);
	expect_eq(W("accept4 SOCK_NONBLOCK"), fcntl(a, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	expect_eq(W("accept4 SOCK_CLOEXEC"), fcntl(a, F_GETFD), FD_CLOEXEC);
	glen = sizeof(got);
	expect_ok(W("getpeername"), getpeername(a, (struct sockaddr *)&got, &glen));
	expect_eq(W("peer family"), got.ss_family, family);
	expect_eq(W("peer name length"), glen, (long)llen);
	struct sockaddr_storage cn;
	socklen_t cnl = sizeof(cn);
	getsockname(c, (struct sockaddr *)&cn, &cnl);
	expect_true(W("peer port is the client's"), port_of(&cn) == port_of(&got));

	expect_eq(W("send"), send(c, "hello", 5, 0), 5);
	char buf[16] = { 0 };
	expect_eq(W("poll readable"), revents(a, POLLIN) & POLLIN, POLLIN);
	expect_eq(W("recv MSG_PEEK"), recv(a, buf, 3, MSG_PEEK), 3);
	expect_eq(W("recv"), recv(a, buf, sizeof(buf), 0), 5);
	expect_str(W("data"), buf, "hello");
	expect_errno(W("recv MSG_DONTWAIT empty"), recv(c, buf, 1, MSG_DONTWAIT), EAGAIN);
	int fl = fcntl(a, F_GETFL);
	fcntl(a, F_SETFL, fl & ~O_NONBLOCK);
	struct timeval tv = { 0, 100000 };
	expect_ok(W("SO_RCVTIMEO"), setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	expect_errno(W("recv past SO_RCVTIMEO"), recv(a, buf, 1, 0), EAGAIN);
	expect_ok(W("shutdown SHUT_WR"), shutdown(c, SHUT_WR));
	expect_eq(W("recv after peer SHUT_WR"), recv(a, buf, 1, 0), 0);
	expect_eq(W("FIONREAD"), ioctl(a, FIONREAD, &v), 0);
	expect_errno(W("ioctl unknown"), ioctl(a, 0x1234, &v), ENOTTY);
	close(c);
	usleep(20000);
	send(a, "x", 1, MSG_NOSIGNAL);
	usleep(20000);
	long r = send(a, "x", 1, MSG_NOSIGNAL);
	if (r == -1 && errno == ECONNRESET)
		r = send(a, "x", 1, MSG_NOSIGNAL);
	expect_errno(W("send after peer close MSG_NOSIGNAL"), r, EPIPE);
	close(a);

	/* non-blocking connect, epoll writable, SO_ERROR 0 */
	c = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	r = connect(c, (struct sockaddr *)&la, llen);
	expect_true(W("non-blocking connect: 0 or EINPROGRESS"), r == 0 || errno == EINPROGRESS);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLOUT }, out;
	epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
	expect_eq(W("epoll_wait writable"), epoll_wait(ep, &out, 1, 2000), 1);
	v = -1;
	vl = sizeof(v);
	expect_ok(W("SO_ERROR"), getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &vl));
	expect_eq(W("SO_ERROR value"), v, 0);
	close(ep);
	a = accept(l, NULL, NULL);
	expect_true(W("accept"), a >= 0);
	close(a);
	close(c);

	/* a process pair */
	pid_t pid = fork();
	if (pid == 0) {
		int k = socket(family, SOCK_STREAM, 0);
		if (connect(k, (struct sockaddr *)&la, llen) < 0 || send(k, "ping", 4, 0) != 4)
			_exit(1);
		char b[4];
		_exit(recv(k, b, 4, MSG_WAITALL) == 4 && !memcmp(b, "pong", 4) ? 0 : 2);
	}
	a = accept(l, NULL, NULL);
	memset(buf, 0, sizeof(buf));
	expect_eq(W("child's data"), recv(a, buf, 4, MSG_WAITALL), 4);
	expect_eq(W("reply"), send(a, "pong", 4, 0), 4);
	int st = -1;
	waitpid(pid, &st, 0);
	expect_eq(W("child status"), st, 0);
	close(a);

	/* errors */
	expect_errno(W("accept on a non-listening socket"), accept(c = socket(family, SOCK_STREAM, 0), NULL, NULL), EINVAL);
	struct sockaddr_storage b2;
	socklen_t b2l = lo_addr(family, &b2, 0);
	expect_ok(W("bind"), bind(c, (struct sockaddr *)&b2, b2l));
	expect_errno(W("bind twice"), bind(c, (struct sockaddr *)&b2, b2l), EINVAL);
	close(c);
	c = socket(family, SOCK_STREAM, 0);
	expect_errno(W("bind to a listening port"), bind(c, (struct sockaddr *)&la, llen), EADDRINUSE);
	expect_errno(W("bind short length"), bind(c, (struct sockaddr *)&b2, family == AF_INET ? 15 : 23), EINVAL);
	expect_errno(W("bind bad pointer"), bind(c, BAD_PTR, b2l), EFAULT);
	expect_errno(W("getsockopt unknown"), getsockopt(c, SOL_SOCKET, 9999, &v, &vl), ENOPROTOOPT);
	expect_errno(W("setsockopt unknown level"), setsockopt(c, 999, 1, &v, sizeof(v)), ENOPROTOOPT);
	expect_errno(W("setsockopt short optlen"), setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
	v = 1;
	expect_ok(W("TCP_NODELAY"), setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)));
	close(c);
	close(l);
	/* ECONNREFUSED: the listener's port, now closed */
	c = socket(family, SOCK_STREAM, 0);
	expect_errno(W("connect to a closed port"), connect(c, (struct sockaddr *)&la, llen), ECONNREFUSED);
	close(c);
#undef W
}

static void udp_cases(int family)
{
	const char *f = family == AF_INET ? "udp4" : "udp6";
	char what[96];
#define W(s) (snprintf(what, sizeof(what), "%s %s", f, s), what)
	struct sockaddr_storage sa, from;
	socklen_t sl = lo_addr(family, &sa, 0);
	int s = socket(family, SOCK_DGRAM, 0), c = socket(family, SOCK_DGRAM, 0);
	expect_ok(W("bind"), bind(s, (struct sockaddr *)&sa, sl));
	socklen_t n = sizeof(sa);
	getsockname(s, (struct sockaddr *)&sa, &n);
	expect_eq(W("sendto"), sendto(c, "datagram", 8, 0, (struct sockaddr *)&sa, sl), 8);
	char buf[16] = { 0 };
	socklen_t fl = sizeof(from);
	expect_eq(W("recvfrom"), recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl), 8);
	expect_eq(W("source family"), from.ss_family, family);
	expect_eq(W("source length"), fl, (long)sl);
	expect_ok(W("connect"), connect(c, (struct sockaddr *)&sa, sl));
	expect_eq(W("send connected"), send(c, "0123456789", 10, 0), 10);
	expect_eq(W("recv MSG_TRUNC"), recv(s, buf, 4, MSG_TRUNC), 10);
	expect_errno(W("recv MSG_DONTWAIT empty"), recv(s, buf, 4, MSG_DONTWAIT), EAGAIN);
	expect_errno(W("listen"), listen(s, 1), EOPNOTSUPP);
	int v = 1;
	expect_errno(W("TCP_NODELAY"), setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), ENOPROTOOPT);
	close(s);
	close(c);
#undef W
}

static void ping_case(void)
{
	int s = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
	if (s < 0) {
		expect_true("ping socket: allowed or EACCES", errno == EACCES);
		return;
	}
	struct sockaddr_storage sa;
	socklen_t sl = lo_addr(AF_INET, &sa, 0);
	struct icmphdr h = { .type = ICMP_ECHO };
	long r = sendto(s, &h, sizeof(h), 0, (struct sockaddr *)&sa, sl);
	char buf[64];
	int ok = r == sizeof(h) && revents(s, POLLIN) & POLLIN && recv(s, buf, sizeof(buf), 0) >= 8 &&
		 ((struct icmphdr *)buf)->type == ICMP_ECHOREPLY;
	expect_true("ping socket: allowed or EACCES", ok);
	close(s);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	tcp_cases(AF_INET);
	tcp_cases(AF_INET6);
	udp_cases(AF_INET);
	udp_cases(AF_INET6);
	ping_case();
	expect_errno("socket unknown family", socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	expect_errno("socket bad type", socket(AF_INET, 77, 0), EINVAL);
	expect_errno("socket stream with UDP", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP), EPROTONOSUPPORT);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	expect_errno("bind AF_INET6 address to AF_INET", bind(s, (struct sockaddr *)&a6, sizeof(struct sockaddr_in)), EAFNOSUPPORT);
	expect_errno("bind address too long", bind(s, (struct sockaddr *)&a6, 200), EINVAL);
	close(s);
	return expect_status();
}
