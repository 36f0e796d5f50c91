/*
 * A skeleton network plugin: declines every socket and reports one loopback interface, as a
 * fresh network namespace has after `ip link set lo up`. The lists follow net.h's protocol:
 * fill at most @count entries, return how many exist.
 */
#include <errno.h>
#include <string.h>

#include "sentry/net.h"
#include "sentry/plugin.h"

static int skel_socket(void *state, const struct sentry_creds *creds, int family, int type,
		       int protocol, struct sentry_socket **ret_sock)
{
	return -EAFNOSUPPORT;
}

/* Linux's values (linux/if.h, linux/if_arp.h, linux/rtnetlink.h, sys/socket.h). */
#define SKEL_IFF_UP 0x1
#define SKEL_IFF_LOOPBACK 0x8
#define SKEL_IFF_RUNNING 0x40
#define SKEL_ARPHRD_LOOPBACK 772
#define SKEL_AF_INET 2
#define SKEL_AF_INET6 10
#define SKEL_RT_SCOPE_HOST 254
#define SKEL_RT_TABLE_LOCAL 255

static const struct sentry_netif skel_ifs[] = {
	{ .index = 1, .flags = SKEL_IFF_UP | SKEL_IFF_LOOPBACK | SKEL_IFF_RUNNING, .mtu = 65536,
	  .type = SKEL_ARPHRD_LOOPBACK, .addr_len = 6, .name = "lo" },
};

static const struct sentry_netaddr skel_addrs[] = {
	{ .index = 1, .family = SKEL_AF_INET, .prefix_len = 8, .scope = SKEL_RT_SCOPE_HOST,
	  .addr = { 127, 0, 0, 1 } },
	{ .index = 1, .family = SKEL_AF_INET6, .prefix_len = 128, .scope = SKEL_RT_SCOPE_HOST,
	  .addr = { [15] = 1 } },
};

static const struct sentry_netroute skel_routes[] = {
	{ .family = SKEL_AF_INET, .oif = 1, .dst_len = 8, .scope = SKEL_RT_SCOPE_HOST,
	  .table = SKEL_RT_TABLE_LOCAL, .dst = { 127 } },
};

#define SKEL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int skel_if_list(void *state, struct sentry_netif *buf, size_t count)
{
	memcpy(buf, skel_ifs, sizeof(*buf) * (count < SKEL_COUNT(skel_ifs) ? count
									: SKEL_COUNT(skel_ifs)));
	return (int)SKEL_COUNT(skel_ifs);
}

static int skel_addr_list(void *state, struct sentry_netaddr *buf, size_t count)
{
	memcpy(buf, skel_addrs, sizeof(*buf) * (count < SKEL_COUNT(skel_addrs)
							? count
							: SKEL_COUNT(skel_addrs)));
	return (int)SKEL_COUNT(skel_addrs);
}

static int skel_route_list(void *state, struct sentry_netroute *buf, size_t count)
{
	memcpy(buf, skel_routes, sizeof(*buf) * (count < SKEL_COUNT(skel_routes)
							 ? count
							 : SKEL_COUNT(skel_routes)));
	return (int)SKEL_COUNT(skel_routes);
}

static const struct sentry_net_ops skel_net_ops = {
	.socket	    = skel_socket,
	.if_list    = skel_if_list,
	.addr_list  = skel_addr_list,
	.route_list = skel_route_list,
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
