/*
 * The sandbox's host cgroup (runtime/cgroup.c).
 *
 * Most tests run against fake hierarchies of regular files under a temporary directory TMP,
 * through rt_cgroup_set_test_hooks: a mountinfo and a /proc/self/cgroup of our own, an
 * after_mkdir hook that fills each new directory with the files the kernel would put there, and
 * an rmdir hook that refuses (EBUSY) a directory with processes or children, as cgroupfs does.
 *
 *   v1: TMP/cg/memory, TMP/cg/pids, TMP/cg/cpu,cpuacct, TMP/cg/systemd (name=systemd) and an
 *       empty cgroup2 at TMP/cg/unified, as on this machine;
 *   v2: a cgroup2 at TMP/cg offering "cpuset cpu io memory hugetlb pids".
 *
 * The cgroup_real suite uses this machine's cgroupfs: it needs root and a hierarchy where mkdir
 * works, and is skipped otherwise. Its cgroups are at /cvisor-test-PID/... and removed again.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"

#define MiB (1024 * 1024)

static char g_tmp[64];
static char g_mountinfo[128], g_self[128];
static bool g_no_memsw;		/* the fake v1 kernel has no swap accounting */
static int g_rmdir_calls;

/* TMP/@rel, in a rotating set of buffers so that a few can be used in one expression. */
static const char *tp(const char *rel)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];
	snprintf(b, sizeof(bufs[0]), "%s/%s", g_tmp, rel);
	return b;
}

static void put(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0)
		abort();
}

/* The content of @path without its trailing newline, or "<errno name>" if it cannot be read. */
static const char *get(const char *path)
{
	static char bufs[4][4096];
	static int next;
	char *b = bufs[next++ % 4];
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(b, sizeof(bufs[0]), "<%s>", strerrorname_np(errno));
		return b;
	}
	size_t n = fread(b, 1, sizeof(bufs[0]) - 1, f);
	fclose(f);
	b[n] = '\0';
	if (n && b[n - 1] == '\n')
		b[n - 1] = '\0';
	return b;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void put_in(const char *dir, const char *name, const char *content)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	put(path, content);
}

/* The fake kernel: what a new cgroup directory holds, by the hierarchy it is in. */
static void fake_after_mkdir(const char *dir)
{
	char v2[256];
	snprintf(v2, sizeof(v2), "%s/cg/", g_tmp);
	put_in(dir, "cgroup.procs", "");
	if (strstr(dir, "/cg/memory")) {
		put_in(dir, "memory.limit_in_bytes", "9223372036854771712\n");
		if (!g_no_memsw)
			put_in(dir, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
		put_in(dir, "memory.usage_in_bytes", "0\n");
		put_in(dir, "memory.max_usage_in_bytes", "0\n");
		put_in(dir, "memory.stat", "cache 0\nrss 0\ntotal_cache 0\ntotal_rss 0\n");
	} else if (strstr(dir, "/cg/pids")) {
		put_in(dir, "pids.max", "max\n");
		put_in(dir, "pids.current", "0\n");
	} else if (strstr(dir, "/cg/cpu,cpuacct")) {
		put_in(dir, "cpuacct.usage", "0\n");
	} else if (strstr(dir, "/cg/systemd") || strstr(dir, "/cg/unified")) {
		/* nothing but cgroup.procs */
	} else if (!strncmp(dir, v2, strlen(v2)) || !strcmp(dir, tp("cg"))) {
		put_in(dir, "cgroup.controllers", "memory pids\n");
		put_in(dir, "cgroup.subtree_control", "");
		put_in(dir, "cgroup.kill", "");
		put_in(dir, "memory.max", "max\n");
		put_in(dir, "memory.swap.max", "max\n");
		put_in(dir, "memory.current", "0\n");
		put_in(dir, "memory.stat", "anon 0\nfile 0\n");
		put_in(dir, "pids.max", "max\n");
		put_in(dir, "pids.current", "0\n");
		put_in(dir, "cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
	}
}

/* The fake kernel's rmdir: EBUSY with processes or child cgroups, else the files go too. */
static int fake_rmdir(const char *dir)
{
	g_rmdir_calls++;
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	bool busy = false;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			busy = true;
	char procs[512];
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	busy |= exists(procs) && get(procs)[0] != '\0';
	if (busy) {
		closedir(d);
		errno = EBUSY;
		return -1;
	}
	rewinddir(d);
	while ((e = readdir(d)))
		if (e->d_type == DT_REG) {
			char path[512];
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	return rmdir(dir);
}

/* Writes @text to @path with every '@' replaced by TMP. */
static void put_subst(const char *path, const char *text)
{
	char out[4096];
	size_t o = 0;
	for (const char *p = text; *p && o + 64 < sizeof(out); p++)
		if (*p == '@')
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s", g_tmp);
		else
			out[o++] = *p;
	out[o] = '\0';
	put(path, out);
}

static void mkdir_or_die(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		abort();
}

/* Makes TMP/@rel and its parents as cgroups, like cgroups that were there before us. */
static void fake_cgroup_p(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s", tp(rel));
	for (char *p = path + strlen(g_tmp) + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(path, 0755) == 0)
			fake_after_mkdir(path);
		*p = c;
		if (!c)
			break;
	}
}

/* A mount point with the files of a root cgroup. */
static void fake_mount_point(const char *rel)
{
	mkdir_or_die(tp(rel));
	fake_after_mkdir(tp(rel));
}

static const char *const g_v1_mountinfo =
	"22 1 254:1 / / rw,relatime - ext4 /dev/vda rw\n"
	"31 22 0:28 / @/cg rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"32 31 0:29 / @/cg/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
	"35 31 0:32 / @/cg/memory rw,relatime - cgroup cgroup rw,memory\n"
	"39 31 0:36 / @/cg/pids rw,relatime - cgroup cgroup rw,pids\n"
	"40 31 0:37 / @/cg/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
	"41 31 0:38 / @/cg/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char *const g_v1_self =
	"9:name=systemd:/\n"
	"8:pids:/\n"
	"4:memory:/user.slice/session-1.scope\n"
	"2:cpu,cpuacct:/\n"
	"0::/\n";

static void use_hooks(void)
{
	snprintf(g_mountinfo, sizeof(g_mountinfo), "%s/mountinfo", g_tmp);
	snprintf(g_self, sizeof(g_self), "%s/self_cgroup", g_tmp);
	struct rt_cgroup_test_hooks h = { .mountinfo = g_mountinfo, .self_cgroup = g_self,
					  .after_mkdir = fake_after_mkdir, .rmdir = fake_rmdir };
	rt_cgroup_set_test_hooks(&h);
}

static void make_tmp(void)
{
	snprintf(g_tmp, sizeof(g_tmp), "/tmp/cvisor-cgroup-XXXXXX");
	if (!mkdtemp(g_tmp))
		abort();
	mkdir_or_die(tp("cg"));
}

static void fake_v1(void)
{
	make_tmp();
	fake_mount_point("cg/memory");
	fake_mount_point("cg/pids");
	fake_mount_point("cg/cpu,cpuacct");
	fake_mount_point("cg/systemd");
	fake_mount_point("cg/unified");
	put(tp("cg/unified/cgroup.controllers"), "");
	fake_cgroup_p("cg/memory/user.slice/session-1.scope");	/* runsc's own */
	put_subst(tp("mountinfo"), g_v1_mountinfo);
	put(tp("self_cgroup"), g_v1_self);
	use_hooks();
}

static void fake_v2(void)
{
	make_tmp();
	fake_after_mkdir(tp("cg"));
	put(tp("cg/cgroup.controllers"), "cpuset cpu io memory hugetlb pids\n");
	put(tp("cg/cgroup.kill"), "");
	fake_cgroup_p("cg/user.slice/user-0.slice/session-2.scope");	/* runsc's own */
	put_subst(tp("mountinfo"), "22 1 254:1 / / rw - ext4 /dev/vda rw\n"
				   "30 22 0:26 / @/cg rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
	put(tp("self_cgroup"), "0::/user.slice/user-0.slice/session-2.scope\n");
	use_hooks();
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	(void)remove(path);
	return 0;
}

static void fake_done(void)
{
	rt_cgroup_set_test_hooks(NULL);
	(void)chmod(tp("cg/pids"), 0755);
	if (g_tmp[0])
		(void)nftw(g_tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(cgroup_v1, .init = fake_v1, .fini = fake_done);
TestSuite(cgroup_v2, .init = fake_v2, .fini = fake_done);
TestSuite(cgroup_path, .init = fake_v2, .fini = fake_done);
TestSuite(cgroup_error, .init = fake_v1, .fini = fake_done);

static const struct rt_cgroup_limits g_64m_32 = { .memory = 64 * MiB, .pids = 32 };

/* Creates a cgroup that must succeed. */
static struct rt_cgroup *must_create(const char *path, const char *id, int systemd,
				     const struct rt_cgroup_limits *lim)
{
	struct rt_cgroup *cg = NULL;
	struct rt_error *err = NULL;
	int rc = rt_cgroup_create(path, id, systemd, lim, &cg, &err);
	cr_assert_eq(rc, 0, "create(%s): %s", path ? path : "NULL", err ? err->msg : "?");
	cr_assert_not_null(cg);
	return cg;
}

/* Creates a cgroup that must fail; returns its message (a static copy). */
static const char *must_fail_create(const char *path, const char *id, int systemd,
				    const struct rt_cgroup_limits *lim, int *ret_status)
{
	static char msg[512];
	struct rt_cgroup *cg = NULL;
	struct rt_error *err = NULL;
	int rc = rt_cgroup_create(path, id, systemd, lim, &cg, &err);
	cr_assert_lt(rc, 0, "create(%s) should have failed", path);
	cr_assert_null(cg);
	cr_assert_not_null(err);
	snprintf(msg, sizeof(msg), "%s", err->msg);
	if (ret_status)
		*ret_status = err->status;
	rt_error_free(&err);
	return msg;
}

static void must_destroy(struct rt_cgroup *cg)
{
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_destroy(cg, &err), 0, "destroy: %s", err ? err->msg : "?");
}

/*
 * cgroup v1
 */

Test(cgroup_v1, default_path_is_cvisor_id_in_each_hierarchy_with_limits)
{
	struct rt_cgroup *cg = must_create(NULL, "c1", 0, &g_64m_32);
	cr_expect_str_eq(get(tp("cg/memory/cvisor/c1/memory.limit_in_bytes")), "67108864");
	cr_expect_str_eq(get(tp("cg/memory/cvisor/c1/memory.memsw.limit_in_bytes")), "67108864");
	cr_expect_str_eq(get(tp("cg/pids/cvisor/c1/pids.max")), "32");
	cr_expect(exists(tp("cg/cpu,cpuacct/cvisor/c1")));
	/* Neither the named systemd hierarchy nor the empty cgroup2 is used. */
	cr_expect_not(exists(tp("cg/systemd/cvisor")));
	cr_expect_not(exists(tp("cg/unified/cvisor")));
	char want[1024];
	snprintf(want, sizeof(want),
		 "cgroup1 memory:2:%s/cg/memory/cvisor/c1 pids:2:%s/cg/pids/cvisor/c1 "
		 "cpuacct:2:%s/cg/cpu,cpuacct/cvisor/c1",
		 g_tmp, g_tmp, g_tmp);
	cr_expect_str_eq(rt_cgroup_handle(cg), want);
	must_destroy(cg);
	cr_expect_not(exists(tp("cg/memory/cvisor")));
	cr_expect_not(exists(tp("cg/pids/cvisor")));
	cr_expect_not(exists(tp("cg/cpu,cpuacct/cvisor")));
	rt_cgroup_free(cg);
}

/* The note callback: keeps the handle, and stops the creation when @arg says so. */
static char g_noted[1024];
static int note_stop(const char *handle, void *arg)
{
	snprintf(g_noted, sizeof(g_noted), "%s", handle);
	return *(int *)arg;
}

Test(cgroup_v1, the_noted_handle_names_what_is_made_before_any_mkdir)
{
	/* A create killed right after its note: nothing made yet, and the noted handle is what
	 * delete --force opens and destroys, so it must name the directories to come. */
	int stop = -EINTR;
	struct rt_cgroup *cg = NULL;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_create_noted(NULL, "k1", 0, &g_64m_32, note_stop, &stop, &cg, &err),
		     -EINTR);
	cr_assert_null(cg);
	cr_expect_not(exists(tp("cg/memory/cvisor")));
	char want[1024];
	snprintf(want, sizeof(want),
		 "cgroup1 memory:2:%s/cg/memory/cvisor/k1 pids:2:%s/cg/pids/cvisor/k1 "
		 "cpuacct:2:%s/cg/cpu,cpuacct/cvisor/k1",
		 g_tmp, g_tmp, g_tmp);
	cr_expect_str_eq(g_noted, want);
	/* Destroying through it is harmless when nothing was made... */
	cr_assert_eq(rt_cgroup_open(g_noted, &cg, &err), 0);
	must_destroy(cg);
	rt_cgroup_free(cg);
	/* ...and removes what was, when the create went on before it died. */
	stop = 0;
	cg = NULL;
	cr_assert_eq(rt_cgroup_create_noted(NULL, "k1", 0, &g_64m_32, note_stop, &stop, &cg, &err),
		     0);
	cr_expect_str_eq(g_noted, want);
	cr_expect(exists(tp("cg/memory/cvisor/k1")));
	rt_cgroup_free(cg);
	cr_assert_eq(rt_cgroup_open(g_noted, &cg, &err), 0);
	must_destroy(cg);
	rt_cgroup_free(cg);
	cr_expect_not(exists(tp("cg/memory/cvisor")));
	cr_expect_not(exists(tp("cg/pids/cvisor")));
}

Test(cgroup_v1, absolute_path_is_below_each_mount_as_podman_passes_it)
{
	struct rt_cgroup *cg = must_create("/libpod_parent/libpod-abc", "abc", 0, NULL);
	cr_expect(exists(tp("cg/memory/libpod_parent/libpod-abc/cgroup.procs")));
	cr_expect(exists(tp("cg/pids/libpod_parent/libpod-abc/cgroup.procs")));
	cr_expect(exists(tp("cg/cpu,cpuacct/libpod_parent/libpod-abc/cgroup.procs")));
	/* No limits asked, none written. */
	cr_expect_str_eq(get(tp("cg/pids/libpod_parent/libpod-abc/pids.max")), "max");
	rt_cgroup_free(cg);
}

Test(cgroup_v1, relative_path_is_below_runsc_own_cgroup_in_each_hierarchy)
{
	struct rt_cgroup *cg = must_create("ctr/x", "x", 0, NULL);
	cr_expect(exists(tp("cg/memory/user.slice/session-1.scope/ctr/x")));
	cr_expect(exists(tp("cg/pids/ctr/x")));
	cr_expect(exists(tp("cg/cpu,cpuacct/ctr/x")));
	must_destroy(cg);
	/* Only what was made goes: runsc's own cgroup was there before. */
	cr_expect_not(exists(tp("cg/memory/user.slice/session-1.scope/ctr")));
	cr_expect(exists(tp("cg/memory/user.slice/session-1.scope")));
	rt_cgroup_free(cg);
}

Test(cgroup_v1, own_cgroup_is_seen_through_the_mount_root)
{
	/* In a container, the cpu,cpuacct mount shows only /outer of its hierarchy, where runsc's
	 * cgroup /outer/inner is at TMP/cg/cpu,cpuacct/inner. The memory hierarchy has a bind mount
	 * of a part first and the whole later: the whole one is used. */
	put_subst(tp("mountinfo"),
		  "32 31 0:29 /outer @/cg/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
		  "33 31 0:32 /user.slice @/elsewhere rw - cgroup cgroup rw,memory\n"
		  "35 31 0:32 / @/cg/memory rw - cgroup cgroup rw,memory\n"
		  "39 31 0:36 / @/cg/pids rw - cgroup cgroup rw,pids\n");
	put(tp("self_cgroup"), "8:pids:/\n4:memory:/m\n2:cpu,cpuacct:/outer/inner\n");
	struct rt_cgroup *cg = must_create("rel", "r", 0, NULL);
	cr_expect(exists(tp("cg/cpu,cpuacct/inner/rel")));
	cr_expect(exists(tp("cg/memory/m/rel")));
	cr_expect(exists(tp("cg/pids/rel")));
	cr_expect_not(exists(tp("elsewhere")));
	rt_cgroup_free(cg);
}

Test(cgroup_v1, co_mounted_controllers_share_one_directory)
{
	fake_mount_point("cg/memory,pids");
	put_subst(tp("mountinfo"),
		  "35 31 0:32 / @/cg/memory,pids rw - cgroup cgroup rw,memory,pids\n");
	/* The fake kernel fills "memory,pids" as memory; pids.max is added by hand. */
	mkdir_or_die(tp("cg/memory,pids/pre"));
	fake_after_mkdir(tp("cg/memory,pids/pre"));
	put(tp("cg/memory,pids/pre/pids.max"), "max\n");
	struct rt_cgroup *cg = must_create("/pre", "p", 0, &g_64m_32);
	cr_expect_str_eq(get(tp("cg/memory,pids/pre/memory.limit_in_bytes")), "67108864");
	cr_expect_str_eq(get(tp("cg/memory,pids/pre/pids.max")), "32");
	char want[512];
	snprintf(want, sizeof(want), "cgroup1 memory,pids:0:%s/cg/memory,pids/pre", g_tmp);
	cr_expect_str_eq(rt_cgroup_handle(cg), want);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, without_swap_accounting_only_the_memory_limit_is_written)
{
	g_no_memsw = true;
	struct rt_cgroup *cg = must_create("/a", "a", 0, &g_64m_32);
	cr_expect_str_eq(get(tp("cg/memory/a/memory.limit_in_bytes")), "67108864");
	cr_expect_not(exists(tp("cg/memory/a/memory.memsw.limit_in_bytes")));
	rt_cgroup_free(cg);
}

Test(cgroup_v1, escaped_mount_points_are_decoded)
{
	fake_mount_point("cg/memory x");
	put_subst(tp("mountinfo"),
		  "35 31 0:32 / @/cg/memory\\040x rw - cgroup cgroup rw,memory\n");
	struct rt_cgroup *cg = must_create("/sp ace/100%", "s", 0, NULL);
	cr_expect(exists(tp("cg/memory x/sp ace/100%")));
	char want[512];
	snprintf(want, sizeof(want), "cgroup1 memory:2:%s/cg/memory%%20x/sp%%20ace/100%%25", g_tmp);
	cr_expect_str_eq(rt_cgroup_handle(cg), want);
	/* And back. */
	struct rt_cgroup *again = NULL;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_open(rt_cgroup_handle(cg), &again, &err), 0);
	cr_expect_str_eq(rt_cgroup_handle(again), want);
	must_destroy(again);
	cr_expect_not(exists(tp("cg/memory x/sp ace")));
	rt_cgroup_free(again);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, dotdot_does_not_climb_above_the_root)
{
	struct rt_cgroup *cg = must_create("/../../x/../y", "y", 0, NULL);
	cr_expect(exists(tp("cg/memory/y")));
	rt_cgroup_free(cg);
	cg = must_create("../../z", "z", 0, NULL);
	cr_expect(exists(tp("cg/memory/user.slice/session-1.scope/z")), "relative stays below own");
	cr_expect(exists(tp("cg/pids/z")));
	rt_cgroup_free(cg);
}

Test(cgroup_v1, join_writes_the_pid_in_every_hierarchy)
{
	struct rt_cgroup *cg = must_create(NULL, "j", 0, NULL);
	struct rt_error *err = NULL;
	/* Regular files: nothing is moved anywhere. */
	cr_assert_eq(rt_cgroup_join(cg, 4242, &err), 0);
	cr_expect_str_eq(get(tp("cg/memory/cvisor/j/cgroup.procs")), "4242");
	cr_expect_str_eq(get(tp("cg/pids/cvisor/j/cgroup.procs")), "4242");
	cr_expect_str_eq(get(tp("cg/cpu,cpuacct/cvisor/j/cgroup.procs")), "4242");
	rt_cgroup_free(cg);
}

Test(cgroup_v1, pids_are_the_sorted_union_of_the_hierarchies)
{
	struct rt_cgroup *cg = must_create(NULL, "p", 0, NULL);
	put(tp("cg/memory/cvisor/p/cgroup.procs"), "30\n10\n20\n");
	put(tp("cg/pids/cvisor/p/cgroup.procs"), "20\n40\n");
	pid_t *pids = NULL;
	size_t n = 0;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_pids(cg, &pids, &n, &err), 0);
	cr_assert_eq(n, 4);
	cr_expect(pids[0] == 10 && pids[1] == 20 && pids[2] == 30 && pids[3] == 40);
	free(pids);
	put(tp("cg/pids/cvisor/p/cgroup.procs"), "20\nbanana\n");
	cr_assert_lt(rt_cgroup_pids(cg, &pids, &n, &err), 0);
	cr_expect(strstr(err->msg, "pids/cvisor/p/cgroup.procs: not a list of PIDs"), "%s",
		  err->msg);
	rt_error_free(&err);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, empty_cgroup_has_no_pids)
{
	struct rt_cgroup *cg = must_create(NULL, "e", 0, NULL);
	pid_t *pids = (pid_t *)1;
	size_t n = 99;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_pids(cg, &pids, &n, &err), 0);
	cr_expect_eq(n, 0);
	cr_expect_null(pids);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, stats_read_each_controller)
{
	struct rt_cgroup *cg = must_create(NULL, "s", 0, &g_64m_32);
	put(tp("cg/memory/cvisor/s/memory.usage_in_bytes"), "1000\n");
	put(tp("cg/memory/cvisor/s/memory.max_usage_in_bytes"), "2000\n");
	put(tp("cg/memory/cvisor/s/memory.stat"),
	    "cache 1\nrss 2\nrss_huge 0\ntotal_cache 300\ntotal_rss 400\n");
	put(tp("cg/pids/cvisor/s/pids.current"), "3\n");
	put(tp("cg/cpu,cpuacct/cvisor/s/cpuacct.usage"), "123456789\n");
	struct rt_cgroup_stats st;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_stats(cg, &st, &err), 0, "%s", err ? err->msg : "");
	cr_expect_eq(st.memory_usage, 1000);
	cr_expect_eq(st.memory_max_usage, 2000);
	cr_expect_eq(st.memory_limit, 64 * MiB);
	cr_expect_eq(st.memory_cache, 300);
	cr_expect_eq(st.memory_rss, 400);
	cr_expect_eq(st.pids_current, 3);
	cr_expect_eq(st.pids_limit, 32);
	cr_expect_eq(st.cpu_usage_ns, 123456789);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, stats_without_limits_say_none)
{
	struct rt_cgroup *cg = must_create(NULL, "n", 0, NULL);
	struct rt_cgroup_stats st;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_stats(cg, &st, &err), 0);
	cr_expect_eq(st.memory_limit, UINT64_MAX, "9223372036854771712 is v1's no limit");
	cr_expect_eq(st.pids_limit, UINT64_MAX, "\"max\"");
	put(tp("cg/pids/cvisor/n/pids.current"), "lots\n");
	cr_assert_lt(rt_cgroup_stats(cg, &st, &err), 0);
	cr_expect(strstr(err->msg, "/pids.current: not a number"), "%s", err->msg);
	rt_error_free(&err);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, stats_of_a_removed_cgroup_name_it)
{
	struct rt_cgroup *cg = must_create(NULL, "gone", 0, NULL);
	must_destroy(cg);
	struct rt_cgroup_stats st;
	struct rt_error *err = NULL;
	cr_assert_lt(rt_cgroup_stats(cg, &st, &err), 0);
	char want[512];
	snprintf(want, sizeof(want), "cgroup: %s/cg/memory/cvisor/gone: No such file or directory",
		 g_tmp);
	cr_expect_str_eq(err->msg, want);
	cr_expect_eq(err->status, ENOENT);
	rt_error_free(&err);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, reused_cgroup_is_left_by_destroy)
{
	struct rt_cgroup *first = must_create("/shared/c", "c", 0, NULL);
	struct rt_cgroup *second = must_create("/shared/c", "c", 0, &g_64m_32);
	cr_expect_str_eq(get(tp("cg/pids/shared/c/pids.max")), "32", "limits go to the reused one");
	cr_expect(strstr(rt_cgroup_handle(second), "pids:0:"), "%s", rt_cgroup_handle(second));
	must_destroy(second);
	cr_expect(exists(tp("cg/pids/shared/c")));
	must_destroy(first);
	cr_expect_not(exists(tp("cg/pids/shared")));
	rt_cgroup_free(second);
	rt_cgroup_free(first);
}

Test(cgroup_v1, destroy_leaves_a_parent_another_container_uses)
{
	/* a makes /cvisor and /cvisor/a, b only /cvisor/b. */
	struct rt_cgroup *a = must_create(NULL, "a", 0, NULL);
	struct rt_cgroup *b = must_create(NULL, "b", 0, NULL);
	must_destroy(a);
	cr_expect_not(exists(tp("cg/memory/cvisor/a")));
	cr_expect(exists(tp("cg/memory/cvisor/b")));
	must_destroy(b);
	cr_expect_not(exists(tp("cg/memory/cvisor/b")));
	cr_expect(exists(tp("cg/memory/cvisor")), "b did not make /cvisor");
	/* Destroying a again is 0, and now removes the /cvisor it made. */
	must_destroy(a);
	cr_expect_not(exists(tp("cg/memory/cvisor")));
	rt_cgroup_free(b);
	rt_cgroup_free(a);
}

Test(cgroup_v1, destroy_of_what_is_gone_is_zero)
{
	struct rt_cgroup *cg = must_create(NULL, "g", 0, NULL);
	must_destroy(cg);
	g_rmdir_calls = 0;
	must_destroy(cg);
	cr_expect_gt(g_rmdir_calls, 0, "it did look");
	rt_cgroup_free(cg);
}

Test(cgroup_v1, busy_leaf_is_retried_for_about_a_second, .timeout = 20)
{
	struct rt_cgroup *cg = must_create(NULL, "busy", 0, NULL);
	put(tp("cg/pids/cvisor/busy/cgroup.procs"), "1\n");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct rt_error *err = NULL;
	cr_assert_lt(rt_cgroup_destroy(cg, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_expect(s > 0.8 && s < 2.5, "took %.2f s", s);
	char want[512];
	snprintf(want, sizeof(want), "cgroup: %s/cg/pids/cvisor/busy: Device or resource busy",
		 g_tmp);
	cr_expect_str_eq(err->msg, want);
	cr_expect_gt(g_rmdir_calls, 10, "retried");
	rt_error_free(&err);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, kill_of_an_empty_cgroup_returns_at_once)
{
	struct rt_cgroup *cg = must_create(NULL, "k", 0, NULL);
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_kill(cg, &err), 0);
	/* Nor does it kill its caller: alone in the list, we count as empty. */
	char self[16];
	snprintf(self, sizeof(self), "%d\n", (int)getpid());
	put(tp("cg/memory/cvisor/k/cgroup.procs"), self);
	cr_assert_eq(rt_cgroup_kill(cg, &err), 0);
	rt_cgroup_free(cg);
}

Test(cgroup_v1, kill_gives_up_after_about_two_seconds, .timeout = 20)
{
	struct rt_cgroup *cg = must_create(NULL, "stuck", 0, NULL);
	pid_t child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	/* A regular file keeps listing the child after it died: the loop must stop anyway. */
	char line[16];
	snprintf(line, sizeof(line), "%d\n", (int)child);
	put(tp("cg/pids/cvisor/stuck/cgroup.procs"), line);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct rt_error *err = NULL;
	cr_assert_lt(rt_cgroup_kill(cg, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_expect(s > 1.8 && s < 4, "took %.2f s", s);
	cr_expect(strstr(err->msg, "cvisor/stuck: 1 processes remain after SIGKILL"), "%s",
		  err->msg);
	cr_expect_eq(err->status, EBUSY);
	int st = 0;
	cr_assert_eq(waitpid(child, &st, 0), child);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	rt_error_free(&err);
	rt_cgroup_free(cg);
}

/*
 * cgroup v2
 */

Test(cgroup_v2, controllers_are_delegated_down_to_the_leaf)
{
	struct rt_cgroup *cg = must_create("/a/b", "b", 0, &g_64m_32);
	cr_expect_str_eq(get(tp("cg/cgroup.subtree_control")), "+memory +pids");
	cr_expect_str_eq(get(tp("cg/a/cgroup.subtree_control")), "+memory +pids");
	cr_expect_str_eq(get(tp("cg/a/b/cgroup.subtree_control")), "", "not in the leaf");
	cr_expect_str_eq(get(tp("cg/a/b/memory.max")), "67108864");
	cr_expect_str_eq(get(tp("cg/a/b/memory.swap.max")), "0", "no swap beyond the limit");
	cr_expect_str_eq(get(tp("cg/a/b/pids.max")), "32");
	char want[512];
	snprintf(want, sizeof(want), "cgroup2 unified:2:%s/cg/a/b", g_tmp);
	cr_expect_str_eq(rt_cgroup_handle(cg), want);
	must_destroy(cg);
	cr_expect_not(exists(tp("cg/a")));
	rt_cgroup_free(cg);
}

Test(cgroup_v2, enabled_controllers_are_not_written_again)
{
	put(tp("cg/cgroup.subtree_control"), "memory pids\n");
	struct rt_cgroup *cg = must_create("/c", "c", 0, &g_64m_32);
	cr_expect_str_eq(get(tp("cg/cgroup.subtree_control")), "memory pids");
	rt_cgroup_free(cg);
	/* Only what is missing is added. */
	put(tp("cg/cgroup.subtree_control"), "pids\n");
	cg = must_create("/d", "d", 0, &g_64m_32);
	cr_expect_str_eq(get(tp("cg/cgroup.subtree_control")), "+memory");
	rt_cgroup_free(cg);
}

Test(cgroup_v2, failing_delegation_matters_only_for_a_wanted_limit)
{
	/* A directory where a file is expected: every write to it fails (EISDIR). */
	unlink(tp("cg/cgroup.subtree_control"));
	mkdir_or_die(tp("cg/cgroup.subtree_control"));
	put(tp("cg/cgroup.subtree_control/x"), "");
	struct rt_cgroup *cg = must_create("/quiet", "q", 0, NULL);
	rt_cgroup_free(cg);
	int status = 0;
	const char *msg = must_fail_create("/loud", "l", 0, &g_64m_32, &status);
	char want[512];
	snprintf(want, sizeof(want), "cgroup: %s/cg/cgroup.subtree_control: Is a directory", g_tmp);
	cr_expect_str_eq(msg, want);
	cr_expect_eq(status, EISDIR);
	cr_expect_not(exists(tp("cg/loud")), "undone");
}

Test(cgroup_v2, relative_path_is_below_runsc_own_cgroup)
{
	struct rt_cgroup *cg = must_create("sub", "s", 0, NULL);
	cr_expect(exists(tp("cg/user.slice/user-0.slice/session-2.scope/sub")));
	must_destroy(cg);
	cr_expect(exists(tp("cg/user.slice/user-0.slice/session-2.scope")));
	cr_expect_not(exists(tp("cg/user.slice/user-0.slice/session-2.scope/sub")));
	rt_cgroup_free(cg);
}

Test(cgroup_v2, stats_read_the_v2_files)
{
	struct rt_cgroup *cg = must_create(NULL, "s", 0, &g_64m_32);
	put(tp("cg/cvisor/s/memory.current"), "5000\n");
	put(tp("cg/cvisor/s/memory.peak"), "7000\n");
	put(tp("cg/cvisor/s/memory.stat"), "anon 111\nfile 222\nkernel 3\n");
	put(tp("cg/cvisor/s/pids.current"), "4\n");
	put(tp("cg/cvisor/s/cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
	struct rt_cgroup_stats st;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_stats(cg, &st, &err), 0, "%s", err ? err->msg : "");
	cr_expect_eq(st.memory_usage, 5000);
	cr_expect_eq(st.memory_max_usage, 7000);
	cr_expect_eq(st.memory_limit, 64 * MiB);
	cr_expect_eq(st.memory_rss, 111);
	cr_expect_eq(st.memory_cache, 222);
	cr_expect_eq(st.pids_current, 4);
	cr_expect_eq(st.pids_limit, 32);
	cr_expect_eq(st.cpu_usage_ns, 1500000);
	/* Kernels before 5.19 have no memory.peak. */
	unlink(tp("cg/cvisor/s/memory.peak"));
	cr_assert_eq(rt_cgroup_stats(cg, &st, &err), 0);
	cr_expect_eq(st.memory_max_usage, 0);
	rt_cgroup_free(cg);
}

Test(cgroup_v2, kill_of_an_empty_cgroup_does_not_need_cgroup_kill)
{
	struct rt_cgroup *cg = must_create(NULL, "k", 0, NULL);
	put(tp("cg/cvisor/k/cgroup.kill"), "untouched");
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_kill(cg, &err), 0);
	cr_expect_str_eq(get(tp("cg/cvisor/k/cgroup.kill")), "untouched");
	rt_cgroup_free(cg);
}

Test(cgroup_v2, empty_cgroup2_beside_v1_is_not_v2_but_alone_it_is)
{
	/* This machine's layout: the cgroup2 at unified offers only hugetlb. */
	fake_mount_point("cg/memory");
	fake_mount_point("cg/unified");
	put(tp("cg/unified/cgroup.controllers"), "hugetlb\n");
	put_subst(tp("mountinfo"), "35 31 0:32 / @/cg/memory rw - cgroup cgroup rw,memory\n"
				   "41 31 0:38 / @/cg/unified rw - cgroup2 cgroup2 rw\n");
	struct rt_cgroup *cg = must_create("/h", "h", 0, NULL);
	cr_expect(!strncmp(rt_cgroup_handle(cg), "cgroup1 memory:1:", 17), "%s",
		  rt_cgroup_handle(cg));
	rt_cgroup_free(cg);
	/* Two cgroup2 mounts: the one offering controllers wins. */
	put_subst(tp("mountinfo"), "41 31 0:38 / @/cg/unified rw - cgroup2 cgroup2 rw\n"
				   "30 22 0:26 / @/cg rw - cgroup2 cgroup2 rw\n");
	cg = must_create("/h", "h", 0, NULL);
	char want[512];
	snprintf(want, sizeof(want), "cgroup2 unified:1:%s/cg/h", g_tmp);
	cr_expect_str_eq(rt_cgroup_handle(cg), want);
	rt_cgroup_free(cg);
}

/*
 * systemd paths (on the fake v2 tree)
 */

static size_t count_dirs(const char *dir)
{
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += e->d_type == DT_DIR;
	closedir(d);
	return n;
}

Test(cgroup_path, systemd_slice_prefix_name_is_a_scope_in_the_expanded_slice)
{
	static const struct {
		const char *spec, *dir;
	} cases[] = {
		{ "machine.slice:libpod:abc", "machine.slice/libpod-abc.scope" },
		{ "a-b-c.slice:p:n", "a.slice/a-b.slice/a-b-c.slice/p-n.scope" },
		{ ":runc:x", "system.slice/runc-x.scope" },
		{ "user.slice::y", "user.slice/y.scope" },
		{ "-.slice:p:z", "p-z.scope" },
		{ "system.slice:p:my-sub.slice", "system.slice/my-sub.slice" },
		{ "", "system.slice/cvisor-ID.scope" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rt_cgroup *cg = must_create(cases[i].spec, "ID", 1, NULL);
		char rel[256];
		snprintf(rel, sizeof(rel), "cg/%s", cases[i].dir);
		cr_expect(exists(tp(rel)), "\"%s\" -> %s", cases[i].spec, cases[i].dir);
		must_destroy(cg);
		cr_expect_not(exists(tp(rel)));
		rt_cgroup_free(cg);
	}
}

Test(cgroup_path, malformed_systemd_paths_are_named)
{
	static const char *const not_three[] = { "/libpod_parent/x", "a.slice:b", "a.slice:b:c:d" };
	static const char *const bad_names[] = { "a.slice:p:", "a.slice:p/q:n" };
	static const struct {
		const char *spec, *slice;
	} bad_slices[] = {
		{ "machine:p:n", "machine" },
		{ "a--b.slice:p:n", "a--b.slice" },
		{ "-a.slice:p:n", "-a.slice" },
		{ "a-.slice:p:n", "a-.slice" },
		{ ".slice:p:n", ".slice" },
		{ "a/b.slice:p:n", "a/b.slice" },
	};
	char want[256];
	size_t before = count_dirs(tp("cg"));
	for (size_t i = 0; i < sizeof(not_three) / sizeof(not_three[0]); i++) {
		snprintf(want, sizeof(want),
			 "cgroup: cgroupsPath \"%s\": the systemd cgroup manager needs "
			 "\"slice:prefix:name\"",
			 not_three[i]);
		cr_expect_str_eq(must_fail_create(not_three[i], "id", 1, NULL, NULL), want);
	}
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		snprintf(want, sizeof(want),
			 "cgroup: cgroupsPath \"%s\": prefix and name must be names, and the "
			 "name not empty",
			 bad_names[i]);
		cr_expect_str_eq(must_fail_create(bad_names[i], "id", 1, NULL, NULL), want);
	}
	for (size_t i = 0; i < sizeof(bad_slices) / sizeof(bad_slices[0]); i++) {
		snprintf(want, sizeof(want), "cgroup: cgroupsPath \"%s\": \"%s\" is not a slice",
			 bad_slices[i].spec, bad_slices[i].slice);
		cr_expect_str_eq(must_fail_create(bad_slices[i].spec, "id", 1, NULL, NULL), want);
	}
	/* Nothing was made. */
	cr_expect_eq(count_dirs(tp("cg")), before);
}

Test(cgroup_path, bad_ids_cannot_name_the_default_cgroup)
{
	cr_expect_str_eq(must_fail_create("", "a/b", 0, NULL, NULL),
			 "cgroup: container id \"a/b\" cannot name a cgroup");
	cr_expect_str_eq(must_fail_create(NULL, "..", 0, NULL, NULL),
			 "cgroup: container id \"..\" cannot name a cgroup");
	cr_expect_str_eq(must_fail_create("", "", 1, NULL, NULL),
			 "cgroup: container id \"\" cannot name a cgroup");
}

Test(cgroup_path, without_systemd_a_colon_path_is_just_relative)
{
	struct rt_cgroup *cg = must_create("machine.slice:libpod:abc", "abc", 0, NULL);
	cr_expect(exists(tp("cg/user.slice/user-0.slice/session-2.scope/"
			    "machine.slice:libpod:abc")));
	rt_cgroup_free(cg);
}

/*
 * Errors
 */

Test(cgroup_error, memory_limit_below_6_mib_is_refused_before_anything_is_made)
{
	struct rt_cgroup_limits lim = { .memory = 6 * MiB - 1, .pids = -1 };
	cr_expect_str_eq(must_fail_create(NULL, "low", 0, &lim, NULL),
			 "cgroup: memory limit too low: 6291455 bytes, the minimum is 6291456 "
			 "(6 MiB)");
	lim.memory = 0;
	cr_expect_str_eq(must_fail_create(NULL, "low", 0, &lim, NULL),
			 "cgroup: memory limit too low: 0 bytes, the minimum is 6291456 (6 MiB)");
	cr_expect_not(exists(tp("cg/memory/cvisor")));
	lim.memory = 6 * MiB;
	struct rt_cgroup *cg = must_create(NULL, "ok", 0, &lim);
	cr_expect_str_eq(get(tp("cg/memory/cvisor/ok/memory.limit_in_bytes")), "6291456");
	rt_cgroup_free(cg);
}

Test(cgroup_error, unwritable_root_names_the_directory)
{
	/* Root ignores modes, so as root the hierarchy becomes a read-only mount in a mount
	 * namespace of this test's own. */
	if (chmod(tp("cg/pids"), 0555) < 0)
		cr_assert_fail("chmod");
	int want = EACCES;
	if (geteuid() == 0) {
		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", tp("cg/pids"), "tmpfs", MS_RDONLY, NULL) < 0)
			cr_skip_test("cannot make a read-only mount: %s", strerror(errno));
		want = EROFS;
	}
	int status = 0;
	const char *msg = must_fail_create(NULL, "ro", 0, NULL, &status);
	char expect[512];
	snprintf(expect, sizeof(expect), "cgroup: %s/cg/pids/cvisor: %s", g_tmp, strerror(want));
	cr_expect_str_eq(msg, expect);
	cr_expect_eq(status, want);
	/* The memory hierarchy came first and is cleaned up again. */
	cr_expect_not(exists(tp("cg/memory/cvisor")));
	if (geteuid() == 0)
		(void)umount(tp("cg/pids"));
}

Test(cgroup_error, limit_write_failure_names_the_file)
{
	/* The fake "kernel" cannot take the write: the file is a directory. */
	mkdir_or_die(tp("cg/pids/pre"));
	mkdir_or_die(tp("cg/pids/pre/pids.max"));
	int status = 0;
	const char *msg = must_fail_create("/pre", "p", 0, &g_64m_32, &status);
	char want[512];
	snprintf(want, sizeof(want), "cgroup: %s/cg/pids/pre/pids.max: Is a directory", g_tmp);
	cr_expect_str_eq(msg, want);
	cr_expect(exists(tp("cg/pids/pre")), "not ours to remove");
	cr_expect_not(exists(tp("cg/memory/pre")), "ours, removed");
}

Test(cgroup_error, no_hierarchy_is_an_error)
{
	put_subst(tp("mountinfo"),
		  "22 1 254:1 / / rw - ext4 /dev/vda rw\n"
		  "40 31 0:37 / @/cg/systemd rw - cgroup cgroup rw,name=systemd\n");
	char want[512];
	snprintf(want, sizeof(want),
		 "cgroup: %s: no cgroup v1 memory or pids hierarchy and no cgroup2 mount",
		 g_mountinfo);
	cr_expect_str_eq(must_fail_create(NULL, "x", 0, NULL, NULL), want);
	unlink(g_mountinfo);
	snprintf(want, sizeof(want), "cgroup: %s: No such file or directory", g_mountinfo);
	cr_expect_str_eq(must_fail_create(NULL, "x", 0, NULL, NULL), want);
}

Test(cgroup_error, missing_controller_for_a_limit_is_an_error)
{
	put_subst(tp("mountinfo"), "35 31 0:32 / @/cg/memory rw - cgroup cgroup rw,memory\n");
	struct rt_cgroup_limits lim = { .memory = -1, .pids = 10 };
	cr_expect_str_eq(must_fail_create(NULL, "x", 0, &lim, NULL),
			 "cgroup: no pids controller for the pids limit");
	cr_expect_not(exists(tp("cg/memory/cvisor")));
}

Test(cgroup_error, own_cgroup_missing_from_proc_self_cgroup)
{
	put(tp("self_cgroup"), "0::/\n");
	char want[512];
	snprintf(want, sizeof(want), "cgroup: %s: no entry for the memory hierarchy", g_self);
	cr_expect_str_eq(must_fail_create("rel", "x", 0, NULL, NULL), want);
}

Test(cgroup_error, open_refuses_bad_handles)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"cgroup1",
		"cgroup3 memory:0:/a",
		"cgroup1 memory:x:/a",
		"cgroup1 memory:-1:/a",
		"cgroup1 memory:2:/a",			/* made more than the path has */
		"cgroup1 memory:0:a",			/* not absolute */
		"cgroup1 memory:1:/a/../b",		/* not clean */
		"cgroup1 memory:1:/a/",
		"cgroup1 bogus:0:/a",
		"cgroup1 :0:/a",
		"cgroup1 memory:0:/a memory:0:/b",	/* twice */
		"cgroup1 memory:0",
		"cgroup1 memory:0:/a%00b",
		"cgroup1 memory:0:/a%zz",
		"cgroup2 memory:0:/a",
		"cgroup2 unified:0:/a unified:0:/b",
		"cgroup1 memory:0:/a pids:0:/b cpuacct:0:/c memory:0:/d",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rt_cgroup *cg = NULL;
		struct rt_error *err = NULL;
		cr_expect_lt(rt_cgroup_open(bad[i], &cg, &err), 0, "\"%s\"", bad[i]);
		cr_expect_null(cg);
		if (!err)
			continue;
		char want[256];
		snprintf(want, sizeof(want), "cgroup: bad handle \"%s\"", bad[i]);
		cr_expect_str_eq(err->msg, want);
		rt_error_free(&err);
	}
}

Test(cgroup_error, open_of_a_good_handle_round_trips)
{
	struct rt_cgroup *cg = must_create(NULL, "rt", 0, NULL);
	struct rt_cgroup *again = NULL;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_open(rt_cgroup_handle(cg), &again, &err), 0);
	cr_expect_str_eq(rt_cgroup_handle(again), rt_cgroup_handle(cg));
	cr_assert_eq(rt_cgroup_join(again, 77, &err), 0);
	cr_expect_str_eq(get(tp("cg/memory/cvisor/rt/cgroup.procs")), "77");
	put(tp("cg/memory/cvisor/rt/cgroup.procs"), "");
	put(tp("cg/pids/cvisor/rt/cgroup.procs"), "");
	put(tp("cg/cpu,cpuacct/cvisor/rt/cgroup.procs"), "");
	must_destroy(again);
	cr_expect_not(exists(tp("cg/memory/cvisor")));
	rt_cgroup_free(again);
	rt_cgroup_free(cg);
}

/*
 * This machine's cgroupfs.
 */

static char g_real_base[64];
static struct rt_cgroup *g_real_cg;	/* killed, destroyed and freed after each test */

static void real_done(void)
{
	struct rt_error *err = NULL;
	if (!g_real_cg)
		return;
	(void)rt_cgroup_kill(g_real_cg, &err);
	rt_error_free(&err);
	(void)rt_cgroup_destroy(g_real_cg, &err);
	rt_error_free(&err);
	rt_cgroup_free(g_real_cg);
	g_real_cg = NULL;
}

TestSuite(cgroup_real, .fini = real_done, .timeout = 60);

/* Skips the test unless we are root and a cgroup can be made here. */
static void real_probe(void)
{
	if (geteuid() != 0)
		cr_skip_test("not root");
	snprintf(g_real_base, sizeof(g_real_base), "/cvisor-test-%d", (int)getpid());
	char probe[96];
	snprintf(probe, sizeof(probe), "%s-probe", g_real_base);
	struct rt_cgroup *cg = NULL;
	struct rt_error *err = NULL;
	if (rt_cgroup_create(probe, "probe", 0, NULL, &cg, &err) < 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "no usable cgroupfs: %s", err->msg);
		rt_error_free(&err);
		cr_skip_test("%s", msg);
	}
	cr_assert_eq(rt_cgroup_destroy(cg, &err), 0, "%s", err ? err->msg : "");
	rt_cgroup_free(cg);
}

static struct rt_cgroup *real_create(const char *name, int64_t memory, int64_t pids)
{
	real_probe();
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", g_real_base, name);
	struct rt_cgroup_limits lim = { .memory = memory, .pids = pids };
	return g_real_cg = must_create(path, name, 0, &lim);
}

/* The directories listed in a handle (no escapes in our test paths). */
static size_t handle_dirs(const char *handle, char dirs[][256])
{
	size_t n = 0;
	for (const char *p = strchr(handle, ' '); p && n < 3; p = strchr(p + 1, ' ')) {
		const char *path = strchr(strchr(p, ':') + 1, ':') + 1;
		size_t len = strcspn(path, " ");
		snprintf(dirs[n++], 256, "%.*s", (int)len, path);
	}
	return n;
}

/* Waits up to @ms for a byte on @fd. */
static bool wait_byte(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;
	return poll(&p, 1, ms) == 1 && read(fd, &c, 1) == 1;
}

/* Waits up to @ms for @pid to end. */
static bool wait_child(pid_t pid, int *status, int ms)
{
	for (int t = 0; t < ms; t += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid)
			return true;
		if (r < 0)
			return false;
		usleep(10000);
	}
	return false;
}

static void touch_mib(size_t mib)
{
	size_t size = mib * MiB;
	char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		_exit(3);
	for (size_t off = 0; off < size; off += 4096)
		p[off] = 1;
}

static void spin_ms(int ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

/* Forks a child that waits for a byte on go, then runs @fn, then writes a byte on ready and
 * sleeps. The caller joins it to @cg in between. */
static pid_t real_child(struct rt_cgroup *cg, void (*fn)(int ready_fd), int *ret_ready)
{
	int go[2], ready[2];
	cr_assert_eq(pipe(go), 0);
	cr_assert_eq(pipe(ready), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char c;
		close(go[1]);
		close(ready[0]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		fn(ready[1]);
		(void)!write(ready[1], "r", 1);
		for (;;)
			pause();
	}
	close(go[0]);
	close(ready[1]);
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_join(cg, pid, &err), 0, "join: %s", err ? err->msg : "");
	cr_assert_eq(write(go[1], "g", 1), 1);
	close(go[1]);
	*ret_ready = ready[0];
	return pid;
}

static void use_some(int ready_fd)
{
	(void)ready_fd;
	touch_mib(4);
	spin_ms(30);
}

Test(cgroup_real, limits_join_stats_kill_destroy)
{
	struct rt_cgroup *cg = real_create("basic", 64 * MiB, 32);
	int ready;
	pid_t child = real_child(cg, use_some, &ready);
	cr_assert(wait_byte(ready, 10000), "child did not get going");

	pid_t *pids = NULL;
	size_t n = 0;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_pids(cg, &pids, &n, &err), 0, "%s", err ? err->msg : "");
	cr_expect_eq(n, 1);
	cr_expect(n && pids[0] == child, "listed %d, child %d", n ? pids[0] : 0, child);
	free(pids);

	struct rt_cgroup_stats st;
	cr_assert_eq(rt_cgroup_stats(cg, &st, &err), 0, "%s", err ? err->msg : "");
	cr_expect_eq(st.memory_limit, 64 * MiB);
	cr_expect_eq(st.pids_limit, 32);
	cr_expect_eq(st.pids_current, 1);
	cr_expect_geq(st.memory_usage, 4 * MiB, "usage %" PRIu64, st.memory_usage);
	cr_expect_lt(st.memory_usage, 64 * MiB);
	cr_expect_geq(st.memory_max_usage, st.memory_usage);
	cr_expect_geq(st.cpu_usage_ns, 20000000, "cpu %" PRIu64 " ns", st.cpu_usage_ns);
	cr_expect_lt(st.cpu_usage_ns, 60ull * 1000000000);

	cr_assert_eq(rt_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
	int status = 0;
	cr_assert(wait_child(child, &status, 5000));
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);

	char dirs[3][256];
	size_t count = handle_dirs(rt_cgroup_handle(cg), dirs);
	cr_assert_geq(count, 1);
	must_destroy(cg);
	for (size_t i = 0; i < count; i++) {
		cr_expect_not(exists(dirs[i]), "%s left", dirs[i]);
		*strrchr(dirs[i], '/') = '\0';
		cr_expect_not(exists(dirs[i]), "%s left", dirs[i]);
	}
	close(ready);
}

static void eat_128_mib(int ready_fd)
{
	(void)ready_fd;
	/* Whatever the test runner set, this child is the one to kill. */
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	if (fd >= 0) {
		(void)!write(fd, "1000", 4);
		close(fd);
	}
	touch_mib(128);
	_exit(0);
}

Test(cgroup_real, allocating_past_the_limit_is_oom_killed_inside)
{
	struct rt_cgroup *cg = real_create("oom", 64 * MiB, 32);
	int ready;
	pid_t child = real_child(cg, eat_128_mib, &ready);
	int status = 0;
	bool ended = wait_child(child, &status, 30000);
	if (!ended) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	cr_assert(ended, "not killed within 30 s");
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "status %#x", status);
	struct rt_cgroup_stats st;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_stats(cg, &st, &err), 0, "%s", err ? err->msg : "");
	cr_expect_geq(st.memory_max_usage, 48 * MiB, "peak %" PRIu64, st.memory_max_usage);
	cr_expect_leq(st.memory_max_usage, 64 * MiB, "peak %" PRIu64, st.memory_max_usage);
	must_destroy(cg);
	close(ready);
}

static void fork_three(int ready_fd)
{
	(void)ready_fd;
	for (int i = 0; i < 3; i++)
		if (fork() == 0)
			for (;;)
				pause();
}

Test(cgroup_real, kill_gets_every_process_and_destroy_leaves_nothing)
{
	struct rt_cgroup *cg = real_create("many", -1, -1);
	int ready;
	pid_t child = real_child(cg, fork_three, &ready);
	cr_assert(wait_byte(ready, 10000));
	pid_t *pids = NULL;
	size_t n = 0;
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_pids(cg, &pids, &n, &err), 0);
	cr_expect_eq(n, 4, "the child and its three");
	free(pids);
	cr_assert_eq(rt_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(rt_cgroup_pids(cg, &pids, &n, &err), 0);
	cr_expect_eq(n, 0);
	free(pids);
	int status = 0;
	cr_assert(wait_child(child, &status, 5000));
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* A later runsc process deletes it from the stored handle. */
	struct rt_cgroup *later = NULL;
	cr_assert_eq(rt_cgroup_open(rt_cgroup_handle(cg), &later, &err), 0);
	must_destroy(later);
	char dirs[3][256];
	size_t count = handle_dirs(rt_cgroup_handle(cg), dirs);
	for (size_t i = 0; i < count; i++)
		cr_expect_not(exists(dirs[i]), "%s left", dirs[i]);
	must_destroy(later);	/* again: already gone */
	close(ready);
	rt_cgroup_free(later);
}

static void try_forks(int ready_fd)
{
	int failed = 0;
	for (int i = 0; i < 10; i++) {
		pid_t p = fork();
		if (p == 0)
			for (;;)
				pause();
		failed += p < 0 && errno == EAGAIN;
	}
	char c = (char)failed;
	(void)!write(ready_fd, &c, 1);
	_exit(0);
}

Test(cgroup_real, pids_limit_stops_forks)
{
	struct rt_cgroup *cg = real_create("pids", -1, 4);
	int ready;
	pid_t child = real_child(cg, try_forks, &ready);
	struct pollfd p = { .fd = ready, .events = POLLIN };
	char failed = 0;
	cr_assert_eq(poll(&p, 1, 10000), 1);
	cr_assert_eq(read(ready, &failed, 1), 1);
	cr_expect_eq(failed, 7, "4 tasks allowed: the child and three more");
	int status = 0;
	cr_assert(wait_child(child, &status, 5000));
	struct rt_error *err = NULL;
	cr_assert_eq(rt_cgroup_kill(cg, &err), 0, "%s", err ? err->msg : "");
	must_destroy(cg);
	close(ready);
}

Test(cgroup_real, reused_cgroup_limits_grow_and_shrink_with_swap_accounting)
{
	/* v1 refuses memory.limit_in_bytes above memory.memsw.limit_in_bytes: growing writes
	 * memsw first, shrinking last. */
	struct rt_cgroup *cg = real_create("grow", 64 * MiB, 32);
	char path[128];
	snprintf(path, sizeof(path), "%s/grow", g_real_base);
	const int64_t sizes[] = { 128 * MiB, 16 * MiB, 96 * MiB };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rt_cgroup_limits lim = { .memory = sizes[i], .pids = -1 };
		struct rt_cgroup *again = must_create(path, "grow", 0, &lim);
		struct rt_cgroup_stats st;
		struct rt_error *err = NULL;
		cr_assert_eq(rt_cgroup_stats(again, &st, &err), 0, "%s", err ? err->msg : "");
		cr_expect_eq(st.memory_limit, (uint64_t)sizes[i]);
		cr_expect_eq(st.pids_limit, 32, "left as it was");
		rt_cgroup_free(again);
	}
	must_destroy(cg);
}
