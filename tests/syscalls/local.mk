# tests/syscalls: static programs that check one area of system calls each (included from the
# top Makefile.am). run.sh runs each natively and in the Sentry and compares the verdicts;
# native.sh runs each twice natively, so output that is not deterministic fails here, where it
# is cheap to see, rather than as a native/sandbox difference.
# The programs are the application, not cvisor: static, unsanitized, optimised as users build.
SYSCALL_TEST_CCOPTS = -O2 -Wall -Wextra -Werror
SYSCALL_TEST_LDOPTS = -static -all-static

check_PROGRAMS += tests/syscalls/file_test_static
tests_syscalls_file_test_static_SOURCES = tests/syscalls/file_test.c tests/syscalls/expect.h
tests_syscalls_file_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_file_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/dir_test_static
tests_syscalls_dir_test_static_SOURCES = tests/syscalls/dir_test.c tests/syscalls/expect.h
tests_syscalls_dir_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_dir_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/id_test_static
tests_syscalls_id_test_static_SOURCES = tests/syscalls/id_test.c tests/syscalls/expect.h
tests_syscalls_id_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_id_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/time_test_static
tests_syscalls_time_test_static_SOURCES = tests/syscalls/time_test.c tests/syscalls/expect.h
tests_syscalls_time_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_time_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/misc_test_static
tests_syscalls_misc_test_static_SOURCES = tests/syscalls/misc_test.c tests/syscalls/expect.h
tests_syscalls_misc_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_misc_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# The devices and /proc as programs see them.
check_PROGRAMS += tests/syscalls/dev_test_static tests/syscalls/proc_test_static
tests_syscalls_dev_test_static_SOURCES = tests/syscalls/dev_test.c
tests_syscalls_dev_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_dev_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)
tests_syscalls_proc_test_static_SOURCES = tests/syscalls/proc_test.c
tests_syscalls_proc_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_proc_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/sig_deliver_test_static
tests_syscalls_sig_deliver_test_static_SOURCES = tests/syscalls/sig_deliver_test.c
tests_syscalls_sig_deliver_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_sig_deliver_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# FPU and SSE state over system calls, faults, thread switches, signal frames, fork and clone.
check_PROGRAMS += tests/syscalls/fpu_test_static
tests_syscalls_fpu_test_static_SOURCES = tests/syscalls/fpu_test.c tests/syscalls/expect.h
tests_syscalls_fpu_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_fpu_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# Waiting for signals and sleeping (sigsuspend, nanosleep, clock_nanosleep); execve and
# execveat, whose successful cases exec the program itself again.
check_PROGRAMS += tests/syscalls/sig_wait_test_static tests/syscalls/exec_test_static
tests_syscalls_sig_wait_test_static_SOURCES = tests/syscalls/sig_wait_test.c tests/syscalls/expect.h
tests_syscalls_sig_wait_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_sig_wait_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)
tests_syscalls_exec_test_static_SOURCES = tests/syscalls/exec_test.c tests/syscalls/expect.h
tests_syscalls_exec_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_exec_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/pipe_test_static
tests_syscalls_pipe_test_static_SOURCES = tests/syscalls/pipe_test.c tests/syscalls/expect.h
tests_syscalls_pipe_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_pipe_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# sendfile, splice, tee, vmsplice and copy_file_range; rt_sigqueueinfo and rt_tgsigqueueinfo.
check_PROGRAMS += tests/syscalls/splice_test_static tests/syscalls/sigqueue_test_static
tests_syscalls_splice_test_static_SOURCES = tests/syscalls/splice_test.c tests/syscalls/expect.h
tests_syscalls_splice_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_splice_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)
tests_syscalls_sigqueue_test_static_SOURCES = tests/syscalls/sigqueue_test.c tests/syscalls/expect.h
tests_syscalls_sigqueue_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS) -pthread
tests_syscalls_sigqueue_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS) -pthread

check_PROGRAMS += tests/syscalls/cap_test_static
tests_syscalls_cap_test_static_SOURCES = tests/syscalls/cap_test.c tests/syscalls/expect.h
tests_syscalls_cap_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_cap_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/fault_test_static
tests_syscalls_fault_test_static_SOURCES = tests/syscalls/fault_test.c tests/syscalls/expect.h
tests_syscalls_fault_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_fault_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

TESTS += tests/syscalls/native.sh
EXTRA_DIST += tests/syscalls/native.sh tests/syscalls/tests.list

# Processes: fork, vfork, clone, wait4/waitid, SIGCHLD, kill and process groups.
check_PROGRAMS += tests/syscalls/fork_test_static
tests_syscalls_fork_test_static_SOURCES = tests/syscalls/fork_test.c tests/syscalls/expect.h
tests_syscalls_fork_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_fork_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/timer_test_static
tests_syscalls_timer_test_static_SOURCES = tests/syscalls/timer_test.c tests/syscalls/expect.h
tests_syscalls_timer_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_timer_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/jobctl_test_static
tests_syscalls_jobctl_test_static_SOURCES = tests/syscalls/jobctl_test.c tests/syscalls/expect.h
tests_syscalls_jobctl_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_jobctl_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/prctl_test_static
tests_syscalls_prctl_test_static_SOURCES = tests/syscalls/prctl_test.c tests/syscalls/expect.h
tests_syscalls_prctl_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_prctl_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/pidfd_test_static
tests_syscalls_pidfd_test_static_SOURCES = tests/syscalls/pidfd_test.c tests/syscalls/expect.h
tests_syscalls_pidfd_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_pidfd_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/signalfd_test_static
tests_syscalls_signalfd_test_static_SOURCES = tests/syscalls/signalfd_test.c tests/syscalls/expect.h
tests_syscalls_signalfd_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_signalfd_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)
# /proc of other processes, magic links and the global files (issue #7).
check_PROGRAMS += tests/syscalls/procpid_test_static
tests_syscalls_procpid_test_static_SOURCES = tests/syscalls/procpid_test.c tests/syscalls/expect.h
tests_syscalls_procpid_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_procpid_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)
# AF_UNIX sockets: the core's socket layer (core/net), fork for the two-process cases.
check_PROGRAMS += tests/syscalls/unix_test_static
tests_syscalls_unix_test_static_SOURCES = tests/syscalls/unix_test.c tests/syscalls/expect.h
tests_syscalls_unix_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_unix_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)
# epoll instances, and timerfds with the POSIX timers (timer_create and its family).
check_PROGRAMS += tests/syscalls/epoll_test_static tests/syscalls/timerfd_test_static
tests_syscalls_epoll_test_static_SOURCES = tests/syscalls/epoll_test.c tests/syscalls/expect.h
tests_syscalls_epoll_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_epoll_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)
tests_syscalls_timerfd_test_static_SOURCES = tests/syscalls/timerfd_test.c tests/syscalls/expect.h
tests_syscalls_timerfd_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_timerfd_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)
# Threads and futexes (issue #7): the programs use pthreads, so they link with -pthread.
check_PROGRAMS += tests/syscalls/thread_test_static tests/syscalls/futex_test_static
tests_syscalls_thread_test_static_SOURCES = tests/syscalls/thread_test.c tests/syscalls/expect.h
tests_syscalls_thread_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS) -pthread
tests_syscalls_thread_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS) -pthread
tests_syscalls_futex_test_static_SOURCES = tests/syscalls/futex_test.c tests/syscalls/expect.h
tests_syscalls_futex_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS) -pthread
tests_syscalls_futex_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS) -pthread

# futex(2)'s PI locks and robust lists, raw and through glibc's mutexes.
check_PROGRAMS += tests/syscalls/futex_pi_test_static
tests_syscalls_futex_pi_test_static_SOURCES = tests/syscalls/futex_pi_test.c tests/syscalls/expect.h
tests_syscalls_futex_pi_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS) -pthread
tests_syscalls_futex_pi_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS) -pthread

# POSIX timers shared by a process's threads; SIGEV_THREAD_ID and glibc's SIGEV_THREAD.
check_PROGRAMS += tests/syscalls/timer_thread_test_static
tests_syscalls_timer_thread_test_static_SOURCES = tests/syscalls/timer_thread_test.c tests/syscalls/expect.h
tests_syscalls_timer_thread_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS) -pthread
tests_syscalls_timer_thread_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS) -pthread

# Shared memory: memfd_create and seals, MAP_SHARED across processes (mm/shm, ipc/memfd).
check_PROGRAMS += tests/syscalls/memfd_test_static
tests_syscalls_memfd_test_static_SOURCES = tests/syscalls/memfd_test.c tests/syscalls/expect.h
tests_syscalls_memfd_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_memfd_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# Copy-on-write fork (mm.c): private memory stays each process's own.
check_PROGRAMS += tests/syscalls/cow_test_static
tests_syscalls_cow_test_static_SOURCES = tests/syscalls/cow_test.c tests/syscalls/expect.h
tests_syscalls_cow_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS) -pthread
tests_syscalls_cow_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS) -pthread

# NETLINK_ROUTE sockets and the SIOCGIF* ioctls, answered by the core from the network plugin.
check_PROGRAMS += tests/syscalls/netlink_test_static
tests_syscalls_netlink_test_static_SOURCES = tests/syscalls/netlink_test.c tests/syscalls/expect.h
tests_syscalls_netlink_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_netlink_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# System V semaphores and message queues, POSIX message queues (core/ipc/sysv, sem, msg, mqueue).
check_PROGRAMS += tests/syscalls/sem_test_static
tests_syscalls_sem_test_static_SOURCES = tests/syscalls/sem_test.c tests/syscalls/expect.h
tests_syscalls_sem_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_sem_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/msg_test_static
tests_syscalls_msg_test_static_SOURCES = tests/syscalls/msg_test.c tests/syscalls/expect.h
tests_syscalls_msg_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_msg_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/mqueue_test_static
tests_syscalls_mqueue_test_static_SOURCES = tests/syscalls/mqueue_test.c tests/syscalls/expect.h
tests_syscalls_mqueue_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_mqueue_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# AF_INET/AF_INET6 through the host network plugin (issue #8).
check_PROGRAMS += tests/syscalls/inet_test_static
tests_syscalls_inet_test_static_SOURCES = tests/syscalls/inet_test.c tests/syscalls/expect.h
tests_syscalls_inet_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_inet_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

check_PROGRAMS += tests/syscalls/pty_test_static
tests_syscalls_pty_test_static_SOURCES = tests/syscalls/pty_test.c tests/syscalls/expect.h
tests_syscalls_pty_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_pty_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# Shrinking a mapped file (memfs, memfd): SIGBUS past the end, pages never reused while mapped.
check_PROGRAMS += tests/syscalls/trunc_map_test_static
tests_syscalls_trunc_map_test_static_SOURCES = tests/syscalls/trunc_map_test.c tests/syscalls/expect.h
tests_syscalls_trunc_map_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_trunc_map_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# System V shared memory (core/ipc/sysv_shm.c over mm/shm).
check_PROGRAMS += tests/syscalls/shm_test_static
tests_syscalls_shm_test_static_SOURCES = tests/syscalls/shm_test.c tests/syscalls/expect.h
tests_syscalls_shm_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS)
tests_syscalls_shm_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS)

# The application's seccomp (issue #9): filters, strict mode, TSYNC with a second thread.
check_PROGRAMS += tests/syscalls/seccomp_test_static
tests_syscalls_seccomp_test_static_SOURCES = tests/syscalls/seccomp_test.c tests/syscalls/expect.h
tests_syscalls_seccomp_test_static_CFLAGS = $(SYSCALL_TEST_CCOPTS) -pthread
tests_syscalls_seccomp_test_static_LDFLAGS = $(SYSCALL_TEST_LDOPTS) -pthread
