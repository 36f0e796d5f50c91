/*
 * Descriptor system calls with good and bad inputs: readv/writev/preadv/pwritev(2) and their
 * iovec rules, fcntl, ioctl (FIONBIO, FIOCLEX, FIONCLEX, FIONREAD, ENOTTY), dup family,
 * close_range, ftruncate, fsync/fdatasync, getdents64 and getdents, legacy open.
 */
#include "verdict.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static char g_base[64];

static void test_vectors(void)
{
	int fd = syscall(SYS_open, "v", O_CREAT | O_RDWR | O_TRUNC, 0644);
	verdict("open legacy", fd);
	char a[] = "hello ", b[] = "vectored ", c[] = "world";
	struct iovec iov[3] = { { a, 6 }, { b, 9 }, { c, 5 } };
	verdict_val("writev", syscall(SYS_writev, fd, iov, 3));
	verdict_val("writev zero count", syscall(SYS_writev, fd, iov, 0));
	verdict("writev too many", syscall(SYS_writev, fd, iov, 1025));
	verdict("writev negative count", syscall(SYS_writev, fd, iov, -1));
	verdict("writev bad iov pointer", syscall(SYS_writev, fd, BAD_PTR, 1));
	struct iovec neg[2] = { { a, 1 }, { b, (size_t)-1 } };
	verdict("writev negative length", syscall(SYS_writev, fd, neg, 2));
	struct iovec bad[2] = { { a, 2 }, { BAD_PTR, 4 } };
	verdict_val("writev bad second base", syscall(SYS_writev, fd, bad, 2));
	struct iovec bad1[1] = { { BAD_PTR, 4 } };
	verdict("writev bad only base", syscall(SYS_writev, fd, bad1, 1));
	verdict("writev bad fd", syscall(SYS_writev, 999, iov, 1));
	int ro = open("v", O_RDONLY);
	verdict("writev read-only fd", syscall(SYS_writev, ro, iov, 1));

	char x[4], y[8], z[32];
	struct iovec r[3] = { { x, 4 }, { y, 8 }, { z, sizeof(z) } };
	verdict_val("readv", syscall(SYS_readv, ro, r, 3));
	printf("readv data: %.4s|%.8s|%.10s\n", x, y, z);
	verdict_val("readv at end", syscall(SYS_readv, ro, r, 3));
	verdict_val("preadv at 6", syscall(SYS_preadv, ro, r, 2, 6, 0));
	printf("preadv data: %.4s|%.8s\n", x, y);
	verdict("preadv negative offset", syscall(SYS_preadv, ro, r, 2, -1L, 0));
	verdict("readv bad iov", syscall(SYS_readv, ro, BAD_PTR, 2));
	struct iovec rb[1] = { { BAD_PTR, 4 } };
	verdict("preadv bad base", syscall(SYS_preadv, ro, rb, 1, 0, 0));
	struct iovec w1[1] = { { "HE", 2 } };
	verdict_val("pwritev at 0", syscall(SYS_pwritev, fd, w1, 1, 0, 0));
	verdict("pwritev negative offset", syscall(SYS_pwritev, fd, w1, 1, -5L, 0));
	verdict_val("preadv2 at 0", syscall(SYS_preadv2, ro, r, 1, 0, 0, 0));
	printf("preadv2 data: %.4s\n", x);
	verdict("preadv2 bad flags", syscall(SYS_preadv2, ro, r, 1, 0, 0, 0x40000000));
	verdict_val("lseek to 0", lseek(ro, 0, SEEK_SET));
	verdict_val("preadv2 offset -1", syscall(SYS_preadv2, ro, r, 1, -1L, 0, 0));
	verdict_val("position after", lseek(ro, 0, SEEK_CUR));
	verdict("pread on dir", pread(open(".", O_RDONLY), x, 1, 0));
	close(ro);
	close(fd);
}

static void test_fcntl(void)
{
	int fd = open("v", O_RDWR);
	verdict_val("F_GETFD", fcntl(fd, F_GETFD));
	verdict("F_SETFD cloexec", fcntl(fd, F_SETFD, FD_CLOEXEC));
	verdict_val("F_GETFD after", fcntl(fd, F_GETFD));
	verdict_val("F_GETFL accmode", fcntl(fd, F_GETFL) & O_ACCMODE);
	verdict("F_SETFL append|nonblock", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
	verdict_val("F_GETFL append", (fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK)) ==
				      (O_APPEND | O_NONBLOCK));
	verdict("F_SETFL cannot change accmode", fcntl(fd, F_SETFL, O_RDONLY));
	verdict_val("F_GETFL still rdwr", fcntl(fd, F_GETFL) & O_ACCMODE);
	verdict_val("F_DUPFD 200", fcntl(fd, F_DUPFD, 200));
	verdict_val("F_DUPFD 200 again", fcntl(fd, F_DUPFD, 200));
	verdict_val("dup of dup not cloexec", fcntl(200, F_GETFD));
	verdict_val("F_DUPFD_CLOEXEC 20", fcntl(fd, F_DUPFD_CLOEXEC, 20));
	verdict_val("F_GETFD 20", fcntl(20, F_GETFD));
	verdict("F_DUPFD negative", fcntl(fd, F_DUPFD, -1));
	verdict("F_DUPFD too high", fcntl(fd, F_DUPFD, 1 << 30));
	verdict("fcntl bad fd", fcntl(999, F_GETFD));
	verdict("fcntl unknown cmd", syscall(SYS_fcntl, fd, 9999, 0));
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	verdict("F_SETLK write lock", fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_WRLCK;
	verdict("F_GETLK own lock", fcntl(fd, F_GETLK, &fl));
	printf("F_GETLK type unlocked: %d\n", fl.l_type == F_UNLCK);
	fl.l_type = 77;
	verdict("F_SETLK bad type", fcntl(fd, F_SETLK, &fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = 9;
	verdict("F_SETLK bad whence", fcntl(fd, F_SETLK, &fl));
	verdict("F_SETLK bad pointer", fcntl(fd, F_SETLK, BAD_PTR));
	int ro = open("v", O_RDONLY);
	struct flock wl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	verdict("F_SETLK write lock on read-only", fcntl(ro, F_SETLK, &wl));
	wl.l_type = F_UNLCK;
	verdict("F_SETLK unlock", fcntl(ro, F_SETLK, &wl));
	int pfd = open("v", O_PATH);
	verdict_val("F_GETFL O_PATH", (fcntl(pfd, F_GETFL) & O_PATH) != 0);
	verdict("F_SETFL O_PATH", fcntl(pfd, F_SETFL, O_APPEND));
	verdict_val("F_GETFD O_PATH", fcntl(pfd, F_GETFD));
	close(pfd);
	close(ro);
	close(200);
	close(201);
	close(20);
	close(fd);
}

static void test_ioctl(void)
{
	int fd = open("v", O_RDWR);
	int on = 1, n = -1;
	verdict("FIONBIO on", ioctl(fd, FIONBIO, &on));
	verdict_val("nonblock set", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	on = 0;
	verdict("FIONBIO off", ioctl(fd, FIONBIO, &on));
	verdict_val("nonblock clear", (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
	verdict("FIONBIO bad pointer", ioctl(fd, FIONBIO, BAD_PTR));
	verdict("FIOCLEX", ioctl(fd, FIOCLEX));
	verdict_val("cloexec set", fcntl(fd, F_GETFD));
	verdict("FIONCLEX", ioctl(fd, FIONCLEX));
	verdict_val("cloexec clear", fcntl(fd, F_GETFD));
	lseek(fd, 5, SEEK_SET);
	verdict("FIONREAD regular", ioctl(fd, FIONREAD, &n));
	printf("FIONREAD bytes: %d\n", n);
	verdict("FIONREAD bad pointer", ioctl(fd, FIONREAD, BAD_PTR));
	verdict("TCGETS on a file", ioctl(fd, TCGETS, &n));
	verdict("unknown ioctl", ioctl(fd, 0x12345678, 0));
	verdict("ioctl bad fd", ioctl(999, FIOCLEX));
	int pfd = open("v", O_PATH);
	verdict("FIOCLEX O_PATH", ioctl(pfd, FIOCLEX));
	close(pfd);
	close(fd);
}

static void test_dup_trunc_sync(void)
{
	int fd = open("v", O_RDWR);
	verdict("dup bad fd", dup(999));
	verdict_val("dup2 same", dup2(fd, fd) == fd);
	verdict("dup2 bad old", dup2(999, 30));
	verdict("dup2 negative new", syscall(SYS_dup2, fd, -1));
	verdict("dup3 same", dup3(fd, fd, 0));
	verdict("dup3 bad flags", dup3(fd, 30, 0x1));
	verdict_val("dup3 cloexec", dup3(fd, 30, O_CLOEXEC));
	verdict_val("F_GETFD 30", fcntl(30, F_GETFD));
	verdict("close_range bad flags", syscall(SYS_close_range, 30, 30, 0x80));
	verdict("close_range first > last", syscall(SYS_close_range, 31, 30, 0));
	verdict("close_range 30", syscall(SYS_close_range, 30, ~0u, 0));
	verdict("30 closed", fcntl(30, F_GETFD));

	verdict("ftruncate 3", ftruncate(fd, 3));
	struct stat st;
	fstat(fd, &st);
	printf("size: %ld\n", (long)st.st_size);
	verdict("ftruncate negative", syscall(SYS_ftruncate, fd, -1L));
	int ro = open("v", O_RDONLY);
	verdict("ftruncate read-only", ftruncate(ro, 0));
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	verdict("ftruncate dir", ftruncate(dfd, 0));
	verdict("ftruncate bad fd", ftruncate(999, 0));
	int pfd = open("v", O_PATH);
	verdict("ftruncate O_PATH", ftruncate(pfd, 0));
	verdict("fsync", fsync(fd));
	verdict("fdatasync", fdatasync(fd));
	verdict("fsync read-only", fsync(ro));
	verdict("fsync bad fd", fsync(999));
	verdict("fsync O_PATH", fsync(pfd));
	close(pfd);
	close(dfd);
	close(ro);
	close(fd);
}

/* Sorted entry names from one getdents64 walk of ".", and the same through getdents. */
static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list_dir(const char *name, int old)
{
	int fd = open(".", O_RDONLY | O_DIRECTORY);
	char buf[256], *names[64];
	int count = 0;
	long n;
	/* A small buffer forces several calls. */
	while ((n = syscall(old ? SYS_getdents : SYS_getdents64, fd, buf, 64)) > 0) {
		for (long off = 0; off < n;) {
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, 2);
			const char *nm = buf + off + (old ? 18 : 19);
			char type = old ? buf[off + reclen - 1] : buf[off + 18];
			if (count < 64) {
				names[count] = malloc(strlen(nm) + 4);
				sprintf(names[count], "%s:%d", nm, type);
				count++;
			}
			off += reclen;
		}
	}
	verdict(name, n);
	qsort(names, count, sizeof(names[0]), cmp);
	printf("%s entries:", name);
	for (int i = 0; i < count; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
	close(fd);
}

static void test_getdents(void)
{
	mkdir("sub", 0755);
	symlink("v", "lnk");
	list_dir("getdents64", 0);
	list_dir("getdents", 1);
	int fd = open(".", O_RDONLY | O_DIRECTORY);
	char buf[256];
	verdict("getdents64 tiny buffer", syscall(SYS_getdents64, fd, buf, 8));
	verdict("getdents tiny buffer", syscall(SYS_getdents, fd, buf, 8));
	verdict("getdents64 bad buffer", syscall(SYS_getdents64, fd, BAD_PTR, sizeof(buf)));
	long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	printf("entries again after EFAULT: %d\n", n > 0);
	verdict("getdents64 bad fd", syscall(SYS_getdents64, 999, buf, sizeof(buf)));
	int ffd = open("v", O_RDONLY);
	verdict("getdents64 on file", syscall(SYS_getdents64, ffd, buf, sizeof(buf)));
	verdict("getdents on file", syscall(SYS_getdents, ffd, buf, sizeof(buf)));
	close(ffd);
	close(fd);
	unlink("lnk");
	rmdir("sub");
}

int main(void)
{
	mkdir("/tmp", 01777);
	strcpy(g_base, "/tmp/cvfd-XXXXXX");
	if (!mkdtemp(g_base) || chdir(g_base) < 0) {
		perror("scratch directory");
		return 1;
	}
	test_vectors();
	test_fcntl();
	test_ioctl();
	test_dup_trunc_sync();
	test_getdents();
	unlink("v");
	verdict("chdir /", chdir("/"));
	verdict("rmdir scratch", rmdir(g_base));
	return 0;
}
