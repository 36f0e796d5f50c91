/*
 * jobctl_test: job control: stop signals stop a child, SIGCONT continues it, and the parent
 * sees both through wait4 (WUNTRACED, WCONTINUED), waitid (WSTOPPED, WCONTINUED) and SIGCHLD
 * (none with SA_NOCLDSTOP); SIGKILL ends a stopped child; SIGCONT discards a pending stop
 * signal; a signal sent while stopped is handled after the continue; in an orphaned process
 * group SIGTSTP does nothing while SIGSTOP still stops, and a group orphaned with a stopped
 * member gets SIGHUP and SIGCONT.
 *
 * The children run in a process group of their own, under this process in the same session,
 * so their group is never orphaned whatever group the test itself was started in (an orphaned
 * group would drop the SIGTSTPs below).
 */
#include "expect.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile int g_chld;

static void on_chld(int sig)
{
	(void)sig;
	g_chld++;
}

static void nap(long ms)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&d, &d) < 0)
		;
}

/* A child that idles for about @ms then exits with 5; with @usr1 it exits 6 from a SIGUSR1
 * handler instead. */
static void on_usr1(int sig)
{
	(void)sig;
	_exit(6);
}

static pid_t idler(long ms, int usr1)
{
	pid_t c = fork();
	/* Both sides, so neither order of the two runs matters. */
	setpgid(c ? c : 0, 0);
	if (c == 0) {
		if (usr1)
			signal(SIGUSR1, on_usr1);
		for (long i = 0; i < ms / 10; i++)
			nap(10);
		_exit(5);
	}
	return c;
}

static void catch_chld(int flags)
{
	struct sigaction sa = { .sa_handler = on_chld, .sa_flags = flags };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	g_chld = 0;
}

static void test_stop_continue(void)
{
	catch_chld(SA_RESTART);
	pid_t c = idler(20000, 0);	/* long: a loaded machine must not end it early */
	int st = 0;
	kill(c, SIGSTOP);
	expect_true("wait4 WUNTRACED reports the stop", waitpid(c, &st, WUNTRACED) == c);
	expect_true("  WIFSTOPPED", WIFSTOPPED(st));
	expect_eq("  WSTOPSIG", WSTOPSIG(st), SIGSTOP);
	expect_eq("the stop is reported once", waitpid(c, &st, WUNTRACED | WNOHANG), 0);
	expect_eq("wait4 without WUNTRACED does not see it", waitpid(c, &st, WNOHANG), 0);
	kill(c, SIGCONT);
	expect_true("wait4 WCONTINUED reports the continue", waitpid(c, &st, WCONTINUED) == c);
	expect_true("  WIFCONTINUED", WIFCONTINUED(st));
	kill(c, SIGTSTP);
	siginfo_t si = { 0 };
	expect_ok("waitid WSTOPPED", waitid(P_PID, c, &si, WSTOPPED));
	expect_eq("  si_code CLD_STOPPED", si.si_code, CLD_STOPPED);
	expect_eq("  si_status SIGTSTP", si.si_status, SIGTSTP);
	expect_true("  si_pid", si.si_pid == c);
	kill(c, SIGCONT);
	memset(&si, 0, sizeof(si));
	expect_ok("waitid WCONTINUED", waitid(P_PID, c, &si, WCONTINUED));
	expect_eq("  si_code CLD_CONTINUED", si.si_code, CLD_CONTINUED);
	expect_eq("  si_status SIGCONT", si.si_status, SIGCONT);
	kill(c, SIGKILL);
	expect_true("the child then dies", waitpid(c, &st, 0) == c);
	expect_true("  of SIGKILL", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	/* Standard signals do not queue: how many of the five SIGCHLDs merge varies. */
	expect_true("SIGCHLD for the stops, continues and exit", g_chld >= 1);
}

static void test_nocldstop(void)
{
	catch_chld(SA_NOCLDSTOP | SA_RESTART);
	pid_t c = idler(20000, 0);
	int st;
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGCONT);
	waitpid(c, &st, WCONTINUED);
	expect_eq("SA_NOCLDSTOP: no SIGCHLD for stop and continue", g_chld, 0);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	expect_eq("  one for the exit", g_chld, 1);
}

static void test_kill_stopped(void)
{
	pid_t c = idler(5000, 0);
	int st;
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGKILL);
	expect_true("SIGKILL ends a stopped child", waitpid(c, &st, 0) == c);
	expect_true("  WIFSIGNALED", WIFSIGNALED(st));
	expect_eq("  WTERMSIG", WTERMSIG(st), SIGKILL);
}

static void test_pending_while_stopped(void)
{
	pid_t c = idler(3000, 1);
	int st;
	nap(50);	/* the handler is installed */
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	kill(c, SIGUSR1);
	nap(100);
	expect_eq("a signal to a stopped child waits", waitpid(c, &st, WNOHANG), 0);
	kill(c, SIGCONT);
	expect_true("  and is handled after SIGCONT", waitpid(c, &st, 0) == c);
	expect_eq("  exit code from the handler", WEXITSTATUS(st), 6);
}

static void test_cont_discards_stop(void)
{
	pid_t c = fork();
	if (c == 0) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, SIGTSTP);
		sigprocmask(SIG_BLOCK, &s, NULL);
		raise(SIGTSTP);
		kill(getpid(), SIGCONT);
		sigset_t p;
		sigpending(&p);
		_exit(sigismember(&p, SIGTSTP) ? 1 : 0);
	}
	int st;
	waitpid(c, &st, 0);
	expect_eq("SIGCONT discards a pending SIGTSTP", WEXITSTATUS(st), 0);
}

static void prctl_subreaper(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static int g_note[2];

static void on_note(int sig)
{
	char b = (char)sig;
	(void)!write(g_note[1], &b, 1);
}

/* Whether a note arrives on g_note within 5 s. */
static int noted(void)
{
	struct pollfd p = { .fd = g_note[0], .events = POLLIN };
	char b;
	return poll(&p, 1, 5000) == 1 && read(g_note[0], &b, 1) == 1;
}

/* Runs in a child that made its own session: its group {child, grandchild} has no parent in
 * another group of the session, so it is orphaned. Prints nothing; exits with a bit per
 * failed check. */
static int orphaned_group(void)
{
	int fails = 0;
	pid_t g = fork();
	if (g == 0) {
		signal(SIGURG, on_note);
		for (;;)
			pause();
	}
	nap(50);	/* the grandchild sets its handler */
	/* SIGTSTP is dropped: the SIGURG after it (delivered after it, being higher) still runs
	 * the handler, and no stop is reported. */
	kill(g, SIGTSTP);
	kill(g, SIGURG);
	int st;
	if (!noted() || waitpid(g, &st, WUNTRACED | WNOHANG) != 0)
		fails |= 1;
	/* SIGSTOP still stops. */
	kill(g, SIGSTOP);
	if (waitpid(g, &st, WUNTRACED) != g || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
		fails |= 2;
	kill(g, SIGKILL);
	waitpid(g, &st, 0);
	return fails;
}

/* In a session of its own, a child whose stopped child is in a group of its own: when the
 * child exits, that group's only parent is the reaper (this test), in another session, so the
 * group is orphaned and gets SIGHUP (the grandchild dies of it) and SIGCONT. */
static int orphaned_by_exit(void)
{
	setsid();
	pid_t g = fork();
	if (g == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(g, g);
	kill(g, SIGSTOP);
	int st;
	waitpid(g, &st, WUNTRACED);
	/* Tell the test the grandchild's PID, then exit, orphaning its group. */
	(void)!write(g_note[1], &g, sizeof(g));
	return 0;
}

static void test_orphaned(void)
{
	(void)!pipe(g_note);
	pid_t c = fork();
	if (c == 0) {
		setsid();
		_exit(orphaned_group());
	}
	int st;
	waitpid(c, &st, 0);
	expect_eq("orphaned group: SIGTSTP dropped, the next signal handled",
		  WIFEXITED(st) && !(WEXITSTATUS(st) & 1), 1);
	expect_eq("orphaned group: SIGSTOP still stops", WIFEXITED(st) && !(WEXITSTATUS(st) & 2),
		  1);

	/* The grandchild is reparented to the nearest reaper: make us that, to see it end. */
	prctl_subreaper();
	c = fork();
	if (c == 0)
		_exit(orphaned_by_exit());
	waitpid(c, &st, 0);
	pid_t g = 0;
	(void)!read(g_note[0], &g, sizeof(g));
	int got = g > 0 && waitpid(g, &st, 0) == g;
	expect_eq("group orphaned with a stopped member: SIGHUP ends it",
		  got && WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP, 1);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(30);
	test_stop_continue();
	test_nocldstop();
	test_kill_stopped();
	test_pending_while_stopped();
	test_cont_discards_stop();
	test_orphaned();
	return expect_status();
}
