/*
 * Shared by the bad test plugins: each is the skeleton platform's ops (skel_platform_ops.c)
 * behind a descriptor that breaks exactly one rule.
 */
#pragma once

/* BAD_DESC gives every field; each plugin then overrides the one it breaks, on purpose. */
#pragma GCC diagnostic ignored "-Woverride-init"

#include <stddef.h>

#include "sentry/platform.h"
#include "sentry/plugin.h"

extern const struct sentry_platform_ops skel_platform_ops;

/* A valid descriptor for @name; each bad plugin overrides one field after this. */
#define BAD_DESC(plugin_name)                                                                  \
	.magic = SENTRY_PLUGIN_MAGIC, .abi_major = SENTRY_ABI_MAJOR,                            \
	.abi_minor = SENTRY_ABI_MINOR, .desc_size = sizeof(struct sentry_plugin),               \
	.kind = SENTRY_PLUGIN_PLATFORM, .name = plugin_name, .version = "0.0.1",                \
	.ops = &skel_platform_ops, .ops_size = sizeof(struct sentry_platform_ops)
