/*
 * bench/gofer_bench.c: the Gofer path (fs-gofer9p over a Gofer's 9P server on a socketpair)
 * against memfs and the host, through the Sentry VFS (vfs_statat, vfs_read... as the syscall
 * layer will call them).
 *
 * Layout: memfs is the root; a 9p mount with cache=exclusive at /g, one with cache=shared at /s
 * (each its own Gofer serving its own host directory) and a memfs at /m, so every path crosses
 * one mount. The Gofers are this program forked, running the same server code as
 * `runsc gofer` (runtime/gofer/server.c and the hostdir plugin) built with -O2 like the rest of
 * this program, unconfined (confinement costs nothing per request).
 *
 * Round trips are counted by the client (its P9FS_IOC_ROUNDTRIPS ioctl): batches of requests
 * it waited for.
 *
 * Usage: gofer_bench stat|io HOSTDIR_SO GOFER9P_SO MEMFS_SO
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
#include <time.h>
#include <unistd.h>

#include "gofer/gofer.h"
#include "p9fs.h"
#include "plugin/plugin.h"
#include "plugin/services.h"
#include "vfs/vfs.h"

#define COLD_TREES 300
#define IO_SIZE	   (64u << 20)
#define IO_CHUNK   (1u << 20)

static struct plg_set g_set;
static struct sentry_services g_svc;
static struct vfs_ctx *g_ctx;
static char g_tmp[] = "/tmp/gofer-bench-XXXXXX";
static int g_pids[2];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "gofer_bench: %s: %s\n", what, strerror(rc < 0 ? -rc : rc));
	exit(1);
}

/* A forked Gofer serving @dir on one end of a socketpair; returns the other end. */
static int gofer_fork(const char *dir, int *ret_pid)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair", -errno);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", -errno);
	if (pid == 0) {
		close(sv[0]);
		signal(SIGPIPE, SIG_IGN);
		umask(0);
		struct plg_plugin *p = plg_set_find(&g_set, SENTRY_PLUGIN_GOFER, "hostdir");
		struct gofer_export exp = { .ops = p->desc->ops, .ops_size = p->desc->ops_size };
		if (plg_plugin_init(p, &g_svc, NULL) < 0 ||
		    exp.ops->attach(p->state, dir, 0, &exp.root, &exp.root_qid) < 0)
			_exit(1);
		_exit(gofer_serve(sv[1], &exp) < 0);
	}
	close(sv[1]);
	*ret_pid = pid;
	return sv[0];
}

static void mount_9p(const char *dir, const char *target, const char *cache, int *pid)
{
	char data[64];
	int fd = gofer_fork(dir, pid);
	snprintf(data, sizeof(data), "fd=%d,cache=%s", fd, cache);
	struct plg_plugin *p = plg_set_find(&g_set, SENTRY_PLUGIN_FS, "9p");
	int rc = vfs_mkdirat(g_ctx, NULL, target, 0755);
	if (rc < 0 || (rc = vfs_mount(g_ctx, p, "none", target, 0, data)) < 0)
		die("mount 9p", rc);
}

static void setup(char **so)
{
	static const struct sentry_creds root = { .cap_effective = ~0ull };
	plg_set_init(&g_set);
	for (int i = 0; i < 3; i++)
		if (plg_set_load_file(&g_set, so[i]) < 0)
			die(so[i], -ENOENT);
	struct plg_plugin *memfs = plg_set_find(&g_set, SENTRY_PLUGIN_FS, "memfs");
	struct plg_plugin *p9 = plg_set_find(&g_set, SENTRY_PLUGIN_FS, "9p");
	if (!memfs || !p9 || !plg_set_find(&g_set, SENTRY_PLUGIN_GOFER, "hostdir"))
		die("plugins", -ENOENT);
	svc_init(&g_svc);
	struct vfs_fs *fs;
	struct sentry_dentry *rootd;
	struct vfs_mntns *ns;
	int rc = plg_plugin_init(memfs, &g_svc, NULL);
	if (rc == 0)
		rc = plg_plugin_init(p9, &g_svc, NULL);
	if (rc < 0 || (rc = vfs_fs_new(memfs, "none", NULL, 0, &root, &fs, &rootd)) < 0 ||
	    (rc = vfs_mntns_new(fs, rootd, &ns)) < 0 || (rc = vfs_ctx_new(ns, &root, &g_ctx)) < 0)
		die("setup", rc);
	vfs_fs_dput(fs, rootd);
	vfs_fs_put(fs);
	vfs_mntns_put(ns);
	if (!mkdtemp(g_tmp))
		die("mkdtemp", -errno);
	char d[128];
	snprintf(d, sizeof(d), "%s/g", g_tmp);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/s", g_tmp);
	mkdir(d, 0755);
	if ((rc = vfs_mkdirat(g_ctx, NULL, "/m", 0755)) < 0 ||
	    (rc = vfs_mount(g_ctx, memfs, "none", "/m", 0, NULL)) < 0)
		die("mount memfs", rc);
}

/* "PRE/a/a/.../f": @depth components after PRE. */
static void path_of(char *buf, size_t size, const char *pre, int depth)
{
	size_t n = (size_t)snprintf(buf, size, "%s", pre);
	for (int i = 1; i < depth; i++)
		n += (size_t)snprintf(buf + n, size - n, "/a");
	snprintf(buf + n, size - n, "/f");
}

/* The @t-th path nobody looked up yet: "PRE/cT" (depth 1) or "PRE/tT/a/a/a/a/a/a/f" (8). */
static void cold_path(char *buf, size_t size, const char *pre, int t, int depth)
{
	if (depth == 1) {
		snprintf(buf, size, "%s/c%d", pre, t);
		return;
	}
	char p[256];
	snprintf(p, sizeof(p), "%s/t%d", pre, t);
	path_of(buf, size, p, depth - 1);
}

/* Creates the file @path and every directory on the way below @base. */
static void host_file(const char *base, const char *path)
{
	char p[512];
	snprintf(p, sizeof(p), "%s", path);
	for (char *slash = p + strlen(base) + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = 0;
		(void)mkdir(p, 0755);
		*slash = '/';
	}
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "small file\n", 11) != 11)
		die(p, -errno);
	close(fd);
}

static void vfs_tree(const char *pre, int depth)
{
	char p[512];
	size_t n = (size_t)snprintf(p, sizeof(p), "%s", pre);
	for (int i = 1; i < depth; i++) {
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/a");
		(void)vfs_mkdirat(g_ctx, NULL, p, 0755);
	}
	snprintf(p + n, sizeof(p) - n, "/f");
	struct vfs_file *f = NULL;
	int rc = vfs_openat(g_ctx, NULL, p, O_CREAT | O_WRONLY, 0644, &f);
	if (rc < 0)
		die("memfs create", rc);
	(void)vfs_write(f, "small file\n", 11);
	vfs_file_put(f);
}

static struct vfs_file *probe(const char *mnt)
{
	struct vfs_file *f = NULL;
	int rc = vfs_openat(g_ctx, NULL, mnt, O_RDONLY | O_DIRECTORY, 0, &f);
	if (rc < 0)
		die("probe", rc);
	return f;
}

static int64_t rts(struct vfs_file *p)
{
	return p->sf->ops->ioctl(p->sf, NULL, P9FS_IOC_ROUNDTRIPS, 0);
}

/* Best of 7 rounds of @iters stats of @path, ns each. */
static double warm_stat(const char *path, int iters)
{
	struct sentry_statx st;
	double best = 1e18;
	for (int r = 0; r < 7; r++) {
		int64_t t0 = now_ns();
		for (int i = 0; i < iters; i++)
			if (vfs_statat(g_ctx, NULL, path, 0, SENTRY_STATX_BASIC_STATS, &st) < 0)
				die(path, -ENOENT);
		double per = (double)(now_ns() - t0) / iters;
		best = per < best ? per : best;
	}
	return best;
}

static double native_stat(const char *path, int iters)
{
	struct stat st;
	double best = 1e18;
	for (int r = 0; r < 7; r++) {
		int64_t t0 = now_ns();
		for (int i = 0; i < iters; i++)
			if (stat(path, &st) < 0)
				die(path, -errno);
		double per = (double)(now_ns() - t0) / iters;
		best = per < best ? per : best;
	}
	return best;
}

/* Stats of COLD_TREES paths never looked up before: ns each, round trips each. */
static double cold_stat(const char *mnt, int depth, double *ret_rt)
{
	char p[512];
	struct sentry_statx st;
	struct vfs_file *pr = probe(mnt);
	int64_t r0 = rts(pr), t0 = now_ns();
	for (int t = 0; t < COLD_TREES; t++) {
		cold_path(p, sizeof(p), mnt, t, depth);
		if (vfs_statat(g_ctx, NULL, p, 0, SENTRY_STATX_BASIC_STATS, &st) < 0)
			die(p, -ENOENT);
	}
	double per = (double)(now_ns() - t0) / COLD_TREES;
	*ret_rt = (double)(rts(pr) - r0) / COLD_TREES;
	vfs_file_put(pr);
	return per;
}

static double open_read_close(const char *path, int iters)
{
	char buf[64];
	double best = 1e18;
	for (int r = 0; r < 5; r++) {
		int64_t t0 = now_ns();
		for (int i = 0; i < iters; i++) {
			struct vfs_file *f = NULL;
			if (vfs_openat(g_ctx, NULL, path, O_RDONLY, 0, &f) < 0 ||
			    vfs_read(f, buf, sizeof(buf)) != 11)
				die(path, -EIO);
			vfs_file_put(f);
		}
		double per = (double)(now_ns() - t0) / iters;
		best = per < best ? per : best;
	}
	return best;
}

static double native_orc(const char *path, int iters)
{
	char buf[64];
	int64_t t0 = now_ns();
	for (int i = 0; i < iters; i++) {
		int fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != 11)
			die(path, -errno);
		close(fd);
	}
	return (double)(now_ns() - t0) / iters;
}

static void bench_stat(void)
{
	char g[128], s[128], p[512], h[512];
	snprintf(g, sizeof(g), "%s/g", g_tmp);
	snprintf(s, sizeof(s), "%s/s", g_tmp);
	for (int t = 0; t < COLD_TREES; t++) {
		cold_path(p, sizeof(p), g, t, 1);
		host_file(g, p);
		cold_path(p, sizeof(p), g, t, 8);
		host_file(g, p);
	}
	path_of(p, sizeof(p), g, 8);
	host_file(g, p);
	path_of(p, sizeof(p), g, 1);
	host_file(g, p);
	path_of(p, sizeof(p), s, 8);
	host_file(s, p);
	mount_9p(g, "/g", "exclusive", &g_pids[0]);
	mount_9p(s, "/s", "shared", &g_pids[1]);
	vfs_tree("/m", 8);
	vfs_tree("/m", 1);

	double rt1, rt8, rtw, rts_;
	double c1 = cold_stat("/g", 1, &rt1), c8 = cold_stat("/g", 8, &rt8);
	path_of(h, sizeof(h), g, 8);
	double nat8 = native_stat(h, 50000);
	path_of(h, sizeof(h), g, 1);
	double nat1 = native_stat(h, 50000);
	printf("gofer-stat.cold_depth1 %.0f ns native=%.0f\n", c1, nat1);
	printf("gofer-stat.cold_depth1_roundtrips %.2f roundtrips\n", rt1);
	printf("gofer-stat.cold_depth8 %.0f ns native=%.0f\n", c8, nat8);
	printf("gofer-stat.cold_depth8_roundtrips %.2f roundtrips\n", rt8);

	struct vfs_file *pr = probe("/g");
	path_of(p, sizeof(p), "/g", 1);
	double w1 = warm_stat(p, 100000);
	path_of(p, sizeof(p), "/g", 8);
	int64_t r0 = rts(pr);
	double w8 = warm_stat(p, 100000);
	rtw = (double)(rts(pr) - r0) / (7 * 100000.0);
	path_of(p, sizeof(p), "/m", 1);
	double m1 = warm_stat(p, 100000);
	path_of(p, sizeof(p), "/m", 8);
	double m8 = warm_stat(p, 100000);
	printf("gofer-stat.warm_depth1 %.0f ns native=%.0f\n", w1, nat1);
	printf("gofer-stat.warm_depth8 %.0f ns native=%.0f\n", w8, nat8);
	printf("gofer-stat.warm_depth8_roundtrips %.2f roundtrips\n", rtw);
	printf("gofer-stat.memfs_depth1 %.0f ns\n", m1);
	printf("gofer-stat.memfs_depth8 %.0f ns\n", m8);
	printf("gofer-stat.warm_depth8_vs_memfs %.2f ratio\n", w8 / m8);

	struct vfs_file *ps = probe("/s");
	path_of(p, sizeof(p), "/s", 8);
	(void)warm_stat(p, 1);
	int64_t s0 = rts(ps), t0 = now_ns();
	struct sentry_statx st;
	for (int i = 0; i < 2000; i++)
		if (vfs_statat(g_ctx, NULL, p, 0, SENTRY_STATX_BASIC_STATS, &st) < 0)
			die(p, -ENOENT);
	double sh8 = (double)(now_ns() - t0) / 2000;
	rts_ = (double)(rts(ps) - s0) / 2000;
	printf("gofer-stat.shared_depth8 %.0f ns native=%.0f\n", sh8, nat8);
	printf("gofer-stat.shared_depth8_roundtrips %.2f roundtrips\n", rts_);

	path_of(p, sizeof(p), "/g", 1);
	(void)open_read_close(p, 1);
	r0 = rts(pr);
	double orc = open_read_close(p, 20000);
	double orc_rt = (double)(rts(pr) - r0) / (5 * 20000.0);
	path_of(p, sizeof(p), "/m", 1);
	double morc = open_read_close(p, 20000);
	path_of(h, sizeof(h), g, 1);
	printf("gofer-stat.open_read_close %.0f ns native=%.0f\n", orc, native_orc(h, 20000));
	printf("gofer-stat.open_read_close_roundtrips %.2f roundtrips\n", orc_rt);
	printf("gofer-stat.memfs_open_read_close %.0f ns\n", morc);
	vfs_file_put(pr);
	vfs_file_put(ps);
}

/* Sequential I/O of IO_SIZE in IO_CHUNK pieces on @path: MB/s. */
static double vfs_io(const char *path, int wr, double *ret_rt, struct vfs_file *pr)
{
	static char buf[IO_CHUNK];
	struct vfs_file *f = NULL;
	int rc = vfs_openat(g_ctx, NULL, path, wr ? O_CREAT | O_TRUNC | O_WRONLY : O_RDONLY,
			    0644, &f);
	if (rc < 0)
		die(path, rc);
	memset(buf, 'x', sizeof(buf));
	int64_t r0 = pr ? rts(pr) : 0, t0 = now_ns();
	for (uint32_t done = 0; done < IO_SIZE; done += IO_CHUNK)
		if ((wr ? vfs_write(f, buf, IO_CHUNK) : vfs_read(f, buf, IO_CHUNK)) != IO_CHUNK)
			die(path, -EIO);
	double s = (double)(now_ns() - t0) / 1e9;
	if (ret_rt)
		*ret_rt = pr ? (double)(rts(pr) - r0) / (IO_SIZE / IO_CHUNK) : 0;
	vfs_file_put(f);
	return IO_SIZE / 1e6 / s;
}

static double native_io(const char *path, int wr)
{
	static char buf[IO_CHUNK];
	int fd = open(path, wr ? O_CREAT | O_TRUNC | O_WRONLY : O_RDONLY, 0644);
	if (fd < 0)
		die(path, -errno);
	int64_t t0 = now_ns();
	for (uint32_t done = 0; done < IO_SIZE; done += IO_CHUNK)
		if ((wr ? write(fd, buf, IO_CHUNK) : read(fd, buf, IO_CHUNK)) != IO_CHUNK)
			die(path, -errno);
	double s = (double)(now_ns() - t0) / 1e9;
	close(fd);
	return IO_SIZE / 1e6 / s;
}

static void bench_io(void)
{
	char g[128], h[256];
	snprintf(g, sizeof(g), "%s/g", g_tmp);
	snprintf(h, sizeof(h), "%s/big", g);
	double nw = native_io(h, 1), nr = native_io(h, 0);	/* also makes the file to read */
	mount_9p(g, "/g", "exclusive", &g_pids[0]);
	g_pids[1] = -1;
	struct vfs_file *pr = probe("/g");
	double rrt, crt, wrt;
	double r = vfs_io("/g/big", 0, &rrt, pr);
	double rc = vfs_io("/g/big", 0, &crt, pr);
	double w = vfs_io("/g/out", 1, &wrt, pr);
	double mw = vfs_io("/m/big", 1, NULL, NULL), mr = vfs_io("/m/big", 0, NULL, NULL);
	printf("gofer-io.read_64m %.0f MB/s native=%.0f\n", r, nr);
	printf("gofer-io.read_64m_roundtrips_per_mib %.2f roundtrips\n", rrt);
	printf("gofer-io.read_64m_cached %.0f MB/s native=%.0f\n", rc, nr);
	printf("gofer-io.read_64m_cached_roundtrips_per_mib %.2f roundtrips\n", crt);
	printf("gofer-io.write_64m %.0f MB/s native=%.0f\n", w, nw);
	printf("gofer-io.write_64m_roundtrips_per_mib %.2f roundtrips\n", wrt);
	printf("gofer-io.memfs_read_64m %.0f MB/s\n", mr);
	printf("gofer-io.memfs_write_64m %.0f MB/s\n", mw);
	vfs_file_put(pr);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[1], "stat") && strcmp(argv[1], "io"))) {
		fprintf(stderr, "usage: gofer_bench stat|io HOSTDIR_SO GOFER9P_SO MEMFS_SO\n");
		return 2;
	}
	setup(argv + 2);
	if (!strcmp(argv[1], "stat"))
		bench_stat();
	else
		bench_io();
	/* Freeing the namespace closes the channels; the Gofers then exit. */
	vfs_ctx_free(g_ctx);
	for (int i = 0; i < 2; i++)
		if (g_pids[i] > 0)
			(void)waitpid(g_pids[i], NULL, 0);
	(void)nftw(g_tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	plg_set_fini(&g_set);
	return 0;
}
