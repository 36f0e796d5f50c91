/*
 * System V shared memory: shmget (IPC_PRIVATE, keys, IPC_CREAT|IPC_EXCL, sizes), shmat (the
 * kernel's address or one given, SHM_RND, SHM_RDONLY, SHM_REMAP), memory shared between a
 * parent and a forked child and between two attachments, shmdt, shmctl (IPC_STAT's size,
 * nattch, pids and mode; IPC_SET; IPC_RMID of an attached segment: SHM_DEST and a private key,
 * gone after the last detach; IPC_INFO, SHM_INFO, SHM_STAT; SHM_LOCK), and the errors of each.
 * Every segment made is removed.
 */
#include "expect.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define BAD_PTR ((void *)8)
#define PAGE 4096

static int reap(pid_t c)
{
	int st = 0;
	while (waitpid(c, &st, 0) < 0)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long nattch(int id)
{
	struct shmid_ds ds;
	return shmctl(id, IPC_STAT, &ds) < 0 ? -1 : (long)ds.shm_nattch;
}

static void test_get(void)
{
	expect_errno("shmget size 0", shmget(IPC_PRIVATE, 0, 0600), EINVAL);
	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	expect_true("shmget IPC_PRIVATE", id >= 0);
	struct shmid_ds ds;
	expect_ok("IPC_STAT", shmctl(id, IPC_STAT, &ds));
	expect_eq("  shm_segsz is the size asked", (long)ds.shm_segsz, 10000);
	expect_mode("  mode", ds.shm_perm.mode, 0600);
	expect_eq("  shm_nattch", (long)ds.shm_nattch, 0);
	expect_eq("  shm_cpid is ours", ds.shm_cpid == getpid(), 1);
	expect_eq("  shm_lpid", ds.shm_lpid, 0);
	expect_ok("IPC_RMID", shmctl(id, IPC_RMID, NULL));
	expect_errno("IPC_STAT after IPC_RMID", shmctl(id, IPC_STAT, &ds), EINVAL);

	key_t key = 0x5eed0000 + (getpid() & 0xffff);
	expect_errno("shmget of a missing key", shmget(key, 100, 0600), ENOENT);
	id = shmget(key, 100, IPC_CREAT | 0600);
	expect_true("shmget IPC_CREAT of a key", id >= 0);
	expect_eq("shmget of the key again gives the same id", shmget(key, 50, 0600) == id, 1);
	expect_errno("shmget larger than the segment", shmget(key, 200, 0600), EINVAL);
	expect_errno("shmget IPC_CREAT|IPC_EXCL of an existing key",
		     shmget(key, 100, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	shmctl(id, IPC_RMID, NULL);
	expect_errno("shmctl of a bad id", shmctl(-1, IPC_STAT, &ds), EINVAL);
	expect_errno("shmctl of an unused id", shmctl(0x7ffffff, IPC_STAT, &ds), EINVAL);
	id = shmget(IPC_PRIVATE, 100, 0600);
	expect_errno("IPC_STAT to a bad pointer", shmctl(id, IPC_STAT, BAD_PTR), EFAULT);
	expect_errno("IPC_SET from a bad pointer", shmctl(id, IPC_SET, BAD_PTR), EFAULT);
	expect_errno("an unknown shmctl command", shmctl(id, 99, &ds), EINVAL);
	shmctl(id, IPC_RMID, NULL);
}

static void test_attach(void)
{
	int id = shmget(IPC_PRIVATE, 2 * PAGE, 0600);
	char *p = shmat(id, NULL, 0);
	expect_true("shmat at the kernel's address", p != (void *)-1);
	expect_eq("  a fresh segment reads zero", p[0] + p[2 * PAGE - 1], 0);
	expect_eq("  shm_nattch 1", nattch(id), 1);
	struct shmid_ds ds;
	shmctl(id, IPC_STAT, &ds);
	expect_eq("  shm_lpid is ours", ds.shm_lpid == getpid(), 1);
	strcpy(p, "hello");

	char *q = shmat(id, NULL, SHM_RDONLY);
	expect_true("a second attachment, SHM_RDONLY", q != (void *)-1 && q != p);
	expect_eq("  sees the first one's bytes", strcmp(q, "hello"), 0);
	expect_eq("  shm_nattch 2", nattch(id), 2);

	/* A child writes, the parent reads: the same pages. */
	pid_t c = fork();
	if (c == 0) {
		strcpy(p, "child");
		_exit(nattch(id) == 4 ? 0 : 1);	/* the fork copied both attachments */
	}
	expect_eq("after fork the child has both attachments too", reap(c), 0);
	expect_eq("the child's write is seen", strcmp(q, "child"), 0);
	expect_eq("the child's attachments went with it", nattch(id), 2);

	/* A write to the read-only attachment faults. */
	c = fork();
	if (c == 0) {
		q[0] = 'x';
		_exit(0);
	}
	expect_eq("writing a SHM_RDONLY attachment: SIGSEGV", reap(c), 128 + SIGSEGV);

	expect_ok("shmdt", shmdt(q));
	expect_eq("  shm_nattch 1", nattch(id), 1);
	expect_errno("shmdt again", shmdt(q), EINVAL);
	expect_errno("shmdt of a misaligned address", shmdt(p + 1), EINVAL);
	expect_errno("shmdt inside an attachment", shmdt(p + PAGE), EINVAL);
	char *anon = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect_errno("shmdt of another mapping", shmdt(anon), EINVAL);
	munmap(anon, PAGE);

	/* Addresses. */
	char *want = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(want, 4 * PAGE);
	char *r = shmat(id, want, 0);
	expect_eq("shmat at a free address given", r == want, 1);
	expect_eq("  the same bytes", strcmp(r, "child"), 0);
	expect_errno("shmat over it without SHM_REMAP", (long)shmat(id, want, 0), EINVAL);
	expect_eq("shmat over it with SHM_REMAP", shmat(id, want, SHM_REMAP) == want, 1);
	shmdt(want);
	expect_errno("shmat at a misaligned address", (long)shmat(id, want + 1, 0), EINVAL);
	expect_eq("  with SHM_RND it rounds down", shmat(id, want + 1, SHM_RND) == want, 1);
	shmdt(want);
	expect_errno("SHM_REMAP without an address", (long)shmat(id, NULL, SHM_REMAP), EINVAL);
	expect_errno("shmat of a bad id", (long)shmat(-1, NULL, 0), EINVAL);

	/* IPC_RMID while attached: marked, private, attachable by id until the last detach. */
	expect_ok("IPC_RMID while attached", shmctl(id, IPC_RMID, NULL));
	shmctl(id, IPC_STAT, &ds);
	expect_eq("  SHM_DEST in the mode", (ds.shm_perm.mode & SHM_DEST) != 0, 1);
	expect_eq("  the key is now private", ds.shm_perm.__key, IPC_PRIVATE);
	expect_eq("  the memory still works", strcmp(p, "child"), 0);
	char *s = shmat(id, NULL, 0);
	expect_true("  shmat by id still works (Linux)", s != (void *)-1);
	shmdt(s);
	expect_ok("the last shmdt", shmdt(p));
	expect_errno("then the segment is gone", shmctl(id, IPC_STAT, &ds), EINVAL);
}

static int mapped(void *p)
{
	return mprotect(p, PAGE, PROT_READ) == 0;
}

/* shmdt unmaps the attachment's own pieces (what munmap and mprotect left of it), found from
 * the address up, and nothing else mapped among them. */
static void test_detach_pieces(void)
{
	int id = shmget(IPC_PRIVATE, 3 * PAGE, 0600);
	char *p = shmat(id, NULL, 0);
	munmap(p + PAGE, PAGE);
	char *a = mmap(p + PAGE, PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	a[0] = 'k';
	expect_ok("shmdt of an attachment with another mapping inside", shmdt(p));
	expect_eq("  that mapping stays", mapped(a) && a[0] == 'k', 1);
	expect_eq("  the attachment's last page went", mapped(p + 2 * PAGE), 0);
	expect_eq("  shm_nattch 0", nattch(id), 0);
	munmap(a, PAGE);

	p = shmat(id, NULL, 0);
	mprotect(p + PAGE, PAGE, PROT_READ);
	munmap(p, PAGE);
	expect_ok("shmdt after the attachment's first page went", shmdt(p));
	expect_eq("  its other pieces went", mapped(p + PAGE) || mapped(p + 2 * PAGE), 0);
	expect_eq("  shm_nattch 0", nattch(id), 0);
	expect_errno("  shmdt again", shmdt(p), EINVAL);
	shmctl(id, IPC_RMID, NULL);
}

static void test_perms_and_info(void)
{
	int id = shmget(IPC_PRIVATE, PAGE, 0400);
	struct shmid_ds ds;
	shmctl(id, IPC_STAT, &ds);
	ds.shm_perm.mode = 0640;
	expect_ok("IPC_SET", shmctl(id, IPC_SET, &ds));
	shmctl(id, IPC_STAT, &ds);
	expect_mode("  the new mode", ds.shm_perm.mode & 0777, 0640);
	expect_ok("SHM_LOCK", shmctl(id, SHM_LOCK, NULL));
	shmctl(id, IPC_STAT, &ds);
	expect_eq("  SHM_LOCKED in the mode", (ds.shm_perm.mode & SHM_LOCKED) != 0, 1);
	expect_ok("SHM_UNLOCK", shmctl(id, SHM_UNLOCK, NULL));

	struct shminfo info;
	expect_true("IPC_INFO returns the highest index", shmctl(0, IPC_INFO, (void *)&info) >= 0);
	expect_eq("  shmmni", (long)info.shmmni, 4096);
	expect_eq("  shmmin", (long)info.shmmin, 1);
	struct shm_info si;
	expect_true("SHM_INFO", shmctl(0, SHM_INFO, (void *)&si) >= 0);
	expect_eq("  at least our segment in use", si.used_ids >= 1, 1);
	expect_errno("IPC_INFO to a bad pointer", shmctl(0, IPC_INFO, BAD_PTR), EFAULT);
	/* SHM_STAT takes an index and returns the id. */
	int max = shmctl(0, IPC_INFO, (void *)&info), found = 0;
	for (int i = 0; i <= max; i++)
		if (shmctl(i, SHM_STAT, &ds) == id)
			found = 1;
	expect_eq("SHM_STAT over the indexes finds our id", found, 1);
	shmdt(shmat(id, NULL, SHM_RDONLY));
	shmctl(id, IPC_RMID, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(20);
	test_get();
	test_attach();
	test_detach_pieces();
	test_perms_and_info();
	return expect_status();
}
