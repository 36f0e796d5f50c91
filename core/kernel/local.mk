# core/kernel: build rules (included from the top Makefile.am).
core_libsentry_core_la_SOURCES += core/kernel/wait.c core/kernel/wait.h core/kernel/signal.c \
	core/kernel/process.c core/kernel/process.h core/kernel/process_internal.h core/kernel/fork.c \
	core/kernel/worker.c \
	core/kernel/thread.c core/kernel/thread.h core/kernel/futex.c core/kernel/futex.h \
	core/kernel/jobctl.c core/kernel/pidfd.c core/kernel/pidfd.h core/kernel/signalfd.c \
	core/kernel/signalfd.h
core_libsentry_core_la_SOURCES += core/kernel/interrupt.c core/kernel/interrupt.h
# What /proc reads of the processes: the one reader of struct task outside core/kernel.
core_libsentry_core_la_SOURCES += core/kernel/proc_view.c core/kernel/proc_view.h

check_PROGRAMS += tests/unit/kernel/test_wait
tests_unit_kernel_test_wait_SOURCES = tests/unit/kernel/test_wait.c
tests_unit_kernel_test_wait_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_kernel_test_wait_CFLAGS = $(UNIT_CCOPTS)
tests_unit_kernel_test_wait_LDFLAGS = $(CORE_LDOPTS)
tests_unit_kernel_test_wait_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/kernel/test_wait
core_libsentry_core_la_SOURCES += core/kernel/ptimer.c core/kernel/ptimer.h
