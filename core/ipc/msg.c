/*
 * core/ipc/msg.c: System V message queues (see msg.h; Linux's ipc/msg.c for the rules).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "ipc/msg.h"
#include "ipc/sysv.h"
#include "kernel/interrupt.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "vfs/vfs.h"

#define CAP_SYS_RESOURCE 24

struct msg_msg {
	struct msg_msg *next;
	int64_t mtype;
	size_t size;
	char text[];
};

struct msg_queue {
	struct ipc_obj perm;	/* first: the registry's part */
	int64_t stime, rtime;	/* last msgsnd, msgrcv; seconds */
	size_t cbytes, qnum, qbytes;
	int lspid, lrpid;
	struct msg_msg *head, **tail;
	struct sentry_waitq *wq;
};

/* struct msqid64_ds (x86-64). */
struct msqid64_abi {
	struct ipc64_perm_abi perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int32_t lspid, lrpid;
	uint64_t unused4, unused5;
};

/* struct msginfo. */
struct msginfo_abi {
	int msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz, msgtql;
	unsigned short msgseg;
};

void msg_free_obj(struct ipc_obj *o);

void msg_free_obj(struct ipc_obj *o)
{
	struct msg_queue *q = (struct msg_queue *)o;
	while (q->head) {
		struct msg_msg *m = q->head;
		q->head = m->next;
		free(m);
	}
	kwait_wq_free(q->wq);
	free(q);
}

static int msg_create(struct ipc_ids *ids, const void *arg, struct ipc_obj **ret)
{
	(void)ids;
	(void)arg;
	struct msg_queue *q = calloc(1, sizeof(*q));
	struct sentry_waitq *wq = q ? kwait_wq_new() : NULL;
	if (!wq) {
		free(q);
		return -ENOMEM;
	}
	q->wq = wq;
	q->qbytes = MSGMNB;
	q->tail = &q->head;
	*ret = &q->perm;
	return 0;
}

static const struct ipc_get_ops g_msg_get_ops = { .create = msg_create };

int msg_get(struct ipc_ns *ns, const struct sentry_creds *c, int32_t key, int flg)
{
	return ipc_get(&ns->msg, c, key, flg, &g_msg_get_ops, NULL);
}

/* Sleeps once on @q's queue, the lock dropped meanwhile. Returns 0 (look again) or -EINTR
 * for a signal to act on. */
static int msg_sleep(struct task *t, struct ipc_ids *ids, struct msg_queue *q)
{
	struct kwait_reg r;
	kwait_prepare(t, q->wq, ~0u, &r);
	pthread_mutex_unlock(&ids->lock);
	int rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, -1);
	kwait_finish(&r);
	pthread_mutex_lock(&ids->lock);
	return rc == -EINTR && task_wait_interrupted(t) ? -EINTR : 0;
}

/* msg_fits_inqueue. */
static int fits(const struct msg_queue *q, size_t size)
{
	return size + q->cbytes <= q->qbytes && 1 + q->qnum <= q->qbytes;
}

/* The send loop, lock held, with a reference on @q; @m is taken on success. */
static int snd_loop(struct task *t, struct ipc_ids *ids, struct msg_queue *q,
		    struct msg_msg *m, int flg)
{
	for (;;) {
		if (ipc_perms(&t->fs->creds, &q->perm, S_IWUGO) < 0)
			return -EACCES;
		if (q->perm.removed)
			return -EIDRM;
		if (fits(q, m->size))
			break;
		if (flg & IPC_NOWAIT)
			return -EAGAIN;
		if (msg_sleep(t, ids, q) < 0)
			return -EINTR;
	}
	*q->tail = m;
	q->tail = &m->next;
	q->cbytes += m->size;
	q->qnum++;
	q->lspid = t->tgid;
	q->stime = ipc_now_sec();
	kwait_wq_notify(q->wq, ~0u);
	return 0;
}

int msg_snd(struct task *t, int msqid, int64_t mtype, uint64_t text, size_t size, int flg)
{
	struct ipc_ids *ids = &t->k->ipc->msg;
	struct msg_msg *m = malloc(sizeof(*m) + size);
	if (!m)
		return -ENOMEM;
	m->next = NULL;
	m->mtype = mtype;
	m->size = size;
	if (mm_copy_in(t->mm, text, m->text, size) < 0) {
		free(m);
		return -EFAULT;
	}
	pthread_mutex_lock(&ids->lock);
	struct msg_queue *q = (struct msg_queue *)ipc_lookup_locked(ids, msqid);
	int rc = -EINVAL;
	if (q) {
		q->perm.refs++;
		rc = snd_loop(t, ids, q, m, flg);
		ipc_put_locked(ids, &q->perm);
	}
	pthread_mutex_unlock(&ids->lock);
	if (rc < 0)
		free(m);
	return rc;
}

enum { SEARCH_ANY, SEARCH_EQUAL, SEARCH_NOTEQUAL, SEARCH_LESSEQUAL, SEARCH_NUMBER };

/* convert_mode. */
static int search_mode(int64_t *msgtyp, int flg)
{
	if (flg & MSG_COPY)
		return SEARCH_NUMBER;
	if (*msgtyp == 0)
		return SEARCH_ANY;
	if (*msgtyp < 0) {
		*msgtyp = *msgtyp == INT64_MIN ? INT64_MAX : -*msgtyp;
		return SEARCH_LESSEQUAL;
	}
	return (flg & MSG_EXCEPT) ? SEARCH_NOTEQUAL : SEARCH_EQUAL;
}

/* find_msg: the first match (the lowest type for SEARCH_LESSEQUAL, the @typ-th message for
 * SEARCH_NUMBER), with the link that points at it in *ret_link. */
static struct msg_msg *find_msg(struct msg_queue *q, int64_t typ, int mode,
				struct msg_msg ***ret_link)
{
	struct msg_msg *found = NULL;
	int64_t count = 0;
	for (struct msg_msg **p = &q->head; *p; p = &(*p)->next) {
		struct msg_msg *m = *p;
		int match = mode == SEARCH_ANY || mode == SEARCH_NUMBER ||
			    (mode == SEARCH_EQUAL && m->mtype == typ) ||
			    (mode == SEARCH_NOTEQUAL && m->mtype != typ) ||
			    (mode == SEARCH_LESSEQUAL && m->mtype <= typ);
		if (!match)
			continue;
		if (mode == SEARCH_LESSEQUAL && m->mtype != 1) {
			typ = m->mtype - 1;
			found = m;
			*ret_link = p;
		} else if (mode == SEARCH_NUMBER) {
			if (typ == count) {
				*ret_link = p;
				return m;
			}
		} else {
			*ret_link = p;
			return m;
		}
		count++;
	}
	return found;
}

/* The receive loop, lock held, with a reference on @q. *ret is the message taken (or a
 * copy for MSG_COPY), the caller's. */
static int rcv_loop(struct task *t, struct ipc_ids *ids, struct msg_queue *q, size_t bufsz,
		    int64_t typ, int mode, int flg, struct msg_msg **ret)
{
	for (;;) {
		if (ipc_perms(&t->fs->creds, &q->perm, S_IRUGO) < 0)
			return -EACCES;
		if (q->perm.removed)
			return -EIDRM;
		struct msg_msg **link = NULL;
		struct msg_msg *m = find_msg(q, typ, mode, &link);
		if (m) {
			if (bufsz < m->size && !(flg & MSG_NOERROR))
				return -E2BIG;
			if (flg & MSG_COPY) {
				struct msg_msg *c = malloc(sizeof(*c) + m->size);
				if (!c)
					return -ENOMEM;
				memcpy(c, m, sizeof(*c) + m->size);
				*ret = c;
				return 0;
			}
			*link = m->next;
			if (q->tail == &m->next)
				q->tail = link;
			q->qnum--;
			q->cbytes -= m->size;
			q->lrpid = t->tgid;
			q->rtime = ipc_now_sec();
			kwait_wq_notify(q->wq, ~0u);
			*ret = m;
			return 0;
		}
		if (flg & IPC_NOWAIT)
			return -ENOMSG;
		if (msg_sleep(t, ids, q) < 0)
			return -EINTR;
	}
}

int64_t msg_rcv(struct task *t, int msqid, uint64_t buf, size_t bufsz, int64_t msgtyp, int flg)
{
	struct ipc_ids *ids = &t->k->ipc->msg;
	if (msqid < 0 || (int64_t)bufsz < 0)
		return -EINVAL;
	if ((flg & MSG_COPY) && ((flg & MSG_EXCEPT) || !(flg & IPC_NOWAIT)))
		return -EINVAL;
	if ((flg & MSG_COPY) && bufsz > MSGMAX)
		bufsz = MSGMAX;
	int mode = search_mode(&msgtyp, flg);
	pthread_mutex_lock(&ids->lock);
	struct msg_queue *q = (struct msg_queue *)ipc_lookup_locked(ids, msqid);
	struct msg_msg *m = NULL;
	int64_t rc = -EINVAL;
	if (q) {
		q->perm.refs++;
		rc = rcv_loop(t, ids, q, bufsz, msgtyp, mode, flg, &m);
		ipc_put_locked(ids, &q->perm);
	}
	pthread_mutex_unlock(&ids->lock);
	if (rc < 0)
		return rc;
	/* do_msg_fill: a fault loses the message, as on Linux. */
	size_t n = bufsz < m->size ? bufsz : m->size;
	if (mm_copy_out(t->mm, buf, &m->mtype, sizeof(m->mtype)) < 0 ||
	    mm_copy_out(t->mm, buf + sizeof(m->mtype), m->text, n) < 0)
		rc = -EFAULT;
	else
		rc = (int64_t)n;
	free(m);
	return rc;
}

static int64_t msgctl_info(struct task *t, struct ipc_ids *ids, int cmd, uint64_t buf)
{
	struct msginfo_abi mi = { .msgmni = MSGMNI, .msgmax = MSGMAX, .msgmnb = MSGMNB,
				  .msgssz = MSGSSZ, .msgseg = MSGSEG, .msgmap = MSGMNB,
				  .msgpool = MSGPOOL, .msgtql = MSGMNB };
	pthread_mutex_lock(&ids->lock);
	if (cmd == MSG_INFO) {
		long hdrs = 0, bytes = 0;
		for (int i = 0; i < ids->nslots; i++) {
			struct msg_queue *q = (struct msg_queue *)ipc_at_locked(ids, i);
			if (q) {
				hdrs += (long)q->qnum;
				bytes += (long)q->cbytes;
			}
		}
		mi.msgpool = ids->in_use;
		mi.msgmap = hdrs > INT_MAX ? INT_MAX : (int)hdrs;
		mi.msgtql = bytes > INT_MAX ? INT_MAX : (int)bytes;
	}
	int max = ipc_max_idx_locked(ids);
	pthread_mutex_unlock(&ids->lock);
	return mm_copy_out(t->mm, buf, &mi, sizeof(mi)) < 0 ? -EFAULT : max;
}

static int64_t msgctl_stat(struct task *t, struct ipc_ids *ids, int msqid, int cmd,
			   uint64_t buf)
{
	struct msqid64_abi ds = { 0 };
	pthread_mutex_lock(&ids->lock);
	struct ipc_obj *o;
	int64_t rc = ipc_ctl_obtain(ids, &t->fs->creds, msqid, IPC_STAT, cmd != IPC_STAT,
				    cmd == MSG_STAT_ANY, &o);
	if (rc == 0) {
		struct msg_queue *q = (struct msg_queue *)o;
		ipc_perm_out(o, &ds.perm);
		ds.stime = q->stime;
		ds.rtime = q->rtime;
		ds.ctime = o->ctime;
		ds.cbytes = q->cbytes;
		ds.qnum = q->qnum;
		ds.qbytes = q->qbytes;
		ds.lspid = q->lspid;
		ds.lrpid = q->lrpid;
		rc = cmd == IPC_STAT ? 0 : o->id;
	}
	pthread_mutex_unlock(&ids->lock);
	if (rc >= 0 && mm_copy_out(t->mm, buf, &ds, sizeof(ds)) < 0)
		return -EFAULT;
	return rc;
}

/* msgctl_down: IPC_SET and IPC_RMID. */
static int64_t msgctl_down(struct task *t, struct ipc_ids *ids, int msqid, int cmd,
			   uint64_t buf)
{
	struct msqid64_abi ds;
	if (cmd == IPC_SET && mm_copy_in(t->mm, buf, &ds, sizeof(ds)) < 0)
		return -EFAULT;
	const struct sentry_creds *c = &t->fs->creds;
	pthread_mutex_lock(&ids->lock);
	struct ipc_obj *o;
	int rc = ipc_ctl_obtain(ids, c, msqid, cmd, 0, 0, &o);
	struct msg_queue *q = (struct msg_queue *)o;
	if (rc == 0 && cmd == IPC_SET) {
		if (ds.qbytes > MSGMNB && !ipc_capable(c, CAP_SYS_RESOURCE))
			rc = -EPERM;
		else if ((rc = ipc_perm_set(o, &ds.perm)) == 0)
			q->qbytes = ds.qbytes;
		if (rc == 0)	/* senders may fit now, receivers may have lost access */
			kwait_wq_notify(q->wq, ~0u);
	} else if (rc == 0) {
		kwait_wq_notify(q->wq, ~0u);
		ipc_rmid_locked(ids, o);
	}
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

int64_t msg_ctl(struct task *t, int msqid, int cmd, uint64_t buf)
{
	struct ipc_ids *ids = &t->k->ipc->msg;
	if (msqid < 0 || cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		return msgctl_info(t, ids, cmd, buf);
	case IPC_STAT:
	case MSG_STAT:
	case MSG_STAT_ANY:
		return msgctl_stat(t, ids, msqid, cmd, buf);
	case IPC_SET:
	case IPC_RMID:
		return msgctl_down(t, ids, msqid, cmd, buf);
	default:
		return -EINVAL;
	}
}
