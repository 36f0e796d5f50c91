/*
 * core/sys/sys_mm.c: memory system calls: brk, mmap, munmap, mprotect, madvise, memfd_create,
 * and arch_prctl (the thread pointer lives in the registers the platform restores).
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "fd/fdtable.h"
#include "ipc/memfd.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "mm/shm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

extern const struct mm_source g_vfs_mm_source;

int64_t sys_brk(struct task *t, const uint64_t a[6])
{
	return (int64_t)mm_brk(t->mm, a[0]);
}

/* The flags mmap(2) accepts on x86-64; anything else is -EINVAL only for MAP_SHARED_VALIDATE. */
#define MMAP_KNOWN                                                                             \
	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_DENYWRITE |  \
	 MAP_EXECUTABLE | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | \
	 MAP_FIXED_NOREPLACE | MAP_32BIT)

/* MAP_SHARED|MAP_ANONYMOUS: a mapping of a new shared memory file of @len bytes, as Linux's
 * shmem_zero_setup, so that a fork's child sees the same pages ("/dev/zero (deleted)" in
 * /proc/PID/maps). */
static int64_t mmap_shared_anon(struct task *t, uint64_t addr, uint64_t len, uint32_t prot,
				uint32_t flags)
{
	if (len == 0 || len > SHM_MAX_SIZE)
		return len ? -ENOMEM : -EINVAL;
	struct shm_obj *shm;
	int rc = shm_new((len + 4095) & ~4095ull, 0, &shm);
	if (rc < 0)
		return rc;
	struct vfs_file *f;
	rc = memfd_file_new(shm, "/dev/zero (deleted)", &t->fs->creds, O_RDWR, &f);
	shm_put(shm);
	if (rc < 0)
		return rc;
	uint64_t got = 0;
	rc = mm_mmap(t->mm, addr, len, prot, flags & ~(uint32_t)MAP_ANONYMOUS, &g_vfs_mm_source, f,
		     0, &got);
	vfs_file_put(f);
	return rc ?: (int64_t)got;
}

int64_t sys_mmap(struct task *t, const uint64_t a[6])
{
	uint64_t addr = a[0], len = a[1], got = 0;
	uint32_t prot = (uint32_t)a[2], flags = (uint32_t)a[3];
	int fd = (int)a[4];
	int64_t off = (int64_t)a[5];
	if ((flags & MAP_SHARED_VALIDATE) == MAP_SHARED_VALIDATE) {
		if (flags & ~(uint32_t)(MMAP_KNOWN | MAP_SHARED_VALIDATE))
			return -EOPNOTSUPP;
		/* Linux validates only file mappings this way; anonymous ones take the two plain
		 * types alone. */
		if (flags & MAP_ANONYMOUS)
			return -EINVAL;
		flags = (flags & ~(uint32_t)MAP_SHARED_VALIDATE) | MAP_SHARED;
	}
	if ((flags & MAP_ANONYMOUS) && (flags & MAP_SHARED))
		return mmap_shared_anon(t, addr, len, prot, flags);
	if (flags & MAP_ANONYMOUS)
		return mm_mmap(t->mm, addr, len, prot, flags, NULL, NULL, 0, &got) ?: (int64_t)got;

	struct vfs_file *f;
	int rc = sys_get_file(t, fd, &f);
	if (rc < 0)
		return rc;
	/* mmap(2): EACCES when the file is not open for reading, or MAP_SHARED with PROT_WRITE
	 * on a file not open for writing. */
	uint32_t acc = vfs_file_getfl(f) & O_ACCMODE;
	if (acc == O_WRONLY || ((flags & MAP_SHARED) && (prot & PROT_WRITE) && acc != O_RDWR))
		rc = -EACCES;
	else
		rc = mm_mmap(t->mm, addr, len, prot, flags, &g_vfs_mm_source, f, off, &got);
	vfs_file_put(f);
	return rc ?: (int64_t)got;
}

int64_t sys_memfd_create(struct task *t, const uint64_t a[6])
{
	int rc = memfd_check_flags((uint32_t)a[1]);	/* before the name, as Linux */
	if (rc < 0)
		return rc;
	char name[251];
	int64_t n = mm_copy_string(t->mm, a[0], name, sizeof(name) - 1);
	if (n < 0)
		return n == -ENAMETOOLONG ? -EINVAL : n;
	struct vfs_file *f;
	rc = memfd_create_file(name, (uint32_t)a[1], &t->fs->creds, &f);
	if (rc < 0)
		return rc;
	int fd;
	rc = fdt_install(t->fdt, f, (a[1] & MFD_CLOEXEC) != 0, 0, &fd);
	vfs_file_put(f);
	return rc < 0 ? rc : fd;
}

int64_t sys_madvise(struct task *t, const uint64_t a[6])
{
	return mm_madvise(t->mm, a[0], a[1], (int)a[2]);
}

int64_t sys_munmap(struct task *t, const uint64_t a[6])
{
	return mm_munmap(t->mm, a[0], a[1]);
}

int64_t sys_mprotect(struct task *t, const uint64_t a[6])
{
	return mm_mprotect(t->mm, a[0], a[1], (uint32_t)a[2]);
}

/* Canonical user addresses only: a non-canonical FS base would fault in the platform. */
static int canonical(uint64_t addr)
{
	return addr < (1ull << 47);
}

int64_t sys_arch_prctl(struct task *t, const uint64_t a[6])
{
	uint64_t v;
	switch (a[0]) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (!canonical(a[1]))
			return -EPERM;
		*(a[0] == ARCH_SET_FS ? &t->cpu.regs.fs_base : &t->cpu.regs.gs_base) = a[1];
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		v = a[0] == ARCH_GET_FS ? t->cpu.regs.fs_base : t->cpu.regs.gs_base;
		return mm_copy_out(t->mm, a[1], &v, sizeof(v));
	default:
		return -EINVAL;
	}
}
