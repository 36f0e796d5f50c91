/*
 * core/ipc/pipe.h: pipes, Linux's anonymous pipe (fs/pipe.c) in the Sentry.
 *
 * A pipe is one object with two ends. Each end is an open file description on the core's
 * anonymous filesystem (both on one inode, as fstat shows on Linux), so dup(2), fork's copied
 * descriptor table and close(2) work on it through the usual vfs_file references: the pipe
 * counts its readers and writers, and each end's last reference closes that end alone. The
 * system calls move data straight between the application's memory and the pipe's pages with
 * pipe_user_io; the file's read/write slots serve the core's own callers (Sentry buffers).
 *
 * Locking: each pipe has one mutex, taken by every operation and held while data is copied (as
 * Linux holds pipe->mutex), never across a sleep. Lock order: pipe, then the mm's locks (the
 * copy), then its waiter queue and the sleeping task's wait slot (kernel/wait.h).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct iovec;
struct sentry_creds;
struct task;
struct vfs_file;

/* PIPE_BUF: writes of at most this many bytes are atomic. */
#define PIPE_ATOMIC_SIZE 4096u
/* A new pipe's capacity: 16 pages, as Linux's PIPE_DEF_BUFFERS. */
#define PIPE_DEFAULT_SIZE 65536u
/* /proc/sys/fs/pipe-max-size: F_SETPIPE_SZ above it needs CAP_SYS_RESOURCE. */
#define PIPE_MAX_SIZE 1048576u

/* Makes a pipe and its two ends for pipe2(2): *ret_read (O_RDONLY) and *ret_write (O_WRONLY),
 * each with one reference the caller owns. @flags may hold O_NONBLOCK (both ends) and O_DIRECT
 * (the write end: packet mode, each write a packet that one read takes whole); the caller checked
 * everything else. fstat shows S_IFIFO | 0600 owned by @creds' fsuid/fsgid (borrowed).
 * Returns 0 or -ENOMEM. */
int pipe_new(uint32_t flags, const struct sentry_creds *creds, struct vfs_file **ret_read,
	     struct vfs_file **ret_write);

/* Whether @f (borrowed) is an end of a pipe. */
int pipe_is_end(const struct vfs_file *f);

/*
 * read(2)/readv(2) (@write 0) or write(2)/writev(2) (@write 1) on pipe end @f for task @t (the
 * caller, whose memory the segments @iov[0..@count) address; their total is at most
 * MAX_RW_COUNT, as the syscall layer clips it). Linux's pipe_read/pipe_write: a read returns
 * what is there, waiting while the pipe is empty and has writers, 0 when it has none; a write of
 * at most PIPE_ATOMIC_SIZE bytes goes in whole or waits, a longer one may be split, and O_NONBLOCK
 * gives what fitted or -EAGAIN. Waits end with -EINTR when a signal comes.
 * Returns bytes, 0, -EBADF (the wrong end), -EAGAIN, -EPIPE (no reader left: SIGPIPE is queued
 * for @t), -EFAULT, -EINTR, -ENOMEM. Takes the pipe's lock.
 */
int64_t pipe_user_io(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count,
		     int write);

/* Whether pipe ends @a and @b are of one pipe. */
int pipe_same(const struct vfs_file *a, const struct vfs_file *b);

/* splice(2)'s and vmsplice(2)'s pipe_user_io: @nonblock (SPLICE_F_NONBLOCK) makes it give
 * -EAGAIN instead of waiting, as the end's own O_NONBLOCK does. */
int64_t pipe_splice_io(struct task *t, struct vfs_file *f, const struct iovec *iov,
		       size_t count, int write, int nonblock);

/* Writes @len bytes of the Sentry's @buf into pipe end @f as write(2) does for @t, never
 * waiting with @nonblock. Returns bytes, -EBADF (not the write end), -EAGAIN, -EPIPE (SIGPIPE
 * queued for @t), -EINTR, -ENOMEM. */
int64_t pipe_write_buf(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		       int nonblock);

/* splice(2) and tee(2) from read end @f: copies up to @len bytes of what the pipe holds into
 * @buf, leaving them there (a packet ends it), waiting as read(2) does while it is empty and has
 * writers, unless @nonblock or O_NONBLOCK (-EAGAIN). Returns bytes, 0 (empty, no writer),
 * -EBADF (not the read end), -EAGAIN, -EINTR. pipe_consume then takes what was used; a reader
 * racing between the two may see the same bytes (Linux moves the pages under one lock). */
int64_t pipe_peek(struct task *t, struct vfs_file *f, void *buf, size_t len, int nonblock);
/* Drops the first @n bytes of the pipe of read end @f. */
void pipe_consume(struct vfs_file *f, size_t n);

/* fcntl(2) F_GETPIPE_SZ and F_SETPIPE_SZ on @f with @arg (an unsigned int to Linux); @creds
 * (borrowed) decide whether the size may exceed PIPE_MAX_SIZE. The size is rounded up to a
 * power-of-two number of pages, one page at least. Returns the capacity in bytes, -EBADF (not a
 * pipe), -EINVAL (more than 2^31 bytes, or @cmd), -EPERM (above PIPE_MAX_SIZE without
 * CAP_SYS_RESOURCE), -EBUSY (fewer pages than the pipe holds data in), -ENOMEM. */
int64_t pipe_fcntl(struct vfs_file *f, int cmd, uint64_t arg, const struct sentry_creds *creds);
