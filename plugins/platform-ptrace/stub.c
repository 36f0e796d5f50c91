/*
 * plugins/platform-ptrace/stub.c: the stub process of an address space (see ptrace.h).
 *
 * The stub's code is a few position-independent instructions assembled into the plugin and
 * copied into the stub region of each stub. Entry points: stub_entry, run once by the fresh
 * child to drop the Sentry's mappings and become the spawner of stub threads; stub_batch, where
 * a tracer points a stub thread's rip to have it make the queued system calls and trap back
 * (int3); stub_exit, where it points one to end it. Only a traced stub thread, under its
 * tracer's control, ever runs the batch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
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

/* The blob's layout must match STUB_BATCH_OFF, struct stub_op (56 bytes an op) and the
 * offsets of struct stub_ctl. */
_Static_assert(sizeof(struct stub_op) == 56, "stub_batch assembly assumes 56-byte ops");
_Static_assert(sizeof(struct stub_batch) <= STUB_PAGE, "the batch is one page");
_Static_assert(sizeof(struct stub_ctl) <= STUB_PAGE, "the control page is one page");

extern const char stub_blob_start[], stub_blob_end[], stub_entry[], stub_batch[], stub_exit[],
	stub_batch_next[], stub_batch_failed[];
/* CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM: a thread. */
#define STUB_THREAD_FLAGS "0x50f00"
/* The application runs in this address space and can write whatever of it is writable,
 * including the stack page: the untraced spawner and template keep everything in registers
 * (no call, no push), so nothing the application writes can steer them. */
__asm__(
	".pushsection .text\n"
	".globl stub_blob_start\n .hidden stub_blob_start\n"
	".globl stub_blob_end\n .hidden stub_blob_end\n"
	".globl stub_entry\n .hidden stub_entry\n"
	".globl stub_batch\n .hidden stub_batch\n"
	".globl stub_batch_next\n .hidden stub_batch_next\n"
	".globl stub_exit\n .hidden stub_exit\n"
	/* Both spawners' wait for a request: futex(&batch.req, FUTEX_WAIT, req, &poll), shared, the
	 * Sentry waking it through its view; then, if getppid() changed, the maker is gone and
	 * so is this stub. */
	".macro STUB_WAIT_REQ\n"
	"	mov $202, %eax\n"
	"	lea -8(%rbx), %rdi\n"
	"	xor %esi, %esi\n"
	"	mov %r12d, %edx\n"
	"	lea 16(%rbx), %r10\n"
	"	syscall\n"
	"	mov $110, %eax\n"
	"	syscall\n"
	"	cmp 32(%rbx), %eax\n"
	"	jne stub_orphaned\n"
	".endm\n"
	/* Both spawners' answer: tid = eax (the new TID or PID, or -errno), served = req, and
	 * futex(&served, FUTEX_WAKE, 1). */
	".macro STUB_ANSWER\n"
	"	mov %eax, 8(%rbx)\n"
	"	mov %r12d, 4(%rbx)\n"
	"	mov $202, %eax\n"
	"	lea 4(%rbx), %rdi\n"
	"	mov $1, %esi\n"
	"	mov $1, %edx\n"
	"	syscall\n"
	".endm\n"
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
	/* rbx is the control page (struct stub_ctl); the template goes its own way. */
	"	lea stub_blob_start+0x2000(%rip), %rbx\n"
	"	cmpl $0, 36(%rbx)\n"
	"	jne stub_template\n"
	/* The spawner of threads. */
	/* r15 counts the requests served: a request is a new value of the read-only req, never
	 * what the writable served says (an application that rewrote it would have threads made
	 * without end). */
	"stub_spawner:\n"
	"	xor %r15d, %r15d\n"
	"1:	mov -8(%rbx), %r12d\n"
	"	cmp %r15d, %r12d\n"
	"	jne 3f\n"
	"	STUB_WAIT_REQ\n"
	"	jmp 1b\n"
	/* clone(thread flags, stack 0): the new thread uses no stack. */
	"3:	mov %r12d, %r15d\n"
	"	mov $56, %eax\n"
	"	mov $" STUB_THREAD_FLAGS ", %edi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 5f\n"
	"	STUB_ANSWER\n"
	"	jmp 1b\n"
	/* A new thread parks (futex on the always-zero word) until a Sentry thread seizes it. */
	"5:	mov $202, %eax\n"
	"	lea 12(%rbx), %rdi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	syscall\n"
	"	jmp 5b\n"
	/* The template: SIGCHLD ignored, then a spawner of processes. */
	"stub_template:\n"
	"	mov $13, %eax\n"
	"	mov $17, %edi\n"
	"	lea 56(%rbx), %rsi\n"
	"	xor %edx, %edx\n"
	"	mov $8, %r10d\n"
	"	syscall\n"
	"	xor %ebp, %ebp\n"	/* the template's count of requests served, as r15 above */
	"6:	mov -8(%rbx), %r12d\n"
	"	cmp %ebp, %r12d\n"
	"	jne 8f\n"
	"	STUB_WAIT_REQ\n"
	"	jmp 6b\n"
	/* clone(SIGCHLD): a copy of this tiny process. The request's memfd and offset go to
	 * the child in r14/r15, read before the answer: once answered, the Sentry may write the
	 * next request over them before the child has run (a child that read them late took
	 * over another stub's control page, leaving its own unanswered). */
	"8:	mov %r12d, %ebp\n"
	"	movslq 40(%rbx), %r14\n"
	"	mov 48(%rbx), %r15\n"
	"	mov $56, %eax\n"
	"	mov $17, %edi\n"
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz 9f\n"
	"	STUB_ANSWER\n"
	"	jmp 6b\n"
	/* The new stub: its own batch page (read-only: only the Sentry writes ops) and control
	 * page over the template's, then a spawner.
	 * mmap(base + 0x1000, 0x1000, R, MAP_SHARED | MAP_FIXED, memfd, new_off), then
	 * mmap(base + 0x2000, 0x1000, RW, MAP_SHARED | MAP_FIXED, memfd, new_off + 0x1000). */
	"9:	mov $9, %eax\n"
	"	lea stub_blob_start+0x1000(%rip), %rdi\n"
	"	mov $0x1000, %esi\n"
	"	mov $1, %edx\n"
	"	mov $0x11, %r10d\n"
	"	mov %r14, %r8\n"
	"	mov %r15, %r9\n"
	"	syscall\n"
	"	cmp %rdi, %rax\n"
	"	jne stub_orphaned\n"
	"	mov $9, %eax\n"
	"	lea stub_blob_start+0x2000(%rip), %rdi\n"
	"	mov $0x1000, %esi\n"
	"	mov $3, %edx\n"
	"	mov $0x11, %r10d\n"
	"	mov %r14, %r8\n"
	"	lea 0x1000(%r15), %r9\n"
	"	syscall\n"
	"	cmp %rdi, %rax\n"
	"	je stub_spawner\n"
	/* exit_group(1): the maker is gone, or a new stub could not set itself up. */
	"stub_orphaned:\n"
	"	mov $231, %eax\n"
	"	mov $1, %edi\n"
	"	syscall\n"
	/* exit(0): a stub thread's end, the rest of the stub going on. */
	"stub_exit:\n"
	"	mov $60, %eax\n"
	"	xor %edi, %edi\n"
	"	syscall\n"
	"	int3\n"
	/* A stub thread's run of the batch for its tracer: the ops of the (read-only) batch
	 * page, then int3. A failed op (rax in -4095..-1) stops it at ud2, -errno in rax, the
	 * next op in r13 and the count left in r14: the tracer notes it and continues it at
	 * stub_batch_next. No stack: the stub threads share the page. */
	"stub_batch:\n"
	"	lea stub_blob_start+0x1000(%rip), %r13\n"
	"	mov (%r13), %r14\n"
	"	add $8, %r13\n"
	"stub_batch_next:\n"
	"1:	test %r14, %r14\n"
	"	jz 2f\n"
	"	mov 0(%r13), %rax\n"
	"	mov 8(%r13), %rdi\n"
	"	mov 16(%r13), %rsi\n"
	"	mov 24(%r13), %rdx\n"
	"	mov 32(%r13), %r10\n"
	"	mov 40(%r13), %r8\n"
	"	mov 48(%r13), %r9\n"
	"	syscall\n"
	"	add $56, %r13\n"
	"	dec %r14\n"
	"	cmp $-4095, %rax\n"
	"	jb 1b\n"
	".globl stub_batch_failed\n .hidden stub_batch_failed\n"
	"stub_batch_failed:\n"
	"	ud2\n"
	"2:	int3\n"
	"	jmp stub_batch\n"
	"stub_blob_end:\n"
	".popsection\n");

_Static_assert(offsetof(struct stub_batch, req) == STUB_REQ_OFF &&
		       sizeof(struct stub_batch) == STUB_PAGE,
	       "the spawner's assembly finds req 8 bytes below the control page");
_Static_assert(offsetof(struct stub_ctl, served) == 4 && offsetof(struct stub_ctl, tid) == 8 &&
		       offsetof(struct stub_ctl, park) == 12 &&
		       offsetof(struct stub_ctl, poll_sec) == 16 &&
		       offsetof(struct stub_ctl, parent) == 32 &&
		       offsetof(struct stub_ctl, is_template) == 36 &&
		       offsetof(struct stub_ctl, memfd) == 40 &&
		       offsetof(struct stub_ctl, new_off) == 48 &&
		       offsetof(struct stub_ctl, ign_action) == 56,
	       "the spawner's assembly knows struct stub_ctl's layout");

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

/* The stub's own system calls, all a stub may make: its threads' application calls never
 * reach seccomp (PTRACE_SYSEMU stops them first), so this binds only the stub's own code, and
 * whatever else might ever run untraced there. mmap only of the memory file; clone only a stub
 * thread or (the template's) a stub process; restart_syscall for a futex wait a stop broke.
 * Anything else kills the stub. */
enum { STUB_FILTER_LEN = 23 };
#define STUB_ALLOWED (STUB_FILTER_LEN - 1)
#define STUB_KILLED (STUB_FILTER_LEN - 2)
#define STUB_JEQ(value, at, to_true, to_false)                                                   \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (value), (to_true) - (at) - 1, (to_false) - (at) - 1)

static int stub_filter(int memfd, struct sock_filter f[STUB_FILTER_LEN])
{
	/* And the legacy vsyscalls (time, gettimeofday, getcpu): the kernel emulates them
	 * through seccomp without a ptrace stop, so an old static binary's call runs here. */
	const uint32_t plain[] = { SYS_munmap, SYS_mprotect, SYS_futex, SYS_getppid, SYS_exit,
				   SYS_exit_group, SYS_rt_sigaction, SYS_restart_syscall,
				   SYS_time, SYS_gettimeofday, SYS_getcpu };
	enum { NR = 2, MMAP = 16, CLONE = 18 };
	int n = 0;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[n] = (struct sock_filter)STUB_JEQ(AUDIT_ARCH_X86_64, n, n + 1, STUB_KILLED);
	n++;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	f[n] = (struct sock_filter)STUB_JEQ(SYS_mmap, n, MMAP, n + 1);
	n++;
	f[n] = (struct sock_filter)STUB_JEQ(SYS_clone, n, CLONE, n + 1);
	n++;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++, n++)
		f[n] = (struct sock_filter)STUB_JEQ(plain[i], n, STUB_ALLOWED,
						    i + 1 < sizeof(plain) / sizeof(plain[0]) ? n + 1
											      : STUB_KILLED);
	/* The fd, args[4]'s low half (the kernel takes an int). */
	int layout_ok = n == MMAP;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, args[4]));
	f[n] = (struct sock_filter)STUB_JEQ((uint32_t)memfd, n, STUB_ALLOWED, STUB_KILLED);
	n++;
	/* The flags, args[0]'s low half (all legacy clone reads). */
	layout_ok = layout_ok && n == CLONE;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, args[0]));
	f[n] = (struct sock_filter)STUB_JEQ(0x50f00, n, STUB_ALLOWED, n + 1);
	n++;
	f[n] = (struct sock_filter)STUB_JEQ(SIGCHLD, n, STUB_ALLOWED, STUB_KILLED);
	n++;
	layout_ok = layout_ok && n == STUB_KILLED;
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	/* The jumps above were aimed at fixed places: a list edited out of step stops here. */
	return layout_ok ? 0 : -EINVAL;
}

/* The child between clone and stub_entry: raw system calls only, nothing that takes a lock
 * another Sentry thread may have held at the fork. Never returns. No PR_SET_PDEATHSIG: it fires
 * when the forking thread ends, and the address space outlives it when the application's main
 * thread exits before the others; the spawner watches getppid() instead. */
static void __attribute__((noreturn)) child_setup(uint64_t base, int memfd, uint64_t batch_off,
						   const struct sock_fprog *filter)
{
	const size_t blob = (size_t)(stub_blob_end - stub_blob_start);
	/* A session of its own: the container's terminal signals (^C, a resize) go to the
	 * Sentry's process group, which forwards them to the application; a stub that got them
	 * directly would stop in the application's name for a signal it never asked for. */
	long ok = syscall(SYS_setsid) >= 0;
	/* No capabilities: application code needs none, and a confined Sentry, which keeps only
	 * what its plugins declared, may trace only a process whose permitted set is within its
	 * own (the kernel's capability check on ptrace). */
	struct __user_cap_header_struct caph = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct capd[2] = { { 0 }, { 0 } };
	ok = ok && syscall(SYS_capset, &caph, capd) == 0 &&
	     syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
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
	/* The batch and control pages, adjacent in the memory file too. The batch is read-only
	 * here: the application can write every writable page of the stub, and ops it wrote
	 * would run as the stub. */
	ok = ok && syscall(SYS_mmap, base + STUB_BATCH_OFF, STUB_PAGE, PROT_READ,
			   MAP_SHARED | MAP_FIXED, memfd, batch_off) == (long)(base + STUB_BATCH_OFF);
	ok = ok && syscall(SYS_mmap, base + STUB_CTL_OFF, STUB_PAGE, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_FIXED, memfd, batch_off + STUB_PAGE) ==
			   (long)(base + STUB_CTL_OFF);
	ok = ok && syscall(SYS_mmap, base + 3 * STUB_PAGE, STUB_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
			   (long)(base + 3 * STUB_PAGE);
	/* Last: the calls above are the setup's, not the stub's. */
	ok = ok && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter) == 0;
	if (!ok)
		syscall(SYS_exit_group, 127);
	uint64_t entry = base + (uint64_t)(stub_entry - stub_blob_start);
	__asm__ volatile("mov %0, %%rsp\n\tjmp *%1" ::"r"(base + STUB_STACK_TOP_OFF), "r"(entry)
			 : "memory");
	__builtin_unreachable();
}

int stub_wait(struct stub_thread *st, int *ret_status)
{
	for (;;) {
		pid_t r = waitpid(st->tid, ret_status, __WALL);
		if (r == st->tid) {
			if (WIFEXITED(*ret_status) || WIFSIGNALED(*ret_status)) {
				st->dead = 1;
				return -ECHILD;
			}
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			st->dead = 1;
			return -ECHILD;
		}
	}
}

/* Forks the Sentry into a stub whose pages are at @batch_off. Returns the PID or -errno. */
static long fork_stub(struct ptrace_platform *pp, int memfd, uint64_t batch_off)
{
	/* Built here: the child may take no lock, and gets a copy of this stack. */
	struct sock_filter filter[STUB_FILTER_LEN];
	if (stub_filter(memfd, filter) < 0)
		return -EINVAL;
	const struct sock_fprog prog = { .len = STUB_FILTER_LEN, .filter = filter };
	/* A raw clone: glibc's fork would run atfork handlers and take its locks in the child. */
	long pid = syscall(SYS_clone, SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_setup(pp->stub_base, memfd, batch_off, &prog);
	return pid;
}

/* The template (see ptrace.h), made on first use; under g_template.lock. */
static struct {
	pthread_mutex_t lock;
	pid_t pid;			/* 0: not made, -1: failed or gone */
	uint64_t off;			/* its batch + control pages */
	struct stub_batch *batch;	/* the Sentry's views of them */
	struct stub_ctl *ctl;
} g_template = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int template_start(struct ptrace_platform *pp, int memfd)
{
	const struct sentry_services *svc = pp->svc;
	if (svc->mf_alloc(2 * STUB_PAGE, &g_template.off) < 0)
		return -ENOMEM;
	g_template.ctl = svc->mf_ptr(g_template.off + STUB_PAGE);
	g_template.batch = svc->mf_ptr(g_template.off);
	g_template.batch->req = 0;
	*g_template.ctl = (struct stub_ctl){ .poll_sec = 1, .parent = getpid(), .is_template = 1,
					     .ign_action = { (uint64_t)(uintptr_t)SIG_IGN } };
	long pid = fork_stub(pp, memfd, g_template.off);
	if (pid < 0) {
		svc->mf_free(g_template.off, 2 * STUB_PAGE);
		return (int)pid;
	}
	g_template.pid = (pid_t)pid;
	return 0;
}

/* One request to a spawner (a stub's, or the template's) through control page @c: bumps req
 * unless one is already pending (a stub's first thread is asked for at its start), wakes it, and
 * waits for the answer: the new TID or PID, or -errno. -ECHILD when @gone(@arg) says the spawner
 * died; -EAGAIN when it never answered (a started spawner answers within microseconds). */
static long ctl_request(struct stub_batch *b, struct stub_ctl *c, int (*gone)(void *arg),
			void *arg)
{
	uint32_t want = __atomic_load_n(&b->req, __ATOMIC_ACQUIRE);
	if (__atomic_load_n(&c->served, __ATOMIC_ACQUIRE) == want) {
		__atomic_store_n(&b->req, ++want, __ATOMIC_RELEASE);
		syscall(SYS_futex, &b->req, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	for (int tries = 0; tries < 50; tries++) {
		uint32_t got = __atomic_load_n(&c->served, __ATOMIC_ACQUIRE);
		if (got == want)
			return __atomic_load_n(&c->tid, __ATOMIC_ACQUIRE);
		struct timespec ts = { .tv_nsec = 100 * 1000 * 1000 };
		syscall(SYS_futex, &c->served, FUTEX_WAIT, got, &ts, NULL, 0);
		if (gone(arg))
			return -ECHILD;
	}
	return -EAGAIN;
}

static int template_gone(void *arg)
{
	(void)arg;
	return kill(g_template.pid, 0) < 0;
}

/* Asks the template for the stub of @as. Returns its PID, or -errno (the caller forks one
 * itself). */
static long template_fork(struct ptrace_platform *pp, int memfd, struct sentry_as *as)
{
	pthread_mutex_lock(&g_template.lock);
	long rc = g_template.pid < 0 ? -ECHILD : 0;
	if (rc == 0 && g_template.pid == 0 && (rc = template_start(pp, memfd)) < 0)
		g_template.pid = -1;
	if (rc == 0) {
		as->ctl->parent = g_template.pid;	/* before the stub can look */
		/* The template, and the stub it forks (which inherits it), run on the asking
		 * thread's CPU: a wakeup across CPUs costs ~10x one on the same CPU here, and
		 * the other CPU may be busy for a whole time slice. */
		cpu_set_t mine;
		if (sched_getaffinity(0, sizeof(mine), &mine) == 0)
			(void)sched_setaffinity(g_template.pid, sizeof(mine), &mine);
		struct stub_ctl *c = g_template.ctl;
		c->memfd = memfd;
		c->new_off = as->batch_off;
		rc = ctl_request(g_template.batch, c, template_gone, NULL);
		if (rc < 0 && rc != -EAGAIN) {
			pp->svc->log(pp->svc, SENTRY_LOG_WARN, "stub template gone: %s",
				     strerror((int)-rc));
			g_template.pid = -1;
		}
	}
	pthread_mutex_unlock(&g_template.lock);
	return rc;
}

void stub_template_stop(struct ptrace_platform *pp)
{
	pthread_mutex_lock(&g_template.lock);
	if (g_template.pid > 0) {
		kill(g_template.pid, SIGKILL);
		while (waitpid(g_template.pid, NULL, __WALL) < 0 && errno == EINTR)
			;
		pp->svc->mf_free(g_template.off, 2 * STUB_PAGE);
	}
	g_template.pid = 0;
	pthread_mutex_unlock(&g_template.lock);
}

int stub_spawn(struct ptrace_platform *pp, struct sentry_as *as)
{
	int memfd = pp->svc->mf_fd();
	if (memfd < 0)
		return -EBADF;
	/* The first thread is asked for at once: the creator nearly always runs in it next. */
	*as->ctl = (struct stub_ctl){ .poll_sec = 1 };
	as->batch->req = 1;
	long pid = template_fork(pp, memfd, as);
	if (pid > 0) {
		as->pid = (pid_t)pid;
		return 0;
	}
	as->ctl->parent = getpid();
	pid = fork_stub(pp, memfd, as->batch_off);
	if (pid < 0)
		return (int)pid;
	as->pid = (pid_t)pid;
	as->direct = 1;
	return 0;
}

/* Whether the stub process has died (a failed setup exits 127). Reaps it then. */
static int stub_gone(struct sentry_as *as)
{
	int status = 0;
	if (as->dead)
		return 1;
	/* The template's stubs are not our children: they are gone when they cannot be
	 * signalled (the template reaps them). */
	int gone = as->direct ? waitpid(as->pid, &status, WNOHANG | __WALL) == as->pid &&
					(WIFEXITED(status) || WIFSIGNALED(status))
			      : kill(as->pid, 0) < 0 && errno == ESRCH;
	if (gone) {
		as->dead = 1;
		as->pid = 0;
		as->pp->svc->log(as->pp->svc, SENTRY_LOG_ERR, "stub died at start (status %#x)",
				 status);
	}
	return as->dead;
}

/* Asks the spawner for a thread; returns its TID or -errno. as->lock held. */
static int as_gone(void *arg)
{
	return stub_gone(arg);
}

static int spawn_thread(struct sentry_as *as)
{
	return (int)ctl_request(as->batch, as->ctl, as_gone, as);
}

/* Seizes the parked thread @tid and waits for its stop; its tracer is the calling thread from
 * now on, on the caller's CPUs (a cross-CPU ptrace round trip costs ~10x a same-CPU one). */
static int seize(pid_t tid)
{
	if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) < 0)
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
		return -errno;
	int status;
	pid_t r;
	while ((r = waitpid(tid, &status, __WALL)) < 0 && errno == EINTR)
		;
	if (r != tid || !WIFSTOPPED(status))
		return -ECHILD;
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		(void)sched_setaffinity(tid, sizeof(set), &set);
	return 0;
}

static pthread_mutex_t g_threads_lock = PTHREAD_MUTEX_INITIALIZER;

int stub_thread_get(struct sentry_as *as, struct sentry_ctx *ctx, struct stub_thread **ret)
{
	for (struct stub_thread *st = ctx->threads; st; st = st->ctx_next)
		if (__atomic_load_n(&st->as, __ATOMIC_ACQUIRE) == as) {
			*ret = st;
			return st->dead ? -ECHILD : 0;
		}
	if (as->dead)
		return -ECHILD;
	struct stub_thread *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	int tid = spawn_thread(as);
	/* The answer lies in memory the application can write: it must name a thread of this
	 * stub other than the spawner, or we would trace someone else's (another address space's,
	 * which then runs this one's code). */
	if (tid > 0 && (tid == as->pid || syscall(SYS_tgkill, as->pid, tid, 0) < 0))
		tid = -EPERM;
	int rc = tid < 0 ? tid : seize(tid);
	/* Again once traced, when the TID can no longer go to another thread: it may have been
	 * reused between the check and the seize. */
	if (rc == 0 && syscall(SYS_tgkill, as->pid, tid, 0) < 0)
		rc = -EPERM;
	if (rc < 0) {
		as->pp->svc->log(as->pp->svc, SENTRY_LOG_ERR, "stub thread: %s", strerror(-rc));
		if (tid > 0)
			syscall(SYS_tgkill, as->pid, tid, SIGKILL);
		free(st);
		return rc == -ECHILD || rc == -ENOMEM ? rc : -EAGAIN;
	}
	*st = (struct stub_thread){ .as = as, .ctx = ctx, .tid = tid, .fresh = 1 };
	pthread_mutex_lock(&g_threads_lock);
	st->as_next = as->threads;
	as->threads = st;
	st->ctx_next = ctx->threads;
	ctx->threads = st;
	pthread_mutex_unlock(&g_threads_lock);
	*ret = st;
	return 0;
}

/* Points @st at @entry with the stub's stack. orig_rax -1: a thread stopped inside a system
 * call (the parked futex) must not have the kernel restart it over the new rip. */
static int set_entry(struct sentry_as *as, struct stub_thread *st, const char *entry)
{
	/* The stub code reads no register it does not set first but rip and rsp; the segment
	 * bases may be anything: the last stop's register file serves, no PTRACE_GETREGS. */
	struct user_regs_struct r;
	_Static_assert(sizeof(r) == sizeof(st->seen), "sentry_regs is user_regs_struct");
	if (st->seen_any)
		memcpy(&r, &st->seen, sizeof(r));
	else if (ptrace(PTRACE_GETREGS, st->tid, 0, &r) < 0)
		return -errno;
	uint64_t base = as->pp->stub_base;
	r.rip = base + (uint64_t)(entry - stub_blob_start);
	r.rsp = base + STUB_STACK_TOP_OFF;
	r.orig_rax = ~0ull;
	/* Not the application's flags (a trap flag would single-step the batch, its first
	 * trap taken for the end) nor its selectors. */
	r.eflags = 0x202;
	r.cs = 0x33;
	r.ss = 0x2b;
	st->seen_ok = 0;	/* the application's registers are gone from it */
	return ptrace(PTRACE_SETREGS, st->tid, 0, &r) < 0 ? -errno : 0;
}

/* Unlinks @st from its context's list; the context's thread only. */
static void ctx_unlink(struct stub_thread *st)
{
	for (struct stub_thread **p = &st->ctx->threads; *p; p = &(*p)->ctx_next)
		if (*p == st) {
			*p = st->ctx_next;
			break;
		}
}

/* Reaps a stub thread that is dying or dead. A stop on the way is an interrupt's SIGSTOP that
 * was still pending (sent just as a switch ended): suppressed, and the thread goes on. */
static void reap(struct stub_thread *st)
{
	int status;
	while (!st->dead && stub_wait(st, &status) == 0)
		if (WIFSTOPPED(status))
			(void)ptrace(PTRACE_CONT, st->tid, 0, 0);
}

void stub_thread_end(struct stub_thread *st)
{
	if (st->ctx->fpu_held == st)
		(void)ptrace_fpu_fetch(st->ctx);	/* the state must outlive the thread */
	pthread_mutex_lock(&g_threads_lock);
	struct sentry_as *as = st->as;
	if (as) {
		for (struct stub_thread **p = &as->threads; *p; p = &(*p)->as_next)
			if (*p == st) {
				*p = st->as_next;
				break;
			}
		if (!st->dead && set_entry(as, st, stub_exit) == 0 &&
		    ptrace(PTRACE_CONT, st->tid, 0, 0) == 0)
			reap(st);
	}
	if (!st->dead) {	/* it would not exit: the whole stub goes */
		syscall(SYS_tgkill, as ? as->pid : st->tid, st->tid, SIGKILL);
		reap(st);
	}
	pthread_mutex_unlock(&g_threads_lock);
	ctx_unlink(st);
	free(st);
}

void stub_kill(struct sentry_as *as)
{
	if (as->pid <= 0)
		return;
	kill(as->pid, SIGKILL);
	pid_t me = (pid_t)syscall(SYS_gettid);
	int foreign = 0;
	pthread_mutex_lock(&g_threads_lock);
	while (as->threads) {
		struct stub_thread *st = as->threads;
		as->threads = st->as_next;
		__atomic_store_n(&st->as, NULL, __ATOMIC_RELEASE);
		if (st->ctx->owner == me) {
			if (st->ctx->fpu_held == st)
				st->ctx->fpu_held = NULL;	/* killed with it */
			reap(st);
			ctx_unlink(st);
			free(st);
		} else {
			foreign = 1;	/* its tracer reaps it, at its context's release */
		}
	}
	pthread_mutex_unlock(&g_threads_lock);
	/* The main thread can be reaped once every thread is; one another tracer still has to
	 * reap would block this wait, so the main thread is left to that tracer's exit. */
	int status;
	if (!foreign && as->direct)
		while (waitpid(as->pid, &status, __WALL) < 0 && errno == EINTR)
			;
	as->dead = 1;
	as->pid = 0;
}

/* Puts @st at @rip (@r: its registers, changed) when @r is given, and continues it to its next
 * stop. Returns 0 with *@status, or -errno. */
static int batch_resume(struct stub_thread *st, struct user_regs_struct *r, uint64_t rip,
			int *status)
{
	if (r) {
		r->rip = rip;
		if (ptrace(PTRACE_SETREGS, st->tid, 0, r) < 0)
			return -errno;
	}
	return ptrace(PTRACE_CONT, st->tid, 0, 0) < 0 ? -errno : stub_wait(st, status);
}

int stub_flush(struct sentry_as *as, struct stub_thread *st)
{
	struct stub_batch *b = as->batch;
	if (b->count == 0)
		return 0;
	if (as->dead || st->dead)
		return -ECHILD;
	uint64_t base = as->pp->stub_base;
	int status, first = 0, rc = set_entry(as, st, stub_batch);
	if (rc == 0)
		rc = batch_resume(st, NULL, 0, &status);
	/* Until the closing int3. An interrupt's SIGSTOP still pending from the last switch is
	 * suppressed (the interrupt flag keeps its meaning for the next switch); a failed op
	 * stops the thread at stub_batch_failed, its -errno noted (the first) and the rest run
	 * on; anything else means the stub broke. */
	while (rc == 0 && WIFSTOPPED(status) && WSTOPSIG(status) != SIGTRAP) {
		struct user_regs_struct r;
		if (WSTOPSIG(status) == SIGSTOP) {
			rc = batch_resume(st, NULL, 0, &status);
		} else if (WSTOPSIG(status) == SIGILL && ptrace(PTRACE_GETREGS, st->tid, 0, &r) == 0 &&
			   r.rip == base + (uint64_t)(stub_batch_failed - stub_blob_start)) {
			first = first ? first : (int)(int64_t)r.rax;
			rc = batch_resume(st, &r, base + (uint64_t)(stub_batch_next - stub_blob_start),
					  &status);
		} else {
			rc = -EIO;
		}
	}
	if (rc == 0 && !WIFSTOPPED(status))
		rc = -EIO;
	b->count = 0;
	return rc < 0 ? rc : first;
}
