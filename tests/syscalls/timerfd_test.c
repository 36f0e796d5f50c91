/*
 * Timers: timerfd_create, timerfd_settime, timerfd_gettime (clocks, flags, argument errors in
 * Linux's order, one-shot and periodic expiry counts, absolute times past and future, the old
 * value, the count reset by settime, EAGAIN, EINVAL for a short buffer or a write, ESPIPE,
 * poll and epoll readiness, a read ended by a signal, a timerfd shared with a child); the POSIX
 * timers timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete (clocks,
 * sigevents, IDs as Linux hands them out even to failed creations, SI_TIMER siginfo with
 * si_timerid and si_value, SIGEV_NONE, SIGEV_THREAD_ID, TIMER_ABSTIME, overruns while the
 * signal is blocked, a pending signal dropped when its timer is deleted or set again, timers
 * not inherited by fork and deleted by exec); clock_nanosleep with TIMER_ABSTIME and
 * clock_getres.
 *
 *   (no arguments)  everything, then execve of itself with "exec-child ID", timer ID armed
 *   exec-child ID   checks the timer is gone
 *
 * Verdicts print counts and relations only, never times; bounds on counts are loose enough
 * for a loaded machine.
 */
#include "expect.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)
#define MS 1000000L

static volatile int g_sigs, g_code, g_timerid, g_overrun, g_getoverrun;
static volatile long g_value;
static volatile int g_timer_for_handler = -1;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_sigs++;
	g_code = si->si_code;
	g_timerid = si->si_timerid;
	g_overrun = si->si_overrun;
	g_value = (long)si->si_value.sival_ptr;
	if (g_timer_for_handler >= 0) {
		/* The overruns of this signal; then the timer stops, so this is the only one. */
		g_getoverrun = (int)syscall(SYS_timer_getoverrun, g_timer_for_handler);
		struct itimerspec off = { { 0, 0 }, { 0, 0 } };
		syscall(SYS_timer_settime, g_timer_for_handler, 0, &off, NULL);
		g_timer_for_handler = -1;
	}
}

static void on_plain(int sig)
{
	(void)sig;
	g_sigs++;
}

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static struct itimerspec spec(long value_ns, long interval_ns)
{
	struct itimerspec s = {
		.it_value = { value_ns / 1000000000L, value_ns % 1000000000L },
		.it_interval = { interval_ns / 1000000000L, interval_ns % 1000000000L },
	};
	return s;
}

static long ts_ms(const struct timespec *ts)
{
	return ts->tv_sec * 1000L + ts->tv_nsec / 1000000L;
}

/* The raw system calls: glibc's timer_t is a pointer-sized handle of its own. */
static long tcreate(clockid_t c, struct sigevent *sev, int *id)
{
	return syscall(SYS_timer_create, c, sev, id);
}

static long tset(int id, int flags, const struct itimerspec *n, struct itimerspec *o)
{
	return syscall(SYS_timer_settime, id, flags, n, o);
}

static long tget(int id, struct itimerspec *c)
{
	return syscall(SYS_timer_gettime, id, c);
}

static long tdel(int id)
{
	return syscall(SYS_timer_delete, id);
}

static void test_tfd_create(void)
{
	expect_errno("bad clock", timerfd_create(99, 0), EINVAL);
	expect_errno("CLOCK_TAI", timerfd_create(CLOCK_TAI, 0), EINVAL);
	expect_errno("CLOCK_MONOTONIC_RAW", timerfd_create(CLOCK_MONOTONIC_RAW, 0), EINVAL);
	expect_errno("CLOCK_PROCESS_CPUTIME_ID",
		     timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0), EINVAL);
	expect_errno("negative clock", timerfd_create(-1, 0), EINVAL);
	expect_errno("bad flags", timerfd_create(CLOCK_MONOTONIC, 0x10), EINVAL);
	int a = timerfd_create(CLOCK_MONOTONIC, 0);
	int b = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	int c = timerfd_create(CLOCK_BOOTTIME, 0);
	expect_true("MONOTONIC, REALTIME, BOOTTIME", a >= 0 && b >= 0 && c >= 0);
	expect_eq("F_GETFL", fcntl(a, F_GETFL), O_RDWR);
	expect_eq("TFD_NONBLOCK", fcntl(b, F_GETFL), O_RDWR | O_NONBLOCK);
	expect_eq("TFD_CLOEXEC", fcntl(b, F_GETFD), FD_CLOEXEC);
	expect_eq("no TFD_CLOEXEC", fcntl(a, F_GETFD), 0);
	struct stat st;
	expect_ok("fstat", fstat(a, &st));
	expect_mode("st_mode", st.st_mode, 0600);
	struct itimerspec cur;
	expect_ok("gettime disarmed", timerfd_gettime(a, &cur));
	expect_true("disarmed reads zero", !cur.it_value.tv_sec && !cur.it_value.tv_nsec &&
			    !cur.it_interval.tv_sec && !cur.it_interval.tv_nsec);
	uint64_t v;
	expect_errno("read disarmed, nonblocking", read(b, &v, sizeof(v)), EAGAIN);
	char small[4];
	expect_errno("read 4 bytes", read(b, small, sizeof(small)), EINVAL);
	expect_errno("read 0 bytes", read(b, small, 0), EINVAL);
	expect_errno("write", write(a, &v, sizeof(v)), EINVAL);
	expect_errno("pread", pread(b, &v, sizeof(v), 0), ESPIPE);
	expect_eq("lseek", lseek(a, 0, SEEK_CUR), 0);
	close(a);
	close(b);
	close(c);
}

static void test_tfd_errors(void)
{
	int t = timerfd_create(CLOCK_MONOTONIC, 0), p[2];
	pipe(p);
	struct itimerspec s = spec(0, 0), cur;
	expect_errno("settime bad new pointer", syscall(SYS_timerfd_settime, t, 0, BAD_PTR, NULL),
		     EFAULT);
	expect_errno("settime bad pointer before bad fd",
		     syscall(SYS_timerfd_settime, -1, 0, BAD_PTR, NULL), EFAULT);
	expect_errno("settime bad flags", timerfd_settime(t, 4, &s, NULL), EINVAL);
	expect_errno("settime bad flags before bad fd", timerfd_settime(-1, 4, &s, NULL), EINVAL);
	s.it_value.tv_sec = -1;
	expect_errno("negative value", timerfd_settime(t, 0, &s, NULL), EINVAL);
	s = spec(0, 0);
	s.it_value.tv_nsec = 1000000000;
	expect_errno("value nsec 1e9", timerfd_settime(t, 0, &s, NULL), EINVAL);
	s = spec(0, 0);
	s.it_interval.tv_nsec = -1;
	expect_errno("interval nsec -1, value 0", timerfd_settime(t, 0, &s, NULL), EINVAL);
	s = spec(1000 * MS, 0);
	expect_errno("settime bad fd", timerfd_settime(-1, 0, &s, NULL), EBADF);
	expect_errno("settime not a timerfd", timerfd_settime(p[0], 0, &s, NULL), EINVAL);
	expect_errno("gettime bad fd", timerfd_gettime(-1, &cur), EBADF);
	expect_errno("gettime not a timerfd", timerfd_gettime(p[0], &cur), EINVAL);
	expect_errno("gettime bad pointer", syscall(SYS_timerfd_gettime, t, BAD_PTR), EFAULT);
	s = spec(10000 * MS, 0);
	expect_errno("settime bad old pointer", syscall(SYS_timerfd_settime, t, 0, &s, BAD_PTR),
		     EFAULT);
	timerfd_gettime(t, &cur);
	expect_true("the new setting holds all the same", cur.it_value.tv_sec >= 9);
	expect_ok("TFD_TIMER_CANCEL_ON_SET alone", timerfd_settime(t, TFD_TIMER_CANCEL_ON_SET, &s,
								     NULL));
	int rt = timerfd_create(CLOCK_REALTIME, 0);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	s = spec(0, 0);
	s.it_value.tv_sec = now.tv_sec + 100;
	expect_ok("REALTIME ABSTIME|CANCEL_ON_SET",
		  timerfd_settime(rt, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &s, NULL));
	close(rt);
	close(p[0]);
	close(p[1]);
	close(t);
}

static void test_tfd_expiry(void)
{
	int t = timerfd_create(CLOCK_MONOTONIC, 0);
	struct itimerspec s = spec(20 * MS, 0), old, cur;
	long long t0 = mono_ms();
	expect_ok("arm 20 ms", timerfd_settime(t, 0, &s, NULL));
	timerfd_gettime(t, &cur);
	expect_true("gettime counts down", ts_ms(&cur.it_value) <= 20 && cur.it_value.tv_nsec > 0);
	uint64_t v = 0;
	expect_eq("blocking read", read(t, &v, sizeof(v)), 8);
	expect_eq("one expiry", (long)v, 1);
	expect_true("not before its time", mono_ms() - t0 >= 15);
	timerfd_gettime(t, &cur);
	expect_true("spent one-shot reads zero", !cur.it_value.tv_sec && !cur.it_value.tv_nsec);

	s = spec(10 * MS, 10 * MS);
	timerfd_settime(t, 0, &s, NULL);
	usleep(65000);
	expect_eq("periodic: read", read(t, &v, sizeof(v)), 8);
	expect_true("periodic: every period counted", v >= 5);
	timerfd_gettime(t, &cur);
	expect_eq("periodic: interval", ts_ms(&cur.it_interval), 10);
	expect_true("periodic: next within a period", ts_ms(&cur.it_value) <= 10);
	usleep(25000);
	expect_eq("periodic: read again", read(t, &v, sizeof(v)), 8);
	expect_true("periodic: counting went on", v >= 2);

	/* A new setting returns the old and drops the count not yet read. */
	s = spec(10000 * MS, 0);
	expect_ok("settime with old", timerfd_settime(t, 0, &s, &old));
	expect_eq("old interval", ts_ms(&old.it_interval), 10);
	s = spec(0, 0);
	expect_ok("disarm", timerfd_settime(t, 0, &s, &old));
	expect_true("old value about 10 s", old.it_value.tv_sec >= 9 && old.it_value.tv_sec <= 10);
	expect_true("old interval 0", !old.it_interval.tv_sec && !old.it_interval.tv_nsec);
	s = spec(1 * MS, 0);
	timerfd_settime(t, 0, &s, NULL);
	usleep(10000);
	struct pollfd pf = { .fd = t, .events = POLLIN | POLLOUT | POLLRDNORM | POLLPRI };
	expect_eq("expired: poll", poll(&pf, 1, 0), 1);
	expect_eq("POLLIN only", pf.revents, POLLIN);
	s = spec(10000 * MS, 0);
	timerfd_settime(t, 0, &s, NULL);
	expect_eq("re-armed: the count is gone", poll(&pf, 1, 0), 0);
	fcntl(t, F_SETFL, O_NONBLOCK);
	expect_errno("re-armed: EAGAIN", read(t, &v, sizeof(v)), EAGAIN);

	/* Absolute times. */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int rt = timerfd_create(CLOCK_REALTIME, 0);
	s = spec(0, 0);
	s.it_value = now;
	s.it_value.tv_sec -= 10;
	expect_ok("REALTIME absolute, past", timerfd_settime(rt, TFD_TIMER_ABSTIME, &s, NULL));
	expect_eq("fires at once", read(rt, &v, sizeof(v)) == 8 ? (long)v : -1, 1);
	s.it_interval = (struct timespec){ 0, 100 * MS };
	expect_ok("REALTIME absolute, past, periodic", timerfd_settime(rt, TFD_TIMER_ABSTIME, &s,
									  NULL));
	read(rt, &v, sizeof(v));
	expect_true("the periods since count", v >= 100 && v <= 105);
	clock_gettime(CLOCK_MONOTONIC, &now);
	s = spec(0, 0);
	s.it_value = now;
	s.it_value.tv_nsec += 20 * MS;
	if (s.it_value.tv_nsec >= 1000000000) {
		s.it_value.tv_sec++;
		s.it_value.tv_nsec -= 1000000000;
	}
	fcntl(t, F_SETFL, 0);
	expect_ok("MONOTONIC absolute, 20 ms on", timerfd_settime(t, TFD_TIMER_ABSTIME, &s, NULL));
	timerfd_gettime(t, &cur);
	expect_true("gettime is relative", cur.it_value.tv_sec == 0 && ts_ms(&cur.it_value) <= 20);
	expect_eq("fires", read(t, &v, sizeof(v)) == 8 ? (long)v : -1, 1);
	int bt = timerfd_create(CLOCK_BOOTTIME, 0);
	s = spec(5 * MS, 0);
	timerfd_settime(bt, 0, &s, NULL);
	expect_eq("BOOTTIME fires", read(bt, &v, sizeof(v)) == 8 ? (long)v : -1, 1);
	close(bt);
	close(rt);
	close(t);
}

static void test_tfd_wait(void)
{
	int t = timerfd_create(CLOCK_MONOTONIC, 0), ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 77 };
	expect_ok("timerfd into epoll", epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev));
	expect_eq("disarmed: nothing", epoll_wait(ep, &ev, 1, 0), 0);
	struct itimerspec s = spec(20 * MS, 0);
	timerfd_settime(t, 0, &s, NULL);
	alarm(20);
	expect_eq("epoll_wait(-1) woken by the expiry", epoll_wait(ep, &ev, 1, -1), 1);
	alarm(0);
	expect_true("EPOLLIN with its data", ev.events == EPOLLIN && ev.data.u64 == 77);
	uint64_t v;
	read(t, &v, sizeof(v));
	expect_eq("read: nothing", epoll_wait(ep, &ev, 1, 0), 0);
	close(ep);

	/* A signal ends a blocking read. */
	struct sigaction sa = { .sa_handler = on_plain }, old;
	sigaction(SIGALRM, &sa, &old);
	s = spec(10000 * MS, 0);
	timerfd_settime(t, 0, &s, NULL);
	struct itimerval it = { .it_value = { 0, 30000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	g_sigs = 0;
	expect_errno("SIGALRM ends a blocking read", read(t, &v, sizeof(v)), EINTR);
	expect_eq("handler ran", g_sigs, 1);
	sigaction(SIGALRM, &old, NULL);

	/* Shared with a child: the child's read takes the parent's expiry. */
	s = spec(30 * MS, 0);
	timerfd_settime(t, 0, &s, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(20);
		uint64_t n = 0;
		_exit(read(t, &n, sizeof(n)) == 8 && n == 1 ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	expect_true("child read the expiry", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	fcntl(t, F_SETFL, O_NONBLOCK);
	expect_errno("and it is gone for the parent", read(t, &v, sizeof(v)), EAGAIN);
	close(t);
}

static void catch_timer(int sig)
{
	struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void block(int sig, int how)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(how, &s, NULL);
}

static int is_pending(int sig)
{
	sigset_t s;
	sigpending(&s);
	return sigismember(&s, sig);
}

/* Runs first among the POSIX timer tests: IDs start at 0 in a new process. */
static void test_ptimer_create(void)
{
	int id = -1;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	expect_errno("bad sigevent pointer", tcreate(CLOCK_MONOTONIC, BAD_PTR, &id), EFAULT);
	expect_errno("bad clock", tcreate(99, NULL, &id), EINVAL);
	expect_errno("MONOTONIC_RAW", tcreate(CLOCK_MONOTONIC_RAW, NULL, &id), EOPNOTSUPP);
	expect_errno("REALTIME_COARSE", tcreate(CLOCK_REALTIME_COARSE, NULL, &id), EOPNOTSUPP);
	expect_errno("a clock descriptor",
		     tcreate(-29 /* FD_TO_CLOCKID(3) */, NULL, &id), EOPNOTSUPP);
	expect_ok("first timer", tcreate(CLOCK_MONOTONIC, NULL, &id));
	expect_eq("its ID", id, 0);
	/* -1 reads as a CPU clock of a bad type: refused once it has used an ID. */
	expect_errno("negative clock", tcreate(-1, NULL, &id), EINVAL);
	sev.sigev_signo = 0;
	expect_errno("signal 0", tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
	sev.sigev_signo = 65;
	expect_errno("signal 65", tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
	sev.sigev_signo = SIGUSR1;
	sev.sigev_notify = 99;
	expect_errno("bad sigev_notify", tcreate(CLOCK_MONOTONIC, &sev, &id), EINVAL);
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev._sigev_un._tid = child;
	expect_errno("SIGEV_THREAD_ID of another process", tcreate(CLOCK_MONOTONIC, &sev, &id),
		     EINVAL);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	expect_errno("bad ID pointer", tcreate(CLOCK_MONOTONIC, NULL, BAD_PTR), EFAULT);
	expect_ok("a timer after the failures", tcreate(CLOCK_REALTIME, NULL, &id));
	expect_eq("each failure after the clock check used an ID", id, 7);
	expect_ok("delete 0", tdel(0));
	expect_ok("next", tcreate(CLOCK_BOOTTIME, NULL, &id));
	expect_eq("IDs are not reused at once", id, 8);
	expect_ok("CLOCK_TAI", tcreate(CLOCK_TAI, NULL, &id));
	sev.sigev_notify = SIGEV_THREAD;
	expect_ok("SIGEV_THREAD, as the kernel sees it", tcreate(CLOCK_MONOTONIC, &sev, &id));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev._sigev_un._tid = (int)syscall(SYS_gettid);
	expect_ok("SIGEV_THREAD_ID of the caller", tcreate(CLOCK_MONOTONIC, &sev, &id));
	for (int i = 7; i <= id; i++)
		tdel(i);
	expect_errno("delete again", tdel(8), EINVAL);
}

static void test_ptimer_calls(void)
{
	int id;
	struct itimerspec s = spec(10000 * MS, 0), old, cur;
	tcreate(CLOCK_MONOTONIC, NULL, &id);
	expect_errno("settime NULL", tset(id, 0, NULL, NULL), EINVAL);
	expect_errno("settime bad pointer", tset(id, 0, BAD_PTR, NULL), EFAULT);
	expect_errno("settime NULL before bad ID", tset(9999, 0, NULL, NULL), EINVAL);
	struct itimerspec bad = spec(0, 0);
	bad.it_value.tv_nsec = -1;
	expect_errno("settime bad value", tset(id, 0, &bad, NULL), EINVAL);
	bad = spec(0, 0);
	bad.it_interval.tv_sec = -1;
	expect_errno("settime bad interval", tset(id, 0, &bad, NULL), EINVAL);
	expect_errno("settime bad ID", tset(9999, 0, &s, NULL), EINVAL);
	expect_errno("gettime bad ID", tget(9999, &cur), EINVAL);
	expect_errno("getoverrun bad ID", syscall(SYS_timer_getoverrun, 9999), EINVAL);
	expect_errno("delete bad ID", tdel(9999), EINVAL);
	expect_errno("delete -1", tdel(-1), EINVAL);
	expect_ok("gettime disarmed", tget(id, &cur));
	expect_true("disarmed reads zero", !cur.it_value.tv_sec && !cur.it_value.tv_nsec);
	struct itimerspec every2 = { .it_value = { 10, 0 }, .it_interval = { 2, 0 } };
	expect_ok("arm 10 s every 2 s", tset(id, 0, &every2, NULL));
	expect_errno("gettime bad pointer", tget(id, BAD_PTR), EFAULT);
	expect_errno("settime bad old pointer", tset(id, 0, &s, BAD_PTR), EFAULT);
	tget(id, &cur);
	expect_true("which set it all the same", cur.it_value.tv_sec >= 9 &&
							  !cur.it_interval.tv_sec);
	expect_ok("settime with old", tset(id, 0, &s, &old));
	expect_true("old value", old.it_value.tv_sec >= 9 && old.it_value.tv_sec <= 10);
	s = spec(0, 5000 * MS);
	expect_ok("a zero value disarms", tset(id, 0, &s, NULL));
	tget(id, &cur);
	expect_true("interval dropped too", !cur.it_value.tv_sec && !cur.it_value.tv_nsec &&
						    !cur.it_interval.tv_sec);
	expect_eq("getoverrun of a fresh timer", syscall(SYS_timer_getoverrun, id), 0);
	tdel(id);
}

static void test_ptimer_signals(void)
{
	catch_timer(SIGALRM);
	catch_timer(SIGUSR1);
	int id;
	tcreate(CLOCK_MONOTONIC, NULL, &id);
	struct itimerspec s = spec(20 * MS, 0);
	g_sigs = 0;
	tset(id, 0, &s, NULL);
	alarm(20);
	while (!g_sigs)
		pause();
	alarm(0);
	expect_eq("default sigevent: SIGALRM once", g_sigs, 1);
	expect_eq("si_code SI_TIMER", g_code, SI_TIMER);
	expect_true("si_timerid is the ID", g_timerid == id);
	expect_true("si_value is the ID", g_value == id);
	expect_eq("si_overrun", g_overrun, 0);
	tdel(id);

	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	sev.sigev_value.sival_ptr = (void *)0x123456789abcull;
	tcreate(CLOCK_REALTIME, &sev, &id);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	s = spec(0, 0);
	s.it_value.tv_sec = now.tv_sec - 1;
	g_sigs = 0;
	expect_ok("REALTIME absolute in the past", tset(id, TIMER_ABSTIME, &s, NULL));
	alarm(20);
	while (!g_sigs)
		pause();
	alarm(0);
	expect_eq("fires at once: SIGUSR1", g_sigs, 1);
	expect_true("64-bit si_value", g_value == 0x123456789abcl);
	tdel(id);

	sev.sigev_notify = SIGEV_THREAD_ID;
	sev._sigev_un._tid = (int)syscall(SYS_gettid);
	tcreate(CLOCK_MONOTONIC, &sev, &id);
	clock_gettime(CLOCK_MONOTONIC, &now);
	s = spec(0, 0);
	s.it_value = now;
	s.it_value.tv_nsec += 20 * MS;
	if (s.it_value.tv_nsec >= 1000000000) {
		s.it_value.tv_sec++;
		s.it_value.tv_nsec -= 1000000000;
	}
	g_sigs = 0;
	expect_ok("MONOTONIC absolute, 20 ms on", tset(id, TIMER_ABSTIME, &s, NULL));
	struct itimerspec cur;
	tget(id, &cur);
	expect_true("gettime is relative", cur.it_value.tv_sec == 0 && ts_ms(&cur.it_value) <= 20);
	alarm(20);
	while (!g_sigs)
		pause();
	alarm(0);
	expect_eq("SIGEV_THREAD_ID delivered", g_sigs, 1);
	tdel(id);

	/* Overruns: a 2 ms timer with its signal blocked for 60 ms. */
	sev.sigev_notify = SIGEV_SIGNAL;
	tcreate(CLOCK_MONOTONIC, &sev, &id);
	block(SIGUSR1, SIG_BLOCK);
	s = spec(2 * MS, 2 * MS);
	g_sigs = 0;
	g_timer_for_handler = id;
	tset(id, 0, &s, NULL);
	usleep(60000);
	expect_true("pending while blocked", is_pending(SIGUSR1));
	expect_eq("getoverrun before delivery", syscall(SYS_timer_getoverrun, id), 0);
	block(SIGUSR1, SIG_UNBLOCK);
	expect_eq("one signal for many expiries", g_sigs, 1);
	expect_true("si_overrun counts them", g_overrun >= 10);
	expect_true("timer_getoverrun in the handler agrees", g_getoverrun == g_overrun);
	expect_eq("the handler's settime reset it", syscall(SYS_timer_getoverrun, id), 0);
	usleep(10000);
	expect_eq("and the signal queued meanwhile was dropped", g_sigs, 1);

	/* A pending signal whose arming is gone is dropped. */
	block(SIGUSR1, SIG_BLOCK);
	s = spec(1 * MS, 0);
	tset(id, 0, &s, NULL);
	usleep(10000);
	s = spec(10000 * MS, 0);
	tset(id, 0, &s, NULL);
	expect_true("set again: still shown pending", is_pending(SIGUSR1));
	g_sigs = 0;
	block(SIGUSR1, SIG_UNBLOCK);
	expect_eq("but not delivered", g_sigs, 0);
	block(SIGUSR1, SIG_BLOCK);
	s = spec(1 * MS, 0);
	tset(id, 0, &s, NULL);
	usleep(10000);
	s = spec(0, 0);
	tset(id, 0, &s, NULL);
	block(SIGUSR1, SIG_UNBLOCK);
	expect_eq("disarmed with its signal pending: not delivered", g_sigs, 0);
	block(SIGUSR1, SIG_BLOCK);
	s = spec(1 * MS, 0);
	tset(id, 0, &s, NULL);
	usleep(10000);
	expect_ok("delete with its signal pending", tdel(id));
	expect_true("still shown pending", is_pending(SIGUSR1));
	block(SIGUSR1, SIG_UNBLOCK);
	expect_eq("not delivered", g_sigs, 0);
	expect_true("and no longer pending", !is_pending(SIGUSR1));
}

static void test_ptimer_none(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	int id;
	expect_ok("SIGEV_NONE", tcreate(CLOCK_MONOTONIC, &sev, &id));
	struct itimerspec s = spec(10 * MS, 0), cur;
	g_sigs = 0;
	tset(id, 0, &s, NULL);
	usleep(30000);
	expect_eq("no signal", g_sigs, 0);
	tget(id, &cur);
	expect_true("spent one-shot reads zero", !cur.it_value.tv_sec && !cur.it_value.tv_nsec);
	s = spec(10 * MS, 10 * MS);
	tset(id, 0, &s, NULL);
	usleep(35000);
	tget(id, &cur);
	expect_true("periodic: next within a period", cur.it_value.tv_nsec > 0 &&
							 ts_ms(&cur.it_value) <= 10);
	expect_eq("periodic: no overruns reported", syscall(SYS_timer_getoverrun, id), 0);
	tdel(id);
}

static void test_ptimer_fork_exec(char *self)
{
	int id;
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
	tcreate(CLOCK_MONOTONIC, &sev, &id);
	struct itimerspec s = spec(10000 * MS, 0), cur;
	tset(id, 0, &s, NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(tget(id, &cur) == -1 && errno == EINVAL ? 0 : 1);
	int st;
	waitpid(pid, &st, 0);
	expect_true("fork: the child has no timers", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	expect_ok("the parent keeps its own", tget(id, &cur));
	/* clock_nanosleep and clock_getres while a timer is armed. */
	struct timespec res, now, until;
	expect_ok("clock_getres MONOTONIC", clock_getres(CLOCK_MONOTONIC, &res));
	expect_true("resolution at most 1 ms", res.tv_sec == 0 && res.tv_nsec <= 1000000);
	clock_gettime(CLOCK_MONOTONIC, &now);
	until = now;
	until.tv_sec -= 1;
	expect_eq("clock_nanosleep ABSTIME past", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
								  &until, NULL), 0);
	until = now;
	until.tv_nsec += 20 * MS;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	long long t0 = now.tv_sec * 1000LL + now.tv_nsec / 1000000;
	expect_eq("clock_nanosleep ABSTIME 20 ms on",
		  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL), 0);
	expect_true("slept until then", mono_ms() - t0 >= 15);
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec -= 5;
	expect_eq("REALTIME ABSTIME past",
		  clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &now, NULL), 0);
	/* exec deletes the timers: the new image checks. */
	char idstr[16];
	snprintf(idstr, sizeof(idstr), "%d", id);
	char *argv[] = { self, "exec-child", idstr, NULL };
	fflush(stdout);
	execv(self, argv);
	expect_ok("execv", -1);
}

static int exec_child(const char *id)
{
	struct itimerspec cur;
	expect_errno("exec: the armed timer is gone", tget(atoi(id), &cur), EINVAL);
	return expect_status();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && strcmp(argv[1], "exec-child") == 0)
		return exec_child(argv[2]);
	test_tfd_create();
	test_tfd_errors();
	test_tfd_expiry();
	test_tfd_wait();
	test_ptimer_create();
	test_ptimer_calls();
	test_ptimer_signals();
	test_ptimer_none();
	if (expect_status() != 0)
		return expect_status();	/* the exec'd image cannot report earlier failures */
	test_ptimer_fork_exec(argv[0]);
	return 1;
}
