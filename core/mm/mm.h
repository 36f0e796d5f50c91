/*
 * core/mm/mm.h: an application's address space as the Sentry keeps it (DESIGN.md, Memory).
 *
 * An mm is a set of VMAs (what mmap/brk made, with protections and backing) plus a page map
 * from page address to memory-file offset for the pages actually populated. Pages are
 * populated lazily, on a fault reported by the platform or on a copy-in/copy-out, and only then
 * mapped into the platform's address space. All application memory lives in the memory file,
 * which the Sentry also maps, so copies are memcpy through mf_ptr().
 *
 * Errors are mmap(2)'s: -EINVAL, -ENOMEM, -EACCES, -EFAULT. Faults that no VMA allows return
 * -EFAULT with the si_code a SIGSEGV must carry.
 *
 * Locking: one rwlock per mm; faults and copies take it for reading plus a page-map mutex,
 * map changes take it for writing. Callers hold no mm lock.
 */
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "sentry/platform.h"

/* Linux's PROT_SEM (asm-generic/mman-common.h), which glibc's headers leave out. */
#ifndef PROT_SEM
#define PROT_SEM 0x8
#endif

#define MM_PAGE_SIZE 4096ull
#define MM_PAGE_MASK (MM_PAGE_SIZE - 1)

/* What backs a file mapping: the platform-independent part of a file's mmap source. The VFS
 * provides it (struct sentry_file_ops.translate); anonymous VMAs have none. */
struct mm_source {
	/* Memory-file offset of the page at file offset @off for @access; see translate. */
	int (*translate)(void *file, int64_t off, uint32_t access, uint64_t *ret_mf_off,
			 uint64_t *ret_len);
	void (*get)(void *file);	/* a VMA holds a reference on its file */
	void (*put)(void *file);
	/* Optional: a MAP_SHARED VMA of @file with protection @prot appears (@delta 1: mmap,
	 * split, fork, mprotect's new protection) or goes (-1). The file counts its mappings
	 * (memfd seals). A @fresh one (mmap, mprotect adding PROT_WRITE) may be refused with
	 * -EPERM (a write-sealed memfd); copies of an existing one never are. */
	int (*shared_map)(void *file, int delta, uint32_t prot, int fresh);
	/* Optional (NULL: -EOPNOTSUPP): MADV_REMOVE, [@off, @off+@len) of @file punched out, its
	 * size kept. Returns 0 or -errno. */
	int (*punch)(void *file, int64_t off, uint64_t len);
};

/* VMA flags. */
enum {
	VMA_SHARED = 1u << 0,		/* MAP_SHARED: writes reach the file / are seen by others */
	VMA_GROWSDOWN = 1u << 1,	/* the stack */
	VMA_HEAP = 1u << 2,		/* made by brk */
	VMA_DONTFORK = 1u << 3,		/* MADV_DONTFORK: a fork's child does not get it */
	VMA_WIPEONFORK = 1u << 4,	/* MADV_WIPEONFORK: the child's copy starts zeroed */
};

struct vma {
	uint64_t start, end;		/* page aligned, start < end */
	uint32_t prot;			/* SENTRY_PROT_* */
	uint32_t flags;			/* VMA_* */
	const struct mm_source *src;	/* NULL for anonymous memory */
	void *file;			/* one reference via src->get */
	int64_t off;			/* file offset of start */
};

/* A populated page: application page address -> memory-file offset. Every entry holds its
 * page (an owner count of the memory file, dropped with mf_page_put), so a page is never freed
 * while an mm maps it. Private pages are owned by the mm; file pages belong to their file,
 * which may let them go (truncate): mm_sync then drops them. */
struct mm_page {
	uint64_t addr;			/* page address; 0 marks an empty slot, ~0 a deleted one */
	uint64_t mf_off;
	uint32_t owned;			/* 1: private, the mm's own; 0: its file's page */
	uint32_t cow;			/* 1: mapped read-only, copied on the first write: a private
					 * page maybe shared with another mm since a fork (unless
					 * this mm turns out to be its last owner), or a private
					 * mapping's file page not written yet */
};

struct mm {
	int refs;			/* tasks sharing it (CLONE_VM); mm_free drops one */
	pthread_rwlock_t lock;
	struct vma *vmas;		/* sorted by start, non-overlapping */
	size_t vma_count, vma_cap;
	pthread_mutex_t pages_lock;
	struct mm_page *pages;		/* open addressing, power-of-two size */
	size_t page_count, page_cap, page_deleted;
	uint64_t brk_start, brk;	/* program break */
	uint64_t min_addr, max_addr;	/* usable range from the platform */
	uint64_t mmap_base;		/* top-down search starts here */
	struct sentry_as *as;		/* platform address space; NULL in unit tests without one */
	const struct sentry_as_ops *as_ops;
	size_t as_ops_size;
	uint64_t dead_gen;		/* mf_dead_gen() when its dead file pages last went */
};

/* Makes an empty mm over platform address space @as (taken: released with the mm) for user
 * addresses [min_addr, max_addr). @as may be NULL. Returns 0, -ENOMEM. */
int mm_new(struct sentry_as *as, const struct sentry_as_ops *as_ops, size_t as_ops_size,
	   uint64_t min_addr, uint64_t max_addr, struct mm **ret_mm);
void mm_free(struct mm *mm);
/* Another reference for a task sharing @mm (CLONE_VM); mm_free drops it. */
void mm_ref(struct mm *mm);

/* fork(2)'s copy of @src: the same VMAs (file references taken) and every populated private
 * page shared copy-on-write (see mm.c), over no address space yet (mm_set_as gives it one, on
 * the thread that will run it). Call it on a thread of @src (its writable private mappings
 * are made read-only in the platform). Shared mappings stay shared. Returns 0, -ENOMEM, or
 * the platform's error. */
int mm_fork(struct mm *src, struct mm **ret_mm);
/* Gives a forked mm its platform address space (taken: released with the mm). */
void mm_set_as(struct mm *mm, struct sentry_as *as);
/* Whether @mm's address space could go to a new mm (mm_give_as): it is the caller's alone and
 * the platform can empty it. */
int mm_as_reusable(struct mm *mm);
/* Empties @mm's address space and hands it over; @mm keeps none. For execve, once the old
 * image is past use. Returns 0, -EBUSY (not reusable) or the platform's -errno. */
int mm_give_as(struct mm *mm, struct sentry_as **ret_as);

/* mmap(2) flags understood here: MAP_SHARED/MAP_PRIVATE, MAP_FIXED, MAP_FIXED_NOREPLACE,
 * MAP_ANONYMOUS, MAP_GROWSDOWN, MAP_NORESERVE, MAP_POPULATE (ignored: faults populate).
 * For a file mapping @src/@file/@off describe the source; the caller checked the file's open
 * mode against @prot. *ret_addr is the mapping's address.
 * Returns 0, -EINVAL (length 0, unaligned address with MAP_FIXED, unaligned offset, both or
 * neither of SHARED/PRIVATE, offset overflow), -ENOMEM (no room, or outside the user range),
 * -EEXIST (MAP_FIXED_NOREPLACE over a mapping). */
int mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags,
	    const struct mm_source *src, void *file, int64_t off, uint64_t *ret_addr);

/* munmap(2): -EINVAL for an unaligned address or zero length; unmapping holes is fine. */
int mm_munmap(struct mm *mm, uint64_t addr, uint64_t len);

/* shmdt(2)'s unmapping, under the write lock so nothing moves meanwhile. From @addr up, the
 * first VMA whose file offset equals its distance from @addr and for which @size_of returns a
 * size (0: not an attachment) names the attachment: it goes, and so does every later VMA of the
 * same file with the same offset rule ending within that size (page rounded) of @addr: the
 * fragments mprotect and munmap left. Other mappings in the range stay. @size_of is called
 * with the lock held. Returns 0, -EINVAL (no attachment there), -ENOMEM. */
int mm_unmap_attachment(struct mm *mm, uint64_t addr,
			uint64_t (*size_of)(const struct vma *v, void *arg), void *arg);

/* mprotect(2): -EINVAL (unaligned, bad prot bits), -ENOMEM (part of the range unmapped). */
int mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot);

/* madvise(2): MADV_DONTNEED (and _LOCKED) drops the pages of the range, so private memory
 * reads as zeros or the file again; MADV_REMOVE punches the range out of a shared mapping's
 * file (src->punch); MADV_DONTFORK/DOFORK and MADV_WIPEONFORK/KEEPONFORK set what mm_fork
 * gives the child; other known advice is accepted and has no effect.
 * Returns 0, -EINVAL (unaligned, unknown advice; MADV_FREE or MADV_WIPEONFORK of file or
 * shared memory, MADV_REMOVE of private anonymous memory), -EACCES (MADV_REMOVE of a private
 * file mapping), -ENOMEM (part of the range unmapped). */
int mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice);

/* brk(2): sets the break to @addr if possible and returns the (new or old) break, as Linux. */
uint64_t mm_brk(struct mm *mm, uint64_t addr);

/* Sets where the heap begins (after the executable's bss). */
void mm_set_brk_start(struct mm *mm, uint64_t start);

/* Drops the file pages of @mm that their file let go (a truncate freed them while mapped:
 * memfile.h), unmapping them from the platform, so the next access faults anew: past the end
 * of the file that is SIGBUS, as Linux. Cheap when no page died since the last call. Call it on
 * a thread of @mm (it uses the platform): the core calls it before each switch into the
 * application and on each fault. Returns 0 or the platform's error. */
int mm_sync(struct mm *mm);

/* Handles a fault at @addr for @access (SENTRY_ACCESS_*): populates and maps the page.
 * Returns 0, or -EFAULT with *ret_code SEGV_MAPERR (no VMA) or SEGV_ACCERR (protection), or
 * -ENOMEM / -EIO (SIGBUS: file page past the end) from the source. */
int mm_fault(struct mm *mm, uint64_t addr, uint32_t access, int *ret_code);

/* Copies between application memory and the Sentry, populating pages as a fault would
 * (honouring protections: copy_out needs PROT_WRITE, copy_in PROT_READ). Return 0 or -EFAULT. */
int mm_copy_in(struct mm *mm, uint64_t addr, void *dst, size_t len);
int mm_copy_out(struct mm *mm, uint64_t addr, const void *src, size_t len);

/* Copies a NUL-terminated string of at most @max bytes (terminator included) into @dst.
 * Returns its length, -EFAULT, or -ENAMETOOLONG when no terminator is found within @max. */
int64_t mm_copy_string(struct mm *mm, uint64_t addr, char *dst, size_t max);

/* futex(2)'s view of the aligned 32-bit word at @addr: populated (for writing with @write),
 * its address in the Sentry (*ret_word), and its key: the memory-file offset for a shared
 * mapping (*ret_shared 1: the same word in every process mapping it), else @addr. The pointer
 * stays valid while the page stays mapped. Returns 0 or -EFAULT. */
int mm_futex_word(struct mm *mm, uint64_t addr, int write, uint32_t **ret_word,
		  uint64_t *ret_key, int *ret_shared);

/* The VMA containing @addr, or NULL. The caller holds mm->lock. */
const struct vma *mm_find_vma(const struct mm *mm, uint64_t addr);
