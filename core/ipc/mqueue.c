/*
 * core/ipc/mqueue.c: POSIX message queues (see mqueue.h; Linux's ipc/mqueue.c for the rules).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "ipc/mqueue.h"
#include "ipc/sysv.h"
#include "kernel/interrupt.h"
#include "kernel/process_internal.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "plugin/services.h"
#include "sys/sys.h"
#include "vfs/vfs.h"

#define CAP_FOWNER 3
#define CAP_SYS_RESOURCE 24
#define MQ_NAME_MAX 255
#define MQ_FILENT_SIZE 80	/* Linux's i_size of a queue */

struct mq_msg {
	struct mq_msg *next;
	uint32_t prio;
	size_t size;
	char text[];
};

struct mqueue {
	struct mqueue *next;		/* in mq_ns.queues while named */
	char name[MQ_NAME_MAX + 1];
	int named;
	int refs;
	struct mq_ns *ns;
	uint32_t mode, uid, gid;
	int64_t maxmsg, msgsize, curmsgs;
	uint64_t qsize;			/* bytes of text queued (the status line's QSIZE) */
	struct mq_msg *msgs;		/* highest priority first, FIFO within one */
	int receivers;			/* waiting in mq_timedreceive: no notification then */
	/* mq_notify's registration: the owner process (0: none) and what it asked. */
	int notify_pid;
	int notify_kind, notify_signo;
	uint64_t notify_value;
	struct sentry_waitq *wq;	/* SENTRY_EV_IN: a message came; EV_OUT: room was made */
	struct mq_user *user;		/* charged with @charged bytes until the queue goes */
	uint64_t charged;
};

/* One user's queues' bytes against RLIMIT_MSGQUEUE (Linux's ucounts, by real uid). */
struct mq_user {
	struct mq_user *next;
	uint32_t uid;
	uint64_t bytes;
};

struct mq_ns {
	pthread_mutex_t lock;
	struct mqueue *queues;
	int count;
	struct mq_user *users;	/* those with bytes charged */
};

struct mq_file {
	struct sentry_file base;
	struct mqueue *q;
};

static const struct sentry_file_ops g_mq_ops;

/* Gives back @q's bytes; the last of a user's frees its entry. Lock held. */
static void uncharge_locked(struct mqueue *q)
{
	struct mq_user *u = q->user;
	if (!u || (u->bytes -= q->charged) > 0)
		return;
	for (struct mq_user **p = &q->ns->users; *p; p = &(*p)->next)
		if (*p == u) {
			*p = u->next;
			break;
		}
	free(u);
}

static void queue_free(struct mqueue *q)
{
	uncharge_locked(q);
	while (q->msgs) {
		struct mq_msg *m = q->msgs;
		q->msgs = m->next;
		free(m);
	}
	kwait_wq_free(q->wq);
	free(q);
}

/* Drops a reference; the lock held. */
static void queue_put_locked(struct mqueue *q)
{
	if (--q->refs == 0)
		queue_free(q);
}

void mq_ns_free(struct mq_ns *mq)
{
	if (!mq)
		return;
	while (mq->queues) {
		struct mqueue *q = mq->queues;
		mq->queues = q->next;
		queue_put_locked(q);
	}
	while (mq->users) {	/* queues still open somewhere keep theirs: none by contract */
		struct mq_user *u = mq->users;
		mq->users = u->next;
		free(u);
	}
	pthread_mutex_destroy(&mq->lock);
	free(mq);
}

/* The namespace's queue table, made on first use. NULL: ENOMEM. */
static struct mq_ns *ns_of(struct task *t)
{
	struct ipc_ns *ns = t->k->ipc;
	if (!ns)
		return NULL;
	pthread_mutex_lock(&ns->mq_lock);
	if (!ns->mq && (ns->mq = calloc(1, sizeof(*ns->mq))))
		pthread_mutex_init(&ns->mq->lock, NULL);
	pthread_mutex_unlock(&ns->mq_lock);
	return ns->mq;
}

/* lookup_one_len's and the filesystem's answers for a name in the mqueue root. */
static int check_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0)
		return -ENOENT;
	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EACCES;
	return n > MQ_NAME_MAX ? -ENAMETOOLONG : 0;
}

static struct mqueue *find_locked(struct mq_ns *mq, const char *name)
{
	for (struct mqueue *q = mq->queues; q; q = q->next)
		if (!strcmp(q->name, name))
			return q;
	return NULL;
}

/* What mqueue_get_inode charges for a queue: each message's text and header (struct msg_msg,
 * 48 bytes) and a priority tree node (48) per priority it could hold. No overflow: attr_ok
 * bounds both factors. */
#define MQ_MSG_OVERHEAD 48
#define MQ_NODE_OVERHEAD 48

static uint64_t queue_bytes(const struct mq_attr_abi *a)
{
	uint64_t n = (uint64_t)a->maxmsg;
	return n * ((uint64_t)a->msgsize + MQ_MSG_OVERHEAD) +
	       (n < MQ_PRIO_MAX_ ? n : MQ_PRIO_MAX_) * MQ_NODE_OVERHEAD;
}

/* Charges @bytes to @uid's entry (made on first use) unless that passes @limit. Returns 0
 * with *ret, -EMFILE, -ENOMEM. Lock held. */
static int charge_locked(struct mq_ns *mq, uint32_t uid, uint64_t bytes, uint64_t limit,
			 struct mq_user **ret)
{
	struct mq_user *u = mq->users;
	while (u && u->uid != uid)
		u = u->next;
	if ((u ? u->bytes : 0) + bytes > limit)
		return -EMFILE;
	if (!u) {
		if (!(u = calloc(1, sizeof(*u))))
			return -ENOMEM;
		u->uid = uid;
		u->next = mq->users;
		mq->users = u;
	}
	u->bytes += bytes;
	*ret = u;
	return 0;
}

/* The caller's RLIMIT_MSGQUEUE, from the defaults until set. */
static uint64_t msgqueue_limit(struct task *t)
{
	struct rlimit r;
	if (t->tg->rlimits_set)
		r = t->tg->rlimits[RLIMIT_MSGQUEUE];
	else if (sys_default_rlimit(RLIMIT_MSGQUEUE, &r) < 0)
		r.rlim_cur = RLIM_INFINITY;
	return r.rlim_cur;
}

/* mq_attr_ok. */
static int attr_ok(const struct sentry_creds *c, const struct mq_attr_abi *a)
{
	if (a->maxmsg <= 0 || a->msgsize <= 0)
		return -EINVAL;
	if (ipc_capable(c, CAP_SYS_RESOURCE)) {
		if (a->maxmsg > MQ_HARD_MAXMSG || a->msgsize > MQ_HARD_MSGSIZE)
			return -EINVAL;
	} else if (a->maxmsg > MQ_DFLT_MAXMSG || a->msgsize > MQ_DFLT_MSGSIZE) {
		return -EINVAL;
	}
	return 0;
}

/* mqueue_create_attr: a new named queue. Lock held. */
static int create_locked(struct task *t, struct mq_ns *mq, const char *name, uint32_t mode,
			 const struct mq_attr_abi *attr, struct mqueue **ret)
{
	const struct sentry_creds *c = &t->fs->creds;
	struct mq_attr_abi dflt = { .maxmsg = MQ_DFLT_MAXMSG, .msgsize = MQ_DFLT_MSGSIZE };
	if (attr) {
		int rc = attr_ok(c, attr);
		if (rc < 0)
			return rc;
	} else {
		attr = &dflt;
	}
	if (mq->count >= MQ_QUEUES_MAX && !ipc_capable(c, CAP_SYS_RESOURCE))
		return -ENOSPC;
	struct mqueue *q = calloc(1, sizeof(*q));
	struct sentry_waitq *wq = q ? kwait_wq_new() : NULL;
	if (!wq) {
		free(q);
		return -ENOMEM;
	}
	/* The creator's real uid pays for the queue's room until it goes (EMFILE past it). */
	int rc = charge_locked(mq, c->uid, queue_bytes(attr), msgqueue_limit(t), &q->user);
	if (rc < 0) {
		kwait_wq_free(wq);
		free(q);
		return rc;
	}
	q->charged = queue_bytes(attr);
	snprintf(q->name, sizeof(q->name), "%s", name);
	q->named = 1;
	q->refs = 1;
	q->ns = mq;
	q->wq = wq;
	q->mode = mode & ~t->fs->umask & 07777;
	q->uid = c->fsuid;
	q->gid = c->fsgid;
	q->maxmsg = attr->maxmsg;
	q->msgsize = attr->msgsize;
	q->next = mq->queues;
	mq->queues = q;
	mq->count++;
	*ret = q;
	return 0;
}

/* prepare_open: the queue @oflag names, existing or made. Lock held. */
static int open_locked(struct task *t, struct mq_ns *mq, const char *name, int oflag,
		       uint32_t mode, const struct mq_attr_abi *attr, struct mqueue **ret)
{
	static const uint32_t acc[3] = { SENTRY_MAY_READ, SENTRY_MAY_WRITE,
					 SENTRY_MAY_READ | SENTRY_MAY_WRITE };
	struct mqueue *q = find_locked(mq, name);
	if (!q) {
		if (!(oflag & O_CREAT))
			return -ENOENT;
		return create_locked(t, mq, name, mode, attr, ret);
	}
	if ((oflag & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
		return -EEXIST;
	if ((oflag & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	int rc = svc_may_access(&t->fs->creds, q->mode, q->uid, q->gid, acc[oflag & O_ACCMODE]);
	if (rc < 0)
		return rc;
	*ret = q;
	return 0;
}

int mq_open_file(struct task *t, const char *name, int oflag, uint32_t mode,
		 const struct mq_attr_abi *attr, struct vfs_file **ret)
{
	struct mq_ns *mq = ns_of(t);
	if (!mq)
		return -ENOMEM;
	int rc = check_name(name);
	if (rc < 0)
		return rc;
	struct mq_file *mf = calloc(1, sizeof(*mf));
	if (!mf)
		return -ENOMEM;
	pthread_mutex_lock(&mq->lock);
	struct mqueue *q;
	rc = open_locked(t, mq, name, oflag, mode, attr, &q);
	if (rc == 0)
		q->refs++;
	struct sentry_statx st = { .mask = SENTRY_STATX_BASIC_STATS & ~SENTRY_STATX_INO,
				   .mode = rc == 0 ? (uint16_t)(S_IFREG | q->mode) : 0,
				   .uid = rc == 0 ? q->uid : 0, .gid = rc == 0 ? q->gid : 0,
				   .nlink = 1, .size = MQ_FILENT_SIZE, .blksize = 4096 };
	pthread_mutex_unlock(&mq->lock);
	if (rc < 0) {
		free(mf);
		return rc;
	}
	mf->base.ops = &g_mq_ops;
	mf->base.ops_size = sizeof(g_mq_ops);
	mf->q = q;
	/* From here the file's release drops the queue reference, on failure too. */
	return vfs_anon_file(&mf->base, &st, (uint32_t)oflag & (O_ACCMODE | O_NONBLOCK), ret);
}

int mq_unlink_name(struct task *t, const char *name)
{
	struct mq_ns *mq = ns_of(t);
	if (!mq)
		return -ENOMEM;
	int rc = check_name(name);
	if (rc < 0)
		return rc;
	const struct sentry_creds *c = &t->fs->creds;
	pthread_mutex_lock(&mq->lock);
	struct mqueue *q = find_locked(mq, name);
	if (!q)
		rc = -ENOENT;
	/* Only the owner, or CAP_FOWNER, may unlink another's queue; Linux 6.x answers EACCES
	 * there (measured: a queue of root's unlinked by uid 65534), not the sticky EPERM. */
	else if (c->fsuid != q->uid && !ipc_capable(c, CAP_FOWNER))
		rc = -EACCES;
	if (rc == 0) {
		for (struct mqueue **p = &mq->queues; *p; p = &(*p)->next)
			if (*p == q) {
				*p = q->next;
				break;
			}
		q->named = 0;
		mq->count--;
		queue_put_locked(q);
	}
	pthread_mutex_unlock(&mq->lock);
	return rc;
}

int mq_file_is(const struct vfs_file *f)
{
	return f->sf && f->sf->ops == &g_mq_ops;
}

static struct mqueue *queue_of(struct vfs_file *f)
{
	return ((struct mq_file *)f->sf)->q;
}

/* Waits for @events on @q, the lock dropped meanwhile. Returns 0 (look again), -ETIMEDOUT,
 * -EINTR (a signal to act on). */
static int mq_sleep(struct task *t, struct mqueue *q, uint32_t events, int64_t deadline_ns)
{
	struct kwait_reg r;
	kwait_prepare(t, q->wq, events, &r);
	pthread_mutex_unlock(&q->ns->lock);
	int rc = kwait_sleep(&r, SENTRY_CLOCK_REALTIME, deadline_ns);
	kwait_finish(&r);
	pthread_mutex_lock(&q->ns->lock);
	if (rc == -EINTR && !task_wait_interrupted(t))
		rc = 0;
	return rc;
}

/* __do_notify's signal, sent after the queue's lock is dropped. */
static void notify_send(struct task *t, int pid, int signo, uint64_t value)
{
	struct task_siginfo si = { .code = SI_MESGQ, .pid = t->tgid, .uid = t->fs->creds.uid,
				   .value = value };
	pthread_mutex_lock(&t->k->lock);
	struct task *o = kernel_find_locked(t->k, pid);
	if (o)
		tgroup_signal_locked(o->tg, signo, &si);
	pthread_mutex_unlock(&t->k->lock);
}

/* msg_insert, and the notification when the queue stops being empty with nobody waiting.
 * Lock held; *ret_pid and the signal to send once it is dropped (0: none). */
static void insert_locked(struct mqueue *q, struct mq_msg *m, int *ret_pid, int *ret_sig,
			  uint64_t *ret_value)
{
	struct mq_msg **p = &q->msgs;
	while (*p && (*p)->prio >= m->prio)
		p = &(*p)->next;
	m->next = *p;
	*p = m;
	q->curmsgs++;
	q->qsize += m->size;
	*ret_pid = 0;
	if (q->notify_pid && q->curmsgs == 1 && !q->receivers) {
		if (q->notify_kind == SIGEV_SIGNAL && q->notify_signo) {
			*ret_pid = q->notify_pid;
			*ret_sig = q->notify_signo;
			*ret_value = q->notify_value;
		}
		q->notify_pid = 0;
	}
	kwait_wq_notify(q->wq, SENTRY_EV_IN);
}

int mq_send(struct task *t, struct vfs_file *f, uint64_t buf, size_t len, uint32_t prio,
	    int64_t deadline_ns)
{
	struct mqueue *q = queue_of(f);
	if ((f->flags & O_ACCMODE) != O_WRONLY && (f->flags & O_ACCMODE) != O_RDWR)
		return -EBADF;
	/* Unsigned, as Linux compares: a length past INT64_MAX is too long, not negative (it would
	 * wrap the allocation below). msgsize is fixed at creation: no lock needed. */
	if (len > (uint64_t)q->msgsize)
		return -EMSGSIZE;
	struct mq_msg *m = malloc(sizeof(*m) + len);
	if (!m)
		return -ENOMEM;
	m->prio = prio;
	m->size = len;
	if (mm_copy_in(t->mm, buf, m->text, len) < 0) {
		free(m);
		return -EFAULT;
	}
	int rc = 0, pid = 0, sig = 0;
	uint64_t value = 0;
	pthread_mutex_lock(&q->ns->lock);
	while (q->curmsgs >= q->maxmsg && rc == 0)
		rc = (f->flags & O_NONBLOCK) ? -EAGAIN
					     : mq_sleep(t, q, SENTRY_EV_OUT, deadline_ns);
	if (rc == 0)
		insert_locked(q, m, &pid, &sig, &value);
	pthread_mutex_unlock(&q->ns->lock);
	if (rc < 0)
		free(m);
	else if (pid)
		notify_send(t, pid, sig, value);
	return rc;
}

int64_t mq_receive(struct task *t, struct vfs_file *f, uint64_t buf, size_t len,
		   uint64_t prio_addr, int64_t deadline_ns)
{
	struct mqueue *q = queue_of(f);
	if ((f->flags & O_ACCMODE) != O_RDONLY && (f->flags & O_ACCMODE) != O_RDWR)
		return -EBADF;
	if (len < (uint64_t)q->msgsize)	/* unsigned: any huge buffer length is large enough */
		return -EMSGSIZE;
	int rc = 0;
	pthread_mutex_lock(&q->ns->lock);
	q->receivers++;
	while (!q->msgs && rc == 0)
		rc = (f->flags & O_NONBLOCK) ? -EAGAIN
					     : mq_sleep(t, q, SENTRY_EV_IN, deadline_ns);
	q->receivers--;
	struct mq_msg *m = NULL;
	if (rc == 0) {
		m = q->msgs;
		q->msgs = m->next;
		q->curmsgs--;
		q->qsize -= m->size;
		kwait_wq_notify(q->wq, SENTRY_EV_OUT);
	}
	pthread_mutex_unlock(&q->ns->lock);
	if (rc < 0)
		return rc;
	int64_t n = (int64_t)m->size;
	if ((prio_addr && mm_copy_out(t->mm, prio_addr, &m->prio, sizeof(m->prio)) < 0) ||
	    mm_copy_out(t->mm, buf, m->text, m->size) < 0)
		n = -EFAULT;
	free(m);
	return n;
}

int mq_set_notify(struct task *t, struct vfs_file *f, int has, int kind, int signo,
		  uint64_t value)
{
	struct mqueue *q = queue_of(f);
	int rc = 0;
	pthread_mutex_lock(&q->ns->lock);
	if (!has) {
		if (q->notify_pid == t->tgid)
			q->notify_pid = 0;
	} else if (q->notify_pid) {
		rc = -EBUSY;
	} else {
		q->notify_pid = t->tgid;
		q->notify_kind = kind;
		q->notify_signo = kind == SIGEV_SIGNAL ? signo : 0;
		q->notify_value = value;
	}
	pthread_mutex_unlock(&q->ns->lock);
	return rc;
}

void mq_file_closed(struct vfs_file *f, int tgid)
{
	struct mqueue *q = queue_of(f);
	pthread_mutex_lock(&q->ns->lock);
	if (q->notify_pid == tgid)
		q->notify_pid = 0;
	pthread_mutex_unlock(&q->ns->lock);
}

void mq_getsetattr(struct vfs_file *f, const struct mq_attr_abi *new, struct mq_attr_abi *old)
{
	struct mqueue *q = queue_of(f);
	pthread_mutex_lock(&q->ns->lock);
	*old = (struct mq_attr_abi){ .flags = f->flags & O_NONBLOCK, .maxmsg = q->maxmsg,
				     .msgsize = q->msgsize, .curmsgs = q->curmsgs };
	if (new) {
		uint32_t fl = (f->flags & ~(uint32_t)O_NONBLOCK) |
			      ((uint32_t)new->flags & O_NONBLOCK);
		f->flags = fl;
		f->sf->flags = fl;
	}
	pthread_mutex_unlock(&q->ns->lock);
}

/* mqueue_read_file: the status line, read like a small file. */
#define MQ_STATUS_FMT "QSIZE:%-10lu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n"

static int64_t mq_read(struct sentry_file *file, struct sentry_task *task,
		       const struct sentry_iov *iov, size_t count, int64_t *off)
{
	(void)task;
	struct mqueue *q = ((struct mq_file *)file)->q;
	char line[128];
	pthread_mutex_lock(&q->ns->lock);
	int n = snprintf(line, sizeof(line), MQ_STATUS_FMT,
			 (unsigned long)q->qsize, q->notify_pid ? q->notify_kind : 0,
			 q->notify_pid && q->notify_kind == SIGEV_SIGNAL ? q->notify_signo : 0,
			 q->notify_pid);
	pthread_mutex_unlock(&q->ns->lock);
	int64_t pos = *off < 0 ? 0 : *off, done = 0;
	for (size_t i = 0; i < count && pos < n; i++) {
		size_t k = iov[i].len < (size_t)(n - pos) ? iov[i].len : (size_t)(n - pos);
		memcpy(iov[i].base, line + pos, k);
		pos += (int64_t)k;
		done += (int64_t)k;
	}
	if (*off >= 0)
		*off = pos;
	return done;
}

static uint32_t mq_readiness(struct sentry_file *file, uint32_t mask)
{
	struct mqueue *q = ((struct mq_file *)file)->q;
	pthread_mutex_lock(&q->ns->lock);
	uint32_t r = (q->curmsgs ? SENTRY_EV_IN : 0) | (q->curmsgs < q->maxmsg ? SENTRY_EV_OUT : 0);
	pthread_mutex_unlock(&q->ns->lock);
	return r & mask;
}

static struct sentry_waitq *mq_waitq(struct sentry_file *file)
{
	return ((struct mq_file *)file)->q->wq;
}

static void mq_release(struct sentry_file *file)
{
	struct mq_file *mf = (struct mq_file *)file;
	struct mq_ns *mq = mf->q->ns;
	pthread_mutex_lock(&mq->lock);
	queue_put_locked(mf->q);
	pthread_mutex_unlock(&mq->lock);
	free(mf);
}

static const struct sentry_file_ops g_mq_ops = {
	.read = mq_read,
	.readiness = mq_readiness,
	.waitq = mq_waitq,
	.release = mq_release,
};
