/*
 * core/net/unix.c: AF_UNIX sockets: objects, names, connections, readiness and release (see
 * unix_internal.h; data moves in unix_io.c, options in unix_opt.c).
 *
 * Names: an abstract name lives in the registry under (type, bytes), as Linux hashes the type
 * into its abstract table (a stream and a datagram socket may share a name). A filesystem name
 * is a socket inode made by the filesystem (bind_endpoint_at) that holds a number, not a
 * pointer: the registry maps the number to the live socket, so a socket that closed leaves an
 * inode that refuses connections (ECONNREFUSED) instead of a dangling pointer, as on Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "kernel/interrupt.h"
#include "kernel/task.h"
#include "net/unix_internal.h"
#include "vfs/vfs.h"

#define UNIX_EV_ALL                                                                          \
	(SENTRY_EV_IN | POLLRDNORM | SENTRY_EV_OUT | POLLWRNORM | POLLWRBAND | SENTRY_EV_ERR |     \
	 SENTRY_EV_HUP | SENTRY_EV_RDHUP)
#define UNIX_NAME_BUCKETS 256

atomic_long g_unix_nr_socks, g_unix_nr_msgs, g_unix_nr_names;

static const struct sock_ops g_unix_ops;

/* --- references, waits --- */

void unix_get(struct unix_sock *u)
{
	atomic_fetch_add_explicit(&u->refs, 1, memory_order_relaxed);
}

void unix_put(struct unix_sock *u)
{
	if (!u)
		return;
	long old = atomic_fetch_sub_explicit(&u->refs, 1, memory_order_acq_rel);
	if (old > 1)
		return;
	if (old < 1)
		abort();	/* underflow: a reference was put twice */
	free(u->addr);
	kwait_wq_free(u->wq);
	kwait_wq_free(u->room_wq);
	pthread_mutex_destroy(&u->lock);
	free(u);
	atomic_fetch_sub_explicit(&g_unix_nr_socks, 1, memory_order_relaxed);
}

struct unix_cred unix_task_cred(struct task *t)
{
	if (!t)
		return (struct unix_cred){ 0, (uint32_t)-1, (uint32_t)-1 };
	return (struct unix_cred){ t->tgid, t->fs->creds.uid, t->fs->creds.gid };
}

/* --- the names registry --- */

static pthread_mutex_t g_names_lock = PTHREAD_MUTEX_INITIALIZER;
static struct unix_sock *g_names[UNIX_NAME_BUCKETS];
static uint64_t g_next_path_id = 1;	/* under g_names_lock */
static uint32_t g_autobind_next;	/* under g_names_lock */

static uint32_t hash_bytes(const void *p, size_t n, uint32_t seed)
{
	const unsigned char *b = p;
	uint32_t h = 2166136261u ^ seed;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static uint32_t abstract_bucket(const struct unix_addr *a, int type)
{
	return hash_bytes(&a->sa, a->len, (uint32_t)type) % UNIX_NAME_BUCKETS;
}

static uint32_t path_bucket(uint64_t id)
{
	return hash_bytes(&id, sizeof(id), 0) % UNIX_NAME_BUCKETS;
}

static struct unix_sock *abstract_lookup_locked(const struct unix_addr *a, int type)
{
	for (struct unix_sock *u = g_names[abstract_bucket(a, type)]; u; u = u->name_next) {
		if (!u->path_id && u->base.type == type && u->addr->len == a->len &&
		    !memcmp(&u->addr->sa, &a->sa, a->len))
			return u;
	}
	return NULL;
}

static void name_insert_locked(struct unix_sock *u, uint32_t bucket)
{
	u->name_next = g_names[bucket];
	g_names[bucket] = u;
	u->named = 1;
	atomic_fetch_add_explicit(&g_unix_nr_names, 1, memory_order_relaxed);
}

/* Takes @u's name out of the registry (its filesystem inode, if any, stays). */
static void unix_unname(struct unix_sock *u)
{
	pthread_mutex_lock(&g_names_lock);
	if (u->named) {
		uint32_t b = u->path_id ? path_bucket(u->path_id) : abstract_bucket(u->addr,
										   u->base.type);
		for (struct unix_sock **pp = &g_names[b]; *pp; pp = &(*pp)->name_next) {
			if (*pp == u) {
				*pp = u->name_next;
				break;
			}
		}
		u->named = 0;
		atomic_fetch_sub_explicit(&g_unix_nr_names, 1, memory_order_relaxed);
	}
	pthread_mutex_unlock(&g_names_lock);
}

/* Publishes @a as @u's name (taken). Called with u->lock held. */
static void set_addr_locked(struct unix_sock *u, struct unix_addr *a)
{
	__atomic_store_n(&u->addr, a, __ATOMIC_RELEASE);
}

int unix_autobind(struct unix_sock *u)
{
	pthread_mutex_lock(&u->lock);
	int have = u->addr != NULL || u->binding;
	pthread_mutex_unlock(&u->lock);
	if (have)
		return 0;
	struct unix_addr *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->sa.sun_family = AF_UNIX;
	a->len = UNIX_PATH_OFF + 6;
	int rc = -ENOSPC;
	pthread_mutex_lock(&g_names_lock);
	/* Linux tries each of the 2^20 names once before giving up. */
	for (uint32_t tries = 0; tries < (1u << 20); tries++) {
		char name[8];
		snprintf(name, sizeof(name), "%05x", g_autobind_next++ & 0xfffff);
		memcpy(a->sa.sun_path + 1, name, 5);
		if (!abstract_lookup_locked(a, u->base.type)) {
			rc = 0;
			break;
		}
	}
	pthread_mutex_lock(&u->lock);
	if (rc == 0 && !u->addr && !u->binding) {
		set_addr_locked(u, a);
		a = NULL;
		name_insert_locked(u, abstract_bucket(u->addr, u->base.type));
	}
	pthread_mutex_unlock(&u->lock);
	pthread_mutex_unlock(&g_names_lock);
	free(a);
	return rc;
}

/* Parses a sockaddr_un of @len bytes (2 < len <= 110) into @a: an abstract name as given, a
 * path cut at its first NUL and reported with one (unix_mkname_bsd). Sets *ret_path to the
 * path for filesystem names, NULL for abstract ones. */
static int parse_addr(const void *sa, uint32_t len, struct unix_addr *a, const char **ret_path)
{
	if (len < UNIX_PATH_OFF || len > UNIX_ADDR_MAX)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	memcpy(&a->sa, sa, len);
	if (a->sa.sun_family != AF_UNIX || len == UNIX_PATH_OFF)
		return -EINVAL;
	if (a->sa.sun_path[0] == '\0') {
		a->len = len;
		*ret_path = NULL;
		return 0;
	}
	/* sun_path has room for 108 bytes; a 108-byte path fills it with no NUL: copy into a
	 * buffer that has one (Linux writes it past the sockaddr_un, into its storage). */
	size_t n = strnlen(a->sa.sun_path, len - UNIX_PATH_OFF);
	a->len = UNIX_PATH_OFF + (uint32_t)n + 1;
	if (a->len > UNIX_ADDR_MAX)
		a->len = UNIX_ADDR_MAX;
	*ret_path = a->sa.sun_path;
	return 0;
}

/* The registered socket of filesystem name @id, with a reference, or NULL. */
static struct unix_sock *path_lookup(uint64_t id)
{
	pthread_mutex_lock(&g_names_lock);
	struct unix_sock *u = g_names[path_bucket(id)];
	while (u && u->path_id != id)
		u = u->name_next;
	if (u)
		unix_get(u);
	pthread_mutex_unlock(&g_names_lock);
	return u;
}

int unix_find(struct task *t, const void *sa, uint32_t len, int type, struct unix_sock **ret)
{
	struct unix_addr a;
	const char *path;
	int rc = parse_addr(sa, len, &a, &path);
	if (rc < 0)
		return rc;
	struct unix_sock *u;
	if (!path) {
		pthread_mutex_lock(&g_names_lock);
		u = abstract_lookup_locked(&a, type);
		if (u)
			unix_get(u);
		pthread_mutex_unlock(&g_names_lock);
		if (!u)
			return -ECONNREFUSED;
	} else {
		char buf[sizeof(a.sa.sun_path) + 1];
		memcpy(buf, path, a.len - UNIX_PATH_OFF - 1);
		buf[a.len - UNIX_PATH_OFF - 1] = '\0';
		void *ep = NULL;
		rc = vfs_bound_endpoint(t->fs, NULL, buf, &ep);
		if (rc < 0)
			return rc;
		u = path_lookup((uint64_t)(uintptr_t)ep);
		if (!u)
			return -ECONNREFUSED;
		if (u->base.type != type) {
			unix_put(u);
			return -EPROTOTYPE;
		}
	}
	*ret = u;
	return 0;
}

/* --- objects --- */

static struct unix_sock *unix_new(struct task *t, int type)
{
	struct unix_sock *u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	u->wq = kwait_wq_new();
	u->room_wq = kwait_wq_new();
	if (!u->wq || !u->room_wq) {
		kwait_wq_free(u->wq);
		kwait_wq_free(u->room_wq);
		free(u);
		return NULL;
	}
	sock_init(&u->base, &g_unix_ops, AF_UNIX, type, 0);
	u->base.parsed_scm = 1;
	atomic_init(&u->refs, 1);
	pthread_mutex_init(&u->lock, NULL);
	u->rq_tail = &u->rq_head;
	u->aq_tail = &u->aq_head;
	u->sndbuf = UNIX_DEF_BUF;
	u->rcvbuf = UNIX_DEF_BUF;
	u->rcvtimeo = -1;
	u->sndtimeo = -1;
	u->rcvlowat = 1;
	u->cred = unix_task_cred(t);
	atomic_fetch_add_explicit(&g_unix_nr_socks, 1, memory_order_relaxed);
	return u;
}

int unix_socket(struct task *t, int type, int protocol, struct sock **ret)
{
	if (protocol && protocol != AF_UNIX)
		return -EPROTONOSUPPORT;
	switch (type) {
	case SOCK_RAW:
		type = SOCK_DGRAM;	/* unix_create: a raw socket is a datagram one */
		break;
	case SOCK_STREAM:
	case SOCK_DGRAM:
	case SOCK_SEQPACKET:
		break;
	default:
		return -ESOCKTNOSUPPORT;
	}
	struct unix_sock *u = unix_new(t, type);
	if (!u)
		return -ENOMEM;
	*ret = &u->base;
	return 0;
}

/* Connects @a and @b both ways (a pair, or a client and its embryo): each takes a reference
 * on the other. Called on sockets nobody else sees yet. */
static void link_pair(struct unix_sock *a, struct unix_sock *b)
{
	unix_get(b);
	a->peer = b;
	a->state = UNIX_CONNECTED;
	unix_get(a);
	b->peer = a;
	b->state = UNIX_CONNECTED;
}

int unix_socketpair(struct task *t, int type, struct sock *ret[2])
{
	struct unix_sock *a = unix_new(t, type), *b = a ? unix_new(t, type) : NULL;
	if (!b) {
		unix_put(a);
		return -ENOMEM;
	}
	link_pair(a, b);
	/* init_peercred on both: each reports the creator. */
	a->peercred = b->peercred = a->cred;
	a->has_peercred = b->has_peercred = 1;
	ret[0] = &a->base;
	ret[1] = &b->base;
	return 0;
}

void unix_counters(struct unix_counters *ret)
{
	ret->socks = atomic_load(&g_unix_nr_socks);
	ret->msgs = atomic_load(&g_unix_nr_msgs);
	ret->names = atomic_load(&g_unix_nr_names);
}

/* --- bind, listen --- */

/* Binds the filesystem name @path with @a (taken on success). */
static int bind_path(struct unix_sock *u, struct task *t, const char *path, struct unix_addr *a)
{
	char buf[sizeof(a->sa.sun_path) + 1];
	memcpy(buf, path, a->len - UNIX_PATH_OFF - 1);
	buf[a->len - UNIX_PATH_OFF - 1] = '\0';
	/* Registered first, so a connect that finds the new inode finds the socket too. */
	pthread_mutex_lock(&g_names_lock);
	uint64_t id = g_next_path_id++;
	u->path_id = id;
	u->addr = a;	/* not yet published: getsockname reads it only after the bind */
	name_insert_locked(u, path_bucket(id));
	pthread_mutex_unlock(&g_names_lock);
	int rc = vfs_bind_endpoint(t->fs, NULL, buf, 0777, (void *)(uintptr_t)id);
	if (rc < 0) {
		unix_unname(u);
		u->path_id = 0;
		u->addr = NULL;
	}
	return rc;
}

static int bind_abstract(struct unix_sock *u, struct unix_addr *a)
{
	int rc = 0;
	pthread_mutex_lock(&g_names_lock);
	if (abstract_lookup_locked(a, u->base.type)) {
		rc = -EADDRINUSE;
	} else {
		u->addr = a;
		name_insert_locked(u, abstract_bucket(a, u->base.type));
	}
	pthread_mutex_unlock(&g_names_lock);
	return rc;
}

static int unix_bind(struct sock *s, struct task *t, const void *sa, uint32_t len)
{
	struct unix_sock *u = unix_sk(s);
	if (len < UNIX_PATH_OFF || ((const struct sockaddr *)sa)->sa_family != AF_UNIX)
		return -EINVAL;
	if (len == UNIX_PATH_OFF)
		return unix_autobind(u);
	struct unix_addr *a = malloc(sizeof(*a));
	if (!a)
		return -ENOMEM;
	const char *path;
	int rc = parse_addr(sa, len, a, &path);
	if (rc == 0) {
		pthread_mutex_lock(&u->lock);
		rc = u->addr || u->binding ? -EINVAL : 0;
		u->binding = rc == 0;
		pthread_mutex_unlock(&u->lock);
	}
	if (rc < 0) {
		free(a);
		return rc;
	}
	rc = path ? bind_path(u, t, path, a) : bind_abstract(u, a);
	pthread_mutex_lock(&u->lock);
	u->binding = 0;
	if (rc == 0) {
		u->addr = NULL;
		set_addr_locked(u, a);
	}
	pthread_mutex_unlock(&u->lock);
	if (rc < 0)
		free(a);
	return rc;
}

static int unix_listen(struct sock *s, struct task *t, int backlog)
{
	struct unix_sock *u = unix_sk(s);
	if (!unix_connection_based(u))
		return -EOPNOTSUPP;
	if ((unsigned int)backlog > UNIX_SOMAXCONN)
		backlog = UNIX_SOMAXCONN;
	int rc = 0;
	pthread_mutex_lock(&u->lock);
	if (!u->addr)
		rc = -EINVAL;	/* no listens on an unbound socket */
	else if (u->state != UNIX_UNCONNECTED && u->state != UNIX_LISTEN)
		rc = -EINVAL;
	if (rc == 0) {
		int grew = backlog > u->backlog;
		u->backlog = backlog;
		u->state = UNIX_LISTEN;
		/* init_peercred: clients see the listener's credentials as of listen(2). */
		u->cred = unix_task_cred(t);
		if (grew)
			kwait_wq_notify(u->room_wq, SENTRY_EV_OUT);
	}
	pthread_mutex_unlock(&u->lock);
	return rc;
}

/* --- connect, accept --- */

/* Queues @embryo (its creation reference moves to the queue) on listener @l for client @c,
 * checking in unix_stream_connect's order: the listener, its backlog (waiting if allowed),
 * then the client's own state. Returns 0, -ECONNREFUSED (not listening), -EAGAIN (full),
 * -EINTR, -EISCONN, -EINVAL (the client listens). */
static int queue_embryo(struct unix_sock *l, struct unix_sock *c, struct unix_sock *embryo,
			struct task *t, int nonblock, int64_t deadline)
{
	int rc = 0;
	pthread_mutex_lock(&l->lock);
	for (;;) {
		if (l->dead || l->state != UNIX_LISTEN) {
			rc = -ECONNREFUSED;
			break;
		}
		/* unix_recvq_full: more queued than the backlog. */
		if (l->aq_count <= l->backlog)
			break;
		rc = nonblock ? -EAGAIN : sock_wait(&l->lock, t, l->room_wq, SENTRY_EV_OUT, deadline);
		if (rc < 0)
			break;
	}
	/* The client's state is its own thread's to change (c->connecting excludes others), so
	 * it is read here without its lock, which is never taken under another socket's. */
	int cstate = __atomic_load_n(&c->state, __ATOMIC_RELAXED);
	if (rc == 0 && cstate != UNIX_UNCONNECTED)
		rc = cstate == UNIX_CONNECTED ? -EISCONN : -EINVAL;
	if (rc == 0 && c->dead)
		rc = -EBADF;
	if (rc == 0) {
		embryo->addr = NULL;
		if (l->addr) {
			struct unix_addr *a = malloc(sizeof(*a));
			if (a)
				*a = *l->addr;
			embryo->addr = a;	/* the accepted socket's name is the listener's */
		}
		embryo->peercred = embryo->cred;	/* the client's, from unix_new */
		embryo->has_peercred = 1;
		embryo->passcred = l->passcred;		/* unix_sock_inherit_flags */
		embryo->aq_next = NULL;
		*l->aq_tail = embryo;
		l->aq_tail = &embryo->aq_next;
		l->aq_count++;
		pthread_mutex_lock(&c->lock);
		link_pair(c, embryo);
		c->peercred = l->cred;
		c->has_peercred = 1;
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&l->lock);
	if (rc == 0)
		kwait_wq_notify(l->wq, SENTRY_EV_IN | POLLRDNORM);
	return rc;
}

static int stream_connect(struct unix_sock *u, struct task *t, const void *sa, uint32_t len,
			  int nonblock)
{
	if (__atomic_exchange_n(&u->connecting, 1, __ATOMIC_ACQUIRE))
		return -EALREADY;	/* another thread's connect is under way */
	struct unix_sock *l = NULL, *embryo = NULL;
	int rc = 0;
	if (__atomic_load_n(&u->passcred, __ATOMIC_RELAXED))
		rc = unix_autobind(u);
	if (rc == 0)
		rc = unix_find(t, sa, len, u->base.type, &l);
	if (rc == 0) {
		embryo = unix_new(t, u->base.type);
		rc = embryo ? 0 : -ENOMEM;
	}
	if (rc == 0)
		rc = queue_embryo(l, u, embryo, t, nonblock, sock_deadline(u->sndtimeo));
	if (rc < 0)
		unix_put(embryo);
	unix_put(l);
	__atomic_store_n(&u->connecting, 0, __ATOMIC_RELEASE);
	if (rc == 0)
		kwait_wq_notify(u->wq, SENTRY_EV_OUT | POLLWRNORM);
	return rc;
}

/* Datagram connect: sets (or, with AF_UNSPEC, clears) the default destination. */
static int dgram_connect(struct unix_sock *u, struct task *t, const void *sa, uint32_t len)
{
	if (len < UNIX_PATH_OFF)
		return -EINVAL;
	struct unix_sock *other = NULL;
	if (((const struct sockaddr *)sa)->sa_family != AF_UNSPEC) {
		int rc = 0;
		if (__atomic_load_n(&u->passcred, __ATOMIC_RELAXED))
			rc = unix_autobind(u);
		if (rc == 0)
			rc = unix_find(t, sa, len, u->base.type, &other);
		if (rc < 0)
			return rc;
		/* unix_may_send: a socket connected elsewhere takes nothing from us. */
		pthread_mutex_lock(&other->lock);
		rc = other->dead ? -ECONNREFUSED : other->peer && other->peer != u ? -EPERM : 0;
		pthread_mutex_unlock(&other->lock);
		if (rc < 0) {
			unix_put(other);
			return rc;
		}
	}
	pthread_mutex_lock(&u->lock);
	struct unix_sock *old = u->peer;
	u->peer = other;
	u->state = other ? UNIX_CONNECTED : UNIX_UNCONNECTED;
	pthread_mutex_unlock(&u->lock);
	unix_put(old);
	kwait_wq_notify(u->wq, SENTRY_EV_OUT | POLLWRNORM);
	return 0;
}

static int unix_connect(struct sock *s, struct task *t, const void *sa, uint32_t len,
			int nonblock)
{
	struct unix_sock *u = unix_sk(s);
	if (u->base.type == SOCK_DGRAM)
		return dgram_connect(u, t, sa, len);
	if (len < UNIX_PATH_OFF)
		return -EINVAL;
	if (((const struct sockaddr *)sa)->sa_family != AF_UNIX)
		return -EINVAL;
	return stream_connect(u, t, sa, len, nonblock);
}

static int unix_accept(struct sock *s, struct task *t, int nonblock, struct sock **ret)
{
	struct unix_sock *u = unix_sk(s);
	if (!unix_connection_based(u))
		return -EOPNOTSUPP;
	int64_t deadline = sock_deadline(u->rcvtimeo);
	int rc = 0;
	struct unix_sock *e = NULL;
	pthread_mutex_lock(&u->lock);
	while (rc == 0) {
		if (u->state != UNIX_LISTEN) {
			rc = -EINVAL;
			break;
		}
		e = u->aq_head;
		if (e) {
			u->aq_head = e->aq_next;
			if (!u->aq_head)
				u->aq_tail = &u->aq_head;
			u->aq_count--;
			break;
		}
		rc = nonblock ? -EAGAIN : sock_wait(&u->lock, t, u->wq, SENTRY_EV_IN, deadline);
	}
	pthread_mutex_unlock(&u->lock);
	if (rc < 0)
		return rc;
	kwait_wq_notify(u->room_wq, SENTRY_EV_OUT);
	*ret = &e->base;
	return 0;
}

/* --- shutdown, names, readiness --- */

static int unix_shutdown(struct sock *s, int how)
{
	struct unix_sock *u = unix_sk(s);
	/* SHUT_RD, SHUT_WR, SHUT_RDWR (0, 1, 2) to RCV_SHUTDOWN, SEND_SHUTDOWN bits. */
	int mode = (how + 1) & UNIX_SHUT_ALL;
	pthread_mutex_lock(&u->lock);
	u->shut |= mode;
	struct unix_sock *peer = unix_connection_based(u) ? u->peer : NULL;
	if (peer)
		unix_get(peer);
	pthread_mutex_unlock(&u->lock);
	kwait_wq_notify(u->wq, UNIX_EV_ALL);
	kwait_wq_notify(u->room_wq, UNIX_EV_ALL);
	if (peer) {
		int pmode = ((mode & UNIX_SHUT_RD) ? UNIX_SHUT_WR : 0) |
			    ((mode & UNIX_SHUT_WR) ? UNIX_SHUT_RD : 0);
		pthread_mutex_lock(&peer->lock);
		peer->shut |= pmode;
		pthread_mutex_unlock(&peer->lock);
		kwait_wq_notify(peer->wq, UNIX_EV_ALL);
		kwait_wq_notify(peer->room_wq, UNIX_EV_ALL);
		unix_put(peer);
	}
	return 0;
}

static int unix_getname(struct sock *s, int peer, void *sa, uint32_t *len)
{
	struct unix_sock *u = unix_sk(s);
	struct unix_addr a = { .len = UNIX_PATH_OFF, .sa = { .sun_family = AF_UNIX } };
	int rc = 0;
	pthread_mutex_lock(&u->lock);
	const struct unix_sock *who = u;
	if (peer) {
		who = u->state == UNIX_CONNECTED ? u->peer : NULL;
		if (!who)
			rc = -ENOTCONN;
	}
	/* The peer cannot go while we hold our lock: our reference keeps it. */
	const struct unix_addr *got = who ? __atomic_load_n(&who->addr, __ATOMIC_ACQUIRE) : NULL;
	if (got)
		a = *got;
	pthread_mutex_unlock(&u->lock);
	if (rc < 0)
		return rc;
	memcpy(sa, &a.sa, *len < a.len ? *len : a.len);
	*len = a.len;
	return 0;
}

/* unix_poll and unix_dgram_poll. */
static uint32_t unix_readiness(struct sock *s, uint32_t mask)
{
	struct unix_sock *u = unix_sk(s);
	uint32_t r = 0;
	pthread_mutex_lock(&u->lock);
	if (u->err)
		r |= SENTRY_EV_ERR;
	if (u->shut == UNIX_SHUT_ALL)
		r |= SENTRY_EV_HUP;
	if (u->shut & UNIX_SHUT_RD)
		r |= SENTRY_EV_RDHUP | SENTRY_EV_IN | POLLRDNORM;
	if (u->rq_head || u->aq_head)
		r |= SENTRY_EV_IN | POLLRDNORM;
	if (unix_connection_based(u) && u->state == UNIX_UNCONNECTED)
		r |= SENTRY_EV_HUP;
	/* unix_writable: a quarter of the send buffer free, not a listener. */
	int writable = u->state != UNIX_LISTEN &&
		       (atomic_load_explicit(&u->wmem, memory_order_relaxed) << 2) <=
			       __atomic_load_n(&u->sndbuf, __ATOMIC_RELAXED);
	struct unix_sock *p = u->peer;
	/* A datagram peer that is not connected back may be full (unix_recvq_full). */
	if (writable && p && u->base.type != SOCK_STREAM &&
	    __atomic_load_n(&p->peer, __ATOMIC_RELAXED) != u &&
	    __atomic_load_n(&p->rq_count, __ATOMIC_RELAXED) > UNIX_MAX_DGRAM_QLEN)
		writable = 0;
	if (writable)
		r |= SENTRY_EV_OUT | POLLWRNORM | POLLWRBAND;
	pthread_mutex_unlock(&u->lock);
	return r & mask;
}

static struct sentry_waitq *unix_waitq(struct sock *s)
{
	return unix_sk(s)->wq;
}

/* --- release --- */

/* unix_release_sock: @u's file (or, for an embryo, its listener) is gone. */
static void release_sock(struct unix_sock *u, int embryo)
{
	unix_unname(u);
	pthread_mutex_lock(&u->lock);
	u->dead = 1;
	u->shut = UNIX_SHUT_ALL;
	struct unix_sock *peer = u->peer;
	u->peer = NULL;
	int unread = u->rq_head != NULL;
	struct unix_msg *rq = u->rq_head;
	u->rq_head = NULL;
	u->rq_tail = &u->rq_head;
	u->rq_count = 0;
	struct unix_sock *aq = u->aq_head;
	u->aq_head = NULL;
	u->aq_tail = &u->aq_head;
	u->aq_count = 0;
	u->state = UNIX_UNCONNECTED;
	pthread_mutex_unlock(&u->lock);
	kwait_wq_notify(u->wq, UNIX_EV_ALL);
	kwait_wq_notify(u->room_wq, UNIX_EV_ALL);
	if (peer) {
		if (unix_connection_based(u)) {
			pthread_mutex_lock(&peer->lock);
			peer->shut = UNIX_SHUT_ALL;
			if (unread || embryo)
				peer->err = ECONNRESET;
			pthread_mutex_unlock(&peer->lock);
			kwait_wq_notify(peer->wq, UNIX_EV_ALL);
			kwait_wq_notify(peer->room_wq, UNIX_EV_ALL);
		}
		unix_put(peer);
	}
	unix_msgs_free(rq);
	while (aq) {
		struct unix_sock *next = aq->aq_next;
		release_sock(aq, 1);
		unix_put(aq);
		aq = next;
	}
}

static void unix_release(struct sock *s)
{
	struct unix_sock *u = unix_sk(s);
	release_sock(u, 0);
	unix_put(u);
}

static const struct sock_ops g_unix_ops = {
	.bind = unix_bind,
	.listen = unix_listen,
	.accept = unix_accept,
	.connect = unix_connect,
	.sendmsg = unix_sendmsg,
	.recvmsg = unix_recvmsg,
	.shutdown = unix_shutdown,
	.getsockopt = unix_getsockopt,
	.setsockopt = unix_setsockopt,
	.getname = unix_getname,
	.ioctl = unix_ioctl,
	.readiness = unix_readiness,
	.waitq = unix_waitq,
	.release = unix_release,
};
