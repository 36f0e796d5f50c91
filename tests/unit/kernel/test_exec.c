/*
 * The Sentry runs somebody else's program: a static binary copied into memfs is exec'd by a
 * task on the ptrace platform; its stdout (a memfs file installed as fd 1) and its exit status
 * are those of a native run.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd/fdtable.h"
#include "kernel/task.h"
#include "mm/memfile.h"
#include "plugin/plugin.h"
#include "plugin/services.h"
#include "vfs/vfs.h"

static struct plg_set g_set;
static struct sentry_services g_svc;
static struct kernel g_k;
static struct vfs_ctx *g_ctx;
static struct vfs_mntns *g_ns;

/* Finds and initialises a plugin loaded into g_set. Loading another file may move the set's
 * array, so every file is loaded before the first lookup. */
static struct plg_plugin *load(const char *path, int kind, const char *name)
{
	struct plg_plugin *p = plg_set_find(&g_set, kind, name);
	cr_assert_not_null(p, "%s: %s", path,
			   g_set.refused_count ? g_set.refused[g_set.refused_count - 1].message : "");
	cr_assert_eq(plg_plugin_init(p, &g_svc, NULL), 0);
	return p;
}

static void setup(void)
{
	plg_set_init(&g_set);
	svc_init(&g_svc);
	vfs_fill_services(&g_svc);
	cr_assert_eq(plg_set_load_file(&g_set, MEMFS_PLUGIN), 0);
	cr_assert_eq(plg_set_load_file(&g_set, PTRACE_PLUGIN), 0);
	struct plg_plugin *memfs = load(MEMFS_PLUGIN, SENTRY_PLUGIN_FS, "memfs");
	struct plg_plugin *pt = load(PTRACE_PLUGIN, SENTRY_PLUGIN_PLATFORM, "ptrace");

	struct sentry_creds root = { .cap_effective = ~0ull };
	struct vfs_fs *fs;
	struct sentry_dentry *d;
	cr_assert_eq(vfs_fs_new(memfs, "none", NULL, 0, &root, &fs, &d), 0);
	cr_assert_eq(vfs_mntns_new(fs, d, &g_ns), 0);
	vfs_fs_dput(fs, d);	/* the namespace holds its own references */
	vfs_fs_put(fs);
	cr_assert_eq(vfs_ctx_new(g_ns, &root, &g_ctx), 0);

	g_k.platform = pt->desc->ops;
	g_k.platform_state = pt->state;
	g_k.svc = &g_svc;
	cr_assert_eq(g_k.platform->info(pt->state, &g_k.info), 0);
}

static void teardown(void)
{
	vfs_ctx_free(g_ctx);
	vfs_mntns_put(g_ns);
	plg_set_fini(&g_set);
}

TestSuite(exec, .init = setup, .fini = teardown, .timeout = 60);

/* Copies host file @host into the sandbox at @path. */
static void install(const char *host, const char *path, uint32_t mode)
{
	FILE *in = fopen(host, "rb");
	cr_assert_not_null(in, "%s", host);
	struct vfs_file *f;
	cr_assert_eq(vfs_openat(g_ctx, NULL, path, O_CREAT | O_WRONLY | O_TRUNC, mode, &f), 0);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		cr_assert_eq(vfs_write(f, buf, n), (ssize_t)n);
	fclose(in);
	vfs_file_put(f);
}

/* Runs @path with @argv with fd 1 and 2 on /out; returns the wait status, output in @out. */
static int run(const char *path, char *const argv[], char *out, size_t size)
{
	struct task *t;
	cr_assert_eq(task_new(&g_k, g_ctx, &t), 0);
	struct vfs_file *o, *exe;
	int fd;
	cr_assert_eq(vfs_openat(g_ctx, NULL, "/out", O_CREAT | O_RDWR | O_TRUNC, 0644, &o), 0);
	cr_assert_eq(fdt_install(t->fdt, o, 0, 1, &fd), 0);
	cr_assert_eq(fd, 1);
	cr_assert_eq(fdt_install(t->fdt, o, 0, 2, &fd), 0);
	cr_assert_eq(vfs_openat(g_ctx, NULL, path, O_RDONLY, 0, &exe), 0);
	char *envp[] = { "PATH=/bin", NULL };
	int rc = task_exec(t, exe, path, argv, envp);
	vfs_file_put(exe);
	cr_assert_eq(rc, 0, "exec: %s", strerror(-rc));
	int status = task_run(t);
	ssize_t n = vfs_pread(o, out, size - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	vfs_file_put(o);
	task_free(t);
	return status;
}

Test(exec, static_hello_runs_like_natively)
{
	install(HELLO_STATIC, "/hello", 0755);
	char out[256];
	char *argv[] = { "/hello", "cvisor", NULL };
	int status = run("/hello", argv, out, sizeof(out));
	cr_assert_str_eq(out, "hello cvisor\n");
	cr_assert_eq(status, 3 << 8, "exit status 3, got %#x", status);
}

Test(exec, not_an_executable_is_enoexec)
{
	struct vfs_file *f;
	cr_assert_eq(vfs_openat(g_ctx, NULL, "/text", O_CREAT | O_RDWR, 0755, &f), 0);
	cr_assert_eq(vfs_write(f, "#just text\n", 11), 11);
	struct task *t;
	cr_assert_eq(task_new(&g_k, g_ctx, &t), 0);
	char *argv[] = { "/text", NULL };
	cr_assert_eq(task_exec(t, f, "/text", argv, argv + 1), -ENOEXEC);
	vfs_file_put(f);
	task_free(t);
}
