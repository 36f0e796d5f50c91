/*
 * The NETLINK_ROUTE message walk (core/net/netlink_route.c): every prefix of a valid send and
 * random bytes, each in a buffer of exactly its size so ASan sees any read past it; replies
 * that are always whole messages; dumps cut into datagrams of at most NL_GOODSIZE bytes; the
 * receive buffer's bound.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/netlink_internal.h"
#include "net/socket.h"

#define NIFS 200

static int fake_socket(void *state, const struct sentry_creds *creds, int family, int type,
		       int protocol, struct sentry_socket **ret_sock)
{
	return -EAFNOSUPPORT;
}

static int fake_if_list(void *state, struct sentry_netif *buf, size_t count)
{
	for (size_t i = 0; i < count && i < NIFS; i++) {
		buf[i] = (struct sentry_netif){ .index = (int)i + 1, .flags = 0x41, .mtu = 1500,
						.type = 1, .addr_len = 6 };
		snprintf(buf[i].name, sizeof(buf[i].name), "eth%zu", i);
	}
	return NIFS;
}

static int fake_addr_list(void *state, struct sentry_netaddr *buf, size_t count)
{
	if (count >= 1)
		buf[0] = (struct sentry_netaddr){ .index = 1, .family = AF_INET, .prefix_len = 24,
						  .addr = { 10, 0, 0, 2 } };
	return 1;
}

static const struct sentry_net_ops g_fake_ops = {
	.socket = fake_socket,
	.if_list = fake_if_list,
	.addr_list = fake_addr_list,
};

static void setup(void)
{
	struct net_stack st = { .ops = &g_fake_ops, .ops_size = sizeof(g_fake_ops) };
	net_stack_set(&st);
}

TestSuite(rtnl, .init = setup);

/* Every datagram of @q is a run of whole messages with their lengths inside it. */
static size_t check_queue(const struct nl_queue *q, int *ret_done)
{
	size_t msgs = 0;
	*ret_done = 0;
	for (struct nl_skb *skb = q->head; skb; skb = skb->next) {
		cr_assert_leq(skb->len, NL_GOODSIZE);
		int left = (int)skb->len;
		for (struct nlmsghdr *h = (void *)skb->data; left; h = NLMSG_NEXT(h, left)) {
			cr_assert(NLMSG_OK(h, left), "a partial message in a datagram");
			msgs++;
			*ret_done |= h->nlmsg_type == NLMSG_DONE;
		}
	}
	return msgs;
}

/* @len bytes of @src in a buffer of exactly that size. */
static void *exact(const void *src, size_t len)
{
	void *p = malloc(len ? len : 1);
	cr_assert(p);
	memcpy(p, src, len);
	return p;
}

static size_t dump_req(char *buf, int type, int flags, int family)
{
	struct nlmsghdr *h = (void *)buf;
	*h = (struct nlmsghdr){ NLMSG_LENGTH(sizeof(struct ifinfomsg)), (uint16_t)type,
				(uint16_t)(NLM_F_REQUEST | flags), 1, 0 };
	memset(NLMSG_DATA(h), 0, sizeof(struct ifinfomsg));
	((struct ifinfomsg *)NLMSG_DATA(h))->ifi_family = (unsigned char)family;
	return h->nlmsg_len;
}

Test(rtnl, big_dump_is_cut_into_good_sized_datagrams)
{
	char req[64];
	size_t len = dump_req(req, RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC);
	struct nl_rcv r = { .portid = 5, .room = 1 << 20 };
	struct nl_queue q;
	nl_queue_init(&q);
	cr_assert_eq(rtnl_rcv(&r, req, len, &q), 0);
	int done;
	cr_assert_eq(check_queue(&q, &done), NIFS + 1);
	cr_assert(done);
	cr_assert_gt(q.count, 1);
	cr_assert(!r.overrun);
	nl_queue_clear(&q);
}

Test(rtnl, every_prefix_of_a_send_is_safe)
{
	char req[256];
	size_t len = dump_req(req, RTM_GETADDR, NLM_F_DUMP, AF_INET);
	len += dump_req(req + len, RTM_GETLINK, NLM_F_ACK, AF_UNSPEC);
	len += dump_req(req + len, 0x7fff, 0, AF_UNSPEC);
	for (size_t n = 0; n <= len; n++) {
		void *p = exact(req, n);
		struct nl_rcv r = { .portid = 5, .room = 1 << 20 };
		struct nl_queue q;
		nl_queue_init(&q);
		cr_assert_eq(rtnl_rcv(&r, p, n, &q), 0);
		int done;
		check_queue(&q, &done);
		if (n < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			cr_assert_null(q.head, "a partial message got an answer (%zu bytes)", n);
		nl_queue_clear(&q);
		free(p);
	}
}

Test(rtnl, random_bytes_never_read_out_of_bounds)
{
	srandom(1);
	for (int i = 0; i < 20000; i++) {
		char buf[512];
		size_t n = (size_t)random() % sizeof(buf);
		for (size_t j = 0; j < n; j++)
			buf[j] = (char)random();
		/* Plausible headers more often than chance, so the walk gets deep. */
		if (n >= 16 && (i & 1)) {
			struct nlmsghdr *h = (void *)buf;
			h->nlmsg_len = (uint32_t)(16 + random() % (n - 15));
			h->nlmsg_type = (uint16_t)(RTM_BASE + random() % 80);
			h->nlmsg_flags |= NLM_F_REQUEST;
		}
		void *p = exact(buf, n);
		struct nl_rcv r = { .portid = 5, .room = 1 << 20, .net_admin = i & 2 };
		struct nl_queue q;
		nl_queue_init(&q);
		cr_assert_eq(rtnl_rcv(&r, p, n, &q), 0);
		int done;
		check_queue(&q, &done);
		nl_queue_clear(&q);
		free(p);
	}
}

Test(rtnl, getlink_attribute_past_the_message_is_ignored)
{
	char req[64] = { 0 };
	size_t len = dump_req(req, RTM_GETLINK, 0, AF_UNSPEC);
	struct rtattr *a = (void *)(req + len);
	a->rta_type = IFLA_IFNAME;
	a->rta_len = 200;	/* far beyond the send */
	memcpy(RTA_DATA(a), "eth0", 5);
	len += 12;
	((struct nlmsghdr *)req)->nlmsg_len = (uint32_t)len;
	void *p = exact(req, len);
	struct nl_rcv r = { .portid = 5, .room = 1 << 20 };
	struct nl_queue q;
	nl_queue_init(&q);
	rtnl_rcv(&r, p, len, &q);
	cr_assert_not_null(q.head);
	struct nlmsghdr *h = (void *)q.head->data;
	cr_assert_eq(h->nlmsg_type, NLMSG_ERROR);
	cr_assert_eq(((struct nlmsgerr *)NLMSG_DATA(h))->error, -EINVAL);
	nl_queue_clear(&q);
	free(p);
}

Test(rtnl, full_receive_buffer_drops_and_reports)
{
	char req[64];
	size_t len = dump_req(req, RTM_GETLINK, NLM_F_DUMP, AF_UNSPEC);
	struct nl_rcv r = { .portid = 5, .room = 0 };
	struct nl_queue q;
	nl_queue_init(&q);
	rtnl_rcv(&r, req, len, &q);
	cr_assert_null(q.head);
	cr_assert(r.overrun);
}
