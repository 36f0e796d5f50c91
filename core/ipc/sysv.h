/*
 * core/ipc/sysv.h: the System V IPC registry of one sandbox kernel (its IPC namespace).
 *
 * Semaphore sets (sem.c), message queues (msg.c) and shared memory segments (sysv_shm.c) each
 * have one `struct ipc_ids`: the key -> id table, ids shaped as Linux's (seq * 32768 + index, the
 * lowest free index, the sequence bumped whenever an index at or below the last one given is
 * reused), and the permission rules of ipc/util.c (ipcperms, ipcctl_obtain_check,
 * ipc_update_perm). A kind embeds `struct ipc_obj` as the first member of its object and
 * gives ipc_get() a create/check pair; everything about keys, ids, modes and owners is here.
 *
 * Shared memory (sysv_shm.c) is the third kind: a segment holds a shared memory object and
 * each shmat maps a file over it; IPC_RMID of an attached segment leaves it in the table under
 * a private key until its last mapping goes.
 *
 * Locks: one mutex per kind (`ipc_ids.lock`) covers its table and every object of the kind;
 * then an object's waiter queue (kernel/wait.h). Nothing is held across a sleep.
 */
#pragma once

#include <pthread.h>
#include <stdint.h>

#include "sentry/types.h"

struct mq_ns;

/* The id shape: index in the low 15 bits (Linux's IPCMNI_SHIFT without ipcmni_extend). */
#define IPC_ID_SHIFT 15
#define IPC_MNI (1 << IPC_ID_SHIFT)
#define IPC_SEQ_MAX (INT32_MAX >> IPC_ID_SHIFT)

/* The permission bits ipc_perms asks for (linux/stat.h). */
#ifndef S_IRUGO
#define S_IRUGO 0444
#define S_IWUGO 0222
#endif

/* Linux's defaults (include/uapi/linux/sem.h, msg.h; ipc_namespace sysctls). */
#define SEMMNI 32000
#define SEMMSL 32000
#define SEMMNS (SEMMNI * SEMMSL)
#define SEMOPM 500
#define SEMVMX 32767
#define SEMAEM SEMVMX
#define SEMUSZ 20
#define MSGMNI 32000
#define MSGMAX 8192
#define MSGMNB 16384
#define MSGSSZ 16
#define MSGPOOL (MSGMNI * MSGMNB / 1024)
#define MSGSEG 0xffff

/* The kernel's struct ipc64_perm (x86-64), as IPC_STAT reports and IPC_SET reads it. */
struct ipc64_perm_abi {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint16_t mode;
	uint8_t pad1[2];
	uint16_t seq;
	uint16_t pad2;
	uint64_t unused1, unused2;
};

/* What every System V object starts with; fields under its kind's ids lock. */
struct ipc_obj {
	int32_t key;		/* IPC_PRIVATE (0) or the key asked */
	int id;			/* seq << IPC_ID_SHIFT | index */
	int idx;		/* slot in ipc_ids.slots */
	uint32_t uid, gid;	/* owner (IPC_SET changes it) */
	uint32_t cuid, cgid;	/* creator */
	uint16_t mode;		/* the 0777 bits */
	int refs;		/* the table's (until IPC_RMID) and each waiter's or user's */
	int removed;		/* IPC_RMID done: waiters give -EIDRM */
	int64_t ctime;		/* last IPC_SET or creation, seconds */
};

/* One kind's table. */
struct ipc_ids {
	pthread_mutex_t lock;
	struct ipc_obj **slots;	/* index -> object, NULL when free */
	int nslots;		/* allocated entries */
	int in_use;
	int last_idx;		/* index given last (-1: none yet) */
	int seq;
	int mni;		/* most objects at once (SEMMNI, MSGMNI) */
	long used;		/* the kind's own total: semaphores in every set */
	void (*free_obj)(struct ipc_obj *o);	/* the kind's destructor, lock held */
};

/* The whole IPC namespace: System V tables and the POSIX message queue names. */
struct ipc_ns {
	struct ipc_ids sem;
	struct ipc_ids msg;
	struct ipc_ids shm;	/* shared memory segments (sysv_shm.c) */
	struct mq_ns *mq;	/* mqueue.c; NULL until first used */
	pthread_mutex_t mq_lock;	/* creating @mq */
};

/* A new empty namespace, or NULL (ENOMEM). */
struct ipc_ns *ipc_ns_new(void);
/* Frees @ns and every object left in it (no task may use it any more). NULL is fine. */
void ipc_ns_free(struct ipc_ns *ns);

/* How ipc_get makes and checks objects of one kind. */
struct ipc_get_ops {
	/* Makes a new object for @arg (the call's own arguments: nsems...) into *ret, its
	 * ipc_obj zeroed past what the kind sets. Returns 0, -EINVAL, -ENOSPC, -ENOMEM. */
	int (*create)(struct ipc_ids *ids, const void *arg, struct ipc_obj **ret);
	/* Optional. Checks an existing object against @arg (semget's nsems): 0 or -EINVAL. */
	int (*check)(const struct ipc_obj *o, const void *arg);
};

/* semget/msgget/shmget's ipcget: the id for @key with @flg (IPC_CREAT, IPC_EXCL, mode bits)
 * for @c. Returns the id, -ENOENT, -EEXIST, -EACCES, -ENOSPC, or what the ops return. */
int ipc_get(struct ipc_ids *ids, const struct sentry_creds *c, int32_t key, int flg,
	    const struct ipc_get_ops *ops, const void *arg);

/* The object of @id, NULL when none (wrong index or sequence). Lock held. */
struct ipc_obj *ipc_lookup_locked(struct ipc_ids *ids, int id);

/* ipcperms: whether @c may use @o for the S_IRUGO/S_IWUGO bits in @flag (CAP_IPC_OWNER may).
 * Returns 0 or -EACCES. Lock held. */
int ipc_perms(const struct sentry_creds *c, const struct ipc_obj *o, int flag);

/* The *ctl commands' lookup, lock held: for @cmd IPC_SET or IPC_RMID the owner, creator or
 * CAP_SYS_ADMIN (-EPERM); for IPC_STAT read permission (-EACCES); for @by_index (SEM_STAT,
 * MSG_STAT...) @id is an index, with read permission unless @any (*_STAT_ANY). Returns 0 with
 * *ret, or -EINVAL (no such object), -EPERM, -EACCES. */
int ipc_ctl_obtain(struct ipc_ids *ids, const struct sentry_creds *c, int id, int cmd,
		   int by_index, int any, struct ipc_obj **ret);

/* IPC_STAT's permission block. Lock held. */
void ipc_perm_out(const struct ipc_obj *o, struct ipc64_perm_abi *p);
/* IPC_SET: owner and mode bits from @p. Returns 0 or -EINVAL (uid or gid -1). Lock held. */
int ipc_perm_set(struct ipc_obj *o, const struct ipc64_perm_abi *p);

/* IPC_RMID: takes @o out of the table (its key and id are gone), marks it removed and drops
 * the table's reference. Lock held; the caller wakes the waiters. */
void ipc_rmid_locked(struct ipc_ids *ids, struct ipc_obj *o);
/* Drops one reference (a waiter's); the last frees the object. Lock held. */
void ipc_put_locked(struct ipc_ids *ids, struct ipc_obj *o);

/* IPC_INFO's answer: the highest index in use, 0 when none. Lock held. */
int ipc_max_idx_locked(const struct ipc_ids *ids);
/* The object at index @i, NULL when free (for walks). Lock held. */
static inline struct ipc_obj *ipc_at_locked(const struct ipc_ids *ids, int i)
{
	return i >= 0 && i < ids->nslots ? ids->slots[i] : NULL;
}

/* CLOCK_REALTIME seconds, for the *_time fields. */
int64_t ipc_now_sec(void);
/* Whether @c has capability @cap in its effective set. */
int ipc_capable(const struct sentry_creds *c, int cap);
