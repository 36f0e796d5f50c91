/*
 * platform-ptrace through its ops table: system call stops, faults with their access type,
 * synchronous signals, interrupts from another thread, FPU state in and out, mappings batched
 * and protections changed.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/plugin.h"
#include "plugin/services.h"
#include "sentry/platform.h"

#define CODE 0x400000ull
#define DATA 0x500000ull

static struct plg_set g_set;
static struct sentry_services g_svc;
static const struct sentry_platform_ops *g_ops;
static void *g_state;
static struct sentry_platform_info g_info;
static struct sentry_as *g_as;
static struct sentry_ctx *g_ctx;
static struct sentry_cpu_state g_cpu;
static uint64_t g_code_off, g_data_off;

static void setup(void)
{
	plg_set_init(&g_set);
	svc_init(&g_svc);
	cr_assert_eq(plg_set_load_file(&g_set, PTRACE_PLUGIN), 0);
	struct plg_plugin *p = plg_set_find(&g_set, SENTRY_PLUGIN_PLATFORM, "ptrace");
	cr_assert_not_null(p);
	cr_assert_eq(plg_plugin_init(p, &g_svc, NULL), 0);
	g_ops = p->desc->ops;
	g_state = p->state;
	cr_assert_eq(g_ops->info(g_state, &g_info), 0);
	cr_assert_eq(g_ops->as_new(g_state, &g_as), 0);
	cr_assert_eq(g_ops->ctx_new(g_state, -1, &g_ctx), 0);
	cr_assert_eq(g_svc.mf_alloc(4096, &g_code_off), 0);
	cr_assert_eq(g_svc.mf_alloc(4096, &g_data_off), 0);
	g_cpu.fpu_size = g_info.fpu_size;
	g_cpu.fpu = aligned_alloc(64, (g_info.fpu_size + 63) & ~63u);
	memset(g_cpu.fpu, 0, g_info.fpu_size);
	*(uint32_t *)((char *)g_cpu.fpu + 24) = 0x1f80;	/* MXCSR */
	g_cpu.fpu_dirty = 1;
}

static void teardown(void)
{
	g_ops->ctx_ops->release(g_ctx);
	g_ops->as_ops->release(g_as);
	g_svc.mf_free(g_code_off, 4096);
	g_svc.mf_free(g_data_off, 4096);
	free(g_cpu.fpu);
	plg_set_fini(&g_set);
}

TestSuite(ptrace, .init = setup, .fini = teardown, .timeout = 30);

/* Puts @code at CODE and sets the registers to run it. */
static void load(const char *code, size_t len)
{
	memcpy(g_svc.mf_ptr(g_code_off), code, len);
	cr_assert_eq(g_ops->as_ops->map(g_as, CODE, 4096, g_code_off, SENTRY_PROT_READ |
					SENTRY_PROT_EXEC), 0);
	memset(&g_cpu.regs, 0, sizeof(g_cpu.regs));
	g_cpu.regs.rip = CODE;
	g_cpu.regs.cs = 0x33;
	g_cpu.regs.ss = g_cpu.regs.ds = g_cpu.regs.es = 0x2b;
	g_cpu.regs.eflags = 0x202;
}

static struct sentry_exit run(void)
{
	struct sentry_exit ex;
	cr_assert_eq(g_ops->ctx_ops->switch_to(g_ctx, g_as, &g_cpu, &ex), 0);
	g_cpu.fpu_dirty = 0;
	return ex;
}

Test(ptrace, info_reserves_the_stub_above_the_user_range)
{
	cr_expect_eq(g_info.min_user_addr, 0x10000);
	cr_expect_gt(g_info.max_user_addr, 0x7e0000000000ull);
	cr_expect_geq(g_info.fpu_size, 576);
}

Test(ptrace, syscalls_stop_and_resume)
{
	/* mov $39,%eax; syscall; mov $110,%eax; syscall; ud2 */
	static const char code[] = "\xb8\x27\x00\x00\x00\x0f\x05\xb8\x6e\x00\x00\x00\x0f\x05\x0f\x0b";
	load(code, sizeof(code) - 1);
	struct sentry_exit ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_SYSCALL);
	cr_expect_eq(g_cpu.regs.orig_rax, 39);
	cr_expect_eq(g_cpu.regs.rip, CODE + 7, "rip is past the syscall instruction");
	g_cpu.regs.rax = 1234;	/* the Sentry's answer */
	ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_SYSCALL);
	cr_expect_eq(g_cpu.regs.orig_rax, 110);
	ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_SIGNAL);
	cr_expect_eq(ex.signo, SIGILL);
	cr_expect_eq(g_cpu.regs.rip, CODE + 14);
}

Test(ptrace, faults_report_address_and_access)
{
	/* mov (%rbx),%rax; mov %rax,(%rbx); jmp *%rcx */
	static const char code[] = "\x48\x8b\x03\x48\x89\x03\xff\xe1";
	load(code, sizeof(code) - 1);
	g_cpu.regs.rbx = DATA + 8;
	g_cpu.regs.rcx = DATA;
	struct sentry_exit ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_FAULT);
	cr_expect_eq(ex.addr, DATA + 8);
	cr_expect_eq(ex.access, SENTRY_ACCESS_READ, "a missing page is a read");
	/* Map it read-only: the load passes, the store faults as a write. */
	*(uint64_t *)((char *)g_svc.mf_ptr(g_data_off) + 8) = 77;
	cr_assert_eq(g_ops->as_ops->map(g_as, DATA, 4096, g_data_off, SENTRY_PROT_READ), 0);
	ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_FAULT);
	cr_expect_eq(ex.access, SENTRY_ACCESS_WRITE);
	cr_expect_eq(g_cpu.regs.rax, 77, "the load ran against the memory file's page");
	cr_expect_eq(g_cpu.regs.rip, CODE + 3);
	/* Writable now (protect), the jump to the non-executable page faults as a fetch. */
	cr_assert_eq(g_ops->as_ops->protect(g_as, DATA, 4096, SENTRY_PROT_READ | SENTRY_PROT_WRITE),
		     0);
	ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_FAULT);
	cr_expect_eq(ex.addr, DATA);
	cr_expect(ex.access & SENTRY_ACCESS_EXEC);
	/* Unmapped again: the page is gone from the stub. */
	cr_assert_eq(g_ops->as_ops->unmap(g_as, DATA, 4096), 0);
	g_cpu.regs.rip = CODE;
	ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_FAULT);
	cr_expect_eq(ex.access, SENTRY_ACCESS_READ);
}

Test(ptrace, fpu_state_goes_in_and_comes_back)
{
	/* movq %xmm0,%rdx; mov $1,%ecx; movq %rcx,%xmm1; syscall (rax would be the number) */
	static const char code[] = "\x66\x48\x0f\x7e\xc2\xb9\x01\x00\x00\x00\x66\x48\x0f\x6e\xc9\x0f\x05";
	load(code, sizeof(code) - 1);
	char *x = g_cpu.fpu;
	*(uint64_t *)(x + 160) = 0x1122334455667788ull;	/* XMM0 */
	*(uint64_t *)(x + 512) |= 2;			/* XSTATE_BV: SSE state present */
	g_cpu.fpu_dirty = 1;
	struct sentry_exit ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_SYSCALL);
	cr_expect_eq(g_cpu.regs.rdx, 0x1122334455667788ull);
	/* The platform keeps the state until asked: the core's copy is the old one till then. */
	cr_expect_eq(*(uint64_t *)(x + 176), 0, "XMM1 not read back yet");
	cr_assert_eq(g_ops->ctx_ops->fpu_get(g_ctx, &g_cpu), 0);
	cr_expect_eq(*(uint64_t *)(x + 176), 1, "XMM1 as the thread left it");
	cr_expect_eq(*(uint64_t *)(x + 160), 0x1122334455667788ull, "XMM0 kept");
	/* Asked twice, it reads nothing more; the next run starts from the same state. */
	cr_assert_eq(g_ops->ctx_ops->fpu_get(g_ctx, &g_cpu), 0);
	g_cpu.regs.rip = CODE;
	ex = run();
	cr_expect_eq(g_cpu.regs.rdx, 0x1122334455667788ull, "XMM0 went back in");
}

static void *kick(void *arg)
{
	usleep(50000);
	g_ops->ctx_ops->interrupt(arg);
	return NULL;
}

Test(ptrace, interrupt_kicks_a_spinning_thread_out)
{
	static const char code[] = "\xeb\xfe";	/* jmp . */
	load(code, 2);
	pthread_t th;
	pthread_create(&th, NULL, kick, g_ctx);
	struct sentry_exit ex = run();
	pthread_join(th, NULL);
	cr_expect_eq(ex.kind, SENTRY_EXIT_INTERRUPT);
	cr_expect_eq(g_cpu.regs.rip, CODE, "still in the loop");
	/* An interrupt while not running makes the next switch return at once. */
	g_ops->ctx_ops->interrupt(g_ctx);
	ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_INTERRUPT);
}

Test(ptrace, many_mappings_in_one_batch)
{
	/* More maps than one batch page holds: the platform flushes as it goes. */
	uint64_t off;
	cr_assert_eq(g_svc.mf_alloc(200 * 4096, &off), 0);
	for (uint64_t i = 0; i < 200; i++) {
		*(uint64_t *)((char *)g_svc.mf_ptr(off + i * 4096)) = i;
		cr_assert_eq(g_ops->as_ops->map(g_as, DATA + i * 4096, 4096, off + i * 4096,
						SENTRY_PROT_READ), 0);
	}
	/* mov (%rbx),%rdx; syscall */
	static const char code[] = "\x48\x8b\x13\x0f\x05";
	load(code, sizeof(code) - 1);
	g_cpu.regs.rbx = DATA + 199 * 4096;
	struct sentry_exit ex = run();
	cr_expect_eq(ex.kind, SENTRY_EXIT_SYSCALL);
	cr_expect_eq(g_cpu.regs.rdx, 199);
	g_svc.mf_free(off, 200 * 4096);
}

Test(ptrace, a_failed_op_reports_its_errno)
{
	/* The application last stopped with the trap flag set, which must not leak into the
	 * batch (single-stepped, its first trap would pass for the end). */
	static const char code[] = "\xb8\x27\x00\x00\x00\x0f\x05";
	load(code, sizeof(code) - 1);
	g_cpu.regs.eflags |= 0x100;
	cr_expect_eq(run().kind, SENTRY_EXIT_SIGNAL, "one instruction stepped");
	cr_expect_eq(g_cpu.regs.eflags & 0x100, 0x100);
	/* mprotect of nothing mapped between two good ops: ENOMEM, as the host says, reported
	 * from the stub thread's registers; the ops after it still run. */
	uint64_t off;
	cr_assert_eq(g_svc.mf_alloc(4096, &off), 0);
	*(uint64_t *)g_svc.mf_ptr(off) = 99;
	cr_assert_eq(g_ops->as_ops->map(g_as, DATA, 4096, g_code_off, SENTRY_PROT_READ), 0);
	cr_assert_eq(g_ops->as_ops->protect(g_as, DATA + 64 * 4096, 4096, SENTRY_PROT_READ), 0);
	cr_assert_eq(g_ops->as_ops->map(g_as, DATA + 4096, 4096, off, SENTRY_PROT_READ), 0);
	cr_expect_eq(g_ops->as_ops->flush(g_as), -ENOMEM);
	/* The stub still serves, and the op after the failed one was made. */
	static const char rd[] = "\x48\x8b\x13\x0f\x05";	/* mov (%rbx),%rdx; syscall */
	load(rd, sizeof(rd) - 1);
	g_cpu.regs.rbx = DATA + 4096;
	cr_expect_eq(run().kind, SENTRY_EXIT_SYSCALL);
	cr_expect_eq(g_cpu.regs.rdx, 99);
	g_svc.mf_free(off, 4096);
}

/* Maps a page holding 77 and runs a read of it from a thread pinned to a CPU other than the
 * stub's spawner: that thread's batches run on its own stub thread under ptrace. */
static void *other_cpu_main(void *arg)
{
	int *ret = arg;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(*ret, &set);
	*ret = -1;
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return NULL;
	struct sentry_ctx *ctx;
	if (g_ops->ctx_new(g_state, -1, &ctx) < 0)
		return NULL;
	*(uint64_t *)g_svc.mf_ptr(g_data_off) = 77;
	struct sentry_cpu_state cpu = g_cpu;
	cpu.regs.rbx = DATA;
	struct sentry_exit ex;
	if (g_ops->as_ops->map(g_as, DATA, 4096, g_data_off, SENTRY_PROT_READ) == 0 &&
	    g_ops->ctx_ops->switch_to(ctx, g_as, &cpu, &ex) == 0 && ex.kind == SENTRY_EXIT_SYSCALL)
		*ret = (int)cpu.regs.rdx;
	g_ops->ctx_ops->release(ctx);
	return NULL;
}

Test(ptrace, batches_run_from_another_cpu)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		cr_skip_test("one CPU");
	/* mov (%rbx),%rdx; syscall */
	static const char code[] = "\x48\x8b\x13\x0f\x05";
	load(code, sizeof(code) - 1);
	cpu_set_t mine;
	cr_assert_eq(sched_getaffinity(0, sizeof(mine), &mine), 0);
	int other = 0;
	while (other < CPU_SETSIZE && CPU_ISSET(other, &mine))
		other++;
	int result = other;
	pthread_t th;
	cr_assert_eq(pthread_create(&th, NULL, other_cpu_main, &result), 0);
	pthread_join(th, NULL);
	cr_expect_eq(result, 77, "the other CPU's thread read the page it mapped");
	/* And ours, whose batch the spawner runs, sees a page mapped after. */
	*(uint64_t *)g_svc.mf_ptr(g_code_off + 2048) = 88;
	cr_assert_eq(g_ops->as_ops->map(g_as, DATA, 4096, g_code_off, SENTRY_PROT_READ), 0);
	g_cpu.regs.rbx = DATA + 2048;
	cr_expect_eq(run().kind, SENTRY_EXIT_SYSCALL);
	cr_expect_eq(g_cpu.regs.rdx, 88);
}
