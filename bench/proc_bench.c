/*
 * bench/proc_bench.c: process and thread costs, as bench/spawn.sh, thread.sh and futex.sh
 * measure them. Prints one number: the mean over N rounds.
 *
 *   proc_bench spawn N PROG   fork + execve(PROG) + wait4, microseconds per spawn
 *   proc_bench thread N       pthread_create + pthread_join of an empty thread, microseconds
 *   proc_bench futex N        FUTEX_WAKE/FUTEX_WAIT ping-pong between two threads pinned to
 *                             one CPU, microseconds per round trip
 *
 * Static and unsanitized: it is the application. A failure prints nothing and exits 1, so the
 * script can tell "not supported" from a figure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int spawn(long n, const char *prog)
{
	char *argv[] = { (char *)prog, NULL }, *envp[] = { NULL };
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return -1;
		if (pid == 0) {
			execve(prog, argv, envp);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return -1;
	}
	return 0;
}

static void *empty(void *arg)
{
	return arg;
}

static int threads(long n)
{
	for (long i = 0; i < n; i++) {
		pthread_t th;
		if (pthread_create(&th, NULL, empty, NULL) != 0 || pthread_join(th, NULL) != 0)
			return -1;
	}
	return 0;
}

static _Atomic uint32_t g_word;	/* 0: ping's turn, 1: pong's */
static long g_rounds;

static long futex(_Atomic uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

/* Waits until the word is @want, then sets it to @next and wakes the other side. */
static void turn(uint32_t want, uint32_t next)
{
	uint32_t v;
	while ((v = atomic_load(&g_word)) != want)
		futex(&g_word, FUTEX_WAIT, v);
	atomic_store(&g_word, next);
	futex(&g_word, FUTEX_WAKE, 1);
}

static void *pong(void *arg)
{
	for (long i = 0; i < g_rounds; i++)
		turn(1, 0);
	return arg;
}

static int pingpong(long n)
{
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	sched_setaffinity(0, sizeof(one), &one);	/* the thread inherits it */
	g_rounds = n;
	pthread_t th;
	if (pthread_create(&th, NULL, pong, NULL) != 0)
		return -1;
	for (long i = 0; i < n; i++)
		turn(0, 1);
	return pthread_join(th, NULL) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long n = atol(argv[2]);
	if (n <= 0)
		return 2;
	double t0 = now_us();
	int rc = !strcmp(argv[1], "spawn") && argc > 3 ? spawn(n, argv[3])
		 : !strcmp(argv[1], "thread")	      ? threads(n)
		 : !strcmp(argv[1], "futex")	      ? pingpong(n)
						      : -2;
	double dt = now_us() - t0;
	if (rc < 0)
		return 1;
	printf("%.1f\n", dt / (double)n);
	return 0;
}
