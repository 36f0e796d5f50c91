/*
 * seccomp(2) and prctl(PR_SET_SECCOMP/PR_GET_SECCOMP): the application's own filters. Every
 * case that installs a filter runs in a child process, so the program itself stays
 * unfiltered: the child prints its own lines and exits with its verdict (or dies of the
 * action under test, which the parent checks in the wait status).
 *
 * Covered: ERRNO (chosen call, the 4095 cap, data 0), an argument check, TRAP with the SIGSYS
 * siginfo (si_code, si_syscall, si_arch, si_errno, si_call_addr) and rax as the handler sees
 * it, KILL_PROCESS, KILL_THREAD (alone, and one thread of two), division by zero, TRACE and
 * USER_NOTIF without a tracer or listener (ENOSYS), LOG, the precedence of actions across
 * the chain, the arch field, strict mode, inheritance across fork and execve, EACCES without
 * no_new_privs (after setresuid drops the capabilities), the validator's EINVALs, EFAULT, the
 * 32768-instruction path limit (ENOMEM), PR_GET_SECCOMP, SECCOMP_GET_ACTION_AVAIL,
 * SECCOMP_GET_NOTIF_SIZES, TSYNC (applied to another thread, and refused with its TID or
 * ESRCH), and /proc/self/status's Seccomp lines.
 *
 *   seccomp_test_static             the tests
 *   seccomp_test_static exec-child  the image execve loads under an inherited filter
 */
#include "expect.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000u
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1u << 4)
#endif

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

#define BAD_PTR ((void *)8)
#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)
#define ARG0_OFF offsetof(struct seccomp_data, args[0])

static long sc(unsigned op, unsigned flags, const void *args)
{
	return syscall(SYS_seccomp, op, flags, args);
}

static long install(struct sock_filter *f, unsigned short n, unsigned flags)
{
	struct sock_fprog p = { .len = n, .filter = f };
	return sc(SECCOMP_SET_MODE_FILTER, flags, &p);
}

/* A filter giving @ret for system call @nr, ALLOW for the rest. */
static long install_on(int nr, uint32_t ret, unsigned flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, ret),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	return install(f, 4, flags);
}

/* Forks @fn as a child with no_new_privs set; returns its wait status. */
static int child(int (*fn)(void))
{
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		alarm(10);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		int rc = fn();
		fflush(stdout);
		_exit(rc);
	}
	int st = 0;
	waitpid(p, &st, 0);
	return st;
}

/* A child that must exit 0 (its own lines told what failed). */
static void expect_child(const char *what, int (*fn)(void))
{
	int st = child(fn);
	expect_eq(what, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), 0);
}

/* A child that must die of @sig. */
static void expect_killed(const char *what, int (*fn)(void), int sig)
{
	int st = child(fn);
	expect_eq(what, WIFSIGNALED(st) ? WTERMSIG(st) : -WEXITSTATUS(st), sig);
}

static int c_errno(void)
{
	expect_ok("ERRNO filter installed", install_on(SYS_getpid, SECCOMP_RET_ERRNO | EPERM, 0));
	expect_errno("ERRNO getpid", syscall(SYS_getpid), EPERM);
	expect_true("ERRNO other calls run", syscall(SYS_getppid) > 0);
	expect_ok("ERRNO 5000 installed", install_on(SYS_getuid, SECCOMP_RET_ERRNO | 5000, 0));
	errno = 0;
	long r = syscall(SYS_getuid);
	expect_eq("ERRNO 5000 capped at 4095", r == -1 ? errno : 0, 4095);
	install_on(SYS_getgid, SECCOMP_RET_ERRNO | 0, 0);
	expect_eq("ERRNO 0 returns 0 without running", syscall(SYS_getgid), 0);
	return expect_status();
}

static int c_args(void)
{
	/* write is allowed on fd 1 only. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_write, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_ok("argument filter installed", install(f, 6, 0));
	expect_errno("write to fd 2 refused", write(2, "", 0), EACCES);
	expect_eq("write to fd 1 allowed", write(1, "", 0), 0);
	return expect_status();
}

static volatile sig_atomic_t g_code, g_syscall, g_errno, g_arch_ok, g_addr_ok, g_rax;

static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	g_code = si->si_code;
	g_syscall = si->si_syscall;
	g_errno = si->si_errno;
	g_arch_ok = si->si_arch == AUDIT_ARCH_X86_64;
	g_addr_ok = (uintptr_t)si->si_call_addr == (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	g_rax = (sig_atomic_t)uc->uc_mcontext.gregs[REG_RAX];
}

static int c_trap(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	sigaction(SIGSYS, &sa, NULL);
	expect_ok("TRAP filter installed", install_on(SYS_getpid, SECCOMP_RET_TRAP | 42, 0));
	long r = syscall(SYS_getpid);
	expect_eq("TRAP si_code", g_code, SYS_SECCOMP);
	expect_eq("TRAP si_syscall", g_syscall, SYS_getpid);
	expect_eq("TRAP si_errno", g_errno, 42);
	expect_true("TRAP si_arch is AUDIT_ARCH_X86_64", g_arch_ok);
	expect_true("TRAP si_call_addr is the return address", g_addr_ok);
	expect_eq("TRAP handler's rax", g_rax, SYS_getpid);
	expect_eq("TRAP call returns its number", r, SYS_getpid);
	return expect_status();
}

static int c_trap_blocked(void)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGSYS);
	sigprocmask(SIG_BLOCK, &s, NULL);
	install_on(SYS_getpid, SECCOMP_RET_TRAP, 0);
	syscall(SYS_getpid);
	return 0;
}

static int c_kill_process(void)
{
	install_on(SYS_getpid, SECCOMP_RET_KILL_PROCESS, 0);
	syscall(SYS_getpid);
	return 0;
}

static int c_kill_thread(void)
{
	install_on(SYS_getpid, SECCOMP_RET_KILL_THREAD, 0);
	syscall(SYS_getpid);
	return 0;
}

static void *killed_thread(void *arg)
{
	syscall(SYS_getppid);
	*(int *)arg = 1;	/* not reached */
	return NULL;
}

static int c_kill_one_thread(void)
{
	install_on(SYS_getppid, SECCOMP_RET_KILL_THREAD, 0);
	int reached = 0;
	pthread_t th;
	pthread_create(&th, NULL, killed_thread, &reached);
	pthread_join(th, NULL);
	expect_eq("KILL_THREAD: the other thread lives on", reached, 0);
	return expect_status();
}

static int c_div_zero(void)
{
	/* A / X with X 0 returns 0: SECCOMP_RET_KILL_THREAD. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 3),
		BPF_STMT(BPF_LDX | BPF_IMM, 0),
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
		BPF_STMT(BPF_RET | BPF_A, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	install(f, 6, 0);
	syscall(SYS_getpid);
	return 0;
}

static int c_misc_actions(void)
{
	expect_ok("TRACE filter installed", install_on(SYS_getuid, SECCOMP_RET_TRACE | 1, 0));
	expect_errno("TRACE without a tracer", syscall(SYS_getuid), ENOSYS);
	install_on(SYS_getgid, SECCOMP_RET_USER_NOTIF, 0);
	expect_errno("USER_NOTIF without a listener", syscall(SYS_getgid), ENOSYS);
	install_on(SYS_geteuid, SECCOMP_RET_LOG, SECCOMP_FILTER_FLAG_LOG);
	expect_true("LOG runs the call", syscall(SYS_geteuid) >= 0);
	/* Precedence: the older filter's ERRNO beats the newer LOG; equal actions: the newer's
	 * data. */
	install_on(SYS_getpid, SECCOMP_RET_ERRNO | EACCES, 0);
	install_on(SYS_getpid, SECCOMP_RET_ERRNO | EPERM, 0);
	install_on(SYS_getpid, SECCOMP_RET_LOG, 0);
	expect_errno("precedence ERRNO over LOG, newest ERRNO's data", syscall(SYS_getpid), EPERM);
	install_on(SYS_getppid, SECCOMP_RET_ERRNO | EPERM, 0);
	install_on(SYS_getppid, SECCOMP_RET_TRACE, 0);
	expect_errno("precedence ERRNO over TRACE", syscall(SYS_getppid), EPERM);
	return expect_status();
}

static int c_arch(void)
{
	/* Kills any call made under another ABI; an x86-64 call gets EPERM for getpid. */
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARCH_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_ok("arch filter installed", install(f, 7, 0));
	expect_errno("arch is x86-64: getpid EPERM", syscall(SYS_getpid), EPERM);
	return expect_status();
}

static int c_strict(void)
{
	static const char msg[] = "strict mode: write runs\n";
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0)
		return 3;
	syscall(SYS_write, 1, msg, sizeof(msg) - 1);
	syscall(SYS_getpid);	/* SIGKILL */
	syscall(SYS_exit, 4);
	return 0;
}

static int c_strict_exit(void)
{
	if (sc(SECCOMP_SET_MODE_STRICT, 0, NULL) != 0)
		return 3;
	syscall(SYS_exit, 7);
	return 0;
}

static int c_strict_prctl(void)
{
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0)
		return 3;
	prctl(PR_GET_SECCOMP, 0, 0, 0, 0);	/* SIGKILL */
	syscall(SYS_exit, 4);
	return 0;
}

static int c_fork(void)
{
	install_on(SYS_getpid, SECCOMP_RET_ERRNO | EPERM, 0);
	pid_t p = fork();
	if (p == 0) {
		errno = 0;
		_exit(syscall(SYS_getpid) == -1 ? errno : 0);
	}
	int st = 0;
	waitpid(p, &st, 0);
	expect_eq("fork child inherits the filter", WIFEXITED(st) ? WEXITSTATUS(st) : -1, EPERM);
	return expect_status();
}

static int c_exec(void)
{
	install_on(SYS_getpid, SECCOMP_RET_ERRNO | EPERM, 0);
	char *argv[] = { "seccomp_test_static", "exec-child", NULL };
	execv("/proc/self/exe", argv);
	return 99;
}

/* The image execve loaded: its filter is the one before exec. */
static int exec_child(void)
{
	errno = 0;
	int bits = 0;
	if (syscall(SYS_getpid) != -1 || errno != EPERM)
		bits |= 1;
	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 2)
		bits |= 2;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		bits |= 4;
	return bits;
}

static int c_eacces(void)
{
	/* As root the call would pass on CAP_SYS_ADMIN: drop it with the IDs. The child that
	 * runs this has no_new_privs, so this runs in its own fork without it. */
	pid_t p = fork();
	if (p == 0) {
		struct sock_filter f[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
		struct sock_fprog pr = { .len = 1, .filter = f };
		if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 0 || setresuid(65534, 65534, 65534))
			_exit(2);
		if (sc(SECCOMP_SET_MODE_FILTER, 0, &pr) != -1 || errno != EACCES)
			_exit(3);
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &pr, 0, 0) != -1 || errno != EACCES)
			_exit(4);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		_exit(sc(SECCOMP_SET_MODE_FILTER, 0, &pr) == 0 ? 0 : 5);
	}
	int st = 0;
	waitpid(p, &st, 0);
	expect_eq("EACCES without no_new_privs and CAP_SYS_ADMIN", WIFEXITED(st) ? WEXITSTATUS(st)
				       : -1, 0);
	return expect_status();
}

static int c_invalid(void)
{
	struct sock_filter ok1[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog p = { .len = 0, .filter = ok1 };
	expect_errno("length 0", sc(SECCOMP_SET_MODE_FILTER, 0, &p), EINVAL);
	struct sock_filter *big = calloc(4097, sizeof(*big));
	for (int i = 0; i < 4097; i++)
		big[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	expect_errno("length 4097", install(big, 4097, 0), EINVAL);
	struct sock_filter jump[] = {
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 5),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("jump past the end", install(jump, 2, 0), EINVAL);
	struct sock_filter ja[] = {
		BPF_STMT(BPF_JMP | BPF_JA, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("JA past the end", install(ja, 2, 0), EINVAL);
	struct sock_filter byte[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("byte load (not a seccomp opcode)", install(byte, 2, 0), EINVAL);
	struct sock_filter mod[] = {
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("BPF_MOD", install(mod, 2, 0), EINVAL);
	struct sock_filter junk[] = {
		{ .code = 0xffff },
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("unknown opcode", install(junk, 2, 0), EINVAL);
	struct sock_filter unal[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("misaligned load", install(unal, 2, 0), EINVAL);
	struct sock_filter oob[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("load past seccomp_data", install(oob, 2, 0), EINVAL);
	struct sock_filter noret[] = { BPF_STMT(BPF_LD | BPF_IMM, 0) };
	expect_errno("no RET at the end", install(noret, 1, 0), EINVAL);
	struct sock_filter mem[] = {
		BPF_STMT(BPF_LD | BPF_MEM, 3),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	expect_errno("scratch word read before written", install(mem, 2, 0), EINVAL);
	struct sock_filter mem16[] = {
		BPF_STMT(BPF_ST, 16),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("scratch word 16", install(mem16, 2, 0), EINVAL);
	struct sock_filter div0[] = {
		BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("division by constant 0", install(div0, 2, 0), EINVAL);
	struct sock_filter sh[] = {
		BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("shift by 32", install(sh, 2, 0), EINVAL);
	struct sock_filter memok[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR_OFF),
		BPF_STMT(BPF_ST, 3),
		BPF_STMT(BPF_LDX | BPF_MEM, 3),
		BPF_STMT(BPF_MISC | BPF_TXA, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ESRCH),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	expect_errno("bad fprog pointer", sc(SECCOMP_SET_MODE_FILTER, 0, BAD_PTR), EFAULT);
	p.len = 1;
	p.filter = BAD_PTR;
	expect_errno("bad filter pointer", sc(SECCOMP_SET_MODE_FILTER, 0, &p), EFAULT);
	p.filter = ok1;
	expect_errno("unknown flag", sc(SECCOMP_SET_MODE_FILTER, 1u << 20, &p), EINVAL);
	expect_errno("unknown operation", sc(77, 0, &p), EINVAL);
	expect_errno("strict with flags", sc(SECCOMP_SET_MODE_STRICT, 1, NULL), EINVAL);
	expect_errno("strict with args", sc(SECCOMP_SET_MODE_STRICT, 0, &p), EINVAL);
	expect_errno("PR_SET_SECCOMP mode 5", prctl(PR_SET_SECCOMP, 5, 0, 0, 0), EINVAL);
	expect_eq("PR_GET_SECCOMP without a filter", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	expect_ok("scratch memory program installed", install(memok, 7, 0));
	expect_errno("scratch memory program runs", syscall(SYS_getpid), ESRCH);
	expect_eq("PR_GET_SECCOMP with a filter", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	expect_errno("strict after a filter", sc(SECCOMP_SET_MODE_STRICT, 0, NULL), EINVAL);
	expect_ok("PR_SET_SECCOMP filter", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p, 0, 0));
	free(big);
	return expect_status();
}

static int c_enomem(void)
{
	struct sock_filter *big = calloc(4096, sizeof(*big));
	for (int i = 0; i < 4095; i++)
		big[i] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 0);
	big[4095] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	int n = 0;
	long r;
	while ((r = install(big, 4096, 0)) == 0 && n < 20)
		n++;
	expect_eq("4096-instruction filters until the path limit", n, 7);
	expect_errno("the next one", r, ENOMEM);
	free(big);
	return expect_status();
}

static int c_avail(void)
{
	static const struct { const char *name; uint32_t a; } acts[] = {
		{ "KILL_PROCESS", SECCOMP_RET_KILL_PROCESS }, { "KILL_THREAD", SECCOMP_RET_KILL_THREAD },
		{ "TRAP", SECCOMP_RET_TRAP }, { "ERRNO", SECCOMP_RET_ERRNO },
		{ "USER_NOTIF", SECCOMP_RET_USER_NOTIF }, { "TRACE", SECCOMP_RET_TRACE },
		{ "LOG", SECCOMP_RET_LOG }, { "ALLOW", SECCOMP_RET_ALLOW },
	};
	char what[64];
	for (size_t i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
		snprintf(what, sizeof(what), "GET_ACTION_AVAIL %s", acts[i].name);
		expect_ok(what, sc(SECCOMP_GET_ACTION_AVAIL, 0, &acts[i].a));
	}
	uint32_t bad = 0x12340000;
	expect_errno("GET_ACTION_AVAIL unknown", sc(SECCOMP_GET_ACTION_AVAIL, 0, &bad), EOPNOTSUPP);
	expect_errno("GET_ACTION_AVAIL bad pointer", sc(SECCOMP_GET_ACTION_AVAIL, 0, BAD_PTR),
		     EFAULT);
	expect_errno("GET_ACTION_AVAIL flags", sc(SECCOMP_GET_ACTION_AVAIL, 1, &acts[0].a),
		     EINVAL);
	struct seccomp_notif_sizes sz = { 0 };
	expect_ok("GET_NOTIF_SIZES", sc(SECCOMP_GET_NOTIF_SIZES, 0, &sz));
	expect_eq("seccomp_notif size", sz.seccomp_notif, 80);
	expect_eq("seccomp_notif_resp size", sz.seccomp_notif_resp, 24);
	expect_eq("seccomp_data size", sz.seccomp_data, 64);
	expect_errno("GET_NOTIF_SIZES bad pointer", sc(SECCOMP_GET_NOTIF_SIZES, 0, BAD_PTR),
		     EFAULT);
	return expect_status();
}

/* The TSYNC thread: waits for the go, then reports getpid's errno. */
static int g_pipe[2], g_pipe2[2];
static volatile int g_thread_errno, g_thread_tid;

static void *tsync_thread(void *arg)
{
	char c;
	g_thread_tid = (int)syscall(SYS_gettid);
	if (arg)
		install_on(SYS_getuid, SECCOMP_RET_ERRNO | EPERM, 0);
	write(g_pipe2[1], "r", 1);
	read(g_pipe[0], &c, 1);
	errno = 0;
	g_thread_errno = syscall(SYS_getpid) == -1 ? errno : 0;
	return NULL;
}

static int c_tsync(void)
{
	pthread_t th;
	char c;
	pipe(g_pipe);
	pipe(g_pipe2);
	pthread_create(&th, NULL, tsync_thread, NULL);
	read(g_pipe2[0], &c, 1);
	expect_eq("TSYNC installed", install_on(SYS_getpid, SECCOMP_RET_ERRNO | EPERM,
						SECCOMP_FILTER_FLAG_TSYNC), 0);
	write(g_pipe[1], "g", 1);
	pthread_join(th, NULL);
	expect_eq("TSYNC: the other thread has the filter", g_thread_errno, EPERM);
	return expect_status();
}

static int c_tsync_fail(void)
{
	pthread_t th;
	char c;
	pipe(g_pipe);
	pipe(g_pipe2);
	pthread_create(&th, NULL, tsync_thread, (void *)1);
	read(g_pipe2[0], &c, 1);
	long r = install_on(SYS_getpid, SECCOMP_RET_ERRNO | EACCES, SECCOMP_FILTER_FLAG_TSYNC);
	expect_true("TSYNC refused with the other thread's TID", r == g_thread_tid);
	expect_errno("TSYNC_ESRCH refused", install_on(SYS_getpid, SECCOMP_RET_ERRNO | EACCES,
		     SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH), ESRCH);
	expect_eq("TSYNC refused: no filter here", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
	write(g_pipe[1], "g", 1);
	pthread_join(th, NULL);
	expect_eq("TSYNC refused: not the other thread either", g_thread_errno, 0);
	return expect_status();
}

/* The value of "NAME:" in /proc/self/status, or -1. */
static long status_field(const char *name)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	size_t n = strlen(name);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static int c_status(void)
{
	expect_eq("status Seccomp before", status_field("Seccomp"), 0);
	expect_eq("status NoNewPrivs", status_field("NoNewPrivs"), 1);
	install_on(SYS_getpid, SECCOMP_RET_ERRNO | EPERM, 0);
	install_on(SYS_getppid, SECCOMP_RET_ERRNO | EPERM, 0);
	expect_eq("status Seccomp", status_field("Seccomp"), 2);
	expect_eq("status Seccomp_filters", status_field("Seccomp_filters"), 2);
	return expect_status();
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return exec_child();
	alarm(60);
	expect_child("ERRNO child", c_errno);
	expect_child("argument check child", c_args);
	expect_child("TRAP child", c_trap);
	expect_killed("TRAP with SIGSYS blocked kills", c_trap_blocked, SIGSYS);
	expect_killed("KILL_PROCESS", c_kill_process, SIGSYS);
	expect_killed("KILL_THREAD of the only thread", c_kill_thread, SIGSYS);
	expect_child("KILL_THREAD of one thread child", c_kill_one_thread);
	expect_killed("division by zero returns 0 (kill)", c_div_zero, SIGSYS);
	expect_child("TRACE, USER_NOTIF, LOG child", c_misc_actions);
	expect_child("arch child", c_arch);
	expect_killed("strict mode getpid", c_strict, SIGKILL);
	int st = child(c_strict_exit);
	expect_eq("strict mode exit", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 7);
	expect_killed("strict mode PR_GET_SECCOMP", c_strict_prctl, SIGKILL);
	expect_child("fork child", c_fork);
	st = child(c_exec);
	expect_eq("execve keeps the filter", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
	fflush(stdout);
	/* EACCES needs a child without no_new_privs: fork it from here. */
	c_eacces();
	expect_child("invalid programs child", c_invalid);
	expect_child("path limit child", c_enomem);
	expect_child("action availability child", c_avail);
	expect_child("TSYNC child", c_tsync);
	expect_child("TSYNC refused child", c_tsync_fail);
	expect_child("status child", c_status);
	return expect_status();
}
