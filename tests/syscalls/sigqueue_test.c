/*
 * Queued signals with data (rt_sigqueueinfo(2), rt_tgsigqueueinfo(2), sigqueue(3)): the
 * siginfo a SA_SIGINFO handler sees (si_code, si_value and the sender's own si_pid and si_uid,
 * which Linux passes through unchanged), real-time signals queued in order while blocked and a
 * standard signal merged, sigtimedwait picking up a queued value, and the errors: EPERM for a
 * kernel or kill()-style si_code sent to another process, EINVAL, ESRCH and EFAULT. Pids and
 * uids are compared, never printed.
 */
#include "expect.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* An address nothing maps, hidden from the compiler's buffer-size checks. */
static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)
#define NO_PID 0x3ffffff0

static volatile int g_count, g_code, g_sig, g_vals[8];
static volatile pid_t g_pid;
static volatile uid_t g_uid;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (g_count < 8)
		g_vals[g_count] = si->si_value.sival_int;
	g_count++;
	g_sig = sig;
	g_code = si->si_code;
	g_pid = si->si_pid;
	g_uid = si->si_uid;
}

static void handle(int sig)
{
	struct sigaction sa = { .sa_sigaction = on_sig, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void reset(void)
{
	g_count = 0;
	g_code = 12345;
	g_sig = 0;
	g_pid = 0;
	g_uid = (uid_t)-1;
	for (int i = 0; i < 8; i++)
		g_vals[i] = 0;
}

static void mask(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

/* A siginfo as a sigqueue(3) caller fills it, with its own pid and uid. */
static siginfo_t make_info(int sig, int code, int val)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = val;
	return si;
}

static long sq(pid_t pid, int sig, siginfo_t *si)
{
	return syscall(SYS_rt_sigqueueinfo, pid, sig, si);
}

static long tgsq(pid_t tgid, pid_t tid, int sig, siginfo_t *si)
{
	return syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, si);
}

static void test_self(void)
{
	handle(SIGUSR1);
	reset();
	siginfo_t si = make_info(SIGUSR1, SI_QUEUE, 42);
	expect_ok("rt_sigqueueinfo to self", sq(getpid(), SIGUSR1, &si));
	expect_eq("handler ran", g_count, 1);
	expect_eq("handler si_signo", g_sig == SIGUSR1, 1);
	expect_eq("handler si_code", g_code, SI_QUEUE);
	expect_eq("handler sival_int", g_vals[0], 42);
	expect_true("handler si_pid is getpid()", g_pid == getpid());
	expect_true("handler si_uid is getuid()", g_uid == getuid());

	reset();
	si = make_info(SIGUSR1, SI_QUEUE, 7);
	si.si_pid = 12345;
	si.si_uid = 4321;
	expect_ok("rt_sigqueueinfo with a made-up si_pid", sq(getpid(), SIGUSR1, &si));
	expect_eq("handler sees the made-up si_pid", g_pid, 12345);
	expect_eq("handler sees the made-up si_uid", (long)g_uid, 4321);

	reset();
	si = make_info(SIGUSR1, SI_USER, 0);
	expect_ok("rt_sigqueueinfo to self with SI_USER", sq(getpid(), SIGUSR1, &si));
	expect_eq("SI_USER handler si_code", g_code, SI_USER);
	reset();
	si = make_info(SIGUSR1, SI_TKILL, 0);
	expect_ok("rt_sigqueueinfo to self with SI_TKILL", sq(getpid(), SIGUSR1, &si));
	expect_eq("SI_TKILL handler si_code", g_code, SI_TKILL);
	reset();
	si = make_info(SIGUSR1, -50, 3);
	expect_ok("rt_sigqueueinfo with si_code -50", sq(getpid(), SIGUSR1, &si));
	expect_eq("si_code -50 handler si_code", g_code, -50);

	reset();
	union sigval v = { .sival_int = 99 };
	expect_ok("sigqueue to self", sigqueue(getpid(), SIGUSR1, v));
	expect_eq("sigqueue handler ran", g_count, 1);
	expect_eq("sigqueue handler si_code", g_code, SI_QUEUE);
	expect_eq("sigqueue handler sival_int", g_vals[0], 99);
	expect_true("sigqueue handler si_pid is getpid()", g_pid == getpid());
	expect_true("sigqueue handler si_uid is getuid()", g_uid == getuid());
}

static void test_queueing(void)
{
	int rt = SIGRTMIN;
	handle(rt);
	reset();
	mask(SIG_BLOCK, rt);
	for (int i = 1; i <= 3; i++) {
		siginfo_t si = make_info(rt, SI_QUEUE, i * 10);
		expect_ok("rt_sigqueueinfo SIGRTMIN while blocked", sq(getpid(), rt, &si));
	}
	expect_eq("blocked: handler not run", g_count, 0);
	sigset_t pend;
	sigpending(&pend);
	expect_eq("SIGRTMIN pending", sigismember(&pend, rt), 1);
	mask(SIG_UNBLOCK, rt);
	expect_eq("SIGRTMIN handler runs 3 times", g_count, 3);
	expect_eq("SIGRTMIN first value", g_vals[0], 10);
	expect_eq("SIGRTMIN second value", g_vals[1], 20);
	expect_eq("SIGRTMIN third value", g_vals[2], 30);

	reset();
	mask(SIG_BLOCK, SIGUSR1);
	for (int i = 1; i <= 2; i++) {
		siginfo_t si = make_info(SIGUSR1, SI_QUEUE, i);
		expect_ok("rt_sigqueueinfo SIGUSR1 while blocked", sq(getpid(), SIGUSR1, &si));
	}
	mask(SIG_UNBLOCK, SIGUSR1);
	expect_eq("SIGUSR1 handler runs once", g_count, 1);
	expect_eq("SIGUSR1 value is the first", g_vals[0], 1);

	/* sigtimedwait takes a queued signal's siginfo. */
	int rt1 = SIGRTMIN + 1;
	mask(SIG_BLOCK, rt1);
	siginfo_t si = make_info(rt1, SI_QUEUE, 77);
	expect_ok("rt_sigqueueinfo SIGRTMIN+1 while blocked", sq(getpid(), rt1, &si));
	si = make_info(rt1, SI_QUEUE, 78);
	expect_ok("rt_sigqueueinfo SIGRTMIN+1 again", sq(getpid(), rt1, &si));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, rt1);
	struct timespec ts = { 1, 0 };
	siginfo_t got;
	memset(&got, 0, sizeof(got));
	expect_eq("sigtimedwait returns SIGRTMIN+1", sigtimedwait(&set, &got, &ts) == rt1, 1);
	expect_eq("sigtimedwait si_code", got.si_code, SI_QUEUE);
	expect_eq("sigtimedwait sival_int", got.si_value.sival_int, 77);
	expect_true("sigtimedwait si_pid is getpid()", got.si_pid == getpid());
	memset(&got, 0, sizeof(got));
	expect_eq("sigtimedwait again", sigtimedwait(&set, &got, &ts) == rt1, 1);
	expect_eq("sigtimedwait second sival_int", got.si_value.sival_int, 78);
	ts.tv_sec = 0;
	expect_errno("sigtimedwait nothing left", sigtimedwait(&set, &got, &ts), EAGAIN);
	mask(SIG_UNBLOCK, rt1);
}

static void test_child(void)
{
	mask(SIG_BLOCK, SIGUSR2);
	pid_t c = fork();
	if (c == 0) {
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR2);
		siginfo_t si;
		struct timespec ts = { 10, 0 };
		if (sigtimedwait(&set, &si, &ts) != SIGUSR2)
			_exit(100);
		_exit(si.si_code == SI_QUEUE ? si.si_value.sival_int : 101);
	}
	siginfo_t si = make_info(SIGUSR2, SI_USER, 1);
	expect_errno("rt_sigqueueinfo SI_USER to a child", sq(c, SIGUSR2, &si), EPERM);
	si = make_info(SIGUSR2, SI_TKILL, 2);
	expect_errno("rt_sigqueueinfo SI_TKILL to a child", sq(c, SIGUSR2, &si), EPERM);
	si = make_info(SIGUSR2, SI_KERNEL, 3);
	expect_errno("rt_sigqueueinfo SI_KERNEL to a child", sq(c, SIGUSR2, &si), EPERM);
	si = make_info(SIGUSR2, SI_USER, 4);
	expect_errno("rt_tgsigqueueinfo SI_USER to a child", tgsq(c, c, SIGUSR2, &si), EPERM);
	si = make_info(SIGUSR2, SI_QUEUE, 55);
	expect_ok("rt_sigqueueinfo SI_QUEUE to a child", sq(c, SIGUSR2, &si));
	int st = 0;
	expect_eq("waitpid child", waitpid(c, &st, 0) == c, 1);
	expect_eq("child got SI_QUEUE value", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 55);
	mask(SIG_UNBLOCK, SIGUSR2);
}

/* A child queues three instances of a real-time signal to us (process-directed, sent from
 * another process) while we block it; a signalfd then reads them one by one, in order. */
static void test_queue_from_child(void)
{
	int rt = SIGRTMIN + 2;
	mask(SIG_BLOCK, rt);
	pid_t parent = getpid();
	pid_t c = fork();
	if (c == 0) {
		for (int i = 1; i <= 3; i++) {
			union sigval v = { .sival_int = 100 + i };
			if (sigqueue(parent, rt, v) < 0)
				_exit(1);
		}
		_exit(0);
	}
	int st = 0;
	expect_eq("waitpid of the queueing child", waitpid(c, &st, 0) == c, 1);
	expect_eq("the child queued three", WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, rt);
	int fd = signalfd(-1, &set, SFD_NONBLOCK);
	expect_true("signalfd", fd >= 0);
	for (int i = 1; i <= 3; i++) {
		struct signalfd_siginfo fi;
		memset(&fi, 0, sizeof(fi));
		long n = read(fd, &fi, sizeof(fi));
		expect_eq("signalfd read of a queued instance", n, (long)sizeof(fi));
		expect_eq("its ssi_int, in order", (long)fi.ssi_int, 100 + i);
		expect_eq("its ssi_code", fi.ssi_code, SI_QUEUE);
	}
	struct signalfd_siginfo fi;
	expect_errno("signalfd after the three", read(fd, &fi, sizeof(fi)), EAGAIN);
	close(fd);
	mask(SIG_UNBLOCK, rt);
}

static volatile pid_t g_other_tid;
static volatile int g_other_stop;

static void *other_thread(void *arg)
{
	(void)arg;
	g_other_tid = (pid_t)syscall(SYS_gettid);
	while (!g_other_stop) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	return NULL;
}

/* rt_tgsigqueueinfo may claim a kernel code only towards the calling thread itself, not another
 * thread of its process. */
static void test_other_thread(void)
{
	pthread_t th;
	pthread_create(&th, NULL, other_thread, NULL);
	while (!g_other_tid) {
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	siginfo_t si = make_info(SIGUSR1, SI_USER, 1);
	expect_errno("rt_tgsigqueueinfo SI_USER to another thread of ours",
		     tgsq(getpid(), g_other_tid, SIGUSR1, &si), EPERM);
	si = make_info(SIGUSR1, SI_USER, 2);
	mask(SIG_BLOCK, SIGUSR1);
	expect_ok("rt_tgsigqueueinfo SI_USER to ourselves",
		  tgsq(getpid(), (pid_t)syscall(SYS_gettid), SIGUSR1, &si));
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	struct timespec ts = { 1, 0 };
	expect_eq("and it is pending for us", sigtimedwait(&set, NULL, &ts), SIGUSR1);
	mask(SIG_UNBLOCK, SIGUSR1);
	g_other_stop = 1;
	pthread_join(th, NULL);
}

static void test_errors(void)
{
	siginfo_t si = make_info(SIGUSR1, SI_QUEUE, 1);
	si.si_signo = 0;
	expect_ok("rt_sigqueueinfo signal 0 to self", sq(getpid(), 0, &si));
	si = make_info(SIGUSR1, SI_QUEUE, 1);
	expect_errno("rt_sigqueueinfo signal 65", sq(getpid(), 65, &si), EINVAL);
	expect_errno("rt_sigqueueinfo signal -1", sq(getpid(), -1, &si), EINVAL);
	expect_errno("rt_sigqueueinfo nonexistent pid", sq(NO_PID, SIGUSR1, &si), ESRCH);
	expect_errno("rt_sigqueueinfo signal 0 nonexistent pid", sq(NO_PID, 0, &si), ESRCH);
	expect_errno("rt_sigqueueinfo bad siginfo", sq(getpid(), SIGUSR1, BAD_PTR), EFAULT);
	expect_errno("sigqueue nonexistent pid", sigqueue(NO_PID, SIGUSR1, si.si_value), ESRCH);
	expect_errno("sigqueue signal 65", sigqueue(getpid(), 65, si.si_value), EINVAL);

	handle(SIGUSR1);
	reset();
	pid_t me = getpid(), tid = (pid_t)syscall(SYS_gettid);
	si = make_info(SIGUSR1, SI_QUEUE, 5);
	expect_ok("rt_tgsigqueueinfo to own tgid and tid", tgsq(me, tid, SIGUSR1, &si));
	expect_eq("rt_tgsigqueueinfo handler ran", g_count, 1);
	expect_eq("rt_tgsigqueueinfo handler si_code", g_code, SI_QUEUE);
	expect_eq("rt_tgsigqueueinfo handler sival_int", g_vals[0], 5);
	si = make_info(SIGUSR1, SI_USER, 6);
	expect_ok("rt_tgsigqueueinfo SI_USER to self", tgsq(me, tid, SIGUSR1, &si));
	expect_eq("rt_tgsigqueueinfo SI_USER handler si_code", g_code, SI_USER);
	si = make_info(SIGUSR1, SI_QUEUE, 5);
	expect_ok("rt_tgsigqueueinfo signal 0", tgsq(me, tid, 0, &si));
	expect_errno("rt_tgsigqueueinfo wrong tgid", tgsq(NO_PID, tid, SIGUSR1, &si), ESRCH);
	expect_errno("rt_tgsigqueueinfo nonexistent tid", tgsq(me, NO_PID, SIGUSR1, &si), ESRCH);
	expect_errno("rt_tgsigqueueinfo tid 0", tgsq(me, 0, SIGUSR1, &si), EINVAL);
	expect_errno("rt_tgsigqueueinfo tid -1", tgsq(me, -1, SIGUSR1, &si), EINVAL);
	expect_errno("rt_tgsigqueueinfo tgid 0", tgsq(0, tid, SIGUSR1, &si), EINVAL);
	expect_errno("rt_tgsigqueueinfo signal 65", tgsq(me, tid, 65, &si), EINVAL);
	expect_errno("rt_tgsigqueueinfo bad siginfo", tgsq(me, tid, SIGUSR1, BAD_PTR), EFAULT);
	expect_eq("no stray deliveries", g_count, 2);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_self();
	test_queueing();
	test_child();
	test_queue_from_child();
	test_other_thread();
	test_errors();
	return expect_status();
}
