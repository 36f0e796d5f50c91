/*
 * Unit tests for the host seccomp filter (core/sentry/hostfilter.c): rule checks, and what an
 * installed filter lets through, kills or traps. Each installation happens in a child of its
 * own, which ends with _exit: the filter stays with the process.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sentry/hostfilter.h"

/* getpriority only for PRIO_PROCESS, and the two prctl reads the checks below make. */
static const struct sentry_host_rule g_test_rules[] = {
	SENTRY_ALLOW_IF(SYS_getpriority, 0, PRIO_PROCESS),
	SENTRY_ALLOW_IF(SYS_prctl, 0, PR_GET_NO_NEW_PRIVS),
	SENTRY_ALLOW_IF(SYS_prctl, 0, PR_GET_SECCOMP),
	/* umask with its low bits masked to 022 */
	SENTRY_ALLOW_MASKED(SYS_umask, 0, 0777, 022),
};

/* Runs @body in a child under the base and test rules with @flags; returns its wait status. */
static int run_confined(int flags, int (*body)(void))
{
	pid_t pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		struct hostfilter_set sets[2] = {
			hostfilter_base,
			{ "test", g_test_rules, sizeof(g_test_rules) / sizeof(g_test_rules[0]) },
		};
		char msg[256];
		if (hostfilter_install(sets, 2, flags, msg, sizeof(msg)) < 0)
			_exit(100);
		_exit(body());
	}
	int status;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static int allowed_calls(void)
{
	if (syscall(SYS_getpriority, PRIO_PROCESS, 0) < 0 && errno != 0)
		return 1;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 2;
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)	/* filter mode */
		return 3;
	(void)syscall(SYS_umask, 0022);
	return 0;
}

Test(hostfilter, allowed_calls_pass_and_the_filter_is_in_force)
{
	int st = run_confined(0, allowed_calls);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static int call_acct(void)
{
	long r = syscall(SYS_acct, NULL);
	return r == -1 && errno == ENOSYS ? 42 : 1;
}

static int wrong_argument(void)
{
	(void)syscall(SYS_getpriority, PRIO_PGRP, 0);
	return 1;
}

static int wrong_masked_argument(void)
{
	(void)syscall(SYS_umask, 0077);
	return 1;
}

Test(hostfilter, a_call_outside_kills_the_process)
{
	int st = run_confined(0, call_acct);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x", st);
	st = run_confined(0, wrong_argument);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x", st);
	st = run_confined(0, wrong_masked_argument);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x", st);
}

Test(hostfilter, trap_mode_fails_the_call_with_enosys)
{
	int st = run_confined(HOSTFILTER_TRAP, call_acct);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 42, "status %#x", st);
}

static void *thread_main(void *arg)
{
	return arg;
}

/* clone3 gets ENOSYS, and pthread_create still works through clone with thread flags. */
static int threads(void)
{
	if (syscall(SYS_clone3, NULL, 0) != -1 || errno != ENOSYS)
		return 1;
	pthread_t th;
	void *ret = NULL;
	if (pthread_create(&th, NULL, thread_main, (void *)7) != 0 || pthread_join(th, &ret) != 0)
		return 2;
	return ret == (void *)7 ? 0 : 3;
}

Test(hostfilter, threads_are_made_with_clone)
{
	int st = run_confined(0, threads);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

static int plain_fork(void)
{
	(void)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	return 1;
}

Test(hostfilter, a_process_clone_is_not_a_thread_clone)
{
	int st = run_confined(0, plain_fork);
	cr_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "status %#x", st);
}

Test(hostfilter, bad_rules_are_refused_with_their_owner)
{
	static const struct sentry_host_rule bad[][1] = {
		{ { .nr = -1 } },
		{ { .nr = 5000 } },
		{ { .nr = SYS_clone3 } },
		{ { .nr = SYS_read, .arg_count = 4 } },
		{ { .nr = SYS_read, .arg_count = 1, .args = { { .index = 6, .cmp = SENTRY_CMP_EQ } } } },
		{ { .nr = SYS_read, .arg_count = 1, .args = { { .index = 0, .cmp = 0 } } } },
		{ { .nr = SYS_read, .arg_count = 1, .args = { { .index = 0, .cmp = 9 } } } },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hostfilter_set s = { "plugin-x", bad[i], 1 };
		char msg[256] = "";
		cr_assert_eq(hostfilter_check(&s, 1, msg, sizeof(msg)), -EINVAL, "rule %zu", i);
		cr_assert(strstr(msg, "plugin-x"), "rule %zu: %s", i, msg);
		/* install refuses it too, before changing anything */
		cr_assert_eq(hostfilter_install(&s, 1, 0, msg, sizeof(msg)), -EINVAL);
	}
	cr_assert_eq(prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	char msg[256];
	cr_assert_eq(hostfilter_check(&hostfilter_base, 1, msg, sizeof(msg)), 0);
	cr_assert_eq(hostfilter_check(&hostfilter_sentry, 1, msg, sizeof(msg)), 0);
}
