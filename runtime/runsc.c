/*
 * runtime/runsc.c: the runsc command line. Parses the global flags and dispatches to
 * rt_cmd_<verb>() through one table, as crun does; the commands do the work.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "runsc.h"
#include "util/log.h"

static const struct {
	const char *name;
	rt_cmd_fn fn;
	const char *help;
} g_commands[] = {
	{ "plugins", rt_cmd_plugins, "list the plugins found and the ones refused" },
	{ "create", rt_cmd_create, "create a container from a bundle, its process not started" },
	{ "start", rt_cmd_start, "start the process of a created container" },
	{ "run", rt_cmd_run, "create and start a container, and wait for it unless --detach" },
	{ "exec", rt_cmd_exec, "run a new process in a running container" },
	{ "kill", rt_cmd_kill, "send a signal to the container's process (--all: every one)" },
	{ "delete", rt_cmd_delete, "delete a stopped container (--force: running too)" },
	{ "state", rt_cmd_state, "print the state of a container (JSON)" },
	{ "list", rt_cmd_list, "list containers (--format table|json)" },
	{ "ps", rt_cmd_ps, "list the processes of a container (--format table|json)" },
	{ "wait", rt_cmd_wait, "wait for a container's process to exit; print its status" },
	{ "events", rt_cmd_events, "print resource usage of a container (--stats: once)" },
	{ "pause", rt_cmd_pause, "not supported yet: freezing a sandbox" },
	{ "resume", rt_cmd_pause, "not supported yet: thawing a sandbox" },
	{ "do", rt_cmd_do, "run a command in a sandbox over the host's / (read-only)" },
	{ "spec", rt_cmd_spec, "write a default config.json into the bundle (--bundle DIR)" },
	{ "gofer", rt_cmd_gofer, "serve a directory over 9P2000.L (--root DIR --fd N [--ro])" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: runsc [global flags] COMMAND [flags] [args]\n\n"
		   "cvisor %s, an application kernel for containers (OCI runtime)\n\ncommands:\n",
		PACKAGE_VERSION);
	for (size_t i = 0; i < sizeof(g_commands) / sizeof(g_commands[0]); i++)
		fprintf(f, "  %-10s %s\n", g_commands[i].name, g_commands[i].help);
	fprintf(f, "\nglobal flags: --root DIR --log FILE --log-format text|json --debug --debug-log "
		   "FILE\n  --strace --platform NAME --network none|sandbox|host --plugin-dir DIR "
		   "--systemd-cgroup\n");
}

int rt_cmd_pause(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	(void)g;
	(void)argc;
	return rt_error_make(err, 0, "%s: not supported by cvisor yet (the Sentry cannot freeze "
				     "its tasks)", argv[0]), 1;
}

/* If @arg is "-NAME..." or "--NAME...", the text after NAME; else NULL. */
static const char *flag_match(const char *arg, const char *name)
{
	if (arg[0] != '-')
		return NULL;
	arg += arg[1] == '-' ? 2 : 1;
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 ? arg + n : NULL;
}

int rt_flag_bool(const char *arg, const char *name, int *ret_value)
{
	const char *rest = flag_match(arg, name);
	if (!rest)
		return 0;
	if (*rest == '\0' || strcmp(rest, "=true") == 0)
		*ret_value = 1;
	else if (strcmp(rest, "=false") == 0)
		*ret_value = 0;
	else
		return 0;
	return 1;
}

int rt_flag_value(int argc, char **argv, int *i, const char *name, const char **ret_value,
		  struct rt_error **err)
{
	const char *rest = flag_match(argv[*i], name);
	if (!rest || (*rest != '=' && *rest != '\0'))
		return 0;
	if (*rest == '=') {
		*ret_value = rest + 1;
		return 1;
	}
	if (*i + 1 >= argc) {
		rt_error_make(err, 0, "flag needs an argument: --%s", name);
		return -1;
	}
	*ret_value = argv[++*i];
	return 1;
}

static int opt_append(char ***multi, const char *v)
{
	size_t n = 0;
	while (*multi && (*multi)[n])
		n++;
	char **grown = realloc(*multi, (n + 2) * sizeof(char *));
	if (!grown)
		return -ENOMEM;
	grown[n] = (char *)v;
	grown[n + 1] = NULL;
	*multi = grown;
	return 0;
}

int rt_parse_opts(int argc, char **argv, const struct rt_opt *opts, struct rt_error **err)
{
	int i;
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "--"))
			return i + 1;
		int m = 0;
		for (const struct rt_opt *o = opts; o->name && !m; o++) {
			for (int pass = 0; pass < 2 && !m; pass++) {
				const char *name = pass ? o->alias : o->name;
				if (!name)
					continue;
				if (o->flag) {
					m = rt_flag_bool(argv[i], name, o->flag);
					continue;
				}
				const char *v;
				m = rt_flag_value(argc, argv, &i, name, &v, err);
				if (m < 0)
					return -1;
				if (m && o->value)
					*o->value = v;
				if (m && o->multi && opt_append(o->multi, v) < 0)
					return rt_error_make(err, ENOMEM, "%s", argv[0]);
			}
		}
		if (!m)
			return rt_error_make(err, 0, "%s: flag provided but not defined: %s", argv[0],
					     argv[i]);
	}
	return i;
}

/* Consumes global flags from argv[1..]; returns the index of the command or -1 on error. */
static int parse_globals(int argc, char **argv, struct rt_globals *g, struct rt_error **err)
{
	static const struct {
		const char *name;
		size_t off;
	} values[] = {
		{ "root", offsetof(struct rt_globals, root) },
		{ "log-format", offsetof(struct rt_globals, log_format) },
		{ "log", offsetof(struct rt_globals, log) },
		{ "debug-log", offsetof(struct rt_globals, debug_log) },
		{ "platform", offsetof(struct rt_globals, platform) },
		{ "network", offsetof(struct rt_globals, network) },
		{ "plugin-dir", offsetof(struct rt_globals, plugin_dir) },
	};
	int i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		int matched = 0;
		for (size_t k = 0; k < sizeof(values) / sizeof(values[0]) && !matched; k++) {
			const char **slot = (const char **)((char *)g + values[k].off);
			matched = rt_flag_value(argc, argv, &i, values[k].name, slot, err);
			if (matched < 0)
				return -1;
		}
		if (!matched && !rt_flag_bool(argv[i], "debug", &g->debug) &&
		    !rt_flag_bool(argv[i], "strace", &g->strace) &&
		    !rt_flag_bool(argv[i], "systemd-cgroup", &g->systemd_cgroup)) {
			rt_error_make(err, 0, "flag provided but not defined: %s", argv[i]);
			return -1;
		}
	}
	if (g->network && strcmp(g->network, "none") && strcmp(g->network, "sandbox") &&
	    strcmp(g->network, "host")) {
		rt_error_make(err, 0, "invalid network type \"%s\": must be none, sandbox or host",
			      g->network);
		return -1;
	}
	return i;
}

/* --debug-log: a path ending in "/" is a directory getting one file per process and command
 * (runsc.PID.COMMAND.log, as gVisor names them), so the Sentry's and each Gofer's logs stay
 * apart; any other path is appended to. Logging goes there instead of stderr. */
static int open_debug_log(const char *path, const char *command, struct rt_error **err)
{
	char name[4096];
	size_t n = strlen(path);
	if (n && path[n - 1] == '/')
		snprintf(name, sizeof(name), "%srunsc.%d.%s.log", path, (int)getpid(), command);
	else
		snprintf(name, sizeof(name), "%s", path);
	FILE *f = fopen(name, "ae");
	if (!f)
		return rt_error_make(err, errno, "--debug-log %s", name);
	setvbuf(f, NULL, _IOLBF, 0);
	log_set_file(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct rt_globals g = { .root = "/run/runsc", .network = "sandbox", .platform = "ptrace" };
	struct rt_error *err = NULL;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-v"))) {
		printf("runsc version %s (cvisor)\nspec: 1.1.0\n", PACKAGE_VERSION);
		return 0;
	}

	int cmd = parse_globals(argc, argv, &g, &err);
	if (cmd < 0)
		return rt_error_report(&err);
	if (cmd >= argc) {
		usage(stderr);
		return 1;
	}
	if (g.debug)
		log_set_level(SENTRY_LOG_DEBUG);
	if (g.log_format && strcmp(g.log_format, "text") && strcmp(g.log_format, "json")) {
		rt_error_make(&err, 0, "invalid log format \"%s\": must be text or json", g.log_format);
		return rt_error_report(&err);
	}
	log_set_json(g.log_format && !strcmp(g.log_format, "json"));
	/* --log is runc's: the file gets the warnings and the error; --debug-log, when given too,
	 * takes precedence, as it also gets the debug output. */
	const char *logpath = g.debug_log ? g.debug_log : g.log;
	if (logpath && open_debug_log(logpath, argv[cmd], &err) < 0)
		return rt_error_report(&err);
	/* Tests and in-tree use point at the build's plugins.d without repeating the flag. */
	if (!g.plugin_dir)
		g.plugin_dir = getenv("CVISOR_PLUGIN_DIR");

	for (size_t k = 0; k < sizeof(g_commands) / sizeof(g_commands[0]); k++) {
		if (strcmp(argv[cmd], g_commands[k].name) == 0) {
			int status = g_commands[k].fn(&g, argc - cmd, argv + cmd, &err);
			if (err)
				return rt_error_report(&err);
			return status;
		}
	}
	rt_error_make(&err, 0, "unknown command \"%s\" (runsc --help lists the commands)", argv[cmd]);
	return rt_error_report(&err);
}
