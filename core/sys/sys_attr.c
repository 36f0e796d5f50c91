/*
 * core/sys/sys_attr.c: attribute changes by path or descriptor: chmod, chown, utimes and
 * utimensat families, truncate, umask, sync. Permission rules are the VFS's (vfs_setstatat).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <utime.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* Applies @ss to the file @addr names from @dirfd (AT_* @at). */
static int64_t setstat(struct task *t, int64_t dirfd, uint64_t addr, int at,
		       const struct sentry_setstat *ss)
{
	if (at & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct sys_path p;
	int rc = sys_path_get(t, dirfd, addr, (at & AT_EMPTY_PATH) ? SYS_PATH_EMPTY_OK : 0, &p);
	if (rc == 0)
		rc = vfs_setstatat(t->fs, p.dirf, p.path, at, ss);
	sys_path_put(&p);
	return rc;
}

/* The same on an open descriptor: fchmod, fchown, futimens, which O_PATH files refuse. */
static int64_t fsetstat(struct task *t, int64_t fd, const struct sentry_setstat *ss)
{
	struct vfs_file *f;
	int rc = sys_get_file(t, fd, &f);
	if (rc < 0)
		return rc;
	rc = f->sf ? vfs_setstatat(t->fs, f, "", AT_EMPTY_PATH, ss) : -EBADF;
	vfs_file_put(f);
	return rc;
}

static struct sentry_setstat mode_change(uint64_t mode)
{
	return (struct sentry_setstat){ .mask = SENTRY_STATX_MODE, .mode = (uint32_t)mode & 07777 };
}

int64_t sys_chmod(struct task *t, const uint64_t a[6])
{
	struct sentry_setstat ss = mode_change(a[1]);
	return setstat(t, AT_FDCWD, a[0], 0, &ss);
}

int64_t sys_fchmod(struct task *t, const uint64_t a[6])
{
	struct sentry_setstat ss = mode_change(a[1]);
	return fsetstat(t, (int64_t)a[0], &ss);
}

int64_t sys_fchmodat(struct task *t, const uint64_t a[6])
{
	struct sentry_setstat ss = mode_change(a[2]);
	return setstat(t, (int64_t)a[0], a[1], 0, &ss);
}

int64_t sys_fchmodat2(struct task *t, const uint64_t a[6])
{
	struct sentry_setstat ss = mode_change(a[2]);
	return setstat(t, (int64_t)a[0], a[1], (int)a[3], &ss);
}

/* chown(2): -1 leaves an ID as it is. */
static struct sentry_setstat owner_change(uint64_t uid, uint64_t gid)
{
	struct sentry_setstat ss = { .uid = (uint32_t)uid, .gid = (uint32_t)gid };
	if ((uint32_t)uid != (uint32_t)-1)
		ss.mask |= SENTRY_STATX_UID;
	if ((uint32_t)gid != (uint32_t)-1)
		ss.mask |= SENTRY_STATX_GID;
	return ss;
}

int64_t sys_chown(struct task *t, const uint64_t a[6])
{
	struct sentry_setstat ss = owner_change(a[1], a[2]);
	return setstat(t, AT_FDCWD, a[0], 0, &ss);
}

int64_t sys_lchown(struct task *t, const uint64_t a[6])
{
	struct sentry_setstat ss = owner_change(a[1], a[2]);
	return setstat(t, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, &ss);
}

int64_t sys_fchown(struct task *t, const uint64_t a[6])
{
	struct sentry_setstat ss = owner_change(a[1], a[2]);
	return fsetstat(t, (int64_t)a[0], &ss);
}

int64_t sys_fchownat(struct task *t, const uint64_t a[6])
{
	struct sentry_setstat ss = owner_change(a[2], a[3]);
	return setstat(t, (int64_t)a[0], a[1], (int)a[4], &ss);
}

/* One utimensat(2) time into @ss: UTIME_OMIT leaves it out, UTIME_NOW stays a marker. */
static int set_time(const struct timespec *ts, uint32_t bit, struct sentry_timespec *out,
		    struct sentry_setstat *ss)
{
	if (ts->tv_nsec == UTIME_OMIT)
		return 0;
	if (ts->tv_nsec != UTIME_NOW && (ts->tv_nsec < 0 || ts->tv_nsec > 999999999))
		return -EINVAL;
	ss->mask |= bit;
	out->sec = ts->tv_sec;
	out->nsec = ts->tv_nsec == UTIME_NOW ? SENTRY_UTIME_NOW : ts->tv_nsec;
	return 0;
}

/* The times of utimensat(2) (@ts NULL: both now) into a setstat. */
static int times_change(const struct timespec *ts, struct sentry_setstat *ss)
{
	static const struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	memset(ss, 0, sizeof(*ss));
	if (!ts)
		ts = now;
	int rc = set_time(&ts[0], SENTRY_STATX_ATIME, &ss->atime, ss);
	return rc < 0 ? rc : set_time(&ts[1], SENTRY_STATX_MTIME, &ss->mtime, ss);
}

int64_t sys_utimensat(struct task *t, const uint64_t a[6])
{
	int64_t dirfd = (int64_t)a[0];
	int at = (int)a[3];
	struct timespec ts[2];
	struct sentry_setstat ss;
	if (at & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (a[2] && mm_copy_in(t->mm, a[2], ts, sizeof(ts)) < 0)
		return -EFAULT;
	int rc = times_change(a[2] ? ts : NULL, &ss);
	if (rc < 0)
		return rc;
	/* utimensat(2): a NULL path means dirfd itself (futimens), where flags make no sense. */
	if (a[1] == 0 && (int)dirfd != AT_FDCWD)
		return at & AT_SYMLINK_NOFOLLOW ? -EINVAL : fsetstat(t, dirfd, &ss);
	return setstat(t, dirfd, a[1], at, &ss);
}

/* utimes(2)/futimesat(2): microseconds, NULL for now; EINVAL outside 0..999999. */
static int64_t do_futimesat(struct task *t, int64_t dirfd, uint64_t path, uint64_t tv_addr)
{
	struct timeval tv[2];
	struct timespec ts[2];
	if (tv_addr && mm_copy_in(t->mm, tv_addr, tv, sizeof(tv)) < 0)
		return -EFAULT;
	for (int i = 0; tv_addr && i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	struct sentry_setstat ss;
	int rc = times_change(tv_addr ? ts : NULL, &ss);
	return rc < 0 ? rc : setstat(t, dirfd, path, 0, &ss);
}

int64_t sys_utimes(struct task *t, const uint64_t a[6])
{
	return do_futimesat(t, AT_FDCWD, a[0], a[1]);
}

int64_t sys_futimesat(struct task *t, const uint64_t a[6])
{
	return do_futimesat(t, (int64_t)a[0], a[1], a[2]);
}

int64_t sys_utime(struct task *t, const uint64_t a[6])
{
	struct utimbuf ub;
	struct timespec ts[2];
	if (a[1] && mm_copy_in(t->mm, a[1], &ub, sizeof(ub)) < 0)
		return -EFAULT;
	ts[0] = (struct timespec){ ub.actime, 0 };
	ts[1] = (struct timespec){ ub.modtime, 0 };
	struct sentry_setstat ss;
	int rc = times_change(a[1] ? ts : NULL, &ss);
	return rc < 0 ? rc : setstat(t, AT_FDCWD, a[0], 0, &ss);
}

int64_t sys_truncate(struct task *t, const uint64_t a[6])
{
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	struct sentry_setstat ss = { .mask = SENTRY_STATX_SIZE, .size = a[1] };
	return setstat(t, AT_FDCWD, a[0], 0, &ss);
}

int64_t sys_umask(struct task *t, const uint64_t a[6])
{
	uint32_t old = t->fs->umask;
	t->fs->umask = (uint32_t)a[0] & 0777;
	return old;
}

int64_t sys_sync(struct task *t, const uint64_t a[6])
{
	/* Every filesystem writes through (memfs keeps nothing elsewhere; the Gofer's writes
	 * reach the host at once), so there is nothing to flush. */
	return 0;
}

int64_t sys_syncfs(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	vfs_file_put(f);
	return 0;
}
