/*
 * Files: openat flags, read/write and their positioned and vectored forms, lseek, close, the
 * stat family and getdents64, each with its error cases. Works in a directory of its own under
 * /tmp, reached through a directory descriptor, and removes it at the end.
 */
#include "expect.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define BAD_PTR ((void *)1)

static int dir = -1;

static long sys_openat(const char *path, int flags, int mode)
{
	return syscall(SYS_openat, dir, path, flags, mode);
}

/* The file's contents, read from offset 0 with pread64 (the fd's offset is left alone). */
static const char *contents(int fd)
{
	static char buf[64];
	long n = syscall(SYS_pread64, fd, buf, sizeof(buf) - 1, 0);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static long size_of(const char *path)
{
	struct stat st;
	if (syscall(SYS_newfstatat, dir, path, &st, 0) < 0)
		return -1;
	return st.st_size;
}

static void test_open(void)
{
	long fd = sys_openat("a", O_CREAT | O_EXCL | O_WRONLY, 0640);
	expect_true("openat O_CREAT|O_EXCL new", fd >= 0);
	expect_errno("openat O_CREAT|O_EXCL existing", sys_openat("a", O_CREAT | O_EXCL | O_WRONLY,
								  0640), EEXIST);
	expect_eq("write", syscall(SYS_write, fd, "hello world", 11), 11);
	expect_errno("read on O_WRONLY", syscall(SYS_read, fd, (char[4]){ 0 }, 4), EBADF);
	close(fd);

	expect_errno("openat missing", sys_openat("missing", O_RDONLY, 0), ENOENT);
	expect_errno("openat empty path", sys_openat("", O_RDONLY, 0), ENOENT);
	expect_errno("openat bad path pointer", sys_openat(BAD_PTR, O_RDONLY, 0), EFAULT);
	expect_errno("openat file as directory", sys_openat("a", O_RDONLY | O_DIRECTORY, 0), ENOTDIR);
	expect_errno("openat through a file", sys_openat("a/x", O_RDONLY, 0), ENOTDIR);
	expect_errno("openat O_CREAT missing parent", sys_openat("nodir/x", O_CREAT | O_WRONLY, 0600),
		     ENOENT);
	char name[NAME_MAX + 2];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	expect_errno("openat name too long", sys_openat(name, O_RDONLY, 0), ENAMETOOLONG);
	expect_errno("openat relative, bad dirfd",
		     syscall(SYS_openat, 99, "a", O_RDONLY), EBADF);
	fd = syscall(SYS_openat, 99, "/", O_RDONLY | O_DIRECTORY);
	expect_true("openat absolute ignores dirfd", fd >= 0);
	close(fd);

	fd = sys_openat(".", O_RDONLY | O_DIRECTORY, 0);
	expect_true("openat . O_DIRECTORY", fd >= 0);
	expect_errno("read a directory", syscall(SYS_read, fd, (char[4]){ 0 }, 4), EISDIR);
	close(fd);
	expect_errno("openat directory O_WRONLY", sys_openat(".", O_WRONLY, 0), EISDIR);
	expect_errno("openat directory O_CREAT", sys_openat(".", O_CREAT | O_RDONLY, 0600), EISDIR);

	expect_ok("symlinkat l -> a", syscall(SYS_symlinkat, "a", dir, "l"));
	expect_errno("openat symlink O_NOFOLLOW", sys_openat("l", O_RDONLY | O_NOFOLLOW, 0), ELOOP);
	fd = sys_openat("l", O_RDONLY, 0);
	expect_str("openat through symlink", fd < 0 ? NULL : contents(fd), "hello world");
	expect_errno("write on O_RDONLY", syscall(SYS_write, fd, "x", 1), EBADF);
	close(fd);
	expect_errno("openat O_CREAT|O_EXCL on a symlink", sys_openat("l", O_CREAT | O_EXCL | O_WRONLY,
								     0600), EEXIST);

	fd = sys_openat("a", O_WRONLY | O_TRUNC, 0);
	expect_eq("O_TRUNC size", size_of("a"), 0);
	expect_eq("write after truncation", syscall(SYS_write, fd, "abc", 3), 3);
	close(fd);
	fd = sys_openat("a", O_RDWR | O_APPEND, 0);
	expect_eq("O_APPEND offset at open", lseek(fd, 0, SEEK_CUR), 0);
	expect_eq("O_APPEND write", syscall(SYS_write, fd, "def", 3), 3);
	expect_eq("O_APPEND offset after write", lseek(fd, 0, SEEK_CUR), 6);
	expect_eq("lseek to 0", lseek(fd, 0, SEEK_SET), 0);
	expect_eq("O_APPEND write after lseek", syscall(SYS_write, fd, "gh", 2), 2);
	/* Linux appends with pwrite too when the file is O_APPEND (pwrite(2), BUGS). */
	expect_eq("O_APPEND pwrite64 at 0", syscall(SYS_pwrite64, fd, "X", 1, 0), 1);
	expect_str("O_APPEND contents", contents(fd), "abcdefghX");
	close(fd);
}

static void test_read_write(void)
{
	char buf[16] = { 0 };
	long fd = sys_openat("rw", O_CREAT | O_RDWR | O_TRUNC, 0600);
	expect_eq("write 10", syscall(SYS_write, fd, "0123456789", 10), 10);
	expect_eq("write 0 bytes", syscall(SYS_write, fd, "", 0), 0);
	expect_eq("read at end", syscall(SYS_read, fd, buf, sizeof(buf)), 0);
	expect_eq("pread64 5 at 3", syscall(SYS_pread64, fd, buf, 5, 3), 5);
	expect_str("pread64 data", buf, "34567");
	expect_eq("pread64 leaves the offset", lseek(fd, 0, SEEK_CUR), 10);
	expect_eq("pread64 past the end", syscall(SYS_pread64, fd, buf, 5, 100), 0);
	expect_eq("pread64 across the end", syscall(SYS_pread64, fd, buf, 5, 8), 2);
	expect_errno("pread64 negative offset", syscall(SYS_pread64, fd, buf, 1, -1L), EINVAL);
	expect_errno("pwrite64 negative offset", syscall(SYS_pwrite64, fd, "x", 1, -1L), EINVAL);
	expect_eq("pwrite64 2 at 1", syscall(SYS_pwrite64, fd, "ab", 2, 1), 2);
	expect_eq("pwrite64 leaves the offset", lseek(fd, 0, SEEK_CUR), 10);
	expect_eq("pwrite64 past the end", syscall(SYS_pwrite64, fd, "z", 1, 12), 1);
	expect_eq("size after the hole", size_of("rw"), 13);
	memset(buf, 'q', sizeof(buf));
	expect_eq("pread64 over the hole", syscall(SYS_pread64, fd, buf, 3, 10), 3);
	expect_true("hole reads as zeros", buf[0] == 0 && buf[1] == 0 && buf[2] == 'z');

	expect_errno("read bad buffer", syscall(SYS_read, (int)fd, BAD_PTR, 4), EFAULT);
	expect_errno("pread64 bad buffer", syscall(SYS_pread64, (int)fd, BAD_PTR, 4, 0), EFAULT);
	expect_errno("write bad buffer", syscall(SYS_write, (int)fd, BAD_PTR, 4), EFAULT);
	expect_errno("read bad fd", syscall(SYS_read, 99, buf, 1), EBADF);
	expect_errno("write negative fd", syscall(SYS_write, -1, "x", 1), EBADF);

	char a[3], b[4], c[5];
	struct iovec wv[3] = { { "ABC", 3 }, { "", 0 }, { "DEFGH", 5 } };
	expect_eq("lseek to 0", lseek(fd, 0, SEEK_SET), 0);
	expect_eq("writev 3 vectors", syscall(SYS_writev, fd, wv, 3), 8);
	expect_eq("writev 0 vectors", syscall(SYS_writev, fd, wv, 0), 0);
	expect_errno("writev negative count", syscall(SYS_writev, fd, wv, -1L), EINVAL);
	expect_errno("writev count over IOV_MAX", syscall(SYS_writev, fd, wv, IOV_MAX + 1), EINVAL);
	expect_errno("writev bad vector array", syscall(SYS_writev, fd, BAD_PTR, 1), EFAULT);
	struct iovec bad = { BAD_PTR, 4 };
	expect_errno("writev bad base", syscall(SYS_writev, fd, &bad, 1), EFAULT);
	expect_errno("readv bad base", syscall(SYS_readv, fd, &bad, 1), EFAULT);
	struct iovec rv[3] = { { a, 3 }, { b, 4 }, { c, 5 } };
	expect_eq("lseek to 0", lseek(fd, 0, SEEK_SET), 0);
	expect_eq("readv 3 vectors", syscall(SYS_readv, fd, rv, 3), 12);
	expect_true("readv scatters in order",
		    memcmp(a, "ABC", 3) == 0 && memcmp(b, "DEFG", 4) == 0 &&
			    memcmp(c, "H89\0\0", 5) == 0);
	expect_eq("readv at the end", syscall(SYS_readv, fd, rv, 3), 1);
	expect_errno("readv negative count", syscall(SYS_readv, fd, rv, -1L), EINVAL);
	close(fd);
}

static void test_lseek(void)
{
	long fd = sys_openat("rw", O_RDONLY, 0);
	expect_eq("lseek SEEK_SET 3", lseek(fd, 3, SEEK_SET), 3);
	expect_eq("lseek SEEK_CUR 2", lseek(fd, 2, SEEK_CUR), 5);
	expect_eq("lseek SEEK_CUR -1", lseek(fd, -1, SEEK_CUR), 4);
	expect_eq("lseek SEEK_END -1", lseek(fd, -1, SEEK_END), 12);
	expect_eq("lseek SEEK_DATA 0", lseek(fd, 0, SEEK_DATA), 0);
	expect_errno("lseek SEEK_DATA at the end", lseek(fd, 13, SEEK_DATA), ENXIO);
	expect_errno("lseek SEEK_HOLE past the end", lseek(fd, 14, SEEK_HOLE), ENXIO);
	expect_eq("lseek SEEK_END past the end", lseek(fd, 100, SEEK_END), 113);
	expect_errno("lseek SEEK_SET negative", lseek(fd, -1, SEEK_SET), EINVAL);
	expect_errno("lseek SEEK_CUR before 0", lseek(fd, -1000, SEEK_CUR), EINVAL);
	expect_errno("lseek bad whence", lseek(fd, 0, 7), EINVAL);
	expect_eq("offset kept after failures", lseek(fd, 0, SEEK_CUR), 113);
	close(fd);
	expect_errno("lseek bad fd", lseek(99, 0, SEEK_SET), EBADF);
	/* Pipes (ESPIPE for lseek/pread64/pwrite64 on them) are checked with the pipe
	 * implementation, issue #7. */
}

static void test_close(void)
{
	long fd = sys_openat("a", O_RDONLY, 0);
	expect_ok("close", syscall(SYS_close, fd));
	expect_errno("close again", syscall(SYS_close, fd), EBADF);
	expect_errno("close 99", syscall(SYS_close, 99), EBADF);
	expect_errno("close -1", syscall(SYS_close, -1), EBADF);
	expect_errno("read closed fd", syscall(SYS_read, fd, (char[4]){ 0 }, 1), EBADF);
}

static void show_stat(const char *what, long rc, const struct stat *st, unsigned long mode,
		      long size)
{
	char line[128];
	snprintf(line, sizeof(line), "%s", what);
	expect_ok(line, rc);
	snprintf(line, sizeof(line), "%s mode", what);
	expect_mode(line, rc < 0 ? 0 : st->st_mode, mode);
	snprintf(line, sizeof(line), "%s size", what);
	expect_eq(line, rc < 0 ? -1 : st->st_size, size);
	snprintf(line, sizeof(line), "%s nlink", what);
	expect_eq(line, rc < 0 ? -1 : (long)st->st_nlink, 1);
}

static void test_stat(void)
{
	struct stat st, st2;
	long fd = sys_openat("a", O_RDONLY, 0);
	show_stat("fstat", syscall(SYS_fstat, fd, &st), &st, S_IFREG | 0640, 9);
	expect_errno("fstat bad fd", syscall(SYS_fstat, 99, &st), EBADF);
	expect_errno("fstat bad buffer", syscall(SYS_fstat, fd, BAD_PTR), EFAULT);

	show_stat("newfstatat", syscall(SYS_newfstatat, dir, "a", &st2, 0), &st2, S_IFREG | 0640, 9);
	expect_true("newfstatat same inode as fstat", st.st_ino == st2.st_ino && st.st_dev ==
		    st2.st_dev);
	show_stat("newfstatat symlink followed", syscall(SYS_newfstatat, dir, "l", &st2, 0), &st2,
		  S_IFREG | 0640, 9);
	show_stat("newfstatat AT_SYMLINK_NOFOLLOW",
		  syscall(SYS_newfstatat, dir, "l", &st2, AT_SYMLINK_NOFOLLOW), &st2,
		  S_IFLNK | 0777, 1);
	show_stat("newfstatat AT_EMPTY_PATH", syscall(SYS_newfstatat, fd, "", &st2, AT_EMPTY_PATH),
		  &st2, S_IFREG | 0640, 9);
	expect_errno("newfstatat empty path", syscall(SYS_newfstatat, fd, "", &st2, 0), ENOENT);
	expect_errno("newfstatat missing", syscall(SYS_newfstatat, dir, "missing", &st2, 0), ENOENT);
	expect_errno("newfstatat bad flags", syscall(SYS_newfstatat, dir, "a", &st2, 0x1), EINVAL);
	expect_errno("newfstatat bad buffer", syscall(SYS_newfstatat, dir, "a", BAD_PTR, 0), EFAULT);
	expect_errno("newfstatat bad path", syscall(SYS_newfstatat, dir, BAD_PTR, &st2, 0), EFAULT);
	expect_ok("newfstatat .", syscall(SYS_newfstatat, dir, ".", &st2, 0));
	expect_true("newfstatat . is a directory", S_ISDIR(st2.st_mode));
	close(fd);
}

static void test_statx(void)
{
	struct stat st;
	long fd = sys_openat("a", O_RDONLY, 0);
	syscall(SYS_fstat, fd, &st);
	struct statx sx;
	long rc = syscall(SYS_statx, dir, "a", 0, STATX_BASIC_STATS, &sx);
	expect_ok("statx", rc);
	expect_true("statx basic stats present",
		    (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
	expect_mode("statx mode", sx.stx_mode, S_IFREG | 0640);
	expect_eq("statx size", sx.stx_size, 9);
	expect_eq("statx nlink", sx.stx_nlink, 1);
	expect_true("statx inode as fstat", sx.stx_ino == st.st_ino);
	rc = syscall(SYS_statx, dir, "l", AT_SYMLINK_NOFOLLOW, STATX_MODE | STATX_SIZE, &sx);
	expect_ok("statx AT_SYMLINK_NOFOLLOW", rc);
	expect_mode("statx symlink mode", sx.stx_mode, S_IFLNK | 0777);
	expect_eq("statx symlink size", sx.stx_size, 1);
	rc = syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx);
	expect_ok("statx AT_EMPTY_PATH", rc);
	expect_eq("statx AT_EMPTY_PATH size", sx.stx_size, 9);
	expect_errno("statx empty path", syscall(SYS_statx, fd, "", 0, STATX_BASIC_STATS, &sx),
		     ENOENT);
	expect_errno("statx reserved mask bit",
		     syscall(SYS_statx, dir, "a", 0, 0x80000000u, &sx), EINVAL);
	expect_errno("statx both sync types", syscall(SYS_statx, dir, "a",
			AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx), EINVAL);
	expect_errno("statx bad flags", syscall(SYS_statx, dir, "a", 0x1, STATX_BASIC_STATS, &sx),
		     EINVAL);
	expect_errno("statx bad buffer", syscall(SYS_statx, dir, "a", 0, STATX_BASIC_STATS, BAD_PTR),
		     EFAULT);
	expect_errno("statx missing", syscall(SYS_statx, dir, "missing", 0, STATX_BASIC_STATS, &sx),
		     ENOENT);
	close(fd);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void unlink_at(int dirfd, const char *name, int flags)
{
	char what[64];
	snprintf(what, sizeof(what), "unlinkat %s", name);
	expect_ok(what, syscall(SYS_unlinkat, dirfd, name, flags));
}

/* Reads the whole directory through a small buffer (several calls) and prints the names. */
static void test_getdents(void)
{
	expect_ok("mkdirat sub", syscall(SYS_mkdirat, dir, "sub", 0755));
	long fd = sys_openat("sub", O_RDONLY | O_DIRECTORY, 0);
	static const char *const files[] = { "zeta", "alpha", "mid", "b" };
	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		close(syscall(SYS_openat, fd, files[i], O_CREAT | O_WRONLY, 0600));
	expect_ok("mkdirat sub/dir", syscall(SYS_mkdirat, fd, "dir", 0755));

	char buf[64] __attribute__((aligned(8)));
	char names[16][32], *sorted[16];
	int count = 0, calls = 0, types_ok = 1;
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		calls++;
		for (long off = 0; off < n;) {
			struct {
				unsigned long long ino;
				long long off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + off);
			if (count < 16) {
				snprintf(names[count], sizeof(names[count]), "%s", d->name);
				sorted[count] = names[count];
				count++;
			}
			int dirent_dir = d->name[0] == '.' || strcmp(d->name, "dir") == 0;
			/* DT_UNKNOWN is allowed by the interface; anything else must be right. */
			if (d->type != DT_UNKNOWN && d->type != (dirent_dir ? DT_DIR : DT_REG))
				types_ok = 0;
			off += d->reclen;
		}
	}
	expect_eq("getdents64 end", n, 0);
	expect_true("getdents64 needed several calls", calls > 1);
	expect_true("getdents64 types", types_ok);
	qsort(sorted, count, sizeof(sorted[0]), by_name);
	printf("getdents64 names:");
	for (int i = 0; i < count; i++)
		printf(" %s", sorted[i]);
	printf("\n");
	expect_eq("getdents64 count", count, 7);
	expect_eq("getdents64 after the end", syscall(SYS_getdents64, fd, buf, sizeof(buf)), 0);
	expect_eq("lseek directory to 0", lseek(fd, 0, SEEK_SET), 0);
	expect_true("getdents64 again after rewind", syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0);
	expect_errno("getdents64 buffer too small", syscall(SYS_getdents64, fd, buf, 1), EINVAL);
	expect_errno("getdents64 bad buffer", syscall(SYS_getdents64, fd, BAD_PTR, 4096), EFAULT);
	expect_errno("getdents64 bad fd", syscall(SYS_getdents64, 99, buf, sizeof(buf)), EBADF);
	long file = sys_openat("a", O_RDONLY, 0);
	expect_errno("getdents64 on a file", syscall(SYS_getdents64, file, buf, sizeof(buf)), ENOTDIR);
	close(file);

	for (unsigned i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink_at(fd, files[i], 0);
	unlink_at(fd, "dir", AT_REMOVEDIR);
	close(fd);
	unlink_at(dir, "sub", AT_REMOVEDIR);
}

int main(void)
{
	char path[] = "/tmp/cvisor-file-XXXXXX";
	umask(022);
	if (!mkdtemp(path)) {
		printf("mkdtemp: %s\n", strerrorname_np(errno));
		return 1;
	}
	dir = open(path, O_RDONLY | O_DIRECTORY);
	expect_true("scratch directory", dir >= 0);

	test_open();
	test_read_write();
	test_lseek();
	test_close();
	test_stat();
	test_statx();
	test_getdents();

	static const char *const made[] = { "a", "l", "rw" };
	for (unsigned i = 0; i < sizeof(made) / sizeof(made[0]); i++)
		unlink_at(dir, made[i], 0);
	close(dir);
	expect_ok("rmdir scratch", rmdir(path));
	return expect_status();
}
