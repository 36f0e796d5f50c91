# core/ipc: pipes and eventfds (included from the top Makefile.am).
core_libsentry_core_la_SOURCES += \
	core/ipc/eventfd.c \
	core/ipc/eventfd.h \
	core/ipc/ipc_io.c \
	core/ipc/ipc_io.h \
	core/ipc/pipe.c \
	core/ipc/pipe.h
