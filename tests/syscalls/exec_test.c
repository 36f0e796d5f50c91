/*
 * execve(2) and execveat(2). The failing cases run first, in this process (they return): missing
 * and unusable files, permissions as root, content that is no program, bad pointers, argument
 * limits, "#!" scripts that cannot run, nesting limits, execveat's descriptors and flags. The
 * successful cases follow as a chain of stages, each the program itself exec'd again, selected
 * by argv[1] (by an interpreter argument under a script), checking what it inherited and
 * exec'ing the next; the last one removes the files and exits with the verdict of them all.
 *
 *   (no arguments)  the failing cases, then execve(own path)
 *   exec-child      argv, envp, descriptors, signal state, mask, cwd, umask;
 *                   execve("/proc/self/exe", argv NULL), the stage named by the environment
 *   (empty argv)    argv [""]; execve(script)
 *   script arg      a script's argv; execveat(dirfd, "c5"): five nested scripts
 *   chain-child     the nested scripts' argv; execveat(fd, "", AT_EMPTY_PATH)
 *   fd-child        execve(own path) with an argument of the longest length
 *   big-arg         the end
 *
 * The files live in a new directory under /tmp (writable in the sandbox too). Paths that differ
 * between runs or between native and sandbox (that directory, the program's path) are compared,
 * never printed.
 *
 * Left out because the Sentry differs: /proc/self/exe after an exec other than by
 * the file's own path. Linux names the file that was loaded (the interpreter, not a script;
 * a symlink's or a descriptor's target); the Sentry shows the name exec was given, as its VFS
 * cannot yet name a file from its dentry. So it is checked only in the stages run by path.
 */
#include "expect.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BAD_PTR ((void *)8)
#define BIT(sig) (1ull << ((sig) - 1))
#define ARG_STRLEN_MAX (32 * 4096)	/* MAX_ARG_STRLEN, the terminating NUL included */
#define NEST_MAX 5	/* scripts Linux runs nested (fs/exec.c exec_binprm: depth > 5 fails) */
#define SCRIPT_ARG_LONG 300	/* longer than a "#!" line Linux reads (BINPRM_BUF_SIZE 256) */
/* Descriptors the first stage leaves open for the others. */
#define FD_PLAIN 10
#define FD_CLOEXEC_DUP3 11
#define FD_CLOEXEC_FCNTL 12
#define FD_DIR 20
#define FD_SELF 21

extern char **environ;

/* The kernel's struct sigaction for x86-64. */
struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

static char g_dir[64];		/* the test's directory */
static char g_self[PATH_MAX];	/* the program, as /proc/self/exe named it in the first stage */
static long g_pid;		/* the first stage's PID */

/* @name inside the test's directory, in one of a few rotating buffers. */
static const char *in_dir(const char *name)
{
	static char bufs[8][PATH_MAX];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, PATH_MAX, "%s/%s", g_dir, name);
	return b;
}

/* A path that differs between runs or between native and sandbox: "yes" when it is @want,
 * printed only when it is not. */
static void expect_path(const char *what, const char *got, const char *want)
{
	int same = got && strcmp(got, want) == 0;
	printf("%s: %s", what, same ? "yes" : got ? got : "(null)");
	if (same)
		putchar('\n');
	else
		expect_miss(want);
}

static long ex(const char *path, char *const *argv, char *const *envp)
{
	return syscall(SYS_execve, path, argv, envp);
}

static long exat(int dirfd, const char *path, char *const *argv, char *const *envp, int flags)
{
	return syscall(SYS_execveat, dirfd, path, argv, envp, flags);
}

/* ---- the files ---- */

static const char *const g_names[] = {
	"garbage", "noexec", "nomode", "ownerx", "otherx", "empty", "elfhead", "bang", "bangblank",
	"nointerp", "dirinterp", "noexecinterp", "garbageinterp", "scriptnoexec", "longarg",
	"longname", "script", "self", "link",
	"c1", "c2", "c3", "c4", "c5", "d1", "d2", "d3", "d4", "d5", "d6",
	"e1", "e2", "e3", "e4", "e5", "e6",
};

static void cleanup(void)
{
	for (size_t i = 0; i < sizeof(g_names) / sizeof(g_names[0]); i++)
		unlink(in_dir(g_names[i]));
	rmdir(g_dir);
}

/* Writes @name with @text and then exactly @mode (the umask does not apply to chmod). */
static int put(const char *name, unsigned mode, const char *text, size_t len)
{
	int fd = open(in_dir(name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write(fd, text, len) == (ssize_t)len ? 0 : -1;
	if (close(fd) < 0 || fchmodat(AT_FDCWD, in_dir(name), mode, 0) < 0)
		rc = -1;
	return rc;
}

static int put_str(const char *name, unsigned mode, const char *text)
{
	return put(name, mode, text, strlen(text));
}

/* A "#!" script at @name running @interp (a name in the directory) with @arg (or none). */
static int put_script(const char *name, unsigned mode, const char *interp, const char *arg)
{
	char text[PATH_MAX + 64];
	snprintf(text, sizeof(text), "#!%s%s%s\n", interp[0] == '/' ? interp : in_dir(interp),
		 arg ? " " : "", arg ? arg : "");
	return put_str(name, mode, text);
}

/* A chain @prefix@n -> ... -> @prefix1 -> @last (which gets @arg). */
static int put_chain(char prefix, int n, const char *last, const char *arg)
{
	int rc = 0;
	for (int i = 1; i <= n && rc == 0; i++) {
		char name[8], prev[8];
		snprintf(name, sizeof(name), "%c%d", prefix, i);
		snprintf(prev, sizeof(prev), "%c%d", prefix, i - 1);
		rc = put_script(name, 0755, i == 1 ? last : prev, i == 1 ? arg : NULL);
	}
	return rc;
}

static int make_files(void)
{
	char line[SCRIPT_ARG_LONG + 64];
	int rc = 0;
	rc |= put_str("garbage", 0755, "garbage\n");
	rc |= put_str("noexec", 0644, "garbage\n");
	rc |= put_str("nomode", 0, "garbage\n");
	rc |= put_str("ownerx", 0100, "garbage\n");
	rc |= put_str("otherx", 0001, "garbage\n");
	rc |= put_str("empty", 0755, "");
	rc |= put_str("elfhead", 0755, "\177ELF");
	rc |= put_str("bang", 0755, "#!\n");
	rc |= put_str("bangblank", 0755, "#! \t \n");
	rc |= put_script("nointerp", 0755, "/nonexistent/interp", "arg");
	rc |= put_script("dirinterp", 0755, g_dir, NULL);
	rc |= put_script("noexecinterp", 0755, "noexec", NULL);
	rc |= put_script("garbageinterp", 0755, "garbage", NULL);
	rc |= put_script("scriptnoexec", 0644, "garbage", NULL);
	/* No newline within what Linux reads: a complete interpreter name runs with its argument
	 * cut; a name that runs to the end cannot be trusted (ENOEXEC). */
	int n = snprintf(line, sizeof(line), "#!/nonexistent/interp ");
	memset(line + n, 'a', SCRIPT_ARG_LONG);
	rc |= put("longarg", 0755, line, (size_t)n + SCRIPT_ARG_LONG);
	n = snprintf(line, sizeof(line), "#!/");
	memset(line + n, 'a', SCRIPT_ARG_LONG);
	rc |= put("longname", 0755, line, (size_t)n + SCRIPT_ARG_LONG);
	/* The interpreter is reached through a symlink, so the line stays short wherever the
	 * program was built; blanks around the name and the argument are dropped. */
	rc |= symlink(g_self, in_dir("self"));
	rc |= symlink(in_dir("garbage"), in_dir("link"));
	snprintf(line, sizeof(line), "#! %s\t script arg \t\n", in_dir("self"));
	rc |= put_str("script", 0755, line);
	rc |= put_chain('c', NEST_MAX, "self", "chain-child");
	rc |= put_chain('d', NEST_MAX + 1, "garbage", NULL);
	rc |= put_chain('e', NEST_MAX + 1, "/nonexistent/interp", NULL);
	return rc ? -1 : 0;
}

/* ---- the failing cases (run in the first stage) ---- */

static char *const g_argv_x[] = { "x", NULL };
static char *const g_none[] = { NULL };

static void test_paths(void)
{
	char *const *a = g_argv_x, *const *e = g_none;
	expect_errno("execve missing file", ex("/nonexistent", a, e), ENOENT);
	expect_errno("execve missing directory", ex(in_dir("nodir/x"), a, e), ENOENT);
	expect_errno("execve through a file", ex(in_dir("garbage/x"), a, e), ENOTDIR);
	expect_errno("execve /", ex("/", a, e), EACCES);
	expect_errno("execve a directory", ex(g_dir, a, e), EACCES);
	expect_errno("execve a directory with a slash", ex(in_dir(""), a, e), EACCES);
	expect_errno("execve /dev/null", ex("/dev/null", a, e), EACCES);
	/* Root may execute a file when any x bit is set, and not otherwise. */
	expect_errno("execve mode 0644 as root", ex(in_dir("noexec"), a, e), EACCES);
	expect_errno("execve mode 0 as root", ex(in_dir("nomode"), a, e), EACCES);
	expect_errno("execve mode 0100 as root", ex(in_dir("ownerx"), a, e), ENOEXEC);
	expect_errno("execve mode 0001 as root", ex(in_dir("otherx"), a, e), ENOEXEC);
	expect_errno("execve garbage", ex(in_dir("garbage"), a, e), ENOEXEC);
	expect_errno("execve empty file", ex(in_dir("empty"), a, e), ENOEXEC);
	expect_errno("execve ELF magic only", ex(in_dir("elfhead"), a, e), ENOEXEC);
	expect_errno("execve symlink to garbage", ex(in_dir("link"), a, e), ENOEXEC);
	expect_errno("execve relative to the cwd", ex("garbage", a, e), ENOEXEC);
	expect_errno("execve ./ relative", ex("./noexec", a, e), EACCES);
	expect_errno("execve NULL path", ex(NULL, a, e), EFAULT);
	expect_errno("execve bad path pointer", ex(BAD_PTR, a, e), EFAULT);
	expect_errno("execve empty path", ex("", a, e), ENOENT);
	static char longpath[PATH_MAX + 10];
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	expect_errno("execve path of PATH_MAX", ex(longpath, a, e), ENAMETOOLONG);
	longpath[NAME_MAX + 2] = '\0';
	expect_errno("execve name of NAME_MAX+1", ex(longpath, a, e), ENAMETOOLONG);
}

static void test_args(void)
{
	const char *garbage = in_dir("garbage");
	char *bad_argv[] = { "x", BAD_PTR, NULL };
	expect_errno("execve bad argv", ex(garbage, BAD_PTR, g_none), EFAULT);
	expect_errno("execve bad string in argv", ex(garbage, bad_argv, g_none), EFAULT);
	expect_errno("execve bad envp", ex(garbage, g_argv_x, BAD_PTR), EFAULT);
	expect_errno("execve bad string in envp", ex(garbage, g_argv_x, bad_argv), EFAULT);
	expect_errno("execve NULL argv and envp", ex(garbage, NULL, NULL), ENOEXEC);
	/* The file is opened before the arguments are read. */
	expect_errno("execve bad argv, missing file", ex("/nonexistent", BAD_PTR, g_none), ENOENT);
	expect_errno("execve bad argv, no x bit", ex(in_dir("noexec"), BAD_PTR, g_none), EACCES);

	static char big[ARG_STRLEN_MAX + 1];
	memset(big, 'a', ARG_STRLEN_MAX);
	char *one_big[] = { "x", big, NULL };
	expect_errno("execve argument of 128 KiB", ex(garbage, one_big, g_none), E2BIG);
	expect_errno("execve environment string of 128 KiB", ex(garbage, g_argv_x, one_big),
		     E2BIG);
	expect_errno("execve argument of 128 KiB, missing file",
		     ex("/nonexistent", one_big, g_none), ENOENT);
	big[ARG_STRLEN_MAX - 1] = '\0';
	expect_errno("execve argument of 128 KiB - 1", ex(garbage, one_big, g_none), ENOEXEC);
	/* Over the total whatever the stack limit: Linux allows at most 6 MiB (3/4 of _STK_LIM). */
	char *many_big[65];
	for (int i = 0; i < 64; i++)
		many_big[i] = big;
	many_big[64] = NULL;
	expect_errno("execve 64 arguments of 128 KiB - 1", ex(garbage, many_big, g_none), E2BIG);
	size_t count = 1 << 20;
	char **many = malloc((count + 1) * sizeof(char *));
	if (many) {
		for (size_t i = 0; i < count; i++)
			many[i] = "";
		many[count] = NULL;
	}
	expect_errno("execve a million empty arguments", many ? ex(garbage, many, g_none) : 0,
		     E2BIG);
	free(many);
}

static void test_scripts(void)
{
	char *const *a = g_argv_x, *const *e = g_none;
	expect_errno("script \"#!\" alone", ex(in_dir("bang"), a, e), ENOEXEC);
	expect_errno("script \"#!\" and blanks", ex(in_dir("bangblank"), a, e), ENOEXEC);
	expect_errno("script with a missing interpreter", ex(in_dir("nointerp"), a, e), ENOENT);
	expect_errno("script with a directory interpreter", ex(in_dir("dirinterp"), a, e), EACCES);
	expect_errno("script with an interpreter without x", ex(in_dir("noexecinterp"), a, e),
		     EACCES);
	expect_errno("script with a garbage interpreter", ex(in_dir("garbageinterp"), a, e),
		     ENOEXEC);
	expect_errno("script without x", ex(in_dir("scriptnoexec"), a, e), EACCES);
	expect_errno("script line without newline, name complete", ex(in_dir("longarg"), a, e),
		     ENOENT);
	expect_errno("script line without newline, name cut", ex(in_dir("longname"), a, e),
		     ENOEXEC);
	/* Five scripts may nest; the sixth's interpreter is still opened before ELOOP. */
	expect_errno("5 nested scripts, then garbage", ex(in_dir("d5"), a, e), ENOEXEC);
	expect_errno("6 nested scripts", ex(in_dir("d6"), a, e), ELOOP);
	expect_errno("6 nested scripts, the last interpreter missing", ex(in_dir("e6"), a, e),
		     ENOENT);
}

static void test_execveat(void)
{
	char *const *a = g_argv_x, *const *e = g_none;
	int dir = open(g_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int garbage = open(in_dir("garbage"), O_RDONLY | O_CLOEXEC);
	int gpath = open(in_dir("garbage"), O_PATH | O_CLOEXEC);
	int noexec = open(in_dir("noexec"), O_RDONLY | O_CLOEXEC);
	int lnk = open(in_dir("link"), O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int nointerp = open(in_dir("nointerp"), O_RDONLY);
	int gscript = open(in_dir("garbageinterp"), O_RDONLY);
	int gscript_cloexec = open(in_dir("garbageinterp"), O_RDONLY | O_CLOEXEC);
	expect_true("files opened", dir >= 0 && garbage >= 0 && gpath >= 0 && noexec >= 0 &&
				    lnk >= 0 && nointerp >= 0 && gscript >= 0 &&
				    gscript_cloexec >= 0);

	expect_errno("execveat dirfd relative", exat(dir, "garbage", a, e, 0), ENOEXEC);
	expect_errno("execveat file as dirfd", exat(garbage, "x", a, e, 0), ENOTDIR);
	expect_errno("execveat bad dirfd", exat(-1, "garbage", a, e, 0), EBADF);
	expect_errno("execveat closed dirfd", exat(999, "garbage", a, e, 0), EBADF);
	expect_errno("execveat bad dirfd, absolute path", exat(-1, in_dir("garbage"), a, e, 0),
		     ENOEXEC);
	expect_errno("execveat flag 0x1", exat(dir, "garbage", a, e, 0x1), EINVAL);
	expect_errno("execveat AT_SYMLINK_FOLLOW", exat(dir, "garbage", a, e, AT_SYMLINK_FOLLOW),
		     EINVAL);
	expect_errno("execveat bad flag, missing file", exat(dir, "missing", a, e, 0x1), EINVAL);
	expect_errno("execveat AT_SYMLINK_NOFOLLOW on a symlink",
		     exat(dir, "link", a, e, AT_SYMLINK_NOFOLLOW), ELOOP);
	expect_errno("execveat AT_SYMLINK_NOFOLLOW, absolute",
		     exat(AT_FDCWD, in_dir("link"), a, e, AT_SYMLINK_NOFOLLOW), ELOOP);
	expect_errno("execveat AT_SYMLINK_NOFOLLOW on a file",
		     exat(dir, "garbage", a, e, AT_SYMLINK_NOFOLLOW), ENOEXEC);
	expect_errno("execveat AT_EMPTY_PATH garbage", exat(garbage, "", a, e, AT_EMPTY_PATH),
		     ENOEXEC);
	expect_errno("execveat AT_EMPTY_PATH O_PATH fd", exat(gpath, "", a, e, AT_EMPTY_PATH),
		     ENOEXEC);
	expect_errno("execveat AT_EMPTY_PATH directory", exat(dir, "", a, e, AT_EMPTY_PATH),
		     EACCES);
	expect_errno("execveat AT_EMPTY_PATH no x bit", exat(noexec, "", a, e, AT_EMPTY_PATH),
		     EACCES);
	/* An O_PATH descriptor of the symlink itself: opening it for exec is opening a link. */
	expect_errno("execveat AT_EMPTY_PATH symlink itself", exat(lnk, "", a, e, AT_EMPTY_PATH),
		     ELOOP);
	expect_errno("execveat AT_EMPTY_PATH bad fd", exat(-1, "", a, e, AT_EMPTY_PATH), EBADF);
	expect_errno("execveat AT_EMPTY_PATH the cwd", exat(AT_FDCWD, "", a, e, AT_EMPTY_PATH),
		     EACCES);
	expect_errno("execveat empty path without AT_EMPTY_PATH", exat(garbage, "", a, e, 0),
		     ENOENT);
	expect_errno("execveat AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW",
		     exat(garbage, "", a, e, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW), ENOEXEC);
	expect_errno("execveat AT_EMPTY_PATH script, interpreter missing",
		     exat(nointerp, "", a, e, AT_EMPTY_PATH), ENOENT);
	expect_errno("execveat AT_EMPTY_PATH script, garbage interpreter",
		     exat(gscript, "", a, e, AT_EMPTY_PATH), ENOEXEC);
	/* A script named by a close-on-exec descriptor: its interpreter could not open
	 * /dev/fd/N, so Linux refuses before trying (BINPRM_FLAGS_PATH_INACCESSIBLE). */
	expect_errno("execveat AT_EMPTY_PATH script by a close-on-exec fd",
		     exat(gscript_cloexec, "", a, e, AT_EMPTY_PATH), ENOENT);
	expect_errno("execveat script relative to a close-on-exec dirfd",
		     exat(dir, "garbageinterp", a, e, 0), ENOENT);
	expect_errno("execveat garbage relative to a close-on-exec dirfd",
		     exat(dir, "garbage", a, e, 0), ENOEXEC);
	int fds[] = { dir, garbage, gpath, noexec, lnk, nointerp, gscript, gscript_cloexec };
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		close(fds[i]);
}

/* ---- the chain of successful execs ---- */

static char *g_envp[8];

/* The environment every stage passes on: the state, one variable to check, and @stage. */
static char **state_env(const char *stage)
{
	static char bufs[6][PATH_MAX + 32];
	int n = 0;
	snprintf(bufs[n++], sizeof(bufs[0]), "CVISOR_EXEC_DIR=%s", g_dir);
	snprintf(bufs[n++], sizeof(bufs[0]), "CVISOR_EXEC_SELF=%s", g_self);
	snprintf(bufs[n++], sizeof(bufs[0]), "CVISOR_EXEC_PID=%ld", g_pid);
	snprintf(bufs[n++], sizeof(bufs[0]), "CVISOR_EXEC_FAILS=%d", expect_failures);
	snprintf(bufs[n++], sizeof(bufs[0]), "GREETING=hello world");
	if (stage)
		snprintf(bufs[n++], sizeof(bufs[0]), "CVISOR_EXEC_STAGE=%s", stage);
	for (int i = 0; i < n; i++)
		g_envp[i] = bufs[i];
	g_envp[n] = NULL;
	fflush(stdout);
	return g_envp;
}

/* An exec of the chain returned: the rest cannot run. */
static int chain_broken(const char *what)
{
	expect_ok(what, -1);
	cleanup();
	return 1;
}

static void load_state(void)
{
	snprintf(g_dir, sizeof(g_dir), "%s", getenv("CVISOR_EXEC_DIR"));
	const char *self = getenv("CVISOR_EXEC_SELF"), *pid = getenv("CVISOR_EXEC_PID");
	const char *fails = getenv("CVISOR_EXEC_FAILS");
	snprintf(g_self, sizeof(g_self), "%s", self ? self : "");
	g_pid = pid ? atol(pid) : -1;
	expect_failures = fails ? atoi(fails) : 1;
}

static void expect_execfn(const char *want)
{
	expect_path("AT_EXECFN", (const char *)getauxval(AT_EXECFN), want);
}

static void expect_exe(void)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	expect_path("/proc/self/exe is the program", n > 0 ? buf : NULL, g_self);
}

/* The task name: the last component of the name exec was given, cut to 15 bytes. */
static void expect_comm(const char *name)
{
	char got[17] = "", want[16];
	const char *base = strrchr(name, '/');
	snprintf(want, sizeof(want), "%s", base ? base + 1 : name);
	prctl(PR_GET_NAME, got);
	expect_path("comm", got, want);
}

static void expect_fd(const char *what, int fd, long want)
{
	expect_eq(what, fcntl(fd, F_GETFD), want);
}

static void on_signal(int sig)
{
	(void)sig;
}

static struct ksigaction get_action(int sig)
{
	struct ksigaction sa = { .handler = 99 };
	syscall(SYS_rt_sigaction, sig, NULL, &sa, 8);
	return sa;
}

/* What the first stage leaves for exec-child to find. */
static int prepare_inheritance(void)
{
	int rc = 0;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	rc |= dup2(null, FD_PLAIN) < 0;
	rc |= dup3(null, FD_CLOEXEC_DUP3, O_CLOEXEC) < 0;
	rc |= dup2(null, FD_CLOEXEC_FCNTL) < 0 || fcntl(FD_CLOEXEC_FCNTL, F_SETFD, FD_CLOEXEC) < 0;
	close(null);
	int dir = open(g_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	rc |= dup2(dir, FD_DIR) < 0;
	close(dir);
	int self = open(g_self, O_RDONLY | O_CLOEXEC);
	rc |= dup2(self, FD_SELF) < 0;
	close(self);

	/* A caught signal (back to SIG_DFL), an ignored one (stays ignored; Linux clears the
	 * flags and mask of every action), a blocked one left pending. */
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART | SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	rc |= sigaction(SIGUSR1, &sa, NULL);
	rc |= sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	rc |= sigaction(SIGUSR2, &sa, NULL);
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGWINCH);
	rc |= sigprocmask(SIG_SETMASK, &block, NULL);
	rc |= raise(SIGWINCH);
	rc |= raise(SIGUSR2);	/* ignored: discarded */
	static char alt[65536];
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	rc |= sigaltstack(&ss, NULL);
	umask(027);
	return rc ? -1 : 0;
}

static int stage_first(void)
{
	ssize_t n = readlink("/proc/self/exe", g_self, sizeof(g_self) - 1);
	if (n <= 0 || (size_t)n >= sizeof(g_self) - 1) {
		printf("readlink /proc/self/exe: %s\n", strerrorname_np(errno));
		return 1;
	}
	g_self[n] = '\0';
	g_pid = getpid();
	snprintf(g_dir, sizeof(g_dir), "/tmp/cvisor-exec-XXXXXX");
	if (!mkdtemp(g_dir)) {
		printf("mkdtemp: %s\n", strerrorname_np(errno));
		return 1;
	}
	int ok = make_files() == 0 && chdir(g_dir) == 0;
	expect_true("test files made", ok);
	if (!ok) {
		cleanup();
		return 1;
	}
	test_paths();
	test_args();
	test_scripts();
	test_execveat();
	expect_true("state for the child set", prepare_inheritance() == 0);

	puts("-- execve of the program itself");
	char *argv[] = { "exec-argv0", "exec-child", "two words", "", NULL };
	ex(g_self, argv, state_env(NULL));
	return chain_broken("execve of the program");
}

static int stage_exec_child(int argc, char **argv)
{
	expect_eq("argc", argc, 4);
	expect_str("argv[0]", argv[0], "exec-argv0");
	expect_str("argv[2]", argc > 2 ? argv[2] : NULL, "two words");
	expect_str("argv[3]", argc > 3 ? argv[3] : NULL, "");
	int envc = 0;
	while (environ[envc])
		envc++;
	expect_eq("environment entries", envc, 5);
	expect_str("GREETING", getenv("GREETING"), "hello world");
	expect_true("same PID", getpid() == g_pid);
	expect_execfn(g_self);
	expect_exe();
	expect_comm(g_self);

	expect_fd("fd without O_CLOEXEC kept", FD_PLAIN, 0);
	expect_errno("dup3 O_CLOEXEC fd closed", fcntl(FD_CLOEXEC_DUP3, F_GETFD), EBADF);
	expect_errno("FD_CLOEXEC fd closed", fcntl(FD_CLOEXEC_FCNTL, F_GETFD), EBADF);
	expect_fd("stdout kept", 1, 0);

	struct ksigaction usr1 = get_action(SIGUSR1), intr = get_action(SIGINT);
	struct ksigaction usr2 = get_action(SIGUSR2);
	expect_eq("caught SIGUSR1 now SIG_DFL", (long)usr1.handler, (long)(uintptr_t)SIG_DFL);
	expect_eq("  its flags", (long)usr1.flags, 0);
	expect_eq("  its mask", (long)usr1.mask, 0);
	expect_eq("caught SIGINT now SIG_DFL", (long)intr.handler, (long)(uintptr_t)SIG_DFL);
	expect_eq("ignored SIGUSR2 still SIG_IGN", (long)usr2.handler, (long)(uintptr_t)SIG_IGN);
	expect_eq("  its flags", (long)usr2.flags, 0);
	expect_eq("  its mask", (long)usr2.mask, 0);
	uint64_t mask = 0, pend = 0;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, 8);
	syscall(SYS_rt_sigpending, &pend, 8);
	expect_eq("signal mask kept", (long)mask, (long)(BIT(SIGHUP) | BIT(SIGWINCH)));
	expect_eq("pending signal kept", (long)pend, (long)BIT(SIGWINCH));
	stack_t ss;
	sigaltstack(NULL, &ss);
	expect_eq("sigaltstack disabled", ss.ss_flags, SS_DISABLE);
	mode_t um = umask(022);
	expect_mode("umask kept", um, 027);
	char cwd[PATH_MAX];
	expect_path("cwd kept", getcwd(cwd, sizeof(cwd)), g_dir);

	puts("-- execve of /proc/self/exe with a NULL argv");
	ex("/proc/self/exe", NULL, state_env("empty-argv"));
	return chain_broken("execve with a NULL argv");
}

static int stage_empty_argv(int argc, char **argv)
{
	/* Linux gives a program started without arguments one empty argv[0] (since 5.18). */
	expect_eq("argc", argc, 1);
	expect_str("argv[0]", argc > 0 ? argv[0] : NULL, "");
	expect_execfn("/proc/self/exe");
	expect_comm("exe");

	puts("-- execve of a script");
	char *next[] = { "script-argv0", "extra1", "extra2", NULL };
	ex(in_dir("script"), next, state_env(NULL));
	return chain_broken("execve of a script");
}

static int stage_script(int argc, char **argv)
{
	/* [interpreter, its argument, the script as execve named it, argv[1:]] */
	expect_eq("argc", argc, 5);
	expect_path("argv[0] is the interpreter", argv[0], in_dir("self"));
	expect_str("argv[1]", argv[1], "script arg");
	expect_path("argv[2] is the script", argc > 2 ? argv[2] : NULL, in_dir("script"));
	expect_str("argv[3]", argc > 3 ? argv[3] : NULL, "extra1");
	expect_str("argv[4]", argc > 4 ? argv[4] : NULL, "extra2");
	expect_execfn(in_dir("script"));
	expect_comm("script");
	expect_fd("fd without O_CLOEXEC still kept", FD_PLAIN, 0);

	puts("-- execveat of five nested scripts, relative to a dirfd");
	char *next[] = { "chain-argv0", "x", NULL };
	exat(FD_DIR, "c5", next, state_env(NULL), 0);
	return chain_broken("execveat of five nested scripts");
}

static int stage_chain(int argc, char **argv)
{
	/* Each level puts its interpreter and the name it was run by in front of the rest. */
	char via_fd[32];
	snprintf(via_fd, sizeof(via_fd), "/dev/fd/%d/c5", FD_DIR);
	expect_eq("argc", argc, NEST_MAX + 3);
	expect_path("argv[0] is the interpreter", argv[0], in_dir("self"));
	expect_str("argv[1]", argv[1], "chain-child");
	for (int i = 1; i < NEST_MAX && 1 + i < argc; i++) {
		char what[32], name[8];
		snprintf(what, sizeof(what), "argv[%d] is c%d", 1 + i, i);
		snprintf(name, sizeof(name), "c%d", i);
		expect_path(what, argv[1 + i], in_dir(name));
	}
	expect_str("argv[6]", argc > 6 ? argv[6] : NULL, via_fd);
	expect_str("argv[7]", argc > 7 ? argv[7] : NULL, "x");
	expect_execfn(via_fd);
	expect_comm("c5");

	puts("-- execveat AT_EMPTY_PATH of a descriptor");
	char *next[] = { "fd-argv0", "fd-child", NULL };
	exat(FD_SELF, "", next, state_env(NULL), AT_EMPTY_PATH);
	return chain_broken("execveat AT_EMPTY_PATH");
}

static int stage_fd(int argc, char **argv)
{
	char name[32];
	snprintf(name, sizeof(name), "/dev/fd/%d", FD_SELF);
	expect_eq("argc", argc, 2);
	expect_str("argv[0]", argv[0], "fd-argv0");
	expect_execfn(name);
	/* comm is not checked: recent Linux names the task after the file ("cat" for an fd of
	 * /bin/cat), older kernels after the descriptor number. */

	puts("-- execve with an argument of 128 KiB - 1");
	static char big[ARG_STRLEN_MAX];
	memset(big, 'a', sizeof(big) - 1);
	char *next[] = { "big", "big-arg", big, NULL };
	ex(g_self, next, state_env(NULL));
	return chain_broken("execve with an argument of 128 KiB - 1");
}

static int stage_big(int argc, char **argv)
{
	expect_eq("argc", argc, 3);
	size_t len = argc > 2 ? strlen(argv[2]) : 0;
	expect_eq("length of argv[2]", (long)len, ARG_STRLEN_MAX - 1);
	expect_true("all of it", len && strspn(argv[2], "a") == len);
	expect_exe();
	expect_comm(g_self);
	cleanup();
	return expect_status();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!getenv("CVISOR_EXEC_DIR"))
		return stage_first();
	load_state();
	const char *stage = getenv("CVISOR_EXEC_STAGE");
	const char *mode = argc > 1 ? argv[1] : "";
	if (stage && strcmp(stage, "empty-argv") == 0)
		return stage_empty_argv(argc, argv);
	if (strcmp(mode, "exec-child") == 0)
		return stage_exec_child(argc, argv);
	if (strcmp(mode, "script arg") == 0)
		return stage_script(argc, argv);
	if (strcmp(mode, "chain-child") == 0)
		return stage_chain(argc, argv);
	if (strcmp(mode, "fd-child") == 0)
		return stage_fd(argc, argv);
	if (strcmp(mode, "big-arg") == 0)
		return stage_big(argc, argv);
	printf("unknown stage \"%s\"\n", mode);
	cleanup();
	return 1;
}
