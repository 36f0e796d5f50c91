/*
 * core/net/netlink_internal.h: what the AF_NETLINK socket (netlink.c) and its NETLINK_ROUTE
 * kernel side (netlink_route.c) share.
 *
 * A request sent to the kernel (nl_pid 0) is handled at once, in the sender's sendmsg, as
 * Linux's netlink_unicast_kernel does; the replies become datagrams (skbs) appended to the
 * sender's receive queue. A dump is made whole at once rather than resumed from recvmsg as
 * Linux does, cut into datagrams of at most NL_GOODSIZE bytes at message boundaries.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* NLMSG_GOODSIZE with 4 KiB pages: the size of one dump datagram. */
#define NL_GOODSIZE 3776
/* What a queued datagram costs the receive buffer beyond its bytes (its truesize). */
#define NL_SKB_COST 256

/* One queued datagram. */
struct nl_skb {
	struct nl_skb *next;
	size_t len;		/* bytes in data */
	uint32_t portid;	/* the sender's: 0 for the kernel */
	uint32_t pad0;
	char data[];
};

/* A FIFO of datagrams. */
struct nl_queue {
	struct nl_skb *head;
	struct nl_skb **tail;
	size_t count;		/* datagrams */
	size_t bytes;		/* their charge: len + NL_SKB_COST each */
};

void nl_queue_init(struct nl_queue *q);
/* Frees every datagram of @q and empties it. */
void nl_queue_clear(struct nl_queue *q);
/* Appends all of @from to @to, leaving @from empty. */
void nl_queue_splice(struct nl_queue *to, struct nl_queue *from);

/* The requester of one send, as the kernel side sees it. */
struct nl_rcv {
	uint32_t portid;	/* the sender's port id: replies are addressed to it */
	int net_admin;		/* CAP_NET_ADMIN (modifying requests) */
	int cap_ack;		/* NETLINK_CAP_ACK: errors carry only the request's header */
	long room;		/* in: receive buffer left; replies beyond it are dropped */
	int overrun;		/* out: a reply was dropped for want of room (ENOBUFS) */
};

/* Handles the messages in @buf (@len bytes, any content: every header and attribute is
 * bounds-checked, netlink_rcv_skb's rules) and appends the replies to @out. Returns 0 or
 * -ENOMEM. */
int rtnl_rcv(struct nl_rcv *r, const void *buf, size_t len, struct nl_queue *out);
