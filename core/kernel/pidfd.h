/*
 * core/kernel/pidfd.h: pidfds (pidfd_open(2), CLONE_PIDFD): a descriptor naming one process of
 * the sandbox, readable (poll IN) once that process has exited, for pidfd_send_signal(2) and
 * waitid(P_PIDFD).
 */
#pragma once

#include <stdint.h>

struct kernel;
struct vfs_file;

/* A pidfd for process @pid of @k as *ret_file (one reference the caller owns); @flags may hold
 * O_NONBLOCK. Returns 0 or -ENOMEM. */
int pidfd_new(struct kernel *k, int pid, uint32_t flags, struct vfs_file **ret_file);

/* The process @f (borrowed) names, or -EBADF when @f is no pidfd. */
int pidfd_pid(const struct vfs_file *f);
