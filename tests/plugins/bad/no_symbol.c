/* Test plugin for the loader: exports a misspelt descriptor symbol. */
#include "bad_common.h"

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v0[] = {
	{ BAD_DESC("no-symbol") },
	{ .magic = 0 },
};
