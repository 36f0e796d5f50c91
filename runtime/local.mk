# runsc, the OCI runtime.
bin_PROGRAMS += runtime/runsc
runtime_runsc_CPPFLAGS = $(CORE_CPPOPTS)
runtime_runsc_CFLAGS = $(CORE_CCOPTS) $(JSONC_CFLAGS)
runtime_runsc_LDFLAGS = $(CORE_LDOPTS)
runtime_runsc_LDADD = core/libsentry-core.la $(JSONC_LIBS)
runtime_runsc_SOURCES = \
	runtime/cmd_plugins.c \
	runtime/error.c \
	runtime/error.h \
	runtime/runsc.c \
	runtime/runsc.h
