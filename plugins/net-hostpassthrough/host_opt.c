/*
 * plugins/net-hostpassthrough/host_opt.c: socket options and control messages of a send.
 *
 * Only an allowlist of options reaches the host: the host checks privilege against the
 * Sentry's capabilities, not the task's, and some options would reach beyond the socket
 * (module autoloading, marks, device binding). The host then applies Linux's own length and
 * value checks. SO_RCVTIMEO and SO_SNDTIMEO are ours, since the host socket never blocks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/errqueue.h>

#include "host.h"

/* asm-generic/socket.h values glibc may not name. */
#define HN_SO_TIMESTAMPING_OLD 37
#define HN_SO_RCVTIMEO_NEW 66
#define HN_SO_SNDTIMEO_NEW 67
#define HN_SO_TIMESTAMP_NEW 63
#define HN_SO_TIMESTAMPNS_NEW 64
#define HN_SCM_TXTIME 61
#define HN_IP_PROTOCOL 52
#define HN_UDP_SEGMENT 103
#define HN_UDP_GRO 104
#define HN_IPV6_FLOWINFO 11

enum { DENY = 0, PASS = 1 };

static int has_cap(const struct hn_sock *s, int cap)
{
	return (s->caps >> cap) & 1;
}

/* SOL_SOCKET: PASS, DENY (-ENOPROTOOPT) or a negative errno. */
static int sol_socket(const struct hn_sock *s, int name, int set, const void *val, uint32_t len)
{
	switch (name) {
	case SO_REUSEADDR: case SO_REUSEPORT: case SO_KEEPALIVE: case SO_LINGER:
	case SO_RCVBUF: case SO_SNDBUF: case SO_BROADCAST: case SO_ERROR: case SO_TYPE:
	case SO_DOMAIN: case SO_PROTOCOL: case SO_ACCEPTCONN: case SO_OOBINLINE:
	case SO_RCVLOWAT: case SO_SNDLOWAT: case SO_DONTROUTE: case SO_TIMESTAMP:
	case SO_TIMESTAMPNS: case HN_SO_TIMESTAMP_NEW: case HN_SO_TIMESTAMPNS_NEW:
	case SO_PASSCRED: case SO_INCOMING_CPU: case SO_COOKIE: case SO_RXQ_OVFL:
	case SO_NO_CHECK: case SO_PEEK_OFF:
		return PASS;
	case SO_PRIORITY: {
		/* Linux lets anyone pick 0..6; above that takes CAP_NET_ADMIN or CAP_NET_RAW. */
		int v = 0;
		if (set && len >= sizeof(int))
			memcpy(&v, val, sizeof(v));
		if (set && len >= sizeof(int) && (v < 0 || v > 6) &&
		    !has_cap(s, SENTRY_CAP_NET_ADMIN) && !has_cap(s, SENTRY_CAP_NET_RAW))
			return -EPERM;
		return PASS;
	}
	case SO_MARK: case SO_RCVBUFFORCE: case SO_SNDBUFFORCE:
		return !set || has_cap(s, SENTRY_CAP_NET_ADMIN) ? PASS : -EPERM;
	case SO_BINDTODEVICE:
		return !set || has_cap(s, SENTRY_CAP_NET_RAW) ? PASS : -EPERM;
	default:
		return DENY;
	}
}

static int sol_tcp(int name, int set)
{
	switch (name) {
	case TCP_NODELAY: case TCP_MAXSEG: case TCP_CORK: case TCP_KEEPIDLE: case TCP_KEEPINTVL:
	case TCP_KEEPCNT: case TCP_SYNCNT: case TCP_LINGER2: case TCP_DEFER_ACCEPT:
	case TCP_WINDOW_CLAMP: case TCP_INFO: case TCP_QUICKACK: case TCP_USER_TIMEOUT:
	case TCP_NOTSENT_LOWAT: case TCP_FASTOPEN: case TCP_FASTOPEN_CONNECT:
		return PASS;
	case TCP_CONGESTION:
		/* Setting one may autoload a module with the Sentry's privileges. */
		return set ? DENY : PASS;
	default:
		return DENY;
	}
}

static int sol_ip(const struct hn_sock *s, int name, int set)
{
	switch (name) {
	case IP_TOS: case IP_TTL: case IP_RECVTOS: case IP_RECVTTL: case IP_PKTINFO:
	case IP_RECVERR: case IP_MTU_DISCOVER: case IP_MTU: case IP_MULTICAST_IF:
	case IP_MULTICAST_TTL: case IP_MULTICAST_LOOP: case IP_ADD_MEMBERSHIP:
	case IP_DROP_MEMBERSHIP: case IP_ADD_SOURCE_MEMBERSHIP: case IP_DROP_SOURCE_MEMBERSHIP:
	case IP_MULTICAST_ALL: case IP_FREEBIND: case IP_BIND_ADDRESS_NO_PORT:
	case IP_RECVORIGDSTADDR: case IP_OPTIONS: case IP_HDRINCL:
		return PASS;
	case IP_TRANSPARENT:
		return !set || has_cap(s, SENTRY_CAP_NET_ADMIN) ? PASS : -EPERM;
	default:
		return DENY;
	}
}

static int sol_ipv6(const struct hn_sock *s, int name, int set)
{
	switch (name) {
	case IPV6_V6ONLY: case IPV6_UNICAST_HOPS: case IPV6_MULTICAST_IF:
	case IPV6_MULTICAST_HOPS: case IPV6_MULTICAST_LOOP: case IPV6_ADD_MEMBERSHIP:
	case IPV6_DROP_MEMBERSHIP: case IPV6_RECVPKTINFO: case IPV6_RECVHOPLIMIT:
	case IPV6_TCLASS: case IPV6_RECVTCLASS: case IPV6_RECVERR: case IPV6_MTU_DISCOVER:
	case IPV6_MTU: case IPV6_DONTFRAG: case IPV6_RECVPATHMTU: case IPV6_FREEBIND:
		return PASS;
	case IPV6_TRANSPARENT:
		return !set || has_cap(s, SENTRY_CAP_NET_ADMIN) ? PASS : -EPERM;
	default:
		return DENY;
	}
}

static int sol_udp(int name)
{
	switch (name) {
	case UDP_CORK: case HN_UDP_SEGMENT: case HN_UDP_GRO:
		return PASS;
	default:
		return DENY;
	}
}

static int allowed(const struct hn_sock *s, int level, int name, int set, const void *val,
		   uint32_t len)
{
	switch (level) {
	case SOL_SOCKET:
		return sol_socket(s, name, set, val, len);
	case IPPROTO_TCP:
		return sol_tcp(name, set);
	case IPPROTO_IP:
		return sol_ip(s, name, set);
	case IPPROTO_IPV6:
		return sol_ipv6(s, name, set);
	case IPPROTO_UDP:
		return sol_udp(name);
	default:
		return DENY;
	}
}

static int is_timeo(int level, int name)
{
	return level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO ||
				       name == HN_SO_RCVTIMEO_NEW || name == HN_SO_SNDTIMEO_NEW);
}

static _Atomic int64_t *timeo_of(struct hn_sock *s, int name)
{
	return name == SO_RCVTIMEO || name == HN_SO_RCVTIMEO_NEW ? &s->rcvtimeo_ns
								  : &s->sndtimeo_ns;
}

int hn_getsockopt(struct sentry_socket *ss, int level, int name, void *val, uint32_t *len)
{
	struct hn_sock *s = (struct hn_sock *)ss;
	if (is_timeo(level, name)) {
		/* sock_get_timeout: no timeout reads as zero; Linux's zero timeout too. */
		int64_t ns = atomic_load(timeo_of(s, name));
		struct timeval tv = { 0, 0 };
		if (ns > 0)
			tv = (struct timeval){ ns / 1000000000, ns % 1000000000 / 1000 };
		if (*len > sizeof(tv))
			*len = sizeof(tv);
		memcpy(val, &tv, *len);
		return 0;
	}
	int ok = allowed(s, level, name, 0, NULL, 0);
	if (ok <= 0)
		return ok < 0 ? ok : -ENOPROTOOPT;
	socklen_t l = *len;
	if (getsockopt(s->fd, level, name, val, &l) < 0)
		return -errno;
	*len = l;
	return 0;
}

/* sock_set_timeout. */
static int set_timeo(struct hn_sock *s, int name, const void *val, uint32_t len)
{
	struct timeval tv;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	int64_t ns;
	if (tv.tv_sec < 0)
		ns = -1;	/* Linux makes a negative timeout a zero one: no wait at all */
	else if (tv.tv_sec == 0 && tv.tv_usec == 0)
		ns = 0;
	else if (tv.tv_sec > INT64_MAX / 1000000000 - 1)
		ns = 0;		/* beyond any deadline: as no timeout */
	else
		ns = (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
	atomic_store(timeo_of(s, name), ns);
	return 0;
}

int hn_setsockopt(struct sentry_socket *ss, int level, int name, const void *val, uint32_t len)
{
	struct hn_sock *s = (struct hn_sock *)ss;
	if (is_timeo(level, name)) {
		/* sk_setsockopt's first check applies to every SOL_SOCKET option. */
		return len < sizeof(int) ? -EINVAL : set_timeo(s, name, val, len);
	}
	int ok = allowed(s, level, name, 1, val, len);
	if (ok <= 0)
		return ok < 0 ? ok : -ENOPROTOOPT;
	return setsockopt(s->fd, level, name, val, len) < 0 ? -errno : 0;
}

/* --- control messages of a send --- */

/* __sock_cmsg_send: SOL_SOCKET messages every inet protocol honours. */
static int cmsg_socket(const struct hn_sock *s, const struct cmsghdr *c)
{
	switch (c->cmsg_type) {
	case SO_MARK:
		return has_cap(s, SENTRY_CAP_NET_ADMIN) ? PASS : -EPERM;
	case HN_SO_TIMESTAMPING_OLD:
		return c->cmsg_len == CMSG_LEN(sizeof(uint32_t)) ? PASS : -EINVAL;
	case HN_SCM_TXTIME:
		return c->cmsg_len == CMSG_LEN(sizeof(uint64_t)) ? PASS : -EINVAL;
	default:
		/* SCM_RIGHTS and SCM_CREDENTIALS belong to AF_UNIX. */
		return -EINVAL;
	}
}

/* ip_cmsg_send. */
static int cmsg_ip(const struct cmsghdr *c, int raw)
{
	switch (c->cmsg_type) {
	case IP_RETOPTS: case IP_PKTINFO: case IP_TTL: case IP_TOS:
		return PASS;
	case HN_IP_PROTOCOL:
		return raw ? PASS : -EINVAL;
	default:
		return -EINVAL;
	}
}

/* ip6_datagram_send_ctl. */
static int cmsg_ipv6(const struct hn_sock *s, const struct cmsghdr *c)
{
	switch (c->cmsg_type) {
	case IPV6_PKTINFO: case IPV6_2292PKTINFO: case HN_IPV6_FLOWINFO: case IPV6_HOPLIMIT:
	case IPV6_2292HOPLIMIT: case IPV6_TCLASS: case IPV6_DONTFRAG: case IPV6_RTHDR:
	case IPV6_2292RTHDR:
		return PASS;
	case IPV6_HOPOPTS: case IPV6_2292HOPOPTS: case IPV6_DSTOPTS: case IPV6_2292DSTOPTS:
	case IPV6_RTHDRDSTOPTS:
		return has_cap(s, SENTRY_CAP_NET_RAW) ? PASS : -EPERM;
	default:
		return -EINVAL;
	}
}

/* What @s's protocol makes of one message: PASS, DENY (ignored) or -errno. */
static int cmsg_verdict(const struct hn_sock *s, const struct cmsghdr *c)
{
	int stream = s->base.type == SOCK_STREAM;
	int rc = DENY;
	if (c->cmsg_level == SOL_SOCKET)
		rc = cmsg_socket(s, c);
	else if (stream)
		rc = DENY;	/* TCP reads SOL_SOCKET messages only */
	else if (c->cmsg_level == IPPROTO_IP && s->base.family == AF_INET)
		rc = cmsg_ip(c, s->base.type == SOCK_RAW);
	else if (c->cmsg_level == IPPROTO_IPV6 && s->base.family == AF_INET6)
		rc = cmsg_ipv6(s, c);
	/* tcp_sendmsg_locked turns any control message error into EINVAL. */
	return stream && rc < 0 ? -EINVAL : rc;
}

int hn_cmsg_filter(const struct hn_sock *s, const void *ctl, size_t len, void **ret,
		   size_t *ret_len)
{
	*ret = NULL;
	*ret_len = 0;
	char *out = malloc(len);
	if (!out)
		return -ENOBUFS;
	size_t used = 0;
	const char *b = ctl;
	/* The core checked that every header lies inside the buffer (net_cmsg_check). */
	for (size_t off = 0; len >= sizeof(struct cmsghdr) && off <= len - sizeof(struct cmsghdr);) {
		struct cmsghdr c;
		memcpy(&c, b + off, sizeof(c));
		if (c.cmsg_len < sizeof(c) || c.cmsg_len > len - off)
			break;
		int rc = cmsg_verdict(s, &c);
		if (rc < 0) {
			free(out);
			return rc;
		}
		size_t step = CMSG_ALIGN(c.cmsg_len);
		if (rc == PASS) {
			memcpy(out + used, b + off, c.cmsg_len);
			memset(out + used + c.cmsg_len, 0,
			       (step <= len - off ? step : c.cmsg_len) - c.cmsg_len);
			used += step <= len - off ? step : c.cmsg_len;
		}
		if (step > len - off)
			break;
		off += step;
	}
	if (!used) {
		free(out);
		return 0;
	}
	*ret = out;
	*ret_len = used;
	return 0;
}
