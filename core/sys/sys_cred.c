/*
 * core/sys/sys_cred.c: credentials and process groups: the setuid/setgid families, getres*id,
 * setfs*id, getgroups/setgroups, capget/capset, getpgrp/getpgid/setpgid, getsid/setsid.
 *
 * IDs live in the task's VFS context (struct sentry_creds: what permission checks read) plus
 * the saved IDs and permitted capabilities in task->xcreds. The rules are kernel/sys.c's and
 * the capability effects commoncap.c's cap_emulate_setxuid, without SECBIT_KEEP_CAPS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/process.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#define CAP_SETGID_ 6
#define CAP_SETUID_ 7
#define CAP_BIT(n) (1ull << (n))
/* Capabilities that follow the filesystem UID (CAP_FS_MASK). */
#define CAP_FS_MASK_                                                                           \
	(CAP_BIT(0) | CAP_BIT(1) | CAP_BIT(2) | CAP_BIT(3) | CAP_BIT(4) | CAP_BIT(9) |          \
	 CAP_BIT(27) | CAP_BIT(32))
/* Linux's NGROUPS_MAX; struct sentry_creds holds fewer (TODO(#7): more when a program needs). */
#define NGROUPS_MAX_ 65536
#define NGROUPS_HELD (sizeof(((struct sentry_creds *)0)->groups) / sizeof(uint32_t))
#define ID_NONE ((uint32_t)-1)

static int capable(struct task *t, int cap)
{
	return (t->fs->creds.cap_effective >> cap) & 1;
}

/* Capability effects of a UID change from @o (old real, effective, saved). */
static void fix_caps(struct task *t, uint32_t or, uint32_t oe, uint32_t os)
{
	struct sentry_creds *c = &t->fs->creds;
	struct task_creds *x = task_xcreds(t);
	if ((or == 0 || oe == 0 || os == 0) && c->uid != 0 && c->euid != 0 && x->suid != 0) {
		x->cap_permitted = 0;
		c->cap_effective = 0;
	}
	if (oe == 0 && c->euid != 0)
		c->cap_effective = 0;
	if (oe != 0 && c->euid == 0)
		c->cap_effective = x->cap_permitted;
}

/* capget(2)/capset(2)'s header versions (linux/capability.h): version 1 has one 32-bit word
 * per set, 2 and 3 two. */
#define CAP_V1 0x19980330u
#define CAP_V2 0x20071026u
#define CAP_V3 0x20080522u
#define CAP_SETPCAP_ 8

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

/* The header at @addr: its version's word count in *@words and the pid. An unknown version is
 * -EINVAL, with version 3 written back for the caller to retry (cap_validate_magic). */
static int cap_header(struct task *t, uint64_t addr, int *words, int *pid)
{
	uint32_t h[2];
	if (mm_copy_in(t->mm, addr, h, sizeof(h)) < 0)
		return -EFAULT;
	*pid = (int)h[1];
	if (h[0] == CAP_V1) {
		*words = 1;
		return 0;
	}
	if (h[0] == CAP_V2 || h[0] == CAP_V3) {
		*words = 2;
		return 0;
	}
	uint32_t v3 = CAP_V3;
	return mm_copy_out(t->mm, addr, &v3, sizeof(v3)) < 0 ? -EFAULT : -EINVAL;
}

int64_t sys_capget(struct task *t, const uint64_t a[6])
{
	int words, pid;
	int rc = cap_header(t, a[0], &words, &pid);
	/* A NULL data pointer asks only for the version: 0 even for an unknown one. */
	if (!a[1] || rc < 0)
		return !a[1] && rc == -EINVAL ? 0 : rc;
	if (pid < 0)
		return -EINVAL;
	uint64_t eff, perm, inh;
	if (pid == 0 || pid == t->tid)
		task_caps(t, &eff, &perm, &inh);
	else if ((rc = kernel_thread_caps(t, pid, &eff, &perm, &inh)) < 0)
		return rc;
	struct cap_data d[2] = {
		{ (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) },
	};
	return mm_copy_out(t->mm, a[1], d, (size_t)words * sizeof(d[0])) < 0 ? -EFAULT : 0;
}

/* capset(2) of the caller only, with commoncap's cap_capset rules: permitted may only shrink,
 * effective stays within the new permitted, inheritable within the old inheritable and
 * permitted (or, with CAP_SETPCAP, the bounding set). */
int64_t sys_capset(struct task *t, const uint64_t a[6])
{
	int words, pid;
	int rc = cap_header(t, a[0], &words, &pid);
	if (rc < 0)
		return rc;
	if (pid != 0 && pid != t->tid)
		return -EPERM;
	struct cap_data d[2] = { { 0 }, { 0 } };
	if (mm_copy_in(t->mm, a[1], d, (size_t)words * sizeof(d[0])) < 0)
		return -EFAULT;
	uint64_t eff = d[0].effective | (uint64_t)d[1].effective << 32;
	uint64_t perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	uint64_t inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	struct task_creds *x = task_xcreds(t);
	uint64_t old_perm = x->cap_permitted & TASK_CAP_VALID, old_inh = x->cap_inheritable;
	if ((!capable(t, CAP_SETPCAP_) && (inh & ~(old_inh | old_perm))) ||
	    (inh & ~(old_inh | (t->capbset & TASK_CAP_VALID))) || (perm & ~old_perm) ||
	    (eff & ~perm))
		return -EPERM;
	x->cap_permitted = perm;
	x->cap_inheritable = inh;
	t->fs->creds.cap_effective = eff;
	return 0;
}

/* The three IDs of setresuid/setresgid: each ID_NONE or, unprivileged, one of the old ones. */
static int may_set(uint32_t id, uint32_t r, uint32_t e, uint32_t s, int priv)
{
	return id == ID_NONE || priv || id == r || id == e || id == s;
}

static int64_t do_setresuid(struct task *t, uint32_t r, uint32_t e, uint32_t s)
{
	struct sentry_creds *c = &t->fs->creds;
	struct task_creds *x = task_xcreds(t);
	uint32_t or = c->uid, oe = c->euid, os = x->suid;
	int priv = capable(t, CAP_SETUID_);
	if (!may_set(r, or, oe, os, priv) || !may_set(e, or, oe, os, priv) ||
	    !may_set(s, or, oe, os, priv))
		return -EPERM;
	if (r != ID_NONE)
		c->uid = r;
	if (e != ID_NONE)
		c->euid = e;
	if (s != ID_NONE)
		x->suid = s;
	c->fsuid = c->euid;
	fix_caps(t, or, oe, os);
	return 0;
}

static int64_t do_setresgid(struct task *t, uint32_t r, uint32_t e, uint32_t s)
{
	struct sentry_creds *c = &t->fs->creds;
	struct task_creds *x = task_xcreds(t);
	uint32_t or = c->gid, oe = c->egid, os = x->sgid;
	int priv = capable(t, CAP_SETGID_);
	if (!may_set(r, or, oe, os, priv) || !may_set(e, or, oe, os, priv) ||
	    !may_set(s, or, oe, os, priv))
		return -EPERM;
	if (r != ID_NONE)
		c->gid = r;
	if (e != ID_NONE)
		c->egid = e;
	if (s != ID_NONE)
		x->sgid = s;
	c->fsgid = c->egid;
	return 0;
}

int64_t sys_setresuid(struct task *t, const uint64_t a[6])
{
	return do_setresuid(t, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

int64_t sys_setresgid(struct task *t, const uint64_t a[6])
{
	return do_setresgid(t, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

/* setuid(2): privileged, all three IDs; otherwise the effective one, to the real or saved. */
int64_t sys_setuid(struct task *t, const uint64_t a[6])
{
	uint32_t id = (uint32_t)a[0];
	if (id == ID_NONE)
		return -EINVAL;
	if (capable(t, CAP_SETUID_))
		return do_setresuid(t, id, id, id);
	if (id != t->fs->creds.uid && id != task_xcreds(t)->suid)
		return -EPERM;
	return do_setresuid(t, ID_NONE, id, ID_NONE);
}

int64_t sys_setgid(struct task *t, const uint64_t a[6])
{
	uint32_t id = (uint32_t)a[0];
	if (id == ID_NONE)
		return -EINVAL;
	if (capable(t, CAP_SETGID_))
		return do_setresgid(t, id, id, id);
	if (id != t->fs->creds.gid && id != task_xcreds(t)->sgid)
		return -EPERM;
	return do_setresgid(t, ID_NONE, id, ID_NONE);
}

/* setreuid(2)/setregid(2): the real ID may become the old real or effective one; the saved ID
 * follows the new effective one when the real ID is set or the effective one leaves it. */
static int64_t do_setre(struct task *t, uint32_t r, uint32_t e, int gid)
{
	struct sentry_creds *c = &t->fs->creds;
	uint32_t or = gid ? c->gid : c->uid, oe = gid ? c->egid : c->euid;
	uint32_t os = gid ? task_xcreds(t)->sgid : task_xcreds(t)->suid;
	int priv = capable(t, gid ? CAP_SETGID_ : CAP_SETUID_);
	if (r != ID_NONE && !priv && r != or && r != oe)
		return -EPERM;
	if (e != ID_NONE && !priv && e != or && e != oe && e != os)
		return -EPERM;
	uint32_t ne = e != ID_NONE ? e : oe;
	uint32_t s = (r != ID_NONE || (e != ID_NONE && e != or)) ? ne : ID_NONE;
	return gid ? do_setresgid(t, r, e, s) : do_setresuid(t, r, e, s);
}

int64_t sys_setreuid(struct task *t, const uint64_t a[6])
{
	return do_setre(t, (uint32_t)a[0], (uint32_t)a[1], 0);
}

int64_t sys_setregid(struct task *t, const uint64_t a[6])
{
	return do_setre(t, (uint32_t)a[0], (uint32_t)a[1], 1);
}

static int64_t copy_ids(struct task *t, const uint64_t a[6], const uint32_t ids[3])
{
	for (int i = 0; i < 3; i++)
		if (mm_copy_out(t->mm, a[i], &ids[i], sizeof(ids[i])) < 0)
			return -EFAULT;
	return 0;
}

int64_t sys_getresuid(struct task *t, const uint64_t a[6])
{
	const uint32_t ids[3] = { t->fs->creds.uid, t->fs->creds.euid, task_xcreds(t)->suid };
	return copy_ids(t, a, ids);
}

int64_t sys_getresgid(struct task *t, const uint64_t a[6])
{
	const uint32_t ids[3] = { t->fs->creds.gid, t->fs->creds.egid, task_xcreds(t)->sgid };
	return copy_ids(t, a, ids);
}

/* setfsuid(2): always returns the old value; changes it to one of the task's IDs, or any
 * with the capability. The filesystem capabilities follow a move to or from 0. */
int64_t sys_setfsuid(struct task *t, const uint64_t a[6])
{
	struct sentry_creds *c = &t->fs->creds;
	uint32_t id = (uint32_t)a[0], old = c->fsuid;
	if (id != ID_NONE && (id == c->uid || id == c->euid || id == task_xcreds(t)->suid ||
			      id == old || capable(t, CAP_SETUID_))) {
		c->fsuid = id;
		if (old == 0 && id != 0)
			c->cap_effective &= ~CAP_FS_MASK_;
		if (old != 0 && id == 0)
			c->cap_effective |= task_xcreds(t)->cap_permitted & CAP_FS_MASK_;
	}
	return old;
}

int64_t sys_setfsgid(struct task *t, const uint64_t a[6])
{
	struct sentry_creds *c = &t->fs->creds;
	uint32_t id = (uint32_t)a[0], old = c->fsgid;
	if (id != ID_NONE && (id == c->gid || id == c->egid || id == task_xcreds(t)->sgid ||
			      id == old || capable(t, CAP_SETGID_)))
		c->fsgid = id;
	return old;
}

int64_t sys_getgroups(struct task *t, const uint64_t a[6])
{
	int size = (int)a[0];
	const struct sentry_creds *c = &t->fs->creds;
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;
	if ((uint32_t)size < c->ngroups)
		return -EINVAL;
	int rc = mm_copy_out(t->mm, a[1], c->groups, c->ngroups * sizeof(uint32_t));
	return rc < 0 ? rc : (int64_t)c->ngroups;
}

static int gid_cmp(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return a < b ? -1 : a > b;
}

int64_t sys_setgroups(struct task *t, const uint64_t a[6])
{
	uint32_t size = (uint32_t)a[0];
	uint32_t groups[NGROUPS_HELD];
	if (!capable(t, CAP_SETGID_))
		return -EPERM;
	if (size > NGROUPS_MAX_)
		return -EINVAL;
	if (size > NGROUPS_HELD)
		return -ENOMEM; /* more than the Sentry's credentials can hold */
	if (mm_copy_in(t->mm, a[1], groups, size * sizeof(uint32_t)) < 0)
		return -EFAULT;
	/* The kernel keeps the list sorted (groups_sort), and getgroups shows it so. */
	qsort(groups, size, sizeof(uint32_t), gid_cmp);
	memcpy(t->fs->creds.groups, groups, size * sizeof(uint32_t));
	t->fs->creds.ngroups = size;
	return 0;
}

/* --- process groups and sessions: one process, which starts as the leader of both --- */

int64_t sys_getpgrp(struct task *t, const uint64_t a[6])
{
	return task_pgid(t);
}

int64_t sys_getpgid(struct task *t, const uint64_t a[6])
{
	return kernel_getpgid(t, (int)a[0]);
}

int64_t sys_getsid(struct task *t, const uint64_t a[6])
{
	return kernel_getsid(t, (int)a[0]);
}

/* setpgid(2): EINVAL for a negative group, ESRCH for a process that is neither the caller nor
 * its child, EACCES for a child that has exec'd, EPERM for a session leader, another session
 * or a group that does not exist in the caller's session. */
int64_t sys_setpgid(struct task *t, const uint64_t a[6])
{
	return kernel_setpgid(t, (int)a[0], (int)a[1]);
}

int64_t sys_setsid(struct task *t, const uint64_t a[6])
{
	/* ksys_setsid: EPERM while any process group has the caller's PID as its ID (its own,
	 * or one it led and left with members behind). */
	struct kernel *k = t->k;
	int rc = t->tgid;
	pthread_mutex_lock(&k->lock);
	for (struct task *o = k->tasks; o && rc > 0; o = o->next)
		if (task_is_leader(o) && task_pgid(o) == t->tgid)
			rc = -EPERM;
	if (rc > 0)
		t->tg->sid = t->tg->pgid = t->tgid;
	pthread_mutex_unlock(&k->lock);
	return rc;
}
