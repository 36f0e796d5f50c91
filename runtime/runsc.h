/*
 * runtime/runsc.h: what every runsc command receives.
 */
#pragma once

#include "error.h"

/* Global flags, given before the command (runc's and gVisor runsc's command line). */
struct rt_globals {
	const char *root;	/* --root: state directory */
	const char *log;	/* --log: log file */
	const char *log_format;	/* --log-format: text or json */
	const char *debug_log;	/* --debug-log */
	const char *platform;	/* --platform: platform plugin name */
	const char *network;	/* --network: none, sandbox, host */
	const char *plugin_dir;	/* --plugin-dir: where plugins are found */
	int debug;		/* --debug */
	int strace;		/* --strace */
	int systemd_cgroup;	/* --systemd-cgroup (accepted) */
};

/* A command: argv[0] is the command name. Returns runsc's exit status (0 or 1 for errors
 * reported through @err). */
typedef int (*rt_cmd_fn)(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);

int rt_cmd_spec(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_run(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_create(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_start(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_exec(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_kill(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_delete(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_state(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_list(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_ps(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_wait(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_events(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
/* pause and resume: refused with a clear message until the Sentry can freeze tasks. */
int rt_cmd_pause(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_do(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_plugins(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);
int rt_cmd_gofer(const struct rt_globals *g, int argc, char **argv, struct rt_error **err);

/* Parses "--name=value", "--name value", "-name value" forms of the flag @name at argv[*i].
 * Returns 1 and sets *@ret_value (advancing *@i past a separate value), 0 if argv[*i] is another
 * flag, or -1 when the value is missing (an error was made in *@err). */
int rt_flag_value(int argc, char **argv, int *i, const char *name, const char **ret_value,
		  struct rt_error **err);

/* Whether argv[i] is the boolean flag @name ("--debug", "-debug", "--debug=true"). */
int rt_flag_bool(const char *arg, const char *name, int *ret_value);

/* One command flag for rt_parse_opts: a value flag sets *value, a boolean sets *flag, a
 * repeatable value flag (--env) appends to *multi (a NULL-terminated array the caller frees,
 * strings borrowed from argv). @alias is a one-letter form or NULL. */
struct rt_opt {
	const char *name;
	const char *alias;
	const char **value;
	int *flag;
	char ***multi;
};

/* Parses argv[1..] of command argv[0] against @opts (terminated by a NULL name), stopping at
 * the first non-flag or after "--", as runc's flag parsing does. Returns the index of the
 * first positional argument, or -1 with "COMMAND: flag provided but not defined: -x" style
 * errors. */
int rt_parse_opts(int argc, char **argv, const struct rt_opt *opts, struct rt_error **err);
