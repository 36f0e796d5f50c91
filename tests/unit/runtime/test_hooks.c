/*
 * OCI hooks: what a hook receives (argv, env, stdin, fds, signals), the error line of each way
 * it can fail, output and input that do not fit a pipe, order, and that nothing is left behind.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"

static char g_tmp[64];

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	return remove(path);
}

static void setup(void)
{
	strcpy(g_tmp, "/tmp/test_hooks.XXXXXX");
	if (!mkdtemp(g_tmp))
		abort();
}

static void teardown(void)
{
	(void)nftw(g_tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(hooks, .init = setup, .fini = teardown, .timeout = 30);

/* Counts a NULL-terminated array. */
static size_t strv_count(char **v)
{
	size_t n = 0;
	while (v && v[n])
		n++;
	return n;
}

/* A hook of @path with NULL-terminated @args and @env (either may be NULL). */
static struct oci_hook hook(const char *path, char **args, char **env, int timeout)
{
	return (struct oci_hook){
		.path = (char *)path,
		.args = { .v = args, .count = strv_count(args) },
		.env = { .v = env, .count = strv_count(env) },
		.timeout = timeout,
	};
}

/* A `/bin/sh -c SCRIPT` hook. */
#define SH(script) hook("/bin/sh", (char *[]){ "sh", "-c", (script), NULL }, NULL, 0)

/* Every hook was reaped: we have no child at all. */
static void assert_no_child(void)
{
	errno = 0;
	cr_assert_eq(waitpid(-1, NULL, WNOHANG), -1, "a child is left");
	cr_assert_eq(errno, ECHILD);
}

/* Runs @n hooks as phase "prestart"; returns rt_hooks_run's result, the message in @msg. */
static int run(const struct oci_hook *h, size_t n, const char *state, char *msg, size_t size)
{
	struct rt_error *err = NULL;
	int r = rt_hooks_run("prestart", h, n, state, &err);
	cr_assert_eq(r < 0, err != NULL, "an error exactly on failure");
	snprintf(msg, size, "%s", err ? err->msg : "");
	rt_error_free(&err);
	assert_no_child();
	return r;
}

/* g_tmp/@name's contents (at most @size - 1 bytes). */
static void slurp(const char *name, char *buf, size_t size)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", g_tmp, name);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void write_script(const char *name, const char *text, mode_t mode)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", g_tmp, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	cr_assert_eq(chmod(path, mode), 0);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

Test(hooks, script_gets_args_exact_env_and_state_on_stdin)
{
	write_script("hook.sh",
		     "#!/bin/sh\n"
		     "out=\"$1\"; shift\n"
		     "{ printf 'argc=%s\\n' \"$#\"\n"
		     "  for a in \"$@\"; do printf 'arg=%s\\n' \"$a\"; done\n"
		     "  /usr/bin/tr '\\0' '\\n' < /proc/$$/environ | /usr/bin/sed 's/^/env=/'\n"
		     "  printf 'stdin='; /bin/cat; } > \"$out\"\n",
		     0755);
	char path[128], out[128];
	snprintf(path, sizeof(path), "%s/hook.sh", g_tmp);
	snprintf(out, sizeof(out), "%s/out", g_tmp);
	struct oci_hook h = hook(path, (char *[]){ "argv0", out, "a b", "c", NULL },
				 (char *[]){ "FOO=bar", "EMPTY=", "X=1=2", NULL }, 5);
	char msg[512];
	cr_assert_eq(run(&h, 1, "{\"ociVersion\":\"1.0.2\"}", msg, sizeof(msg)), 0, "%s", msg);
	char got[1024];
	slurp("out", got, sizeof(got));
	cr_assert_str_eq(got, "argc=2\narg=a b\narg=c\n"
			      "env=FOO=bar\nenv=EMPTY=\nenv=X=1=2\n"
			      "stdin={\"ociVersion\":\"1.0.2\"}");
}

Test(hooks, args0_is_argv0_and_no_env_is_empty)
{
	char script[256];
	snprintf(script, sizeof(script),
		 "/usr/bin/tr '\\0' '\\n' < /proc/$$/cmdline > %s/cmdline; "
		 "/bin/cat /proc/$$/environ > %s/environ",
		 g_tmp, g_tmp);
	struct oci_hook h = hook("/bin/sh", (char *[]){ "not-sh", "-c", script, NULL }, NULL, 0);
	char msg[512];
	cr_assert_eq(run(&h, 1, NULL, msg, sizeof(msg)), 0, "%s", msg);
	char got[1024];
	slurp("cmdline", got, sizeof(got));
	cr_assert(!strncmp(got, "not-sh\n-c\n", 10), "%s", got);
	slurp("environ", got, sizeof(got));
	cr_assert_str_eq(got, "", "no env at all");
}

Test(hooks, no_args_means_argv_is_the_path)
{
	/* sh without arguments runs its stdin, so the state JSON is the script here. */
	char script[256];
	snprintf(script, sizeof(script),
		 "/usr/bin/tr '\\0' '\\n' < /proc/$$/cmdline > %s/cmdline\n", g_tmp);
	struct oci_hook h = hook("/bin/sh", NULL, NULL, 0);
	char msg[512];
	cr_assert_eq(run(&h, 1, script, msg, sizeof(msg)), 0, "%s", msg);
	char got[256];
	slurp("cmdline", got, sizeof(got));
	cr_assert_str_eq(got, "/bin/sh\n");
}

Test(hooks, only_stdio_is_inherited)
{
	int leak = dup(0);
	cr_assert_geq(leak, 3);
	cr_assert_eq(fcntl(leak, F_GETFD) & FD_CLOEXEC, 0, "a fd a child would inherit");
	char script[128];
	snprintf(script, sizeof(script), "[ ! -e /proc/$$/fd/%d ] && [ -e /proc/$$/fd/2 ]", leak);
	struct oci_hook h = SH(script);
	char msg[512];
	cr_assert_eq(run(&h, 1, NULL, msg, sizeof(msg)), 0, "%s", msg);
	close(leak);
}

Test(hooks, non_zero_exit_with_and_without_stderr)
{
	struct oci_hook h = SH("exit 7");
	char msg[512];
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	cr_assert_str_eq(msg, "prestart hook #0 (/bin/sh): exit status 7");

	h = SH("echo >&2; printf 'first line\\r\\nsecond\\n' >&2; exit 3");
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	cr_assert_str_eq(msg, "prestart hook #0 (/bin/sh): exit status 3, stderr: first line");

	h = SH("printf 'no newline' >&2; exit 1");
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	cr_assert_str_eq(msg, "prestart hook #0 (/bin/sh): exit status 1, stderr: no newline");
}

Test(hooks, killed_by_signal_with_default_dispositions)
{
	/* Ignored here; the hook must still get the default action. */
	signal(SIGTERM, SIG_IGN);
	struct oci_hook h = SH("kill -TERM $$; exit 0");
	char msg[512];
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	cr_assert_str_eq(msg, "prestart hook #0 (/bin/sh): killed by signal 15");
	signal(SIGTERM, SIG_DFL);
}

Test(hooks, signal_mask_is_not_inherited)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	struct oci_hook h = SH("kill -USR1 $$; exit 0");
	char msg[512];
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	cr_assert_str_eq(msg, "prestart hook #0 (/bin/sh): killed by signal 10");
	sigprocmask(SIG_SETMASK, &old, NULL);
}

/* Whether @pid is gone or a zombie (dead, not yet reaped by init) within @seconds. */
static int process_ends(int pid, double seconds)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (double end = now_s() + seconds; now_s() < end; usleep(10000)) {
		FILE *f = fopen(path, "r");
		if (!f)
			return 1;
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		char *p = strrchr(buf, ')');
		if (!p || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X')
			return 1;
	}
	return 0;
}

Test(hooks, timeout_kills_and_reaps)
{
	struct oci_hook h = hook("/bin/sleep", (char *[]){ "sleep", "10", NULL }, NULL, 1);
	char msg[512];
	double t0 = now_s();
	struct rt_error *err = NULL;
	cr_assert_lt(rt_hooks_run("poststop", &h, 1, NULL, &err), 0);
	double took = now_s() - t0;
	cr_assert_str_eq(err->msg, "poststop hook #0 (/bin/sleep): timed out after 1 s");
	rt_error_free(&err);
	cr_assert_geq(took, 0.9);
	cr_assert_lt(took, 3.0, "took %.2f s", took);
	assert_no_child();

	/* A shell and its own child: the whole group goes. */
	char script[256];
	snprintf(script, sizeof(script),
		 "/bin/sleep 10 & echo $! > %s/pid; echo starting >&2; wait; exit 0", g_tmp);
	h = SH(script);
	h.timeout = 1;
	t0 = now_s();
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	took = now_s() - t0;
	cr_assert_str_eq(msg, "prestart hook #0 (/bin/sh): timed out after 1 s, stderr: starting");
	cr_assert_lt(took, 3.0, "took %.2f s", took);
	char pid[32];
	slurp("pid", pid, sizeof(pid));
	cr_assert(process_ends(atoi(pid), 2.0), "the hook's child %d survived", atoi(pid));
}

Test(hooks, a_grandchild_holding_the_pipes_does_not_stall)
{
	/* The hook exits at once; its background child keeps stdout/stderr open for 2 s. */
	struct oci_hook h = SH("/bin/sleep 2 & exit 0");
	char msg[512];
	double t0 = now_s();
	cr_assert_eq(run(&h, 1, NULL, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_lt(now_s() - t0, 1.5);
}

Test(hooks, unexecutable_paths)
{
	struct oci_hook h = hook("/nonexistent/hook", NULL, NULL, 0);
	struct rt_error *err = NULL;
	cr_assert_lt(rt_hooks_run("createRuntime", &h, 1, "{}", &err), 0);
	cr_assert_str_eq(err->msg, "createRuntime hook #0 (/nonexistent/hook): "
				   "exec: No such file or directory");
	cr_assert_eq(err->status, ENOENT);
	rt_error_free(&err);
	assert_no_child();

	/* Even root cannot exec a file without any x bit. */
	write_script("noexec.sh", "#!/bin/sh\nexit 0\n", 0644);
	char path[128], want[256];
	snprintf(path, sizeof(path), "%s/noexec.sh", g_tmp);
	h = hook(path, NULL, NULL, 0);
	char msg[512];
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "prestart hook #0 (%s): exec: Permission denied", path);
	cr_assert_str_eq(msg, want);

	write_script("noshebang", "\x7f" "ELF garbage\n", 0755);
	snprintf(path, sizeof(path), "%s/noshebang", g_tmp);
	h = hook(path, NULL, NULL, 0);
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	snprintf(want, sizeof(want), "prestart hook #0 (%s): exec: Exec format error", path);
	cr_assert_str_eq(msg, want);
}

Test(hooks, a_mebibyte_of_output_does_not_block)
{
	struct oci_hook h = SH("/usr/bin/head -c 1048576 /dev/zero; exit 0");
	char msg[8192];
	cr_assert_eq(run(&h, 1, NULL, msg, sizeof(msg)), 0, "%s", msg);

	/* On stderr too, and the message keeps only a bounded first line. */
	h = SH("/usr/bin/head -c 1048576 /dev/zero | /usr/bin/tr '\\0' x >&2; exit 1");
	cr_assert_lt(run(&h, 1, NULL, msg, sizeof(msg)), 0);
	const char *prefix = "prestart hook #0 (/bin/sh): exit status 1, stderr: xxx";
	cr_assert(!strncmp(msg, prefix, strlen(prefix)), "%.100s", msg);
	cr_assert_leq(strlen(msg), strlen(prefix) + RT_HOOK_STDERR_MAX);
}

/* A state JSON bigger than a pipe's buffer. */
static char *big_state(size_t size)
{
	char *s = malloc(size + 1);
	cr_assert_not_null(s);
	memset(s, 'x', size);
	s[size] = '\0';
	return s;
}

Test(hooks, hooks_that_do_not_read_stdin)
{
	char *state = big_state(1 << 20);
	sigset_t before, after;
	sigprocmask(SIG_SETMASK, NULL, &before);
	struct oci_hook hs[] = {
		hook("/bin/true", NULL, NULL, 5),
		SH("exec 0<&-; /bin/sleep 0.2; exit 0"),
		SH("/bin/sleep 0.3; exit 0"),	/* keeps stdin open, unread, then exits */
	};
	char msg[512];
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(run(&hs[i], 1, state, msg, sizeof(msg)), 0, "hook %zu: %s", i, msg);
	sigprocmask(SIG_SETMASK, NULL, &after);
	cr_assert_not(sigismember(&after, SIGPIPE), "SIGPIPE unblocked again");
	sigset_t pending;
	sigpending(&pending);
	cr_assert_not(sigismember(&pending, SIGPIPE), "our own SIGPIPE was taken back");
	free(state);
}

Test(hooks, a_sigpipe_pending_before_stays_pending)
{
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	raise(SIGPIPE);
	char *state = big_state(1 << 20);
	struct oci_hook h = hook("/bin/true", NULL, NULL, 0);
	char msg[512];
	cr_assert_eq(run(&h, 1, state, msg, sizeof(msg)), 0, "%s", msg);
	sigpending(&pending);
	cr_assert(sigismember(&pending, SIGPIPE), "the caller's SIGPIPE is still there");
	sigset_t mask;
	sigprocmask(SIG_SETMASK, NULL, &mask);
	cr_assert(sigismember(&mask, SIGPIPE), "the caller's mask is restored");
	int sig = 0;
	cr_assert_eq(sigwait(&set, &sig), 0);
	free(state);
}

Test(hooks, a_large_state_arrives_whole)
{
	char *state = big_state(1 << 20);
	char script[128];
	snprintf(script, sizeof(script), "/bin/cat > %s/stdin", g_tmp);
	struct oci_hook h = SH(script);
	char msg[512];
	cr_assert_eq(run(&h, 1, state, msg, sizeof(msg)), 0, "%s", msg);
	char path[128];
	snprintf(path, sizeof(path), "%s/stdin", g_tmp);
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_size, 1 << 20);
	free(state);
}

Test(hooks, run_in_order_and_stop_at_the_first_failure)
{
	char s0[128], s1[128], s2[128];
	snprintf(s0, sizeof(s0), "echo 0 >> %s/order", g_tmp);
	snprintf(s1, sizeof(s1), "echo 1 >> %s/order; echo boom >&2; exit 2", g_tmp);
	snprintf(s2, sizeof(s2), "echo 2 >> %s/order", g_tmp);
	struct oci_hook hs[] = { SH(s0), SH(s0), SH(s1), SH(s2) };
	char msg[512];
	cr_assert_lt(run(hs, 4, "{}", msg, sizeof(msg)), 0);
	cr_assert_str_eq(msg, "prestart hook #2 (/bin/sh): exit status 2, stderr: boom");
	char got[64];
	slurp("order", got, sizeof(got));
	cr_assert_str_eq(got, "0\n0\n1\n", "the hook after the failure did not run");

	cr_assert_eq(run(hs, 2, "{}", msg, sizeof(msg)), 0, "%s", msg);
	slurp("order", got, sizeof(got));
	cr_assert_str_eq(got, "0\n0\n1\n0\n0\n");
}

Test(hooks, no_hooks_is_success)
{
	struct rt_error *err = NULL;
	cr_assert_eq(rt_hooks_run("poststart", NULL, 0, "{}", &err), 0);
	cr_assert_null(err);
}
