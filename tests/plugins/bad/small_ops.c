/* Test plugin for the loader: an ops table that stops before the mandatory slots end. */
#include "bad_common.h"

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("small-ops"), .ops_size = offsetof(struct sentry_platform_ops, ctx_new) },
	{ .magic = 0 },
};
