/*
 * core/net/unix_io.c: AF_UNIX sends and receives (unix_stream_sendmsg, unix_dgram_sendmsg,
 * unix_stream_read_generic, unix_dgram_recvmsg).
 *
 * A message's bytes are copied from the sender's memory into the message, and from the message
 * into the receiver's: two copies, as Linux's skbs. A stream send is cut into messages of at
 * most UNIX_CHUNK bytes, each waiting for room in the sender's buffer; a read takes bytes across
 * messages but never past one that carried descriptors, and, with SO_PASSCRED, never across
 * writers. Datagrams and SEQPACKET records are one message each, taken whole by one read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel/task.h"
#include "net/scm.h"
#include "net/unix_internal.h"
#include "vfs/vfs.h"

#define EV_DATA (SENTRY_EV_IN | POLLRDNORM)
#define EV_ROOM (SENTRY_EV_OUT | POLLWRNORM | POLLWRBAND)

/* --- messages --- */

/* Descriptors in queued messages (unix_tot_inflight; Linux counts them per user). */
static atomic_long g_inflight;

long unix_inflight(void)
{
	return atomic_load_explicit(&g_inflight, memory_order_relaxed);
}

/* Moves @m's files into @scm (the reader's now). */
static void msg_take_files(struct unix_msg *m, struct net_scm *scm)
{
	atomic_fetch_sub_explicit(&g_inflight, m->nfiles, memory_order_relaxed);
	scm->files = m->files;
	scm->nfiles = m->nfiles;
	m->files = NULL;
	m->nfiles = 0;
}

/* A message of @len bytes copied from @io (advanced), from @u; NULL with *ret_err -ENOMEM or
 * -EFAULT (nothing taken from @io). */
static struct unix_msg *msg_new(struct unix_sock *u, struct ipc_io *io, size_t len, int *ret_err)
{
	struct unix_msg *m = malloc(sizeof(*m) + len);
	if (!m) {
		*ret_err = -ENOMEM;
		return NULL;
	}
	/* The header first: its tail padding may overlap the first bytes of data. */
	*m = (struct unix_msg){ .from = u, .len = len, .charge = len + UNIX_MSG_COST };
	if (ipc_io_move(io, m->data, len, 1) < 0) {
		free(m);
		*ret_err = -EFAULT;
		return NULL;
	}
	unix_get(u);
	atomic_fetch_add_explicit(&u->wmem, (long)m->charge, memory_order_relaxed);
	atomic_fetch_add_explicit(&u->wbytes, (long)len, memory_order_relaxed);
	atomic_fetch_add_explicit(&g_unix_nr_msgs, 1, memory_order_relaxed);
	return m;
}

/* Gives @m's charge back to its sender and wakes it (sock_wfree). */
static void msg_uncharge(struct unix_msg *m)
{
	struct unix_sock *from = m->from;
	atomic_fetch_sub_explicit(&from->wmem, (long)m->charge, memory_order_relaxed);
	atomic_fetch_sub_explicit(&from->wbytes, (long)(m->len - m->off), memory_order_relaxed);
	m->charge = 0;
	m->off = m->len;
	kwait_wq_notify(from->wq, EV_ROOM);
}

static void msg_free(struct unix_msg *m)
{
	if (m->charge)
		msg_uncharge(m);
	atomic_fetch_sub_explicit(&g_inflight, m->nfiles, memory_order_relaxed);
	for (uint32_t i = 0; i < m->nfiles; i++)
		vfs_file_put(m->files[i]);
	free(m->files);
	unix_put(m->from);
	free(m);
	atomic_fetch_sub_explicit(&g_unix_nr_msgs, 1, memory_order_relaxed);
}

void unix_msgs_free(struct unix_msg *head)
{
	while (head) {
		struct unix_msg *next = head->next;
		msg_free(head);
		head = next;
	}
}

/* Moves @scm's files and credentials onto @m (the files are the message's now). */
static void msg_attach(struct unix_msg *m, struct net_scm *scm, struct task *t)
{
	m->cred = unix_task_cred(t);
	if (scm->has_creds)
		m->cred = (struct unix_cred){ scm->pid, scm->uid, scm->gid };
	m->files = scm->files;
	m->nfiles = scm->nfiles;
	scm->files = NULL;
	scm->nfiles = 0;
	atomic_fetch_add_explicit(&g_inflight, m->nfiles, memory_order_relaxed);
}

/* Appends @m to @r's queue. Called with r->lock held. */
static void enqueue_locked(struct unix_sock *r, struct unix_msg *m)
{
	m->next = NULL;
	*r->rq_tail = m;
	r->rq_tail = &m->next;
	__atomic_store_n(&r->rq_count, r->rq_count + 1, __ATOMIC_RELAXED);
}

/* Takes the head of @r's queue. Called with r->lock held. */
static struct unix_msg *dequeue_locked(struct unix_sock *r)
{
	struct unix_msg *m = r->rq_head;
	r->rq_head = m->next;
	if (!r->rq_head)
		r->rq_tail = &r->rq_head;
	__atomic_store_n(&r->rq_count, r->rq_count - 1, __ATOMIC_RELAXED);
	return m;
}

/* Waits until @u's buffer has room (sock_alloc_send_pskb): its charge below SO_SNDBUF. Called
 * with u->lock held. Returns 0, -EAGAIN, -EINTR, -EPIPE (shut down meanwhile). */
static int wait_sndbuf(struct unix_sock *u, struct task *t, int nonblock, int64_t deadline)
{
	for (;;) {
		if (u->shut & UNIX_SHUT_WR)
			return -EPIPE;
		if (atomic_load_explicit(&u->wmem, memory_order_relaxed) <
		    __atomic_load_n(&u->sndbuf, __ATOMIC_RELAXED))
			return 0;
		if (nonblock)
			return -EAGAIN;
		int rc = sock_wait(&u->lock, t, u->wq, EV_ROOM, deadline);
		if (rc < 0)
			return rc;
	}
}

/* --- stream --- */

/* Appends @m to @peer's queue. Returns 0 or -EPIPE (@peer gone or not reading). */
static int stream_deliver(struct unix_sock *peer, struct unix_msg *m)
{
	pthread_mutex_lock(&peer->lock);
	int rc = peer->dead || (peer->shut & UNIX_SHUT_RD) ? -EPIPE : 0;
	if (rc == 0)
		enqueue_locked(peer, m);
	pthread_mutex_unlock(&peer->lock);
	if (rc == 0)
		kwait_wq_notify(peer->wq, EV_DATA);
	return rc;
}

static int64_t stream_send(struct unix_sock *u, struct task *t, struct sock_msg *sm, int flags)
{
	if (sm->name)
		return u->state == UNIX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	int nonblock = (flags & MSG_DONTWAIT) != 0;
	int64_t deadline = sock_deadline(u->sndtimeo);
	struct ipc_io *io = &sm->io;
	int64_t sent = 0;
	int rc = 0;
	pthread_mutex_lock(&u->lock);
	struct unix_sock *peer = u->state == UNIX_CONNECTED ? u->peer : NULL;
	if (!peer)
		rc = -ENOTCONN;
	else if (u->shut & UNIX_SHUT_WR)
		rc = -EPIPE;
	if (rc == 0)
		unix_get(peer);
	else
		peer = NULL;
	pthread_mutex_unlock(&u->lock);
	/* The descriptors travel with the first message; a zero-length send with some still
	 * makes one. */
	int first = 1;
	while (rc == 0 && (io->left || (first && sm->scm.nfiles))) {
		pthread_mutex_lock(&u->lock);
		rc = wait_sndbuf(u, t, nonblock, deadline);
		pthread_mutex_unlock(&u->lock);
		if (rc < 0)
			break;
		size_t n = io->left < UNIX_CHUNK ? io->left : UNIX_CHUNK;
		struct unix_msg *m = msg_new(u, io, n, &rc);
		if (!m)
			break;
		if (first)
			msg_attach(m, &sm->scm, t);
		else
			m->cred = unix_task_cred(t);
		first = 0;
		rc = stream_deliver(peer, m);
		if (rc < 0) {
			msg_free(m);
			break;
		}
		sent += (int64_t)n;
	}
	unix_put(peer);
	/* unix_stream_sendmsg: -EPIPE only when nothing went (the caller's SIGPIPE likewise). */
	return sent ? sent : rc;
}

/* The first message of @u's queue that a peek at byte @skip of the stream would read, and the
 * offset in it. Called with u->lock held. */
static struct unix_msg *peek_at(struct unix_sock *u, size_t skip, size_t *ret_off)
{
	struct unix_msg *m = u->rq_head;
	while (m && skip >= m->len - m->off) {
		skip -= m->len - m->off;
		m = m->next;
	}
	*ret_off = m ? m->off + skip : 0;
	return m;
}

/* Copies @m's files into @scm as new references (MSG_PEEK's unix_peek_fds). */
static int scm_dup_files(struct net_scm *scm, const struct unix_msg *m)
{
	if (!m->nfiles)
		return 0;
	scm->files = malloc(m->nfiles * sizeof(*scm->files));
	if (!scm->files)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->nfiles; i++) {
		vfs_file_get(m->files[i]);
		scm->files[i] = m->files[i];
	}
	scm->nfiles = m->nfiles;
	return 0;
}

/* Reports @m's sender as the source (unix_copy_addr: no name, no address). */
static void copy_source(struct sock_msg *sm, const struct unix_msg *m, uint32_t room)
{
	if (!sm->name)
		return;
	const struct unix_addr *a = __atomic_load_n(&m->from->addr, __ATOMIC_ACQUIRE);
	if (!a)
		return;
	memcpy(sm->name, &a->sa, room < a->len ? room : a->len);
	sm->name_len = a->len;
}

static int cred_eq(const struct unix_cred *a, const struct unix_cred *b)
{
	return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* One pass over the queue for a stream read, with u->lock held: takes (or peeks) what is
 * there into @sm, up to its room. Returns bytes (0: nothing was there) or -EFAULT (nothing
 * taken); *ret_stop when the read must end here (descriptors came). Messages used up go on
 * *@done for the caller to free without the lock. */
static int64_t stream_take(struct unix_sock *u, struct sock_msg *sm, int flags, size_t before,
			   uint32_t room, int *have_cred, struct unix_cred *cred,
			   struct unix_msg **done, int *ret_stop)
{
	int64_t copied = 0;
	int passcred = __atomic_load_n(&u->passcred, __ATOMIC_RELAXED);
	while (sm->io.left) {
		size_t off;
		struct unix_msg *m = (flags & MSG_PEEK) ? peek_at(u, before + (size_t)copied, &off)
							 : u->rq_head;
		if (!m)
			break;
		if (!(flags & MSG_PEEK))
			off = m->off;
		/* Never glue messages from different writers (with SO_PASSCRED). */
		if (*have_cred && !cred_eq(cred, &m->cred))
			break;
		if (!*have_cred && passcred) {
			*cred = m->cred;
			*have_cred = 1;
		}
		if (!before && !copied)
			copy_source(sm, m, room);
		size_t n = m->len - off < sm->io.left ? m->len - off : sm->io.left;
		if (ipc_io_move(&sm->io, m->data + off, n, 0) < 0)
			return copied ? copied : -EFAULT;
		copied += (int64_t)n;
		if (flags & MSG_PEEK) {
			if (m->nfiles) {
				(void)scm_dup_files(&sm->scm, m);
				*ret_stop = 1;
				break;
			}
			continue;
		}
		m->off += n;
		atomic_fetch_sub_explicit(&m->from->wbytes, (long)n, memory_order_relaxed);
		int files = m->nfiles != 0;
		if (files)
			msg_take_files(m, &sm->scm);
		if (m->off == m->len) {
			dequeue_locked(u);
			m->next = *done;
			*done = m;
		}
		if (files) {
			*ret_stop = 1;
			break;
		}
	}
	return copied;
}

static int64_t stream_recv(struct unix_sock *u, struct task *t, struct sock_msg *sm, int flags)
{
	/* No urgent data is ever queued (sending it is refused): unix_stream_recv_urg's answer
	 * when there is none. */
	if (flags & MSG_OOB)
		return -EINVAL;
	int nonblock = (flags & MSG_DONTWAIT) != 0;
	int64_t deadline = sock_deadline(u->rcvtimeo);
	size_t target = (flags & MSG_WAITALL) ? sm->io.left : 1;
	struct unix_msg *done = NULL;
	struct unix_cred cred = { 0 };
	int have_cred = 0, stop = 0, rc = 0;
	int64_t copied = 0;
	uint32_t room = sm->name_len;
	sm->name_len = 0;
	pthread_mutex_lock(&u->lock);
	if (u->state != UNIX_CONNECTED)
		rc = -EINVAL;
	while (rc == 0) {
		int64_t n = stream_take(u, sm, flags, (size_t)copied, room, &have_cred, &cred,
					&done, &stop);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		copied += n;
		if (stop || !sm->io.left || (size_t)copied >= target || ((flags & MSG_PEEK) && n))
			break;
		if (u->err) {
			rc = -u->err;
			u->err = 0;
			break;
		}
		if (u->shut & UNIX_SHUT_RD)
			break;
		if (nonblock) {
			rc = -EAGAIN;
			break;
		}
		rc = sock_wait(&u->lock, t, u->wq, EV_DATA | SENTRY_EV_RDHUP | SENTRY_EV_HUP,
			       deadline);
	}
	pthread_mutex_unlock(&u->lock);
	if (have_cred) {
		sm->scm.has_creds = 1;
		sm->scm.pid = cred.pid;
		sm->scm.uid = cred.uid;
		sm->scm.gid = cred.gid;
	}
	unix_msgs_free(done);
	return copied ? copied : rc;
}

/* --- datagrams and records --- */

/* Puts @m on @r's queue for a datagram or record send from @u. Called with r->lock held;
 * may drop it to wait. Returns 0, -ECONNREFUSED (@r is gone), -EPERM (@r is connected
 * elsewhere), -EPIPE (@r does not read), -EAGAIN, -EINTR. */
static int dgram_deliver_locked(struct unix_sock *u, struct unix_sock *r, struct unix_msg *m,
				struct task *t, int nonblock, int64_t deadline)
{
	for (;;) {
		if (r->dead)
			return -ECONNREFUSED;
		if (r->base.type == SOCK_DGRAM && r->peer && r->peer != u)
			return -EPERM;
		if (r->shut & UNIX_SHUT_RD)
			return -EPIPE;
		/* unix_recvq_full, for a receiver not connected back to us. */
		if (r->peer == u || r->rq_count <= UNIX_MAX_DGRAM_QLEN)
			break;
		if (nonblock)
			return -EAGAIN;
		int rc = sock_wait(&r->lock, t, r->room_wq, EV_ROOM, deadline);
		if (rc < 0)
			return rc;
	}
	enqueue_locked(r, m);
	return 0;
}

/* The destination of a datagram send, with a reference: @sm's name, or the connected peer. */
static int dgram_dest(struct unix_sock *u, struct task *t, struct sock_msg *sm,
		      struct unix_sock **ret)
{
	if (sm->name && u->base.type == SOCK_DGRAM)
		return unix_find(t, sm->name, sm->name_len, SOCK_DGRAM, ret);
	pthread_mutex_lock(&u->lock);
	struct unix_sock *p = u->state == UNIX_CONNECTED ? u->peer : NULL;
	if (p)
		unix_get(p);
	pthread_mutex_unlock(&u->lock);
	*ret = p;
	return p ? 0 : -ENOTCONN;
}

/* A send to a connected peer that has gone: forget it (unix_dgram_disconnected). */
static void dgram_forget(struct unix_sock *u, struct unix_sock *r)
{
	pthread_mutex_lock(&u->lock);
	int was = u->peer == r && u->base.type == SOCK_DGRAM;
	if (was) {
		u->peer = NULL;
		u->state = UNIX_UNCONNECTED;
	}
	pthread_mutex_unlock(&u->lock);
	if (was)
		unix_put(r);
}

static int64_t dgram_send(struct unix_sock *u, struct task *t, struct sock_msg *sm, int flags)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (u->base.type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED)
		return -ENOTCONN;
	if (__atomic_load_n(&u->shut, __ATOMIC_RELAXED) & UNIX_SHUT_WR)
		return -EPIPE;
	size_t len = sm->io.left;
	if (len > (size_t)__atomic_load_n(&u->sndbuf, __ATOMIC_RELAXED) - UNIX_DGRAM_SLACK)
		return -EMSGSIZE;
	int rc = 0;
	if (__atomic_load_n(&u->passcred, __ATOMIC_RELAXED))
		rc = unix_autobind(u);
	struct unix_sock *r = NULL;
	if (rc == 0)
		rc = dgram_dest(u, t, sm, &r);
	if (rc < 0)
		return rc;
	int nonblock = (flags & MSG_DONTWAIT) != 0;
	int64_t deadline = sock_deadline(u->sndtimeo);
	pthread_mutex_lock(&u->lock);
	rc = wait_sndbuf(u, t, nonblock, deadline);
	pthread_mutex_unlock(&u->lock);
	struct unix_msg *m = rc == 0 ? msg_new(u, &sm->io, len, &rc) : NULL;
	if (m) {
		msg_attach(m, &sm->scm, t);
		pthread_mutex_lock(&r->lock);
		rc = dgram_deliver_locked(u, r, m, t, nonblock, deadline);
		pthread_mutex_unlock(&r->lock);
		if (rc == 0)
			kwait_wq_notify(r->wq, EV_DATA);
		else
			msg_free(m);	/* the files go back with it: the caller has none now */
	}
	if (rc == -ECONNREFUSED)
		dgram_forget(u, r);
	unix_put(r);
	return rc < 0 ? rc : (int64_t)len;
}

static int64_t dgram_recv(struct unix_sock *u, struct task *t, struct sock_msg *sm, int flags)
{
	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	int nonblock = (flags & MSG_DONTWAIT) != 0;
	int64_t deadline = sock_deadline(u->rcvtimeo);
	struct unix_msg *m = NULL;
	int rc = 0;
	pthread_mutex_lock(&u->lock);
	if (u->base.type == SOCK_SEQPACKET && u->state != UNIX_CONNECTED &&
	    !(u->shut & UNIX_SHUT_RD))
		rc = -ENOTCONN;
	while (rc == 0 && !(m = u->rq_head)) {
		if (u->err) {
			rc = -u->err;
			u->err = 0;
		} else if (u->shut & UNIX_SHUT_RD) {
			break;
		} else {
			rc = nonblock ? -EAGAIN
				      : sock_wait(&u->lock, t, u->wq, EV_DATA | SENTRY_EV_RDHUP,
						  deadline);
		}
	}
	int64_t ret = rc;
	uint32_t room = sm->name_len;
	sm->name_len = 0;
	if (m) {
		size_t n = m->len < sm->io.left ? m->len : sm->io.left;
		if (ipc_io_move(&sm->io, m->data, n, 0) < 0) {
			ret = -EFAULT;
			m = NULL;	/* Linux drops it anyway; we keep it, the caller sees EFAULT */
		} else {
			if (n < m->len)
				sm->flags |= MSG_TRUNC;
			ret = (flags & MSG_TRUNC) ? (int64_t)m->len : (int64_t)n;
			copy_source(sm, m, room);
			if (__atomic_load_n(&u->passcred, __ATOMIC_RELAXED)) {
				sm->scm.has_creds = 1;
				sm->scm.pid = m->cred.pid;
				sm->scm.uid = m->cred.uid;
				sm->scm.gid = m->cred.gid;
			}
			if (flags & MSG_PEEK) {
				(void)scm_dup_files(&sm->scm, m);
				m = NULL;
			} else {
				dequeue_locked(u);
				msg_take_files(m, &sm->scm);
			}
		}
	}
	pthread_mutex_unlock(&u->lock);
	if (m) {
		m->next = NULL;
		unix_msgs_free(m);
		kwait_wq_notify(u->room_wq, EV_ROOM);
	}
	return ret;
}

int64_t unix_sendmsg(struct sock *s, struct task *t, struct sock_msg *m, int flags)
{
	struct unix_sock *u = unix_sk(s);
	if (u->base.type == SOCK_STREAM)
		return stream_send(u, t, m, flags);
	if (u->base.type == SOCK_SEQPACKET)
		m->name = NULL;	/* unix_seqpacket_sendmsg ignores a destination */
	return dgram_send(u, t, m, flags);
}

int64_t unix_recvmsg(struct sock *s, struct task *t, struct sock_msg *m, int flags)
{
	struct unix_sock *u = unix_sk(s);
	if (u->base.type == SOCK_STREAM)
		return stream_recv(u, t, m, flags);
	return dgram_recv(u, t, m, flags);
}
