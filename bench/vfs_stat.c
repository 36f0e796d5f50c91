/*
 * bench/vfs_stat.c: stat(2) through the Sentry VFS on memfs, by path depth, against the host's
 * own stat(2) of an equally deep path under a temporary directory.
 *
 * Calls vfs_statat directly (the path the syscall layer will take): the memfs plugin is loaded
 * through the loader and reached through its ops table, as in the Sentry. Prints, per DESIGN.md:
 *   vfs-stat.depth_N NS ns native=NS      (N = 1 2 3 8 64 100)
 *   vfs-stat.const / vfs-stat.per_component  (least squares over the depths)
 *   vfs-stat.mount_crossing                  (extra cost of one mount on the path)
 * Usage: vfs_stat MEMFS_SO
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "plugin/plugin.h"
#include "plugin/services.h"
#include "vfs/vfs.h"

static const int g_depths[] = { 1, 2, 3, 8, 64, 100 };
#define NDEPTH (int)(sizeof(g_depths) / sizeof(g_depths[0]))
#define ROUNDS 11

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* "a/a/.../f" with @depth components (prefix @pre). */
static void make_path(char *buf, size_t size, const char *pre, int depth)
{
	size_t n = (size_t)snprintf(buf, size, "%s", pre);
	for (int i = 1; i < depth; i++)
		n += (size_t)snprintf(buf + n, size - n, "a/");
	snprintf(buf + n, size - n, "f");
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "vfs_stat: %s: %s\n", what, strerror(-rc));
	exit(1);
}

/* Creates the directory chain and file of the deepest path under @pre in the VFS. */
static void build_vfs_tree(struct vfs_ctx *ctx, const char *pre)
{
	char p[2048];
	size_t n = (size_t)snprintf(p, sizeof(p), "%s", pre);
	for (int i = 0; i <= g_depths[NDEPTH - 1]; i++) {
		snprintf(p + n, sizeof(p) - n, "f");
		struct vfs_file *f = NULL;
		int rc = vfs_openat(ctx, NULL, p, O_CREAT | O_WRONLY, 0644, &f);
		if (rc < 0)
			die("create", rc);
		vfs_file_put(f);
		snprintf(p + n, sizeof(p) - n, "a");
		rc = vfs_mkdirat(ctx, NULL, p, 0755);
		if (rc < 0)
			die("mkdir", rc);
		n += 2;
		p[n - 1] = '/';
		p[n] = 0;
	}
}

static double time_vfs(struct vfs_ctx *ctx, const char *path, int iters)
{
	double best = 1e18;
	struct sentry_statx st;
	for (int r = 0; r < ROUNDS; r++) {
		int64_t t0 = now_ns();
		for (int i = 0; i < iters; i++)
			if (vfs_statat(ctx, NULL, path, 0, SENTRY_STATX_BASIC_STATS, &st) < 0)
				die(path, -ENOENT);
		double per = (double)(now_ns() - t0) / iters;
		if (per < best)
			best = per;
	}
	return best;
}

static double time_native(const char *path, int iters)
{
	double best = 1e18;
	struct stat st;
	for (int r = 0; r < ROUNDS; r++) {
		int64_t t0 = now_ns();
		for (int i = 0; i < iters; i++)
			if (stat(path, &st) < 0)
				die(path, -errno);
		double per = (double)(now_ns() - t0) / iters;
		if (per < best)
			best = per;
	}
	return best;
}

/* Least squares fit y = c + k x. */
static void fit(const double *y, double *c, double *k)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	for (int i = 0; i < NDEPTH; i++) {
		double x = g_depths[i];
		sx += x;
		sy += y[i];
		sxx += x * x;
		sxy += x * y[i];
	}
	*k = (NDEPTH * sxy - sx * sy) / (NDEPTH * sxx - sx * sx);
	*c = (sy - *k * sx) / NDEPTH;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* The host tree for native=: the same shape under a fresh temporary directory. */
static char *build_native_tree(void)
{
	static char dir[] = "/tmp/vfs-stat-XXXXXX";
	if (!mkdtemp(dir) || chdir(dir) < 0)
		die("mkdtemp", -errno);
	char p[2048] = "";
	size_t n = 0;
	for (int i = 0; i <= g_depths[NDEPTH - 1]; i++) {
		snprintf(p + n, sizeof(p) - n, "f");
		int fd = open(p, O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			die("native create", -errno);
		close(fd);
		snprintf(p + n, sizeof(p) - n, "a");
		if (mkdir(p, 0755) < 0)
			die("native mkdir", -errno);
		n += 2;
		p[n - 1] = '/';
		p[n] = 0;
	}
	return dir;
}

static struct vfs_ctx *setup(struct plg_set *set, struct sentry_services *svc, const char *so)
{
	static const struct sentry_creds root = { .cap_effective = ~0ull };
	plg_set_init(set);
	struct plg_plugin *p = NULL;
	if (plg_set_load_file(set, so) < 0 || !(p = plg_set_find(set, SENTRY_PLUGIN_FS, "memfs")))
		die("loading memfs", -ENOENT);
	svc_init(svc);
	vfs_fill_services(svc);
	int rc = plg_plugin_init(p, svc, NULL);
	struct vfs_fs *fs;
	struct sentry_dentry *rootd;
	struct vfs_mntns *ns;
	struct vfs_ctx *ctx;
	if (rc < 0 || (rc = vfs_fs_new(p, "none", NULL, 0, &root, &fs, &rootd)) < 0 ||
	    (rc = vfs_mntns_new(fs, rootd, &ns)) < 0 || (rc = vfs_ctx_new(ns, &root, &ctx)) < 0)
		die("setup", rc);
	vfs_fs_dput(fs, rootd);
	vfs_fs_put(fs);
	vfs_mntns_put(ns);
	build_vfs_tree(ctx, "/");
	if ((rc = vfs_mkdirat(ctx, NULL, "/m", 0755)) < 0 ||
	    (rc = vfs_mount(ctx, p, "none", "/m", 0, NULL)) < 0)
		die("mount", rc);
	build_vfs_tree(ctx, "/m/");
	return ctx;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vfs_stat MEMFS_SO\n");
		return 2;
	}
	struct plg_set set;
	struct sentry_services svc;
	struct vfs_ctx *ctx = setup(&set, &svc, argv[1]);
	char *tmp = build_native_tree();
	double v[NDEPTH], nat[NDEPTH], cross = 0;
	int ncross = 0;
	char p[2048];
	for (int i = 0; i < NDEPTH; i++) {
		int iters = g_depths[i] >= 64 ? 20000 : 200000;
		make_path(p, sizeof(p), "/", g_depths[i]);
		v[i] = time_vfs(ctx, p, iters);
		/* Same depth with a mount crossing: "/m" replaces the first "a". */
		make_path(p, sizeof(p), "/m/", g_depths[i] - 1 > 0 ? g_depths[i] - 1 : 1);
		double m = time_vfs(ctx, p, iters);
		/* Deep paths add their own noise to a difference of ~20 ns: use 2..8. */
		if (g_depths[i] > 1 && g_depths[i] <= 8) {
			cross += m - v[i];
			ncross++;
		}
		make_path(p, sizeof(p), "", g_depths[i]);
		nat[i] = time_native(p, iters / 4);
		printf("vfs-stat.depth_%d %.0f ns native=%.0f\n", g_depths[i], v[i], nat[i]);
	}
	double c, k, nc, nk;
	fit(v, &c, &k);
	fit(nat, &nc, &nk);
	printf("vfs-stat.const %.0f ns native=%.0f\n", c, nc);
	printf("vfs-stat.per_component %.1f ns native=%.1f\n", k, nk);
	printf("vfs-stat.mount_crossing %.0f ns\n", cross / ncross);
	if (chdir("/") == 0)
		(void)nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	vfs_ctx_free(ctx);
	plg_set_fini(&set);
	return 0;
}
