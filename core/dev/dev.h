/*
 * core/dev/dev.h: character devices the Sentry serves itself, and files over host descriptors.
 *
 * A device node lives on any filesystem (memfs for /dev); opening it reaches the driver here
 * by its device number, as Linux's chrdev_open does, so the node's permissions come from the
 * filesystem and its I/O from the core. The memory devices are the first: null (1,3), zero
 * (1,5), full (1,7), random (1,8), urandom (1,9). tty (5,0), ptmx (5,2) and the pty slaves
 * (136..143) are core/tty's.
 */
#pragma once

#include <stdint.h>

#include "sentry/fs.h"

/* Opens device @major:@minor with @flags. *ret_file is core-made, released through its ops.
 * Returns 0, -ENXIO (no such device), -ENOMEM, or core/tty's errors (tty.h). */
int dev_open_chr(uint32_t major, uint32_t minor, uint32_t flags, struct sentry_file **ret_file);

typedef int (*dev_chr_open_fn)(uint32_t major, uint32_t minor, uint32_t flags,
			       struct sentry_file **ret_file);
/* The driver of every other major number (core/tty's terminals), set at boot, so that programs
 * linking the VFS alone (benchmarks, unit tests) need no kernel. NULL: -ENXIO. */
void dev_set_chr_fallback(dev_chr_open_fn open);

/* One entry of the standard /dev: name, mode (type and permissions), device number. */
struct dev_node {
	const char *name;
	uint32_t mode;
	uint32_t major, minor;
};

/* The nodes a container's /dev holds (runc's default devices), ended by a NULL name. */
extern const struct dev_node g_dev_default_nodes[];

struct vfs_file;

/* An open file description over host descriptor @fd (taken: closed on release, and on
 * failure), for the stdio
 * runsc donates. Reads and writes go straight to the host descriptor, so output keeps its
 * order whoever else writes to the same file, and O_APPEND stays the host's. Terminal ioctls
 * from a short allowlist pass through. @flags is the access mode and status flags the
 * application sees. Returns 0, -EBADF (@fd not open), -ENOMEM. */
int dev_host_file(int fd, uint32_t flags, struct vfs_file **ret_file);

/* From now on, an open of /proc/PID/fd/N naming a host-backed file duplicates the host
 * descriptor instead of opening the host's /proc/self/fd/N: a confined Sentry opens no host
 * path. The duplicate shares the description (its offset and status flags), so it is given
 * only for the access mode the description already has; another one gets ENXIO. */
void dev_host_no_reopen(void);
