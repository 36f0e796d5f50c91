# bench: build rules (included from the top Makefile.am).
EXTRA_DIST += bench/run.sh
EXTRA_DIST += bench/lib.sh

# vfs-stat: the VFS and loader compiled in with optimisation and without sanitizers, so the
# figures measure the code, not ASan.
check_PROGRAMS += bench/vfs_stat
bench_vfs_stat_SOURCES = bench/vfs_stat.c \
	core/plugin/plugin.c core/plugin/services.c core/util/log.c core/mm/memfile.c \
	core/mm/mm.c core/kernel/wait.c \
	$(VFS_CORE_SOURCES)
bench_vfs_stat_CPPFLAGS = $(CORE_CPPOPTS)
bench_vfs_stat_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -O2
bench_vfs_stat_LDADD = $(LIBS) -lpthread
EXTRA_DIST += bench/vfs-stat.sh

# syscall: one system call's cost natively, under gVisor and under cvisor (bench/syscall.sh).
# Static and unsanitized like the syscall tests: it is the application.
check_PROGRAMS += bench/syscall_loop
bench_syscall_loop_SOURCES = bench/syscall_loop.c
bench_syscall_loop_CFLAGS = -O2 -Wall -Wextra -Werror
bench_syscall_loop_LDFLAGS = -static -all-static
EXTRA_DIST += bench/syscall.sh bench/startup.sh bench/install-deps.sh

# gofer-stat, gofer-io: fs-gofer9p over the Gofer's server (forked, same code as runsc gofer)
# against memfs and the host, optimised and unsanitized like vfs_stat.
check_PROGRAMS += bench/gofer_bench
bench_gofer_bench_SOURCES = bench/gofer_bench.c \
	core/plugin/plugin.c core/plugin/services.c core/util/log.c core/mm/memfile.c \
	core/mm/mm.c core/kernel/wait.c $(VFS_CORE_SOURCES) runtime/gofer/server.c runtime/gofer/server_ops.c \
	runtime/gofer/server_internal.h runtime/gofer/gofer.h $(P9_WIRE_SOURCES)
bench_gofer_bench_CPPFLAGS = $(CORE_CPPOPTS) -I$(top_srcdir)/runtime \
	-I$(top_srcdir)/plugins/fs-gofer9p
bench_gofer_bench_CFLAGS = $(WARN_CFLAGS) -std=gnu11 -O2
bench_gofer_bench_LDADD = $(LIBS) -lpthread
EXTRA_DIST += bench/gofer-stat.sh bench/gofer-io.sh

# spawn, thread, futex: process and thread costs (bench/spawn.sh), static like syscall_loop.
check_PROGRAMS += bench/proc_bench
bench_proc_bench_SOURCES = bench/proc_bench.c
bench_proc_bench_CFLAGS = -O2 -Wall -Wextra -Werror -pthread
bench_proc_bench_LDFLAGS = -static -all-static -pthread
EXTRA_DIST += bench/spawn.sh bench/thread.sh bench/futex.sh

# pipe: pipe throughput natively, under gVisor and under cvisor (bench/pipe.sh); the
# application, like syscall_loop.
check_PROGRAMS += bench/pipe_bench
bench_pipe_bench_SOURCES = bench/pipe.c
bench_pipe_bench_CFLAGS = -O2 -Wall -Wextra -Werror
bench_pipe_bench_LDFLAGS = -static -all-static
EXTRA_DIST += bench/pipe.sh

# tcp-rr, tcp-bulk, unix-rr: socket round trips and throughput (issue #8), static and
# unsanitized: it is the application.
check_PROGRAMS += bench/sock_bench
bench_sock_bench_SOURCES = bench/sock_bench.c
bench_sock_bench_CFLAGS = -O2 -Wall -Wextra -Werror
bench_sock_bench_LDFLAGS = -static -all-static
EXTRA_DIST += bench/tcp-rr.sh bench/tcp-bulk.sh bench/unix-rr.sh bench/sock.sh
