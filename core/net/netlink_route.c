/*
 * core/net/netlink_route.c: the kernel side of NETLINK_ROUTE (net/netlink/af_netlink.c's
 * netlink_rcv_skb and netlink_ack, net/core/rtnetlink.c's rtnetlink_rcv_msg), answering
 * RTM_GETLINK, RTM_GETADDR and RTM_GETROUTE from the network plugin's lists (netif.h).
 *
 * Requests are read through copies of their headers and with every length checked against
 * what is left of the send, so a malformed message can stop the processing (as Linux's, which
 * silently ignores the rest of the send) but never read past it. Replies are built in one
 * growing buffer per request, then cut into datagrams.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/netif.h"
#include "net/netlink_internal.h"

/* IFA_CACHEINFO's "forever" (INFINITY_LIFE_TIME). */
#define NL_FOREVER 0xffffffffu
/* IFLA_OPERSTATE values (linux/if.h, which clashes with net/if.h). */
enum { NL_OPER_UNKNOWN = 0, NL_OPER_DOWN = 2, NL_OPER_UP = 6 };

/* --- queues --- */

void nl_queue_init(struct nl_queue *q)
{
	*q = (struct nl_queue){ .tail = &q->head };
}

void nl_queue_clear(struct nl_queue *q)
{
	while (q->head) {
		struct nl_skb *next = q->head->next;
		free(q->head);
		q->head = next;
	}
	nl_queue_init(q);
}

void nl_queue_splice(struct nl_queue *to, struct nl_queue *from)
{
	if (!from->head)
		return;
	*to->tail = from->head;
	to->tail = from->tail;
	to->count += from->count;
	to->bytes += from->bytes;
	nl_queue_init(from);
}

/* --- the reply buffer --- */

struct nlb {
	char *p;
	size_t len;
	size_t cap;
	int err;	/* -ENOMEM: everything after is dropped */
};

/* @n bytes (aligned to NLMSG_ALIGNTO), zeroed; NULL once out of memory. The pointer is valid
 * until the next reservation. */
static void *nlb_reserve(struct nlb *b, size_t n)
{
	size_t an = NLMSG_ALIGN(n);
	if (b->err)
		return NULL;
	if (b->len + an > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + an)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->err = -ENOMEM;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	void *at = b->p + b->len;
	memset(at, 0, an);
	b->len += an;
	return at;
}

/* Starts a message; returns its offset, for msg_end. */
static size_t msg_begin(struct nlb *b, uint16_t type, uint16_t flags, uint32_t seq,
			uint32_t pid)
{
	size_t off = b->len;
	struct nlmsghdr *h = nlb_reserve(b, NLMSG_HDRLEN);
	if (h)
		*h = (struct nlmsghdr){ NLMSG_HDRLEN, type, flags, seq, pid };
	return off;
}

static void msg_end(struct nlb *b, size_t off)
{
	if (!b->err)
		((struct nlmsghdr *)(b->p + off))->nlmsg_len = (uint32_t)(b->len - off);
}

static void put_attr(struct nlb *b, uint16_t type, const void *data, size_t n)
{
	struct rtattr *a = nlb_reserve(b, RTA_LENGTH(n));
	if (!a)
		return;
	a->rta_len = (unsigned short)RTA_LENGTH(n);
	a->rta_type = type;
	memcpy(RTA_DATA(a), data, n);
}

static void put_u32(struct nlb *b, uint16_t type, uint32_t v)
{
	put_attr(b, type, &v, sizeof(v));
}

static void put_u8(struct nlb *b, uint16_t type, uint8_t v)
{
	put_attr(b, type, &v, sizeof(v));
}

static void put_str(struct nlb *b, uint16_t type, const char *s)
{
	put_attr(b, type, s, strlen(s) + 1);
}

/* Cuts @b's messages into datagrams of at most NL_GOODSIZE bytes onto @out, within r->room. */
static void nlb_emit(struct nlb *b, struct nl_rcv *r, struct nl_queue *out)
{
	size_t start = 0, cur = 0;
	if (b->err) {
		r->overrun = 1;
		return;
	}
	while (start < b->len) {
		size_t at = start + cur;
		if (at < b->len) {
			const struct nlmsghdr *h = (const struct nlmsghdr *)(b->p + at);
			size_t ml = NLMSG_ALIGN(h->nlmsg_len);
			if (cur == 0 || cur + ml <= NL_GOODSIZE) {
				cur += ml;
				continue;
			}
		}
		if (r->room <= 0) {
			r->overrun = 1;	/* netlink_overrun: the reader learns ENOBUFS */
			return;
		}
		struct nl_skb *skb = malloc(sizeof(*skb) + cur);
		if (!skb) {
			r->overrun = 1;
			return;
		}
		*skb = (struct nl_skb){ .len = cur };
		memcpy(skb->data, b->p + start, cur);
		*out->tail = skb;
		out->tail = &skb->next;
		out->count++;
		out->bytes += cur + NL_SKB_COST;
		r->room -= (long)(cur + NL_SKB_COST);
		start += cur;
		cur = 0;
	}
}

/* --- replies --- */

static int addr_size(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* rtnl_fill_ifinfo: what ip link, getifaddrs and if_nameindex read. */
static void fill_link(struct nlb *b, uint32_t pid, uint32_t seq, uint16_t flags,
		      const struct sentry_netif *nif)
{
	size_t off = msg_begin(b, RTM_NEWLINK, flags, seq, pid);
	struct ifinfomsg *ifi = nlb_reserve(b, sizeof(*ifi));
	if (!ifi)
		return;
	*ifi = (struct ifinfomsg){ .ifi_family = AF_UNSPEC, .ifi_type = nif->type,
				   .ifi_index = nif->index, .ifi_flags = netif_flags(nif) };
	int running = (nif->flags & IFF_RUNNING) != 0;
	put_str(b, IFLA_IFNAME, nif->name);
	put_u32(b, IFLA_TXQLEN, NETIF_TXQLEN);
	/* A loopback device never reports its operational state (NL_OPER_UNKNOWN). */
	put_u8(b, IFLA_OPERSTATE, netif_is_loopback(nif) ? NL_OPER_UNKNOWN
				  : running		 ? NL_OPER_UP
							 : NL_OPER_DOWN);
	put_u8(b, IFLA_LINKMODE, 0);
	put_u32(b, IFLA_MTU, nif->mtu);
	put_u32(b, IFLA_GROUP, 0);
	put_u32(b, IFLA_PROMISCUITY, 0);
	put_u32(b, IFLA_NUM_TX_QUEUES, 1);
	put_u32(b, IFLA_NUM_RX_QUEUES, 1);
	put_u8(b, IFLA_CARRIER, (uint8_t)running);
	put_str(b, IFLA_QDISC, "noqueue");
	if (nif->addr_len) {
		uint8_t brd[sizeof(nif->addr)];
		memset(brd, (nif->flags & IFF_BROADCAST) ? 0xff : 0, sizeof(brd));
		put_attr(b, IFLA_ADDRESS, nif->addr, nif->addr_len);
		put_attr(b, IFLA_BROADCAST, brd, nif->addr_len);
	}
	/* The plugins count no traffic: zeros, which getifaddrs hands out as ifa_data. */
	struct rtnl_link_stats64 st64 = { 0 };
	struct rtnl_link_stats st = { 0 };
	put_attr(b, IFLA_STATS64, &st64, sizeof(st64));
	put_attr(b, IFLA_STATS, &st, sizeof(st));
	msg_end(b, off);
}

/* inet_fill_ifaddr and inet6_fill_ifaddr. */
static void fill_addr(struct nlb *b, uint32_t pid, uint32_t seq, const struct netif_lists *l,
		      const struct sentry_netaddr *a)
{
	const struct sentry_netif *nif = netif_by_index(l, a->index);
	size_t off = msg_begin(b, RTM_NEWADDR, NLM_F_MULTI, seq, pid);
	struct ifaddrmsg *ifa = nlb_reserve(b, sizeof(*ifa));
	if (!ifa)
		return;
	*ifa = (struct ifaddrmsg){ .ifa_family = (uint8_t)a->family,
				   .ifa_prefixlen = a->prefix_len, .ifa_flags = IFA_F_PERMANENT,
				   .ifa_scope = a->scope, .ifa_index = (uint32_t)a->index };
	put_attr(b, IFA_ADDRESS, a->addr, (size_t)addr_size(a->family));
	if (a->family == AF_INET) {
		uint32_t brd;
		put_attr(b, IFA_LOCAL, a->addr, 4);
		if (netif_broadcast4(nif, a, &brd))
			put_u32(b, IFA_BROADCAST, brd);
		put_str(b, IFA_LABEL, nif->name);
	}
	put_u32(b, IFA_FLAGS, IFA_F_PERMANENT);
	struct ifa_cacheinfo ci = { .ifa_prefered = NL_FOREVER, .ifa_valid = NL_FOREVER };
	put_attr(b, IFA_CACHEINFO, &ci, sizeof(ci));
	msg_end(b, off);
}

/* Whether @a is inside prefix @dst/@len of its family. */
static int in_prefix(const struct sentry_netaddr *a, const uint8_t *dst, unsigned len)
{
	unsigned whole = len / 8, rest = len % 8;
	if (memcmp(a->addr, dst, whole))
		return 0;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return !rest || ((a->addr[whole] ^ dst[whole]) & mask) == 0;
}

/* fib_dump_info and rt6_fill_node for one route of the plugin's. */
static void fill_route(struct nlb *b, uint32_t pid, uint32_t seq, const struct netif_lists *l,
		       const struct sentry_netroute *rt)
{
	static const uint8_t zero[16];
	int sz = addr_size(rt->family), gw = memcmp(rt->gateway, zero, (size_t)sz) != 0;
	uint8_t table = rt->table ? rt->table : RT_TABLE_MAIN;
	size_t off = msg_begin(b, RTM_NEWROUTE, NLM_F_MULTI, seq, pid);
	struct rtmsg *m = nlb_reserve(b, sizeof(*m));
	if (!m)
		return;
	*m = (struct rtmsg){ .rtm_family = (uint8_t)rt->family, .rtm_dst_len = rt->dst_len,
			     .rtm_table = table,
			     .rtm_protocol = gw ? RTPROT_BOOT : RTPROT_KERNEL,
			     .rtm_scope = rt->scope,
			     .rtm_type = table == RT_TABLE_LOCAL ? RTN_LOCAL : RTN_UNICAST };
	put_u32(b, RTA_TABLE, table);
	if (rt->dst_len)
		put_attr(b, RTA_DST, rt->dst, (size_t)sz);
	if (rt->family == AF_INET6 && table == RT_TABLE_MAIN)
		put_u32(b, RTA_PRIORITY, 256);	/* IP6_RT_PRIO_USER */
	for (size_t i = 0; rt->family == AF_INET && i < l->naddrs; i++) {
		const struct sentry_netaddr *a = &l->addrs[i];
		if (a->family == AF_INET && a->index == rt->oif &&
		    in_prefix(a, rt->dst, rt->dst_len)) {
			put_attr(b, RTA_PREFSRC, a->addr, 4);
			break;
		}
	}
	if (gw)
		put_attr(b, RTA_GATEWAY, rt->gateway, (size_t)sz);
	put_u32(b, RTA_OIF, (uint32_t)rt->oif);
	msg_end(b, off);
}

/* A dump of @type for @family (AF_UNSPEC: every family, IPv4 first as rtnl_dump_all). */
static void dump(struct nlb *b, uint32_t pid, uint32_t seq, int type, int family,
		 const struct netif_lists *l)
{
	if (family != AF_INET && family != AF_INET6)
		family = AF_UNSPEC;
	if (type == RTM_GETLINK) {
		for (size_t i = 0; i < l->nifs; i++)
			fill_link(b, pid, seq, NLM_F_MULTI, &l->ifs[i]);
	}
	for (int f = AF_INET; f == AF_INET || f == AF_INET6; f = f == AF_INET ? AF_INET6 : 0) {
		if (family != AF_UNSPEC && family != f)
			continue;
		for (size_t i = 0; type == RTM_GETADDR && i < l->naddrs; i++) {
			if (l->addrs[i].family == f)
				fill_addr(b, pid, seq, l, &l->addrs[i]);
		}
		for (size_t i = 0; type == RTM_GETROUTE && i < l->nroutes; i++) {
			if (l->routes[i].family == f)
				fill_route(b, pid, seq, l, &l->routes[i]);
		}
	}
	size_t off = msg_begin(b, NLMSG_DONE, NLM_F_MULTI, seq, pid);
	int32_t *done = nlb_reserve(b, sizeof(*done));
	if (done)
		*done = 0;
	msg_end(b, off);
}

/* rtnl_getlink: one interface by index, else by IFLA_IFNAME. Returns 0, -EINVAL, -ENODEV. */
static int getlink(struct nlb *b, uint32_t pid, const struct nlmsghdr *h, const char *payload,
		   size_t plen, const struct netif_lists *l)
{
	struct ifinfomsg ifi;
	if (plen < sizeof(ifi))
		return -EINVAL;
	memcpy(&ifi, payload, sizeof(ifi));
	const struct sentry_netif *nif = NULL;
	if (ifi.ifi_index > 0) {
		nif = netif_by_index(l, ifi.ifi_index);
	} else {
		char name[IFNAMSIZ] = "";
		int have = 0;
		size_t at = NLMSG_ALIGN(sizeof(ifi));
		while (at + RTA_LENGTH(0) <= plen) {
			struct rtattr a;
			memcpy(&a, payload + at, sizeof(a));
			if (a.rta_len < RTA_LENGTH(0) || a.rta_len > plen - at)
				break;	/* nla_parse's liberal mode ignores a malformed tail */
			size_t n = a.rta_len - RTA_LENGTH(0);
			if (a.rta_type == IFLA_IFNAME) {
				const char *s = payload + at + RTA_LENGTH(0);
				size_t sl = strnlen(s, n);
				if (sl >= IFNAMSIZ)
					return -EINVAL;	/* NLA_STRING of at most IFNAMSIZ - 1 */
				memcpy(name, s, sl);
				name[sl] = 0;
				have = 1;
			}
			at += RTA_ALIGN(a.rta_len);
		}
		if (!have)
			return -EINVAL;
		nif = netif_by_name(l, name);
	}
	if (!nif)
		return -ENODEV;
	fill_link(b, pid, h->nlmsg_seq, 0, nif);
	return 0;
}

/* rtnetlink_rcv_msg for one request of @plen payload bytes. Returns 1 (a dump: no ack), 0 or
 * -errno (acked). */
static int rtnl_msg(struct nl_rcv *r, struct nlb *b, const struct nlmsghdr *h,
		    const char *payload, size_t plen)
{
	int type = h->nlmsg_type;
	if (type > RTM_MAX)
		return -EOPNOTSUPP;
	if (plen < sizeof(struct rtgenmsg))
		return 0;	/* "All the messages must have at least 1 byte length" */
	int family = (uint8_t)payload[0];
	int kind = (type - RTM_BASE) & 3;	/* rtnl_msgtype_kind: NEW, DEL, GET, SET */
	if (kind != 2)
		return r->net_admin ? -EOPNOTSUPP : -EPERM;	/* the plugin owns the config */
	struct netif_lists l;
	int rc = netif_lists_get(&l);
	if (rc < 0)
		return rc;
	if (h->nlmsg_flags & NLM_F_DUMP) {
		/* Other tables (neighbours, rules, qdiscs...) have no entries here. */
		dump(b, r->portid, h->nlmsg_seq, type, family, &l);
		rc = 1;
	} else if (type == RTM_GETLINK) {
		rc = getlink(b, r->portid, h, payload, plen, &l);
	} else {
		rc = -EOPNOTSUPP;
	}
	netif_lists_fini(&l);
	return rc;
}

/* netlink_ack: an NLMSG_ERROR carrying @err and the request's header, and its payload for an
 * error unless NETLINK_CAP_ACK. */
static void put_ack(struct nlb *b, const struct nl_rcv *r, const struct nlmsghdr *h,
		    const char *msg, int err)
{
	int capped = !err || r->cap_ack;
	size_t plen = capped ? 0 : h->nlmsg_len - NLMSG_HDRLEN;
	size_t off = msg_begin(b, NLMSG_ERROR, capped ? NLM_F_CAPPED : 0, h->nlmsg_seq, r->portid);
	struct nlmsgerr *e = nlb_reserve(b, sizeof(*e));
	if (!e)
		return;
	e->error = err;
	e->msg = *h;
	char *rest = nlb_reserve(b, plen);
	if (!rest)
		return;
	memcpy(rest, msg + NLMSG_HDRLEN, plen);
	/* nlmsg_put: the length is the unpadded one, the datagram the padded one. */
	((struct nlmsghdr *)(b->p + off))->nlmsg_len =
		(uint32_t)(NLMSG_HDRLEN + sizeof(*e) + plen);
}

int rtnl_rcv(struct nl_rcv *r, const void *buf, size_t len, struct nl_queue *out)
{
	const char *p = buf;
	while (len >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > len)
			return 0;	/* the rest of the send is ignored */
		struct nlb b = { 0 };
		int err = 0;
		/* Only requests are handled; control messages are only acknowledged. */
		if ((h.nlmsg_flags & NLM_F_REQUEST) && h.nlmsg_type >= NLMSG_MIN_TYPE)
			err = rtnl_msg(r, &b, &h, p + NLMSG_HDRLEN, h.nlmsg_len - NLMSG_HDRLEN);
		if (err == -ENOMEM)
			b.err = err;
		else if (err != 1 && ((h.nlmsg_flags & NLM_F_ACK) || err))
			put_ack(&b, r, &h, p, err);
		nlb_emit(&b, r, out);
		free(b.p);
		size_t ml = NLMSG_ALIGN(h.nlmsg_len);
		if (ml > len)
			ml = len;
		p += ml;
		len -= ml;
	}
	return 0;
}
