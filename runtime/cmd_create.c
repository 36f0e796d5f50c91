/*
 * runtime/cmd_create.c: `runsc create`, `start`, `run` and `do`.
 *
 * create forks the sandbox process, which starts the Gofers, builds the Sentry with the
 * container's process loaded but held, listens on the control socket in the state directory,
 * and tells create it is ready; create records the state and the PID file and exits. The
 * sandbox process stays (reparented to the engine's subreaper, conmon for podman) and exits
 * with the container's exit status when PID 1 ends, which is what engines wait for. start
 * lets PID 1 run. run is create, start and a wait in the foreground, then delete.
 *
 * Until the sandbox is ready, it dies with its creator (PR_SET_PDEATHSIG), and the state
 * directory says "creating" with the cgroup recorded, so a create killed halfway leaves
 * nothing that `delete --force` cannot clean.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "confine.h"
#include "container.h"
#include "control.h"
#include "hooks.h"
#include "oci_config.h"
#include "runsc.h"
#include "sandbox.h"
#include "seccomp_bpf.h"
#include "sentry/boot.h"
#include "util/log.h"

extern char **environ;

/* Mounts the Sentry makes itself (/dev and below, /proc) or cannot serve yet are left out;
 * bind mounts become shares, tmpfs becomes memfs. */
static int add_mount(struct rt_sandbox *sb, const struct oci_mount *m, struct rt_error **err)
{
	const char *d = m->destination;
	if (!strcmp(d, "/dev") || !strncmp(d, "/dev/", 5))
		return 0;
	int bind = (m->flags & MS_BIND) || (m->type && !strcmp(m->type, "bind"));
	if (bind) {
		if (sb->share_count == sizeof(sb->shares) / sizeof(sb->shares[0]))
			return rt_error_make(err, 0, "mounts: too many bind mounts");
		if (!m->source || m->source[0] != '/')
			return rt_error_make(err, 0, "mounts: %s: bind source must be absolute", d);
		struct stat st;
		if (stat(m->source, &st) < 0)
			return rt_error_make(err, errno, "mounts: %s: source %s", d, m->source);
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
			return rt_error_make(err, 0, "mounts: %s: source %s is neither a directory "
						     "nor a regular file", d, m->source);
		sb->shares[sb->share_count++] = (struct rt_share){
			.host = m->source, .target = d, .readonly = (m->flags & MS_RDONLY) != 0,
			.file = S_ISREG(st.st_mode) };
		return 0;
	}
	if (m->type && !strcmp(m->type, "tmpfs")) {
		if (sb->tmpfs_count == sizeof(sb->tmpfs) / sizeof(sb->tmpfs[0]))
			return rt_error_make(err, 0, "mounts: too many tmpfs mounts");
		sb->tmpfs[sb->tmpfs_count++] = (struct rt_tmpfs){
			.target = d, .data = m->data, .flags = m->flags & ~(uint64_t)MS_BIND };
		return 0;
	}
	/* proc is the Sentry's own (always at /proc); sysfs, mqueue, cgroup come later. */
	log_msg(SENTRY_LOG_DEBUG, "create", "mount %s (%s) skipped: not served yet", d,
		m->type ? m->type : "?");
	return 0;
}

static int sandbox_of_config(const struct oci_config *cfg, struct rt_sandbox *sb,
			     struct rt_error **err)
{
	*sb = (struct rt_sandbox){
		.shares = { { .host = cfg->root_path, .target = "/",
			      .readonly = cfg->root_readonly } },
		.share_count = 1,
		.argv = cfg->process.args.v,
		.envp = cfg->process.env.v,
		.cwd = cfg->process.cwd,
		.uid = cfg->process.uid,
		.gid = cfg->process.gid,
		.groups = cfg->process.additional_gids,
		.ngroups = cfg->process.additional_gid_count,
		.umask = cfg->process.umask,
		.umask_set = cfg->process.has_umask,
		.no_new_privs = cfg->process.no_new_privileges,
		.hostname = cfg->hostname,
		.domainname = cfg->domainname,
		.masked_paths = cfg->lx.masked_paths.v,
		.readonly_paths = cfg->lx.readonly_paths.v,
	};
	const size_t max_rl = sizeof(sb->rlimits) / sizeof(sb->rlimits[0]);
	if (cfg->process.rlimit_count > max_rl)
		return rt_error_make(err, 0, "config.json: process.rlimits: more than %zu", max_rl);
	for (size_t i = 0; i < cfg->process.rlimit_count; i++) {
		const struct oci_rlimit *r = &cfg->process.rlimits[i];
		sb->rlimits[sb->rlimit_count++] = (struct kernel_rlimit){
			.resource = r->resource, .soft = r->soft, .hard = r->hard };
	}
	for (size_t i = 0; i < cfg->mount_count; i++)
		if (add_mount(sb, &cfg->mounts[i], err) < 0)
			return -1;
	/* The Sentry's network namespace comes from --network (sandbox.c), not from
	 * linux.namespaces: a new "network" one is what none and sandbox make anyway; a path to
	 * join is not supported yet. */
	for (size_t i = 0; i < cfg->lx.namespace_count; i++)
		if (cfg->lx.namespaces[i].type == OCI_NS_NETWORK && cfg->lx.namespaces[i].path)
			log_msg(SENTRY_LOG_INFO, "create",
				"network namespace %s not joined: --network decides",
				cfg->lx.namespaces[i].path);
	const struct oci_seccomp *sc = cfg->lx.seccomp;
	if (sc) {
		for (size_t i = 0; i < sc->flags.count; i++)
			sb->seccomp_log |= !strcmp(sc->flags.v[i], "SECCOMP_FILTER_FLAG_LOG");
		struct sock_filter *prog;
		if (rt_seccomp_compile(sc, &prog, &sb->seccomp_len, err) < 0)
			return -1;
		sb->seccomp = prog;
		log_msg(SENTRY_LOG_DEBUG, "create", "linux.seccomp: %zu BPF instructions",
			sb->seccomp_len);
	}
	return 0;
}

/* ---- the sandbox process ---- */

/* What the sandbox process needs from create. */
struct sandbox_args {
	const struct rt_globals *g;
	const struct oci_config *cfg;
	int dirfd;		/* state directory */
	int sync;		/* create's socket: "ok" or the error line, then create's ack */
	int stdio[3];		/* the container's stdio */
};

static void sync_send(int fd, const char *text)
{
	(void)!send(fd, text, strlen(text), MSG_NOSIGNAL);
}

struct init_wait {
	struct boot_sandbox *sb;
	int stop;		/* eventfd written when PID 1 has exited */
	int status;
};

static void *init_waiter(void *arg)
{
	struct init_wait *w = arg;
	if (boot_wait(w->sb, 1, &w->status) < 0)
		w->status = SIGKILL;
	(void)eventfd_write(w->stop, 1);
	return NULL;
}

/* Records the container's exit status for `runsc wait` and `state` after the sandbox is
 * gone, in @fd: the status file, opened empty before confinement (the confined Sentry opens
 * no path). One small write, which readers see whole or not at all: they need the newline. */
static void record_exit(int fd, int code)
{
	char text[16];
	int n = snprintf(text, sizeof(text), "%d\n", code);
	if (fd >= 0)
		(void)!pwrite(fd, text, (size_t)n, 0);
}

/* The status file, empty until record_exit. */
static int exit_file_open(int dirfd, struct rt_error **err)
{
	int fd = openat(dirfd, RT_EXIT_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		rt_error_make(err, errno, "state: %s", RT_EXIT_FILE);
	return fd;
}

/* Host signals the sandbox process passes on to the container, blocked in every thread and
 * read from a signalfd by the control loop. */
static const int g_forwarded[] = { SIGINT, SIGQUIT, SIGTSTP, SIGWINCH, SIGHUP, SIGTERM,
				   SIGUSR1, SIGUSR2, SIGCONT };

static int forward_fd(void)
{
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(g_forwarded) / sizeof(g_forwarded[0]); i++)
		sigaddset(&set, g_forwarded[i]);
	/* Before any thread exists, so all inherit the mask. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/* The sandbox process's life after fork; returns its exit status. */
static int sandbox_main(struct sandbox_args *a)
{
	int sig_fd = forward_fd();
	struct rt_error *err = NULL;
	struct rt_sandbox sb = { 0 };
	struct rt_sandbox_proc *p = NULL;
	int lfd = -1, exit_fd = -1;
	if (sandbox_of_config(a->cfg, &sb, &err) == 0 &&
	    rt_sandbox_boot(a->g, &sb, a->stdio, &p, &err) == 0 &&
	    (exit_fd = exit_file_open(a->dirfd, &err)) >= 0)
		lfd = rt_control_listen(a->dirfd, &err);
	free((void *)sb.seccomp);	/* the Sentry copied it into PID 1's chain */
	for (int i = 0; i < 3; i++)
		close(a->stdio[i]);
	/* The state directory is the last host path we hold: gone before confinement. */
	close(a->dirfd);
	if (lfd >= 0 && rt_sandbox_confine(a->g, p, &err) < 0) {
		close(lfd);
		lfd = -1;
	}
	if (lfd < 0) {
		sync_send(a->sync, err ? err->msg : "sandbox failed");
		rt_error_free(&err);
		rt_sandbox_end(p);
		close(sig_fd);
		if (exit_fd >= 0)
			close(exit_fd);
		return 1;
	}
	sync_send(a->sync, "ok");
	char ack;
	ssize_t n = recv(a->sync, &ack, 1, 0);
	if (n != 1) {	/* create died before recording us: nobody knows this sandbox */
		close(a->sync);
		close(lfd);
		rt_sandbox_end(p);
		close(sig_fd);
		close(exit_fd);
		return 1;
	}
	/* No longer tied to create's life; create waits for this word before it exits, or its
	 * exit could still deliver the death signal. */
	prctl(PR_SET_PDEATHSIG, 0);
	sync_send(a->sync, "d");
	close(a->sync);

	struct init_wait w = { .sb = rt_sandbox_sentry(p), .stop = eventfd(0, EFD_CLOEXEC) };
	pthread_t th;
	if (w.stop < 0 || pthread_create(&th, NULL, init_waiter, &w) != 0) {
		log_msg(SENTRY_LOG_ERR, "sandbox", "cannot wait for the container's process");
		boot_signal(w.sb, -1, SIGKILL);
		close(lfd);
		rt_sandbox_end(p);
		close(sig_fd);
		close(exit_fd);
		return 1;
	}
	rt_control_serve(lfd, w.stop, sig_fd, p);
	pthread_join(th, NULL);
	close(lfd);
	close(w.stop);
	close(sig_fd);
	int code = boot_exit_code(w.status);
	record_exit(exit_fd, code);
	close(exit_fd);
	rt_sandbox_end(p);
	return code;
}

/* ---- create ---- */

struct create_opts {
	const char *bundle, *pid_file, *console, *id;
	int detach;		/* run only */
	int no_pivot, no_new_keyring, preserve_fds_unused;
	const char *preserve_fds;
};

/* The container's stdio: the pty's slave three times, or our own 0, 1, 2. Each a fresh
 * descriptor the sandbox takes. */
static int stdio_setup(const struct oci_config *cfg, const struct create_opts *o, int stdio[3],
		       struct rt_error **err)
{
	if (cfg->process.terminal) {
		if (!o->console)
			return rt_error_make(err, 0, "cannot allocate tty if runc will detach "
						     "without setting console socket");
		int slave;
		struct winsize ws = { .ws_row = (unsigned short)cfg->process.console_height,
				      .ws_col = (unsigned short)cfg->process.console_width };
		if (rt_console_pty(o->console, ws.ws_row ? &ws : NULL, &slave, err) < 0)
			return -1;
		stdio[0] = slave;
		stdio[1] = fcntl(slave, F_DUPFD_CLOEXEC, 3);
		stdio[2] = fcntl(slave, F_DUPFD_CLOEXEC, 3);
	} else {
		if (o->console)
			return rt_error_make(err, 0, "--console-socket given but process.terminal "
						     "is false");
		for (int i = 0; i < 3; i++)
			stdio[i] = fcntl(i, F_DUPFD_CLOEXEC, 3);
	}
	for (int i = 0; i < 3; i++)
		if (stdio[i] < 0) {
			int e = errno;
			for (int k = 0; k < 3; k++)
				if (stdio[k] >= 0)
					close(stdio[k]);
			return rt_error_make(err, e, "stdio");
		}
	return 0;
}

/* In the child: from a copy of runsc to the sandbox process. Returns its exit status. */
static int sandbox_child(const struct rt_globals *g, const struct oci_config *cfg, int dirfd,
			  int sync, int stdio[3], pid_t creator, int terminal)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* PID 1 of its own PID namespace, our parent is outside it and shows as 0; a creator
	 * that died before the death signal was set is seen when the sync socket closes. */
	if (getpid() != 1 && getppid() != creator)
		_exit(1);
	setsid();
	if (terminal)
		ioctl(stdio[0], TIOCSCTTY, 0);
	/* Our own stdio now go nowhere: the container's are in @stdio, and what the Sentry logs
	 * goes to --debug-log, not into the container's output. */
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		for (int i = 0; i < 3; i++)
			dup2(null, i);
		close(null);
	}
	/* Nothing of what create's caller left open reaches the sandbox. */
	int keep[] = { dirfd, sync, stdio[0], stdio[1], stdio[2], log_fd() };
	rt_close_fds_except(keep, sizeof(keep) / sizeof(keep[0]));
	struct sandbox_args a = { .g = g, .cfg = cfg, .dirfd = dirfd, .sync = sync };
	memcpy(a.stdio, stdio, sizeof(a.stdio));
	return sandbox_main(&a);
}

/* Runs one phase of hooks with the container's current state. */
static int run_hooks(const char *phase, const struct oci_hook *h, size_t n,
		     const struct rt_state *st, struct rt_error **err)
{
	if (n == 0)
		return 0;
	char *json = rt_state_oci_json(st);
	if (!json)
		return rt_error_make(err, ENOMEM, "%s hooks", phase);
	int rc = rt_hooks_run(phase, h, n, json, err);
	free(json);
	return rc;
}

static int annotations_copy(const struct oci_config *cfg, struct rt_state *st)
{
	if (!cfg->annotation_count)
		return 0;
	st->annotations = calloc(cfg->annotation_count, sizeof(*st->annotations));
	if (!st->annotations)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->annotation_count; i++) {
		st->annotations[i].key = strdup(cfg->annotations[i].key);
		st->annotations[i].value = strdup(cfg->annotations[i].value);
		st->annotation_count++;
		if (!st->annotations[i].key || !st->annotations[i].value)
			return -ENOMEM;
	}
	return 0;
}

/* The state being created, for note_cgroup. */
struct cg_note {
	int dirfd;
	struct rt_state *st;
};

/* Records the cgroup about to be made in the state before its first mkdir: a create killed
 * in between leaves what `delete --force` needs to remove it. */
static int note_cgroup(const char *handle, void *arg)
{
	struct cg_note *n = arg;
	char *copy = strdup(handle);
	if (!copy)
		return -ENOMEM;
	free(n->st->cgroup);
	n->st->cgroup = copy;
	struct rt_error *e = NULL;
	int rc = rt_state_save(n->dirfd, n->st, &e) < 0 ? -EIO : 0;
	rt_error_free(&e);
	return rc;
}

/* The cgroup of the sandbox: required when the config limits resources, best effort
 * otherwise (a rootless runsc may have no writable hierarchy). Recorded in @st as it is made. */
static int cgroup_setup(const struct rt_globals *g, const struct oci_config *cfg, const char *id,
			int dirfd, struct rt_state *st, struct rt_cgroup **ret,
			struct rt_error **err)
{
	struct rt_cgroup_limits lim = { .memory = cfg->lx.memory_limit, .pids = cfg->lx.pids_limit };
	struct rt_error *cerr = NULL;
	struct cg_note note = { dirfd, st };
	*ret = NULL;
	int rc = rt_cgroup_create_noted(cfg->lx.cgroups_path, id, g->systemd_cgroup, &lim,
					note_cgroup, &note, ret, &cerr);
	if (rc == 0)
		return 0;
	if (rc > 0 || (rc < 0 && !cerr)) {	/* the state could not be saved */
		rt_error_free(&cerr);
		return rt_error_make(err, -rc, "state: recording the cgroup");
	}
	if (lim.memory >= 0 || lim.pids >= 0) {
		*err = cerr;
		return -1;
	}
	log_msg(SENTRY_LOG_WARN, "create", "no cgroup for the sandbox: %s", cerr->msg);
	rt_error_free(&cerr);
	free(st->cgroup);	/* noted, but nothing is left of it */
	st->cgroup = NULL;
	return 0;
}

/* Everything create made, undone on failure. */
static void create_undo(const struct rt_globals *g, const char *id, struct rt_cgroup *cg,
			pid_t child)
{
	if (child > 0) {
		kill(child, SIGKILL);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (cg) {
		struct rt_error *e = NULL;
		rt_cgroup_kill(cg, &e);
		rt_error_free(&e);
		rt_cgroup_destroy(cg, &e);
		rt_error_free(&e);
	}
	struct rt_error *e = NULL;
	rt_state_remove(g->root, id, &e);
	rt_error_free(&e);
}

/* Creates container @o->id; on success *ret_pid is the sandbox process (our child). */
static int do_create(const struct rt_globals *g, const struct create_opts *o, pid_t *ret_pid,
		     struct rt_error **err)
{
	struct oci_config *cfg;
	if (oci_config_load(o->bundle, &cfg, err) < 0)
		return -1;
	int dirfd = -1, lockfd = -1, sv[2] = { -1, -1 }, stdio[3] = { -1, -1, -1 };
	struct rt_cgroup *cg = NULL;
	struct rt_state st = { 0 };
	pid_t child = 0;
	int rc = rt_state_dir_create(g->root, o->id, &dirfd, err);
	if (rc < 0) {
		oci_config_free(cfg);
		return -1;	/* an existing container is not ours to undo */
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	st.id = strdup(o->id);
	st.bundle = realpath(o->bundle, NULL);
	st.rootfs = strdup(cfg->root_path);
	st.status = strdup("creating");
	st.created_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	st.owner = getuid();
	if (!st.id || !st.bundle || !st.rootfs || !st.status || annotations_copy(cfg, &st) < 0)
		rc = rt_error_make(err, ENOMEM, "create");
	if (rc == 0)
		rc = rt_state_lock(dirfd, &lockfd, err);
	if (rc == 0)
		rc = cgroup_setup(g, cfg, o->id, dirfd, &st, &cg, err);
	if (rc == 0 && cg) {	/* what was really made (a directory may have been there) */
		free(st.cgroup);
		if (!(st.cgroup = strdup(rt_cgroup_handle(cg))))
			rc = rt_error_make(err, ENOMEM, "create");
	}
	if (rc == 0)
		rc = rt_state_save(dirfd, &st, err);
	if (rc == 0)
		rc = stdio_setup(cfg, o, stdio, err);
	if (rc == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		rc = rt_error_make(err, errno, "socketpair");
	pid_t self = getpid();
	/* The sandbox process is PID 1 of a PID namespace of its own: the Sentry, its Gofers
	 * and its platform's processes see no host process, and all die with it. A raw clone
	 * has fork's semantics here: create has no other thread. */
	if (rc == 0 && (child = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0)) < 0)
		rc = rt_error_make(err, errno, "clone (PID namespace)");
	if (rc == 0 && child == 0) {
		close(sv[0]);
		close(lockfd);	/* create's lock stays create's: no LOCK_UN on the shared file */
		struct rt_error *e = NULL;
		int code = 1;
		if (cg && rt_cgroup_join(cg, getpid(), &e) < 0) {
			sync_send(sv[1], e->msg);
			close(dirfd);
		} else {	/* the sandbox takes dirfd */
			code = sandbox_child(g, cfg, dirfd, sv[1], stdio, self,
					     cfg->process.terminal);
		}
		/* The copies of create's state go too, so the sandbox ends with nothing
		 * leaked (the sanitizer builds check). */
		rt_error_free(&e);
		rt_cgroup_free(cg);
		rt_state_clear(&st);
		oci_config_free(cfg);
		exit(code);
	}
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0)
			close(stdio[i]);
	if (sv[1] >= 0)
		close(sv[1]);
	char reply[1024];
	if (rc == 0) {
		ssize_t n = recv(sv[0], reply, sizeof(reply) - 1, 0);
		reply[n > 0 ? n : 0] = '\0';
		if (n <= 0)
			rc = rt_error_make(err, 0, "sandbox exited while being created");
		else if (strcmp(reply, "ok"))
			rc = rt_error_make(err, 0, "%s", reply);
	}
	if (rc == 0) {
		free(st.status);
		st.status = strdup("created");
		st.pid = child;
		st.pid_start = rt_proc_start_time(child);
		rc = st.status ? rt_state_save(dirfd, &st, err) : rt_error_make(err, ENOMEM, "state");
	}
	const struct oci_hooks *h = &cfg->hooks;
	if (rc == 0)
		rc = run_hooks("prestart", h->prestart, h->prestart_count, &st, err);
	if (rc == 0)
		rc = run_hooks("createRuntime", h->create_runtime, h->create_runtime_count, &st, err);
	if (rc == 0)
		rc = run_hooks("createContainer", h->create_container, h->create_container_count,
			       &st, err);
	if (rc == 0 && o->pid_file)
		rc = rt_write_pid_file(o->pid_file, child, err);
	if (rc == 0 && send(sv[0], "a", 1, MSG_NOSIGNAL) != 1)
		rc = rt_error_make(err, errno, "sandbox");
	char detached;
	if (rc == 0 && recv(sv[0], &detached, 1, 0) != 1)
		rc = rt_error_make(err, 0, "sandbox exited while being created");
	if (sv[0] >= 0)
		close(sv[0]);
	if (lockfd >= 0)
		rt_state_unlock(lockfd);
	close(dirfd);
	if (rc < 0)
		create_undo(g, o->id, cg, child);
	rt_cgroup_free(cg);
	rt_state_clear(&st);
	oci_config_free(cfg);
	if (rc == 0)
		*ret_pid = child;
	return rc < 0 ? -1 : 0;
}

static int parse_create(int argc, char **argv, struct create_opts *o, struct rt_error **err)
{
	*o = (struct create_opts){ .bundle = "." };
	const struct rt_opt opts[] = {
		{ .name = "bundle", .alias = "b", .value = &o->bundle },
		{ .name = "pid-file", .value = &o->pid_file },
		{ .name = "console-socket", .value = &o->console },
		{ .name = "preserve-fds", .value = &o->preserve_fds },
		{ .name = "no-pivot", .flag = &o->no_pivot },
		{ .name = "no-new-keyring", .flag = &o->no_new_keyring },
		{ .name = "detach", .alias = "d", .flag = &o->detach },
		{ 0 },
	};
	int i = rt_parse_opts(argc, argv, opts, err);
	if (i < 0 || rt_container_id_arg(argc, argv, i, 0, &o->id, err) < 0)
		return -1;
	if (o->preserve_fds && strcmp(o->preserve_fds, "0"))
		return rt_error_make(err, 0, "%s: --preserve-fds is not supported", argv[0]);
	return 0;
}

int rt_cmd_create(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	struct create_opts o;
	pid_t pid;
	if (parse_create(argc, argv, &o, err) < 0)
		return 1;
	if (!strcmp(argv[0], "create") && o.detach)
		return rt_error_make(err, 0, "create: flag provided but not defined: --detach"), 1;
	return do_create(g, &o, &pid, err) < 0 ? 1 : 0;
}

/* ---- start ---- */

static int do_start(const struct rt_globals *g, const char *id, struct rt_error **err)
{
	struct rt_container c;
	if (rt_container_open(g, id, 1, &c, err) < 0)
		return -1;
	const char *status = rt_state_status(&c.st);
	int rc = 0;
	if (strcmp(status, "created"))
		rc = rt_error_make(err, 0, strcmp(status, "running")
						   ? "cannot start a container that has stopped"
						   : "cannot start an already running container");
	/* Hooks come from the bundle's config, as runc reads them at start. */
	struct oci_config *cfg = NULL;
	if (rc == 0 && c.st.bundle && oci_config_load(c.st.bundle, &cfg, err) < 0)
		rc = -1;
	if (rc == 0 && cfg)
		rc = run_hooks("startContainer", cfg->hooks.start_container,
			       cfg->hooks.start_container_count, &c.st, err);
	json_object *reply = NULL;
	if (rc == 0) {
		json_object *req = json_object_new_object();
		json_object_object_add(req, "op", json_object_new_string("start"));
		rc = rt_container_call(&c, req, NULL, 0, &reply, err);
		json_object_put(reply);
	}
	if (rc == 0) {
		free(c.st.status);
		c.st.status = strdup("running");
		rc = c.st.status ? rt_state_save(c.dirfd, &c.st, err)
				 : rt_error_make(err, ENOMEM, "state");
	}
	if (rc == 0 && cfg) {
		/* A failing poststart hook is logged, not fatal (runtime spec). */
		struct rt_error *herr = NULL;
		if (run_hooks("poststart", cfg->hooks.poststart, cfg->hooks.poststart_count, &c.st,
			      &herr) < 0) {
			log_msg(SENTRY_LOG_WARN, "start", "%s", herr->msg);
			rt_error_free(&herr);
		}
	}
	oci_config_free(cfg);
	rt_container_close(&c);
	return rc < 0 ? -1 : 0;
}

int rt_cmd_start(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	const struct rt_opt opts[] = { { 0 } };
	const char *id;
	int i = rt_parse_opts(argc, argv, opts, err);
	if (i < 0 || rt_container_id_arg(argc, argv, i, 0, &id, err) < 0)
		return 1;
	return do_start(g, id, err) < 0 ? 1 : 0;
}

/* ---- run ---- */

/* Sends @sig to the container's PID 1, as runc run forwards the signals it gets. */
static void forward(const struct rt_globals *g, const char *id, int sig)
{
	struct rt_container c;
	struct rt_error *e = NULL;
	if (rt_container_open(g, id, 0, &c, &e) == 0) {
		json_object *req = json_object_new_object(), *reply = NULL;
		json_object_object_add(req, "op", json_object_new_string("kill"));
		json_object_object_add(req, "pid", json_object_new_int(1));
		json_object_object_add(req, "sig", json_object_new_int(sig));
		if (rt_container_call(&c, req, NULL, 0, &reply, &e) == 0)
			json_object_put(reply);
		rt_container_close(&c);
	}
	rt_error_free(&e);
}

/* Waits for the sandbox process @pid, passing each signal of @sfd on to the container; returns
 * its wait status. A pidfd tells of the exit when the kernel has them, else a 100 ms poll. */
static int run_wait(const struct rt_globals *g, const char *id, pid_t pid, int sfd)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int st = 0;
	for (;;) {
		struct pollfd fds[2] = { { .fd = sfd, .events = POLLIN },
					 { .fd = pfd, .events = POLLIN } };
		int n = poll(fds, pfd >= 0 ? 2 : 1, pfd >= 0 ? -1 : 100);
		struct signalfd_siginfo si;
		if (n > 0 && (fds[0].revents & POLLIN) && read(sfd, &si, sizeof(si)) == sizeof(si))
			forward(g, id, (int)si.ssi_signo);
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR) {
			st = 1 << 8;
			break;
		}
	}
	if (pfd >= 0)
		close(pfd);
	return st;
}

int rt_cmd_run(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	struct create_opts o;
	pid_t pid;
	if (parse_create(argc, argv, &o, err) < 0 || do_create(g, &o, &pid, err) < 0)
		return 1;
	/* Blocked before the container starts: a signal that comes while it runs is never this
	 * process's own death, nor lost in a gap before a handler, as runc forwards them all. */
	static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(fwd) / sizeof(fwd[0]); i++)
		sigaddset(&set, fwd[i]);
	int sfd = -1;
	if (!o.detach) {
		sigprocmask(SIG_BLOCK, &set, NULL);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
	}
	if (do_start(g, o.id, err) < 0) {
		struct rt_error *e = NULL;
		const char *del[] = { "delete", "--force", o.id, NULL };
		rt_cmd_delete(g, 3, (char **)del, &e);
		rt_error_free(&e);
		return 1;
	}
	if (o.detach)
		return 0;
	int st = sfd >= 0 ? run_wait(g, o.id, pid, sfd) : 0;
	if (sfd < 0 && waitpid(pid, &st, 0) < 0)
		st = 1 << 8;
	/* The signals stay blocked: one still pending must not end runsc before the delete. */
	if (sfd >= 0)
		close(sfd);
	const char *del[] = { "delete", "--force", o.id, NULL };
	rt_cmd_delete(g, 3, (char **)del, err);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ---- do ---- */

int rt_cmd_do(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	int i = 1;
	if (i < argc && !strcmp(argv[i], "--"))
		i++;
	if (i >= argc)
		return rt_error_make(err, 0, "do: missing command (runsc do CMD [ARG...])"), 1;
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "/");
	struct rt_sandbox sb = {
		.shares = { { .host = "/", .target = "/", .readonly = 1 } },
		.share_count = 1,
		.tmpfs = { { .target = "/tmp", .data = "mode=1777" } },
		.tmpfs_count = 1,
		.argv = argv + i,
		.envp = environ,
		.cwd = cwd,
		.uid = getuid(),
		.gid = getgid(),
	};
	int status = rt_sandbox_run(g, &sb, err);
	return status < 0 ? 1 : status;
}
