/*
 * runtime/cmd_run.c: `runsc run [--bundle DIR] ID` runs a container in the foreground, and
 * `runsc do CMD [ARG...]` runs a command in a sandbox over the host's root, read-only, as
 * gVisor's `runsc do` does (with /tmp a fresh tmpfs: there is no overlay yet).
 *
 * The container's state (create/start/state/delete) comes with the OCI command line (#6); run
 * is create + start + wait in one process, which is what `runsc run` callers observe.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "oci_config.h"
#include "runsc.h"
#include "sandbox.h"
#include "util/log.h"

extern char **environ;

/* runc's container ID rule: [A-Za-z0-9_+.-]+, and not "." or "..". */
static int id_valid(const char *id)
{
	if (!*id || !strcmp(id, ".") || !strcmp(id, ".."))
		return 0;
	for (; *id; id++)
		if (!isalnum((unsigned char)*id) && !strchr("_+.-", *id))
			return 0;
	return 1;
}

/* Mounts the Sentry makes itself (/dev and below) or cannot serve yet are left out; bind
 * mounts become shares, tmpfs becomes memfs. */
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
		sb->shares[sb->share_count++] = (struct rt_share){
			.host = m->source, .target = d, .readonly = (m->flags & MS_RDONLY) != 0 };
		return 0;
	}
	if (m->type && !strcmp(m->type, "tmpfs")) {
		if (sb->tmpfs_count == sizeof(sb->tmpfs) / sizeof(sb->tmpfs[0]))
			return rt_error_make(err, 0, "mounts: too many tmpfs mounts");
		sb->tmpfs[sb->tmpfs_count++] = (struct rt_tmpfs){
			.target = d, .data = m->data, .flags = m->flags & ~(uint64_t)MS_BIND };
		return 0;
	}
	/* proc, sysfs, mqueue, cgroup: the Sentry's own filesystems come later (#5, #6). */
	log_msg(SENTRY_LOG_DEBUG, "run", "mount %s (%s) skipped: not served yet", d,
		m->type ? m->type : "?");
	return 0;
}

int rt_cmd_run(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	const char *bundle = ".", *pid_file = NULL, *console = NULL, *id = NULL;
	int detach = 0;
	for (int i = 1; i < argc; i++) {
		int m = rt_flag_value(argc, argv, &i, "bundle", &bundle, err);
		if (m == 0)
			m = rt_flag_value(argc, argv, &i, "b", &bundle, err);
		if (m == 0)
			m = rt_flag_value(argc, argv, &i, "pid-file", &pid_file, err);
		if (m == 0)
			m = rt_flag_value(argc, argv, &i, "console-socket", &console, err);
		if (m == 0)
			m = rt_flag_bool(argv[i], "detach", &detach) || rt_flag_bool(argv[i], "d", &detach);
		if (m < 0)
			return 1;
		if (m)
			continue;
		if (argv[i][0] == '-')
			return rt_error_make(err, 0, "run: flag provided but not defined: %s", argv[i]), 1;
		if (id)
			return rt_error_make(err, 0, "run: too many arguments: \"%s\"", argv[i]), 1;
		id = argv[i];
	}
	if (!id)
		return rt_error_make(err, 0, "run: container id cannot be empty"), 1;
	if (!id_valid(id))
		return rt_error_make(err, 0, "run: invalid container id format \"%s\"", id), 1;
	if (detach || console)
		return rt_error_make(err, 0, "run: --detach and --console-socket need the container "
					     "lifecycle, not implemented yet"), 1;
	char abs[PATH_MAX];
	if (!realpath(bundle, abs))
		return rt_error_make(err, errno, "run: bundle %s", bundle), 1;
	struct oci_config *cfg;
	if (oci_config_load(abs, &cfg, err) < 0)
		return 1;
	struct rt_sandbox sb = {
		.shares = { { .host = cfg->root_path, .target = "/", .readonly = cfg->root_readonly } },
		.share_count = 1,
		.argv = cfg->process.args.v,
		.envp = cfg->process.env.v,
		.cwd = cfg->process.cwd,
		.uid = cfg->process.uid,
		.gid = cfg->process.gid,
	};
	int status = 0;
	for (size_t i = 0; i < cfg->mount_count && status == 0; i++)
		status = add_mount(&sb, &cfg->mounts[i], err);
	if (status == 0 && pid_file) {
		FILE *f = fopen(pid_file, "w");
		if (!f || fprintf(f, "%d", getpid()) < 0 || fclose(f) != 0)
			status = rt_error_make(err, errno, "run: pid file %s", pid_file);
	}
	if (status == 0)
		status = rt_sandbox_run(g, &sb, err);
	oci_config_free(cfg);
	return status < 0 ? 1 : status;
}

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
