/*
 * A skeleton platform plugin: a starting point for a new platform, and the loader tests' good
 * platform. The ops are in skel_platform_ops.c, shared with the bad test plugins.
 */
#include "sentry/platform.h"
#include "sentry/plugin.h"

extern const struct sentry_platform_ops skel_platform_ops;

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic	     = SENTRY_PLUGIN_MAGIC,
		.abi_major   = SENTRY_ABI_MAJOR,
		.abi_minor   = SENTRY_ABI_MINOR,
		.desc_size   = sizeof(struct sentry_plugin),
		.kind	     = SENTRY_PLUGIN_PLATFORM,
		.name	     = "skel-platform",
		.version     = "0.1.0",
		.description = "skeleton platform: every operation is ENOSYS",
		.ops	     = &skel_platform_ops,
		.ops_size    = sizeof(skel_platform_ops),
	},
	{ .magic = 0 },
};
