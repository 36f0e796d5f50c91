/*
 * plugins/platform-ptrace/stub.c: the stub process of an address space (see ptrace.h).
 *
 * The stub's code is a few position-independent instructions assembled into the plugin and
 * copied into the stub region of each stub. It has two entry points: stub_entry, run once by
 * the fresh child to drop the Sentry's mappings and stop for its tracer, and stub_batch, where
 * the tracer points rip to have the stub make the queued system calls and trap back (int3).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace.h"

/* The blob's layout must match STUB_BATCH_OFF and struct stub_op (64 bytes an op). */
_Static_assert(sizeof(struct stub_op) == 64, "stub_batch assembly assumes 64-byte ops");
_Static_assert(sizeof(struct stub_batch) <= STUB_PAGE, "the batch is one page");

extern const char stub_blob_start[], stub_blob_end[], stub_entry[], stub_batch[];
__asm__(
	".pushsection .text\n"
	".globl stub_blob_start\n .hidden stub_blob_start\n"
	".globl stub_blob_end\n .hidden stub_blob_end\n"
	".globl stub_entry\n .hidden stub_entry\n"
	".globl stub_batch\n .hidden stub_batch\n"
	".p2align 12\n"
	"stub_blob_start:\n"
	"stub_entry:\n"
	/* munmap(0, base): the Sentry's image, heap, libraries, stacks below the region. */
	"	mov $11, %eax\n"
	"	xor %edi, %edi\n"
	"	lea stub_blob_start(%rip), %rsi\n"
	"	syscall\n"
	/* munmap(base + region, USER_TOP - that): whatever lies above (the host's vDSO, stack). */
	"	mov $11, %eax\n"
	"	lea stub_blob_start+0x4000(%rip), %rdi\n"
	"	movabs $0x7ffffffff000, %rsi\n"
	"	sub %rdi, %rsi\n"
	"	syscall\n"
	/* ptrace(PTRACE_TRACEME): the thread that forked us becomes the tracer. */
	"	mov $101, %eax\n"
	"	xor %edi, %edi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	syscall\n"
	/* kill(getpid(), SIGSTOP): the tracer sees us stopped and takes over. */
	"	mov $39, %eax\n"
	"	syscall\n"
	"	mov %eax, %edi\n"
	"	mov $19, %esi\n"
	"	mov $62, %eax\n"
	"	syscall\n"
	"	int3\n"
	"stub_batch:\n"
	"	lea stub_blob_start+0x1000(%rip), %rbx\n"
	"	mov (%rbx), %r12\n"
	"	lea 8(%rbx), %r13\n"
	"1:	test %r12, %r12\n"
	"	jz 2f\n"
	"	mov 0(%r13), %rax\n"
	"	mov 8(%r13), %rdi\n"
	"	mov 16(%r13), %rsi\n"
	"	mov 24(%r13), %rdx\n"
	"	mov 32(%r13), %r10\n"
	"	mov 40(%r13), %r8\n"
	"	mov 48(%r13), %r9\n"
	"	syscall\n"
	"	mov %rax, 56(%r13)\n"
	"	add $64, %r13\n"
	"	dec %r12\n"
	"	jmp 1b\n"
	"2:	int3\n"
	"	jmp stub_batch\n"
	"stub_blob_end:\n"
	".popsection\n");

/* Candidate bases for the stub region, highest first: the top of the user range keeps it out
 * of the way of programs that map fixed addresses low, and the first one free in the Sentry is
 * reserved there so nothing of the Sentry's (which the child inherits) ever sits on it. */
static const uint64_t g_bases[] = {
	0x7ffffff00000ull, 0x7fffff000000ull, 0x7ffff0000000ull, 0x7fff00000000ull,
	0x7ff000000000ull, 0x7e0000000000ull,
};

int stub_reserve(struct ptrace_platform *pp)
{
	for (size_t i = 0; i < sizeof(g_bases) / sizeof(g_bases[0]); i++) {
		void *p = mmap((void *)g_bases[i], STUB_PAGES * STUB_PAGE, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1,
			       0);
		if (p == (void *)g_bases[i]) {
			pp->stub_base = g_bases[i];
			return 0;
		}
		if (p != MAP_FAILED)
			munmap(p, STUB_PAGES * STUB_PAGE);
	}
	return -ENOMEM;
}

/* The child between clone and stub_entry: raw system calls only, nothing that takes a lock
 * another Sentry thread may have held at the fork. Never returns. */
static void __attribute__((noreturn)) child_setup(uint64_t base, int memfd, uint64_t batch_off)
{
	const size_t blob = (size_t)(stub_blob_end - stub_blob_start);
	long ok = syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0;
	/* A session of its own: the container's terminal signals (^C, a resize) go to the
	 * Sentry's process group, which forwards them to the application; a stub that got them
	 * directly would stop in the application's name for a signal it never asked for. */
	ok = ok && syscall(SYS_setsid) >= 0;
	/* glibc registered an rseq area for the forking thread and the child inherits it: once
	 * the area is unmapped the kernel's next rseq update kills the child. */
	if (__rseq_size > 0) {
		/* The kernel wants the length registered, which glibc rounds up to the 32 bytes of
		 * the original struct rseq while __rseq_size reports the used part (20). */
		void *rs = (char *)__builtin_thread_pointer() + __rseq_offset;
		unsigned int len = __rseq_size < 32 ? 32 : __rseq_size;
		ok = ok && syscall(SYS_rseq, rs, len, RSEQ_FLAG_UNREGISTER, RSEQ_SIG) == 0;
	}
	if (memfd > 0)
		ok = ok && syscall(SYS_close_range, 0, memfd - 1, 0) == 0;
	ok = ok && syscall(SYS_close_range, memfd + 1, ~0u, 0) == 0;
	void *code = ok ? (void *)syscall(SYS_mmap, base, STUB_PAGE, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
			: MAP_FAILED;
	ok = code == (void *)base;
	if (ok) {
		for (size_t i = 0; i < blob; i++)	/* no memcpy: it may be instrumented */
			((volatile char *)code)[i] = stub_blob_start[i];
		ok = syscall(SYS_mprotect, base, STUB_PAGE, PROT_READ | PROT_EXEC) == 0;
	}
	ok = ok && syscall(SYS_mmap, base + STUB_BATCH_OFF, STUB_PAGE, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_FIXED, memfd, batch_off) == (long)(base + STUB_BATCH_OFF);
	ok = ok && syscall(SYS_mmap, base + 2 * STUB_PAGE, 2 * STUB_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
			   (long)(base + 2 * STUB_PAGE);
	if (!ok)
		syscall(SYS_exit_group, 127);
	uint64_t entry = base + (uint64_t)(stub_entry - stub_blob_start);
	__asm__ volatile("mov %0, %%rsp\n\tjmp *%1" ::"r"(base + STUB_STACK_TOP_OFF), "r"(entry)
			 : "memory");
	__builtin_unreachable();
}

int stub_wait(struct sentry_as *as, int *ret_status)
{
	for (;;) {
		pid_t r = waitpid(as->pid, ret_status, __WALL);
		if (r == as->pid) {
			if (WIFEXITED(*ret_status) || WIFSIGNALED(*ret_status)) {
				as->dead = 1;
				return -ECHILD;
			}
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			as->dead = 1;
			return -ECHILD;
		}
	}
}

int stub_spawn(struct ptrace_platform *pp, struct sentry_as *as)
{
	const struct sentry_services *svc = pp->svc;
	int memfd = svc->mf_fd();
	if (memfd < 0)
		return -EBADF;
	/* A raw clone: glibc's fork would run atfork handlers and take its locks in the child. */
	long pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_setup(pp->stub_base, memfd, as->batch_off);
	as->pid = (pid_t)pid;
	as->tracer = (pid_t)syscall(SYS_gettid);
	int status, rc = stub_wait(as, &status);
	if (rc == 0 && !(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP))
		rc = -EIO;
	/* The stub dies with its tracer; syscall stops are told apart from SIGTRAPs. */
	if (rc == 0 && ptrace(PTRACE_SETOPTIONS, as->pid, 0,
			      PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) < 0)
		rc = -errno;
	if (rc < 0) {
		svc->log(svc, SENTRY_LOG_ERR, "stub %ld did not start: %s", pid, strerror(-rc));
		stub_kill(as);
	}
	return rc;
}

void stub_kill(struct sentry_as *as)
{
	if (as->pid <= 0)
		return;
	kill(as->pid, SIGKILL);
	int status;
	while (!as->dead && stub_wait(as, &status) == 0)
		;
	as->pid = 0;
}

/* Registers that start the stub at stub_batch on its own stack. */
static int batch_regs(struct sentry_as *as)
{
	struct user_regs_struct r;
	if (ptrace(PTRACE_GETREGS, as->pid, 0, &r) < 0)
		return -errno;
	uint64_t base = as->pp->stub_base;
	r.rip = base + (uint64_t)(stub_batch - stub_blob_start);
	r.rsp = base + STUB_STACK_TOP_OFF;
	return ptrace(PTRACE_SETREGS, as->pid, 0, &r) < 0 ? -errno : 0;
}

int stub_flush(struct sentry_as *as)
{
	struct stub_batch *b = as->batch;
	if (b->count == 0)
		return 0;
	if (as->dead)
		return -ECHILD;
	int status, rc = batch_regs(as);
	if (rc == 0 && ptrace(PTRACE_CONT, as->pid, 0, 0) < 0)
		rc = -errno;
	if (rc == 0)
		rc = stub_wait(as, &status);
	/* The batch ends in int3; anything else means the stub broke (killed, or a bad op). */
	if (rc == 0 && !(WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP))
		rc = -EIO;
	for (uint64_t i = 0; rc == 0 && i < b->count; i++)
		if (b->ops[i].ret < 0 && b->ops[i].ret >= -4095)
			rc = (int)b->ops[i].ret;
	b->count = 0;
	return rc;
}
