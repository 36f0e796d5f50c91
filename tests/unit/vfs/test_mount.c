/*
 * Mounts: crossing in both directions, stacking, bind mounts of files and directories,
 * read-only mounts (EROFS), umount busy/detach rules, EXDEV across mounts. mount(2), umount(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfs_test.h"

TestSuite(vfs_mount, .init = vt_setup, .fini = vt_teardown);

static struct vfs_ctx *C(void)
{
	return g_vt.ctx;
}

static uint64_t ino(const char *path)
{
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), NULL, path, 0, SENTRY_STATX_BASIC_STATS, &st), 0, "%s", path);
	return st.ino;
}

static uint32_t dev(const char *path)
{
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), NULL, path, 0, SENTRY_STATX_BASIC_STATS, &st), 0, "%s", path);
	return st.dev_minor;
}

static void mount_tmp(const char *target, uint64_t flags)
{
	cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", target, flags, NULL), 0);
}

Test(vfs_mount, crossing_down_and_back_up)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/under", "u"), 0);
	uint32_t rootdev = dev("/");
	mount_tmp("/mnt", 0);
	cr_assert_neq(dev("/mnt"), rootdev);
	cr_assert_eq(vt_write_file(C(), "/mnt/f", "x"), 0);
	cr_assert_eq(dev("/mnt/f"), dev("/mnt"));
	cr_assert_eq(ino("/mnt/.."), ino("/"));
	cr_assert_eq(ino("/mnt/../under"), ino("/under"));
	cr_assert_eq(dev("/mnt/../under"), rootdev);
	/* A relative symlink climbing out of the mount, and an absolute one back in. */
	cr_assert_eq(vfs_symlinkat(C(), "../under", NULL, "/mnt/up"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "/mnt/f", NULL, "/in"), 0);
	cr_assert_eq(ino("/mnt/up"), ino("/under"));
	cr_assert_eq(ino("/in"), ino("/mnt/f"));
	cr_assert_eq(vfs_chdir(C(), NULL, "/mnt"), 0);
	cr_assert_eq(ino(".."), ino("/"));
	cr_assert_eq(ino("../mnt/f"), ino("/mnt/f"));
	vt_assert_no_leaks();
}

Test(vfs_mount, mount_hides_what_is_below)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/mnt/below", "b"), 0);
	mount_tmp("/mnt", 0);
	cr_assert_eq(vt_mode(C(), "/mnt/below"), -ENOENT);
	cr_assert_eq(vfs_umount(C(), "/mnt", 0), 0);
	cr_assert_eq(vt_mode(C(), "/mnt/below") & S_IFMT, S_IFREG);
	vt_assert_no_leaks();
}

Test(vfs_mount, stacked_mounts_show_the_top_one)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	mount_tmp("/mnt", 0);
	cr_assert_eq(vt_write_file(C(), "/mnt/first", "1"), 0);
	mount_tmp("/mnt", 0);
	cr_assert_eq(vt_mode(C(), "/mnt/first"), -ENOENT);
	cr_assert_eq(ino("/mnt/.."), ino("/"));
	cr_assert_eq(vfs_umount(C(), "/mnt", 0), 0);
	cr_assert_eq(vt_mode(C(), "/mnt/first") & S_IFMT, S_IFREG);
	vt_assert_no_leaks();
}

Test(vfs_mount, needs_cap_sys_admin)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0777), 0);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vfs_mount(u, g_vt.memfs, "none", "/mnt", 0, NULL), -EPERM);
	cr_assert_eq(vfs_umount(u, "/", 0), -EPERM);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(vfs_mount, bad_targets)
{
	cr_assert_eq(vt_write_file(C(), "/file", "x"), 0);
	cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", "/nope", 0, NULL), -ENOENT);
	cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", "/file", 0, NULL), -ENOTDIR);
	cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", "/", 0, "size=bogus"), -EINVAL);
	cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", "/", 0, "color=blue"), -EINVAL);
	vt_assert_no_leaks();
}

Test(vfs_mount, umount_errors)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	cr_assert_eq(vfs_umount(C(), "/mnt", 0), -EINVAL);	/* not a mount */
	cr_assert_eq(vfs_umount(C(), "/", 0), -EBUSY);		/* namespace root */
	cr_assert_eq(vfs_umount(C(), "/nope", 0), -ENOENT);
	cr_assert_eq(vfs_umount(C(), "/mnt", 0x100), -EINVAL);	/* unknown flag */
	vt_assert_no_leaks();
}

Test(vfs_mount, busy_until_detached)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	mount_tmp("/mnt", 0);
	cr_assert_eq(vt_write_file(C(), "/mnt/f", "data"), 0);
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/mnt/f", O_RDONLY, 0, &f), 0);
	cr_assert_eq(vfs_umount(C(), "/mnt", 0), -EBUSY);
	cr_assert_eq(vfs_umount(C(), "/mnt", MNT_DETACH), 0);
	cr_assert_eq(vt_mode(C(), "/mnt/f"), -ENOENT);
	/* The open file still works after a lazy umount. */
	char buf[8] = { 0 };
	cr_assert_eq(vfs_read(f, buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "data");
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_mount, submount_makes_parent_busy_detach_takes_both)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	mount_tmp("/mnt", 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt/sub", 0755), 0);
	mount_tmp("/mnt/sub", 0);
	cr_assert_eq(vfs_umount(C(), "/mnt", 0), -EBUSY);
	cr_assert_eq(vfs_umount(C(), "/mnt", MNT_DETACH), 0);
	cr_assert_eq(vt_mode(C(), "/mnt/sub"), -ENOENT);
	vt_assert_no_leaks();
}

Test(vfs_mount, cwd_in_detached_mount_stays_usable)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	mount_tmp("/mnt", 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt/d", 0755), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/mnt/d"), 0);
	cr_assert_eq(vfs_umount(C(), "/mnt", MNT_DETACH), 0);
	cr_assert_eq(vt_write_file(C(), "x", "1"), 0);
	/* ".." at the root of a detached mount stays there. */
	struct sentry_statx a, b;
	cr_assert_eq(vfs_statat(C(), NULL, "../..", 0, SENTRY_STATX_BASIC_STATS, &a), 0);
	cr_assert_eq(vfs_statat(C(), NULL, "..", 0, SENTRY_STATX_BASIC_STATS, &b), 0);
	cr_assert_eq(a.ino, b.ino);
	cr_assert_eq(vfs_chdir(C(), NULL, "/"), 0);
	vt_assert_no_leaks();
}

Test(vfs_mount, bind_directory_shares_the_tree)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/src", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/dst", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/src/f", "x"), 0);
	cr_assert_eq(vfs_mount(C(), NULL, "/src", "/dst", MS_BIND, NULL), 0);
	cr_assert_eq(ino("/dst/f"), ino("/src/f"));
	cr_assert_eq(vt_write_file(C(), "/dst/g", "y"), 0);
	cr_assert_eq(vt_mode(C(), "/src/g") & S_IFMT, S_IFREG);
	/* ".." from the bind mount's root goes to the mountpoint's parent, not /src's. */
	cr_assert_eq(ino("/dst/.."), ino("/"));
	/* rename and link across the two mounts are EXDEV even on one filesystem. */
	cr_assert_eq(vfs_renameat2(C(), NULL, "/src/f", NULL, "/dst/h", 0), -EXDEV);
	cr_assert_eq(vfs_linkat(C(), NULL, "/src/f", NULL, "/dst/h", 0), -EXDEV);
	vt_assert_no_leaks();
}

Test(vfs_mount, bind_file_over_file)
{
	cr_assert_eq(vt_write_file(C(), "/a", "aaa"), 0);
	cr_assert_eq(vt_write_file(C(), "/b", "b"), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	cr_assert_eq(vfs_mount(C(), NULL, "/a", "/b", MS_BIND, NULL), 0);
	char buf[8];
	cr_assert_eq(vt_read_file(C(), "/b", buf, sizeof(buf)), 3);
	cr_assert_eq(vfs_mount(C(), NULL, "/a", "/d", MS_BIND, NULL), -ENOTDIR);
	cr_assert_eq(vfs_mount(C(), NULL, "/d", "/a", MS_BIND, NULL), -ENOTDIR);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/b", 0), -EBUSY);
	cr_assert_eq(vfs_umount(C(), "/b", 0), 0);
	cr_assert_eq(vt_read_file(C(), "/b", buf, sizeof(buf)), 1);
	vt_assert_no_leaks();
}

Test(vfs_mount, read_only_mount_is_erofs)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/ro", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/ro/f", "x"), 0);
	cr_assert_eq(vfs_mount(C(), NULL, "/ro", "/ro", MS_BIND, NULL), 0);
	cr_assert_eq(vfs_mount(C(), NULL, NULL, "/ro", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/ro/f", O_WRONLY, 0, &f), -EROFS);
	cr_assert_eq(vfs_openat(C(), NULL, "/ro/new", O_CREAT | O_WRONLY, 0644, &f), -EROFS);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/ro/d", 0755), -EROFS);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/ro/f", 0), -EROFS);
	cr_assert_eq(vfs_symlinkat(C(), "x", NULL, "/ro/l"), -EROFS);
	cr_assert_eq(vfs_renameat2(C(), NULL, "/ro/f", NULL, "/ro/g", 0), -EROFS);
	struct sentry_setstat ss = { .mask = SENTRY_STATX_MODE, .mode = 0600 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/ro/f", 0, &ss), -EROFS);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/ro/f", 0, "user.a", "v", 1, 0), -EROFS);
	cr_assert_eq(vfs_accessat(C(), NULL, "/ro/f", W_OK, 0), -EROFS);
	/* Reads still work, and the same files are writable through the other path. */
	cr_assert_eq(vfs_openat(C(), NULL, "/ro/f", O_RDONLY, 0, &f), 0);
	vfs_file_put(f);
	struct sentry_statfs sf;
	cr_assert_eq(vfs_statfs(C(), NULL, "/ro", &sf), 0);
	cr_assert(sf.flags & 1); /* ST_RDONLY */
	vt_assert_no_leaks();
}

Test(vfs_mount, remount_of_non_mount_root_is_einval)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	cr_assert_eq(vfs_mount(C(), NULL, NULL, "/d", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL),
		     -EINVAL);
	vt_assert_no_leaks();
}

Test(vfs_mount, namespace_teardown_releases_everything)
{
	for (int i = 0; i < 20; i++) {
		char p[32];
		snprintf(p, sizeof(p), "/m%d", i);
		cr_assert_eq(vfs_mkdirat(C(), NULL, p, 0755), 0);
		mount_tmp(p, 0);
		snprintf(p, sizeof(p), "/m%d/f", i);
		cr_assert_eq(vt_write_file(C(), p, "content"), 0);
	}
	cr_assert_gt(vt_mf_used(), 0);
	vt_assert_no_leaks();
}

Test(vfs_mount, unshared_namespace_copies_mounts_and_then_diverges)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/a", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/b", 0755), 0);
	mount_tmp("/a", 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/a/sub", 0755), 0);
	mount_tmp("/a/sub", 0);
	cr_assert_eq(vt_write_file(C(), "/a/sub/f", "x"), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/a/sub"), 0);
	struct vfs_ctx *u = vt_user_ctx(0, 0);
	u->creds.cap_effective = ~0ull;
	cr_assert_eq(vfs_chdir(u, NULL, "/a"), 0);
	cr_assert_eq(vfs_ctx_unshare_ns(u), 0);
	cr_assert_neq(u->ns, C()->ns);
	cr_assert_eq(vt_mode(u, "/a/sub/f") & S_IFMT, S_IFREG);
	cr_assert_eq(vt_mode(u, "sub/f") & S_IFMT, S_IFREG); /* cwd moved to the copy */
	/* Mounts made or removed afterwards stay in their own namespace. */
	cr_assert_eq(vfs_mount(u, g_vt.memfs, "none", "/b", 0, NULL), 0);
	cr_assert_eq(vt_write_file(u, "/b/only-in-u", "1"), 0);
	cr_assert_eq(vt_mode(C(), "/b/only-in-u"), -ENOENT);
	cr_assert_eq(vfs_umount(u, "/a/sub", 0), 0);
	cr_assert_eq(vt_mode(u, "/a/sub/f"), -ENOENT);
	cr_assert_eq(vt_mode(C(), "/a/sub/f") & S_IFMT, S_IFREG);
	cr_assert_eq(vfs_umount(C(), "/a/sub", 0), -EBUSY); /* C's cwd is in it */
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(vfs_mount, resolve_no_xdev_refuses_crossings)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	mount_tmp("/mnt", 0);
	cr_assert_eq(vt_write_file(C(), "/mnt/f", "x"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "/mnt/f", NULL, "/lnk"), 0);
	struct vfs_open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_NO_XDEV };
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat2(C(), NULL, "/mnt/f", &how, &f), -EXDEV);
	cr_assert_eq(vfs_openat2(C(), NULL, "/lnk", &how, &f), -EXDEV);
	cr_assert_eq(vfs_openat(C(), NULL, "/lnk", O_RDONLY, 0, &f), 0);
	vfs_file_put(f);
	struct vfs_file *d = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/mnt", O_PATH, 0, &d), 0);
	cr_assert_eq(vfs_openat2(C(), d, "f", &how, &f), 0);
	vfs_file_put(f);
	cr_assert_eq(vfs_openat2(C(), d, "..", &how, &f), -EXDEV);
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_mount, recursive_bind_copies_submounts_below_the_source_only)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/src", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/src/in", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/out", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/plain", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/rec", 0755), 0);
	mount_tmp("/src/in", 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/src/in/deep", 0755), 0);
	mount_tmp("/src/in/deep", 0);
	cr_assert_eq(vt_write_file(C(), "/src/in/deep/f", "x"), 0);
	mount_tmp("/out", 0);
	cr_assert_eq(vt_write_file(C(), "/out/g", "x"), 0);
	cr_assert_eq(vfs_mount(C(), NULL, "/src", "/plain", MS_BIND, NULL), 0);
	cr_assert_eq(vt_mode(C(), "/plain/in/deep"), -ENOENT); /* not recursive: under-mount seen */
	cr_assert_eq(vfs_mount(C(), NULL, "/src", "/rec", MS_BIND | MS_REC, NULL), 0);
	cr_assert_eq(vt_mode(C(), "/rec/in/deep/f") & S_IFMT, S_IFREG);
	cr_assert_eq(dev("/rec/in/deep/f"), dev("/src/in/deep/f"));
	cr_assert_eq(vfs_umount(C(), "/rec", 0), -EBUSY); /* it has submounts now */
	cr_assert_eq(vfs_umount(C(), "/rec", MNT_DETACH), 0);
	cr_assert_eq(vt_mode(C(), "/src/in/deep/f") & S_IFMT, S_IFREG);
	vt_assert_no_leaks();
}

Test(vfs_mount, noexec_refuses_x_ok_and_flags_show_in_statfs)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	mount_tmp("/mnt", MS_NOEXEC | MS_NOSUID | MS_NODEV);
	cr_assert_eq(vt_write_file(C(), "/mnt/prog", "#!"), 0);
	struct sentry_setstat ss = { .mask = SENTRY_STATX_MODE, .mode = 0755 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/mnt/prog", 0, &ss), 0);
	cr_assert_eq(vfs_accessat(C(), NULL, "/mnt/prog", X_OK, 0), -EACCES);
	cr_assert_eq(vfs_accessat(C(), NULL, "/mnt", X_OK, 0), 0); /* directories still search */
	struct sentry_statfs sf;
	cr_assert_eq(vfs_statfs(C(), NULL, "/mnt", &sf), 0);
	cr_assert_eq(sf.flags & 0xe, 0xe); /* ST_NOSUID | ST_NODEV | ST_NOEXEC */
	vt_assert_no_leaks();
}

Test(vfs_mount, remount_read_only_with_a_writer_is_ebusy)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/mnt", 0755), 0);
	mount_tmp("/mnt", 0);
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/mnt/f", O_CREAT | O_WRONLY, 0644, &f), 0);
	uint64_t ro = MS_REMOUNT | MS_BIND | MS_RDONLY;
	cr_assert_eq(vfs_mount(C(), NULL, NULL, "/mnt", ro, NULL), -EBUSY);
	vfs_file_put(f);
	cr_assert_eq(vfs_mount(C(), NULL, NULL, "/mnt", ro, NULL), 0);
	cr_assert_eq(vfs_openat(C(), NULL, "/mnt/f", O_WRONLY, 0, &f), -EROFS);
	cr_assert_eq(vfs_mount(C(), NULL, NULL, "/mnt", MS_REMOUNT | MS_BIND, NULL), 0);
	cr_assert_eq(vfs_openat(C(), NULL, "/mnt/f", O_WRONLY, 0, &f), 0);
	vfs_file_put(f);
	vt_assert_no_leaks();
}
