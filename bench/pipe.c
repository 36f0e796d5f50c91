/*
 * bench/pipe.c: pipe throughput, for bench/pipe.sh.
 *
 *   pipe_bench fork [MIB] [SECONDS]  a process writes 64 KiB chunks into a pipe that its
 *                                    child reads, until MIB MiB (default 1024) or SECONDS
 *                                    (default 2) have gone by; then the writer closes and
 *                                    waits for the child to drain
 *   pipe_bench self [MIB]            one process writes 64 KiB and reads it back, MIB MiB in
 *                                    all (default 256): the per-transfer cost without a
 *                                    second process (runs where fork does not yet)
 *
 * Prints MB/s (10^6 bytes per second) of the measured run, after a warm-up of 64 MiB. The
 * child checks it received every byte written; a short count fails the run. Built static and
 * unsanitized: it is the application, run natively, under gVisor and under cvisor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64u << 10)
#define WARMUP_BYTES (64ull << 20)

static char g_buf[CHUNK];

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The child: reads @data to EOF, then the count the writer sent on @count; exits 0 when the
 * two agree. */
static int reader(int data, int count)
{
	unsigned long long got = 0, sent = 0;
	ssize_t n;
	while ((n = read(data, g_buf, CHUNK)) > 0)
		got += (unsigned long long)n;
	if (n < 0 || read(count, &sent, sizeof(sent)) != (ssize_t)sizeof(sent))
		return 1;
	return got == sent ? 0 : 1;
}

/* One run: bytes up to @max or @secs; returns MB/s, or -1. */
static double run_fork(unsigned long long max, double secs)
{
	int data[2], count[2];
	if (pipe(data) < 0 || pipe(count) < 0) {
		perror("pipe_bench: pipe");
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("pipe_bench: fork");
		return -1;
	}
	if (pid == 0) {
		close(data[1]);
		close(count[1]);
		_exit(reader(data[0], count[0]));
	}
	close(data[0]);
	close(count[0]);
	unsigned long long sent = 0;
	double t0 = now_s();
	/* The clock is read every 16 chunks (1 MiB): in a sandbox it may be a system call. */
	while (sent < max && (sent % (16 * CHUNK) != 0 || now_s() - t0 < secs)) {
		if (write_all(data[1], g_buf, CHUNK) < 0) {
			perror("pipe_bench: write");
			break;
		}
		sent += CHUNK;
	}
	close(data[1]);
	int ok = write(count[1], &sent, sizeof(sent)) == (ssize_t)sizeof(sent);
	close(count[1]);
	int status;
	if (waitpid(pid, &status, 0) < 0 || !ok || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "pipe_bench: the reader did not get every byte\n");
		return -1;
	}
	return (double)sent / 1e6 / (now_s() - t0);
}

static double run_self(unsigned long long total)
{
	int p[2];
	if (pipe(p) < 0) {
		perror("pipe_bench: pipe");
		return -1;
	}
	double t0 = now_s();
	for (unsigned long long done = 0; done < total; done += CHUNK) {
		if (write_all(p[1], g_buf, CHUNK) < 0 || read(p[0], g_buf, CHUNK) != CHUNK) {
			perror("pipe_bench: self");
			return -1;
		}
	}
	double mbs = (double)total / 1e6 / (now_s() - t0);
	close(p[0]);
	close(p[1]);
	return mbs;
}

int main(int argc, char **argv)
{
	int fork_mode = argc >= 2 && strcmp(argv[1], "fork") == 0;
	if (argc < 2 || (!fork_mode && strcmp(argv[1], "self") != 0) || argc > (fork_mode ? 4 : 3)) {
		fprintf(stderr, "usage: pipe_bench fork [MIB] [SECONDS] | pipe_bench self [MIB]\n");
		return 2;
	}
	unsigned long long mib = argc > 2 ? strtoull(argv[2], NULL, 10) : fork_mode ? 1024 : 256;
	double secs = argc > 3 ? strtod(argv[3], NULL) : 2.0;
	if (!mib || secs <= 0) {
		fprintf(stderr, "pipe_bench: bad size or time\n");
		return 2;
	}
	memset(g_buf, 0x5a, sizeof(g_buf));
	double mbs = fork_mode ? run_fork(WARMUP_BYTES, secs) : run_self(WARMUP_BYTES);
	if (mbs >= 0)
		mbs = fork_mode ? run_fork(mib << 20, secs) : run_self(mib << 20);
	if (mbs < 0)
		return 1;
	printf("%.0f\n", mbs);
	return 0;
}
