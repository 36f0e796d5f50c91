/*
 * core/net/unix_opt.c: SOL_SOCKET options and ioctls of AF_UNIX sockets (net/core/sock.c's
 * sk_getsockopt/sk_setsockopt as they apply to AF_UNIX, and unix_ioctl). AF_UNIX has no
 * options at other levels: those give -EOPNOTSUPP, as its missing setsockopt slot does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "net/unix_internal.h"
#include "vfs/vfs.h"

/* Linux's CAP_NET_ADMIN, for SO_MARK and SO_PRIORITY above 6. */
#define CAP_NET_ADMIN_BIT SENTRY_CAP_NET_ADMIN
/* SIOCINQ is FIONREAD, SIOCOUTQ is TIOCOUTQ (linux/sockios.h). */
#define UNIX_SIOCINQ FIONREAD
#define UNIX_SIOCOUTQ TIOCOUTQ
/* SO_RCVTIMEO_NEW and SO_SNDTIMEO_NEW (asm-generic/socket.h): the same 64-bit timeval here. */
#define UNIX_SO_RCVTIMEO_NEW 66
#define UNIX_SO_SNDTIMEO_NEW 67

struct opt_bool {
	int name;
	int bit;
};

static const struct opt_bool g_bools[] = {
	{ SO_REUSEADDR, UNIX_OPT_REUSEADDR }, { SO_KEEPALIVE, UNIX_OPT_KEEPALIVE },
	{ SO_BROADCAST, UNIX_OPT_BROADCAST }, { SO_OOBINLINE, UNIX_OPT_OOBINLINE },
	{ SO_DONTROUTE, UNIX_OPT_DONTROUTE }, { SO_PASSSEC, UNIX_OPT_PASSSEC },
};

static int bool_bit(int name)
{
	for (size_t i = 0; i < sizeof(g_bools) / sizeof(g_bools[0]); i++) {
		if (g_bools[i].name == name)
			return g_bools[i].bit;
	}
	return 0;
}

/* The value of an int-sized option, or -ENOPROTOOPT. */
static int get_int(struct unix_sock *u, int name, int *ret)
{
	int bit = bool_bit(name);
	if (bit) {
		*ret = (__atomic_load_n(&u->opt_flags, __ATOMIC_RELAXED) & bit) != 0;
		return 0;
	}
	if (sock_identity_opt(&u->base, name, ret) == 0)
		return 0;
	switch (name) {
	case SO_ERROR:
		pthread_mutex_lock(&u->lock);
		*ret = u->err;
		u->err = 0;
		pthread_mutex_unlock(&u->lock);
		return 0;
	case SO_SNDBUF:
		*ret = __atomic_load_n(&u->sndbuf, __ATOMIC_RELAXED);
		return 0;
	case SO_RCVBUF:
		*ret = __atomic_load_n(&u->rcvbuf, __ATOMIC_RELAXED);
		return 0;
	case SO_ACCEPTCONN:
		*ret = __atomic_load_n(&u->state, __ATOMIC_RELAXED) == UNIX_LISTEN;
		return 0;
	case SO_PASSCRED:
		*ret = __atomic_load_n(&u->passcred, __ATOMIC_RELAXED);
		return 0;
	case SO_PRIORITY:
		*ret = __atomic_load_n(&u->priority, __ATOMIC_RELAXED);
		return 0;
	case SO_MARK:
		*ret = __atomic_load_n(&u->mark, __ATOMIC_RELAXED);
		return 0;
	case SO_RCVLOWAT:
		*ret = __atomic_load_n(&u->rcvlowat, __ATOMIC_RELAXED);
		return 0;
	case SO_SNDLOWAT:
		*ret = 1;
		return 0;
	case SO_REUSEPORT:
		*ret = 0;
		return 0;
	case SO_INCOMING_CPU:
		*ret = -1;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int unix_getsockopt(struct sock *s, struct task *t, int level, int name, void *val,
		    uint32_t *len)
{
	struct unix_sock *u = unix_sk(s);
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	union {
		int i;
		struct timeval tv;
		struct linger l;
		struct unix_cred cred;
	} v;
	memset(&v, 0, sizeof(v));
	uint32_t lv = sizeof(int);
	switch (name) {
	case SO_RCVTIMEO:
	case UNIX_SO_RCVTIMEO_NEW:
		v.tv = sock_timeo_get(&u->rcvtimeo);
		lv = sizeof(v.tv);
		break;
	case SO_SNDTIMEO:
	case UNIX_SO_SNDTIMEO_NEW:
		v.tv = sock_timeo_get(&u->sndtimeo);
		lv = sizeof(v.tv);
		break;
	case SO_LINGER:
		v.l.l_onoff = __atomic_load_n(&u->linger_on, __ATOMIC_RELAXED);
		v.l.l_linger = __atomic_load_n(&u->linger_secs, __ATOMIC_RELAXED);
		lv = sizeof(v.l);
		break;
	case SO_PEERCRED:
		/* cred_to_ucred with no peer: pid 0, uid and gid -1. */
		pthread_mutex_lock(&u->lock);
		v.cred = u->has_peercred ? u->peercred
					 : (struct unix_cred){ 0, (uint32_t)-1, (uint32_t)-1 };
		pthread_mutex_unlock(&u->lock);
		lv = sizeof(v.cred);
		break;
	default: {
		int rc = get_int(u, name, &v.i);
		if (rc < 0)
			return rc;
	}
	}
	if (*len > lv)
		*len = lv;
	memcpy(val, &v, *len);
	return 0;
}

/* An int option's new value @v (len checked). */
static int set_int(struct unix_sock *u, struct task *t, int name, int v)
{
	int bit = bool_bit(name);
	if (bit) {
		if (v)
			__atomic_fetch_or(&u->opt_flags, bit, __ATOMIC_RELAXED);
		else
			__atomic_fetch_and(&u->opt_flags, ~bit, __ATOMIC_RELAXED);
		return 0;
	}
	int admin = (t->fs->creds.cap_effective >> CAP_NET_ADMIN_BIT) & 1;
	switch (name) {
	case SO_SNDBUF:
		__atomic_store_n(&u->sndbuf, sock_buf_size(v, UNIX_MIN_SNDBUF, UNIX_MAX_BUF), __ATOMIC_RELAXED);
		/* A larger buffer may let blocked writers go on. */
		kwait_wq_notify(u->wq, SENTRY_EV_OUT);
		return 0;
	case SO_RCVBUF:
		__atomic_store_n(&u->rcvbuf, sock_buf_size(v, UNIX_MIN_RCVBUF, UNIX_MAX_BUF), __ATOMIC_RELAXED);
		return 0;
	case SO_PASSCRED:
		__atomic_store_n(&u->passcred, v != 0, __ATOMIC_RELAXED);
		return 0;
	case SO_PRIORITY:
		if ((v < 0 || v > 6) && !admin)
			return -EPERM;
		__atomic_store_n(&u->priority, v, __ATOMIC_RELAXED);
		return 0;
	case SO_MARK:
		if (!admin)
			return -EPERM;
		__atomic_store_n(&u->mark, v, __ATOMIC_RELAXED);
		return 0;
	case SO_RCVLOWAT:
		__atomic_store_n(&u->rcvlowat, v < 0 ? INT_MAX : v ? v : 1, __ATOMIC_RELAXED);
		return 0;
	case SO_REUSEPORT:
		return -EOPNOTSUPP;	/* sk_is_inet-only since Linux 6.7 */
	default:
		return -ENOPROTOOPT;
	}
}

int unix_setsockopt(struct sock *s, struct task *t, int level, int name, const void *val,
		    uint32_t len)
{
	struct unix_sock *u = unix_sk(s);
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name == SO_BINDTODEVICE)
		return -ENODEV;		/* AF_UNIX sockets have no device to bind to */
	if (len < sizeof(int))
		return -EINVAL;
	switch (name) {
	case SO_RCVTIMEO:
	case UNIX_SO_RCVTIMEO_NEW:
		return sock_timeo_set(&u->rcvtimeo, val, len);
	case SO_SNDTIMEO:
	case UNIX_SO_SNDTIMEO_NEW:
		return sock_timeo_set(&u->sndtimeo, val, len);
	case SO_LINGER: {
		struct linger l;
		if (len < sizeof(l))
			return -EINVAL;
		memcpy(&l, val, sizeof(l));
		__atomic_store_n(&u->linger_on, l.l_onoff != 0, __ATOMIC_RELAXED);
		__atomic_store_n(&u->linger_secs, l.l_linger, __ATOMIC_RELAXED);
		return 0;
	}
	default: {
		int v;
		memcpy(&v, val, sizeof(v));
		return set_int(u, t, name, v);
	}
	}
}

/* unix_inq_len: unread bytes of a stream or record socket, the next datagram's size. */
static int inq_len(struct unix_sock *u)
{
	pthread_mutex_lock(&u->lock);
	long n = 0;
	if (u->state == UNIX_LISTEN) {
		n = -EINVAL;
	} else if (u->base.type == SOCK_DGRAM) {
		n = u->rq_head ? (long)u->rq_head->len : 0;
	} else {
		for (struct unix_msg *m = u->rq_head; m; m = m->next)
			n += (long)(m->len - m->off);
	}
	pthread_mutex_unlock(&u->lock);
	return n > INT_MAX ? INT_MAX : (int)n;
}

int64_t unix_ioctl(struct sock *s, struct task *t, uint32_t cmd, uint64_t arg)
{
	struct unix_sock *u = unix_sk(s);
	int v;
	switch (cmd) {
	case UNIX_SIOCINQ:
		v = inq_len(u);
		if (v < 0)
			return v;
		break;
	case UNIX_SIOCOUTQ:
		v = (int)atomic_load_explicit(&u->wbytes, memory_order_relaxed);
		break;
	default:
		return -ENOTTY;
	}
	return mm_copy_out(t->mm, arg, &v, sizeof(v));
}
