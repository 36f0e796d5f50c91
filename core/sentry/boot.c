/*
 * core/sentry/boot.c: from a composition to a running first process (see boot.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
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
#include "kernel/process.h"
#include "kernel/task.h"
#include "net/socket.h"
#include "proc/procfs.h"
#include "sentry/boot.h"
#include "sentry/compose.h"
#include "sys/sys.h"
#include "tty/tty.h"
#include "util/log.h"
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

/* mkdir -p of a mount target, as runc creates missing destinations in the rootfs; for a file
 * mount, mkdir -p of its directory and an empty file. */
static int make_target(struct vfs_ctx *ctx, const char *target, int file)
{
	if (file) {
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", target);
		char *slash = strrchr(dir, '/');
		int rc = 0;
		if (slash && slash != dir) {
			*slash = '\0';
			rc = make_target(ctx, dir, 0);
		}
		struct sentry_statx st;
		if (rc < 0 || vfs_statat(ctx, NULL, target, 0, SENTRY_STATX_TYPE, &st) == 0)
			return rc;	/* an existing target's type is the mount's to check */
		struct vfs_file *f;
		if ((rc = vfs_openat(ctx, NULL, target, O_WRONLY | O_CREAT, 0644, &f)) == 0)
			vfs_file_put(f);
		return rc;
	}
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

/* /dev: a memfs with the standard nodes and links; devpts on /dev/pts, a tmpfs on /dev/shm. */
static int make_dev(const struct sentry_composition *c, struct vfs_ctx *ctx)
{
	/* The nodes get exactly their listed modes, whatever the process's umask will be. */
	uint32_t umask = ctx->umask;
	ctx->umask = 0;
	int rc = make_target(ctx, "/dev", 0);
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
		rc = vfs_mount(ctx, devpts_plugin(), "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
			       "ptmxmode=666");
	if (rc == 0)
		rc = vfs_mkdirat(ctx, NULL, "/dev/shm", 01777);
	if (rc == 0)
		rc = vfs_mount(ctx, fs_plugin(c, "memfs"), "shm", "/dev/shm",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k");
	ctx->umask = umask;
	return rc;
}

/* /proc and /sys, and the mount table /proc shows (the mounts boot made, in order). /sys only
 * where the rootfs has room for it: a read-only root without the directory goes without. */
static int make_proc(const struct boot_config *cfg, struct vfs_ctx *ctx)
{
	int rc = make_target(ctx, "/proc", 0);
	if (rc == 0)
		rc = vfs_mount(ctx, procfs_plugin(), "proc", "/proc",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (rc < 0)
		return rc;
	int sys = make_target(ctx, "/sys", 0) == 0 &&
		  vfs_mount(ctx, sysfs_plugin(), "sysfs", "/sys",
			    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0;
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
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "tmpfs /dev tmpfs rw,nosuid 0 0\n"
				      "devpts /dev/pts devpts rw,nosuid,noexec,mode=600,"
				      "ptmxmode=666 0 0\n"
				      "proc /proc proc rw,nosuid,nodev,noexec 0 0\n"
				      "shm /dev/shm tmpfs rw,nosuid,nodev,noexec 0 0\n");
	if (sys && n < sizeof(text))
		snprintf(text + n, sizeof(text) - n, "sysfs /sys sysfs ro,nosuid,nodev,noexec 0 0\n");
	procfs_set_mounts(text);
	return 0;
}

static void close_stdio(const int stdio[3])
{
	for (int i = 0; i < 3; i++)
		if (stdio[i] >= 0)
			close(stdio[i]);
}

/* linux.maskedPaths and readonlyPaths over the finished tree. */
static int mask_paths(const struct boot_config *cfg, const struct sentry_composition *c,
		      struct vfs_ctx *ctx)
{
	int rc = 0;
	for (char *const *p = cfg->masked_paths; rc == 0 && p && *p; p++) {
		struct sentry_statx st;
		if (vfs_statat(ctx, NULL, *p, 0, SENTRY_STATX_TYPE, &st) < 0)
			continue;
		if (S_ISDIR(st.mode))
			rc = vfs_mount(ctx, fs_plugin(c, "memfs"), "tmpfs", *p, MS_RDONLY,
				       "size=0");
		else
			rc = vfs_mount(ctx, NULL, "/dev/null", *p, MS_BIND, NULL);
	}
	for (char *const *p = cfg->readonly_paths; rc == 0 && p && *p; p++) {
		struct sentry_statx st;
		if (vfs_statat(ctx, NULL, *p, 0, SENTRY_STATX_TYPE, &st) < 0)
			continue;
		rc = vfs_mount(ctx, NULL, *p, *p, MS_BIND | MS_REC, NULL);
		if (rc == 0)
			rc = vfs_mount(ctx, NULL, NULL, *p, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	}
	return rc;
}

struct boot_sandbox {
	struct kernel k;
	struct vfs_ctx *ctx;	/* boot's own: the mounts were made through it */
	/* A copy of the config's seccomp program: `runsc exec` processes start under it too,
	 * as runc applies the container's profile to them. NULL: none. */
	struct sock_filter *seccomp;
	size_t seccomp_len;
	int seccomp_log;
};

/* The mounts of @cfg, in order, /dev and /proc, then the optional populate and cwd checks. */
static int make_tree(const struct boot_config *cfg, const struct sentry_composition *c,
		     struct vfs_ctx **ret_ctx, char *msg, size_t size)
{
	/* The tree is made as the container's root would make it, whoever its process is. */
	struct sentry_creds creds = { .cap_effective = ~0ull };
	struct vfs_ctx *ctx = NULL;
	int rc = make_root(cfg, c, &creds, &ctx);
	if (rc < 0)
		return msg_fail(msg, size, rc, "root filesystem (%s)", cfg->root.fs);
	for (size_t i = 0; rc == 0 && i < cfg->mount_count; i++) {
		const struct boot_mount *m = &cfg->mounts[i];
		rc = make_target(ctx, m->target, m->file);
		if (rc == 0)
			rc = vfs_mount(ctx, fs_plugin(c, m->fs), m->source ? m->source : "none",
				       m->target, m->flags, m->data);
		if (rc < 0)
			msg_fail(msg, size, rc, "mount %s (%s)", m->target, m->fs);
	}
	if (rc == 0 && cfg->make_dev && (rc = make_dev(c, ctx)) < 0)
		msg_fail(msg, size, rc, "/dev");
	if (rc == 0 && cfg->make_dev && (rc = make_proc(cfg, ctx)) < 0)
		msg_fail(msg, size, rc, "/proc");
	if (rc == 0 && (rc = mask_paths(cfg, c, ctx)) < 0)
		msg_fail(msg, size, rc, "masked or read-only path");
	if (rc == 0 && cfg->populate && (rc = cfg->populate(ctx, cfg->populate_arg)) < 0)
		msg_fail(msg, size, rc, "populate");
	if (rc < 0) {
		vfs_ctx_free(ctx);
		return rc;
	}
	*ret_ctx = ctx;
	return 0;
}

int boot_create(const struct boot_config *cfg, struct boot_sandbox **ret_sb, char *msg,
		size_t size)
{
	const char *names[BOOT_MAX_MOUNTS + 3];
	fs_names(cfg, names, sizeof(names) / sizeof(names[0]));
	struct sentry_choice choice = { .platform = cfg->platform, .net = cfg->net, .fs = names };
	struct sentry_composition c;
	struct boot_sandbox *sb = calloc(1, sizeof(*sb));
	int rc = sb ? 0 : msg_fail(msg, size, -ENOMEM, "sandbox");
	if (rc == 0)
		rc = sentry_compose(cfg->set, cfg->svc, &choice, &c, msg, size);
	dev_set_chr_fallback(tty_open_chr);	/* /dev/ptmx, /dev/pts/N, /dev/tty */
	if (rc == 0)
		rc = make_tree(cfg, &c, &sb->ctx, msg, size);
	if (rc == 0 && cfg->seccomp_len) {
		size_t bytes = cfg->seccomp_len * sizeof(*sb->seccomp);
		if (!(sb->seccomp = malloc(bytes)))
			rc = msg_fail(msg, size, -ENOMEM, "seccomp program");
		else
			memcpy(sb->seccomp, cfg->seccomp, bytes);
		sb->seccomp_len = cfg->seccomp_len;
		sb->seccomp_log = cfg->seccomp_log;
	}
	if (rc < 0) {
		close_stdio(cfg->stdio);
		if (sb)
			vfs_ctx_free(sb->ctx);
		free(sb);
		return rc;
	}
	sb->k = (struct kernel){ .platform = c.platform->desc->ops,
				 .platform_state = c.platform->state, .info = c.platform_info,
				 .svc = cfg->svc };
	kernel_init(&sb->k);
	sb->k.session_end = tty_session_end;
	sys_set_strace(cfg->strace);
	if (c.net) {
		struct net_stack stack = { .ops = c.net->desc->ops, .ops_size = c.net->desc->ops_size,
					   .state = c.net->state, .plugin = c.net };
		net_stack_set(&stack);
	}
	if (cfg->hostname)
		snprintf(sb->k.hostname, sizeof(sb->k.hostname), "%s", cfg->hostname);
	if (cfg->domainname)
		snprintf(sb->k.domainname, sizeof(sb->k.domainname), "%s", cfg->domainname);
	struct kernel_spawn init = {
		.argv = cfg->argv, .envp = cfg->envp, .cwd = cfg->cwd, .uid = cfg->uid,
		.gid = cfg->gid, .umask = cfg->umask_set ? cfg->umask : 022, .ns = sb->ctx->ns,
		.hold = 1,
		.groups = cfg->groups, .ngroups = cfg->ngroups, .rlimits = cfg->rlimits,
		.rlimit_count = cfg->rlimit_count,
		.seccomp = sb->seccomp, .seccomp_len = sb->seccomp_len,
		.seccomp_log = sb->seccomp_log, .no_new_privs = cfg->no_new_privs,
	};
	memcpy(init.stdio, cfg->stdio, sizeof(init.stdio));
	int pid;
	if ((rc = kernel_spawn(&sb->k, &init, &pid, msg, size)) < 0) {
		boot_destroy(sb);
		return rc;
	}
	*ret_sb = sb;
	return 0;
}

int boot_start(struct boot_sandbox *sb)
{
	return kernel_release(&sb->k, 1);
}

int boot_exec(struct boot_sandbox *sb, const struct boot_process *p, int *ret_pid, char *msg,
	      size_t size)
{
	struct kernel_spawn req = {
		.argv = p->argv, .envp = p->envp, .cwd = p->cwd, .uid = p->uid, .gid = p->gid,
		.umask = sb->ctx->umask, .ns = sb->ctx->ns,
		.seccomp = sb->seccomp, .seccomp_len = sb->seccomp_len,
		.seccomp_log = sb->seccomp_log, .no_new_privs = p->no_new_privs,
	};
	memcpy(req.stdio, p->stdio, sizeof(req.stdio));
	return kernel_spawn(&sb->k, &req, ret_pid, msg, size);
}

int boot_signal(struct boot_sandbox *sb, int pid, int sig)
{
	return kernel_signal(&sb->k, pid, sig, 1, 0, 0);
}

int boot_wait(struct boot_sandbox *sb, int pid, int *ret_status)
{
	return kernel_wait(&sb->k, pid, ret_status);
}

struct list_arg {
	int (*cb)(const struct boot_proc *p, void *arg);
	void *arg;
};

static int list_one(const struct kernel_proc_info *kp, void *arg)
{
	struct list_arg *la = arg;
	struct boot_proc p = { .pid = kp->pid, .ppid = kp->ppid, .uid = kp->uid,
			       .start_ns = kp->start_ns, .cmdline = kp->cmdline,
			       .cmdline_len = kp->cmdline_len };
	memcpy(p.comm, kp->comm, sizeof(p.comm));
	return la->cb(&p, la->arg);
}

int boot_list(struct boot_sandbox *sb, int (*cb)(const struct boot_proc *p, void *arg), void *arg)
{
	struct list_arg la = { cb, arg };
	return kernel_list(&sb->k, list_one, &la);
}

void boot_destroy(struct boot_sandbox *sb)
{
	if (!sb)
		return;
	kernel_destroy(&sb->k);
	net_stack_set(NULL);
	vfs_ctx_free(sb->ctx);
	free(sb->seccomp);
	free(sb);
}

int boot_run(const struct boot_config *cfg, int *ret_status, char *msg, size_t size)
{
	struct boot_sandbox *sb;
	int rc = boot_create(cfg, &sb, msg, size);
	if (rc < 0)
		return rc;
	boot_start(sb);
	rc = boot_wait(sb, 1, ret_status);
	boot_destroy(sb);
	return rc < 0 ? msg_fail(msg, size, rc, "wait") : 0;
}

int boot_exit_code(int status)
{
	if ((status & 0x7f) == 0)
		return (status >> 8) & 0xff;
	return 128 + (status & 0x7f);
}
