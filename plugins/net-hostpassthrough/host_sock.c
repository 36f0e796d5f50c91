/*
 * plugins/net-hostpassthrough/host_sock.c: the socket ops over a non-blocking host socket.
 *
 * Every call first tries the host call without blocking. On EAGAIN a blocking socket sleeps
 * on its waiter queue (svc->block) until the poller reports an event or SO_RCVTIMEO or
 * SO_SNDTIMEO passes, then tries again; the poller's seq catches an event that came between
 * the try and the sleep, since block cannot register before its caller checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <unistd.h>

#include "host.h"

/* Flags a send or receive passes to the host; MSG_DONTWAIT and MSG_NOSIGNAL are always
 * added (the host socket never blocks the Sentry, nor signals it). MSG_WAITALL is ours. */
#define HN_SEND_FLAGS (MSG_OOB | MSG_DONTROUTE | MSG_EOR | MSG_MORE | MSG_CONFIRM)
#define HN_RECV_FLAGS (MSG_OOB | MSG_PEEK | MSG_TRUNC | MSG_ERRQUEUE)
/* Segments converted on the stack; more take a malloc. */
#define HN_IOV_STACK 8

static struct hn_sock *hs(struct sentry_socket *ss)
{
	return (struct hn_sock *)ss;
}

static int64_t now_mono(const struct hn_sock *s)
{
	return s->st->svc->now_ns(SENTRY_CLOCK_MONOTONIC);
}

int64_t hn_deadline(const struct hn_sock *s, int64_t timeo_ns)
{
	if (timeo_ns == 0)
		return -1;
	return timeo_ns < 0 ? 0 : now_mono(s) + timeo_ns;
}

/* Sleeps until @s may be ready for @events, unless the poller saw an event since @seq was
 * read (block_seq checks that once registered, so no event is missed; a core without it
 * bounds a miss with its own slices). Returns 0 (try again), -EAGAIN (the deadline passed),
 * -EINTR. */
static int hn_wait(struct hn_sock *s, struct sentry_task *task, uint32_t events, unsigned seq,
		   int64_t deadline)
{
	if (__atomic_load_n(&s->seq, __ATOMIC_ACQUIRE) != seq)
		return 0;
	if (deadline == 0)
		return -EAGAIN;
	const struct sentry_services *svc = s->st->svc;
	events |= SENTRY_EV_ERR | SENTRY_EV_HUP;
	int rc = SENTRY_OPS_HAS(svc, svc->size, block_seq)
			 ? svc->block_seq(task, s->wq, events, &s->seq, seq, SENTRY_CLOCK_MONOTONIC,
					  deadline)
			 : svc->block(task, s->wq, events, SENTRY_CLOCK_MONOTONIC, deadline);
	return rc == -ETIMEDOUT ? -EAGAIN : rc;
}

static int hn_bind(struct sentry_socket *ss, const void *addr, uint32_t len)
{
	struct hn_sock *s = hs(ss);
	/* The host checks privilege against the Sentry's capabilities, not the task's. */
	sa_family_t fam = 0;
	in_port_t port = 0;
	if (len >= sizeof(fam))
		memcpy(&fam, addr, sizeof(fam));
	if (fam == AF_INET && s->base.family == AF_INET && len >= sizeof(struct sockaddr_in))
		port = ((const struct sockaddr_in *)addr)->sin_port;
	else if (fam == AF_INET6 && s->base.family == AF_INET6 && len >= 24)
		port = ((const struct sockaddr_in6 *)addr)->sin6_port;
	port = ntohs(port);
	if (port && port < s->st->port_start && !((s->caps >> SENTRY_CAP_NET_BIND_SERVICE) & 1))
		return -EACCES;
	return bind(s->fd, addr, len) < 0 ? -errno : 0;
}

static int hn_listen(struct sentry_socket *ss, int backlog)
{
	return listen(hs(ss)->fd, backlog) < 0 ? -errno : 0;
}

static int hn_getname(struct sentry_socket *ss, int peer, void *addr, uint32_t *len)
{
	socklen_t l = *len;
	int rc = peer ? getpeername(hs(ss)->fd, addr, &l) : getsockname(hs(ss)->fd, addr, &l);
	if (rc < 0)
		return -errno;
	*len = l;
	return 0;
}

static int hn_accept(struct sentry_socket *ss, struct sentry_task *task, int nonblock,
		     struct sentry_socket **ret_sock, void *addr, uint32_t *len)
{
	struct hn_sock *s = hs(ss);
	int64_t deadline = nonblock ? 0 : hn_deadline(s, atomic_load(&s->rcvtimeo_ns));
	for (;;) {
		unsigned seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			struct hn_sock *ns;
			int rc = hn_sock_new(s->st, fd, s->base.family, s->base.type,
					     s->base.protocol, s->caps, &ns);
			if (rc < 0)
				return rc;
			if (addr && len && hn_getname(&ns->base, 1, addr, len) < 0)
				*len = 0;
			*ret_sock = &ns->base;
			return 0;
		}
		int err = -errno;
		if (err != -EAGAIN || nonblock)
			return err;
		int rc = hn_wait(s, task, SENTRY_EV_IN, seq, deadline);
		if (rc < 0)
			return rc;
	}
}

/* SO_ERROR of the host socket, as a negative errno. */
static int so_error(const struct hn_sock *s)
{
	int err = 0;
	socklen_t l = sizeof(err);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
		return -errno;
	return -err;
}

static int hn_connect(struct sentry_socket *ss, struct sentry_task *task, const void *addr,
		      uint32_t len, int nonblock)
{
	struct hn_sock *s = hs(ss);
	unsigned seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	if (connect(s->fd, addr, len) == 0)
		return 0;
	int err = -errno;
	if (err != -EINPROGRESS || nonblock)
		return err;
	/* A blocking connect: wait for the handshake's end (writable or an error). */
	int64_t deadline = hn_deadline(s, atomic_load(&s->sndtimeo_ns));
	for (;;) {
		struct pollfd p = { .fd = s->fd, .events = POLLOUT };
		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLOUT | POLLERR | POLLHUP)))
			return so_error(s);
		int rc = hn_wait(s, task, SENTRY_EV_OUT, seq, deadline);
		if (rc == -EAGAIN)
			return -EINPROGRESS;	/* as Linux when SO_SNDTIMEO ends the wait */
		if (rc < 0)
			return rc;
		seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
	}
}

/* Host iovecs for @msg's segments: @stack when they fit, else malloc'd (*@heap to free). */
static struct iovec *host_iov(const struct sentry_msg *msg, struct iovec *stack,
			      struct iovec **heap)
{
	struct iovec *v = stack;
	*heap = NULL;
	if (msg->iov_count > HN_IOV_STACK) {
		v = *heap = malloc(msg->iov_count * sizeof(*v));
		if (!v)
			return NULL;
	}
	for (size_t i = 0; i < msg->iov_count; i++)
		v[i] = (struct iovec){ msg->iov[i].base, msg->iov[i].len };
	return v;
}

/* Drops @n bytes from the front of @mh's segments. */
static void iov_advance(struct msghdr *mh, size_t n)
{
	while (n && mh->msg_iovlen) {
		size_t k = n < mh->msg_iov->iov_len ? n : mh->msg_iov->iov_len;
		mh->msg_iov->iov_base = (char *)mh->msg_iov->iov_base + k;
		mh->msg_iov->iov_len -= k;
		n -= k;
		if (!mh->msg_iov->iov_len) {
			mh->msg_iov++;
			mh->msg_iovlen--;
		}
	}
}

static size_t iov_left(const struct msghdr *mh)
{
	size_t n = 0;
	for (size_t i = 0; i < mh->msg_iovlen; i++)
		n += mh->msg_iov[i].iov_len;
	return n;
}

/* The send loop: a blocking stream send returns once everything went, or with what went
 * before an error or a signal. */
static int64_t send_loop(struct hn_sock *s, struct sentry_task *task, struct msghdr *mh,
			 int flags)
{
	int nonblock = (flags & MSG_DONTWAIT) != 0;
	int all = !nonblock && s->base.type == SOCK_STREAM;
	int hflags = (flags & HN_SEND_FLAGS) | MSG_DONTWAIT | MSG_NOSIGNAL;
	int64_t deadline = nonblock ? 0 : hn_deadline(s, atomic_load(&s->sndtimeo_ns));
	int64_t done = 0;
	for (;;) {
		unsigned seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		ssize_t n = sendmsg(s->fd, mh, hflags);
		if (n >= 0) {
			done += n;
			if (!all || (size_t)n >= iov_left(mh))
				return done;
			iov_advance(mh, (size_t)n);
			mh->msg_control = NULL;	/* control messages go with the first part */
			mh->msg_controllen = 0;
			continue;
		}
		int err = -errno;
		if (err != -EAGAIN || nonblock)
			return done ? done : err;
		int rc = hn_wait(s, task, SENTRY_EV_OUT, seq, deadline);
		if (rc < 0)
			return done ? done : rc;
	}
}

static int64_t hn_sendmsg(struct sentry_socket *ss, struct sentry_task *task,
			  struct sentry_msg *msg, int flags)
{
	struct hn_sock *s = hs(ss);
	struct iovec stack[HN_IOV_STACK], *heap;
	struct iovec *iov = host_iov(msg, stack, &heap);
	if (!iov)
		return -ENOMEM;
	void *ctl = NULL;
	size_t ctl_len = 0;
	int64_t rc = msg->control_len ? hn_cmsg_filter(s, msg->control, msg->control_len, &ctl,
						       &ctl_len)
				      : 0;
	if (rc == 0) {
		struct msghdr mh = {
			.msg_name = msg->name_len ? msg->name : NULL,
			.msg_namelen = msg->name_len,
			.msg_iov = iov,
			.msg_iovlen = msg->iov_count,
			.msg_control = ctl,
			.msg_controllen = ctl_len,
		};
		rc = send_loop(s, task, &mh, flags);
	}
	free(ctl);
	free(heap);
	return rc;
}

/* The receive loop: MSG_WAITALL on a blocking stream socket gathers until the buffer is
 * full, the peer's end, an error or a signal. */
static int64_t recv_loop(struct hn_sock *s, struct sentry_task *task, struct msghdr *mh,
			 int flags)
{
	int nonblock = (flags & MSG_DONTWAIT) != 0;
	int all = !nonblock && (flags & MSG_WAITALL) && !(flags & MSG_PEEK) &&
		  s->base.type == SOCK_STREAM;
	int hflags = (flags & HN_RECV_FLAGS) | MSG_DONTWAIT;
	int64_t deadline = nonblock || (flags & MSG_ERRQUEUE)
				   ? 0
				   : hn_deadline(s, atomic_load(&s->rcvtimeo_ns));
	int64_t done = 0;
	for (;;) {
		unsigned seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);
		ssize_t n = recvmsg(s->fd, mh, hflags);
		if (n >= 0) {
			done += n;
			if (!all || n == 0 || (size_t)n >= iov_left(mh))
				return done;
			iov_advance(mh, (size_t)n);
			continue;
		}
		int err = -errno;
		if (err != -EAGAIN || nonblock || (flags & MSG_ERRQUEUE))
			return done ? done : err;
		int rc = hn_wait(s, task, SENTRY_EV_IN | SENTRY_EV_RDHUP, seq, deadline);
		if (rc < 0)
			return done ? done : rc;
	}
}

static int64_t hn_recvmsg(struct sentry_socket *ss, struct sentry_task *task,
			  struct sentry_msg *msg, int flags)
{
	struct hn_sock *s = hs(ss);
	struct iovec stack[HN_IOV_STACK], *heap;
	struct iovec *iov = host_iov(msg, stack, &heap);
	if (!iov)
		return -ENOMEM;
	struct msghdr mh = {
		.msg_name = msg->name_len ? msg->name : NULL,
		.msg_namelen = msg->name_len,
		.msg_iov = iov,
		.msg_iovlen = msg->iov_count,
		.msg_control = msg->control_len ? msg->control : NULL,
		.msg_controllen = msg->control_len,
	};
	int64_t rc = recv_loop(s, task, &mh, flags);
	if (rc >= 0) {
		msg->name_len = mh.msg_name ? mh.msg_namelen : 0;
		msg->control_len = mh.msg_control ? mh.msg_controllen : 0;
		msg->flags = (uint32_t)mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC | MSG_EOR | MSG_OOB |
						       MSG_ERRQUEUE);
	}
	free(heap);
	return rc;
}

static int hn_shutdown(struct sentry_socket *ss, int how)
{
	return shutdown(hs(ss)->fd, how) < 0 ? -errno : 0;
}

static int64_t hn_ioctl(struct sentry_socket *ss, struct sentry_task *task, uint32_t cmd,
			uint64_t arg)
{
	struct hn_sock *s = hs(ss);
	switch (cmd) {
	case SIOCINQ:	/* FIONREAD */
	case SIOCOUTQ:
	case SIOCOUTQNSD:
	case SIOCATMARK: {
		int v = 0;
		if (ioctl(s->fd, cmd, &v) < 0)
			return -errno;
		return s->st->svc->copy_out(task, arg, &v, sizeof(v)) < 0 ? -EFAULT : 0;
	}
	default:
		return -ENOTTY;
	}
}

static uint32_t hn_readiness(struct sentry_socket *ss, uint32_t mask)
{
	struct pollfd p = { .fd = hs(ss)->fd, .events = POLLIN | POLLPRI | POLLOUT | POLLRDHUP };
	if (poll(&p, 1, 0) <= 0)
		return 0;
	uint32_t r = 0;
	if (p.revents & POLLIN)
		r |= SENTRY_EV_IN;
	if (p.revents & POLLPRI)
		r |= SENTRY_EV_PRI;
	if (p.revents & POLLOUT)
		r |= SENTRY_EV_OUT;
	if (p.revents & POLLERR)
		r |= SENTRY_EV_ERR;
	if (p.revents & POLLHUP)
		r |= SENTRY_EV_HUP;
	if (p.revents & POLLRDHUP)
		r |= SENTRY_EV_RDHUP;
	return r & mask;
}

static struct sentry_waitq *hn_waitq(struct sentry_socket *ss)
{
	return hs(ss)->wq;
}

static void hn_release(struct sentry_socket *ss)
{
	hn_poll_release(hs(ss));
}

const struct sentry_socket_ops hn_sock_ops = {
	.bind = hn_bind,
	.listen = hn_listen,
	.accept = hn_accept,
	.connect = hn_connect,
	.sendmsg = hn_sendmsg,
	.recvmsg = hn_recvmsg,
	.shutdown = hn_shutdown,
	.getsockopt = hn_getsockopt,
	.setsockopt = hn_setsockopt,
	.getname = hn_getname,
	.ioctl = hn_ioctl,
	.readiness = hn_readiness,
	.waitq = hn_waitq,
	.release = hn_release,
};

int hn_sock_new(struct hn_state *st, int fd, int family, int type, int protocol, uint64_t caps,
		struct hn_sock **ret)
{
	struct hn_sock *s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->base = (struct sentry_socket){ .ops = &hn_sock_ops, .ops_size = sizeof(hn_sock_ops),
					  .family = family, .type = type, .protocol = protocol };
	s->st = st;
	s->fd = fd;
	s->caps = caps;
	s->wq = st->svc->wq_new();
	int rc = s->wq ? hn_poll_add(s) : -ENOMEM;
	if (rc < 0) {
		if (s->wq)
			st->svc->wq_free(s->wq);
		close(fd);
		free(s);
		return rc;
	}
	*ret = s;
	return 0;
}
