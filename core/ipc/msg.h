/*
 * core/ipc/msg.h: System V message queues (msgget(2), msgsnd(2), msgrcv(2), msgctl(2)), on
 * the registry of ipc/sysv.h.
 *
 * Messages are kept in arrival order; a sender waits while the queue's bytes or count would
 * pass msg_qbytes, a receiver while nothing matches, both on the queue's waiter queue and
 * both retrying at every change (a send, a receive, IPC_SET, IPC_RMID).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/types.h"

struct ipc_ns;
struct task;

/* msgget(2) for @c. Returns the id or -ENOENT, -EEXIST, -EACCES, -ENOSPC, -ENOMEM. */
int msg_get(struct ipc_ns *ns, const struct sentry_creds *c, int32_t key, int flg);

/* do_msgsnd: @size bytes of text at @text (in @t's memory) with type @mtype (checked by the
 * caller: > 0; @size <= MSGMAX). Returns 0, -EFAULT, -EINVAL, -EACCES, -EAGAIN, -EIDRM,
 * -EINTR, -ENOMEM. */
int msg_snd(struct task *t, int msqid, int64_t mtype, uint64_t text, size_t size, int flg);

/* do_msgrcv into struct msgbuf at @buf (type, then at most @bufsz bytes of text). Returns the
 * bytes of text copied, -EINVAL, -EACCES, -EIDRM, -E2BIG, -ENOMSG, -EINTR, -EFAULT,
 * -ENOMEM. */
int64_t msg_rcv(struct task *t, int msqid, uint64_t buf, size_t bufsz, int64_t msgtyp, int flg);

/* msgctl(2). Returns 0, an id or an index, or -EINVAL, -EACCES, -EPERM, -EFAULT. */
int64_t msg_ctl(struct task *t, int msqid, int cmd, uint64_t buf);
