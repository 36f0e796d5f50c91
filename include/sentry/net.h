/*
 * sentry/net.h: network stacks for AF_INET/AF_INET6 sockets (net-netstack, net-hostpassthrough).
 *
 * The core owns the socket system calls, file descriptors and AF_UNIX; a network plugin makes the
 * internet sockets and answers for interfaces and routes (netlink RTM_GET*, SIOCGIF*). Socket
 * addresses, options and control messages cross this interface in Linux's wire layout (struct
 * sockaddr_in and friends, cmsghdr), already copied into Sentry memory and length-checked by the
 * core against the limits Linux applies before the protocol sees them.
 *
 * A socket is plugin-defined with struct sentry_socket as its first member. Every socket slot is
 * optional, with the errno Linux's sock_no_* helpers give when a protocol lacks the operation.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/services.h"
#include "sentry/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sentry_socket;

/* A message for sendmsg/recvmsg. Data lives in Sentry memory. */
struct sentry_msg {
	void *name;			/* socket address; in: destination, out: source */
	uint32_t name_len;		/* in: bytes at name; out: the address's full length */
	uint32_t flags;			/* out of recvmsg: MSG_TRUNC, MSG_CTRUNC, MSG_EOR */
	const struct sentry_iov *iov;	/* data buffers */
	size_t iov_count;		/* entries in iov */
	void *control;			/* control messages (cmsghdr layout) */
	size_t control_len;		/* in: bytes at control; out: bytes written */
};

struct sentry_socket_ops {
	/* bind(2) to @addr of @len bytes. NULL: -EOPNOTSUPP. */
	int (*bind)(struct sentry_socket *s, const void *addr, uint32_t len);
	/* listen(2). NULL: -EOPNOTSUPP. */
	int (*listen)(struct sentry_socket *s, int backlog);
	/* accept4(2): the next connection as a new socket, blocking via svc->block unless
	 * @nonblock. @addr/@len as getpeername. Returns 0, -EAGAIN, -EINVAL (not listening), -EINTR.
	 * NULL: -EOPNOTSUPP. */
	int (*accept)(struct sentry_socket *s, struct sentry_task *task, int nonblock,
		      struct sentry_socket **ret_sock, void *addr, uint32_t *len);
	/* connect(2). Returns 0, -EINPROGRESS (nonblock), -ECONNREFUSED, -EISCONN, -EALREADY,
	 * -EINTR, -ETIMEDOUT. NULL: -EOPNOTSUPP. */
	int (*connect)(struct sentry_socket *s, struct sentry_task *task, const void *addr,
		       uint32_t len, int nonblock);
	/* sendmsg(2) with MSG_* @flags (MSG_DONTWAIT already merged with O_NONBLOCK). Returns bytes
	 * or -errno (-EPIPE: the core raises SIGPIPE unless MSG_NOSIGNAL). NULL: -EOPNOTSUPP. */
	int64_t (*sendmsg)(struct sentry_socket *s, struct sentry_task *task, struct sentry_msg *msg,
			   int flags);
	/* recvmsg(2); as sendmsg, msg fields marked "out" are written. NULL: -EOPNOTSUPP. */
	int64_t (*recvmsg)(struct sentry_socket *s, struct sentry_task *task, struct sentry_msg *msg,
			   int flags);
	/* shutdown(2) with SHUT_*. NULL: -EOPNOTSUPP. */
	int (*shutdown)(struct sentry_socket *s, int how);
	/* getsockopt(2): writes at most *@len bytes to @val and sets *@len. -ENOPROTOOPT for
	 * unknown options. NULL: -ENOPROTOOPT. */
	int (*getsockopt)(struct sentry_socket *s, int level, int name, void *val, uint32_t *len);
	/* setsockopt(2). NULL: -ENOPROTOOPT. */
	int (*setsockopt)(struct sentry_socket *s, int level, int name, const void *val,
			  uint32_t len);
	/* getsockname(2)/getpeername(2) (@peer nonzero): writes up to *@len bytes, sets *@len to
	 * the full length. -ENOTCONN for an unconnected peer. NULL: -EOPNOTSUPP. */
	int (*getname)(struct sentry_socket *s, int peer, void *addr, uint32_t *len);
	/* ioctl(2) on the socket (FIONREAD, SIOCOUTQ, SIOCGIF* are answered by the core through
	 * if_list). NULL: -ENOTTY. */
	int64_t (*ioctl)(struct sentry_socket *s, struct sentry_task *task, uint32_t cmd,
			 uint64_t arg);
	/* Current readiness among @mask. NULL: 0. */
	uint32_t (*readiness)(struct sentry_socket *s, uint32_t mask);
	/* Mandatory for any socket that can block: the queue notified when readiness changes. */
	struct sentry_waitq *(*waitq)(struct sentry_socket *s);
	/* Last reference gone: close and free. NULL: nothing to free. */
	void (*release)(struct sentry_socket *s);
};

/* Base of a plugin's socket. */
struct sentry_socket {
	const struct sentry_socket_ops *ops;	/* set by the plugin */
	size_t ops_size;			/* sizeof *ops as the plugin saw it */
	int32_t family;				/* AF_INET, AF_INET6 */
	int32_t type;				/* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW (no flags) */
	int32_t protocol;			/* IPPROTO_* actually used */
	uint32_t pad0;
};

/* An interface, for RTM_GETLINK and SIOCGIF*. */
struct sentry_netif {
	int32_t index;		/* ifindex, > 0 */
	uint32_t flags;		/* IFF_* */
	uint32_t mtu;		/* bytes */
	uint16_t type;		/* ARPHRD_* */
	uint16_t addr_len;	/* bytes used in addr */
	uint8_t addr[16];	/* link-layer address */
	char name[16];		/* NUL-terminated, IFNAMSIZ */
};

/* An interface address, for RTM_GETADDR and getifaddrs. */
struct sentry_netaddr {
	int32_t index;		/* interface */
	int32_t family;		/* AF_INET, AF_INET6 */
	uint8_t prefix_len;	/* netmask length */
	uint8_t scope;		/* RT_SCOPE_* */
	uint16_t pad0;
	uint8_t addr[16];	/* 4 or 16 bytes used, network order */
};

/* A route, for RTM_GETROUTE. */
struct sentry_netroute {
	int32_t family;		/* AF_INET, AF_INET6 */
	int32_t oif;		/* output interface index */
	uint8_t dst_len;	/* destination prefix length, 0 = default route */
	uint8_t scope;		/* RT_SCOPE_* */
	uint8_t table;		/* RT_TABLE_* */
	uint8_t pad0;
	uint8_t dst[16];	/* network order */
	uint8_t gateway[16];	/* network order, zero when on-link */
};

/* The network kind's ops table (descriptor kind SENTRY_PLUGIN_NET). */
struct sentry_net_ops {
	/* Mandatory. socket(2) for @family/@type/@protocol (@type without SOCK_NONBLOCK/CLOEXEC).
	 * Returns 0, -EAFNOSUPPORT (family not served: the core then says the same), -EPROTONOSUPPORT,
	 * -ESOCKTNOSUPPORT, -EPERM (raw without CAP_NET_RAW), -ENOMEM. */
	int (*socket)(void *state, const struct sentry_creds *creds, int family, int type,
		      int protocol, struct sentry_socket **ret_sock);
	/* Mandatory. Fills up to @count interfaces into @buf; returns how many exist (may exceed
	 * @count: the core retries with a larger buffer) or -errno. */
	int (*if_list)(void *state, struct sentry_netif *buf, size_t count);
	/* Mandatory. As if_list, for addresses. */
	int (*addr_list)(void *state, struct sentry_netaddr *buf, size_t count);
	/* Optional. As if_list, for routes. NULL: no routes. */
	int (*route_list)(void *state, struct sentry_netroute *buf, size_t count);
	/* Optional. Hands the plugin its link before the sandbox starts: @fd is a host descriptor
	 * (an AF_PACKET socket on the container's interface, or -1 for host passthrough), @config a
	 * runsc-made description of addresses and routes ("addr=10.0.0.2/24 gw=10.0.0.1 mtu=1500").
	 * The plugin owns @fd on success. NULL: the plugin needs no link. */
	int (*attach)(void *state, int fd, const char *config);
};

/* Mandatory slots, for the loader and for plugin authors. */
#define SENTRY_NET_OPS_MANDATORY(X) X(socket) X(if_list) X(addr_list)

#ifdef __cplusplus
}
#endif
