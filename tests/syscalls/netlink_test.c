/*
 * netlink_test: NETLINK_ROUTE sockets and the SIOCGIF* ioctls (netlink(7), rtnetlink(7),
 * netdevice(7)). Only what any Linux with a loopback shows is printed: "lo" is up, a loopback,
 * has 127.0.0.1/8, and every interface to it (netlink, getifaddrs, if_nametoindex, SIOCGIF*)
 * agrees; plus the error paths. Other interfaces of the host are never printed.
 */
#include "expect.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static char g_buf[65536] __attribute__((aligned(4)));

struct req {
	struct nlmsghdr h;
	union {
		struct rtgenmsg g;
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
	};
	char attrs[64];
};

static int nl_open(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

static long send_req(int fd, int type, int flags, int seq, int family)
{
	struct req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	r.h.nlmsg_type = (unsigned short)type;
	r.h.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
	r.h.nlmsg_seq = (unsigned)seq;
	r.ifi.ifi_family = (unsigned char)family;
	return send(fd, &r, r.h.nlmsg_len, 0);
}

/* What a dump told about lo. */
struct dump_seen {
	int msgs, multi, done, seq_ok, pid_ok;
	int lo_index, lo_flags, lo_mtu, lo_has_addr;
};

static void scan_rtattrs(struct rtattr *a, int len, struct dump_seen *d, int type)
{
	int is_lo = 0, mtu = 0, has_127 = 0;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (type == RTM_NEWLINK && a->rta_type == IFLA_IFNAME)
			is_lo = strcmp(RTA_DATA(a), "lo") == 0;
		if (type == RTM_NEWLINK && a->rta_type == IFLA_MTU)
			memcpy(&mtu, RTA_DATA(a), 4);
		if (type == RTM_NEWADDR && a->rta_type == IFA_LOCAL)
			has_127 = memcmp(RTA_DATA(a), "\x7f\0\0\1", 4) == 0;
		if (type == RTM_NEWADDR && a->rta_type == IFA_LABEL)
			is_lo = strcmp(RTA_DATA(a), "lo") == 0;
	}
	if (is_lo && type == RTM_NEWLINK)
		d->lo_mtu = mtu;
	if (is_lo && has_127)
		d->lo_has_addr = 1;
}

/* Reads a dump of request @seq on @fd to its NLMSG_DONE. */
static void read_dump(int fd, int seq, unsigned pid, struct dump_seen *d)
{
	memset(d, 0, sizeof(*d));
	d->seq_ok = d->pid_ok = d->multi = 1;
	while (!d->done) {
		long n = recv(fd, g_buf, sizeof(g_buf), 0);
		if (n <= 0)
			return;
		for (struct nlmsghdr *h = (void *)g_buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			d->msgs++;
			d->seq_ok &= h->nlmsg_seq == (unsigned)seq;
			d->pid_ok &= h->nlmsg_pid == pid;
			d->multi &= (h->nlmsg_flags & NLM_F_MULTI) != 0;
			if (h->nlmsg_type == NLMSG_DONE) {
				d->done = 1;
				break;
			}
			if (h->nlmsg_type == RTM_NEWLINK) {
				struct ifinfomsg *ifi = NLMSG_DATA(h);
				struct dump_seen one = { 0 };
				scan_rtattrs(IFLA_RTA(ifi), (int)IFLA_PAYLOAD(h), &one, RTM_NEWLINK);
				if (one.lo_mtu) {
					d->lo_index = ifi->ifi_index;
					d->lo_flags = (int)ifi->ifi_flags;
					d->lo_mtu = one.lo_mtu;
				}
			} else if (h->nlmsg_type == RTM_NEWADDR) {
				struct ifaddrmsg *ifa = NLMSG_DATA(h);
				struct dump_seen one = { 0 };
				scan_rtattrs(IFA_RTA(ifa), (int)IFA_PAYLOAD(h), &one, RTM_NEWADDR);
				if (one.lo_has_addr && ifa->ifa_prefixlen == 8)
					d->lo_has_addr = 1;
			}
		}
	}
}

static unsigned bind_and_name(int fd)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	expect_ok("bind nl_pid 0", bind(fd, (void *)&sa, sizeof(sa)));
	socklen_t len = sizeof(sa);
	expect_ok("getsockname", getsockname(fd, (void *)&sa, &len));
	expect_eq("getsockname length", len, sizeof(sa));
	expect_true("autobind takes the tgid first", sa.nl_pid == (unsigned)getpid());
	return sa.nl_pid;
}

static void test_dumps(int fd, unsigned pid, int *lo_index)
{
	struct dump_seen d;
	expect_eq("RTM_GETLINK dump sent", send_req(fd, RTM_GETLINK, NLM_F_DUMP, 11, AF_UNSPEC),
		  NLMSG_LENGTH(sizeof(struct ifinfomsg)));
	read_dump(fd, 11, pid, &d);
	expect_true("link dump ends in NLMSG_DONE", d.done);
	expect_true("link dump is NLM_F_MULTI", d.multi);
	expect_true("link dump echoes seq and pid", d.seq_ok && d.pid_ok);
	expect_true("lo listed", d.lo_index > 0);
	expect_true("lo flags UP|LOOPBACK",
		    (d.lo_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK));
	expect_true("lo mtu > 0", d.lo_mtu > 0);
	*lo_index = d.lo_index;

	send_req(fd, RTM_GETADDR, NLM_F_DUMP, 12, AF_INET);
	read_dump(fd, 12, pid, &d);
	expect_true("addr dump ends in NLMSG_DONE", d.done);
	expect_true("127.0.0.1/8 on lo", d.lo_has_addr);

	send_req(fd, RTM_GETROUTE, NLM_F_DUMP, 13, AF_INET);
	read_dump(fd, 13, pid, &d);
	expect_true("route dump ends in NLMSG_DONE", d.done && d.seq_ok);
}

/* The one reply to a request, its type and (for NLMSG_ERROR) its error. */
static int one_reply(int fd, int *ret_err, long *ret_len)
{
	long n = recv(fd, g_buf, sizeof(g_buf), MSG_DONTWAIT);
	*ret_len = n;
	if (n < (long)NLMSG_HDRLEN)
		return -1;
	struct nlmsghdr *h = (void *)g_buf;
	if (h->nlmsg_type == NLMSG_ERROR)
		*ret_err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
	return h->nlmsg_type;
}

static void test_getlink_by_name(int fd, int lo_index)
{
	struct req r;
	memset(&r, 0, sizeof(r));
	struct rtattr *a = (void *)r.attrs;
	a->rta_type = IFLA_IFNAME;
	a->rta_len = RTA_LENGTH(3);
	memcpy(RTA_DATA(a), "lo", 3);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi)) + RTA_ALIGN(a->rta_len);
	r.h.nlmsg_type = RTM_GETLINK;
	r.h.nlmsg_flags = NLM_F_REQUEST;
	send(fd, &r, r.h.nlmsg_len, 0);
	int err = 0;
	long len;
	int type = one_reply(fd, &err, &len);
	expect_eq("RTM_GETLINK lo by name: reply type", type, RTM_NEWLINK);
	struct ifinfomsg *ifi = NLMSG_DATA((struct nlmsghdr *)g_buf);
	expect_true("RTM_GETLINK lo by name: same index", type == RTM_NEWLINK &&
							 ifi->ifi_index == lo_index);
	memcpy(RTA_DATA(a), "nosuchif0", 10);
	a->rta_len = RTA_LENGTH(10);
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.ifi)) + RTA_ALIGN(a->rta_len);
	send(fd, &r, r.h.nlmsg_len, 0);
	err = 0;
	type = one_reply(fd, &err, &len);
	expect_eq("RTM_GETLINK nosuchif0: NLMSG_ERROR", type, NLMSG_ERROR);
	expect_eq("RTM_GETLINK nosuchif0: error", err, -ENODEV);
}

static void test_libc(int lo_index)
{
	struct ifaddrs *ifs;
	expect_ok("getifaddrs", getifaddrs(&ifs));
	int v4 = 0, packet = 0;
	for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
		if (strcmp(i->ifa_name, "lo") || !i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET) {
			struct sockaddr_in *sin = (void *)i->ifa_addr, *mask = (void *)i->ifa_netmask;
			v4 |= sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK) && mask &&
			      mask->sin_addr.s_addr == htonl(0xff000000);
		}
		if (i->ifa_addr->sa_family == AF_PACKET)
			packet |= ((struct sockaddr_ll *)i->ifa_addr)->sll_ifindex == lo_index &&
				  (i->ifa_flags & IFF_LOOPBACK);
	}
	freeifaddrs(ifs);
	expect_true("getifaddrs: lo 127.0.0.1 netmask 255.0.0.0", v4);
	expect_true("getifaddrs: lo AF_PACKET with the same index", packet);
	expect_true("if_nametoindex(lo) agrees", (int)if_nametoindex("lo") == lo_index);
	struct if_nameindex *ni = if_nameindex();
	int found = 0;
	for (struct if_nameindex *p = ni; p && p->if_index; p++)
		found |= (int)p->if_index == lo_index && strcmp(p->if_name, "lo") == 0;
	if_freenameindex(ni);
	expect_true("if_nameindex lists lo", found);
}

static void test_ioctls(const char *kind, int fd, int lo_index)
{
	char what[96];
	struct ifreq r;
	memset(&r, 0, sizeof(r));
	strcpy(r.ifr_name, "lo");
	snprintf(what, sizeof(what), "%s SIOCGIFINDEX lo agrees", kind);
	expect_true(what, ioctl(fd, SIOCGIFINDEX, &r) == 0 && r.ifr_ifindex == lo_index);
	snprintf(what, sizeof(what), "%s SIOCGIFFLAGS lo UP|LOOPBACK", kind);
	expect_true(what, ioctl(fd, SIOCGIFFLAGS, &r) == 0 &&
				  (r.ifr_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK));
	snprintf(what, sizeof(what), "%s SIOCGIFMTU lo > 0", kind);
	expect_true(what, ioctl(fd, SIOCGIFMTU, &r) == 0 && r.ifr_mtu > 0);
	snprintf(what, sizeof(what), "%s SIOCGIFHWADDR lo ARPHRD_LOOPBACK", kind);
	expect_true(what, ioctl(fd, SIOCGIFHWADDR, &r) == 0 &&
				  r.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK);
	snprintf(what, sizeof(what), "%s SIOCGIFTXQLEN lo >= 0", kind);
	expect_true(what, ioctl(fd, SIOCGIFTXQLEN, &r) == 0 && r.ifr_qlen >= 0);
	r.ifr_ifindex = lo_index;
	snprintf(what, sizeof(what), "%s SIOCGIFNAME of lo's index", kind);
	expect_true(what, ioctl(fd, SIOCGIFNAME, &r) == 0 && strcmp(r.ifr_name, "lo") == 0);
	snprintf(what, sizeof(what), "%s SIOCGIFADDR (not an AF_INET socket)", kind);
	expect_errno(what, ioctl(fd, SIOCGIFADDR, &r), ENOTTY);
	strcpy(r.ifr_name, "nosuchif0");
	snprintf(what, sizeof(what), "%s SIOCGIFINDEX nosuchif0", kind);
	expect_errno(what, ioctl(fd, SIOCGIFINDEX, &r), ENODEV);
	snprintf(what, sizeof(what), "%s SIOCGIFFLAGS bad pointer", kind);
	expect_errno(what, ioctl(fd, SIOCGIFFLAGS, (void *)8), EFAULT);

	struct ifconf c = { 0 };
	snprintf(what, sizeof(what), "%s SIOCGIFCONF length query", kind);
	expect_true(what, ioctl(fd, SIOCGIFCONF, &c) == 0 && c.ifc_len > 0 &&
				  c.ifc_len % (int)sizeof(struct ifreq) == 0);
	struct ifreq reqs[64];
	c.ifc_len = sizeof(reqs);
	c.ifc_req = reqs;
	int lo = 0;
	if (ioctl(fd, SIOCGIFCONF, &c) == 0) {
		for (int i = 0; i < c.ifc_len / (int)sizeof(struct ifreq); i++) {
			struct sockaddr_in *sin = (void *)&reqs[i].ifr_addr;
			lo |= strcmp(reqs[i].ifr_name, "lo") == 0 && sin->sin_family == AF_INET &&
			      sin->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
		}
	}
	snprintf(what, sizeof(what), "%s SIOCGIFCONF lists lo 127.0.0.1", kind);
	expect_true(what, lo);
	snprintf(what, sizeof(what), "%s SIOCGIFCONF bad pointer", kind);
	expect_errno(what, ioctl(fd, SIOCGIFCONF, (void *)8), EFAULT);
}

/* netlink_rcv_skb ignores what is not a whole message; the kernel answers errors. */
static void test_bad_messages(int fd)
{
	struct req r;
	memset(&r, 0, sizeof(r));
	int err = 0;
	long len;
	expect_eq("send a truncated nlmsghdr", send(fd, &r, 8, 0), 8);
	expect_errno("  nothing answers it", recv(fd, g_buf, sizeof(g_buf), MSG_DONTWAIT), EAGAIN);
	r.h.nlmsg_len = 100;
	r.h.nlmsg_type = RTM_GETLINK;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK;
	expect_eq("send nlmsg_len past the end", send(fd, &r, 20, 0), 20);
	expect_errno("  nothing answers it", recv(fd, g_buf, sizeof(g_buf), MSG_DONTWAIT), EAGAIN);
	r.h.nlmsg_len = 4;
	expect_eq("send nlmsg_len below the header", send(fd, &r, 20, 0), 20);
	expect_errno("  nothing answers it", recv(fd, g_buf, sizeof(g_buf), MSG_DONTWAIT), EAGAIN);
	r.h.nlmsg_len = 20;
	r.h.nlmsg_type = 0x7fff;
	r.h.nlmsg_flags = NLM_F_REQUEST;
	r.h.nlmsg_seq = 77;
	send(fd, &r, 20, 0);
	int type = one_reply(fd, &err, &len);
	expect_eq("unknown nlmsg_type: NLMSG_ERROR", type, NLMSG_ERROR);
	expect_eq("unknown nlmsg_type: error", err, -EOPNOTSUPP);
	expect_eq("unknown nlmsg_type: the request comes back", len, 16 + 4 + 20);
	expect_eq("unknown nlmsg_type: seq echoed", ((struct nlmsghdr *)g_buf)->nlmsg_seq, 77);
	r.h.nlmsg_type = NLMSG_NOOP;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	send(fd, &r, 20, 0);
	err = 1;
	type = one_reply(fd, &err, &len);
	expect_eq("NLMSG_NOOP with NLM_F_ACK: ack", type, NLMSG_ERROR);
	expect_eq("  error 0", err, 0);
	expect_eq("  header only", len, 36);
	expect_eq("  NLM_F_CAPPED", ((struct nlmsghdr *)g_buf)->nlmsg_flags, NLM_F_CAPPED);
	r.h.nlmsg_type = RTM_GETLINK;
	r.h.nlmsg_len = 16;
	expect_eq("RTM_GETLINK without payload, acked", send(fd, &r, 16, 0), 16);
	err = 1;
	type = one_reply(fd, &err, &len);
	expect_true("  a plain ack", type == NLMSG_ERROR && err == 0);
}

static void test_recv_paths(int fd)
{
	expect_errno("recv nothing queued, MSG_DONTWAIT",
		     recv(fd, g_buf, sizeof(g_buf), MSG_DONTWAIT), EAGAIN);
	struct timeval tv = { 0, 50000 };
	expect_ok("SO_RCVTIMEO", setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	expect_errno("recv times out", recv(fd, g_buf, sizeof(g_buf), 0), EAGAIN);
	struct pollfd p = { fd, POLLIN, 0 };
	expect_eq("poll, nothing queued", poll(&p, 1, 0), 0);
	send_req(fd, RTM_GETLINK, NLM_F_DUMP, 21, AF_UNSPEC);
	expect_eq("poll after a request", poll(&p, 1, 0), 1);
	expect_true("  POLLIN", p.revents == POLLIN);
	char one;
	long peek = recv(fd, &one, 0, MSG_PEEK | MSG_TRUNC);
	expect_true("MSG_PEEK|MSG_TRUNC tells the length", peek > (long)NLMSG_HDRLEN);
	struct sockaddr_nl from;
	socklen_t flen = sizeof(from);
	memset(&from, 0xff, sizeof(from));
	long n = recvfrom(fd, g_buf, sizeof(g_buf), 0, (void *)&from, &flen);
	expect_true("recvfrom gets that length", n == peek);
	expect_true("source is the kernel (nl_pid 0)", flen == sizeof(from) &&
		    from.nl_family == AF_NETLINK && from.nl_pid == 0 && from.nl_groups == 0);
	while (recv(fd, g_buf, sizeof(g_buf), MSG_DONTWAIT) > 0)
		;
	send_req(fd, RTM_GETLINK, NLM_F_DUMP, 22, AF_UNSPEC);
	struct msghdr mh = { 0 };
	struct iovec iov = { g_buf, 8 };
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	n = recvmsg(fd, &mh, 0);
	expect_true("short recvmsg: MSG_TRUNC, 8 bytes", n == 8 && (mh.msg_flags & MSG_TRUNC));
	while (recv(fd, g_buf, sizeof(g_buf), MSG_DONTWAIT) > 0)
		;
	struct req r;
	memset(&r, 0, sizeof(r));
	r.h.nlmsg_len = NLMSG_LENGTH(sizeof(r.g));
	r.h.nlmsg_type = RTM_GETLINK;
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	expect_eq("write a request", write(fd, &r, r.h.nlmsg_len), (long)r.h.nlmsg_len);
	expect_true("read the reply", read(fd, g_buf, sizeof(g_buf)) > (long)NLMSG_HDRLEN);
	while (recv(fd, g_buf, sizeof(g_buf), MSG_DONTWAIT) > 0)
		;
}

static void test_options_and_errors(int fd)
{
	int v = 1;
	socklen_t len = sizeof(v);
	expect_ok("NETLINK_EXT_ACK", setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &v, sizeof(v)));
	expect_ok("NETLINK_GET_STRICT_CHK",
		  setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &v, sizeof(v)));
	v = 0;
	expect_ok("getsockopt NETLINK_EXT_ACK",
		  getsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &v, &len));
	expect_eq("  value", v, 1);
	expect_errno("SOL_NETLINK option 999", setsockopt(fd, SOL_NETLINK, 999, &v, sizeof(v)),
		     ENOPROTOOPT);
	expect_errno("SOL_IP option on netlink", setsockopt(fd, 0, 1, &v, sizeof(v)), ENOPROTOOPT);
	v = 65536;
	expect_ok("SO_RCVBUF", setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)));
	len = sizeof(v);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len);
	expect_eq("  doubled", v, 131072);
	len = sizeof(v);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len);
	expect_eq("SO_PROTOCOL", v, NETLINK_ROUTE);
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	expect_ok("connect to the kernel", connect(fd, (void *)&k, sizeof(k)));

	expect_errno("socket protocol 31", socket(AF_NETLINK, SOCK_RAW, 31), EPROTONOSUPPORT);
	expect_errno("socket protocol -1", socket(AF_NETLINK, SOCK_RAW, -1), EPROTONOSUPPORT);
	expect_errno("socket SOCK_STREAM", socket(AF_NETLINK, SOCK_STREAM, 0), ESOCKTNOSUPPORT);
	int d = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	expect_ok("socket SOCK_DGRAM", d);
	expect_errno("bind sockaddr_nl too short", bind(d, (void *)&k, 8), EINVAL);
	struct sockaddr_nl bad = { .nl_family = AF_INET };
	expect_errno("bind wrong family", bind(d, (void *)&bad, sizeof(bad)), EINVAL);
	struct sockaddr_nl sa;
	len = sizeof(sa);
	getsockname(d, (void *)&sa, &len);
	expect_eq("unbound nl_pid", sa.nl_pid, 0);
	expect_ok("autobind", bind(d, (void *)&k, sizeof(k)));
	len = sizeof(sa);
	getsockname(d, (void *)&sa, &len);
	expect_true("second socket: a negative port id", (int)sa.nl_pid < 0);
	expect_errno("bind again to 0", bind(d, (void *)&k, sizeof(k)), EINVAL);
	expect_errno("listen", listen(d, 1), EOPNOTSUPP);
	close(d);
}

int main(void)
{
	int fd = nl_open();
	expect_ok("socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)", fd);
	unsigned pid = bind_and_name(fd);
	int lo_index = 0;
	test_dumps(fd, pid, &lo_index);
	test_getlink_by_name(fd, lo_index);
	test_libc(lo_index);
	int u = socket(AF_UNIX, SOCK_DGRAM, 0);
	test_ioctls("AF_UNIX", u, lo_index);
	close(u);
	test_ioctls("AF_NETLINK", fd, lo_index);
	test_bad_messages(fd);
	test_recv_paths(fd);
	test_options_and_errors(fd);
	close(fd);
	return expect_status();
}
