/*
 * plugins/net-hostpassthrough/host.h: the "host" network plugin's internals.
 *
 * Every AF_INET/AF_INET6 socket of the sandbox is a host socket of the Sentry's network
 * namespace, non-blocking on the host. Readiness comes from one host epoll instance watched by
 * one poller thread (host_poll.c), which wakes the socket's waiter queue; blocking calls retry
 * the non-blocking host call after svc->block (host_sock.c). Options and control messages pass
 * through an allowlist (host_opt.c); interfaces, addresses and routes are a netlink dump of the
 * Sentry's namespace (host_if.c).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "sentry/net.h"
#include "sentry/plugin.h"
#include "sentry/services.h"

struct hn_sock;

/* The plugin's state: one per loaded instance. */
struct hn_state {
	const struct sentry_services *svc;
	int raw_ok;			/* option "raw=1": raw sockets with CAP_NET_RAW */
	int port_start;			/* net.ipv4.ip_unprivileged_port_start, read at init */
	pthread_once_t once;		/* starts the poller on the first socket */
	int poll_rc;			/* its result, 0 or -errno */
	int started;			/* the poller thread runs */
	int epfd;			/* the one host epoll instance */
	int efd;			/* eventfd: wakes the poller (sweep, stop) */
	pthread_t thread;		/* the poller */
	pthread_mutex_t lock;		/* dispatch against release; guards dead and grave */
	struct hn_sock *grave;		/* released sockets the poller may still name */
	atomic_int stop;		/* fini asks the poller to end */
};

/* A socket. base is first (sentry/net.h). */
struct hn_sock {
	struct sentry_socket base;
	struct hn_state *st;
	int fd;				/* host socket, O_NONBLOCK|O_CLOEXEC */
	int dead;			/* released: the poller skips it (under st->lock) */
	struct sentry_waitq *wq;
	uint32_t seq;			/* bumped by the poller on every host event (atomic) */
	_Atomic int64_t rcvtimeo_ns;	/* SO_RCVTIMEO, 0: none, -1: Linux's zero timeout */
	_Atomic int64_t sndtimeo_ns;	/* SO_SNDTIMEO, same encoding */
	uint64_t caps;			/* creator's effective capabilities */
	struct hn_sock *next_grave;	/* in st->grave */
};

/* host_poll.c */
/* Registers @s with the epoll instance (starting the poller on first use). */
int hn_poll_add(struct hn_sock *s);
/* Unregisters @s and hands its memory to the poller, which frees it once no event it
 * fetched can still name it. @s->fd and @s->wq are closed and freed here. */
void hn_poll_release(struct hn_sock *s);
/* Stops the poller and frees what it still holds. */
void hn_poll_fini(struct hn_state *st);

/* host_sock.c */
extern const struct sentry_socket_ops hn_sock_ops;
/* Wraps host socket @fd (taken) in a new hn_sock. Returns 0 or -errno (fd closed). */
int hn_sock_new(struct hn_state *st, int fd, int family, int type, int protocol, uint64_t caps,
		struct hn_sock **ret);

/* host_opt.c */
int hn_getsockopt(struct sentry_socket *ss, int level, int name, void *val, uint32_t *len);
int hn_setsockopt(struct sentry_socket *ss, int level, int name, const void *val, uint32_t len);
/* Copies the control messages of a send that may reach the host into a new buffer *@ret
 * (NULL, 0 when none), checked as Linux's protocol would. Returns 0 or -errno. */
int hn_cmsg_filter(const struct hn_sock *s, const void *ctl, size_t len, void **ret,
		   size_t *ret_len);

/* host_if.c */
int hn_if_list(void *state, struct sentry_netif *buf, size_t count);
int hn_addr_list(void *state, struct sentry_netaddr *buf, size_t count);
int hn_route_list(void *state, struct sentry_netroute *buf, size_t count);

/* Monotonic deadline for a timeout kept as in hn_sock (0: none): -1 none, 0 immediately. */
int64_t hn_deadline(const struct hn_sock *s, int64_t timeo_ns);
