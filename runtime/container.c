/*
 * runtime/container.c: shared pieces of the lifecycle commands (see container.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <pty.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "control.h"

int rt_container_open(const struct rt_globals *g, const char *id, int lock,
		      struct rt_container *c, struct rt_error **err)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = c->lockfd = -1;
	if (rt_state_dir_open(g->root, id, &c->dirfd, err) < 0)
		return -1;
	if (lock && rt_state_lock(c->dirfd, &c->lockfd, err) < 0) {
		rt_container_close(c);
		return -1;
	}
	if (rt_state_load(c->dirfd, &c->st, err) < 0) {
		rt_container_close(c);
		return -1;
	}
	return 0;
}

void rt_container_close(struct rt_container *c)
{
	if (c->lockfd >= 0)
		rt_state_unlock(c->lockfd);
	if (c->dirfd >= 0)
		close(c->dirfd);
	rt_state_clear(&c->st);
	c->dirfd = c->lockfd = -1;
}

int rt_container_call(struct rt_container *c, json_object *req, const int *fds, int nfds,
		      json_object **ret_reply, struct rt_error **err)
{
	int fd = rt_container_connect_fd(c, err);
	if (fd < 0) {
		json_object_put(req);
		return -1;
	}
	int rc = rt_control_call(fd, req, fds, nfds, ret_reply, err);
	close(fd);
	return rc;
}

int rt_container_connect_fd(struct rt_container *c, struct rt_error **err)
{
	if (!rt_state_pid_alive(&c->st))
		return rt_error_make(err, 0, "container \"%s\" is not running", c->st.id);
	return rt_control_connect(c->dirfd, err);
}

static const char *const g_signames[] = {
	[SIGHUP] = "HUP",     [SIGINT] = "INT",	    [SIGQUIT] = "QUIT",	  [SIGILL] = "ILL",
	[SIGTRAP] = "TRAP",   [SIGABRT] = "ABRT",   [SIGBUS] = "BUS",	  [SIGFPE] = "FPE",
	[SIGKILL] = "KILL",   [SIGUSR1] = "USR1",   [SIGSEGV] = "SEGV",	  [SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE",   [SIGALRM] = "ALRM",   [SIGTERM] = "TERM",	  [SIGSTKFLT] = "STKFLT",
	[SIGCHLD] = "CHLD",   [SIGCONT] = "CONT",   [SIGSTOP] = "STOP",	  [SIGTSTP] = "TSTP",
	[SIGTTIN] = "TTIN",   [SIGTTOU] = "TTOU",   [SIGURG] = "URG",	  [SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ",   [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF", [SIGWINCH] = "WINCH",
	[SIGIO] = "IO",	      [SIGPWR] = "PWR",	    [SIGSYS] = "SYS",
};

int rt_signal_parse(const char *s, int *ret_sig)
{
	if (isdigit((unsigned char)*s)) {
		char *end;
		long n = strtol(s, &end, 10);
		if (*end || n < 1 || n > 64)
			return -EINVAL;
		*ret_sig = (int)n;
		return 0;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < (int)(sizeof(g_signames) / sizeof(g_signames[0])); i++)
		if (g_signames[i] && !strcasecmp(s, g_signames[i])) {
			*ret_sig = i;
			return 0;
		}
	/* RTMIN+n / RTMAX-n, as kill(1) knows them (glibc reserves the first two). */
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		int base = !strncasecmp(s, "RTMIN", 5) ? 34 : 64, n = 0;
		if (s[5] && (sscanf(s + 5, "%d", &n) != 1 || (s[5] != '+' && s[5] != '-')))
			return -EINVAL;
		if (base + n < 34 || base + n > 64)
			return -EINVAL;
		*ret_sig = base + n;
		return 0;
	}
	return -EINVAL;
}

int rt_container_exit_status(const struct rt_container *c)
{
	char buf[32];
	int fd = openat(c->dirfd, RT_EXIT_FILE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	/* Empty while the sandbox runs; whole, with its newline, once it has ended. */
	if (n <= 0 || buf[n - 1] != '\n')
		return -1;
	buf[n] = '\0';
	return atoi(buf);
}

int rt_container_wait_gone(const struct rt_state *st, int ms)
{
	for (int waited = 0; rt_state_pid_alive(st); waited += 10) {
		if (waited >= ms)
			return -ETIMEDOUT;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	return 0;
}

int rt_container_id_arg(int argc, char **argv, int i, int extra, const char **ret_id,
			struct rt_error **err)
{
	if (i >= argc)
		return rt_error_make(err, 0, "%s: container id cannot be empty", argv[0]);
	if (argc - i > 1 + extra)
		return rt_error_make(err, 0, "%s: too many arguments: \"%s\"", argv[0],
				     argv[i + 1 + extra]);
	*ret_id = argv[i];
	return 0;
}

/* The pty of process.terminal: its master goes to the engine over --console-socket (as
 * runc sends it: SCM_RIGHTS with the pty's name), its slave becomes the container's stdio. */
int rt_console_pty(const char *socket_path, const struct winsize *ws, int *ret_slave,
		   struct rt_error **err)
{
	int master, slave;
	if (openpty(&master, &slave, NULL, NULL, ws) < 0)
		return rt_error_make(err, errno, "terminal: openpty");
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	char name[64] = "";
	ptsname_r(master, name, sizeof(name));
	int rc = 0;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		rc = rt_error_make(err, 0, "--console-socket %s: path too long", socket_path);
	else
		strcpy(sa.sun_path, socket_path);
	if (rc == 0 && (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0))
		rc = rt_error_make(err, errno, "--console-socket %s", socket_path);
	if (rc == 0) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		memset(&u, 0, sizeof(u));
		struct iovec iov = { .iov_base = name, .iov_len = strlen(name) + 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &master, sizeof(int));
		if (sendmsg(s, &mh, MSG_NOSIGNAL) < 0)
			rc = rt_error_make(err, errno, "--console-socket %s: send", socket_path);
	}
	if (s >= 0)
		close(s);
	close(master);
	if (rc < 0) {
		close(slave);
		return rc;
	}
	*ret_slave = slave;
	return 0;
}

/* Writes the PID file atomically, as runc does (a reader never sees it half written). */
int rt_write_pid_file(const char *path, pid_t pid, struct rt_error **err)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return rt_error_make(err, ENAMETOOLONG, "pid file %s", path);
	FILE *f = fopen(tmp, "we");
	if (!f || fprintf(f, "%d", (int)pid) < 0 || fclose(f) != 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return rt_error_make(err, e, "pid file %s", path);
	}
	return 0;
}
