# core/fd: the descriptor table (included from the top Makefile.am).
core_libsentry_core_la_SOURCES += core/fd/fdtable.c core/fd/fdtable.h
# Host-backed files (stdio); the memory devices build with the VFS (core/vfs/local.mk).
core_libsentry_core_la_SOURCES += core/dev/host.c
# /proc, a core filesystem generated from the kernel's objects.
core_libsentry_core_la_SOURCES += core/proc/procfs.c core/proc/procfs.h
# Their files: a process's (proc_pid.c) and the machine's (proc_sys.c).
core_libsentry_core_la_SOURCES += core/proc/proc_internal.h core/proc/proc_pid.c core/proc/proc_sys.c

check_PROGRAMS += tests/unit/fd/test_fdtable
tests_unit_fd_test_fdtable_SOURCES = tests/unit/fd/test_fdtable.c
tests_unit_fd_test_fdtable_CPPFLAGS = $(UNIT_CPPOPTS)
tests_unit_fd_test_fdtable_CFLAGS = $(UNIT_CCOPTS)
tests_unit_fd_test_fdtable_LDFLAGS = $(CORE_LDOPTS)
tests_unit_fd_test_fdtable_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/fd/test_fdtable
