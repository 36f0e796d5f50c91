/*
 * core/ipc/memfd.c: memfd files over shared memory objects (see memfd.h).
 *
 * The inode (the anonymous dentry) holds a struct memfd_inode with the object and the /proc
 * name; each open file description holds its own reference on the object, so a reopen through
 * /proc/self/fd/N is a new description over the same bytes and seals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "ipc/memfd.h"
#include "mm/shm.h"
#include "sentry/fs.h"
#include "vfs/vfs.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008u
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010u
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#define MFD_HUGE_BITS (0x3fu << 26)	/* MFD_HUGE_MASK << MFD_HUGE_SHIFT */
#define MFD_KNOWN (MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC)
#define MFD_NAME_MAX 249

struct memfd_inode {
	struct shm_obj *shm;
	char label[];		/* what /proc shows */
};

struct memfd_file {
	struct sentry_file base;
	struct shm_obj *shm;
};

static const struct sentry_file_ops g_memfd_ops;

static int64_t memfd_read(struct sentry_file *file, struct sentry_task *task,
			  const struct sentry_iov *iov, size_t iov_count, int64_t *off)
{
	return shm_read(((struct memfd_file *)file)->shm, iov, iov_count, off);
}

static int64_t memfd_write(struct sentry_file *file, struct sentry_task *task,
			   const struct sentry_iov *iov, size_t iov_count, int64_t *off)
{
	return shm_write(((struct memfd_file *)file)->shm, iov, iov_count, off,
			 (file->flags & O_APPEND) != 0);
}

static int memfd_translate(struct sentry_file *file, int64_t off, uint32_t access,
			   uint64_t *ret_mf_off, uint64_t *ret_len)
{
	return shm_translate(((struct memfd_file *)file)->shm, off, access, ret_mf_off, ret_len);
}

static void memfd_release(struct sentry_file *file)
{
	shm_put(((struct memfd_file *)file)->shm);
	free(file);
}

static const struct sentry_file_ops g_memfd_ops = {
	.read = memfd_read,
	.write = memfd_write,
	.translate = memfd_translate,
	.release = memfd_release,
};

static struct sentry_file *memfd_sf_new(struct shm_obj *shm, uint32_t flags)
{
	struct memfd_file *mf = calloc(1, sizeof(*mf));
	if (!mf)
		return NULL;
	mf->base.ops = &g_memfd_ops;
	mf->base.ops_size = sizeof(g_memfd_ops);
	mf->base.flags = flags;
	mf->shm = shm;
	shm_get(shm);
	return &mf->base;
}

/* --- the inode's /proc and attribute hooks --- */

static int64_t inode_name(void *obj, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s", ((struct memfd_inode *)obj)->label);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

static void inode_stat(void *obj, struct sentry_statx *st)
{
	struct shm_obj *shm = ((struct memfd_inode *)obj)->shm;
	st->size = shm_size(shm);
	st->blocks = shm_bytes(shm) / 512;
	st->nlink = 0;	/* no name anywhere, as Linux's memfd and shmem-backed mappings */
}

static int inode_truncate(void *obj, uint64_t size)
{
	return shm_truncate(((struct memfd_inode *)obj)->shm, size);
}

static void inode_put(void *obj)
{
	shm_put(((struct memfd_inode *)obj)->shm);
	free(obj);
}

/* open(2) of /proc/PID/fd/N: another description over the same object, as Linux reopens a
 * shmem inode. */
static int inode_reopen(struct vfs_file *f, uint32_t flags, struct sentry_file **ret_sf)
{
	struct shm_obj *shm = memfd_obj(f);
	if (!shm)
		return -ENXIO;
	struct sentry_file *sf = memfd_sf_new(shm, flags & ~(uint32_t)(O_CREAT | O_EXCL | O_TRUNC |
								     O_NOCTTY | O_CLOEXEC));
	if (!sf)
		return -ENOMEM;
	if ((flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY) {
		int rc = shm_truncate(shm, 0);
		if (rc < 0) {
			memfd_release(sf);
			return rc;
		}
	}
	*ret_sf = sf;
	return 0;
}

static const struct vfs_anon_ops g_memfd_anon_ops = {
	.reopen = inode_reopen,
	.name_of = inode_name,
	.stat = inode_stat,
	.truncate = inode_truncate,
	.put = inode_put,
};

int memfd_file_new(struct shm_obj *shm, const char *label, const struct sentry_creds *creds,
		   uint32_t flags, struct vfs_file **ret_file)
{
	size_t llen = strlen(label) + 1;
	struct memfd_inode *in = malloc(sizeof(*in) + llen);
	struct sentry_file *sf = in ? memfd_sf_new(shm, flags) : NULL;
	if (!sf) {
		free(in);
		return -ENOMEM;
	}
	in->shm = shm;
	memcpy(in->label, label, llen);
	/* Linux's memfd inode: a regular file, mode 0777 (0666 when born exec-sealed:
	 * MFD_NOEXEC_SEAL), owned by its creator. */
	const struct sentry_statx st = {
		.mask = SENTRY_STATX_BASIC_STATS,
		.mode = S_IFREG | ((shm_seals(shm) & F_SEAL_EXEC) ? 0666 : 0777),
		.uid = creds ? creds->fsuid : 0,
		.gid = creds ? creds->fsgid : 0,
		.blksize = 4096,
	};
	int rc = vfs_anon_file(sf, &st, flags, ret_file);	/* releases sf on failure */
	if (rc < 0) {
		free(in);
		return rc;
	}
	shm_get(shm);
	vfs_anon_set_obj(*ret_file, &g_memfd_anon_ops, in);
	return 0;
}

struct shm_obj *memfd_obj(struct vfs_file *f)
{
	struct sentry_file *sf = f ? f->sf : NULL;
	return sf && sf->ops == &g_memfd_ops ? ((struct memfd_file *)sf)->shm : NULL;
}

int memfd_check_flags(uint32_t flags)
{
	if (flags & ~(MFD_KNOWN | ((flags & MFD_HUGETLB) ? MFD_HUGE_BITS : 0)))
		return -EINVAL;
	return (flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL) ? -EINVAL : 0;
}

int memfd_create_file(const char *name, uint32_t flags, const struct sentry_creds *creds,
		      struct vfs_file **ret_file)
{
	/* memfd_create(2)'s order: the flags (sanitize_flags: the set, wider with MFD_HUGETLB's
	 * size bits, and the exec pair), then the name, then MFD_HUGETLB's filesystem. */
	int rc = memfd_check_flags(flags);
	if (rc < 0)
		return rc;
	if (strlen(name) > MFD_NAME_MAX)
		return -EINVAL;
	if (flags & MFD_HUGETLB)
		return -ENOSYS;	/* what Linux answers without hugetlbfs */
	uint32_t seals = 0;
	if (flags & MFD_NOEXEC_SEAL)
		seals = F_SEAL_EXEC;	/* and sealing allowed */
	else if (!(flags & MFD_ALLOW_SEALING))
		seals = F_SEAL_SEAL;
	struct shm_obj *shm;
	rc = shm_new(0, seals, &shm);
	if (rc < 0)
		return rc;
	char *label;
	if (asprintf(&label, "/memfd:%s (deleted)", name) < 0) {
		shm_put(shm);
		return -ENOMEM;
	}
	rc = memfd_file_new(shm, label, creds, O_RDWR | O_LARGEFILE, ret_file);
	free(label);
	shm_put(shm);
	return rc;
}

int64_t memfd_fcntl(struct vfs_file *f, int cmd, uint64_t arg)
{
	struct shm_obj *shm = memfd_obj(f);
	if (!shm)
		return -EINVAL;
	if (cmd == F_GET_SEALS)
		return shm_seals(shm);
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	/* F_SEAL_EXEC of an executable memfd brings the write seals with it, W^X from then on
	 * (Linux 6.3). Executable means not yet exec-sealed: chmod is not served here, so only
	 * MFD_NOEXEC_SEAL's files (born with the seal) lack the x bits. */
	uint32_t seals = (uint32_t)arg;
	if ((seals & F_SEAL_EXEC) && !(shm_seals(shm) & F_SEAL_EXEC))
		seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE;
	return shm_add_seals(shm, seals);
}

int memfd_shared_map(struct vfs_file *f, int delta, uint32_t prot, int fresh)
{
	struct shm_obj *shm = memfd_obj(f);
	return shm ? shm_shared_map(shm, delta, prot, fresh) : 0;
}

int memfd_punch(struct vfs_file *f, int64_t off, uint64_t len)
{
	struct shm_obj *shm = memfd_obj(f);
	if (!shm)
		return -EOPNOTSUPP;
	/* Linux's vma_is_shared_maywrite: a mapping of a description not open for writing may
	 * not throw the bytes away either. */
	if ((f->flags & O_ACCMODE) != O_RDWR)
		return -EACCES;
	return off < 0 ? -EINVAL : shm_punch(shm, (uint64_t)off, len);
}
