/*
 * core/sys/sys_fork.c: fork, vfork, clone, clone3, wait4, waitid; the work is in
 * kernel/fork.c, this is the system call ABI around it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "fd/fdtable.h"
#include "kernel/pidfd.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int64_t sys_fork(struct task *t, const uint64_t a[6])
{
	(void)a;
	const struct kernel_clone c = { .flags = SIGCHLD };
	return kernel_clone(t, &c);
}

int64_t sys_vfork(struct task *t, const uint64_t a[6])
{
	(void)a;
	const struct kernel_clone c = { .flags = CLONE_VM | CLONE_VFORK | SIGCHLD };
	return kernel_clone(t, &c);
}

/* x86-64's argument order: flags, stack, parent_tid, child_tid, tls. */
int64_t sys_clone(struct task *t, const uint64_t a[6])
{
	const struct kernel_clone c = { .flags = a[0] & 0xffffffffu, .stack = a[1],
					.parent_tid = a[2], .child_tid = a[3], .tls = a[4],
					.pidfd = a[2] };
	return kernel_clone(t, &c);
}

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ull
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ull
#endif

/* struct clone_args (linux/sched.h), as far as its third version. */
struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size;	/* version 1 */
	uint64_t cgroup;		/* version 2 */
};
#define CLONE3_SIZE_VER0 64u
/* One past the highest user address (TASK_SIZE_MAX). */
#define USER_TOP 0x7ffffffff000ull

/* Reads clone3's argument as copy_struct_from_user does: a shorter (older) struct is
 * zero-extended, a longer one must be zero beyond what is known. */
static int clone3_read(struct task *t, uint64_t addr, uint64_t size, struct clone3_args *ca)
{
	if (size > 4096)
		return -E2BIG;
	if (size < CLONE3_SIZE_VER0)
		return -EINVAL;
	uint8_t buf[4096] = { 0 };
	if (mm_copy_in(t->mm, addr, buf, (size_t)size) < 0)
		return -EFAULT;
	for (size_t i = sizeof(*ca); i < size; i++)
		if (buf[i])
			return -E2BIG;
	memcpy(ca, buf, sizeof(*ca));
	return 0;
}

/* clone3(2): Linux's checks (copy_clone_args_from_user, clone3_args_valid) in its order. */
int64_t sys_clone3(struct task *t, const uint64_t a[6])
{
	struct clone3_args ca;
	int rc = clone3_read(t, a[0], a[1], &ca);
	if (rc < 0)
		return rc;
	if (ca.set_tid_size > 32 || (!ca.set_tid && ca.set_tid_size) ||
	    (ca.set_tid && !ca.set_tid_size))
		return -EINVAL;
	if ((ca.exit_signal & ~(uint64_t)CSIGNAL) || ca.exit_signal > 64)
		return -EINVAL;
	if ((ca.flags & CLONE_INTO_CGROUP) && (ca.cgroup > INT32_MAX || a[1] < sizeof(ca)))
		return -EINVAL;
	if (ca.flags & ~(0xffffffffull | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
		return -EINVAL;
	/* Bits clone(2) takes for the exit signal and CLONE_DETACHED are reserved here. */
	if (ca.flags & (0x00400000ull | (CSIGNAL & ~0x80ull)))
		return -EINVAL;
	if ((ca.flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) ==
	    (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
		return -EINVAL;
	if ((ca.flags & (CLONE_THREAD | CLONE_PARENT)) && ca.exit_signal)
		return -EINVAL;
	/* The stack is given by its lowest address and size (access_ok of the range). */
	if (ca.stack ? !ca.stack_size || ca.stack_size > USER_TOP || ca.stack > USER_TOP - ca.stack_size
		     : ca.stack_size != 0)
		return -EINVAL;
	const struct kernel_clone c = {
		.flags = (ca.flags & ~CLONE_INTO_CGROUP) | ca.exit_signal,
		.stack = ca.stack ? ca.stack + ca.stack_size : 0, .parent_tid = ca.parent_tid,
		.child_tid = ca.child_tid, .tls = ca.tls, .pidfd = ca.pidfd,
		/* Choosing PIDs (CAP_CHECKPOINT_RESTORE's) is not offered, and no descriptor
		 * inside names a cgroup directory. */
		.refuse = ca.set_tid ? -EPERM : (ca.flags & CLONE_INTO_CGROUP) ? -EBADF : 0,
	};
	return kernel_clone(t, &c);
}

int64_t sys_pidfd_open(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0];
	uint32_t flags = (uint32_t)a[1];
	if (flags & ~(uint32_t)O_NONBLOCK)
		return -EINVAL;
	if (pid <= 0)
		return -EINVAL;
	int rc = kernel_process_exists(t->k, pid);
	if (rc < 0)
		return rc;
	struct vfs_file *f;
	if ((rc = pidfd_new(t->k, pid, flags, &f)) < 0)
		return rc;
	int fd;
	rc = fdt_install(t->fdt, f, 1, 0, &fd);	/* always close-on-exec */
	vfs_file_put(f);
	return rc < 0 ? rc : fd;
}

/* Children that may be waited for: which ones, as waitid's idtype and id. */
static int wait_target(struct task *t, int pid, int *idtype, int *id)
{
	if (pid == INT32_MIN)
		return -ESRCH;	/* -INT_MIN has no group (kernel_wait4) */
	if (pid == -1) {
		*idtype = KWAIT_ALL;
	} else if (pid > 0) {
		*idtype = KWAIT_PID;
		*id = pid;
	} else {
		*idtype = KWAIT_PGID;
		*id = pid == 0 ? (task_pgid(t)) : -pid;
	}
	return 0;
}

/* No resource usage is accounted per child yet: zeros, as for a child that used none. */
static int put_rusage(struct task *t, uint64_t addr)
{
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	return addr ? mm_copy_out(t->mm, addr, &ru, sizeof(ru)) : 0;
}

int64_t sys_wait4(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0], options = (int)a[2];
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	int idtype = 0, id = 0;
	int rc = wait_target(t, pid, &idtype, &id);
	if (rc < 0)
		return rc;
	struct kernel_waited w;
	if ((rc = kernel_wait_child(t, idtype, id,
				    WEXITED | (options & (WNOHANG | WUNTRACED | WCONTINUED | __WCLONE | __WALL)),
				    &w)) < 0)
		return rc;
	if (w.pid && a[1] && mm_copy_out(t->mm, a[1], &w.status, sizeof(int)) < 0)
		return -EFAULT;
	if (w.pid && put_rusage(t, a[3]) < 0)
		return -EFAULT;
	return w.pid;
}

/* The siginfo waitid fills: si_signo SIGCHLD, si_code CLD_EXITED or CLD_KILLED, the child's
 * pid, uid and status; all zero when WNOHANG found nothing. */
struct k_waitinfo {
	int32_t signo, errno_, code, pad;
	int32_t pid;
	uint32_t uid;
	int32_t status;
	char rest[128 - 28];
};
_Static_assert(sizeof(struct k_waitinfo) == 128, "siginfo size");

int64_t sys_waitid(struct task *t, const uint64_t a[6])
{
	int idtype = (int)a[0], id = (int)a[1], options = (int)a[3];
	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	int kind;
	switch (idtype) {
	case P_ALL:
		kind = KWAIT_ALL;
		break;
	case P_PID:
		if (id <= 0)
			return -EINVAL;
		kind = KWAIT_PID;
		break;
	case P_PGID:
		if (id < 0)
			return -EINVAL;
		kind = KWAIT_PGID;
		if (id == 0)
			id = task_pgid(t);
		break;
	case P_PIDFD: {
		void *obj;
		if (fdt_get(t->fdt, id, &obj, NULL) < 0)
			return -EBADF;
		int pid = pidfd_pid(obj);
		vfs_file_put(obj);
		if (pid < 0)
			return -EBADF;	/* a descriptor, but no pidfd (pidfd_get_pid) */
		kind = KWAIT_PID;
		id = pid;
		break;
	}
	default:
		return -EINVAL;
	}
	struct kernel_waited w = { 0 };
	int rc = 0;
	rc = kernel_wait_child(t, kind, id,
			       options & (WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WCLONE |
					  __WALL), &w);
	if (rc < 0)
		return rc;
	struct k_waitinfo info;
	memset(&info, 0, sizeof(info));
	if (w.pid) {
		int sig = w.status & 0x7f;
		info.signo = SIGCHLD;
		info.pid = w.pid;
		info.uid = w.uid;
		if (w.status == 0xffff) {
			info.code = CLD_CONTINUED;
			info.status = SIGCONT;
		} else if (sig == 0x7f) {
			info.code = CLD_STOPPED;
			info.status = (w.status >> 8) & 0xff;
		} else {
			info.code = sig ? CLD_KILLED : CLD_EXITED;
			info.status = sig ? sig : (w.status >> 8) & 0xff;
		}
	}
	if (a[2] && mm_copy_out(t->mm, a[2], &info, sizeof(info)) < 0)
		return -EFAULT;
	if (w.pid && put_rusage(t, a[4]) < 0)
		return -EFAULT;
	return 0;
}
