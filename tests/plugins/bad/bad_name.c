/* Test plugin for the loader: a name with characters outside [a-z0-9_-]. */
#include "bad_common.h"

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("Bad Name!") },
	{ .magic = 0 },
};
