/*
 * Moving data between descriptors without a user buffer (sendfile(2), splice(2), tee(2),
 * vmsplice(2), copy_file_range(2)): file to pipe, socket and file, pipe to file and pipe, with
 * and without offset pointers (the pointer updated, the file offset left alone), counts past
 * EOF, the bytes that arrived, and each call's errors for bad descriptors, pointers, flags and
 * descriptor kinds. The files live in a mkdtemp directory under /tmp, removed at the end.
 */
#include "expect.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

/* An address nothing maps, hidden from the compiler's buffer-size checks. */
static void *volatile g_bad = (void *)8;
#define BAD_PTR (g_bad)

#define DATA_LEN 5000
static unsigned char g_data[DATA_LEN];
static char g_dir[64];
static char g_src[96], g_dst[96], g_app[96];

static void close2(int p[2])
{
	close(p[0]);
	close(p[1]);
}

/* Reads up to @n bytes of @fd into @buf, looping over short reads; returns the total. */
static long read_all(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			break;
		got += r;
	}
	return got;
}

/* Whether @fd holds exactly g_data[@from .. @from+@n) from offset @at. */
static int file_has(int fd, off_t at, size_t from, size_t n)
{
	static unsigned char b[DATA_LEN];
	return pread(fd, b, n, at) == (ssize_t)n && memcmp(b, g_data + from, n) == 0;
}

/* Whether the next @n bytes of @fd are g_data[@from .. @from+@n). */
static int stream_has(int fd, size_t from, size_t n)
{
	static unsigned char b[DATA_LEN];
	return read_all(fd, b, n) == (long)n && memcmp(b, g_data + from, n) == 0;
}

static long file_size(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

static int open_src(void)
{
	return open(g_src, O_RDONLY);
}

/* The destination file, emptied. */
static int open_dst(int flags)
{
	return open(g_dst, flags | O_CREAT | O_TRUNC, 0600);
}

static void test_sendfile(void)
{
	int in = open_src(), p[2], sv[2];
	pipe(p);
	expect_eq("sendfile file to pipe", sendfile(p[1], in, NULL, 100), 100);
	expect_true("sendfile file to pipe data", stream_has(p[0], 0, 100));
	expect_eq("sendfile without offset moves the file offset", lseek(in, 0, SEEK_CUR), 100);
	off_t off = 1000;
	expect_eq("sendfile with offset", sendfile(p[1], in, &off, 200), 200);
	expect_eq("sendfile offset updated", off, 1200);
	expect_eq("sendfile with offset leaves the file offset", lseek(in, 0, SEEK_CUR), 100);
	expect_true("sendfile with offset data", stream_has(p[0], 1000, 200));
	off = DATA_LEN - 50;
	expect_eq("sendfile count past EOF", sendfile(p[1], in, &off, 4096), 50);
	expect_eq("sendfile past EOF offset", off, DATA_LEN);
	expect_true("sendfile past EOF data", stream_has(p[0], DATA_LEN - 50, 50));
	expect_eq("sendfile at EOF", sendfile(p[1], in, &off, 10), 0);
	off = DATA_LEN + 100;
	expect_eq("sendfile offset beyond EOF", sendfile(p[1], in, &off, 10), 0);
	expect_eq("sendfile count 0", sendfile(p[1], in, NULL, 0), 0);

	expect_ok("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	off = 7;
	expect_eq("sendfile file to socket", sendfile(sv[0], in, &off, 3000), 3000);
	expect_eq("sendfile to socket offset", off, 3007);
	expect_true("sendfile to socket data", stream_has(sv[1], 7, 3000));
	close2(sv);

	int out = open_dst(O_RDWR);
	expect_eq("sendfile file to file", sendfile(out, in, NULL, DATA_LEN), DATA_LEN - 100);
	expect_eq("sendfile to file size", file_size(out), DATA_LEN - 100);
	expect_eq("sendfile to file out offset", lseek(out, 0, SEEK_CUR), DATA_LEN - 100);
	expect_true("sendfile to file data", file_has(out, 0, 100, DATA_LEN - 100));
	close(out);

	expect_errno("sendfile bad in fd", sendfile(p[1], -1, NULL, 10), EBADF);
	expect_errno("sendfile bad out fd", sendfile(999, in, NULL, 10), EBADF);
	int ro = open_src();
	expect_errno("sendfile out fd read-only", sendfile(ro, in, NULL, 10), EBADF);
	int wo = open(g_dst, O_WRONLY);
	expect_errno("sendfile in fd write-only", sendfile(p[1], wo, NULL, 10), EBADF);
	int app = open(g_app, O_WRONLY | O_CREAT | O_APPEND, 0600);
	off = 0;
	expect_errno("sendfile out fd O_APPEND", sendfile(app, in, &off, 10), EINVAL);
	expect_eq("sendfile O_APPEND wrote nothing", file_size(app), 0);
	expect_errno("sendfile bad offset pointer", sendfile(p[1], in, BAD_PTR, 10), EFAULT);
	off = -1;
	expect_errno("sendfile negative offset", sendfile(p[1], in, &off, 10), EINVAL);
	close(app);
	close(wo);
	close(ro);
	close(in);
	close2(p);
}

static void test_splice(void)
{
	int in = open_src(), p[2], q[2];
	pipe(p);
	pipe(q);
	expect_eq("splice file to pipe", splice(in, NULL, p[1], NULL, 300, 0), 300);
	expect_eq("splice file to pipe moves the file offset", lseek(in, 0, SEEK_CUR), 300);
	expect_true("splice file to pipe data", stream_has(p[0], 0, 300));
	loff_t off = 2000;
	expect_eq("splice off_in", splice(in, &off, p[1], NULL, 500, 0), 500);
	expect_eq("splice off_in updated", off, 2500);
	expect_eq("splice off_in leaves the file offset", lseek(in, 0, SEEK_CUR), 300);
	expect_true("splice off_in data", stream_has(p[0], 2000, 500));
	off = DATA_LEN - 10;
	expect_eq("splice count past EOF", splice(in, &off, p[1], NULL, 100, 0), 10);
	expect_true("splice past EOF data", stream_has(p[0], DATA_LEN - 10, 10));
	expect_eq("splice at EOF", splice(in, &off, p[1], NULL, 100, 0), 0);
	expect_eq("splice length 0", splice(in, NULL, p[1], NULL, 0, 0), 0);

	int out = open_dst(O_RDWR);
	expect_eq("write to pipe", write(p[1], g_data + 10, 400), 400);
	expect_eq("splice pipe to file", splice(p[0], NULL, out, NULL, 400, 0), 400);
	expect_eq("splice pipe to file moves the out offset", lseek(out, 0, SEEK_CUR), 400);
	expect_true("splice pipe to file data", file_has(out, 0, 10, 400));
	expect_eq("write to pipe again", write(p[1], g_data + 600, 100), 100);
	off = 1000;
	expect_eq("splice off_out", splice(p[0], NULL, out, &off, 100, 0), 100);
	expect_eq("splice off_out updated", off, 1100);
	expect_eq("splice off_out leaves the file offset", lseek(out, 0, SEEK_CUR), 400);
	expect_eq("splice off_out file size", file_size(out), 1100);
	expect_true("splice off_out data", file_has(out, 1000, 600, 100));

	expect_eq("write for pipe to pipe", write(p[1], g_data + 3, 64), 64);
	expect_eq("splice pipe to pipe part", splice(p[0], NULL, q[1], NULL, 40, 0), 40);
	expect_true("splice pipe to pipe data", stream_has(q[0], 3, 40));
	expect_eq("splice pipe to pipe rest", splice(p[0], NULL, q[1], NULL, 1000, 0), 24);
	expect_true("splice pipe to pipe rest data", stream_has(q[0], 43, 24));

	off = 0;
	expect_errno("splice off_in on a pipe", splice(p[0], &off, out, NULL, 10, 0), ESPIPE);
	expect_errno("splice off_out on a pipe", splice(in, NULL, p[1], &off, 10, 0), ESPIPE);
	expect_errno("splice pipe to pipe with offset", splice(p[0], NULL, q[1], &off, 10, 0),
		     ESPIPE);
	expect_errno("splice file to file", splice(in, NULL, out, NULL, 10, 0), EINVAL);
	expect_errno("splice bad in fd", splice(-1, NULL, p[1], NULL, 10, 0), EBADF);
	expect_errno("splice bad out fd", splice(in, NULL, 999, NULL, 10, 0), EBADF);
	expect_errno("splice from the write end", splice(p[1], NULL, q[1], NULL, 10, 0), EBADF);
	expect_errno("splice to the read end", splice(in, NULL, p[0], NULL, 10, 0), EBADF);
	expect_errno("splice bad off_in pointer", splice(in, BAD_PTR, p[1], NULL, 10, 0), EFAULT);
	expect_errno("splice nonblock empty pipe to pipe",
		     splice(p[0], NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
	expect_errno("splice nonblock empty pipe to file",
		     splice(p[0], NULL, out, NULL, 10, SPLICE_F_NONBLOCK), EAGAIN);
	close(p[1]);
	expect_eq("splice empty pipe, writer closed", splice(p[0], NULL, out, NULL, 10, 0), 0);
	expect_eq("splice empty pipe, writer closed, to pipe",
		  splice(p[0], NULL, q[1], NULL, 10, 0), 0);
	close(p[0]);
	close(out);
	close(in);
	close2(q);
}

static void test_tee(void)
{
	int p[2], q[2], r[2];
	pipe(p);
	pipe(q);
	pipe(r);
	expect_eq("write for tee", write(p[1], g_data, 100), 100);
	expect_eq("tee", tee(p[0], q[1], 100, 0), 100);
	expect_eq("tee part", tee(p[0], r[1], 30, 0), 30);
	expect_true("tee copy data", stream_has(q[0], 0, 100));
	expect_true("tee part data", stream_has(r[0], 0, 30));
	expect_true("tee left the source", stream_has(p[0], 0, 100));
	int fd = open(g_dst, O_RDWR);
	expect_errno("tee from a file", tee(fd, q[1], 10, 0), EINVAL);
	expect_errno("tee to a file", tee(p[0], fd, 10, 0), EINVAL);
	expect_errno("tee same pipe", tee(p[0], p[1], 10, 0), EINVAL);
	expect_errno("tee bad fd", tee(-1, q[1], 10, 0), EBADF);
	expect_errno("tee from the write end", tee(p[1], q[1], 10, 0), EBADF);
	expect_errno("tee bad flags", tee(p[0], q[1], 10, 0x100), EINVAL);
	expect_errno("tee nonblock empty", tee(p[0], q[1], 10, SPLICE_F_NONBLOCK), EAGAIN);
	expect_eq("tee length 0", tee(p[0], q[1], 0, 0), 0);
	close(p[1]);
	expect_eq("tee empty, writer closed", tee(p[0], q[1], 10, 0), 0);
	close(fd);
	close(p[0]);
	close2(q);
	close2(r);
}

static void test_vmsplice(void)
{
	int p[2];
	pipe(p);
	struct iovec iov[2] = { { g_data, 100 }, { g_data + 100, 150 } };
	expect_eq("vmsplice into pipe", vmsplice(p[1], iov, 2, 0), 250);
	expect_true("vmsplice into pipe data", stream_has(p[0], 0, 250));
	expect_eq("write for vmsplice out", write(p[1], g_data + 500, 200), 200);
	unsigned char a[50], b[300];
	struct iovec out[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	expect_eq("vmsplice from pipe", vmsplice(p[0], out, 2, 0), 200);
	expect_true("vmsplice from pipe data",
		    memcmp(a, g_data + 500, 50) == 0 && memcmp(b, g_data + 550, 150) == 0);
	expect_eq("vmsplice left the pipe empty", fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	expect_errno("read after vmsplice", read(p[0], a, 1), EAGAIN);
	fcntl(p[0], F_SETFL, 0);
	expect_errno("vmsplice from empty pipe nonblock", vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK),
		     EAGAIN);
	expect_errno("vmsplice bad fd", vmsplice(-1, iov, 1, 0), EBADF);
	int fd = open(g_dst, O_RDWR);
	expect_errno("vmsplice on a file", vmsplice(fd, iov, 1, 0), EBADF);
	expect_errno("vmsplice bad flags", vmsplice(p[1], iov, 1, 0x100), EINVAL);
	struct iovec bad = { BAD_PTR, 10 };
	expect_errno("vmsplice bad iovec array", vmsplice(p[1], BAD_PTR, 1, 0), EFAULT);
	expect_errno("vmsplice bad user page", vmsplice(p[1], &bad, 1, 0), EFAULT);
	expect_errno("vmsplice too many segments", vmsplice(p[1], iov, 1025, 0), EINVAL);
	close(fd);
	close2(p);
}

static long cfr(int in, loff_t *off_in, int out, loff_t *off_out, size_t n, unsigned flags)
{
	return syscall(SYS_copy_file_range, in, off_in, out, off_out, n, flags);
}

static void test_copy_file_range(void)
{
	int in = open_src(), out = open_dst(O_RDWR);
	expect_eq("copy_file_range whole", cfr(in, NULL, out, NULL, DATA_LEN, 0), DATA_LEN);
	expect_eq("copy_file_range whole in offset", lseek(in, 0, SEEK_CUR), DATA_LEN);
	expect_eq("copy_file_range whole out offset", lseek(out, 0, SEEK_CUR), DATA_LEN);
	expect_true("copy_file_range whole data", file_has(out, 0, 0, DATA_LEN));
	expect_eq("copy_file_range at EOF", cfr(in, NULL, out, NULL, 100, 0), 0);
	close(out);

	out = open_dst(O_RDWR);
	lseek(in, 0, SEEK_SET);
	loff_t oi = 1000, oo = 200;
	expect_eq("copy_file_range partial with offsets", cfr(in, &oi, out, &oo, 300, 0), 300);
	expect_eq("copy_file_range off_in updated", oi, 1300);
	expect_eq("copy_file_range off_out updated", oo, 500);
	expect_eq("copy_file_range offsets leave in offset", lseek(in, 0, SEEK_CUR), 0);
	expect_eq("copy_file_range offsets leave out offset", lseek(out, 0, SEEK_CUR), 0);
	expect_eq("copy_file_range partial size", file_size(out), 500);
	expect_true("copy_file_range partial data", file_has(out, 200, 1000, 300));
	oi = 50;
	expect_eq("copy_file_range off_in only", cfr(in, &oi, out, NULL, 20, 0), 20);
	expect_eq("copy_file_range off_in only updated", oi, 70);
	expect_eq("copy_file_range off_in only out offset", lseek(out, 0, SEEK_CUR), 20);
	expect_true("copy_file_range off_in only data", file_has(out, 0, 50, 20));
	lseek(in, 4000, SEEK_SET);
	oo = 600;
	expect_eq("copy_file_range past EOF", cfr(in, NULL, out, &oo, 5000, 0), DATA_LEN - 4000);
	expect_eq("copy_file_range past EOF in offset", lseek(in, 0, SEEK_CUR), DATA_LEN);
	expect_eq("copy_file_range past EOF off_out", oo, 600 + DATA_LEN - 4000);
	expect_true("copy_file_range past EOF data", file_has(out, 600, 4000, DATA_LEN - 4000));
	oi = DATA_LEN + 10;
	expect_eq("copy_file_range offset beyond EOF", cfr(in, &oi, out, NULL, 10, 0), 0);
	expect_eq("copy_file_range length 0", cfr(in, NULL, out, NULL, 0, 0), 0);

	/* Same file, same filesystem: no EXDEV. */
	oi = 0, oo = 3000;
	expect_eq("copy_file_range same file, apart", cfr(out, &oi, out, &oo, 100, 0), 100);
	expect_true("copy_file_range same file data", file_has(out, 3000, 50, 20));
	oi = 0, oo = 50;
	expect_errno("copy_file_range same file overlapping", cfr(out, &oi, out, &oo, 100, 0),
		     EINVAL);
	expect_errno("copy_file_range flags", cfr(in, NULL, out, NULL, 10, 1), EINVAL);
	int ro = open_src(), wo = open(g_dst, O_WRONLY);
	oi = 0;
	expect_errno("copy_file_range out fd read-only", cfr(in, &oi, ro, NULL, 10, 0), EBADF);
	expect_errno("copy_file_range in fd write-only", cfr(wo, NULL, out, NULL, 10, 0), EBADF);
	expect_errno("copy_file_range bad fd", cfr(-1, NULL, out, NULL, 10, 0), EBADF);
	int app = open(g_app, O_WRONLY | O_APPEND);
	expect_errno("copy_file_range out fd O_APPEND", cfr(in, &oi, app, NULL, 10, 0), EBADF);
	int dir = open(g_dir, O_RDONLY | O_DIRECTORY);
	expect_errno("copy_file_range from a directory", cfr(dir, NULL, out, NULL, 10, 0), EISDIR);
	int p[2];
	pipe(p);
	expect_errno("copy_file_range to a pipe", cfr(in, &oi, p[1], NULL, 10, 0), EINVAL);
	expect_errno("copy_file_range bad offset pointer", cfr(in, BAD_PTR, out, NULL, 10, 0),
		     EFAULT);
	close2(p);
	close(dir);
	close(app);
	close(wo);
	close(ro);
	close(out);
	close(in);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 0; i < DATA_LEN; i++)
		g_data[i] = (unsigned char)(i * 7 % 251);
	strcpy(g_dir, "/tmp/cvisor-splice-XXXXXX");
	if (!mkdtemp(g_dir)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(g_src, sizeof(g_src), "%s/src", g_dir);
	snprintf(g_dst, sizeof(g_dst), "%s/dst", g_dir);
	snprintf(g_app, sizeof(g_app), "%s/app", g_dir);
	int fd = open(g_src, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	expect_eq("write source file", write(fd, g_data, DATA_LEN), DATA_LEN);
	close(fd);

	test_sendfile();
	test_splice();
	test_tee();
	test_vmsplice();
	test_copy_file_range();

	unlink(g_src);
	unlink(g_dst);
	unlink(g_app);
	expect_ok("rmdir", rmdir(g_dir));
	return expect_status();
}
