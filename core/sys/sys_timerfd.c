/*
 * core/sys/sys_timerfd.c: timerfd_create(2), timerfd_settime(2), timerfd_gettime(2). The timers
 * are core/ipc/timerfd.c's; this checks the arguments in Linux's order (fs/timerfd.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/timerfd.h>
#include <time.h>

#include "fd/fdtable.h"
#include "ipc/timerfd.h"
#include "kernel/ptimer.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* Linux's CAP_WAKE_ALARM (linux/capability.h). */
#define CAP_WAKE_ALARM_BIT 35

int64_t sys_timerfd_create(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0], flags = (int)a[1];
	int alarm = id == CLOCK_REALTIME_ALARM || id == CLOCK_BOOTTIME_ALARM;
	if ((flags & ~(TFD_CLOEXEC | TFD_NONBLOCK)) ||
	    (id != CLOCK_REALTIME && id != CLOCK_MONOTONIC && id != CLOCK_BOOTTIME && !alarm))
		return -EINVAL;
	if (alarm && !((t->fs->creds.cap_effective >> CAP_WAKE_ALARM_BIT) & 1))
		return -EPERM;
	/* An alarm timer wakes a suspended machine; a sandbox never suspends. */
	clockid_t c = id == CLOCK_REALTIME_ALARM ? CLOCK_REALTIME
		      : id == CLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME : id;
	struct vfs_file *f;
	int rc = tfd_new(t->k->svc, c, (uint32_t)flags & O_NONBLOCK, &f);
	if (rc < 0)
		return rc;
	int fd;
	rc = fdt_install(t->fdt, f, (flags & TFD_CLOEXEC) != 0, 0, &fd);
	vfs_file_put(f);
	return rc < 0 ? rc : fd;
}

/* timerfd_fget: -EBADF (not open, O_PATH), -EINVAL (not a timerfd). */
static int get_tfd(struct task *t, int64_t fd, struct vfs_file **ret)
{
	int rc = sys_get_file(t, fd, ret);
	if (rc == 0 && !tfd_is(*ret)) {
		rc = (*ret)->sf ? -EINVAL : -EBADF;
		vfs_file_put(*ret);
	}
	return rc;
}

int64_t sys_timerfd_settime(struct task *t, const uint64_t a[6])
{
	struct itimerspec nv, ov;
	if (mm_copy_in(t->mm, a[2], &nv, sizeof(nv)) < 0)
		return -EFAULT;
	int flags = (int)a[1];
	if ((flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) ||
	    !ktimer_ts_valid(&nv.it_value) || !ktimer_ts_valid(&nv.it_interval))
		return -EINVAL;
	struct vfs_file *f;
	int rc = get_tfd(t, (int)a[0], &f);
	if (rc < 0)
		return rc;
	tfd_settime(f, flags, &nv, a[3] ? &ov : NULL);
	vfs_file_put(f);
	/* The new setting holds even when the old one cannot be copied out. */
	if (a[3] && mm_copy_out(t->mm, a[3], &ov, sizeof(ov)) < 0)
		return -EFAULT;
	return 0;
}

int64_t sys_timerfd_gettime(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = get_tfd(t, (int)a[0], &f);
	if (rc < 0)
		return rc;
	struct itimerspec cur;
	tfd_gettime(f, &cur);
	vfs_file_put(f);
	return mm_copy_out(t->mm, a[1], &cur, sizeof(cur)) < 0 ? -EFAULT : 0;
}
