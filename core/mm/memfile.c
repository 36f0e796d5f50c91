/*
 * core/mm/memfile.c: the memory file and its page allocator (see memfile.h).
 *
 * Free space is a bump pointer (everything above it was never used) plus a sorted array of
 * freed extents, coalesced on free, searched first-fit. Freed extents are punched out of the
 * memfd before they are reused, which both returns memory to the host and zero-fills them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mm/memfile.h"

#define MF_PAGE 4096ull

struct mf_extent {
	uint64_t off, len;
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_fd = -1;
static char *g_base;
static uint64_t g_top;		/* [g_top, MF_SIZE) has never been allocated */
static uint64_t g_used;
static struct mf_extent *g_free;	/* sorted by offset, never adjacent */
static size_t g_free_count, g_free_cap;

static int mf_init_locked(void)
{
	if (g_fd >= 0)
		return 0;
	int fd = memfd_create("cvisor-memory", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)MF_SIZE) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	void *base = mmap(NULL, MF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (base == MAP_FAILED) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	g_fd = fd;
	g_base = base;
	return 0;
}

int mf_init(void)
{
	pthread_mutex_lock(&g_lock);
	int rc = mf_init_locked();
	pthread_mutex_unlock(&g_lock);
	return rc;
}

/* Takes @len from the first free extent large enough, or from the top. */
static int mf_take(uint64_t len, uint64_t *ret_off)
{
	for (size_t i = 0; i < g_free_count; i++) {
		struct mf_extent *e = &g_free[i];
		if (e->len < len)
			continue;
		*ret_off = e->off;
		e->off += len;
		e->len -= len;
		if (e->len == 0) {
			memmove(e, e + 1, (g_free_count - i - 1) * sizeof(*e));
			g_free_count--;
		}
		return 0;
	}
	if (len > MF_SIZE - g_top)
		return -ENOMEM;
	*ret_off = g_top;
	g_top += len;
	return 0;
}

int mf_alloc(uint64_t len, uint64_t *ret_off)
{
	if (len == 0 || (len & (MF_PAGE - 1)) || len > MF_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&g_lock);
	int rc = mf_init_locked();
	if (rc == 0)
		rc = mf_take(len, ret_off);
	if (rc == 0)
		g_used += len;
	pthread_mutex_unlock(&g_lock);
	return rc;
}

/* Inserts a free extent, merging with its neighbours and with the top. Caller holds g_lock. */
static void mf_insert(uint64_t off, uint64_t len)
{
	size_t i = 0;
	while (i < g_free_count && g_free[i].off < off)
		i++;
	int merge_prev = i > 0 && g_free[i - 1].off + g_free[i - 1].len == off;
	int merge_next = i < g_free_count && off + len == g_free[i].off;
	if (merge_prev && merge_next) {
		g_free[i - 1].len += len + g_free[i].len;
		memmove(&g_free[i], &g_free[i + 1], (g_free_count - i - 1) * sizeof(*g_free));
		g_free_count--;
		i--;
	} else if (merge_prev) {
		g_free[--i].len += len;
	} else if (merge_next) {
		g_free[i].off = off;
		g_free[i].len += len;
	} else {
		if (g_free_count == g_free_cap) {
			size_t cap = g_free_cap ? g_free_cap * 2 : 64;
			struct mf_extent *n = realloc(g_free, cap * sizeof(*n));
			if (!n)
				return;	/* the pages stay punched out but unusable: a leak, not a crash */
			g_free = n;
			g_free_cap = cap;
		}
		memmove(&g_free[i + 1], &g_free[i], (g_free_count - i) * sizeof(*g_free));
		g_free[i] = (struct mf_extent){ off, len };
		g_free_count++;
	}
	/* An extent that reaches the top gives its space back to the bump pointer. */
	if (g_free[i].off + g_free[i].len == g_top && i == g_free_count - 1) {
		g_top = g_free[i].off;
		g_free_count--;
	}
}

/* Extra owners of each page (see memfile.h): MF_SIZE / 4096 words, mapped without reserve so
 * only the pages of words in use take memory. A word is the count of owners beyond the first
 * plus SHARE_DEAD once the first owner (the file) let go of a page others still hold. */
#define SHARE_DEAD (1u << 31)
#define SHARE_COUNT (SHARE_DEAD - 1)

static _Atomic uint32_t *_Atomic g_shares;
static pthread_once_t g_shares_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t g_free_gen, g_dead_gen;

static void shares_init(void)
{
	void *p = mmap(NULL, MF_SIZE / MF_PAGE * sizeof(uint32_t), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	g_shares = p == MAP_FAILED ? NULL : p;
}

/* Gives [off, off+len) back to the allocator. Caller holds g_lock. */
static void release_locked(uint64_t off, uint64_t len)
{
	if (len == 0)
		return;
	/* Punching returns the memory and makes the pages read as zeros when reused. */
	(void)fallocate(g_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len);
	if (g_shares)
		for (uint64_t p = off; p < off + len; p += MF_PAGE)
			if (atomic_load(&g_shares[p / MF_PAGE]) & SHARE_DEAD)
				atomic_fetch_and(&g_shares[p / MF_PAGE], SHARE_COUNT);
	mf_insert(off, len);
	g_used -= len;
}

/* Drops one owner of page @off: returns 1 when others keep it (marked dead with @dead), 0 when
 * the caller was the last and must free it. The free generation moves first, so a holder that
 * raced its mf_page_share with this sees it changed (mf_free_gen). */
static int drop_owner(uint64_t off, int dead)
{
	atomic_fetch_add(&g_free_gen, 1);
	_Atomic uint32_t *c = g_shares ? &g_shares[off / MF_PAGE] : NULL;
	uint32_t n = c ? atomic_load(c) : 0;
	while (n & SHARE_COUNT) {
		if (atomic_compare_exchange_weak(c, &n, (n - 1) | (dead ? SHARE_DEAD : 0))) {
			if (dead)
				atomic_fetch_add(&g_dead_gen, 1);
			return 1;
		}
	}
	return 0;
}

void mf_free(uint64_t off, uint64_t len)
{
	if (len == 0)
		return;
	pthread_mutex_lock(&g_lock);
	/* Pages an address space still maps stay until it lets go (mf_page_put); the rest go
	 * back now, in runs. */
	uint64_t run = off;
	for (uint64_t p = off; p < off + len; p += MF_PAGE) {
		if (drop_owner(p, 1)) {
			release_locked(run, p - run);
			run = p + MF_PAGE;
		}
	}
	release_locked(run, off + len - run);
	pthread_mutex_unlock(&g_lock);
}

void mf_page_share(uint64_t off)
{
	pthread_once(&g_shares_once, shares_init);
	if (!g_shares)
		abort();	/* sharing without a count would free a page still in use */
	atomic_fetch_add(&g_shares[off / MF_PAGE], 1);
}

void mf_page_put(uint64_t off)
{
	/* Lock-free while others still own it; only the last owner takes the lock, to free. */
	if (drop_owner(off, 0))
		return;
	pthread_mutex_lock(&g_lock);
	release_locked(off, MF_PAGE);
	pthread_mutex_unlock(&g_lock);
}

int mf_page_shared(uint64_t off)
{
	return g_shares && (atomic_load(&g_shares[off / MF_PAGE]) & SHARE_COUNT) > 0;
}

int mf_page_dead(uint64_t off)
{
	return g_shares && (atomic_load(&g_shares[off / MF_PAGE]) & SHARE_DEAD);
}

uint64_t mf_free_gen(void)
{
	return atomic_load(&g_free_gen);
}

uint64_t mf_dead_gen(void)
{
	return atomic_load(&g_dead_gen);
}

void *mf_ptr(uint64_t off)
{
	return g_base + off;
}

int mf_fd(void)
{
	return g_fd;
}

uint64_t mf_used_bytes(void)
{
	pthread_mutex_lock(&g_lock);
	uint64_t used = g_used;
	pthread_mutex_unlock(&g_lock);
	return used;
}
