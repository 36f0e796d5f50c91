/*
 * bench/syscall_loop.c: the cost of one system call, for bench/syscall.sh.
 *
 *   syscall_loop getppid N        N getppid calls
 *   syscall_loop stat N PATH      N stat calls of PATH (newfstatat, following symlinks)
 *
 * Prints the nanoseconds per call: the median of ROUNDS rounds of N calls after a warm-up round,
 * so one round disturbed by other load on the machine moves nothing. Built
 * static and unsanitized: it is the application, run natively, under gVisor and under cvisor,
 * whose `runsc do` starts with static programs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 5

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One round of n calls; returns its duration in ns, or -errno of the first failure. */
static long long round_getppid(long n)
{
	long long t0 = now_ns();
	for (long i = 0; i < n; i++)
		(void)syscall(SYS_getppid);
	return now_ns() - t0;
}

static long long round_stat(long n, const char *path)
{
	struct stat st;
	long long t0 = now_ns();
	for (long i = 0; i < n; i++)
		if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) < 0)
			return -errno;
	return now_ns() - t0;
}

static int by_value(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int is_stat = argc == 4 && strcmp(argv[1], "stat") == 0;
	if (!is_stat && !(argc == 3 && strcmp(argv[1], "getppid") == 0)) {
		fprintf(stderr, "usage: syscall_loop getppid N | syscall_loop stat N PATH\n");
		return 2;
	}
	char *end;
	long n = strtol(argv[2], &end, 10);
	if (*end || n <= 0) {
		fprintf(stderr, "syscall_loop: bad count \"%s\"\n", argv[2]);
		return 2;
	}
	long long rounds[ROUNDS];
	for (int r = 0; r <= ROUNDS; r++) {
		/* Round 0 warms caches (and the sandbox's lookup caches) and is not counted. */
		long long t = is_stat ? round_stat(r ? n : n / 10 + 1, argv[3])
				      : round_getppid(r ? n : n / 10 + 1);
		if (t < 0) {
			fprintf(stderr, "syscall_loop: stat %s: %s\n", argv[3], strerror((int)-t));
			return 1;
		}
		if (r)
			rounds[r - 1] = t;
	}
	qsort(rounds, ROUNDS, sizeof(rounds[0]), by_value);
	printf("%.0f\n", (double)rounds[ROUNDS / 2] / (double)n);
	return 0;
}
