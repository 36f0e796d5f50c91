/*
 * core/mm/shm.c: shared memory objects (see shm.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mm/memfile.h"
#include "mm/shm.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020	/* kept, with no effect: memfds are not executed here */
#endif

#define SHM_PAGE 4096ull
#define SHM_BITS 9
#define SHM_FAN (1u << SHM_BITS)
#define SHM_LEVELS 4

struct shm_obj {
	atomic_long refs;
	pthread_mutex_t lock;
	uint64_t size;		/* bytes */
	void *radix;		/* SHM_LEVELS levels; leaves hold memory-file offset + 1, 0 a hole */
	uint64_t pages;		/* allocated pages */
	uint32_t seals;		/* F_SEAL_* */
	long maps;		/* shared mappings */
	long writers;		/* of which writable */
};

int shm_new(uint64_t size, uint32_t seals, struct shm_obj **ret)
{
	if (size > SHM_MAX_SIZE)
		return -EFBIG;
	struct shm_obj *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	atomic_init(&o->refs, 1);
	pthread_mutex_init(&o->lock, NULL);
	o->size = size;
	o->seals = seals;
	*ret = o;
	return 0;
}

void shm_get(struct shm_obj *o)
{
	atomic_fetch_add(&o->refs, 1);
}

/* Slot of page @index, making interior nodes when @alloc; NULL when absent or out of memory. */
static uint64_t *slot_of(struct shm_obj *o, uint64_t index, int alloc)
{
	void **node = &o->radix;
	for (int level = SHM_LEVELS - 1;; level--) {
		if (!*node) {
			if (!alloc)
				return NULL;
			*node = calloc(SHM_FAN, sizeof(void *));
			if (!*node)
				return NULL;
		}
		size_t i = (index >> (level * SHM_BITS)) & (SHM_FAN - 1);
		if (level == 0)
			return &((uint64_t *)*node)[i];
		node = &((void **)*node)[i];
	}
}

/* The page at @index, allocated (zeroed) when @alloc. Returns 0, -ENOENT (a hole), -ENOMEM.
 * Caller holds o->lock. */
static int page_at(struct shm_obj *o, uint64_t index, int alloc, uint64_t *ret_off)
{
	uint64_t *slot = slot_of(o, index, alloc);
	if (!slot)
		return alloc ? -ENOMEM : -ENOENT;
	if (!*slot) {
		if (!alloc)
			return -ENOENT;
		uint64_t off;
		int rc = mf_alloc(SHM_PAGE, &off);
		if (rc < 0)
			return rc;
		*slot = off + 1;
		o->pages++;
	}
	*ret_off = *slot - 1;
	return 0;
}

/* Frees the pages with index in [@first, @last) below @node; returns whether @node is left
 * empty. Pages still mapped stay held by their mappings, which drop them (memfile.h, mm_sync). */
static int trim(struct shm_obj *o, void *node, int level, uint64_t base, uint64_t first,
		uint64_t last)
{
	int empty = 1;
	uint64_t span = 1ull << (level * SHM_BITS);
	for (size_t i = 0; i < SHM_FAN; i++) {
		uint64_t lo = base + i * span;
		if (level == 0) {
			uint64_t *slot = &((uint64_t *)node)[i];
			if (*slot && lo >= first && lo < last) {
				mf_free(*slot - 1, SHM_PAGE);
				*slot = 0;
				o->pages--;
			}
			empty &= *slot == 0;
			continue;
		}
		void **child = &((void **)node)[i];
		if (*child && lo + span > first && lo < last &&
		    trim(o, *child, level - 1, lo, first, last)) {
			free(*child);
			*child = NULL;
		}
		empty &= *child == NULL;
	}
	return empty;
}

/* Drops the pages with index in [@first, @last). Caller holds o->lock. */
static void trim_range(struct shm_obj *o, uint64_t first, uint64_t last)
{
	if (o->radix && first < last && trim(o, o->radix, SHM_LEVELS - 1, 0, first, last)) {
		free(o->radix);
		o->radix = NULL;
	}
}

/* Drops the pages from index @first on. Caller holds o->lock. */
static void trim_from(struct shm_obj *o, uint64_t first)
{
	trim_range(o, first, UINT64_MAX);
}

void shm_put(struct shm_obj *o)
{
	if (!o || atomic_fetch_sub(&o->refs, 1) != 1)
		return;
	trim_from(o, 0);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

long shm_maps(struct shm_obj *o)
{
	pthread_mutex_lock(&o->lock);
	long n = o->maps;
	pthread_mutex_unlock(&o->lock);
	return n;
}

uint64_t shm_size(struct shm_obj *o)
{
	pthread_mutex_lock(&o->lock);
	uint64_t size = o->size;
	pthread_mutex_unlock(&o->lock);
	return size;
}

uint64_t shm_bytes(struct shm_obj *o)
{
	pthread_mutex_lock(&o->lock);
	uint64_t n = o->pages * SHM_PAGE;
	pthread_mutex_unlock(&o->lock);
	return n;
}

int shm_translate(struct shm_obj *o, int64_t off, uint32_t access, uint64_t *ret_mf_off,
		  uint64_t *ret_len)
{
	(void)access;
	pthread_mutex_lock(&o->lock);
	int rc = off < 0 || (uint64_t)off >= o->size ? -EFAULT
						      : page_at(o, (uint64_t)off / SHM_PAGE, 1, ret_mf_off);
	pthread_mutex_unlock(&o->lock);
	*ret_len = SHM_PAGE;
	return rc;
}

/* Copies between @iov and the object from @off, at most @len bytes; a read stops at the end.
 * Caller holds o->lock. Returns bytes or -ENOMEM (nothing copied). */
static int64_t copy_iov(struct shm_obj *o, const struct sentry_iov *iov, size_t n, uint64_t off,
			uint64_t len, int write)
{
	uint64_t done = 0;
	for (size_t i = 0; i < n && done < len; i++) {
		size_t at = 0;
		while (at < iov[i].len && done < len) {
			uint64_t pos = off + done, in_page = SHM_PAGE - pos % SHM_PAGE;
			uint64_t k = iov[i].len - at;
			if (k > in_page)
				k = in_page;
			if (k > len - done)
				k = len - done;
			uint64_t mf;
			int rc = page_at(o, pos / SHM_PAGE, write, &mf);
			char *buf = (char *)iov[i].base + at;
			if (rc == -ENOENT)
				memset(buf, 0, k);
			else if (rc < 0)
				return done ? (int64_t)done : rc;
			else if (write)
				memcpy((char *)mf_ptr(mf) + pos % SHM_PAGE, buf, k);
			else
				memcpy(buf, (char *)mf_ptr(mf) + pos % SHM_PAGE, k);
			at += k;
			done += k;
		}
	}
	return (int64_t)done;
}

int64_t shm_read(struct shm_obj *o, const struct sentry_iov *iov, size_t n, int64_t *off)
{
	if (*off < 0)
		return -EINVAL;
	pthread_mutex_lock(&o->lock);
	uint64_t pos = (uint64_t)*off;
	int64_t rc = pos >= o->size ? 0 : copy_iov(o, iov, n, pos, o->size - pos, 0);
	if (rc > 0)
		*off += rc;
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int64_t shm_write(struct shm_obj *o, const struct sentry_iov *iov, size_t n, int64_t *off,
		  int append)
{
	uint64_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += iov[i].len;
	pthread_mutex_lock(&o->lock);
	int64_t rc = 0;
	uint64_t pos = append ? o->size : (uint64_t)*off;
	/* An empty write succeeds before any seal is looked at, and moves nothing (not even
	 * O_APPEND's position), as generic_write_checks. */
	if (*off < 0 && !append)
		rc = -EINVAL;
	else if (len == 0)
		rc = 0;
	else if (o->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))
		rc = -EPERM;
	else if (pos >= SHM_MAX_SIZE)
		rc = -EFBIG;
	else {
		if (len > SHM_MAX_SIZE - pos)
			len = SHM_MAX_SIZE - pos;
		/* Linux writes page by page and refuses the first piece (up to a page boundary)
		 * that would end past the end: F_SEAL_GROW stops the write at the start of the
		 * piece holding the first byte past the end, EPERM when that is the first. */
		uint64_t last_page = o->size & ~(SHM_PAGE - 1);
		if ((o->seals & F_SEAL_GROW) && len > o->size - (pos < o->size ? pos : o->size))
			len = pos < last_page ? last_page - pos : 0;
		rc = len ? copy_iov(o, iov, n, pos, len, 1) : -EPERM;
		if (rc > 0 && pos + (uint64_t)rc > o->size)
			o->size = pos + (uint64_t)rc;
	}
	if (rc > 0)
		*off = (int64_t)(pos + (uint64_t)rc);
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int shm_truncate(struct shm_obj *o, uint64_t size)
{
	if (size > SHM_MAX_SIZE)
		return -EFBIG;
	pthread_mutex_lock(&o->lock);
	int rc = 0;
	if ((size < o->size && (o->seals & F_SEAL_SHRINK)) ||
	    (size > o->size && (o->seals & F_SEAL_GROW))) {
		rc = -EPERM;
	} else if (size < o->size) {
		/* Zero the tail of the last page so a later extension reads zeros. */
		uint64_t mf;
		if (size % SHM_PAGE && page_at(o, size / SHM_PAGE, 0, &mf) == 0)
			memset((char *)mf_ptr(mf) + size % SHM_PAGE, 0, SHM_PAGE - size % SHM_PAGE);
		trim_from(o, (size + SHM_PAGE - 1) / SHM_PAGE);
	}
	if (rc == 0)
		o->size = size;
	pthread_mutex_unlock(&o->lock);
	return rc;
}

/* Zeroes [@off, @end) of one page, if it is there. Caller holds o->lock. */
static void zero_part(struct shm_obj *o, uint64_t off, uint64_t end)
{
	uint64_t mf;
	if (off < end && page_at(o, off / SHM_PAGE, 0, &mf) == 0)
		memset((char *)mf_ptr(mf) + off % SHM_PAGE, 0, end - off);
}

int shm_punch(struct shm_obj *o, uint64_t off, uint64_t len)
{
	pthread_mutex_lock(&o->lock);
	int rc = 0;
	if (o->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
		rc = -EPERM;
	} else if (off < o->size) {
		/* Nothing past the end to punch; partial pages at either side are zeroed. */
		uint64_t end = len > o->size - off ? o->size : off + len;
		uint64_t first = (off + SHM_PAGE - 1) / SHM_PAGE, last = end / SHM_PAGE;
		if (first > last) {
			zero_part(o, off, end);	/* inside one page */
		} else {
			zero_part(o, off, first * SHM_PAGE);
			zero_part(o, last * SHM_PAGE, end);
			trim_range(o, first, last);
		}
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int shm_shared_map(struct shm_obj *o, int delta, uint32_t prot, int fresh)
{
	int rc = 0;
	int writable = (prot & PROT_WRITE) != 0;
	pthread_mutex_lock(&o->lock);
	if (delta > 0 && fresh && writable && (o->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE))) {
		rc = -EPERM;
	} else {
		o->maps += delta;
		o->writers += writable ? delta : 0;
	}
	pthread_mutex_unlock(&o->lock);
	return rc;
}

int shm_add_seals(struct shm_obj *o, uint32_t seals)
{
	if (seals & ~(uint32_t)(F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
				F_SEAL_FUTURE_WRITE | F_SEAL_EXEC))
		return -EINVAL;
	pthread_mutex_lock(&o->lock);
	int rc = 0;
	if (o->seals & F_SEAL_SEAL)
		rc = -EPERM;
	else if ((seals & F_SEAL_WRITE) && o->writers > 0)
		rc = -EBUSY;
	else
		o->seals |= seals;
	pthread_mutex_unlock(&o->lock);
	return rc;
}

uint32_t shm_seals(struct shm_obj *o)
{
	pthread_mutex_lock(&o->lock);
	uint32_t s = o->seals;
	pthread_mutex_unlock(&o->lock);
	return s;
}
