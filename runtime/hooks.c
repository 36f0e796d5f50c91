/*
 * runtime/hooks.c: running OCI hooks (see hooks.h).
 *
 * posix_spawn rather than fork: glibc's runs the child on a CLONE_VFORK stack and reports a
 * failed exec as its return value, so there is no async-signal-safety question in our code and
 * no extra pipe to carry the exec errno back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hooks.h"

/* Without a pidfd, how often the loop looks whether the hook exited. */
#define HOOK_WAIT_POLL_MS 20

/* Reads per wake-up, so a hook writing without pause cannot keep the loop from its deadline. */
#define HOOK_READS_PER_WAKE 16

/* One running hook, seen from runsc. */
struct hook_proc {
	pid_t pid;
	int pidfd;			/* readable once the hook exits; -1 if there is none */
	int in_fd, out_fd, err_fd;	/* our ends of its stdin/stdout/stderr, -1 once closed */
	const char *in;			/* the state JSON, borrowed */
	size_t in_size, in_off;
	char err_buf[RT_HOOK_STDERR_MAX];	/* the start of its stderr */
	size_t err_size;
	int reaped;
	int wait_status;		/* from waitpid, once reaped */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* A pipe whose both ends are O_CLOEXEC and above 2, so a dup2 onto 0-2 in the child never finds
 * the source already there (and keeping its close-on-exec flag). Returns 0 or -errno. */
static int pipe_above_stdio(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		if (fds[i] > 2)
			continue;
		int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		int e = errno;
		(void)close(fds[i]);
		fds[i] = moved;
		if (moved < 0) {
			close_fd(&fds[1 - i]);
			return -e;
		}
	}
	return 0;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -errno : 0;
}

/* posix_spawn's attributes and file actions for a hook whose pipes' child ends are @in, @out,
 * @errfd. Returns 0 or the positive errno posix_spawn* gave. */
static int spawn_setup(posix_spawnattr_t *attr, posix_spawn_file_actions_t *fa, int in, int out,
		       int errfd)
{
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	int r;
	if ((r = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
							POSIX_SPAWN_SETPGROUP)) ||
	    (r = posix_spawnattr_setsigmask(attr, &none)) ||
	    (r = posix_spawnattr_setsigdefault(attr, &all)) ||
	    (r = posix_spawnattr_setpgroup(attr, 0)) ||
	    (r = posix_spawn_file_actions_adddup2(fa, in, 0)) ||
	    (r = posix_spawn_file_actions_adddup2(fa, out, 1)) ||
	    (r = posix_spawn_file_actions_adddup2(fa, errfd, 2)) ||
	    (r = posix_spawn_file_actions_addclosefrom_np(fa, 3)))
		return r;
	return 0;
}

/* Starts @h with its three pipes into @p. Returns 0, or -errno with nothing left open (a
 * failed exec is among these: posix_spawn reports it). */
static int hook_spawn(const struct oci_hook *h, struct hook_proc *p)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	int r = pipe_above_stdio(in);
	if (!r)
		r = pipe_above_stdio(out);
	if (!r)
		r = pipe_above_stdio(errp);
	/* Only our ends: each end of a pipe is its own open file description. */
	if (!r && !(r = set_nonblock(in[1])) && !(r = set_nonblock(out[0])))
		r = set_nonblock(errp[0]);
	if (!r) {
		posix_spawnattr_t attr;
		posix_spawn_file_actions_t fa;
		char *argv_path[] = { h->path, NULL };
		char *env_none[] = { NULL };
		char **argv = h->args.count ? h->args.v : argv_path;
		char **envp = h->env.count ? h->env.v : env_none;
		posix_spawnattr_init(&attr);
		posix_spawn_file_actions_init(&fa);
		r = spawn_setup(&attr, &fa, in[0], out[1], errp[1]);
		if (!r)
			r = posix_spawn(&p->pid, h->path, &fa, &attr, argv, envp);
		posix_spawn_file_actions_destroy(&fa);
		posix_spawnattr_destroy(&attr);
		r = -r;
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	p->in_fd = in[1];
	p->out_fd = out[0];
	p->err_fd = errp[0];
	if (r < 0) {
		close_fd(&p->in_fd);
		close_fd(&p->out_fd);
		close_fd(&p->err_fd);
		return r;
	}
	/* Without one (ENOSYS before Linux 5.3) the loop polls for the exit instead. */
	p->pidfd = pidfd_open(p->pid, 0);
	return 0;
}

/* Feeds stdin until the pipe is full, all is written (then EOF), or the hook stopped reading. */
static void feed_stdin(struct hook_proc *p)
{
	while (p->in_fd >= 0) {
		if (p->in_off == p->in_size) {
			close_fd(&p->in_fd);
			break;
		}
		ssize_t n = write(p->in_fd, p->in + p->in_off, p->in_size - p->in_off);
		if (n > 0) {
			p->in_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		/* EPIPE: the hook closed stdin or exited without reading it, which it may. */
		close_fd(&p->in_fd);
	}
}

/* Reads what @fd has, keeping the first @cap bytes in @buf (NULL: keeps nothing). */
static void drain(int *fd, char *buf, size_t cap, size_t *size)
{
	char chunk[16384];
	for (int i = 0; *fd >= 0 && i < HOOK_READS_PER_WAKE; i++) {
		ssize_t n = read(*fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_fd(fd);
			return;
		}
		if (buf && *size < cap) {
			size_t keep = (size_t)n < cap - *size ? (size_t)n : cap - *size;
			memcpy(buf + *size, chunk, keep);
			*size += keep;
		}
	}
}

static void drain_outputs(struct hook_proc *p)
{
	size_t dropped = 0;
	drain(&p->out_fd, NULL, 0, &dropped);
	drain(&p->err_fd, p->err_buf, sizeof(p->err_buf), &p->err_size);
}

/* Reaps the hook if it exited (@block: waits for it). Returns 0 or -errno. */
static int reap(struct hook_proc *p, int block)
{
	while (!p->reaped) {
		pid_t r = waitpid(p->pid, &p->wait_status, block ? 0 : WNOHANG);
		if (r == p->pid)
			p->reaped = 1;
		else if (r == 0)
			return 0;
		else if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* SIGKILLs the hook and its process group, then reaps it. */
static void kill_and_reap(struct hook_proc *p)
{
	if (p->reaped)
		return;
	/* The group's id is the hook's pid, not reusable while the hook is unreaped. */
	(void)kill(-p->pid, SIGKILL);
	(void)kill(p->pid, SIGKILL);
	(void)reap(p, 1);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One poll round: waits at most @wait_ms (-1: no limit) for I/O or the hook's exit, then serves
 * what is ready. Returns 0 or -errno of poll. */
static int hook_poll(struct hook_proc *p, int wait_ms)
{
	struct pollfd pf[4];
	nfds_t n = 0;
	if (p->in_fd >= 0)
		pf[n++] = (struct pollfd){ .fd = p->in_fd, .events = POLLOUT };
	if (p->out_fd >= 0)
		pf[n++] = (struct pollfd){ .fd = p->out_fd, .events = POLLIN };
	if (p->err_fd >= 0)
		pf[n++] = (struct pollfd){ .fd = p->err_fd, .events = POLLIN };
	if (p->pidfd >= 0)
		pf[n++] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
	else if (wait_ms < 0 || wait_ms > HOOK_WAIT_POLL_MS)
		wait_ms = HOOK_WAIT_POLL_MS;
	if (poll(pf, n, wait_ms) < 0 && errno != EINTR)
		return -errno;
	/* Every fd is non-blocking, so serving each whether ready or not is safe. */
	feed_stdin(p);
	drain_outputs(p);
	return 0;
}

/* Runs the started hook to its end: feeds stdin, drains outputs, enforces @timeout_s (0: none).
 * Returns 0 with the hook reaped (*@ret_timed_out tells whether we killed it), or -errno when
 * runsc itself failed (the hook is killed and reaped then too). */
static int hook_wait(struct hook_proc *p, int timeout_s, int *ret_timed_out)
{
	int64_t deadline = timeout_s > 0 ? now_ms() + (int64_t)timeout_s * 1000 : -1;
	*ret_timed_out = 0;
	feed_stdin(p);
	for (;;) {
		int r = reap(p, 0);
		if (r < 0 || p->reaped) {
			if (r < 0)
				kill_and_reap(p);
			/* What it wrote just before exiting; its children may hold the pipes
			 * open, so this does not wait for EOF. */
			drain_outputs(p);
			return r;
		}
		int wait_ms = -1;
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();
			if (left <= 0) {
				kill_and_reap(p);
				drain_outputs(p);
				*ret_timed_out = 1;
				return 0;
			}
			wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		r = hook_poll(p, wait_ms);
		if (r < 0) {
			kill_and_reap(p);
			return r;
		}
	}
}

/* The first non-empty line of what the hook wrote to stderr: its start and length. */
static size_t stderr_line(const struct hook_proc *p, const char **ret_start)
{
	const char *s = p->err_buf, *end = p->err_buf + p->err_size;
	while (s < end && (*s == '\n' || *s == '\r'))
		s++;
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	size_t len = (size_t)((nl ? nl : end) - s);
	if (len && s[len - 1] == '\r')
		len--;
	*ret_start = s;
	return len;
}

/* The error for hook #@index that ran and failed with @what ("exit status 1"). */
static int hook_fail(struct rt_error **err, const char *phase, size_t index, const char *path,
		     const char *what, const struct hook_proc *p)
{
	const char *line;
	size_t len = stderr_line(p, &line);
	if (!len)
		return rt_error_make(err, 0, "%s hook #%zu (%s): %s", phase, index, path, what);
	return rt_error_make(err, 0, "%s hook #%zu (%s): %s, stderr: %.*s", phase, index, path,
			     what, (int)len, line);
}

/* Runs hook #@index to its end and judges it. Returns 0 or a negative rt_error. */
static int hook_run_one(const char *phase, size_t index, const struct oci_hook *h,
			const char *state_json, struct rt_error **err)
{
	struct hook_proc p = {
		.pid = -1, .pidfd = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1,
		.in = state_json ? state_json : "",
		.in_size = state_json ? strlen(state_json) : 0,
	};
	int r = hook_spawn(h, &p);
	if (r < 0)
		return rt_error_make(err, -r, "%s hook #%zu (%s): exec", phase, index, h->path);
	int timed_out = 0;
	r = hook_wait(&p, h->timeout, &timed_out);
	close_fd(&p.in_fd);
	close_fd(&p.out_fd);
	close_fd(&p.err_fd);
	close_fd(&p.pidfd);
	if (r < 0)
		return rt_error_make(err, -r, "%s hook #%zu (%s): wait", phase, index, h->path);

	char what[64];
	if (timed_out)
		snprintf(what, sizeof(what), "timed out after %d s", h->timeout);
	else if (WIFSIGNALED(p.wait_status))
		snprintf(what, sizeof(what), "killed by signal %d", WTERMSIG(p.wait_status));
	else if (WIFEXITED(p.wait_status) && WEXITSTATUS(p.wait_status))
		snprintf(what, sizeof(what), "exit status %d", WEXITSTATUS(p.wait_status));
	else
		return 0;
	return hook_fail(err, phase, index, h->path, what, &p);
}

int rt_hooks_run(const char *phase, const struct oci_hook *hooks, size_t count,
		 const char *state_json, struct rt_error **err)
{
	if (!count)
		return 0;
	/* Block SIGPIPE for the writes to hooks' stdin, and afterwards take back only a SIGPIPE
	 * that those writes raised, leaving one that was pending before to the caller. */
	sigset_t pipe_set, old_mask, pending;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
	sigpending(&pending);
	int was_pending = sigismember(&pending, SIGPIPE);

	int r = 0;
	for (size_t i = 0; i < count && r >= 0; i++)
		r = hook_run_one(phase, i, &hooks[i], state_json, err);

	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = { 0 };
		(void)sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return r;
}
