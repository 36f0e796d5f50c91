/* Test plugin for the loader: a NULL mandatory slot (ctx_new) in the kind's own table. */
#include <errno.h>

#include "bad_common.h"

static struct sentry_platform_ops broken_ops;

/* The table differs from the skeleton in one slot; build it before the loader reads it. */
__attribute__((constructor)) static void broken_setup(void)
{
	broken_ops = skel_platform_ops;
	broken_ops.ctx_new = NULL;
}

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("null-mandatory"), .ops = &broken_ops },
	{ .magic = 0 },
};
