/*
 * runtime/fileio.h: reading a small file whole, as runsc does with config.json, state.json,
 * cgroup control files and /proc/self/mountinfo, and writing one in a single write, as cgroup
 * control files and /proc/self/uid_map want.
 */
#pragma once

#include <stddef.h>

/* Reads @fd to its end, at most @max bytes, into a NUL-terminated buffer the caller frees.
 * Returns 0 with *ret_text and *ret_len (may be NULL), -EFBIG when there is more than @max,
 * -ENOMEM, or read(2)'s -errno. */
int rt_read_fd(int fd, size_t max, char **ret_text, size_t *ret_len);

/* Writes @text to @dir/@name, opened O_WRONLY | O_CLOEXEC | @oflags, in one write(2) (such
 * files take a value per write). Returns 0, -ENOMEM, open(2)'s or write(2)'s -errno, or -EIO
 * for a short write. */
int rt_write_file_at(const char *dir, const char *name, const char *text, int oflags);
