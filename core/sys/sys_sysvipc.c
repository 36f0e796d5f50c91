/*
 * core/sys/sys_sysvipc.c: System V IPC calls (semget, semop, semtimedop, semctl, msgget,
 * msgsnd, msgrcv, msgctl, shmget, shmat, shmdt, shmctl): arguments copied and checked in
 * Linux's order, then core/ipc's sem.c, msg.c and sysv_shm.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "ipc/msg.h"
#include "ipc/sem.h"
#include "ipc/sysv.h"
#include "ipc/sysv_shm.h"
#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

int64_t sys_semget(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	return sem_get(t->k->ipc, &t->fs->creds, (int32_t)a[0], (int)a[1], (int)a[2]);
}

/* do_semtimedop's checks before the set is looked up; @tsaddr 0: no timeout. */
static int64_t do_semtimedop(struct task *t, int semid, uint64_t sops_addr, uint32_t nsops,
			     uint64_t tsaddr)
{
	if (!t->k->ipc)
		return -ENOMEM;
	if (nsops < 1 || semid < 0)
		return -EINVAL;
	if (nsops > SEMOPM)
		return -E2BIG;
	struct sem_op_abi *sops = malloc(nsops * sizeof(*sops));
	if (!sops)
		return -ENOMEM;
	int64_t deadline = -1, rc = 0;
	struct timespec ts;
	if (mm_copy_in(t->mm, sops_addr, sops, nsops * sizeof(*sops)) < 0)
		rc = -EFAULT;
	else if (tsaddr && mm_copy_in(t->mm, tsaddr, &ts, sizeof(ts)) < 0)
		rc = -EFAULT;
	else if (tsaddr && !ktimer_ts_valid(&ts))
		rc = -EINVAL;
	if (rc == 0 && tsaddr) {
		int64_t now = ktimer_now(CLOCK_MONOTONIC), d = ktimer_ts_ns(&ts);
		deadline = d > INT64_MAX - now ? -1 : now + d;
	}
	if (rc == 0)
		rc = sem_timedop(t, semid, sops, nsops, deadline);
	free(sops);
	return rc;
}

int64_t sys_semop(struct task *t, const uint64_t a[6])
{
	return do_semtimedop(t, (int)a[0], a[1], (uint32_t)a[2], 0);
}

int64_t sys_semtimedop(struct task *t, const uint64_t a[6])
{
	return do_semtimedop(t, (int)a[0], a[1], (uint32_t)a[2], a[3]);
}

int64_t sys_semctl(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	return sem_ctl(t, (int)a[0], (int)a[1], (int)a[2], a[3]);
}

int64_t sys_msgget(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	return msg_get(t->k->ipc, &t->fs->creds, (int32_t)a[0], (int)a[1]);
}

/* sys_msgsnd: the type is read first, then do_msgsnd's size and type checks. */
int64_t sys_msgsnd(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	int64_t mtype;
	if (mm_copy_in(t->mm, a[1], &mtype, sizeof(mtype)) < 0)
		return -EFAULT;
	int msqid = (int)a[0];
	if (a[2] > MSGMAX || msqid < 0)
		return -EINVAL;
	if (mtype < 1)
		return -EINVAL;
	return msg_snd(t, msqid, mtype, a[1] + sizeof(mtype), (size_t)a[2], (int)a[3]);
}

int64_t sys_msgrcv(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	return msg_rcv(t, (int)a[0], a[1], (size_t)a[2], (int64_t)a[3], (int)a[4]);
}

int64_t sys_msgctl(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	return msg_ctl(t, (int)a[0], (int)a[1], a[2]);
}

int64_t sys_shmget(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	return shm_seg_get(t, (int32_t)a[0], a[1], (int)a[2]);
}

int64_t sys_shmat(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	uint64_t got = 0;
	int rc = shm_seg_at(t, (int)a[0], a[1], (int)a[2], &got);
	return rc < 0 ? rc : (int64_t)got;
}

int64_t sys_shmdt(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	return shm_seg_dt(t, a[0]);
}

int64_t sys_shmctl(struct task *t, const uint64_t a[6])
{
	if (!t->k->ipc)
		return -ENOMEM;
	return shm_seg_ctl(t, (int)a[0], (int)a[1], a[2]);
}
