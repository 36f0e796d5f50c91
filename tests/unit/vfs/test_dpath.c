/*
 * tests/unit/vfs/test_dpath.c: vfs_path_string, the string getcwd(2) returns, and
 * vfs_file_name, what /proc/PID/fd/N reads for an open file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "vfs/vfs_internal.h"
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

/* --- names of open files --- */

static void assert_fold(const char *in, const char *want)
{
	char *got = vfs_name_fold(in);
	cr_assert_not_null(got);
	cr_assert_str_eq(got, want, "fold(\"%s\")", in);
	free(got);
}

Test(vfs_dpath, fold_drops_dots_and_folds_dotdot)
{
	assert_fold("/a//b/./c/", "/a/b/c");
	assert_fold("/a/b/../c", "/a/c");
	assert_fold("/../x", "/x");
	assert_fold("/a/..", "/");
	assert_fold("a/../../b", "../b");
	assert_fold("../../a/./b/..", "../../a");
	assert_fold("./", ".");
	assert_fold("", ".");
	vt_assert_no_leaks();
}

/* vfs_file_name of @path opened (read-only, or created) in the test's context. */
static int64_t name_of(const char *path, int create, char *buf, size_t size)
{
	struct vfs_file *f = NULL;
	int rc = vfs_openat(C(), NULL, path, create ? O_RDWR | O_CREAT : O_RDONLY, 0644, &f);
	cr_assert_eq(rc, 0, "open %s: %d", path, rc);
	int64_t n = vfs_file_name(C(), f, buf, size);
	vfs_file_put(f);
	return n;
}

Test(vfs_dpath, file_name_as_opened)
{
	char buf[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	cr_assert_eq(name_of("/d/f", 1, buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "/d/f");
	cr_assert_eq(name_of("//d/./f", 0, buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "/d/f");
	cr_assert_eq(vfs_chdir(C(), NULL, "/d"), 0);
	cr_assert_eq(name_of("f", 0, buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "/d/f");
	cr_assert_eq(name_of("/d/f", 0, buf, 4), -ERANGE);
	cr_assert_eq(vfs_chdir(C(), NULL, "/"), 0);
	vt_assert_no_leaks();
}

Test(vfs_dpath, file_name_resolves_symlinks)
{
	char buf[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/real", 0755), 0);
	cr_assert_eq(vfs_symlinkat(C(), "real", NULL, "/dirlink"), 0);
	cr_assert_eq(name_of("/dirlink/f", 1, buf, sizeof(buf)), 7);
	cr_assert_str_eq(buf, "/real/f");
	cr_assert_eq(vfs_symlinkat(C(), "f", NULL, "/real/rel"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "/dirlink/rel", NULL, "/abs"), 0);
	cr_assert_eq(name_of("/abs", 0, buf, sizeof(buf)), 7);
	cr_assert_str_eq(buf, "/real/f");
	vt_assert_no_leaks();
}

Test(vfs_dpath, file_name_of_unlinked_file_is_marked)
{
	char buf[64];
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/gone", O_RDWR | O_CREAT, 0644, &f), 0);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/gone", 0), 0);
	cr_assert_eq(vfs_file_name(C(), f, buf, sizeof(buf)), 15);
	cr_assert_str_eq(buf, "/gone (deleted)");
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_dpath, file_name_of_directory_is_its_path)
{
	char buf[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/real", 0755), 0);
	cr_assert_eq(vfs_symlinkat(C(), "real", NULL, "/dirlink"), 0);
	cr_assert_eq(name_of("/dirlink/.", 0, buf, sizeof(buf)), 5);
	cr_assert_str_eq(buf, "/real");
	vt_assert_no_leaks();
}
