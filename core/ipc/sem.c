/*
 * core/ipc/sem.c: System V semaphore sets (see sem.h; Linux's ipc/sem.c for the rules).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>

#include "ipc/sem.h"
#include "ipc/sysv.h"
#include "kernel/interrupt.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "vfs/vfs.h"


struct sem {
	int val;
	int pid;		/* tgid of the last process to change it */
};

/* One blocked semop, on the set's list while it sleeps (on its stack). */
struct sem_waiter {
	struct sem_waiter *next;
	int num;		/* the semaphore its blocking op waits on */
	int zero;		/* waiting for zero (GETZCNT) rather than for an increase */
};

/* A process's SEM_UNDO adjustments on one set. */
struct sem_undo {
	struct sem_undo *next;
	int tgid;
	short adj[];		/* per semaphore: what exit adds back */
};

struct sem_set {
	struct ipc_obj perm;	/* first: the registry's part */
	int nsems;
	int64_t otime;		/* last semop, seconds; 0: never */
	struct sentry_waitq *wq;	/* every change is notified here */
	struct sem_waiter *waiters;
	struct sem_undo *undos;
	struct sem sems[];
};

/* struct semid64_ds (x86-64). */
struct semid64_abi {
	struct ipc64_perm_abi perm;
	int64_t otime;
	uint64_t unused1;
	int64_t ctime;
	uint64_t unused2;
	uint64_t nsems;
	uint64_t unused3, unused4;
};

/* struct seminfo. */
struct seminfo_abi {
	int semmap, semmni, semmns, semmnu, semmsl, semopm, semume, semusz, semvmx, semaem;
};

void sem_free_obj(struct ipc_obj *o);

void sem_free_obj(struct ipc_obj *o)
{
	struct sem_set *s = (struct sem_set *)o;
	while (s->undos) {
		struct sem_undo *u = s->undos;
		s->undos = u->next;
		free(u);
	}
	kwait_wq_free(s->wq);
	free(s);
}

static int sem_create(struct ipc_ids *ids, const void *arg, struct ipc_obj **ret)
{
	int nsems = *(const int *)arg;
	if (nsems == 0)
		return -EINVAL;
	if (ids->used + nsems > SEMMNS)
		return -ENOSPC;
	struct sem_set *s = calloc(1, sizeof(*s) + (size_t)nsems * sizeof(struct sem));
	struct sentry_waitq *wq = s ? kwait_wq_new() : NULL;
	if (!wq) {
		free(s);
		return -ENOMEM;
	}
	s->wq = wq;
	s->nsems = nsems;
	ids->used += nsems;
	*ret = &s->perm;
	return 0;
}

/* sem_more_checks: an existing set smaller than asked. */
static int sem_check(const struct ipc_obj *o, const void *arg)
{
	return *(const int *)arg > ((const struct sem_set *)o)->nsems ? -EINVAL : 0;
}

static const struct ipc_get_ops g_sem_get_ops = { .create = sem_create, .check = sem_check };

int sem_get(struct ipc_ns *ns, const struct sentry_creds *c, int32_t key, int nsems, int flg)
{
	if (nsems < 0 || nsems > SEMMSL)
		return -EINVAL;
	return ipc_get(&ns->sem, c, key, flg, &g_sem_get_ops, &nsems);
}

static struct sem_undo *find_undo(struct sem_set *s, int tgid)
{
	for (struct sem_undo *u = s->undos; u; u = u->next)
		if (u->tgid == tgid)
			return u;
	return NULL;
}

static int alloc_undo(struct sem_set *s, int tgid)
{
	if (find_undo(s, tgid))
		return 0;
	struct sem_undo *u = calloc(1, sizeof(*u) + (size_t)s->nsems * sizeof(short));
	if (!u)
		return -ENOMEM;
	u->tgid = tgid;
	u->next = s->undos;
	s->undos = u;
	return 0;
}

/* Whether SEM_UNDO op @i keeps its semaphore's adjustment within SEMAEM, counting the
 * earlier undo ops of the same call on it, as Linux does (the adjustments are recorded only
 * once the whole call succeeds, ops_done). At most SEMOPM ops: the rescan stays cheap. */
static int undo_in_range(const struct sem_undo *u, const struct sem_op_abi *sops, size_t i)
{
	int adj = u->adj[sops[i].num];
	for (size_t j = 0; j <= i; j++)
		if (sops[j].num == sops[i].num && (sops[j].flg & SEM_UNDO))
			adj -= sops[j].op;
	return adj >= -SEMAEM - 1 && adj <= SEMAEM;
}

/* perform_atomic_semop: applies every op or none (each op sees the ones before it, so the
 * same semaphore may appear twice). Returns 0, -ERANGE, -EAGAIN (IPC_NOWAIT), or 1 with
 * *ret_blk the op that must wait. */
static int try_ops(struct sem_set *s, const struct sem_op_abi *sops, size_t n,
		   struct sem_undo *u, size_t *ret_blk)
{
	size_t i;
	int rc = 0;
	for (i = 0; i < n; i++) {
		struct sem *m = &s->sems[sops[i].num];
		int v = m->val + sops[i].op;
		if ((!sops[i].op && m->val) || v < 0) {
			rc = (sops[i].flg & IPC_NOWAIT) ? -EAGAIN : 1;
			*ret_blk = i;
			break;
		}
		if (v > SEMVMX) {
			rc = -ERANGE;
			break;
		}
		if ((sops[i].flg & SEM_UNDO) && !undo_in_range(u, sops, i)) {
			rc = -ERANGE;
			break;
		}
		m->val = v;
	}
	if (rc) {
		while (i-- > 0)
			s->sems[sops[i].num].val -= sops[i].op;
		return rc;
	}
	return 0;
}

/* The bookkeeping of ops done: undo records, pids, the time; and the wake-up. */
static void ops_done(struct sem_set *s, const struct sem_op_abi *sops, size_t n,
		     struct sem_undo *u, int tgid)
{
	int alter = 0;
	for (size_t i = 0; i < n; i++) {
		if (sops[i].flg & SEM_UNDO)
			u->adj[sops[i].num] = (short)(u->adj[sops[i].num] - sops[i].op);
		s->sems[sops[i].num].pid = tgid;
		alter |= sops[i].op != 0;
	}
	s->otime = ipc_now_sec();
	if (alter)
		kwait_wq_notify(s->wq, ~0u);
}

/* Sleeps once as waiter @w; the lock is dropped and taken again. Returns kwait_sleep's
 * answer, -EINTR only for a signal to act on. */
static int sem_sleep(struct task *t, struct ipc_ids *ids, struct sem_set *s,
		     struct sem_waiter *w, int64_t deadline_ns)
{
	struct kwait_reg r;
	w->next = s->waiters;
	s->waiters = w;
	kwait_prepare(t, s->wq, ~0u, &r);
	pthread_mutex_unlock(&ids->lock);
	int rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, deadline_ns);
	kwait_finish(&r);
	pthread_mutex_lock(&ids->lock);
	for (struct sem_waiter **p = &s->waiters; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	if (rc == -EINTR && !task_wait_interrupted(t))
		rc = 0;
	return rc;
}

/* The loop of do_semtimedop once the set is found and checked. Lock held. */
static int semop_loop(struct task *t, struct ipc_ids *ids, struct sem_set *s,
		      const struct sem_op_abi *sops, size_t n, int undos, int64_t deadline_ns)
{
	for (int last = 0;; ) {
		if (s->perm.removed)
			return -EIDRM;
		struct sem_undo *u = undos ? find_undo(s, t->tgid) : NULL;
		if (undos && !u)
			return -EIDRM;	/* not reached: undos go only with the set */
		size_t blk = 0;
		int rc = try_ops(s, sops, n, u, &blk);
		if (rc == 0)
			ops_done(s, sops, n, u, t->tgid);
		if (rc <= 0)
			return rc;
		if (last)
			return -EAGAIN;
		struct sem_waiter w = { .num = sops[blk].num, .zero = sops[blk].op == 0 };
		rc = sem_sleep(t, ids, s, &w, deadline_ns);
		if (rc == -EINTR)
			return s->perm.removed ? -EIDRM : -EINTR;
		/* Timed out: one last look, as Linux checks whether the ops got done. */
		last = rc == -ETIMEDOUT;
	}
}

int sem_timedop(struct task *t, int semid, const struct sem_op_abi *sops, size_t nsops,
		int64_t deadline_ns)
{
	struct ipc_ids *ids = &t->k->ipc->sem;
	int max = 0, undos = 0, alter = 0;
	for (size_t i = 0; i < nsops; i++) {
		if (sops[i].num >= max)
			max = sops[i].num;
		undos |= (sops[i].flg & SEM_UNDO) != 0;
		alter |= sops[i].op != 0;
	}
	pthread_mutex_lock(&ids->lock);
	struct sem_set *s = (struct sem_set *)ipc_lookup_locked(ids, semid);
	int rc;
	if (!s)
		rc = -EINVAL;
	else if (max >= s->nsems)
		rc = -EFBIG;
	else if (ipc_perms(&t->fs->creds, &s->perm, alter ? S_IWUGO : S_IRUGO) < 0)
		rc = -EACCES;
	else if (undos && (rc = alloc_undo(s, t->tgid)) < 0)
		;
	else {
		s->perm.refs++;	/* the set may be removed while we sleep */
		rc = semop_loop(t, ids, s, sops, nsops, undos, deadline_ns);
		ipc_put_locked(ids, &s->perm);
	}
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

/* count_semcnt: the sleepers whose blocking op waits on @num for zero (@zero) or more. */
static int count_waiters(const struct sem_set *s, int num, int zero)
{
	int n = 0;
	for (const struct sem_waiter *w = s->waiters; w; w = w->next)
		n += w->num == num && w->zero == zero;
	return n;
}

static int64_t semctl_info(struct task *t, struct ipc_ids *ids, int cmd, uint64_t addr)
{
	struct seminfo_abi si = { .semmni = SEMMNI, .semmns = SEMMNS, .semmsl = SEMMSL,
				  .semopm = SEMOPM, .semvmx = SEMVMX, .semmnu = SEMMNS,
				  .semmap = SEMMNS, .semume = SEMOPM, .semusz = SEMUSZ,
				  .semaem = SEMAEM };
	pthread_mutex_lock(&ids->lock);
	if (cmd == SEM_INFO) {
		si.semusz = ids->in_use;
		si.semaem = (int)ids->used;
	}
	int max = ipc_max_idx_locked(ids);
	pthread_mutex_unlock(&ids->lock);
	return mm_copy_out(t->mm, addr, &si, sizeof(si)) < 0 ? -EFAULT : max;
}

static int64_t semctl_stat(struct task *t, struct ipc_ids *ids, int semid, int cmd,
			   uint64_t addr)
{
	struct semid64_abi ds = { 0 };
	pthread_mutex_lock(&ids->lock);
	struct ipc_obj *o;
	int64_t rc = ipc_ctl_obtain(ids, &t->fs->creds, semid, IPC_STAT, cmd != IPC_STAT,
				    cmd == SEM_STAT_ANY, &o);
	if (rc == 0) {
		struct sem_set *s = (struct sem_set *)o;
		ipc_perm_out(o, &ds.perm);
		ds.otime = s->otime;
		ds.ctime = o->ctime;
		ds.nsems = (uint64_t)s->nsems;
		rc = cmd == IPC_STAT ? 0 : o->id;
	}
	pthread_mutex_unlock(&ids->lock);
	if (rc >= 0 && mm_copy_out(t->mm, addr, &ds, sizeof(ds)) < 0)
		return -EFAULT;
	return rc;
}

/* IPC_SET and IPC_RMID (semctl_down). */
static int64_t semctl_down(struct task *t, struct ipc_ids *ids, int semid, int cmd,
			   uint64_t addr)
{
	struct semid64_abi ds;
	if (cmd == IPC_SET && mm_copy_in(t->mm, addr, &ds, sizeof(ds)) < 0)
		return -EFAULT;
	pthread_mutex_lock(&ids->lock);
	struct ipc_obj *o;
	int rc = ipc_ctl_obtain(ids, &t->fs->creds, semid, cmd, 0, 0, &o);
	if (rc == 0 && cmd == IPC_SET) {
		rc = ipc_perm_set(o, &ds.perm);
	} else if (rc == 0) {
		struct sem_set *s = (struct sem_set *)o;
		ids->used -= s->nsems;
		kwait_wq_notify(s->wq, ~0u);
		ipc_rmid_locked(ids, o);
	}
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

/* SETVAL and SETALL forget the undo records of what they set; then wake the sleepers. */
static void values_set(struct sem_set *s, int num, int tgid)
{
	for (struct sem_undo *u = s->undos; u; u = u->next)
		for (int i = 0; i < s->nsems; i++)
			if (num < 0 || i == num)
				u->adj[i] = 0;
	for (int i = 0; i < s->nsems; i++)
		if (num < 0 || i == num)
			s->sems[i].pid = tgid;
	s->perm.ctime = ipc_now_sec();
	kwait_wq_notify(s->wq, ~0u);
}

static int64_t semctl_setval(struct task *t, struct ipc_ids *ids, int semid, int semnum,
			     int val)
{
	if (val > SEMVMX || val < 0)
		return -ERANGE;
	pthread_mutex_lock(&ids->lock);
	struct sem_set *s = (struct sem_set *)ipc_lookup_locked(ids, semid);
	int rc = 0;
	if (!s || semnum < 0 || semnum >= s->nsems)
		rc = -EINVAL;
	else if (ipc_perms(&t->fs->creds, &s->perm, S_IWUGO) < 0)
		rc = -EACCES;
	if (rc == 0) {
		s->sems[semnum].val = val;
		values_set(s, semnum, t->tgid);
	}
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

/* GETALL and SETALL, lock held. */
static int64_t semctl_all(struct task *t, struct sem_set *s, int cmd, uint64_t addr)
{
	uint16_t *v = malloc((size_t)s->nsems * sizeof(*v));
	if (!v)
		return -ENOMEM;
	int64_t rc = 0;
	if (cmd == GETALL) {
		for (int i = 0; i < s->nsems; i++)
			v[i] = (uint16_t)s->sems[i].val;
		rc = mm_copy_out(t->mm, addr, v, (size_t)s->nsems * sizeof(*v)) < 0 ? -EFAULT : 0;
	} else if (mm_copy_in(t->mm, addr, v, (size_t)s->nsems * sizeof(*v)) < 0) {
		rc = -EFAULT;
	} else {
		for (int i = 0; i < s->nsems && rc == 0; i++)
			if (v[i] > SEMVMX)
				rc = -ERANGE;
		for (int i = 0; i < s->nsems && rc == 0; i++)
			s->sems[i].val = v[i];
		if (rc == 0)
			values_set(s, -1, t->tgid);
	}
	free(v);
	return rc;
}

/* semctl_main: GETALL, SETALL, GETVAL, GETPID, GETNCNT, GETZCNT. */
static int64_t semctl_main(struct task *t, struct ipc_ids *ids, int semid, int semnum, int cmd,
			   uint64_t arg)
{
	pthread_mutex_lock(&ids->lock);
	struct sem_set *s = (struct sem_set *)ipc_lookup_locked(ids, semid);
	int64_t rc;
	if (!s)
		rc = -EINVAL;
	else if (ipc_perms(&t->fs->creds, &s->perm, cmd == SETALL ? S_IWUGO : S_IRUGO) < 0)
		rc = -EACCES;
	else if (cmd == GETALL || cmd == SETALL)
		rc = semctl_all(t, s, cmd, arg);
	else if (semnum < 0 || semnum >= s->nsems)
		rc = -EINVAL;
	else if (cmd == GETVAL)
		rc = s->sems[semnum].val;
	else if (cmd == GETPID)
		rc = s->sems[semnum].pid;
	else
		rc = count_waiters(s, semnum, cmd == GETZCNT);
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

int64_t sem_ctl(struct task *t, int semid, int semnum, int cmd, uint64_t arg)
{
	struct ipc_ids *ids = &t->k->ipc->sem;
	if (semid < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SEM_INFO:
		return semctl_info(t, ids, cmd, arg);
	case IPC_STAT:
	case SEM_STAT:
	case SEM_STAT_ANY:
		return semctl_stat(t, ids, semid, cmd, arg);
	case GETALL:
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
	case SETALL:
		return semctl_main(t, ids, semid, semnum, cmd, arg);
	case SETVAL:
		return semctl_setval(t, ids, semid, semnum, (int)arg);
	case IPC_SET:
	case IPC_RMID:
		return semctl_down(t, ids, semid, cmd, arg);
	default:
		return -EINVAL;
	}
}

/* exit_sem for one set: each adjustment added back, clamped to 0..SEMVMX. Lock held. */
static void undo_apply(struct sem_set *s, int tgid)
{
	for (struct sem_undo **p = &s->undos; *p; p = &(*p)->next) {
		struct sem_undo *u = *p;
		if (u->tgid != tgid)
			continue;
		for (int i = 0; i < s->nsems; i++) {
			if (!u->adj[i])
				continue;
			int v = s->sems[i].val + u->adj[i];
			s->sems[i].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
			s->sems[i].pid = tgid;
		}
		*p = u->next;
		free(u);
		kwait_wq_notify(s->wq, ~0u);
		return;
	}
}

void sem_exit(struct ipc_ns *ns, int tgid)
{
	if (!ns)
		return;
	pthread_mutex_lock(&ns->sem.lock);
	for (int i = 0; i < ns->sem.nslots; i++) {
		struct ipc_obj *o = ipc_at_locked(&ns->sem, i);
		if (o)
			undo_apply((struct sem_set *)o, tgid);
	}
	pthread_mutex_unlock(&ns->sem.lock);
}
