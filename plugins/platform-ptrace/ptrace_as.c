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

static int queue(struct sentry_as *as, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (as->dead)
		return -ECHILD;
	int rc = as->batch->count == STUB_BATCH_MAX ? stub_flush(as) : 0;
	if (rc < 0)
		return rc;
	as->batch->ops[as->batch->count++] = (struct stub_op){
		.nr = nr, .args = { a0, a1, a2, a3, a4, a5 }
	};
	return 0;
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

static int as_flush(struct sentry_as *as)
{
	return stub_flush(as);
}

static void as_release(struct sentry_as *as)
{
	stub_kill(as);
	as->pp->svc->mf_free(as->batch_off, STUB_PAGE);
	free(as);
}

int ptrace_as_new(void *state, struct sentry_as **ret_as)
{
	struct ptrace_platform *pp = state;
	struct sentry_as *as = calloc(1, sizeof(*as));
	if (!as)
		return -ENOMEM;
	as->pp = pp;
	int rc = pp->svc->mf_alloc(STUB_PAGE, &as->batch_off);
	if (rc < 0) {
		free(as);
		return rc;
	}
	as->batch = pp->svc->mf_ptr(as->batch_off);
	rc = stub_spawn(pp, as);
	if (rc < 0) {
		pp->svc->mf_free(as->batch_off, STUB_PAGE);
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
};
