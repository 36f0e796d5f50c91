/*
 * Signal delivery: a handler runs with the right siginfo, the mask is the handler's while it
 * runs and restored after, registers and SSE state survive a handler that clobbers them,
 * SA_RESETHAND, SA_NODEFER, SA_ONSTACK with sigaltstack, a blocked signal delivered when
 * unblocked, and a SIGSEGV handler seeing the faulting address.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static volatile int g_hits, g_signo, g_code, g_pid_ok, g_blocked_inside, g_on_alt, g_depth;
static volatile uintptr_t g_addr;
static char g_alt[65536];
static sigjmp_buf g_jmp;
static volatile uintptr_t g_bad = 8;	/* an address nothing maps */

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	g_hits++;
	g_signo = si->si_signo;
	g_code = si->si_code;
	g_pid_ok = si->si_pid == getpid();
	g_blocked_inside = sigismember(&cur, SIGUSR1) + 2 * sigismember(&cur, SIGUSR2);
	g_on_alt = (char *)&cur >= g_alt && (char *)&cur < g_alt + sizeof(g_alt);
	/* Clobber SSE registers: the interrupted code must not see it. */
	__asm__ volatile("pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1" ::: "xmm0", "xmm1");
}

static void on_nodefer(int sig)
{
	if (g_depth++ == 0)
		raise(sig);	/* with SA_NODEFER this nests */
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_addr = (uintptr_t)si->si_addr;
	g_code = si->si_code;
	siglongjmp(g_jmp, 1);
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaction(SIGUSR1, &sa, NULL);

	double d = 1.25;
	__asm__ volatile("movsd %0, %%xmm0" ::"m"(d) : "xmm0");
	kill(getpid(), SIGUSR1);
	double back;
	__asm__ volatile("movsd %%xmm0, %0" : "=m"(back));
	printf("handler ran: %d signo: %d code: %d pid ok: %d\n", g_hits, g_signo, g_code, g_pid_ok);
	printf("blocked inside (1 self, 2 sa_mask): %d\n", g_blocked_inside);
	printf("xmm0 kept: %d\n", back == 1.25);
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("mask restored: %d\n", !sigismember(&cur, SIGUSR1) && !sigismember(&cur, SIGUSR2));

	/* Blocked: pending until unblocked. */
	sigset_t one;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	sigprocmask(SIG_BLOCK, &one, NULL);
	kill(getpid(), SIGUSR1);
	printf("while blocked: %d\n", g_hits);
	sigprocmask(SIG_UNBLOCK, &one, NULL);
	printf("after unblock: %d\n", g_hits);

	/* SA_ONSTACK on an alternate stack. */
	stack_t ss = { .ss_sp = g_alt, .ss_size = sizeof(g_alt) };
	sigaltstack(&ss, NULL);
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	printf("on the alternate stack: %d\n", g_on_alt);

	/* SA_RESETHAND: the second raise finds the default, which ignores SIGWINCH. */
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGWINCH, &sa, NULL);
	raise(SIGWINCH);
	struct sigaction now;
	sigaction(SIGWINCH, NULL, &now);
	printf("reset to default: %d hits: %d\n", now.sa_handler == SIG_DFL, g_hits);

	struct sigaction nd = { .sa_handler = on_nodefer, .sa_flags = SA_NODEFER };
	sigemptyset(&nd.sa_mask);
	sigaction(SIGUSR2, &nd, NULL);
	raise(SIGUSR2);
	printf("nodefer depth: %d\n", g_depth);

	/* A fault with a handler: si_addr and si_code, then back through siglongjmp. */
	struct sigaction sv = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	sigemptyset(&sv.sa_mask);
	sigaction(SIGSEGV, &sv, NULL);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sigsetjmp(g_jmp, 1) == 0)
		ro[16] = 1;
	printf("segv addr ok: %d code: %d\n", g_addr == (uintptr_t)(ro + 16), g_code);
	if (sigsetjmp(g_jmp, 1) == 0)
		*(volatile char *)g_bad = 1;
	printf("segv unmapped addr: %lu code: %d\n", (unsigned long)g_addr, g_code);
	return 0;
}
