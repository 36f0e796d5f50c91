/*
 * The standard devices and donated stdio: what /dev/null, zero, full and urandom answer, their
 * node attributes, and that stdout is the same kind of file inside as outside. One verdict
 * line per case.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void verdict(const char *name, long rc)
{
	if (rc < 0)
		printf("%s: %s\n", name, strerrorname_np(errno));
	else
		printf("%s: %ld\n", name, rc);
}

static void node(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		printf("stat %s: %s\n", path, strerrorname_np(errno));
		return;
	}
	printf("stat %s: chr=%d rdev=%u:%u mode=%o\n", path, S_ISCHR(st.st_mode),
	       major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
}

int main(void)
{
	char buf[64];
	node("/dev/null");
	node("/dev/zero");
	node("/dev/full");
	node("/dev/urandom");

	int fd = open("/dev/null", O_RDWR);
	verdict("open null", fd < 0 ? -1 : 0);
	verdict("write null", write(fd, "abc", 3));
	verdict("read null", read(fd, buf, sizeof(buf)));
	verdict("lseek null", lseek(fd, 100, SEEK_SET));
	close(fd);

	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 'x', sizeof(buf));
	long n = read(fd, buf, sizeof(buf));
	int zeros = 1;
	for (long i = 0; i < n; i++)
		zeros &= buf[i] == 0;
	verdict("read zero", n);
	printf("zero is zeros: %d\n", zeros);
	verdict("write zero read-only", write(fd, "a", 1));
	close(fd);

	fd = open("/dev/full", O_WRONLY);
	verdict("write full", write(fd, "a", 1));
	close(fd);

	fd = open("/dev/urandom", O_RDONLY);
	verdict("read urandom", read(fd, buf, 16));
	close(fd);

	verdict("open missing device dir", open("/dev/nonexistent/x", O_RDONLY));
	verdict("open null as directory", open("/dev/null", O_RDONLY | O_DIRECTORY));

	/* poll: device files are always ready; a closed descriptor is POLLNVAL; too many
	 * entries is EINVAL; a bad array is EFAULT. */
	struct pollfd pf[3] = { { .fd = open("/dev/null", O_RDWR), .events = POLLIN | POLLOUT },
				{ .fd = 77, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
	verdict("poll", poll(pf, 3, 1000));
	printf("poll revents: %#x %#x %#x\n", pf[0].revents, pf[1].revents, pf[2].revents);
	close(pf[0].fd);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	verdict("poll too many", poll(pf, rl.rlim_cur + 1, 0));
	verdict("poll bad array", syscall(SYS_poll, 8, 1, 0));
	verdict("poll nothing, no wait", poll(NULL, 0, 0));
	verdict("poll nothing, 10 ms", poll(NULL, 0, 10));

	struct stat st;
	verdict("fstat stdout", fstat(1, &st));
	printf("stdout regular: %d fifo: %d chr: %d\n", S_ISREG(st.st_mode), S_ISFIFO(st.st_mode),
	       S_ISCHR(st.st_mode));
	verdict("fstat bad fd", fstat(42, &st));
	fflush(stdout);
	/* Bytes written straight to fd 1 after stdio's buffer was flushed must follow it. */
	verdict("write stdout", write(1, "raw line\n", 9));
	return 0;
}
