/*
 * FPU and SSE state across everything that takes a thread out of the application: system
 * calls, page faults, blocking and switching between threads, signal handlers (the frame's
 * saved image, and a handler that edits it), fork and thread creation (the child starts from
 * the parent's state at the call) and execve (the new image starts from the initial state, also
 * after vfork). The platform may keep this state away from the Sentry between exits and hand it
 * back only when the Sentry asks, so each case is one the Sentry must not get wrong by reading a
 * stale copy.
 */
#include "expect.h"

#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

/* What the asm below loads before its one instruction of interest and reads back after it:
 * two SSE registers the compiler has no reason to touch, MXCSR and the x87 control word. */
struct fpu_probe {
	double xmm6, xmm7;
	uint32_t mxcsr;
	uint16_t fcw;
};

/* Loads @in, makes system call @nr (a0, a1, a2), stores the same registers to @out. Everything
 * between the load and the store is the one syscall instruction, so only the kernel (here, the
 * Sentry and its platform) can have changed them. */
static long sys_probe(long nr, long a0, long a1, long a2, const struct fpu_probe *in,
		      struct fpu_probe *out)
{
	long ret;
	__asm__ volatile("movsd 0(%[in]), %%xmm6\n\t"
			 "movsd 8(%[in]), %%xmm7\n\t"
			 "ldmxcsr 16(%[in])\n\t"
			 "fldcw 20(%[in])\n\t"
			 "syscall\n\t"
			 "movsd %%xmm6, 0(%[out])\n\t"
			 "movsd %%xmm7, 8(%[out])\n\t"
			 "stmxcsr 16(%[out])\n\t"
			 "fnstcw 20(%[out])"
			 : "=a"(ret)
			 : "0"(nr), "D"(a0), "S"(a1), "d"(a2), [in] "r"(in), [out] "r"(out)
			 : "rcx", "r11", "memory", "xmm6", "xmm7");
	return ret;
}

/* As sys_probe, with a store to @page (a fault when it is not mapped yet) in place of the
 * system call. */
static void touch_probe(volatile char *page, const struct fpu_probe *in, struct fpu_probe *out)
{
	__asm__ volatile("movsd 0(%[in]), %%xmm6\n\t"
			 "movsd 8(%[in]), %%xmm7\n\t"
			 "ldmxcsr 16(%[in])\n\t"
			 "fldcw 20(%[in])\n\t"
			 "movb $1, (%[p])\n\t"
			 "movsd %%xmm6, 0(%[out])\n\t"
			 "movsd %%xmm7, 8(%[out])\n\t"
			 "stmxcsr 16(%[out])\n\t"
			 "fnstcw 20(%[out])"
			 :
			 : [p] "r"(page), [in] "r"(in), [out] "r"(out)
			 : "memory", "xmm6", "xmm7");
}

static int same(const struct fpu_probe *a, const struct fpu_probe *b)
{
	return a->xmm6 == b->xmm6 && a->xmm7 == b->xmm7 && a->mxcsr == b->mxcsr &&
	       a->fcw == b->fcw;
}

/* Round toward zero and 53-bit x87 precision with round-up: values no program starts with,
 * which Linux keeps as they are. */
#define ODD_MXCSR 0x7f80u
#define ODD_FCW 0x0a7fu

static struct fpu_probe probe_of(double a, double b)
{
	return (struct fpu_probe){ .xmm6 = a, .xmm7 = b, .mxcsr = ODD_MXCSR, .fcw = ODD_FCW };
}

/* The control words the rest of the program runs with. */
static void restore_control(void)
{
	const struct fpu_probe std = { .mxcsr = 0x1f80, .fcw = 0x037f };
	__asm__ volatile("ldmxcsr 16(%0)\n\tfldcw 20(%0)" ::"r"(&std) : "memory");
}

/* ---- system calls and faults ---- */

static void case_syscalls(void)
{
	int bad = 0;
	for (int i = 0; i < 200; i++) {
		struct fpu_probe in = probe_of(3.5 + i, -7.25 - i), out;
		sys_probe(SYS_getppid, 0, 0, 0, &in, &out);
		bad += !same(&in, &out);
	}
	restore_control();
	expect_eq("system calls that changed xmm, mxcsr or fcw (of 200)", bad, 0);
	char *p = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bad = 0;
	for (int i = 0; i < 64; i++) {
		struct fpu_probe in = probe_of(11.0 * i, 12.0 + i), out;
		touch_probe(p + i * 4096, &in, &out);
		bad += !same(&in, &out);
	}
	restore_control();
	munmap(p, 64 * 4096);
	expect_eq("page faults that changed them (of 64)", bad, 0);
}

/* ---- two threads blocking in turn on one futex word ---- */

static _Atomic uint32_t g_turn;
enum { ROUNDS = 300 };

/* Plays ROUNDS turns as @me (0 or 1), every FUTEX_WAIT and FUTEX_WAKE made with values of its
 * own loaded; returns the calls after which they were not its own. */
static int play(uint32_t me, double a)
{
	int bad = 0;
	for (int i = 0; i < ROUNDS; i++) {
		struct fpu_probe in = probe_of(a + i, -a - i), out;
		uint32_t v;
		while ((v = g_turn) != me) {
			sys_probe(SYS_futex, (long)&g_turn, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, v, &in,
				  &out);
			bad += !same(&in, &out);
		}
		g_turn = !me;
		sys_probe(SYS_futex, (long)&g_turn, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, &in, &out);
		bad += !same(&in, &out);
	}
	restore_control();
	return bad;
}

static void *other(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)play(1, 1000.0);
}

static void case_threads(void)
{
	pthread_t th;
	if (pthread_create(&th, NULL, other, NULL) != 0) {
		expect_ok("pthread_create", -1);
		return;
	}
	int bad = play(0, 1.0);
	void *theirs;
	pthread_join(th, &theirs);
	expect_eq("futex calls that changed the main thread's state", bad, 0);
	expect_eq("futex calls that changed the second thread's state", (long)(intptr_t)theirs, 0);
}

/* A new thread starts with its creator's control words: Linux copies the FPU at clone. */
static void *report_control(void *arg)
{
	(void)arg;
	uint32_t m;
	uint16_t c;
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(m), "=m"(c));
	return (void *)(uintptr_t)((uint64_t)m << 16 | c);
}

static void case_thread_inherits(void)
{
	const struct fpu_probe odd = probe_of(0, 0);
	__asm__ volatile("ldmxcsr 16(%0)\n\tfldcw 20(%0)" ::"r"(&odd) : "memory");
	pthread_t th;
	void *got = NULL;
	int rc = pthread_create(&th, NULL, report_control, NULL);
	restore_control();
	if (rc == 0)
		pthread_join(th, &got);
	expect_eq("new thread's mxcsr", (long)((uintptr_t)got >> 16), ODD_MXCSR);
	expect_eq("new thread's x87 control word", (long)((uintptr_t)got & 0xffff), ODD_FCW);
}

/* ---- fork ---- */

static void case_fork(void)
{
	struct fpu_probe in = probe_of(21.0, 22.0), out;
	long pid = sys_probe(SYS_fork, 0, 0, 0, &in, &out);
	if (pid == 0)
		syscall(SYS_exit_group, same(&in, &out) ? 0 : 1);
	restore_control();
	int st = 0;
	waitpid((pid_t)pid, &st, 0);
	expect_eq("fork child starts with its parent's state", WIFEXITED(st) && !WEXITSTATUS(st),
		  1);
	expect_eq("parent's state kept over fork", same(&in, &out), 1);
}

/* ---- execve: the new image starts from the initial state ---- */

/* The exec'd stage: exits 0 when MXCSR and the x87 control word are the ones a new image gets. */
static int exec_stage(void)
{
	uint32_t m;
	uint16_t c;
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1" : "=m"(m), "=m"(c));
	return m == 0x1f80 && c == 0x037f ? 0 : 1;
}

/* Through vfork, as posix_spawn does: the child runs in its parent's memory until the exec, so
 * its last state before the exec lives where the parent runs, and must not follow it into the
 * new image. Through fork as well. */
static char *const g_stage_argv[] = { "fpu_test", "exec-stage", NULL };

/* Waits for @pid: its exit status, or -1. */
static int exit_status_of(pid_t pid)
{
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static pid_t vfork_stage(void)
{
	pid_t pid = vfork();
	if (pid == 0) {
		execv("/proc/self/exe", g_stage_argv);
		_exit(127);
	}
	return pid;
}

static pid_t fork_stage(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", g_stage_argv);
		_exit(127);
	}
	return pid;
}

static void case_exec(void)
{
	const struct fpu_probe odd = probe_of(0, 0);
	__asm__ volatile("ldmxcsr 16(%0)\n\tfldcw 20(%0)" ::"r"(&odd) : "memory");
	pid_t pid = vfork_stage();
	restore_control();
	expect_eq("vfork+exec: the new image's control words are the initial ones",
		  exit_status_of(pid), 0);
	__asm__ volatile("ldmxcsr 16(%0)\n\tfldcw 20(%0)" ::"r"(&odd) : "memory");
	pid = fork_stage();
	restore_control();
	expect_eq("fork+exec: the new image's control words are the initial ones",
		  exit_status_of(pid), 0);
}

/* ---- signal handlers ---- */

static volatile int g_handled, g_frame_ok;

/* Clobbers the registers: the interrupted code must get its own back from the frame. */
static void on_clobber(int sig)
{
	(void)sig;
	const struct fpu_probe junk = { .xmm6 = -1, .xmm7 = -2, .mxcsr = 0x1f80, .fcw = 0x037f };
	__asm__ volatile("movsd 0(%0), %%xmm6\n\tmovsd 8(%0), %%xmm7\n\tldmxcsr 16(%0)" ::"r"(&junk)
			 : "memory", "xmm6", "xmm7");
	g_handled++;
}

/* Checks the interrupted xmm6 and MXCSR in the frame's image and doubles xmm6 there: sigreturn
 * must load the edited image. */
static void on_edit(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ucv;
	fpregset_t fp = uc->uc_mcontext.fpregs;
	double v;
	memcpy(&v, &fp->_xmm[6], sizeof(v));
	g_frame_ok = v == 40.5 && fp->mxcsr == ODD_MXCSR && fp->cwd == ODD_FCW;
	v *= 2;
	memcpy(&fp->_xmm[6], &v, sizeof(v));
	g_handled++;
}

static void case_signals(void)
{
	signal(SIGUSR1, on_clobber);
	struct fpu_probe in = probe_of(31.0, 32.0), out;
	sys_probe(SYS_kill, getpid(), SIGUSR1, 0, &in, &out);
	restore_control();
	expect_eq("handler ran", g_handled, 1);
	expect_eq("state back after a clobbering handler", same(&in, &out), 1);

	struct sigaction sa = { .sa_sigaction = on_edit, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	in = probe_of(40.5, 41.0);
	sys_probe(SYS_kill, getpid(), SIGUSR2, 0, &in, &out);
	restore_control();
	expect_eq("frame image holds the interrupted state", g_frame_ok, 1);
	in.xmm6 = 81.0;
	expect_eq("sigreturn loads the handler's edit", same(&in, &out), 1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-stage") == 0)
		return exec_stage();
	setvbuf(stdout, NULL, _IONBF, 0);
	case_syscalls();
	case_threads();
	case_thread_inherits();
	case_fork();
	case_exec();
	case_signals();
	return expect_status();
}
