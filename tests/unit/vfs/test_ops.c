/*
 * Path operations and their errors: open(2) flags, mkdir(2), mknod(2), unlink(2), rmdir(2),
 * rename(2)/renameat2(2), link(2), symlink(2), readlink(2), chmod/chown/utimensat/truncate,
 * access(2), with link counts and timestamps as Linux keeps them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vfs_test.h"

TestSuite(vfs_ops, .init = vt_setup, .fini = vt_teardown);

static struct vfs_ctx *C(void)
{
	return g_vt.ctx;
}

static struct sentry_statx st_of(const char *path)
{
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), NULL, path, AT_SYMLINK_NOFOLLOW, SENTRY_STATX_BASIC_STATS,
				&st), 0, "%s", path);
	return st;
}

static int open_rc(struct vfs_ctx *ctx, const char *path, uint32_t flags, uint32_t mode)
{
	struct vfs_file *f = NULL;
	int rc = vfs_openat(ctx, NULL, path, flags, mode, &f);
	vfs_file_put(f);
	return rc;
}

Test(vfs_ops, open_create_excl_and_errors)
{
	cr_assert_eq(open_rc(C(), "/f", O_CREAT | O_EXCL | O_WRONLY, 0640), 0);
	cr_assert_eq(st_of("/f").mode, S_IFREG | 0640);
	cr_assert_eq(open_rc(C(), "/f", O_CREAT | O_EXCL | O_WRONLY, 0640), -EEXIST);
	cr_assert_eq(open_rc(C(), "/nope", O_RDONLY, 0), -ENOENT);
	cr_assert_eq(open_rc(C(), "/nodir/f", O_CREAT | O_WRONLY, 0644), -ENOENT);
	cr_assert_eq(open_rc(C(), "/f/x", O_CREAT | O_WRONLY, 0644), -ENOTDIR);
	cr_assert_eq(open_rc(C(), "/", O_WRONLY, 0), -EISDIR);
	cr_assert_eq(open_rc(C(), "/", O_RDONLY | O_TRUNC, 0), -EISDIR);
	cr_assert_eq(open_rc(C(), "/", O_CREAT | O_RDONLY, 0644), -EISDIR);
	cr_assert_eq(open_rc(C(), "/new/", O_CREAT | O_WRONLY, 0644), -EISDIR);
	cr_assert_eq(open_rc(C(), "/f/", O_CREAT | O_WRONLY, 0644), -EISDIR);
	cr_assert_eq(open_rc(C(), "/f/", O_WRONLY, 0), -ENOTDIR);
	cr_assert_eq(open_rc(C(), "/f", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
	cr_assert_eq(open_rc(C(), "/f", O_RDWR | O_WRONLY, 0), -EINVAL);
	cr_assert_eq(open_rc(C(), "/x", O_CREAT | O_DIRECTORY | O_RDONLY, 0644), -EINVAL);
	vt_assert_no_leaks();
}

Test(vfs_ops, umask_applies_to_created_modes)
{
	C()->umask = 027;
	cr_assert_eq(open_rc(C(), "/f", O_CREAT | O_WRONLY, 0666), 0);
	cr_assert_eq(st_of("/f").mode & 07777, 0640);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0777), 0);
	cr_assert_eq(st_of("/d").mode & 07777, 0750);
	vt_assert_no_leaks();
}

Test(vfs_ops, open_nofollow_on_symlink_is_eloop)
{
	cr_assert_eq(vt_write_file(C(), "/t", "x"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "t", NULL, "/l"), 0);
	cr_assert_eq(open_rc(C(), "/l", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	cr_assert_eq(open_rc(C(), "/l", O_RDONLY, 0), 0);
	/* O_CREAT|O_EXCL never follows: EEXIST even for a dangling link. */
	cr_assert_eq(vfs_symlinkat(C(), "missing", NULL, "/dl"), 0);
	cr_assert_eq(open_rc(C(), "/dl", O_CREAT | O_EXCL | O_WRONLY, 0644), -EEXIST);
	/* O_CREAT without O_EXCL creates the target of a dangling link. */
	cr_assert_eq(open_rc(C(), "/dl", O_CREAT | O_WRONLY, 0644), 0);
	cr_assert_eq(st_of("/missing").mode & S_IFMT, S_IFREG);
	/* O_PATH|O_NOFOLLOW opens the link itself. */
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/l", O_PATH | O_NOFOLLOW, 0, &f), 0);
	char buf[8];
	cr_assert_eq(vfs_readlinkat(C(), f, "", buf, sizeof(buf)), 1);
	cr_assert_eq(vfs_read(f, buf, 1), -EBADF);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_ops, open_truncates_and_checks_permissions)
{
	cr_assert_eq(vt_write_file(C(), "/f", "hello"), 0);
	cr_assert_eq(open_rc(C(), "/f", O_WRONLY | O_TRUNC, 0), 0);
	cr_assert_eq(st_of("/f").size, 0);
	struct sentry_setstat ss = { .mask = SENTRY_STATX_MODE, .mode = 0444 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/f", 0, &ss), 0);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(open_rc(u, "/f", O_RDONLY, 0), 0);
	cr_assert_eq(open_rc(u, "/f", O_WRONLY, 0), -EACCES);
	cr_assert_eq(open_rc(u, "/f", O_RDONLY | O_TRUNC, 0), -EACCES);
	cr_assert_eq(open_rc(C(), "/f", O_WRONLY, 0), 0); /* CAP_DAC_OVERRIDE */
	cr_assert_eq(open_rc(u, "/f", O_RDONLY | O_NOATIME, 0), -EPERM);
	cr_assert_eq(open_rc(C(), "/f", O_RDONLY | O_NOATIME, 0), 0);
	ss.mode = 0755;
	cr_assert_eq(vfs_setstatat(C(), NULL, "/", 0, &ss), 0);
	cr_assert_eq(open_rc(u, "/new", O_CREAT | O_WRONLY, 0644), -EACCES);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(vfs_ops, mkdir_errors_and_link_counts)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	cr_assert_eq(st_of("/d").nlink, 2);
	uint32_t root_links = st_of("/").nlink;
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d/e", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d/g/", 0755), 0); /* trailing slash is fine */
	cr_assert_eq(st_of("/d").nlink, 4);
	cr_assert_eq(st_of("/").nlink, root_links);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), -EEXIST);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/", 0755), -EEXIST);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d/.", 0755), -EEXIST);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d/..", 0755), -EEXIST);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/x/y", 0755), -ENOENT);
	cr_assert_eq(vt_write_file(C(), "/f", ""), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/f/y", 0755), -ENOTDIR);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "", 0755), -ENOENT);
	vt_assert_no_leaks();
}

Test(vfs_ops, mknod_types_and_errors)
{
	cr_assert_eq(vfs_mknodat(C(), NULL, "/fifo", S_IFIFO | 0600, 0), 0);
	cr_assert_eq(st_of("/fifo").mode, S_IFIFO | 0600);
	cr_assert_eq(vfs_mknodat(C(), NULL, "/sock", S_IFSOCK | 0600, 0), 0);
	if (vt_is_9p()) {
		/* A device node on the host would open the host's device to anyone there: the
		 * confined Gofer has no CAP_MKNOD, as gVisor's refuses them too. */
		cr_assert_eq(vfs_mknodat(C(), NULL, "/null", S_IFCHR | 0666, makedev(1, 3)),
			     -EPERM);
	} else {
		cr_assert_eq(vfs_mknodat(C(), NULL, "/null", S_IFCHR | 0666, makedev(1, 3)), 0);
		struct sentry_statx st = st_of("/null");
		cr_assert_eq(st.rdev_major, 1);
		cr_assert_eq(st.rdev_minor, 3);
	}
	cr_assert_eq(vfs_mknodat(C(), NULL, "/reg", 0644, 0), 0);
	cr_assert_eq(st_of("/reg").mode & S_IFMT, S_IFREG);
	cr_assert_eq(vfs_mknodat(C(), NULL, "/dir", S_IFDIR | 0755, 0), -EPERM);
	cr_assert_eq(vfs_mknodat(C(), NULL, "/bad", 0170000, 0), -EINVAL);
	cr_assert_eq(vfs_mknodat(C(), NULL, "/fifo", S_IFIFO | 0600, 0), -EEXIST);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vfs_mknodat(u, NULL, "/tty", S_IFCHR | 0600, makedev(5, 0)), -EPERM);
	vfs_ctx_free(u);
	/* Opening special files needs their drivers: not a crash, ENXIO for now. */
	cr_assert_eq(open_rc(C(), "/sock", O_RDONLY, 0), -ENXIO);
	vt_assert_no_leaks();
}

Test(vfs_ops, unlink_and_rmdir_errors)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/d/f", "x"), 0);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d", 0), -EISDIR);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d", AT_REMOVEDIR), -ENOTEMPTY);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/f", AT_REMOVEDIR), -ENOTDIR);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/f/", 0), -ENOTDIR);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/nope", 0), -ENOENT);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/.", AT_REMOVEDIR), -EINVAL);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/..", AT_REMOVEDIR), -ENOTEMPTY);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/", AT_REMOVEDIR), -EBUSY);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/", 0), -EISDIR);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/.", 0), -EISDIR);
	cr_assert_eq(vfs_linkat(C(), NULL, "/d/f", NULL, "/d/.", 0), -EEXIST);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/d/f", NULL, "/d/.", 0), -EBUSY);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/f", 0x1), -EINVAL);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/f", 0), 0);
	cr_assert_eq(vt_mode(C(), "/d/f"), -ENOENT);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d/", AT_REMOVEDIR), 0);
	cr_assert_eq(vt_mode(C(), "/d"), -ENOENT);
	vt_assert_no_leaks();
}

Test(vfs_ops, unlinked_open_file_keeps_its_data)
{
	cr_assert_eq(vt_write_file(C(), "/f", "still here"), 0);
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/f", O_RDWR, 0, &f), 0);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/f", 0), 0);
	struct sentry_statx st;
	cr_assert_eq(vfs_fstat(f, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.nlink, 0);
	char buf[16] = { 0 };
	cr_assert_eq(vfs_pread(f, buf, sizeof(buf), 0), 10);
	cr_assert_str_eq(buf, "still here");
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_ops, sticky_directory_protects_others_files)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/tmp", 01777), 0);
	struct vfs_ctx *a = vt_user_ctx(1000, 1000), *b = vt_user_ctx(1001, 1001);
	cr_assert_eq(vt_write_file(a, "/tmp/a", "x"), 0);
	cr_assert_eq(vfs_unlinkat(b, NULL, "/tmp/a", 0), -EPERM);
	cr_assert_eq(vfs_renameat2(b, NULL, "/tmp/a", NULL, "/tmp/b", 0), -EPERM);
	cr_assert_eq(vfs_unlinkat(a, NULL, "/tmp/a", 0), 0);
	vfs_ctx_free(a);
	vfs_ctx_free(b);
	vt_assert_no_leaks();
}

Test(vfs_ops, setgid_directory_passes_group_on)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/g", 0777), 0);
	struct sentry_setstat ss = { .mask = SENTRY_STATX_GID | SENTRY_STATX_MODE, .gid = 50,
				     .mode = 02777 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/g", 0, &ss), 0);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vt_write_file(u, "/g/f", "x"), 0);
	cr_assert_eq(vfs_mkdirat(u, NULL, "/g/sub", 0755), 0);
	cr_assert_eq(st_of("/g/f").gid, 50);
	cr_assert_eq(st_of("/g/sub").gid, 50);
	cr_assert_eq(st_of("/g/sub").mode & 07777, 02755);
	cr_assert_eq(st_of("/g/f").uid, 1000);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(vfs_ops, rename_over_existing_file)
{
	cr_assert_eq(vt_write_file(C(), "/a", "A"), 0);
	cr_assert_eq(vt_write_file(C(), "/b", "B"), 0);
	uint64_t ino_a = st_of("/a").ino;
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/b", 0), 0);
	cr_assert_eq(st_of("/b").ino, ino_a);
	cr_assert_eq(vt_mode(C(), "/a"), -ENOENT);
	char buf[4];
	cr_assert_eq(vt_read_file(C(), "/b", buf, sizeof(buf)), 1);
	cr_assert_str_eq(buf, "A");
	vt_assert_no_leaks();
}

Test(vfs_ops, rename_directories)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d1", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d1/sub", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d2", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/empty", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/full", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/full/f", "x"), 0);
	cr_assert_eq(vt_write_file(C(), "/file", "x"), 0);
	/* Over an empty directory: fine. Over a non-empty one, a file, or the reverse: no. */
	cr_assert_eq(vfs_renameat2(C(), NULL, "/d1", NULL, "/full", 0), -ENOTEMPTY);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/d1", NULL, "/file", 0), -ENOTDIR);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/file", NULL, "/empty", 0), -EISDIR);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/d1", NULL, "/empty", 0), 0);
	cr_assert_eq(vt_mode(C(), "/empty/sub") & S_IFMT, S_IFDIR);
	/* Into its own subtree: EINVAL. */
	cr_assert_eq(vfs_renameat2(C(), NULL, "/empty", NULL, "/empty/sub/x", 0), -EINVAL);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/empty", NULL, "/empty/x", 0), -EINVAL);
	/* Across directories: link counts of both parents move. */
	uint32_t before = st_of("/d2").nlink;
	cr_assert_eq(vfs_renameat2(C(), NULL, "/empty/sub", NULL, "/d2/sub", 0), 0);
	cr_assert_eq(st_of("/d2").nlink, before + 1);
	cr_assert_eq(st_of("/empty").nlink, 2);
	cr_assert_eq(vt_mode(C(), "/d2/sub/..") & S_IFMT, S_IFDIR);
	cr_assert_eq(st_of("/d2/sub/..").ino, st_of("/d2").ino);
	vt_assert_no_leaks();
}

Test(vfs_ops, rename_flags_and_odd_names)
{
	VT_SKIP_ON_9P("9P2000.L has no RENAME_EXCHANGE (Trenameat carries no flags)");
	cr_assert_eq(vt_write_file(C(), "/a", "A"), 0);
	cr_assert_eq(vt_write_file(C(), "/b", "B"), 0);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/b", RENAME_NOREPLACE), -EEXIST);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/c", RENAME_EXCHANGE), -ENOENT);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/b", RENAME_EXCHANGE | RENAME_NOREPLACE),
		     -EINVAL);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/b", 0x80), -EINVAL);
	uint64_t ia = st_of("/a").ino, ib = st_of("/b").ino;
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/b", RENAME_EXCHANGE), 0);
	cr_assert_eq(st_of("/a").ino, ib);
	cr_assert_eq(st_of("/b").ino, ia);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/nope", NULL, "/x", 0), -ENOENT);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/nodir/x", 0), -ENOENT);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/.", NULL, "/x", 0), -EBUSY);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/..", 0), -EBUSY);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a/", NULL, "/x", 0), -ENOTDIR);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/x/", 0), -ENOTDIR);
	/* Same file under two names: nothing happens. */
	cr_assert_eq(vfs_linkat(C(), NULL, "/a", NULL, "/a2", 0), 0);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/a2", 0), 0);
	cr_assert_eq(vt_mode(C(), "/a") & S_IFMT, S_IFREG);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/a", NULL, "/a", 0), 0);
	vt_assert_no_leaks();
}

Test(vfs_ops, hard_links)
{
	cr_assert_eq(vt_write_file(C(), "/f", "data"), 0);
	cr_assert_eq(vfs_linkat(C(), NULL, "/f", NULL, "/g", 0), 0);
	cr_assert_eq(st_of("/f").nlink, 2);
	cr_assert_eq(st_of("/g").ino, st_of("/f").ino);
	cr_assert_eq(vfs_linkat(C(), NULL, "/f", NULL, "/g", 0), -EEXIST);
	cr_assert_eq(vfs_linkat(C(), NULL, "/nope", NULL, "/h", 0), -ENOENT);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	cr_assert_eq(vfs_linkat(C(), NULL, "/d", NULL, "/d2", 0), -EPERM);
	cr_assert_eq(vfs_linkat(C(), NULL, "/f", NULL, "/nodir/h", 0), -ENOENT);
	cr_assert_eq(vfs_linkat(C(), NULL, "/f", NULL, "/f", 0x4), -EINVAL);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/f", 0), 0);
	cr_assert_eq(st_of("/g").nlink, 1);
	char buf[8];
	cr_assert_eq(vt_read_file(C(), "/g", buf, sizeof(buf)), 4);
	/* link(2) does not follow a symlink unless AT_SYMLINK_FOLLOW. */
	cr_assert_eq(vfs_symlinkat(C(), "g", NULL, "/s"), 0);
	cr_assert_eq(vfs_linkat(C(), NULL, "/s", NULL, "/s2", 0), 0);
	cr_assert_eq(st_of("/s2").mode & S_IFMT, S_IFLNK);
	cr_assert_eq(vfs_linkat(C(), NULL, "/s", NULL, "/g2", AT_SYMLINK_FOLLOW), 0);
	cr_assert_eq(st_of("/g2").ino, st_of("/g").ino);
	vt_assert_no_leaks();
}

Test(vfs_ops, symlink_and_readlink)
{
	cr_assert_eq(vfs_symlinkat(C(), "some/target", NULL, "/l"), 0);
	char buf[64];
	cr_assert_eq(vfs_readlinkat(C(), NULL, "/l", buf, sizeof(buf)), 11);
	cr_assert_eq(memcmp(buf, "some/target", 11), 0);
	cr_assert_eq(vfs_readlinkat(C(), NULL, "/l", buf, 4), 4); /* truncated, no error */
	cr_assert_eq(vfs_readlinkat(C(), NULL, "/l", buf, 0), -EINVAL);
	cr_assert_eq(vfs_readlinkat(C(), NULL, "/", buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(vfs_readlinkat(C(), NULL, "/nope", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(vfs_readlinkat(C(), NULL, "", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(vfs_symlinkat(C(), "", NULL, "/e"), -ENOENT);
	cr_assert_eq(vfs_symlinkat(C(), "x", NULL, "/l"), -EEXIST);
	cr_assert_eq(vfs_symlinkat(C(), "x", NULL, "/n/"), -ENOENT);
	cr_assert_eq(st_of("/l").mode, S_IFLNK | 0777);
	vt_assert_no_leaks();
}

Test(vfs_ops, chmod_chown_rules)
{
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vt_write_file(u, "/mine", "x"), 0);
	cr_assert_eq(vt_write_file(C(), "/roots", "x"), 0);
	struct sentry_setstat ss = { .mask = SENTRY_STATX_MODE, .mode = 04755 };
	cr_assert_eq(vfs_setstatat(u, NULL, "/mine", 0, &ss), 0);
	cr_assert_eq(st_of("/mine").mode & 07777, 04755);
	cr_assert_eq(vfs_setstatat(u, NULL, "/roots", 0, &ss), -EPERM);
	/* setgid for a group the caller is not in is dropped silently. */
	ss.mode = 02755;
	struct sentry_setstat cg = { .mask = SENTRY_STATX_GID, .gid = 77 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/mine", 0, &cg), 0);
	cr_assert_eq(vfs_setstatat(u, NULL, "/mine", 0, &ss), 0);
	cr_assert_eq(st_of("/mine").mode & 07777, 0755);
	/* chown to someone else needs CAP_CHOWN; to one's own group is fine. */
	struct sentry_setstat co = { .mask = SENTRY_STATX_UID, .uid = 0 };
	cr_assert_eq(vfs_setstatat(u, NULL, "/mine", 0, &co), -EPERM);
	co = (struct sentry_setstat){ .mask = SENTRY_STATX_GID, .gid = 1000 };
	cr_assert_eq(vfs_setstatat(u, NULL, "/mine", 0, &co), 0);
	co.gid = 5;
	cr_assert_eq(vfs_setstatat(u, NULL, "/mine", 0, &co), -EPERM);
	/* root's chown clears setuid. */
	ss = (struct sentry_setstat){ .mask = SENTRY_STATX_MODE, .mode = 06755 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/mine", 0, &ss), 0);
	co = (struct sentry_setstat){ .mask = SENTRY_STATX_UID, .uid = 2000 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/mine", 0, &co), 0);
	cr_assert_eq(st_of("/mine").mode & 07777, 0755);
	cr_assert_eq(st_of("/mine").uid, 2000);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(vfs_ops, truncate_and_utimes_rules)
{
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vt_write_file(C(), "/f", "0123456789"), 0);
	struct sentry_setstat tr = { .mask = SENTRY_STATX_SIZE, .size = 4 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/f", 0, &tr), 0);
	cr_assert_eq(st_of("/f").size, 4);
	cr_assert_eq(vfs_setstatat(u, NULL, "/f", 0, &tr), -EACCES);
	cr_assert_eq(vfs_setstatat(C(), NULL, "/", 0, &tr), -EISDIR);
	tr.size = (uint64_t)-1;
	cr_assert_eq(vfs_setstatat(C(), NULL, "/f", 0, &tr), -EINVAL);
	struct sentry_setstat t = { .mask = SENTRY_STATX_ATIME | SENTRY_STATX_MTIME,
				    .atime = { 100, 5 }, .mtime = { 200, 7 } };
	cr_assert_eq(vfs_setstatat(u, NULL, "/f", 0, &t), -EPERM);
	cr_assert_eq(vfs_setstatat(C(), NULL, "/f", 0, &t), 0);
	struct sentry_statx st = st_of("/f");
	cr_assert_eq(st.atime.sec, 100);
	cr_assert_eq(st.mtime.sec, 200);
	cr_assert_eq(st.mtime.nsec, 7);
	t.atime.nsec = SENTRY_UTIME_NOW;
	t.mtime.nsec = SENTRY_UTIME_NOW;
	cr_assert_eq(vfs_setstatat(u, NULL, "/f", 0, &t), -EACCES); /* not writable for u */
	struct sentry_setstat ch = { .mask = SENTRY_STATX_MODE, .mode = 0666 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/f", 0, &ch), 0);
	cr_assert_eq(vfs_setstatat(u, NULL, "/f", 0, &t), 0);
	cr_assert_gt(st_of("/f").mtime.sec, 200);
	struct sentry_setstat bad = { .mask = SENTRY_STATX_INO };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/f", 0, &bad), -EINVAL);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(vfs_ops, timestamps_follow_changes)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	struct sentry_setstat old = { .mask = SENTRY_STATX_ATIME | SENTRY_STATX_MTIME,
				      .atime = { 1, 0 }, .mtime = { 1, 0 } };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/d", 0, &old), 0);
	cr_assert_eq(vt_write_file(C(), "/d/f", "x"), 0);
	cr_assert_gt(st_of("/d").mtime.sec, 1); /* creating a name changes the directory */
	cr_assert_eq(vfs_setstatat(C(), NULL, "/d/f", 0, &old), 0);
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/d/f", O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_write(f, "y", 1), 1);
	vfs_file_put(f);
	cr_assert_gt(st_of("/d/f").mtime.sec, 1);
	cr_assert_gt(st_of("/d/f").ctime.sec, 1);
	vt_assert_no_leaks();
}

Test(vfs_ops, access_uses_real_ids)
{
	cr_assert_eq(vt_write_file(C(), "/f", "x"), 0);
	struct sentry_setstat ss = { .mask = SENTRY_STATX_MODE, .mode = 0640 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/f", 0, &ss), 0);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vfs_accessat(u, NULL, "/f", R_OK, 0), -EACCES);
	cr_assert_eq(vfs_accessat(u, NULL, "/f", F_OK, 0), 0);
	cr_assert_eq(vfs_accessat(u, NULL, "/nope", F_OK, 0), -ENOENT);
	cr_assert_eq(vfs_accessat(C(), NULL, "/f", R_OK | W_OK, 0), 0);
	cr_assert_eq(vfs_accessat(C(), NULL, "/f", X_OK, 0), -EACCES); /* nobody may execute */
	cr_assert_eq(vfs_accessat(C(), NULL, "/f", 8, 0), -EINVAL);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

/* A writer renames, links and unlinks while a reader stats and lists: no crash, no leak, and
 * the reader only ever sees Linux's errnos for vanished names. */
static void *churn(void *arg)
{
	char a[32], b[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(a, sizeof(a), "/d/f%d", i % 16);
		snprintf(b, sizeof(b), "/d/sub/g%d", i % 16);
		(void)vt_write_file(C(), a, "x");
		(void)vfs_renameat2(C(), NULL, a, NULL, b, 0);
		(void)vfs_linkat(C(), NULL, b, NULL, a, 0);
		(void)vfs_unlinkat(C(), NULL, b, 0);
		(void)vfs_mkdirat(C(), NULL, "/d/sub/x", 0755);
		(void)vfs_unlinkat(C(), NULL, "/d/sub/x", AT_REMOVEDIR);
	}
	return arg;
}

Test(vfs_ops, concurrent_changes_and_lookups_are_safe, .timeout = 60)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d/sub", 0755), 0);
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, churn, NULL), 0);
	struct vfs_file *d = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/d/sub", O_RDONLY | O_DIRECTORY, 0, &d), 0);
	char buf[512];
	for (int i = 0; i < 4000; i++) {
		struct sentry_statx st;
		char p[32];
		snprintf(p, sizeof(p), "/d/sub/g%d/../g%d", i % 16, (i + 1) % 16);
		int rc = vfs_statat(C(), NULL, p, 0, SENTRY_STATX_BASIC_STATS, &st);
		cr_assert(rc == 0 || rc == -ENOENT || rc == -ENOTDIR, "rc %d", rc);
		if (vfs_getdents64(d, buf, sizeof(buf)) == 0)
			cr_assert_eq(vfs_lseek(d, 0, SEEK_SET), 0);
	}
	pthread_join(t, NULL);
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_ops, exchange_swaps_a_directory_and_a_file_across_parents)
{
	VT_SKIP_ON_9P("9P2000.L has no RENAME_EXCHANGE (Trenameat carries no flags)");
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/p1", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/p2", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/p1/dir", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/p1/dir/inside", "x"), 0);
	cr_assert_eq(vt_write_file(C(), "/p2/file", "f"), 0);
	uint32_t l1 = st_of("/p1").nlink, l2 = st_of("/p2").nlink;
	cr_assert_eq(vfs_renameat2(C(), NULL, "/p1/dir", NULL, "/p2/file", RENAME_EXCHANGE), 0);
	cr_assert_eq(st_of("/p2/file").mode & S_IFMT, S_IFDIR);
	cr_assert_eq(st_of("/p2/file/inside").mode & S_IFMT, S_IFREG);
	cr_assert_eq(st_of("/p1/dir").mode & S_IFMT, S_IFREG);
	cr_assert_eq(st_of("/p1").nlink, l1 - 1);
	cr_assert_eq(st_of("/p2").nlink, l2 + 1);
	cr_assert_eq(st_of("/p2/file/..").ino, st_of("/p2").ino);
	/* A directory exchanged with its own descendant: EINVAL. */
	cr_assert_eq(vfs_renameat2(C(), NULL, "/p2", NULL, "/p2/file/inside", RENAME_EXCHANGE),
		     -EINVAL);
	vt_assert_no_leaks();
}

Test(vfs_ops, unix_socket_names_bind_and_connect)
{
	int ep;
	void *got = NULL;
	cr_assert_eq(vfs_bind_endpoint(C(), NULL, "/sock", 0777, &ep), 0);
	cr_assert_eq(st_of("/sock").mode & S_IFMT, S_IFSOCK);
	cr_assert_eq(vfs_bind_endpoint(C(), NULL, "/sock", 0777, &ep), -EADDRINUSE);
	cr_assert_eq(vfs_bound_endpoint(C(), NULL, "/sock", &got), 0);
	cr_assert_eq(got, &ep);
	cr_assert_eq(vfs_bound_endpoint(C(), NULL, "/nope", &got), -ENOENT);
	cr_assert_eq(vt_write_file(C(), "/file", ""), 0);
	cr_assert_eq(vfs_bound_endpoint(C(), NULL, "/file", &got), -ECONNREFUSED);
	cr_assert_eq(vfs_mknodat(C(), NULL, "/bare", S_IFSOCK | 0777, 0), 0);
	cr_assert_eq(vfs_bound_endpoint(C(), NULL, "/bare", &got), -ECONNREFUSED);
	struct sentry_setstat ss = { .mask = SENTRY_STATX_MODE, .mode = 0700 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/sock", 0, &ss), 0);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vfs_bound_endpoint(u, NULL, "/sock", &got), -EACCES);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(vfs_ops, renames_between_short_and_long_names)
{
	VT_SKIP_ON_9P("9P2000.L has no RENAME_EXCHANGE (Trenameat carries no flags)");
	const char *lng = "/a-name-well-beyond-twenty-four-bytes-long";
	cr_assert_eq(vt_write_file(C(), "/s", "1"), 0);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/s", NULL, lng, 0), 0);
	cr_assert_eq(vt_mode(C(), lng) & S_IFMT, S_IFREG);
	cr_assert_eq(vfs_renameat2(C(), NULL, lng, NULL, "/t", 0), 0);
	cr_assert_eq(vt_mode(C(), "/t") & S_IFMT, S_IFREG);
	cr_assert_eq(vfs_mkdirat(C(), NULL, lng, 0755), 0);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/t", NULL, lng, RENAME_EXCHANGE), 0);
	cr_assert_eq(vt_mode(C(), "/t") & S_IFMT, S_IFDIR);
	cr_assert_eq(vt_mode(C(), lng) & S_IFMT, S_IFREG);
	struct vfs_file *d = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/", O_RDONLY | O_DIRECTORY, 0, &d), 0);
	char buf[1024];
	ssize_t n = vfs_getdents64(d, buf, sizeof(buf));
	int found = 0;
	for (ssize_t pos = 0; pos < n;) {
		uint16_t reclen;
		memcpy(&reclen, buf + pos + 16, 2);
		found += !strcmp(buf + pos + 19, lng + 1) || !strcmp(buf + pos + 19, "t");
		pos += reclen;
	}
	cr_assert_eq(found, 2);
	vfs_file_put(d);
	vt_assert_no_leaks();
}
