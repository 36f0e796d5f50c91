/* Test plugin for the loader: a descriptor whose magic is wrong. */
#include "bad_common.h"

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("bad-magic"), .magic = 0xdeadbeefu },
	{ .magic = 0 },
};
