/*
 * Pseudo-terminals (pty(7), termios(3), tty_ioctl(4)): posix_openpt, grantpt, unlockpt,
 * ptsname and the locked slave's EIO; the slave's fstat (136:N, 0600, the opener's: devpts's
 * default options) and its devpts entry; canonical line editing (erase, word erase, kill, EOF,
 * the 4096-byte line limit) with its echo, ONLCR, ICRNL, ECHONL, ECHOCTL, echo off; raw reads
 * with VMIN/VTIME; FIONREAD; epoll on the master; TIOCGPTPEER; controlling terminals:
 * /dev/tty's ENXIO without one, TIOCSCTTY, TIOCGPGRP, TIOCSPGRP and TIOCGSID and their errors,
 * /proc/self/stat's tty_nr and tpgid, ^C's SIGINT and TIOCSWINSZ's SIGWINCH to the foreground
 * group; hangups both ways (EIO, POLLHUP, SIGHUP; a hung-up slave reads 0, its ioctls EIO);
 * TIOCEXCL's flag and EBUSY; root's TIOCSTI; the cflag and speeds a pty keeps; TIOCPKT's
 * status bytes; TIOCNOTTY; a background job's SIGTTOU; bad requests (ENOTTY, EINVAL) and bad
 * pointers (EFAULT).
 */
#include "expect.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)

static volatile sig_atomic_t g_int, g_winch, g_hup;

static void on_sig(int sig)
{
	if (sig == SIGINT)
		g_int++;
	else if (sig == SIGWINCH)
		g_winch++;
	else if (sig == SIGHUP)
		g_hup++;
}

/* What is readable on @fd now, escaped (\r \n \b ^X), as one line. */
static void show(const char *what, int fd)
{
	char buf[256], out[1024];
	size_t o = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = 0;
	if (poll(&p, 1, 100) == 1 && (p.revents & POLLIN)) {
		/* Linux hands pty input to the other end from a workqueue: echo and output come
		 * in pieces. Read once the queue stops growing, as a settled terminal would. */
		int had = -1, now = 0;
		for (int i = 0; i < 50 && ioctl(fd, FIONREAD, &now) == 0 && now != had; i++) {
			had = now;
			usleep(10000);
		}
		n = read(fd, buf, sizeof(buf));
	}
	for (ssize_t i = 0; i < n && o + 8 < sizeof(out); i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\r')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\r");
		else if (c == '\n')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\n");
		else if (c == '\b')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\b");
		else if (c < 32 || c == 127)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	printf("%s: %zd \"%s\"\n", what, n, out);
}

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		printf("write failed\n");
}

static int open_pair(int *ret_slave)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		return -1;
	*ret_slave = open(ptsname(m), O_RDWR | O_NOCTTY);
	return *ret_slave < 0 ? -1 : m;
}

static void test_open(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	expect_ok("posix_openpt", m);
	expect_ok("grantpt", grantpt(m));
	int lk = -1;
	expect_ok("TIOCGPTLCK", ioctl(m, TIOCGPTLCK, &lk));
	expect_eq("locked", lk, 1);
	const char *name = ptsname(m);
	expect_eq("ptsname /dev/pts/", name && !strncmp(name, "/dev/pts/", 9), 1);
	char path[64];
	snprintf(path, sizeof(path), "%s", name ? name : "?");
	expect_errno("open locked slave", open(path, O_RDWR | O_NOCTTY), EIO);
	expect_ok("unlockpt", unlockpt(m));
	int n = -1;
	expect_ok("TIOCGPTN", ioctl(m, TIOCGPTN, &n));
	expect_eq("TIOCGPTN matches ptsname", n == atoi(path + 9), 1);
	int s = open(path, O_RDWR | O_NOCTTY);
	expect_ok("open slave", s);
	struct stat st;
	expect_ok("fstat slave", fstat(s, &st));
	expect_eq("slave S_ISCHR", S_ISCHR(st.st_mode), 1);
	expect_eq("slave major 136", major(st.st_rdev), 136);
	expect_eq("slave minor is index", (long)minor(st.st_rdev) == n, 1);
	expect_mode("slave mode", st.st_mode & 07777, 0600);
	expect_eq("slave group", st.st_gid == getegid(), 1);
	expect_eq("slave owner", st.st_uid == geteuid(), 1);
	expect_ok("fstat master", fstat(m, &st));
	expect_eq("master 5:2", S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 2), 1);
	expect_ok("stat /dev/pts/ptmx", stat("/dev/pts/ptmx", &st));
	expect_eq("ptmx 5:2", S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 2), 1);
	expect_eq("isatty slave", isatty(s), 1);
	const char *tn = ttyname(s);
	expect_eq("ttyname is ptsname", tn && !strcmp(tn, path), 1);
	DIR *d = opendir("/dev/pts");
	int seen = 0, ptmx = 0;
	for (struct dirent *e; d && (e = readdir(d));) {
		seen |= !strcmp(e->d_name, path + 9);
		ptmx |= !strcmp(e->d_name, "ptmx");
	}
	if (d)
		closedir(d);
	expect_eq("/dev/pts lists the slave", seen, 1);
	expect_eq("/dev/pts lists ptmx", ptmx, 1);
	int peer = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	expect_ok("TIOCGPTPEER", peer);
	expect_errno("TIOCGPTPEER on the slave", ioctl(s, TIOCGPTPEER, O_RDWR | O_NOCTTY), EIO);
	struct stat ps;
	expect_eq("peer is the slave", fstat(peer, &ps) == 0 && ps.st_rdev == st.st_rdev ? 0 : 1, 1);
	expect_ok("fstat peer", fstat(peer, &ps));
	expect_eq("peer rdev", ps.st_rdev == makedev(136, n), 1);
	expect_errno("lseek master", lseek(m, 0, SEEK_SET), ESPIPE);
	/* sshd's pty_setowner: the tty group, 0620; a stamp set is the stamp read. */
	expect_ok("chmod slave 0620", chmod(path, 0620));
	expect_ok("chown slave group 5", chown(path, (uid_t)-1, 5));
	struct timespec ts[2] = { { .tv_sec = 1000000000, .tv_nsec = 5 }, { .tv_sec = 1234567890 } };
	expect_ok("utimensat slave", utimensat(AT_FDCWD, path, ts, 0));
	expect_ok("stat slave again", stat(path, &ps));
	expect_mode("slave mode after chmod", ps.st_mode & 07777, 0620);
	expect_eq("slave group after chown", ps.st_gid, 5);
	expect_eq("slave atime set", ps.st_atim.tv_sec == 1000000000 && ps.st_atim.tv_nsec == 5, 1);
	expect_eq("slave mtime set", ps.st_mtim.tv_sec == 1234567890, 1);
	expect_eq("fstat agrees", fstat(s, &ps) == 0 && (ps.st_mode & 07777) == 0620, 1);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (geteuid() == 0 && setuid(65534) < 0)
			_exit(2);
		_exit(chmod(path, 0666) == -1 && errno == EPERM ? 0 : 1);
	}
	int wst;
	waitpid(pid, &wst, 0);
	expect_eq("chmod by another user: EPERM", WIFEXITED(wst) ? WEXITSTATUS(wst) : -1, 0);
	close(peer);
	close(s);
	close(m);
	expect_errno("open closed slave", open(path, O_RDWR | O_NOCTTY), ENOENT);
}

static void test_canon(void)
{
	int s, m = open_pair(&s);
	expect_ok("pair", m);
	struct termios t;
	expect_ok("tcgetattr", tcgetattr(s, &t));
	printf("default iflag %o oflag %o cflag %o lflag %o\n", t.c_iflag, t.c_oflag,
	       t.c_cflag, t.c_lflag);
	printf("default cc intr %d quit %d erase %d kill %d eof %d min %d time %d\n",
	       t.c_cc[VINTR], t.c_cc[VQUIT], t.c_cc[VERASE], t.c_cc[VKILL], t.c_cc[VEOF],
	       t.c_cc[VMIN], t.c_cc[VTIME]);
	expect_eq("speed", cfgetospeed(&t), B38400);
	put(m, "ab\177c\n");
	show("erase: slave", s);
	show("erase: echo", m);
	put(m, "xyz\025q\n");
	show("kill: slave", s);
	show("kill: echo", m);
	put(m, "foo bar\027baz\n");
	show("werase: slave", s);
	show("werase: echo", m);
	put(m, "a\r");
	show("icrnl: slave", s);
	show("icrnl: echo", m);
	put(m, "abc\004");
	show("eof: slave", s);
	put(m, "\004");
	char c;
	expect_eq("eof at line start", read(s, &c, 1), 0);
	show("eof: echo", m);
	put(m, "partial");
	int n = -1;
	expect_ok("FIONREAD partial line", ioctl(s, FIONREAD, &n));
	expect_eq("partial line not readable", n, 0);
	put(m, "\n");
	struct pollfd lp = { .fd = s, .events = POLLIN };
	expect_eq("line poll", poll(&lp, 1, 1000), 1);
	expect_ok("FIONREAD line", ioctl(s, FIONREAD, &n));
	expect_eq("line readable", n, 8);
	show("line", s);
	show("line echo", m);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 7 }, got;
	expect_ok("epoll_ctl master", epoll_ctl(ep, EPOLL_CTL_ADD, m, &ev));
	expect_eq("epoll master idle", epoll_wait(ep, &got, 1, 0), 0);
	put(s, "hi\n");
	expect_eq("epoll master readable", epoll_wait(ep, &got, 1, 1000), 1);
	expect_eq("epoll event", got.events == EPOLLIN && got.data.u32 == 7, 1);
	close(ep);
	show("onlcr", m);
	t.c_oflag &= ~(tcflag_t)OPOST;
	expect_ok("tcsetattr -opost", tcsetattr(s, TCSANOW, &t));
	put(s, "hi\n");
	show("-opost", m);
	t.c_oflag |= OPOST;
	t.c_lflag &= ~(tcflag_t)ECHO;
	expect_ok("tcsetattr -echo", tcsetattr(s, TCSANOW, &t));
	put(m, "secret\n");
	show("-echo: slave", s);
	show("-echo: echo", m);
	t.c_lflag |= ECHO | ECHONL;
	t.c_lflag &= ~(tcflag_t)ECHO;
	expect_ok("tcsetattr echonl", tcsetattr(s, TCSANOW, &t));
	put(m, "q\n");
	show("echonl: slave", s);
	show("echonl: echo", m);
	/* A line past the 4096-byte limit: the excess goes, the newline still ends it. */
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	expect_ok("tcsetattr -echo again", tcsetattr(s, TCSANOW, &t));
	static char big[6000];
	memset(big, 'a', sizeof(big));
	long w = 0;
	for (int i = 0; i < 50; i++)
		w += write(m, big, 100);
	expect_eq("long line written", w, 5000);
	put(m, "\n");
	expect_eq("long line poll", poll(&lp, 1, 1000), 1);
	long r = read(s, big, sizeof(big));
	expect_eq("long line cut at 4096", r, 4096);
	expect_eq("long line ends in newline", r > 0 && big[r - 1] == '\n', 1);
	t.c_lflag |= ECHO;
	t.c_lflag &= ~(tcflag_t)ECHOCTL;
	expect_ok("tcsetattr -echoctl", tcsetattr(s, TCSANOW, &t));
	put(m, "\001\n");
	show("ctl: slave", s);
	show("ctl: echo", m);
	close(s);
	close(m);
}

static void test_raw(void)
{
	int s, m = open_pair(&s);
	struct termios t;
	tcgetattr(s, &t);
	cfmakeraw(&t);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	expect_ok("tcsetattr raw", tcsetattr(s, TCSANOW, &t));
	char buf[16];
	expect_eq("raw min 0 time 0: nothing", read(s, buf, sizeof(buf)), 0);
	put(m, "xy\rz");
	struct pollfd rp = { .fd = s, .events = POLLIN };
	expect_eq("raw poll", poll(&rp, 1, 1000), 1);
	int n = -1;
	ioctl(s, FIONREAD, &n);
	expect_eq("raw FIONREAD", n, 4);
	expect_eq("raw read all", read(s, buf, sizeof(buf)), 4);
	expect_eq("raw keeps \\r", buf[2] == '\r', 1);
	show("raw: no echo", m);
	t.c_cc[VTIME] = 1;
	expect_ok("tcsetattr time 1", tcsetattr(s, TCSANOW, &t));
	expect_eq("raw min 0 time 1: timeout", read(s, buf, sizeof(buf)), 0);
	t.c_cc[VMIN] = 2;
	t.c_cc[VTIME] = 0;
	expect_ok("tcsetattr min 2", tcsetattr(s, TCSANOW, &t));
	put(m, "abc");
	expect_eq("raw min 2", read(s, buf, sizeof(buf)), 3);
	expect_ok("fcntl nonblock", fcntl(s, F_SETFL, O_NONBLOCK));
	expect_errno("raw nonblock empty", read(s, buf, sizeof(buf)), EAGAIN);
	expect_errno("master nonblock empty", (fcntl(m, F_SETFL, O_NONBLOCK), read(m, buf, 1)),
		     EAGAIN);
	expect_ok("TCFLSH", ioctl(s, TCFLSH, TCIOFLUSH));
	expect_errno("TCFLSH bad", ioctl(s, TCFLSH, 7), EINVAL);
	expect_ok("TCXONC", ioctl(s, TCXONC, TCOON));
	expect_errno("TCXONC bad", ioctl(s, TCXONC, 9), EINVAL);
	expect_ok("TCSBRK", ioctl(s, TCSBRK, 1));
	expect_errno("unknown ioctl slave", ioctl(s, 0x5499, 0), ENOTTY);
	expect_errno("unknown ioctl master", ioctl(m, 0x5499, 0), ENOTTY);
	expect_errno("TCGETS bad pointer", ioctl(s, TCGETS, BAD_PTR), EFAULT);
	expect_errno("TCSETS bad pointer", ioctl(s, TCSETS, BAD_PTR), EFAULT);
	expect_errno("TIOCGWINSZ bad pointer", ioctl(m, TIOCGWINSZ, BAD_PTR), EFAULT);
	expect_errno("TIOCGPTN bad pointer", ioctl(m, TIOCGPTN, BAD_PTR), EFAULT);
	expect_errno("TIOCGPTN slave", ioctl(s, TIOCGPTN, &n), ENOTTY);
	expect_errno("TIOCSPTLCK slave", ioctl(s, TIOCSPTLCK, &n), ENOTTY);
	struct winsize ws = { .ws_row = 24, .ws_col = 80 }, got;
	expect_ok("TIOCSWINSZ", ioctl(m, TIOCSWINSZ, &ws));
	expect_ok("TIOCGWINSZ slave", ioctl(s, TIOCGWINSZ, &got));
	expect_eq("winsize", got.ws_row * 1000 + got.ws_col, 24080);
	close(s);
	expect_errno("master read after slave close", read(m, buf, 1), EIO);
	struct pollfd p = { .fd = m, .events = POLLIN };
	expect_eq("master poll", poll(&p, 1, 0), 1);
	expect_eq("master POLLHUP", (p.revents & POLLHUP) != 0, 1);
	close(m);
}

/* A slave whose master closed is hung up: it reads end of file, even with input queued, and
 * its ioctls fail with EIO (TIOCSPGRP with ENOTTY). */
static void test_hangup(void)
{
	int s, m = open_pair(&s);
	expect_ok("hangup pair", m);
	put(m, "ab\n");
	close(m);
	char buf[8];
	expect_eq("hung-up slave read: EOF", read(s, buf, sizeof(buf)), 0);
	expect_eq("hung-up slave read again", read(s, buf, sizeof(buf)), 0);
	struct termios tio;
	struct winsize ws;
	int n = 0;
	expect_errno("hung-up TCGETS", ioctl(s, TCGETS, &tio), EIO);
	expect_errno("hung-up TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &ws), EIO);
	expect_errno("hung-up FIONREAD", ioctl(s, FIONREAD, &n), EIO);
	n = getpgrp();
	expect_errno("hung-up TIOCSPGRP", ioctl(s, TIOCSPGRP, &n), ENOTTY);
	expect_errno("hung-up write", write(s, "x", 1), EIO);
	close(s);
}

/* The kernel's struct termios2 (asm/termbits.h cannot come with termios.h). */
struct ktermios2 {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line, cc[19];
	uint32_t ispeed, ospeed;
};
#define K_TCGETS2 0x802C542Au
#define K_TCSETS2 0x402C542Bu
#define K_BOTHER 0010000u
#define K_IBSHIFT 16

/* Sets @cflag (with speeds @is, @os through TCSETS2, or TCSETS when @old) and prints what the
 * terminal keeps: a pty forces CS8 and CREAD, drops PARENB, and takes its speeds from the
 * codes in c_cflag. */
static void set_cflag(int fd, const char *what, int old, uint32_t cflag, uint32_t is, uint32_t os)
{
	struct ktermios2 t;
	if (ioctl(fd, K_TCGETS2, &t) < 0)
		printf("TCGETS2 failed\n");
	t.cflag = cflag;
	t.ispeed = is;
	t.ospeed = os;
	expect_ok(what, ioctl(fd, old ? TCSETS : K_TCSETS2, &t));
	memset(&t, 0, sizeof(t));
	if (ioctl(fd, K_TCGETS2, &t) < 0)
		printf("TCGETS2 failed\n");
	printf("%s: cflag 0%o ispeed %u ospeed %u\n", what, t.cflag, t.ispeed, t.ospeed);
}

static void test_cflag(void)
{
	int s, m = open_pair(&s);
	expect_ok("cflag pair", m);
	set_cflag(s, "TCSETS CS7 PARENB B9600 no CREAD", 1, CS7 | PARENB | B9600, 1, 1);
	set_cflag(s, "TCSETS2 BOTHER", 0, K_BOTHER | CS8 | CREAD, 777, 12345);
	set_cflag(s, "TCSETS2 B4800 ignores the numbers", 0, B4800 | CS8 | CREAD, 1, 1);
	set_cflag(m, "TCSETS2 on the master, input B1200", 0,
		  B9600 | (B1200 << K_IBSHIFT) | CS8 | CREAD, 0, 0);
	set_cflag(s, "TCSETS2 BOTHER 4321", 0, K_BOTHER | CS8 | CREAD, 4321, 4321);
	set_cflag(s, "TCSETS keeps BOTHER's numbers", 1, K_BOTHER | CS6, 0, 0);
	close(s);
	close(m);
}

/* A packet-mode master reads the slave's flushes and flow-control changes as one status byte
 * before any data. */
static void test_packet(void)
{
	int s, m = open_pair(&s);
	expect_ok("packet pair", m);
	int one = 1, v = 0;
	expect_ok("TIOCPKT", ioctl(m, TIOCPKT, &one));
	expect_ok("TIOCGPKT", ioctl(m, TIOCGPKT, &v));
	expect_eq("packet mode", v, 1);
	show("packet: nothing yet", m);
	put(s, "a");
	show("packet: data", m);
	expect_ok("slave TCIFLUSH", ioctl(s, TCFLSH, TCIFLUSH));
	struct pollfd p = { .fd = m, .events = POLLIN | POLLPRI };
	expect_eq("packet status: poll", poll(&p, 1, 100), 1);
	expect_eq("packet status: POLLPRI", (p.revents & POLLPRI) != 0, 1);
	show("packet: FLUSHREAD", m);
	expect_ok("slave TCOFLUSH", ioctl(s, TCFLSH, TCOFLUSH));
	put(s, "b");
	show("packet: FLUSHWRITE before the data", m);
	show("packet: then the data", m);
	expect_ok("master TCIOFLUSH", ioctl(m, TCFLSH, TCIOFLUSH));
	show("packet: the master's own flush says nothing", m);
	struct termios tio;
	tcgetattr(s, &tio);
	tio.c_iflag &= ~(tcflag_t)IXON;
	tcsetattr(s, TCSANOW, &tio);
	show("packet: NOSTOP", m);
	tio.c_iflag |= IXON;
	tcsetattr(s, TCSANOW, &tio);
	show("packet: DOSTOP", m);
	tcsetattr(s, TCSANOW, &tio);
	show("packet: no change, no status", m);
	put(m, "\003");
	show("packet: ^C flushes both ways", m);
	close(s);
	close(m);
}

/* TIOCNOTTY from the session leader: the terminal is the session's no more. */
static void test_notty(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		expect_failures = 0;
		setsid();
		signal(SIGHUP, SIG_IGN);	/* our own group is the foreground one */
		int s, m = open_pair(&s);
		expect_ok("notty: TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
		int n = -1;
		expect_errno("notty: on the master", ioctl(m, TIOCNOTTY), ENOTTY);
		expect_ok("TIOCNOTTY", ioctl(s, TIOCNOTTY));
		expect_errno("after TIOCNOTTY: TIOCGSID", ioctl(s, TIOCGSID, &n), ENOTTY);
		expect_errno("after TIOCNOTTY: /dev/tty", open("/dev/tty", O_RDWR), ENXIO);
		expect_errno("TIOCNOTTY again", ioctl(s, TIOCNOTTY), ENOTTY);
		fflush(stdout);
		_exit(expect_failures ? 1 : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	expect_eq("notty child ok", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st), 0);
}

static volatile sig_atomic_t g_ttou;

static void on_ttou(int sig)
{
	(void)sig;
	g_ttou++;
}

/* A background job changing its terminal hears SIGTTOU (the call fails with EINTR, the handler
 * runs) unless it ignores the signal: TCSETS, TCFLSH, TCXONC, TCSBRK. */
static void test_background_change(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		expect_failures = 0;
		setsid();
		int s, m = open_pair(&s);
		expect_ok("bg: TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
		fflush(stdout);
		pid_t job = fork();
		if (job == 0) {
			setpgid(0, 0);	/* a background group: the leader's stays in front */
			struct sigaction sa = { .sa_handler = on_ttou };	/* no SA_RESTART */
			sigaction(SIGTTOU, &sa, NULL);
			struct termios tio;
			tcgetattr(s, &tio);
			const char *what[] = { "bg TCSETS", "bg TCFLSH", "bg TCXONC", "bg TCSBRK" };
			for (int i = 0; i < 4; i++) {
				int before = g_ttou;
				long r = i == 0 ? ioctl(s, TCSETS, &tio)
					 : i == 1 ? ioctl(s, TCFLSH, TCIFLUSH)
					 : i == 2 ? ioctl(s, TCXONC, TCOON)
						  : ioctl(s, TCSBRK, 1);
				expect_errno(what[i], r, EINTR);
				expect_eq("SIGTTOU", g_ttou - before, 1);
			}
			signal(SIGTTOU, SIG_IGN);
			expect_ok("bg TCFLSH, SIGTTOU ignored", ioctl(s, TCFLSH, TCIFLUSH));
			expect_ok("bg TCXONC, SIGTTOU ignored", ioctl(s, TCXONC, TCOON));
			expect_ok("bg TCFLSH on the master", ioctl(m, TCFLSH, TCIFLUSH));
			fflush(stdout);
			_exit(expect_failures ? 1 : 0);
		}
		int st;
		waitpid(job, &st, 0);
		expect_eq("bg job ok", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st), 0);
		fflush(stdout);
		_exit(expect_failures ? 1 : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	expect_eq("bg session ok", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st), 0);
}

/* TIOCSTI as root (either setting of dev.tty.legacy_tiocsti lets CAP_SYS_ADMIN): the byte is
 * input of the end it is asked on, the slave's through the line discipline. */
static void test_sti(void)
{
	if (geteuid() != 0) {
		printf("TIOCSTI: not root, skipped\n");
		return;
	}
	int s, m = open_pair(&s);
	expect_ok("sti pair", m);
	struct termios tio;
	tcgetattr(s, &tio);
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(s, TCSANOW, &tio);
	char c = 'x', nl = '\n';
	expect_ok("TIOCSTI slave", ioctl(s, TIOCSTI, &c));
	expect_ok("TIOCSTI slave newline", ioctl(s, TIOCSTI, &nl));
	show("slave reads the pushed line", s);
	c = 'y';
	expect_ok("TIOCSTI master", ioctl(m, TIOCSTI, &c));
	show("master reads its pushed byte", m);
	expect_errno("TIOCSTI bad pointer", ioctl(s, TIOCSTI, BAD_PTR), EFAULT);
	close(s);
	close(m);
}

/* TIOCEXCL marks the end it is asked on; an exclusive slave reopens only for CAP_SYS_ADMIN. */
static void test_excl(void)
{
	int s, m = open_pair(&s);
	expect_ok("excl pair", m);
	int x = -1;
	expect_ok("TIOCGEXCL", ioctl(s, TIOCGEXCL, &x));
	expect_eq("not exclusive", x, 0);
	expect_ok("TIOCEXCL", ioctl(s, TIOCEXCL));
	expect_ok("TIOCGEXCL set", ioctl(s, TIOCGEXCL, &x));
	expect_eq("slave exclusive", x, 1);
	expect_ok("TIOCGEXCL master", ioctl(m, TIOCGEXCL, &x));
	expect_eq("master not exclusive", x, 0);
	expect_errno("TIOCGEXCL bad pointer", ioctl(s, TIOCGEXCL, BAD_PTR), EFAULT);
	if (geteuid() == 0) {	/* root's reopen passes; a plain user's is the next case */
		int again = open(ptsname(m), O_RDWR | O_NOCTTY);
		expect_eq("exclusive slave reopened by root", again >= 0, 1);
		close(again);
	} else {
		printf("exclusive slave reopened by root: 1\n");
	}
	expect_ok("TIOCNXCL", ioctl(s, TIOCNXCL));
	expect_ok("TIOCGEXCL cleared", ioctl(s, TIOCGEXCL, &x));
	expect_eq("exclusive no more", x, 0);
	close(s);
	close(m);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		expect_failures = 0;
		/* Without CAP_SYS_ADMIN, on a pair of our own (its slave is ours, 0600). */
		if (geteuid() == 0 && setuid(65534) < 0)
			_exit(2);
		m = open_pair(&s);
		expect_ok("user's pair", m);
		expect_ok("user's TIOCEXCL", ioctl(s, TIOCEXCL));
		expect_errno("exclusive slave reopened", open(ptsname(m), O_RDWR | O_NOCTTY), EBUSY);
		expect_ok("user's TIOCNXCL", ioctl(s, TIOCNXCL));
		int again = open(ptsname(m), O_RDWR | O_NOCTTY);
		expect_ok("reopened once not exclusive", again);
		fflush(stdout);
		_exit(expect_failures ? 1 : 0);
	}
	int st;
	waitpid(pid, &st, 0);
	expect_eq("excl child ok", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st), 0);
}

/* A child in a session of its own: no terminal, then the pty as controlling terminal (and in
 * /proc/self/stat). */
static void child_session(int m, const char *path, int ready)
{
	expect_failures = 0;	/* the child's own verdict */
	setsid();
	int s = open(path, O_RDWR | O_NOCTTY);
	int n = 0;
	expect_errno("no ctty: /dev/tty", open("/dev/tty", O_RDWR), ENXIO);
	expect_errno("no ctty: TIOCGPGRP", ioctl(s, TIOCGPGRP, &n), ENOTTY);
	n = getpgrp();
	expect_errno("no ctty: TIOCSPGRP", ioctl(s, TIOCSPGRP, &n), ENOTTY);
	expect_errno("no ctty: TIOCGSID", ioctl(s, TIOCGSID, &n), ENOTTY);
	expect_errno("no ctty: TIOCNOTTY", ioctl(s, TIOCNOTTY), ENOTTY);
	int wo = open(path, O_WRONLY);
	expect_ok("open slave write-only", wo);
	expect_errno("write-only open acquires nothing", open("/dev/tty", O_RDWR), ENXIO);
	close(wo);
	expect_ok("TIOCSCTTY", ioctl(s, TIOCSCTTY, 0));
	expect_ok("TIOCSCTTY again", ioctl(s, TIOCSCTTY, 0));
	n = -1;
	expect_ok("TIOCGPGRP", ioctl(s, TIOCGPGRP, &n));
	expect_eq("foreground is ours", n == getpgrp(), 1);
	expect_ok("TIOCGSID", ioctl(s, TIOCGSID, &n));
	expect_eq("session is ours", n == getsid(0), 1);
	n = -1;
	expect_ok("TIOCGPGRP master", ioctl(m, TIOCGPGRP, &n));
	expect_eq("master sees foreground", n == getpgrp(), 1);
	close(m);	/* the parent's close must hang the slave up */
	int tty = open("/dev/tty", O_RDWR);
	expect_ok("open /dev/tty", tty);
	struct stat st;
	fstat(s, &st);
	FILE *f = fopen("/proc/self/stat", "r");
	unsigned tty_nr = 0;
	int tpgid = 0;
	expect_eq("/proc/self/stat", f && fscanf(f, "%*d (%*[^)]) %*c %*d %*d %*d %u %d", &tty_nr,
						 &tpgid) == 2, 1);
	if (f)
		fclose(f);
	expect_eq("stat tty_nr", tty_nr == ((major(st.st_rdev) << 8) | minor(st.st_rdev)), 1);
	expect_eq("stat tpgid", tpgid == getpgrp(), 1);
	n = -5;
	expect_errno("TIOCSPGRP negative", ioctl(s, TIOCSPGRP, &n), EINVAL);
	n = getppid() > 1 ? getpgid(getppid()) : 1;
	expect_errno("TIOCSPGRP other session", ioctl(s, TIOCSPGRP, &n), EPERM);
	expect_errno("TIOCSPGRP bad pointer", ioctl(s, TIOCSPGRP, BAD_PTR), EFAULT);
	signal(SIGINT, on_sig);
	signal(SIGWINCH, on_sig);
	signal(SIGHUP, on_sig);
	struct winsize ws = { .ws_row = 50, .ws_col = 132 };
	expect_ok("TIOCSWINSZ", ioctl(tty, TIOCSWINSZ, &ws));
	expect_eq("SIGWINCH", g_winch, 1);
	expect_ok("TIOCSWINSZ same", ioctl(tty, TIOCSWINSZ, &ws));
	expect_eq("no SIGWINCH for the same size", g_winch, 1);
	fflush(stdout);
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if (write(ready, "r", 1) != 1)
		_exit(3);
	sigset_t wait_int = old;
	sigdelset(&wait_int, SIGINT);
	while (!g_int)
		sigsuspend(&wait_int);
	sigprocmask(SIG_SETMASK, &old, NULL);
	expect_eq("SIGINT from ^C", g_int, 1);
	fflush(stdout);
	if (write(ready, "i", 1) != 1)
		_exit(3);
	char c;
	ssize_t r = read(s, &c, 1);	/* until the master closes */
	/* A reader asleep at the hangup gets 0 or EIO, as the race with it goes on Linux. */
	expect_eq("slave read ends at hangup", r == 0 || (r < 0 && errno == EIO), 1);
	struct pollfd p = { .fd = s, .events = POLLIN };
	expect_eq("slave poll", poll(&p, 1, 0), 1);
	expect_eq("slave POLLHUP", (p.revents & POLLHUP) != 0, 1);
	expect_errno("slave write after hangup", write(s, "x", 1), EIO);
	expect_eq("SIGHUP", g_hup, 1);
	fflush(stdout);
	_exit(expect_failures ? 1 : 0);
}

static void test_ctty(void)
{
	int s0, m = open_pair(&s0);
	char path[64];
	snprintf(path, sizeof(path), "%s", ptsname(m));
	close(s0);
	int pfd[2];
	if (pipe(pfd) < 0)
		return;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		child_session(m, path, pfd[1]);
	}
	close(pfd[1]);
	char c;
	if (read(pfd[0], &c, 1) == 1)
		put(m, "\003");
	if (read(pfd[0], &c, 1) == 1) {
		show("^C echo", m);
		close(m);
	}
	int st;
	waitpid(pid, &st, 0);
	expect_eq("child ok", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st), 0);
	close(pfd[0]);
}

/* A session leader's exit: the foreground group of its terminal hears SIGHUP. */
static int g_note_fd = -1;

static void note_hup(int sig)
{
	(void)sig;
	(void)!write(g_note_fd, "H", 1);
	_exit(0);
}

static void test_leader_exit(void)
{
	int s, m = open_pair(&s);
	int note[2];
	if (m < 0 || pipe(note) < 0) {
		expect_ok("leader exit: setup", -1);
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "%s", ptsname(m));
	close(s);
	pid_t leader = fork();
	if (leader == 0) {
		setsid();
		int t = open(path, O_RDWR);	/* becomes the controlling terminal */
		pid_t g = fork();
		if (g == 0) {
			g_note_fd = note[1];
			signal(SIGHUP, note_hup);
			(void)!write(note[1], "r", 1);
			for (;;)
				pause();
		}
		char c;
		(void)!read(note[0], &c, 1);	/* the member is ready */
		_exit(t >= 0 && c == 'r' ? 0 : 1);
	}
	int st;
	waitpid(leader, &st, 0);
	expect_eq("leader exit: the leader got its terminal", WIFEXITED(st) && !WEXITSTATUS(st), 1);
	struct pollfd p = { .fd = note[0], .events = POLLIN };
	char c = 0;
	int got = poll(&p, 1, 5000) == 1 && read(note[0], &c, 1) == 1;
	expect_eq("leader exit: its foreground group hears SIGHUP", got && c == 'H', 1);
	close(note[0]);
	close(note[1]);
	close(m);
}

/* A read from the controlling terminal by an orphaned background group: EIO, no SIGTTIN. */
static void test_orphan_read(void)
{
	int s, m = open_pair(&s);
	int note[2], go[2];
	if (m < 0 || pipe(note) < 0 || pipe(go) < 0) {
		expect_ok("orphan read: setup", -1);
		return;
	}
	char path[64];
	snprintf(path, sizeof(path), "%s", ptsname(m));
	close(s);
	pid_t leader = fork();
	if (leader == 0) {
		setsid();
		int t = open(path, O_RDWR);	/* the controlling terminal; our group in front */
		pid_t g = fork();
		if (g == 0) {
			setpgid(0, 0);
			if (fork() == 0) {
				/* Our parent gone and reaped, our group's only parent is outside the
				 * session. Not just reparented: on Linux the exiting parent still
				 * counts for a moment after its children move, and a read then stops
				 * us (SIGTTIN), and the orphaning that follows kills us (SIGHUP). */
				char c;
				close(go[1]);
				(void)!read(go[0], &c, 1);
				errno = 0;
				ssize_t r = read(t, &c, 1);
				char verdict = r < 0 && errno == EIO ? 'E' : 'x';
				(void)!write(note[1], &verdict, 1);
				_exit(0);
			}
			_exit(0);
		}
		waitpid(g, NULL, 0);
		close(go[0]);
		(void)!write(go[1], "g", 1);
		struct pollfd lp = { .fd = note[0], .events = POLLIN };
		char c = 'x';
		if (poll(&lp, 1, 5000) == 1)
			(void)!read(note[0], &c, 1);
		(void)!write(note[1], &c, 1);	/* passed on to the test */
		_exit(0);
	}
	close(go[0]);
	close(go[1]);
	int st;
	waitpid(leader, &st, 0);
	struct pollfd p = { .fd = note[0], .events = POLLIN };
	char c = 0;
	int got = poll(&p, 1, 5000) == 1 && read(note[0], &c, 1) == 1;
	expect_eq("orphaned background group reading its terminal: EIO", got && c == 'E', 1);
	close(note[0]);
	close(note[1]);
	close(m);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_open();
	test_canon();
	test_raw();
	test_hangup();
	test_cflag();
	test_packet();
	test_excl();
	test_sti();
	test_notty();
	test_background_change();
	test_ctty();
	test_leader_exit();
	test_orphan_read();
	return expect_status();
}
