/*
 * core/ipc/sem.h: System V semaphore sets (semget(2), semop(2), semtimedop(2), semctl(2)),
 * on the registry of ipc/sysv.h.
 *
 * A semop array is applied all or nothing under the semaphore table's lock; a caller that
 * must wait registers on the set's waiter queue and tries again at every change (values set,
 * ops done, IPC_RMID). SEM_UNDO adjustments are kept per process (thread group) and set, and
 * applied when the process exits (sem_exit).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/types.h"

struct ipc_ns;
struct task;

/* struct sembuf. */
struct sem_op_abi {
	uint16_t num;
	int16_t op;
	int16_t flg;
};

/* semget(2) for @c. Returns the id or -EINVAL (nsems), -ENOENT, -EEXIST, -EACCES, -ENOSPC,
 * -ENOMEM. */
int sem_get(struct ipc_ns *ns, const struct sentry_creds *c, int32_t key, int nsems, int flg);

/* semtimedop(2) of @nsops (1..SEMOPM, checked by the caller) ops in @sops for @t, waiting
 * until @deadline_ns (absolute CLOCK_MONOTONIC; -1 none). Returns 0 or -EINVAL (no such set),
 * -EFBIG, -EACCES, -EAGAIN (IPC_NOWAIT, or the time ran out), -ERANGE, -EIDRM, -EINTR,
 * -ENOMEM. */
int sem_timedop(struct task *t, int semid, const struct sem_op_abi *sops, size_t nsops,
		int64_t deadline_ns);

/* semctl(2) of @cmd with the union semun @arg (a value or an address in @t's memory).
 * Returns what Linux returns: 0, a value, an id or an index, or -EINVAL, -EACCES, -EPERM,
 * -ERANGE, -EFAULT, -EIDRM, -ENOMEM. */
int64_t sem_ctl(struct task *t, int semid, int semnum, int cmd, uint64_t arg);

/* exit_sem: applies and drops the SEM_UNDO adjustments of process @tgid. */
void sem_exit(struct ipc_ns *ns, int tgid);
