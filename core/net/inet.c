/*
 * core/net/inet.c: AF_INET and AF_INET6 sockets, served by the network plugin (sentry/net.h).
 *
 * The adapter fits a plugin's struct sentry_socket behind the core's socket table: it moves
 * the data between the application's segments and a Sentry buffer (the plugin sees Sentry
 * memory only), applies the sock_no_* errno of each slot the plugin leaves NULL, and checks
 * every result the plugin returns (STYLE.md 3.2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel/task.h"
#include "net/socket.h"
#include "plugin/plugin.h"

/* Largest transfer one sendmsg/recvmsg slot call moves; a stream send loops over more. */
#define INET_BOUNCE (256u << 10)

struct inet_sock {
	struct sock base;
	struct sentry_socket *ps;	/* the plugin's, released with ours */
	struct net_stack stack;
};

static struct inet_sock *inet_sk(struct sock *s)
{
	return (struct inet_sock *)s;
}

#define HAS(is, slot) SENTRY_OPS_HAS((is)->ps->ops, (is)->ps->ops_size, slot)

static long check(struct inet_sock *is, long rc)
{
	return is->stack.plugin ? plg_check_rc(is->stack.plugin, rc) : rc;
}

static int inet_bind(struct sock *s, struct task *t, const void *addr, uint32_t len)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, bind) ? (int)check(is, is->ps->ops->bind(is->ps, addr, len)) : -EOPNOTSUPP;
}

static int inet_listen(struct sock *s, struct task *t, int backlog)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, listen) ? (int)check(is, is->ps->ops->listen(is->ps, backlog))
			       : -EOPNOTSUPP;
}

static int inet_accept(struct sock *s, struct task *t, int nonblock, struct sock **ret)
{
	struct inet_sock *is = inet_sk(s);
	if (!HAS(is, accept))
		return -EOPNOTSUPP;
	struct sentry_socket *nps = NULL;
	uint32_t len = 0;
	int rc = (int)check(is, is->ps->ops->accept(is->ps, (struct sentry_task *)t, nonblock,
						    &nps, NULL, &len));
	if (rc < 0)
		return rc;
	return inet_sock_wrap(&is->stack, nps, ret);
}

static int inet_connect(struct sock *s, struct task *t, const void *addr, uint32_t len,
			int nonblock)
{
	struct inet_sock *is = inet_sk(s);
	if (!HAS(is, connect))
		return -EOPNOTSUPP;
	return (int)check(is, is->ps->ops->connect(is->ps, (struct sentry_task *)t, addr, len,
						   nonblock));
}

/* One slot call over at most INET_BOUNCE bytes of @sm's data. */
static int64_t inet_xfer(struct inet_sock *is, struct task *t, struct sock_msg *sm, int flags,
			 int send)
{
	size_t n = sm->io.left < INET_BOUNCE ? sm->io.left : INET_BOUNCE;
	char *buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	if (send && ipc_io_move(&sm->io, buf, n, 1) < 0) {
		free(buf);
		return -EFAULT;
	}
	struct sentry_iov iov = { buf, n };
	struct sentry_msg m = {
		.name = sm->name, .name_len = sm->name_len, .iov = &iov, .iov_count = 1,
		.control = sm->control, .control_len = sm->control_len,
	};
	int64_t rc = send ? is->ps->ops->sendmsg(is->ps, (struct sentry_task *)t, &m, flags)
			  : is->ps->ops->recvmsg(is->ps, (struct sentry_task *)t, &m, flags);
	rc = check(is, rc);
	if (!send && rc >= 0) {
		size_t got = (size_t)rc < n ? (size_t)rc : n;	/* MSG_TRUNC reports more */
		if (ipc_io_move(&sm->io, buf, got, 0) < 0)
			rc = -EFAULT;
		sm->name_len = m.name_len;
		sm->flags = m.flags;
		sm->control_len = m.control_len;
	}
	free(buf);
	return rc;
}

static int64_t inet_sendmsg(struct sock *s, struct task *t, struct sock_msg *sm, int flags)
{
	struct inet_sock *is = inet_sk(s);
	if (!HAS(is, sendmsg))
		return -EOPNOTSUPP;
	int64_t sent = 0;
	do {
		size_t want = sm->io.left < INET_BOUNCE ? sm->io.left : INET_BOUNCE;
		int64_t rc = inet_xfer(is, t, sm, flags, 1);
		if (rc < 0)
			return sent ? sent : rc;
		sent += rc;
		if ((size_t)rc < want)
			break;
	} while (s->type == SOCK_STREAM && sm->io.left);
	return sent;
}

static int64_t inet_recvmsg(struct sock *s, struct task *t, struct sock_msg *sm, int flags)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, recvmsg) ? inet_xfer(is, t, sm, flags, 0) : -EOPNOTSUPP;
}

static int inet_shutdown(struct sock *s, int how)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, shutdown) ? (int)check(is, is->ps->ops->shutdown(is->ps, how))
				 : -EOPNOTSUPP;
}

static int inet_getsockopt(struct sock *s, struct task *t, int level, int name, void *val,
			   uint32_t *len)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, getsockopt)
		       ? (int)check(is, is->ps->ops->getsockopt(is->ps, level, name, val, len))
		       : -ENOPROTOOPT;
}

static int inet_setsockopt(struct sock *s, struct task *t, int level, int name, const void *val,
			   uint32_t len)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, setsockopt)
		       ? (int)check(is, is->ps->ops->setsockopt(is->ps, level, name, val, len))
		       : -ENOPROTOOPT;
}

static int inet_getname(struct sock *s, int peer, void *addr, uint32_t *len)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, getname) ? (int)check(is, is->ps->ops->getname(is->ps, peer, addr, len))
				: -EOPNOTSUPP;
}

static int64_t inet_ioctl(struct sock *s, struct task *t, uint32_t cmd, uint64_t arg)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, ioctl) ? check(is, is->ps->ops->ioctl(is->ps, (struct sentry_task *)t, cmd,
							      arg))
			      : -ENOTTY;
}

static uint32_t inet_readiness(struct sock *s, uint32_t mask)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, readiness) ? is->ps->ops->readiness(is->ps, mask) & mask : 0;
}

static struct sentry_waitq *inet_waitq(struct sock *s)
{
	struct inet_sock *is = inet_sk(s);
	return HAS(is, waitq) ? is->ps->ops->waitq(is->ps) : NULL;
}

static void inet_release(struct sock *s)
{
	struct inet_sock *is = inet_sk(s);
	if (HAS(is, release))
		is->ps->ops->release(is->ps);
	free(is);
}

static const struct sock_ops g_inet_ops = {
	.bind = inet_bind,
	.listen = inet_listen,
	.accept = inet_accept,
	.connect = inet_connect,
	.sendmsg = inet_sendmsg,
	.recvmsg = inet_recvmsg,
	.shutdown = inet_shutdown,
	.getsockopt = inet_getsockopt,
	.setsockopt = inet_setsockopt,
	.getname = inet_getname,
	.ioctl = inet_ioctl,
	.readiness = inet_readiness,
	.waitq = inet_waitq,
	.release = inet_release,
};

int inet_sock_wrap(const struct net_stack *stack, struct sentry_socket *ps, struct sock **ret)
{
	struct inet_sock *is = calloc(1, sizeof(*is));
	if (!is) {
		if (SENTRY_OPS_HAS(ps->ops, ps->ops_size, release))
			ps->ops->release(ps);
		return -ENOMEM;
	}
	sock_init(&is->base, &g_inet_ops, ps->family, ps->type, ps->protocol);
	is->ps = ps;
	is->stack = *stack;
	*ret = &is->base;
	return 0;
}
