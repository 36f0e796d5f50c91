# core/net: the socket layer, AF_UNIX, AF_NETLINK (NETLINK_ROUTE), and AF_INET/AF_INET6 through the network plugin
# (included from the top Makefile.am).
core_libsentry_core_la_SOURCES += \
	core/net/inet.c \
	core/net/netif.c \
	core/net/netif.h \
	core/net/netlink.c \
	core/net/netlink_internal.h \
	core/net/netlink_route.c \
	core/net/scm.c \
	core/net/scm.h \
	core/net/socket.c \
	core/net/socket.h \
	core/net/unix.c \
	core/net/unix_internal.h \
	core/net/unix_io.c \
	core/net/unix_opt.c
EXTRA_DIST += core/net/README.md
