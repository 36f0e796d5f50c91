/*
 * runtime/cmd_gofer.c: `runsc gofer --root DIR --fd N [--ro] [--plugin-dir DIR]
 * [--backend NAME]`.
 *
 * Serves DIR over 9P2000.L on the stream socket N until the peer closes it. Order matters:
 * close every fd but 0-2, N and the log's (nothing of runsc's leaks into the served tree), load and
 * initialise the backend plugin (kind gofer, default "hostdir"), attach the root while host
 * paths still mean something, then confine: a private mount namespace and pivot_root into the
 * root (chroot when pivot_root is refused; neither without privilege), no_new_privs. The
 * backend reaches files only through the fds it holds after that.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "config.h"
#include "confine.h"
#include "gofer/gofer.h"
#include "plugin/plugin.h"
#include "plugin/services.h"
#include "runsc.h"
#include "util/log.h"

struct gofer_args {
	const char *root;
	const char *plugin_dir;
	const char *backend;
	int fd;
	int ro;
};

static int parse_args(const struct rt_globals *g, int argc, char **argv, struct gofer_args *a,
		      struct rt_error **err)
{
	const char *fd = NULL;

	*a = (struct gofer_args){ .plugin_dir = g->plugin_dir ? g->plugin_dir : PLUGINDIR,
				  .backend = "hostdir", .fd = -1 };
	for (int i = 1; i < argc; i++) {
		int m = rt_flag_value(argc, argv, &i, "root", &a->root, err);
		if (m == 0)
			m = rt_flag_value(argc, argv, &i, "fd", &fd, err);
		if (m == 0)
			m = rt_flag_value(argc, argv, &i, "plugin-dir", &a->plugin_dir, err);
		if (m == 0)
			m = rt_flag_value(argc, argv, &i, "backend", &a->backend, err);
		if (m < 0)
			return -1;
		if (m == 0 && !rt_flag_bool(argv[i], "ro", &a->ro))
			return rt_error_make(err, 0, "gofer: flag provided but not defined: %s",
					     argv[i]);
	}
	if (!a->root || !fd)
		return rt_error_make(err, 0, "gofer: --root DIR and --fd N are required");
	char *end;
	long n = strtol(fd, &end, 10);
	if (*end || end == fd || n < 0 || n > INT_MAX || fcntl((int)n, F_GETFD) < 0)
		return rt_error_make(err, EBADF, "gofer: --fd %s is not an open descriptor", fd);
	a->fd = (int)n;
	return 0;
}

/* Makes @root the process's "/" in mount and network namespaces of its own (the Gofer talks
 * only over the channel it holds). Returns 0, or -errno when the Gofer lacks the privilege (it
 * then serves from the fds it already holds, unconfined). */
static int confine(const char *root)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) == 0 &&
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
	    mount(root, root, NULL, MS_BIND | MS_REC, NULL) == 0 && chdir(root) == 0 &&
	    syscall(SYS_pivot_root, ".", ".") == 0 && umount2(".", MNT_DETACH) == 0 &&
	    chdir("/") == 0)
		return 0;
	if (chroot(root) == 0 && chdir("/") == 0)
		return 0;
	return -errno;
}

/* Loads and initialises the backend, attaches @a->root. */
static int open_backend(struct plg_set *set, struct sentry_services *svc,
			const struct gofer_args *a, struct gofer_export *exp, struct rt_error **err)
{
	int r = plg_set_load_dir(set, a->plugin_dir);
	if (r < 0)
		return rt_error_make(err, -r, "gofer: plugin directory %s", a->plugin_dir);
	struct plg_plugin *p = plg_set_find(set, SENTRY_PLUGIN_GOFER, a->backend);
	if (!p)
		return rt_error_make(err, ENOENT, "gofer: no gofer backend plugin \"%s\" in %s",
				     a->backend, a->plugin_dir);
	svc_init(svc);
	if ((r = plg_plugin_init(p, svc, NULL)) < 0)
		return rt_error_make(err, -r, "gofer: backend %s: init", a->backend);
	exp->ops = p->desc->ops;
	exp->ops_size = p->desc->ops_size;
	exp->flags = a->ro ? SENTRY_GOFER_RDONLY : 0;
	r = exp->ops->attach(p->state, a->root, exp->flags, &exp->root, &exp->root_qid);
	if (r < 0)
		return rt_error_make(err, -r, "gofer: %s", a->root);
	return 0;
}

/* The Gofer's own calls once confined: its channel and its end. */
static const struct sentry_host_rule g_gofer_rules[] = {
	SENTRY_ALLOW(SYS_sendto), SENTRY_ALLOW(SYS_recvfrom),
};

/* After confine: not traceable (the Sentry, a descendant with the same user, could otherwise
 * ptrace us into serving any path), only the backend's capabilities, and a filter of the base,
 * our channel and the backend's declared calls. Returns 0 or -1 with the reason logged. */
static int lock_down(const struct rt_globals *g, const struct plg_set *set, int task_dir)
{
	const struct hostfilter_set own[] = {
		hostfilter_base,
		{ "gofer", g_gofer_rules, sizeof(g_gofer_rules) / sizeof(g_gofer_rules[0]) },
	};
	char msg[256] = "not dumpable";
	int r = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ? -errno : 0;
	if (r == 0 && (r = rt_confine_caps(plg_set_host_caps(set), task_dir)) < 0)
		snprintf(msg, sizeof(msg), "capabilities: %s", strerror(-r));
	if (r == 0)
		r = hostfilter_install_with(set, own, sizeof(own) / sizeof(own[0]),
					    g->debug ? HOSTFILTER_TRAP | HOSTFILTER_PRINT : 0, msg,
					    sizeof(msg));
	if (r < 0)
		log_msg(SENTRY_LOG_ERR, "gofer", "confine: %s", msg);
	return r;
}

int rt_cmd_gofer(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	struct gofer_args a;
	struct plg_set set;
	struct sentry_services svc;
	struct gofer_export exp = { 0 };

	if (parse_args(g, argc, argv, &a, err) < 0)
		return 1;
	/* Nothing of our parent's but the channel and the log reaches the served tree. */
	int keep[] = { a.fd, log_fd() };
	rt_close_fds_except(keep, sizeof(keep) / sizeof(keep[0]));
	/* A peer that goes away mid-reply is an end of session, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	/* Modes come from the Sentry, which applied the application's umask already. */
	umask(0);
	plg_set_init(&set);
	int status = 1;
	if (open_backend(&set, &svc, &a, &exp, err) == 0) {
		rt_confine_prepare();	/* while host paths resolve */
		/* The host's, opened before the served tree (which may hold a /proc of its own)
		 * becomes the root; closed before serving. */
		int task_dir = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		int r = task_dir < 0 ? -errno : 0;
		if (r == 0) {
			int c = confine(a.root);
			if (c < 0)
				log_msg(SENTRY_LOG_INFO, "gofer", "not confined to %s: %s", a.root,
					strerror(-c));
			r = lock_down(g, &set, task_dir);
			close(task_dir);
		}
		if (r < 0)
			rt_error_make(err, -r, "gofer: confine");
		else if ((r = gofer_serve(a.fd, &exp)) < 0)
			rt_error_make(err, -r, "gofer: channel");
		status = r < 0;
	}
	if (exp.root)
		exp.ops->release(exp.root);
	(void)close(a.fd);
	plg_set_fini(&set);
	return status;
}
