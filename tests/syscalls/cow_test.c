/*
 * cow_test: fork's private memory is the child's own whatever the Sentry shares underneath
 * (copy-on-write): writes on either side stay there, in every kind of private memory, through
 * the kernel's own writes (read(2) into a buffer), across chains of forks and a parent's exit,
 * after mprotect, munmap and MADV_DONTNEED, and while another thread of the parent writes.
 * MAP_SHARED memory stays shared, and /proc/self/maps does not change.
 */
#include "expect.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static int wait_status(pid_t pid)
{
	int st = 0;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char g_data[3 * PAGE] = "data";	/* .data */
static char g_bss[3 * PAGE];		/* .bss */

/* Parent and child write the same pages of each kind of memory; each sees only its own. */
static void same_page_cases(void)
{
	char *anon = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	char *heap = malloc(2 * PAGE);
	char stack[PAGE];
	char *bufs[] = { anon, anon + 3 * PAGE, heap, g_data, g_bss + PAGE, stack };
	const int n = sizeof(bufs) / sizeof(bufs[0]);
	for (int i = 0; i < n; i++)
		strcpy(bufs[i], "before");
	pid_t pid = fork();
	if (pid == 0) {
		int bad = 0;
		usleep(20000);	/* the parent writes first */
		for (int i = 0; i < n; i++) {
			bad |= strcmp(bufs[i], "before") != 0;
			strcpy(bufs[i], "child");
		}
		usleep(20000);	/* the parent writes meanwhile */
		for (int i = 0; i < n; i++)
			bad |= strcmp(bufs[i], "child") != 0;
		_exit(bad);
	}
	for (int i = 0; i < n; i++)
		strcpy(bufs[i], "parent");
	expect_eq("child sees the fork's values, then its own", wait_status(pid), 0);
	int ok = 1;
	for (int i = 0; i < n; i++)
		ok &= strcmp(bufs[i], "parent") == 0;
	expect_true("parent sees its own", ok);
	/* A page only read after the fork, then written by the parent once the child is gone:
	 * the last owner writes in place. */
	strcpy(anon + PAGE, "x");
	expect_str("last owner writes", anon + PAGE, "x");
	munmap(anon, 4 * PAGE);
	free(heap);
}

/* The kernel's own writes (read(2) into a cow buffer) break the sharing too. */
static void kernel_write_cases(void)
{
	static char buf[PAGE] = "unchanged";
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		write(p[1], "from pipe", 10);
		_exit(read(p[0], buf, 10) == 10 && strcmp(buf, "from pipe") == 0 ? 0 : 1);
	}
	expect_eq("child read(2) into a cow page", wait_status(pid), 0);
	expect_str("parent's page unchanged", buf, "unchanged");
	pid = fork();
	if (pid == 0)
		_exit(strcmp(buf, "unchanged") == 0 && usleep(20000) == 0 &&
			      strcmp(buf, "unchanged") == 0 ? 0 : 1);
	write(p[1], "parent!!!", 10);
	read(p[0], buf, 10);
	expect_str("parent read(2) into a cow page", buf, "parent!!!");
	expect_eq("child keeps the old bytes", wait_status(pid), 0);
	close(p[0]);
	close(p[1]);
}

/* A grandchild writes its pages after its parent (the middle process) exited. */
static void orphan_cases(void)
{
	char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(m, "top");
	int p[2];
	pipe(p);
	pid_t mid = fork();
	if (mid == 0) {
		strcpy(m, "middle");
		pid_t gc = fork();
		if (gc == 0) {
			while (getppid() == mid)
				usleep(1000);
			int ok = strcmp(m, "middle") == 0;
			strcpy(m, "grandchild");
			strcpy(m + PAGE, "second");
			ok &= strcmp(m, "grandchild") == 0 && strcmp(m + PAGE, "second") == 0;
			char c = ok ? 'y' : 'n';
			write(p[1], &c, 1);
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	expect_eq("middle exits", wait_status(mid), 0);
	char c = 0;
	expect_eq("grandchild reports", read(p[0], &c, 1), 1);
	expect_true("grandchild writes after its parent exited", c == 'y');
	expect_str("top process keeps its own", m, "top");
	close(p[0]);
	munmap(m, 2 * PAGE);
}

/* fork twice in a chain: each generation keeps its own copy. */
static void chain_cases(void)
{
	static char v[PAGE] = "0";
	pid_t a = fork();
	if (a == 0) {
		strcpy(v, "1");
		pid_t b = fork();
		if (b == 0) {
			int ok = strcmp(v, "1") == 0;
			strcpy(v, "2");
			_exit(ok && strcmp(v, "2") == 0 ? 0 : 1);
		}
		int rc = wait_status(b);
		_exit(rc == 0 && strcmp(v, "1") == 0 ? 0 : 2);
	}
	expect_eq("fork chain", wait_status(a), 0);
	expect_str("first generation unchanged", v, "0");
}

/* mprotect, munmap and MADV_DONTNEED of cow pages. */
static void protect_cases(void)
{
	char *m = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(m, "a");
	strcpy(m + PAGE, "b");
	strcpy(m + 2 * PAGE, "c");
	pid_t pid = fork();
	if (pid == 0) {
		mprotect(m, PAGE, PROT_READ);
		int ok = strcmp(m, "a") == 0;
		mprotect(m, PAGE, PROT_READ | PROT_WRITE);
		strcpy(m, "A");
		munmap(m + PAGE, PAGE);
		madvise(m + 2 * PAGE, PAGE, MADV_DONTNEED);
		ok &= m[2 * PAGE] == 0 && strcmp(m, "A") == 0;
		_exit(ok ? 0 : 1);
	}
	expect_eq("child: mprotect, munmap, MADV_DONTNEED", wait_status(pid), 0);
	expect_str("parent page 0", m, "a");
	expect_str("parent page 1", m + PAGE, "b");
	expect_str("parent page 2", m + 2 * PAGE, "c");
	pid = fork();
	if (pid == 0)
		_exit(strcmp(m + 2 * PAGE, "c") == 0 ? 0 : 1);
	expect_ok("parent MADV_DONTNEED of a cow page", madvise(m + 2 * PAGE, PAGE, MADV_DONTNEED));
	expect_eq("gives zeros", m[2 * PAGE], 0);
	expect_eq("child still has the bytes", wait_status(pid), 0);
	expect_ok("mprotect read-only", mprotect(m, 3 * PAGE, PROT_READ));
	pid = fork();
	if (pid == 0)
		_exit(mprotect(m, PAGE, PROT_READ | PROT_WRITE) == 0 && (m[0] = 'z') &&
			      strcmp(m, "z") == 0 ? 0 : 1);
	expect_eq("child makes a read-only cow page writable", wait_status(pid), 0);
	expect_str("parent unchanged", m, "a");
	munmap(m, 3 * PAGE);
}

/* MAP_SHARED memory is never copied. */
static void shared_cases(void)
{
	char *s = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	strcpy(s, "p");
	pid_t pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			strcpy(s, "grandchild");
			_exit(0);
		}
		_exit(wait_status(g));
	}
	expect_eq("grandchild", wait_status(pid), 0);
	expect_str("shared memory shared by two forks", s, "grandchild");
	munmap(s, PAGE);
}

/* Another thread of the parent writes all along while the main thread forks: the child's copy
 * must stop changing once fork returns, and the parent's writes go on. */
static atomic_int g_stop;
static volatile long *g_counter;

static void *writer(void *arg __attribute__((unused)))
{
	while (!atomic_load(&g_stop))
		(*g_counter)++;
	return NULL;
}

static void thread_cases(void)
{
	g_counter = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pthread_t th;
	pthread_create(&th, NULL, writer, NULL);
	while (*g_counter < 1000)
		;
	int stable = 1;
	for (int i = 0; i < 5; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			long a = *g_counter;
			usleep(10000);
			_exit(*g_counter == a ? 0 : 1);
		}
		stable &= wait_status(pid) == 0;
	}
	long before = *g_counter;
	usleep(10000);
	int moving = *g_counter != before;
	atomic_store(&g_stop, 1);
	pthread_join(th, NULL);
	expect_true("child's copy is still while the parent's thread writes", stable);
	expect_true("parent's thread keeps writing its own page", moving);
	munmap((void *)g_counter, PAGE);
}

static long read_maps(char *buf, size_t size)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	long n = 0, r;
	while ((r = read(fd, buf + n, size - 1 - (size_t)n)) > 0)
		n += r;
	buf[n] = 0;
	close(fd);
	return n;
}

static void maps_cases(void)
{
	static char before[65536], after[65536];
	char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0] = 1;
	read_maps(before, sizeof(before));
	pid_t pid = fork();
	if (pid == 0) {
		m[0] = 2;
		read_maps(after, sizeof(after));
		_exit(strcmp(before, after) == 0 ? 0 : 1);
	}
	expect_eq("child's /proc/self/maps as the parent's", wait_status(pid), 0);
	read_maps(after, sizeof(after));
	expect_true("parent's /proc/self/maps unchanged", strcmp(before, after) == 0);
	munmap(m, 2 * PAGE);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	same_page_cases();
	kernel_write_cases();
	orphan_cases();
	chain_cases();
	protect_cases();
	shared_cases();
	thread_cases();
	maps_cases();
	return expect_status();
}
