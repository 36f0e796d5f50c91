/*
 * memfd_test: memfd_create(2), its seals, and shared memory across processes: MAP_SHARED of a
 * memfd (fork and a /proc/self/fd reopen), MAP_SHARED|MAP_ANONYMOUS across fork, MAP_SHARED
 * of a regular file seen by another process.
 */
#include "expect.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long memfd(const char *name, unsigned flags)
{
	return syscall(SYS_memfd_create, name, flags);
}

/* Runs @fn in a child and returns its exit status. */
static int in_child(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	int st = 0;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static int child_write(void *p)
{
	strcpy(p, "child");
	return 0;
}

static void create_cases(void)
{
	char big[300];
	memset(big, 'a', sizeof(big));
	big[250] = 0;
	expect_errno("memfd_create name 250 bytes", memfd(big, 0), EINVAL);
	big[249] = 0;
	long fd = memfd(big, 0);
	expect_true("memfd_create name 249 bytes", fd >= 0);
	close((int)fd);
	expect_errno("memfd_create bad flags", memfd("x", 0x100), EINVAL);
	expect_errno("memfd_create bad pointer", memfd((const char *)8, 0), EFAULT);
	expect_errno("memfd_create bad flags before the bad pointer", memfd((const char *)8, 0x100),
		     EINVAL);
	expect_errno("memfd_create MFD_EXEC|MFD_NOEXEC_SEAL before the bad pointer",
		     memfd((const char *)8, 0x18), EINVAL);
	expect_errno("memfd_create hugetlb bad size bits", memfd("x", 0x1000), EINVAL);

	fd = memfd("test", MFD_CLOEXEC);
	expect_true("memfd_create", fd >= 0);
	expect_eq("cloexec", fcntl((int)fd, F_GETFD), FD_CLOEXEC);
	char link[64], target[256] = { 0 };
	snprintf(link, sizeof(link), "/proc/self/fd/%ld", fd);
	expect_true("readlink", readlink(link, target, sizeof(target) - 1) > 0);
	expect_str("link", target, "/memfd:test (deleted)");
	expect_eq("write", write((int)fd, "hello world", 11), 11);
	struct stat st;
	expect_ok("fstat", fstat((int)fd, &st));
	expect_eq("size", st.st_size, 11);
	expect_mode("mode", st.st_mode, S_IFREG | 0777);
	expect_eq("nlink", (long)st.st_nlink, 0);
	expect_eq("lseek end", lseek((int)fd, 0, SEEK_END), 11);
	expect_eq("lseek set", lseek((int)fd, 6, SEEK_SET), 6);
	char buf[32] = { 0 };
	expect_eq("read", read((int)fd, buf, sizeof(buf)), 5);
	expect_str("read data", buf, "world");
	expect_ok("ftruncate grow", ftruncate((int)fd, 8192));
	expect_ok("fstat", fstat((int)fd, &st));
	expect_eq("size after ftruncate", st.st_size, 8192);
	expect_eq("pread hole", pread((int)fd, buf, 4, 5000), 4);
	expect_eq("hole reads zero", buf[0] | buf[1] | buf[2] | buf[3], 0);
	expect_ok("ftruncate shrink", ftruncate((int)fd, 5));
	expect_eq("pread past end", pread((int)fd, buf, 4, 5000), 0);
	expect_errno("F_ADD_SEALS without sealing", fcntl((int)fd, F_ADD_SEALS, F_SEAL_WRITE),
		     EPERM);
	expect_eq("F_GET_SEALS without sealing", fcntl((int)fd, F_GET_SEALS), F_SEAL_SEAL);
	expect_errno("F_GET_SEALS bad fd", fcntl((int)fd + 100, F_GET_SEALS),
		     EBADF);
	int p[2];
	pipe(p);
	expect_errno("F_GET_SEALS not a memfd", fcntl(p[0], F_GET_SEALS), EINVAL);
	close(p[0]);
	close(p[1]);
	close((int)fd);
}

static void seal_cases(void)
{
	int fd = (int)memfd("sealed", MFD_ALLOW_SEALING);
	expect_eq("F_GET_SEALS", fcntl(fd, F_GET_SEALS), 0);
	expect_ok("ftruncate", ftruncate(fd, 4096));
	char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect_true("mmap shared writable", w != MAP_FAILED);
	expect_errno("F_SEAL_WRITE with a writable mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE),
		     EBUSY);
	munmap(w, 4096);
	expect_ok("F_SEAL_SHRINK|F_SEAL_GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW));
	expect_errno("shrink sealed", ftruncate(fd, 100), EPERM);
	expect_errno("grow sealed", ftruncate(fd, 8192), EPERM);
	expect_ok("same size", ftruncate(fd, 4096));
	expect_eq("write inside", pwrite(fd, "abc", 3, 0), 3);
	expect_eq("write growing stops at the end", pwrite(fd, "abc", 3, 4095), 1);
	expect_errno("write at the end", pwrite(fd, "abc", 3, 4096), EPERM);
	expect_ok("F_SEAL_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
	expect_errno("write sealed", pwrite(fd, "abc", 3, 0), EPERM);
	expect_eq("an empty write sealed", write(fd, "abc", 0), 0);
	expect_true("mmap shared writable sealed",
		    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
			    errno == EPERM);
	char *r = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	expect_true("mmap shared read-only sealed", r != MAP_FAILED);
	expect_str("sealed data", r, "abc");
	expect_errno("mprotect write sealed", mprotect(r, 4096, PROT_READ | PROT_WRITE), EACCES);
	char *pv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	expect_true("mmap private writable sealed", pv != MAP_FAILED);
	pv[0] = 'X';
	expect_str("private copy", pv, "Xbc");
	expect_str("file unchanged", r, "abc");
	expect_ok("F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL));
	expect_errno("seal after F_SEAL_SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), EPERM);
	expect_eq("F_GET_SEALS all", fcntl(fd, F_GET_SEALS),
		  F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	expect_errno("F_ADD_SEALS bad bits", fcntl(fd, F_ADD_SEALS, 0x1000), EINVAL);
	munmap(r, 4096);
	munmap(pv, 4096);
	close(fd);
}

/* F_SEAL_GROW with a size inside a page: Linux writes a page at a time and refuses the first
 * piece that would end past the end, so a write stops at that page, or fails when it is the
 * first. */
static void grow_seal_cases(void)
{
	static char buf[8192];
	int fd = (int)memfd("grow", MFD_ALLOW_SEALING);
	ftruncate(fd, 4096 + 100);
	expect_ok("F_SEAL_GROW at 4196 bytes", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW));
	expect_eq("write of 8192 at 0 stops at the last page", pwrite(fd, buf, 8192, 0), 4096);
	expect_eq("write ending at the end", pwrite(fd, buf, 100, 4096), 100);
	expect_errno("write from the last page past the end", pwrite(fd, buf, 200, 4096), EPERM);
	expect_errno("write inside the last page past the end", pwrite(fd, buf, 200, 4000 + 96),
		     EPERM);
	expect_eq("the size is unchanged", lseek(fd, 0, SEEK_END), 4196);
	close(fd);
}

#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008u
#endif

/* F_SEAL_EXEC (Linux 6.3): MFD_NOEXEC_SEAL's files are born with it and without the x bits;
 * on an executable memfd it brings the write seals with it. */
static void exec_seal_cases(void)
{
	struct stat st;
	int fd = (int)memfd("noexec", MFD_NOEXEC_SEAL);
	fstat(fd, &st);
	expect_mode("MFD_NOEXEC_SEAL's mode", st.st_mode & 07777, 0666);
	expect_eq("  its seals", fcntl(fd, F_GET_SEALS), F_SEAL_EXEC);
	expect_ok("  F_SEAL_EXEC again", fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC));
	expect_eq("  brings nothing more", fcntl(fd, F_GET_SEALS), F_SEAL_EXEC);
	close(fd);
	fd = (int)memfd("exec", MFD_ALLOW_SEALING);
	fstat(fd, &st);
	expect_mode("an executable memfd's mode", st.st_mode & 07777, 0777);
	ftruncate(fd, 4096);
	void *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect_errno("F_SEAL_EXEC with a writable mapping", fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC),
		     EBUSY);
	expect_eq("  no seal added", fcntl(fd, F_GET_SEALS), 0);
	munmap(w, 4096);
	expect_ok("F_SEAL_EXEC", fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC));
	expect_eq("  brings the write seals", fcntl(fd, F_GET_SEALS),
		  F_SEAL_EXEC | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE);
	expect_errno("  a write is refused", write(fd, "x", 1), EPERM);
	close(fd);
}

static void shared_cases(void)
{
	int fd = (int)memfd("shared", 0);
	ftruncate(fd, 8192);
	char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	expect_true("mmap memfd", m != MAP_FAILED);
	expect_eq("child writes memfd mapping", in_child(child_write, m + 4096), 0);
	expect_str("parent sees child's write", m + 4096, "child");
	char buf[8] = { 0 };
	pread(fd, buf, 5, 4096);
	expect_str("read(2) sees it", buf, "child");

	/* Another description through /proc/self/fd, mapped at another address. */
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	int fd2 = open(link, O_RDWR);
	expect_true("reopen through /proc/self/fd", fd2 >= 0);
	char *m2 = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd2, 0);
	strcpy(m2, "again");
	expect_str("reopened mapping shared", m, "again");
	munmap(m2, 8192);
	close(fd2);
	munmap(m, 8192);
	close(fd);

	char *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	expect_true("mmap shared anonymous", a != MAP_FAILED);
	strcpy(a, "parent");
	expect_eq("child writes shared anonymous", in_child(child_write, a), 0);
	expect_str("parent sees it", a, "child");
	munmap(a, 4096);

	char *pa = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(pa, "parent");
	expect_eq("child writes private anonymous", in_child(child_write, pa), 0);
	expect_str("parent keeps its own", pa, "parent");
	munmap(pa, 4096);
}

/* A child maps the same file by name: shared file mappings are one set of pages. */
static int child_map_file(void *path)
{
	int fd = open(path, O_RDWR);
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return 2;
	int ok = strcmp(m, "from parent") == 0;
	strcpy(m, "from child");
	return ok ? 0 : 3;
}

static void file_cases(void)
{
	char path[] = "/tmp/memfd_test_XXXXXX";
	int fd = mkstemp(path);
	ftruncate(fd, 4096);
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	strcpy(m, "from parent");
	expect_eq("child maps the file", in_child(child_map_file, path), 0);
	expect_str("parent sees the child's write", m, "from child");
	munmap(m, 4096);
	close(fd);
	unlink(path);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	create_cases();
	seal_cases();
	grow_seal_cases();
	exec_seal_cases();
	shared_cases();
	file_cases();
	return expect_status();
}
