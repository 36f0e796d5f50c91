/*
 * Waiting for signals and sleeping: rt_sigsuspend (a pending signal it unblocks is delivered
 * at once, with the suspend mask plus the signal in force inside the handler, then -1 EINTR
 * and the caller's mask back; two pending signals are both delivered before it returns; bad
 * mask pointer and size), blocked signals kept pending though ignored, nanosleep and
 * clock_nanosleep with bad inputs, TIMER_ABSTIME deadlines already past, and a blocked pending
 * signal that must not end a sleep.
 *
 * Left out, because nothing can send a signal while the program waits: the Sentry has no
 * alarm, setitimer or timer_create and no second process or thread (no clone). So pause(2),
 * a sleep interrupted by a signal and the time left it reports are not tested here. Every
 * case here ends without waiting, so no outcome depends on timing.
 */
#include "expect.h"

#include <signal.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)8)
#define BIT(sig) (1ull << ((sig) - 1))
/* The kernel's sigset_t: 64 signals, 8 bytes. */
#define KSIGSET 8

static volatile int g_hits;
static volatile int g_order[4];
static volatile uint64_t g_mask_in[4];

static uint64_t cur_mask(void)
{
	uint64_t m = 0;
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, KSIGSET);
	return m;
}

static uint64_t pending(void)
{
	uint64_t p = 0;
	syscall(SYS_rt_sigpending, &p, KSIGSET);
	return p;
}

static void set_mask(uint64_t m)
{
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, KSIGSET);
}

static void on_signal(int sig)
{
	int i = g_hits++;
	if (i < 4) {
		g_order[i] = sig;
		g_mask_in[i] = cur_mask();
	}
}

static void catch(int sig, uint64_t sa_mask)
{
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < 64; s++)
		if (sa_mask & BIT(s))
			sigaddset(&sa.sa_mask, s);
	sigaction(sig, &sa, NULL);
}

static long suspend(uint64_t m)
{
	return syscall(SYS_rt_sigsuspend, &m, KSIGSET);
}

static void test_sigsuspend_one(void)
{
	catch(SIGUSR1, BIT(SIGINT));
	uint64_t old = BIT(SIGUSR1) | BIT(SIGHUP);
	set_mask(old);
	g_hits = 0;
	raise(SIGUSR1);
	expect_eq("blocked usr1 waits", g_hits, 0);
	expect_true("usr1 pending", (pending() & BIT(SIGUSR1)) != 0);
	/* SIGKILL and SIGSTOP in the suspend mask are dropped silently. */
	expect_errno("sigsuspend unblocking usr1",
		     suspend(BIT(SIGUSR2) | BIT(SIGKILL) | BIT(SIGSTOP)), EINTR);
	expect_eq("handler ran before sigsuspend returned", g_hits, 1);
	/* Inside: the suspend mask, the signal itself and the handler's sa_mask; not the
	 * caller's SIGHUP, which sigsuspend had lifted. */
	expect_eq("mask in the handler", (long)g_mask_in[0],
		  (long)(BIT(SIGUSR1) | BIT(SIGUSR2) | BIT(SIGINT)));
	expect_eq("mask after sigsuspend", (long)cur_mask(), (long)old);
	expect_true("usr1 no longer pending", (pending() & BIT(SIGUSR1)) == 0);
	set_mask(0);
}

static void test_sigsuspend_two(void)
{
	/* Both pending signals are delivered on the way out of sigsuspend, the lower number's
	 * frame first, so the higher number's handler runs on top of it: it runs first. */
	catch(SIGUSR1, 0);
	catch(SIGUSR2, 0);
	uint64_t old = BIT(SIGUSR1) | BIT(SIGUSR2);
	set_mask(old);
	g_hits = 0;
	raise(SIGUSR2);
	raise(SIGUSR1);
	expect_errno("sigsuspend with two pending", suspend(0), EINTR);
	expect_eq("handlers run", g_hits, 2);
	expect_eq("first handler to run", g_order[0], SIGUSR2);
	expect_eq("second handler to run", g_order[1], SIGUSR1);
	expect_eq("mask in the first", (long)g_mask_in[0], (long)old);
	expect_eq("mask in the second", (long)g_mask_in[1], (long)BIT(SIGUSR1));
	expect_eq("mask after", (long)cur_mask(), (long)old);
	expect_eq("nothing left pending", (long)pending(), 0);

	/* One of the two stays blocked by the suspend mask: only the other is delivered. */
	g_hits = 0;
	raise(SIGUSR2);
	raise(SIGUSR1);
	expect_errno("sigsuspend unblocking one of two", suspend(BIT(SIGUSR2)), EINTR);
	expect_eq("handlers run", g_hits, 1);
	expect_eq("the unblocked one", g_order[0], SIGUSR1);
	expect_eq("the other still pending", (long)pending(), (long)BIT(SIGUSR2));
	set_mask(0);	/* delivers SIGUSR2 now */
	expect_eq("delivered once unblocked", g_hits, 2);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

static void test_blocked_ignored(void)
{
	/* A blocked signal is kept even when ignored, since its action may change before it is
	 * unblocked (Linux's sig_ignored); unblocked, an ignored one is dropped. */
	set_mask(BIT(SIGWINCH) | BIT(SIGUSR2));
	signal(SIGUSR2, SIG_IGN);
	raise(SIGWINCH);
	raise(SIGUSR2);
	expect_eq("blocked, ignored signals pending", (long)pending(),
		  (long)(BIT(SIGWINCH) | BIT(SIGUSR2)));
	catch(SIGWINCH, 0);
	g_hits = 0;
	set_mask(BIT(SIGUSR2));
	expect_eq("caught once unblocked", g_hits, 1);
	expect_eq("  the one caught", g_order[0], SIGWINCH);
	set_mask(0);
	expect_eq("ignored one dropped when unblocked", (long)pending(), 0);
	expect_eq("  no handler for it", g_hits, 1);
	raise(SIGUSR2);
	raise(SIGCHLD);	/* default action: ignore */
	expect_eq("unblocked ignored signals not kept", (long)pending(), 0);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGWINCH, SIG_DFL);
}

static void test_sigsuspend_errors(void)
{
	uint64_t m = 0;
	expect_errno("sigsuspend bad mask pointer", syscall(SYS_rt_sigsuspend, BAD_PTR, KSIGSET),
		     EFAULT);
	expect_errno("sigsuspend NULL mask", syscall(SYS_rt_sigsuspend, NULL, KSIGSET), EFAULT);
	expect_errno("sigsuspend size 4", syscall(SYS_rt_sigsuspend, &m, 4), EINVAL);
	expect_errno("sigsuspend size 16", syscall(SYS_rt_sigsuspend, &m, 16), EINVAL);
	expect_errno("sigsuspend size 0", syscall(SYS_rt_sigsuspend, &m, 0), EINVAL);
	/* The size is checked before the mask is read. */
	expect_errno("sigsuspend bad size and pointer", syscall(SYS_rt_sigsuspend, BAD_PTR, 4),
		     EINVAL);
	expect_eq("mask untouched by the failures", (long)cur_mask(), 0);
}

static void test_nanosleep(void)
{
	struct timespec ts = { 0, 1000000000 };
	expect_errno("nanosleep nsec 1e9", syscall(SYS_nanosleep, &ts, NULL), EINVAL);
	ts = (struct timespec){ 0, -1 };
	expect_errno("nanosleep negative nsec", syscall(SYS_nanosleep, &ts, NULL), EINVAL);
	ts = (struct timespec){ -1, 0 };
	expect_errno("nanosleep negative sec", syscall(SYS_nanosleep, &ts, NULL), EINVAL);
	expect_errno("nanosleep bad pointer", syscall(SYS_nanosleep, BAD_PTR, NULL), EFAULT);
	expect_errno("nanosleep NULL", syscall(SYS_nanosleep, NULL, NULL), EFAULT);
	/* The time is read before it is checked, and rem is only written when interrupted. */
	expect_errno("nanosleep bad time and bad rem", syscall(SYS_nanosleep, &ts, BAD_PTR),
		     EINVAL);
	ts = (struct timespec){ 0, 0 };
	expect_ok("nanosleep zero with bad rem", syscall(SYS_nanosleep, &ts, BAD_PTR));
	ts = (struct timespec){ 0, 1000 };
	expect_ok("nanosleep 1us", syscall(SYS_nanosleep, &ts, NULL));

	/* A blocked signal that is pending does not end a sleep. */
	catch(SIGUSR1, 0);
	set_mask(BIT(SIGUSR1));
	g_hits = 0;
	raise(SIGUSR1);
	struct timespec rem = { 7, 7 };
	expect_ok("nanosleep with a blocked signal pending", syscall(SYS_nanosleep, &ts, &rem));
	expect_true("rem untouched", rem.tv_sec == 7 && rem.tv_nsec == 7);
	expect_eq("no handler ran", g_hits, 0);
	set_mask(0);
	expect_eq("delivered once unblocked", g_hits, 1);
	signal(SIGUSR1, SIG_DFL);
}

static long cns(int clock, int flags, const struct timespec *req, struct timespec *rem)
{
	return syscall(SYS_clock_nanosleep, clock, flags, req, rem);
}

static void test_clock_nanosleep(void)
{
	struct timespec ts = { 0, 1000 }, past = { 1, 0 };
	expect_errno("clock_nanosleep clock 99", cns(99, 0, &ts, NULL), EINVAL);
	expect_errno("clock_nanosleep clock 99 abstime", cns(99, TIMER_ABSTIME, &past, NULL),
		     EINVAL);
	expect_errno("clock_nanosleep clock 99 bad pointer", cns(99, 0, BAD_PTR, NULL), EINVAL);
	expect_errno("clock_nanosleep bad pointer", cns(CLOCK_MONOTONIC, 0, BAD_PTR, NULL), EFAULT);
	struct timespec bad = { 0, 1000000000 };
	expect_errno("clock_nanosleep nsec 1e9", cns(CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL);
	bad = (struct timespec){ -1, 0 };
	expect_errno("clock_nanosleep abstime negative", cns(CLOCK_MONOTONIC, TIMER_ABSTIME, &bad,
							       NULL), EINVAL);

	/* A deadline already past returns 0 at once, whatever the clock. */
	expect_ok("clock_nanosleep monotonic abstime past",
		  cns(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
	expect_ok("clock_nanosleep realtime abstime past",
		  cns(CLOCK_REALTIME, TIMER_ABSTIME, &past, NULL));
	expect_ok("clock_nanosleep boottime abstime past",
		  cns(CLOCK_BOOTTIME, TIMER_ABSTIME, &past, NULL));
	struct timespec zero = { 0, 0 };
	expect_ok("clock_nanosleep monotonic abstime 0",
		  cns(CLOCK_MONOTONIC, TIMER_ABSTIME, &zero, BAD_PTR));
	expect_ok("clock_nanosleep process cpu abstime 0",
		  cns(CLOCK_PROCESS_CPUTIME_ID, TIMER_ABSTIME, &zero, NULL));
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	expect_ok("clock_nanosleep abstime now", cns(CLOCK_MONOTONIC, TIMER_ABSTIME, &now, NULL));
	expect_ok("clock_nanosleep relative 1us with bad rem",
		  cns(CLOCK_MONOTONIC, 0, &ts, BAD_PTR));

	/* libc's wrapper returns the error number instead of setting errno. */
	expect_eq("clock_nanosleep() clock 99", clock_nanosleep(99, 0, &ts, NULL), EINVAL);
	expect_eq("clock_nanosleep() abstime past",
		  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL), 0);
}

static volatile int g_alarms;

static void on_alarm(int sig)
{
	(void)sig;
	g_alarms++;
}

/* A read of a pipe blocked when SIGALRM's handler runs: with SA_RESTART it goes on and gets
 * the data a child writes later; without it, EINTR. */
static void restart_case(const char *what, int flags)
{
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = flags };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	int p[2];
	if (pipe(p) < 0)
		return;
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		struct timespec d = { 0, 300 * 1000 * 1000 };
		nanosleep(&d, NULL);
		(void)!write(p[1], "x", 1);
		_exit(0);
	}
	close(p[1]);
	g_alarms = 0;
	struct itimerval it = { .it_value = { 0, 50 * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	char b;
	long n = read(p[0], &b, 1);
	if (flags & SA_RESTART)
		expect_eq(what, n, 1);
	else
		expect_errno(what, n, EINTR);
	expect_eq("  the handler ran once", g_alarms, 1);
	waitpid(c, NULL, 0);
	close(p[0]);
	signal(SIGALRM, SIG_DFL);
}

static void test_sa_restart(void)
{
	restart_case("read restarted after an SA_RESTART handler", SA_RESTART);
	restart_case("read without SA_RESTART", 0);
}

/* sigtimedwait: takes a blocked pending signal with its siginfo, times out with EAGAIN, gets
 * one a child sends while it waits, and refuses bad arguments. */
static void test_sigtimedwait(void)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	siginfo_t si;
	struct timespec zero = { 0, 0 }, short_ = { 0, 20 * 1000 * 1000 };
	expect_errno("sigtimedwait, nothing pending, zero timeout", sigtimedwait(&set, &si, &zero),
		     EAGAIN);
	expect_errno("sigtimedwait, 20 ms timeout", sigtimedwait(&set, &si, &short_), EAGAIN);
	kill(getpid(), SIGUSR1);
	expect_eq("sigtimedwait takes pending SIGUSR1", sigtimedwait(&set, &si, &zero), SIGUSR1);
	expect_eq("  si_code SI_USER", si.si_code, SI_USER);
	expect_true("  si_pid is the sender", si.si_pid == getpid());
	expect_eq("  no longer pending", (long)(pending() & BIT(SIGUSR1)), 0);
	struct timespec huge = { INT64_MAX, 0 };
	kill(getpid(), SIGUSR1);
	expect_eq("sigtimedwait with the largest timeout", sigtimedwait(&set, &si, &huge), SIGUSR1);
	pid_t c = fork();
	if (c == 0) {
		struct timespec d = { 0, 50 * 1000 * 1000 };
		nanosleep(&d, NULL);
		_exit(7);
	}
	/* SIGCHLD is ignored by default, yet a waiter gets it (real_blocked). */
	expect_eq("sigwaitinfo gets a child's SIGCHLD", sigwaitinfo(&set, &si), SIGCHLD);
	expect_eq("  si_code CLD_EXITED", si.si_code, CLD_EXITED);
	expect_eq("  si_status", si.si_status, 7);
	waitpid(c, NULL, 0);
	uint64_t kset = BIT(SIGUSR1);
	struct timespec bad = { 0, 1000000000 };
	expect_errno("rt_sigtimedwait sigsetsize 4",
		     syscall(SYS_rt_sigtimedwait, &kset, NULL, &zero, 4), EINVAL);
	expect_errno("rt_sigtimedwait tv_nsec 1e9",
		     syscall(SYS_rt_sigtimedwait, &kset, NULL, &bad, KSIGSET), EINVAL);
	expect_errno("rt_sigtimedwait bad set pointer",
		     syscall(SYS_rt_sigtimedwait, (void *)8, NULL, &zero, KSIGSET), EFAULT);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_sa_restart();
	test_sigtimedwait();
	test_sigsuspend_one();
	test_sigsuspend_two();
	test_blocked_ignored();
	test_sigsuspend_errors();
	test_nanosleep();
	test_clock_nanosleep();
	return expect_status();
}
