/*
 * Path resolution: components, ".", "..", trailing slashes, symlinks (relative, absolute,
 * chains, loops), length limits, starting points, openat2 RESOLVE_* flags. Errnos per
 * path_resolution(7), openat2(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vfs_test.h"

TestSuite(vfs_path, .init = vt_setup, .fini = vt_teardown);

static struct vfs_ctx *C(void)
{
	return g_vt.ctx;
}

static void tree(void)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/a", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/a/b", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/a/b/f", "hello"), 0);
}

Test(vfs_path, absolute_and_relative_reach_the_same_file)
{
	tree();
	struct sentry_statx a, b;
	cr_assert_eq(vfs_statat(C(), NULL, "/a/b/f", 0, SENTRY_STATX_BASIC_STATS, &a), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/a"), 0);
	cr_assert_eq(vfs_statat(C(), NULL, "b/f", 0, SENTRY_STATX_BASIC_STATS, &b), 0);
	cr_assert_eq(a.ino, b.ino);
	cr_assert_eq(a.size, 5);
	vt_assert_no_leaks();
}

Test(vfs_path, dot_dotdot_and_repeated_slashes)
{
	tree();
	cr_assert_eq(vt_mode(C(), "//a/./b/..//b/./f") & S_IFMT, S_IFREG);
	vt_assert_no_leaks();
}

Test(vfs_path, dotdot_stops_at_root)
{
	tree();
	struct sentry_statx r, x;
	cr_assert_eq(vfs_statat(C(), NULL, "/", 0, SENTRY_STATX_BASIC_STATS, &r), 0);
	cr_assert_eq(vfs_statat(C(), NULL, "/../../..", 0, SENTRY_STATX_BASIC_STATS, &x), 0);
	cr_assert_eq(r.ino, x.ino);
	cr_assert_eq(vt_mode(C(), "/../a/../../a/b/f") & S_IFMT, S_IFREG);
	vt_assert_no_leaks();
}

Test(vfs_path, missing_component_is_enoent)
{
	tree();
	cr_assert_eq(vt_mode(C(), "/a/nope/f"), -ENOENT);
	cr_assert_eq(vt_mode(C(), "/a/b/nope"), -ENOENT);
	vt_assert_no_leaks();
}

Test(vfs_path, empty_path_is_enoent)
{
	cr_assert_eq(vt_mode(C(), ""), -ENOENT);
	vt_assert_no_leaks();
}

Test(vfs_path, file_as_directory_is_enotdir)
{
	tree();
	cr_assert_eq(vt_mode(C(), "/a/b/f/x"), -ENOTDIR);
	cr_assert_eq(vt_mode(C(), "/a/b/f/"), -ENOTDIR);
	cr_assert_eq(vt_mode(C(), "/a/b/f/."), -ENOTDIR);
	cr_assert_eq(vt_mode(C(), "/a/b/") & S_IFMT, S_IFDIR);
	vt_assert_no_leaks();
}

Test(vfs_path, name_longer_than_255_is_enametoolong)
{
	char name[300];
	memset(name, 'x', sizeof(name));
	name[0] = '/';
	name[257] = 0; /* 256 bytes of name */
	cr_assert_eq(vt_mode(C(), name), -ENAMETOOLONG);
	name[256] = 0; /* 255: fine, just missing */
	cr_assert_eq(vt_mode(C(), name), -ENOENT);
	vt_assert_no_leaks();
}

Test(vfs_path, path_of_4096_bytes_is_enametoolong)
{
	static char p[5000];
	for (int i = 0; i < 4096; i += 2)
		memcpy(p + i, "/.", 2);
	p[4096] = 0;
	cr_assert_eq(vt_mode(C(), p), -ENAMETOOLONG);
	p[4095] = 0; /* 4095 bytes + NUL fits PATH_MAX */
	cr_assert_eq(vt_mode(C(), p) & S_IFMT, S_IFDIR);
	vt_assert_no_leaks();
}

Test(vfs_path, relative_symlink_walks_from_its_directory)
{
	tree();
	cr_assert_eq(vfs_symlinkat(C(), "b/f", NULL, "/a/lnk"), 0);
	char buf[16];
	cr_assert_eq(vt_read_file(C(), "/a/lnk", buf, sizeof(buf)), 5);
	cr_assert_str_eq(buf, "hello");
	vt_assert_no_leaks();
}

Test(vfs_path, absolute_symlink_restarts_at_root)
{
	tree();
	cr_assert_eq(vfs_symlinkat(C(), "/a/b", NULL, "/a/abs"), 0);
	cr_assert_eq(vt_mode(C(), "/a/abs/f") & S_IFMT, S_IFREG);
	cr_assert_eq(vt_mode(C(), "/a/abs/../b/f") & S_IFMT, S_IFREG);
	vt_assert_no_leaks();
}

Test(vfs_path, nofollow_stats_the_link_itself)
{
	tree();
	cr_assert_eq(vfs_symlinkat(C(), "b", NULL, "/a/l"), 0);
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), NULL, "/a/l", AT_SYMLINK_NOFOLLOW, SENTRY_STATX_BASIC_STATS,
				&st), 0);
	cr_assert_eq(st.mode & S_IFMT, S_IFLNK);
	cr_assert_eq(st.size, 1);
	/* A trailing slash forces following (path_resolution(7)). */
	cr_assert_eq(vfs_statat(C(), NULL, "/a/l/", AT_SYMLINK_NOFOLLOW, SENTRY_STATX_BASIC_STATS,
				&st), 0);
	cr_assert_eq(st.mode & S_IFMT, S_IFDIR);
	vt_assert_no_leaks();
}

Test(vfs_path, symlink_to_file_with_trailing_slash_is_enotdir)
{
	tree();
	cr_assert_eq(vfs_symlinkat(C(), "b/f", NULL, "/a/lf"), 0);
	cr_assert_eq(vt_mode(C(), "/a/lf/"), -ENOTDIR);
	vt_assert_no_leaks();
}

Test(vfs_path, symlink_loop_is_eloop)
{
	cr_assert_eq(vfs_symlinkat(C(), "y", NULL, "/x"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "x", NULL, "/y"), 0);
	cr_assert_eq(vt_mode(C(), "/x"), -ELOOP);
	cr_assert_eq(vt_mode(C(), "/x/z"), -ELOOP);
	vt_assert_no_leaks();
}

Test(vfs_path, chain_of_40_symlinks_resolves_41_is_eloop)
{
	char name[16], target[16];
	cr_assert_eq(vt_write_file(C(), "/l0", "x"), 0);
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "/l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		cr_assert_eq(vfs_symlinkat(C(), target, NULL, name), 0);
	}
	cr_assert_eq(vt_mode(C(), "/l40") & S_IFMT, S_IFREG);
	cr_assert_eq(vt_mode(C(), "/l41"), -ELOOP);
	vt_assert_no_leaks();
}

Test(vfs_path, dangling_symlink_is_enoent)
{
	cr_assert_eq(vfs_symlinkat(C(), "/nowhere", NULL, "/d"), 0);
	cr_assert_eq(vt_mode(C(), "/d"), -ENOENT);
	vt_assert_no_leaks();
}

Test(vfs_path, dirfd_start_and_empty_path)
{
	tree();
	struct vfs_file *d = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/a/b", O_RDONLY | O_DIRECTORY, 0, &d), 0);
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), d, "f", 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.size, 5);
	cr_assert_eq(vfs_statat(C(), d, "", AT_EMPTY_PATH, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.mode & S_IFMT, S_IFDIR);
	cr_assert_eq(vfs_statat(C(), d, "", 0, SENTRY_STATX_BASIC_STATS, &st), -ENOENT);
	/* Absolute paths ignore the dirfd. */
	cr_assert_eq(vfs_statat(C(), d, "/a", 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_path, relative_to_a_file_dirfd_is_enotdir)
{
	tree();
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/a/b/f", O_RDONLY, 0, &f), 0);
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), f, "x", 0, SENTRY_STATX_BASIC_STATS, &st), -ENOTDIR);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_path, search_permission_is_needed_on_every_directory)
{
	tree();
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/a/locked", 0700), 0);
	cr_assert_eq(vt_write_file(C(), "/a/locked/f", "x"), 0);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vt_mode(u, "/a/locked/f"), -EACCES);
	cr_assert_eq(vt_mode(u, "/a/b/f") & S_IFMT, S_IFREG);
	/* Owner bits apply to the owner even if "other" may search (0701). */
	struct sentry_setstat ss = { .mask = SENTRY_STATX_MODE, .mode = 0601 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/a/locked", 0, &ss), 0);
	ss.mask = SENTRY_STATX_UID;
	ss.uid = 1000;
	cr_assert_eq(vfs_setstatat(C(), NULL, "/a/locked", 0, &ss), 0);
	cr_assert_eq(vt_mode(u, "/a/locked/f"), -EACCES);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

static int open2(struct vfs_file *dirf, const char *path, uint64_t resolve)
{
	struct vfs_open_how how = { .flags = O_RDONLY, .resolve = resolve };
	struct vfs_file *f = NULL;
	int rc = vfs_openat2(C(), dirf, path, &how, &f);
	vfs_file_put(f);
	return rc;
}

Test(vfs_path, resolve_beneath_refuses_escapes_with_exdev)
{
	tree();
	cr_assert_eq(vfs_symlinkat(C(), "/a", NULL, "/a/b/abs"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "../..", NULL, "/a/b/up"), 0);
	struct vfs_file *d = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/a/b", O_PATH, 0, &d), 0);
	cr_assert_eq(open2(d, "f", RESOLVE_BENEATH), 0);
	cr_assert_eq(open2(d, "../b/f", RESOLVE_BENEATH), -EXDEV);
	cr_assert_eq(open2(d, "/a", RESOLVE_BENEATH), -EXDEV);
	cr_assert_eq(open2(d, "abs", RESOLVE_BENEATH), -EXDEV);
	cr_assert_eq(open2(d, "up", RESOLVE_BENEATH), -EXDEV);
	cr_assert_eq(open2(d, "abs", RESOLVE_NO_SYMLINKS), -ELOOP);
	cr_assert_eq(open2(d, "f", RESOLVE_BENEATH | RESOLVE_IN_ROOT), -EINVAL);
	cr_assert_eq(open2(d, "f", 1ull << 40), -EINVAL);
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_path, resolve_in_root_clamps_dotdot_and_absolute_links)
{
	tree();
	cr_assert_eq(vfs_symlinkat(C(), "/f", NULL, "/a/b/abs"), 0);
	struct vfs_file *d = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/a/b", O_PATH, 0, &d), 0);
	cr_assert_eq(open2(d, "../../../f", RESOLVE_IN_ROOT), 0);
	cr_assert_eq(open2(d, "abs", RESOLVE_IN_ROOT), 0);
	cr_assert_eq(open2(d, "/f", RESOLVE_IN_ROOT), 0);
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_path, chroot_confines_dotdot_and_absolute_paths)
{
	tree();
	cr_assert_eq(vfs_chroot(C(), "/a"), 0);
	cr_assert_eq(vt_mode(C(), "/b/f") & S_IFMT, S_IFREG);
	cr_assert_eq(vt_mode(C(), "/../../b/f") & S_IFMT, S_IFREG);
	cr_assert_eq(vt_mode(C(), "/a"), -ENOENT);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vfs_chroot(u, "/a"), -EPERM);
	cr_assert_eq(vfs_chroot(C(), "/b/f"), -ENOTDIR);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(vfs_path, overlong_symlink_targets_are_refused)
{
	static char t[5000];
	memset(t, 'a', sizeof(t) - 1);
	t[4096] = 0;
	cr_assert_eq(vfs_symlinkat(C(), t, NULL, "/l"), -ENAMETOOLONG);
	/* A stored target with a 256-byte component fails when followed. */
	memset(t, 'b', 300);
	t[300] = 0;
	cr_assert_eq(vfs_symlinkat(C(), t, NULL, "/l"), 0);
	cr_assert_eq(vt_mode(C(), "/l"), -ENAMETOOLONG);
	char buf[400];
	cr_assert_eq(vfs_readlinkat(C(), NULL, "/l", buf, sizeof(buf)), 300);
	vt_assert_no_leaks();
}

/* Random paths over a small tree with symlinks (loops included): every operation returns 0 or
 * one of the errnos Linux documents for it, nothing crashes, nothing leaks. */
static void random_path(char *p, size_t size, unsigned *seed)
{
	static const char *parts[] = { "a", "b", "f", "l", "loop", "abs", ".", "..", "", "x" };
	size_t n = 0;
	int count = 1 + rand_r(seed) % 6;
	if (rand_r(seed) % 2)
		p[n++] = '/';
	for (int i = 0; i < count && n + 8 < size; i++) {
		const char *s = parts[rand_r(seed) % (sizeof(parts) / sizeof(parts[0]))];
		n += (size_t)snprintf(p + n, size - n, "%s%s", s, i + 1 < count ? "/" : "");
	}
	if (rand_r(seed) % 5 == 0 && n + 1 < size)
		p[n++] = '/';
	p[n] = 0;
}

static int allowed(int rc)
{
	static const int ok[] = { 0, -ENOENT, -ENOTDIR, -EISDIR, -EEXIST, -ENOTEMPTY, -EINVAL,
				  -ELOOP, -EBUSY, -EXDEV, -EPERM };
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (rc == ok[i] || rc > 0)
			return 1;
	return 0;
}

Test(vfs_path, random_operations_give_linux_errnos_and_leak_nothing)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/a", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/a/b", 0755), 0);
	cr_assert_eq(vt_write_file(C(), "/a/f", "x"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "b", NULL, "/a/l"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "loop", NULL, "/a/loop"), 0);
	cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", "/a/b", 0, NULL), 0); /* crossings too */
	cr_assert_eq(vfs_symlinkat(C(), "/a", NULL, "/a/b/abs"), 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/a"), 0);
	unsigned seed = 12345;
	char p[128], q[128], buf[64];
	for (int i = 0; i < 5000; i++) {
		random_path(p, sizeof(p), &seed);
		random_path(q, sizeof(q), &seed);
		struct sentry_statx st;
		struct vfs_file *f = NULL;
		int rc;
		switch (rand_r(&seed) % 9) {
		case 0: rc = vfs_statat(C(), NULL, p, AT_SYMLINK_NOFOLLOW, 0x7ff, &st); break;
		case 1: rc = vfs_openat(C(), NULL, p, O_RDONLY, 0, &f); break;
		case 2: rc = vfs_openat(C(), NULL, p, O_CREAT | O_WRONLY, 0644, &f); break;
		case 3: rc = vfs_mkdirat(C(), NULL, p, 0755); break;
		case 4: rc = vfs_unlinkat(C(), NULL, p, rand_r(&seed) % 2 ? AT_REMOVEDIR : 0); break;
		case 5: rc = vfs_renameat2(C(), NULL, p, NULL, q, 0); break;
		case 6: rc = vfs_linkat(C(), NULL, p, NULL, q, 0); break;
		case 7: rc = vfs_symlinkat(C(), q, NULL, p); break;
		default: rc = (int)vfs_readlinkat(C(), NULL, p, buf, sizeof(buf)); break;
		}
		cr_assert(allowed(rc), "op on \"%s\" \"%s\": %d", p, q, rc);
		vfs_file_put(f);
	}
	cr_assert_eq(vfs_chdir(C(), NULL, "/"), 0);
	vt_assert_no_leaks();
}
