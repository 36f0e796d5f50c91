/*
 * prctl_test: prctl(2) options a runtime and its programs use: names, the parent-death signal
 * (sent when the parent exits), child subreapers (orphans come to the subreaper, which can
 * reap them), no_new_privs, dumpable, keepcaps, the bounding set, timer slack, and the
 * errors Linux gives for bad arguments.
 */
#include "expect.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(long ms)
{
	struct timespec d = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&d, &d) < 0)
		;
}

static void test_names(void)
{
	char got[32] = { 0 };
	expect_ok("PR_SET_NAME", prctl(PR_SET_NAME, "a-rather-long-thread-name"));
	expect_ok("PR_GET_NAME", prctl(PR_GET_NAME, got));
	expect_str("  cut to 15 bytes", got, "a-rather-long-t");
	expect_errno("PR_SET_NAME bad pointer", prctl(PR_SET_NAME, (void *)8), EFAULT);
	prctl(PR_SET_NAME, "prctl_test");
}

static void test_flags(void)
{
	int v = -1;
	expect_ok("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &v));
	expect_eq("  none by default", v, 0);
	expect_errno("PR_SET_PDEATHSIG 65", prctl(PR_SET_PDEATHSIG, 65), EINVAL);
	expect_ok("PR_SET_PDEATHSIG SIGUSR1", prctl(PR_SET_PDEATHSIG, SIGUSR1));
	prctl(PR_GET_PDEATHSIG, &v);
	expect_eq("  read back", v, SIGUSR1);
	prctl(PR_SET_PDEATHSIG, 0);
	expect_eq("PR_GET_NO_NEW_PRIVS initially", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	expect_errno("PR_SET_NO_NEW_PRIVS 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
	expect_errno("PR_SET_NO_NEW_PRIVS with arg3", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0),
		     EINVAL);
	expect_eq("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE), 1);
	expect_errno("PR_SET_DUMPABLE 2", prctl(PR_SET_DUMPABLE, 2), EINVAL);
	expect_ok("PR_SET_DUMPABLE 0", prctl(PR_SET_DUMPABLE, 0));
	expect_eq("  read back", prctl(PR_GET_DUMPABLE), 0);
	prctl(PR_SET_DUMPABLE, 1);
	expect_eq("PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS), 0);
	expect_errno("PR_SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2), EINVAL);
	expect_errno("PR_CAPBSET_READ 1000", prctl(PR_CAPBSET_READ, 1000), EINVAL);
	expect_errno("unknown option", prctl(0x7fff0000), EINVAL);
	expect_ok("PR_SET_TIMERSLACK", prctl(PR_SET_TIMERSLACK, 100000));
	expect_eq("  read back", prctl(PR_GET_TIMERSLACK), 100000);
	int sub = -1;
	expect_ok("PR_GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &sub));
	expect_eq("  not one", sub, 0);
	expect_errno("PR_GET_CHILD_SUBREAPER bad pointer", prctl(PR_GET_CHILD_SUBREAPER, 8), EFAULT);
	/* no_new_privs last among these: it cannot be unset, and a child shows it inherited. */
	expect_ok("PR_SET_NO_NEW_PRIVS 1", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	pid_t c = fork();
	if (c == 0)
		_exit(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	int st;
	waitpid(c, &st, 0);
	expect_eq("  inherited by a child", WEXITSTATUS(st), 1);
}

/* A child whose parent exits gets its PR_SET_PDEATHSIG signal. */
static void test_pdeathsig(void)
{
	int p[2];
	if (pipe(p) < 0)
		return;
	pid_t mid = fork();
	if (mid == 0) {
		pid_t c = fork();
		if (c == 0) {
			sigset_t s;
			sigemptyset(&s);
			sigaddset(&s, SIGUSR2);
			sigprocmask(SIG_BLOCK, &s, NULL);
			prctl(PR_SET_PDEATHSIG, SIGUSR2);
			(void)!write(p[1], "r", 1);	/* armed */
			struct timespec ts = { 5, 0 };
			int got = sigtimedwait(&s, NULL, &ts);
			(void)!write(p[1], got == SIGUSR2 ? "y" : "n", 1);
			_exit(0);
		}
		char b;
		(void)!read(p[0], &b, 1);
		_exit(0);	/* the parent of c dies */
	}
	close(p[1]);
	int st;
	waitpid(mid, &st, 0);
	/* mid took the "r"; the verdict comes when the grandchild got the signal (or not). */
	char b = 0;
	(void)!read(p[0], &b, 1);
	expect_true("PR_SET_PDEATHSIG fires when the parent exits", b == 'y');
	close(p[0]);
}

/* A subreaper receives its orphaned grandchild and reaps it. */
static void test_subreaper(void)
{
	pid_t r = fork();
	if (r == 0) {
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		pid_t mid = fork();
		if (mid == 0) {
			if (fork() == 0) {
				nap(100);
				_exit(9);
			}
			_exit(0);
		}
		int st, ok = 1;
		ok &= waitpid(mid, &st, 0) == mid;
		pid_t g = wait(&st);	/* the grandchild, now ours */
		ok &= g > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 9;
		ok &= wait(&st) < 0 && errno == ECHILD;
		_exit(ok ? 0 : 1);
	}
	int st;
	waitpid(r, &st, 0);
	expect_eq("a subreaper reaps its orphaned grandchild", WEXITSTATUS(st), 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(30);
	test_names();
	test_pdeathsig();
	test_subreaper();
	test_flags();
	return expect_status();
}
