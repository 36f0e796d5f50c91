/*
 * tests/unit/vfs/test_dpath.c: vfs_path_string, the string getcwd(2) returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mount.h>

#include "vfs_test.h"

TestSuite(vfs_dpath, .init = vt_setup, .fini = vt_teardown);

#define C() (g_vt.ctx)

static int64_t cwd_string(char *buf, size_t size)
{
	return vfs_path_string(C(), &C()->cwd, buf, size);
}

Test(vfs_dpath, root_is_slash)
{
	char buf[64];
	cr_assert_eq(cwd_string(buf, sizeof(buf)), 1);
	cr_assert_str_eq(buf, "/");
	vt_assert_no_leaks();
}

Test(vfs_dpath, nested_directories)
{
	char buf[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/a", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/b", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/b/sibling", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/b/deeper", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/b/deeper/x", 0755), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/b/deeper/x"), 0);
	cr_assert_eq(cwd_string(buf, sizeof(buf)), 11);
	cr_assert_str_eq(buf, "/b/deeper/x");
	vt_assert_no_leaks();
}

Test(vfs_dpath, through_a_symlink_gives_the_real_path)
{
	char buf[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/real", 0755), 0);
	cr_assert_eq(vfs_symlinkat(C(), "real", NULL, "/link"), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/link"), 0);
	cr_assert_eq(cwd_string(buf, sizeof(buf)), 5);
	cr_assert_str_eq(buf, "/real");
	vt_assert_no_leaks();
}

Test(vfs_dpath, too_small_is_erange)
{
	char buf[8];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/abcdef", 0755), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/abcdef"), 0);
	cr_assert_eq(cwd_string(buf, 7), -ERANGE); /* 7 bytes + NUL needed */
	cr_assert_eq(cwd_string(buf, 8), 7);
	cr_assert_eq(cwd_string(buf, 1), -ERANGE);
	vt_assert_no_leaks();
}

Test(vfs_dpath, unlinked_directory_is_enoent)
{
	char buf[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/gone", 0755), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/gone"), 0);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/gone", AT_REMOVEDIR), 0);
	cr_assert_eq(cwd_string(buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(vfs_chdir(C(), NULL, "/"), 0);
	vt_assert_no_leaks();
}

Test(vfs_dpath, crosses_mounts)
{
	char buf[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt/a", 0755), 0);
	cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", "/mnt/a", 0, NULL), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt/a/in", 0755), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/mnt/a"), 0);
	cr_assert_eq(cwd_string(buf, sizeof(buf)), 6);
	cr_assert_str_eq(buf, "/mnt/a");
	cr_assert_eq(vfs_chdir(C(), NULL, "/mnt/a/in"), 0);
	cr_assert_eq(cwd_string(buf, sizeof(buf)), 9);
	cr_assert_str_eq(buf, "/mnt/a/in");
	cr_assert_eq(vfs_chdir(C(), NULL, "/"), 0);
	cr_assert_eq(vfs_umount(C(), "/mnt/a", 0), 0);
	vt_assert_no_leaks();
}

Test(vfs_dpath, relative_to_chroot_and_unreachable_outside)
{
	char buf[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/jail", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/jail/in", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/out", 0755), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/out"), 0);
	cr_assert_eq(vfs_chroot(C(), "/jail"), 0);
	cr_assert_eq(cwd_string(buf, sizeof(buf)), 17);
	cr_assert_str_eq(buf, "(unreachable)/out");
	cr_assert_eq(vfs_chdir(C(), NULL, "/in"), 0);
	cr_assert_eq(cwd_string(buf, sizeof(buf)), 3);
	cr_assert_str_eq(buf, "/in");
	vt_assert_no_leaks();
}
