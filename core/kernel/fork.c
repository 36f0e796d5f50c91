/*
 * core/kernel/fork.c: processes made inside the sandbox: clone/fork/vfork, waiting for
 * children, kill(2) across processes, process groups (see process.h).
 *
 * A child process gets copies of its parent's memory (mm_fork: private pages shared
 * copy-on-write, shared mappings shared), descriptor table and filesystem context, made on the parent's
 * thread while it is stopped in the system call, or shares them (CLONE_VM, CLONE_FILES,
 * CLONE_FS), then its own Sentry thread, which creates the platform context (and address
 * space, for a copy) there: the ptrace platform binds them to their thread. A thread
 * (CLONE_THREAD) joins its parent's thread group (kernel/thread.c). A vfork parent sleeps until
 * the child execs or exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fd/fdtable.h"
#include "kernel/pidfd.h"
#include "kernel/process_internal.h"
#include "kernel/thread.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "util/log.h"
#include "vfs/vfs.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ull
#endif

#define CLONE_NAMESPACES (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
#define CLONE_KNOWN (CSIGNAL | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PIDFD | \
		     CLONE_PTRACE | CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | \
		     CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED | \
		     CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO | CLONE_NAMESPACES | \
		     CLONE_CLEAR_SIGHAND)

/* clone(2)'s checks, in Linux's order (copy_process), then what the Sentry cannot do yet. */
static int clone_check(uint64_t f)
{
	if (f & ~(uint64_t)CLONE_KNOWN)
		return -EINVAL;
	if ((f & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
	    (f & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	if ((f & CLONE_THREAD) && !(f & CLONE_SIGHAND))
		return -EINVAL;
	if ((f & CLONE_SIGHAND) && !(f & CLONE_VM))
		return -EINVAL;
	if ((f & CLONE_PIDFD) && (f & CLONE_DETACHED))
		return -EINVAL;
	if ((f & CLONE_THREAD) && (f & (CLONE_NEWUSER | CLONE_NEWPID)))
		return -EINVAL;	/* a thread in another pid or user namespace */
	if (f & CLONE_NAMESPACES)
		return -EPERM;	/* the sandbox's namespaces are all it gets */
	/* A thread has no pidfd (PIDFD_THREAD is newer than this ABI). */
	if ((f & CLONE_PIDFD) && (f & CLONE_THREAD))
		return -EINVAL;
	return 0;
}

struct fork_job {
	struct task *parent;
	const struct kernel_clone *c;
	struct vfs_ctx *fs;
	struct fdt *fdt;
	struct mm *mm;
	struct kernel_start start;
};

/* The child's registers: clone returns 0 in it, on its own stack and TLS when given. */
static void child_setup(struct task *t, const struct kernel_clone *c, const struct task *parent)
{
	t->cpu.regs.rax = 0;
	if (c->stack)
		t->cpu.regs.rsp = c->stack;
	if (c->flags & CLONE_SETTLS)
		t->cpu.regs.fs_base = c->tls;
	t->exit_signal = (int)(c->flags & CSIGNAL);
	t->vfork_pending = (c->flags & CLONE_VFORK) != 0;
	if (c->flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = c->child_tid;
	if (c->flags & CLONE_CHILD_SETTID)
		(void)mm_copy_out(t->mm, c->child_tid, &t->tid, sizeof(int));
	/* Before the child runs, as Linux's copy_process: a thread that exits at once clears
	 * this same word (pthread's CLONE_CHILD_CLEARTID), and a later write would undo that,
	 * leaving pthread_join waiting for ever. */
	if (c->flags & CLONE_PARENT_SETTID)
		(void)mm_copy_out(parent->mm, c->parent_tid, &t->tid, sizeof(int));
	if (c->flags & CLONE_PARENT)
		t->tg->ppid = parent->tg->ppid;
	if (c->flags & CLONE_CLEAR_SIGHAND)
		task_flush_handlers(t);
}

static void *fork_main(void *arg)
{
	struct fork_job *j = arg;
	struct kernel *k = j->parent->k;
	struct vfs_ctx *fs = j->fs;
	struct task *t = NULL;
	int thread = (j->c->flags & CLONE_THREAD) != 0;
	int rc = thread ? task_clone_thread(j->parent, fs, j->fdt, &t)
			: task_fork(j->parent, fs, j->fdt, j->mm, &t);
	if (rc == 0) {
		child_setup(t, j->c, j->parent);
		rc = thread ? kernel_thread_enter(k, t) : kernel_task_enter(k, t, 0);
		if (rc < 0)
			task_free(t);
	}
	kernel_start_report(&j->start, rc, rc == 0 ? t->tid : 0);	/* j is gone after this */
	if (rc == 0) {
		kernel_task_thread_end(k, t, fs);
		return NULL;
	}
	vfs_ctx_free(fs);
	kernel_thread_done(k);
	return NULL;
}

/* A vfork parent's wait: until the child has exec'd or is gone. Only SIGKILL ends it early
 * (Linux's killable wait). */
static void vfork_wait(struct task *parent, int pid)
{
	struct kernel *k = parent->k;
	struct kwait_reg reg;
	kwait_prepare(parent, k->exit_wq, ~0u, &reg);
	for (;;) {
		pthread_mutex_lock(&k->lock);
		struct task *c = kernel_find_locked(k, pid);
		int waiting = c && c->vfork_pending;
		pthread_mutex_unlock(&k->lock);
		if (!waiting)
			break;
		if (kwait_sleep(&reg, SENTRY_CLOCK_MONOTONIC, -1) == -EINTR) {
			task_take_signals(parent);
			if (parent->sigpending & SIGBIT(SIGKILL))
				break;
			kwait_clear_interrupt(&parent->wait);
		}
	}
	kwait_finish(&reg);
}

/* CLONE_PIDFD: a close-on-exec pidfd of the child for the parent, its number at @addr. The
 * child exists by now, so a failure here leaves the number -1 rather than undoing it. */
static void clone_pidfd(struct task *parent, int pid, uint64_t addr)
{
	struct vfs_file *f;
	int fd = -1;
	if (pidfd_new(parent->k, pid, 0, &f) == 0) {
		if (fdt_install(parent->fdt, f, 1, 0, &fd) < 0)
			fd = -1;
		vfs_file_put(f);
	}
	(void)mm_copy_out(parent->mm, addr, &fd, sizeof(fd));
}

int64_t kernel_clone(struct task *parent, const struct kernel_clone *c)
{
	/* Both results to one word: always so with clone(2), which has one argument for them. */
	int rc = (c->flags & CLONE_PIDFD) && (c->flags & CLONE_PARENT_SETTID) &&
			 c->pidfd == c->parent_tid
		 ? -EINVAL
		 : clone_check(c->flags);
	if (rc == 0)
		rc = c->refuse;
	if (rc < 0)
		return rc;
	struct kernel *k = parent->k;
	struct fork_job j = { .parent = parent, .c = c };
	uint64_t f = c->flags;
	if ((f & CLONE_PARENT) && parent->tgid == 1)
		return -EINVAL;	/* init has no parent inside to give its child */
	/* What the child shares with the parent and what it gets a copy of. A thread's mm is
	 * the parent's, taken by task_clone_thread. */
	if (f & CLONE_THREAD)
		j.mm = NULL;
	else if (f & CLONE_VM)
		mm_ref(j.mm = parent->mm);
	else
		rc = mm_fork(parent->mm, &j.mm);
	if (rc == 0 && (f & CLONE_FILES))
		fdt_ref(j.fdt = parent->fdt);
	else if (rc == 0)
		rc = fdt_copy(parent->fdt, &j.fdt);
	if (rc == 0 && (f & CLONE_FS))
		vfs_ctx_ref(j.fs = parent->fs);
	else if (rc == 0)
		rc = vfs_ctx_copy(parent->fs, &j.fs);
	if (rc < 0) {
		mm_free(j.mm);
		fdt_free(j.fdt);
		return rc;
	}
	task_fpu_sync(parent);	/* the child starts from it, on its own thread */
	rc = kernel_start_thread(k, fork_main, &j, &j.start);
	if (rc < 0 && !j.start.done) {	/* no thread took the copies */
		mm_free(j.mm);
		fdt_free(j.fdt);
		vfs_ctx_free(j.fs);
	}
	if (rc < 0)
		return rc;
	if (c->flags & CLONE_PIDFD)
		clone_pidfd(parent, j.start.pid, c->pidfd);
	if (c->flags & CLONE_VFORK)
		vfork_wait(parent, j.start.pid);
	return j.start.pid;
}

void kernel_exec_done(struct task *t)
{
	struct kernel *k = t->k;
	t->did_exec = 1;
	if (!t->vfork_pending)
		return;
	pthread_mutex_lock(&k->lock);
	t->vfork_pending = 0;
	pthread_mutex_unlock(&k->lock);
	if (k->exit_wq)
		kwait_wq_notify(k->exit_wq, ~0u);
}

/* ---- wait4 / waitid ---- */

static int id_match(int idtype, int id, int pid, int pgid)
{
	return idtype == KWAIT_ALL || (idtype == KWAIT_PID && id == pid) ||
	       (idtype == KWAIT_PGID && id == pgid);
}

/* eligible_child's __WCLONE rule: a child that sends its parent no SIGCHLD at exit is waited
 * for only with __WCLONE, the others only without; __WALL waits for both. */
static int clone_kind_matches(int options, int exit_signal)
{
	return (options & __WALL) || ((exit_signal != SIGCHLD) == ((options & __WCLONE) != 0));
}

/* One look: a zombie child (reaped unless WNOWAIT) is 1; a live matching child 0; none at all
 * -ECHILD. Caller holds k->lock. */
static int wait_scan_locked(struct task *t, int idtype, int id, int options,
			    struct kernel_waited *res)
{
	struct kernel *k = t->k;
	for (struct kernel_exit **p = &k->exits; *p && (options & WEXITED); p = &(*p)->next) {
		struct kernel_exit *z = *p;
		if (z->ppid != t->tgid || !id_match(idtype, id, z->pid, z->pgid) ||
		    !clone_kind_matches(options, z->exit_signal))
			continue;
		*res = (struct kernel_waited){ .pid = z->pid, .status = z->status, .uid = z->uid };
		if (!(options & WNOWAIT)) {
			*p = z->next;
			free(z);
		}
		return 1;
	}
	int live = 0;
	for (struct task *c = k->tasks; c; c = c->next) {
		/* The leader stands for its process (a leader whose thread ended lingers). */
		if (!task_is_leader(c) || c->tg->ppid != t->tgid ||
		    !id_match(idtype, id, c->tgid, task_pgid(c)) ||
		    !clone_kind_matches(options, c->exit_signal))
			continue;
		live = 1;
		int status;
		if (jobctl_wait_report_locked(c, options, &status)) {
			*res = (struct kernel_waited){ .pid = c->tgid, .status = status,
						       .uid = c->fs->creds.uid };
			return 1;
		}
	}
	return live ? 0 : -ECHILD;
}

int kernel_wait_child(struct task *t, int idtype, int id, int options, struct kernel_waited *res)
{
	struct kernel *k = t->k;
	struct kwait_reg reg;
	*res = (struct kernel_waited){ 0 };
	kwait_prepare(t, k->exit_wq, ~0u, &reg);
	int rc, interrupted = 0;
	/* Linux's do_wait order: the children are looked at once more after a signal woke the
	 * wait, so the SIGCHLD of the very child waited for (or of one reaped on its own, with
	 * SA_NOCLDWAIT) yields that child (or ECHILD) rather than EINTR. */
	for (;;) {
		pthread_mutex_lock(&k->lock);
		rc = wait_scan_locked(t, idtype, id, options, res);
		pthread_mutex_unlock(&k->lock);
		if (rc != 0 || (options & WNOHANG))
			break;
		if (interrupted) {
			rc = -EINTR;
			break;
		}
		interrupted = kwait_sleep(&reg, SENTRY_CLOCK_MONOTONIC, -1) == -EINTR;
	}
	kwait_finish(&reg);
	return rc < 0 ? rc : 0;
}

/* ---- kill, process groups ---- */

int kernel_kill(struct task *t, int pid, int sig, int *ret_self)
{
	const struct task_siginfo si = { .code = SI_USER, .pid = t->tgid, .uid = t->fs->creds.uid };
	return kernel_kill_info(t, pid, sig, &si, ret_self);
}

int kernel_kill_info(struct task *t, int pid, int sig, const struct task_siginfo *info,
		     int *ret_self)
{
	struct kernel *k = t->k;
	/* The target is looked up first: a bad signal to nobody is ESRCH, as Linux. */
	int valid = sig >= 0 && sig <= TASK_NSIG;
	int group = pid == 0 ? task_pgid(t) : pid < -1 ? -pid : 0, found = 0;
	*ret_self = 0;
	pthread_mutex_lock(&k->lock);
	for (struct task *o = k->tasks; o; o = o->next) {
		if (!task_is_leader(o))
			continue;	/* the leader stands for its process */
		int hit = pid > 0 ? o->tgid == pid
			: pid == -1 ? o->tgid != 1 && o->tgid != t->tgid
				    : task_pgid(o) == group;
		if (!hit)
			continue;
		found = 1;
		if (o->tgid == t->tgid) {
			*ret_self = 1;	/* the caller's own signal is the caller's to raise */
			continue;
		}
		if (valid && sig && !kernel_init_ignores(o, sig, 0))
			tgroup_signal_locked(o->tg, sig, info);
	}
	/* A zombie is still a process until reaped: found, and the signal does nothing. Exit
	 * records of processes spawned from outside (no parent inside) are no zombies. */
	for (struct kernel_exit *z = k->exits; z && !found; z = z->next)
		if (z->ppid)
			found = pid > 0 ? z->pid == pid : pid == -1 ? z->pid != 1 : z->pgid == group;
	pthread_mutex_unlock(&k->lock);
	return !found ? -ESRCH : !valid ? -EINVAL : 0;
}

int kernel_setpgid(struct task *t, int pid, int pgid)
{
	struct kernel *k = t->k;
	if (pgid < 0)
		return -EINVAL;
	int rc = 0;
	pthread_mutex_lock(&k->lock);
	struct task *p = pid == 0 || pid == t->tgid ? t : kernel_find_locked(k, pid);
	if (!p || (p != t && p->tg->ppid != t->tgid))
		rc = -ESRCH;
	else if (p != t && p->did_exec)
		rc = -EACCES;
	else if (task_sid(p) == p->tgid || task_sid(p) != task_sid(t))
		rc = -EPERM;
	if (rc == 0 && pgid && pgid != p->tgid) {
		/* Joining a group: it must exist in the caller's session. */
		rc = -EPERM;
		for (struct task *o = k->tasks; o; o = o->next)
			if (task_pgid(o) == pgid && task_sid(o) == task_sid(t))
				rc = 0;
	}
	if (rc == 0)
		p->tg->pgid = pgid ? pgid : p->tgid;
	pthread_mutex_unlock(&k->lock);
	return rc;
}

static int lookup_id(struct task *t, int pid, int (*of)(const struct task *))
{
	if (pid < 0)
		return -ESRCH;
	if (pid == 0 || pid == t->tgid)
		return of(t);
	pthread_mutex_lock(&t->k->lock);
	struct task *p = kernel_find_locked(t->k, pid);
	int rc = p ? of(p) : -ESRCH;
	pthread_mutex_unlock(&t->k->lock);
	return rc;
}

int kernel_getpgid(struct task *t, int pid)
{
	return lookup_id(t, pid, task_pgid);
}

int kernel_getsid(struct task *t, int pid)
{
	return lookup_id(t, pid, task_sid);
}
