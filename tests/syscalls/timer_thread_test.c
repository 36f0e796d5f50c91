/*
 * POSIX timers and threads: a process's timers are shared by its threads (one thread creates,
 * another sets, reads and deletes); a SIGEV_SIGNAL timer's signal is process-directed (any
 * thread not blocking it takes it); SIGEV_THREAD_ID sends it to the thread named, and must
 * name a thread of the caller's process (EINVAL for another process's or a dead thread's TID);
 * glibc's SIGEV_THREAD timers (built on SIGEV_THREAD_ID) run their function in a thread; timers
 * survive the end of the thread that made them and are gone after execve.
 *
 * Signal receipt is awaited with sigwaitinfo or by polling a flag (bounded), never by timing.
 * alarm(20) ends anything that would hang.
 */
#include "expect.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static const struct itimerspec in_10ms = { .it_value = { 0, 10000000 } };
static const struct itimerspec in_1h = { .it_value = { 3600, 0 } };

/* ---- one thread creates, another uses ---- */

static timer_t g_timer;

static void *use_timer(void *arg)
{
	long *rc = arg;
	struct itimerspec cur;
	rc[0] = timer_settime(g_timer, 0, &in_1h, NULL);
	rc[1] = timer_gettime(g_timer, &cur) == 0 && cur.it_value.tv_sec > 3000;
	rc[2] = timer_getoverrun(g_timer);
	rc[3] = timer_delete(g_timer);
	return NULL;
}

static void test_shared(void)
{
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };
	expect_ok("timer_create in the main thread", timer_create(CLOCK_MONOTONIC, &ev, &g_timer));
	long rc[4];
	pthread_t th;
	pthread_create(&th, NULL, use_timer, rc);
	pthread_join(th, NULL);
	expect_eq("timer_settime from another thread", rc[0], 0);
	expect_eq("timer_gettime from another thread sees it armed", rc[1], 1);
	expect_eq("timer_getoverrun from another thread", rc[2], 0);
	expect_eq("timer_delete from another thread", rc[3], 0);
	expect_errno("the timer is gone for the main thread too", timer_delete(g_timer), EINVAL);
}

/* ---- where the signal goes ---- */

static volatile pid_t g_taker;
static volatile int g_value;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_value = si->si_value.sival_int;
	g_taker = tid();
}

struct target {
	pid_t tid;
	volatile int stop;
};

/* A thread that lets the signal through and waits to be told to end. */
static void *target_main(void *arg)
{
	struct target *t = arg;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	t->tid = tid();
	while (!t->stop)
		sleep_ms(1);
	return NULL;
}

static int wait_taker(void)
{
	for (int i = 0; i < 5000 && !g_taker; i++)
		sleep_ms(1);
	return g_taker != 0;
}

static void test_targets(void)
{
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR1, &sa, NULL);
	/* The main thread blocks SIGUSR1; only the target thread takes it. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	struct target tg = { 0 };
	pthread_t th;
	pthread_create(&th, NULL, target_main, &tg);
	while (!tg.tid)
		sleep_ms(1);

	timer_t t;
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1,
			       .sigev_value.sival_int = 7 };
	timer_create(CLOCK_MONOTONIC, &ev, &t);
	g_taker = 0;
	timer_settime(t, 0, &in_10ms, NULL);
	expect_eq("SIGEV_SIGNAL: taken by the thread that does not block it",
		  wait_taker() && g_taker == tg.tid, 1);
	expect_eq("  with its sigev_value", g_value, 7);
	timer_delete(t);

	/* SIGEV_THREAD_ID at the main thread, which blocks it: pending there, not taken by
	 * the other thread. */
	struct sigevent tev = { .sigev_notify = SIGEV_THREAD_ID, .sigev_signo = SIGUSR1,
				.sigev_value.sival_int = 9 };
	tev._sigev_un._tid = tid();
	expect_ok("SIGEV_THREAD_ID naming the caller", timer_create(CLOCK_MONOTONIC, &tev, &t));
	g_taker = 0;
	timer_settime(t, 0, &in_10ms, NULL);
	siginfo_t si;
	int got = sigwaitinfo(&s, &si);
	expect_eq("  the signal waits for the named thread", got, SIGUSR1);
	expect_eq("  si_code SI_TIMER", si.si_code, SI_TIMER);
	expect_eq("  si_value", si.si_value.sival_int, 9);
	expect_eq("  the other thread did not take it", g_taker, 0);
	timer_delete(t);

	/* SIGEV_THREAD_ID naming the other thread, from the main thread. */
	tev._sigev_un._tid = tg.tid;
	expect_ok("SIGEV_THREAD_ID naming another thread of the process",
		  timer_create(CLOCK_MONOTONIC, &tev, &t));
	g_taker = 0;
	timer_settime(t, 0, &in_10ms, NULL);
	expect_eq("  taken by that thread", wait_taker() && g_taker == tg.tid, 1);
	tg.stop = 1;
	pthread_join(th, NULL);
	/* Its thread is gone: the timer stays, its signals go nowhere. */
	struct itimerspec cur;
	expect_ok("  timer_gettime after its thread ended", timer_gettime(t, &cur));
	expect_ok("  timer_delete after its thread ended", timer_delete(t));

	tev._sigev_un._tid = tg.tid;
	expect_errno("SIGEV_THREAD_ID naming an ended thread",
		     timer_create(CLOCK_MONOTONIC, &tev, &t), EINVAL);
	pid_t c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	tev._sigev_un._tid = c;
	expect_errno("SIGEV_THREAD_ID naming another process",
		     timer_create(CLOCK_MONOTONIC, &tev, &t), EINVAL);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	tev._sigev_un._tid = 0;
	expect_errno("SIGEV_THREAD_ID naming TID 0", timer_create(CLOCK_MONOTONIC, &tev, &t),
		     EINVAL);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
}

/* ---- glibc's SIGEV_THREAD ---- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static int g_calls;
static int g_arg;
static int g_other_thread;

static void notify_fn(union sigval v)
{
	pthread_mutex_lock(&g_lock);
	g_calls++;
	g_arg = v.sival_int;
	g_other_thread = getpid() != tid();
	pthread_cond_signal(&g_cond);
	pthread_mutex_unlock(&g_lock);
}

static void test_sigev_thread(void)
{
	timer_t t;
	struct sigevent ev = { .sigev_notify = SIGEV_THREAD, .sigev_notify_function = notify_fn,
			       .sigev_value.sival_int = 42 };
	expect_ok("SIGEV_THREAD timer_create", timer_create(CLOCK_MONOTONIC, &ev, &t));
	struct itimerspec periodic = { .it_value = { 0, 5000000 }, .it_interval = { 0, 5000000 } };
	expect_ok("SIGEV_THREAD timer_settime", timer_settime(t, 0, &periodic, NULL));
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&g_lock);
	while (g_calls < 3 && pthread_cond_timedwait(&g_cond, &g_lock, &until) == 0)
		;
	int calls = g_calls, arg = g_arg, other = g_other_thread;
	pthread_mutex_unlock(&g_lock);
	expect_eq("SIGEV_THREAD: the function ran, periodically", calls >= 3, 1);
	expect_eq("  with sigev_value", arg, 42);
	expect_eq("  in a thread other than the main one", other, 1);
	expect_ok("SIGEV_THREAD timer_delete", timer_delete(t));
}

/* ---- the thread that made a timer ends ---- */

static void *make_timer(void *arg)
{
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };
	timer_create(CLOCK_MONOTONIC, &ev, arg);
	timer_settime(*(timer_t *)arg, 0, &in_1h, NULL);
	return NULL;
}

static void test_maker_ends(void)
{
	timer_t t;
	pthread_t th;
	pthread_create(&th, NULL, make_timer, &t);
	pthread_join(th, NULL);
	struct itimerspec cur = { 0 };
	expect_ok("a timer outlives the thread that made it", timer_gettime(t, &cur));
	expect_eq("  still armed", cur.it_value.tv_sec > 3000, 1);
	expect_ok("  timer_delete", timer_delete(t));
}

int main(int argc, char **argv)
{
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 && strcmp(argv[1], "exec") == 0) {
		/* After execve: the timer made before it is gone. */
		timer_t t = (timer_t)(intptr_t)atoi(argv[2]);
		struct itimerspec cur;
		expect_errno("after execve the timer is gone", timer_gettime(t, &cur), EINVAL);
		return expect_status();
	}
	test_shared();
	test_targets();
	test_sigev_thread();
	test_maker_ends();
	/* A timer made by another thread, then execve from the main thread. */
	timer_t t;
	pthread_t th;
	pthread_create(&th, NULL, make_timer, &t);
	pthread_join(th, NULL);
	int status = expect_status();
	if (status)
		return status;
	char id[16];
	snprintf(id, sizeof(id), "%d", (int)(intptr_t)t);
	char *args[] = { argv[0], "exec", id, NULL };
	execv(argv[0], args);
	expect_ok("execv", -1);
	return expect_status();
}
