/*
 * core/sys/sys_path.c: calls that name files by path and change the tree or the task's place in
 * it: access/faccessat(2), getcwd, chdir/fchdir/chroot, mkdir, mknod, rmdir, unlink, rename,
 * link, symlink, readlink, and all their *at forms.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

int sys_path_get(struct task *t, int64_t dirfd, uint64_t addr, int empty_ok, struct sys_path *p)
{
	p->dirf = NULL;
	p->path = NULL;
	if (addr == 0 && (empty_ok & SYS_PATH_NULL_OK)) {
		/* A NULL path with AT_EMPTY_PATH names the descriptor (Linux 6.11 on). */
		p->path = calloc(1, 1);
		return p->path ? sys_get_dirf(t, dirfd, &p->dirf) : -ENOMEM;
	}
	p->path = malloc(PATH_MAX);
	if (!p->path)
		return -ENOMEM;
	int rc = sys_copy_path(t, addr, p->path);
	/* The name is checked before the descriptor (getname, then path_init), and an absolute
	 * name never looks at the descriptor at all. */
	if (rc == 0 && !p->path[0] && !empty_ok)
		rc = -ENOENT;
	if (rc == 0 && p->path[0] != '/')
		rc = sys_get_dirf(t, dirfd, &p->dirf);
	if (rc < 0)
		sys_path_put(p);
	return rc;
}

void sys_path_put(struct sys_path *p)
{
	sys_put_file(p->dirf);
	free(p->path);
	p->dirf = NULL;
	p->path = NULL;
}

static int64_t do_access(struct task *t, int64_t dirfd, uint64_t addr, int mode, int at)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (at & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct sys_path p;
	int rc = sys_path_get(t, dirfd, addr, (at & AT_EMPTY_PATH) != 0, &p);
	if (rc == 0)
		rc = vfs_accessat(t->fs, p.dirf, p.path, mode, at);
	sys_path_put(&p);
	return rc;
}

int64_t sys_access(struct task *t, const uint64_t a[6])
{
	return do_access(t, AT_FDCWD, a[0], (int)a[1], 0);
}

int64_t sys_faccessat(struct task *t, const uint64_t a[6])
{
	return do_access(t, (int64_t)a[0], a[1], (int)a[2], 0);
}

int64_t sys_faccessat2(struct task *t, const uint64_t a[6])
{
	return do_access(t, (int64_t)a[0], a[1], (int)a[2], (int)a[3]);
}

int64_t sys_getcwd(struct task *t, const uint64_t a[6])
{
	/* getcwd(2) answers from a page-sized buffer: PATH_MAX is the most it can need. */
	size_t size = a[1] < PATH_MAX ? (size_t)a[1] : PATH_MAX;
	char *buf = malloc(PATH_MAX);
	if (!buf)
		return -ENOMEM;
	int64_t n = vfs_path_string(t->fs, &t->fs->cwd, buf, size);
	if (n >= 0 && mm_copy_out(t->mm, a[0], buf, (size_t)n + 1) < 0)
		n = -EFAULT;
	free(buf);
	return n < 0 ? n : n + 1;
}

int64_t sys_chdir(struct task *t, const uint64_t a[6])
{
	struct sys_path p;
	int rc = sys_path_get(t, AT_FDCWD, a[0], 0, &p);
	if (rc == 0)
		rc = vfs_chdir(t->fs, NULL, p.path);
	sys_path_put(&p);
	return rc;
}

int64_t sys_fchdir(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	rc = vfs_chdir(t->fs, f, NULL);
	vfs_file_put(f);
	return rc;
}

int64_t sys_chroot(struct task *t, const uint64_t a[6])
{
	struct sys_path p;
	int rc = sys_path_get(t, AT_FDCWD, a[0], 0, &p);
	if (rc == 0)
		rc = vfs_chroot(t->fs, p.path);
	sys_path_put(&p);
	return rc;
}

static int64_t do_mkdirat(struct task *t, int64_t dirfd, uint64_t addr, uint32_t mode)
{
	struct sys_path p;
	int rc = sys_path_get(t, dirfd, addr, 0, &p);
	if (rc == 0)
		rc = vfs_mkdirat(t->fs, p.dirf, p.path, mode);
	sys_path_put(&p);
	return rc;
}

int64_t sys_mkdir(struct task *t, const uint64_t a[6])
{
	return do_mkdirat(t, AT_FDCWD, a[0], (uint32_t)a[1]);
}

int64_t sys_mkdirat(struct task *t, const uint64_t a[6])
{
	return do_mkdirat(t, (int64_t)a[0], a[1], (uint32_t)a[2]);
}

static int64_t do_mknodat(struct task *t, int64_t dirfd, uint64_t addr, uint32_t mode,
			  uint32_t dev)
{
	struct sys_path p;
	int rc = sys_path_get(t, dirfd, addr, 0, &p);
	/* The syscall's dev is the old 32-bit encoding (new_decode_dev). */
	if (rc == 0)
		rc = vfs_mknodat(t->fs, p.dirf, p.path, mode,
				 makedev((dev & 0xfff00) >> 8, (dev & 0xff) | ((dev >> 12) & 0xfff00)));
	sys_path_put(&p);
	return rc;
}

int64_t sys_mknod(struct task *t, const uint64_t a[6])
{
	return do_mknodat(t, AT_FDCWD, a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

int64_t sys_mknodat(struct task *t, const uint64_t a[6])
{
	return do_mknodat(t, (int64_t)a[0], a[1], (uint32_t)a[2], (uint32_t)a[3]);
}

static int64_t do_unlinkat(struct task *t, int64_t dirfd, uint64_t addr, int at)
{
	if (at & ~AT_REMOVEDIR)
		return -EINVAL;
	struct sys_path p;
	int rc = sys_path_get(t, dirfd, addr, 0, &p);
	if (rc == 0)
		rc = vfs_unlinkat(t->fs, p.dirf, p.path, at);
	sys_path_put(&p);
	return rc;
}

int64_t sys_unlink(struct task *t, const uint64_t a[6])
{
	return do_unlinkat(t, AT_FDCWD, a[0], 0);
}

int64_t sys_rmdir(struct task *t, const uint64_t a[6])
{
	return do_unlinkat(t, AT_FDCWD, a[0], AT_REMOVEDIR);
}

int64_t sys_unlinkat(struct task *t, const uint64_t a[6])
{
	return do_unlinkat(t, (int64_t)a[0], a[1], (int)a[2]);
}

static int64_t do_renameat2(struct task *t, int64_t olddirfd, uint64_t oldaddr, int64_t newdirfd,
			    uint64_t newaddr, uint32_t flags)
{
	if (flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	struct sys_path o, n = { 0 };
	int rc = sys_path_get(t, olddirfd, oldaddr, 0, &o);
	if (rc == 0)
		rc = sys_path_get(t, newdirfd, newaddr, 0, &n);
	if (rc == 0)
		rc = vfs_renameat2(t->fs, o.dirf, o.path, n.dirf, n.path, flags);
	sys_path_put(&o);
	sys_path_put(&n);
	return rc;
}

int64_t sys_rename(struct task *t, const uint64_t a[6])
{
	return do_renameat2(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t sys_renameat(struct task *t, const uint64_t a[6])
{
	return do_renameat2(t, (int64_t)a[0], a[1], (int64_t)a[2], a[3], 0);
}

int64_t sys_renameat2(struct task *t, const uint64_t a[6])
{
	return do_renameat2(t, (int64_t)a[0], a[1], (int64_t)a[2], a[3], (uint32_t)a[4]);
}

static int64_t do_linkat(struct task *t, int64_t olddirfd, uint64_t oldaddr, int64_t newdirfd,
			 uint64_t newaddr, int at)
{
	if (at & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct sys_path o, n = { 0 };
	int rc = sys_path_get(t, olddirfd, oldaddr, (at & AT_EMPTY_PATH) != 0, &o);
	if (rc == 0)
		rc = sys_path_get(t, newdirfd, newaddr, 0, &n);
	if (rc == 0)
		rc = vfs_linkat(t->fs, o.dirf, o.path, n.dirf, n.path, at);
	sys_path_put(&o);
	sys_path_put(&n);
	return rc;
}

int64_t sys_link(struct task *t, const uint64_t a[6])
{
	return do_linkat(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

int64_t sys_linkat(struct task *t, const uint64_t a[6])
{
	return do_linkat(t, (int64_t)a[0], a[1], (int64_t)a[2], a[3], (int)a[4]);
}

static int64_t do_symlinkat(struct task *t, uint64_t target_addr, int64_t dirfd, uint64_t addr)
{
	char *target = malloc(PATH_MAX);
	if (!target)
		return -ENOMEM;
	struct sys_path p = { 0 };
	int rc = sys_copy_path(t, target_addr, target);
	if (rc == 0 && !target[0])
		rc = -ENOENT; /* symlink(2): an empty target is ENOENT */
	if (rc == 0)
		rc = sys_path_get(t, dirfd, addr, 0, &p);
	if (rc == 0)
		rc = vfs_symlinkat(t->fs, target, p.dirf, p.path);
	sys_path_put(&p);
	free(target);
	return rc;
}

int64_t sys_symlink(struct task *t, const uint64_t a[6])
{
	return do_symlinkat(t, a[0], AT_FDCWD, a[1]);
}

int64_t sys_symlinkat(struct task *t, const uint64_t a[6])
{
	return do_symlinkat(t, a[0], (int64_t)a[1], a[2]);
}

static int64_t do_readlinkat(struct task *t, int64_t dirfd, uint64_t path_addr, uint64_t buf_addr,
			     int64_t size)
{
	if (size <= 0)
		return -EINVAL;
	if (size > PATH_MAX)
		size = PATH_MAX;
	char *buf = malloc((size_t)size);
	if (!buf)
		return -ENOMEM;
	struct sys_path p;
	/* readlinkat(2): an empty path names dirfd itself (a symlink opened O_PATH|O_NOFOLLOW). */
	int64_t n = sys_path_get(t, dirfd, path_addr, 1, &p);
	if (n == 0)
		n = vfs_readlinkat(t->fs, p.dirf, p.path, buf, (size_t)size);
	if (n > 0 && mm_copy_out(t->mm, buf_addr, buf, (size_t)n) < 0)
		n = -EFAULT;
	sys_path_put(&p);
	free(buf);
	return n;
}

int64_t sys_readlinkat(struct task *t, const uint64_t a[6])
{
	return do_readlinkat(t, (int64_t)a[0], a[1], a[2], (int)a[3]);	/* bufsiz is an int */
}

int64_t sys_readlink(struct task *t, const uint64_t a[6])
{
	return do_readlinkat(t, AT_FDCWD, a[0], a[1], (int)a[2]);
}
