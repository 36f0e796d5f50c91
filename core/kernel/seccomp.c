/*
 * core/kernel/seccomp.c: the application's seccomp (see seccomp.h): the classic-BPF validator
 * and interpreter, the chain's references, seccomp(2)'s operations, and the hook that acts on
 * a filter's verdict before a system call is dispatched.
 *
 * Facts from Linux's kernel/seccomp.c and net/core/filter.c (bpf_check_classic), rewritten:
 * the opcodes seccomp accepts, the 4-instruction penalty per filter against the 32768 limit,
 * the precedence of actions (lowest signed action value wins), what each action does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "kernel/seccomp.h"
#include "kernel/thread.h"
#include "mm/mm.h"
#include "util/log.h"
#include "vfs/vfs.h"

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000u
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000u
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000u
#endif
#ifndef SECCOMP_RET_ACTION_FULL
#define SECCOMP_RET_ACTION_FULL 0xffff0000u
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1u << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1u << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1u << 5)
#endif
#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif
#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1
#endif

/* Linux's limits: one program, and one path through the chain. */
#define SECCOMP_MAXINSNS 4096
#define SECCOMP_MAX_PATH 32768
#define SECCOMP_MEMWORDS 16
#define SECCOMP_MAX_ERRNO 4095
#define CAP_SYS_ADMIN_ 21

/* What the filter reads: Linux's struct seccomp_data. */
struct sc_data {
	int32_t nr;
	uint32_t arch;
	uint64_t ip;
	uint64_t args[6];
};
_Static_assert(sizeof(struct sc_data) == 64, "seccomp_data layout");

struct seccomp_filter g_seccomp_strict = { .refs = 1, .strict = 1 };

/* Whether @code is one of the instructions seccomp takes (seccomp_check_filter's list). */
static int code_allowed(uint16_t code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN:
	case BPF_RET | BPF_K: case BPF_RET | BPF_A:
	case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_ADD | BPF_X:
	case BPF_ALU | BPF_SUB | BPF_K: case BPF_ALU | BPF_SUB | BPF_X:
	case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_MUL | BPF_X:
	case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_DIV | BPF_X:
	case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_AND | BPF_X:
	case BPF_ALU | BPF_OR | BPF_K: case BPF_ALU | BPF_OR | BPF_X:
	case BPF_ALU | BPF_XOR | BPF_K: case BPF_ALU | BPF_XOR | BPF_X:
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_LSH | BPF_X:
	case BPF_ALU | BPF_RSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_X:
	case BPF_ALU | BPF_NEG:
	case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
	case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
	case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
	case BPF_JMP | BPF_JA:
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return 1;
	default:
		return 0;
	}
}

/* One instruction's own constraints (its operand, its jump targets inside the program). */
static int insn_ok(const struct sock_filter *f, uint32_t pc, uint32_t len)
{
	switch (f->code) {
	case BPF_LD | BPF_W | BPF_ABS:
		return f->k < sizeof(struct sc_data) && !(f->k & 3);
	case BPF_ALU | BPF_DIV | BPF_K:
		return f->k != 0;
	case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_K:
		return f->k < 32;
	case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
		return f->k < SECCOMP_MEMWORDS;
	case BPF_JMP | BPF_JA:
		return f->k < len - pc - 1;
	case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
	case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
	case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
	case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
		return pc + f->jt + 1 < len && pc + f->jf + 1 < len;
	default:
		return code_allowed(f->code);
	}
}

/* Every scratch word is written on every path before it is read (check_load_and_stores). */
static int mem_ok(const struct sock_filter *insns, uint32_t len)
{
	uint16_t *masks = malloc(len * sizeof(*masks));
	if (!masks)
		return -ENOMEM;
	memset(masks, 0xff, len * sizeof(*masks));
	uint16_t valid = 0;
	int rc = 0;
	for (uint32_t pc = 0; pc < len && rc == 0; pc++) {
		const struct sock_filter *f = &insns[pc];
		valid &= masks[pc];
		switch (f->code) {
		case BPF_ST: case BPF_STX:
			valid |= (uint16_t)(1u << f->k);
			break;
		case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM:
			if (!(valid & (1u << f->k)))
				rc = -EINVAL;
			break;
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + f->k] &= valid;
			valid = 0xffff;
			break;
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JEQ | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JGE | BPF_X:
		case BPF_JMP | BPF_JGT | BPF_K: case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JSET | BPF_K: case BPF_JMP | BPF_JSET | BPF_X:
			masks[pc + 1 + f->jt] &= valid;
			masks[pc + 1 + f->jf] &= valid;
			valid = 0xffff;
			break;
		case BPF_RET | BPF_K: case BPF_RET | BPF_A:
			valid = 0xffff;
			break;
		}
	}
	free(masks);
	return rc;
}

int seccomp_check(const struct sock_filter *insns, uint32_t len)
{
	if (len == 0 || len > SECCOMP_MAXINSNS)
		return -EINVAL;
	for (uint32_t pc = 0; pc < len; pc++)
		if (!code_allowed(insns[pc].code) || !insn_ok(&insns[pc], pc, len))
			return -EINVAL;
	uint16_t last = insns[len - 1].code;
	if (last != (BPF_RET | BPF_K) && last != (BPF_RET | BPF_A))
		return -EINVAL;
	return mem_ok(insns, len);
}

/* One program on @d. The validator guarantees every access is in bounds and every jump lands
 * inside, so the loop ends at a RET. */
static uint32_t run_one(const struct seccomp_filter *flt, const struct sc_data *d)
{
	uint32_t a = 0, x = 0, mem[SECCOMP_MEMWORDS] = { 0 };
	for (uint32_t pc = 0;; pc++) {
		const struct sock_filter *f = &flt->insns[pc];
		uint32_t v = BPF_SRC(f->code) == BPF_X ? x : f->k;
		switch (f->code) {
		case BPF_LD | BPF_W | BPF_ABS: memcpy(&a, (const char *)d + f->k, 4); break;
		case BPF_LD | BPF_W | BPF_LEN: a = sizeof(*d); break;
		case BPF_LDX | BPF_W | BPF_LEN: x = sizeof(*d); break;
		case BPF_LD | BPF_IMM: a = f->k; break;
		case BPF_LDX | BPF_IMM: x = f->k; break;
		case BPF_LD | BPF_MEM: a = mem[f->k]; break;
		case BPF_LDX | BPF_MEM: x = mem[f->k]; break;
		case BPF_ST: mem[f->k] = a; break;
		case BPF_STX: mem[f->k] = x; break;
		case BPF_MISC | BPF_TAX: x = a; break;
		case BPF_MISC | BPF_TXA: a = x; break;
		case BPF_RET | BPF_K: return f->k;
		case BPF_RET | BPF_A: return a;
		case BPF_ALU | BPF_NEG: a = -a; break;
		case BPF_JMP | BPF_JA: pc += f->k; break;
		default:
			if (BPF_CLASS(f->code) == BPF_JMP) {
				int hit = BPF_OP(f->code) == BPF_JEQ ? a == v
					  : BPF_OP(f->code) == BPF_JGE ? a >= v
					  : BPF_OP(f->code) == BPF_JGT ? a > v : (a & v) != 0;
				pc += hit ? f->jt : f->jf;
				break;
			}
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += v; break;
			case BPF_SUB: a -= v; break;
			case BPF_MUL: a *= v; break;
			case BPF_DIV:
				if (!v)
					return 0;	/* classic BPF: division by zero returns 0 */
				a /= v;
				break;
			case BPF_AND: a &= v; break;
			case BPF_OR: a |= v; break;
			case BPF_XOR: a ^= v; break;
			case BPF_LSH: a = v < 32 ? a << v : 0; break;
			case BPF_RSH: a = v < 32 ? a >> v : 0; break;
			}
		}
	}
}

uint32_t seccomp_run(const struct seccomp_filter *f, int nr, const uint64_t args[6],
		     uint64_t ip, const struct seccomp_filter **ret_match)
{
	struct sc_data d = { .nr = nr, .arch = AUDIT_ARCH_X86_64, .ip = ip };
	memcpy(d.args, args, sizeof(d.args));
	uint32_t ret = SECCOMP_RET_ALLOW;
	for (; f; f = f->prev) {
		uint32_t cur = run_one(f, &d);
		if ((int32_t)(cur & SECCOMP_RET_ACTION_FULL) <
		    (int32_t)(ret & SECCOMP_RET_ACTION_FULL)) {
			ret = cur;
			if (ret_match)
				*ret_match = f;
		}
	}
	return ret;
}

void seccomp_get(struct seccomp_filter *f)
{
	if (f && !f->strict)
		__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

void seccomp_put(struct seccomp_filter *f)
{
	while (f && !f->strict && __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct seccomp_filter *prev = f->prev;
		free(f->insns);
		free(f);
		f = prev;
	}
}

int seccomp_mode(const struct seccomp_filter *f)
{
	return !f ? SECCOMP_MODE_DISABLED : f->strict ? SECCOMP_MODE_STRICT : SECCOMP_MODE_FILTER;
}

/* Whether @anc is @f or one of the filters under it. */
static int is_ancestor(const struct seccomp_filter *anc, const struct seccomp_filter *f)
{
	for (; f; f = f->prev)
		if (f == anc)
			return 1;
	return !anc;
}

/* TSYNC's check: every other thread of the process has no chain or an ancestor of @cur
 * (the caller's, before the new filter). Returns 0, or the TID of the first that has not.
 * kernel.lock held. */
static int64_t can_sync_locked(struct task *t, const struct seccomp_filter *cur, int esrch)
{
	for (struct task *o = t->tg->threads; o; o = o->group_next) {
		struct seccomp_filter *of = seccomp_of(o);
		if (o != t && (of == &g_seccomp_strict || !is_ancestor(of, cur)))
			return esrch ? -ESRCH : o->tid;
	}
	return 0;
}

/* TSYNC: every other thread takes @t's chain. kernel.lock held. */
static void sync_locked(struct task *t)
{
	struct seccomp_filter *f = t->seccomp;
	for (struct task *o = t->tg->threads; o; o = o->group_next) {
		if (o == t)
			continue;
		/* The old chain is an ancestor of @f, so what @o may be running stays alive. */
		seccomp_get(f);
		seccomp_put(__atomic_exchange_n(&o->seccomp, f, __ATOMIC_ACQ_REL));
		if (t->no_new_privs)
			o->no_new_privs = 1;
	}
}

/* A filter of @len instructions @insns (taken, also on failure), validated. Returns 0,
 * -EINVAL or -ENOMEM. */
static int filter_new(struct sock_filter *insns, uint32_t len, struct seccomp_filter **ret)
{
	struct seccomp_filter *f = calloc(1, sizeof(*f));
	int rc = f ? seccomp_check(insns, len) : -ENOMEM;
	if (rc < 0) {
		free(insns);
		free(f);
		return rc;
	}
	f->refs = 1;
	f->len = len;
	f->insns = insns;
	*ret = f;
	return 0;
}

/* Copies in and validates the program of struct sock_fprog at @uargs, in Linux's order of
 * errors: the header (EFAULT), its length (EINVAL), the privilege (EACCES), the program
 * (EFAULT), its check (EINVAL). */
static int prepare(struct task *t, uint64_t uargs, struct seccomp_filter **ret)
{
	struct { uint16_t len; uint16_t pad[3]; uint64_t filter; } fprog;
	if (mm_copy_in(t->mm, uargs, &fprog, sizeof(fprog)) < 0)
		return -EFAULT;
	if (fprog.len == 0 || fprog.len > SECCOMP_MAXINSNS)
		return -EINVAL;
	if (!t->no_new_privs && !((t->fs->creds.cap_effective >> CAP_SYS_ADMIN_) & 1))
		return -EACCES;
	struct sock_filter *insns = calloc(fprog.len, sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	if (mm_copy_in(t->mm, fprog.filter, insns, fprog.len * sizeof(*insns)) < 0) {
		free(insns);
		return -EFAULT;
	}
	return filter_new(insns, fprog.len, ret);
}

static int64_t attach(struct task *t, struct seccomp_filter *f, unsigned flags);

static int64_t set_filter(struct task *t, unsigned flags, uint64_t uargs)
{
	const unsigned known = SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
			       SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_NEW_LISTENER |
			       SECCOMP_FILTER_FLAG_TSYNC_ESRCH |
			       SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
	if (flags & ~known)
		return -EINVAL;
	/* A listener needs a notification FD and a supervisor loop, which this kernel does not
	 * have: answered as a kernel that lacks the flag (EINVAL), which is how libseccomp and
	 * runtimes probe for it, rather than pretending to install the filter. */
	if (flags & (SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
		return -EINVAL;
	struct seccomp_filter *f;
	int rc = prepare(t, uargs, &f);
	return rc < 0 ? rc : attach(t, f, flags);
}

/* Stacks @f (taken, also on failure) on @t's chain, on every thread's with TSYNC. Returns 0,
 * a TID (TSYNC refused), -EINVAL (strict mode), -ENOMEM (the path limit), -ESRCH. */
static int64_t attach(struct task *t, struct seccomp_filter *f, unsigned flags)
{
	/* Under kernel.lock, so a TSYNC from another thread cannot swap this chain while it
	 * is being extended. */
	pthread_mutex_lock(&t->k->lock);
	struct seccomp_filter *cur = t->seccomp;
	int64_t ret = 0;
	if (cur == &g_seccomp_strict)
		ret = -EINVAL;
	else if (f->len + (cur ? cur->path_insns : 0) > SECCOMP_MAX_PATH)
		ret = -ENOMEM;
	else if (flags & SECCOMP_FILTER_FLAG_TSYNC)
		ret = can_sync_locked(t, cur, flags & SECCOMP_FILTER_FLAG_TSYNC_ESRCH);
	if (ret == 0) {
		f->log = (flags & SECCOMP_FILTER_FLAG_LOG) != 0;
		f->depth = (cur ? cur->depth : 0) + 1;
		f->path_insns = f->len + 4 + (cur ? cur->path_insns : 0);
		f->prev = cur;	/* the task's reference passes to the new filter */
		__atomic_store_n(&t->seccomp, f, __ATOMIC_RELEASE);
		if (flags & SECCOMP_FILTER_FLAG_TSYNC)
			sync_locked(t);
	}
	pthread_mutex_unlock(&t->k->lock);
	if (ret != 0)
		seccomp_put(f);
	return ret;
}

int seccomp_install(struct task *t, const struct sock_filter *insns, uint32_t len, int log)
{
	if (len == 0 || len > SECCOMP_MAXINSNS)
		return -EINVAL;
	struct sock_filter *copy = malloc(len * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, insns, len * sizeof(*copy));
	struct seccomp_filter *f;
	int rc = filter_new(copy, len, &f);
	if (rc < 0)
		return rc;
	int64_t ret = attach(t, f, log ? SECCOMP_FILTER_FLAG_LOG : 0);
	return ret < 0 ? (int)ret : 0;
}

static int64_t action_avail(struct task *t, uint64_t uargs)
{
	uint32_t action;
	if (mm_copy_in(t->mm, uargs, &action, sizeof(action)) < 0)
		return -EFAULT;
	switch (action) {
	case SECCOMP_RET_KILL_PROCESS: case SECCOMP_RET_KILL_THREAD: case SECCOMP_RET_TRAP:
	case SECCOMP_RET_ERRNO: case SECCOMP_RET_USER_NOTIF: case SECCOMP_RET_TRACE:
	case SECCOMP_RET_LOG: case SECCOMP_RET_ALLOW:
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

int64_t seccomp_op(struct task *t, unsigned op, unsigned flags, uint64_t uargs)
{
	switch (op) {
	case SECCOMP_SET_MODE_STRICT: {
		if (flags || uargs)
			return -EINVAL;
		pthread_mutex_lock(&t->k->lock);
		int64_t rc = t->seccomp && t->seccomp != &g_seccomp_strict ? -EINVAL : 0;
		if (rc == 0)
			__atomic_store_n(&t->seccomp, &g_seccomp_strict, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&t->k->lock);
		return rc;
	}
	case SECCOMP_SET_MODE_FILTER:
		return set_filter(t, flags, uargs);
	case SECCOMP_GET_ACTION_AVAIL:
		return flags ? -EINVAL : action_avail(t, uargs);
	case SECCOMP_GET_NOTIF_SIZES: {
		/* struct seccomp_notif, seccomp_notif_resp, seccomp_data: what Linux reports. */
		const uint16_t sizes[3] = { 80, 24, sizeof(struct sc_data) };
		if (flags)
			return -EINVAL;
		return mm_copy_out(t->mm, uargs, sizes, sizeof(sizes)) < 0 ? -EFAULT : 0;
	}
	default:
		return -EINVAL;
	}
}

/* Linux's force_sig_seccomp for TRAP: SIGSYS with the call's details; blocked or ignored, it
 * is unblocked and reset first, so it kills. */
static void trap(struct task *t, int nr, uint64_t ip, uint32_t data)
{
	const struct task_sigaction *a = &t->tg->sigactions[SIGSYS - 1];
	if ((t->sigmask & SIGBIT(SIGSYS)) || a->handler == (uint64_t)(uintptr_t)SIG_IGN ||
	    a->handler == (uint64_t)(uintptr_t)SIG_DFL) {
		task_group_exit(t, SIGSYS);
		return;
	}
	task_queue_signal(t, SIGSYS, SYS_SECCOMP, ip, 0, 0);
	struct task_siginfo *si = &t->siginfo[SIGSYS - 1];
	si->syscall = nr;
	si->arch = AUDIT_ARCH_X86_64;
	si->err = (int)data;
}

/* do_exit(@sig) of one thread; the last one takes its process with it. */
static void kill_thread(struct task *t, int sig)
{
	if (__atomic_load_n(&t->tg->live, __ATOMIC_RELAXED) <= 1)
		task_group_exit(t, sig);
	else
		task_exit(t, sig);
}

/* Strict mode: read, write, exit and rt_sigreturn; anything else is SIGKILL. */
static int strict_enter(struct task *t, int nr, int64_t *ret)
{
	if (nr == SYS_read || nr == SYS_write || nr == SYS_exit || nr == SYS_rt_sigreturn)
		return 0;
	log_msg(SENTRY_LOG_INFO, "seccomp", "tid %d: system call %d in strict mode: SIGKILL",
		t->tid, nr);
	kill_thread(t, SIGKILL);
	*ret = 0;
	return 1;
}

int seccomp_enter(struct task *t, const uint64_t args[6], int64_t *ret)
{
	const struct sentry_regs *r = &t->cpu.regs;
	int nr = (int)r->orig_rax;
	const struct seccomp_filter *f = seccomp_of(t);
	if (f->strict)
		return strict_enter(t, nr, ret);
	const struct seccomp_filter *match = NULL;
	uint32_t v = seccomp_run(f, nr, args, r->rip, &match);
	uint32_t action = v & SECCOMP_RET_ACTION_FULL, data = v & SECCOMP_RET_DATA;
	/* SECCOMP_FILTER_FLAG_LOG: the filter that decided asked for its verdicts to be logged
	 * (LOG and the kills are logged anyway). */
	if (match && match->log && (action == SECCOMP_RET_ERRNO || action == SECCOMP_RET_TRAP ||
				    action == SECCOMP_RET_TRACE || action == SECCOMP_RET_USER_NOTIF))
		log_msg(SENTRY_LOG_INFO, "seccomp", "tid %d: system call %d: action %#x data %u",
			t->tid, nr, action, data);
	switch (action) {
	case SECCOMP_RET_ALLOW:
		return 0;
	case SECCOMP_RET_LOG:
		log_msg(SENTRY_LOG_INFO, "seccomp", "tid %d: system call %d logged", t->tid, nr);
		return 0;
	case SECCOMP_RET_ERRNO:
		*ret = -(int64_t)(data > SECCOMP_MAX_ERRNO ? SECCOMP_MAX_ERRNO : data);
		return 1;
	case SECCOMP_RET_TRACE:		/* no tracer (no ptrace here) */
	case SECCOMP_RET_USER_NOTIF:	/* no listener */
		*ret = -ENOSYS;
		return 1;
	case SECCOMP_RET_TRAP:
		/* The handler sees the registers as before the call: rax holds its number. */
		*ret = (int64_t)r->orig_rax;
		trap(t, nr, r->rip, data);
		return 1;
	case SECCOMP_RET_KILL_THREAD:
		log_msg(SENTRY_LOG_INFO, "seccomp", "tid %d: system call %d: kill thread", t->tid, nr);
		kill_thread(t, SIGSYS);
		*ret = 0;
		return 1;
	default:	/* KILL_PROCESS, and any unknown action */
		log_msg(SENTRY_LOG_INFO, "seccomp", "tid %d: system call %d: kill process", t->tid,
			nr);
		task_group_exit(t, SIGSYS);
		*ret = 0;
		return 1;
	}
}
