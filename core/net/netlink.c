/*
 * core/net/netlink.c: AF_NETLINK sockets of protocol NETLINK_ROUTE (net/netlink/af_netlink.c),
 * served by the core: the kernel side is netlink_route.c.
 *
 * Port ids live in one registry (the sandbox is one network namespace); a socket binds to the
 * one it asks for, or autobinds to its tgid, else to a negative id, as netlink_autobind. A
 * request to the kernel is answered within the sendmsg that carried it; the replies wait in the
 * sender's receive queue, bounded by SO_RCVBUF (a reply finding it full is dropped and the
 * next receive says ENOBUFS, as netlink_overrun). Messages to other sockets' port ids are
 * delivered to their queues as they are.
 *
 * Locks: one mutex per socket (queue, addresses, pending error), and the registry's, never
 * held together: a delivery to another socket looks it up with a reference, then locks it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel/task.h"
#include "net/netlink_internal.h"
#include "net/socket.h"
#include "vfs/vfs.h"

/* net/core/sock.c defaults, and MAX_LINKS. */
#define NL_DEF_BUF 212992
#define NL_MAX_BUF 212992
#define NL_MIN_SNDBUF 4608
#define NL_MIN_RCVBUF 2304
#define NL_MAX_LINKS 32
#define NL_SO_RCVTIMEO_NEW 66
#define NL_SO_SNDTIMEO_NEW 67
#define EV_DATA (SENTRY_EV_IN | POLLRDNORM)

struct nl_sock {
	struct sock base;
	atomic_long refs;		/* the file's, and each registry lookup's */
	pthread_mutex_t lock;		/* (L) */
	struct sentry_waitq *wq;	/* readers and pollers */
	struct nl_queue rq;		/* (L) received datagrams */
	int err;			/* (L) pending sk_err (ENOBUFS) */
	int bound;			/* (L) portid is in the registry */
	uint32_t portid;		/* (L) */
	uint32_t groups;		/* (L) multicast groups 1..32 joined (bit n-1) */
	uint32_t dst_portid;		/* (L) connect(2)'s */
	uint32_t dst_groups;		/* (L) */
	int nlflags;			/* SOL_NETLINK booleans, bit = option number (atomic) */
	int sndbuf, rcvbuf, passcred;	/* atomic */
	int64_t rcvtimeo;		/* ns, sock_deadline's */
	int64_t sndtimeo;
	struct nl_sock *reg_next;	/* registry chain */
};

static struct nl_sock *nl_sk(struct sock *s)
{
	return (struct nl_sock *)s;
}

static int net_admin(struct task *t)
{
	return t && ((t->fs->creds.cap_effective >> SENTRY_CAP_NET_ADMIN) & 1);
}

static void nl_put(struct nl_sock *n)
{
	if (atomic_fetch_sub_explicit(&n->refs, 1, memory_order_acq_rel) != 1)
		return;
	nl_queue_clear(&n->rq);
	kwait_wq_free(n->wq);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

/* --- the port id registry --- */

static pthread_mutex_t g_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nl_sock *g_reg;		/* bound sockets */
static int32_t g_rover = -4096;		/* the next negative id to try (g_reg_lock) */

static struct nl_sock *reg_find_locked(uint32_t portid)
{
	for (struct nl_sock *n = g_reg; n; n = n->reg_next) {
		if (n->portid == portid)
			return n;
	}
	return NULL;
}

/* Binds @n (its lock held) to @portid, or with 0 to the first free of @tgid and the negative
 * ids. Returns 0, -EADDRINUSE, -ENOSPC. */
static int reg_insert(struct nl_sock *n, uint32_t portid, int32_t tgid)
{
	pthread_mutex_lock(&g_reg_lock);
	int rc = 0;
	if (portid) {
		rc = reg_find_locked(portid) ? -EADDRINUSE : 0;
	} else {
		portid = (uint32_t)tgid;
		for (long tries = 0; !portid || reg_find_locked(portid); tries++) {
			if (tries > 1000000) {
				rc = -ENOSPC;
				break;
			}
			portid = (uint32_t)g_rover;
			g_rover = g_rover <= INT32_MIN + 1 ? -4096 : g_rover - 1;
		}
	}
	if (rc == 0) {
		n->portid = portid;
		n->bound = 1;
		n->reg_next = g_reg;
		g_reg = n;
	}
	pthread_mutex_unlock(&g_reg_lock);
	return rc;
}

static void reg_remove(struct nl_sock *n)
{
	pthread_mutex_lock(&g_reg_lock);
	for (struct nl_sock **p = &g_reg; *p; p = &(*p)->reg_next) {
		if (*p == n) {
			*p = n->reg_next;
			break;
		}
	}
	pthread_mutex_unlock(&g_reg_lock);
}

/* The bound socket of @portid with a reference, or NULL. */
static struct nl_sock *reg_get(uint32_t portid)
{
	pthread_mutex_lock(&g_reg_lock);
	struct nl_sock *n = reg_find_locked(portid);
	if (n)
		atomic_fetch_add_explicit(&n->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&g_reg_lock);
	return n;
}

static int autobind_locked(struct nl_sock *n, struct task *t)
{
	return n->bound ? 0 : reg_insert(n, 0, t ? t->tgid : 0);
}

/* --- addresses --- */

static int nl_bind(struct sock *s, struct task *t, const void *addr, uint32_t len)
{
	struct nl_sock *n = nl_sk(s);
	struct sockaddr_nl sa;
	if (len < sizeof(sa))
		return -EINVAL;
	memcpy(&sa, addr, sizeof(sa));
	if (sa.nl_family != AF_NETLINK)
		return -EINVAL;
	/* NETLINK_ROUTE lets anyone listen (NL_CFG_F_NONROOT_RECV): groups need no privilege. */
	pthread_mutex_lock(&n->lock);
	int rc = 0;
	if (n->bound && sa.nl_pid != n->portid)
		rc = -EINVAL;
	else if (!n->bound)
		rc = sa.nl_pid ? reg_insert(n, sa.nl_pid, 0) : autobind_locked(n, t);
	if (rc == 0)
		n->groups = sa.nl_groups;
	pthread_mutex_unlock(&n->lock);
	return rc;
}

static int nl_connect(struct sock *s, struct task *t, const void *addr, uint32_t len,
		      int nonblock)
{
	struct nl_sock *n = nl_sk(s);
	struct sockaddr_nl sa = { 0 };
	if (len < sizeof(sa.nl_family))
		return -EINVAL;
	memcpy(&sa, addr, len < sizeof(sa) ? len : sizeof(sa));
	if (sa.nl_family == AF_UNSPEC) {
		pthread_mutex_lock(&n->lock);
		n->dst_portid = n->dst_groups = 0;
		pthread_mutex_unlock(&n->lock);
		return 0;
	}
	if (sa.nl_family != AF_NETLINK || len < sizeof(sa))
		return -EINVAL;
	/* Sending to anything but the kernel needs NL_CFG_F_NONROOT_SEND, which route lacks. */
	if ((sa.nl_groups || sa.nl_pid) && !net_admin(t))
		return -EPERM;
	pthread_mutex_lock(&n->lock);
	int rc = autobind_locked(n, t);
	if (rc == 0) {
		n->dst_portid = sa.nl_pid;
		n->dst_groups = sa.nl_groups ? 1u << (__builtin_ffs((int)sa.nl_groups) - 1) : 0;
	}
	pthread_mutex_unlock(&n->lock);
	return rc;
}

static int nl_getname(struct sock *s, int peer, void *addr, uint32_t *len)
{
	struct nl_sock *n = nl_sk(s);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	pthread_mutex_lock(&n->lock);
	sa.nl_pid = peer ? n->dst_portid : n->portid;
	sa.nl_groups = peer ? n->dst_groups : n->groups;
	pthread_mutex_unlock(&n->lock);
	memcpy(addr, &sa, *len < sizeof(sa) ? *len : sizeof(sa));
	*len = sizeof(sa);
	return 0;
}

/* --- data --- */

/* Queues @q's datagrams on @n, with ENOBUFS pending after an @overrun. */
static void deliver(struct nl_sock *n, struct nl_queue *q, int overrun)
{
	pthread_mutex_lock(&n->lock);
	nl_queue_splice(&n->rq, q);
	if (overrun && !(__atomic_load_n(&n->nlflags, __ATOMIC_RELAXED) & (1 << NETLINK_NO_ENOBUFS)))
		n->err = ENOBUFS;
	pthread_mutex_unlock(&n->lock);
	kwait_wq_notify(n->wq, EV_DATA | (overrun ? SENTRY_EV_ERR : 0));
}

static long room(struct nl_sock *n)
{
	pthread_mutex_lock(&n->lock);
	long r = (long)__atomic_load_n(&n->rcvbuf, __ATOMIC_RELAXED) - (long)n->rq.bytes;
	pthread_mutex_unlock(&n->lock);
	return r;
}

/* A datagram from @n (port @from) to the user socket of @portid. */
static int64_t unicast_user(uint32_t portid, uint32_t from, const char *buf, size_t len)
{
	struct nl_sock *to = reg_get(portid);
	if (!to)
		return -ECONNREFUSED;
	struct nl_queue q;
	nl_queue_init(&q);
	int64_t rc = -EAGAIN;	/* netlink_attachskb's full receiver, without its wait */
	struct nl_skb *skb = room(to) > 0 ? malloc(sizeof(*skb) + len) : NULL;
	if (skb) {
		*skb = (struct nl_skb){ .len = len, .portid = from };
		memcpy(skb->data, buf, len);
		q.head = skb;
		q.tail = &skb->next;
		q.count = 1;
		q.bytes = len + NL_SKB_COST;
		deliver(to, &q, 0);
		rc = (int64_t)len;
	}
	nl_put(to);
	return rc;
}

/* netlink_sendmsg: the destination, then the bytes, then the kernel or a user socket. */
static int64_t nl_sendmsg(struct sock *s, struct task *t, struct sock_msg *m, int flags)
{
	struct nl_sock *n = nl_sk(s);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&n->lock);
	uint32_t dst = n->dst_portid, groups = n->dst_groups;
	pthread_mutex_unlock(&n->lock);
	if (m->name && m->name_len) {
		struct sockaddr_nl sa;
		if (m->name_len < sizeof(sa))
			return -EINVAL;
		memcpy(&sa, m->name, sizeof(sa));
		if (sa.nl_family != AF_NETLINK)
			return -EINVAL;
		dst = sa.nl_pid;
		groups = sa.nl_groups;
		if ((dst || groups) && !net_admin(t))
			return -EPERM;
	}
	pthread_mutex_lock(&n->lock);
	int rc = autobind_locked(n, t);
	uint32_t self = n->portid;
	pthread_mutex_unlock(&n->lock);
	if (rc < 0)
		return rc;
	size_t len = m->io.left;
	if (len > (size_t)__atomic_load_n(&n->sndbuf, __ATOMIC_RELAXED) - 32)
		return -EMSGSIZE;
	char *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOBUFS;
	if (ipc_io_move(&m->io, buf, len, 1) < 0) {
		free(buf);
		return -EFAULT;
	}
	/* A multicast reaches the group's members; no one here sends or hears user groups. */
	int64_t ret = (int64_t)len;
	if (dst) {
		ret = unicast_user(dst, self, buf, len);
	} else {
		struct nl_rcv r = { .portid = self, .net_admin = net_admin(t), .room = room(n),
				    .cap_ack = (__atomic_load_n(&n->nlflags, __ATOMIC_RELAXED) >>
						NETLINK_CAP_ACK) & 1 };
		struct nl_queue q;
		nl_queue_init(&q);
		rc = rtnl_rcv(&r, buf, len, &q);
		if (q.head || r.overrun)
			deliver(n, &q, r.overrun);
		nl_queue_clear(&q);
		if (rc < 0)
			ret = rc;
	}
	free(buf);
	return ret;
}

/* The next datagram, dequeued (or, with @peek, copied), waiting as the flags and SO_RCVTIMEO
 * say. Returns 0, -EAGAIN, -EINTR, -ENOBUFS (an overrun, reported once), -ENOMEM. */
static int next_skb(struct nl_sock *n, struct task *t, int flags, struct nl_skb **ret)
{
	int64_t deadline = (flags & MSG_DONTWAIT)
				   ? 0
				   : sock_deadline(__atomic_load_n(&n->rcvtimeo, __ATOMIC_RELAXED));
	int rc = 0;
	pthread_mutex_lock(&n->lock);
	while (rc == 0 && !n->err && !n->rq.head)
		rc = sock_wait(&n->lock, t, n->wq, EV_DATA | SENTRY_EV_ERR, deadline);
	if (rc == 0 && n->err) {
		rc = -n->err;
		n->err = 0;
	} else if (rc == 0 && (flags & MSG_PEEK)) {
		struct nl_skb *skb = n->rq.head;
		*ret = malloc(sizeof(*skb) + skb->len);
		if (*ret)
			memcpy(*ret, skb, sizeof(*skb) + skb->len);
		else
			rc = -ENOMEM;
	} else if (rc == 0) {
		struct nl_skb *skb = n->rq.head;
		n->rq.head = skb->next;
		if (!n->rq.head)
			n->rq.tail = &n->rq.head;
		n->rq.count--;
		n->rq.bytes -= skb->len + NL_SKB_COST;
		*ret = skb;
	}
	pthread_mutex_unlock(&n->lock);
	return rc;
}

/* SCM_CREDENTIALS of the kernel (pid 0, uid 0, gid 0) for SO_PASSCRED, into @m's control. */
static void put_creds(struct sock_msg *m)
{
	size_t need = CMSG_SPACE(sizeof(struct ucred));
	if (!m->control || m->control_len < need) {
		m->flags |= MSG_CTRUNC;
		m->control_len = 0;
		return;
	}
	struct cmsghdr *c = m->control;
	memset(c, 0, need);
	c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	m->control_len = need;
}

static int64_t nl_recvmsg(struct sock *s, struct task *t, struct sock_msg *m, int flags)
{
	struct nl_sock *n = nl_sk(s);
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return -EAGAIN;	/* nothing is ever put on the error queue */
	struct nl_skb *skb;
	int rc = next_skb(n, t, flags, &skb);
	if (rc < 0)
		return rc;
	size_t copy = skb->len < m->io.left ? skb->len : m->io.left;
	m->flags = 0;
	if (copy < skb->len)
		m->flags |= MSG_TRUNC;
	int64_t ret = (flags & MSG_TRUNC) ? (int64_t)skb->len : (int64_t)copy;
	if (ipc_io_move(&m->io, skb->data, copy, 0) < 0)
		ret = -EFAULT;
	if (m->name && m->name_len >= sizeof(struct sockaddr_nl)) {
		struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_pid = skb->portid };
		memcpy(m->name, &sa, sizeof(sa));
	}
	m->name_len = sizeof(struct sockaddr_nl);
	if (__atomic_load_n(&n->passcred, __ATOMIC_RELAXED))
		put_creds(m);
	else
		m->control_len = 0;
	free(skb);
	return ret;
}

static uint32_t nl_readiness(struct sock *s, uint32_t mask)
{
	struct nl_sock *n = nl_sk(s);
	uint32_t ev = SENTRY_EV_OUT | POLLWRNORM | POLLWRBAND;
	pthread_mutex_lock(&n->lock);
	if (n->rq.head)
		ev |= EV_DATA;
	if (n->err)
		ev |= SENTRY_EV_ERR;
	pthread_mutex_unlock(&n->lock);
	return ev & mask;
}

static struct sentry_waitq *nl_waitq(struct sock *s)
{
	return nl_sk(s)->wq;
}

/* --- options --- */

/* SOL_NETLINK booleans netlink_setsockopt keeps (NETLINK_ADD_MEMBERSHIP aside). */
static int nl_flag_ok(int name)
{
	switch (name) {
	case NETLINK_PKTINFO:
	case NETLINK_BROADCAST_ERROR:
	case NETLINK_NO_ENOBUFS:
	case NETLINK_LISTEN_ALL_NSID:
	case NETLINK_CAP_ACK:
	case NETLINK_EXT_ACK:
	case NETLINK_GET_STRICT_CHK:
		return 1;
	default:
		return 0;
	}
}

static int nl_setsockopt_netlink(struct nl_sock *n, struct task *t, int name, int v)
{
	if (name == NETLINK_ADD_MEMBERSHIP || name == NETLINK_DROP_MEMBERSHIP) {
		/* Groups past 32 exist on Linux but nothing here ever multicasts. */
		if (v <= 0 || v > 32)
			return -EINVAL;
		pthread_mutex_lock(&n->lock);
		if (name == NETLINK_ADD_MEMBERSHIP)
			n->groups |= 1u << (v - 1);
		else
			n->groups &= ~(1u << (v - 1));
		pthread_mutex_unlock(&n->lock);
		return 0;
	}
	if (!nl_flag_ok(name))
		return -ENOPROTOOPT;
	if (name == NETLINK_LISTEN_ALL_NSID && !net_admin(t))
		return -EPERM;	/* CAP_NET_BROADCAST on Linux; the sandbox has one namespace */
	if (v)
		__atomic_fetch_or(&n->nlflags, 1 << name, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&n->nlflags, ~(1 << name), __ATOMIC_RELAXED);
	return 0;
}

static int nl_setsockopt(struct sock *s, struct task *t, int level, int name, const void *val,
			 uint32_t len)
{
	struct nl_sock *n = nl_sk(s);
	int v = 0;
	if (len >= sizeof(v))
		memcpy(&v, val, sizeof(v));
	if (level == SOL_NETLINK)
		return nl_setsockopt_netlink(n, t, name, v);	/* a short value reads as 0 */
	if (level != SOL_SOCKET)
		return -ENOPROTOOPT;
	if (name == SO_RCVTIMEO || name == NL_SO_RCVTIMEO_NEW)
		return sock_timeo_set(&n->rcvtimeo, val, len);
	if (name == SO_SNDTIMEO || name == NL_SO_SNDTIMEO_NEW)
		return sock_timeo_set(&n->sndtimeo, val, len);
	if (len < sizeof(int))
		return -EINVAL;
	switch (name) {
	case SO_SNDBUF:
		__atomic_store_n(&n->sndbuf, sock_buf_size(v, NL_MIN_SNDBUF, NL_MAX_BUF),
				 __ATOMIC_RELAXED);
		return 0;
	case SO_RCVBUF:
		__atomic_store_n(&n->rcvbuf, sock_buf_size(v, NL_MIN_RCVBUF, NL_MAX_BUF),
				 __ATOMIC_RELAXED);
		return 0;
	case SO_SNDBUFFORCE:
	case SO_RCVBUFFORCE: {
		/* Past net.core.*mem_max, for CAP_NET_ADMIN only (libmnl and systemd ask). */
		if (!net_admin(t))
			return -EPERM;
		int snd = name == SO_SNDBUFFORCE;
		int size = sock_buf_size(v < 0 ? 0 : v, snd ? NL_MIN_SNDBUF : NL_MIN_RCVBUF,
					 INT_MAX / 2);
		__atomic_store_n(snd ? &n->sndbuf : &n->rcvbuf, size, __ATOMIC_RELAXED);
		return 0;
	}
	case SO_PASSCRED:
		__atomic_store_n(&n->passcred, v != 0, __ATOMIC_RELAXED);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/* The int value of SOL_SOCKET option @name, or -ENOPROTOOPT. */
static int nl_sockopt_int(struct nl_sock *n, int name, int *ret)
{
	if (sock_identity_opt(&n->base, name, ret) == 0)
		return 0;
	switch (name) {
	case SO_ACCEPTCONN:
		*ret = 0;
		return 0;
	case SO_ERROR:
		pthread_mutex_lock(&n->lock);
		*ret = n->err;
		n->err = 0;
		pthread_mutex_unlock(&n->lock);
		return 0;
	case SO_SNDBUF:
		*ret = __atomic_load_n(&n->sndbuf, __ATOMIC_RELAXED);
		return 0;
	case SO_RCVBUF:
		*ret = __atomic_load_n(&n->rcvbuf, __ATOMIC_RELAXED);
		return 0;
	case SO_PASSCRED:
		*ret = __atomic_load_n(&n->passcred, __ATOMIC_RELAXED);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int nl_getsockopt(struct sock *s, struct task *t, int level, int name, void *val,
			 uint32_t *len)
{
	struct nl_sock *n = nl_sk(s);
	union {
		int i;
		struct timeval tv;
	} v = { 0 };
	uint32_t lv = sizeof(int);
	if (level == SOL_NETLINK) {
		if (!nl_flag_ok(name))
			return -ENOPROTOOPT;
		if (*len < sizeof(int))
			return -EINVAL;
		v.i = (__atomic_load_n(&n->nlflags, __ATOMIC_RELAXED) >> name) & 1;
	} else if (level != SOL_SOCKET) {
		return -ENOPROTOOPT;
	} else if (name == SO_RCVTIMEO || name == NL_SO_RCVTIMEO_NEW) {
		v.tv = sock_timeo_get(&n->rcvtimeo);
		lv = sizeof(v.tv);
	} else if (name == SO_SNDTIMEO || name == NL_SO_SNDTIMEO_NEW) {
		v.tv = sock_timeo_get(&n->sndtimeo);
		lv = sizeof(v.tv);
	} else {
		int rc = nl_sockopt_int(n, name, &v.i);
		if (rc < 0)
			return rc;
	}
	if (*len > lv)
		*len = lv;
	memcpy(val, &v, *len);
	return 0;
}

/* --- the rest of the table --- */

static int nl_listen(struct sock *s, struct task *t, int backlog)
{
	return -EOPNOTSUPP;
}

static int nl_accept(struct sock *s, struct task *t, int nonblock, struct sock **ret)
{
	return -EOPNOTSUPP;
}

static int nl_shutdown(struct sock *s, int how)
{
	return -EOPNOTSUPP;
}

static int64_t nl_ioctl(struct sock *s, struct task *t, uint32_t cmd, uint64_t arg)
{
	return -ENOTTY;
}

static void nl_release(struct sock *s)
{
	struct nl_sock *n = nl_sk(s);
	pthread_mutex_lock(&n->lock);
	int bound = n->bound;
	n->bound = 0;
	pthread_mutex_unlock(&n->lock);
	if (bound)
		reg_remove(n);
	nl_put(n);
}

static const struct sock_ops g_nl_ops = {
	.bind = nl_bind,
	.listen = nl_listen,
	.accept = nl_accept,
	.connect = nl_connect,
	.sendmsg = nl_sendmsg,
	.recvmsg = nl_recvmsg,
	.shutdown = nl_shutdown,
	.getsockopt = nl_getsockopt,
	.setsockopt = nl_setsockopt,
	.getname = nl_getname,
	.ioctl = nl_ioctl,
	.readiness = nl_readiness,
	.waitq = nl_waitq,
	.release = nl_release,
};

int netlink_socket(struct task *t, int type, int protocol, struct sock **ret)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol < 0 || protocol >= NL_MAX_LINKS || protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	struct nl_sock *n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->wq = kwait_wq_new();
	if (!n->wq) {
		free(n);
		return -ENOMEM;
	}
	sock_init(&n->base, &g_nl_ops, AF_NETLINK, type, protocol);
	atomic_init(&n->refs, 1);
	pthread_mutex_init(&n->lock, NULL);
	nl_queue_init(&n->rq);
	n->sndbuf = NL_DEF_BUF;
	n->rcvbuf = NL_DEF_BUF;
	n->rcvtimeo = -1;
	n->sndtimeo = -1;
	*ret = &n->base;
	return 0;
}
