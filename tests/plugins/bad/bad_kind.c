/* Test plugin for the loader: a kind this core does not know. */
#include "bad_common.h"

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("bad-kind"), .kind = 9 },
	{ .magic = 0 },
};
