/*
 * core/kernel/proc_view.c: the sandbox's processes as /proc shows them (see proc_view.h).
 *
 * Lock order: kernel.lock, then a task's mm lock (and its page-map mutex), fd table lock, wait
 * slot, or the VFS's context lock: each taken inside the kernel's lock for one copy, never two
 * at once but the mm's pair.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "fd/fdtable.h"
#include "kernel/process_internal.h"
#include "kernel/proc_view.h"
#include "kernel/seccomp.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys.h"
#include "vfs/vfs.h"

struct kernel *proc_view_kernel(void)
{
	struct task *t = task_current();
	return t ? t->k : NULL;
}

int proc_view_self(int *ret_tid)
{
	struct task *t = task_current();
	if (ret_tid)
		*ret_tid = t ? t->tid : 0;
	return t ? t->tgid : 0;
}

struct vfs_ctx *proc_view_fs(void)
{
	struct task *t = task_current();
	return t ? t->fs : NULL;
}

/* The live thread @tid of process @pid; 0: the one standing for the process (its leader, or
 * a running thread when the leader's thread has ended). Caller holds k->lock. */
static struct task *find_locked(struct kernel *k, int pid, int tid)
{
	struct task *l = kernel_find_locked(k, pid);
	if (!l)
		return NULL;
	if (tid == 0)
		return l->thread_done && l->tg->threads ? l->tg->threads : l;
	for (struct task *o = l->tg->threads; o; o = o->group_next)
		if (o->tid == tid)
			return o;
	return NULL;
}

/* The exit record of zombie @pid (one its parent may still reap), or NULL. k->lock held. */
static const struct kernel_exit *zombie_locked(struct kernel *k, int pid)
{
	for (const struct kernel_exit *z = k->exits; z; z = z->next)
		if (z->pid == pid && z->ppid)
			return z;
	return NULL;
}

/* Linux's CAP_SYS_PTRACE (linux/capability.h). */
#define PROC_CAP_SYS_PTRACE 19

int proc_view_may_read(struct kernel *k, int pid)
{
	struct task *self = task_current();
	if (!self)
		return -EACCES;
	pthread_mutex_lock(&k->lock);
	struct task *t = find_locked(k, pid, 0);
	int rc = -ESRCH;
	const struct kernel_exit *z = t ? NULL : zombie_locked(k, pid);
	if (z)	/* nothing private left but the IDs */
		rc = self->fs->creds.fsuid == z->uid ||
			     ((self->fs->creds.cap_effective >> PROC_CAP_SYS_PTRACE) & 1) ? 0 : -EACCES;
	if (t) {
		const struct sentry_creds *me = &self->fs->creds, *c = &t->fs->creds;
		uint32_t suid = t->xcreds.valid ? t->xcreds.suid : c->uid;
		uint32_t sgid = t->xcreds.valid ? t->xcreds.sgid : c->gid;
		int same = me->fsuid == c->uid && me->fsuid == c->euid && me->fsuid == suid &&
			   me->fsgid == c->gid && me->fsgid == c->egid && me->fsgid == sgid;
		rc = t->tgid == self->tgid || same ||
			     ((me->cap_effective >> PROC_CAP_SYS_PTRACE) & 1) ? 0 : -EACCES;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int proc_view_set_comm(struct kernel *k, int pid, int tid, const char *name, size_t len)
{
	struct task *self = task_current();
	char comm[16] = { 0 };
	memcpy(comm, name, len < sizeof(comm) - 1 ? len : sizeof(comm) - 1);
	pthread_mutex_lock(&k->lock);
	struct task *t = find_locked(k, pid, tid);
	int rc = !t ? -ESRCH : !self || t->tgid != self->tgid ? -EINVAL : 0;
	if (rc == 0)
		memcpy(t->comm, comm, sizeof(comm));
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int proc_view_next_pid(struct kernel *k, int after)
{
	int next = 0;
	pthread_mutex_lock(&k->lock);
	for (struct task *t = k->tasks; t; t = t->next)
		if (task_is_leader(t) && t->tgid > after && (!next || t->tgid < next))
			next = t->tgid;
	for (const struct kernel_exit *z = k->exits; z; z = z->next)
		if (z->ppid && z->pid > after && (!next || z->pid < next))
			next = z->pid;
	pthread_mutex_unlock(&k->lock);
	return next;
}

int proc_view_next_tid(struct kernel *k, int pid, int after)
{
	pthread_mutex_lock(&k->lock);
	struct task *t = find_locked(k, pid, 0);
	int rc = t ? 0 : -ESRCH;
	for (struct task *o = t ? t->tg->threads : NULL; o; o = o->group_next)
		if (o->tid > after && (!rc || o->tid < rc))
			rc = o->tid;
	if (!t && zombie_locked(k, pid))
		rc = pid > after ? pid : 0;
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int proc_view_alive(struct kernel *k, int pid, int tid)
{
	pthread_mutex_lock(&k->lock);
	int alive = find_locked(k, pid, tid) != NULL ||
		    ((tid == 0 || tid == pid) && zombie_locked(k, pid));
	pthread_mutex_unlock(&k->lock);
	return alive;
}

/* The source of every mapping of an open file (sys_mm.c and exec map vfs files through it);
 * any other source is the Sentry's own (the vDSO). */
extern const struct mm_source g_vfs_mm_source;

/* The memory counters of @mm, under its locks. */
static void mm_counters(struct mm *mm, struct proc_view_mm *c)
{
	pthread_rwlock_rdlock(&mm->lock);
	for (size_t i = 0; i < mm->vma_count; i++) {
		const struct vma *v = &mm->vmas[i];
		uint64_t size = v->end - v->start;
		c->vsize += size;
		if (v->flags & VMA_GROWSDOWN) {
			c->stack += size;
			c->start_stack = v->end;
		} else if ((v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED)) {
			c->data += size;
		} else if ((v->prot & PROT_EXEC) && !(v->prot & PROT_WRITE)) {
			c->exec += size;
			if (v->src == &g_vfs_mm_source && !c->end_code) {
				c->start_code = v->start;
				c->end_code = v->end;
			}
		}
	}
	c->vma_count = mm->vma_count;
	c->start_brk = mm->brk_start;
	c->brk = mm->brk;
	pthread_mutex_lock(&mm->pages_lock);
	for (size_t i = 0; i < mm->page_cap; i++) {
		const struct mm_page *p = &mm->pages[i];
		if (p->addr == 0 || p->addr == ~0ull)
			continue;
		if (p->owned)
			c->rss_anon += MM_PAGE_SIZE;
		else
			c->rss_file += MM_PAGE_SIZE;
	}
	pthread_mutex_unlock(&mm->pages_lock);
	pthread_rwlock_unlock(&mm->lock);
}

static char *dup_block(const char *p, size_t n)
{
	char *c = malloc(n ? n : 1);
	if (c && n)
		memcpy(c, p, n);
	return c;
}

/* The credential and signal parts of @v from @t; caller holds k->lock. */
static void fill_ids(struct proc_view *v, struct task *t)
{
	const struct sentry_creds *c = &t->fs->creds;
	v->uid = c->uid;
	v->euid = c->euid;
	v->fsuid = c->fsuid;
	v->gid = c->gid;
	v->egid = c->egid;
	v->fsgid = c->fsgid;
	v->suid = t->xcreds.valid ? t->xcreds.suid : c->uid;
	v->sgid = t->xcreds.valid ? t->xcreds.sgid : c->gid;
	v->ngroups = c->ngroups < 32 ? c->ngroups : 32;
	memcpy(v->groups, c->groups, v->ngroups * sizeof(v->groups[0]));
	uint64_t inh;
	task_caps(t, &v->cap_effective, &v->cap_permitted, &inh);
	v->umask = t->fs->umask;
	v->no_new_privs = t->no_new_privs;
	v->seccomp_mode = seccomp_mode(seccomp_of(t));
	v->seccomp_filters = seccomp_count(seccomp_of(t));
	for (int s = 1; s <= TASK_NSIG; s++) {
		uint64_t h = __atomic_load_n(&t->tg->sigactions[s - 1].handler, __ATOMIC_RELAXED);
		if (h == (uint64_t)(uintptr_t)SIG_IGN)
			v->sig_ignored |= SIGBIT(s);
		else if (h != (uint64_t)(uintptr_t)SIG_DFL)
			v->sig_caught |= SIGBIT(s);
	}
	v->sig_blocked = t->sigmask;
	pthread_mutex_lock(&t->wait.lock);
	v->sig_pending = t->sigpending | t->sig_incoming;
	pthread_mutex_unlock(&t->wait.lock);
}

/* Everything but the optional parts, from @t; caller holds k->lock. */
static void fill_locked(struct proc_view *v, struct task *t)
{
	v->pid = t->tgid;
	v->tid = t->tid;
	v->ppid = t->tg->ppid;
	v->pgid = task_pgid(t);
	v->sid = task_sid(t);
	v->nthreads = t->tg->live;
	v->is_caller = t == task_current();
	v->stopped = t->tg->stopped;
	v->exit_signal = t->exit_signal;
	memcpy(v->comm, t->comm, sizeof(v->comm));
	v->comm[sizeof(v->comm) - 1] = '\0';
	v->start_ns = t->start_ns;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (t->tg->rlimits_set)
			v->rlimits[i] = t->tg->rlimits[i];
		else
			(void)sys_default_rlimit(i, &v->rlimits[i]);
	v->fd_count = fdt_count(t->fdt);
	v->fd_size = fdt_size(t->fdt);
	fill_ids(v, t);
}

int proc_view_get(struct kernel *k, int pid, int tid, uint32_t want, struct proc_view *ret)
{
	struct proc_view v = { 0 };
	int rc = 0;
	pthread_mutex_lock(&k->lock);
	struct task *t = find_locked(k, pid, tid);
	const struct kernel_exit *z = t || (tid && tid != pid) ? NULL : zombie_locked(k, pid);
	if (z) {
		v = (struct proc_view){ .pid = z->pid, .tid = z->pid, .ppid = z->ppid,
					.pgid = z->pgid, .sid = z->sid, .nthreads = 1,
					.zombie = 1, .exit_signal = z->exit_signal, .uid = z->uid,
					.euid = z->uid, .suid = z->uid, .fsuid = z->uid,
					.start_ns = z->start_ns };
		memcpy(v.comm, z->comm, sizeof(v.comm));
		/* Its limits went with it: the defaults, as a process that never set any. */
		for (int i = 0; i < RLIM_NLIMITS; i++)
			(void)sys_default_rlimit(i, &v.rlimits[i]);
	} else if (!t) {
		rc = -ESRCH;
	} else {
		fill_locked(&v, t);
		if ((want & PROC_VIEW_MM) && t->mm)
			mm_counters(t->mm, &v.mm);
		if ((want & PROC_VIEW_CMDLINE) &&
		    !(v.cmdline = dup_block(t->cmdline, t->cmdline ? t->cmdline_len : 0)))
			rc = -ENOMEM;
		else
			v.cmdline_len = t->cmdline ? t->cmdline_len : 0;
		if ((want & PROC_VIEW_ENVIRON) &&
		    !(v.environ = dup_block(t->environ, t->environ ? t->environ_len : 0)))
			rc = -ENOMEM;
		else
			v.environ_len = t->environ ? t->environ_len : 0;
		if ((want & PROC_VIEW_EXE) && t->exe_path && !(v.exe = strdup(t->exe_path)))
			rc = -ENOMEM;
		if ((want & PROC_VIEW_EXE) && (v.exe_file = t->exe_file) != NULL)
			vfs_file_get(v.exe_file);
	}
	pthread_mutex_unlock(&k->lock);
	if (rc == 0 && v.is_caller) {
		/* The Sentry thread serving the caller is the one asking: its own CPU time. */
		struct rusage ru;
		if (getrusage(RUSAGE_THREAD, &ru) == 0)
			v.cpu_ns = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
				   ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
	}
	if (rc < 0) {
		proc_view_fini(&v);
		return rc;
	}
	*ret = v;
	return 0;
}

void proc_view_fini(struct proc_view *v)
{
	free(v->cmdline);
	free(v->environ);
	free(v->exe);
	v->cmdline = v->environ = v->exe = NULL;
	vfs_file_put(v->exe_file);
	v->exe_file = NULL;
}

void proc_view_vmas_free(struct proc_view_vma *v, size_t count)
{
	for (size_t i = 0; v && i < count; i++)
		vfs_file_put(v[i].file);
	free(v);
}

int proc_view_vmas(struct kernel *k, int pid, struct proc_view_vma **ret, size_t *ret_count)
{
	struct proc_view_vma *out = NULL;
	size_t n = 0;
	int rc = 0;
	pthread_mutex_lock(&k->lock);
	struct task *t = find_locked(k, pid, 0);
	struct mm *mm = t ? t->mm : NULL;
	if (!t) {
		rc = -ESRCH;
	} else if (mm) {
		pthread_rwlock_rdlock(&mm->lock);
		out = calloc(mm->vma_count ? mm->vma_count : 1, sizeof(*out));
		for (size_t i = 0; out && i < mm->vma_count; i++) {
			const struct vma *v = &mm->vmas[i];
			int file = v->src == &g_vfs_mm_source && v->file;
			out[n] = (struct proc_view_vma){
				.start = v->start, .end = v->end, .off = file ? v->off : 0,
				.prot = v->prot, .flags = v->flags,
				.kind = file ? PROC_VMA_FILE : v->src ? PROC_VMA_CORE : PROC_VMA_ANON,
			};
			if (file) {
				out[n].file = v->file;
				vfs_file_get(v->file);
			}
			n++;
		}
		pthread_rwlock_unlock(&mm->lock);
		if (!out)
			rc = -ENOMEM;
	}
	pthread_mutex_unlock(&k->lock);
	if (rc < 0)
		return rc;
	*ret = out;
	*ret_count = n;
	return 0;
}

int proc_view_fd(struct kernel *k, int pid, int fd, struct vfs_file **ret)
{
	pthread_mutex_lock(&k->lock);
	struct task *t = find_locked(k, pid, 0);
	void *obj = NULL;
	int rc = !t ? -ESRCH : fd < 0 ? -EBADF : fdt_get(t->fdt, fd, &obj, NULL);
	pthread_mutex_unlock(&k->lock);
	if (rc == 0)
		*ret = obj;
	return rc;
}

int proc_view_next_fd(struct kernel *k, int pid, int from)
{
	pthread_mutex_lock(&k->lock);
	struct task *t = find_locked(k, pid, 0);
	int rc = t ? fdt_next(t->fdt, from) : -ESRCH;
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int proc_view_dir(struct kernel *k, int pid, int which, struct vfs_path *ret)
{
	pthread_mutex_lock(&k->lock);
	struct task *t = find_locked(k, pid, 0);
	if (t)
		vfs_ctx_dir(t->fs, which == PROC_VIEW_ROOT, ret);
	pthread_mutex_unlock(&k->lock);
	return t ? 0 : -ESRCH;
}

void proc_view_counts(struct kernel *k, struct proc_view_counts *ret)
{
	*ret = (struct proc_view_counts){ 0 };
	pthread_mutex_lock(&k->lock);
	for (struct task *t = k->tasks; t; t = t->next) {
		ret->processes += task_is_leader(t);
		ret->threads += !t->thread_done;
	}
	ret->last_pid = k->next_tid;
	ret->forks = k->next_tid;
	pthread_mutex_unlock(&k->lock);
}

void proc_view_uts(struct kernel *k, char *hostname, char *domainname)
{
	pthread_mutex_lock(&k->lock);
	/* Empty names are uname's defaults (sys_proc.c). */
	snprintf(hostname, 65, "%s", k->hostname[0] ? k->hostname : "cvisor");
	snprintf(domainname, 65, "%s", k->domainname[0] ? k->domainname : "(none)");
	pthread_mutex_unlock(&k->lock);
}
