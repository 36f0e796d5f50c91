/*
 * core/sys/sys_mm.c: memory system calls: brk, mmap, munmap, mprotect, and arch_prctl (the
 * thread pointer lives in the registers the platform restores).
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "kernel/task.h"
#include "mm/mm.h"
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
