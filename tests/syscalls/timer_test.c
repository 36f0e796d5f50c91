/*
 * timer_test.c: setitimer, getitimer and alarm: bad arguments, what getitimer reports, SIGALRM
 * interrupting pause(), nanosleep's time left, a periodic timer, timers not copied by fork.
 * Verdicts never print times, only relations ("armed: yes").
 */
#include "expect.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_alarms;

static void on_alarm(int sig)
{
	(void)sig;
	g_alarms++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa = { .sa_handler = on_alarm };	/* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval v = { 0 }, o;

	expect_errno("setitimer bad which", setitimer(7, &v, NULL), EINVAL);
	expect_errno("getitimer bad which", getitimer(-1, &o), EINVAL);
	v.it_value.tv_usec = 1000000;
	expect_errno("setitimer usec 1000000", setitimer(ITIMER_REAL, &v, NULL), EINVAL);
	v.it_value.tv_usec = -1;
	expect_errno("setitimer negative usec", setitimer(ITIMER_REAL, &v, NULL), EINVAL);
	expect_errno("setitimer bad new pointer",
		     syscall(SYS_setitimer, ITIMER_REAL, (void *)8, NULL), EFAULT);
	expect_errno("getitimer bad pointer", syscall(SYS_getitimer, ITIMER_REAL, (void *)8),
		     EFAULT);

	expect_ok("getitimer unarmed", getitimer(ITIMER_REAL, &o));
	expect_true("unarmed reads zero", !o.it_value.tv_sec && !o.it_value.tv_usec);
	v = (struct itimerval){ .it_value = { .tv_sec = 100 }, .it_interval = { .tv_sec = 7 } };
	expect_ok("setitimer 100 s every 7 s", setitimer(ITIMER_REAL, &v, NULL));
	expect_ok("getitimer armed", getitimer(ITIMER_REAL, &o));
	expect_true("armed value within 100 s",
		    o.it_value.tv_sec <= 100 && (o.it_value.tv_sec >= 99 || o.it_value.tv_usec));
	expect_eq("armed interval", o.it_interval.tv_sec, 7);
	expect_eq("alarm returns the seconds left", alarm(0), 100);
	expect_ok("getitimer after alarm(0)", getitimer(ITIMER_REAL, &o));
	expect_true("alarm(0) disarms", !o.it_value.tv_sec && !o.it_value.tv_usec);
	expect_eq("alarm with none armed", alarm(30), 0);
	expect_eq("alarm again", alarm(0), 30);

	/* A child does not inherit the parent's timer. */
	alarm(50);
	pid_t pid = fork();
	if (pid == 0) {
		struct itimerval c;
		getitimer(ITIMER_REAL, &c);
		_exit(c.it_value.tv_sec || c.it_value.tv_usec ? 1 : 0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	expect_true("fork does not copy the timer", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	alarm(0);

	/* SIGALRM ends pause() and a long nanosleep, which reports the time left. */
	v = (struct itimerval){ .it_value = { .tv_usec = 20000 } };
	setitimer(ITIMER_REAL, &v, NULL);
	expect_errno("pause ended by SIGALRM", pause(), EINTR);
	expect_eq("handler ran once", g_alarms, 1);
	setitimer(ITIMER_REAL, &v, NULL);
	struct timespec req = { .tv_sec = 5 }, rem = { 0 };
	expect_errno("nanosleep ended by SIGALRM", nanosleep(&req, &rem), EINTR);
	expect_true("time left reported", rem.tv_sec >= 3 && rem.tv_sec <= 5);

	/* A periodic timer keeps firing until disarmed. */
	g_alarms = 0;
	v = (struct itimerval){ .it_value = { .tv_usec = 10000 }, .it_interval = { .tv_usec = 10000 } };
	setitimer(ITIMER_REAL, &v, NULL);
	for (int i = 0; i < 200 && g_alarms < 3; i++)
		pause();
	expect_true("periodic timer fired three times", g_alarms >= 3);
	v = (struct itimerval){ 0 };
	expect_ok("disarm", setitimer(ITIMER_REAL, &v, &o));
	expect_true("old value shows the period", o.it_interval.tv_usec == 10000);
	return expect_status();
}
