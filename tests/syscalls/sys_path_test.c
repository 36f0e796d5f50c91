/*
 * Path system calls with good and bad inputs: access/faccessat/faccessat2, getcwd, chdir,
 * fchdir, mkdir(at), rmdir, unlink(at), rename(at)(2), link(at), symlink(at), readlink(at),
 * stat, lstat, newfstatat, statx, chmod family, chown family, utimensat/utimes, truncate,
 * umask, creat, sync. Works in a fresh scratch directory under /tmp.
 */
#include "verdict.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/stat.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static char g_base[64];

static void show_cwd(const char *name)
{
	char buf[PATH_MAX];
	long n = syscall(SYS_getcwd, buf, sizeof(buf));
	if (n < 0) {
		verdict(name, n);
		return;
	}
	/* Only the part below the scratch directory is deterministic. */
	size_t bl = strlen(g_base);
	printf("%s: len-ok %d, %s\n", name, n == (long)strlen(buf) + 1,
	       strncmp(buf, g_base, bl) ? buf : buf[bl] ? buf + bl : "<base>");
}

static void show_mode(const char *name, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		verdict(name, -1);
	else
		printf("%s: %o\n", name, (unsigned)st.st_mode);
}

static void test_access(void)
{
	verdict("access existing", syscall(SYS_access, "f", F_OK));
	verdict("access missing", syscall(SYS_access, "nope", F_OK));
	verdict("access bad mode", syscall(SYS_access, "f", 0x40));
	verdict("access bad pointer", syscall(SYS_access, BAD_PTR, F_OK));
	verdict("access empty", syscall(SYS_access, "", F_OK));
	verdict("access x on 0644 as root", syscall(SYS_access, "f", X_OK));
	verdict("access w as root", syscall(SYS_access, "f", W_OK));
	verdict("faccessat bad dirfd", syscall(SYS_faccessat, 999, "f", F_OK));
	verdict("faccessat bad dirfd absolute", syscall(SYS_faccessat, 999, "/", F_OK));
	verdict("faccessat2 bad flags", syscall(SYS_faccessat2, AT_FDCWD, "f", F_OK, 0x1));
	verdict("faccessat2 eaccess", syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, AT_EACCESS));
	int fd = open("f", O_RDONLY);
	verdict("faccessat2 empty path", syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH));
	verdict("faccessat file as dirfd", syscall(SYS_faccessat, fd, "x", F_OK));
	close(fd);
	verdict("access through file", syscall(SYS_access, "f/x", F_OK));
	verdict("access nofollow dangling", syscall(SYS_faccessat2, AT_FDCWD, "dangling", F_OK,
						    AT_SYMLINK_NOFOLLOW));
	verdict("access follow dangling", syscall(SYS_access, "dangling", F_OK));
}

static void test_cwd(void)
{
	char small[4];
	show_cwd("getcwd base");
	verdict("getcwd small", syscall(SYS_getcwd, small, sizeof(small)));
	verdict("getcwd zero", syscall(SYS_getcwd, small, 0));
	verdict("getcwd bad pointer", syscall(SYS_getcwd, BAD_PTR, PATH_MAX));
	verdict("chdir missing", syscall(SYS_chdir, "nope"));
	verdict("chdir file", syscall(SYS_chdir, "f"));
	verdict("chdir bad pointer", syscall(SYS_chdir, BAD_PTR));
	verdict("chdir empty", syscall(SYS_chdir, ""));
	verdict("chdir d", syscall(SYS_chdir, "d"));
	show_cwd("getcwd d");
	verdict("chdir via symlink", syscall(SYS_chdir, "../dl/e"));
	show_cwd("getcwd d/e");
	verdict("chdir ..", syscall(SYS_chdir, "../.."));
	show_cwd("getcwd back");
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	verdict("fchdir d", syscall(SYS_fchdir, fd));
	show_cwd("getcwd fchdir");
	close(fd);
	verdict("chdir back", syscall(SYS_chdir, g_base));
	fd = open("f", O_RDONLY);
	verdict("fchdir file", syscall(SYS_fchdir, fd));
	close(fd);
	verdict("fchdir bad fd", syscall(SYS_fchdir, 999));
	verdict("mkdir gone", syscall(SYS_mkdir, "gone", 0755));
	verdict("chdir gone", syscall(SYS_chdir, "gone"));
	verdict("rmdir gone while cwd", syscall(SYS_rmdir, "../gone"));
	verdict("getcwd unlinked", syscall(SYS_getcwd, small, sizeof(small)));
	verdict("chdir back again", syscall(SYS_chdir, g_base));
}

static void test_mkdir_unlink(void)
{
	verdict("mkdir exists", syscall(SYS_mkdir, "d", 0755));
	verdict("mkdir missing parent", syscall(SYS_mkdir, "no/x", 0755));
	verdict("mkdir under file", syscall(SYS_mkdir, "f/x", 0755));
	verdict("mkdir bad pointer", syscall(SYS_mkdir, BAD_PTR, 0755));
	verdict("mkdir empty", syscall(SYS_mkdir, "", 0755));
	verdict("mkdirat bad dirfd", syscall(SYS_mkdirat, 999, "x", 0755));
	verdict("mkdir 0777 with umask 022", syscall(SYS_mkdir, "m", 0777));
	show_mode("mode m", "m");
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	verdict("mkdirat in d", syscall(SYS_mkdirat, dfd, "sub", 0700));
	show_mode("mode d/sub", "d/sub");
	verdict("unlinkat dir without flag", syscall(SYS_unlinkat, dfd, "sub", 0));
	verdict("unlinkat bad flags", syscall(SYS_unlinkat, dfd, "sub", 0x1));
	verdict("unlinkat removedir", syscall(SYS_unlinkat, dfd, "sub", AT_REMOVEDIR));
	close(dfd);
	verdict("rmdir not empty", syscall(SYS_rmdir, "d"));
	verdict("rmdir file", syscall(SYS_rmdir, "f"));
	verdict("rmdir dot", syscall(SYS_rmdir, "m/."));
	verdict("rmdir missing", syscall(SYS_rmdir, "nope"));
	verdict("rmdir m", syscall(SYS_rmdir, "m"));
	verdict("unlink dir", syscall(SYS_unlink, "d"));
	verdict("unlink missing", syscall(SYS_unlink, "nope"));
	verdict("unlink bad pointer", syscall(SYS_unlink, BAD_PTR));
	verdict("creat c", syscall(SYS_creat, "c", 0600));
	show_mode("mode c", "c");
	verdict("unlink c", syscall(SYS_unlink, "c"));
	verdict("unlink trailing slash on file", syscall(SYS_unlink, "f/"));
}

static void test_rename_link(void)
{
	verdict("rename missing", syscall(SYS_rename, "nope", "x"));
	verdict("rename f g", syscall(SYS_rename, "f", "g"));
	verdict("rename back", syscall(SYS_rename, "g", "f"));
	verdict("rename file over dir", syscall(SYS_rename, "f", "d"));
	verdict("rename dir over file", syscall(SYS_rename, "d", "f"));
	verdict("rename dir into itself", syscall(SYS_rename, "d", "d/e/x"));
	verdict("rename bad pointer", syscall(SYS_rename, "f", BAD_PTR));
	verdict("renameat bad dirfd", syscall(SYS_renameat, 999, "f", AT_FDCWD, "g"));
	verdict("renameat2 bad flags", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "g", 0x80));
	verdict("link f h", syscall(SYS_link, "f", "h"));
	verdict("renameat2 noreplace", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "h",
					       RENAME_NOREPLACE));
	verdict("renameat2 exchange", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "d",
					      RENAME_EXCHANGE));
	verdict("renameat2 exchange back", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "d",
						   RENAME_EXCHANGE));
	verdict("renameat2 noreplace|exchange",
		syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "d", 3));
	struct stat st;
	stat("f", &st);
	printf("nlink f: %ld\n", (long)st.st_nlink);
	verdict("link exists", syscall(SYS_link, "f", "h"));
	verdict("link dir", syscall(SYS_link, "d", "dd"));
	verdict("link missing", syscall(SYS_link, "nope", "x"));
	verdict("linkat bad flags", syscall(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, "x", 0x1));
	verdict("linkat follow symlink", syscall(SYS_linkat, AT_FDCWD, "fl", AT_FDCWD, "x",
						 AT_SYMLINK_FOLLOW));
	stat("f", &st);
	printf("nlink f after follow: %ld\n", (long)st.st_nlink);
	verdict("linkat symlink itself", syscall(SYS_linkat, AT_FDCWD, "fl", AT_FDCWD, "y", 0));
	struct stat ls;
	lstat("y", &ls);
	printf("y is a symlink: %d\n", S_ISLNK(ls.st_mode));
	int fd = open("f", O_RDONLY);
	verdict("linkat empty path", syscall(SYS_linkat, fd, "", AT_FDCWD, "z", AT_EMPTY_PATH));
	close(fd);
	unlink("h");
	unlink("x");
	unlink("y");
	unlink("z");
	verdict("symlink exists", syscall(SYS_symlink, "f", "fl"));
	verdict("symlink empty target", syscall(SYS_symlink, "", "s"));
	verdict("symlink bad target pointer", syscall(SYS_symlink, BAD_PTR, "s"));
	verdict("symlinkat bad dirfd", syscall(SYS_symlinkat, "f", 999, "s"));
	char buf[64];
	long n = syscall(SYS_readlink, "fl", buf, sizeof(buf));
	printf("readlink fl: %.*s\n", (int)(n > 0 ? n : 0), buf);
	verdict_val("readlink short buffer", syscall(SYS_readlink, "dl", buf, 1));
	verdict("readlink zero size", syscall(SYS_readlink, "fl", buf, 0));
	verdict("readlink not a link", syscall(SYS_readlink, "f", buf, sizeof(buf)));
	verdict("readlink bad buffer", syscall(SYS_readlink, "fl", BAD_PTR, sizeof(buf)));
	verdict("readlink missing", syscall(SYS_readlink, "nope", buf, sizeof(buf)));
	fd = open("fl", O_PATH | O_NOFOLLOW);
	verdict_val("readlinkat empty path", syscall(SYS_readlinkat, fd, "", buf, sizeof(buf)));
	close(fd);
}

static void test_stat(void)
{
	struct stat st;
	verdict("stat f", syscall(SYS_stat, "f", &st));
	printf("f: mode %o size %ld nlink %ld\n", (unsigned)st.st_mode, (long)st.st_size,
	       (long)st.st_nlink);
	verdict("stat missing", syscall(SYS_stat, "nope", &st));
	verdict("stat bad buffer", syscall(SYS_stat, "f", BAD_PTR));
	verdict("stat bad path", syscall(SYS_stat, BAD_PTR, &st));
	verdict("stat through file", syscall(SYS_stat, "f/", &st));
	verdict("lstat fl", syscall(SYS_lstat, "fl", &st));
	printf("fl: link %d size %ld\n", S_ISLNK(st.st_mode), (long)st.st_size);
	verdict("stat dangling", syscall(SYS_stat, "dangling", &st));
	verdict("lstat dangling", syscall(SYS_lstat, "dangling", &st));
	int fd = open("f", O_RDONLY);
	verdict("newfstatat empty path", syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH));
	printf("empty path size %ld\n", (long)st.st_size);
	verdict("newfstatat null path", syscall(SYS_newfstatat, fd, NULL, &st, AT_EMPTY_PATH));
	verdict("newfstatat empty no flag", syscall(SYS_newfstatat, fd, "", &st, 0));
	verdict("newfstatat bad flags", syscall(SYS_newfstatat, fd, "", &st, 0x1));
	verdict("newfstatat bad dirfd", syscall(SYS_newfstatat, 999, "f", &st, 0));
	verdict("fstat bad fd", syscall(SYS_fstat, 999, &st));
	verdict("fstat bad buffer", syscall(SYS_fstat, fd, BAD_PTR));
	struct statx sx;
	verdict("statx f", syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx));
	printf("statx: basic %d mode %o size %llu nlink %u\n",
	       (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, (unsigned)sx.stx_mode,
	       (unsigned long long)sx.stx_size, (unsigned)sx.stx_nlink);
	verdict("statx nofollow", syscall(SYS_statx, AT_FDCWD, "fl", AT_SYMLINK_NOFOLLOW,
					  STATX_TYPE, &sx));
	printf("statx fl link: %d\n", S_ISLNK(sx.stx_mode));
	verdict("statx empty path", syscall(SYS_statx, fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
	verdict("statx bad flags", syscall(SYS_statx, AT_FDCWD, "f", 0x1, STATX_SIZE, &sx));
	verdict("statx both sync types",
		syscall(SYS_statx, AT_FDCWD, "f", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC,
			STATX_SIZE, &sx));
	verdict("statx force sync", syscall(SYS_statx, AT_FDCWD, "f", AT_STATX_FORCE_SYNC,
					    STATX_SIZE, &sx));
	verdict("statx reserved mask", syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u, &sx));
	verdict("statx bad buffer", syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_SIZE, BAD_PTR));
	verdict("statx missing", syscall(SYS_statx, AT_FDCWD, "nope", 0, STATX_SIZE, &sx));
	close(fd);
}

static void test_attr(void)
{
	verdict("chmod 0600", syscall(SYS_chmod, "f", 0600));
	show_mode("mode f", "f");
	verdict("chmod type bits ignored", syscall(SYS_chmod, "f", S_IFDIR | 04755));
	show_mode("mode f suid", "f");
	verdict("chmod missing", syscall(SYS_chmod, "nope", 0600));
	verdict("chmod bad pointer", syscall(SYS_chmod, BAD_PTR, 0600));
	int fd = open("f", O_RDWR);
	verdict("fchmod 0640", syscall(SYS_fchmod, fd, 0640));
	show_mode("mode f fchmod", "f");
	verdict("fchmod bad fd", syscall(SYS_fchmod, 999, 0640));
	int pfd = open("f", O_PATH);
	verdict("fchmod O_PATH", syscall(SYS_fchmod, pfd, 0644));
	verdict("fchown O_PATH", syscall(SYS_fchown, pfd, 0, 0));
	close(pfd);
	verdict("fchmodat", syscall(SYS_fchmodat, AT_FDCWD, "f", 0644));
	verdict("fchmodat bad dirfd", syscall(SYS_fchmodat, 999, "f", 0644));
	verdict("fchmodat2 bad flags", syscall(452, AT_FDCWD, "f", 0644, 0x1));
	verdict("chown to 1000:1000", syscall(SYS_chown, "f", 1000, 1000));
	struct stat st;
	stat("f", &st);
	printf("owner: %u:%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
	verdict("chown -1 -1", syscall(SYS_chown, "f", -1, -1));
	verdict("fchown back", syscall(SYS_fchown, fd, 0, 0));
	stat("f", &st);
	printf("owner: %u:%u\n", (unsigned)st.st_uid, (unsigned)st.st_gid);
	verdict("lchown symlink", syscall(SYS_lchown, "fl", 5, 5));
	lstat("fl", &st);
	printf("symlink owner: %u\n", (unsigned)st.st_uid);
	stat("f", &st);
	printf("target owner: %u\n", (unsigned)st.st_uid);
	verdict("fchownat bad flags", syscall(SYS_fchownat, AT_FDCWD, "f", 0, 0, 0x1));
	verdict("fchownat empty path", syscall(SYS_fchownat, fd, "", 0, 0, AT_EMPTY_PATH));
	verdict("chown missing", syscall(SYS_chown, "nope", 0, 0));

	struct timespec ts[2] = { { 1000, 0 }, { 2000, 500 } };
	verdict("utimensat set", syscall(SYS_utimensat, AT_FDCWD, "f", ts, 0));
	stat("f", &st);
	printf("times: %ld %ld.%09ld\n", (long)st.st_atime, (long)st.st_mtime,
	       st.st_mtim.tv_nsec);
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 3000, 0 } };
	verdict("utimensat omit atime", syscall(SYS_utimensat, AT_FDCWD, "f", omit, 0));
	stat("f", &st);
	printf("times: %ld %ld\n", (long)st.st_atime, (long)st.st_mtime);
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	verdict("utimensat bad nsec", syscall(SYS_utimensat, AT_FDCWD, "f", bad, 0));
	bad[0].tv_nsec = -1;
	verdict("utimensat negative nsec", syscall(SYS_utimensat, AT_FDCWD, "f", bad, 0));
	verdict("utimensat bad flags", syscall(SYS_utimensat, AT_FDCWD, "f", ts, 0x1));
	verdict("utimensat bad times pointer", syscall(SYS_utimensat, AT_FDCWD, "f", BAD_PTR, 0));
	verdict("utimensat now", syscall(SYS_utimensat, AT_FDCWD, "f", NULL, 0));
	verdict("utimensat null path on fd", syscall(SYS_utimensat, fd, NULL, ts, 0));
	verdict("utimensat null path nofollow",
		syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW));
	verdict("utimensat missing", syscall(SYS_utimensat, AT_FDCWD, "nope", ts, 0));
	verdict("utimensat nofollow on symlink",
		syscall(SYS_utimensat, AT_FDCWD, "fl", ts, AT_SYMLINK_NOFOLLOW));
	struct timeval tv[2] = { { 4000, 0 }, { 5000, 0 } };
	verdict("utimes", syscall(SYS_utimes, "f", tv));
	stat("f", &st);
	printf("times: %ld %ld\n", (long)st.st_atime, (long)st.st_mtime);
	tv[1].tv_usec = 1000000;
	verdict("utimes bad usec", syscall(SYS_utimes, "f", tv));

	verdict("truncate 5", syscall(SYS_truncate, "f", 5));
	stat("f", &st);
	printf("size: %ld\n", (long)st.st_size);
	verdict("truncate negative", syscall(SYS_truncate, "f", -1L));
	verdict("truncate dir", syscall(SYS_truncate, "d", 0));
	verdict("truncate missing", syscall(SYS_truncate, "nope", 0));
	verdict("truncate grow", syscall(SYS_truncate, "f", 100));
	stat("f", &st);
	printf("size: %ld\n", (long)st.st_size);
	close(fd);

	verdict_val("umask set 077", syscall(SYS_umask, 077));
	verdict_val("umask high bits", syscall(SYS_umask, 0177777));
	verdict_val("umask read back", syscall(SYS_umask, 022));
	verdict("sync", syscall(SYS_sync));
	verdict("syncfs bad fd", syscall(SYS_syncfs, 999));
}

int main(void)
{
	mkdir("/tmp", 01777);
	strcpy(g_base, "/tmp/cvsys-XXXXXX");
	if (!mkdtemp(g_base) || chdir(g_base) < 0) {
		perror("scratch directory");
		return 1;
	}
	umask(022);
	int fd = open("f", O_CREAT | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "hello", 5) != 5)
		return 1;
	close(fd);
	mkdir("d", 0755);
	mkdir("d/e", 0755);
	symlink("f", "fl");
	symlink("d", "dl");
	symlink("nowhere", "dangling");

	test_access();
	test_cwd();
	test_mkdir_unlink();
	test_rename_link();
	test_stat();
	test_attr();

	unlink("f");
	unlink("fl");
	unlink("dl");
	unlink("dangling");
	rmdir("d/e");
	rmdir("d");
	verdict("chdir /", chdir("/"));
	verdict("rmdir scratch", rmdir(g_base));
	return 0;
}
