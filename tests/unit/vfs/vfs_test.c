/*
 * tests/unit/vfs/vfs_test.c: fixtures shared by the vfs and memfs tests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm/memfile.h"
#include "plugin/services.h"
#include "vfs_test.h"

struct vt g_vt;

/* Memory-file bytes in use when the fixture started (the memory file is per process, and
 * Criterion runs each test in its own). */
static uint64_t g_mf_base_used;

uint64_t vt_mf_used(void)
{
	return mf_used_bytes() - g_mf_base_used;
}

static const struct sentry_creds g_root_creds = { .cap_effective = ~0ull };

int vt_is_9p(void)
{
#ifdef VT_FS_9P
	return 1;
#else
	return 0;
#endif
}

int vt_gofer_start(const char *dir, int ro, int *ret_pid)
{
#ifndef RUNSC
	/* Built for memfs only: no Gofer to start. */
	abort();
#else
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	pid_t pid = fork();
	if (pid < 0)
		abort();
	if (pid == 0) {
		char fd[16];
		/* The child end must survive exec: a copy without O_CLOEXEC. */
		int keep = dup(sv[1]);
		snprintf(fd, sizeof(fd), "%d", keep);
		/* LeakSanitizer needs /proc, which is gone once the Gofer pivots into its root. */
		setenv("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", 1);
		execl(RUNSC, RUNSC, "gofer", "--root", dir, "--fd", fd, "--plugin-dir",
		      GOFER_PLUGIN_DIR, ro ? "--ro" : NULL, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	*ret_pid = (int)pid;
	return sv[0];
#endif
}

int vt_gofer_wait(int pid)
{
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The root filesystem's instance: memfs with @data, or a 9p mount of a fresh host directory
 * served by a Gofer started for it. */
static int new_root_fs(const char *data, struct vfs_fs **fs, struct sentry_dentry **root)
{
	if (!vt_is_9p())
		return vfs_fs_new(g_vt.rootfs, "none", data, 0, &g_root_creds, fs, root);
	snprintf(g_vt.hostdir, sizeof(g_vt.hostdir), "/tmp/cvisor-9p-XXXXXX");
	/* The mode memfs gives its root (tmpfs's default), not mkdtemp's 0700. */
	if (!mkdtemp(g_vt.hostdir) || chmod(g_vt.hostdir, 01777) < 0)
		abort();
	int fd = vt_gofer_start(g_vt.hostdir, 0, &g_vt.gofer_pid);
	char opts[64];
	snprintf(opts, sizeof(opts), "fd=%d,cache=%s", fd, data ? data : "exclusive");
	int rc = vfs_fs_new(g_vt.rootfs, "none", opts, 0, &g_root_creds, fs, root);
	if (rc < 0)
		close(fd);
	return rc;
}

void vt_setup_data(const char *data)
{
	memset(&g_vt, 0, sizeof(g_vt));
	g_vt.gofer_pid = -1;
	if (mf_init() < 0)
		abort();
	g_mf_base_used = mf_used_bytes();
	plg_set_init(&g_vt.set);
	if (plg_set_load_file(&g_vt.set, MEMFS_SO) < 0)
		abort();
#ifdef VT_FS_9P
	/* Both files before any lookup: loading moves the set's array. */
	if (plg_set_load_file(&g_vt.set, NINEP_SO) < 0)
		abort();
#endif
	g_vt.memfs = plg_set_find(&g_vt.set, SENTRY_PLUGIN_FS, "memfs");
	if (!g_vt.memfs)
		abort(); /* not built, or refused by the loader */
	svc_init(&g_vt.svc);
	vfs_fill_services(&g_vt.svc);
	if (plg_plugin_init(g_vt.memfs, &g_vt.svc, NULL) < 0)
		abort();
	g_vt.rootfs = g_vt.memfs;
#ifdef VT_FS_9P
	if (!(g_vt.rootfs = plg_set_find(&g_vt.set, SENTRY_PLUGIN_FS, "9p")) ||
	    plg_plugin_init(g_vt.rootfs, &g_vt.svc, NULL) < 0)
		abort();
#endif
	struct vfs_fs *fs;
	struct sentry_dentry *root;
	if (new_root_fs(data, &fs, &root) < 0)
		abort();
	if (vfs_mntns_new(fs, root, &g_vt.ns) < 0)
		abort();
	vfs_fs_dput(fs, root);
	vfs_fs_put(fs);
	if (vfs_ctx_new(g_vt.ns, &g_root_creds, &g_vt.ctx) < 0)
		abort();
	g_vt.ctx->umask = 0;
}

void vt_setup(void)
{
	vt_setup_data(NULL);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* After the namespace went: the Gofer saw its channel close and must have exited cleanly. */
static int gofer_cleanup(void)
{
	int status = 0;
	if (g_vt.gofer_pid > 0)
		status = vt_gofer_wait(g_vt.gofer_pid);
	g_vt.gofer_pid = -1;
	if (g_vt.hostdir[0])
		(void)nftw(g_vt.hostdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	g_vt.hostdir[0] = 0;
	return status;
}

void vt_teardown(void)
{
	vfs_ctx_free(g_vt.ctx);
	g_vt.ctx = NULL;
	vfs_mntns_put(g_vt.ns);
	g_vt.ns = NULL;
	(void)gofer_cleanup();
	plg_set_fini(&g_vt.set);
}

void vt_assert_no_leaks(void)
{
	vfs_ctx_free(g_vt.ctx);
	g_vt.ctx = NULL;
	vfs_mntns_put(g_vt.ns);
	g_vt.ns = NULL;
	struct vfs_counters c;
	vfs_counters(&c);
	cr_assert_eq(c.files, 0, "%ld files leaked", c.files);
	cr_assert_eq(c.mounts, 0, "%ld mounts leaked", c.mounts);
	cr_assert_eq(c.fss, 0, "%ld filesystems leaked", c.fss);
	cr_assert_eq(c.namespaces, 0, "%ld namespaces leaked", c.namespaces);
	cr_assert_eq(c.dentry_refs, 0, "%ld dentry references leaked", c.dentry_refs);
	struct vfs_lock_counters lc;
	vfs_lock_counters(&lc);
	cr_assert_eq(lc.inodes, 0, "%ld lock inodes leaked", lc.inodes);
	cr_assert_eq(lc.locks, 0, "%ld locks leaked", lc.locks);
	cr_assert_eq(lc.waiters, 0, "%ld lock waiters left", lc.waiters);
	cr_assert_eq(vt_mf_used(), 0, "%llu memory-file bytes leaked",
		     (unsigned long long)vt_mf_used());
	cr_assert_eq(gofer_cleanup(), 0, "the Gofer did not exit cleanly");
}

struct vfs_ctx *vt_user_ctx(uint32_t uid, uint32_t gid)
{
	struct sentry_creds c = { .uid = uid, .gid = gid, .euid = uid, .egid = gid, .fsuid = uid,
				  .fsgid = gid };
	struct vfs_ctx *ctx = NULL;
	cr_assert_eq(vfs_ctx_new(g_vt.ns, &c, &ctx), 0);
	ctx->umask = 0;
	return ctx;
}

int vt_write_file(struct vfs_ctx *ctx, const char *path, const char *data)
{
	struct vfs_file *f = NULL;
	int rc = vfs_openat(ctx, NULL, path, O_CREAT | O_TRUNC | O_WRONLY, 0644, &f);
	if (rc < 0)
		return rc;
	ssize_t n = vfs_write(f, data, strlen(data));
	vfs_file_put(f);
	return n < 0 ? (int)n : 0;
}

int vt_read_file(struct vfs_ctx *ctx, const char *path, char *buf, size_t size)
{
	struct vfs_file *f = NULL;
	int rc = vfs_openat(ctx, NULL, path, O_RDONLY, 0, &f);
	if (rc < 0)
		return rc;
	ssize_t n = vfs_read(f, buf, size - 1);
	vfs_file_put(f);
	if (n >= 0)
		buf[n] = 0;
	return (int)n;
}

int vt_mode(struct vfs_ctx *ctx, const char *path)
{
	struct sentry_statx st;
	int rc = vfs_statat(ctx, NULL, path, 0, SENTRY_STATX_BASIC_STATS, &st);
	return rc < 0 ? rc : st.mode;
}
