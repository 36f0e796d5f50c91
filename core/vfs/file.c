/*
 * core/vfs/file.c: open file descriptions: offsets, access-mode checks, getdents64 records,
 * the generic lseek, status flags. The filesystem's file ops do the I/O.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walk.h"

/* Status flags fcntl(F_SETFL) may change (fs/fcntl.c SETFL_MASK). */
#define VFS_SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

struct vfs_file *vfs_file_wrap(const struct vfs_path *path, struct sentry_file *sf,
			       uint32_t flags)
{
	struct vfs_file *f = calloc(1, sizeof(*f));
	if (!f) {
		if (sf && SENTRY_OPS_HAS(sf->ops, sf->ops_size, release))
			sf->ops->release(sf);
		return NULL;
	}
	atomic_init(&f->refs, 1);
	f->sf = sf;
	f->path = *path;
	vfs_path_get(&f->path);
	/* O_CLOEXEC belongs to the descriptor, not the description; O_CREAT and friends are
	 * gone after open. */
	f->flags = flags & ~(uint32_t)(O_CLOEXEC | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
	if (sf)
		sf->flags = f->flags;
	if (sf && (f->flags & O_ACCMODE) != O_RDONLY)
		atomic_fetch_add(&f->path.mnt->writers, 1);
	pthread_mutex_init(&f->pos_lock, NULL);
	atomic_fetch_add(&g_vfs_nr_files, 1);
	return f;
}

/* Set before any description can have an epoll item (vfs_set_epoll_closing). */
static void (*_Atomic g_epoll_closing)(struct vfs_file *f);

void vfs_set_epoll_closing(void (*fn)(struct vfs_file *f))
{
	atomic_store_explicit(&g_epoll_closing, fn, memory_order_release);
}

void vfs_file_get(struct vfs_file *f)
{
	atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
}

void vfs_file_put(struct vfs_file *f)
{
	if (!f)
		return;
	long old = atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel);
	if (old > 1)
		return;
	if (old < 1)
		abort();
	/* Epoll interests go with the description's last reference, before its file does. */
	if (atomic_load_explicit(&f->epolls, memory_order_acquire))
		atomic_load_explicit(&g_epoll_closing, memory_order_acquire)(f);
	vfs_lock_file_release(f);
	if (f->sf && SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, release))
		f->sf->ops->release(f->sf);
	if (f->node_sf && SENTRY_OPS_HAS(f->node_sf->ops, f->node_sf->ops_size, release))
		f->node_sf->ops->release(f->node_sf);
	if (f->sf && (f->flags & O_ACCMODE) != O_RDONLY)
		atomic_fetch_sub(&f->path.mnt->writers, 1);
	vfs_path_put(&f->path);
	vfs_path_put(&f->name_dir);
	free(f->name);
	pthread_mutex_destroy(&f->pos_lock);
	free(f);
	atomic_fetch_sub(&g_vfs_nr_files, 1);
}

int vfs_file_can_read(const struct vfs_file *f)
{
	return f->sf && (f->flags & O_ACCMODE) != O_WRONLY;
}

int vfs_file_can_write(const struct vfs_file *f)
{
	return f->sf && (f->flags & O_ACCMODE) != O_RDONLY;
}

/* Total bytes of @iov, or -EINVAL when it overflows ssize_t (readv(2)). */
static int64_t iov_total(const struct sentry_iov *iov, size_t count)
{
	uint64_t total = 0;
	for (size_t i = 0; i < count; i++) {
		total += iov[i].len;
		if (total > INT64_MAX / 2)
			return -EINVAL;
	}
	return (int64_t)total;
}

static ssize_t do_io(struct vfs_file *f, const struct sentry_iov *iov, size_t count, int64_t off,
		     int write)
{
	if (write ? !vfs_file_can_write(f) : !vfs_file_can_read(f))
		return -EBADF;
	if (count > 1024)
		return -EINVAL;
	int64_t total = iov_total(iov, count);
	if (total < 0)
		return total;
	const struct sentry_file_ops *o = f->sf->ops;
	if (write ? !SENTRY_OPS_HAS(o, f->sf->ops_size, write)
		  : !SENTRY_OPS_HAS(o, f->sf->ops_size, read))
		return -EINVAL;
	struct vfs_fs *fs = f->path.mnt->fs;
	if (off >= 0) {
		int64_t pos = off;
		return (ssize_t)vfs_rc(fs, write ? o->write(f->sf, NULL, iov, count, &pos)
						 : o->read(f->sf, NULL, iov, count, &pos));
	}
	pthread_mutex_lock(&f->pos_lock);
	int64_t pos = f->stream ? -1 : f->off;
	ssize_t n = (ssize_t)vfs_rc(fs, write ? o->write(f->sf, NULL, iov, count, &pos)
					      : o->read(f->sf, NULL, iov, count, &pos));
	if (n >= 0 && !f->stream)
		f->off = pos;
	pthread_mutex_unlock(&f->pos_lock);
	return n;
}

ssize_t vfs_readv(struct vfs_file *f, const struct sentry_iov *iov, size_t count, int64_t off)
{
	if (off < -1)
		return -EINVAL;
	return do_io(f, iov, count, off, 0);
}

ssize_t vfs_writev(struct vfs_file *f, const struct sentry_iov *iov, size_t count, int64_t off)
{
	if (off < -1)
		return -EINVAL;
	return do_io(f, iov, count, off, 1);
}

ssize_t vfs_read(struct vfs_file *f, void *buf, size_t len)
{
	struct sentry_iov iov = { buf, len };
	return do_io(f, &iov, 1, -1, 0);
}

ssize_t vfs_write(struct vfs_file *f, const void *buf, size_t len)
{
	struct sentry_iov iov = { (void *)buf, len };
	return do_io(f, &iov, 1, -1, 1);
}

ssize_t vfs_pread(struct vfs_file *f, void *buf, size_t len, int64_t off)
{
	if (off < 0)
		return -EINVAL;
	struct sentry_iov iov = { buf, len };
	return do_io(f, &iov, 1, off, 0);
}

ssize_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t len, int64_t off)
{
	if (off < 0)
		return -EINVAL;
	struct sentry_iov iov = { (void *)buf, len };
	return do_io(f, &iov, 1, off, 1);
}

/* lseek over the size reported by stat (generic_file_llseek). */
static int generic_seek(struct vfs_file *f, int64_t *off, int whence)
{
	struct sentry_statx st;
	int64_t base;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->off;
		break;
	case SEEK_END:
	case SEEK_DATA:
	case SEEK_HOLE: {
		int rc = vfs_path_stat(&f->path, SENTRY_STATX_SIZE, &st);
		if (rc < 0)
			return rc;
		base = (int64_t)st.size;
		if (whence == SEEK_END)
			break;
		if (*off < 0 || *off >= base)
			return -ENXIO;
		/* All data: SEEK_DATA stays, SEEK_HOLE goes to the end. */
		if (whence == SEEK_HOLE)
			*off = base;
		return 0;
	}
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, *off, off) || *off < 0)
		return -EINVAL;
	return 0;
}

int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence)
{
	if (!f->sf)
		return -EBADF;
	pthread_mutex_lock(&f->pos_lock);
	int64_t pos = off;
	int rc;
	if (SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, seek)) {
		pos = whence == SEEK_CUR && !f->stream ? f->off + off : off;
		if (whence == SEEK_CUR && !f->stream && __builtin_add_overflow(f->off, off, &pos))
			rc = -EINVAL;
		else
			rc = (int)vfs_rc(f->path.mnt->fs, f->sf->ops->seek(f->sf, &pos, whence));
	} else {
		rc = generic_seek(f, &pos, whence);
	}
	if (rc == 0)
		f->off = pos;
	pthread_mutex_unlock(&f->pos_lock);
	return rc < 0 ? rc : pos;
}

/* linux_dirent64 emitter. */
struct dents_emitter {
	struct sentry_dir_emitter e;
	char *buf;
	size_t size;
	size_t used;
};

static int dents_emit(struct sentry_dir_emitter *e, const struct sentry_dirent *de)
{
	struct dents_emitter *d = (struct dents_emitter *)e;
	size_t reclen = (19 + de->name_len + 1 + 7) & ~(size_t)7;
	if (d->used + reclen > d->size)
		return 1;
	char *p = d->buf + d->used;
	uint64_t ino = de->ino;
	int64_t off = de->next_off;
	uint16_t rl = (uint16_t)reclen;
	memcpy(p, &ino, 8);
	memcpy(p + 8, &off, 8);
	memcpy(p + 16, &rl, 2);
	p[18] = (char)de->type;
	memcpy(p + 19, de->name, de->name_len);
	memset(p + 19 + de->name_len, 0, reclen - 19 - de->name_len);
	d->used += reclen;
	return 0;
}

ssize_t vfs_getdents64(struct vfs_file *f, void *buf, size_t size)
{
	if (!f->sf)
		return -EBADF;
	if (!SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, iterate))
		return -ENOTDIR;
	struct dents_emitter d = { { dents_emit }, buf, size > INT32_MAX ? INT32_MAX : size, 0 };
	pthread_mutex_lock(&f->pos_lock);
	int64_t pos = f->off;
	int rc = (int)vfs_rc(f->path.mnt->fs, f->sf->ops->iterate(f->sf, &d.e, &pos));
	f->off = pos;
	pthread_mutex_unlock(&f->pos_lock);
	if (rc < 0 && d.used == 0)
		return rc;
	if (rc > 0 && d.used == 0)
		return -EINVAL; /* the next entry does not fit */
	return (ssize_t)d.used;
}

int vfs_fstat(struct vfs_file *f, uint32_t mask, struct sentry_statx *ret_st)
{
	return vfs_path_stat(&f->path, mask, ret_st);
}

int vfs_fsync(struct vfs_file *f, int datasync)
{
	if (!f->sf)
		return -EBADF;
	if (!SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, fsync))
		return 0;
	return (int)vfs_rc(f->path.mnt->fs, f->sf->ops->fsync(f->sf, datasync));
}

int vfs_fallocate(struct vfs_file *f, int mode, int64_t off, int64_t len)
{
	if (!f->sf || !vfs_file_can_write(f))
		return -EBADF;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (!SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, fallocate))
		return -EOPNOTSUPP;
	return (int)vfs_rc(f->path.mnt->fs, f->sf->ops->fallocate(f->sf, mode, off, len));
}

uint32_t vfs_file_getfl(struct vfs_file *f)
{
	return f->flags;
}

int vfs_file_setfl(struct vfs_file *f, uint32_t flags)
{
	if (!f->sf)
		return -EBADF;
	f->flags = (f->flags & ~(uint32_t)VFS_SETFL_MASK) | (flags & VFS_SETFL_MASK);
	f->sf->flags = f->flags;
	return 0;
}

int64_t vfs_ioctl(struct vfs_file *f, struct sentry_task *task, uint32_t cmd, uint64_t arg)
{
	if (!f->sf)
		return -EBADF;
	if (!SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, ioctl))
		return -ENOTTY;
	return vfs_rc(f->path.mnt->fs, f->sf->ops->ioctl(f->sf, task, cmd, arg));
}

uint32_t vfs_file_readiness(struct vfs_file *f, uint32_t mask)
{
	if (!f->sf || !SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, readiness))
		return mask & (SENTRY_EV_IN | SENTRY_EV_OUT);
	return f->sf->ops->readiness(f->sf, mask) & mask;
}

struct sentry_waitq *vfs_file_waitq(struct vfs_file *f)
{
	if (!f->sf || !SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, waitq))
		return NULL;
	return f->sf->ops->waitq(f->sf);
}
