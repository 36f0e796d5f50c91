/*
 * core/net/socket.h: the Sentry's socket layer (DESIGN.md, Network ops).
 *
 * A socket is an open file description on the core's anonymous filesystem whose file is a
 * struct sock: the protocol's object, with the core's socket table (struct sock_ops) in front
 * of it. AF_UNIX is the core's own protocol (unix.c); AF_INET and AF_INET6 go to the network
 * plugin through an adapter (inet.c) that fits struct sentry_socket behind the same table. The
 * system calls (core/sys/sys_socket.c, sys_sockmsg.c) copy addresses, options and ancillary data
 * in and out and call the table; read(2), write(2) and poll(2) reach the same slots through the
 * file (sock_user_io, the file's readiness and waitq).
 *
 * References: the file holds one reference on its sock (released through the file's release
 * slot, which calls ops->release); protocols count further references themselves (unix.c).
 */
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/uio.h>

#include "ipc/ipc_io.h"
#include "sentry/fs.h"
#include "sentry/net.h"

struct plg_plugin;
struct task;
struct vfs_file;

/* SCM_MAX_FD: descriptors one SCM_RIGHTS message may carry (include/net/scm.h). */
#define NET_SCM_MAX_FD 253

/* Ancillary data of one AF_UNIX message, parsed: what SCM_RIGHTS and SCM_CREDENTIALS carry. */
struct net_scm {
	struct vfs_file **files;	/* @nfiles open file descriptions, one reference each,
					 * owned by whoever holds the scm; NULL when none */
	uint32_t nfiles;
	int has_creds;			/* send: SCM_CREDENTIALS given; recv: deliver @pid.. */
	int32_t pid;			/* the credentials (struct ucred) */
	uint32_t uid;
	uint32_t gid;
};

/* Puts every file of @scm and empties it. */
void net_scm_clear(struct net_scm *scm);

/* One send or receive as the syscall layer hands it to a protocol. */
struct sock_msg {
	struct ipc_io io;	/* the data: the application's segments, or Sentry buffers */
	void *name;		/* sockaddr in Sentry memory; send: destination (NULL: none);
				 * recv: room for the source (NULL: not wanted) */
	uint32_t name_len;	/* send: bytes at name; recv: in the room, out the source's
				 * full length (0: no address) */
	uint32_t flags;		/* recv out: MSG_TRUNC, MSG_CTRUNC, MSG_EOR */
	/* AF_UNIX (sock.parsed_scm): send: the parsed control messages, whose files the protocol
	 * takes on success (it empties the scm); recv: filled by the protocol, the caller
	 * delivers and clears it. */
	struct net_scm scm;
	/* Other families: the raw control buffer (cmsghdr layout, Sentry memory); send: its
	 * bytes; recv: room in, bytes written out. */
	void *control;
	size_t control_len;
};

struct sock;

/* The core's socket table. Every slot is mandatory for a protocol (unix.c, inet.c): they
 * give Linux's sock_no_* errnos themselves. @t is the calling task (for blocking, signals and
 * credentials); no core lock is held. Returns are 0 (or a count) or -errno. */
struct sock_ops {
	/* bind(2) to @addr (@len bytes, checked 0 < len <= 128 by the caller). */
	int (*bind)(struct sock *s, struct task *t, const void *addr, uint32_t len);
	/* listen(2); @backlog as given. */
	int (*listen)(struct sock *s, struct task *t, int backlog);
	/* accept(2): the next connection, as a new sock with one reference (*ret). */
	int (*accept)(struct sock *s, struct task *t, int nonblock, struct sock **ret);
	/* connect(2); @len may be 0. */
	int (*connect)(struct sock *s, struct task *t, const void *addr, uint32_t len,
		       int nonblock);
	/* sendmsg(2) with MSG_* @flags (MSG_DONTWAIT already holds O_NONBLOCK). Returns bytes;
	 * -EPIPE raises no signal here: the caller does, unless MSG_NOSIGNAL. */
	int64_t (*sendmsg)(struct sock *s, struct task *t, struct sock_msg *m, int flags);
	/* recvmsg(2); fills the "out" fields of @m. */
	int64_t (*recvmsg)(struct sock *s, struct task *t, struct sock_msg *m, int flags);
	/* shutdown(2); @how checked to be SHUT_RD..SHUT_RDWR. */
	int (*shutdown)(struct sock *s, int how);
	/* getsockopt(2): at most *@len bytes to @val (Sentry memory), *@len set to the bytes
	 * written. */
	int (*getsockopt)(struct sock *s, struct task *t, int level, int name, void *val,
			  uint32_t *len);
	/* setsockopt(2) of @len bytes at @val (Sentry memory). */
	int (*setsockopt)(struct sock *s, struct task *t, int level, int name, const void *val,
			  uint32_t len);
	/* getsockname(2)/getpeername(2) (@peer): writes up to *@len bytes to @addr, sets *@len to
	 * the full length. */
	int (*getname)(struct sock *s, int peer, void *addr, uint32_t *len);
	/* ioctl(2) beyond the requests every file answers. -ENOTTY for unknown ones. */
	int64_t (*ioctl)(struct sock *s, struct task *t, uint32_t cmd, uint64_t arg);
	/* Readiness among @mask (SENTRY_EV_* with Linux's POLL* values). */
	uint32_t (*readiness)(struct sock *s, uint32_t mask);
	/* The queue notified when readiness changes. */
	struct sentry_waitq *(*waitq)(struct sock *s);
	/* The file's reference is gone (last close): shut down and drop it. */
	void (*release)(struct sock *s);
};

/* Base of every protocol's socket, its first member. */
struct sock {
	struct sentry_file base;	/* the file; first, so a vfs_file's sf is the sock */
	const struct sock_ops *ops;
	int family;			/* AF_UNIX, AF_INET, AF_INET6, AF_NETLINK */
	int type;			/* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, ... (no flags) */
	int protocol;
	int parsed_scm;			/* the syscall layer parses control messages into scm */
};

/* --- the file (socket.c) --- */

/* The sock behind @f (borrowed), or NULL when @f is not a socket (ENOTSOCK). */
struct sock *sock_of(const struct vfs_file *f);

/* Wraps @s (its reference taken; released on failure) in a new open file description with
 * O_RDWR | (@flags & O_NONBLOCK): fstat shows S_IFSOCK | 0777 owned by @creds (borrowed).
 * Returns 0 or -ENOMEM. */
int sock_file_new(struct sock *s, const struct sentry_creds *creds, uint32_t flags,
		  struct vfs_file **ret_file);

/* Sets the file slots of @s's base (the protocols' constructors call it). */
void sock_init(struct sock *s, const struct sock_ops *ops, int family, int type, int protocol);

/* read(2)/write(2)/readv(2)/writev(2) on @f for @t over the application's segments: recvmsg or
 * sendmsg with no flags (a write's -EPIPE raises SIGPIPE). Returns 0 when @f is not a socket;
 * otherwise 1 with *ret_n the result (-ESPIPE for a position @off >= 0). */
int sock_user_io(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count,
		 int64_t off, int write, int64_t *ret_n);

/* After a send on @s by @t with MSG_* @flags returned @rc: SIGPIPE for -EPIPE without
 * MSG_NOSIGNAL where Linux raises it (AF_UNIX streams, which send_sig; the network plugin's
 * sockets, as TCP's sk_stream_error), dropped when ignored and unblocked. */
void sock_sigpipe(struct sock *s, struct task *t, int64_t rc, int flags);

/* --- waits and timeouts every protocol shares (socket.c) --- */

/* A deadline for a wait of @timeo ns (-1: none, 0: do not wait) from now: -1, 0, or an
 * absolute CLOCK_MONOTONIC time. */
int64_t sock_deadline(int64_t timeo);

/* Sleeps on @wq for @events, @lock (held on entry and return) dropped meanwhile, until
 * @deadline (sock_deadline's). Returns 0 (recheck), -EAGAIN (no task, no time, timed out),
 * -EINTR. */
int sock_wait(pthread_mutex_t *lock, struct task *t, struct sentry_waitq *wq, uint32_t events,
	      int64_t deadline);

/* SO_RCVTIMEO/SO_SNDTIMEO stored in @slot as sock_deadline's ns (sock_get_timeout). */
struct timeval sock_timeo_get(const int64_t *slot);

/* Sets @slot from the struct timeval at @val (@len bytes) (sock_set_timeout): a negative
 * time is "do not wait", zero "no timeout". Returns 0, -EINVAL (short), -EDOM (tv_usec out of
 * range). */
int sock_timeo_set(int64_t *slot, const void *val, uint32_t len);

/* The SOL_SOCKET options every socket answers from its identity (SO_TYPE, SO_PROTOCOL,
 * SO_DOMAIN) into *@ret. Returns 0, or -ENOPROTOOPT for any other @name. */
int sock_identity_opt(const struct sock *s, int name, int *ret);

/* SO_SNDBUF/SO_RCVBUF's stored size for @val: doubled for the kernel's bookkeeping, within
 * [@min, 2 * @max] (net.core.wmem_max/rmem_max = @max). */
int sock_buf_size(int val, int min, int max);

/* --- creation and the network plugin (family.c) --- */

/* The network plugin's socket factory, or nothing: AF_INET and AF_INET6 then give
 * -EAFNOSUPPORT, as a Linux built without them. */
struct net_stack {
	const struct sentry_net_ops *ops;	/* borrowed from the plugin; NULL: none */
	size_t ops_size;
	void *state;				/* the plugin's, from its init */
	struct plg_plugin *plugin;		/* for the result check; may be NULL in tests */
};

/* Installs @stack (copied; NULL removes it) for every later socket(2). Sockets already made
 * keep the stack they came from. Not thread-safe against socket(2): called at boot. */
void net_stack_set(const struct net_stack *stack);

/* The stack net_stack_set installed (all zero: none), copied into @ret. */
void net_stack_get(struct net_stack *ret);

/* socket(2) after the flag check: @type without SOCK_NONBLOCK/SOCK_CLOEXEC. *@ret has one
 * reference. Returns 0, -EAFNOSUPPORT (family unknown or not served), -EINVAL (@type out of
 * range), -EPROTONOSUPPORT, -ESOCKTNOSUPPORT, -EPERM, -ENOMEM. */
int net_socket(struct task *t, int family, int type, int protocol, struct sock **ret);

/* socketpair(2): two connected sockets. Returns 0, the net_socket errnos, -EOPNOTSUPP (the
 * family has no pairs: AF_INET). */
int net_socketpair(struct task *t, int family, int type, int protocol, struct sock *ret[2]);

/* --- AF_UNIX (unix.c) --- */

int unix_socket(struct task *t, int type, int protocol, struct sock **ret);
int unix_socketpair(struct task *t, int type, struct sock *ret[2]);

/* Live AF_UNIX sockets and queued messages, for leak checks in tests. */
struct unix_counters {
	long socks;
	long msgs;
	long names;	/* bound names in the registry */
};
void unix_counters(struct unix_counters *ret);

/* --- AF_NETLINK (netlink.c) --- */

/* socket(AF_NETLINK, @type, @protocol). Returns 0, -ESOCKTNOSUPPORT (not SOCK_RAW or
 * SOCK_DGRAM), -EPROTONOSUPPORT (not NETLINK_ROUTE), -ENOMEM. */
int netlink_socket(struct task *t, int type, int protocol, struct sock **ret);

/* --- AF_INET/AF_INET6 through the plugin (inet.c) --- */

/* Wraps plugin socket @ps (taken) made by @stack in a sock. Returns 0 or -ENOMEM (and @ps is
 * released). */
int inet_sock_wrap(const struct net_stack *stack, struct sentry_socket *ps, struct sock **ret);
