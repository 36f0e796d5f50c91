/*
 * Open file descriptions: offsets, O_APPEND, positional and vectored I/O, lseek(2) errors,
 * getdents64(2) (including while entries come and go), fcntl status flags, O_PATH, O_TMPFILE,
 * ftruncate(2), fallocate(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfs_test.h"

TestSuite(vfs_file, .init = vt_setup, .fini = vt_teardown);

static struct vfs_ctx *C(void)
{
	return g_vt.ctx;
}

static struct vfs_file *open_ok(const char *path, uint32_t flags)
{
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, path, flags, 0644, &f), 0, "%s", path);
	return f;
}

Test(vfs_file, offsets_advance_and_are_shared_by_dups)
{
	struct vfs_file *f = open_ok("/f", O_CREAT | O_RDWR);
	cr_assert_eq(vfs_write(f, "hello ", 6), 6);
	cr_assert_eq(vfs_write(f, "world", 5), 5);
	cr_assert_eq(vfs_lseek(f, 0, SEEK_CUR), 11);
	vfs_file_get(f); /* a dup: same description, same offset */
	cr_assert_eq(vfs_lseek(f, 6, SEEK_SET), 6);
	char buf[16] = { 0 };
	cr_assert_eq(vfs_read(f, buf, 5), 5);
	cr_assert_str_eq(buf, "world");
	cr_assert_eq(vfs_read(f, buf, 5), 0); /* EOF */
	vfs_file_put(f);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_file, append_always_writes_at_the_end)
{
	cr_assert_eq(vt_write_file(C(), "/f", "abc"), 0);
	struct vfs_file *f = open_ok("/f", O_WRONLY | O_APPEND);
	cr_assert_eq(vfs_lseek(f, 0, SEEK_SET), 0);
	cr_assert_eq(vfs_write(f, "d", 1), 1);
	cr_assert_eq(vfs_lseek(f, 0, SEEK_CUR), 4);
	vfs_file_put(f);
	char buf[8];
	cr_assert_eq(vt_read_file(C(), "/f", buf, sizeof(buf)), 4);
	cr_assert_str_eq(buf, "abcd");
	vt_assert_no_leaks();
}

Test(vfs_file, positional_io_leaves_the_offset)
{
	struct vfs_file *f = open_ok("/f", O_CREAT | O_RDWR);
	cr_assert_eq(vfs_pwrite(f, "xyz", 3, 10), 3);
	cr_assert_eq(vfs_lseek(f, 0, SEEK_CUR), 0);
	char buf[16];
	memset(buf, 'q', sizeof(buf));
	cr_assert_eq(vfs_pread(f, buf, sizeof(buf), 0), 13);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(buf[i], 0, "hole byte %d", i);
	cr_assert_eq(memcmp(buf + 10, "xyz", 3), 0);
	cr_assert_eq(vfs_pread(f, buf, 1, -1), -EINVAL);
	cr_assert_eq(vfs_pwrite(f, buf, 1, -5), -EINVAL);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_file, vectored_io)
{
	struct vfs_file *f = open_ok("/f", O_CREAT | O_RDWR);
	char a[] = "one", b[] = "two";
	struct sentry_iov w[] = { { a, 3 }, { b, 3 } };
	cr_assert_eq(vfs_writev(f, w, 2, -1), 6);
	char x[2], y[8] = { 0 };
	struct sentry_iov r[] = { { x, 2 }, { y, 8 } };
	cr_assert_eq(vfs_readv(f, r, 2, 0), 6);
	cr_assert_eq(memcmp(x, "on", 2), 0);
	cr_assert_str_eq(y, "etwo");
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_file, access_mode_is_enforced_with_ebadf)
{
	cr_assert_eq(vt_write_file(C(), "/f", "abc"), 0);
	struct vfs_file *r = open_ok("/f", O_RDONLY), *w = open_ok("/f", O_WRONLY);
	char buf[4];
	cr_assert_eq(vfs_write(r, "x", 1), -EBADF);
	cr_assert_eq(vfs_read(w, buf, 1), -EBADF);
	cr_assert_eq(vfs_ftruncate(C(), r, 0), -EINVAL);
	vfs_file_put(r);
	vfs_file_put(w);
	struct vfs_file *p = open_ok("/f", O_PATH);
	cr_assert_eq(vfs_read(p, buf, 1), -EBADF);
	cr_assert_eq(vfs_write(p, "x", 1), -EBADF);
	cr_assert_eq(vfs_lseek(p, 0, SEEK_SET), -EBADF);
	cr_assert_eq(vfs_getdents64(p, buf, sizeof(buf)), -EBADF);
	struct sentry_statx st;
	cr_assert_eq(vfs_fstat(p, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.size, 3);
	vfs_file_put(p);
	vt_assert_no_leaks();
}

Test(vfs_file, lseek_whence_and_errors)
{
	cr_assert_eq(vt_write_file(C(), "/f", "0123456789"), 0);
	struct vfs_file *f = open_ok("/f", O_RDONLY);
	cr_assert_eq(vfs_lseek(f, -2, SEEK_END), 8);
	cr_assert_eq(vfs_lseek(f, 1, SEEK_CUR), 9);
	cr_assert_eq(vfs_lseek(f, 100, SEEK_SET), 100); /* past the end is fine */
	cr_assert_eq(vfs_lseek(f, -1, SEEK_SET), -EINVAL);
	cr_assert_eq(vfs_lseek(f, -200, SEEK_CUR), -EINVAL);
	cr_assert_eq(vfs_lseek(f, 0, 42), -EINVAL);
	cr_assert_eq(vfs_lseek(f, 3, SEEK_DATA), 3);
	cr_assert_eq(vfs_lseek(f, 3, SEEK_HOLE), 10);
	cr_assert_eq(vfs_lseek(f, 10, SEEK_DATA), -ENXIO);
	cr_assert_eq(vfs_lseek(f, INT64_MAX, SEEK_SET), INT64_MAX);
	cr_assert_eq(vfs_lseek(f, 1, SEEK_CUR), -EINVAL); /* overflow */
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_file, directories_refuse_read_and_write)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	struct vfs_file *d = open_ok("/d", O_RDONLY | O_DIRECTORY);
	char buf[4];
	cr_assert_eq(vfs_read(d, buf, 1), -EISDIR);
	vfs_file_put(d);
	struct vfs_file *f = NULL;
	cr_assert_eq(vt_write_file(C(), "/f", "x"), 0);
	f = open_ok("/f", O_RDONLY);
	cr_assert_eq(vfs_getdents64(f, buf, sizeof(buf)), -ENOTDIR);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

/* Reads every entry name from @d into @seen (a count per name index "eN"); returns how many. */
static int read_all(struct vfs_file *d, int *seen, int n, size_t bufsize)
{
	char *buf = malloc(bufsize);
	int total = 0;
	for (;;) {
		ssize_t got = vfs_getdents64(d, buf, bufsize);
		cr_assert_geq(got, 0);
		if (got == 0)
			break;
		for (ssize_t pos = 0; pos < got;) {
			uint16_t reclen;
			memcpy(&reclen, buf + pos + 16, 2);
			const char *name = buf + pos + 19;
			if (name[0] == 'e') {
				int i = atoi(name + 1);
				cr_assert(i >= 0 && i < n);
				seen[i]++;
			}
			total++;
			pos += reclen;
		}
	}
	free(buf);
	return total;
}

Test(vfs_file, getdents_lists_dot_dotdot_and_entries)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	int seen[10] = { 0 };
	char p[32];
	for (int i = 0; i < 10; i++) {
		snprintf(p, sizeof(p), "/d/e%d", i);
		cr_assert_eq(vt_write_file(C(), p, ""), 0);
	}
	struct vfs_file *d = open_ok("/d", O_RDONLY | O_DIRECTORY);
	cr_assert_eq(read_all(d, seen, 10, 64), 12);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(seen[i], 1);
	/* Rewind and read again; a too-small buffer is EINVAL. */
	cr_assert_eq(vfs_lseek(d, 0, SEEK_SET), 0);
	char tiny[8];
	cr_assert_eq(vfs_getdents64(d, tiny, sizeof(tiny)), -EINVAL);
	memset(seen, 0, sizeof(seen));
	cr_assert_eq(read_all(d, seen, 10, 4096), 12);
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_file, getdents_under_concurrent_change_neither_repeats_nor_skips)
{
	VT_SKIP_ON_9P("a listing is a snapshot of the first getdents: names added later are not seen (POSIX leaves them unspecified)");
	enum { N = 300 };
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	char p[32];
	for (int i = 0; i < N; i++) {
		snprintf(p, sizeof(p), "/d/e%d", i);
		cr_assert_eq(vt_write_file(C(), p, ""), 0);
	}
	struct vfs_file *d = open_ok("/d", O_RDONLY | O_DIRECTORY);
	int seen[2 * N] = { 0 };
	char buf[256];
	int round = 0;
	for (;;) {
		ssize_t got = vfs_getdents64(d, buf, sizeof(buf));
		cr_assert_geq(got, 0);
		if (got == 0)
			break;
		for (ssize_t pos = 0; pos < got;) {
			uint16_t reclen;
			memcpy(&reclen, buf + pos + 16, 2);
			if (buf[pos + 19] == 'e')
				seen[atoi(buf + pos + 20)]++;
			pos += reclen;
		}
		cr_assert_lt(round, N, "getdents does not end");
		/* Between calls: remove an entry not yet read, add a new one, remove one read. */
		snprintf(p, sizeof(p), "/d/e%d", N - 1 - round);
		(void)vfs_unlinkat(C(), NULL, p, 0);
		if (round < 20) { /* new names land after the cursor: seen once each */
			snprintf(p, sizeof(p), "/d/e%d", N + round);
			cr_assert_eq(vt_write_file(C(), p, ""), 0);
		}
		round++;
	}
	/* Entries present the whole time appear exactly once; removed ones at most once. */
	for (int i = 0; i < N - round; i++)
		cr_assert_eq(seen[i], 1, "e%d seen %d times", i, seen[i]);
	for (int i = N - round; i < 2 * N; i++)
		cr_assert_leq(seen[i], 1, "e%d seen %d times", i, seen[i]);
	for (int i = N; i < N + 20; i++)
		cr_assert_eq(seen[i], 1, "new e%d seen %d times", i, seen[i]);
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_file, setfl_changes_only_status_flags)
{
	struct vfs_file *f = open_ok("/f", O_CREAT | O_RDONLY);
	cr_assert_eq(vfs_file_getfl(f) & O_ACCMODE, O_RDONLY);
	cr_assert_eq(vfs_file_setfl(f, O_RDWR | O_APPEND | O_NONBLOCK), 0);
	cr_assert_eq(vfs_file_getfl(f) & O_ACCMODE, O_RDONLY);
	cr_assert(vfs_file_getfl(f) & O_APPEND);
	cr_assert(vfs_file_getfl(f) & O_NONBLOCK);
	cr_assert_eq(vfs_file_getfl(f) & O_CLOEXEC, 0);
	cr_assert_eq(vfs_file_readiness(f, SENTRY_EV_IN | SENTRY_EV_OUT),
		     SENTRY_EV_IN | SENTRY_EV_OUT);
	cr_assert_null(vfs_file_waitq(f));
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_file, tmpfile_is_nameless_until_linked)
{
	VT_SKIP_ON_9P("9P2000.L has no O_TMPFILE");
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/d", O_TMPFILE | O_RDONLY, 0600, &f), -EINVAL);
	cr_assert_eq(vfs_openat(C(), NULL, "/nope", O_TMPFILE | O_RDWR, 0600, &f), -ENOENT);
	f = open_ok("/d", O_TMPFILE | O_RDWR);
	cr_assert_eq(vfs_write(f, "tmp", 3), 3);
	struct sentry_statx st;
	cr_assert_eq(vfs_fstat(f, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.nlink, 0);
	int seen[1] = { 0 };
	struct vfs_file *d = open_ok("/d", O_RDONLY | O_DIRECTORY);
	cr_assert_eq(read_all(d, seen, 1, 4096), 2); /* only "." and ".." */
	vfs_file_put(d);
	cr_assert_eq(vfs_linkat(C(), f, "", NULL, "/d/named", AT_EMPTY_PATH), 0);
	char buf[8];
	cr_assert_eq(vt_read_file(C(), "/d/named", buf, sizeof(buf)), 3);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_file, ftruncate_grows_and_shrinks)
{
	struct vfs_file *f = open_ok("/f", O_CREAT | O_RDWR);
	cr_assert_eq(vfs_write(f, "abcdef", 6), 6);
	cr_assert_eq(vfs_ftruncate(C(), f, 3), 0);
	cr_assert_eq(vfs_ftruncate(C(), f, 8), 0);
	char buf[8];
	cr_assert_eq(vfs_pread(f, buf, 8, 0), 8);
	cr_assert_eq(memcmp(buf, "abc\0\0\0\0\0", 8), 0);
	cr_assert_eq(vfs_ftruncate(C(), f, -1), -EINVAL);
	vfs_file_put(f);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	struct vfs_file *d = open_ok("/d", O_RDONLY);
	cr_assert_eq(vfs_ftruncate(C(), d, 0), -EINVAL);
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_file, fallocate_extends_and_reserves)
{
	VT_SKIP_ON_9P("9P2000.L has no fallocate");
	struct vfs_file *f = open_ok("/f", O_CREAT | O_RDWR);
	cr_assert_eq(vfs_fallocate(f, 0, 0, 10000), 0);
	struct sentry_statx st;
	cr_assert_eq(vfs_fstat(f, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.size, 10000);
	cr_assert_eq(st.blocks, 3 * 8);
	cr_assert_eq(vfs_fallocate(f, FALLOC_FL_KEEP_SIZE, 0, 20000), 0);
	cr_assert_eq(vfs_fstat(f, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.size, 10000);
	cr_assert_eq(vfs_fallocate(f, 0, -1, 10), -EINVAL);
	cr_assert_eq(vfs_fallocate(f, 0, 0, 0), -EINVAL);
	cr_assert_eq(vfs_fallocate(f, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 10), -EOPNOTSUPP);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_file, getdents_resumes_from_a_saved_d_off)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	char p[32];
	for (int i = 0; i < 5; i++) {
		snprintf(p, sizeof(p), "/d/e%d", i);
		cr_assert_eq(vt_write_file(C(), p, ""), 0);
	}
	struct vfs_file *d = open_ok("/d", O_RDONLY | O_DIRECTORY);
	char buf[4096];
	ssize_t got = vfs_getdents64(d, buf, sizeof(buf));
	cr_assert_gt(got, 0);
	/* Third record (after ".", ".."): remember its d_off, like telldir after reading it. */
	size_t pos = 0;
	int64_t off = 0;
	for (int i = 0; i < 3; i++) {
		uint16_t reclen;
		memcpy(&off, buf + pos + 8, 8);
		memcpy(&reclen, buf + pos + 16, 2);
		pos += reclen;
	}
	cr_assert_str_eq(buf + 19, "."); /* offset 0 starts with "." */
	cr_assert_eq(vfs_lseek(d, off, SEEK_SET), off);
	got = vfs_getdents64(d, buf, sizeof(buf));
	cr_assert_gt(got, 0);
	cr_assert_str_eq(buf + 19, "e1"); /* resumes right after e0 */
	vfs_file_put(d);
	vt_assert_no_leaks();
}

Test(vfs_file, removed_directory_lists_nothing_and_takes_no_names)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d", 0755), 0);
	struct vfs_file *d = open_ok("/d", O_RDONLY | O_DIRECTORY);
	cr_assert_eq(vfs_chdir(C(), NULL, "/d"), 0);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/d", AT_REMOVEDIR), 0);
	char buf[256];
	cr_assert_eq(vfs_getdents64(d, buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(vt_write_file(C(), "new", "x"), -ENOENT);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "sub", 0755), -ENOENT);
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), NULL, ".", 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.nlink, 0);
	cr_assert_eq(vfs_chdir(C(), NULL, "/"), 0);
	vfs_file_put(d);
	vt_assert_no_leaks();
}
