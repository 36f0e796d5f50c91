/* Test plugin for the loader: built for a future ABI major. */
#include "bad_common.h"

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("bad-major"), .abi_major = SENTRY_ABI_MAJOR + 1, .abi_minor = 3 },
	{ .magic = 0 },
};
