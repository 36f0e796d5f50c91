/*
 * core/net/socket.c: sockets as files, and socket(2)'s choice of protocol (see socket.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "kernel/interrupt.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "net/netif.h"
#include "net/socket.h"
#include "plugin/plugin.h"
#include "vfs/vfs.h"

static const struct sentry_file_ops g_sock_file_ops;

void net_scm_clear(struct net_scm *scm)
{
	for (uint32_t i = 0; i < scm->nfiles; i++)
		vfs_file_put(scm->files[i]);
	free(scm->files);
	scm->files = NULL;
	scm->nfiles = 0;
}

struct sock *sock_of(const struct vfs_file *f)
{
	return f->sf && f->sf->ops == &g_sock_file_ops ? (struct sock *)f->sf : NULL;
}

void sock_init(struct sock *s, const struct sock_ops *ops, int family, int type, int protocol)
{
	s->base.ops = &g_sock_file_ops;
	s->base.ops_size = sizeof(g_sock_file_ops);
	s->ops = ops;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
}

int sock_file_new(struct sock *s, const struct sentry_creds *creds, uint32_t flags,
		  struct vfs_file **ret_file)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct sentry_timespec ts = { now.tv_sec, now.tv_nsec };
	/* sock_alloc's inode: S_IFSOCK | 0777, owned by the creator, no size. */
	struct sentry_statx st = {
		.mask = SENTRY_STATX_BASIC_STATS & ~SENTRY_STATX_INO & ~SENTRY_STATX_NLINK,
		.mode = S_IFSOCK | 0777,
		.uid = creds->fsuid,
		.gid = creds->fsgid,
		.blksize = 4096,
		.atime = ts,
		.mtime = ts,
		.ctime = ts,
	};
	int rc = vfs_anon_file(&s->base, &st, O_RDWR | (flags & O_NONBLOCK), ret_file);
	if (rc == 0)
		(*ret_file)->stream = 1;
	return rc;
}

void sock_sigpipe(struct sock *s, struct task *t, int64_t rc, int flags)
{
	if (rc != -EPIPE || (flags & MSG_NOSIGNAL) || !t)
		return;
	if (s->family == AF_UNIX && s->type != SOCK_STREAM)
		return;
	task_send_signal(t, SIGPIPE, SI_USER, t->tgid, t->fs ? t->fs->creds.uid : 0);
}

int sock_user_io(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count,
		 int64_t off, int write, int64_t *ret_n)
{
	struct sock *s = sock_of(f);
	if (!s)
		return 0;
	if (off >= 0) {
		*ret_n = -ESPIPE;
		return 1;
	}
	struct sock_msg m = { 0 };
	ipc_io_init(&m.io, t->mm, iov, count);
	int flags = (f->flags & O_NONBLOCK) ? MSG_DONTWAIT : 0;
	if (write) {
		*ret_n = s->ops->sendmsg(s, t, &m, flags);
		sock_sigpipe(s, t, *ret_n, flags);
	} else {
		*ret_n = s->ops->recvmsg(s, t, &m, flags);
		/* read(2) has nowhere to put ancillary data: files that came are dropped. */
		net_scm_clear(&m.scm);
	}
	return 1;
}

/* --- waits and timeouts --- */

#define SOCK_NSEC 1000000000ll

int64_t sock_deadline(int64_t timeo)
{
	if (timeo <= 0)
		return timeo;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec + timeo;
}

int sock_wait(pthread_mutex_t *lock, struct task *t, struct sentry_waitq *wq, uint32_t events,
	      int64_t deadline)
{
	if (!t || deadline == 0)
		return -EAGAIN;
	struct kwait_reg r;
	kwait_prepare(t, wq, events, &r);
	pthread_mutex_unlock(lock);
	int rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, deadline);
	kwait_finish(&r);
	pthread_mutex_lock(lock);
	if (rc == -ETIMEDOUT)
		return -EAGAIN;
	return rc == -EINTR && task_wait_interrupted(t) ? -EINTR : 0;
}

struct timeval sock_timeo_get(const int64_t *slot)
{
	int64_t ns = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (ns <= 0)
		return (struct timeval){ 0, 0 };
	return (struct timeval){ ns / SOCK_NSEC, (ns % SOCK_NSEC) / 1000 };
}

int sock_timeo_set(int64_t *slot, const void *val, uint32_t len)
{
	struct timeval tv;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	int64_t ns;
	if (tv.tv_sec < 0)
		ns = 0;
	else if (!tv.tv_sec && !tv.tv_usec)
		ns = -1;
	else if (tv.tv_sec > INT64_MAX / SOCK_NSEC - 1)
		ns = -1;
	else
		ns = (int64_t)tv.tv_sec * SOCK_NSEC + (int64_t)tv.tv_usec * 1000;
	__atomic_store_n(slot, ns, __ATOMIC_RELAXED);
	return 0;
}

int sock_identity_opt(const struct sock *s, int name, int *ret)
{
	switch (name) {
	case SO_TYPE:
		*ret = s->type;
		return 0;
	case SO_PROTOCOL:
		*ret = s->protocol;
		return 0;
	case SO_DOMAIN:
		*ret = s->family;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int sock_buf_size(int val, int min, int max)
{
	unsigned int v = (unsigned int)val > (unsigned int)max ? (unsigned int)max : (unsigned int)val;
	int r = (int)(v * 2);
	return r < min ? min : r;
}

/* The file slots, for the core's own callers: Sentry buffers, the calling thread's task. */
static int64_t sock_file_io(struct sentry_file *file, struct sentry_task *task,
			    const struct sentry_iov *iov, size_t count, int64_t *off, int write)
{
	struct sock *s = (struct sock *)file;
	if (*off >= 0)
		return -ESPIPE;
	struct task *t = task ? (struct task *)task : task_current();
	struct sock_msg m = { 0 };
	int rc = ipc_io_init_sentry(&m.io, iov, count);
	if (rc < 0)
		return rc;
	/* Without a task nothing could end a wait: such callers never block. */
	int flags = (file->flags & O_NONBLOCK) || !t ? MSG_DONTWAIT : 0;
	int64_t n = write ? s->ops->sendmsg(s, t, &m, flags | MSG_NOSIGNAL)
			  : s->ops->recvmsg(s, t, &m, flags);
	net_scm_clear(&m.scm);
	ipc_io_fini(&m.io);
	return n;
}

static int64_t sock_read(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return sock_file_io(file, task, iov, count, off, 0);
}

static int64_t sock_write(struct sentry_file *file, struct sentry_task *task,
			  const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return sock_file_io(file, task, iov, count, off, 1);
}

static int sock_seek(struct sentry_file *file, int64_t *off, int whence)
{
	return -ESPIPE;
}

static uint32_t sock_readiness(struct sentry_file *file, uint32_t mask)
{
	struct sock *s = (struct sock *)file;
	return s->ops->readiness(s, mask);
}

static struct sentry_waitq *sock_waitq(struct sentry_file *file)
{
	struct sock *s = (struct sock *)file;
	return s->ops->waitq(s);
}

static int64_t sock_ioctl(struct sentry_file *file, struct sentry_task *task, uint32_t cmd,
			  uint64_t arg)
{
	struct sock *s = (struct sock *)file;
	struct task *t = (struct task *)task;
	if (!t)
		return -ENOTTY;
	/* Interface requests are the core's on every socket (sock_do_ioctl's dev_ioctl). */
	int64_t rc;
	if (netif_ioctl(s, t, cmd, arg, &rc))
		return rc;
	return s->ops->ioctl(s, t, cmd, arg);
}

static void sock_release(struct sentry_file *file)
{
	struct sock *s = (struct sock *)file;
	s->ops->release(s);
}

static const struct sentry_file_ops g_sock_file_ops = {
	.read = sock_read,
	.write = sock_write,
	.seek = sock_seek,
	.readiness = sock_readiness,
	.waitq = sock_waitq,
	.ioctl = sock_ioctl,
	.release = sock_release,
};

/* --- socket(2)'s dispatch --- */

static struct net_stack g_stack;

void net_stack_set(const struct net_stack *stack)
{
	g_stack = stack ? *stack : (struct net_stack){ 0 };
}

void net_stack_get(struct net_stack *ret)
{
	*ret = g_stack;
}

/* Linux's NPROTO (AF_MAX) and SOCK_MAX: families and types beyond them are refused before any
 * protocol is asked. */
#define NET_NPROTO 46
#define NET_SOCK_MAX 11

static int inet_socket(struct task *t, int family, int type, int protocol, struct sock **ret)
{
	struct net_stack st = g_stack;
	if (!st.ops)
		return -EAFNOSUPPORT;
	struct sentry_socket *ps = NULL;
	long rc = st.ops->socket(st.state, &t->fs->creds, family, type, protocol, &ps);
	if (st.plugin)
		rc = plg_check_rc(st.plugin, rc);
	if (rc < 0)
		return (int)rc;
	return inet_sock_wrap(&st, ps, ret);
}

int net_socket(struct task *t, int family, int type, int protocol, struct sock **ret)
{
	if (family < 0 || family >= NET_NPROTO)
		return -EAFNOSUPPORT;
	if (type < 0 || type >= NET_SOCK_MAX)
		return -EINVAL;
	switch (family) {
	case AF_UNIX:
		return unix_socket(t, type, protocol, ret);
	case AF_INET:
	case AF_INET6:
		return inet_socket(t, family, type, protocol, ret);
	case AF_NETLINK:
		return netlink_socket(t, type, protocol, ret);
	default:
		return -EAFNOSUPPORT;
	}
}

int net_socketpair(struct task *t, int family, int type, int protocol, struct sock *ret[2])
{
	if (family != AF_UNIX) {
		/* Made and dropped, as Linux makes both sockets before asking for a pair. */
		struct sock *s;
		int rc = net_socket(t, family, type, protocol, &s);
		if (rc < 0)
			return rc;
		s->ops->release(s);
		return -EOPNOTSUPP;
	}
	if (type < 0 || type >= NET_SOCK_MAX)
		return -EINVAL;
	struct sock *probe;
	int rc = unix_socket(t, type, protocol, &probe);	/* the type and protocol checks */
	if (rc < 0)
		return rc;
	probe->ops->release(probe);
	return unix_socketpair(t, type == SOCK_RAW ? SOCK_DGRAM : type, ret);
}
