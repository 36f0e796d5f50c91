/*
 * Signal state and sending with good and bad inputs: rt_sigaction, rt_sigprocmask,
 * rt_sigpending, sigaltstack, kill, tgkill, tkill (to self, signal 0 and ignored or blocked
 * signals). A signal ending the program is left out: the shell running run.sh reports it
 * natively ("Terminated") but cannot for the sandbox, whose runner exits with the status.
 * Raw system calls with the kernel's struct sigaction layout.
 */
#include "verdict.h"

#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct ksigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define BIT(sig) (1ull << ((sig) - 1))
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31)
#endif

static void handler(int sig)
{
	(void)sig;
}

static long sigact(int sig, const struct ksigaction *act, struct ksigaction *old, size_t size)
{
	return syscall(SYS_rt_sigaction, sig, act, old, size);
}

static void test_sigaction(void)
{
	struct ksigaction act = { .handler = (uint64_t)handler, .flags = SA_RESTART,
				  .mask = BIT(SIGUSR2) | BIT(SIGKILL) }, old;
	verdict("sigaction usr1", sigact(SIGUSR1, &act, NULL, 8));
	verdict("sigaction read back", sigact(SIGUSR1, NULL, &old, 8));
	printf("handler kept: %d, flags %#lx, mask usr2 %d kill %d\n", old.handler == act.handler,
	       (unsigned long)old.flags, (old.mask & BIT(SIGUSR2)) != 0,
	       (old.mask & BIT(SIGKILL)) != 0);
	act.flags = SA_SIGINFO | 0x400 | 0x100000;
	verdict("sigaction unknown flags", sigact(SIGUSR1, &act, NULL, 8));
	sigact(SIGUSR1, NULL, &old, 8);
	printf("unknown flags cleared: %#lx\n", (unsigned long)old.flags);
	verdict("sigaction kill", sigact(SIGKILL, &act, NULL, 8));
	verdict("sigaction stop", sigact(SIGSTOP, &act, NULL, 8));
	verdict("sigaction kill query", sigact(SIGKILL, NULL, &old, 8));
	verdict("sigaction signal 0", sigact(0, &act, NULL, 8));
	verdict("sigaction signal 65", sigact(65, NULL, &old, 8));
	verdict("sigaction signal 64", sigact(64, NULL, &old, 8));
	verdict("sigaction bad size", sigact(SIGUSR1, &act, NULL, 4));
	verdict("sigaction bad size 16", sigact(SIGUSR1, NULL, &old, 16));
	verdict("sigaction bad act", sigact(SIGUSR1, BAD_PTR, NULL, 8));
	verdict("sigaction bad oldact", sigact(SIGUSR1, NULL, BAD_PTR, 8));
	verdict("sigaction bad act on kill", sigact(SIGKILL, BAD_PTR, NULL, 8));
	struct ksigaction dfl = { .handler = (uint64_t)SIG_DFL };
	sigact(SIGUSR1, &dfl, NULL, 8);
}

static void test_sigprocmask(void)
{
	uint64_t set = BIT(SIGUSR1) | BIT(SIGKILL) | BIT(SIGSTOP), old = 0;
	verdict("sigprocmask block", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 8));
	verdict("sigprocmask query", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, 8));
	printf("blocked usr1 %d kill %d stop %d\n", (old & BIT(SIGUSR1)) != 0,
	       (old & BIT(SIGKILL)) != 0, (old & BIT(SIGSTOP)) != 0);
	verdict("sigprocmask bad how", syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8));
	verdict("sigprocmask bad how, no set", syscall(SYS_rt_sigprocmask, 7, NULL, &old, 8));
	verdict("sigprocmask bad size", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 4));
	verdict("sigprocmask bad set", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD_PTR, NULL, 8));
	verdict("sigprocmask bad oldset",
		syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, BAD_PTR, 8));

	/* A blocked signal sent to self stays pending; an ignored one is discarded. */
	verdict("kill self usr1 blocked", syscall(SYS_kill, getpid(), SIGUSR1));
	uint64_t pend = 0;
	verdict("sigpending", syscall(SYS_rt_sigpending, &pend, 8));
	printf("pending usr1: %d\n", (pend & BIT(SIGUSR1)) != 0);
	verdict("sigpending bad size", syscall(SYS_rt_sigpending, &pend, 16));
	verdict("sigpending bad pointer", syscall(SYS_rt_sigpending, BAD_PTR, 8));
	struct ksigaction ign = { .handler = (uint64_t)SIG_IGN };
	sigact(SIGUSR1, &ign, NULL, 8);
	syscall(SYS_rt_sigpending, &pend, 8);
	printf("pending usr1 after SIG_IGN: %d\n", (pend & BIT(SIGUSR1)) != 0);
	verdict("unblock usr1", syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &set, &old, 8));
	verdict("kill self ignored usr1", syscall(SYS_kill, getpid(), SIGUSR1));
	verdict("kill self sigchld (default ignore)", syscall(SYS_kill, getpid(), SIGCHLD));
	verdict("kill self winch", syscall(SYS_kill, 0, SIGWINCH));
	uint64_t none = 0;
	verdict("sigprocmask setmask", syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, &old, 8));
	printf("old mask empty: %d\n", old == 0);
}

static void test_altstack(void)
{
	stack_t ss, old;
	verdict("sigaltstack query", syscall(SYS_sigaltstack, NULL, &old));
	printf("initially disabled: %d\n", old.ss_flags == SS_DISABLE);
	static char stack[65536];
	ss = (stack_t){ .ss_sp = stack, .ss_size = sizeof(stack), .ss_flags = 0 };
	verdict("sigaltstack set", syscall(SYS_sigaltstack, &ss, NULL));
	verdict("sigaltstack read back", syscall(SYS_sigaltstack, NULL, &old));
	printf("same stack: %d size %zu flags %d\n", old.ss_sp == stack, old.ss_size, old.ss_flags);
	ss.ss_size = 1024;
	verdict("sigaltstack too small", syscall(SYS_sigaltstack, &ss, NULL));
	ss.ss_size = sizeof(stack);
	ss.ss_flags = 0x7;
	verdict("sigaltstack bad flags", syscall(SYS_sigaltstack, &ss, NULL));
	ss.ss_flags = SS_ONSTACK;
	verdict("sigaltstack SS_ONSTACK", syscall(SYS_sigaltstack, &ss, NULL));
	ss.ss_flags = SS_AUTODISARM;
	verdict("sigaltstack autodisarm", syscall(SYS_sigaltstack, &ss, NULL));
	syscall(SYS_sigaltstack, NULL, &old);
	printf("autodisarm kept: %d\n", (old.ss_flags & SS_AUTODISARM) != 0);
	verdict("sigaltstack bad ss", syscall(SYS_sigaltstack, BAD_PTR, NULL));
	verdict("sigaltstack bad old", syscall(SYS_sigaltstack, NULL, BAD_PTR));
	ss = (stack_t){ .ss_flags = SS_DISABLE, .ss_size = 5 };
	verdict("sigaltstack disable", syscall(SYS_sigaltstack, &ss, NULL));
	syscall(SYS_sigaltstack, NULL, &old);
	printf("disabled again: %d size %zu\n", old.ss_flags == SS_DISABLE, old.ss_size);
}

static void test_kill(void)
{
	verdict("kill self 0", syscall(SYS_kill, getpid(), 0));
	verdict("kill group 0", syscall(SYS_kill, 0, 0));
	verdict("kill no such pid", syscall(SYS_kill, 99999999, 0));
	verdict("kill no such group", syscall(SYS_kill, -99999999, 0));
	verdict("kill INT_MIN", syscall(SYS_kill, INT_MIN, 0));
	verdict("kill bad signal", syscall(SYS_kill, getpid(), 65));
	verdict("kill negative signal", syscall(SYS_kill, getpid(), -1));
	verdict("kill bad signal, no such pid", syscall(SYS_kill, 99999999, 65));
	long tid = syscall(SYS_gettid);
	verdict("tgkill self 0", syscall(SYS_tgkill, getpid(), tid, 0));
	verdict("tgkill bad tgid", syscall(SYS_tgkill, 0, tid, 0));
	verdict("tgkill bad tid", syscall(SYS_tgkill, getpid(), -1, 0));
	verdict("tgkill no such tid", syscall(SYS_tgkill, getpid(), 99999999, 0));
	verdict("tgkill bad signal", syscall(SYS_tgkill, getpid(), tid, 65));
	verdict("tkill self 0", syscall(SYS_tkill, tid, 0));
	verdict("tkill bad tid", syscall(SYS_tkill, 0, 0));
	verdict("tkill no such tid", syscall(SYS_tkill, 99999999, 0));
	verdict("tkill bad signal", syscall(SYS_tkill, tid, 65));
}

int main(void)
{
	test_sigaction();
	test_sigprocmask();
	test_altstack();
	test_kill();
	/* SIGTERM blocked stays pending instead of ending the program; ignoring drops it. */
	uint64_t term = BIT(SIGTERM), pend = 0;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &term, NULL, 8);
	verdict("kill self term blocked", syscall(SYS_kill, getpid(), SIGTERM));
	syscall(SYS_rt_sigpending, &pend, 8);
	printf("pending term: %d\n", (pend & term) != 0);
	struct ksigaction ign = { .handler = (uint64_t)SIG_IGN };
	sigact(SIGTERM, &ign, NULL, 8);
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &term, NULL, 8);
	printf("still running after unblock\n");
	return 0;
}
