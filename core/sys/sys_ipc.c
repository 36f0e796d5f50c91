/*
 * core/sys/sys_ipc.c: the calls that make IPC files: pipe(2), pipe2(2), eventfd(2),
 * eventfd2(2). The objects are core/ipc's; this installs their descriptors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>

#include "fd/fdtable.h"
#include "ipc/eventfd.h"
#include "ipc/pipe.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* O_NOTIFICATION_PIPE (linux/watch_queue.h) is O_EXCL. */
#define PIPE_NOTIFICATION O_EXCL

/* Installs @files[0..1] (references kept by the caller) at the two lowest free descriptors. */
static int install_pair(struct task *t, struct vfs_file *files[2], int cloexec, int ret_fds[2])
{
	int rc = fdt_install(t->fdt, files[0], cloexec, 0, &ret_fds[0]);
	if (rc < 0)
		return rc;
	rc = fdt_install(t->fdt, files[1], cloexec, 0, &ret_fds[1]);
	if (rc < 0)
		(void)fdt_close(t->fdt, ret_fds[0]);
	return rc;
}

/* do_pipe2: both files, both descriptors, then the copy-out; a fault undoes the descriptors,
 * so nothing leaks and the numbers are free again. */
static int64_t do_pipe2(struct task *t, uint64_t addr, uint64_t flags)
{
	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT | PIPE_NOTIFICATION))
		return -EINVAL;
	/* Notification pipes are Linux's watch queues: what a kernel without them answers. */
	if (flags & PIPE_NOTIFICATION)
		return -ENOPKG;
	struct vfs_file *files[2];
	int rc = pipe_new((uint32_t)flags, &t->fs->creds, &files[0], &files[1]);
	if (rc < 0)
		return rc;
	int fds[2];
	rc = install_pair(t, files, (flags & O_CLOEXEC) != 0, fds);
	vfs_file_put(files[0]);
	vfs_file_put(files[1]);
	if (rc < 0)
		return rc;
	if (mm_copy_out(t->mm, addr, fds, sizeof(fds)) < 0) {
		(void)fdt_close(t->fdt, fds[1]);
		(void)fdt_close(t->fdt, fds[0]);
		return -EFAULT;
	}
	return 0;
}

int64_t sys_pipe(struct task *t, const uint64_t a[6])
{
	return do_pipe2(t, a[0], 0);
}

int64_t sys_pipe2(struct task *t, const uint64_t a[6])
{
	return do_pipe2(t, a[0], (uint32_t)a[1]);
}

static int64_t do_eventfd2(struct task *t, uint32_t initval, uint64_t flags)
{
	if (flags & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | EVENTFD_SEMAPHORE))
		return -EINVAL;
	struct vfs_file *f;
	int rc = eventfd_new(initval, (uint32_t)flags & (O_NONBLOCK | EVENTFD_SEMAPHORE), &f);
	if (rc < 0)
		return rc;
	int fd;
	rc = fdt_install(t->fdt, f, (flags & O_CLOEXEC) != 0, 0, &fd);
	vfs_file_put(f);
	return rc < 0 ? rc : fd;
}

int64_t sys_eventfd(struct task *t, const uint64_t a[6])
{
	return do_eventfd2(t, (uint32_t)a[0], 0);
}

int64_t sys_eventfd2(struct task *t, const uint64_t a[6])
{
	return do_eventfd2(t, (uint32_t)a[0], (uint32_t)a[1]);
}
