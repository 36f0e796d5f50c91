/* Test plugin for the loader: two descriptors with the same name; the second is refused. */
#include "bad_common.h"

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("twin") },
	{ BAD_DESC("twin") },
	{ .magic = 0 },
};
