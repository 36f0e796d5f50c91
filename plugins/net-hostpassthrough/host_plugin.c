/*
 * plugins/net-hostpassthrough/host_plugin.c: the "host" network plugin: descriptor, init
 * (options "raw=1"), socket creation and the host calls it makes once the Sentry is confined.
 *
 * socket(2) is decided here rather than by the host for what the host would decide with the
 * Sentry's privileges: raw sockets (CAP_NET_RAW of the task, and only with raw=1, since a raw
 * host socket sees the whole namespace's traffic, which is why gVisor also keeps them behind a
 * flag) and protocols that would make a privileged host autoload a module (SCTP, DCCP).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "host.h"
#include "sentry/plugin.h"

/* linux/in.h: IPPROTO_MAX counts IPPROTO_MPTCP. */
#define HN_IPPROTO_MPTCP 262
#define HN_IPPROTO_MAX 263

static int read_port_start(void)
{
	int v = 1024;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 1024;
		fclose(f);
	}
	return v;
}

static int hn_init(const struct sentry_services *svc, size_t svc_size, const char *options,
		   void **ret_state)
{
	if (svc_size < SENTRY_OPS_SIZE_THROUGH(struct sentry_services, now_ns) || !svc->wq_new ||
	    !svc->wq_free || !svc->wq_notify || !svc->block || !svc->now_ns || !svc->copy_out)
		return -EPROTO;	/* a core without waiter queues cannot host sockets */
	int raw_ok = 0;
	if (options && *options) {
		if (!strcmp(options, "raw=1"))
			raw_ok = 1;
		else if (strcmp(options, "raw=0"))
			return -EINVAL;
	}
	struct hn_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->svc = svc;
	st->raw_ok = raw_ok;
	st->port_start = read_port_start();
	st->once = (pthread_once_t)PTHREAD_ONCE_INIT;
	st->epfd = -1;
	st->efd = -1;
	pthread_mutex_init(&st->lock, NULL);
	*ret_state = st;
	return 0;
}

static void hn_fini(void *state)
{
	struct hn_state *st = state;
	hn_poll_fini(st);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* inet_create's type and protocol checks, as far as the host may not make them itself. */
static int check_type(const struct hn_state *st, const struct sentry_creds *creds, int family,
		      int type, int protocol)
{
	if (protocol < 0 || protocol >= HN_IPPROTO_MAX)
		return -EINVAL;
	switch (type) {
	case SOCK_STREAM:
		return protocol == 0 || protocol == IPPROTO_TCP || protocol == HN_IPPROTO_MPTCP
			       ? 0
			       : -EPROTONOSUPPORT;
	case SOCK_DGRAM:
		if (protocol == 0 || protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE)
			return 0;
		if ((family == AF_INET && protocol == IPPROTO_ICMP) ||
		    (family == AF_INET6 && protocol == IPPROTO_ICMPV6))
			return 0;	/* ping sockets: the host applies ping_group_range */
		return -EPROTONOSUPPORT;
	case SOCK_RAW:
		if (!((creds->cap_effective >> SENTRY_CAP_NET_RAW) & 1))
			return -EPERM;
		return st->raw_ok ? 0 : -EPERM;
	default:
		return -ESOCKTNOSUPPORT;
	}
}

static int hn_socket(void *state, const struct sentry_creds *creds, int family, int type,
		     int protocol, struct sentry_socket **ret_sock)
{
	struct hn_state *st = state;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	int rc = check_type(st, creds, family, type, protocol);
	if (rc < 0)
		return rc;
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0)
		return -errno;
	int proto = protocol;
	socklen_t l = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l) < 0)
		proto = protocol;
	struct hn_sock *s;
	rc = hn_sock_new(st, fd, family, type, proto, creds->cap_effective, &s);
	if (rc < 0)
		return rc;
	*ret_sock = &s->base;
	return 0;
}

static const struct sentry_net_ops g_host_ops = {
	.socket = hn_socket,
	.if_list = hn_if_list,
	.addr_list = hn_addr_list,
	.route_list = hn_route_list,
};

/* What the plugin calls after the Sentry is confined (issue #9 composes the filter). */
static const struct sentry_host_rule g_host_rules[] = {
	SENTRY_ALLOW_IF(SYS_socket, 0, AF_INET),
	SENTRY_ALLOW_IF(SYS_socket, 0, AF_INET6),
	SENTRY_ALLOW_IF(SYS_socket, 0, AF_NETLINK),
	SENTRY_ALLOW(SYS_bind),
	SENTRY_ALLOW(SYS_listen),
	SENTRY_ALLOW(SYS_accept4),
	SENTRY_ALLOW(SYS_connect),
	SENTRY_ALLOW(SYS_sendmsg),
	SENTRY_ALLOW(SYS_recvmsg),
	SENTRY_ALLOW(SYS_sendto),
	SENTRY_ALLOW(SYS_recvfrom),
	SENTRY_ALLOW(SYS_shutdown),
	SENTRY_ALLOW(SYS_getsockopt),
	SENTRY_ALLOW(SYS_setsockopt),
	SENTRY_ALLOW(SYS_getsockname),
	SENTRY_ALLOW(SYS_getpeername),
	/* hn_ioctl's queue requests. SIOCINQ is FIONREAD, which the core allows too: declared
	 * all the same, so the plugin's set stands on its own. */
	SENTRY_ALLOW_IF(SYS_ioctl, 1, SIOCOUTQ),
	SENTRY_ALLOW_IF(SYS_ioctl, 1, SIOCOUTQNSD),
	SENTRY_ALLOW_IF(SYS_ioctl, 1, SIOCATMARK),
	SENTRY_ALLOW_IF(SYS_ioctl, 1, SIOCINQ),
	SENTRY_ALLOW(SYS_poll),
	SENTRY_ALLOW(SYS_epoll_create1),
	SENTRY_ALLOW(SYS_epoll_ctl),
	SENTRY_ALLOW(SYS_epoll_wait),
	SENTRY_ALLOW(SYS_eventfd2),
	SENTRY_ALLOW(SYS_read),
	SENTRY_ALLOW(SYS_write),
	SENTRY_ALLOW(SYS_close),
	/* The poller thread is a thread, which the core's base allows. */
	SENTRY_ALLOW(SYS_futex),
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic = SENTRY_PLUGIN_MAGIC,
		.abi_major = SENTRY_ABI_MAJOR,
		.abi_minor = SENTRY_ABI_MINOR,
		.desc_size = sizeof(struct sentry_plugin),
		.kind = SENTRY_PLUGIN_NET,
		.name = "host",
		.version = HOSTNET_VERSION,
		.description = "host passthrough: AF_INET/AF_INET6 sockets are host sockets of the Sentry's network namespace",
		.init = hn_init,
		.fini = hn_fini,
		.ops = &g_host_ops,
		.ops_size = sizeof(g_host_ops),
		.host_rules = g_host_rules,
		.host_rule_count = sizeof(g_host_rules) / sizeof(g_host_rules[0]),
		/* Host ports below ip_unprivileged_port_start, and raw=1's raw sockets, in a
		 * network namespace the Sentry's user namespace owns (or the host's). */
		.host_caps = (1ull << CAP_NET_BIND_SERVICE) | (1ull << CAP_NET_RAW),
	},
	{ .magic = 0 },
};
