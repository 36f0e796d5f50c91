/*
 * core/sys/sys_prctl.c: prctl(2): the options programs and runtimes use, with Linux's argument
 * checks (kernel/sys.c): names, the parent-death signal, child subreapers, no_new_privs,
 * dumpable, keepcaps, the capability bounding set, timer slack, the TID address, seccomp's
 * mode (PR_SET_SECCOMP through kernel/seccomp.c). Anything else is EINVAL, as for an option the kernel does not know.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "kernel/seccomp.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* Capabilities this kernel knows (CAP_LAST_CAP of Linux 6.x: CAP_CHECKPOINT_RESTORE). */
#define CAP_LAST 40
#define CAP_SETPCAP_ 8

static int64_t put_int(struct task *t, uint64_t addr, int v)
{
	return mm_copy_out(t->mm, addr, &v, sizeof(v));
}

/* PR_SET_NAME: up to 15 bytes are kept; longer names are cut, as Linux does. */
static int64_t set_name(struct task *t, uint64_t addr)
{
	char name[sizeof(t->comm)];
	memset(name, 0, sizeof(name));
	int64_t n = mm_copy_string(t->mm, addr, name, sizeof(name));
	if (n == -EFAULT)
		return -EFAULT;
	if (n == -ENAMETOOLONG && mm_copy_in(t->mm, addr, name, sizeof(name) - 1) < 0)
		return -EFAULT;
	name[sizeof(name) - 1] = '\0';
	memcpy(t->comm, name, sizeof(name));
	return 0;
}

/* Options whose unused arguments must be zero (Linux checks arg3..arg5 for these). */
static int extra_args_zero(const uint64_t a[6], int from)
{
	for (int i = from; i <= 4; i++)
		if (a[i])
			return 0;
	return 1;
}

int64_t sys_prctl(struct task *t, const uint64_t a[6])
{
	switch ((int)a[0]) {
	case PR_SET_NAME:
		return set_name(t, a[1]);
	case PR_GET_NAME:
		return mm_copy_out(t->mm, a[1], t->comm, sizeof(t->comm));
	case PR_SET_PDEATHSIG:
		if (a[1] > TASK_NSIG)
			return -EINVAL;
		t->tg->pdeathsig = (int)a[1];
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(t, a[1], t->tg->pdeathsig);
	case PR_SET_CHILD_SUBREAPER:
		t->tg->child_subreaper = a[1] != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_int(t, a[1], t->tg->child_subreaper);
	case PR_SET_NO_NEW_PRIVS:
		if (a[1] != 1 || !extra_args_zero(a, 2))
			return -EINVAL;
		t->no_new_privs = 1;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return extra_args_zero(a, 1) ? t->no_new_privs : -EINVAL;
	case PR_SET_DUMPABLE:
		if (a[1] > 1)
			return -EINVAL;	/* SUID_DUMP_ROOT (2) is not settable */
		t->dumpable = (int)a[1];
		return 0;
	case PR_GET_DUMPABLE:
		return t->dumpable;
	case PR_SET_KEEPCAPS:
		if (a[1] > 1)
			return -EINVAL;
		t->keepcaps = (int)a[1];
		return 0;
	case PR_GET_KEEPCAPS:
		return t->keepcaps;
	case PR_CAPBSET_READ:
		if (a[1] > CAP_LAST)
			return -EINVAL;
		return (t->capbset >> a[1]) & 1;
	case PR_CAPBSET_DROP:
		if (a[1] > CAP_LAST)
			return -EINVAL;
		if (!((t->fs->creds.cap_effective >> CAP_SETPCAP_) & 1))
			return -EPERM;
		t->capbset &= ~(1ull << a[1]);
		return 0;
	case PR_SET_TIMERSLACK:
		t->timerslack_ns = a[1];
		return 0;
	case PR_GET_TIMERSLACK:
		return t->timerslack_ns ? (int64_t)t->timerslack_ns : 50000;
	case PR_GET_TID_ADDRESS:
		return mm_copy_out(t->mm, a[1], &t->clear_child_tid, sizeof(uint64_t));
	case PR_GET_SECCOMP:
		/* Strict mode never gets here: prctl is not among its calls (SIGKILL). */
		return seccomp_mode(seccomp_of(t));
	case PR_SET_SECCOMP:
		if (a[1] == SECCOMP_MODE_STRICT)
			return seccomp_op(t, SECCOMP_SET_MODE_STRICT, 0, 0);
		if (a[1] == SECCOMP_MODE_FILTER)
			return seccomp_op(t, SECCOMP_SET_MODE_FILTER, 0, a[2]);
		return -EINVAL;
	case PR_SET_PTRACER:
		return 0;	/* no Yama inside: any ptracer allowed is what it asks */
	default:
		return -EINVAL;
	}
}
