/*
 * linux.seccomp compiled to classic BPF (runtime/seccomp_bpf.c), checked by running the
 * program through the Sentry's own validator and interpreter (kernel/seccomp.c): every
 * comparison operator on 64-bit values around the word boundary, AND of conditions on
 * different arguments, OR (one rule per condition) on the same one, conditional rules before
 * plain ones, x32 numbers, names unknown on x86-64, and the default action.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <sys/syscall.h>

#include "kernel/seccomp.h"
#include "seccomp_bpf.h"

enum { NE = 1, LT, LE, EQ, GE, GT, MASKED_EQ };
#define HIT (SECCOMP_RET_ERRNO | 7)

static struct seccomp_filter g_f;

/* Compiles one rule for getpid with @n conditions (default ALLOW, action HIT). */
static void compile(struct oci_seccomp_arg *args, size_t n)
{
	static char *names[] = { "getpid", "no_such_call", NULL };
	struct oci_seccomp_rule r = { .names = { names, 2 }, .action = HIT, .args = args,
				      .arg_count = n };
	struct oci_seccomp sc = { .default_action = SECCOMP_RET_ALLOW, .rules = &r,
				  .rule_count = 1 };
	struct sock_filter *prog;
	size_t len;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_seccomp_compile(&sc, &prog, &len, &err), 0);
	cr_assert_eq(seccomp_check(prog, (uint32_t)len), 0, "the program passes the validator");
	free(g_f.insns);
	g_f = (struct seccomp_filter){ .refs = 1, .len = (uint32_t)len, .insns = prog };
}

static uint32_t run2(int nr, uint64_t a0, uint64_t a1)
{
	const uint64_t args[6] = { a0, a1 };
	return seccomp_run(&g_f, nr, args, 0, NULL);
}

static uint32_t run(uint64_t a0)
{
	return run2(SYS_getpid, a0, 0);
}

static void one(int op, uint64_t v, uint64_t v2)
{
	struct oci_seccomp_arg a = { .index = 0, .value = v, .value_two = v2, .op = op };
	compile(&a, 1);
}

#define V 0x100000005ull

Test(seccomp_bpf, eq_ne)
{
	one(EQ, V, 0);
	cr_assert_eq(run(V), HIT);
	cr_assert_eq(run(5), SECCOMP_RET_ALLOW);
	cr_assert_eq(run(0x200000005ull), SECCOMP_RET_ALLOW);
	cr_assert_eq(run2(SYS_getppid, V, 0), SECCOMP_RET_ALLOW, "another call: the default");
	one(NE, V, 0);
	cr_assert_eq(run(V), SECCOMP_RET_ALLOW);
	cr_assert_eq(run(5), HIT);
	cr_assert_eq(run(0x100000004ull), HIT);
}

Test(seccomp_bpf, ordering)
{
	one(GT, V, 0);
	cr_assert_eq(run(V + 1), HIT);
	cr_assert_eq(run(V), SECCOMP_RET_ALLOW);
	cr_assert_eq(run(0x200000000ull), HIT);
	cr_assert_eq(run(0xffffffffull), SECCOMP_RET_ALLOW);
	one(GE, V, 0);
	cr_assert_eq(run(V), HIT);
	cr_assert_eq(run(V - 1), SECCOMP_RET_ALLOW);
	cr_assert_eq(run(0x200000000ull), HIT);
	one(LT, V, 0);
	cr_assert_eq(run(V - 1), HIT);
	cr_assert_eq(run(V), SECCOMP_RET_ALLOW);
	cr_assert_eq(run(0xffffffffull), HIT);
	cr_assert_eq(run(0x200000000ull), SECCOMP_RET_ALLOW);
	one(LE, V, 0);
	cr_assert_eq(run(V), HIT);
	cr_assert_eq(run(V + 1), SECCOMP_RET_ALLOW);
	cr_assert_eq(run(0), HIT);
}

Test(seccomp_bpf, masked_eq)
{
	one(MASKED_EQ, 0xff000000ffull, 0x0100000005ull);
	cr_assert_eq(run(0x01abcdef05ull), HIT);
	cr_assert_eq(run(0x02abcdef05ull), SECCOMP_RET_ALLOW);
	cr_assert_eq(run(0x01abcdef06ull), SECCOMP_RET_ALLOW);
}

Test(seccomp_bpf, and_or)
{
	struct oci_seccomp_arg both[] = { { .index = 0, .value = 1, .op = EQ },
					  { .index = 1, .value = 2, .op = EQ } };
	compile(both, 2);
	cr_assert_eq(run2(SYS_getpid, 1, 2), HIT);
	cr_assert_eq(run2(SYS_getpid, 1, 3), SECCOMP_RET_ALLOW);
	struct oci_seccomp_arg same[] = { { .index = 0, .value = 1, .op = EQ },
					  { .index = 0, .value = 2, .op = EQ } };
	compile(same, 2);
	cr_assert_eq(run(1), HIT);
	cr_assert_eq(run(2), HIT);
	cr_assert_eq(run(3), SECCOMP_RET_ALLOW);
}

Test(seccomp_bpf, rules_default_x32)
{
	static char *rd[] = { "read", NULL }, *wr[] = { "write", NULL };
	struct oci_seccomp_arg a = { .index = 0, .value = 7, .op = EQ };
	struct oci_seccomp_rule r[] = {
		{ .names = { rd, 1 }, .action = SECCOMP_RET_ALLOW },
		{ .names = { rd, 1 }, .action = HIT, .args = &a, .arg_count = 1 },
		{ .names = { wr, 1 }, .action = SECCOMP_RET_ALLOW },
	};
	struct oci_seccomp sc = { .default_action = SECCOMP_RET_ERRNO | 1, .rules = r,
				  .rule_count = 3 };
	struct sock_filter *prog;
	size_t len;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_seccomp_compile(&sc, &prog, &len, &err), 0);
	cr_assert_eq(seccomp_check(prog, (uint32_t)len), 0);
	free(g_f.insns);
	g_f = (struct seccomp_filter){ .refs = 1, .len = (uint32_t)len, .insns = prog };
	cr_assert_eq(run2(SYS_read, 7, 0), HIT, "the conditional rule wins");
	cr_assert_eq(run2(SYS_read, 3, 0), SECCOMP_RET_ALLOW);
	cr_assert_eq(run2(SYS_write, 3, 0), SECCOMP_RET_ALLOW);
	cr_assert_eq(run2(SYS_getpid, 0, 0), SECCOMP_RET_ERRNO | 1, "the default action");
	cr_assert_eq(run2(0x40000000 | SYS_write, 0, 0), SECCOMP_RET_ERRNO | 1, "x32: default");
}
