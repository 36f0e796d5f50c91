# plugins/net-hostpassthrough: build rules (included from the top Makefile.am).
plugins_LTLIBRARIES += plugins/net-hostpassthrough/host.la
plugins_net_hostpassthrough_host_la_SOURCES = \
	plugins/net-hostpassthrough/host.h \
	plugins/net-hostpassthrough/host_if.c \
	plugins/net-hostpassthrough/host_opt.c \
	plugins/net-hostpassthrough/host_plugin.c \
	plugins/net-hostpassthrough/host_poll.c \
	plugins/net-hostpassthrough/host_sock.c
plugins_net_hostpassthrough_host_la_CPPFLAGS = -DHOSTNET_VERSION='"$(PACKAGE_VERSION)"'
plugins_net_hostpassthrough_host_la_CFLAGS = $(PLUGIN_CCOPTS) -O2
plugins_net_hostpassthrough_host_la_LDFLAGS = $(PLUGIN_LDOPTS)
plugins_net_hostpassthrough_host_la_LIBADD = -lpthread
