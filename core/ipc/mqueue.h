/*
 * core/ipc/mqueue.h: POSIX message queues (mq_overview(7)): named queues in the IPC namespace
 * (ipc/sysv.h's ipc_ns), each open one a file (poll/epoll readiness, fstat, read of its
 * status line, close), messages by priority then arrival.
 *
 * References: the name holds one on its queue until mq_unlink, each open file one; the last
 * goes with the queue. Locks: the namespace's `lock` covers names, queues and messages; then
 * a queue's waiter queue; kernel.lock is taken for a notification only after it is dropped.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct ipc_ns;
struct mq_ns;
struct task;
struct vfs_file;

/* struct mq_attr. */
struct mq_attr_abi {
	int64_t flags;		/* O_NONBLOCK or 0 */
	int64_t maxmsg;
	int64_t msgsize;
	int64_t curmsgs;
	int64_t reserved[4];
};

/* The mq_open defaults and ceilings (/proc/sys/fs/mqueue, Linux's defaults). */
#define MQ_DFLT_MAXMSG 10
#define MQ_DFLT_MSGSIZE 8192
#define MQ_HARD_MAXMSG 65536
#define MQ_HARD_MSGSIZE (16 * 1024 * 1024)
#define MQ_QUEUES_MAX 256
#define MQ_PRIO_MAX_ 32768

/* Frees the names and queues left (no file open any more). NULL is fine. */
void mq_ns_free(struct mq_ns *mq);

/* mq_open(2) of @name (copied, no leading '/') for @t: @oflag (O_CREAT, O_EXCL, access
 * mode, O_NONBLOCK), @mode, @attr (NULL: the defaults). On success *ret is a new open file.
 * Returns 0 or -ENOENT, -EEXIST, -EACCES, -EINVAL, -ENAMETOOLONG, -ENOSPC, -EMFILE (past the
 * creator's RLIMIT_MSGQUEUE), -ENOMEM. */
int mq_open_file(struct task *t, const char *name, int oflag, uint32_t mode,
		 const struct mq_attr_abi *attr, struct vfs_file **ret);

/* mq_unlink(2). Returns 0 or -ENOENT, -EACCES, -ENAMETOOLONG. */
int mq_unlink_name(struct task *t, const char *name);

/* Whether @f is a message queue descriptor. */
int mq_file_is(const struct vfs_file *f);

/* mq_timedsend(2) on @f (a queue, checked) of @len bytes at @buf in @t's memory, waiting
 * until @deadline_ns (absolute CLOCK_REALTIME; -1 none). Returns 0 or -EBADF, -EMSGSIZE,
 * -EFAULT, -EAGAIN, -ETIMEDOUT, -EINTR, -ENOMEM. */
int mq_send(struct task *t, struct vfs_file *f, uint64_t buf, size_t len, uint32_t prio,
	    int64_t deadline_ns);

/* mq_timedreceive(2): the message into @buf (@len at least mq_msgsize), its priority at
 * @prio_addr (0: not asked). Returns its size or -EBADF, -EMSGSIZE, -EFAULT, -EAGAIN,
 * -ETIMEDOUT, -EINTR. */
int64_t mq_receive(struct task *t, struct vfs_file *f, uint64_t buf, size_t len,
		   uint64_t prio_addr, int64_t deadline_ns);

/* mq_notify(2) with a struct sigevent already checked (kind SIGEV_NONE or SIGEV_SIGNAL,
 * @notify 0 for none: remove ours). Returns 0 or -EBUSY. */
int mq_set_notify(struct task *t, struct vfs_file *f, int has, int kind, int signo,
		  uint64_t value);

/* A descriptor of @f (a queue, checked) closed by process @tgid: its mq_notify registration,
 * if it has one, goes (Linux's mqueue_flush_file). */
void mq_file_closed(struct vfs_file *f, int tgid);

/* mq_getsetattr(2): the attributes before (into *old), then O_NONBLOCK from *new if given. */
void mq_getsetattr(struct vfs_file *f, const struct mq_attr_abi *new, struct mq_attr_abi *old);
