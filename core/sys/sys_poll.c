/*
 * core/sys/sys_poll.c: poll(2) and ppoll(2).
 *
 * Readiness comes from each file (vfs_file_readiness: regular files and host-backed stdio are
 * always ready, as on Linux for regular files). When nothing is ready the task waits on the
 * files' waiter queues through the one wait primitive, so a signal or the timeout ends it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "fd/fdtable.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* Linux caps nfds at RLIMIT_NOFILE; the table's limit is that. */
static int64_t do_poll(struct task *t, uint64_t addr, uint64_t nfds, int64_t deadline_ns)
{
	if (nfds > fdt_limit(t->fdt))
		return -EINVAL;
	struct pollfd *p = nfds ? calloc(nfds, sizeof(*p)) : NULL;
	if (nfds && !p)
		return -ENOMEM;
	int64_t rc = nfds && mm_copy_in(t->mm, addr, p, nfds * sizeof(*p)) < 0 ? -EFAULT : 0;
	/* One queue to sleep on is enough while the files that can change readiness (pipes,
	 * sockets) do not exist; their queues join this wait when they do. */
	while (rc == 0) {
		int64_t ready = 0;
		for (uint64_t i = 0; i < nfds; i++) {
			p[i].revents = 0;
			if (p[i].fd < 0)
				continue;
			struct vfs_file *f;
			if (sys_get_file(t, p[i].fd, &f) < 0) {
				p[i].revents = POLLNVAL;
			} else {
				uint32_t want = (uint32_t)(uint16_t)p[i].events | POLLERR | POLLHUP;
				p[i].revents = (short)vfs_file_readiness(f, want);
				vfs_file_put(f);
			}
			ready += p[i].revents != 0;
		}
		if (ready || deadline_ns == 0) {
			rc = ready;
			break;
		}
		int w = kwait_block(t, NULL, 0, SENTRY_CLOCK_MONOTONIC, deadline_ns);
		if (w == -ETIMEDOUT)
			break;
		if (w < 0)
			rc = w; /* -EINTR: poll is never restarted after a handler (signal(7)) */
	}
	/* revents go back even when nothing was ready. */
	if (rc >= 0 && nfds && mm_copy_out(t->mm, addr, p, nfds * sizeof(*p)) < 0)
		rc = -EFAULT;
	free(p);
	return rc;
}

static int64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t sys_poll(struct task *t, const uint64_t a[6])
{
	int timeout = (int)a[2];
	int64_t deadline = timeout < 0 ? -1 : timeout == 0 ? 0 : mono_now() + (int64_t)timeout * 1000000;
	return do_poll(t, a[0], a[1], deadline);
}

int64_t sys_ppoll(struct task *t, const uint64_t a[6])
{
	int64_t deadline = -1;
	if (a[2]) {
		struct timespec ts;
		if (mm_copy_in(t->mm, a[2], &ts, sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		int64_t now = mono_now();
		if (ts.tv_sec == 0 && ts.tv_nsec == 0)
			deadline = 0;
		else if (ts.tv_sec > (INT64_MAX - now) / 1000000000 - 1)
			deadline = -1;	/* further than the clock can count: no deadline */
		else
			deadline = now + ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	/* The signal mask argument takes effect with signal delivery (#7); its size is checked
	 * as Linux does. */
	if (a[3] && a[4] != 8)
		return -EINVAL;
	return do_poll(t, a[0], a[1], deadline);
}
