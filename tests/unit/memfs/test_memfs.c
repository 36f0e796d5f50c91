/*
 * The memfs plugin through the VFS: size and inode limits (ENOSPC), mount data, sparse files,
 * shrinking, large directories, xattrs, statfs, inode numbers, memory-file accounting.
 * tmpfs(5), xattr(7), statfs(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/xattr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vfs_test.h"

static struct vfs_ctx *C(void)
{
	return g_vt.ctx;
}

static void setup_small(void)
{
	vt_setup_data("size=16k,nr_inodes=8,mode=0750,uid=5,gid=6");
}

TestSuite(memfs, .init = vt_setup, .fini = vt_teardown);
TestSuite(memfs_small, .init = setup_small, .fini = vt_teardown);

static struct vfs_file *open_ok(const char *path, uint32_t flags)
{
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, path, flags, 0644, &f), 0, "%s", path);
	return f;
}

Test(memfs_small, mount_data_sets_root_mode_and_owner)
{
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), NULL, "/", 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.mode, S_IFDIR | 0750);
	cr_assert_eq(st.uid, 5);
	cr_assert_eq(st.gid, 6);
	vt_assert_no_leaks();
}

Test(memfs_small, size_limit_gives_enospc_and_space_comes_back)
{
	static char page[4 * 4096];
	struct vfs_file *f = open_ok("/f", O_CREAT | O_RDWR);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(vfs_write(f, page, 4096), 4096);
	cr_assert_eq(vfs_write(f, page, 4096), -ENOSPC);
	struct sentry_statfs sf;
	cr_assert_eq(vfs_statfs(C(), NULL, "/", &sf), 0);
	cr_assert_eq(sf.blocks, 4);
	cr_assert_eq(sf.bfree, 0);
	cr_assert_eq(vfs_ftruncate(C(), f, 4096), 0);
	cr_assert_eq(vfs_statfs(C(), NULL, "/", &sf), 0);
	cr_assert_eq(sf.bfree, 3);
	cr_assert_eq(vt_mf_used(), 4096);
	/* A write that only partly fits is short, not an error. */
	cr_assert_eq(vfs_pwrite(f, page, 4 * 4096, 4096), 3 * 4096);
	vfs_file_put(f);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/f", 0), 0);
	cr_assert_eq(vt_mf_used(), 0);
	vt_assert_no_leaks();
}

Test(memfs_small, inode_limit_gives_enospc)
{
	char p[16];
	int made = 0, rc = 0;
	for (int i = 0; i < 20 && rc == 0; i++) {
		snprintf(p, sizeof(p), "/i%d", i);
		rc = vfs_mknodat(C(), NULL, p, S_IFREG | 0600, 0);
		made += rc == 0;
	}
	cr_assert_eq(rc, -ENOSPC);
	cr_assert_eq(made, 7); /* 8 inodes, the root is one */
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), -ENOSPC);
	cr_assert_eq(vfs_symlinkat(C(), "x", NULL, "/s"), -ENOSPC);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/i0", 0), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	/* A hard link is not a new inode. */
	cr_assert_eq(vfs_linkat(C(), NULL, "/i1", NULL, "/l", 0), 0);
	vt_assert_no_leaks();
}

Test(memfs, bad_mount_data_is_einval)
{
	const char *bad[] = { "size=-1", "size=1q", "size=", "mode=8", "mode=10000",
			      "nr_inodes=x", "uid=-3", "nosuchoption", "size=200%", "=1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", "/", 0, bad[i]), -EINVAL, "%s",
			     bad[i]);
	cr_assert_eq(vfs_mount(C(), g_vt.memfs, "none", "/", 0, "size=50%,nr_inodes=1k"), 0);
	vt_assert_no_leaks();
}

Test(memfs, sparse_files_cost_only_written_pages)
{
	struct vfs_file *f = open_ok("/sparse", O_CREAT | O_RDWR);
	int64_t far = (int64_t)1 << 40;
	cr_assert_eq(vfs_pwrite(f, "end", 3, far), 3);
	struct sentry_statx st;
	cr_assert_eq(vfs_fstat(f, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.size, (uint64_t)far + 3);
	cr_assert_eq(st.blocks, 8);
	cr_assert_eq(vt_mf_used(), 4096);
	char buf[8] = { 1, 1, 1, 1 };
	cr_assert_eq(vfs_pread(f, buf, 4, far / 2), 4);
	cr_assert_eq(memcmp(buf, "\0\0\0\0", 4), 0);
	cr_assert_eq(vfs_lseek(f, 0, SEEK_END), far + 3);
	/* Past the largest file memfs keeps: EFBIG. */
	cr_assert_eq(vfs_pwrite(f, "x", 1, (int64_t)1 << 48), -EFBIG);
	cr_assert_eq(vfs_ftruncate(C(), f, (int64_t)1 << 49), -EFBIG);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(memfs, shrinking_frees_pages_and_zeroes_the_tail)
{
	static char data[3 * 4096];
	memset(data, 'z', sizeof(data));
	struct vfs_file *f = open_ok("/f", O_CREAT | O_RDWR);
	cr_assert_eq(vfs_write(f, data, sizeof(data)), (ssize_t)sizeof(data));
	cr_assert_eq(vt_mf_used(), 3 * 4096);
	cr_assert_eq(vfs_ftruncate(C(), f, 100), 0);
	cr_assert_eq(vt_mf_used(), 4096);
	cr_assert_eq(vfs_ftruncate(C(), f, 8192), 0);
	char buf[200];
	cr_assert_eq(vfs_pread(f, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	cr_assert_eq(buf[99], 'z');
	cr_assert_eq(buf[100], 0);
	cr_assert_eq(vfs_ftruncate(C(), f, 0), 0);
	cr_assert_eq(vt_mf_used(), 0);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(memfs, data_survives_many_pages_and_rewrites)
{
	enum { SIZE = 1 << 20 };
	char *w = malloc(SIZE), *r = malloc(SIZE);
	for (int i = 0; i < SIZE; i++)
		w[i] = (char)(i * 7 + i / 4096);
	struct vfs_file *f = open_ok("/big", O_CREAT | O_RDWR);
	cr_assert_eq(vfs_write(f, w, SIZE), SIZE);
	cr_assert_eq(vfs_pwrite(f, "ABC", 3, 4095), 3);
	memcpy(w + 4095, "ABC", 3);
	cr_assert_eq(vfs_pread(f, r, SIZE, 0), SIZE);
	cr_assert_eq(memcmp(w, r, SIZE), 0);
	vfs_file_put(f);
	free(w);
	free(r);
	vt_assert_no_leaks();
}

static double time_lookups(const char *fmt, int n, int count)
{
	char p[64];
	struct sentry_statx st;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < count; i++) {
		snprintf(p, sizeof(p), fmt, (i * 7919) % n);
		cr_assert_eq(vfs_statat(C(), NULL, p, 0, SENTRY_STATX_BASIC_STATS, &st), 0, "%s", p);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
}

Test(memfs, directory_of_100000_entries_keeps_lookups_constant, .timeout = 60)
{
	enum { BIG = 100000, SMALL = 10 };
	char p[64];
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/big", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/small", 0755), 0);
	for (int i = 0; i < BIG; i++) {
		snprintf(p, sizeof(p), "/big/entry%d", i);
		cr_assert_eq(vfs_mknodat(C(), NULL, p, S_IFREG | 0644, 0), 0);
	}
	for (int i = 0; i < SMALL; i++) {
		snprintf(p, sizeof(p), "/small/entry%d", i);
		cr_assert_eq(vfs_mknodat(C(), NULL, p, S_IFREG | 0644, 0), 0);
	}
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), NULL, "/big", 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	/* The fastest of five interleaved rounds of each: a preemption (make check runs tests
	 * in parallel) slows one round, not the best one. */
	double small = 1e30, big = 1e30;
	for (int r = 0; r < 5; r++) {
		double s1 = time_lookups("/small/entry%d", SMALL, 20000);
		double b1 = time_lookups("/big/entry%d", BIG, 20000);
		small = s1 < small ? s1 : small;
		big = b1 < big ? b1 : big;
	}
	/* A linear scan would be ~10,000 times slower; allow cache effects. */
	cr_assert_lt(big, small * 8, "big %.0f ns vs small %.0f ns", big, small);
	vt_assert_no_leaks();
}

Test(memfs, xattrs_set_get_list_remove)
{
	cr_assert_eq(vt_write_file(C(), "/f", "x"), 0);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "user.a", "one", 3, 0), 0);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "trusted.t", "tt", 2, 0), 0);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "user.a", "1", 1, XATTR_CREATE), -EEXIST);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "user.b", "1", 1, XATTR_REPLACE), -ENODATA);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "user.a", "1", 1, 4), -EINVAL);
	char buf[64];
	cr_assert_eq(vfs_getxattrat(C(), NULL, "/f", 0, "user.a", NULL, 0), 3);
	cr_assert_eq(vfs_getxattrat(C(), NULL, "/f", 0, "user.a", buf, 2), -ERANGE);
	cr_assert_eq(vfs_getxattrat(C(), NULL, "/f", 0, "user.a", buf, sizeof(buf)), 3);
	cr_assert_eq(memcmp(buf, "one", 3), 0);
	cr_assert_eq(vfs_getxattrat(C(), NULL, "/f", 0, "user.zz", buf, sizeof(buf)), -ENODATA);
	cr_assert_eq(vfs_listxattrat(C(), NULL, "/f", 0, NULL, 0), 17);
	cr_assert_eq(vfs_listxattrat(C(), NULL, "/f", 0, buf, 5), -ERANGE);
	cr_assert_eq(vfs_listxattrat(C(), NULL, "/f", 0, buf, sizeof(buf)), 17);
	cr_assert_str_eq(buf, "user.a");
	cr_assert_str_eq(buf + 7, "trusted.t");
	struct vfs_ctx *u = vt_user_ctx(0, 0);
	u->creds.cap_effective = 1ull << SENTRY_CAP_DAC_OVERRIDE;
	cr_assert_eq(vfs_listxattrat(u, NULL, "/f", 0, buf, sizeof(buf)), 7); /* trusted hidden */
	cr_assert_eq(vfs_getxattrat(u, NULL, "/f", 0, "trusted.t", buf, sizeof(buf)), -ENODATA);
	cr_assert_eq(vfs_setxattrat(u, NULL, "/f", 0, "trusted.t", "x", 1, 0), -EPERM);
	vfs_ctx_free(u);
	cr_assert_eq(vfs_removexattrat(C(), NULL, "/f", 0, "user.a"), 0);
	cr_assert_eq(vfs_removexattrat(C(), NULL, "/f", 0, "user.a"), -ENODATA);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "security.x", "1", 1, 0), -EOPNOTSUPP);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "bogus.x", "1", 1, 0), -EOPNOTSUPP);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "", "1", 1, 0), -ERANGE);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/f", 0, "user.big", "1", 65537, 0), -E2BIG);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/nope", 0, "user.a", "1", 1, 0), -ENOENT);
	vt_assert_no_leaks();
}

Test(memfs, user_xattrs_need_permission_and_a_regular_file_or_directory)
{
	cr_assert_eq(vt_write_file(C(), "/f", "x"), 0);
	cr_assert_eq(vfs_symlinkat(C(), "f", NULL, "/l"), 0);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/l", AT_SYMLINK_NOFOLLOW, "user.a", "1", 1, 0),
		     -EPERM);
	cr_assert_eq(vfs_setxattrat(C(), NULL, "/l", 0, "user.a", "1", 1, 0), 0); /* follows */
	struct sentry_setstat ss = { .mask = SENTRY_STATX_MODE, .mode = 0600 };
	cr_assert_eq(vfs_setstatat(C(), NULL, "/f", 0, &ss), 0);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	char buf[4];
	cr_assert_eq(vfs_getxattrat(u, NULL, "/f", 0, "user.a", buf, sizeof(buf)), -EACCES);
	cr_assert_eq(vfs_setxattrat(u, NULL, "/f", 0, "user.b", "1", 1, 0), -EACCES);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}

Test(memfs, statfs_reports_tmpfs)
{
	struct sentry_statfs sf;
	cr_assert_eq(vfs_statfs(C(), NULL, "/", &sf), 0);
	cr_assert_eq(sf.type, 0x01021994);
	cr_assert_eq(sf.bsize, 4096);
	cr_assert_eq(sf.namelen, 255);
	cr_assert_eq(vfs_statfs(C(), NULL, "/nope", &sf), -ENOENT);
	vt_assert_no_leaks();
}

Test(memfs, inode_numbers_are_unique_and_dev_is_shared)
{
	struct sentry_statx a, b, r;
	cr_assert_eq(vt_write_file(C(), "/a", ""), 0);
	cr_assert_eq(vt_write_file(C(), "/b", ""), 0);
	cr_assert_eq(vfs_statat(C(), NULL, "/a", 0, SENTRY_STATX_BASIC_STATS, &a), 0);
	cr_assert_eq(vfs_statat(C(), NULL, "/b", 0, SENTRY_STATX_BASIC_STATS, &b), 0);
	cr_assert_eq(vfs_statat(C(), NULL, "/", 0, SENTRY_STATX_BASIC_STATS, &r), 0);
	cr_assert_neq(a.ino, b.ino);
	cr_assert_neq(a.ino, r.ino);
	cr_assert_eq(a.dev_minor, r.dev_minor);
	cr_assert_eq(a.blksize, 4096);
	vt_assert_no_leaks();
}
