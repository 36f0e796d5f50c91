/*
 * core/util/cleanup.h: scope-based cleanup, as systemd and the kernel's cleanup.h do it.
 *
 * Rules (from include/linux/cleanup.h): declare and initialise in one statement so release order
 * is the reverse of declaration; never mix cleanup attributes with goto unwinding in one
 * function; hand ownership out with TAKE_PTR/TAKE_FD.
 */
#pragma once

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}

#define _cleanup_free_	_cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Defines typep(type **) calling func(*p) when *p is non-NULL, for _cleanup_(typep). */
#define DEFINE_CLEANUP(type, func)                                                             \
	static inline void func##p(type **p)                                                   \
	{                                                                                      \
		if (*p)                                                                        \
			func(*p);                                                              \
	}

#define TAKE_PTR(p)                                                                            \
	({                                                                                     \
		__typeof__(p) _p = (p);                                                        \
		(p) = NULL;                                                                    \
		_p;                                                                            \
	})

#define TAKE_FD(fd)                                                                            \
	({                                                                                     \
		int _fd = (fd);                                                                \
		(fd) = -1;                                                                     \
		_fd;                                                                           \
	})

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
