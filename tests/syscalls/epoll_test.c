/*
 * epoll(7): epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2 on
 * pipes, eventfds and epoll instances. Argument errors in Linux 6.18's order (EFAULT for the
 * event before EBADF; EPERM for a file that cannot be polled before EINVAL; the descriptor
 * before maxevents before the buffer before "not an epoll"); EEXIST, ENOENT, the
 * EPOLLEXCLUSIVE rules; level- and edge-triggered reports, EPOLLONESHOT and its re-arming by
 * MOD, ERR and HUP reported unasked, RDHUP never from a pipe; maxevents and the round-robin
 * order of level-triggered items; a bad buffer (EFAULT only when something is ready, the event
 * kept); timeouts; readiness from another process; signals ending a wait (never restarted)
 * and epoll_pwait's mask; nested instances, their depth limit of five and loops (ELOOP);
 * interests that outlive a closed descriptor and go with the last reference; an instance
 * shared with a child; EPOLLEXCLUSIVE waking at least one instance; poll(2) on an instance;
 * stdout, a host file in the Sentry (run.sh makes it a regular file: EPERM).
 *
 * Every case prints counts, flags and relations only, never times or descriptors.
 */
#include "expect.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Addresses nothing maps, hidden from the compiler's buffer-size checks. */
static void *volatile g_bad = (void *)8;
static void *volatile g_kernel = (void *)0xffff800000000000ull;
#define BAD_PTR (g_bad)
#define KSIGSET 8

static volatile int g_sigs;

static void on_signal(int sig)
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

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* One epoll_wait with timeout 0: the number of events, and the first one's. */
static int wait1(int ep, uint32_t *ret_events, uint64_t *ret_data)
{
	struct epoll_event ev[4] = { 0 };
	int n = epoll_wait(ep, ev, 4, 0);
	if (ret_events)
		*ret_events = n > 0 ? ev[0].events : 0;
	if (ret_data)
		*ret_data = n > 0 ? ev[0].data.u64 : 0;
	return n;
}

static void test_create(void)
{
	int ep = epoll_create(1);
	expect_true("epoll_create(1)", ep >= 0);
	expect_errno("epoll_create(0)", epoll_create(0), EINVAL);
	expect_errno("epoll_create(-1)", epoll_create(-1), EINVAL);
	expect_errno("epoll_create1 bad flags", epoll_create1(1), EINVAL);
	int ep2 = epoll_create1(EPOLL_CLOEXEC);
	expect_eq("EPOLL_CLOEXEC sets FD_CLOEXEC", fcntl(ep2, F_GETFD), FD_CLOEXEC);
	expect_eq("epoll_create: no FD_CLOEXEC", fcntl(ep, F_GETFD), 0);
	expect_eq("F_GETFL", fcntl(ep, F_GETFL), O_RDWR);
	struct stat st;
	expect_ok("fstat", fstat(ep, &st));
	expect_mode("st_mode", st.st_mode, 0600);
	char b[16];
	expect_errno("read", read(ep, b, sizeof(b)), EINVAL);
	expect_errno("write", write(ep, b, sizeof(b)), EINVAL);
	expect_eq("empty instance: nothing", wait1(ep, NULL, NULL), 0);
	close(ep);
	close(ep2);
}

static void test_ctl_errors(void)
{
	int ep = epoll_create1(0), ep2 = epoll_create1(0), p[2];
	pipe(p);
	int file = open("/tmp/epoll_test_file", O_CREAT | O_RDWR | O_TRUNC, 0600);
	int dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	int opath = open("/tmp", O_PATH);
	int null = open("/dev/null", O_RDWR);
	struct epoll_event ev = { .events = EPOLLIN };
	expect_errno("ADD bad event pointer", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], BAD_PTR), EFAULT);
	expect_errno("bad event pointer before bad epfd",
		     epoll_ctl(-1, EPOLL_CTL_ADD, p[0], BAD_PTR), EFAULT);
	expect_errno("unknown op reads the event", epoll_ctl(ep, 99, p[0], NULL), EFAULT);
	expect_errno("DEL with NULL event, absent",
		     epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	expect_errno("bad epfd", epoll_ctl(-1, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	expect_errno("closed epfd", epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	expect_errno("bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
	expect_errno("O_PATH fd", epoll_ctl(ep, EPOLL_CTL_ADD, opath, &ev), EBADF);
	expect_errno("O_PATH epfd", epoll_ctl(opath, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	expect_errno("regular file", epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev), EPERM);
	expect_errno("directory", epoll_ctl(ep, EPOLL_CTL_ADD, dir, &ev), EPERM);
	expect_errno("/dev/null", epoll_ctl(ep, EPOLL_CTL_ADD, null, &ev), EPERM);
	expect_errno("regular file as both: EPERM first", epoll_ctl(file, EPOLL_CTL_ADD, file, &ev),
		     EPERM);
	expect_errno("epfd not an epoll", epoll_ctl(p[1], EPOLL_CTL_ADD, p[0], &ev), EINVAL);
	expect_errno("epfd a regular file", epoll_ctl(file, EPOLL_CTL_ADD, p[0], &ev), EINVAL);
	expect_errno("instance into itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	expect_errno("MOD absent", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev), ENOENT);
	expect_errno("unknown op", epoll_ctl(ep, 99, p[0], &ev), EINVAL);
	expect_ok("ADD", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	expect_errno("ADD again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	expect_ok("ADD the same pipe at another fd", add(ep, p[1], EPOLLOUT, 0));
	expect_ok("MOD", mod(ep, p[0], EPOLLIN | EPOLLET, 1));
	expect_ok("DEL", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	expect_errno("DEL again", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	expect_errno("unknown op on a present item", epoll_ctl(ep, 99, p[1], &ev), EINVAL);
	expect_ok("unknown event bits are accepted", add(ep, p[0], EPOLLIN | 0x00800000u, 0));

	/* EPOLLEXCLUSIVE: ADD only, not on an epoll, only with IN, OUT, ERR, HUP, ET, WAKEUP. */
	int e = eventfd(0, 0);
	expect_errno("EXCLUSIVE with ONESHOT",
		     add(ep, e, EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL);
	expect_errno("EXCLUSIVE with RDHUP", add(ep, e, EPOLLIN | EPOLLEXCLUSIVE | EPOLLRDHUP, 0),
		     EINVAL);
	expect_errno("EXCLUSIVE with PRI", add(ep, e, EPOLLPRI | EPOLLEXCLUSIVE, 0), EINVAL);
	expect_errno("EXCLUSIVE on an epoll", add(ep, ep2, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	expect_errno("MOD to EXCLUSIVE", mod(ep, p[0], EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	expect_errno("MOD to EXCLUSIVE, absent", mod(ep, e, EPOLLIN | EPOLLEXCLUSIVE, 0), EINVAL);
	expect_ok("EXCLUSIVE with IN, OUT, ET", add(ep, e, EPOLLIN | EPOLLOUT | EPOLLET |
							   EPOLLEXCLUSIVE, 0));
	expect_errno("MOD of an exclusive item", mod(ep, e, EPOLLIN, 0), EINVAL);
	expect_ok("DEL of an exclusive item", epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL));
	close(e);
	close(p[0]);
	close(p[1]);
	close(file);
	close(dir);
	close(opath);
	close(null);
	close(ep);
	close(ep2);
	unlink("/tmp/epoll_test_file");
}

static void test_wait_errors(void)
{
	int ep = epoll_create1(0), p[2], tfd = eventfd(0, 0);
	pipe(p);
	struct epoll_event ev[2];
	expect_errno("bad epfd", epoll_wait(-1, ev, 2, 0), EBADF);
	expect_errno("bad epfd before maxevents", syscall(SYS_epoll_wait, -1, ev, 0, 0), EBADF);
	expect_errno("maxevents 0", epoll_wait(ep, ev, 0, 0), EINVAL);
	expect_errno("maxevents -1", syscall(SYS_epoll_wait, ep, ev, -1, 0), EINVAL);
	expect_errno("maxevents past EP_MAX_EVENTS", syscall(SYS_epoll_wait, ep, ev, 178956971, 0),
		     EINVAL);
	/* A buffer low in memory: the largest count's size must not reach past user space. */
	static struct epoll_event low[2];
	expect_eq("maxevents EP_MAX_EVENTS", syscall(SYS_epoll_wait, ep, low, 178956970, 0), 0);
	expect_errno("not an epoll", epoll_wait(p[0], ev, 2, 0), EINVAL);
	expect_errno("kernel buffer", syscall(SYS_epoll_wait, ep, g_kernel, 1, 0), EFAULT);
	expect_errno("kernel buffer before not an epoll",
		     syscall(SYS_epoll_wait, tfd, g_kernel, 1, 0), EFAULT);
	int opath = open("/tmp", O_PATH);
	expect_errno("O_PATH epfd", epoll_wait(opath, ev, 1, 0), EBADF);
	close(opath);
	expect_eq("unmapped buffer, nothing ready", syscall(SYS_epoll_wait, ep, BAD_PTR, 1, 0), 0);
	add(ep, p[0], EPOLLIN, 7);
	write(p[1], "x", 1);
	expect_errno("unmapped buffer, one ready",
		     syscall(SYS_epoll_wait, ep, BAD_PTR, 1, 0), EFAULT);
	uint64_t data;
	expect_eq("the event is still ready", wait1(ep, NULL, &data), 1);
	expect_eq("its data", (long)data, 7);

	sigset_t none;
	sigemptyset(&none);
	expect_errno("pwait sigsetsize 4",
		     syscall(SYS_epoll_pwait, ep, ev, 1, 0, &none, 4), EINVAL);
	expect_errno("pwait sigsetsize before epfd",
		     syscall(SYS_epoll_pwait, -1, ev, 1, 0, &none, 4), EINVAL);
	expect_eq("pwait NULL mask, any size", syscall(SYS_epoll_pwait, ep, ev, 1, 0, NULL, 4), 1);
	expect_errno("pwait bad mask pointer", syscall(SYS_epoll_pwait, ep, ev, 1, 0, BAD_PTR,
						       KSIGSET), EFAULT);
	struct timespec ts = { 0, -1 };
	expect_errno("pwait2 bad timeout", syscall(SYS_epoll_pwait2, ep, ev, 1, &ts, NULL, KSIGSET),
		     EINVAL);
	ts = (struct timespec){ -1, 0 };
	expect_errno("pwait2 negative timeout", syscall(SYS_epoll_pwait2, ep, ev, 1, &ts, NULL,
							KSIGSET), EINVAL);
	expect_errno("pwait2 timeout before epfd", syscall(SYS_epoll_pwait2, -1, ev, 1, &ts, NULL,
							   KSIGSET), EINVAL);
	expect_errno("pwait2 bad timeout pointer", syscall(SYS_epoll_pwait2, ep, ev, 1, BAD_PTR,
							   NULL, KSIGSET), EFAULT);
	ts = (struct timespec){ 0, 0 };
	expect_eq("pwait2 zero timeout",
		  syscall(SYS_epoll_pwait2, ep, ev, 1, &ts, NULL, KSIGSET), 1);
	close(p[0]);
	close(p[1]);
	close(tfd);
	close(ep);
}

static void test_level(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	expect_ok("ADD read end", add(ep, p[0], EPOLLIN, 0x1122334455667788ull));
	uint32_t evs;
	uint64_t data;
	expect_eq("empty pipe: nothing", wait1(ep, &evs, NULL), 0);
	write(p[1], "abc", 3);
	expect_eq("data: one event", wait1(ep, &evs, &data), 1);
	expect_eq("EPOLLIN", evs, EPOLLIN);
	expect_true("64-bit data comes back", data == 0x1122334455667788ull);
	expect_eq("level-triggered: again", wait1(ep, &evs, NULL), 1);
	expect_eq("and again", wait1(ep, &evs, NULL), 1);
	char b[8];
	read(p[0], b, 2);
	expect_eq("partly read: still", wait1(ep, &evs, NULL), 1);
	read(p[0], b, 1);
	expect_eq("drained: nothing", wait1(ep, &evs, NULL), 0);
	expect_ok("MOD to IN|RDNORM", mod(ep, p[0], EPOLLIN | EPOLLRDNORM, 0));
	write(p[1], "x", 1);
	expect_eq("RDNORM reported when asked", wait1(ep, &evs, NULL) == 1 ? (long)evs : -1,
		  EPOLLIN | EPOLLRDNORM);
	expect_ok("MOD to OUT only", mod(ep, p[0], EPOLLOUT, 0));
	expect_eq("read end never writable", wait1(ep, &evs, NULL), 0);
	expect_ok("ADD write end", add(ep, p[1], EPOLLOUT, 2));
	expect_eq("write end: OUT", wait1(ep, &evs, &data) == 1 ? (long)evs : -1, EPOLLOUT);
	expect_eq("its data", (long)data, 2);
	epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);
	mod(ep, p[0], EPOLLRDHUP, 0);
	close(p[1]);
	expect_eq("writer gone, data left: HUP unasked",
		  wait1(ep, &evs, NULL) == 1 ? (long)evs : -1, EPOLLHUP);
	mod(ep, p[0], EPOLLIN | EPOLLRDHUP, 0);
	expect_eq("with IN asked: IN|HUP, no RDHUP from a pipe",
		  wait1(ep, &evs, NULL) == 1 ? (long)evs : -1, EPOLLIN | EPOLLHUP);
	close(p[0]);
	close(ep);

	ep = epoll_create1(0);
	pipe(p);
	add(ep, p[1], EPOLLOUT, 0);
	close(p[0]);
	expect_eq("reader gone: OUT|ERR", wait1(ep, &evs, NULL) == 1 ? (long)evs : -1,
		  EPOLLOUT | EPOLLERR);
	mod(ep, p[1], EPOLLIN, 0);
	expect_eq("reader gone, IN asked: ERR", wait1(ep, &evs, NULL) == 1 ? (long)evs : -1,
		  EPOLLERR);
	close(p[1]);
	close(ep);
}

static void test_edge(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	add(ep, p[0], EPOLLIN | EPOLLET, 5);
	uint32_t evs;
	expect_eq("ET: empty", wait1(ep, &evs, NULL), 0);
	write(p[1], "ab", 2);
	expect_eq("ET: a write, one event", wait1(ep, &evs, NULL), 1);
	expect_eq("ET: EPOLLIN only", evs, EPOLLIN);
	expect_eq("ET: no new edge", wait1(ep, &evs, NULL), 0);
	write(p[1], "c", 1);
	expect_eq("ET: another write, another edge", wait1(ep, &evs, NULL), 1);
	expect_eq("ET: then quiet", wait1(ep, &evs, NULL), 0);
	char b[4];
	read(p[0], b, 1);
	expect_eq("ET: a read makes no edge for IN", wait1(ep, &evs, NULL), 0);
	expect_ok("ET: MOD re-arms", mod(ep, p[0], EPOLLIN | EPOLLET, 5));
	expect_eq("ET: data still there after MOD", wait1(ep, &evs, NULL), 1);
	expect_eq("ET: and quiet again", wait1(ep, &evs, NULL), 0);
	/* An edge that came while nobody waited is kept. */
	write(p[1], "d", 1);
	write(p[1], "e", 1);
	expect_eq("ET: two writes before a wait, one event", wait1(ep, &evs, NULL), 1);
	read(p[0], b, sizeof(b));

	/* ET on the write end: room made by a read is an edge. */
	int q[2];
	pipe2(q, O_NONBLOCK);
	add(ep, q[1], EPOLLOUT | EPOLLET, 6);
	uint64_t data;
	expect_eq("ET OUT: writable at ADD", wait1(ep, &evs, &data), 1);
	static char big[65536];
	write(q[1], big, sizeof(big));
	expect_eq("ET OUT: full, nothing", wait1(ep, &evs, NULL), 0);
	read(q[0], big, 4096);
	expect_eq("ET OUT: a page read, an edge", wait1(ep, &evs, &data), 1);
	expect_eq("ET OUT: its data", (long)data, 6);
	close(q[0]);
	close(q[1]);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void test_oneshot(void)
{
	int ep = epoll_create1(0), e = eventfd(0, EFD_NONBLOCK);
	add(ep, e, EPOLLIN | EPOLLONESHOT, 9);
	uint64_t one = 1, v;
	uint32_t evs;
	write(e, &one, sizeof(one));
	expect_eq("ONESHOT: first report", wait1(ep, &evs, NULL), 1);
	expect_eq("ONESHOT: disarmed though ready", wait1(ep, &evs, NULL), 0);
	write(e, &one, sizeof(one));
	expect_eq("ONESHOT: a new write wakes nothing", wait1(ep, &evs, NULL), 0);
	expect_errno("ONESHOT: still present", add(ep, e, EPOLLIN, 0), EEXIST);
	expect_ok("ONESHOT: MOD re-arms", mod(ep, e, EPOLLIN | EPOLLONESHOT, 10));
	uint64_t data;
	expect_eq("ONESHOT: reported again", wait1(ep, &evs, &data), 1);
	expect_eq("ONESHOT: with the new data", (long)data, 10);
	expect_eq("ONESHOT: disarmed again", wait1(ep, &evs, NULL), 0);
	read(e, &v, sizeof(v));
	mod(ep, e, EPOLLIN | EPOLLONESHOT | EPOLLET, 11);
	expect_eq("ONESHOT|ET: armed, empty", wait1(ep, &evs, NULL), 0);
	write(e, &one, sizeof(one));
	expect_eq("ONESHOT|ET: the write", wait1(ep, &evs, NULL), 1);
	write(e, &one, sizeof(one));
	expect_eq("ONESHOT|ET: disarmed", wait1(ep, &evs, NULL), 0);
	close(e);
	close(ep);
}

/* Three ready level-triggered pipes and maxevents 2: each wait takes the next in turn. */
static void test_maxevents(void)
{
	int ep = epoll_create1(0), p[3][2];
	for (int i = 0; i < 3; i++) {
		pipe(p[i]);
		write(p[i][1], "x", 1);
		add(ep, p[i][0], EPOLLIN, (uint64_t)i);
	}
	struct epoll_event ev[3];
	expect_eq("maxevents 2 of 3 ready", epoll_wait(ep, ev, 2, 0), 2);
	expect_true("first wait: 0 then 1", ev[0].data.u64 == 0 && ev[1].data.u64 == 1);
	expect_eq("next wait", epoll_wait(ep, ev, 2, 0), 2);
	expect_true("the one left first, then round again: 2 then 0",
		    ev[0].data.u64 == 2 && ev[1].data.u64 == 0);
	expect_eq("maxevents 3", epoll_wait(ep, ev, 3, 0), 3);
	expect_true("1, 2, 0", ev[0].data.u64 == 1 && ev[1].data.u64 == 2 && ev[2].data.u64 == 0);
	for (int i = 0; i < 3; i++) {
		close(p[i][0]);
		close(p[i][1]);
	}
	expect_eq("all closed: nothing", epoll_wait(ep, ev, 3, 0), 0);
	close(ep);

	/* Many items: the instance grows, and the right one reports. */
	ep = epoll_create1(0);
	int efd[200], ok = 1;
	for (int i = 0; i < 200; i++) {
		efd[i] = eventfd(0, 0);
		ok &= add(ep, efd[i], EPOLLIN, (uint64_t)i + 1000) == 0;
	}
	expect_true("200 eventfds added", ok);
	uint64_t one = 1, data;
	write(efd[150], &one, sizeof(one));
	expect_eq("one of 200 written: one event", wait1(ep, NULL, &data), 1);
	expect_eq("the right one", (long)data, 1150);
	ok = 1;
	for (int i = 0; i < 200; i++)
		ok &= epoll_ctl(ep, EPOLL_CTL_DEL, efd[i], NULL) == 0;
	expect_true("200 deleted", ok);
	expect_eq("none left", wait1(ep, NULL, NULL), 0);
	for (int i = 0; i < 200; i++)
		close(efd[i]);
	close(ep);
}

static void test_timeouts(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	add(ep, p[0], EPOLLIN, 0);
	struct epoll_event ev;
	long long t0 = mono_ms();
	expect_eq("epoll_wait 50 ms, nothing: 0", epoll_wait(ep, &ev, 1, 50), 0);
	expect_true("waited about 50 ms", mono_ms() - t0 >= 45);
	struct timespec ts = { 0, 30000000 };
	t0 = mono_ms();
	expect_eq("epoll_pwait2 30 ms: 0",
		  syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, NULL, KSIGSET), 0);
	expect_true("waited about 30 ms", mono_ms() - t0 >= 25);
	t0 = mono_ms();
	expect_eq("epoll_pwait 20 ms: 0", epoll_pwait(ep, &ev, 1, 20, NULL), 0);
	expect_true("waited about 20 ms", mono_ms() - t0 >= 15);
	close(p[0]);
	close(p[1]);
	close(ep);
}

/* A child writes and then closes while the parent waits without a timeout. */
static void test_cross_process(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	add(ep, p[0], EPOLLIN, 3);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		usleep(50000);
		write(p[1], "x", 1);
		usleep(50000);
		_exit(0);
	}
	close(p[1]);
	struct epoll_event ev;
	alarm(20);	/* a lost wakeup must fail the test, not hang it */
	expect_eq("child's write wakes epoll_wait(-1)", epoll_wait(ep, &ev, 1, -1), 1);
	expect_eq("EPOLLIN", ev.events, EPOLLIN);
	char c;
	read(p[0], &c, 1);
	expect_eq("child's exit closes the writer: HUP", epoll_wait(ep, &ev, 1, -1) == 1
								  ? (long)ev.events : -1, EPOLLHUP);
	alarm(0);
	int st;
	waitpid(pid, &st, 0);
	close(p[0]);

	/* The instance is shared with a child: its ctl is the parent's too. */
	pipe(p);
	add(ep, p[0], EPOLLIN, 4);
	pid = fork();
	if (pid == 0) {
		int a = epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0;
		_exit(a ? 0 : 1);
	}
	waitpid(pid, &st, 0);
	expect_true("child's DEL succeeded", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	expect_errno("and the parent's item is gone", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL),
		     ENOENT);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void test_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal }, old_alrm, old_usr1;
	sigaction(SIGALRM, &sa, &old_alrm);
	sigaction(SIGUSR1, &sa, &old_usr1);
	int ep = epoll_create1(0), p[2];
	pipe(p);
	add(ep, p[0], EPOLLIN, 0);
	struct epoll_event ev;
	struct itimerval it = { .it_value = { 0, 30000 } };
	g_sigs = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	expect_errno("SIGALRM ends epoll_wait(-1)", epoll_wait(ep, &ev, 1, -1), EINTR);
	expect_eq("handler ran", g_sigs, 1);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	expect_errno("never restarted, SA_RESTART or not", epoll_wait(ep, &ev, 1, 5000), EINTR);

	/* epoll_pwait: the mask is in force during the wait only. */
	sigset_t usr1, none, cur;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	raise(SIGUSR1);
	g_sigs = 0;
	expect_errno("pwait unblocking a pending signal",
		     epoll_pwait(ep, &ev, 1, 5000, &none), EINTR);
	expect_eq("its handler ran", g_sigs, 1);
	sigprocmask(SIG_BLOCK, NULL, &cur);
	expect_true("the old mask is back", sigismember(&cur, SIGUSR1));
	raise(SIGUSR1);
	write(p[1], "x", 1);
	g_sigs = 0;
	expect_eq("an event wins over the pending signal", epoll_pwait(ep, &ev, 1, 5000, &none), 1);
	expect_eq("which stays pending, blocked again", g_sigs, 0);
	sigset_t pend;
	sigpending(&pend);
	expect_true("still pending", sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	expect_eq("delivered once unblocked", g_sigs, 1);
	g_sigs = 0;
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	raise(SIGUSR1);
	expect_eq("pwait with the signal blocked: the event", epoll_pwait(ep, &ev, 1, 0, &usr1), 1);
	expect_eq("pwait2 unblocking it: the ready event",
		  syscall(SYS_epoll_pwait2, ep, &ev, 1, NULL, &none, KSIGSET), 1);
	expect_eq("no handler yet", g_sigs, 0);
	char c;
	read(p[0], &c, 1);
	struct timespec ts = { 0, 0 };
	expect_eq("pwait2, zero timeout: 0 though a signal is pending",
		  syscall(SYS_epoll_pwait2, ep, &ev, 1, &ts, &none, KSIGSET), 0);
	expect_eq("still no handler", g_sigs, 0);
	expect_errno("pwait2, no timeout: EINTR",
		     syscall(SYS_epoll_pwait2, ep, &ev, 1, NULL, &none, KSIGSET), EINTR);
	expect_eq("handler ran", g_sigs, 1);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	sigaction(SIGALRM, &old_alrm, NULL);
	sigaction(SIGUSR1, &old_usr1, NULL);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void test_nested(void)
{
	int inner = epoll_create1(0), outer = epoll_create1(0), p[2];
	pipe(p);
	add(inner, p[0], EPOLLIN, 1);
	expect_ok("instance into another", add(outer, inner, EPOLLIN, 2));
	uint32_t evs;
	uint64_t data;
	struct pollfd pf = { .fd = inner, .events = POLLIN | POLLOUT };
	expect_eq("poll on an idle instance", poll(&pf, 1, 0), 0);
	expect_eq("outer: nothing", wait1(outer, &evs, NULL), 0);
	write(p[1], "x", 1);
	expect_eq("poll on a ready instance", poll(&pf, 1, 0), 1);
	expect_eq("POLLIN only", pf.revents, POLLIN);
	expect_eq("outer reports the inner", wait1(outer, &evs, &data), 1);
	expect_eq("outer's data", (long)data, 2);
	expect_eq("EPOLLIN", evs, EPOLLIN);
	expect_eq("inner reports the pipe", wait1(inner, &evs, &data), 1);
	expect_eq("inner's data", (long)data, 1);
	char c;
	read(p[0], &c, 1);
	expect_eq("drained: outer quiet", wait1(outer, &evs, NULL), 0);
	expect_errno("loop", add(inner, outer, EPOLLIN, 0), ELOOP);
	expect_ok("outer ET on inner", mod(outer, inner, EPOLLIN | EPOLLET, 3));
	write(p[1], "y", 1);
	expect_eq("outer ET: the edge", wait1(outer, &evs, NULL), 1);
	expect_eq("outer ET: once", wait1(outer, &evs, NULL), 0);
	/* Blocking on the outer while a child writes to the innermost pipe. */
	pid_t pid = fork();
	if (pid == 0) {
		usleep(30000);
		write(p[1], "z", 1);
		_exit(0);
	}
	struct epoll_event ev;
	alarm(20);
	expect_eq("outer wakes from a write in a child", epoll_wait(outer, &ev, 1, -1), 1);
	alarm(0);
	waitpid(pid, NULL, 0);
	close(p[0]);
	close(p[1]);
	close(inner);
	expect_eq("inner closed: outer quiet", wait1(outer, &evs, NULL), 0);
	close(outer);

	/* Chains: five instances deep at most, built from either end. */
	int e[7], f[7];
	for (int i = 0; i < 7; i++) {
		e[i] = epoll_create1(0);
		f[i] = epoll_create1(0);
	}
	int ok = 1;
	for (int i = 1; i < 5; i++)
		ok &= add(e[i], e[i - 1], EPOLLIN, 0) == 0;
	expect_true("bottom up: a chain of 5", ok);
	expect_errno("bottom up: a sixth", add(e[5], e[4], EPOLLIN, 0), ELOOP);
	expect_ok("a fresh chain beside it", add(e[6], e[5], EPOLLIN, 0));
	expect_errno("joining the two makes 7", add(e[0], e[6], EPOLLIN, 0), ELOOP);
	ok = 1;
	for (int i = 1; i < 5; i++)
		ok &= add(f[i - 1], f[i], EPOLLIN, 0) == 0;
	expect_true("top down: a chain of 5", ok);
	expect_errno("top down: a sixth", add(f[4], f[5], EPOLLIN, 0), ELOOP);
	expect_errno("a loop through the chain", add(f[4], f[0], EPOLLIN, 0), ELOOP);
	expect_ok("DEL inside the chain", epoll_ctl(f[1], EPOLL_CTL_DEL, f[2], NULL));
	expect_ok("now there is room", add(f[4], f[5], EPOLLIN, 0));
	for (int i = 0; i < 7; i++) {
		close(e[i]);
		close(f[i]);
	}
}

/* An item belongs to the open file description and goes with its last reference. */
static void test_close(void)
{
	int ep = epoll_create1(0), p[2];
	pipe(p);
	int r = p[0], dupd = dup(r);
	add(ep, r, EPOLLIN, 42);
	close(r);
	write(p[1], "x", 1);
	uint64_t data;
	expect_eq("fd closed, file alive (dup): still reported", wait1(ep, NULL, &data), 1);
	expect_eq("with its data", (long)data, 42);
	expect_errno("DEL by the closed fd", epoll_ctl(ep, EPOLL_CTL_DEL, r, NULL), EBADF);
	expect_errno("DEL by the dup: another key",
		     epoll_ctl(ep, EPOLL_CTL_DEL, dupd, NULL), ENOENT);
	expect_ok("ADD by the dup", add(ep, dupd, EPOLLIN, 43));
	struct epoll_event ev[4];
	expect_eq("two items, one file: two events", epoll_wait(ep, ev, 4, 0), 2);
	close(dupd);
	expect_eq("last reference gone: nothing", wait1(ep, NULL, NULL), 0);
	int q[2];
	pipe(q);
	int nr = dup2(q[0], r);
	expect_ok("a new file at the old fd is a new item", add(ep, nr, EPOLLIN, 0));
	close(p[1]);
	close(q[0]);
	close(q[1]);
	close(nr);

	/* A child holding the file keeps the item alive after the parent's close. */
	pipe(p);
	int ep2 = epoll_create1(0);
	add(ep2, p[0], EPOLLIN, 7);
	int go[2], seen[2], gone[2];
	pipe(go);
	pipe(seen);
	pipe(gone);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		close(seen[1]);
		close(gone[0]);
		read(go[0], &c, 1);	/* EOF: the parent has closed its copy */
		write(p[1], "x", 1);
		read(seen[0], &c, 1);	/* the parent saw it */
		close(p[0]);		/* the last reference, and the item, go */
		write(gone[1], "x", 1);
		_exit(0);
	}
	close(go[0]);
	close(seen[0]);
	close(gone[1]);
	close(p[0]);
	close(go[1]);
	alarm(20);
	expect_eq("child's reference keeps it: woken", epoll_wait(ep2, ev, 1, -1), 1);
	close(seen[1]);
	char c;
	read(gone[0], &c, 1);
	alarm(0);
	expect_eq("child closed the last reference: nothing", wait1(ep2, NULL, NULL), 0);
	close(gone[0]);
	waitpid(pid, NULL, 0);
	close(p[1]);
	close(ep2);

	/* Closing the instance while it watches files drops them all. */
	pipe(p);
	ep2 = epoll_create1(0);
	add(ep2, p[0], EPOLLIN, 0);
	add(ep2, p[1], EPOLLOUT, 0);
	add(ep, ep2, EPOLLIN, 0);
	close(ep2);
	expect_eq("a closed inner instance leaves the outer", wait1(ep, NULL, NULL), 0);
	expect_eq("the pipe still works", write(p[1], "x", 1), 1);
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void test_exclusive(void)
{
	int a = epoll_create1(0), b = epoll_create1(0), e = eventfd(0, 0);
	add(a, e, EPOLLIN | EPOLLEXCLUSIVE, 1);
	add(b, e, EPOLLIN | EPOLLEXCLUSIVE, 2);
	uint64_t one = 1;
	write(e, &one, sizeof(one));
	int na = wait1(a, NULL, NULL), nb = wait1(b, NULL, NULL);
	expect_true("EXCLUSIVE: at least one instance woken", na + nb >= 1);
	close(a);
	close(b);
	close(e);
}

static void test_stdout(void)
{
	int ep = epoll_create1(0);
	struct stat st;
	fstat(1, &st);
	int rc = add(ep, 1, EPOLLOUT, 0) == 0 ? 0 : errno;
	int pollable = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(1);
	expect_true("stdout: accepted if a pipe, socket or terminal, else EPERM",
		    pollable ? rc == 0 : rc == EPERM);
	close(ep);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	test_create();
	test_ctl_errors();
	test_wait_errors();
	test_level();
	test_edge();
	test_oneshot();
	test_maxevents();
	test_timeouts();
	test_cross_process();
	test_signals();
	test_nested();
	test_close();
	test_exclusive();
	test_stdout();
	return expect_status();
}
