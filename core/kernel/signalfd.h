/*
 * core/kernel/signalfd.h: signalfd(2) descriptors: reading one takes a pending signal of the
 * mask from the reading thread (its own, then its process's) as a struct signalfd_siginfo;
 * poll says IN while one is pending. Signals sent to a process notify its queue.
 */
#pragma once

#include <stdint.h>

struct task;
struct vfs_file;

/* A signalfd over @mask for @t's process, as *ret_file; @flags may hold O_NONBLOCK. Returns 0
 * or -ENOMEM. */
int signalfd_new(struct task *t, uint64_t mask, uint32_t flags, struct vfs_file **ret_file);

/* Replaces the mask of signalfd @f (borrowed). -EINVAL when @f is no signalfd. */
int signalfd_set_mask(struct vfs_file *f, uint64_t mask);
