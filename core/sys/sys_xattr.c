/*
 * core/sys/sys_xattr.c: the extended attribute calls, by path (following symlinks or not) and
 * by descriptor, over the VFS's *xattrat operations. The ABI's own checks are here: names of
 * 1..255 bytes (ERANGE otherwise), values of at most XATTR_SIZE_MAX (E2BIG), setxattr's flags.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/xattr.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#define XATTR_NAME_LEN_MAX 255
#define XATTR_SIZE_LIMIT 65536	/* XATTR_SIZE_MAX */
#define XATTR_LIST_LIMIT 65536	/* XATTR_LIST_MAX */

enum xop { XGET, XSET, XLIST, XREMOVE };

/* The target: a path (@how 0: follow, AT_SYMLINK_NOFOLLOW: the l* calls) or a descriptor. */
struct xtarget {
	struct sys_path p;	/* by path */
	struct vfs_file *f;	/* by descriptor */
	int at;
};

static int target_get(struct task *t, int by_fd, uint64_t arg, int at, struct xtarget *x)
{
	*x = (struct xtarget){ .at = at };
	if (by_fd) {
		x->at = AT_EMPTY_PATH;
		return sys_get_file(t, (int64_t)(int)arg, &x->f);
	}
	return sys_path_get(t, AT_FDCWD, arg, 0, &x->p);
}

static void target_put(struct xtarget *x)
{
	if (x->f)
		vfs_file_put(x->f);
	else
		sys_path_put(&x->p);
}

static int name_get(struct task *t, uint64_t addr, char *name)
{
	int64_t n = mm_copy_string(t->mm, addr, name, XATTR_NAME_LEN_MAX + 1);
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? (int)n : 0;
}

static int64_t do_xattr(struct task *t, enum xop op, int by_fd, int at, const uint64_t a[6])
{
	char name[XATTR_NAME_LEN_MAX + 1];
	int64_t rc = 0;
	uint64_t size = op == XLIST ? a[2] : a[3];
	if (op != XLIST && (rc = name_get(t, a[1], name)) < 0)
		return rc;
	if (op == XSET && ((int)a[4] & ~(XATTR_CREATE | XATTR_REPLACE)))
		return -EINVAL;
	if (op == XSET && size > XATTR_SIZE_LIMIT)
		return -E2BIG;
	size_t cap = op == XLIST ? XATTR_LIST_LIMIT : XATTR_SIZE_LIMIT;
	if (op != XREMOVE && size > cap)
		size = cap;	/* asking for more than can exist is fine */
	char *buf = op != XREMOVE && size ? malloc(size) : NULL;
	if (op != XREMOVE && size && !buf)
		return -ENOMEM;
	if (op == XSET && size && mm_copy_in(t->mm, a[2], buf, size) < 0) {
		free(buf);
		return -EFAULT;
	}
	struct xtarget x;
	if ((rc = target_get(t, by_fd, a[0], at, &x)) < 0) {
		free(buf);
		return rc;
	}
	struct vfs_file *dirf = x.f ? x.f : x.p.dirf;
	const char *path = x.f ? "" : x.p.path;
	switch (op) {
	case XGET:
		rc = vfs_getxattrat(t->fs, dirf, path, x.at, name, buf, size);
		break;
	case XSET:
		rc = vfs_setxattrat(t->fs, dirf, path, x.at, name, buf, size, (int)a[4]);
		break;
	case XLIST:
		rc = vfs_listxattrat(t->fs, dirf, path, x.at, buf, size);
		break;
	case XREMOVE:
		rc = vfs_removexattrat(t->fs, dirf, path, x.at, name);
		break;
	}
	target_put(&x);
	/* A size of 0 asks only how large the value or list is. */
	uint64_t out = op == XGET ? a[2] : a[1];
	if (rc > 0 && size && (op == XGET || op == XLIST) &&
	    mm_copy_out(t->mm, out, buf, (size_t)rc) < 0)
		rc = -EFAULT;
	free(buf);
	return rc;
}

#define XATTR_CALLS(verb, op)                                                                  \
	int64_t sys_##verb##xattr(struct task *t, const uint64_t a[6])                          \
	{                                                                                       \
		return do_xattr(t, op, 0, 0, a);                                                \
	}                                                                                       \
	int64_t sys_l##verb##xattr(struct task *t, const uint64_t a[6])                         \
	{                                                                                       \
		return do_xattr(t, op, 0, AT_SYMLINK_NOFOLLOW, a);                              \
	}                                                                                       \
	int64_t sys_f##verb##xattr(struct task *t, const uint64_t a[6])                         \
	{                                                                                       \
		return do_xattr(t, op, 1, 0, a);                                                \
	}

XATTR_CALLS(get, XGET)
XATTR_CALLS(set, XSET)
XATTR_CALLS(list, XLIST)
XATTR_CALLS(remove, XREMOVE)
