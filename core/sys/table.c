/*
 * core/sys/table.c: the system call table, the dispatcher and --strace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "util/log.h"

#define FULL(nr, fn_, ...) [nr] = { .fn = sys_##fn_, .name = #fn_, .support = SYS_FULL, .args = { __VA_ARGS__ } }
#define PART(nr, fn_, note_, ...)                                                              \
	[nr] = { .fn = sys_##fn_, .name = #fn_, .support = SYS_PARTIAL, .note = note_,           \
		 .args = { __VA_ARGS__ } }
/* Known to the table for --strace, answered -ENOSYS on purpose (glibc copes). */
#define NOSYS(nr, name_, note_) [nr] = { .name = name_, .note = note_ }

const struct sys_entry g_sys_table[SYS_TABLE_SIZE] = {
	/* sys_file.c */
	FULL(SYS_read, read, SA_FD, SA_PTR, SA_INT),
	FULL(SYS_write, write, SA_FD, SA_BUF, SA_INT),
	FULL(SYS_open, open, SA_PATH, SA_HEX, SA_HEX),
	FULL(SYS_creat, creat, SA_PATH, SA_HEX),
	FULL(SYS_close, close, SA_FD),
	FULL(SYS_lseek, lseek, SA_FD, SA_INT, SA_INT),
	FULL(SYS_pread64, pread64, SA_FD, SA_PTR, SA_INT, SA_INT),
	FULL(SYS_pwrite64, pwrite64, SA_FD, SA_BUF, SA_INT, SA_INT),
	FULL(SYS_readv, readv, SA_FD, SA_PTR, SA_INT),
	FULL(SYS_writev, writev, SA_FD, SA_PTR, SA_INT),
	FULL(SYS_preadv, preadv, SA_FD, SA_PTR, SA_INT, SA_INT),
	FULL(SYS_pwritev, pwritev, SA_FD, SA_PTR, SA_INT, SA_INT),
	PART(SYS_preadv2, preadv2, "RWF_NOWAIT and RWF_APPEND: EOPNOTSUPP", SA_FD, SA_PTR, SA_INT,
	     SA_INT, SA_INT, SA_HEX),
	PART(SYS_pwritev2, pwritev2, "RWF_NOWAIT and RWF_APPEND: EOPNOTSUPP", SA_FD, SA_PTR, SA_INT,
	     SA_INT, SA_INT, SA_HEX),
	FULL(SYS_openat, openat, SA_FD, SA_PATH, SA_HEX, SA_HEX),
	/* sys_splice.c */
	PART(SYS_sendfile, sendfile, "copies through the Sentry", SA_FD, SA_FD, SA_PTR, SA_INT),
	PART(SYS_splice, splice, "copies through the Sentry; a pipe's bytes are read, then taken",
	     SA_FD, SA_PTR, SA_FD, SA_PTR, SA_INT, SA_HEX),
	PART(SYS_tee, tee, "copies through the Sentry", SA_FD, SA_FD, SA_INT, SA_HEX),
	PART(SYS_vmsplice, vmsplice, "copies the pages (SPLICE_F_GIFT has no effect)", SA_FD,
	     SA_PTR, SA_INT, SA_HEX),
	PART(SYS_copy_file_range, copy_file_range, "copies through the Sentry", SA_FD, SA_PTR,
	     SA_FD, SA_PTR, SA_INT, SA_HEX),
	/* sys_stat.c */
	FULL(SYS_stat, stat, SA_PATH, SA_PTR),
	FULL(SYS_fstat, fstat, SA_FD, SA_PTR),
	FULL(SYS_lstat, lstat, SA_PATH, SA_PTR),
	FULL(SYS_newfstatat, newfstatat, SA_FD, SA_PATH, SA_PTR, SA_HEX),
	PART(SYS_statx, statx, "no STATX_MNT_ID", SA_FD, SA_PATH, SA_HEX, SA_HEX, SA_PTR),
	FULL(SYS_statfs, statfs, SA_PATH, SA_PTR),
	FULL(SYS_fstatfs, fstatfs, SA_FD, SA_PTR),
	/* sys_fd.c */
	FULL(SYS_dup, dup, SA_FD),
	FULL(SYS_dup2, dup2, SA_FD, SA_FD),
	FULL(SYS_dup3, dup3, SA_FD, SA_FD, SA_HEX),
	FULL(SYS_close_range, close_range, SA_FD, SA_FD, SA_HEX),
	PART(SYS_fcntl, fcntl, "no F_SETOWN/F_SETSIG (SIGIO), leases or F_NOTIFY", SA_FD, SA_INT,
	     SA_HEX),
	FULL(SYS_ioctl, ioctl, SA_FD, SA_HEX, SA_HEX),
	FULL(SYS_fsync, fsync, SA_FD),
	FULL(SYS_fdatasync, fdatasync, SA_FD),
	FULL(SYS_ftruncate, ftruncate, SA_FD, SA_INT),
	FULL(SYS_getdents, getdents, SA_FD, SA_PTR, SA_INT),
	FULL(SYS_getdents64, getdents64, SA_FD, SA_PTR, SA_INT),
	/* sys_path.c */
	FULL(SYS_access, access, SA_PATH, SA_HEX),
	FULL(SYS_faccessat, faccessat, SA_FD, SA_PATH, SA_HEX),
	FULL(SYS_faccessat2, faccessat2, SA_FD, SA_PATH, SA_HEX, SA_HEX),
	FULL(SYS_getcwd, getcwd, SA_PTR, SA_INT),
	FULL(SYS_chdir, chdir, SA_PATH),
	FULL(SYS_fchdir, fchdir, SA_FD),
	FULL(SYS_chroot, chroot, SA_PATH),
	FULL(SYS_mkdir, mkdir, SA_PATH, SA_HEX),
	FULL(SYS_mkdirat, mkdirat, SA_FD, SA_PATH, SA_HEX),
	FULL(SYS_mknod, mknod, SA_PATH, SA_HEX, SA_HEX),
	FULL(SYS_mknodat, mknodat, SA_FD, SA_PATH, SA_HEX, SA_HEX),
	FULL(SYS_rmdir, rmdir, SA_PATH),
	FULL(SYS_unlink, unlink, SA_PATH),
	FULL(SYS_unlinkat, unlinkat, SA_FD, SA_PATH, SA_HEX),
	FULL(SYS_rename, rename, SA_PATH, SA_PATH),
	FULL(SYS_renameat, renameat, SA_FD, SA_PATH, SA_FD, SA_PATH),
	PART(SYS_renameat2, renameat2, "no RENAME_WHITEOUT", SA_FD, SA_PATH, SA_FD, SA_PATH,
	     SA_HEX),
	FULL(SYS_link, link, SA_PATH, SA_PATH),
	FULL(SYS_linkat, linkat, SA_FD, SA_PATH, SA_FD, SA_PATH, SA_HEX),
	FULL(SYS_symlink, symlink, SA_PATH, SA_PATH),
	FULL(SYS_symlinkat, symlinkat, SA_PATH, SA_FD, SA_PATH),
	FULL(SYS_readlink, readlink, SA_PATH, SA_PTR, SA_INT),
	FULL(SYS_readlinkat, readlinkat, SA_FD, SA_PATH, SA_PTR, SA_INT),
	/* sys_attr.c */
	FULL(SYS_chmod, chmod, SA_PATH, SA_HEX),
	FULL(SYS_fchmod, fchmod, SA_FD, SA_HEX),
	FULL(SYS_fchmodat, fchmodat, SA_FD, SA_PATH, SA_HEX),
	FULL(452, fchmodat2, SA_FD, SA_PATH, SA_HEX, SA_HEX),
	FULL(SYS_chown, chown, SA_PATH, SA_INT, SA_INT),
	FULL(SYS_fchown, fchown, SA_FD, SA_INT, SA_INT),
	FULL(SYS_lchown, lchown, SA_PATH, SA_INT, SA_INT),
	FULL(SYS_fchownat, fchownat, SA_FD, SA_PATH, SA_INT, SA_INT, SA_HEX),
	FULL(SYS_utimensat, utimensat, SA_FD, SA_PATH, SA_PTR, SA_HEX),
	FULL(SYS_utimes, utimes, SA_PATH, SA_PTR),
	FULL(SYS_futimesat, futimesat, SA_FD, SA_PATH, SA_PTR),
	FULL(SYS_utime, utime, SA_PATH, SA_PTR),
	FULL(SYS_truncate, truncate, SA_PATH, SA_INT),
	FULL(SYS_umask, umask, SA_HEX),
	FULL(SYS_sync, sync),
	FULL(SYS_syncfs, syncfs, SA_FD),
	/* sys_mm.c */
	PART(SYS_mmap, mmap, "no MAP_HUGETLB", SA_HEX, SA_HEX, SA_HEX, SA_HEX, SA_FD, SA_HEX),
	FULL(SYS_mprotect, mprotect, SA_HEX, SA_HEX, SA_HEX),
	FULL(SYS_munmap, munmap, SA_HEX, SA_HEX),
	FULL(SYS_brk, brk, SA_HEX),
	PART(SYS_arch_prctl, arch_prctl, "FS/GS base only", SA_HEX, SA_HEX),
	PART(SYS_memfd_create, memfd_create, "no MFD_HUGETLB", SA_PATH, SA_HEX),
	PART(SYS_madvise, madvise, "DONTNEED, REMOVE, DONTFORK, WIPEONFORK act; the rest ignored",
	     SA_HEX, SA_HEX, SA_INT),
	/* sys_proc.c */
	FULL(SYS_getpid, getpid),
	FULL(SYS_exit, exit, SA_INT),
	FULL(SYS_uname, uname, SA_PTR),
	FULL(SYS_sethostname, sethostname, SA_PTR, SA_INT),
	FULL(SYS_setdomainname, setdomainname, SA_PTR, SA_INT),
	FULL(SYS_getuid, getuid),
	FULL(SYS_getgid, getgid),
	FULL(SYS_geteuid, geteuid),
	FULL(SYS_getegid, getegid),
	FULL(SYS_getppid, getppid),
	FULL(SYS_gettid, gettid),
	FULL(SYS_set_tid_address, set_tid_address, SA_PTR),
	FULL(SYS_exit_group, exit_group, SA_INT),
	/* sys_xattr.c */
	FULL(SYS_getxattr, getxattr, SA_PATH, SA_PTR, SA_PTR, SA_INT),
	FULL(SYS_lgetxattr, lgetxattr, SA_PATH, SA_PTR, SA_PTR, SA_INT),
	FULL(SYS_fgetxattr, fgetxattr, SA_FD, SA_PTR, SA_PTR, SA_INT),
	FULL(SYS_setxattr, setxattr, SA_PATH, SA_PTR, SA_PTR, SA_INT, SA_HEX),
	FULL(SYS_lsetxattr, lsetxattr, SA_PATH, SA_PTR, SA_PTR, SA_INT, SA_HEX),
	FULL(SYS_fsetxattr, fsetxattr, SA_FD, SA_PTR, SA_PTR, SA_INT, SA_HEX),
	FULL(SYS_listxattr, listxattr, SA_PATH, SA_PTR, SA_INT),
	FULL(SYS_llistxattr, llistxattr, SA_PATH, SA_PTR, SA_INT),
	FULL(SYS_flistxattr, flistxattr, SA_FD, SA_PTR, SA_INT),
	FULL(SYS_removexattr, removexattr, SA_PATH, SA_PTR),
	FULL(SYS_lremovexattr, lremovexattr, SA_PATH, SA_PTR),
	FULL(SYS_fremovexattr, fremovexattr, SA_FD, SA_PTR),
	/* sys_timer.c */
	PART(SYS_setitimer, setitimer, "only ITIMER_REAL fires", SA_INT, SA_PTR, SA_PTR),
	PART(SYS_getitimer, getitimer, "only ITIMER_REAL fires", SA_INT, SA_PTR),
	FULL(SYS_alarm, alarm, SA_INT),
	/* sys_fork.c */
	FULL(SYS_fork, fork, ),
	FULL(SYS_vfork, vfork, ),
	FULL(SYS_clone, clone, SA_HEX, SA_PTR, SA_PTR,
	     SA_PTR, SA_PTR),
	PART(SYS_clone3, clone3, "set_tid gives EPERM, CLONE_INTO_CGROUP EBADF: no choosing of PIDs or cgroups inside",
	     SA_PTR, SA_INT),
	FULL(SYS_wait4, wait4, SA_INT, SA_PTR, SA_HEX, SA_PTR),
	FULL(SYS_waitid, waitid, SA_INT, SA_INT, SA_PTR, SA_HEX, SA_PTR),
	/* sys_exec.c */
	FULL(SYS_execve, execve, SA_PATH, SA_PTR, SA_PTR),
	FULL(SYS_execveat, execveat, SA_FD, SA_PATH, SA_PTR, SA_PTR,
	     SA_HEX),
	FULL(SYS_set_robust_list, set_robust_list, SA_PTR, SA_INT),
	FULL(SYS_get_robust_list, get_robust_list, SA_INT, SA_PTR, SA_PTR),
	FULL(SYS_prlimit64, prlimit64, SA_INT, SA_INT, SA_PTR, SA_PTR),
	FULL(SYS_getrlimit, getrlimit, SA_INT, SA_PTR),
	FULL(SYS_flock, flock, SA_FD, SA_HEX),
	FULL(SYS_rt_sigreturn, rt_sigreturn),
	FULL(SYS_poll, poll, SA_PTR, SA_INT, SA_INT),
	FULL(SYS_ppoll, ppoll, SA_PTR, SA_INT, SA_PTR, SA_PTR, SA_INT),
	FULL(SYS_setrlimit, setrlimit, SA_INT, SA_PTR),
	FULL(SYS_getrandom, getrandom, SA_PTR, SA_INT, SA_HEX),
	/* sys_time.c */
	PART(SYS_clock_gettime, clock_gettime, "CPU clocks count the Sentry thread only", SA_INT,
	     SA_PTR),
	FULL(SYS_clock_getres, clock_getres, SA_INT, SA_PTR),
	FULL(SYS_gettimeofday, gettimeofday, SA_PTR, SA_PTR),
	FULL(SYS_time, time, SA_PTR),
	PART(SYS_nanosleep, nanosleep, "no restart after a handler", SA_PTR, SA_PTR),
	PART(SYS_clock_nanosleep, clock_nanosleep, "no restart after a handler", SA_INT, SA_HEX,
	     SA_PTR, SA_PTR),
	PART(SYS_times, times, "CPU times count the Sentry thread only", SA_PTR),
	PART(SYS_getrusage, getrusage, "CPU times only", SA_INT, SA_PTR),
	/* sys_info.c */
	PART(SYS_sysinfo, sysinfo, "the host's memory and load", SA_PTR),
	FULL(SYS_sched_yield, sched_yield),
	FULL(SYS_sched_getaffinity, sched_getaffinity, SA_INT, SA_INT, SA_PTR),
	PART(SYS_prctl, prctl, "common options", SA_INT, SA_HEX, SA_HEX, SA_HEX,
	     SA_HEX),
	/* sys_seccomp.c */
	PART(SYS_seccomp, seccomp, "no notification listener (NEW_LISTENER: EINVAL)", SA_INT, SA_HEX,
	     SA_PTR),
	/* sys_signal.c */
	FULL(SYS_rt_sigaction, rt_sigaction, SA_INT, SA_PTR, SA_PTR,
	     SA_INT),
	FULL(SYS_rt_sigprocmask, rt_sigprocmask, SA_INT, SA_PTR,
	     SA_PTR, SA_INT),
	FULL(SYS_rt_sigpending, rt_sigpending, SA_PTR, SA_INT),
	FULL(SYS_rt_sigsuspend, rt_sigsuspend, SA_PTR, SA_INT),
	FULL(SYS_rt_sigtimedwait, rt_sigtimedwait, SA_PTR, SA_PTR, SA_PTR, SA_INT),
	FULL(SYS_pause, pause, ),
	FULL(SYS_sigaltstack, sigaltstack, SA_PTR, SA_PTR),
	FULL(SYS_kill, kill, SA_INT, SA_INT),
	FULL(SYS_pidfd_open, pidfd_open, SA_INT, SA_HEX),
	FULL(SYS_signalfd, signalfd, SA_INT, SA_PTR, SA_INT),
	FULL(SYS_signalfd4, signalfd4, SA_INT, SA_PTR, SA_INT, SA_HEX),
	FULL(SYS_pidfd_send_signal, pidfd_send_signal, SA_INT, SA_INT, SA_PTR, SA_HEX),
	FULL(SYS_tgkill, tgkill, SA_INT, SA_INT, SA_INT),
	FULL(SYS_tkill, tkill, SA_INT, SA_INT),
	PART(SYS_rt_sigqueueinfo, rt_sigqueueinfo, "at most 1024 queued instances a list, the "
	     "rest dropped (no EAGAIN)", SA_INT, SA_INT, SA_PTR),
	PART(SYS_rt_tgsigqueueinfo, rt_tgsigqueueinfo, "at most 1024 queued instances a list, "
	     "the rest dropped (no EAGAIN)", SA_INT, SA_INT, SA_INT, SA_PTR),
	/* sys_cred.c */
	FULL(SYS_setuid, setuid, SA_INT),
	PART(SYS_capget, capget, "no ambient set", SA_PTR, SA_PTR),
	PART(SYS_capset, capset, "no ambient set; file capabilities are not read at exec",
	     SA_PTR, SA_PTR),
	FULL(SYS_setgid, setgid, SA_INT),
	FULL(SYS_setreuid, setreuid, SA_INT, SA_INT),
	FULL(SYS_setregid, setregid, SA_INT, SA_INT),
	FULL(SYS_setresuid, setresuid, SA_INT, SA_INT, SA_INT),
	FULL(SYS_setresgid, setresgid, SA_INT, SA_INT, SA_INT),
	FULL(SYS_getresuid, getresuid, SA_PTR, SA_PTR, SA_PTR),
	FULL(SYS_getresgid, getresgid, SA_PTR, SA_PTR, SA_PTR),
	FULL(SYS_setfsuid, setfsuid, SA_INT),
	FULL(SYS_setfsgid, setfsgid, SA_INT),
	PART(SYS_getgroups, getgroups, "at most 32 groups", SA_INT, SA_PTR),
	PART(SYS_setgroups, setgroups, "at most 32 groups (ENOMEM beyond)", SA_INT, SA_PTR),
	FULL(SYS_getpgrp, getpgrp),
	FULL(SYS_getpgid, getpgid, SA_INT),
	FULL(SYS_setpgid, setpgid, SA_INT, SA_INT),
	FULL(SYS_getsid, getsid, SA_INT),
	FULL(SYS_setsid, setsid),
	/* sys_ipc.c */
	FULL(SYS_pipe, pipe, SA_PTR),
	PART(SYS_pipe2, pipe2, "O_NOTIFICATION_PIPE: ENOPKG (no watch queues)", SA_PTR, SA_HEX),
	FULL(SYS_eventfd, eventfd, SA_INT),
	FULL(SYS_eventfd2, eventfd2, SA_INT, SA_HEX),
	/* sys_poll.c */
	FULL(SYS_select, select, SA_INT, SA_PTR, SA_PTR, SA_PTR, SA_PTR),
	FULL(SYS_pselect6, pselect6, SA_INT, SA_PTR, SA_PTR, SA_PTR, SA_PTR, SA_PTR),
	/* sys_futex.c */
	PART(SYS_futex, futex, "no requeue to a PI futex (WAIT_REQUEUE_PI)", SA_PTR, SA_INT,
	     SA_INT, SA_PTR, SA_PTR, SA_HEX),
	NOSYS(SYS_rseq, "rseq", "restartable sequences are not offered; glibc falls back"),
	/* sys_socket.c, sys_sockmsg.c */
	PART(SYS_socket, socket, "AF_UNIX, AF_NETLINK (NETLINK_ROUTE); AF_INET/AF_INET6 through the network plugin",
	     SA_INT, SA_HEX, SA_INT),
	FULL(SYS_socketpair, socketpair, SA_INT, SA_HEX, SA_INT, SA_PTR),
	FULL(SYS_bind, bind, SA_FD, SA_PTR, SA_INT),
	FULL(SYS_listen, listen, SA_FD, SA_INT),
	FULL(SYS_accept, accept, SA_FD, SA_PTR, SA_PTR),
	FULL(SYS_accept4, accept4, SA_FD, SA_PTR, SA_PTR, SA_HEX),
	FULL(SYS_connect, connect, SA_FD, SA_PTR, SA_INT),
	FULL(SYS_getsockname, getsockname, SA_FD, SA_PTR, SA_PTR),
	FULL(SYS_getpeername, getpeername, SA_FD, SA_PTR, SA_PTR),
	FULL(SYS_shutdown, shutdown, SA_FD, SA_INT),
	FULL(SYS_getsockopt, getsockopt, SA_FD, SA_INT, SA_INT, SA_PTR, SA_PTR),
	FULL(SYS_setsockopt, setsockopt, SA_FD, SA_INT, SA_INT, SA_PTR, SA_INT),
	PART(SYS_sendto, sendto, "AF_UNIX: no MSG_OOB", SA_FD, SA_BUF, SA_INT, SA_HEX, SA_PTR,
	     SA_INT),
	PART(SYS_recvfrom, recvfrom, "AF_UNIX: no MSG_OOB", SA_FD, SA_PTR, SA_INT, SA_HEX, SA_PTR,
	     SA_PTR),
	PART(SYS_sendmsg, sendmsg, "AF_UNIX: no MSG_OOB, no garbage collection of descriptor "
	     "cycles", SA_FD, SA_PTR, SA_HEX),
	PART(SYS_recvmsg, recvmsg, "AF_UNIX: no MSG_OOB", SA_FD, SA_PTR, SA_HEX),
	FULL(SYS_sendmmsg, sendmmsg, SA_FD, SA_PTR, SA_INT, SA_HEX),
	FULL(SYS_recvmmsg, recvmmsg, SA_FD, SA_PTR, SA_INT, SA_HEX, SA_PTR),
	/* sys_epoll.c */
	FULL(SYS_epoll_create, epoll_create, SA_INT),
	FULL(SYS_epoll_create1, epoll_create1, SA_HEX),
	PART(SYS_epoll_ctl, epoll_ctl, "EPOLLEXCLUSIVE wakes every waiter; no wakeup-path limits",
	     SA_FD, SA_INT, SA_FD, SA_PTR),
	FULL(SYS_epoll_wait, epoll_wait, SA_FD, SA_PTR, SA_INT, SA_INT),
	FULL(SYS_epoll_pwait, epoll_pwait, SA_FD, SA_PTR, SA_INT, SA_INT, SA_PTR, SA_INT),
	FULL(SYS_epoll_pwait2, epoll_pwait2, SA_FD, SA_PTR, SA_INT, SA_PTR, SA_PTR, SA_INT),
	/* sys_timerfd.c */
	PART(SYS_timerfd_create, timerfd_create, "alarm clocks as their clocks (no suspend)",
	     SA_INT, SA_HEX),
	PART(SYS_timerfd_settime, timerfd_settime, "TFD_TIMER_CANCEL_ON_SET never cancels "
	     "(the sandbox's clock is never set)", SA_FD, SA_HEX, SA_PTR, SA_PTR),
	FULL(SYS_timerfd_gettime, timerfd_gettime, SA_FD, SA_PTR),
	/* sys_ptimer.c */
	PART(SYS_timer_create, timer_create, "no CPU-time clocks (EOPNOTSUPP)", SA_INT, SA_PTR, SA_PTR),
	FULL(SYS_timer_settime, timer_settime, SA_INT, SA_HEX, SA_PTR, SA_PTR),
	FULL(SYS_timer_gettime, timer_gettime, SA_INT, SA_PTR),
	FULL(SYS_timer_getoverrun, timer_getoverrun, SA_INT),
	FULL(SYS_timer_delete, timer_delete, SA_INT),
	/* sys_sysvipc.c */
	FULL(SYS_semget, semget, SA_HEX, SA_INT, SA_HEX),
	PART(SYS_semop, semop, "SEM_UNDO per process, not per CLONE_SYSVSEM group", SA_INT, SA_PTR,
	     SA_INT),
	PART(SYS_semtimedop, semtimedop, "SEM_UNDO per process, not per CLONE_SYSVSEM group", SA_INT,
	     SA_PTR, SA_INT, SA_PTR),
	FULL(SYS_semctl, semctl, SA_INT, SA_INT, SA_INT, SA_HEX),
	FULL(SYS_msgget, msgget, SA_HEX, SA_HEX),
	FULL(SYS_shmget, shmget, SA_HEX, SA_INT, SA_HEX),
	FULL(SYS_shmat, shmat, SA_INT, SA_PTR, SA_HEX),
	FULL(SYS_shmdt, shmdt, SA_PTR),
	FULL(SYS_shmctl, shmctl, SA_INT, SA_INT, SA_PTR),
	FULL(SYS_msgsnd, msgsnd, SA_INT, SA_PTR, SA_INT, SA_HEX),
	FULL(SYS_msgrcv, msgrcv, SA_INT, SA_PTR, SA_INT, SA_INT, SA_HEX),
	FULL(SYS_msgctl, msgctl, SA_INT, SA_INT, SA_PTR),
	/* sys_mqueue.c */
	PART(SYS_mq_open, mq_open, "no /dev/mqueue", SA_PATH, SA_HEX,
	     SA_HEX, SA_PTR),
	FULL(SYS_mq_unlink, mq_unlink, SA_PATH),
	FULL(SYS_mq_timedsend, mq_timedsend, SA_FD, SA_PTR, SA_INT, SA_INT, SA_PTR),
	FULL(SYS_mq_timedreceive, mq_timedreceive, SA_FD, SA_PTR, SA_INT, SA_PTR, SA_PTR),
	PART(SYS_mq_notify, mq_notify, "SIGEV_THREAD: no netlink sockets (EINVAL/ENOTSOCK)", SA_FD,
	     SA_PTR),
	FULL(SYS_mq_getsetattr, mq_getsetattr, SA_FD, SA_PTR, SA_PTR),
};

static int g_strace;

void sys_set_strace(int on)
{
	g_strace = on;
}

/* Appends one argument to @out as strace would show it. */
static int strace_arg(struct task *t, int kind, uint64_t v, uint64_t next, char *out, size_t size)
{
	char s[48];
	switch (kind) {
	case SA_INT:
	case SA_FD:
		return snprintf(out, size, "%" PRId64, (int64_t)v);
	case SA_PATH:
		if (mm_copy_string(t->mm, v, s, sizeof(s)) >= 0)
			return snprintf(out, size, "\"%s\"", s);
		return snprintf(out, size, "%#" PRIx64, v);
	case SA_BUF: {
		size_t n = next < 32 ? (size_t)next : 32;
		if (mm_copy_in(t->mm, v, s, n) < 0)
			return snprintf(out, size, "%#" PRIx64, v);
		int w = snprintf(out, size, "\"");
		for (size_t i = 0; i < n && (size_t)w + 5 < size; i++)
			w += snprintf(out + w, size - (size_t)w, (s[i] >= 32 && s[i] < 127 && s[i] != '"')
								? "%c" : "\\x%02x",
				      (unsigned char)s[i]);
		return w + snprintf(out + w, size - (size_t)w, "\"%s", next > n ? "..." : "");
	}
	default:
		return snprintf(out, size, "%#" PRIx64, v);
	}
}

static void strace_line(struct task *t, uint64_t nr, const uint64_t a[6], int64_t ret)
{
	const struct sys_entry *e = nr < SYS_TABLE_SIZE ? &g_sys_table[nr] : NULL;
	const char *name = e && e->name ? e->name : sys_name(nr);
	char line[512];
	int w = name ? snprintf(line, sizeof(line), "[%d] %s(", t->tid, name)
		     : snprintf(line, sizeof(line), "[%d] syscall_%" PRIu64 "(", t->tid, nr);
	for (int i = 0; e && i < 6 && e->args[i] && w < (int)sizeof(line) - 160; i++) {
		if (i)
			w += snprintf(line + w, sizeof(line) - (size_t)w, ", ");
		w += strace_arg(t, e->args[i], a[i], i < 5 ? a[i + 1] : 0, line + w,
				sizeof(line) - (size_t)w);
		if (w > (int)sizeof(line) - 1)
			w = (int)sizeof(line) - 1;
	}
	if (!e || !e->fn)
		log_msg(SENTRY_LOG_ERR, NULL, "%s) = %" PRId64 " ENOSYS (not implemented)", line, ret);
	else if (ret < 0 && ret >= -4095)
		log_msg(SENTRY_LOG_ERR, NULL, "%s) = %" PRId64 " %s (%s)", line, ret,
			strerrorname_np((int)-ret) ?: "?", strerror((int)-ret));
	else
		log_msg(SENTRY_LOG_ERR, NULL, "%s) = %#" PRIx64, line, (uint64_t)ret);
}

/* Numbers already logged as unimplemented: each is logged once per Sentry. The last word
 * stands for every number past the table. */
static _Atomic uint64_t g_nosys_logged[SYS_TABLE_SIZE / 64 + 1];

static int64_t sys_nosys(struct task *t, uint64_t nr)
{
	size_t i = nr < SYS_TABLE_SIZE ? (size_t)nr : SYS_TABLE_SIZE;
	uint64_t bit = 1ull << (i % 64);
	if (!(atomic_fetch_or(&g_nosys_logged[i / 64], bit) & bit)) {
		const char *name = sys_name(nr);
		const char *note = nr < SYS_TABLE_SIZE ? g_sys_table[nr].note : NULL;
		log_msg(SENTRY_LOG_DEBUG, "sys", "tid %d: unimplemented system call %" PRIu64
			" (%s)%s%s: ENOSYS", t->tid, nr, name ? name : "unassigned",
			note ? ": " : "", note ? note : "");
	}
	return -ENOSYS;
}

int64_t sys_dispatch(struct task *t, uint64_t nr, const uint64_t args[6])
{
	const struct sys_entry *e = nr < SYS_TABLE_SIZE ? &g_sys_table[nr] : NULL;
	int64_t ret = e && e->fn ? e->fn(t, args) : sys_nosys(t, nr);
	if (g_strace && !(t->exited && e && e->fn == sys_exit_group))
		strace_line(t, nr, args, ret);
	return ret;
}

void sys_strace_skipped(struct task *t, uint64_t nr, const uint64_t args[6], int64_t ret)
{
	if (g_strace && !t->exited)
		strace_line(t, nr, args, ret);
}
