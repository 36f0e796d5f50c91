/*
 * runtime/cmd_exec.c: `runsc exec`: a new process in the running sandbox's Sentry.
 *
 * The process shares the container's kernel and mounts; its stdio are ours (or a new pty's
 * slave, whose master goes to --console-socket), handed to the sandbox over the control
 * socket. runsc exec then waits for it and exits with its status. With --detach a child of
 * ours does the waiting and is what --pid-file names, so an engine that waits for that PID
 * (conmon) gets the process's exit status, as it would from runc.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "control.h"
#include "oci_config.h"
#include "runsc.h"

struct exec_opts {
	const char *process, *cwd, *user, *pid_file, *console, *id;
	const char *preserve_fds, *cap_unused, *label_unused;
	char **env;		/* --env, repeatable */
	int tty, detach, no_new_privs;
	char **args;		/* after the ID */
};

/* uid[:gid] as runc takes it (numbers only: names would need the container's passwd). */
static int parse_user(const char *s, uint32_t *uid, uint32_t *gid, struct rt_error **err)
{
	char *end;
	unsigned long u = strtoul(s, &end, 10);
	if (end == s || (*end && *end != ':') || u > UINT32_MAX)
		return rt_error_make(err, 0, "exec: --user \"%s\": expected UID[:GID]", s);
	*uid = (uint32_t)u;
	if (*end == ':') {
		const char *g = end + 1;
		unsigned long v = strtoul(g, &end, 10);
		if (end == g || *end || v > UINT32_MAX)
			return rt_error_make(err, 0, "exec: --user \"%s\": expected UID[:GID]", s);
		*gid = (uint32_t)v;
	}
	return 0;
}

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();
	for (; v && *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

/* The exec request: the --process file, or the arguments with the container's own process
 * (from its bundle) as the defaults runc uses: env plus --env, cwd, user. */
static int build_request(const struct exec_opts *o, const struct rt_container *c, int *tty,
			 json_object **ret, struct rt_error **err)
{
	struct oci_process proc = { 0 };
	struct oci_config *cfg = NULL;
	if (o->process) {
		if (oci_process_load(o->process, &proc, err) < 0)
			return -1;
	} else if (!o->args || !o->args[0]) {
		return rt_error_make(err, 0, "exec: no command given (runsc exec ID CMD [ARG...])");
	} else if (oci_config_load(c->st.bundle, &cfg, err) < 0) {
		return -1;
	}
	const struct oci_process *base = o->process ? &proc : &cfg->process;
	uint32_t uid = base->uid, gid = base->gid;
	int rc = o->user ? parse_user(o->user, &uid, &gid, err) : 0;
	if (rc == 0) {
		json_object *req = json_object_new_object();
		json_object_object_add(req, "op", json_object_new_string("exec"));
		json_object_object_add(req, "args", strv_json(o->process ? proc.args.v : o->args));
		json_object *env = strv_json(base->env.v);
		for (char **e = o->env; e && *e; e++)
			json_object_array_add(env, json_object_new_string(*e));
		json_object_object_add(req, "env", env);
		json_object_object_add(req, "cwd", json_object_new_string(o->cwd ? o->cwd
										   : base->cwd));
		json_object_object_add(req, "uid", json_object_new_int64(uid));
		json_object_object_add(req, "gid", json_object_new_int64(gid));
		/* runc's: the flag, or the process's own noNewPrivileges. */
		json_object_object_add(req, "no_new_privs",
				       json_object_new_boolean(o->no_new_privs ||
							       base->no_new_privileges));
		*tty = o->process ? proc.terminal : o->tty;
		*ret = req;
	}
	oci_process_clear(&proc);
	oci_config_free(cfg);
	return rc;
}

/* Starts the process and waits for it; @started (if >= 0) hears "ok" or the error line once
 * the process runs. Returns the exit status to report, or -1 with *@err set. */
static int exec_and_wait(struct rt_container *c, json_object *req, int tty, const char *console,
			 int started, struct rt_error **err)
{
	int fds[3] = { 0, 1, 2 }, slave = -1;
	if (tty && console) {
		if (rt_console_pty(console, NULL, &slave, err) < 0) {
			json_object_put(req);
			return -1;
		}
		fds[0] = fds[1] = fds[2] = slave;
	}
	int conn = rt_container_connect_fd(c, err);
	json_object *reply = NULL, *v;
	int rc = conn < 0 ? -1 : rt_control_call(conn, req, fds, 3, &reply, err);
	if (conn < 0)
		json_object_put(req);
	if (slave >= 0)
		close(slave);
	int pid = rc == 0 && json_object_object_get_ex(reply, "pid", &v) ? json_object_get_int(v)
									 : 0;
	json_object_put(reply);
	if (started >= 0) {
		const char *line = rc == 0 ? "ok" : (*err)->msg;
		(void)!write(started, line, strlen(line));
		close(started);
	}
	int code = -1;
	if (rc == 0) {
		json_object *w = json_object_new_object();
		json_object_object_add(w, "op", json_object_new_string("wait"));
		json_object_object_add(w, "pid", json_object_new_int(pid));
		rc = rt_control_call(conn, w, NULL, 0, &reply, err);
		if (rc == 0 && json_object_object_get_ex(reply, "status", &v)) {
			int st = json_object_get_int(v);
			code = (st & 0x7f) ? 128 + (st & 0x7f) : (st >> 8) & 0xff;
		}
		json_object_put(reply);
	}
	if (conn >= 0)
		close(conn);
	return rc < 0 ? -1 : code;
}

int rt_cmd_exec(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	struct exec_opts o = { 0 };
	const struct rt_opt opts[] = {
		{ .name = "process", .alias = "p", .value = &o.process },
		{ .name = "cwd", .value = &o.cwd },
		{ .name = "user", .alias = "u", .value = &o.user },
		{ .name = "pid-file", .value = &o.pid_file },
		{ .name = "console-socket", .value = &o.console },
		{ .name = "env", .alias = "e", .multi = &o.env },
		{ .name = "tty", .alias = "t", .flag = &o.tty },
		{ .name = "detach", .alias = "d", .flag = &o.detach },
		{ .name = "no-new-privs", .flag = &o.no_new_privs },
		{ .name = "preserve-fds", .value = &o.preserve_fds },
		{ .name = "cap", .alias = "c", .value = &o.cap_unused },
		{ .name = "process-label", .value = &o.label_unused },
		{ 0 },
	};
	int i = rt_parse_opts(argc, argv, opts, err), status = 1;
	struct rt_container c = { .dirfd = -1, .lockfd = -1 };
	json_object *req = NULL;
	int tty = 0;
	if (i < 0)
		goto out;
	if (i >= argc) {
		rt_error_make(err, 0, "exec: container id cannot be empty");
		goto out;
	}
	o.id = argv[i];
	o.args = argv + i + 1;
	if (o.preserve_fds && strcmp(o.preserve_fds, "0")) {
		rt_error_make(err, 0, "exec: --preserve-fds is not supported");
		goto out;
	}
	if (rt_container_open(g, o.id, 0, &c, err) < 0)
		goto out;
	if (strcmp(rt_state_status(&c.st), "running") && strcmp(rt_state_status(&c.st), "created")) {
		rt_error_make(err, 0, "cannot exec in a stopped container");
		goto out;
	}
	if (build_request(&o, &c, &tty, &req, err) < 0)
		goto out;
	if (tty && !o.console && o.detach) {
		json_object_put(req);
		rt_error_make(err, 0, "exec: cannot allocate tty if runc will detach without "
				      "setting console socket");
		goto out;
	}
	if (!o.detach) {
		if (o.pid_file && rt_write_pid_file(o.pid_file, getpid(), err) < 0) {
			json_object_put(req);
			goto out;
		}
		int code = exec_and_wait(&c, req, tty, o.console, -1, err);
		status = code < 0 ? 1 : code;
		goto out;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		json_object_put(req);
		rt_error_make(err, errno, "exec: pipe");
		goto out;
	}
	pid_t child = fork();
	if (child == 0) {
		close(p[0]);
		struct rt_error *e = NULL;
		int code = exec_and_wait(&c, req, tty, o.console, p[1], &e);
		rt_error_free(&e);
		rt_container_close(&c);
		free(o.env);
		exit(code < 0 ? 255 : code);
	}
	json_object_put(req);
	close(p[1]);
	char line[600];
	ssize_t n = child < 0 ? -1 : read(p[0], line, sizeof(line) - 1);
	close(p[0]);
	line[n > 0 ? n : 0] = '\0';
	if (child < 0)
		rt_error_make(err, errno, "exec: fork");
	else if (strcmp(line, "ok"))
		rt_error_make(err, 0, "%s", n > 0 ? line : "exec: the waiting process died");
	else if (!o.pid_file || rt_write_pid_file(o.pid_file, child, err) == 0)
		status = 0;
	if (status != 0 && child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
out:
	if (c.dirfd >= 0)
		rt_container_close(&c);
	free(o.env);
	return status;
}
