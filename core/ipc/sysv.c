/*
 * core/ipc/sysv.c: the System V IPC registry: keys, ids and permissions (see sysv.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/stat.h>
#include <time.h>

#include "ipc/mqueue.h"
#include "ipc/sysv.h"
#include "ipc/sysv_shm.h"

/* linux/capability.h */
#define CAP_IPC_OWNER 15
#define CAP_SYS_ADMIN 21

int64_t ipc_now_sec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

int ipc_capable(const struct sentry_creds *c, int cap)
{
	return (c->cap_effective >> cap) & 1;
}

static void ids_init(struct ipc_ids *ids, int mni, void (*free_obj)(struct ipc_obj *))
{
	pthread_mutex_init(&ids->lock, NULL);
	ids->last_idx = -1;
	ids->mni = mni;
	ids->free_obj = free_obj;
}

static void ids_fini(struct ipc_ids *ids)
{
	for (int i = 0; i < ids->nslots; i++)
		if (ids->slots[i] && ids->free_obj)
			ids->free_obj(ids->slots[i]);
	free(ids->slots);
	pthread_mutex_destroy(&ids->lock);
}

/* The kinds' destructors (sem.c, msg.c): each is only reached through its table. */
void sem_free_obj(struct ipc_obj *o);
void msg_free_obj(struct ipc_obj *o);
void shm_seg_free_obj(struct ipc_obj *o);

struct ipc_ns *ipc_ns_new(void)
{
	struct ipc_ns *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return NULL;
	ids_init(&ns->sem, SEMMNI, sem_free_obj);
	ids_init(&ns->msg, MSGMNI, msg_free_obj);
	ids_init(&ns->shm, SHM_SEG_MNI, shm_seg_free_obj);
	pthread_mutex_init(&ns->mq_lock, NULL);
	return ns;
}

void ipc_ns_free(struct ipc_ns *ns)
{
	if (!ns)
		return;
	ids_fini(&ns->sem);
	ids_fini(&ns->msg);
	ids_fini(&ns->shm);
	mq_ns_free(ns->mq);
	pthread_mutex_destroy(&ns->mq_lock);
	free(ns);
}

/* ipc_idr_alloc: the lowest free index; the sequence moves on when the index does not grow,
 * so a reused index gets a new id. Returns the index or -ENOSPC, -ENOMEM. */
static int ids_alloc(struct ipc_ids *ids, struct ipc_obj *o)
{
	if (ids->in_use >= ids->mni)
		return -ENOSPC;
	int idx = 0;
	while (idx < ids->nslots && ids->slots[idx])
		idx++;
	if (idx == ids->nslots) {
		int n = ids->nslots ? ids->nslots * 2 : 16;
		struct ipc_obj **s = realloc(ids->slots, (size_t)n * sizeof(*s));
		if (!s)
			return -ENOMEM;
		memset(s + ids->nslots, 0, (size_t)(n - ids->nslots) * sizeof(*s));
		ids->slots = s;
		ids->nslots = n;
	}
	if (idx <= ids->last_idx && ++ids->seq > IPC_SEQ_MAX)
		ids->seq = 0;
	ids->last_idx = idx;
	ids->slots[idx] = o;
	ids->in_use++;
	o->idx = idx;
	o->id = (ids->seq << IPC_ID_SHIFT) + idx;
	o->refs = 1;
	return idx;
}

static struct ipc_obj *find_key_locked(struct ipc_ids *ids, int32_t key)
{
	for (int i = 0; i < ids->nslots; i++)
		if (ids->slots[i] && ids->slots[i]->key == key)
			return ids->slots[i];
	return NULL;
}

/* ipcget_new: a fresh object owned by the caller's effective IDs. */
static int get_new_locked(struct ipc_ids *ids, const struct sentry_creds *c, int32_t key,
			  int flg, const struct ipc_get_ops *ops, const void *arg)
{
	if (ids->in_use >= ids->mni)
		return -ENOSPC;
	struct ipc_obj *o;
	int rc = ops->create(ids, arg, &o);
	if (rc < 0)
		return rc;
	o->key = key;
	o->uid = o->cuid = c->euid;
	o->gid = o->cgid = c->egid;
	o->mode = (uint16_t)(flg & 0777);
	o->ctime = ipc_now_sec();
	rc = ids_alloc(ids, o);
	if (rc < 0) {
		ids->free_obj(o);
		return rc;
	}
	return o->id;
}

int ipc_get(struct ipc_ids *ids, const struct sentry_creds *c, int32_t key, int flg,
	    const struct ipc_get_ops *ops, const void *arg)
{
	pthread_mutex_lock(&ids->lock);
	int rc;
	struct ipc_obj *o = key == IPC_PRIVATE ? NULL : find_key_locked(ids, key);
	if (key == IPC_PRIVATE || (!o && (flg & IPC_CREAT)))
		rc = get_new_locked(ids, c, key, flg, ops, arg);
	else if (!o)
		rc = -ENOENT;
	else if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
		rc = -EEXIST;
	else if (ops->check && (rc = ops->check(o, arg)) < 0)
		;	/* ipcget_public: the kind's check comes before permissions */
	else if (ipc_perms(c, o, flg) < 0)
		rc = -EACCES;
	else
		rc = o->id;
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

struct ipc_obj *ipc_lookup_locked(struct ipc_ids *ids, int id)
{
	if (id < 0)
		return NULL;
	struct ipc_obj *o = ipc_at_locked(ids, id & (IPC_MNI - 1));
	return o && o->id == id ? o : NULL;
}

/* in_group_p: the filesystem group or a supplementary one. */
static int in_group(const struct sentry_creds *c, uint32_t gid)
{
	if (c->fsgid == gid)
		return 1;
	for (uint32_t i = 0; i < c->ngroups && i < 32; i++)
		if (c->groups[i] == gid)
			return 1;
	return 0;
}

int ipc_perms(const struct sentry_creds *c, const struct ipc_obj *o, int flag)
{
	int requested = (flag >> 6) | (flag >> 3) | flag;
	int granted = o->mode;
	if (c->euid == o->cuid || c->euid == o->uid)
		granted >>= 6;
	else if (in_group(c, o->cgid) || in_group(c, o->gid))
		granted >>= 3;
	if ((requested & ~granted & 07) && !ipc_capable(c, CAP_IPC_OWNER))
		return -EACCES;
	return 0;
}

int ipc_ctl_obtain(struct ipc_ids *ids, const struct sentry_creds *c, int id, int cmd,
		   int by_index, int any, struct ipc_obj **ret)
{
	struct ipc_obj *o = by_index ? ipc_at_locked(ids, id) : ipc_lookup_locked(ids, id);
	if (!o)
		return -EINVAL;
	if (cmd == IPC_SET || cmd == IPC_RMID) {
		if (c->euid != o->cuid && c->euid != o->uid && !ipc_capable(c, CAP_SYS_ADMIN))
			return -EPERM;
	} else if ((cmd == IPC_STAT || by_index) && !any && ipc_perms(c, o, S_IRUGO) < 0) {
		return -EACCES;
	}
	*ret = o;
	return 0;
}

void ipc_perm_out(const struct ipc_obj *o, struct ipc64_perm_abi *p)
{
	*p = (struct ipc64_perm_abi){ .key = o->key, .uid = o->uid, .gid = o->gid,
				      .cuid = o->cuid, .cgid = o->cgid, .mode = o->mode,
				      .seq = (uint16_t)(o->id >> IPC_ID_SHIFT) };
}

int ipc_perm_set(struct ipc_obj *o, const struct ipc64_perm_abi *p)
{
	if (p->uid == (uint32_t)-1 || p->gid == (uint32_t)-1)
		return -EINVAL;
	o->uid = p->uid;
	o->gid = p->gid;
	o->mode = (uint16_t)((o->mode & ~0777) | (p->mode & 0777));
	o->ctime = ipc_now_sec();
	return 0;
}

void ipc_rmid_locked(struct ipc_ids *ids, struct ipc_obj *o)
{
	ids->slots[o->idx] = NULL;
	ids->in_use--;
	o->removed = 1;
	ipc_put_locked(ids, o);
}

void ipc_put_locked(struct ipc_ids *ids, struct ipc_obj *o)
{
	if (--o->refs == 0)
		ids->free_obj(o);
}

int ipc_max_idx_locked(const struct ipc_ids *ids)
{
	for (int i = ids->nslots - 1; i >= 0; i--)
		if (ids->slots[i])
			return i;
	return 0;
}
