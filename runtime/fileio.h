/*
 * runtime/fileio.h: reading a small file whole, as runsc does with config.json, state.json,
 * cgroup control files and /proc/self/mountinfo.
 */
#pragma once

#include <stddef.h>

/* Reads @fd to its end, at most @max bytes, into a NUL-terminated buffer the caller frees.
 * Returns 0 with *ret_text and *ret_len (may be NULL), -EFBIG when there is more than @max,
 * -ENOMEM, or read(2)'s -errno. */
int rt_read_fd(int fd, size_t max, char **ret_text, size_t *ret_len);
