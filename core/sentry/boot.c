/*
 * core/sentry/boot.c: from a composition to a running first process (see boot.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dev/dev.h"
#include "fd/fdtable.h"
#include "kernel/task.h"
#include "proc/procfs.h"
#include "sentry/boot.h"
#include "sentry/compose.h"
#include "sys/sys.h"
#include "vfs/vfs.h"

/* Links a container's /dev holds besides the nodes (runc's defaults). */
static const struct {
	const char *name, *target;
} g_dev_links[] = {
	{ "fd", "/proc/self/fd" },
	{ "stdin", "/proc/self/fd/0" },
	{ "stdout", "/proc/self/fd/1" },
	{ "stderr", "/proc/self/fd/2" },
	{ "ptmx", "pts/ptmx" },
};

static int fail(char *msg, size_t size, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < size)
		snprintf(msg + n, size - (size_t)n, ": %s", strerror(-rc));
	return rc;
}

static struct plg_plugin *fs_plugin(const struct sentry_composition *c, const char *name)
{
	for (size_t i = 0; i < c->fs_count; i++)
		if (strcmp(c->fs[i]->desc->name, name) == 0)
			return c->fs[i];
	return NULL;
}

/* The filesystem plugin names the mounts use, each once, for compose. */
static size_t fs_names(const struct boot_config *cfg, const char **names, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i <= cfg->mount_count && n + 1 < max; i++) {
		const char *want = i == 0 ? cfg->root.fs : cfg->mounts[i - 1].fs;
		size_t k = 0;
		while (k < n && strcmp(names[k], want))
			k++;
		if (k == n)
			names[n++] = want;
	}
	if (cfg->make_dev && n + 1 < max) {
		size_t k = 0;
		while (k < n && strcmp(names[k], "memfs"))
			k++;
		if (k == n)
			names[n++] = "memfs";
	}
	names[n] = NULL;
	return n;
}

/* mkdir -p of a mount target, as runc creates missing destinations in the rootfs. */
static int make_target(struct vfs_ctx *ctx, const char *target)
{
	char path[4096];
	if (snprintf(path, sizeof(path), "%s", target) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		int rc = vfs_mkdirat(ctx, NULL, path, 0755);
		if (rc < 0 && rc != -EEXIST)
			return rc;
		if (!c)
			return 0;
		*p = c;
	}
}

static int make_root(const struct boot_config *cfg, const struct sentry_composition *c,
		     const struct sentry_creds *creds, struct vfs_ctx **ret_ctx)
{
	struct vfs_fs *fs;
	struct sentry_dentry *root;
	struct vfs_mntns *ns;
	int rc = vfs_fs_new(fs_plugin(c, cfg->root.fs), cfg->root.source, cfg->root.data,
			    cfg->root.flags, creds, &fs, &root);
	if (rc < 0)
		return rc;
	rc = vfs_mntns_new(fs, root, &ns);
	vfs_fs_dput(fs, root);	/* the namespace holds its own references */
	vfs_fs_put(fs);
	if (rc < 0)
		return rc;
	rc = vfs_ctx_new(ns, creds, ret_ctx);
	vfs_mntns_put(ns);
	return rc;
}

/* /dev: a memfs with the standard nodes and links; /dev/shm and /dev/pts directories. */
static int make_dev(const struct sentry_composition *c, struct vfs_ctx *ctx)
{
	/* The nodes get exactly their listed modes, whatever the process's umask will be. */
	uint32_t umask = ctx->umask;
	ctx->umask = 0;
	int rc = make_target(ctx, "/dev");
	if (rc == 0)
		rc = vfs_mount(ctx, fs_plugin(c, "memfs"), "tmpfs", "/dev", MS_NOSUID,
			       "mode=755,size=65536k");
	for (const struct dev_node *n = g_dev_default_nodes; rc == 0 && n->name; n++) {
		char path[64];
		snprintf(path, sizeof(path), "/dev/%s", n->name);
		rc = vfs_mknodat(ctx, NULL, path, n->mode, makedev(n->major, n->minor));
	}
	for (size_t i = 0; rc == 0 && i < sizeof(g_dev_links) / sizeof(g_dev_links[0]); i++) {
		char path[64];
		snprintf(path, sizeof(path), "/dev/%s", g_dev_links[i].name);
		rc = vfs_symlinkat(ctx, g_dev_links[i].target, NULL, path);
	}
	if (rc == 0)
		rc = vfs_mkdirat(ctx, NULL, "/dev/pts", 0755);
	if (rc == 0)
		rc = vfs_mkdirat(ctx, NULL, "/dev/shm", 01777);
	if (rc == 0)
		rc = vfs_mount(ctx, fs_plugin(c, "memfs"), "shm", "/dev/shm",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
	ctx->umask = umask;
	return rc;
}

/* /proc, and the mount table it shows (the mounts boot made, in order). */
static int make_proc(const struct boot_config *cfg, struct vfs_ctx *ctx)
{
	int rc = make_target(ctx, "/proc");
	if (rc == 0)
		rc = vfs_mount(ctx, procfs_plugin(), "proc", "/proc",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (rc < 0)
		return rc;
	char text[8192];
	size_t n = 0;
	for (size_t i = 0; i <= cfg->mount_count && n < sizeof(text); i++) {
		const struct boot_mount *m = i == 0 ? &cfg->root : &cfg->mounts[i - 1];
		const char *type = !strcmp(m->fs, "memfs") ? "tmpfs" : m->fs;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s %s %s %s 0 0\n",
				      m->source ? m->source : "none", i == 0 ? "/" : m->target, type,
				      (m->flags & MS_RDONLY) ? "ro" : "rw");
	}
	if (n < sizeof(text))
		snprintf(text + n, sizeof(text) - n,
			 "tmpfs /dev tmpfs rw,nosuid 0 0\nproc /proc proc rw,nosuid,nodev,noexec 0 0\n"
			 "shm /dev/shm tmpfs rw,nosuid,nodev,noexec 0 0\n");
	procfs_set_mounts(text);
	return 0;
}

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
static int open_program(struct vfs_ctx *ctx, const char *name, char *const *envp, char *path,
			size_t size, struct vfs_file **ret_file)
{
	if (!*name)
		return -ENOENT;
	if (strchr(name, '/')) {
		snprintf(path, size, "%s", name);
		return vfs_openat(ctx, NULL, path, O_RDONLY, 0, ret_file);
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
			return vfs_openat(ctx, NULL, path, O_RDONLY, 0, ret_file);
		if (r == -EACCES)
			rc = r;
		dirs = *end ? end + 1 : end;
	}
	return rc;
}

/* Donated stdio: each host descriptor becomes 0, 1 or 2 with its host access mode. */
static int install_stdio(struct task *t, const int stdio[3])
{
	int rc = 0;
	for (int i = 0; i < 3; i++) {
		if (stdio[i] < 0)
			continue;
		int fl = rc == 0 ? fcntl(stdio[i], F_GETFL) : -1;
		struct vfs_file *f;
		if (fl < 0) {
			close(stdio[i]);
			rc = rc ? rc : -EBADF;
			continue;
		}
		rc = dev_host_file(stdio[i], (uint32_t)fl & (O_ACCMODE | O_APPEND | O_NONBLOCK), &f);
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

static void close_stdio(const int stdio[3])
{
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0)
			close(stdio[i]);
}

static int run_process(const struct boot_config *cfg, struct kernel *k, struct vfs_ctx *ctx,
		       int *ret_status, char *msg, size_t size)
{
	struct task *t;
	int rc = task_new(k, ctx, &t);
	if (rc < 0) {
		close_stdio(cfg->stdio);
		return fail(msg, size, rc, "task");
	}
	if ((rc = install_stdio(t, cfg->stdio)) < 0) {
		task_free(t);
		return fail(msg, size, rc, "stdio");
	}
	char path[4096];
	struct vfs_file *exe = NULL;
	rc = open_program(ctx, cfg->argv[0], cfg->envp, path, sizeof(path), &exe);
	if (rc == 0) {
		rc = task_exec(t, exe, path, cfg->argv, cfg->envp);
		vfs_file_put(exe);
	}
	if (rc < 0) {
		task_free(t);
		return fail(msg, size, rc, "%s", cfg->argv[0]);
	}
	*ret_status = task_run(t);
	task_free(t);
	return 0;
}

int boot_run(const struct boot_config *cfg, int *ret_status, char *msg, size_t size)
{
	const char *names[BOOT_MAX_MOUNTS + 3];
	fs_names(cfg, names, sizeof(names) / sizeof(names[0]));
	struct sentry_choice choice = { .platform = cfg->platform, .fs = names };
	struct sentry_composition c;
	int rc = sentry_compose(cfg->set, cfg->svc, &choice, &c, msg, size);
	if (rc < 0) {
		close_stdio(cfg->stdio);
		return rc;
	}
	struct sentry_creds creds = {
		.uid = cfg->uid, .gid = cfg->gid, .euid = cfg->uid, .egid = cfg->gid,
		.fsuid = cfg->uid, .fsgid = cfg->gid,
		/* root in the container has every capability, as runc's default set grants the
		 * ones that matter to files; others start with none. */
		.cap_effective = cfg->uid == 0 ? ~0ull : 0,
	};
	struct vfs_ctx *ctx = NULL;
	if ((rc = make_root(cfg, &c, &creds, &ctx)) < 0) {
		close_stdio(cfg->stdio);
		return fail(msg, size, rc, "root filesystem (%s)", cfg->root.fs);
	}
	for (size_t i = 0; rc == 0 && i < cfg->mount_count; i++) {
		const struct boot_mount *m = &cfg->mounts[i];
		rc = make_target(ctx, m->target);
		if (rc == 0)
			rc = vfs_mount(ctx, fs_plugin(&c, m->fs), m->source ? m->source : "none", m->target,
			       m->flags, m->data);
		if (rc < 0)
			fail(msg, size, rc, "mount %s (%s)", m->target, m->fs);
	}
	if (rc == 0 && cfg->make_dev && (rc = make_dev(&c, ctx)) < 0)
		fail(msg, size, rc, "/dev");
	if (rc == 0 && cfg->make_dev && (rc = make_proc(cfg, ctx)) < 0)
		fail(msg, size, rc, "/proc");
	if (rc == 0 && cfg->populate && (rc = cfg->populate(ctx, cfg->populate_arg)) < 0)
		fail(msg, size, rc, "populate");
	if (rc == 0 && cfg->cwd && (rc = vfs_chdir(ctx, NULL, cfg->cwd)) < 0)
		fail(msg, size, rc, "cwd %s", cfg->cwd);
	if (rc < 0) {
		close_stdio(cfg->stdio);
		vfs_ctx_free(ctx);
		return rc;
	}
	struct kernel k = { .platform = c.platform->desc->ops, .platform_state = c.platform->state,
			    .info = c.platform_info, .svc = cfg->svc };
	sys_set_strace(cfg->strace);
	rc = run_process(cfg, &k, ctx, ret_status, msg, size);
	vfs_ctx_free(ctx);
	return rc;
}

int boot_exit_code(int status)
{
	if ((status & 0x7f) == 0)
		return (status >> 8) & 0xff;
	return 128 + (status & 0x7f);
}
