/*
 * Directories and names: mkdirat, unlinkat, renameat2 and its flags, symlinks and readlinkat,
 * the symlink limit, getcwd/chdir, faccessat2, fchmodat, utimensat and umask, each with its
 * error cases. Everything happens in a directory of its own under /tmp, removed at the end.
 */
#include "expect.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)1)

static int dir = -1;

static long mkdir_at(const char *path, int mode)
{
	return syscall(SYS_mkdirat, dir, path, mode);
}

static long unlink_at(const char *path, int flags)
{
	return syscall(SYS_unlinkat, dir, path, flags);
}

static long rename2(const char *from, const char *to, unsigned flags)
{
	return syscall(SYS_renameat2, dir, from, dir, to, flags);
}

/* Creates path holding text. */
static void put(const char *path, const char *text)
{
	long fd = syscall(SYS_openat, dir, path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("put %s: %s\n", path, strerrorname_np(errno));
	close(fd);
}

/* The text of path, or its errno name. */
static const char *get(const char *path)
{
	static char buf[64];
	long fd = syscall(SYS_openat, dir, path, O_RDONLY);
	if (fd < 0)
		return strerrorname_np(errno);
	long n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static unsigned long mode_of(const char *path, int flags)
{
	struct stat st;
	if (syscall(SYS_newfstatat, dir, path, &st, flags) < 0)
		return 0;
	return st.st_mode;
}

static void test_mkdir_unlink(void)
{
	expect_ok("mkdirat d", mkdir_at("d", 0777));
	expect_mode("mkdirat mode under umask 022", mode_of("d", 0), S_IFDIR | 0755);
	expect_errno("mkdirat existing", mkdir_at("d", 0755), EEXIST);
	expect_errno("mkdirat missing parent", mkdir_at("nodir/x", 0755), ENOENT);
	put("f", "file");
	expect_errno("mkdirat through a file", mkdir_at("f/x", 0755), ENOTDIR);
	expect_errno("mkdirat over a file", mkdir_at("f", 0755), EEXIST);
	expect_errno("mkdirat empty path", mkdir_at("", 0755), ENOENT);
	expect_errno("mkdirat bad path", mkdir_at(BAD_PTR, 0755), EFAULT);
	expect_errno("mkdirat bad dirfd", syscall(SYS_mkdirat, 99, "x", 0755), EBADF);
	char name[NAME_MAX + 2];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	expect_errno("mkdirat name too long", mkdir_at(name, 0755), ENAMETOOLONG);
	name[NAME_MAX] = '\0';
	expect_ok("mkdirat NAME_MAX name", mkdir_at(name, 0755));
	expect_ok("unlinkat NAME_MAX name", unlink_at(name, AT_REMOVEDIR));
	static char long_path[PATH_MAX + 8];
	memset(long_path, 'p', sizeof(long_path) - 1);
	for (size_t i = 100; i < sizeof(long_path) - 1; i += 101)
		long_path[i] = '/';
	expect_errno("mkdirat path over PATH_MAX", mkdir_at(long_path, 0755), ENAMETOOLONG);

	expect_ok("mkdirat d/sub", mkdir_at("d/sub", 0755));
	put("d/file", "x");
	expect_errno("unlinkat directory without AT_REMOVEDIR", unlink_at("d/sub", 0), EISDIR);
	expect_errno("unlinkat file with AT_REMOVEDIR", unlink_at("d/file", AT_REMOVEDIR), ENOTDIR);
	expect_errno("unlinkat non-empty directory", unlink_at("d", AT_REMOVEDIR), ENOTEMPTY);
	expect_errno("unlinkat . with AT_REMOVEDIR", unlink_at("d/sub/.", AT_REMOVEDIR), EINVAL);
	expect_errno("unlinkat .. with AT_REMOVEDIR", unlink_at("d/sub/..", AT_REMOVEDIR), ENOTEMPTY);
	expect_errno("unlinkat bad flags", unlink_at("d/file", 0x1), EINVAL);
	expect_errno("unlinkat missing", unlink_at("d/missing", 0), ENOENT);
	expect_errno("unlinkat through a file", unlink_at("f/x", 0), ENOTDIR);
	expect_ok("unlinkat file", unlink_at("d/file", 0));
	expect_errno("unlinkat file again", unlink_at("d/file", 0), ENOENT);
	expect_ok("unlinkat directory", unlink_at("d/sub", AT_REMOVEDIR));
	expect_errno("newfstatat removed directory", mode_of("d/sub", 0) ? 0 : -1, ENOENT);
}

static void test_symlinks(void)
{
	char buf[64];
	expect_ok("symlinkat s -> f", syscall(SYS_symlinkat, "f", dir, "s"));
	expect_errno("symlinkat existing", syscall(SYS_symlinkat, "f", dir, "s"), EEXIST);
	expect_errno("symlinkat empty target", syscall(SYS_symlinkat, "", dir, "e"), ENOENT);
	expect_errno("symlinkat missing parent", syscall(SYS_symlinkat, "f", dir, "no/s"), ENOENT);
	expect_str("open through symlink", get("s"), "file");
	memset(buf, 0, sizeof(buf));
	expect_eq("readlinkat", syscall(SYS_readlinkat, dir, "s", buf, sizeof(buf)), 1);
	expect_str("readlinkat target", buf, "f");
	expect_ok("symlinkat dangling", syscall(SYS_symlinkat, "nowhere/at/all", dir, "dangle"));
	memset(buf, 0, sizeof(buf));
	expect_eq("readlinkat short buffer", syscall(SYS_readlinkat, dir, "dangle", buf, 3), 3);
	expect_str("readlinkat truncates without NUL", buf, "now");
	expect_errno("readlinkat size 0", syscall(SYS_readlinkat, dir, "s", buf, 0), EINVAL);
	expect_errno("readlinkat not a symlink", syscall(SYS_readlinkat, dir, "f", buf, 64), EINVAL);
	expect_errno("readlinkat missing", syscall(SYS_readlinkat, dir, "nope", buf, 64), ENOENT);
	expect_errno("readlinkat bad buffer", syscall(SYS_readlinkat, dir, "s", BAD_PTR, 64), EFAULT);
	expect_str("open dangling symlink", get("dangle"), "ENOENT");
	expect_mode("newfstatat dangling AT_SYMLINK_NOFOLLOW", mode_of("dangle", AT_SYMLINK_NOFOLLOW),
		    S_IFLNK | 0777);

	/* A loop, and a chain one longer than Linux follows (40 links in one resolution). */
	expect_ok("symlinkat loop1 -> loop2", syscall(SYS_symlinkat, "loop2", dir, "loop1"));
	expect_ok("symlinkat loop2 -> loop1", syscall(SYS_symlinkat, "loop1", dir, "loop2"));
	expect_errno("open symlink loop", syscall(SYS_openat, dir, "loop1", O_RDONLY), ELOOP);
	struct stat st;
	expect_errno("newfstatat symlink loop", syscall(SYS_newfstatat, dir, "loop1", &st, 0), ELOOP);
	expect_errno("mkdirat under a symlink loop", mkdir_at("loop1/x", 0755), ELOOP);
	int made = 1;
	for (int i = 0; i <= 40; i++) {
		char link[16], target[16];
		snprintf(link, sizeof(link), "c%d", i);
		snprintf(target, sizeof(target), i == 40 ? "f" : "c%d", i + 1);
		made &= syscall(SYS_symlinkat, target, dir, link) == 0;
	}
	expect_true("symlinkat a chain of 41", made);
	expect_str("open through 40 links", get("c1"), "file");
	expect_str("open through 41 links", get("c0"), "ELOOP");
	made = 1;
	for (int i = 0; i <= 40; i++) {
		char link[16];
		snprintf(link, sizeof(link), "c%d", i);
		made &= unlink_at(link, 0) == 0;
	}
	expect_true("unlinkat the chain", made);
	expect_ok("unlinkat loop1", unlink_at("loop1", 0));
	expect_ok("unlinkat loop2", unlink_at("loop2", 0));
	expect_ok("unlinkat dangle", unlink_at("dangle", 0));
	expect_ok("unlinkat a symlink, not its target", unlink_at("s", 0));
	expect_str("target kept", get("f"), "file");
}

static void test_rename(void)
{
	put("r1", "one");
	put("r2", "two");
	expect_ok("renameat2 to a new name", rename2("r1", "n1", 0));
	expect_str("renamed contents", get("n1"), "one");
	expect_str("old name gone", get("r1"), "ENOENT");
	expect_ok("renameat2 over a file", rename2("n1", "r2", 0));
	expect_str("replaced contents", get("r2"), "one");
	put("r1", "uno");
	expect_errno("RENAME_NOREPLACE onto a file", rename2("r1", "r2", RENAME_NOREPLACE), EEXIST);
	expect_str("RENAME_NOREPLACE kept the target", get("r2"), "one");
	expect_ok("RENAME_NOREPLACE to a new name", rename2("r1", "r3", RENAME_NOREPLACE));
	expect_ok("RENAME_EXCHANGE", rename2("r2", "r3", RENAME_EXCHANGE));
	expect_str("RENAME_EXCHANGE first", get("r2"), "uno");
	expect_str("RENAME_EXCHANGE second", get("r3"), "one");
	expect_errno("RENAME_EXCHANGE with a missing target", rename2("r2", "none", RENAME_EXCHANGE),
		     ENOENT);
	expect_errno("RENAME_EXCHANGE|RENAME_NOREPLACE",
		     rename2("r2", "r3", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	expect_errno("renameat2 unknown flag", rename2("r2", "r3", 1u << 7), EINVAL);
	expect_errno("renameat2 missing source", rename2("none", "r9", 0), ENOENT);
	expect_ok("renameat2 onto itself", rename2("r2", "r2", 0));

	expect_ok("mkdirat e", mkdir_at("e", 0755));
	expect_ok("mkdirat full", mkdir_at("full", 0755));
	put("full/x", "x");
	expect_errno("rename directory onto a non-empty one", rename2("e", "full", 0), ENOTEMPTY);
	expect_errno("rename directory onto a file", rename2("e", "r2", 0), ENOTDIR);
	expect_errno("rename file onto a directory", rename2("r2", "e", 0), EISDIR);
	expect_errno("rename directory into itself", rename2("e", "e/inner", 0), EINVAL);
	expect_errno("rename through a file", rename2("r2", "r3/x", 0), ENOTDIR);
	expect_ok("rename directory onto an empty one", rename2("d", "e", 0));
	expect_str("d gone", mode_of("d", 0) ? "exists" : strerrorname_np(errno), "ENOENT");
	expect_ok("RENAME_EXCHANGE file and directory", rename2("e", "r3", RENAME_EXCHANGE));
	expect_mode("exchanged: r3 is the directory", mode_of("r3", 0), S_IFDIR | 0755);
	expect_str("exchanged: e is the file", get("e"), "one");
	expect_ok("rename into a subdirectory", rename2("e", "full/e", 0));
	expect_str("moved file", get("full/e"), "one");

	expect_ok("unlinkat full/x", unlink_at("full/x", 0));
	expect_ok("unlinkat full/e", unlink_at("full/e", 0));
	expect_ok("unlinkat full", unlink_at("full", AT_REMOVEDIR));
	expect_ok("unlinkat r3", unlink_at("r3", AT_REMOVEDIR));
	expect_ok("unlinkat r2", unlink_at("r2", 0));
}

static void test_cwd(const char *base)
{
	char buf[PATH_MAX], want[PATH_MAX];
	expect_ok("mkdirat c", mkdir_at("c", 0755));
	expect_ok("chdir base", syscall(SYS_chdir, base));
	long n = syscall(SYS_getcwd, buf, sizeof(buf));
	expect_true("getcwd returns its length with the NUL", n == (long)strlen(base) + 1);
	expect_true("getcwd is the base", n > 0 && strcmp(buf, base) == 0);
	expect_ok("chdir relative", syscall(SYS_chdir, "c"));
	snprintf(want, sizeof(want), "%s/c", base);
	expect_true("getcwd after chdir", syscall(SYS_getcwd, buf, sizeof(buf)) > 0 &&
			    strcmp(buf, want) == 0);
	expect_str("dirfd-relative open ignores the cwd", get("f"), "file");
	expect_errno("open relative to cwd", syscall(SYS_openat, AT_FDCWD, "f", O_RDONLY), ENOENT);
	expect_ok("chdir ..", syscall(SYS_chdir, ".."));
	expect_true("getcwd after ..", syscall(SYS_getcwd, buf, sizeof(buf)) > 0 &&
			    strcmp(buf, base) == 0);
	long fd = syscall(SYS_openat, AT_FDCWD, "f", O_RDONLY);
	expect_true("AT_FDCWD follows chdir", fd >= 0);
	close(fd);
	expect_errno("chdir to a file", syscall(SYS_chdir, "f"), ENOTDIR);
	expect_errno("chdir missing", syscall(SYS_chdir, "missing"), ENOENT);
	expect_errno("chdir empty", syscall(SYS_chdir, ""), ENOENT);
	expect_errno("chdir bad path", syscall(SYS_chdir, BAD_PTR), EFAULT);
	expect_errno("getcwd size 1", syscall(SYS_getcwd, buf, 1), ERANGE);
	expect_errno("getcwd size 0", syscall(SYS_getcwd, buf, 0), ERANGE);
	expect_errno("getcwd bad buffer", syscall(SYS_getcwd, BAD_PTR, sizeof(buf)), EFAULT);
	expect_ok("chdir /", syscall(SYS_chdir, "/"));
	expect_true("getcwd /", syscall(SYS_getcwd, buf, sizeof(buf)) == 2 && strcmp(buf, "/") == 0);
	expect_ok("unlinkat c", unlink_at("c", AT_REMOVEDIR));
}

static void test_access_chmod(void)
{
	put("g", "g");
	expect_ok("faccessat2 F_OK", syscall(SYS_faccessat2, dir, "g", F_OK, 0));
	expect_ok("faccessat2 R_OK|W_OK", syscall(SYS_faccessat2, dir, "g", R_OK | W_OK, 0));
	/* Not even root may execute a file without an x bit. */
	expect_errno("faccessat2 X_OK on 0644", syscall(SYS_faccessat2, dir, "g", X_OK, 0), EACCES);
	expect_ok("faccessat2 AT_EACCESS", syscall(SYS_faccessat2, dir, "g", R_OK, AT_EACCESS));
	expect_errno("faccessat2 missing", syscall(SYS_faccessat2, dir, "none", F_OK, 0), ENOENT);
	expect_errno("faccessat2 bad mode", syscall(SYS_faccessat2, dir, "g", 8, 0), EINVAL);
	expect_errno("faccessat2 bad flags", syscall(SYS_faccessat2, dir, "g", F_OK, 0x1), EINVAL);
	expect_ok("symlinkat dl -> none", syscall(SYS_symlinkat, "none", dir, "dl"));
	expect_errno("faccessat2 dangling symlink", syscall(SYS_faccessat2, dir, "dl", F_OK, 0),
		     ENOENT);
	expect_ok("faccessat2 dangling AT_SYMLINK_NOFOLLOW",
		  syscall(SYS_faccessat2, dir, "dl", F_OK, AT_SYMLINK_NOFOLLOW));
	long fd = syscall(SYS_openat, dir, "g", O_RDONLY);
	expect_ok("faccessat2 AT_EMPTY_PATH", syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH));
	expect_errno("faccessat2 empty path", syscall(SYS_faccessat2, fd, "", R_OK, 0), ENOENT);
	close(fd);
	expect_ok("access (faccessat)", syscall(SYS_faccessat, dir, "g", R_OK));

	expect_ok("fchmodat 0600", syscall(SYS_fchmodat, dir, "g", 0600));
	expect_mode("mode after fchmodat", mode_of("g", 0), S_IFREG | 0600);
	expect_ok("fchmodat 04755", syscall(SYS_fchmodat, dir, "g", 04755));
	expect_mode("setuid bit kept", mode_of("g", 0), S_IFREG | 04755);
	expect_ok("faccessat2 X_OK on 0755", syscall(SYS_faccessat2, dir, "g", X_OK, 0));
	expect_ok("fchmodat with file type bits", syscall(SYS_fchmodat, dir, "g", S_IFDIR | 0640));
	expect_mode("type bits ignored", mode_of("g", 0), S_IFREG | 0640);
	expect_ok("symlinkat gl -> g", syscall(SYS_symlinkat, "g", dir, "gl"));
	expect_ok("fchmodat through a symlink", syscall(SYS_fchmodat, dir, "gl", 0604));
	expect_mode("target changed", mode_of("g", 0), S_IFREG | 0604);
	expect_mode("symlink unchanged", mode_of("gl", AT_SYMLINK_NOFOLLOW), S_IFLNK | 0777);
	expect_errno("fchmodat missing", syscall(SYS_fchmodat, dir, "none", 0600), ENOENT);
	expect_errno("fchmodat dangling symlink", syscall(SYS_fchmodat, dir, "dl", 0600), ENOENT);
	expect_errno("fchmodat bad path", syscall(SYS_fchmodat, dir, BAD_PTR, 0600), EFAULT);
	expect_ok("unlinkat gl", unlink_at("gl", 0));
	expect_ok("unlinkat dl", unlink_at("dl", 0));
}

static void test_utimens(void)
{
	struct timespec ts[2] = { { 1000000000, 123 }, { 1200000000, 456789 } };
	struct stat st;
	expect_ok("utimensat", syscall(SYS_utimensat, dir, "g", ts, 0));
	syscall(SYS_newfstatat, dir, "g", &st, 0);
	expect_eq("atime sec", st.st_atim.tv_sec, 1000000000);
	expect_eq("atime nsec", st.st_atim.tv_nsec, 123);
	expect_eq("mtime sec", st.st_mtim.tv_sec, 1200000000);
	expect_eq("mtime nsec", st.st_mtim.tv_nsec, 456789);
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 5, 0 } };
	expect_ok("utimensat UTIME_OMIT atime", syscall(SYS_utimensat, dir, "g", omit, 0));
	syscall(SYS_newfstatat, dir, "g", &st, 0);
	expect_true("atime kept, mtime set", st.st_atim.tv_sec == 1000000000 &&
			    st.st_mtim.tv_sec == 5 && st.st_mtim.tv_nsec == 0);
	struct timespec before;
	clock_gettime(CLOCK_REALTIME, &before);
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	expect_ok("utimensat UTIME_NOW", syscall(SYS_utimensat, dir, "g", now, 0));
	syscall(SYS_newfstatat, dir, "g", &st, 0);
	/* File times are taken from the coarse clock: allow one tick before "before". */
	expect_true("UTIME_NOW is now", st.st_atim.tv_sec >= before.tv_sec - 1 &&
			    st.st_mtim.tv_sec == 5);
	expect_ok("utimensat NULL times", syscall(SYS_utimensat, dir, "g", NULL, 0));
	syscall(SYS_newfstatat, dir, "g", &st, 0);
	expect_true("NULL sets both to now", st.st_mtim.tv_sec >= before.tv_sec - 1);

	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	expect_errno("utimensat nsec 1e9", syscall(SYS_utimensat, dir, "g", bad, 0), EINVAL);
	bad[0].tv_nsec = -1;
	expect_errno("utimensat nsec -1", syscall(SYS_utimensat, dir, "g", bad, 0), EINVAL);
	expect_errno("utimensat bad flags", syscall(SYS_utimensat, dir, "g", ts, 0x1), EINVAL);
	expect_errno("utimensat missing", syscall(SYS_utimensat, dir, "none", ts, 0), ENOENT);
	expect_errno("utimensat bad times", syscall(SYS_utimensat, dir, "g", BAD_PTR, 0), EFAULT);
	long fd = syscall(SYS_openat, dir, "g", O_RDONLY);
	expect_ok("utimensat NULL path on an fd", syscall(SYS_utimensat, fd, NULL, ts, 0));
	syscall(SYS_fstat, fd, &st);
	expect_eq("fd variant mtime", st.st_mtim.tv_sec, 1200000000);
	close(fd);
	expect_ok("symlinkat gl -> g", syscall(SYS_symlinkat, "g", dir, "gl"));
	struct timespec link_ts[2] = { { 7, 0 }, { 8, 0 } };
	expect_ok("utimensat AT_SYMLINK_NOFOLLOW",
		  syscall(SYS_utimensat, dir, "gl", link_ts, AT_SYMLINK_NOFOLLOW));
	struct stat lst;
	syscall(SYS_newfstatat, dir, "gl", &lst, AT_SYMLINK_NOFOLLOW);
	syscall(SYS_newfstatat, dir, "g", &st, 0);
	expect_true("the link's times changed, not the target's",
		    lst.st_mtim.tv_sec == 8 && st.st_mtim.tv_sec == 1200000000);
	expect_ok("unlinkat gl", unlink_at("gl", 0));
}

static void test_umask(void)
{
	expect_mode("umask returns the old mask", umask(077), 022);
	expect_mode("umask again", umask(027), 077);
	put("u", "u");
	expect_mode("file mode under umask 027", mode_of("u", 0), S_IFREG | 0640);
	expect_ok("mkdirat under umask 027", mkdir_at("ud", 0777));
	expect_mode("directory mode under umask 027", mode_of("ud", 0), S_IFDIR | 0750);
	expect_mode("umask keeps only permission bits", umask(0777 | S_IFREG), 027);
	expect_mode("umask read back", umask(022), 0777);
	expect_ok("unlinkat u", unlink_at("u", 0));
	expect_ok("unlinkat ud", unlink_at("ud", AT_REMOVEDIR));
}

int main(void)
{
	char path[] = "/tmp/cvisor-dir-XXXXXX";
	umask(022);
	if (!mkdtemp(path)) {
		printf("mkdtemp: %s\n", strerrorname_np(errno));
		return 1;
	}
	dir = open(path, O_RDONLY | O_DIRECTORY);
	expect_true("scratch directory", dir >= 0);

	test_mkdir_unlink();
	test_symlinks();
	test_rename();
	test_cwd(path);
	test_access_chmod();
	test_utimens();
	test_umask();

	expect_ok("unlinkat f", unlink_at("f", 0));
	expect_ok("unlinkat g", unlink_at("g", 0));
	close(dir);
	expect_ok("rmdir scratch", rmdir(path));
	return expect_status();
}
