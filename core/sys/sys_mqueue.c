/*
 * core/sys/sys_mqueue.c: POSIX message queue calls (mq_open, mq_unlink, mq_timedsend,
 * mq_timedreceive, mq_notify, mq_getsetattr): arguments copied and checked in Linux's order,
 * then core/ipc/mqueue.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <time.h>

#include "fd/fdtable.h"
#include "ipc/mqueue.h"
#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

int64_t sys_mq_open(struct task *t, const uint64_t a[6])
{
	struct mq_attr_abi attr;
	if (a[3] && mm_copy_in(t->mm, a[3], &attr, sizeof(attr)) < 0)
		return -EFAULT;
	char name[PATH_MAX];
	int rc = sys_copy_path(t, a[0], name);
	if (rc < 0)
		return rc;
	struct vfs_file *f;
	rc = mq_open_file(t, name, (int)a[1], (uint32_t)a[2], a[3] ? &attr : NULL, &f);
	if (rc < 0)
		return rc;
	int fd;
	rc = fdt_install(t->fdt, f, 1, 0, &fd);	/* mq descriptors are close-on-exec */
	vfs_file_put(f);
	return rc < 0 ? rc : fd;
}

int64_t sys_mq_unlink(struct task *t, const uint64_t a[6])
{
	char name[PATH_MAX];
	int rc = sys_copy_path(t, a[0], name);
	return rc < 0 ? rc : mq_unlink_name(t, name);
}

/* prepare_timeout: an absolute CLOCK_REALTIME deadline at @addr (0: none, -1). */
static int get_deadline(struct task *t, uint64_t addr, int64_t *ret)
{
	*ret = -1;
	if (!addr)
		return 0;
	struct timespec ts;
	if (mm_copy_in(t->mm, addr, &ts, sizeof(ts)) < 0)
		return -EFAULT;
	if (!ktimer_ts_valid(&ts))
		return -EINVAL;
	int64_t d = ktimer_ts_ns(&ts);
	*ret = d == INT64_MAX ? -1 : d;
	return 0;
}

/* The queue behind @fd with a reference: -EBADF for anything else. */
static int get_mq(struct task *t, int64_t fd, struct vfs_file **ret)
{
	int rc = sys_get_file(t, fd, ret);
	if (rc < 0)
		return rc;
	if (!mq_file_is(*ret)) {
		sys_put_file(*ret);
		return -EBADF;
	}
	return 0;
}

int64_t sys_mq_timedsend(struct task *t, const uint64_t a[6])
{
	int64_t deadline;
	struct vfs_file *f;
	int rc = get_deadline(t, a[4], &deadline);	/* the timeout first, then the priority */
	if (rc == 0 && (uint32_t)a[3] >= MQ_PRIO_MAX_)
		rc = -EINVAL;
	if (rc == 0)
		rc = get_mq(t, (int64_t)(int)a[0], &f);
	if (rc < 0)
		return rc;
	rc = mq_send(t, f, a[1], (size_t)a[2], (uint32_t)a[3], deadline);
	sys_put_file(f);
	return rc;
}

int64_t sys_mq_timedreceive(struct task *t, const uint64_t a[6])
{
	int64_t deadline;
	struct vfs_file *f;
	int rc = get_deadline(t, a[4], &deadline);
	if (rc == 0)
		rc = get_mq(t, (int64_t)(int)a[0], &f);
	if (rc < 0)
		return rc;
	int64_t n = mq_receive(t, f, a[1], (size_t)a[2], a[3], deadline);
	sys_put_file(f);
	return n;
}

/* The kernel's struct sigevent head (x86-64). */
struct sigevent_abi {
	uint64_t value;
	int32_t signo;
	int32_t notify;
	int32_t tid;
};

/* SIGEV_THREAD is glibc's, over a netlink socket named by sigev_signo: the cookie is read,
 * then the descriptor must be a netlink socket, which the sandbox has none of. */
static int notify_thread(struct task *t, const struct sigevent_abi *ev)
{
	char cookie[32];
	if (mm_copy_in(t->mm, ev->value, cookie, sizeof(cookie)) < 0)
		return -EFAULT;
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_file(t, ev->signo, &f);
	if (rc < 0)
		return rc;
	sys_put_file(f);
	rc = sys_get_sock(t, ev->signo, &f, &s);
	if (rc < 0)
		return rc;
	sys_put_file(f);
	return -EINVAL;	/* netlink_getsockbyfilp: not AF_NETLINK */
}

int64_t sys_mq_notify(struct task *t, const uint64_t a[6])
{
	struct sigevent_abi ev;
	if (a[1]) {
		if (mm_copy_in(t->mm, a[1], &ev, sizeof(ev)) < 0)
			return -EFAULT;
		if (ev.notify != SIGEV_NONE && ev.notify != SIGEV_SIGNAL &&
		    ev.notify != SIGEV_THREAD)
			return -EINVAL;
		if (ev.notify == SIGEV_SIGNAL && (ev.signo < 0 || ev.signo > TASK_NSIG))
			return -EINVAL;
		if (ev.notify == SIGEV_THREAD)
			return notify_thread(t, &ev);
	}
	struct vfs_file *f;
	int rc = get_mq(t, (int64_t)(int)a[0], &f);
	if (rc < 0)
		return rc;
	rc = mq_set_notify(t, f, a[1] != 0, a[1] ? ev.notify : 0, a[1] ? ev.signo : 0,
			   a[1] ? ev.value : 0);
	sys_put_file(f);
	return rc;
}

int64_t sys_mq_getsetattr(struct task *t, const uint64_t a[6])
{
	struct mq_attr_abi new, old;
	if (a[1]) {
		if (mm_copy_in(t->mm, a[1], &new, sizeof(new)) < 0)
			return -EFAULT;
		if (new.flags & ~(int64_t)O_NONBLOCK)
			return -EINVAL;
	}
	struct vfs_file *f;
	int rc = get_mq(t, (int64_t)(int)a[0], &f);
	if (rc < 0)
		return rc;
	mq_getsetattr(f, a[1] ? &new : NULL, &old);
	sys_put_file(f);
	if (a[2] && mm_copy_out(t->mm, a[2], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}
