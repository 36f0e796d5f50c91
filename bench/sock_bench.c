/*
 * bench/sock_bench.c: socket round trips and throughput, for bench/tcp-rr.sh, tcp-bulk.sh and
 * unix-rr.sh.
 *
 *   sock_bench rr tcp|unix [COUNT]            a 1-byte request and its 1-byte answer between
 *                                            a process and its child (fork), COUNT times
 *                                            (default 20000) after 1000 of warm-up; prints
 *                                            microseconds per round trip
 *   sock_bench bulk tcp|unix [MIB] [SECONDS]  the process writes 64 KiB chunks its child
 *                                            reads, until MIB MiB (default 2048) or SECONDS
 *                                            (default 2); prints MB/s (10^6 bytes/s)
 *
 * tcp is a connection over 127.0.0.1 (TCP_NODELAY), unix an AF_UNIX stream socketpair. Built
 * static and unsanitized: it is the application, run natively, under gVisor and cvisor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64u << 10)
static char g_buf[CHUNK];

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A connected pair: [0] for the parent, [1] for the child. */
static int make_pair(const char *kind, int sv[2])
{
	if (!strcmp(kind, "unix"))
		return socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, len) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return -1;
	sv[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (sv[1] < 0 || connect(sv[1], (struct sockaddr *)&a, len) < 0)
		return -1;
	sv[0] = accept(l, NULL, NULL);
	close(l);
	int one = 1;
	setsockopt(sv[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(sv[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return sv[0] < 0 ? -1 : 0;
}

/* One byte each way. gVisor's host network (--network=host, 2022 release) sometimes fails a
 * blocking read with EAGAIN, so that is waited out with poll rather than taken as an error. */
static ssize_t xfer(int fd, char *c, int out)
{
	for (;;) {
		ssize_t n = out ? write(fd, c, 1) : read(fd, c, 1);
		if (n >= 0 || (errno != EAGAIN && errno != EINTR))
			return n;
		struct pollfd p = { .fd = fd, .events = out ? POLLOUT : POLLIN };
		poll(&p, 1, -1);
	}
}

static int rr(int fd, long n)
{
	char c = 'x';
	for (long i = 0; i < n; i++)
		if (xfer(fd, &c, 1) != 1 || xfer(fd, &c, 0) != 1)
			return -1;
	return 0;
}

static int echo(int fd)
{
	char c;
	while (xfer(fd, &c, 0) == 1)
		if (xfer(fd, &c, 1) != 1)
			return 1;
	return 0;
}

static int drain(int fd)
{
	ssize_t n;
	while ((n = read(fd, g_buf, CHUNK)) != 0) {
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return 1;
		if (n < 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			poll(&p, 1, -1);
		}
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			poll(&pf, 1, -1);
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[1], "rr") && strcmp(argv[1], "bulk")) ||
	    (strcmp(argv[2], "tcp") && strcmp(argv[2], "unix"))) {
		fprintf(stderr, "usage: sock_bench rr|bulk tcp|unix [COUNT | MIB SECONDS]\n");
		return 2;
	}
	int is_rr = !strcmp(argv[1], "rr"), sv[2];
	if (make_pair(argv[2], sv) < 0) {
		perror("sock_bench: pair");
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(sv[0]);
		_exit(is_rr ? echo(sv[1]) : drain(sv[1]));
	}
	close(sv[1]);
	double t0, t;
	int rc;
	if (is_rr) {
		long n = argc > 3 ? atol(argv[3]) : 20000;
		rc = rr(sv[0], 1000);
		t0 = now_s();
		rc |= rr(sv[0], n);
		t = now_s() - t0;
		if (rc == 0)
			printf("%.1f\n", t / (double)n * 1e6);
		else
			perror("sock_bench: round trip");
	} else {
		unsigned long long max = (argc > 3 ? strtoull(argv[3], NULL, 0) : 2048) << 20;
		double secs = argc > 4 ? atof(argv[4]) : 2, bytes = 0;
		rc = 0;
		for (int i = 0; i < 256 && rc == 0; i++)	/* 16 MiB of warm-up */
			rc = write_all(sv[0], g_buf, CHUNK);
		t0 = now_s();
		while (rc == 0 && bytes < (double)max && now_s() - t0 < secs) {
			rc = write_all(sv[0], g_buf, CHUNK);
			bytes += CHUNK;
		}
		t = now_s() - t0;
		if (rc == 0)
			printf("%.0f\n", bytes / t / 1e6);
	}
	close(sv[0]);
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "sock_bench: the child failed (status %#x)\n", st);
	return rc || !WIFEXITED(st) || WEXITSTATUS(st) ? 1 : 0;
}
