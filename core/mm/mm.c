/*
 * core/mm/mm.c: VMAs, the page map, mmap/munmap/mprotect/brk, faults and copies (see mm.h).
 *
 * VMAs are a sorted array: programs have tens to a few thousand of them, and binary search plus
 * memmove beats a tree at that size. The page map is an open-addressing hash keyed by page
 * address, so a huge PROT_NONE reservation costs nothing until touched.
 *
 * A MAP_PRIVATE file page maps the file's own page read-only until its first write, which
 * copies it (a write fault on a page not yet there copies at once), as Linux: until then it
 * sees the file's changes.
 *
 * Truncate. Every page-map entry holds its page (an owner count of the memory file), the file
 * pages of shared and private mappings too, so no page is freed while an mm maps it. A file
 * that lets a page go (a shrinking truncate: mf_free) while an mm holds it only marks it dead;
 * mm_sync, run by each thread before it switches into the application and on every fault,
 * unmaps and drops this mm's dead pages when any page died since its last run, so an access
 * past the new end faults and gets SIGBUS, as Linux, and the last drop frees the page. There is
 * no reverse map from files to VMAs: the dead marks in the memory file stand for it. Differences
 * from Linux, documented: another process that is running application code sees the old bytes
 * until it next enters the Sentry (system call, fault, signal: the page is still held, so never
 * someone else's memory); a copy-in/copy-out in that window reads the held page; and a private
 * page already copied (written) past the new end stays (Linux takes it away too: SIGBUS).
 *
 * Copy-on-write fork. Private pages (anonymous, and the private copies of file pages) carry a
 * count of extra owners in the memory file (mf_page_share/put/shared: per page, atomic).
 * mm_fork, holding the parent's lock for writing, gives the child the parent's page offsets,
 * counts the child as an owner of each and marks the page cow in both page maps; it then
 * unmaps the parent's writable private VMAs from the platform and flushes, so no thread of
 * the parent can write through a stale writable mapping once fork returns (writes that land
 * before the flush happened before the fork). A cow page is mapped without PROT_WRITE. The
 * first write access (a write fault, copy_out, a futex word for writing) under pages_lock
 * copies the page into a new one and drops this mm's ownership of the old, unless no other
 * owner is left: then it is written in place. Every drop (munmap, MADV_DONTNEED, mm_free) is
 * mf_page_put, which frees with the last owner. Shared mappings never take part: their pages
 * are their file's (or shared memory object's, mm/shm.h); their entries hold the page but are
 * never cow.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mm/memfile.h"
#include "mm/mm.h"
#include "sentry/plugin.h"
#include "util/cleanup.h"

#define PAGE_EMPTY 0ull
#define PAGE_DELETED (~0ull)
/* Top-down mmap search starts this far below the top, leaving room for the stack. */
#define MMAP_TOP_GAP (128ull << 20)

static uint64_t page_down(uint64_t a)
{
	return a & ~MM_PAGE_MASK;
}

/* --- page map --- */

static size_t page_hash(uint64_t addr, size_t cap)
{
	uint64_t h = (addr >> 12) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 17) & (cap - 1);
}

static struct mm_page *page_find(struct mm *mm, uint64_t addr)
{
	if (!mm->page_cap)
		return NULL;
	for (size_t i = page_hash(addr, mm->page_cap);; i = (i + 1) & (mm->page_cap - 1)) {
		struct mm_page *p = &mm->pages[i];
		if (p->addr == addr)
			return p;
		if (p->addr == PAGE_EMPTY)
			return NULL;
	}
}

static int page_grow(struct mm *mm)
{
	size_t cap = mm->page_cap ? mm->page_cap * 2 : 256;
	struct mm_page *n = calloc(cap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < mm->page_cap; i++) {
		struct mm_page *p = &mm->pages[i];
		if (p->addr == PAGE_EMPTY || p->addr == PAGE_DELETED)
			continue;
		size_t j = page_hash(p->addr, cap);
		while (n[j].addr != PAGE_EMPTY)
			j = (j + 1) & (cap - 1);
		n[j] = *p;
	}
	free(mm->pages);
	mm->pages = n;
	mm->page_cap = cap;
	mm->page_deleted = 0;
	return 0;
}

static int page_insert(struct mm *mm, const struct mm_page *page)
{
	/* Keep the load (live + tombstones) under 1/2 so probes stay short. */
	if ((mm->page_count + mm->page_deleted + 1) * 2 > mm->page_cap && page_grow(mm) < 0)
		return -ENOMEM;
	size_t i = page_hash(page->addr, mm->page_cap);
	while (mm->pages[i].addr != PAGE_EMPTY && mm->pages[i].addr != PAGE_DELETED)
		i = (i + 1) & (mm->page_cap - 1);
	if (mm->pages[i].addr == PAGE_DELETED)
		mm->page_deleted--;
	mm->pages[i] = *page;
	mm->page_count++;
	return 0;
}

static void page_release(struct mm *mm, struct mm_page *p)
{
	mf_page_put(p->mf_off);
	p->addr = PAGE_DELETED;
	mm->page_count--;
	mm->page_deleted++;
}

/* Drops every populated page in [start, end). Caller holds pages_lock. */
static void pages_drop_range(struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t npages = (end - start) / MM_PAGE_SIZE;
	if (npages <= mm->page_count) {
		for (uint64_t a = start; a < end; a += MM_PAGE_SIZE) {
			struct mm_page *p = page_find(mm, a);
			if (p)
				page_release(mm, p);
		}
		return;
	}
	for (size_t i = 0; i < mm->page_cap; i++) {
		struct mm_page *p = &mm->pages[i];
		if (p->addr != PAGE_EMPTY && p->addr != PAGE_DELETED && p->addr >= start &&
		    p->addr < end)
			page_release(mm, p);
	}
}

/* --- VMAs --- */

/* Index of the first VMA whose end is above @addr (vma_count if none). */
static size_t vma_index(const struct mm *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->vma_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mm->vmas[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct vma *mm_find_vma(const struct mm *mm, uint64_t addr)
{
	size_t i = vma_index(mm, addr);
	return i < mm->vma_count && mm->vmas[i].start <= addr ? &mm->vmas[i] : NULL;
}

static int vma_reserve(struct mm *mm, size_t extra)
{
	if (mm->vma_count + extra <= mm->vma_cap)
		return 0;
	size_t cap = mm->vma_cap ? mm->vma_cap * 2 : 16;
	while (cap < mm->vma_count + extra)
		cap *= 2;
	struct vma *n = realloc(mm->vmas, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	mm->vmas = n;
	mm->vma_cap = cap;
	return 0;
}

static void vma_insert_at(struct mm *mm, size_t i, const struct vma *v)
{
	memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->vma_count - i) * sizeof(*v));
	mm->vmas[i] = *v;
	mm->vma_count++;
}

/* Tells a file about a shared mapping of it coming (@delta 1) or going (-1) with @prot. */
static int vma_shared_map(const struct vma *v, int delta, uint32_t prot, int fresh)
{
	if (!v->src || !v->src->shared_map || !(v->flags & VMA_SHARED))
		return 0;
	return v->src->shared_map(v->file, delta, prot, fresh);
}

/* The references a copy of VMA @v holds (a split half, a fork's copy). */
static void vma_hold(const struct vma *v)
{
	if (!v->src)
		return;
	v->src->get(v->file);
	(void)vma_shared_map(v, 1, v->prot, 0);	/* a copy: never refused */
}

/* Splits the VMA containing @addr so that a VMA boundary falls at @addr. Needs one free slot. */
static void vma_split(struct mm *mm, uint64_t addr)
{
	size_t i = vma_index(mm, addr);
	if (i == mm->vma_count || mm->vmas[i].start >= addr)
		return;
	struct vma right = mm->vmas[i];
	right.off += (int64_t)(addr - right.start);
	right.start = addr;
	vma_hold(&right);
	mm->vmas[i].end = addr;
	vma_insert_at(mm, i + 1, &right);
}

static void vma_release(struct vma *v)
{
	if (!v->src)
		return;
	(void)vma_shared_map(v, -1, v->prot, 0);
	v->src->put(v->file);
}

/* Unmaps [start, end) from the platform. Failures there leave stale mappings of pages we are
 * about to free, which would leak memory between processes: treat them as fatal for the mm. */
static int as_unmap(struct mm *mm, uint64_t start, uint64_t end)
{
	if (!mm->as)
		return 0;
	int rc = mm->as_ops->unmap(mm->as, start, end - start);
	if (rc == 0 && SENTRY_OPS_HAS(mm->as_ops, mm->as_ops_size, flush))
		rc = mm->as_ops->flush(mm->as);
	return rc;
}

/* Removes all VMAs and pages in [start, end). Caller holds the write lock. */
static int unmap_locked(struct mm *mm, uint64_t start, uint64_t end)
{
	if (vma_reserve(mm, 2) < 0)
		return -ENOMEM;
	vma_split(mm, start);
	vma_split(mm, end);
	size_t i = vma_index(mm, start), j = i;
	while (j < mm->vma_count && mm->vmas[j].start < end)
		vma_release(&mm->vmas[j++]);
	memmove(&mm->vmas[i], &mm->vmas[j], (mm->vma_count - j) * sizeof(struct vma));
	mm->vma_count -= j - i;

	int rc = as_unmap(mm, start, end);
	pthread_mutex_lock(&mm->pages_lock);
	pages_drop_range(mm, start, end);
	pthread_mutex_unlock(&mm->pages_lock);
	return rc;
}

/* --- lifetime --- */

int mm_new(struct sentry_as *as, const struct sentry_as_ops *as_ops, size_t as_ops_size,
	   uint64_t min_addr, uint64_t max_addr, struct mm **ret_mm)
{
	struct mm *mm = calloc(1, sizeof(*mm));
	if (!mm)
		return -ENOMEM;
	mm->refs = 1;
	pthread_rwlock_init(&mm->lock, NULL);
	pthread_mutex_init(&mm->pages_lock, NULL);
	mm->as = as;
	mm->as_ops = as_ops;
	mm->as_ops_size = as_ops_size;
	mm->min_addr = min_addr < MM_PAGE_SIZE ? MM_PAGE_SIZE : min_addr;
	mm->max_addr = page_down(max_addr);
	mm->mmap_base = mm->max_addr > MMAP_TOP_GAP * 2 ? mm->max_addr - MMAP_TOP_GAP : mm->max_addr;
	*ret_mm = mm;
	return 0;
}

void mm_ref(struct mm *mm)
{
	__atomic_add_fetch(&mm->refs, 1, __ATOMIC_RELAXED);
}

void mm_free(struct mm *mm)
{
	if (!mm || __atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (size_t i = 0; i < mm->vma_count; i++)
		vma_release(&mm->vmas[i]);
	for (size_t i = 0; i < mm->page_cap; i++)
		if (mm->pages[i].addr != PAGE_EMPTY && mm->pages[i].addr != PAGE_DELETED)
			mf_page_put(mm->pages[i].mf_off);
	if (mm->as)
		mm->as_ops->release(mm->as);
	free(mm->vmas);
	free(mm->pages);
	pthread_rwlock_destroy(&mm->lock);
	pthread_mutex_destroy(&mm->pages_lock);
	free(mm);
}

/* Takes write access away from the platform's mappings of @mm's private writable VMAs (their
 * pages are cow now) and waits for it: they fault back in read-only. Caller holds the write
 * lock. */
static int downgrade_private(struct mm *mm)
{
	if (!mm->as)
		return 0;
	for (size_t i = 0; i < mm->vma_count; i++) {
		const struct vma *v = &mm->vmas[i];
		if ((v->flags & VMA_SHARED) || !(v->prot & PROT_WRITE))
			continue;
		int rc = mm->as_ops->unmap(mm->as, v->start, v->end - v->start);
		if (rc < 0)
			return rc;
	}
	return SENTRY_OPS_HAS(mm->as_ops, mm->as_ops_size, flush) ? mm->as_ops->flush(mm->as) : 0;
}

int mm_fork(struct mm *src, struct mm **ret_mm)
{
	struct mm *mm;
	int rc = mm_new(NULL, src->as_ops, src->as_ops_size, src->min_addr, src->max_addr, &mm);
	if (rc < 0)
		return rc;
	pthread_rwlock_wrlock(&src->lock);
	mm->brk_start = src->brk_start;
	mm->brk = src->brk;
	mm->mmap_base = src->mmap_base;
	rc = vma_reserve(mm, src->vma_count);
	int some_not_copied = 0;	/* MADV_DONTFORK or MADV_WIPEONFORK somewhere */
	for (size_t i = 0; rc == 0 && i < src->vma_count; i++) {
		struct vma v = src->vmas[i];
		some_not_copied |= (v.flags & (VMA_DONTFORK | VMA_WIPEONFORK)) != 0;
		if (v.flags & VMA_DONTFORK)
			continue;
		vma_hold(&v);
		mm->vmas[mm->vma_count++] = v;
	}
	pthread_mutex_lock(&src->pages_lock);
	for (size_t i = 0; rc == 0 && i < src->page_cap; i++) {
		struct mm_page *sp = &src->pages[i];
		if (sp->addr == PAGE_EMPTY || sp->addr == PAGE_DELETED)
			continue;
		/* Pages of a VMA the child lacks or gets empty stay the parent's alone. */
		if (some_not_copied) {
			const struct vma *pv = mm_find_vma(src, sp->addr);
			if (pv && (pv->flags & (VMA_DONTFORK | VMA_WIPEONFORK)))
				continue;
		}
		/* Private pages become the child's too, copy-on-write in both; file pages stay
		 * the file's, held by the child too. Nothing is mapped in the child's address
		 * space until it faults. */
		struct mm_page np = { .addr = sp->addr, .mf_off = sp->mf_off, .owned = sp->owned,
				      .cow = sp->owned || sp->cow };
		if ((rc = page_insert(mm, &np)) < 0)
			break;
		mf_page_share(sp->mf_off);
		if (sp->owned)
			sp->cow = 1;
	}
	pthread_mutex_unlock(&src->pages_lock);
	if (rc == 0)
		rc = downgrade_private(src);
	pthread_rwlock_unlock(&src->lock);
	if (rc < 0) {
		mm_free(mm);
		return rc;
	}
	*ret_mm = mm;
	return 0;
}

void mm_set_as(struct mm *mm, struct sentry_as *as)
{
	mm->as = as;
}

int mm_as_reusable(struct mm *mm)
{
	return mm && mm->as && __atomic_load_n(&mm->refs, __ATOMIC_ACQUIRE) == 1 &&
	       SENTRY_OPS_HAS(mm->as_ops, mm->as_ops_size, reset);
}

int mm_give_as(struct mm *mm, struct sentry_as **ret_as)
{
	if (!mm_as_reusable(mm))
		return -EBUSY;
	pthread_rwlock_wrlock(&mm->lock);
	int rc = mm->as_ops->reset(mm->as);
	/* Now: the pages it maps go back to the memory file with this mm, for others to reuse. */
	if (rc == 0 && SENTRY_OPS_HAS(mm->as_ops, mm->as_ops_size, flush))
		rc = mm->as_ops->flush(mm->as);
	if (rc == 0) {
		*ret_as = mm->as;
		mm->as = NULL;
	}
	pthread_rwlock_unlock(&mm->lock);
	return rc;
}

/* --- pages their files let go --- */

/* Unmaps and drops @mm's file pages that their file let go (truncated, evicted), so the next
 * access faults anew. Caller holds the write lock. */
static int drop_dead(struct mm *mm)
{
	int rc = 0, unmapped = 0;
	for (size_t i = 0; mm->as && rc == 0 && i < mm->page_cap; i++) {
		const struct mm_page *p = &mm->pages[i];
		if (p->addr != PAGE_EMPTY && p->addr != PAGE_DELETED && !p->owned &&
		    mf_page_dead(p->mf_off)) {
			rc = mm->as_ops->unmap(mm->as, p->addr, MM_PAGE_SIZE);
			unmapped = 1;
		}
	}
	if (rc == 0 && unmapped && SENTRY_OPS_HAS(mm->as_ops, mm->as_ops_size, flush))
		rc = mm->as_ops->flush(mm->as);
	if (rc < 0)
		return rc;	/* the pages stay held: stale but never reused */
	pthread_mutex_lock(&mm->pages_lock);
	for (size_t i = 0; i < mm->page_cap; i++) {
		struct mm_page *p = &mm->pages[i];
		if (p->addr != PAGE_EMPTY && p->addr != PAGE_DELETED && !p->owned &&
		    mf_page_dead(p->mf_off))
			page_release(mm, p);
	}
	pthread_mutex_unlock(&mm->pages_lock);
	return 0;
}

int mm_sync(struct mm *mm)
{
	uint64_t gen = mf_dead_gen();
	if (__atomic_load_n(&mm->dead_gen, __ATOMIC_ACQUIRE) == gen)
		return 0;
	pthread_rwlock_wrlock(&mm->lock);
	/* Another thread of the mm may have done it while this one waited. */
	int rc = __atomic_load_n(&mm->dead_gen, __ATOMIC_RELAXED) == gen ? 0 : drop_dead(mm);
	if (rc == 0)
		__atomic_store_n(&mm->dead_gen, gen, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&mm->lock);
	return rc;
}

/* --- mmap, munmap, mprotect, brk --- */

/* Whether [start, end) is free of VMAs. */
static int range_free(const struct mm *mm, uint64_t start, uint64_t end)
{
	size_t i = vma_index(mm, start);
	return i == mm->vma_count || mm->vmas[i].start >= end;
}

/* Linux's top-down allocator: the highest gap of @len below mmap_base, else the lowest one
 * above it; @hint is taken when it is free. */
static int find_gap(const struct mm *mm, uint64_t hint, uint64_t len, uint64_t *ret)
{
	if (hint && hint >= mm->min_addr && hint <= mm->max_addr - len &&
	    range_free(mm, hint, hint + len)) {
		*ret = hint;
		return 0;
	}
	size_t i = vma_index(mm, mm->mmap_base);
	uint64_t top = mm->mmap_base;
	if (i < mm->vma_count && mm->vmas[i].start < top)
		top = mm->vmas[i].start;
	for (;;) {
		uint64_t floor = i > 0 ? mm->vmas[i - 1].end : mm->min_addr;
		if (floor < mm->min_addr)
			floor = mm->min_addr;
		if (top >= len && top - len >= floor) {
			*ret = top - len;
			return 0;
		}
		if (i == 0)
			break;
		top = mm->vmas[--i].start;
	}
	uint64_t at = mm->mmap_base;
	for (i = vma_index(mm, at); at <= mm->max_addr - len; i++) {
		uint64_t limit = i < mm->vma_count ? mm->vmas[i].start : mm->max_addr;
		if (limit >= at && limit - at >= len) {
			*ret = at;
			return 0;
		}
		if (i >= mm->vma_count)
			break;
		at = mm->vmas[i].end > at ? mm->vmas[i].end : at;
	}
	return -ENOMEM;
}

static int mmap_check(const struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot,
		      uint32_t flags, const struct mm_source *src, int64_t off)
{
	uint32_t type = flags & (MAP_SHARED | MAP_PRIVATE);
	if (len == 0 || (type != MAP_SHARED && type != MAP_PRIVATE))
		return -EINVAL;
	if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && (addr & MM_PAGE_MASK))
		return -EINVAL;
	if (len > mm->max_addr)
		return -ENOMEM;
	if (!(flags & MAP_ANONYMOUS) && !src)
		return -EINVAL;
	uint64_t plen = (len + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	if (src && ((off & (int64_t)MM_PAGE_MASK) || off < 0 || (uint64_t)off > INT64_MAX - plen))
		return -EINVAL;
	return 0;
}

int mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot, uint32_t flags,
	    const struct mm_source *src, void *file, int64_t off, uint64_t *ret_addr)
{
	int rc = mmap_check(mm, addr, len, prot, flags, src, off);
	if (rc < 0)
		return rc;
	/* mmap(2) ignores protection bits it does not know (only mprotect checks them). */
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	len = (len + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	int fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;

	struct vma v = {
		.prot = prot, .src = src, .file = file, .off = flags & MAP_ANONYMOUS ? 0 : off,
		.flags = ((flags & MAP_SHARED) ? VMA_SHARED : 0) |
			 ((flags & MAP_GROWSDOWN) ? VMA_GROWSDOWN : 0),
	};
	if (flags & MAP_ANONYMOUS)
		v.src = NULL, v.file = NULL;
	/* The file may refuse the mapping (a write-sealed memfd) before anything changes. */
	if ((rc = vma_shared_map(&v, 1, prot, 1)) < 0)
		return rc;
	pthread_rwlock_wrlock(&mm->lock);
	if (fixed && (addr < mm->min_addr || addr > mm->max_addr - len))
		rc = -ENOMEM;
	else if ((flags & MAP_FIXED_NOREPLACE) && !range_free(mm, addr, addr + len))
		rc = -EEXIST;
	else if (flags & MAP_FIXED)
		rc = unmap_locked(mm, addr, addr + len);
	else
		rc = find_gap(mm, page_down(addr), len, &addr);
	if (rc == 0)
		rc = vma_reserve(mm, 1);
	if (rc == 0) {
		v.start = addr;
		v.end = addr + len;
		if (v.src)
			v.src->get(v.file);
		vma_insert_at(mm, vma_index(mm, addr), &v);
		*ret_addr = addr;
	}
	pthread_rwlock_unlock(&mm->lock);
	if (rc < 0)
		(void)vma_shared_map(&v, -1, prot, 0);
	return rc;
}

int mm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	if ((addr & MM_PAGE_MASK) || len == 0 || len > UINT64_MAX - MM_PAGE_MASK)
		return -EINVAL;
	len = (len + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	if (addr > UINT64_MAX - len)
		return -EINVAL;
	pthread_rwlock_wrlock(&mm->lock);
	int rc = unmap_locked(mm, addr, addr + len);
	pthread_rwlock_unlock(&mm->lock);
	return rc;
}

/* Whether @v maps its file at offset @v->start - @addr: a piece of an attachment at @addr. */
static int attachment_piece(const struct vma *v, uint64_t addr)
{
	return v->src && v->off >= 0 && (uint64_t)v->off == v->start - addr;
}

int mm_unmap_attachment(struct mm *mm, uint64_t addr,
			uint64_t (*size_of)(const struct vma *v, void *arg), void *arg)
{
	pthread_rwlock_wrlock(&mm->lock);
	struct vma first = { 0 };
	uint64_t size = 0;
	for (size_t i = vma_index(mm, addr); i < mm->vma_count && !size; i++) {
		first = mm->vmas[i];
		if (attachment_piece(&first, addr))
			size = size_of(&first, arg);
	}
	int rc = size ? 0 : -EINVAL;
	if (rc == 0) {
		/* Held, so the comparisons below cannot meet another file at the same address
		 * once this mapping's own reference has gone. */
		first.src->get(first.file);
		size = (size + MM_PAGE_MASK) & ~MM_PAGE_MASK;
		rc = unmap_locked(mm, first.start, first.end);
		uint64_t at = first.end;
		while (rc == 0) {
			size_t i = vma_index(mm, at);
			if (i == mm->vma_count || mm->vmas[i].end - addr > size)
				break;
			const struct vma *v = &mm->vmas[i];
			uint64_t s = v->start, e = v->end;
			at = e;
			if (v->src == first.src && v->file == first.file && attachment_piece(v, addr))
				rc = unmap_locked(mm, s, e);
		}
		first.src->put(first.file);
	}
	pthread_rwlock_unlock(&mm->lock);
	return rc;
}

/* Whether VMAs cover [start, end) without holes. */
static int range_covered(const struct mm *mm, uint64_t start, uint64_t end)
{
	uint64_t at = start;
	for (size_t i = vma_index(mm, start); i < mm->vma_count && at < end; i++) {
		if (mm->vmas[i].start > at)
			return 0;
		at = mm->vmas[i].end;
	}
	return at >= end;
}

int mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, uint32_t prot)
{
	/* mprotect(2) accepts PROT_SEM and PROT_GROWSDOWN/UP (no effect here), nothing else. */
	if ((addr & MM_PAGE_MASK) ||
	    (prot & ~(uint32_t)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN |
				 PROT_GROWSUP)))
		return -EINVAL;
	prot &= PROT_READ | PROT_WRITE | PROT_EXEC;
	if (len == 0)
		return 0;
	if (len > UINT64_MAX - MM_PAGE_MASK)
		return -ENOMEM;
	len = (len + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	uint64_t end = addr + len;
	if (end < addr)
		return -ENOMEM;

	pthread_rwlock_wrlock(&mm->lock);
	int rc = range_covered(mm, addr, end) ? vma_reserve(mm, 2) : -ENOMEM;
	if (rc == 0) {
		vma_split(mm, addr);
		vma_split(mm, end);
		for (size_t i = vma_index(mm, addr); i < mm->vma_count && mm->vmas[i].start < end;
		     i++) {
			struct vma *v = &mm->vmas[i];
			/* A write-sealed memfd refuses write access: EACCES, as Linux's cleared
			 * VM_MAYWRITE. */
			int adds_write = (prot & PROT_WRITE) && !(v->prot & PROT_WRITE);
			if (vma_shared_map(v, 1, prot, adds_write) < 0) {
				rc = -EACCES;
				break;
			}
			(void)vma_shared_map(v, -1, v->prot, 0);
			v->prot = prot;
		}
		/* Populated pages fault back in with the new protection. */
		int urc = as_unmap(mm, addr, end);
		rc = rc ?: urc;
	}
	pthread_rwlock_unlock(&mm->lock);
	return rc;
}

/* Whether @advice is one madvise(2) knows on x86-64 (MADV_NORMAL .. MADV_GUARD_REMOVE). */
static int advice_known(int advice)
{
	return (advice >= MADV_NORMAL && advice <= MADV_DONTNEED) ||
	       (advice >= 8 && advice <= 25) || advice == 100 || advice == 101;
}

/* MADV_DONTNEED of a few private anonymous pages (glibc's thread stack cache advises the
 * unused part of each stack it keeps) zeroes them where they are: the next thread's first
 * touch of each would otherwise be a fault, a platform round trip (~15 us with ptrace) where a
 * 4 KiB memset costs a fraction of a microsecond. Large ranges still give their memory back. */
#define MADV_ZERO_MAX 32

/* The populated pages of [@start, @end) into @out (at most @max), by address or by a walk of
 * the page table, whichever is shorter; -1 when there are more than @max. Caller holds
 * pages_lock. */
static int pages_in_range(struct mm *mm, uint64_t start, uint64_t end, struct mm_page **out,
			  int max)
{
	int n = 0;
	if ((end - start) / MM_PAGE_SIZE <= mm->page_count) {
		for (uint64_t a = start; a < end; a += MM_PAGE_SIZE) {
			struct mm_page *p = page_find(mm, a);
			if (p && n == max)
				return -1;
			if (p)
				out[n++] = p;
		}
		return n;
	}
	for (size_t i = 0; i < mm->page_cap; i++) {
		struct mm_page *p = &mm->pages[i];
		if (p->addr == PAGE_EMPTY || p->addr == PAGE_DELETED || p->addr < start ||
		    p->addr >= end)
			continue;
		if (n == max)
			return -1;
		out[n++] = p;
	}
	return n;
}

/* Zeroes in place the populated pages of anonymous private [@start, @end) when there are at
 * most MADV_ZERO_MAX and each is this mm's alone; returns 0 without touching any otherwise.
 * Caller holds pages_lock. */
static int zero_in_place(struct mm *mm, const struct vma *v, uint64_t start, uint64_t end)
{
	struct mm_page *pages[MADV_ZERO_MAX];
	if (v->src || (v->flags & VMA_SHARED))
		return 0;
	int n = pages_in_range(mm, start, end, pages, MADV_ZERO_MAX);
	for (int i = 0; i < n; i++)
		if (!pages[i]->owned || pages[i]->cow || mf_page_shared(pages[i]->mf_off))
			return 0;
	for (int i = 0; i < n; i++)
		memset(mf_ptr(pages[i]->mf_off), 0, MM_PAGE_SIZE);
	return n >= 0;
}

/* madvise_vma_behavior's refusals for one VMA. Shared anonymous memory is a file here as in
 * Linux (shmem), so only private anonymous VMAs have no source. */
static int advice_refused(const struct vma *v, int advice)
{
	switch (advice) {
	case MADV_REMOVE:	/* punches the file: a shared, writable one */
		return !v->src ? -EINVAL : !(v->flags & VMA_SHARED) ? -EACCES : 0;
	case MADV_FREE:		/* private anonymous memory only */
	case MADV_WIPEONFORK:
		return v->src ? -EINVAL : 0;
	default:
		return 0;
	}
}

/* The VMA flag MADV_DONTFORK/DOFORK/WIPEONFORK/KEEPONFORK sets or clears (*@set), 0 for
 * other advice. */
static uint32_t fork_flag(int advice, int *set)
{
	*set = advice == MADV_DONTFORK || advice == MADV_WIPEONFORK;
	switch (advice) {
	case MADV_DONTFORK:
	case MADV_DOFORK:
		return VMA_DONTFORK;
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
		return VMA_WIPEONFORK;
	default:
		return 0;
	}
}

/* Sets or clears @flag on the VMAs of [@start, @end), split at its ends. Caller holds the write
 * lock. Returns 0 or -ENOMEM. */
static int set_vma_flag(struct mm *mm, uint64_t start, uint64_t end, uint32_t flag, int set)
{
	if (vma_reserve(mm, 2) < 0)
		return -ENOMEM;
	vma_split(mm, start);
	vma_split(mm, end);
	for (size_t i = vma_index(mm, start); i < mm->vma_count && mm->vmas[i].start < end; i++)
		mm->vmas[i].flags = set ? mm->vmas[i].flags | flag : mm->vmas[i].flags & ~flag;
	return 0;
}

/* MADV_REMOVE: the files of the (shared, checked) VMAs of [@start, @end) punch the range out;
 * their pages mapped here go at the next mm_sync, as after a truncate. Caller holds the lock. */
static int punch_range(struct mm *mm, uint64_t start, uint64_t end)
{
	for (size_t i = vma_index(mm, start); i < mm->vma_count && mm->vmas[i].start < end; i++) {
		const struct vma *v = &mm->vmas[i];
		uint64_t s = v->start > start ? v->start : start;
		uint64_t e = v->end < end ? v->end : end;
		int rc = v->src->punch ? v->src->punch(v->file, v->off + (int64_t)(s - v->start), e - s)
				       : -EOPNOTSUPP;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The first refusal among the VMAs of [@start, @end), in address order as Linux walks them. */
static int range_refused(const struct mm *mm, uint64_t start, uint64_t end, int advice)
{
	for (size_t i = vma_index(mm, start); i < mm->vma_count && mm->vmas[i].start < end; i++) {
		int rc = advice_refused(&mm->vmas[i], advice);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	if ((addr & MM_PAGE_MASK) || !advice_known(advice) || len > UINT64_MAX - MM_PAGE_MASK)
		return -EINVAL;
	len = (len + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	uint64_t end = addr + len;
	if (end < addr)
		return -EINVAL;
	if (len == 0)
		return 0;
	int dontneed = advice == MADV_DONTNEED || advice == 24 /* MADV_DONTNEED_LOCKED */;
	pthread_rwlock_wrlock(&mm->lock);
	int rc = range_refused(mm, addr, end, advice), set;
	uint32_t flag = fork_flag(advice, &set);
	if (rc == 0 && flag)
		rc = set_vma_flag(mm, addr, end, flag, set);
	if (rc == 0 && advice == MADV_REMOVE)
		rc = punch_range(mm, addr, end);
	if (rc == 0 && !range_covered(mm, addr, end))
		rc = -ENOMEM;
	if (dontneed) {
		/* The pages go: private memory reads as zeros (or the file) again, shared memory
		 * faults its object's page back in. Holes in the range are skipped. */
		for (size_t i = vma_index(mm, addr); i < mm->vma_count && mm->vmas[i].start < end;
		     i++) {
			uint64_t s = mm->vmas[i].start > addr ? mm->vmas[i].start : addr;
			uint64_t e = mm->vmas[i].end < end ? mm->vmas[i].end : end;
			pthread_mutex_lock(&mm->pages_lock);
			int zeroed = zero_in_place(mm, &mm->vmas[i], s, e);
			pthread_mutex_unlock(&mm->pages_lock);
			if (zeroed)
				continue;
			int urc = as_unmap(mm, s, e);
			if (urc < 0) {
				rc = urc;
				break;
			}
			pthread_mutex_lock(&mm->pages_lock);
			pages_drop_range(mm, s, e);
			pthread_mutex_unlock(&mm->pages_lock);
		}
	}
	pthread_rwlock_unlock(&mm->lock);
	return rc;
}

void mm_set_brk_start(struct mm *mm, uint64_t start)
{
	pthread_rwlock_wrlock(&mm->lock);
	mm->brk_start = mm->brk = start;
	pthread_rwlock_unlock(&mm->lock);
}

uint64_t mm_brk(struct mm *mm, uint64_t addr)
{
	pthread_rwlock_wrlock(&mm->lock);
	uint64_t old_end = (mm->brk + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	uint64_t new_end = (addr + MM_PAGE_MASK) & ~MM_PAGE_MASK;
	/* Linux returns the current break for any request it cannot honour. */
	if (addr < mm->brk_start || new_end < addr || new_end > mm->max_addr)
		goto out;
	if (new_end > old_end) {
		if (!range_free(mm, old_end, new_end) || vma_reserve(mm, 1) < 0)
			goto out;
		struct vma v = { .start = old_end, .end = new_end, .flags = VMA_HEAP,
				 .prot = PROT_READ | PROT_WRITE };
		vma_insert_at(mm, vma_index(mm, old_end), &v);
	} else if (new_end < old_end && unmap_locked(mm, new_end, old_end) < 0) {
		goto out;
	}
	mm->brk = addr;
out:
	addr = mm->brk;
	pthread_rwlock_unlock(&mm->lock);
	return addr;
}

/* --- faults and copies --- */

static int access_allowed(uint32_t prot, uint32_t access)
{
	/* x86 page tables cannot express write-only or exec-only: any access bit grants reads. */
	if ((access & SENTRY_ACCESS_WRITE) && !(prot & PROT_WRITE))
		return 0;
	if ((access & SENTRY_ACCESS_EXEC) && !(prot & PROT_EXEC))
		return 0;
	if ((access & SENTRY_ACCESS_READ) && !prot)
		return 0;
	return 1;
}

/* The file's page for @addr of @v, held for the caller (mf_page_share; mf_page_put lets go).
 * translate returns the page without holding it, so a truncate may free it before the share
 * counts: when the memory file freed anything meanwhile, the page must still be the file's.
 * -EIO past the end (SIGBUS). */
static int src_hold(const struct vma *v, uint64_t addr, uint32_t access, uint64_t *ret_off)
{
	int64_t foff = v->off + (int64_t)(addr - v->start);
	for (;;) {
		uint64_t gen = mf_free_gen(), off, again, len;
		int rc = v->src->translate(v->file, foff, access, &off, &len);
		if (rc < 0)
			return rc == -EFAULT ? -EIO : rc;
		mf_page_share(off);
		if (mf_free_gen() == gen) {
			*ret_off = off;
			return 0;
		}
		rc = v->src->translate(v->file, foff, access, &again, &len);
		if (rc == 0 && again == off) {
			*ret_off = off;
			return 0;
		}
		mf_page_put(off);
		if (rc < 0)
			return rc == -EFAULT ? -EIO : rc;
	}
}

/* A new private page for @addr of @v: zeroes, or a copy of the file's page. */
static int populate_private(const struct vma *v, uint64_t addr, uint64_t *ret_off)
{
	uint64_t off;
	int rc = mf_alloc(MM_PAGE_SIZE, &off);
	if (rc < 0 || !v->src) {
		*ret_off = off;
		return rc;
	}
	uint64_t src_off;
	rc = src_hold(v, addr, SENTRY_ACCESS_READ, &src_off);
	if (rc < 0) {
		mf_free(off, MM_PAGE_SIZE);
		return rc;
	}
	memcpy(mf_ptr(off), mf_ptr(src_off), MM_PAGE_SIZE);
	mf_page_put(src_off);
	*ret_off = off;
	return 0;
}

/* Finds or makes the page at @addr of @v. Caller holds mm->lock (read) and pages_lock. */
static int page_get(struct mm *mm, const struct vma *v, uint64_t addr, uint32_t access,
		    struct mm_page **ret)
{
	struct mm_page *p = page_find(mm, addr);
	if (p) {
		*ret = p;
		return 0;
	}
	struct mm_page np = { .addr = addr };
	int rc;
	if (v->src && (v->flags & VMA_SHARED)) {
		rc = src_hold(v, addr, access, &np.mf_off);
	} else if (v->src && !(access & SENTRY_ACCESS_WRITE)) {
		/* A private file page maps the file's own page until the first write, as Linux:
		 * it sees the file's changes, and faults past the end after a truncate. */
		rc = src_hold(v, addr, SENTRY_ACCESS_READ, &np.mf_off);
		np.cow = 1;
	} else {
		rc = populate_private(v, addr, &np.mf_off);
		np.owned = 1;
	}
	if (rc == 0 && (rc = page_insert(mm, &np)) < 0)
		mf_page_put(np.mf_off);
	if (rc == 0)
		*ret = page_find(mm, addr);
	return rc;
}

/* The first write to cow page @p: a copy of its own unless no other mm owns it any more (then
 * in place). *ret_moved is set when the page moved to a new offset. Caller holds pages_lock. */
static int cow_break(struct mm_page *p, int *ret_moved)
{
	/* A file's page (a private mapping's, not yet written) is always copied. */
	if (!p->owned || mf_page_shared(p->mf_off)) {
		uint64_t off;
		int rc = mf_alloc(MM_PAGE_SIZE, &off);
		if (rc < 0)
			return rc;
		/* Copy first, then let go: once put, another owner may write it in place. */
		memcpy(mf_ptr(off), mf_ptr(p->mf_off), MM_PAGE_SIZE);
		mf_page_put(p->mf_off);
		p->mf_off = off;
		if (ret_moved)
			*ret_moved = 1;
	}
	p->owned = 1;
	p->cow = 0;
	return 0;
}

/* The protection page @p of @v is mapped with: a cow page is read-only until written. */
static uint32_t page_prot(const struct vma *v, const struct mm_page *p)
{
	return p->cow ? v->prot & ~(uint32_t)PROT_WRITE : v->prot;
}

/* Resolves @addr for @access to its page, breaking copy-on-write for a write (*ret_moved set
 * when it moved, may be NULL). *@ret is a copy: the page table may grow (and move) under
 * another thread's fault once pages_lock is released. With @map_it the page is mapped into the
 * address space too. Caller holds mm->lock for reading. */
static int resolve_page(struct mm *mm, uint64_t addr, uint32_t access, struct mm_page *ret,
			const struct vma **ret_vma, int *ret_code, int *ret_moved, int map_it)
{
	const struct vma *v = mm_find_vma(mm, addr);
	if (!v) {
		*ret_code = SEGV_MAPERR;
		return -EFAULT;
	}
	if (!access_allowed(v->prot, access)) {
		*ret_code = SEGV_ACCERR;
		return -EFAULT;
	}
	pthread_mutex_lock(&mm->pages_lock);
	struct mm_page *p;
	int rc = page_get(mm, v, page_down(addr), access, &p);
	/* An instruction fetch on a writable cow page breaks it too: the ptrace platform takes
	 * a write just after rip for a fetch, which mapping the page read-only again would never
	 * satisfy. */
	uint32_t writes = SENTRY_ACCESS_WRITE | ((v->prot & PROT_WRITE) ? SENTRY_ACCESS_EXEC : 0);
	/* Any access to a cow page that no other mm owns any more ends its cow state: it maps
	 * writable now rather than after a second fault. The count cannot grow meanwhile: only
	 * an owner's fork adds owners, and this mm's waits for its lock. */
	if (rc == 0 && p->cow &&
	    ((access & writes) || (p->owned && !mf_page_shared(p->mf_off))))
		rc = cow_break(p, ret_moved);
	if (rc == 0)
		*ret = *p;
	/* Mapped before the lock goes: another thread's write fault may break the cow of this
	 * very page next, and its map must be queued after this one, not overtaken by it. */
	if (rc == 0 && map_it && mm->as)
		rc = mm->as_ops->map(mm->as, p->addr, MM_PAGE_SIZE, p->mf_off, page_prot(v, p));
	pthread_mutex_unlock(&mm->pages_lock);
	*ret_vma = v;
	return rc;
}

/* Linux's fault_around_bytes: a fault also maps its neighbours. A file's window is wider: a
 * program walks its libraries' text and data in strides of tens of pages, and their pages are
 * the file's own (nothing allocated, a hole to the host until touched). 512 KiB, Linux's
 * largest readahead window by default, measured best for fork+exec of a dynamic /bin/true
 * (2,800 us with 16 pages, 2,520 with 64, 2,430 with 128; 256 or 512 within noise of 128). */
#define FAULT_AROUND_PAGES 16
#define FAULT_AROUND_FILE_PAGES 128

/* Maps the pages around @addr of @v, in its aligned window of FAULT_AROUND_PAGES (or
 * FAULT_AROUND_FILE_PAGES): the
 * platform batches the maps (and joins neighbours into one), so a program's walk through its
 * libraries, its heap or its stack costs one round trip per window instead of one per page.
 * On ptrace a fault is two round trips, dearer than Linux's fault-around saves it, so more is
 * mapped than Linux would:
 *  - private anonymous memory too: a page never touched is a hole in the memory file, which
 *    costs the host nothing until written;
 *  - pages the mm has but this address space may not (a fork child's, which would each fault
 *    again), mapped as they are (a cow page read-only).
 * Best effort: a page that cannot be had (past the file's end, no memory) ends it. Caller holds
 * mm->lock for reading, and the fault at @addr resolved (so @v is accessible). */
static void fault_around(struct mm *mm, const struct vma *v, uint64_t addr)
{
	const uint64_t span = (v->src ? FAULT_AROUND_FILE_PAGES : FAULT_AROUND_PAGES) * MM_PAGE_SIZE;
	uint64_t start = addr & ~(span - 1), end = start + span;
	if (start < v->start)
		start = v->start;
	if (end > v->end)
		end = v->end;
	pthread_mutex_lock(&mm->pages_lock);
	for (uint64_t a = start; a < end; a += MM_PAGE_SIZE) {
		if (a == page_down(addr))
			continue;
		struct mm_page *p;
		/* Under the lock, map included: see resolve_page. */
		if (page_get(mm, v, a, SENTRY_ACCESS_READ, &p) < 0 ||
		    mm->as_ops->map(mm->as, a, MM_PAGE_SIZE, p->mf_off, page_prot(v, p)) < 0)
			break;
	}
	pthread_mutex_unlock(&mm->pages_lock);
}

int mm_fault(struct mm *mm, uint64_t addr, uint32_t access, int *ret_code)
{
	struct mm_page p;
	const struct vma *v;
	int code = 0;
	/* A page its file let go must not be mapped again: it faults anew (SIGBUS past the end). */
	int rc = mm_sync(mm);
	if (rc < 0)
		return rc;
	pthread_rwlock_rdlock(&mm->lock);
	int moved = 0;
	rc = resolve_page(mm, addr, access, &p, &v, &code, &moved, 1);
	/* A copy-on-write break is a write to a page that was mapped already, read-only, and so
	 * most likely are its neighbours: mapping them again would only cost host mmaps. */
	if (rc == 0 && mm->as && !moved)
		fault_around(mm, v, addr);
	pthread_rwlock_unlock(&mm->lock);
	if (rc == -EFAULT && ret_code)
		*ret_code = code;
	return rc;
}

/* A write by the Sentry moved cow page @p: the application's threads must see the new page
 * before the write lands. Caller holds mm->lock for reading. */
static int remap_moved(struct mm *mm, const struct vma *v, const struct mm_page *p)
{
	if (!mm->as)
		return 0;
	int rc = mm->as_ops->map(mm->as, p->addr, MM_PAGE_SIZE, p->mf_off, page_prot(v, p));
	if (rc == 0 && SENTRY_OPS_HAS(mm->as_ops, mm->as_ops_size, flush))
		(void)mm->as_ops->flush(mm->as);	/* else done at this thread's next switch */
	return rc;
}

/* Copies @len bytes at @addr, page by page, in direction @out. */
static int copy_pages(struct mm *mm, uint64_t addr, void *buf, size_t len, int out)
{
	if (addr + len < addr)
		return -EFAULT;
	int code, rc = 0;
	pthread_rwlock_rdlock(&mm->lock);
	while (len && rc == 0) {
		struct mm_page p;
		const struct vma *v;
		int moved = 0;
		rc = resolve_page(mm, addr, out ? SENTRY_ACCESS_WRITE : SENTRY_ACCESS_READ, &p, &v,
				  &code, &moved, 0);
		if (rc == 0 && moved)
			rc = remap_moved(mm, v, &p);
		if (rc < 0)
			break;
		size_t in_page = MM_PAGE_SIZE - (addr & MM_PAGE_MASK);
		size_t n = len < in_page ? len : in_page;
		char *mem = (char *)mf_ptr(p.mf_off) + (addr & MM_PAGE_MASK);
		if (out)
			memcpy(mem, buf, n);
		else
			memcpy(buf, mem, n);
		buf = (char *)buf + n;
		addr += n;
		len -= n;
	}
	pthread_rwlock_unlock(&mm->lock);
	return rc < 0 ? -EFAULT : 0;
}

int mm_futex_word(struct mm *mm, uint64_t addr, int write, uint32_t **ret_word,
		  uint64_t *ret_key, int *ret_shared)
{
	struct mm_page p;
	const struct vma *v;
	int code;
	pthread_rwlock_rdlock(&mm->lock);
	int moved = 0;
	int rc = resolve_page(mm, addr, write ? SENTRY_ACCESS_WRITE : SENTRY_ACCESS_READ, &p, &v,
			      &code, &moved, 0);
	if (rc == 0 && moved)
		rc = remap_moved(mm, v, &p);
	if (rc == 0) {
		*ret_word = (uint32_t *)((char *)mf_ptr(p.mf_off) + (addr & MM_PAGE_MASK));
		*ret_shared = (v->flags & VMA_SHARED) != 0;
		*ret_key = *ret_shared ? p.mf_off + (addr & MM_PAGE_MASK) : addr;
	}
	pthread_rwlock_unlock(&mm->lock);
	return rc < 0 ? -EFAULT : 0;
}

int mm_copy_in(struct mm *mm, uint64_t addr, void *dst, size_t len)
{
	return copy_pages(mm, addr, dst, len, 0);
}

int mm_copy_out(struct mm *mm, uint64_t addr, const void *src, size_t len)
{
	return copy_pages(mm, addr, (void *)src, len, 1);
}

int64_t mm_copy_string(struct mm *mm, uint64_t addr, char *dst, size_t max)
{
	size_t done = 0;
	while (done < max) {
		/* Never read past the page holding the terminator: the next may be unmapped. */
		size_t chunk = MM_PAGE_SIZE - ((addr + done) & MM_PAGE_MASK);
		if (chunk > max - done)
			chunk = max - done;
		if (copy_pages(mm, addr + done, dst + done, chunk, 0) < 0)
			return -EFAULT;
		char *nul = memchr(dst + done, '\0', chunk);
		if (nul)
			return nul - dst;
		done += chunk;
	}
	return -ENAMETOOLONG;
}
