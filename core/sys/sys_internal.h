/*
 * core/sys/sys_internal.h: handler prototypes, shared by the sys_<family>.c files and the table,
 * and the helpers the families share.
 */
#pragma once

#include <stdint.h>
#include <time.h>

#include "sys/sys.h"

struct task;
struct vfs_file;

#define SYS_DECL(name) int64_t sys_##name(struct task *t, const uint64_t a[6])

/* sys_mm.c */
SYS_DECL(brk);
SYS_DECL(mmap);
SYS_DECL(munmap);
SYS_DECL(mprotect);
SYS_DECL(arch_prctl);
SYS_DECL(memfd_create);
SYS_DECL(madvise);

/* sys_proc.c */
SYS_DECL(exit);
SYS_DECL(exit_group);
SYS_DECL(getpid);
SYS_DECL(gettid);
SYS_DECL(getppid);
SYS_DECL(getuid);
SYS_DECL(geteuid);
SYS_DECL(getgid);
SYS_DECL(getegid);
SYS_DECL(set_tid_address);
SYS_DECL(set_robust_list);
SYS_DECL(get_robust_list);
SYS_DECL(uname);
SYS_DECL(prlimit64);
SYS_DECL(getrlimit);
SYS_DECL(flock);
SYS_DECL(rt_sigreturn);
SYS_DECL(poll);
SYS_DECL(ppoll);
SYS_DECL(setrlimit);
SYS_DECL(getrandom);

/* sys_file.c */
SYS_DECL(read);
SYS_DECL(write);
SYS_DECL(pread64);
SYS_DECL(pwrite64);
SYS_DECL(readv);
SYS_DECL(writev);
SYS_DECL(preadv);
SYS_DECL(pwritev);
SYS_DECL(preadv2);
SYS_DECL(pwritev2);
SYS_DECL(openat);
SYS_DECL(open);
SYS_DECL(creat);
SYS_DECL(close);
SYS_DECL(lseek);

/* sys_stat.c */
SYS_DECL(fstat);
SYS_DECL(newfstatat);
SYS_DECL(stat);
SYS_DECL(lstat);
SYS_DECL(statx);
SYS_DECL(statfs);
SYS_DECL(fstatfs);

/* sys_fd.c */
SYS_DECL(dup);
SYS_DECL(dup3);
SYS_DECL(dup2);
SYS_DECL(close_range);
SYS_DECL(fcntl);
SYS_DECL(ioctl);
SYS_DECL(fsync);
SYS_DECL(fdatasync);
SYS_DECL(ftruncate);
SYS_DECL(getdents64);
SYS_DECL(getdents);

/* sys_path.c */
SYS_DECL(access);
SYS_DECL(faccessat);
SYS_DECL(faccessat2);
SYS_DECL(getcwd);
SYS_DECL(chdir);
SYS_DECL(fchdir);
SYS_DECL(chroot);
SYS_DECL(mkdir);
SYS_DECL(mkdirat);
SYS_DECL(mknod);
SYS_DECL(mknodat);
SYS_DECL(rmdir);
SYS_DECL(unlink);
SYS_DECL(unlinkat);
SYS_DECL(rename);
SYS_DECL(renameat);
SYS_DECL(renameat2);
SYS_DECL(link);
SYS_DECL(linkat);
SYS_DECL(symlink);
SYS_DECL(symlinkat);
SYS_DECL(readlinkat);
SYS_DECL(readlink);

/* sys_attr.c */
SYS_DECL(chmod);
SYS_DECL(fchmod);
SYS_DECL(fchmodat);
SYS_DECL(fchmodat2);
SYS_DECL(chown);
SYS_DECL(lchown);
SYS_DECL(fchown);
SYS_DECL(fchownat);
SYS_DECL(utimensat);
SYS_DECL(utimes);
SYS_DECL(futimesat);
SYS_DECL(utime);
SYS_DECL(truncate);
SYS_DECL(umask);
SYS_DECL(sync);
SYS_DECL(syncfs);

/* sys_time.c */
SYS_DECL(clock_gettime);
SYS_DECL(clock_getres);
SYS_DECL(gettimeofday);
SYS_DECL(time);
SYS_DECL(nanosleep);
SYS_DECL(clock_nanosleep);
SYS_DECL(times);
SYS_DECL(getrusage);

/* sys_info.c */
SYS_DECL(sysinfo);
SYS_DECL(sched_yield);
SYS_DECL(sched_getaffinity);
SYS_DECL(prctl);

/* sys_signal.c */
SYS_DECL(rt_sigaction);
SYS_DECL(rt_sigprocmask);
SYS_DECL(rt_sigpending);
SYS_DECL(rt_sigsuspend);
SYS_DECL(rt_sigtimedwait);
SYS_DECL(pause);
SYS_DECL(execve);
SYS_DECL(execveat);
SYS_DECL(sethostname);
SYS_DECL(getxattr);
SYS_DECL(lgetxattr);
SYS_DECL(fgetxattr);
SYS_DECL(setxattr);
SYS_DECL(lsetxattr);
SYS_DECL(fsetxattr);
SYS_DECL(listxattr);
SYS_DECL(llistxattr);
SYS_DECL(flistxattr);
SYS_DECL(removexattr);
SYS_DECL(lremovexattr);
SYS_DECL(fremovexattr);
SYS_DECL(fork);
SYS_DECL(setitimer);
SYS_DECL(getitimer);
SYS_DECL(alarm);
SYS_DECL(vfork);
SYS_DECL(clone);
SYS_DECL(clone3);
SYS_DECL(wait4);
SYS_DECL(waitid);
SYS_DECL(setdomainname);
SYS_DECL(sigaltstack);
SYS_DECL(kill);
SYS_DECL(pidfd_open);
SYS_DECL(signalfd);
SYS_DECL(signalfd4);
SYS_DECL(pidfd_send_signal);
SYS_DECL(tgkill);
SYS_DECL(tkill);
SYS_DECL(capget);
SYS_DECL(capset);
SYS_DECL(rt_sigqueueinfo);
SYS_DECL(rt_tgsigqueueinfo);

/* sys_cred.c */
SYS_DECL(setuid);
SYS_DECL(setgid);
SYS_DECL(setreuid);
SYS_DECL(setregid);
SYS_DECL(setresuid);
SYS_DECL(setresgid);
SYS_DECL(getresuid);
SYS_DECL(getresgid);
SYS_DECL(setfsuid);
SYS_DECL(setfsgid);
SYS_DECL(getgroups);
SYS_DECL(setgroups);
SYS_DECL(getpgrp);
SYS_DECL(getpgid);
SYS_DECL(setpgid);
SYS_DECL(getsid);
SYS_DECL(setsid);

/* sys_futex.c */
SYS_DECL(futex);

/* sys_ipc.c */
SYS_DECL(pipe);
SYS_DECL(pipe2);
SYS_DECL(eventfd);
SYS_DECL(eventfd2);

/* sys_sysvipc.c */
SYS_DECL(semget);
SYS_DECL(semop);
SYS_DECL(semtimedop);
SYS_DECL(semctl);
SYS_DECL(msgget);
SYS_DECL(shmget);
SYS_DECL(shmat);
SYS_DECL(shmdt);
SYS_DECL(shmctl);
SYS_DECL(msgsnd);
SYS_DECL(msgrcv);
SYS_DECL(msgctl);

/* sys_mqueue.c */
SYS_DECL(mq_open);
SYS_DECL(mq_unlink);
SYS_DECL(mq_timedsend);
SYS_DECL(mq_timedreceive);
SYS_DECL(mq_notify);
SYS_DECL(mq_getsetattr);

/* sys_splice.c */
SYS_DECL(sendfile);
SYS_DECL(splice);
SYS_DECL(tee);
SYS_DECL(vmsplice);
SYS_DECL(copy_file_range);

/* sys_poll.c */
SYS_DECL(select);
SYS_DECL(pselect6);

/* The open file description behind @fd with a new reference, or -EBADF. */
int sys_get_file(struct task *t, int64_t fd, struct vfs_file **ret_file);
/* The directory of an *at call: NULL for AT_FDCWD, else the file with a reference; -EBADF. */
int sys_get_dirf(struct task *t, int64_t dirfd, struct vfs_file **ret);
/* Drops a reference from sys_get_file/sys_get_dirf; NULL is fine. */
void sys_put_file(struct vfs_file *f);
/* Copies a path argument into @buf (PATH_MAX bytes): 0, -EFAULT, -ENAMETOOLONG. */
int sys_copy_path(struct task *t, uint64_t addr, char *buf);
struct iovec;
/* Copies in and checks an iovec array of @count segments: -EINVAL (more than 1024, a negative
 * length), -EFAULT, -ENOMEM; lengths clipped to MAX_RW_COUNT in all. *@ret is the caller's to
 * free. */
int sys_copy_iov(struct task *t, uint64_t addr, uint64_t count, struct iovec **ret);

/* A path argument of an *at call, copied in, with its directory. */
struct sys_path {
	char *path;		/* NUL-terminated, owned */
	struct vfs_file *dirf;	/* NULL for AT_FDCWD or an absolute path; one reference */
};
enum {
	SYS_PATH_EMPTY_OK = 1u << 0,	/* "" is allowed (AT_EMPTY_PATH) */
	SYS_PATH_NULL_OK = 1u << 1,	/* so is a NULL pointer, meaning "" (stat family) */
};
/* Copies the path at @addr and looks up @dirfd when the path is relative (Linux copies the
 * name first, and an absolute one never consults the descriptor). @empty_ok holds SYS_PATH_*.
 * Returns 0, -EFAULT, -ENAMETOOLONG, -ENOENT (empty path), -EBADF, -ENOMEM; on failure @p
 * holds nothing. */
int sys_path_get(struct task *t, int64_t dirfd, uint64_t addr, int empty_ok, struct sys_path *p);
void sys_path_put(struct sys_path *p);

/* Blocks the task until absolute @deadline on host clock @c, or for @req on the monotonic
 * clock. Return 0 when the time has come, -EINTR when a signal came first. */
int sys_sleep_until(struct task *t, clockid_t c, const struct timespec *deadline);
int sys_sleep_for(struct task *t, const struct timespec *req);

/* sys_socket.c */
SYS_DECL(socket);
SYS_DECL(socketpair);
SYS_DECL(bind);
SYS_DECL(listen);
SYS_DECL(accept);
SYS_DECL(accept4);
SYS_DECL(connect);
SYS_DECL(getsockname);
SYS_DECL(getpeername);
SYS_DECL(shutdown);
SYS_DECL(getsockopt);
SYS_DECL(setsockopt);

/* sys_sockmsg.c */
SYS_DECL(sendto);
SYS_DECL(recvfrom);
SYS_DECL(sendmsg);
SYS_DECL(recvmsg);
SYS_DECL(sendmmsg);
SYS_DECL(recvmmsg);

struct sock;
struct sockaddr_storage;
/* The socket behind @fd, with a reference on its file (*ret_f): -EBADF, -ENOTSOCK. */
int sys_get_sock(struct task *t, int64_t fd, struct vfs_file **ret_f, struct sock **ret_s);
/* move_addr_to_kernel: @len bytes at @addr into @ret (zeroed). Returns 0, -EINVAL (@len
 * negative or above sizeof(struct sockaddr_storage)), -EFAULT. */
int sys_sockaddr_in(struct task *t, uint64_t addr, int64_t len, struct sockaddr_storage *ret);
/* move_addr_to_user: @sa (@klen bytes) to @addr, cut to the int at @lenp, which then gets
 * @klen. Returns 0, -EFAULT, -EINVAL (a negative length). */
int sys_sockaddr_out(struct task *t, const void *sa, uint32_t klen, uint64_t addr,
		     uint64_t lenp);
/* set_user_sigmask for ppoll, pselect6 and the epoll_pwait calls (sys_poll.c): the mask at
 * @addr (8 bytes, @size must say so; 0: none) is in force until the call returns. Returns 0,
 * -EINVAL (size), -EFAULT. */
int sys_set_call_mask(struct task *t, uint64_t addr, uint64_t size);
/* restore_saved_sigmask_unless: at the end of such a call with result @rc, the old mask comes
 * back unless @rc is -EINTR (the handler's frame records it for sigreturn). */
void sys_restore_call_mask(struct task *t, int64_t rc);

/* sys_epoll.c */
SYS_DECL(epoll_create);
SYS_DECL(epoll_create1);
SYS_DECL(epoll_ctl);
SYS_DECL(epoll_wait);
SYS_DECL(epoll_pwait);
SYS_DECL(epoll_pwait2);

/* sys_timerfd.c */
SYS_DECL(timerfd_create);
SYS_DECL(timerfd_settime);
SYS_DECL(timerfd_gettime);

/* sys_ptimer.c */
SYS_DECL(timer_create);
SYS_DECL(timer_settime);
SYS_DECL(timer_gettime);
SYS_DECL(timer_getoverrun);
SYS_DECL(timer_delete);

/* sys_seccomp.c */
SYS_DECL(seccomp);
