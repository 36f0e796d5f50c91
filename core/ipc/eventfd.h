/*
 * core/ipc/eventfd.h: eventfd(2) objects (fs/eventfd.c's semantics).
 *
 * A 64-bit counter behind an open file description on the core's anonymous filesystem. A read
 * of at least 8 bytes takes the counter (or 1 with EFD_SEMAPHORE) and waits while it is 0; a
 * write of 8 bytes adds to it and waits while the sum would reach 2^64 - 1. Readiness: IN when
 * nonzero, OUT while 1 more fits. Thread-safe: one mutex per counter, never held across a
 * sleep; lock order: counter, then its waiter queue.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct iovec;
struct task;
struct vfs_file;

/* eventfd2(2)'s EFD_SEMAPHORE (sys/eventfd.h); EFD_NONBLOCK and EFD_CLOEXEC are O_NONBLOCK and
 * O_CLOEXEC. */
#define EVENTFD_SEMAPHORE 1u

/* A new eventfd with counter @initval, as *ret_file with one reference the caller owns. @flags
 * may hold EVENTFD_SEMAPHORE and O_NONBLOCK (the caller checked the rest). Returns 0 or
 * -ENOMEM. */
int eventfd_new(uint32_t initval, uint32_t flags, struct vfs_file **ret_file);

/* Whether @f (borrowed) is an eventfd. */
int eventfd_is(const struct vfs_file *f);

/* read(2)/readv(2) (@write 0) or write(2)/writev(2) on eventfd @f for @t over application
 * segments @iov[0..@count). A read takes the segments as one buffer (read_iter); a write takes
 * each segment as one write(2), as Linux's loop over a file without write_iter does. Returns 8
 * (or a multiple for writev), -EINVAL (a buffer under 8 bytes, writing 2^64 - 1), -EAGAIN
 * (O_NONBLOCK), -EFAULT (a read that faults has still taken the counter, as on Linux), -EINTR. */
int64_t eventfd_user_io(struct task *t, struct vfs_file *f, const struct iovec *iov,
			size_t count, int write);
