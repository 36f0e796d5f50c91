/*
 * runtime/control.c: the sandbox's control socket, server and client (see control.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"
#include "sandbox.h"
#include "sentry/boot.h"

/* Larger than any exec request (args and env of a few MiB at most). */
#define MSG_MAX (8u << 20)

/* The socket's address through the state directory's descriptor: a long --root cannot
 * overflow sun_path. */
static socklen_t control_addr(int dirfd, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/control", dirfd);
	return (socklen_t)sizeof(*sa);
}

static int send_all(int fd, const void *buf, size_t len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 3)];
		struct cmsghdr align;
	} u;
	const char *p = buf;
	while (len > 0) {
		struct iovec iov = { .iov_base = (void *)p, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (nfds > 0) {
			memset(&u, 0, sizeof(u));
			mh.msg_control = u.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
			memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
		}
		ssize_t n = sendmsg(fd, &mh, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
		nfds = 0;	/* sent with the first byte */
	}
	return 0;
}

static int send_msg(int fd, const char *text, const int *fds, int nfds)
{
	size_t len = strlen(text);
	uint8_t hdr[4] = { (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)(len >> 16),
			   (uint8_t)(len >> 24) };
	int rc = send_all(fd, hdr, sizeof(hdr), fds, nfds);
	return rc < 0 ? rc : send_all(fd, text, len, NULL, 0);
}

/* Reads exactly @len bytes; descriptors that came along go to @fds (at most 3, extras
 * closed). Returns 0, -EPIPE at end of stream, or -errno. */
static int recv_all(int fd, void *buf, size_t len, int *fds, int *nfds)
{
	char *p = buf;
	while (len > 0) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 8)];
			struct cmsghdr align;
		} u;
		struct iovec iov = { .iov_base = p, .iov_len = len };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
				     .msg_controllen = sizeof(u.buf) };
		ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (int i = 0; i < k; i++) {
				int got;
				memcpy(&got, CMSG_DATA(c) + sizeof(int) * (size_t)i, sizeof(got));
				if (fds && *nfds < 3)
					fds[(*nfds)++] = got;
				else
					close(got);
			}
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One message: its JSON text (caller frees) and descriptors. */
static int recv_msg(int fd, char **ret_text, int *fds, int *nfds)
{
	uint8_t hdr[4];
	int rc = recv_all(fd, hdr, sizeof(hdr), fds, nfds);
	if (rc < 0)
		return rc;
	uint32_t len = hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 |
		       (uint32_t)hdr[3] << 24;
	if (len > MSG_MAX)
		return -EMSGSIZE;
	char *text = malloc(len + 1);
	if (!text)
		return -ENOMEM;
	if ((rc = recv_all(fd, text, len, fds, nfds)) < 0) {
		free(text);
		return rc;
	}
	text[len] = '\0';
	*ret_text = text;
	return 0;
}

/* ---- server ---- */

struct server {
	pthread_mutex_t lock;
	pthread_cond_t done;
	struct rt_sandbox_proc *p;
	int conns[64];		/* open connections, for shutdown; -1 free */
	int count;		/* connection threads running */
};

struct conn {
	struct server *srv;
	int fd;
	int slot;
};

static json_object *reply_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static json_object *reply_error(const char *fmt, ...)
{
	char line[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	json_object *r = json_object_new_object();
	json_object_object_add(r, "error", json_object_new_string(line));
	return r;
}

static int64_t get_int(json_object *req, const char *key, int64_t dflt)
{
	json_object *v;
	return json_object_object_get_ex(req, key, &v) ? json_object_get_int64(v) : dflt;
}

/* A JSON array of strings as a NULL-terminated vector whose strings stay in @arr. */
static char **strv_of(json_object *req, const char *key)
{
	json_object *arr;
	if (!json_object_object_get_ex(req, key, &arr) || !json_object_is_type(arr, json_type_array))
		return calloc(1, sizeof(char *));
	size_t n = json_object_array_length(arr);
	char **v = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; v && i < n; i++)
		v[i] = (char *)json_object_get_string(json_object_array_get_idx(arr, i));
	return v;
}

static json_object *op_exec(struct server *srv, json_object *req, int *fds, int *nfds)
{
	char **argv = strv_of(req, "args"), **envp = strv_of(req, "env");
	json_object *cwd = NULL, *r;
	json_object_object_get_ex(req, "cwd", &cwd);
	struct boot_process bp = {
		.argv = argv, .envp = envp, .cwd = cwd ? json_object_get_string(cwd) : NULL,
		.uid = (uint32_t)get_int(req, "uid", 0), .gid = (uint32_t)get_int(req, "gid", 0),
		.stdio = { -1, -1, -1 }, .no_new_privs = get_int(req, "no_new_privs", 0) != 0,
	};
	for (int i = 0; i < *nfds; i++)
		bp.stdio[i] = fds[i];
	*nfds = 0;	/* boot_exec takes them */
	char msg[512];
	int pid;
	if (!argv || !envp) {
		for (int i = 0; i < 3; i++)
			if (bp.stdio[i] >= 0)
				close(bp.stdio[i]);
		r = reply_error("exec: out of memory");
	} else if (boot_exec(rt_sandbox_sentry(srv->p), &bp, &pid, msg, sizeof(msg)) < 0) {
		r = reply_error("%s", msg);
	} else {
		r = json_object_new_object();
		json_object_object_add(r, "pid", json_object_new_int(pid));
	}
	free(argv);
	free(envp);
	return r;
}

static int ps_one(const struct boot_proc *p, void *arg)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "pid", json_object_new_int(p->pid));
	json_object_object_add(o, "ppid", json_object_new_int(p->ppid));
	json_object_object_add(o, "uid", json_object_new_int64(p->uid));
	json_object_object_add(o, "start_ns", json_object_new_int64(p->start_ns));
	json_object_object_add(o, "comm", json_object_new_string(p->comm));
	/* argv joined by spaces, as ps shows it */
	char cmd[1024];
	size_t n = p->cmdline_len < sizeof(cmd) - 1 ? p->cmdline_len : sizeof(cmd) - 1;
	memcpy(cmd, p->cmdline ? p->cmdline : "", p->cmdline ? n : 0);
	cmd[p->cmdline ? n : 0] = '\0';
	for (size_t i = 0; p->cmdline && i + 1 < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	json_object_array_add(arg, o);
	return 0;
}

static json_object *dispatch(struct server *srv, json_object *req, int *fds, int *nfds)
{
	struct boot_sandbox *sb = rt_sandbox_sentry(srv->p);
	json_object *opv;
	const char *op = json_object_object_get_ex(req, "op", &opv) ? json_object_get_string(opv)
								   : "";
	int rc;
	if (!strcmp(op, "exec"))
		return op_exec(srv, req, fds, nfds);
	if (!strcmp(op, "start")) {
		if ((rc = boot_start(sb)) < 0)
			return reply_error("start: the container's process is gone");
	} else if (!strcmp(op, "kill")) {
		int pid = (int)get_int(req, "pid", 1), sig = (int)get_int(req, "sig", SIGTERM);
		if ((rc = boot_signal(sb, pid, sig)) < 0)
			return reply_error("kill: %s", rc == -ESRCH ? "no such process"
								   : strerror(-rc));
	} else if (!strcmp(op, "wait")) {
		int status;
		if ((rc = boot_wait(sb, (int)get_int(req, "pid", 1), &status)) < 0)
			return reply_error("wait: %s", rc == -ECHILD ? "no such process"
								   : strerror(-rc));
		json_object *r = json_object_new_object();
		json_object_object_add(r, "status", json_object_new_int(status));
		return r;
	} else if (!strcmp(op, "ps")) {
		json_object *procs = json_object_new_array();
		boot_list(sb, ps_one, procs);
		json_object *r = json_object_new_object();
		json_object_object_add(r, "procs", procs);
		return r;
	} else {
		return reply_error("unknown request \"%s\"", op);
	}
	return json_object_new_object();
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;
	struct server *srv = c->srv;
	for (;;) {
		char *text = NULL;
		int fds[3], nfds = 0;
		if (recv_msg(c->fd, &text, fds, &nfds) < 0)
			break;
		json_object *req = json_tokener_parse(text);
		free(text);
		json_object *reply = req ? dispatch(srv, req, fds, &nfds)
					 : reply_error("request is not JSON");
		for (int i = 0; i < nfds; i++)
			close(fds[i]);	/* sent with a request that takes none */
		json_object_put(req);
		int rc = send_msg(c->fd, json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN),
				  NULL, 0);
		json_object_put(reply);
		if (rc < 0)
			break;
	}
	pthread_mutex_lock(&srv->lock);
	srv->conns[c->slot] = -1;
	close(c->fd);
	srv->count--;
	pthread_cond_broadcast(&srv->done);
	pthread_mutex_unlock(&srv->lock);
	free(c);
	return NULL;
}

static void conn_start(struct server *srv, int fd)
{
	struct conn *c = malloc(sizeof(*c));
	pthread_mutex_lock(&srv->lock);
	int slot = 0;
	while (slot < 64 && srv->conns[slot] >= 0)
		slot++;
	if (!c || slot == 64) {
		pthread_mutex_unlock(&srv->lock);
		free(c);
		close(fd);	/* too many at once: the client sees the connection end */
		return;
	}
	*c = (struct conn){ .srv = srv, .fd = fd, .slot = slot };
	srv->conns[slot] = fd;
	srv->count++;
	pthread_mutex_unlock(&srv->lock);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_t th;
	if (pthread_create(&th, &a, conn_main, c) != 0) {
		pthread_mutex_lock(&srv->lock);
		srv->conns[slot] = -1;
		srv->count--;
		pthread_mutex_unlock(&srv->lock);
		close(fd);
		free(c);
	}
	pthread_attr_destroy(&a);
}

int rt_control_listen(int dirfd, struct rt_error **err)
{
	struct sockaddr_un sa;
	socklen_t len = control_addr(dirfd, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rt_error_make(err, errno, "control socket");
	unlinkat(dirfd, "control", 0);
	if (bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 16) < 0) {
		rt_error_make(err, errno, "control socket");
		close(fd);
		return -1;
	}
	return fd;
}

/* A host signal for the sandbox process, passed on to the container. */
static void forward_signal(int sig_fd, struct rt_sandbox_proc *p)
{
	struct signalfd_siginfo si;
	if (read(sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		boot_signal(rt_sandbox_sentry(p), 1, (int)si.ssi_signo);
}

void rt_control_serve(int listen_fd, int stop_fd, int sig_fd, struct rt_sandbox_proc *p)
{
	struct server srv = { .p = p };
	pthread_mutex_init(&srv.lock, NULL);
	pthread_cond_init(&srv.done, NULL);
	for (int i = 0; i < 64; i++)
		srv.conns[i] = -1;
	for (;;) {
		struct pollfd pf[3] = { { .fd = listen_fd, .events = POLLIN },
					{ .fd = stop_fd, .events = POLLIN },
					{ .fd = sig_fd, .events = POLLIN } };
		if (poll(pf, sig_fd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		if (sig_fd >= 0 && pf[2].revents)
			forward_signal(sig_fd, p);
		if (pf[0].revents & POLLIN) {
			int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0)
				conn_start(&srv, fd);
		}
	}
	/* The container is over: nobody blocks in a request for long (every process has been
	 * killed, so waits end); idle connections are ended. */
	pthread_mutex_lock(&srv.lock);
	for (int i = 0; i < 64; i++)
		if (srv.conns[i] >= 0)
			shutdown(srv.conns[i], SHUT_RD);
	while (srv.count > 0)
		pthread_cond_wait(&srv.done, &srv.lock);
	pthread_mutex_unlock(&srv.lock);
	pthread_cond_destroy(&srv.done);
	pthread_mutex_destroy(&srv.lock);
}

/* ---- client ---- */

int rt_control_connect(int dirfd, struct rt_error **err)
{
	struct sockaddr_un sa;
	socklen_t len = control_addr(dirfd, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return rt_error_make(err, errno, "control socket");
	if (connect(fd, (struct sockaddr *)&sa, len) < 0) {
		rt_error_make(err, errno, "container is not running (control socket)");
		close(fd);
		return -1;
	}
	return fd;
}

int rt_control_call(int fd, json_object *req, const int *fds, int nfds, json_object **ret_reply,
		    struct rt_error **err)
{
	int rc = send_msg(fd, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), fds,
			  nfds);
	json_object_put(req);
	char *text = NULL;
	if (rc == 0)
		rc = recv_msg(fd, &text, NULL, NULL);
	if (rc < 0)
		return rt_error_make(err, rc == -EPIPE ? 0 : -rc, "sandbox%s",
				     rc == -EPIPE ? " closed the connection (container stopped?)"
						  : " connection");
	json_object *reply = json_tokener_parse(text);
	free(text);
	json_object *e;
	if (!reply)
		return rt_error_make(err, 0, "sandbox: reply is not JSON");
	if (json_object_object_get_ex(reply, "error", &e)) {
		rt_error_make(err, 0, "%s", json_object_get_string(e));
		json_object_put(reply);
		return -1;
	}
	*ret_reply = reply;
	return 0;
}
