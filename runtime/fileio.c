/*
 * runtime/fileio.c: see fileio.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "util/cleanup.h"

int rt_read_fd(int fd, size_t max, char **ret_text, size_t *ret_len)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap >= max)
				return -EFBIG;
			char *bigger = realloc(buf, cap * 2 + 1);
			if (!bigger)
				return -ENOMEM;
			buf = bigger;
			cap *= 2;
		}
		size_t want = cap - len;
		if (want > max + 1 - len)
			want = max + 1 - len;	/* one byte past @max tells it is too large */
		ssize_t n = read(fd, buf + len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return -EFBIG;
	}
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	*ret_text = TAKE_PTR(buf);
	return 0;
}

int rt_write_file_at(const char *dir, const char *name, const char *text, int oflags)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | oflags);
	if (fd < 0)
		return -errno;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}
