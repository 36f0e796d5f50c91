/*
 * core/sys/sys_stat.c: file attributes: stat, lstat, fstat, newfstatat, statx, statfs, fstatfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* statx-shaped attributes into the x86-64 struct stat. */
static void stat_from_statx(const struct sentry_statx *x, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(x->dev_major, x->dev_minor);
	st->st_ino = x->ino;
	st->st_nlink = x->nlink;
	st->st_mode = x->mode;
	st->st_uid = x->uid;
	st->st_gid = x->gid;
	st->st_rdev = makedev(x->rdev_major, x->rdev_minor);
	st->st_size = (off_t)x->size;
	st->st_blksize = x->blksize;
	st->st_blocks = (blkcnt_t)x->blocks;
	st->st_atim.tv_sec = x->atime.sec, st->st_atim.tv_nsec = x->atime.nsec;
	st->st_mtim.tv_sec = x->mtime.sec, st->st_mtim.tv_nsec = x->mtime.nsec;
	st->st_ctim.tv_sec = x->ctime.sec, st->st_ctim.tv_nsec = x->ctime.nsec;
}

static int64_t copy_stat(struct task *t, uint64_t addr, const struct sentry_statx *x)
{
	struct stat st;
	stat_from_statx(x, &st);
	return mm_copy_out(t->mm, addr, &st, sizeof(st));
}

int64_t sys_fstat(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	struct sentry_statx x;
	rc = vfs_fstat(f, SENTRY_STATX_BASIC_STATS, &x);
	vfs_file_put(f);
	return rc < 0 ? rc : copy_stat(t, a[1], &x);
}

/* Stat of @path_addr from @dirfd with AT_* @at. Since Linux 6.11 a NULL path with
 * AT_EMPTY_PATH means the descriptor itself. */
static int stat_path(struct task *t, int64_t dirfd, uint64_t path_addr, int at, uint32_t mask,
		     struct sentry_statx *x)
{
	struct sys_path p;
	int ok = (at & AT_EMPTY_PATH) ? SYS_PATH_EMPTY_OK | SYS_PATH_NULL_OK : 0;
	int rc = sys_path_get(t, dirfd, path_addr, ok, &p);
	if (rc == 0)
		rc = vfs_statat(t->fs, p.dirf, p.path, at, mask, x);
	sys_path_put(&p);
	return rc;
}

int64_t sys_newfstatat(struct task *t, const uint64_t a[6])
{
	int at = (int)a[3];
	if (at & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct sentry_statx x;
	int rc = stat_path(t, (int64_t)a[0], a[1], at, SENTRY_STATX_BASIC_STATS, &x);
	return rc < 0 ? rc : copy_stat(t, a[2], &x);
}

int64_t sys_stat(struct task *t, const uint64_t a[6])
{
	struct sentry_statx x;
	int rc = stat_path(t, AT_FDCWD, a[0], 0, SENTRY_STATX_BASIC_STATS, &x);
	return rc < 0 ? rc : copy_stat(t, a[1], &x);
}

int64_t sys_lstat(struct task *t, const uint64_t a[6])
{
	struct sentry_statx x;
	int rc = stat_path(t, AT_FDCWD, a[0], AT_SYMLINK_NOFOLLOW, SENTRY_STATX_BASIC_STATS, &x);
	return rc < 0 ? rc : copy_stat(t, a[1], &x);
}

static struct statx_timestamp stx_time(struct sentry_timespec ts)
{
	return (struct statx_timestamp){ .tv_sec = ts.sec, .tv_nsec = (uint32_t)ts.nsec };
}

int64_t sys_statx(struct task *t, const uint64_t a[6])
{
	int at = (int)a[2];
	uint32_t mask = (uint32_t)a[3];
	/* statx(2): EINVAL for unknown flags, both sync types at once, or the reserved bit. */
	if (at & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((at & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED))
		return -EINVAL;
	struct sentry_statx x;
	int rc = stat_path(t, (int64_t)a[0], a[1], at & ~AT_STATX_SYNC_TYPE,
			   SENTRY_STATX_BASIC_STATS | SENTRY_STATX_BTIME, &x);
	if (rc < 0)
		return rc;
	struct statx sx;
	memset(&sx, 0, sizeof(sx));
	/* Linux reports every basic field whatever was asked; btime only when the fs has it. */
	sx.stx_mask = x.mask & (STATX_BASIC_STATS | STATX_BTIME);
	sx.stx_blksize = x.blksize;
	sx.stx_attributes = x.attributes;
	sx.stx_nlink = x.nlink;
	sx.stx_uid = x.uid;
	sx.stx_gid = x.gid;
	sx.stx_mode = x.mode;
	sx.stx_ino = x.ino;
	sx.stx_size = x.size;
	sx.stx_blocks = x.blocks;
	sx.stx_attributes_mask = x.attributes_mask;
	sx.stx_atime = stx_time(x.atime);
	sx.stx_btime = stx_time(x.btime);
	sx.stx_ctime = stx_time(x.ctime);
	sx.stx_mtime = stx_time(x.mtime);
	sx.stx_rdev_major = x.rdev_major;
	sx.stx_rdev_minor = x.rdev_minor;
	sx.stx_dev_major = x.dev_major;
	sx.stx_dev_minor = x.dev_minor;
	return mm_copy_out(t->mm, a[4], &sx, sizeof(sx));
}

static int64_t copy_statfs(struct task *t, uint64_t addr, const struct sentry_statfs *s)
{
	struct statfs st;
	memset(&st, 0, sizeof(st));
	st.f_type = (long)s->type;
	st.f_bsize = (long)s->bsize;
	st.f_blocks = s->blocks;
	st.f_bfree = s->bfree;
	st.f_bavail = s->bavail;
	st.f_files = s->files;
	st.f_ffree = s->ffree;
	st.f_namelen = (long)s->namelen;
	st.f_frsize = (long)s->frsize;
	st.f_flags = (long)s->flags;
	return mm_copy_out(t->mm, addr, &st, sizeof(st));
}

int64_t sys_statfs(struct task *t, const uint64_t a[6])
{
	char *path = malloc(PATH_MAX);
	if (!path)
		return -ENOMEM;
	struct sentry_statfs s;
	int rc = sys_copy_path(t, a[0], path);
	if (rc == 0)
		rc = vfs_statfs(t->fs, NULL, path, &s);
	free(path);
	return rc < 0 ? rc : copy_statfs(t, a[1], &s);
}

int64_t sys_fstatfs(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	struct sentry_statfs s;
	rc = vfs_statfs(t->fs, f, NULL, &s);
	vfs_file_put(f);
	return rc < 0 ? rc : copy_statfs(t, a[1], &s);
}
