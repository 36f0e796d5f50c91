/*
 * The skeleton platform's ops: every mandatory slot present and answering -ENOSYS (but info,
 * which describes it), every optional slot NULL. skel_platform.c puts a descriptor in front of them; each bad test plugin
 * puts a broken one.
 */
#include <errno.h>

#include "sentry/platform.h"
#include "sentry/plugin.h"

/* A skeleton still describes itself, so the core can compose a Sentry around it. */
static int skel_info(void *state, struct sentry_platform_info *ret_info)
{
	ret_info->min_user_addr = 0x10000;
	ret_info->max_user_addr = 0x7fffffffe000;
	ret_info->fpu_size = 4096;
	ret_info->flags = 0;
	return 0;
}

static int skel_as_new(void *state, struct sentry_as **ret_as)
{
	return -ENOSYS;
}

static int skel_ctx_new(void *state, int cpu_hint, struct sentry_ctx **ret_ctx)
{
	return -ENOSYS;
}

static int skel_map(struct sentry_as *as, uint64_t addr, uint64_t len, uint64_t mf_off,
		    uint32_t prot)
{
	return -ENOSYS;
}

static int skel_unmap(struct sentry_as *as, uint64_t addr, uint64_t len)
{
	return -ENOSYS;
}

static void skel_as_release(struct sentry_as *as)
{
}

static int skel_switch_to(struct sentry_ctx *ctx, struct sentry_as *as,
			  struct sentry_cpu_state *cpu, struct sentry_exit *ret_exit)
{
	return -ENOSYS;
}

static void skel_interrupt(struct sentry_ctx *ctx)
{
}

static void skel_ctx_release(struct sentry_ctx *ctx)
{
}

static const struct sentry_as_ops skel_as_ops = {
	.map	 = skel_map,
	.unmap	 = skel_unmap,
	.release = skel_as_release,
};

static const struct sentry_ctx_ops skel_ctx_ops = {
	.switch_to = skel_switch_to,
	.interrupt = skel_interrupt,
	.release   = skel_ctx_release,
};

/* Shared with the bad-plugin variants, which each break one thing. */
const struct sentry_platform_ops skel_platform_ops = {
	.info	      = skel_info,
	.as_new	      = skel_as_new,
	.ctx_new      = skel_ctx_new,
	.as_ops	      = &skel_as_ops,
	.as_ops_size  = sizeof(skel_as_ops),
	.ctx_ops      = &skel_ctx_ops,
	.ctx_ops_size = sizeof(skel_ctx_ops),
};
