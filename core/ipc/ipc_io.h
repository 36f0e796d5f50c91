/*
 * core/ipc/ipc_io.h: I/O of the core's IPC files (pipes, eventfds, timerfds) straight on the
 * caller's memory, and the cursor over the segments of one read or write that they share.
 *
 * The system calls hand these files the application's iovecs instead of a Sentry bounce
 * buffer: a pipe copies between the application's pages and its own with no copy in between,
 * and an eventfd sees the caller's lengths and addresses in Linux's order (-EINVAL for a short
 * buffer before -EFAULT for a bad one).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sentry/types.h"

struct mm;
struct task;
struct vfs_file;

/* The read(2)/write(2) family on @f (borrowed) for @t over application segments
 * @iov[0..@count) at @off (-1: the stream; a pipe, eventfd or timerfd has no position: >= 0
 * is -ESPIPE; a timerfd cannot be written: -EINVAL). Returns 0 when @f is none of those;
 * otherwise 1, with *ret_n what the file's I/O returned (bytes or -errno). */
int ipc_user_io(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count,
		int64_t off, int write, int64_t *ret_n);

/* A position in the segments of one transfer. */
struct ipc_io {
	struct mm *mm;			/* whose memory the segments address; NULL: the Sentry's */
	const struct iovec *iov;	/* the segments (borrowed) */
	size_t count;			/* number of segments */
	size_t idx;			/* segment of the next byte */
	size_t skip;			/* bytes of segment idx already moved */
	size_t left;			/* bytes not yet moved */
	struct iovec *owned;		/* Sentry segments converted by ipc_io_init_sentry */
};

/* A cursor at the start of application segments @iov of @mm (both borrowed). */
void ipc_io_init(struct ipc_io *io, struct mm *mm, const struct iovec *iov, size_t count);
/* A cursor over Sentry buffers (a file slot's arguments). Returns 0 or -ENOMEM; pair with
 * ipc_io_fini. */
int ipc_io_init_sentry(struct ipc_io *io, const struct sentry_iov *iov, size_t count);
void ipc_io_fini(struct ipc_io *io);

/* Moves the next @n bytes (at most io->left) into @buf (@in) or out of it, and advances. All or
 * nothing: on -EFAULT the cursor stays (what was copied before the fault is not counted).
 * Returns 0 or -EFAULT. */
int ipc_io_move(struct ipc_io *io, void *buf, size_t n, int in);
