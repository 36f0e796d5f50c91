/*
 * plugins/platform-ptrace/ptrace_as.c: address spaces (see ptrace.h). map/unmap/protect only
 * queue a system call in the batch page; the batch runs at the next switch_to or flush, or when
 * it is full, so a burst of page faults or an munmap of many VMAs costs one round trip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "ptrace.h"

/* Runs the batch on the calling thread's stub thread. A thread that has none and no context
 * (a fresh address space being filled before anyone ran in it) leaves it queued: nothing of it
 * is mapped in the host yet, and the first switch runs it in order. as->lock held. */
static int flush_locked(struct sentry_as *as)
{
	if (as->batch->count == 0)
		return 0;
	struct sentry_ctx *ctx = ptrace_ctx_current();
	if (!ctx)
		return as->threads ? -EPERM : 0;
	struct stub_thread *st;
	int rc = stub_thread_get(as, ctx, &st);
	return rc < 0 ? rc : stub_flush(as, st);
}

/* Whether the op (nr, a0 .. a5) continues the batch's last one, which then grows to cover it:
 * a fault maps a window of neighbours page by page, and neighbours in the memory file too
 * become one mmap in the stub (and one host VMA) instead of sixteen. Only an mmap of the same
 * file, protection and flags at the next address and offset, or an munmap of the next range. */
static int extends(struct stub_batch *b, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		   uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (b->count == 0)
		return 0;
	struct stub_op *last = &b->ops[b->count - 1];
	uint64_t *l = last->args;
	if ((nr != SYS_mmap && nr != SYS_munmap) || last->nr != nr || l[0] + l[1] != a0)
		return 0;
	if (nr == SYS_mmap && (l[2] != a2 || l[3] != a3 || l[4] != a4 || l[5] + l[1] != a5))
		return 0;
	l[1] += a1;
	return 1;
}

static int queue(struct sentry_as *as, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3, uint64_t a4, uint64_t a5)
{
	pthread_mutex_lock(&as->lock);
	int rc = as->dead ? -ECHILD : 0;
	if (rc == 0 && as->batch->count == STUB_BATCH_MAX)
		rc = flush_locked(as);
	if (rc == 0 && as->batch->count == STUB_BATCH_MAX)
		rc = -ENOMEM;	/* no thread to run it yet, and no room */
	if (rc == 0 && !extends(as->batch, nr, a0, a1, a2, a3, a4, a5))
		as->batch->ops[as->batch->count++] = (struct stub_op){
			.nr = nr, .args = { a0, a1, a2, a3, a4, a5 }
		};
	pthread_mutex_unlock(&as->lock);
	return rc;
}

static int as_map(struct sentry_as *as, uint64_t addr, uint64_t len, uint64_t mf_off,
		  uint32_t prot)
{
	int memfd = as->pp->svc->mf_fd();
	return queue(as, SYS_mmap, addr, len, prot, MAP_SHARED | MAP_FIXED, (uint64_t)memfd,
		     mf_off);
}

static int as_unmap(struct sentry_as *as, uint64_t addr, uint64_t len)
{
	return queue(as, SYS_munmap, addr, len, 0, 0, 0, 0);
}

static int as_protect(struct sentry_as *as, uint64_t addr, uint64_t len, uint32_t prot)
{
	return queue(as, SYS_mprotect, addr, len, prot, 0, 0, 0);
}

/* Everything the application had lies below the stub region: one munmap clears it, and the
 * stub process, its threads and their tracers stay. */
static int as_reset(struct sentry_as *as)
{
	return as_unmap(as, MIN_USER_ADDR, as->pp->stub_base - MIN_USER_ADDR);
}

static int as_flush(struct sentry_as *as)
{
	pthread_mutex_lock(&as->lock);
	int rc = flush_locked(as);
	pthread_mutex_unlock(&as->lock);
	return rc;
}

static void as_release(struct sentry_as *as)
{
	stub_kill(as);
	as->pp->svc->mf_free(as->batch_off, 2 * STUB_PAGE);
	pthread_mutex_destroy(&as->lock);
	free(as);
}

int ptrace_as_new(void *state, struct sentry_as **ret_as)
{
	struct ptrace_platform *pp = state;
	struct sentry_as *as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->pp = pp;
	int rc = pp->svc->mf_alloc(2 * STUB_PAGE, &as->batch_off);
	if (rc < 0) {
		free(as);
		return rc;
	}
	as->batch = pp->svc->mf_ptr(as->batch_off);
	as->ctl = pp->svc->mf_ptr(as->batch_off + STUB_PAGE);
	as->batch->count = 0;
	pthread_mutex_init(&as->lock, NULL);
	rc = stub_spawn(pp, as);
	if (rc < 0) {
		pthread_mutex_destroy(&as->lock);
		pp->svc->mf_free(as->batch_off, 2 * STUB_PAGE);
		free(as);
		return rc;
	}
	*ret_as = as;
	return 0;
}

const struct sentry_as_ops g_ptrace_as_ops = {
	.map = as_map,
	.unmap = as_unmap,
	.protect = as_protect,
	.flush = as_flush,
	.release = as_release,
	.reset = as_reset,
};
