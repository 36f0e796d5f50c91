/*
 * core/ipc/sysv_shm.c: System V shared memory segments (see sysv_shm.h; Linux's ipc/shm.c for
 * the rules).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>

#include "ipc/memfd.h"
#include "ipc/sysv.h"
#include "ipc/sysv_shm.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "mm/shm.h"
#include "vfs/vfs.h"

#define CAP_IPC_LOCK 14
#define PAGE 4096ull

extern const struct mm_source g_vfs_mm_source;

struct shm_seg {
	struct ipc_obj perm;
	struct shm_obj *obj;	/* the pages; each attachment's file holds it too */
	uint64_t size;		/* as asked (shm_segsz), not rounded */
	int cpid, lpid;		/* creator; last shmat/shmdt */
	int64_t atime, dtime;
	int dest;		/* IPC_RMID while attached: goes with the last mapping */
	int locked;		/* SHM_LOCK (the Sentry never swaps: only reported) */
};

/* The kernel's struct shmid64_ds, shminfo64 and shm_info on x86-64. */
struct shmid64_abi {
	struct ipc64_perm_abi perm;
	uint64_t segsz;
	int64_t atime, dtime, ctime;
	int32_t cpid, lpid;
	uint64_t nattch;
	uint64_t unused4, unused5;
};
_Static_assert(sizeof(struct shmid64_abi) == 112, "shmid64_ds layout");

struct shminfo64_abi {
	uint64_t shmmax, shmmin, shmmni, shmseg, shmall;
	uint64_t unused[4];
};

struct shm_info_abi {
	int32_t used_ids;
	int32_t pad;
	uint64_t shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static struct shm_seg *seg_of(struct ipc_obj *o)
{
	return (struct shm_seg *)o;
}

void shm_seg_free_obj(struct ipc_obj *o)
{
	struct shm_seg *s = seg_of(o);
	shm_put(s->obj);
	free(s);
}

static uint64_t nattch(struct shm_seg *s)
{
	long n = shm_maps(s->obj);
	return n > 0 ? (uint64_t)n : 0;
}

static uint64_t pages_of(uint64_t size)
{
	return (size + PAGE - 1) / PAGE;
}

/* Whether @s is attached or being attached: a shmat between seg_hold and its mapping holds a
 * reference beyond the table's, and counts as Linux's early shm_nattch++ does, so IPC_RMID
 * cannot take the segment out of the table under a mapping about to be made. Lock held. */
static int in_use(struct shm_seg *s)
{
	return s->perm.refs > 1 || nattch(s) > 0;
}

/* Out of the table, its pages no longer counted against shmall. Lock held. */
static void seg_rmid_locked(struct ipc_ids *ids, struct shm_seg *s)
{
	ids->used -= (long)pages_of(s->size);
	ipc_rmid_locked(ids, &s->perm);
}

/* Removed segments whose last mapping went: out of the table now. Lock held. */
static void sweep_locked(struct ipc_ids *ids)
{
	for (int i = 0; i < ids->nslots; i++) {
		struct ipc_obj *o = ipc_at_locked(ids, i);
		if (o && seg_of(o)->dest && !in_use(seg_of(o)))
			seg_rmid_locked(ids, seg_of(o));
	}
}

struct get_arg {
	uint64_t size;
	int pid;
};

static int seg_create(struct ipc_ids *ids, const void *varg, struct ipc_obj **ret)
{
	const struct get_arg *arg = varg;
	/* newseg: the whole namespace's pages stay under shmall. */
	if (arg->size < SHM_SEG_MIN || arg->size > SHM_SEG_MAX || arg->size > SHM_MAX_SIZE)
		return -EINVAL;
	if ((uint64_t)ids->used + pages_of(arg->size) > SHM_SEG_ALL / PAGE)
		return -ENOSPC;
	struct shm_seg *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	int rc = shm_new(pages_of(arg->size) * PAGE, 0, &s->obj);
	if (rc < 0) {
		free(s);
		return rc;
	}
	s->size = arg->size;
	s->cpid = arg->pid;
	ids->used += (long)pages_of(arg->size);
	*ret = &s->perm;
	return 0;
}

static int seg_check(const struct ipc_obj *o, const void *varg)
{
	const struct get_arg *arg = varg;
	return ((const struct shm_seg *)o)->size < arg->size ? -EINVAL : 0;
}

static const struct ipc_get_ops g_shm_get_ops = { .create = seg_create, .check = seg_check };

int shm_seg_get(struct task *t, int32_t key, uint64_t size, int flg)
{
	struct ipc_ids *ids = &t->k->ipc->shm;
	pthread_mutex_lock(&ids->lock);
	sweep_locked(ids);
	pthread_mutex_unlock(&ids->lock);
	const struct get_arg arg = { .size = size, .pid = t->tgid };
	return ipc_get(ids, &t->fs->creds, key, flg, &g_shm_get_ops, &arg);
}

/* The segment @shmid for an attachment with @acc (S_I*UGO bits), with a reference taken so it
 * outlives the mapping being made. Returns 0 with *@ret and its object, or -errno. */
static int seg_hold(struct task *t, struct ipc_ids *ids, int shmid, int acc,
		    struct shm_seg **ret)
{
	pthread_mutex_lock(&ids->lock);
	sweep_locked(ids);
	struct ipc_obj *o = ipc_lookup_locked(ids, shmid);
	int rc = !o ? -EINVAL : ipc_perms(&t->fs->creds, o, acc);
	if (rc == 0) {
		o->refs++;
		*ret = seg_of(o);
	}
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

int shm_seg_at(struct task *t, int shmid, uint64_t addr, int flg, uint64_t *ret_addr)
{
	struct ipc_ids *ids = &t->k->ipc->shm;
	if (shmid < 0)
		return -EINVAL;
	/* do_shmat's address rules (x86-64: SHMLBA is the page size). */
	if (addr & (PAGE - 1)) {
		if (!(flg & SHM_RND))
			return -EINVAL;
		addr &= ~(PAGE - 1);
	}
	if (!addr && (flg & SHM_REMAP))
		return -EINVAL;
	uint32_t prot = PROT_READ, mode = O_RDONLY;
	int acc = S_IRUGO;
	if (!(flg & SHM_RDONLY)) {
		prot |= PROT_WRITE;
		mode = O_RDWR;
		acc |= S_IWUGO;
	}
	if (flg & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= 0111;
	}
	struct shm_seg *s;
	int rc = seg_hold(t, ids, shmid, acc, &s);
	if (rc < 0)
		return rc;
	char label[40];
	snprintf(label, sizeof(label), "/SYSV%08x (deleted)", (uint32_t)s->perm.key);
	struct vfs_file *f = NULL;
	rc = memfd_file_new(s->obj, label, &t->fs->creds, mode, &f);
	uint32_t flags = MAP_SHARED;
	if (addr)	/* over another mapping only with SHM_REMAP */
		flags |= (flg & SHM_REMAP) ? MAP_FIXED : MAP_FIXED_NOREPLACE;
	if (rc == 0)
		rc = mm_mmap(t->mm, addr, pages_of(s->size) * PAGE, prot, flags, &g_vfs_mm_source,
			     f, 0, ret_addr);
	if (rc == -EEXIST)
		rc = -EINVAL;
	vfs_file_put(f);
	pthread_mutex_lock(&ids->lock);
	if (rc == 0) {
		s->lpid = t->tgid;
		s->atime = ipc_now_sec();
	}
	ipc_put_locked(ids, &s->perm);
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

/* The segment whose object is @obj, or NULL. Lock held. */
static struct shm_seg *seg_by_obj_locked(struct ipc_ids *ids, const struct shm_obj *obj)
{
	for (int i = 0; i < ids->nslots; i++) {
		struct ipc_obj *o = ipc_at_locked(ids, i);
		if (o && seg_of(o)->obj == obj)
			return seg_of(o);
	}
	return NULL;
}

struct dt_arg {
	struct ipc_ids *ids;
	int pid;
};

/* mm_unmap_attachment's test: the size of the segment @v maps, 0 when @v maps none. Called
 * with the address space locked; the IPC lock nests inside it (never the other way). */
static uint64_t attachment_size(const struct vma *v, void *varg)
{
	struct dt_arg *arg = varg;
	struct shm_obj *obj = v->src == &g_vfs_mm_source ? memfd_obj(v->file) : NULL;
	if (!obj)
		return 0;
	pthread_mutex_lock(&arg->ids->lock);
	struct shm_seg *s = seg_by_obj_locked(arg->ids, obj);
	uint64_t size = s ? pages_of(s->size) * PAGE : 0;
	if (s) {
		s->lpid = arg->pid;
		s->dtime = ipc_now_sec();
	}
	pthread_mutex_unlock(&arg->ids->lock);
	return size;
}

int shm_seg_dt(struct task *t, uint64_t addr)
{
	struct ipc_ids *ids = &t->k->ipc->shm;
	if (addr & (PAGE - 1))
		return -EINVAL;
	/* As Linux: the attachment's pieces go, whatever else was mapped among them stays. */
	struct dt_arg arg = { .ids = ids, .pid = t->tgid };
	int rc = mm_unmap_attachment(t->mm, addr, attachment_size, &arg);
	pthread_mutex_lock(&ids->lock);
	sweep_locked(ids);
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

static int64_t shmctl_info(struct task *t, struct ipc_ids *ids, int cmd, uint64_t buf)
{
	struct shminfo64_abi in = { .shmmax = SHM_SEG_MAX, .shmmin = SHM_SEG_MIN,
				    .shmmni = SHM_SEG_MNI, .shmseg = SHM_SEG_MNI,
				    .shmall = SHM_SEG_ALL };
	struct shm_info_abi si = { 0 };
	pthread_mutex_lock(&ids->lock);
	sweep_locked(ids);
	if (cmd == SHM_INFO) {
		si.used_ids = ids->in_use;
		si.shm_tot = (uint64_t)ids->used;
		for (int i = 0; i < ids->nslots; i++) {
			struct ipc_obj *o = ipc_at_locked(ids, i);
			if (o)
				si.shm_rss += shm_bytes(seg_of(o)->obj) / PAGE;
		}
	}
	int max = ipc_max_idx_locked(ids);
	pthread_mutex_unlock(&ids->lock);
	int rc = cmd == SHM_INFO ? mm_copy_out(t->mm, buf, &si, sizeof(si))
				 : mm_copy_out(t->mm, buf, &in, sizeof(in));
	return rc < 0 ? -EFAULT : max;
}

static int64_t shmctl_stat(struct task *t, struct ipc_ids *ids, int shmid, int cmd, uint64_t buf)
{
	struct shmid64_abi ds = { 0 };
	pthread_mutex_lock(&ids->lock);
	sweep_locked(ids);
	struct ipc_obj *o;
	int64_t rc = ipc_ctl_obtain(ids, &t->fs->creds, shmid, IPC_STAT, cmd != IPC_STAT,
				    cmd == SHM_STAT_ANY, &o);
	if (rc == 0) {
		struct shm_seg *s = seg_of(o);
		ipc_perm_out(o, &ds.perm);
		ds.perm.mode |= (s->dest ? SHM_DEST : 0) | (s->locked ? SHM_LOCKED : 0);
		ds.segsz = s->size;
		ds.atime = s->atime;
		ds.dtime = s->dtime;
		ds.ctime = o->ctime;
		ds.cpid = s->cpid;
		ds.lpid = s->lpid;
		ds.nattch = nattch(s);
		rc = cmd == IPC_STAT ? 0 : o->id;
	}
	pthread_mutex_unlock(&ids->lock);
	if (rc >= 0 && mm_copy_out(t->mm, buf, &ds, sizeof(ds)) < 0)
		return -EFAULT;
	return rc;
}

/* shmctl_down: IPC_SET and IPC_RMID. */
static int64_t shmctl_down(struct task *t, struct ipc_ids *ids, int shmid, int cmd, uint64_t buf)
{
	struct shmid64_abi ds;
	if (cmd == IPC_SET && mm_copy_in(t->mm, buf, &ds, sizeof(ds)) < 0)
		return -EFAULT;
	pthread_mutex_lock(&ids->lock);
	sweep_locked(ids);
	struct ipc_obj *o;
	int rc = ipc_ctl_obtain(ids, &t->fs->creds, shmid, cmd, 0, 0, &o);
	if (rc == 0 && cmd == IPC_SET) {
		rc = ipc_perm_set(o, &ds.perm);
	} else if (rc == 0) {
		struct shm_seg *s = seg_of(o);
		/* do_shm_rmid: attached, it lingers under a private key until detached. */
		if (in_use(s)) {
			s->dest = 1;
			o->key = IPC_PRIVATE;
		} else {
			seg_rmid_locked(ids, s);
		}
	}
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

/* SHM_LOCK and SHM_UNLOCK: CAP_IPC_LOCK, or the owner or creator (with a memlock limit, for
 * SHM_LOCK). */
static int64_t shmctl_lock(struct task *t, struct ipc_ids *ids, int shmid, int cmd)
{
	const struct sentry_creds *c = &t->fs->creds;
	pthread_mutex_lock(&ids->lock);
	sweep_locked(ids);
	struct ipc_obj *o = ipc_lookup_locked(ids, shmid);
	int rc = o ? 0 : -EINVAL;
	if (rc == 0 && !ipc_capable(c, CAP_IPC_LOCK) && c->euid != o->uid && c->euid != o->cuid)
		rc = -EPERM;
	if (rc == 0 && cmd == SHM_LOCK && !ipc_capable(c, CAP_IPC_LOCK) &&
	    t->tg->rlimits_set && t->tg->rlimits[RLIMIT_MEMLOCK].rlim_cur == 0)
		rc = -EPERM;
	if (rc == 0)
		seg_of(o)->locked = cmd == SHM_LOCK;
	pthread_mutex_unlock(&ids->lock);
	return rc;
}

int64_t shm_seg_ctl(struct task *t, int shmid, int cmd, uint64_t buf)
{
	struct ipc_ids *ids = &t->k->ipc->shm;
	if (shmid < 0 || cmd < 0)
		return -EINVAL;
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
		return shmctl_info(t, ids, cmd, buf);
	case IPC_STAT:
	case SHM_STAT:
	case SHM_STAT_ANY:
		return shmctl_stat(t, ids, shmid, cmd, buf);
	case IPC_SET:
	case IPC_RMID:
		return shmctl_down(t, ids, shmid, cmd, buf);
	case SHM_LOCK:
	case SHM_UNLOCK:
		return shmctl_lock(t, ids, shmid, cmd);
	default:
		return -EINVAL;
	}
}
