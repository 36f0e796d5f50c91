/*
 * core/net/netif.h: the interfaces, addresses and routes the network plugin reports, as the
 * core's netlink (netlink_route.c) and SIOCGIF* ioctls (netif.c) see them.
 *
 * One lister fetches the plugin's three lists with net.h's protocol (a count larger than the
 * buffer asks for a larger one) and checks each entry, so neither user trusts the plugin's
 * data: names are NUL-terminated, lengths within their arrays, families AF_INET or AF_INET6.
 * Without a network plugin every list is empty, as a kernel with no interfaces.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/net.h"

struct sock;
struct task;

/* Linux's tx_queue_len default (DEFAULT_TX_QUEUE_LEN), which the plugin ABI does not carry. */
#define NETIF_TXQLEN 1000

/* A snapshot of the plugin's lists, owned by the caller (netif_lists_fini). */
struct netif_lists {
	struct sentry_netif *ifs;	/* interfaces, in the plugin's order */
	size_t nifs;
	struct sentry_netaddr *addrs;	/* addresses, each on an interface of ifs */
	size_t naddrs;
	struct sentry_netroute *routes;
	size_t nroutes;
};

/* Fills @ret from the network plugin. Returns 0, -ENOMEM, or the plugin's -errno (-EIO for a
 * result out of range). */
int netif_lists_get(struct netif_lists *ret);
void netif_lists_fini(struct netif_lists *l);

/* The interface of index @index or name @name (at most IFNAMSIZ bytes), borrowed from @l, or
 * NULL. */
const struct sentry_netif *netif_by_index(const struct netif_lists *l, int index);
const struct sentry_netif *netif_by_name(const struct netif_lists *l, const char *name);

/* The IFF_* flags Linux reports for @nif (dev_get_flags: IFF_LOWER_UP with IFF_RUNNING). */
uint32_t netif_flags(const struct sentry_netif *nif);

/* Whether @nif is the loopback interface. */
int netif_is_loopback(const struct sentry_netif *nif);

/* The broadcast address of IPv4 address @a on @nif into @ret (network order). Returns 1, or 0
 * when it has none (no IFF_BROADCAST, or a /31 or /32), as Linux's inet_set_ifa. */
int netif_broadcast4(const struct sentry_netif *nif, const struct sentry_netaddr *a,
		     uint32_t *ret);

/* SIOCGIF* and friends on socket @s for @t (sock_do_ioctl's fallback to dev_ioctl, and
 * devinet_ioctl for AF_INET sockets). Returns 1 with *ret_rc the ioctl's result (0, -EFAULT,
 * -ENODEV, -EADDRNOTAVAIL, -EPERM for SIOCSIF*, -ENOTTY), or 0 when @cmd is not one of them. */
int netif_ioctl(struct sock *s, struct task *t, uint32_t cmd, uint64_t arg, int64_t *ret_rc);
