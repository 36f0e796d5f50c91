/* Test plugin for the loader: an array without the end marker; the loader stops at the symbol size. */
#include "bad_common.h"

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{ BAD_DESC("unterminated") },
};
