/* Test plugin for the loader: a NULL mandatory slot in a nested table (context interrupt). */
#include <errno.h>

#include "bad_common.h"

static int fake_switch(struct sentry_ctx *c, struct sentry_as *as, struct sentry_cpu_state *cpu,
		       struct sentry_exit *e)
{
	return -ENOSYS;
}

static void fake_release(struct sentry_ctx *c)
{
}

static const struct sentry_ctx_ops ctx_no_interrupt = {
	.switch_to = fake_switch,
	.interrupt = NULL,
	.release   = fake_release,
};

static struct sentry_platform_ops nested_ops;

/* The table differs from the skeleton in one slot; build it before the loader reads it. */
__attribute__((constructor)) static void nested_setup(void)
{
	nested_ops = skel_platform_ops;
	nested_ops.ctx_ops = &ctx_no_interrupt;
	nested_ops.ctx_ops_size = sizeof(ctx_no_interrupt);
}

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("null-nested"), .ops = &nested_ops },
	{ .magic = 0 },
};
