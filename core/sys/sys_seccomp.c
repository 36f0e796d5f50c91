/*
 * core/sys/sys_seccomp.c: seccomp(2); the operations are kernel/seccomp.c's, shared with
 * prctl(PR_SET_SECCOMP).
 */
#include <errno.h>

#include "kernel/seccomp.h"
#include "sys/sys_internal.h"

int64_t sys_seccomp(struct task *t, const uint64_t a[6])
{
	return seccomp_op(t, (unsigned)a[0], (unsigned)a[1], a[2]);
}
