# plugins/platform-ptrace: build rules (included from the top Makefile.am).
plugins_LTLIBRARIES += plugins/platform-ptrace/ptrace.la
plugins_platform_ptrace_ptrace_la_SOURCES = \
	plugins/platform-ptrace/ptrace.h \
	plugins/platform-ptrace/ptrace_as.c \
	plugins/platform-ptrace/ptrace_ctx.c \
	plugins/platform-ptrace/ptrace_plugin.c \
	plugins/platform-ptrace/stub.c
plugins_platform_ptrace_ptrace_la_CPPFLAGS = -DPTRACE_VERSION='"$(PACKAGE_VERSION)"'
plugins_platform_ptrace_ptrace_la_CFLAGS = $(PLUGIN_CCOPTS) -O2
plugins_platform_ptrace_ptrace_la_LDFLAGS = $(PLUGIN_LDOPTS)
