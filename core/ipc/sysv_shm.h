/*
 * core/ipc/sysv_shm.h: System V shared memory (shmget(2), shmat(2), shmdt(2), shmctl(2)) on
 * the registry of ipc/sysv.h.
 *
 * A segment holds one shared memory object (mm/shm.h); shmat maps a file over it (ipc/memfd.h,
 * "/SYSV<key> (deleted)" in /proc/PID/maps) MAP_SHARED, so fork, mprotect and munmap treat an
 * attachment like any shared file mapping, and shm_nattch is the object's count of shared
 * mappings (one per VMA, as Linux counts vm_ops->open). IPC_RMID of an attached segment marks
 * it SHM_DEST and makes its key private, as Linux does; it is removed from the table at the
 * first shm call after its last mapping went.
 */
#pragma once

#include <stdint.h>

#include "sentry/types.h"

struct ipc_ns;
struct ipc_obj;
struct task;

/* Linux's defaults (include/uapi/linux/shm.h). */
#define SHM_SEG_MNI 4096
#define SHM_SEG_MIN 1
#define SHM_SEG_MAX (UINT64_MAX - (1ull << 24))
#define SHM_SEG_ALL (UINT64_MAX - (1ull << 24))

/* shmget(2). Returns the id or -EINVAL (size out of range, or larger than the existing
 * segment), -ENOENT, -EEXIST, -EACCES, -ENOSPC, -ENOMEM. */
int shm_seg_get(struct task *t, int32_t key, uint64_t size, int flg);

/* shmat(2): *@ret_addr is the attachment's address. Returns 0, -EINVAL (bad id, misaligned
 * address without SHM_RND, SHM_REMAP without an address, an address over another mapping
 * without SHM_REMAP), -EACCES, -EIDRM, -ENOMEM. */
int shm_seg_at(struct task *t, int shmid, uint64_t addr, int flg, uint64_t *ret_addr);

/* shmdt(2) of the attachment at @addr. Returns 0 or -EINVAL (none starts there). */
int shm_seg_dt(struct task *t, uint64_t addr);

/* shmctl(2). Returns 0, an id or an index, or -EINVAL, -EACCES, -EPERM, -EFAULT. */
int64_t shm_seg_ctl(struct task *t, int shmid, int cmd, uint64_t buf);

/* The table's destructor (ipc/sysv.c). */
void shm_seg_free_obj(struct ipc_obj *o);
