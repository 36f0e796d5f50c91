/*
 * core/kernel/process.c: spawning, signalling, waiting for and listing the sandbox's
 * processes from outside it (see process.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dev/dev.h"
#include "fd/fdtable.h"
#include "ipc/sem.h"
#include "ipc/sysv.h"
#include "kernel/process.h"
#include "kernel/process_internal.h"
#include "kernel/seccomp.h"
#include "kernel/thread.h"
#include "sys/sys.h"
#include "util/log.h"
#include "vfs/vfs.h"

void kernel_init(struct kernel *k)
{
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->changed, &a);
	pthread_condattr_destroy(&a);
	k->tasks = NULL;
	k->exits = NULL;
	k->threads = 0;
	k->idle = NULL;
	k->idle_count = k->workers = k->workers_stop = 0;
	k->init_exited = 0;
	k->exit_wq = kwait_wq_new();
	k->ipc = ipc_ns_new();	/* NULL (ENOMEM): the IPC calls answer -ENOMEM */
}

void kernel_destroy(struct kernel *k)
{
	kernel_signal(k, -1, SIGKILL, 1, 0, 0);
	pthread_mutex_lock(&k->lock);
	while (k->threads > 0)
		pthread_cond_wait(&k->changed, &k->lock);
	pthread_mutex_unlock(&k->lock);
	kernel_workers_stop(k);	/* before the platform goes: they hold its contexts */
	while (k->exits) {
		struct kernel_exit *e = k->exits;
		k->exits = e->next;
		free(e);
	}
	pthread_cond_destroy(&k->changed);
	pthread_mutex_destroy(&k->lock);
	kwait_wq_free(k->exit_wq);
	ipc_ns_free(k->ipc);
}

struct task *kernel_find_locked(struct kernel *k, int pid)
{
	for (struct task *t = k->tasks; t; t = t->next)
		if (t->tgid == pid && task_is_leader(t))
			return t;
	return NULL;
}

int kernel_thread_caps(struct task *t, int tid, uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	int rc = -ESRCH;
	pthread_mutex_lock(&t->k->lock);
	for (struct task *o = t->k->tasks; o && rc; o = o->next) {
		if (o->tid != tid || o->thread_done)
			continue;
		task_caps(o, eff, perm, inh);
		rc = 0;
	}
	pthread_mutex_unlock(&t->k->lock);
	return rc;
}

/* Whether @sig sent to @t does nothing because @t is the sandbox's init (sig_task_ignored
 * for SIGNAL_UNKILLABLE): without a handler, only SIGKILL and SIGSTOP from outside reach it,
 * and nothing from inside. */
int kernel_init_ignores(const struct task *t, int sig, int outside)
{
	if (t->tgid != 1)
		return 0;
	if (outside && (sig == SIGKILL || sig == SIGSTOP))
		return 0;
	/* A blocked signal is kept, whatever its handler then (Linux's sig_ignored): an init
	 * that blocks its signals and reads them from a signalfd or sigwaitinfo, as tini and
	 * systemd do, gets them. */
	if ((__atomic_load_n(&t->sigmask, __ATOMIC_RELAXED) |
	     __atomic_load_n(&t->sigwait_set, __ATOMIC_RELAXED)) & SIGBIT(sig) & ~SIG_UNBLOCKABLE)
		return 0;
	return __atomic_load_n(&t->tg->sigactions[sig - 1].handler, __ATOMIC_RELAXED) ==
	       (uint64_t)SIG_DFL;
}

int kernel_signal(struct kernel *k, int pid, int sig, int outside, int sender, uint32_t uid)
{
	if (sig < 0 || sig > TASK_NSIG)
		return -EINVAL;
	int found = 0;
	pthread_mutex_lock(&k->lock);
	for (struct task *t = k->tasks; t; t = t->next) {
		if ((pid != -1 && t->tgid != pid) || !task_is_leader(t))
			continue;
		found = 1;
		if (sig == 0 || kernel_init_ignores(t, sig, outside))
			continue;
		const struct task_siginfo si = { .code = SI_USER, .pid = outside ? 0 : sender,
						 .uid = uid };
		tgroup_signal_locked(t->tg, sig, &si);
		if (sig == SIGKILL && t->held) {
			t->held = 0;	/* a held process dies without running */
			pthread_cond_broadcast(&k->changed);
		}
	}
	pthread_mutex_unlock(&k->lock);
	return found ? 0 : -ESRCH;
}

int kernel_process_exists(struct kernel *k, int pid)
{
	int rc = -ESRCH;
	pthread_mutex_lock(&k->lock);
	for (struct task *t = k->tasks; t && rc == -ESRCH; t = t->next)
		if (t->tid == pid)
			rc = task_is_leader(t) ? 0 : -EINVAL;
	for (struct kernel_exit *e = k->exits; e && rc == -ESRCH; e = e->next)
		if (e->pid == pid && e->ppid)
			rc = 0;
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int kernel_release(struct kernel *k, int pid)
{
	pthread_mutex_lock(&k->lock);
	struct task *t = kernel_find_locked(k, pid);
	if (t) {
		t->held = 0;
		pthread_cond_broadcast(&k->changed);
	}
	pthread_mutex_unlock(&k->lock);
	return t ? 0 : -ESRCH;
}

static struct kernel_exit *exit_find_locked(struct kernel *k, int pid)
{
	for (struct kernel_exit *e = k->exits; e; e = e->next)
		if (e->pid == pid)
			return e;
	return NULL;
}

int kernel_wait(struct kernel *k, int pid, int *ret_status)
{
	int rc = -ECHILD;
	pthread_mutex_lock(&k->lock);
	for (;;) {
		struct kernel_exit *e = exit_find_locked(k, pid);
		if (e) {
			*ret_status = e->status;
			rc = 0;
			break;
		}
		if (!kernel_find_locked(k, pid))
			break;
		pthread_cond_wait(&k->changed, &k->lock);
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

int kernel_list(struct kernel *k, int (*cb)(const struct kernel_proc_info *p, void *arg),
		void *arg)
{
	int rc = 0;
	pthread_mutex_lock(&k->lock);
	/* The list is newest first; PID order is what ps shows. */
	for (int last = 0; rc == 0;) {
		struct task *next = NULL;
		for (struct task *t = k->tasks; t; t = t->next)
			if (task_is_leader(t) && t->tgid > last && (!next || t->tgid < next->tgid))
				next = t;
		if (!next)
			break;
		last = next->tgid;
		struct kernel_proc_info p = {
			.pid = next->tgid, .ppid = 0, .uid = next->fs->creds.uid,
			.start_ns = next->start_ns, .cmdline = next->cmdline,
			.cmdline_len = next->cmdline_len,
		};
		memcpy(p.comm, next->comm, sizeof(p.comm));
		rc = cb(&p, arg);
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

/* ---- spawning ---- */

/* One spawn in progress: the spawner waits on @done for the thread's verdict. */
struct spawn_job {
	struct kernel *k;
	const struct kernel_spawn *req;	/* valid until the start is reported */
	struct kernel_start start;
	char *msg;
	size_t msg_size;
};


/* The value of @name in @envp, or NULL. */
static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* execvp's search: a name without "/" is looked up in PATH (the default when unset), taking
 * the first regular file found; the error is the last meaningful one, as execvp reports. */
static int find_program(struct vfs_ctx *ctx, const char *name, char *const *envp, char *path,
			size_t size)
{
	if (!*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		snprintf(path, size, "%s", name);
		return 0;
	}
	const char *dirs = env_get(envp, "PATH");
	if (!dirs)
		dirs = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	int rc = -ENOENT;
	while (*dirs) {
		const char *end = strchrnul(dirs, ':');
		int len = (int)(end - dirs);
		snprintf(path, size, "%.*s%s%s", len, dirs, len ? "/" : "", name);
		struct sentry_statx st;
		int r = vfs_statat(ctx, NULL, path, 0, SENTRY_STATX_TYPE, &st);
		if (r == 0 && S_ISREG(st.mode))
			return 0;
		if (r == -EACCES)
			rc = r;
		dirs = *end ? end + 1 : end;
	}
	return rc;
}

/* Donated stdio: each host descriptor becomes 0, 1 or 2 with its host access mode. Takes
 * every descriptor in @stdio, and marks each taken with -1. */
static int install_stdio(struct task *t, int stdio[3])
{
	int rc = 0;
	for (int i = 0; i < 3; i++) {
		int hfd = stdio[i];
		if (hfd < 0)
			continue;
		stdio[i] = -1;
		int fl = rc == 0 ? fcntl(hfd, F_GETFL) : -1;
		struct vfs_file *f;
		if (fl < 0) {
			close(hfd);
			rc = rc ? rc : -EBADF;
			continue;
		}
		rc = dev_host_file(hfd, (uint32_t)fl & (O_ACCMODE | O_APPEND | O_NONBLOCK), &f);
		if (rc < 0)
			continue;	/* dev_host_file closed it */
		int fd;
		rc = fdt_install(t->fdt, f, 0, i, &fd);
		vfs_file_put(f);
		if (rc == 0 && fd != i)
			rc = -EBADF;
	}
	return rc;
}

static void close_stdio(int stdio[3])
{
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0) {
			close(stdio[i]);
			stdio[i] = -1;
		}
}

/* The process's filesystem context: its own creds and cwd in the shared mount namespace. */
static int make_fs(const struct kernel_spawn *req, struct vfs_ctx **ret_ctx)
{
	struct sentry_creds creds = {
		.uid = req->uid, .gid = req->gid, .euid = req->uid, .egid = req->gid,
		.fsuid = req->uid, .fsgid = req->gid,
		/* root in the container has every capability, as runc's default set grants the
		 * ones that matter to files; others start with none. */
		.cap_effective = req->uid == 0 ? ~0ull : 0,
	};
	size_t n = req->ngroups < 32 ? req->ngroups : 32;
	for (size_t i = 0; i < n; i++)
		creds.groups[i] = req->groups[i];
	creds.ngroups = (uint32_t)n;
	struct vfs_ctx *ctx;
	int rc = vfs_ctx_new(req->ns, &creds, &ctx);
	if (rc < 0)
		return rc;
	ctx->umask = req->umask;
	if (req->cwd && (rc = vfs_chdir(ctx, NULL, req->cwd)) < 0) {
		vfs_ctx_free(ctx);
		return rc;
	}
	*ret_ctx = ctx;
	return 0;
}

/* On the new thread: the task, its stdio and its program. */
static int spawn_load(struct spawn_job *j, int stdio[3], struct vfs_ctx **ret_fs,
		      struct task **ret_task)
{
	const struct kernel_spawn *req = j->req;
	struct vfs_ctx *fs;
	int rc = make_fs(req, &fs);
	if (rc < 0)
		return msg_fail(j->msg, j->msg_size, rc, "cwd %s", req->cwd ? req->cwd : "/");
	struct task *t;
	if ((rc = task_new(j->k, fs, &t)) < 0) {
		vfs_ctx_free(fs);
		return msg_fail(j->msg, j->msg_size, rc, "task");
	}
	for (size_t i = 0; rc == 0 && i < req->rlimit_count; i++) {
		const struct kernel_rlimit *r = &req->rlimits[i];
		if ((rc = sys_task_rlimit(t, r->resource, r->soft, r->hard)) < 0)
			msg_fail(j->msg, j->msg_size, rc, "rlimit %d", r->resource);
	}
	if (rc == 0 && req->no_new_privs)
		t->no_new_privs = 1;
	if (rc == 0 && req->seccomp &&
	    (rc = seccomp_install(t, req->seccomp, (uint32_t)req->seccomp_len, req->seccomp_log)) < 0)
		msg_fail(j->msg, j->msg_size, rc, "seccomp program");
	if (rc < 0) {
		/* reported */
	} else if ((rc = install_stdio(t, stdio)) < 0) {
		msg_fail(j->msg, j->msg_size, rc, "stdio");
	} else {
		char path[4096];
		rc = find_program(fs, req->argv[0], req->envp, path, sizeof(path));
		if (rc == 0)
			rc = task_exec_path(t, NULL, path, 0, path, req->argv, req->envp);
		if (rc < 0)
			msg_fail(j->msg, j->msg_size, rc, "%s", req->argv[0]);
	}
	if (rc < 0) {
		task_free(t);
		vfs_ctx_free(fs);
		return rc;
	}
	*ret_fs = fs;
	*ret_task = t;
	return 0;
}

/* ---- task threads, shared with fork.c (started by worker.c) ---- */

int kernel_task_enter(struct kernel *k, struct task *t, int held)
{
	int rc = 0;
	pthread_mutex_lock(&k->lock);
	if (k->init_exited && t->tgid != 1) {
		rc = -EAGAIN;	/* the sandbox ended while this one was being made */
	} else {
		t->held = held;
		t->next = k->tasks;
		k->tasks = t;
		t->group_next = t->tg->threads;
		t->tg->threads = t;
		t->tg->live++;
	}
	pthread_mutex_unlock(&k->lock);
	return rc;
}

/* Whether the parent asked for no zombies: SIGCHLD ignored or SA_NOCLDWAIT. */
static int parent_reaps_nothing(const struct task *p)
{
	const struct task_sigaction *a = &p->tg->sigactions[SIGCHLD - 1];
	return a->handler == (uint64_t)SIG_IGN || (a->flags & SA_NOCLDWAIT);
}

/* Who inherits @t's children: the nearest live ancestor that is a child subreaper
 * (PR_SET_CHILD_SUBREAPER), else init (NULL when init is gone). k->lock held. */
static struct task *orphan_reaper_locked(struct kernel *k, const struct task *t)
{
	int seen = 0;
	for (int pid = t->tg->ppid; pid > 1 && seen++ < 4096;) {
		struct task *a = kernel_find_locked(k, pid);
		if (!a)
			break;
		if (a->tg->child_subreaper)
			return a;
		pid = a->tg->ppid;
	}
	return kernel_find_locked(k, 1);
}

/* The task has ended: its zombie (or exit record), SIGCHLD to its parent, its children to
 * init, and with PID 1 the end of every other process. */
static void task_gone(struct kernel *k, struct task *t, int status)
{
	/* Before the exit is seen, as Linux's do_exit calls disassociate_ctty first. */
	if (k->session_end && task_sid(t) == t->tgid)
		k->session_end(k, t->tgid);
	struct kernel_exit *e = malloc(sizeof(*e));
	pthread_mutex_lock(&k->lock);
	for (struct task **p = &k->tasks; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	struct task *parent = t->tg->ppid ? kernel_find_locked(k, t->tg->ppid) : NULL;
	int keep = !parent || !parent_reaps_nothing(parent);
	if (e && keep) {
		*e = (struct kernel_exit){ .next = k->exits, .pid = t->tgid, .ppid = parent ? t->tg->ppid : 0,
					   .pgid = task_pgid(t),
					   .uid = t->fs->creds.uid, .status = status,
					   .exit_signal = t->exit_signal, .sid = task_sid(t),
					   .start_ns = t->start_ns };
		memcpy(e->comm, t->comm, sizeof(e->comm));
		k->exits = e;
	} else {
		free(e);
		if (keep)
			log_msg(SENTRY_LOG_ERR, "process", "pid %d: exit record lost (ENOMEM)",
				t->tgid);
	}
	if (parent && t->exit_signal) {
		int sig = status & 0x7f;
		struct task_siginfo si = { .code = sig ? CLD_KILLED : CLD_EXITED, .pid = t->tgid,
					   .uid = t->fs->creds.uid,
					   .status = sig ? sig : (status >> 8) & 0xff };
		tgroup_signal_locked(parent->tg, t->exit_signal, &si);
	}
	/* Orphans go to the nearest subreaper above, or init, which reaps them (or they vanish
	 * when it wants no zombies); a zombie handed over is announced with SIGCHLD. */
	struct task *reaper = orphan_reaper_locked(k, t);
	jobctl_exit_orphans_locked(k, t, reaper);
	int rpid = reaper ? reaper->tgid : 1;
	/* A new parent hears of them with SIGCHLD, whatever they were to send (Linux's
	 * reparent_leader). */
	for (struct task *o = k->tasks; o; o = o->next)
		if (o->tg->ppid == t->tgid) {
			o->tg->ppid = rpid;
			if (task_is_leader(o))
				o->exit_signal = SIGCHLD;
		}
	for (struct kernel_exit **p = &k->exits; *p;) {
		struct kernel_exit *z = *p;
		if (z->ppid == t->tgid && reaper && reaper != t && !parent_reaps_nothing(reaper)) {
			z->ppid = rpid;
			z->exit_signal = SIGCHLD;
			const struct task_siginfo si = {
				.code = (z->status & 0x7f) ? CLD_KILLED : CLD_EXITED, .pid = z->pid,
				.uid = z->uid,
				.status = (z->status & 0x7f) ? z->status & 0x7f : (z->status >> 8) & 0xff
			};
			tgroup_signal_locked(reaper->tg, SIGCHLD, &si);
		} else if (z->ppid == t->tgid) {
			*p = z->next;
			free(z);
			continue;
		}
		p = &z->next;
	}
	if (t->tgid == 1) {
		k->init_exited = 1;
		for (struct task *o = k->tasks; o; o = o->next) {
			task_send_signal(o, SIGKILL, SI_KERNEL, 0, 0);
			o->held = 0;
		}
	}
	pthread_cond_broadcast(&k->changed);
	pthread_mutex_unlock(&k->lock);
	if (k->exit_wq)
		kwait_wq_notify(k->exit_wq, ~0u);
}

void kernel_task_thread_end(struct kernel *k, struct task *t, struct vfs_ctx *fs)
{
	pthread_mutex_lock(&k->lock);
	while (t->held)
		pthread_cond_wait(&k->changed, &k->lock);
	pthread_mutex_unlock(&k->lock);
	int status = task_run(t);
	struct task *leader = NULL;
	int end = kernel_thread_end(k, t, &status, &leader);
	if (end == KERNEL_THREAD_PROCESS_GONE) {
		/* exit_sem: before the parent can see the exit, as Linux's do_exit. */
		sem_exit(k->ipc, leader->tgid);
		task_gone(k, leader, status);
		if (leader != t) {
			struct vfs_ctx *lfs = leader->fs;
			task_free(leader);
			vfs_ctx_free(lfs);
		}
	}
	if (end != KERNEL_THREAD_LINGERS) {
		task_free(t);
		vfs_ctx_free(fs);
	}
	kernel_thread_done(k);
}

static void *spawn_main(void *arg)
{
	struct spawn_job *j = arg;
	struct kernel *k = j->k;
	int stdio[3];
	memcpy(stdio, j->req->stdio, sizeof(stdio));
	int hold = j->req->hold;
	struct vfs_ctx *fs = NULL;
	struct task *t = NULL;
	int rc = spawn_load(j, stdio, &fs, &t);
	close_stdio(stdio);
	if (rc == 0 && (rc = kernel_task_enter(k, t, hold)) < 0) {
		msg_fail(j->msg, j->msg_size, rc, "sandbox");
		task_free(t);
		vfs_ctx_free(fs);
	}
	kernel_start_report(&j->start, rc, rc == 0 ? t->tgid : 0);	/* j is gone after this */
	if (rc == 0)
		kernel_task_thread_end(k, t, fs);
	else
		kernel_thread_done(k);
	return NULL;
}

int kernel_spawn(struct kernel *k, const struct kernel_spawn *req, int *ret_pid, char *msg,
		 size_t msg_size)
{
	struct kernel_spawn copy = *req;
	if (!req->argv || !req->argv[0]) {
		close_stdio(copy.stdio);
		snprintf(msg, msg_size, "process: no program (args is empty)");
		return -EINVAL;
	}
	struct spawn_job j = { .k = k, .req = req, .msg = msg, .msg_size = msg_size };
	int rc = kernel_start_thread(k, spawn_main, &j, &j.start);
	if (rc < 0 && !j.start.done) {
		close_stdio(copy.stdio);	/* no thread took them */
		snprintf(msg, msg_size, "process: thread: %s", strerror(-rc));
	} else if (rc == 0) {
		*ret_pid = j.start.pid;
	}
	return rc;
}
