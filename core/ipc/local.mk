# core/ipc: pipes and eventfds (included from the top Makefile.am).
core_libsentry_core_la_SOURCES += \
	core/ipc/eventfd.c \
	core/ipc/eventfd.h \
	core/ipc/ipc_io.c \
	core/ipc/ipc_io.h \
	core/ipc/pipe.c \
	core/ipc/pipe.h
core_libsentry_core_la_SOURCES += core/ipc/epoll.c core/ipc/epoll.h core/ipc/timerfd.c \
	core/ipc/timerfd.h
core_libsentry_core_la_SOURCES += core/ipc/memfd.c core/ipc/memfd.h
core_libsentry_core_la_SOURCES += core/ipc/sysv.c core/ipc/sysv.h core/ipc/sem.c core/ipc/sem.h \
	core/ipc/msg.c core/ipc/msg.h core/ipc/mqueue.c core/ipc/mqueue.h \
	core/ipc/sysv_shm.c core/ipc/sysv_shm.h

check_PROGRAMS += tests/unit/ipc/test_pipe
tests_unit_ipc_test_pipe_SOURCES = tests/unit/ipc/test_pipe.c
tests_unit_ipc_test_pipe_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_ipc_test_pipe_CFLAGS = $(UNIT_CCOPTS)
tests_unit_ipc_test_pipe_LDFLAGS = $(CORE_LDOPTS)
tests_unit_ipc_test_pipe_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/ipc/test_pipe
