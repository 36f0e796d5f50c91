/*
 * runtime/cmd_state.c: the commands that look at or end a container: state, list, kill,
 * delete, ps, wait, events. Output formats follow runc (state, list) and gVisor's runsc (ps,
 * wait, events), which is what engines and scripts parse.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "hooks.h"
#include "oci_config.h"
#include "runsc.h"
#include "util/log.h"

static int one_id(int argc, char **argv, const struct rt_opt *opts, int extra, const char **id,
		  struct rt_error **err)
{
	int i = rt_parse_opts(argc, argv, opts, err);
	if (i < 0 || rt_container_id_arg(argc, argv, i, extra, id, err) < 0)
		return -1;
	return i;
}

/* ---- state ---- */

/* The state as reported: the live status, PID 0 once stopped (runc prints it so). */
static char *state_json(struct rt_container *c)
{
	const char *status = rt_state_status(&c->st);
	struct rt_state shown = c->st;
	shown.status = (char *)status;
	if (!strcmp(status, "stopped"))
		shown.pid = 0;
	return rt_state_oci_json(&shown);
}

int rt_cmd_state(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	const struct rt_opt opts[] = { { 0 } };
	const char *id;
	struct rt_container c;
	if (one_id(argc, argv, opts, 0, &id, err) < 0 || rt_container_open(g, id, 0, &c, err) < 0)
		return 1;
	char *json = state_json(&c);
	rt_container_close(&c);
	if (!json)
		return rt_error_make(err, ENOMEM, "state"), 1;
	printf("%s\n", json);
	free(json);
	return 0;
}

/* ---- list ---- */

struct list_acc {
	int json, quiet;
	json_object *arr;			/* --format json */
	char **rows[6];				/* table columns */
	size_t n, cap;
};

static int list_one(const struct rt_state *st, void *arg)
{
	struct list_acc *a = arg;
	const char *status = rt_state_status(st);
	int stopped = !strcmp(status, "stopped");
	if (a->json) {
		struct rt_state shown = *st;
		shown.status = (char *)status;
		if (stopped)
			shown.pid = 0;
		char *text = rt_state_oci_json(&shown);
		json_object *o = text ? json_tokener_parse(text) : NULL;
		free(text);
		if (!o)
			return -ENOMEM;
		json_object_array_add(a->arr, o);
		return 0;
	}
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		for (int k = 0; k < 6; k++) {
			char **grown = realloc(a->rows[k], a->cap * sizeof(char *));
			if (!grown)
				return -ENOMEM;
			a->rows[k] = grown;
		}
	}
	char created[64];
	rt_state_format_time(st->created_ns, created, sizeof(created));
	char *cols[6] = { NULL };
	if (asprintf(&cols[0], "%s", st->id) < 0 || asprintf(&cols[1], "%d", stopped ? 0 : st->pid) < 0 ||
	    asprintf(&cols[2], "%s", status) < 0 ||
	    asprintf(&cols[3], "%s", st->bundle ? st->bundle : "") < 0 ||
	    asprintf(&cols[4], "%s", created) < 0 || asprintf(&cols[5], "%s", "root") < 0)
		return -ENOMEM;
	for (int k = 0; k < 6; k++)
		a->rows[k][a->n] = cols[k];
	a->n++;
	return 0;
}

/* runc's tabwriter layout: each column as wide as its widest cell plus three spaces. */
static void list_print(struct list_acc *a)
{
	static const char *const head[6] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
	size_t w[6];
	for (int k = 0; k < 6; k++) {
		w[k] = strlen(head[k]);
		for (size_t r = 0; r < a->n; r++)
			if (strlen(a->rows[k][r]) > w[k])
				w[k] = strlen(a->rows[k][r]);
	}
	for (size_t r = 0; r <= a->n; r++)
		for (int k = 0; k < 6; k++) {
			const char *cell = r == 0 ? head[k] : a->rows[k][r - 1];
			if (k == 5)
				printf("%s\n", cell);
			else
				printf("%-*s   ", (int)w[k], cell);
		}
}

int rt_cmd_list(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	const char *format = "table";
	struct list_acc a = { 0 };
	const struct rt_opt opts[] = {
		{ .name = "format", .alias = "f", .value = &format },
		{ .name = "quiet", .alias = "q", .flag = &a.quiet },
		{ 0 },
	};
	int i = rt_parse_opts(argc, argv, opts, err);
	if (i < 0)
		return 1;
	if (i < argc)
		return rt_error_make(err, 0, "list: too many arguments: \"%s\"", argv[i]), 1;
	if (strcmp(format, "table") && strcmp(format, "json"))
		return rt_error_make(err, 0, "list: invalid format option \"%s\"", format), 1;
	a.json = !strcmp(format, "json") && !a.quiet;
	if (a.json)
		a.arr = json_object_new_array();
	int rc = rt_state_list(g->root, list_one, &a, err);
	if (rc == 0 && a.json)
		printf("%s\n", json_object_to_json_string_ext(a.arr, JSON_C_TO_STRING_PLAIN));
	else if (rc == 0 && a.quiet)
		for (size_t r = 0; r < a.n; r++)
			printf("%s\n", a.rows[0][r]);
	else if (rc == 0)
		list_print(&a);
	else if (!*err)
		rt_error_make(err, -rc, "list");
	json_object_put(a.arr);
	for (int k = 0; k < 6; k++) {
		for (size_t r = 0; r < a.n; r++)
			free(a.rows[k][r]);
		free(a.rows[k]);
	}
	return rc < 0 ? 1 : 0;
}

/* ---- kill ---- */

static int send_kill(struct rt_container *c, int pid, int sig, struct rt_error **err)
{
	json_object *req = json_object_new_object(), *reply = NULL;
	json_object_object_add(req, "op", json_object_new_string("kill"));
	json_object_object_add(req, "pid", json_object_new_int(pid));
	json_object_object_add(req, "sig", json_object_new_int(sig));
	if (rt_container_call(c, req, NULL, 0, &reply, err) < 0)
		return -1;
	json_object_put(reply);
	return 0;
}

int rt_cmd_kill(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	int all = 0;
	const char *pid_s = NULL;
	const struct rt_opt opts[] = {
		{ .name = "all", .alias = "a", .flag = &all },
		{ .name = "pid", .value = &pid_s },
		{ 0 },
	};
	const char *id;
	int i = rt_parse_opts(argc, argv, opts, err);
	if (i < 0 || rt_container_id_arg(argc, argv, i, i + 1 < argc, &id, err) < 0)
		return 1;
	int sig = SIGTERM;
	if (i + 1 < argc && rt_signal_parse(argv[i + 1], &sig) < 0)
		return rt_error_make(err, 0, "kill: unknown signal \"%s\"", argv[i + 1]), 1;
	int pid = all ? -1 : 1;
	if (pid_s && !all && ((pid = atoi(pid_s)) <= 0))
		return rt_error_make(err, 0, "kill: invalid --pid \"%s\"", pid_s), 1;
	struct rt_container c;
	if (rt_container_open(g, id, 1, &c, err) < 0)
		return 1;
	int rc = 0;
	const char *status = rt_state_status(&c.st);
	if (strcmp(status, "created") && strcmp(status, "running"))
		rc = rt_error_make(err, 0, "container not running");
	if (rc == 0 && send_kill(&c, pid, sig, err) < 0) {
		/* A sandbox that cannot answer still dies of SIGKILL. */
		if (sig == SIGKILL && pid < 2 && rt_state_pid_alive(&c.st)) {
			rt_error_free(err);
			kill(c.st.pid, SIGKILL);
		} else {
			rc = -1;
		}
	}
	rt_container_close(&c);
	return rc < 0 ? 1 : 0;
}

/* ---- delete ---- */

/* Stops every host process of the container: the sandbox (which takes its Gofers and stubs
 * with it) and whatever else is in its cgroup. */
static void stop_all(struct rt_container *c, struct rt_cgroup *cg)
{
	if (rt_state_pid_alive(&c->st))
		kill(c->st.pid, SIGKILL);
	struct rt_error *e = NULL;
	if (cg && rt_cgroup_kill(cg, &e) < 0) {
		log_msg(SENTRY_LOG_WARN, "delete", "%s", e->msg);
		rt_error_free(&e);
	}
	if (rt_container_wait_gone(&c->st, 5000) < 0)
		log_msg(SENTRY_LOG_WARN, "delete", "sandbox %d still there after SIGKILL", c->st.pid);
}

int rt_cmd_delete(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	int force = 0;
	const struct rt_opt opts[] = { { .name = "force", .alias = "f", .flag = &force }, { 0 } };
	const char *id;
	struct rt_container c;
	if (one_id(argc, argv, opts, 0, &id, err) < 0)
		return 1;
	if (rt_container_open(g, id, 1, &c, err) < 0) {
		/* runc: --force on a container that is not there is not an error. A state
		 * directory whose state.json never got written is a create killed early. */
		if (force) {
			rt_error_free(err);
			rt_state_remove(g->root, id, err);
			if (*err)
				return 1;
			return 0;
		}
		return 1;
	}
	const char *status = rt_state_status(&c.st);
	if (!force && strcmp(status, "stopped") && strcmp(status, "created")) {
		rt_error_make(err, 0, "cannot delete container %s that is not stopped: %s", id,
			      status);
		rt_container_close(&c);
		return 1;
	}
	struct rt_cgroup *cg = NULL;
	if (c.st.cgroup && rt_cgroup_open(c.st.cgroup, &cg, err) < 0) {
		log_msg(SENTRY_LOG_WARN, "delete", "%s", (*err)->msg);
		rt_error_free(err);
	}
	stop_all(&c, cg);
	struct oci_config *cfg = NULL;
	struct rt_error *e = NULL;
	if (c.st.bundle && oci_config_load(c.st.bundle, &cfg, &e) == 0 &&
	    cfg->hooks.poststop_count) {
		struct rt_state shown = c.st;
		shown.status = "stopped";
		shown.pid = 0;
		char *json = rt_state_oci_json(&shown);
		/* A failing poststop hook is logged, and delete goes on (runtime spec). */
		if (json && rt_hooks_run("poststop", cfg->hooks.poststop, cfg->hooks.poststop_count,
					 json, &e) < 0)
			log_msg(SENTRY_LOG_WARN, "delete", "%s", e->msg);
		free(json);
	}
	rt_error_free(&e);
	oci_config_free(cfg);
	if (cg && rt_cgroup_destroy(cg, &e) < 0) {
		log_msg(SENTRY_LOG_WARN, "delete", "%s", e->msg);
		rt_error_free(&e);
	}
	rt_cgroup_free(cg);
	rt_container_close(&c);
	return rt_state_remove(g->root, id, err) < 0 ? 1 : 0;
}

/* ---- ps ---- */

static void ps_time(int64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, size, "%H:%M", &tm);
}

int rt_cmd_ps(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	const char *format = "table";
	const struct rt_opt opts[] = { { .name = "format", .alias = "f", .value = &format },
				       { 0 } };
	const char *id;
	struct rt_container c;
	if (one_id(argc, argv, opts, 0, &id, err) < 0)
		return 1;
	if (strcmp(format, "table") && strcmp(format, "json"))
		return rt_error_make(err, 0, "ps: invalid format option \"%s\"", format), 1;
	if (rt_container_open(g, id, 0, &c, err) < 0)
		return 1;
	json_object *req = json_object_new_object(), *reply = NULL, *procs;
	json_object_object_add(req, "op", json_object_new_string("ps"));
	int rc = rt_container_call(&c, req, NULL, 0, &reply, err);
	rt_container_close(&c);
	if (rc < 0)
		return 1;
	if (!json_object_object_get_ex(reply, "procs", &procs))
		procs = NULL;
	size_t n = procs ? json_object_array_length(procs) : 0;
	json_object *out = json_object_new_array();
	if (strcmp(format, "json"))
		printf("UID       PID       PPID      C         STIME     TIME      TTY       CMD\n");
	for (size_t k = 0; k < n; k++) {
		json_object *p = json_object_array_get_idx(procs, k), *v;
		int64_t f[4] = { 0 };
		const char *keys[4] = { "uid", "pid", "ppid", "start_ns" };
		for (int j = 0; j < 4; j++)
			if (json_object_object_get_ex(p, keys[j], &v))
				f[j] = json_object_get_int64(v);
		const char *cmd = json_object_object_get_ex(p, "cmd", &v) ? json_object_get_string(v)
									  : "";
		char stime[16];
		ps_time(f[3], stime, sizeof(stime));
		if (strcmp(format, "json")) {
			printf("%-9lld %-9lld %-9lld 0         %-9s 0s        ?         %s\n",
			       (long long)f[0], (long long)f[1], (long long)f[2], stime, cmd);
			continue;
		}
		/* gVisor's runsc ps --format=json fields. */
		json_object *o = json_object_new_object();
		json_object_object_add(o, "UID", json_object_new_int64(f[0]));
		json_object_object_add(o, "PID", json_object_new_int64(f[1]));
		json_object_object_add(o, "PPID", json_object_new_int64(f[2]));
		json_object_object_add(o, "C", json_object_new_int(0));
		json_object_object_add(o, "STime", json_object_new_string(stime));
		json_object_object_add(o, "Time", json_object_new_string("0s"));
		json_object_object_add(o, "TTY", json_object_new_string("?"));
		json_object_object_add(o, "Cmd", json_object_new_string(cmd));
		json_object_array_add(out, o);
	}
	if (!strcmp(format, "json"))
		printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
	json_object_put(out);
	json_object_put(reply);
	return 0;
}

/* ---- wait ---- */

int rt_cmd_wait(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	const char *pid_s = NULL;
	const struct rt_opt opts[] = { { .name = "pid", .value = &pid_s }, { 0 } };
	const char *id;
	struct rt_container c;
	if (one_id(argc, argv, opts, 0, &id, err) < 0 || rt_container_open(g, id, 0, &c, err) < 0)
		return 1;
	int pid = pid_s ? atoi(pid_s) : 1, code = -1, rc = 0;
	if (rt_state_pid_alive(&c.st)) {
		json_object *req = json_object_new_object(), *reply = NULL, *v;
		json_object_object_add(req, "op", json_object_new_string("wait"));
		json_object_object_add(req, "pid", json_object_new_int(pid));
		rc = rt_container_call(&c, req, NULL, 0, &reply, err);
		if (rc == 0 && json_object_object_get_ex(reply, "status", &v)) {
			int st = json_object_get_int(v);
			code = (st & 0x7f) ? 128 + (st & 0x7f) : (st >> 8) & 0xff;
		}
		json_object_put(reply);
		if (rc < 0 && pid == 1 && rt_container_wait_gone(&c.st, 10000) == 0) {
			rt_error_free(err);	/* it ended while we asked */
			rc = 0;
		}
	}
	if (rc == 0 && code < 0 && pid == 1)
		code = rt_container_exit_status(&c);
	if (rc == 0 && code < 0)
		rc = rt_error_make(err, 0, "wait: no exit status for pid %d", pid);
	if (rc == 0)
		printf("{\"id\":\"%s\",\"exitStatus\":%d}\n", id, code);
	rt_container_close(&c);
	return rc < 0 ? 1 : 0;
}

/* ---- events ---- */

static int print_stats(struct rt_container *c, struct rt_error **err)
{
	struct rt_cgroup *cg = NULL;
	struct rt_cgroup_stats s = { 0 };
	if (!c->st.cgroup)
		return rt_error_make(err, 0, "events: container %s has no cgroup", c->st.id);
	if (rt_cgroup_open(c->st.cgroup, &cg, err) < 0)
		return -1;
	int rc = rt_cgroup_stats(cg, &s, err);
	rt_cgroup_free(cg);
	if (rc < 0)
		return -1;
	json_object *o = json_object_new_object(), *data = json_object_new_object();
	json_object *cpu = json_object_new_object(), *usage = json_object_new_object();
	json_object_object_add(usage, "total", json_object_new_int64((int64_t)s.cpu_usage_ns));
	json_object_object_add(cpu, "usage", usage);
	json_object *mem = json_object_new_object(), *mu = json_object_new_object();
	json_object_object_add(mu, "usage", json_object_new_int64((int64_t)s.memory_usage));
	json_object_object_add(mu, "max", json_object_new_int64((int64_t)s.memory_max_usage));
	json_object_object_add(mu, "limit", json_object_new_uint64(s.memory_limit));
	json_object_object_add(mem, "usage", mu);
	json_object *pids = json_object_new_object();
	json_object_object_add(pids, "current", json_object_new_int64((int64_t)s.pids_current));
	json_object_object_add(pids, "limit", json_object_new_uint64(s.pids_limit));
	json_object_object_add(data, "cpu", cpu);
	json_object_object_add(data, "memory", mem);
	json_object_object_add(data, "pids", pids);
	json_object_object_add(o, "type", json_object_new_string("stats"));
	json_object_object_add(o, "id", json_object_new_string(c->st.id));
	json_object_object_add(o, "data", data);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
	return 0;
}

int rt_cmd_events(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	int stats = 0;
	const char *interval = "5s";
	const struct rt_opt opts[] = { { .name = "stats", .flag = &stats },
				       { .name = "interval", .value = &interval },
				       { 0 } };
	const char *id;
	if (one_id(argc, argv, opts, 0, &id, err) < 0)
		return 1;
	char *end;
	double secs = strtod(interval, &end);
	if (end == interval || (*end && strcmp(end, "s")) || secs <= 0)
		return rt_error_make(err, 0, "events: invalid --interval \"%s\"", interval), 1;
	for (;;) {
		struct rt_container c;
		if (rt_container_open(g, id, 0, &c, err) < 0)
			return 1;
		int alive = rt_state_pid_alive(&c.st);
		int rc = alive || stats ? print_stats(&c, err) : 0;
		rt_container_close(&c);
		if (rc < 0)
			return 1;
		if (stats || !alive)
			return 0;	/* --stats: once; otherwise until the container ends */
		struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };
		nanosleep(&ts, NULL);
	}
}
