/*
 * Memory and process-basics syscalls with bad and good inputs; prints one verdict line per case
 * (never an address), so a native run and a sandboxed run must print the same thing.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

static void verdict(const char *name, long rc)
{
	if (rc == -1)
		printf("%s: %s\n", name, strerrorname_np(errno));
	else
		printf("%s: ok\n", name);
}

static long map(void *addr, size_t len, int prot, int flags)
{
	void *p = mmap(addr, len, prot, flags, -1, 0);
	return p == MAP_FAILED ? -1 : 0;
}

/* What a forked child reads at each of the three pages at @p: the byte, "0" for zero, or
 * "SEGV" once a page is not mapped in it. */
static const char *child_reads(const char *p)
{
	static char out[32];
	int fds[2];
	if (pipe(fds) < 0)
		return "pipe";
	pid_t c = fork();
	if (c == 0) {
		close(fds[0]);
		for (int i = 0; i < 3; i++) {
			char ch = p[i * 4096] ? p[i * 4096] : '0';
			if (write(fds[1], &ch, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	int st = 0;
	waitpid(c, &st, 0);
	ssize_t n = read(fds[0], out, 3);
	close(fds[0]);
	out[n > 0 ? n : 0] = '\0';
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
		strcat(out, " SEGV");
	return out;
}

int main(void)
{
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
	verdict("mmap len 0", map(NULL, 0, PROT_READ, anon));
	verdict("mmap shared and private", map(NULL, 4096, PROT_READ, anon | MAP_SHARED));
	verdict("mmap no type", map(NULL, 4096, PROT_READ, MAP_ANONYMOUS));
	verdict("mmap fixed unaligned", map((void *)0x100001, 4096, PROT_READ, anon | MAP_FIXED));
	verdict("mmap unknown prot bits", map(NULL, 4096, 0x100, anon));

	char *p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, anon, -1, 0);
	verdict("mmap anon", p == MAP_FAILED ? -1 : 0);
	memset(p, 'a', 3 * 4096);
	printf("content: %c%c\n", p[0], p[3 * 4096 - 1]);
	verdict("mmap fixed noreplace over a mapping",
		map(p, 4096, PROT_READ, anon | MAP_FIXED_NOREPLACE));
	verdict("munmap unaligned", munmap(p + 1, 4096));
	verdict("munmap zero length", munmap(p, 0));
	verdict("munmap middle", munmap(p + 4096, 4096));
	verdict("mprotect over the hole", mprotect(p, 3 * 4096, PROT_READ));
	verdict("mprotect unaligned", mprotect(p + 1, 4096, PROT_READ));
	verdict("mprotect unknown prot bits", mprotect(p, 4096, 0x100));
	verdict("mprotect first page", mprotect(p, 4096, PROT_READ));
	printf("still readable: %c\n", p[0]);

	/* MADV_DONTNEED: private anonymous pages read zero again, a few (zeroed in place by the
	 * Sentry) or many (dropped); the pages around keep their bytes. */
	for (int n = 2; n <= 64; n *= 32) {
		char *q = mmap(NULL, (size_t)(n + 2) * 4096, PROT_READ | PROT_WRITE, anon, -1, 0);
		memset(q, 'q', (size_t)(n + 2) * 4096);
		verdict("madvise MADV_DONTNEED", madvise(q + 4096, (size_t)n * 4096, MADV_DONTNEED));
		int zeros = 1;
		for (int i = 1; i <= n; i++)
			zeros &= q[i * 4096] == 0 && q[i * 4096 + 4095] == 0;
		printf("%d pages: zeros %d, neighbours %c%c\n", n, zeros, q[4095],
		       q[(n + 1) * 4096]);
		q[4096] = 'w';	/* writable again */
		printf("  written after: %c\n", q[4096]);
		munmap(q, (size_t)(n + 2) * 4096);
	}

	/* Advice some mappings refuse: MADV_FREE and MADV_WIPEONFORK are for private anonymous
	 * memory, MADV_REMOVE for shared file memory (shared anonymous memory is one). */
	char *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *pr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, anon, -1, 0);
	int mfd = memfd_create("mm_test", 0);
	ftruncate(mfd, 4096);
	char *fp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, mfd, 0);
	verdict("madvise MADV_FREE private anonymous", madvise(pr, 4096, MADV_FREE));
	verdict("madvise MADV_FREE shared anonymous", madvise(sh, 4096, MADV_FREE));
	verdict("madvise MADV_FREE private file", madvise(fp, 4096, MADV_FREE));
	verdict("madvise MADV_WIPEONFORK shared anonymous", madvise(sh, 4096, MADV_WIPEONFORK));
	verdict("madvise MADV_WIPEONFORK private file", madvise(fp, 4096, MADV_WIPEONFORK));
	verdict("madvise MADV_REMOVE private anonymous", madvise(pr, 4096, MADV_REMOVE));
	verdict("madvise MADV_REMOVE private file", madvise(fp, 4096, MADV_REMOVE));
	/* MADV_REMOVE frees shared memory: it reads zero again, in every mapping and through
	 * the file, and the file keeps its size. */
	sh[0] = 'x';
	verdict("madvise MADV_REMOVE shared anonymous", madvise(sh, 4096, MADV_REMOVE));
	printf("  reads zero after: %d\n", sh[0] == 0);
	char *fs1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	char *fs2 = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
	fs1[0] = 'z';
	printf("  a second mapping sees the write: %c\n", fs2[0]);
	verdict("madvise MADV_REMOVE shared file", madvise(fs1, 4096, MADV_REMOVE));
	char ch = 1;
	printf("  zero in both mappings and the file: %d%d%d\n", fs1[0] == 0, fs2[0] == 0,
	       pread(mfd, &ch, 1, 0) == 1 && ch == 0);
	printf("  the size kept: %ld\n", (long)lseek(mfd, 0, SEEK_END));
	fs1[1] = 'y';
	printf("  writable after: %c\n", fs2[1]);
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	int rofd = open(path, O_RDONLY);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, rofd, 0);
	verdict("madvise MADV_REMOVE through a read-only descriptor", madvise(ro, 4096, MADV_REMOVE));
	printf("  the bytes stay: %c\n", ro[1]);
	munmap(ro, 4096);
	close(rofd);
	munmap(fs1, 4096);
	munmap(fs2, 4096);
	munmap(sh, 4096);
	munmap(pr, 4096);
	munmap(fp, 4096);
	close(mfd);

	/* What a fork's child gets: MADV_WIPEONFORK memory zeroed, MADV_DONTFORK memory none
	 * (SIGSEGV); KEEPONFORK and DOFORK undo them. Only the middle page of three is advised. */
	char *wf = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, anon, -1, 0);
	memset(wf, 'w', 3 * 4096);
	verdict("madvise MADV_WIPEONFORK", madvise(wf + 4096, 4096, MADV_WIPEONFORK));
	printf("child sees after MADV_WIPEONFORK: %s\n", child_reads(wf));
	printf("  the parent keeps: %c%c%c\n", wf[0], wf[4096], wf[8192]);
	verdict("madvise MADV_KEEPONFORK", madvise(wf + 4096, 4096, MADV_KEEPONFORK));
	printf("child sees after MADV_KEEPONFORK: %s\n", child_reads(wf));
	verdict("madvise MADV_DONTFORK", madvise(wf + 4096, 4096, MADV_DONTFORK));
	printf("child sees after MADV_DONTFORK: %s\n", child_reads(wf));
	verdict("madvise MADV_DOFORK", madvise(wf + 4096, 4096, MADV_DOFORK));
	printf("child sees after MADV_DOFORK: %s\n", child_reads(wf));
	munmap(wf, 3 * 4096);

	void *b0 = sbrk(0);
	verdict("sbrk grow", sbrk(65536) == (void *)-1 ? -1 : 0);
	memset(b0, 'b', 65536);
	printf("heap grew by %ld\n", (long)((char *)sbrk(0) - (char *)b0));

	struct utsname u;
	verdict("uname", uname(&u));
	printf("sysname: %s, machine: %s\n", u.sysname, u.machine);
	unsigned long fs = 0;
	verdict("arch_prctl get fs", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	printf("fs base set: %s\n", fs ? "yes" : "no");
	verdict("arch_prctl bad code", syscall(SYS_arch_prctl, 0x9999, 0));
	verdict("arch_prctl non-canonical fs", syscall(SYS_arch_prctl, ARCH_SET_FS, 1ul << 63));

	char buf[16];
	verdict("write bad fd", write(99, "x", 1));
	verdict("close bad fd", close(99));
	verdict("pread negative offset", pread(1, buf, 1, -1));
	verdict("getrandom bad flags", getrandom(buf, sizeof(buf), 0x80));
	verdict("getrandom", getrandom(buf, sizeof(buf), 0) == sizeof(buf) ? 0 : -1);
	verdict("write bad buffer", syscall(SYS_write, 1, 8, 1));
	verdict("set_robust_list bad len", syscall(SYS_set_robust_list, buf, 7));
	verdict("unknown syscall", syscall(440 + 60));
	return 0;
}
