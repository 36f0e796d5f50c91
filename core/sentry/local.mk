# core/sentry: composing a Sentry from the chosen plugins.
core_libsentry_core_la_SOURCES += core/sentry/compose.c core/sentry/compose.h \
	core/sentry/boot.c core/sentry/boot.h \
	core/sentry/hostfilter.c core/sentry/hostfilter.h

check_PROGRAMS += tests/unit/plugin/test_compose
tests_unit_plugin_test_compose_SOURCES = tests/unit/plugin/test_compose.c
tests_unit_plugin_test_compose_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_plugin_test_compose_CFLAGS = $(UNIT_CCOPTS)
tests_unit_plugin_test_compose_LDFLAGS = $(CORE_LDOPTS)
tests_unit_plugin_test_compose_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/plugin/test_compose

# The host seccomp filter: rule checks, and what it lets through, kills or traps.
check_PROGRAMS += tests/unit/plugin/test_hostfilter
tests_unit_plugin_test_hostfilter_SOURCES = tests/unit/plugin/test_hostfilter.c
tests_unit_plugin_test_hostfilter_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_plugin_test_hostfilter_CFLAGS = $(UNIT_CCOPTS)
tests_unit_plugin_test_hostfilter_LDFLAGS = $(CORE_LDOPTS)
tests_unit_plugin_test_hostfilter_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/plugin/test_hostfilter
