/*
 * core/sys/sys_epoll.c: epoll_create(2), epoll_create1(2), epoll_ctl(2), epoll_wait(2),
 * epoll_pwait(2) and epoll_pwait2(2). The instances are core/ipc/epoll.c's; this checks the
 * arguments in Linux's order (fs/eventpoll.c) and installs descriptors. epoll_pwait and
 * epoll_pwait2 run with their signal mask in force as ppoll does (sys_poll.c), and like it
 * are never restarted after a handler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <time.h>

#include "fd/fdtable.h"
#include "ipc/epoll.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#define NSEC 1000000000ll
/* TASK_SIZE_MAX with 4-level paging: access_ok refuses a range past it. */
#define USER_ADDR_END 0x7ffffffff000ull

static int64_t do_create(struct task *t, int cloexec)
{
	struct vfs_file *f;
	int rc = eventpoll_new(&f);
	if (rc < 0)
		return rc;
	int fd;
	rc = fdt_install(t->fdt, f, cloexec, 0, &fd);
	vfs_file_put(f);
	return rc < 0 ? rc : fd;
}

int64_t sys_epoll_create(struct task *t, const uint64_t a[6])
{
	/* The size is a hint since 2.6.8, but it must still be positive. */
	if ((int)a[0] <= 0)
		return -EINVAL;
	return do_create(t, 0);
}

int64_t sys_epoll_create1(struct task *t, const uint64_t a[6])
{
	if ((int)a[0] & ~EPOLL_CLOEXEC)
		return -EINVAL;
	return do_create(t, ((int)a[0] & EPOLL_CLOEXEC) != 0);
}

/* fdget: a descriptor that is not open, or is O_PATH, is -EBADF. */
static int get_file(struct task *t, int64_t fd, struct vfs_file **ret)
{
	int rc = sys_get_file(t, fd, ret);
	if (rc == 0 && !(*ret)->sf) {
		vfs_file_put(*ret);
		rc = -EBADF;
	}
	return rc;
}

int64_t sys_epoll_ctl(struct task *t, const uint64_t a[6])
{
	int op = (int)a[1];
	struct eventpoll_event ev = { 0 };
	/* Anything but DEL reads the event first, an unknown op too (ep_op_has_event). */
	if (op != EPOLL_CTL_DEL && mm_copy_in(t->mm, a[3], &ev, sizeof(ev)) < 0)
		return -EFAULT;
	struct vfs_file *ep, *target;
	int rc = get_file(t, (int)a[0], &ep);
	if (rc < 0)
		return rc;
	rc = get_file(t, (int)a[2], &target);
	if (rc == 0) {
		rc = eventpoll_ctl(ep, op, target, (int)a[2], &ev);
		vfs_file_put(target);
	}
	vfs_file_put(ep);
	return rc;
}

/* do_epoll_wait with an end (absolute MONOTONIC ns; 0: none to wait; -1: none). Linux 6.18
 * looks the descriptor up first, then checks the count and the buffer, then the file. */
static int64_t do_wait(struct task *t, int epfd, uint64_t addr, int maxevents, int64_t end)
{
	struct vfs_file *f;
	int64_t rc = get_file(t, epfd, &f);
	if (rc < 0)
		return rc;
	/* access_ok only: an unmapped buffer faults when an event is copied, not before. */
	uint64_t size = (uint64_t)maxevents * sizeof(struct eventpoll_event);
	if (maxevents <= 0 || maxevents > EVENTPOLL_MAX_EVENTS)
		rc = -EINVAL;
	else if (addr + size < addr || addr + size > USER_ADDR_END)
		rc = -EFAULT;
	else if (!eventpoll_is(f))
		rc = -EINVAL;
	else
		rc = eventpoll_wait(t, f, addr, maxevents, end);
	vfs_file_put(f);
	return rc;
}

static int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* The end of a relative timeout of @sec and @nsec (valid): 0 for a zero one, -1 (for ever)
 * past what the clock can count. */
static int64_t end_after(int64_t sec, int64_t nsec)
{
	if (!sec && !nsec)
		return 0;
	int64_t now = mono_now();
	if (sec > (INT64_MAX - now) / NSEC - 1)
		return -1;
	return now + sec * NSEC + nsec;
}

/* ep_timeout_to_timespec: a negative timeout waits for ever. */
static int64_t end_after_ms(int ms)
{
	return ms < 0 ? -1 : end_after(ms / 1000, (ms % 1000) * 1000000ll);
}

int64_t sys_epoll_wait(struct task *t, const uint64_t a[6])
{
	return do_wait(t, (int)a[0], a[1], (int)a[2], end_after_ms((int)a[3]));
}

/* do_epoll_pwait: the mask first (its errors come before the descriptor's). */
static int64_t do_pwait(struct task *t, const uint64_t a[6], int64_t end)
{
	int rc = sys_set_call_mask(t, a[4], a[5]);
	if (rc < 0)
		return rc;
	int64_t n = do_wait(t, (int)a[0], a[1], (int)a[2], end);
	sys_restore_call_mask(t, n);
	return n;
}

int64_t sys_epoll_pwait(struct task *t, const uint64_t a[6])
{
	return do_pwait(t, a, end_after_ms((int)a[3]));
}

int64_t sys_epoll_pwait2(struct task *t, const uint64_t a[6])
{
	int64_t end = -1;
	if (a[3]) {
		struct timespec ts;
		if (mm_copy_in(t->mm, a[3], &ts, sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= NSEC)
			return -EINVAL;
		end = end_after(ts.tv_sec, ts.tv_nsec);
	}
	return do_pwait(t, a, end);
}
