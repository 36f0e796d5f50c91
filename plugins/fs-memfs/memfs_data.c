/*
 * plugins/fs-memfs/memfs_data.c: regular file data in memory-file pages, and the file ops.
 *
 * Pages come from the Sentry's memory file (svc->mf_alloc), so an mmap of a memfs file can map
 * the very same pages (translate) without a copy. A radix tree of MEMFS_RADIX_LEVELS levels maps
 * page index to memory-file offset + 1 (0 is a hole): sparse files cost nothing for their holes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memfs.h"

/* Slot for page @index, allocating interior nodes when @alloc. NULL when absent. */
static uint64_t *radix_slot(struct memfs_inode *in, uint64_t index, int alloc)
{
	void **node = &in->reg.radix;
	for (int level = MEMFS_RADIX_LEVELS - 1; level >= 0; level--) {
		if (!*node) {
			if (!alloc)
				return NULL;
			*node = calloc(MEMFS_RADIX_FAN, sizeof(void *));
			if (!*node)
				return NULL;
		}
		size_t i = (index >> (level * MEMFS_RADIX_BITS)) & (MEMFS_RADIX_FAN - 1);
		if (level == 0)
			return &((uint64_t *)*node)[i];
		node = &((void **)*node)[i];
	}
	return NULL;
}

int memfs_page_at(struct memfs_fs *fs, struct memfs_inode *in, uint64_t index, int alloc,
		  uint64_t *ret_off)
{
	uint64_t *slot = radix_slot(in, index, alloc);
	if (!slot)
		return alloc ? -ENOMEM : -ENOENT;
	if (*slot) {
		*ret_off = *slot - 1;
		return 0;
	}
	if (!alloc)
		return -ENOENT;
	if (!fs->svc->mf_alloc)
		return -ENOMEM;
	unsigned long long used = atomic_fetch_add(&fs->used_pages, 1);
	if (fs->max_pages && used >= fs->max_pages) {
		atomic_fetch_sub(&fs->used_pages, 1);
		return -ENOSPC;
	}
	uint64_t off;
	int rc = fs->svc->mf_alloc(MEMFS_PAGE, &off);
	if (rc < 0) {
		atomic_fetch_sub(&fs->used_pages, 1);
		return rc;
	}
	*slot = off + 1;
	in->reg.pages++;
	*ret_off = off;
	return 0;
}

/* Frees pages with index >= @first below @node at @level; returns whether @node is empty. */
static int radix_trim(struct memfs_fs *fs, struct memfs_inode *in, void *node, int level,
		      uint64_t base, uint64_t first)
{
	int empty = 1;
	uint64_t span = (uint64_t)1 << (level * MEMFS_RADIX_BITS);
	for (size_t i = 0; i < MEMFS_RADIX_FAN; i++) {
		uint64_t lo = base + i * span;
		if (level == 0) {
			uint64_t *slot = &((uint64_t *)node)[i];
			if (*slot && lo >= first) {
				fs->svc->mf_free(*slot - 1, MEMFS_PAGE);
				*slot = 0;
				in->reg.pages--;
				atomic_fetch_sub(&fs->used_pages, 1);
			}
			empty &= *slot == 0;
			continue;
		}
		void **child = &((void **)node)[i];
		if (*child && lo + span > first && radix_trim(fs, in, *child, level - 1, lo, first)) {
			free(*child);
			*child = NULL;
		}
		empty &= *child == NULL;
	}
	return empty;
}

static void pages_trim(struct memfs_fs *fs, struct memfs_inode *in, uint64_t first)
{
	if (in->reg.radix &&
	    radix_trim(fs, in, in->reg.radix, MEMFS_RADIX_LEVELS - 1, 0, first)) {
		free(in->reg.radix);
		in->reg.radix = NULL;
	}
}

void memfs_data_free(struct memfs_fs *fs, struct memfs_inode *in)
{
	pages_trim(fs, in, 0);
}

int memfs_truncate(struct memfs_fs *fs, struct memfs_inode *in, uint64_t size)
{
	if (size > MEMFS_MAX_SIZE)
		return -EFBIG;
	if (size < in->size) {
		/* Zero the tail of the last page so a later extension reads zeros. */
		uint64_t off;
		if (size % MEMFS_PAGE && memfs_page_at(fs, in, size / MEMFS_PAGE, 0, &off) == 0)
			memset((char *)fs->svc->mf_ptr(off) + size % MEMFS_PAGE, 0,
			       MEMFS_PAGE - size % MEMFS_PAGE);
		pages_trim(fs, in, (size + MEMFS_PAGE - 1) / MEMFS_PAGE);
	}
	in->size = size;
	return 0;
}

/* Copies between @iov and the file at @off, for @len bytes; @write allocates pages. Returns
 * bytes done (short on ENOSPC after some progress) or -errno. */
static int64_t copy_iov(struct memfs_fs *fs, struct memfs_inode *in, const struct sentry_iov *iov,
			size_t count, int64_t off, uint64_t len, int write)
{
	uint64_t done = 0;
	for (size_t i = 0; i < count && done < len; i++) {
		uint64_t ipos = 0;
		while (ipos < iov[i].len && done < len) {
			uint64_t pos = (uint64_t)off + done;
			uint64_t in_page = pos % MEMFS_PAGE;
			uint64_t n = MEMFS_PAGE - in_page;
			if (n > iov[i].len - ipos)
				n = iov[i].len - ipos;
			if (n > len - done)
				n = len - done;
			uint64_t mf;
			int rc = memfs_page_at(fs, in, pos / MEMFS_PAGE, write, &mf);
			char *u = (char *)iov[i].base + ipos;
			if (rc == 0 && write)
				memcpy((char *)fs->svc->mf_ptr(mf) + in_page, u, n);
			else if (rc == 0)
				memcpy(u, (char *)fs->svc->mf_ptr(mf) + in_page, n);
			else if (rc == -ENOENT && !write)
				memset(u, 0, n); /* a hole */
			else
				return done ? (int64_t)done : rc;
			ipos += n;
			done += n;
		}
	}
	return (int64_t)done;
}

static uint64_t iov_len(const struct sentry_iov *iov, size_t count)
{
	uint64_t t = 0;
	for (size_t i = 0; i < count; i++)
		t += iov[i].len;
	return t;
}

int64_t memfs_read_data(struct memfs_fs *fs, struct memfs_inode *in, const struct sentry_iov *iov,
			size_t count, int64_t off)
{
	if ((uint64_t)off >= in->size)
		return 0;
	uint64_t len = iov_len(iov, count);
	if (len > in->size - (uint64_t)off)
		len = in->size - (uint64_t)off;
	return copy_iov(fs, in, iov, count, off, len, 0);
}

int64_t memfs_write_data(struct memfs_fs *fs, struct memfs_inode *in,
			 const struct sentry_iov *iov, size_t count, int64_t off)
{
	uint64_t len = iov_len(iov, count);
	if (len == 0)
		return 0;
	if ((uint64_t)off >= MEMFS_MAX_SIZE)
		return -EFBIG;
	if (len > MEMFS_MAX_SIZE - (uint64_t)off)
		len = MEMFS_MAX_SIZE - (uint64_t)off;
	int64_t n = copy_iov(fs, in, iov, count, off, len, 1);
	if (n > 0) {
		if ((uint64_t)off + (uint64_t)n > in->size)
			in->size = (uint64_t)off + (uint64_t)n;
		in->mtime_ns = in->ctime_ns = memfs_now(fs);
	}
	return n;
}

static struct memfs_inode *file_inode(struct sentry_file *file)
{
	return memfs_d(file->dentry)->inode;
}

static int64_t reg_read(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t count, int64_t *off)
{
	struct memfs_file *f = (struct memfs_file *)file;
	struct memfs_inode *in = file_inode(file);
	pthread_rwlock_rdlock(&f->fs->lock);
	int64_t n = memfs_read_data(f->fs, in, iov, count, *off);
	if (!(file->flags & O_NOATIME))
		atomic_store(&in->atime_ns, memfs_now(f->fs));
	pthread_rwlock_unlock(&f->fs->lock);
	if (n > 0)
		*off += n;
	return n;
}

static int64_t reg_write(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t count, int64_t *off)
{
	struct memfs_file *f = (struct memfs_file *)file;
	struct memfs_inode *in = file_inode(file);
	pthread_rwlock_wrlock(&f->fs->lock);
	if (file->flags & O_APPEND)
		*off = (int64_t)in->size;
	int64_t n = memfs_write_data(f->fs, in, iov, count, *off);
	pthread_rwlock_unlock(&f->fs->lock);
	if (n > 0)
		*off += n;
	return n;
}

static int reg_translate(struct sentry_file *file, int64_t off, uint32_t access,
			 uint64_t *ret_mf_off, uint64_t *ret_len)
{
	struct memfs_file *f = (struct memfs_file *)file;
	struct memfs_inode *in = file_inode(file);
	if (off < 0 || off % MEMFS_PAGE)
		return -EINVAL;
	pthread_rwlock_wrlock(&f->fs->lock);
	int rc = (uint64_t)off >= in->size ? -EFAULT
					   : memfs_page_at(f->fs, in, (uint64_t)off / MEMFS_PAGE, 1,
							   ret_mf_off);
	pthread_rwlock_unlock(&f->fs->lock);
	if (rc == 0)
		*ret_len = MEMFS_PAGE;
	return rc == -ENOSPC ? -ENOMEM : rc;
}

static int reg_fallocate(struct sentry_file *file, int mode, int64_t off, int64_t len)
{
	struct memfs_file *f = (struct memfs_file *)file;
	struct memfs_inode *in = file_inode(file);
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	uint64_t end;
	if (__builtin_add_overflow((uint64_t)off, (uint64_t)len, &end) || end > MEMFS_MAX_SIZE)
		return -EFBIG;
	pthread_rwlock_wrlock(&f->fs->lock);
	int rc = 0;
	for (uint64_t p = (uint64_t)off / MEMFS_PAGE; rc == 0 && p * MEMFS_PAGE < end; p++) {
		uint64_t mf;
		rc = memfs_page_at(f->fs, in, p, 1, &mf);
	}
	if (rc == 0 && !(mode & FALLOC_FL_KEEP_SIZE) && end > in->size)
		in->size = end;
	if (rc == 0)
		in->ctime_ns = memfs_now(f->fs);
	pthread_rwlock_unlock(&f->fs->lock);
	return rc;
}

static void file_release(struct sentry_file *file)
{
	struct memfs_file *f = (struct memfs_file *)file;
	memfs_cursor_drop(f);
	if (f->own)
		memfs_dentry_put((struct sentry_fs *)f->fs, &f->own->base);
	free(f);
}

static int64_t dir_read(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return -EISDIR;
}

const struct sentry_file_ops memfs_reg_ops = {
	.read	   = reg_read,
	.write	   = reg_write,
	.translate = reg_translate,
	.fallocate = reg_fallocate,
	.release   = file_release,
};

const struct sentry_file_ops memfs_dir_ops = {
	.read	 = dir_read,
	.write	 = dir_read,
	.iterate = memfs_iterate,
	.release = file_release,
};

/* Device nodes and FIFOs: the core serves their I/O (sentry_file.special). */
const struct sentry_file_ops memfs_special_ops = {
	.release = file_release,
};
