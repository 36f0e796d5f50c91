/*
 * core/ipc/ipc_io.c: the segment cursor and the system calls' way into IPC files (see
 * ipc_io.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/eventfd.h"
#include "ipc/ipc_io.h"
#include "ipc/pipe.h"
#include "ipc/timerfd.h"
#include "mm/mm.h"

int ipc_user_io(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count,
		int64_t off, int write, int64_t *ret_n)
{
	int pipe = pipe_is_end(f), tfd = !pipe && tfd_is(f);
	if (!pipe && !tfd && !eventfd_is(f))
		return 0;
	/* No FMODE_PREAD/FMODE_PWRITE on any: a position is refused before anything else. */
	if (off >= 0)
		*ret_n = -ESPIPE;
	else if (pipe)
		*ret_n = pipe_user_io(t, f, iov, count, write);
	else if (tfd)
		*ret_n = write ? -EINVAL : tfd_user_read(t, f, iov, count);	/* no write op */
	else
		*ret_n = eventfd_user_io(t, f, iov, count, write);
	return 1;
}

static size_t total(const struct iovec *iov, size_t count)
{
	size_t n = 0;
	for (size_t i = 0; i < count; i++)
		n += iov[i].iov_len;
	return n;
}

void ipc_io_init(struct ipc_io *io, struct mm *mm, const struct iovec *iov, size_t count)
{
	*io = (struct ipc_io){ .mm = mm, .iov = iov, .count = count, .left = total(iov, count) };
}

int ipc_io_init_sentry(struct ipc_io *io, const struct sentry_iov *iov, size_t count)
{
	struct iovec *v = malloc((count ? count : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++)
		v[i] = (struct iovec){ .iov_base = iov[i].base, .iov_len = iov[i].len };
	ipc_io_init(io, NULL, v, count);
	io->owned = v;
	return 0;
}

void ipc_io_fini(struct ipc_io *io)
{
	free(io->owned);
	io->owned = NULL;
}

int ipc_io_move(struct ipc_io *io, void *buf, size_t n, int in)
{
	size_t idx = io->idx, skip = io->skip;
	char *b = buf;
	for (size_t done = 0; done < n;) {
		size_t seg = io->iov[idx].iov_len - skip;
		if (!seg) {
			idx++;
			skip = 0;
			continue;
		}
		size_t c = seg < n - done ? seg : n - done;
		char *a = (char *)io->iov[idx].iov_base + skip;
		if (!io->mm) {
			memcpy(in ? b + done : a, in ? a : b + done, c);
		} else {
			int rc = in ? mm_copy_in(io->mm, (uint64_t)(uintptr_t)a, b + done, c)
				    : mm_copy_out(io->mm, (uint64_t)(uintptr_t)a, b + done, c);
			if (rc < 0)
				return -EFAULT;
		}
		done += c;
		skip += c;
	}
	io->idx = idx;
	io->skip = skip;
	io->left -= n;
	return 0;
}
