/*
 * core/net/unix_internal.h: what the AF_UNIX files (unix.c, unix_io.c, unix_opt.c) share.
 *
 * Linux's af_unix.c in the Sentry. Every socket has its own receive queue; a sender appends to
 * the receiver's queue and charges the bytes to its own send buffer (sk_wmem_alloc), which the
 * receiver gives back as it consumes them, so a stream writer blocks on its own buffer and a
 * datagram sender also on the receiver's queue length (max_dgram_qlen). A listener's queue holds
 * embryos: server-side sockets already connected to their clients, which accept(2) hands out.
 *
 * Locks: one mutex per socket (state, queues, peer pointer), plus the names registry's mutex.
 * No code holds two socket mutexes at once: a connect locks the client, then (after dropping
 * it) the listener, then the client again, so two sockets connecting to each other cannot
 * deadlock. The registry mutex is never held while taking a socket's. Waiters register on a
 * queue under the mutex of the socket whose state they check, drop it and sleep (kernel/wait.h).
 *
 * References (refs): the file holds one (dropped by release), the peer pointer one, every
 * queued message one on its sender (its charge and its address), a listener's queue one on
 * each embryo, a registry lookup one for its caller. The registry holds none: release takes
 * the name out before dropping the file's reference.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/un.h>

#include "kernel/wait.h"
#include "net/socket.h"

/* Linux's limits and defaults (net/core/sock.c, include/net/sock.h, net/unix/). */
#define UNIX_ADDR_MAX ((uint32_t)sizeof(struct sockaddr_un))	/* 110 */
#define UNIX_PATH_OFF 2u			/* offsetof(struct sockaddr_un, sun_path) */
#define UNIX_DEF_BUF 212992			/* net.core.wmem_default, rmem_default */
#define UNIX_MAX_BUF 212992			/* net.core.wmem_max, rmem_max (Linux's default) */
#define UNIX_MIN_SNDBUF 4608			/* SOCK_MIN_SNDBUF */
#define UNIX_MIN_RCVBUF 2304			/* SOCK_MIN_RCVBUF */
#define UNIX_MAX_DGRAM_QLEN 10			/* net.unix.max_dgram_qlen */
#define UNIX_SOMAXCONN 4096			/* net.core.somaxconn */
#define UNIX_DGRAM_SLACK 32			/* a datagram may be sndbuf - 32 bytes */
#define UNIX_CHUNK (64u << 10)			/* largest stream message (one skb) */
#define UNIX_MSG_COST 512u			/* what a message costs beyond its bytes (truesize) */

/* sk_shutdown bits. */
enum {
	UNIX_SHUT_RD = 1,	/* RCV_SHUTDOWN */
	UNIX_SHUT_WR = 2,	/* SEND_SHUTDOWN */
	UNIX_SHUT_ALL = 3,
};

/* sk_state. */
enum unix_state {
	UNIX_UNCONNECTED = 0,	/* TCP_CLOSE */
	UNIX_LISTEN,		/* TCP_LISTEN */
	UNIX_CONNECTED,		/* TCP_ESTABLISHED */
};

/* A bound name: the sockaddr_un as getsockname(2) reports it. Immutable once published. */
struct unix_addr {
	uint32_t len;			/* bytes of sa used: 2 + name */
	struct sockaddr_un sa;
};

/* Credentials as SCM_CREDENTIALS and SO_PEERCRED carry them (struct ucred). */
struct unix_cred {
	int32_t pid;
	uint32_t uid;
	uint32_t gid;
};

/* One queued message (a datagram, a SEQPACKET record, or a piece of a stream). */
struct unix_msg {
	struct unix_msg *next;
	struct unix_sock *from;		/* the sender, one reference */
	size_t len;			/* bytes in data */
	size_t off;			/* bytes a stream reader already took */
	size_t charge;			/* what it costs the sender's buffer */
	struct unix_cred cred;		/* the sender's, or what SCM_CREDENTIALS said */
	struct vfs_file **files;	/* SCM_RIGHTS, one reference each; NULL: none */
	uint32_t nfiles;
	char data[];
};

struct unix_sock {
	struct sock base;		/* first: the file */
	atomic_long refs;
	pthread_mutex_t lock;		/* everything below marked (L) */
	struct sentry_waitq *wq;	/* readers, accepters, pollers, senders awaiting their
					 * own buffer: the socket's readiness */
	struct sentry_waitq *room_wq;	/* senders and connects awaiting room in this socket's
					 * receive or accept queue */
	int state;			/* (L) enum unix_state */
	int shut;			/* (L) UNIX_SHUT_* */
	int dead;			/* (L) the file is gone */
	int err;			/* (L) pending SO_ERROR */
	int connecting;			/* (L) a connect(2) is under way */
	int binding;			/* (L) a bind(2) is under way */
	struct unix_sock *peer;		/* (L) connected peer, one reference */
	struct unix_addr *addr;		/* bound name; written once under (L) with release order,
					 * read with acquire order by anyone holding a reference */
	uint64_t path_id;		/* registry key of a filesystem name, 0: none */
	struct unix_sock *name_next;	/* registry chain (registry mutex) */
	int named;			/* in the registry (registry mutex) */
	/* Receive queue (L). */
	struct unix_msg *rq_head;
	struct unix_msg **rq_tail;
	uint32_t rq_count;
	/* Accept queue of a listener (L). */
	struct unix_sock *aq_head;
	struct unix_sock **aq_tail;
	struct unix_sock *aq_next;	/* link while queued as an embryo */
	int aq_count;
	int backlog;
	/* Send buffer in use by this socket's queued messages (atomic). */
	atomic_long wmem;
	atomic_long wbytes;		/* of it, data bytes (SIOCOUTQ) */
	/* Options (atomic ints, read unlocked). */
	int sndbuf;
	int rcvbuf;
	int passcred;
	int64_t rcvtimeo;		/* ns; -1: none (MAX_SCHEDULE_TIMEOUT); 0: never wait */
	int64_t sndtimeo;
	int opt_flags;			/* UNIX_OPT_* booleans */
	int priority;
	int mark;
	int rcvlowat;
	int linger_on, linger_secs;
	struct unix_cred cred;		/* the creator's (or listener's, since listen): what a
					 * peer's SO_PEERCRED reports */
	struct unix_cred peercred;	/* (L) SO_PEERCRED */
	int has_peercred;		/* (L) */
};

/* Stored SOL_SOCKET booleans. */
enum {
	UNIX_OPT_REUSEADDR = 1u << 0,
	UNIX_OPT_KEEPALIVE = 1u << 1,
	UNIX_OPT_BROADCAST = 1u << 2,
	UNIX_OPT_OOBINLINE = 1u << 3,
	UNIX_OPT_DONTROUTE = 1u << 4,
	UNIX_OPT_PASSSEC = 1u << 5,
};

static inline struct unix_sock *unix_sk(struct sock *s)
{
	return (struct unix_sock *)s;
}

static inline int unix_connection_based(const struct unix_sock *u)
{
	return u->base.type == SOCK_STREAM || u->base.type == SOCK_SEQPACKET;
}

void unix_get(struct unix_sock *u);
void unix_put(struct unix_sock *u);

/* The task's credentials as struct ucred (tgid, real uid and gid). */
struct unix_cred unix_task_cred(struct task *t);

/* The socket bound at the address @sa (@len bytes, checked) of @type, with a reference.
 * Returns 0, -EINVAL (a bad address), -ECONNREFUSED (nothing bound there, or a type that
 * differs under an abstract name), -EPROTOTYPE (a filesystem name of another type), the path
 * walk's errnos (-ENOENT, -EACCES, -ENOTDIR...). */
int unix_find(struct task *t, const void *sa, uint32_t len, int type, struct unix_sock **ret);

/* Gives @u an abstract name of five hex digits (autobind) unless it has a name. Returns 0,
 * -ENOSPC (every name taken), -ENOMEM. */
int unix_autobind(struct unix_sock *u);

/* Sends and receives (unix_io.c). */
int64_t unix_sendmsg(struct sock *s, struct task *t, struct sock_msg *m, int flags);
int64_t unix_recvmsg(struct sock *s, struct task *t, struct sock_msg *m, int flags);
/* Frees queued messages @head (a detached list): puts their files, gives back their charge
 * and wakes their senders. Call with no socket lock held. */
void unix_msgs_free(struct unix_msg *head);

/* Options and ioctls (unix_opt.c). */
int unix_getsockopt(struct sock *s, struct task *t, int level, int name, void *val,
		    uint32_t *len);
int unix_setsockopt(struct sock *s, struct task *t, int level, int name, const void *val,
		    uint32_t len);
int64_t unix_ioctl(struct sock *s, struct task *t, uint32_t cmd, uint64_t arg);

/* Counters (atomic), see unix_counters. */
extern atomic_long g_unix_nr_socks, g_unix_nr_msgs, g_unix_nr_names;
