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

# The platform through its ops table (loads the built plugin).
check_PROGRAMS += tests/unit/ptrace/test_ptrace
tests_unit_ptrace_test_ptrace_SOURCES = tests/unit/ptrace/test_ptrace.c
tests_unit_ptrace_test_ptrace_CPPFLAGS = $(UNIT_CPPOPTS) \
	-DPTRACE_PLUGIN='"$(abs_top_builddir)/plugins/platform-ptrace/.libs/ptrace.so"'
tests_unit_ptrace_test_ptrace_CFLAGS = $(UNIT_CCOPTS)
tests_unit_ptrace_test_ptrace_LDFLAGS = $(CORE_LDOPTS)
tests_unit_ptrace_test_ptrace_LDADD = $(UNIT_LIBS)
EXTRA_tests_unit_ptrace_test_ptrace_DEPENDENCIES = plugins/platform-ptrace/ptrace.la
TESTS += tests/unit/ptrace/test_ptrace
