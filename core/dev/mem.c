/*
 * core/dev/mem.c: the memory character devices (see dev.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "dev/dev.h"

enum { DEV_NULL = 3, DEV_ZERO = 5, DEV_FULL = 7, DEV_RANDOM = 8, DEV_URANDOM = 9 };

struct mem_file {
	struct sentry_file base;
	uint32_t minor;
};

static int64_t iov_total(const struct sentry_iov *iov, size_t count)
{
	int64_t n = 0;
	for (size_t i = 0; i < count; i++)
		n += (int64_t)iov[i].len;
	return n;
}

static int64_t mem_read(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t count, int64_t *off)
{
	uint32_t minor = ((struct mem_file *)file)->minor;
	if (minor == DEV_NULL)
		return 0;
	int64_t done = 0;
	for (size_t i = 0; i < count; i++) {
		if (minor == DEV_RANDOM || minor == DEV_URANDOM) {
			/* The host's CSPRNG: both devices are non-blocking once the pool is up, as
			 * Linux 5.6+ made /dev/random. */
			for (size_t got = 0; got < iov[i].len;) {
				ssize_t r = getrandom((char *)iov[i].base + got, iov[i].len - got, 0);
				if (r < 0)
					return done ? done : -errno;
				got += (size_t)r;
			}
		} else {
			memset(iov[i].base, 0, iov[i].len);
		}
		done += (int64_t)iov[i].len;
	}
	*off += done;
	return done;
}

static int64_t mem_write(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t count, int64_t *off)
{
	uint32_t minor = ((struct mem_file *)file)->minor;
	if (minor == DEV_FULL)
		return -ENOSPC;
	/* null and zero swallow writes; random and urandom take them as (uncredited) entropy. */
	int64_t n = iov_total(iov, count);
	*off += n;
	return n;
}

/* Seeking any of them succeeds and changes nothing that matters (drivers/char/mem.c). */
static int mem_seek(struct sentry_file *file, int64_t *off, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END)
		return -EINVAL;
	*off = 0;
	return 0;
}

static void mem_release(struct sentry_file *file)
{
	free(file);
}

static const struct sentry_file_ops g_mem_ops = {
	.read = mem_read,
	.write = mem_write,
	.seek = mem_seek,
	.release = mem_release,
};

static dev_chr_open_fn g_chr_fallback;

void dev_set_chr_fallback(dev_chr_open_fn open)
{
	g_chr_fallback = open;
}

int dev_open_chr(uint32_t major, uint32_t minor, uint32_t flags, struct sentry_file **ret_file)
{
	if (major != 1 && g_chr_fallback)
		return g_chr_fallback(major, minor, flags, ret_file);
	if (major != 1 || (minor != DEV_NULL && minor != DEV_ZERO && minor != DEV_FULL &&
			   minor != DEV_RANDOM && minor != DEV_URANDOM))
		return -ENXIO;
	struct mem_file *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->base.ops = &g_mem_ops;
	f->base.ops_size = sizeof(g_mem_ops);
	f->base.flags = flags;
	f->minor = minor;
	*ret_file = &f->base;
	return 0;
}

const struct dev_node g_dev_default_nodes[] = {
	{ "null", S_IFCHR | 0666, 1, DEV_NULL },
	{ "zero", S_IFCHR | 0666, 1, DEV_ZERO },
	{ "full", S_IFCHR | 0666, 1, DEV_FULL },
	{ "random", S_IFCHR | 0666, 1, DEV_RANDOM },
	{ "urandom", S_IFCHR | 0666, 1, DEV_URANDOM },
	{ "tty", S_IFCHR | 0666, 5, 0 },
	{ NULL, 0, 0, 0 },
};
