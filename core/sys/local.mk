# core/kernel (tasks, exec) and core/sys (the syscall table): the Sentry kernel.
core_libsentry_core_la_SOURCES += \
	core/kernel/exec.c \
	core/kernel/task.c \
	core/kernel/task.h \
	core/sys/sys.h \
	core/sys/sys_attr.c \
	core/sys/sys_cred.c \
	core/sys/sys_exec.c \
	core/sys/sys_fd.c \
	core/sys/sys_fork.c \
	core/sys/sys_file.c \
	core/sys/sys_splice.c \
	core/sys/sys_futex.c \
	core/sys/sys_info.c core/sys/sys_prctl.c \
	core/kernel/seccomp.c core/kernel/seccomp.h core/sys/sys_seccomp.c \
	core/sys/sys_ipc.c \
	core/sys/sys_sysvipc.c \
	core/sys/sys_mqueue.c \
	core/sys/sys_internal.h \
	core/sys/sys_mm.c \
	core/sys/sys_poll.c \
	core/sys/sys_names.c \
	core/sys/sys_path.c \
	core/sys/sys_proc.c \
	core/sys/sys_signal.c \
	core/sys/sys_socket.c \
	core/sys/sys_sockmsg.c \
	core/sys/sys_stat.c \
	core/sys/sys_time.c \
	core/sys/sys_timer.c \
	core/sys/sys_xattr.c \
	core/sys/table.c
core_libsentry_core_la_SOURCES += core/sys/sys_epoll.c core/sys/sys_timerfd.c \
	core/sys/sys_ptimer.c

# The first program the Sentry runs: static, unsanitized (it is the application, not us).
check_PROGRAMS += tests/syscalls/hello_static
tests_syscalls_hello_static_SOURCES = tests/syscalls/hello.c
tests_syscalls_hello_static_CFLAGS = -O2 -Wall -Wextra -Werror
tests_syscalls_hello_static_LDFLAGS = -static -all-static

check_PROGRAMS += tests/unit/kernel/test_exec
tests_unit_kernel_test_exec_SOURCES = tests/unit/kernel/test_exec.c
tests_unit_kernel_test_exec_CPPFLAGS = $(UNIT_CPPOPTS) \
	-DMEMFS_PLUGIN='"$(abs_top_builddir)/plugins/fs-memfs/.libs/memfs.so"' \
	-DPTRACE_PLUGIN='"$(abs_top_builddir)/plugins/platform-ptrace/.libs/ptrace.so"' \
	-DHELLO_STATIC='"$(abs_top_builddir)/tests/syscalls/hello_static"'
tests_unit_kernel_test_exec_CFLAGS = $(UNIT_CCOPTS)
tests_unit_kernel_test_exec_LDFLAGS = $(CORE_LDOPTS)
tests_unit_kernel_test_exec_LDADD = $(UNIT_LIBS)
TESTS += tests/unit/kernel/test_exec

check_PROGRAMS += tests/syscalls/mm_test_static
tests_syscalls_mm_test_static_SOURCES = tests/syscalls/mm_test.c
tests_syscalls_mm_test_static_CFLAGS = -O2 -Wall -Wextra -Werror
tests_syscalls_mm_test_static_LDFLAGS = -static -all-static

# Syscall tests of the system call families (core/sys/sys_<family>.c), run by run.sh.
SYS_TESTS_STATIC = tests/syscalls/sys_path_test_static tests/syscalls/sys_fd_test_static \
	tests/syscalls/sys_time_test_static tests/syscalls/sys_sig_test_static \
	tests/syscalls/sys_cred_test_static
check_PROGRAMS += $(SYS_TESTS_STATIC)
tests_syscalls_sys_path_test_static_SOURCES = tests/syscalls/sys_path_test.c tests/syscalls/verdict.h
tests_syscalls_sys_path_test_static_CFLAGS = -O2 -Wall -Wextra -Werror
tests_syscalls_sys_path_test_static_LDFLAGS = -static -all-static
tests_syscalls_sys_fd_test_static_SOURCES = tests/syscalls/sys_fd_test.c tests/syscalls/verdict.h
tests_syscalls_sys_fd_test_static_CFLAGS = -O2 -Wall -Wextra -Werror
tests_syscalls_sys_fd_test_static_LDFLAGS = -static -all-static

tests_syscalls_sys_time_test_static_SOURCES = tests/syscalls/sys_time_test.c tests/syscalls/verdict.h
tests_syscalls_sys_time_test_static_CFLAGS = -O2 -Wall -Wextra -Werror
tests_syscalls_sys_time_test_static_LDFLAGS = -static -all-static

tests_syscalls_sys_sig_test_static_SOURCES = tests/syscalls/sys_sig_test.c tests/syscalls/verdict.h
tests_syscalls_sys_sig_test_static_CFLAGS = -O2 -Wall -Wextra -Werror
tests_syscalls_sys_sig_test_static_LDFLAGS = -static -all-static

tests_syscalls_sys_cred_test_static_SOURCES = tests/syscalls/sys_cred_test.c tests/syscalls/verdict.h
tests_syscalls_sys_cred_test_static_CFLAGS = -O2 -Wall -Wextra -Werror
tests_syscalls_sys_cred_test_static_LDFLAGS = -static -all-static

# Runs a static program inside a Sentry for tests/syscalls/run.sh.
check_PROGRAMS += tests/syscalls/sentry_run
tests_syscalls_sentry_run_SOURCES = tests/syscalls/sentry_run.c
tests_syscalls_sentry_run_CPPFLAGS = $(CORE_CPPOPTS)
tests_syscalls_sentry_run_CFLAGS = $(CORE_CCOPTS)
tests_syscalls_sentry_run_LDFLAGS = $(CORE_LDOPTS)
tests_syscalls_sentry_run_LDADD = core/libsentry-core.la

TESTS += tests/syscalls/run.sh
EXTRA_DIST += tests/syscalls/run.sh tests/syscalls/tests.list
