/*
 * fs-gofer9p through the VFS over a real Gofer: what is particular to a remote filesystem.
 * Escapes (symlinks out of the root, ".." at the root, hard links to outside files, a rename
 * race), read-only mounts, mount data, round trips per operation (cold and warm, exclusive and
 * shared caching), the page cache and mmap's translate, and pipelining from several threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mm/memfile.h"
#include "p9fs.h"
#include "vfs_test.h"

TestSuite(fs9p, .init = vt_setup, .fini = vt_teardown, .timeout = 60);

static void shared_setup(void)
{
	vt_setup_data("shared");
}
TestSuite(fs9p_shared, .init = shared_setup, .fini = vt_teardown, .timeout = 60);

static struct vfs_ctx *C(void)
{
	return g_vt.ctx;
}

/* A host path below the served directory (@rel "" is the directory), or next to it. */
static const char *host(const char *rel)
{
	static char buf[4][256];
	static int n;
	char *b = buf[n++ % 4];
	snprintf(b, sizeof(buf[0]), "%s%s", g_vt.hostdir, rel);
	return b;
}

static void host_write(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fputs(data, f);
	fclose(f);
}

/* The round trips the channel of the root mount has made so far, through the ioctl. */
static int64_t roundtrips(struct vfs_file *probe)
{
	return probe->sf->ops->ioctl(probe->sf, NULL, P9FS_IOC_ROUNDTRIPS, 0);
}

static struct vfs_file *probe_open(void)
{
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/", O_RDONLY | O_DIRECTORY, 0, &f), 0);
	return f;
}

/* The host tree a/a/.../f, @depth components, made behind the Sentry's back (cold). */
static void host_chain(int depth)
{
	char p[512];
	size_t n = (size_t)snprintf(p, sizeof(p), "%s", g_vt.hostdir);
	for (int i = 1; i < depth; i++) {
		n += (size_t)snprintf(p + n, sizeof(p) - n, "/a");
		cr_assert_eq(mkdir(p, 0755), 0);
	}
	snprintf(p + n, sizeof(p) - n, "/f");
	host_write(p, "deep");
}

static const char *depth8 = "/a/a/a/a/a/a/a/f";

Test(fs9p, cold_depth8_stat_is_one_round_trip_and_warm_is_none)
{
	host_chain(8);
	struct vfs_file *probe = probe_open();
	struct sentry_statx st;
	int64_t t0 = roundtrips(probe);
	cr_assert_eq(vfs_statat(C(), NULL, depth8, 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.size, 4);
	cr_assert_eq(roundtrips(probe) - t0, 1);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(vfs_statat(C(), NULL, depth8, 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(roundtrips(probe) - t0, 1, "warm stats went to the Gofer");
	/* A missing name is remembered too (a negative dentry). */
	cr_assert_eq(vt_mode(C(), "/a/a/nope"), -ENOENT);
	int64_t t1 = roundtrips(probe);
	cr_assert_eq(vt_mode(C(), "/a/a/nope"), -ENOENT);
	cr_assert_eq(roundtrips(probe), t1);
	vfs_file_put(probe);
	vt_assert_no_leaks();
}

Test(fs9p_shared, every_lookup_revalidates_in_one_round_trip)
{
	host_chain(8);
	struct vfs_file *probe = probe_open();
	struct sentry_statx st;
	cr_assert_eq(vfs_statat(C(), NULL, depth8, 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	int64_t t0 = roundtrips(probe);
	cr_assert_eq(vfs_statat(C(), NULL, depth8, 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(roundtrips(probe) - t0, 1);
	/* A change on the host is seen at the next lookup. */
	char p[256];
	snprintf(p, sizeof(p), "%s/a/a/a/a/a/a/a/f", g_vt.hostdir);
	host_write(p, "changed!");
	cr_assert_eq(vfs_statat(C(), NULL, depth8, 0, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert_eq(st.size, 8);
	char buf[16];
	cr_assert_eq(vt_read_file(C(), depth8, buf, sizeof(buf)), 8);
	cr_assert_str_eq(buf, "changed!");
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(vt_mode(C(), depth8), -ENOENT);
	vfs_file_put(probe);
	vt_assert_no_leaks();
}

Test(fs9p, repeated_reads_come_from_the_page_cache)
{
	char big[20000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	host_write(host("/big"), big);
	struct vfs_file *probe = probe_open();
	char buf[sizeof(big) + 1];
	cr_assert_eq(vt_read_file(C(), "/big", buf, sizeof(buf)), (int)sizeof(big) - 1);
	int64_t t0 = roundtrips(probe);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(vt_read_file(C(), "/big", buf, sizeof(buf)), (int)sizeof(big) - 1);
	cr_assert_eq(roundtrips(probe), t0, "cached reads went to the Gofer");
	cr_assert_eq(memcmp(buf, big, sizeof(big) - 1), 0);
	/* Writes go through, and the cached pages follow them. */
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/big", O_WRONLY, 0, &f), 0);
	cr_assert_eq(vfs_pwrite(f, "HELLO", 5, 4094), 5);
	vfs_file_put(f);
	char host_buf[8] = { 0 };
	FILE *h = fopen(host("/big"), "r");
	fseek(h, 4094, SEEK_SET);
	cr_assert_eq(fread(host_buf, 1, 5, h), 5);
	fclose(h);
	cr_assert_str_eq(host_buf, "HELLO");
	cr_assert_eq(vt_read_file(C(), "/big", buf, sizeof(buf)), (int)sizeof(big) - 1);
	cr_assert_eq(memcmp(buf + 4094, "HELLO", 5), 0);
	vfs_file_put(probe);
	vt_assert_no_leaks();
}

Test(fs9p, mmap_translate_maps_cached_pages_and_writes_back)
{
	host_write(host("/m"), "mapped file");
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/m", O_RDWR, 0, &f), 0);
	uint64_t off, len;
	const struct sentry_file_ops *o = f->sf->ops;
	cr_assert_eq(o->translate(f->sf, 0, 1, &off, &len), 0);
	cr_assert_geq(len, 4096);
	char *p = mf_ptr(off);
	cr_assert_eq(memcmp(p, "mapped file", 11), 0);
	cr_assert_eq(p[11], 0);	/* the rest of the last page is zero */
	cr_assert_eq(o->translate(f->sf, 4096, 1, &off, &len), -EFAULT);	/* past the end */
	cr_assert_eq(o->translate(f->sf, 0, 2, &off, &len), 0);
	memcpy(p, "MAPPED", 6);
	cr_assert_eq(vfs_fsync(f, 0), 0);
	char buf[16] = { 0 };
	FILE *h = fopen(host("/m"), "r");
	cr_assert_eq(fread(buf, 1, 11, h), 11);
	fclose(h);
	cr_assert_str_eq(buf, "MAPPED file");
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(fs9p, symlinks_out_of_the_root_resolve_inside_it)
{
	/* Outside the served directory, next to it: what an escape would reach. */
	char secret[128];
	snprintf(secret, sizeof(secret), "%s-secret", g_vt.hostdir);
	host_write(secret, "SECRET");
	const char *base = strrchr(g_vt.hostdir, '/') + 1;
	char target[160];
	snprintf(target, sizeof(target), "../%s-secret", base);
	cr_assert_eq(symlink(target, host("/rel")), 0);
	cr_assert_eq(symlink(secret, host("/abs")), 0);
	cr_assert_eq(symlink("../../../../../../../../", host("/up")), 0);
	char buf[32];
	/* Relative: ".." at the root stays at the root. Absolute: the sandbox's root. */
	cr_assert_eq(vt_read_file(C(), "/rel", buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(vt_read_file(C(), "/abs", buf, sizeof(buf)), -ENOENT);
	char via_up[200];
	snprintf(via_up, sizeof(via_up), "/up/%s-secret", base);
	cr_assert_eq(vt_read_file(C(), via_up, buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(vt_mode(C(), "/up") & S_IFMT, S_IFDIR);	/* the root itself */
	/* When the target exists inside the root, that is what the link names. */
	char inside[200];
	snprintf(inside, sizeof(inside), "/%s-secret", base);
	cr_assert_eq(vt_write_file(C(), inside, "inside"), 0);
	cr_assert_eq(vt_read_file(C(), "/rel", buf, sizeof(buf)), 6);
	cr_assert_str_eq(buf, "inside");
	unlink(secret);
	vt_assert_no_leaks();
}

Test(fs9p, dotdot_at_the_root_and_hard_links_stay_inside)
{
	char outside[128];
	snprintf(outside, sizeof(outside), "%s-out", g_vt.hostdir);
	host_write(outside, "OUT");
	const char *base = strrchr(g_vt.hostdir, '/') + 1;
	char p[256];
	snprintf(p, sizeof(p), "/../../%s-out", base);
	char buf[16];
	cr_assert_eq(vt_read_file(C(), p, buf, sizeof(buf)), -ENOENT);
	cr_assert_eq(vfs_linkat(C(), NULL, p, NULL, "/l", 0), -ENOENT);
	snprintf(p, sizeof(p), "/../%s", base);
	cr_assert_eq(vt_mode(C(), p), -ENOENT);
	/* A hard link the host made to an outside file is a file of the tree: reading it is
	 * reading what the host put there, and unlinking it leaves the outside name alone. */
	cr_assert_eq(link(outside, host("/hl")), 0);
	cr_assert_eq(vt_read_file(C(), "/hl", buf, sizeof(buf)), 3);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/hl", 0), 0);
	struct stat st;
	cr_assert_eq(stat(outside, &st), 0);
	unlink(outside);
	vt_assert_no_leaks();
}

struct race {
	volatile int stop;
	int escapes;
};

static void *renamer(void *arg)
{
	struct race *r = arg;
	for (int i = 0; i < 300 && !r->stop; i++) {
		(void)vfs_renameat2(g_vt.ctx, NULL, "/d1/sub", NULL, "/d2/sub", 0);
		(void)vfs_renameat2(g_vt.ctx, NULL, "/d2/sub", NULL, "/d1/sub", 0);
	}
	r->stop = 1;
	return NULL;
}

Test(fs9p, rename_race_never_reaches_outside)
{
	char outside[128];
	snprintf(outside, sizeof(outside), "%s-race", g_vt.hostdir);
	host_write(outside, "OUT");
	const char *base = strrchr(g_vt.hostdir, '/') + 1;
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d1", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d2", 0755), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/d1/sub", 0755), 0);
	struct race r = { 0 };
	pthread_t t;
	cr_assert_eq(pthread_create(&t, NULL, renamer, &r), 0);
	char p1[256], p2[256], buf[16];
	snprintf(p1, sizeof(p1), "/d1/sub/../../../%s-race", base);
	snprintf(p2, sizeof(p2), "/d2/sub/../../../../%s-race", base);
	while (!r.stop) {
		if (vt_read_file(C(), p1, buf, sizeof(buf)) >= 0 ||
		    vt_read_file(C(), p2, buf, sizeof(buf)) >= 0)
			r.escapes++;
	}
	pthread_join(t, NULL);
	cr_assert_eq(r.escapes, 0);
	/* The tree is consistent afterwards: the directory is in exactly one place. */
	int a = vt_mode(C(), "/d1/sub") > 0, b = vt_mode(C(), "/d2/sub") > 0;
	cr_assert_eq(a + b, 1);
	unlink(outside);
	vt_assert_no_leaks();
}

Test(fs9p, read_only_mounts_are_erofs)
{
	host_write(host("/f"), "x");
	/* The mount read-only in the VFS... */
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/m", 0755), 0);
	cr_assert_eq(vfs_mount(C(), NULL, "/", "/m", MS_BIND, NULL), 0);
	cr_assert_eq(vfs_mount(C(), NULL, NULL, "/m", MS_BIND | MS_REMOUNT | MS_RDONLY, NULL), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/m/x", 0755), -EROFS);
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(C(), NULL, "/m/f", O_WRONLY, 0, &f), -EROFS);
	cr_assert_eq(vfs_umount(C(), "/m", 0), 0);
	/* ... and a Gofer serving read-only (runsc gofer --ro). */
	char dir[64] = "/tmp/cvisor-9p-ro-XXXXXX";
	cr_assert(mkdtemp(dir));
	char p[128];
	snprintf(p, sizeof(p), "%s/g", dir);
	host_write(p, "ro");
	int pid, fd = vt_gofer_start(dir, 1, &pid);
	char data[32];
	snprintf(data, sizeof(data), "fd=%d", fd);
	cr_assert_eq(vfs_mount(C(), g_vt.rootfs, "none", "/m", 0, data), 0);
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/m/x", 0755), -EROFS);
	cr_assert_eq(vfs_openat(C(), NULL, "/m/g", O_WRONLY, 0, &f), -EROFS);
	cr_assert_eq(vfs_unlinkat(C(), NULL, "/m/g", 0), -EROFS);
	char buf[8];
	cr_assert_eq(vt_read_file(C(), "/m/g", buf, sizeof(buf)), 2);
	cr_assert_eq(vfs_umount(C(), "/m", 0), 0);
	cr_assert_eq(vt_gofer_wait(pid), 0);
	unlink(p);
	rmdir(dir);
	vt_assert_no_leaks();
}

Test(fs9p, bad_mount_data_is_einval)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/m", 0755), 0);
	const char *bad[] = { NULL, "", "fd=", "fd=x", "fd=-1", "fd=999", "fd=0,cache=weird",
			      "fd=0,bogus=1", "cache=shared" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vfs_mount(C(), g_vt.rootfs, "none", "/m", 0, bad[i]), -EINVAL,
			     "data \"%s\"", bad[i] ? bad[i] : "(null)");
	vt_assert_no_leaks();
}

struct reader {
	int id;
	int ok;
};

static void *read_loop(void *arg)
{
	struct reader *r = arg;
	char path[32], want[32], buf[32];
	snprintf(path, sizeof(path), "/t%d", r->id);
	snprintf(want, sizeof(want), "thread %d", r->id);
	r->ok = 1;
	for (int i = 0; i < 50; i++) {
		struct sentry_statx st;
		char p[64];
		snprintf(p, sizeof(p), "/dir%d/x%d", r->id, i);
		/* Misses: each a round trip, in flight alongside the other threads'. */
		if (vt_mode(g_vt.ctx, p) != -ENOENT || vfs_statat(g_vt.ctx, NULL, path, 0,
								   SENTRY_STATX_BASIC_STATS, &st))
			r->ok = 0;
		if (vt_read_file(g_vt.ctx, path, buf, sizeof(buf)) < 0 || strcmp(buf, want))
			r->ok = 0;
	}
	return NULL;
}

Test(fs9p, threads_pipeline_on_one_channel)
{
	enum { N = 8 };
	struct reader r[N];
	pthread_t t[N];
	for (int i = 0; i < N; i++) {
		char p[64], d[64];
		snprintf(p, sizeof(p), "/t%d", i);
		snprintf(d, sizeof(d), "thread %d", i);
		host_write(host(p), d);
		snprintf(p, sizeof(p), "/dir%d", i);
		cr_assert_eq(mkdir(host(p), 0755), 0);
		r[i].id = i;
	}
	for (int i = 0; i < N; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, read_loop, &r[i]), 0);
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		cr_assert(r[i].ok, "thread %d saw wrong data", i);
	}
	vt_assert_no_leaks();
}

Test(fs9p, files_made_in_the_sandbox_belong_to_their_creator)
{
	cr_assert_eq(vfs_mkdirat(C(), NULL, "/home", 0777), 0);
	struct vfs_ctx *u = vt_user_ctx(1000, 1000);
	cr_assert_eq(vt_write_file(u, "/home/mine", "x"), 0);
	cr_assert_eq(vfs_mkdirat(u, NULL, "/home/sub", 0700), 0);
	struct stat st;
	cr_assert_eq(stat(host("/home/mine"), &st), 0);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_gid, 1000);
	cr_assert_eq(stat(host("/home/sub"), &st), 0);
	cr_assert_eq(st.st_uid, 1000);
	cr_assert_eq(st.st_mode & 07777, 0700);
	cr_assert_eq(vt_write_file(u, "/home/sub/f", "y"), 0);
	vfs_ctx_free(u);
	vt_assert_no_leaks();
}
