/*
 * trunc_map_test: shrinking a mapped file (memfs, memfd). Linux takes the truncated pages out
 * of every mapping: an access past the new end gets SIGBUS (BUS_ADRERR), in every process that
 * maps the file, while the data before the end stays and growing the file again gives zeros.
 * A private mapping's page not yet written is the file's page (SIGBUS too). The freed pages must
 * never show other memory. (Linux also takes away a private copy already written past the new
 * end; cvisor keeps it: not checked.)
 */
#include "expect.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096

static sigjmp_buf g_jb;
static volatile int g_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	g_code = si->si_code;
	siglongjmp(g_jb, 1);
}

/* What reading *p gives: its byte, or the signal. */
static const char *probe(volatile char *p)
{
	static char buf[32];
	if (sigsetjmp(g_jb, 1))
		return g_code == BUS_ADRERR ? "SIGBUS BUS_ADRERR" : "SIGBUS other code";
	char c = *p;
	if (c == 0)
		return "zero";
	snprintf(buf, sizeof(buf), "'%c'", c);
	return buf;
}

/* Fills fresh anonymous memory with a secret: a freed file page reused for it would show. */
static void spray(void)
{
	char *a = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (int i = 0; a != MAP_FAILED && i < 64; i++)
		strcpy(a + i * PG, "SECRET");
}

/* A two-page file with 'A' on the first page and 'B' on the second. */
static int two_pages(int memfd)
{
	int fd = memfd ? memfd_create("trunc", 0)
		       : open("/tmp/trunc_map_test.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (!memfd)
		unlink("/tmp/trunc_map_test.tmp");
	if (fd < 0 || ftruncate(fd, 2 * PG) < 0)
		return -1;
	(void)!pwrite(fd, "A", 1, 0);
	(void)!pwrite(fd, "B", 1, PG);
	return fd;
}

static void shared_case(const char *kind, int memfd)
{
	char what[96];
	int fd = two_pages(memfd);
	char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (fd < 0 || m == MAP_FAILED) {
		expect_ok(kind, -1);
		return;
	}
	snprintf(what, sizeof(what), "%s shared: page 2 before shrink", kind);
	expect_str(what, probe(m + PG), "'B'");
	m[100] = 'x';
	expect_ok("ftruncate shrink to 200 bytes", ftruncate(fd, 200));
	spray();
	snprintf(what, sizeof(what), "%s shared: data before the end", kind);
	expect_str(what, probe(m), "'A'");
	snprintf(what, sizeof(what), "%s shared: byte 100 written through the map", kind);
	expect_str(what, probe(m + 100), "'x'");
	snprintf(what, sizeof(what), "%s shared: rest of the last page", kind);
	expect_str(what, probe(m + 300), "zero");
	snprintf(what, sizeof(what), "%s shared: page 2 past the end", kind);
	expect_str(what, probe(m + PG), "SIGBUS BUS_ADRERR");
	int p[2];
	if (pipe(p) == 0) {
		snprintf(what, sizeof(what), "%s shared: write(2) from past the end", kind);
		expect_errno(what, write(p[1], m + PG, 1), EFAULT);
		close(p[0]);
		close(p[1]);
	}
	expect_ok("ftruncate grow again", ftruncate(fd, 2 * PG));
	snprintf(what, sizeof(what), "%s shared: page 2 after growing", kind);
	expect_str(what, probe(m + PG), "zero");
	m[PG] = 'C';
	char c = 0;
	snprintf(what, sizeof(what), "%s shared: pread sees a write to the new page", kind);
	expect_eq(what, pread(fd, &c, 1, PG) == 1 ? c : -1, 'C');
	munmap(m, 2 * PG);
	close(fd);
}

/* A child that mapped the file before fork gets SIGBUS too. */
static void fork_case(const char *kind, int memfd)
{
	char what[96];
	int fd = two_pages(memfd), go[2], done[2];
	char *m = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	if (fd < 0 || m == MAP_FAILED || pipe(go) < 0 || pipe(done) < 0) {
		expect_ok(kind, -1);
		return;
	}
	(void)probe(m + PG);	/* mapped in the parent before the fork */
	pid_t pid = fork();
	if (pid == 0) {
		(void)probe(m + PG);	/* and in the child */
		(void)!write(done[1], "r", 1);
		char b;
		(void)!read(go[0], &b, 1);
		const char *got = probe(m + PG);
		_exit(strcmp(got, "SIGBUS BUS_ADRERR") == 0 ? 0 : strcmp(got, "'B'") == 0 ? 2 : 3);
	}
	char b;
	(void)!read(done[0], &b, 1);
	expect_ok("ftruncate shrink to one page", ftruncate(fd, PG));
	spray();
	(void)!write(go[1], "g", 1);
	int st = 0;
	waitpid(pid, &st, 0);
	snprintf(what, sizeof(what), "%s fork: child's page 2 past the end gets SIGBUS", kind);
	expect_eq(what, WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
	snprintf(what, sizeof(what), "%s fork: parent's page 2 past the end", kind);
	expect_str(what, probe(m + PG), "SIGBUS BUS_ADRERR");
	munmap(m, 2 * PG);
	close(fd);
	close(go[0]), close(go[1]), close(done[0]), close(done[1]);
}

static void private_case(const char *kind, int memfd)
{
	char what[96];
	int fd = two_pages(memfd);
	char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *w = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (fd < 0 || m == MAP_FAILED || w == MAP_FAILED) {
		expect_ok(kind, -1);
		return;
	}
	snprintf(what, sizeof(what), "%s private: page 1 read", kind);
	expect_str(what, probe(m), "'A'");
	(void)!pwrite(fd, "N", 1, 0);
	snprintf(what, sizeof(what), "%s private: a page not written sees the file's writes", kind);
	expect_str(what, probe(m), "'N'");
	w[PG] = 'P';
	expect_ok("ftruncate shrink to one page", ftruncate(fd, PG));
	spray();
	snprintf(what, sizeof(what), "%s private: untouched page 2 past the end", kind);
	expect_str(what, probe(m + PG), "SIGBUS BUS_ADRERR");
	/* Not checked: Linux takes a private page already written (copied) past the end away too
	 * (SIGBUS); cvisor keeps it (core/mm/mm.c, "Truncate"). */
	(void)w[PG];
	snprintf(what, sizeof(what), "%s private: page 1 still the file's", kind);
	expect_str(what, probe(w), "'N'");
	munmap(m, 2 * PG);
	munmap(w, 2 * PG);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO | SA_NODEFER };
	sigaction(SIGBUS, &sa, NULL);
	static const char *kinds[] = { "file", "memfd" };
	for (int k = 0; k < 2; k++) {
		shared_case(kinds[k], k);
		fork_case(kinds[k], k);
		private_case(kinds[k], k);
	}
	return expect_status();
}
