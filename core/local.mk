# The Sentry core as one convenience library, linked into runsc and the unit tests.
noinst_LTLIBRARIES += core/libsentry-core.la
core_libsentry_core_la_CPPFLAGS = $(CORE_CPPOPTS)
core_libsentry_core_la_CFLAGS = $(CORE_CCOPTS) $(SECCOMP_CFLAGS)
core_libsentry_core_la_LIBADD = $(LIBS) $(SECCOMP_LIBS)
core_libsentry_core_la_SOURCES = \
	core/plugin/plugin.c \
	core/plugin/plugin.h \
	core/plugin/services.c \
	core/plugin/services.h \
	core/util/cleanup.h \
	core/util/log.c \
	core/util/log.h
