/*
 * Signals from faults, with the siginfo Linux gives: SIGFPE from an integer division by zero
 * (FPE_INTDIV at the instruction), SIGILL from ud2 (ILL_ILLOPN at it), SIGSEGV from a read of
 * nothing (SEGV_MAPERR) and a write to a read-only page (SEGV_ACCERR) at the address, SIGBUS
 * past the end of a mapped file (BUS_ADRERR), SIGTRAP from int3 (SI_KERNEL); a handler on the
 * alternate stack; and the default action of each killing a child with that signal.
 */
#include "expect.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern const char fault_div[], fault_ud2[], fault_int3_after[];
__asm__(".pushsection .text\n"
	".globl do_div0\n do_div0:\n"
	"	xor %ecx, %ecx\n"
	"	mov $1, %eax\n"
	"	xor %edx, %edx\n"
	".globl fault_div\n fault_div:\n"
	"	div %ecx\n"
	"	ret\n"
	".globl do_ud2\n do_ud2:\n"
	".globl fault_ud2\n fault_ud2:\n"
	"	ud2\n"
	"	ret\n"
	".globl do_int3\n do_int3:\n"
	"	int3\n"
	".globl fault_int3_after\n fault_int3_after:\n"
	"	ret\n"
	".popsection\n");
void do_div0(void);
void do_ud2(void);
void do_int3(void);

static sigjmp_buf g_jmp;
static volatile int g_sig, g_code, g_on_alt;
static volatile uintptr_t g_addr;
static char g_alt[65536];

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	g_sig = sig;
	g_code = si->si_code;
	g_addr = (uintptr_t)si->si_addr;
	char here;
	g_on_alt = &here >= g_alt && &here < g_alt + sizeof(g_alt);
	if (sig == SIGTRAP)
		return;	/* int3 traps after itself: the code goes on */
	siglongjmp(g_jmp, 1);
}

/* Runs @fn, expecting @sig with @code at @addr (0: not checked). */
static void expect_fault(const char *what, void (*fn)(void *), void *arg, int sig, int code,
			 uintptr_t addr)
{
	char line[160];
	g_sig = g_code = 0;
	g_addr = 0;
	if (!sigsetjmp(g_jmp, 1))
		fn(arg);
	snprintf(line, sizeof(line), "%s: the signal", what);
	expect_eq(line, g_sig, sig);
	snprintf(line, sizeof(line), "%s: si_code", what);
	expect_eq(line, g_code, code);
	if (addr) {
		snprintf(line, sizeof(line), "%s: si_addr is the %s", what,
			 sig == SIGSEGV || sig == SIGBUS ? "address" : "instruction");
		expect_true(line, g_addr == addr);
	}
	snprintf(line, sizeof(line), "%s: handled on the alternate stack", what);
	expect_true(line, g_on_alt);
}

static void run_div(void *a) { (void)a; do_div0(); }
static void run_ud2(void *a) { (void)a; do_ud2(); }
static void run_int3(void *a) { (void)a; do_int3(); }
static void run_read(void *a) { (void)*(volatile char *)a; }
static void run_write(void *a) { *(volatile char *)a = 1; }

/* The default action: a child dies of the signal. */
static void expect_killed(const char *what, void (*fn)(void *), void *arg, int sig)
{
	pid_t c = fork();
	if (c == 0) {
		signal(sig, SIG_DFL);
		fn(arg);
		_exit(0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	expect_eq(what, WIFSIGNALED(st) ? WTERMSIG(st) : -1, sig);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	stack_t ss = { .ss_sp = g_alt, .ss_size = sizeof(g_alt) };
	sigaltstack(&ss, NULL);
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	sigemptyset(&sa.sa_mask);
	int sigs[] = { SIGFPE, SIGILL, SIGSEGV, SIGBUS, SIGTRAP };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);

	expect_fault("division by zero", run_div, NULL, SIGFPE, FPE_INTDIV, (uintptr_t)fault_div);
	expect_fault("ud2", run_ud2, NULL, SIGILL, ILL_ILLOPN, (uintptr_t)fault_ud2);
	g_sig = 0;
	do_int3();
	expect_eq("int3: SIGTRAP", g_sig, SIGTRAP);
	expect_eq("int3: si_code SI_KERNEL", g_code, SI_KERNEL);

	char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(none, 4096);
	expect_fault("read of an unmapped page", run_read, none + 24, SIGSEGV, SEGV_MAPERR,
		     (uintptr_t)(none + 24));
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect_fault("write to a read-only page", run_write, ro + 100, SIGSEGV, SEGV_ACCERR,
		     (uintptr_t)(ro + 100));
	char *pn = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect_fault("read of a PROT_NONE page", run_read, pn + 8, SIGSEGV, SEGV_ACCERR,
		     (uintptr_t)(pn + 8));

	char path[] = "/tmp/fault_test.XXXXXX";
	int fd = mkstemp(path);
	if (fd >= 0 && ftruncate(fd, 100) == 0) {
		char *m = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
		expect_fault("read past the end of a mapped file", run_read, m + 4096 + 5, SIGBUS,
			     BUS_ADRERR, (uintptr_t)(m + 4096 + 5));
		expect_killed("the default action of SIGBUS", run_read, m + 4096, SIGBUS);
		munmap(m, 8192);
	}
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}

	expect_killed("the default action of SIGFPE", run_div, NULL, SIGFPE);
	expect_killed("the default action of SIGILL", run_ud2, NULL, SIGILL);
	expect_killed("the default action of SIGSEGV", run_write, ro, SIGSEGV);
	expect_killed("the default action of SIGTRAP", run_int3, NULL, SIGTRAP);
	return expect_status();
}
