/*
 * runtime/seccomp_bpf.c: linux.seccomp to classic BPF (see seccomp_bpf.h).
 *
 * The program: the architecture check, the x32 range, then one block per (rule, call) whose
 * conditions are tested 64 bits at a time (the high word, then the low one), conditional
 * blocks first so a rule naming arguments wins over a plain one for the same call, then the
 * plain blocks sharing one load of the number, then the default action.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp_bpf.h"
#include "sys/sys.h"

#define MAXINSNS 4096
#define FAIL 0xff	/* jump-target marker: the end of the block, patched */
#define X32_BIT 0x40000000u
#define NR_OFF 0
#define ARCH_OFF 4
#define ARG_OFF(i) (16 + 8 * (i))

/* libseccomp's SCMP_CMP_* numbers, as oci_seccomp.c keeps them. */
enum { CMP_NE = 1, CMP_LT, CMP_LE, CMP_EQ, CMP_GE, CMP_GT, CMP_MASKED_EQ };

struct prog {
	struct sock_filter *v;
	size_t n;
	int overflow;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
	if (p->n >= MAXINSNS) {
		p->overflow = 1;
		return;
	}
	p->v[p->n++] = (struct sock_filter){ .code = code, .jt = jt, .jf = jf, .k = k };
}

#define LD(p, off) emit(p, BPF_LD | BPF_W | BPF_ABS, off, 0, 0)
#define JMP(p, op, k, jt, jf) emit(p, BPF_JMP | (op) | BPF_K, k, jt, jf)

/* One condition; falls through when it holds, jumps to FAIL when not. */
static int emit_cond(struct prog *p, const struct oci_seccomp_arg *a)
{
	uint32_t hi = ARG_OFF(a->index) + 4, lo = ARG_OFF(a->index);
	uint32_t vhi = (uint32_t)(a->value >> 32), vlo = (uint32_t)a->value;
	switch (a->op) {
	case CMP_EQ:
		LD(p, hi); JMP(p, BPF_JEQ, vhi, 0, FAIL);
		LD(p, lo); JMP(p, BPF_JEQ, vlo, 0, FAIL);
		return 0;
	case CMP_NE:
		LD(p, hi); JMP(p, BPF_JEQ, vhi, 0, 2);
		LD(p, lo); JMP(p, BPF_JEQ, vlo, FAIL, 0);
		return 0;
	case CMP_MASKED_EQ:
		/* value is the mask, value_two what the masked argument must equal. */
		LD(p, hi); emit(p, BPF_ALU | BPF_AND | BPF_K, vhi, 0, 0);
		JMP(p, BPF_JEQ, (uint32_t)(a->value_two >> 32), 0, FAIL);
		LD(p, lo); emit(p, BPF_ALU | BPF_AND | BPF_K, vlo, 0, 0);
		JMP(p, BPF_JEQ, (uint32_t)a->value_two, 0, FAIL);
		return 0;
	case CMP_GT: case CMP_GE:
		LD(p, hi); JMP(p, BPF_JGT, vhi, 3, 0); JMP(p, BPF_JEQ, vhi, 0, FAIL);
		LD(p, lo); JMP(p, a->op == CMP_GT ? BPF_JGT : BPF_JGE, vlo, 0, FAIL);
		return 0;
	case CMP_LT: case CMP_LE:
		LD(p, hi); JMP(p, BPF_JGT, vhi, FAIL, 0); JMP(p, BPF_JEQ, vhi, 0, 2);
		LD(p, lo); JMP(p, a->op == CMP_LE ? BPF_JGT : BPF_JGE, vlo, FAIL, 0);
		return 0;
	default:
		return -1;
	}
}

/* A block for call @nr: its @n conditions, then @action. -1 on a bad condition or a block
 * too long for 8-bit jumps. */
static int emit_block(struct prog *p, int nr, const struct oci_seccomp_arg *conds, size_t n,
		      uint32_t action)
{
	size_t start = p->n;
	LD(p, NR_OFF);
	JMP(p, BPF_JEQ, (uint32_t)nr, 0, FAIL);
	for (size_t i = 0; i < n; i++)
		if (conds[i].index > 5 || emit_cond(p, &conds[i]) < 0)
			return -1;
	emit(p, BPF_RET | BPF_K, action, 0, 0);
	if (p->overflow)
		return 0;
	for (size_t pc = start; pc < p->n; pc++) {
		struct sock_filter *f = &p->v[pc];
		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		size_t to_end = p->n - pc - 1;
		if (to_end > 254)
			return -1;
		if (f->jt == FAIL)
			f->jt = (uint8_t)to_end;
		if (f->jf == FAIL)
			f->jf = (uint8_t)to_end;
	}
	return 0;
}

/* Whether two of the rule's conditions test the same argument (runc then adds one rule per
 * condition). */
static int repeats_index(const struct oci_seccomp_rule *r)
{
	for (size_t i = 0; i < r->arg_count; i++)
		for (size_t j = i + 1; j < r->arg_count; j++)
			if (r->args[i].index == r->args[j].index)
				return 1;
	return 0;
}

static int emit_conditional(struct prog *p, const struct oci_seccomp_rule *r, int nr)
{
	if (!repeats_index(r))
		return emit_block(p, nr, r->args, r->arg_count, r->action);
	for (size_t i = 0; i < r->arg_count; i++)
		if (emit_block(p, nr, &r->args[i], 1, r->action) < 0)
			return -1;
	return 0;
}

int rt_seccomp_compile(const struct oci_seccomp *sc, struct sock_filter **ret, size_t *ret_len,
		       struct rt_error **err)
{
	struct prog p = { .v = calloc(MAXINSNS, sizeof(struct sock_filter)) };
	if (!p.v)
		return rt_error_make(err, ENOMEM, "linux.seccomp");
	LD(&p, ARCH_OFF);
	JMP(&p, BPF_JEQ, AUDIT_ARCH_X86_64, 1, 0);
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_THREAD, 0, 0);
	LD(&p, NR_OFF);
	JMP(&p, BPF_JGE, X32_BIT, 0, 1);
	emit(&p, BPF_RET | BPF_K, sc->default_action, 0, 0);
	int rc = 0;
	for (size_t i = 0; i < sc->rule_count && rc == 0; i++) {
		const struct oci_seccomp_rule *r = &sc->rules[i];
		for (size_t j = 0; j < r->names.count && r->arg_count && rc == 0; j++) {
			int nr = sys_number(r->names.v[j]);
			if (nr >= 0 && (rc = emit_conditional(&p, r, nr)) < 0)
				rt_error_make(err, 0, "linux.seccomp.syscalls[%zu]: bad argument "
					      "condition", i);
		}
	}
	LD(&p, NR_OFF);
	for (size_t i = 0; i < sc->rule_count && rc == 0; i++) {
		const struct oci_seccomp_rule *r = &sc->rules[i];
		for (size_t j = 0; j < r->names.count && !r->arg_count; j++) {
			int nr = sys_number(r->names.v[j]);
			if (nr < 0)
				continue;
			JMP(&p, BPF_JEQ, (uint32_t)nr, 0, 1);
			emit(&p, BPF_RET | BPF_K, r->action, 0, 0);
		}
	}
	emit(&p, BPF_RET | BPF_K, sc->default_action, 0, 0);
	if (rc == 0 && p.overflow)
		rc = rt_error_make(err, 0, "linux.seccomp: more than %d BPF instructions", MAXINSNS);
	if (rc < 0) {
		free(p.v);
		return -1;
	}
	*ret = p.v;
	*ret_len = p.n;
	return 0;
}
