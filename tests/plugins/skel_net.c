/*
 * A skeleton network plugin: declines every socket, lists no interfaces.
 */
#include <errno.h>

#include "sentry/net.h"
#include "sentry/plugin.h"

static int skel_socket(void *state, const struct sentry_creds *creds, int family, int type,
		       int protocol, struct sentry_socket **ret_sock)
{
	return -EAFNOSUPPORT;
}

static int skel_if_list(void *state, struct sentry_netif *buf, size_t count)
{
	return 0;
}

static int skel_addr_list(void *state, struct sentry_netaddr *buf, size_t count)
{
	return 0;
}

static const struct sentry_net_ops skel_net_ops = {
	.socket	   = skel_socket,
	.if_list   = skel_if_list,
	.addr_list = skel_addr_list,
};

/* A plugin that needs host calls after confinement says so; the core composes the filter. */
static const struct sentry_host_rule skel_rules[] = {
	{ .nr = 7 /* poll */ },
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic		 = SENTRY_PLUGIN_MAGIC,
		.abi_major	 = SENTRY_ABI_MAJOR,
		.abi_minor	 = SENTRY_ABI_MINOR,
		.desc_size	 = sizeof(struct sentry_plugin),
		.kind		 = SENTRY_PLUGIN_NET,
		.name		 = "skel-net",
		.version	 = "0.1.0",
		.ops		 = &skel_net_ops,
		.ops_size	 = sizeof(skel_net_ops),
		.host_rules	 = skel_rules,
		.host_rule_count = sizeof(skel_rules) / sizeof(skel_rules[0]),
	},
	{ .magic = 0 },
};
