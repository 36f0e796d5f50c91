/*
 * core/sys/sys_proc.c: identity and process-wide calls of a single-threaded process: exit,
 * IDs, set_tid_address, set_robust_list, uname, prlimit64, getrandom.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/utsname.h>

#include "fd/fdtable.h"
#include "kernel/proc_view.h"
#include "kernel/task.h"
#include "kernel/thread.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

int64_t sys_exit(struct task *t, const uint64_t a[6])
{
	task_exit(t, (int)(a[0] & 0xff) << 8);
	return 0;
}

int64_t sys_exit_group(struct task *t, const uint64_t a[6])
{
	task_group_exit(t, (int)(a[0] & 0xff) << 8);
	return 0;
}

int64_t sys_getpid(struct task *t, const uint64_t a[6])
{
	return t->tgid;
}

int64_t sys_gettid(struct task *t, const uint64_t a[6])
{
	return t->tid;
}

int64_t sys_getppid(struct task *t, const uint64_t a[6])
{
	/* The sandbox's init, and processes started by runsc exec, have no parent inside the
	 * PID namespace. */
	return t->tg->ppid;
}

int64_t sys_getuid(struct task *t, const uint64_t a[6])
{
	return t->fs->creds.uid;
}

int64_t sys_geteuid(struct task *t, const uint64_t a[6])
{
	return t->fs->creds.euid;
}

int64_t sys_getgid(struct task *t, const uint64_t a[6])
{
	return t->fs->creds.gid;
}

int64_t sys_getegid(struct task *t, const uint64_t a[6])
{
	return t->fs->creds.egid;
}

int64_t sys_set_tid_address(struct task *t, const uint64_t a[6])
{
	t->clear_child_tid = a[0];
	return t->tid;
}

int64_t sys_set_robust_list(struct task *t, const uint64_t a[6])
{
	/* set_robust_list(2): EINVAL unless len is the size of struct robust_list_head. */
	if (a[1] != 24)
		return -EINVAL;
	t->robust_list = a[0];
	t->robust_len = a[1];
	return 0;
}

int64_t sys_get_robust_list(struct task *t, const uint64_t a[6])
{
	int tid = (int)a[0], tgid = t->tgid;
	uint64_t head = t->robust_list, len = 24;
	if (tid) {
		int found = 0;
		pthread_mutex_lock(&t->k->lock);
		for (struct task *o = t->k->tasks; o && !found; o = o->next)
			if (o->tid == tid && !o->thread_done) {
				found = 1;
				tgid = o->tgid;
				head = o->robust_list;
			}
		pthread_mutex_unlock(&t->k->lock);
		if (!found)
			return -ESRCH;
	}
	/* Another process's list is ptrace-read access, EPERM when refused. */
	int rc = tgid == t->tgid ? 0 : proc_view_may_read(t->k, tgid);
	if (rc < 0)
		return rc == -EACCES ? -EPERM : rc;
	if (mm_copy_out(t->mm, a[1], &head, sizeof(head)) < 0 ||
	    mm_copy_out(t->mm, a[2], &len, sizeof(len)) < 0)
		return -EFAULT;
	return 0;
}

int64_t sys_uname(struct task *t, const uint64_t a[6])
{
	struct utsname u;
	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "Linux");
	pthread_mutex_lock(&t->k->lock);
	snprintf(u.nodename, sizeof(u.nodename), "%s", t->k->hostname[0] ? t->k->hostname : "cvisor");
	snprintf(u.domainname, sizeof(u.domainname), "%s",
		 t->k->domainname[0] ? t->k->domainname : "(none)");
	pthread_mutex_unlock(&t->k->lock);
	/* What programs compare against: a kernel recent enough for every call we offer. */
	strcpy(u.release, "6.1.0");
	strcpy(u.version, "#1 SMP cvisor");
	strcpy(u.machine, "x86_64");
	return mm_copy_out(t->mm, a[0], &u, sizeof(u));
}

/* sethostname(2) and setdomainname(2): the sandbox's UTS names, CAP_SYS_ADMIN only. */
static int64_t set_uts(struct task *t, char *dst, uint64_t addr, uint64_t len)
{
	char buf[65];
	if ((int64_t)len < 0 || len > 64)
		return -EINVAL;
	if (!((t->fs->creds.cap_effective >> SENTRY_CAP_SYS_ADMIN) & 1))
		return -EPERM;
	if (len && mm_copy_in(t->mm, addr, buf, len) < 0)
		return -EFAULT;
	buf[len] = '\0';
	pthread_mutex_lock(&t->k->lock);
	memcpy(dst, buf, len + 1);
	pthread_mutex_unlock(&t->k->lock);
	return 0;
}

int64_t sys_sethostname(struct task *t, const uint64_t a[6])
{
	return set_uts(t, t->k->hostname, a[0], a[1]);
}

int64_t sys_setdomainname(struct task *t, const uint64_t a[6])
{
	return set_uts(t, t->k->domainname, a[0], a[1]);
}

/* Limits a new process starts with (Linux defaults, as a container sees them). */
static int default_rlimit(int res, struct rlimit *r)
{
	r->rlim_cur = r->rlim_max = RLIM_INFINITY;
	switch (res) {
	case RLIMIT_STACK:
		r->rlim_cur = 8 << 20;
		break;
	case RLIMIT_NOFILE:
		r->rlim_cur = 1024;
		r->rlim_max = 1048576;
		break;
	case RLIMIT_CORE:
		r->rlim_cur = 0;
		break;
	case RLIMIT_MEMLOCK:
		r->rlim_cur = r->rlim_max = 8 << 20;
		break;
	case RLIMIT_MSGQUEUE:	/* Linux's MQ_BYTES_MAX */
		r->rlim_cur = r->rlim_max = 819200;
		break;
	default:
		if (res < 0 || res >= RLIM_NLIMITS)
			return -EINVAL;
	}
	return 0;
}

int sys_default_rlimit(int res, struct rlimit *ret)
{
	return default_rlimit(res, ret);
}

/* The task's limit @res, from the defaults until first set. */
static struct rlimit *task_rlimit(struct task *t, int res)
{
	if (!t->tg->rlimits_set) {
		for (int i = 0; i < RLIM_NLIMITS; i++)
			default_rlimit(i, &t->tg->rlimits[i]);
		t->tg->rlimits_set = 1;
	}
	return &t->tg->rlimits[res];
}

static void set_rlimit(struct task *t, int res, const struct rlimit *n)
{
	t->tg->rlimits[res] = *n;
	if (res == RLIMIT_NOFILE)
		fdt_set_limit(t->fdt, n->rlim_cur ? (uint32_t)n->rlim_cur : 1);
}

/* getrlimit/setrlimit/prlimit64 on @t: @newl and @oldl are application addresses or 0. */
static int64_t do_rlimit(struct task *t, int res, uint64_t newl, uint64_t oldl)
{
	struct rlimit r, n;
	if (default_rlimit(res, &r) < 0)
		return -EINVAL;
	struct rlimit *cur = task_rlimit(t, res);
	if (newl) {
		if (mm_copy_in(t->mm, newl, &n, sizeof(n)) < 0)
			return -EFAULT;
		if (n.rlim_cur > n.rlim_max)
			return -EINVAL;
		/* Raising the hard limit needs CAP_SYS_RESOURCE; descriptors never go past
		 * fs.nr_open (EPERM, as Linux). */
		if (n.rlim_max > cur->rlim_max && !((t->fs->creds.cap_effective >> 24) & 1))
			return -EPERM;
		if (res == RLIMIT_NOFILE && n.rlim_max > FDT_NR_OPEN)
			return -EPERM;
	}
	r = *cur;
	if (newl)
		set_rlimit(t, res, &n);
	return oldl ? mm_copy_out(t->mm, oldl, &r, sizeof(r)) : 0;
}

int sys_task_rlimit(struct task *t, int res, uint64_t soft, uint64_t hard)
{
	struct rlimit r;
	if (default_rlimit(res, &r) < 0 || soft > hard)
		return -EINVAL;
	if (res == RLIMIT_NOFILE && hard > FDT_NR_OPEN)
		return -EPERM;
	struct rlimit n = { .rlim_cur = soft, .rlim_max = hard };
	task_rlimit(t, res);
	set_rlimit(t, res, &n);
	return 0;
}

int64_t sys_prlimit64(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0];
	if (pid < 0)
		return -EINVAL;
	if (pid != 0 && pid != t->tgid)
		return -ESRCH;
	return do_rlimit(t, (int)a[1], a[2], a[3]);
}

int64_t sys_getrlimit(struct task *t, const uint64_t a[6])
{
	return a[1] ? do_rlimit(t, (int)a[0], 0, a[1]) : -EFAULT;
}

int64_t sys_setrlimit(struct task *t, const uint64_t a[6])
{
	return a[1] ? do_rlimit(t, (int)a[0], a[1], 0) : -EFAULT;
}

int64_t sys_getrandom(struct task *t, const uint64_t a[6])
{
	uint64_t addr = a[0];
	size_t len = (size_t)a[1];
	unsigned flags = (unsigned)a[2];
	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) ||
	    (flags & GRND_RANDOM && flags & GRND_INSECURE))
		return -EINVAL;
	char buf[256];
	size_t done = 0;
	while (done < len) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);
		if (getrandom(buf, n, 0) != (ssize_t)n)
			return done ? (int64_t)done : -EIO;
		if (mm_copy_out(t->mm, addr + done, buf, n) < 0)
			return done ? (int64_t)done : -EFAULT;
		done += n;
	}
	return (int64_t)done;
}
