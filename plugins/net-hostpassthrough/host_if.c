/*
 * plugins/net-hostpassthrough/host_if.c: interfaces, addresses and routes of the Sentry's
 * network namespace, from a netlink dump (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE), for the
 * core's netlink sockets and SIOCGIF* ioctls.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "host.h"

/* Called per message of a dump with the running count; fills slot @n when @n < @count. */
typedef void (*dump_fn)(const struct nlmsghdr *h, void *buf, size_t n, size_t count,
			int *took);

static int dump(int type, size_t hdr_len, dump_fn fn, void *buf, size_t count)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	struct {
		struct nlmsghdr h;
		char body[sizeof(struct rtmsg) > sizeof(struct ifinfomsg) ? sizeof(struct rtmsg)
									 : sizeof(struct ifinfomsg)];
	} req;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(hdr_len);
	req.h.nlmsg_type = (uint16_t)type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	/* Every dump header starts with its family byte; AF_UNSPEC asks for all. */
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int rc = 0;
	size_t n = 0;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		rc = -errno;
	/* A dump message fits in a page-sized skb; 64 KiB takes several at once. */
	enum { RBUF = 65536 };
	char *rbuf = rc == 0 ? malloc(RBUF) : NULL;
	if (rc == 0 && !rbuf)
		rc = -ENOMEM;
	for (int done = 0; rc == 0 && !done;) {
		ssize_t got = recv(fd, rbuf, RBUF, 0);
		if (got < 0) {
			rc = -errno;
			break;
		}
		size_t left = (size_t)got;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				rc = e->error < 0 ? e->error : -EIO;
				break;
			}
			if (h->nlmsg_len < NLMSG_LENGTH(hdr_len))
				continue;
			int took = 0;
			fn(h, buf, n, count, &took);
			n += took;
		}
		if (got == 0)
			break;
	}
	free(rbuf);
	close(fd);
	return rc < 0 ? rc : (int)n;
}

static void link_one(const struct nlmsghdr *h, void *vbuf, size_t n, size_t count, int *took)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	struct sentry_netif x = { .index = ifi->ifi_index, .flags = ifi->ifi_flags,
				  .type = ifi->ifi_type };
	int len = (int)IFLA_PAYLOAD(h);
	for (const struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t alen = RTA_PAYLOAD(a);
		if (a->rta_type == IFLA_IFNAME) {
			size_t k = alen < sizeof(x.name) - 1 ? alen : sizeof(x.name) - 1;
			memcpy(x.name, RTA_DATA(a), k);
			x.name[k] = 0;
		} else if (a->rta_type == IFLA_MTU && alen >= sizeof(uint32_t)) {
			memcpy(&x.mtu, RTA_DATA(a), sizeof(x.mtu));
		} else if (a->rta_type == IFLA_ADDRESS && alen <= sizeof(x.addr)) {
			memcpy(x.addr, RTA_DATA(a), alen);
			x.addr_len = (uint16_t)alen;
		}
	}
	*took = 1;
	if (n < count)
		((struct sentry_netif *)vbuf)[n] = x;
}

static void addr_one(const struct nlmsghdr *h, void *vbuf, size_t n, size_t count, int *took)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return;
	struct sentry_netaddr x = { .index = (int32_t)ifa->ifa_index, .family = ifa->ifa_family,
				    .prefix_len = ifa->ifa_prefixlen, .scope = ifa->ifa_scope };
	size_t want = ifa->ifa_family == AF_INET ? 4 : 16;
	int have_local = 0, len = (int)IFA_PAYLOAD(h);
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (RTA_PAYLOAD(a) != want)
			continue;
		/* IFA_LOCAL is the interface's own address; IFA_ADDRESS the peer's on a
		 * point-to-point link, so LOCAL wins when both are there. */
		if (a->rta_type == IFA_LOCAL) {
			memcpy(x.addr, RTA_DATA(a), want);
			have_local = 1;
		} else if (a->rta_type == IFA_ADDRESS && !have_local) {
			memcpy(x.addr, RTA_DATA(a), want);
		}
	}
	*took = 1;
	if (n < count)
		((struct sentry_netaddr *)vbuf)[n] = x;
}

static void route_one(const struct nlmsghdr *h, void *vbuf, size_t n, size_t count, int *took)
{
	const struct rtmsg *rt = NLMSG_DATA(h);
	/* The local and broadcast tables' entries are the kernel's, not routes one lists. */
	if ((rt->rtm_family != AF_INET && rt->rtm_family != AF_INET6) ||
	    rt->rtm_type != RTN_UNICAST)
		return;
	struct sentry_netroute x = { .family = rt->rtm_family, .dst_len = rt->rtm_dst_len,
				     .scope = rt->rtm_scope, .table = rt->rtm_table };
	size_t want = rt->rtm_family == AF_INET ? 4 : 16;
	uint32_t table = rt->rtm_table;
	int len = (int)RTM_PAYLOAD(h);
	for (const struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		size_t alen = RTA_PAYLOAD(a);
		if (a->rta_type == RTA_DST && alen == want)
			memcpy(x.dst, RTA_DATA(a), want);
		else if (a->rta_type == RTA_GATEWAY && alen == want)
			memcpy(x.gateway, RTA_DATA(a), want);
		else if (a->rta_type == RTA_OIF && alen >= sizeof(int32_t))
			memcpy(&x.oif, RTA_DATA(a), sizeof(x.oif));
		else if (a->rta_type == RTA_TABLE && alen >= sizeof(uint32_t))
			memcpy(&table, RTA_DATA(a), sizeof(table));
	}
	if (table > 255)
		return;		/* a policy-routing table the one-byte field cannot name */
	x.table = (uint8_t)table;
	*took = 1;
	if (n < count)
		((struct sentry_netroute *)vbuf)[n] = x;
}

int hn_if_list(void *state, struct sentry_netif *buf, size_t count)
{
	(void)state;
	return dump(RTM_GETLINK, sizeof(struct ifinfomsg), link_one, buf, count);
}

int hn_addr_list(void *state, struct sentry_netaddr *buf, size_t count)
{
	(void)state;
	return dump(RTM_GETADDR, sizeof(struct ifaddrmsg), addr_one, buf, count);
}

int hn_route_list(void *state, struct sentry_netroute *buf, size_t count)
{
	(void)state;
	return dump(RTM_GETROUTE, sizeof(struct rtmsg), route_one, buf, count);
}
