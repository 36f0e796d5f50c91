/*
 * core/net/netif.c: the network plugin's interface lists (see netif.h) and the SIOCGIF*
 * ioctls answered from them (net/core/dev_ioctl.c, net/ipv4/devinet.c's devinet_ioctl).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "net/netif.h"
#include "net/socket.h"
#include "plugin/plugin.h"

/* linux/if.h's, which net/if.h lacks. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/* Entries one list may have; a plugin claiming more is refused with -ENOMEM. */
#define NETIF_LIST_MAX 65536

enum { LIST_IFS, LIST_ADDRS, LIST_ROUTES };

static long call_list(const struct net_stack *st, int which, void *buf, size_t count)
{
	switch (which) {
	case LIST_IFS:
		return st->ops->if_list(st->state, buf, count);
	case LIST_ADDRS:
		return st->ops->addr_list(st->state, buf, count);
	default:
		if (!SENTRY_OPS_HAS(st->ops, st->ops_size, route_list))
			return 0;
		return st->ops->route_list(st->state, buf, count);
	}
}

/* One list of @size-byte entries into *@ret (freed by the caller), retrying with the count the
 * plugin asked for while the list grows under us. */
static int fetch(const struct net_stack *st, int which, size_t size, void **ret, size_t *ret_n)
{
	size_t cap = 8;
	for (int tries = 0; tries < 8; tries++) {
		void *buf = calloc(cap, size);
		if (!buf)
			return -ENOMEM;
		long rc = call_list(st, which, buf, cap);
		if (st->plugin)
			rc = plg_check_rc(st->plugin, rc);
		if (rc >= 0 && (size_t)rc <= cap) {
			*ret = buf;
			*ret_n = (size_t)rc;
			return 0;
		}
		free(buf);
		if (rc < 0)
			return (int)rc;
		if (rc > NETIF_LIST_MAX)
			return -ENOMEM;
		cap = (size_t)rc + 8;
	}
	return -EAGAIN;
}

static int addr_size(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* Drops what no caller could use and bounds every length (STYLE.md: plugins are checked). */
static void sanitize(struct netif_lists *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->nifs; i++) {
		struct sentry_netif *nif = &l->ifs[i];
		nif->name[sizeof(nif->name) - 1] = 0;
		if (nif->addr_len > sizeof(nif->addr))
			nif->addr_len = sizeof(nif->addr);
		if (nif->index > 0 && nif->name[0])
			l->ifs[n++] = *nif;
	}
	l->nifs = n;
	n = 0;
	for (size_t i = 0; i < l->naddrs; i++) {
		struct sentry_netaddr *a = &l->addrs[i];
		int sz = addr_size(a->family);
		if (sz && a->prefix_len <= sz * 8 && netif_by_index(l, a->index))
			l->addrs[n++] = *a;
	}
	l->naddrs = n;
	n = 0;
	for (size_t i = 0; i < l->nroutes; i++) {
		struct sentry_netroute *r = &l->routes[i];
		int sz = addr_size(r->family);
		if (sz && r->dst_len <= sz * 8)
			l->routes[n++] = *r;
	}
	l->nroutes = n;
}

int netif_lists_get(struct netif_lists *ret)
{
	struct net_stack st;
	net_stack_get(&st);
	struct netif_lists l = { 0 };
	int rc = 0;
	if (st.ops) {
		rc = fetch(&st, LIST_IFS, sizeof(*l.ifs), (void **)&l.ifs, &l.nifs);
		if (rc == 0)
			rc = fetch(&st, LIST_ADDRS, sizeof(*l.addrs), (void **)&l.addrs, &l.naddrs);
		if (rc == 0)
			rc = fetch(&st, LIST_ROUTES, sizeof(*l.routes), (void **)&l.routes,
				   &l.nroutes);
	}
	if (rc < 0) {
		netif_lists_fini(&l);
		return rc;
	}
	sanitize(&l);
	*ret = l;
	return 0;
}

void netif_lists_fini(struct netif_lists *l)
{
	free(l->ifs);
	free(l->addrs);
	free(l->routes);
	*l = (struct netif_lists){ 0 };
}

const struct sentry_netif *netif_by_index(const struct netif_lists *l, int index)
{
	for (size_t i = 0; i < l->nifs; i++) {
		if (l->ifs[i].index == index)
			return &l->ifs[i];
	}
	return NULL;
}

const struct sentry_netif *netif_by_name(const struct netif_lists *l, const char *name)
{
	for (size_t i = 0; i < l->nifs; i++) {
		if (strncmp(l->ifs[i].name, name, IFNAMSIZ) == 0)
			return &l->ifs[i];
	}
	return NULL;
}

uint32_t netif_flags(const struct sentry_netif *nif)
{
	uint32_t f = nif->flags & ~(uint32_t)IFF_LOWER_UP;
	return (f & IFF_RUNNING) ? f | IFF_LOWER_UP : f;
}

int netif_is_loopback(const struct sentry_netif *nif)
{
	return (nif->flags & IFF_LOOPBACK) || nif->type == ARPHRD_LOOPBACK;
}

int netif_broadcast4(const struct sentry_netif *nif, const struct sentry_netaddr *a,
		     uint32_t *ret)
{
	if (!(nif->flags & IFF_BROADCAST) || a->prefix_len >= 31)
		return 0;
	uint32_t addr;
	memcpy(&addr, a->addr, 4);
	*ret = addr | htonl(~0u >> a->prefix_len);
	return 1;
}

/* --- the ioctls --- */

/* SIOCGIFCONF (dev_ifconf, inet_gifconf): one struct ifreq per IPv4 address, labelled with its
 * interface; a NULL buffer asks for the length. */
static int64_t gifconf(struct task *t, const struct netif_lists *l, uint64_t arg)
{
	struct ifconf ifc;
	if (mm_copy_in(t->mm, arg, &ifc, sizeof(ifc)) < 0)
		return -EFAULT;
	uint64_t buf = (uint64_t)(uintptr_t)ifc.ifc_buf;
	int len = ifc.ifc_len, total = 0;
	for (size_t i = 0; i < l->naddrs; i++) {
		const struct sentry_netaddr *a = &l->addrs[i];
		if (a->family != AF_INET)
			continue;
		if (buf) {
			if (len - total < (int)sizeof(struct ifreq))
				break;
			struct ifreq r;
			memset(&r, 0, sizeof(r));
			memcpy(r.ifr_name, netif_by_index(l, a->index)->name, IFNAMSIZ);
			struct sockaddr_in *sin = (struct sockaddr_in *)&r.ifr_addr;
			sin->sin_family = AF_INET;
			memcpy(&sin->sin_addr, a->addr, 4);
			if (mm_copy_out(t->mm, buf + (uint64_t)total, &r, sizeof(r)) < 0)
				return -EFAULT;
		}
		total += (int)sizeof(struct ifreq);
	}
	return mm_copy_out(t->mm, arg + offsetof(struct ifconf, ifc_len), &total,
			   sizeof(total)) < 0 ? -EFAULT : 0;
}

/* devinet_ioctl's getters: the interface's first IPv4 address labelled as @r names it. */
static int64_t inet_get(const struct netif_lists *l, uint32_t cmd, struct ifreq *r)
{
	char *colon = strchr(r->ifr_name, ':');
	if (colon)
		*colon = 0;
	const struct sentry_netif *nif = netif_by_name(l, r->ifr_name);
	if (!nif)
		return -ENODEV;
	if (colon)
		return -EADDRNOTAVAIL;	/* aliases are labels the plugins never report */
	const struct sentry_netaddr *a = NULL;
	for (size_t i = 0; i < l->naddrs && !a; i++) {
		if (l->addrs[i].index == nif->index && l->addrs[i].family == AF_INET)
			a = &l->addrs[i];
	}
	if (!a)
		return -EADDRNOTAVAIL;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint32_t v;
	if (cmd == SIOCGIFNETMASK)
		v = a->prefix_len ? htonl(~0u << (32 - a->prefix_len)) : 0;
	else if (cmd == SIOCGIFBRDADDR)
		v = netif_broadcast4(nif, a, &v) ? v : 0;
	else
		memcpy(&v, a->addr, 4);
	sin.sin_addr.s_addr = v;
	memcpy(&r->ifr_addr, &sin, sizeof(sin));
	return 0;
}

/* dev_ioctl's getters on the interface @r names (or, for SIOCGIFNAME, numbers). */
static int64_t dev_get(const struct netif_lists *l, uint32_t cmd, struct ifreq *r)
{
	const struct sentry_netif *nif;
	if (cmd == SIOCGIFNAME) {
		nif = netif_by_index(l, r->ifr_ifindex);
		if (!nif)
			return -ENODEV;
		memcpy(r->ifr_name, nif->name, IFNAMSIZ);
		return 0;
	}
	char *colon = strchr(r->ifr_name, ':');
	if (colon)
		*colon = 0;
	nif = netif_by_name(l, r->ifr_name);
	if (colon)
		*colon = ':';
	if (!nif)
		return -ENODEV;
	switch (cmd) {
	case SIOCGIFFLAGS:
		r->ifr_flags = (short)netif_flags(nif);
		break;
	case SIOCGIFMETRIC:
		r->ifr_metric = 0;
		break;
	case SIOCGIFMTU:
		r->ifr_mtu = (int)nif->mtu;
		break;
	case SIOCGIFINDEX:
		r->ifr_ifindex = nif->index;
		break;
	case SIOCGIFTXQLEN:
		r->ifr_qlen = NETIF_TXQLEN;
		break;
	case SIOCGIFMAP:
		memset(&r->ifr_map, 0, sizeof(r->ifr_map));
		break;
	default: /* SIOCGIFHWADDR */
		memset(&r->ifr_hwaddr, 0, sizeof(r->ifr_hwaddr));
		r->ifr_hwaddr.sa_family = nif->type;
		memcpy(r->ifr_hwaddr.sa_data, nif->addr,
		       nif->addr_len < sizeof(r->ifr_hwaddr.sa_data) ? nif->addr_len
								 : sizeof(r->ifr_hwaddr.sa_data));
		break;
	}
	return 0;
}

/* The kinds of interface request, as Linux routes them. */
enum ifreq_kind {
	IFREQ_NONE = 0,	/* not one of them: the protocol's ioctl */
	IFREQ_INET,	/* devinet_ioctl's getters (AF_INET sockets only) */
	IFREQ_DEV,	/* dev_ioctl's getters */
	IFREQ_SET,	/* any setter: -EPERM */
	IFREQ_CONF,	/* SIOCGIFCONF */
};

/* What kind of request @cmd is on @s. */
static enum ifreq_kind classify(const struct sock *s, uint32_t cmd)
{
	switch (cmd) {
	case SIOCGIFCONF:
		return IFREQ_CONF;
	case SIOCGIFADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFBRDADDR:
	case SIOCGIFDSTADDR:
		return s->family == AF_INET ? IFREQ_INET : IFREQ_NONE;
	case SIOCSIFADDR:
	case SIOCSIFNETMASK:
	case SIOCSIFBRDADDR:
	case SIOCSIFDSTADDR:
		return s->family == AF_INET ? IFREQ_SET : IFREQ_NONE;
	case SIOCGIFFLAGS:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
	case SIOCGIFMAP:
	case SIOCGIFHWADDR:
	case SIOCGIFNAME:
		return IFREQ_DEV;
	case SIOCSIFFLAGS:
	case SIOCSIFMETRIC:
	case SIOCSIFMTU:
	case SIOCSIFMAP:
	case SIOCSIFHWADDR:
	case SIOCSIFTXQLEN:
	case SIOCSIFNAME:
	case SIOCSIFHWBROADCAST:
	case SIOCADDMULTI:
	case SIOCDELMULTI:
		return IFREQ_SET;
	default:
		return IFREQ_NONE;
	}
}

int netif_ioctl(struct sock *s, struct task *t, uint32_t cmd, uint64_t arg, int64_t *ret_rc)
{
	enum ifreq_kind kind = classify(s, cmd);
	if (!kind)
		return 0;
	struct netif_lists l;
	struct ifreq r;
	if (kind != IFREQ_CONF && mm_copy_in(t->mm, arg, &r, sizeof(r)) < 0) {
		*ret_rc = -EFAULT;
		return 1;
	}
	r.ifr_name[IFNAMSIZ - 1] = 0;
	/* The interfaces cannot be changed from inside: the plugin owns them. */
	if (kind == IFREQ_SET) {
		*ret_rc = -EPERM;
		return 1;
	}
	int64_t rc = netif_lists_get(&l);
	if (rc < 0) {
		*ret_rc = rc;
		return 1;
	}
	if (kind == IFREQ_CONF)
		rc = gifconf(t, &l, arg);
	else
		rc = kind == IFREQ_INET ? inet_get(&l, cmd, &r) : dev_get(&l, cmd, &r);
	if (rc == 0 && kind != IFREQ_CONF && mm_copy_out(t->mm, arg, &r, sizeof(r)) < 0)
		rc = -EFAULT;
	netif_lists_fini(&l);
	*ret_rc = rc;
	return 1;
}
