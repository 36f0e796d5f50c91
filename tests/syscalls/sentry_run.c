/*
 * sentry_run: runs one static test program inside a Sentry, for tests/syscalls/run.sh.
 *
 *   sentry_run MEMFS.so PTRACE.so PROGRAM [ARGS...]
 *
 * Composes a Sentry from the memfs and ptrace plugins, copies PROGRAM into a memfs root as
 * /prog, runs it with fd 1 and 2 on a memfs file, then prints what it wrote and exits with its
 * status (128 + signal when killed), so the same comparison works for a native run.
 * TODO(#5): pass the host's stdio through instead of capturing it, once the Sentry has host
 * files.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd/fdtable.h"
#include "kernel/task.h"
#include "plugin/plugin.h"
#include "plugin/services.h"
#include "sentry/compose.h"
#include "vfs/vfs.h"

static int die(const char *what, int err)
{
	fprintf(stderr, "sentry_run: %s: %s\n", what, strerror(err));
	return 125;
}

static int copy_in_program(struct vfs_ctx *ctx, const char *host)
{
	FILE *in = fopen(host, "rb");
	if (!in)
		return -errno;
	struct vfs_file *f;
	int rc = vfs_openat(ctx, NULL, "/prog", O_CREAT | O_WRONLY | O_TRUNC, 0755, &f);
	char buf[65536];
	size_t n;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (vfs_write(f, buf, n) != (ssize_t)n)
			rc = -EIO;
	fclose(in);
	if (f)
		vfs_file_put(f);
	return rc;
}

static int run(struct kernel *k, struct vfs_ctx *ctx, char **argv)
{
	struct task *t;
	struct vfs_file *out = NULL, *exe = NULL;
	int fd, rc = task_new(k, ctx, &t);
	if (rc < 0)
		return die("task", -rc);
	rc = vfs_openat(ctx, NULL, "/out", O_CREAT | O_RDWR | O_TRUNC, 0644, &out);
	if (rc == 0)
		rc = fdt_install(t->fdt, out, 0, 1, &fd);
	if (rc == 0)
		rc = fdt_install(t->fdt, out, 0, 2, &fd);
	if (rc == 0)
		rc = vfs_openat(ctx, NULL, "/prog", O_RDONLY, 0, &exe);
	char *envp[] = { "PATH=/", NULL };
	if (rc == 0)
		rc = task_exec(t, exe, "/prog", argv, envp);
	if (exe)
		vfs_file_put(exe);
	int status = rc == 0 ? task_run(t) : 0;
	char buf[65536];
	ssize_t n;
	for (int64_t off = 0; rc == 0 && (n = vfs_pread(out, buf, sizeof(buf), off)) > 0; off += n)
		fwrite(buf, 1, (size_t)n, stdout);
	if (out)
		vfs_file_put(out);
	task_free(t);
	if (rc < 0)
		return die("exec", -rc);
	return (status & 0x7f) ? 128 + (status & 0x7f) : (status >> 8) & 0xff;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: sentry_run MEMFS.so PTRACE.so PROGRAM [ARGS...]\n");
		return 2;
	}
	struct plg_set set;
	struct sentry_services svc;
	plg_set_init(&set);
	svc_init(&svc);
	vfs_fill_services(&svc);
	if (plg_set_load_file(&set, argv[1]) < 0 || plg_set_load_file(&set, argv[2]) < 0)
		return die("load plugins", ENOMEM);
	const char *fs[] = { "memfs", NULL };
	struct sentry_choice choice = { .platform = "ptrace", .fs = fs };
	struct sentry_composition c;
	char msg[512];
	if (sentry_compose(&set, &svc, &choice, &c, msg, sizeof(msg)) < 0) {
		fprintf(stderr, "sentry_run: %s\n", msg);
		return 125;
	}

	struct sentry_creds root = { .cap_effective = ~0ull };
	struct vfs_fs *vfs;
	struct sentry_dentry *d;
	struct vfs_mntns *ns;
	struct vfs_ctx *ctx;
	int rc = vfs_fs_new(c.fs[0], "none", NULL, 0, &root, &vfs, &d);
	if (rc == 0) {
		rc = vfs_mntns_new(vfs, d, &ns);
		vfs_fs_dput(vfs, d);	/* the namespace holds its own references */
		vfs_fs_put(vfs);
	}
	if (rc == 0)
		rc = vfs_ctx_new(ns, &root, &ctx);
	if (rc < 0)
		return die("root filesystem", -rc);
	rc = copy_in_program(ctx, argv[3]);
	if (rc < 0)
		return die(argv[3], -rc);

	struct kernel k = { .platform = c.platform->desc->ops, .platform_state = c.platform->state,
			    .info = c.platform_info, .svc = &svc };
	argv[3] = "/prog";
	int status = run(&k, ctx, argv + 3);
	vfs_ctx_free(ctx);
	vfs_mntns_put(ns);
	plg_set_fini(&set);
	return status;
}
