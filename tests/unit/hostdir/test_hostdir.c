/*
 * hostdir Gofer backend tests. The plugin is loaded through the core's loader, initialised with
 * svc_init()'s services table, and driven through its ops on a temporary tree:
 *
 *   TMP/secret                 a file outside the served root
 *   TMP/root/file              "hello"
 *   TMP/root/dir/inner         "in"
 *   TMP/root/dir/mid -> ../..  a symlinked directory in the middle, pointing at TMP
 *   TMP/root/abs -> /          TMP/root/up -> ../..   TMP/root/etc -> /etc
 *   TMP/root/rel -> file
 *
 * Escape tests: nothing may reach TMP/secret or the host's / through "..", a name with '/', a
 * symlink, or a name swapped under a walked node. Then ordinary behaviour, read-write and
 * read-only.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "plugin/plugin.h"
#include "plugin/services.h"
#include "sentry/gofer.h"

static char g_tmp[64];
static char g_root[128];
static struct plg_set g_set;
static struct sentry_services g_svc;
static const struct sentry_gofer_ops *g_ops;
static void *g_state;
static struct sentry_gnode *g_rootnode;

static void put_file(const char *rel, const char *content)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", g_tmp, rel);
	FILE *f = fopen(path, "w");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0)
		abort();
}

static void put_link(const char *target, const char *rel)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", g_tmp, rel);
	if (symlink(target, path) < 0)
		abort();
}

static void make_tree(void)
{
	char path[256];

	snprintf(g_tmp, sizeof(g_tmp), "/tmp/cvisor-hostdir-XXXXXX");
	if (!mkdtemp(g_tmp))
		abort();
	snprintf(g_root, sizeof(g_root), "%s/root", g_tmp);
	snprintf(path, sizeof(path), "%s/root/dir", g_tmp);
	if (mkdir(g_root, 0755) < 0 || mkdir(path, 0755) < 0)
		abort();
	put_file("secret", "outside");
	put_file("root/file", "hello");
	put_file("root/dir/inner", "in");
	put_link("../..", "root/dir/mid");
	put_link("/", "root/abs");
	put_link("../..", "root/up");
	put_link("/etc", "root/etc");
	put_link("file", "root/rel");
}

static void setup(void)
{
	make_tree();
	plg_set_init(&g_set);
	if (plg_set_load_file(&g_set, HOSTDIR_PLUGIN) < 0)
		abort();
	struct plg_plugin *p = plg_set_find(&g_set, SENTRY_PLUGIN_GOFER, "hostdir");
	if (!p)
		return;	/* the loader test below reports why */
	svc_init(&g_svc);
	if (plg_plugin_init(p, &g_svc, NULL) < 0)
		abort();
	g_ops = p->desc->ops;
	g_state = p->state;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	if (g_rootnode)
		g_ops->release(g_rootnode);
	g_rootnode = NULL;
	plg_set_fini(&g_set);
	(void)nftw(g_tmp, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(hostdir, .init = setup, .fini = teardown);

static struct sentry_gnode *attach(uint32_t flags)
{
	struct sentry_qid qid;
	cr_assert_not_null(g_ops, "hostdir plugin not loaded from %s", HOSTDIR_PLUGIN);
	cr_assert_eq(g_ops->attach(g_state, g_root, flags, &g_rootnode, &qid), 0);
	cr_assert_eq(qid.type, 0x80);
	return g_rootnode;
}

/* Walks one name; returns the node or NULL with *err set. */
static struct sentry_gnode *walk(struct sentry_gnode *dir, const char *name, int *err)
{
	struct sentry_gnode *node = NULL;
	struct sentry_qid qid;
	int r = g_ops->walk(dir, name, &node, &qid);
	if (err)
		*err = r;
	return r == 0 ? node : NULL;
}

static struct sentry_gnode *walk_ok(struct sentry_gnode *dir, const char *name)
{
	int err;
	struct sentry_gnode *node = walk(dir, name, &err);
	cr_assert_eq(err, 0, "walk %s: %s", name, strerror(-err));
	return node;
}

static int walk_err(struct sentry_gnode *dir, const char *name)
{
	int err;
	struct sentry_gnode *node = walk(dir, name, &err);
	if (node)
		g_ops->release(node);
	return err;
}

static void assert_host_file(const char *rel, const char *want)
{
	char path[256], buf[64] = { 0 };
	snprintf(path, sizeof(path), "%s/%s", g_tmp, rel);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	cr_assert_geq(fread(buf, 1, sizeof(buf) - 1, f), 0);
	fclose(f);
	cr_assert_str_eq(buf, want);
}

Test(hostdir, loads_as_a_gofer_plugin)
{
	cr_assert_eq(g_set.refused_count, 0, "%s",
		     g_set.refused_count ? g_set.refused[0].message : "");
	cr_assert_not_null(g_ops);
	cr_assert_eq(g_ops->info(g_state), SENTRY_GOFER_THREADSAFE);
}

Test(hostdir, attach_errors)
{
	struct sentry_gnode *node;
	struct sentry_qid qid;
	char path[256];

	cr_assert_not_null(g_ops);
	snprintf(path, sizeof(path), "%s/nope", g_tmp);
	cr_assert_eq(g_ops->attach(g_state, path, 0, &node, &qid), -ENOENT);
	snprintf(path, sizeof(path), "%s/fifo", g_tmp);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(g_ops->attach(g_state, path, 0, &node, &qid), -ENOTDIR);
	unlink(path);
	cr_assert_eq(g_ops->attach(g_state, g_root, 0x100, &node, &qid), -EINVAL);
}

/* A file bind mount: one regular file served alone; nothing can be walked from it. */
Test(hostdir, file_root_serves_only_that_file)
{
	struct sentry_gnode *node;
	struct sentry_qid qid;
	char path[256];

	cr_assert_not_null(g_ops);
	snprintf(path, sizeof(path), "%s/secret", g_tmp);
	cr_assert_eq(g_ops->attach(g_state, path, 0, &node, &qid), 0);
	cr_assert_eq(qid.type, 0, "a file's qid");
	cr_assert_eq(walk_err(node, "x"), -ENOTDIR);
	g_ops->release(node);
}

Test(hostdir, dotdot_dot_and_empty_names_are_einval)
{
	struct sentry_gnode *root = attach(0);
	cr_assert_eq(walk_err(root, ".."), -EINVAL);
	cr_assert_eq(walk_err(root, "."), -EINVAL);
	cr_assert_eq(walk_err(root, ""), -EINVAL);
	struct sentry_gnode *dir = walk_ok(root, "dir");
	cr_assert_eq(walk_err(dir, ".."), -EINVAL);
	g_ops->release(dir);
}

Test(hostdir, names_with_a_slash_are_einval)
{
	struct sentry_gnode *root = attach(0);
	cr_assert_eq(walk_err(root, "dir/inner"), -EINVAL);
	cr_assert_eq(walk_err(root, "/etc"), -EINVAL);
	cr_assert_eq(walk_err(root, "../secret"), -EINVAL);
	cr_assert_eq(walk_err(root, "dir/"), -EINVAL);

	char longname[300];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	cr_assert_eq(walk_err(root, longname), -ENAMETOOLONG);
}

Test(hostdir, symlink_to_host_root_is_walked_to_not_through)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *abs = walk_ok(root, "abs");
	struct sentry_statx st;
	char buf[64];
	int fd;
	uint32_t iounit;

	cr_assert_eq(g_ops->getattr(abs, 0, &st), 0);
	cr_assert(S_ISLNK(st.mode), "the link itself, not the host's /");
	cr_assert_eq(walk_err(abs, "etc"), -ENOTDIR);
	cr_assert_eq(walk_err(abs, "tmp"), -ENOTDIR);
	cr_assert_eq(g_ops->open(abs, O_RDONLY, &fd, &iounit), -ELOOP);
	cr_assert_eq(g_ops->readlink(abs, buf, sizeof(buf)), 1);
	cr_assert_str_eq(buf, "/");
	g_ops->release(abs);

	struct sentry_gnode *etc = walk_ok(root, "etc");
	cr_assert_eq(walk_err(etc, "passwd"), -ENOTDIR);
	cr_assert_eq(g_ops->open(etc, O_RDONLY | O_DIRECTORY, &fd, &iounit), -ELOOP);
	g_ops->release(etc);
}

Test(hostdir, symlink_up_cannot_escape)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *up = walk_ok(root, "up");
	cr_assert_eq(walk_err(up, "secret"), -ENOTDIR);
	cr_assert_eq(walk_err(up, "root"), -ENOTDIR);
	g_ops->release(up);
	/* Nor a symlink to a file inside: walked to, not followed. */
	struct sentry_gnode *rel = walk_ok(root, "rel");
	int fd;
	uint32_t iounit;
	cr_assert_eq(g_ops->open(rel, O_RDONLY, &fd, &iounit), -ELOOP);
	g_ops->release(rel);
}

Test(hostdir, symlinked_directory_in_the_middle_cannot_escape)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *dir = walk_ok(root, "dir");
	struct sentry_gnode *mid = walk_ok(dir, "mid");
	struct sentry_statx st;

	cr_assert_eq(g_ops->getattr(mid, 0, &st), 0);
	cr_assert(S_ISLNK(st.mode));
	cr_assert_eq(walk_err(mid, "secret"), -ENOTDIR);
	cr_assert_eq(walk_err(mid, "root"), -ENOTDIR);
	struct sentry_gnode *node;
	struct sentry_qid qid;
	cr_assert_eq(g_ops->create(mid, "x", O_RDWR, 0600, 0, &node, &qid, &(int){ 0 }),
		     -ENOTDIR);
	cr_assert_eq(g_ops->mkdir(mid, "x", 0700, 0, &qid), -ENOTDIR);
	g_ops->release(mid);
	g_ops->release(dir);

	char path[256];
	snprintf(path, sizeof(path), "%s/x", g_tmp);
	cr_assert_neq(access(path, F_OK), 0, "nothing was created outside the root");
}

Test(hostdir, name_swapped_for_a_symlink_after_walk_is_refused)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *file = walk_ok(root, "file");
	char from[256], to[256];
	int fd;
	uint32_t iounit;

	/* Between Twalk and Tlopen a host process (or a racing request) replaces the name with
	 * a symlink out of the root. */
	snprintf(from, sizeof(from), "%s/root/swap", g_tmp);
	snprintf(to, sizeof(to), "%s/root/file", g_tmp);
	cr_assert_eq(symlink("../secret", from), 0);
	cr_assert_eq(rename(from, to), 0);

	int r = g_ops->open(file, O_RDONLY, &fd, &iounit);
	cr_assert(r == -ELOOP || r == -ESTALE, "open gave %d", r);
	char buf[16];
	cr_assert_eq(g_ops->read(file, buf, sizeof(buf), 0), -EBADF);
	cr_assert_eq(g_ops->getxattr(file, "user.x", buf, sizeof(buf)) < 0, 1);
	g_ops->release(file);
}

Test(hostdir, name_swapped_for_another_file_is_estale)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *file = walk_ok(root, "file");
	int fd;
	uint32_t iounit;

	put_file("root/other", "different");
	char from[256], to[256];
	snprintf(from, sizeof(from), "%s/root/other", g_tmp);
	snprintf(to, sizeof(to), "%s/root/file", g_tmp);
	cr_assert_eq(rename(from, to), 0);
	cr_assert_eq(g_ops->open(file, O_RDONLY, &fd, &iounit), -ESTALE);
	g_ops->release(file);
}

Test(hostdir, walk_errors)
{
	struct sentry_gnode *root = attach(0);
	cr_assert_eq(walk_err(root, "missing"), -ENOENT);
	struct sentry_gnode *file = walk_ok(root, "file");
	cr_assert_eq(walk_err(file, "x"), -ENOTDIR);
	g_ops->release(file);
}

Test(hostdir, getattr_open_read)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *file = walk_ok(root, "file");
	struct sentry_statx st;
	struct stat host;
	char buf[16] = { 0 }, path[256];
	int fd = 7;
	uint32_t iounit = 7;

	snprintf(path, sizeof(path), "%s/root/file", g_tmp);
	cr_assert_eq(stat(path, &host), 0);
	cr_assert_eq(g_ops->getattr(file, SENTRY_STATX_BASIC_STATS, &st), 0);
	cr_assert(S_ISREG(st.mode));
	cr_assert_eq(st.size, 5);
	cr_assert_eq(st.ino, host.st_ino);
	cr_assert_eq(st.mask & SENTRY_STATX_BASIC_STATS, SENTRY_STATX_BASIC_STATS);

	cr_assert_eq(g_ops->read(file, buf, sizeof(buf), 0), -EBADF, "not opened yet");
	cr_assert_eq(g_ops->open(file, O_RDONLY | O_DIRECTORY, &fd, &iounit), -ENOTDIR);
	cr_assert_eq(g_ops->open(file, O_RDONLY, &fd, &iounit), 0);
	cr_assert_eq(fd, -1);
	cr_assert_eq(iounit, 0);
	cr_assert_eq(g_ops->open(file, O_RDONLY, &fd, &iounit), -EBUSY);
	cr_assert_eq(g_ops->read(file, buf, sizeof(buf), 0), 5);
	cr_assert_str_eq(buf, "hello");
	cr_assert_eq(g_ops->read(file, buf, 2, 3), 2);
	cr_assert_eq(memcmp(buf, "lo", 2), 0);
	cr_assert_eq(g_ops->read(file, buf, sizeof(buf), 5), 0);
	cr_assert_eq(g_ops->write(file, "x", 1, 0), -EBADF, "opened read-only");
	g_ops->release(file);

	struct sentry_gnode *dir = walk_ok(root, "dir");
	cr_assert_eq(g_ops->open(dir, O_RDWR, &fd, &iounit), -EISDIR);
	g_ops->release(dir);
}

struct collect {
	struct sentry_gdir_sink sink;
	int limit;		/* entries to take before reporting full; -1 for no limit */
	int count;
	char names[32][64];
	uint64_t last_off;
};

static int collect_put(struct sentry_gdir_sink *sink, const struct sentry_gdirent *de)
{
	struct collect *c = (struct collect *)sink;
	if (c->count == c->limit || c->count == 32)
		return 1;
	snprintf(c->names[c->count++], 64, "%s", de->name);
	c->last_off = de->off;
	return 0;
}

static int has_name(const struct collect *c, const char *name)
{
	for (int i = 0; i < c->count; i++)
		if (strcmp(c->names[i], name) == 0)
			return 1;
	return 0;
}

Test(hostdir, readdir_lists_and_resumes)
{
	struct sentry_gnode *root = attach(0);
	struct collect all = { .sink.put = collect_put, .limit = -1 };
	struct collect part = { .sink.put = collect_put, .limit = 2 };
	int fd;
	uint32_t iounit;

	cr_assert_eq(g_ops->readdir(root, 0, &all.sink), -EBADF, "not opened yet");
	cr_assert_eq(g_ops->open(root, O_RDONLY, &fd, &iounit), 0);
	cr_assert_eq(g_ops->readdir(root, 0, &all.sink), 0);
	cr_assert_eq(all.count, 6);
	const char *want[] = { "file", "dir", "abs", "up", "etc", "rel" };
	for (int i = 0; i < 6; i++)
		cr_assert(has_name(&all, want[i]), "missing %s", want[i]);
	cr_assert_not(has_name(&all, "."));
	cr_assert_not(has_name(&all, ".."));

	/* A full sink stops the listing; resuming from the last entry's offset gives the rest. */
	cr_assert_eq(g_ops->readdir(root, 0, &part.sink), 0);
	cr_assert_eq(part.count, 2);
	part.limit = -1;
	cr_assert_eq(g_ops->readdir(root, part.last_off, &part.sink), 0);
	cr_assert_eq(part.count, 6);
	for (int i = 0; i < 6; i++)
		cr_assert(has_name(&part, want[i]), "resume lost %s", want[i]);

	struct sentry_gnode *file = walk_ok(root, "file");
	cr_assert_eq(g_ops->readdir(file, 0, &all.sink), -ENOTDIR);
	g_ops->release(file);
}

Test(hostdir, create_write_read_back)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *node;
	struct sentry_qid qid;
	struct sentry_statx st;
	char buf[16] = { 0 };
	int fd = 7;

	cr_assert_eq(g_ops->create(root, "new", O_RDWR, 0640, getgid(), &node, &qid, &fd), 0);
	cr_assert_eq(fd, -1);
	cr_assert_eq(qid.type, 0);
	cr_assert_eq(g_ops->write(node, "abc", 3, 0), 3);
	cr_assert_eq(g_ops->write(node, "Z", 1, 10), 1);
	cr_assert_eq(g_ops->read(node, buf, 3, 0), 3);
	cr_assert_str_eq(buf, "abc");
	cr_assert_eq(g_ops->fsync(node, 0), 0);
	cr_assert_eq(g_ops->fsync(node, 1), 0);
	cr_assert_eq(g_ops->getattr(node, 0, &st), 0);
	cr_assert_eq(st.mode & 07777, 0640);
	cr_assert_eq(st.size, 11);
	g_ops->release(node);

	struct sentry_gnode *again;
	cr_assert_eq(g_ops->create(root, "new", O_RDWR, 0640, 0, &again, &qid, &fd), -EEXIST);
	cr_assert_eq(g_ops->create(root, "abs", O_RDWR, 0640, 0, &again, &qid, &fd), -EEXIST,
		     "O_CREAT|O_EXCL never follows the symlink to /");
	cr_assert_eq(g_ops->create(root, "..", O_RDWR, 0640, 0, &again, &qid, &fd), -EINVAL);
	cr_assert_eq(g_ops->create(root, "a/b", O_RDWR, 0640, 0, &again, &qid, &fd), -EINVAL);
}

Test(hostdir, mkdir_symlink_link_rename_unlink)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_qid qid;
	char buf[64];

	cr_assert_eq(g_ops->mkdir(root, "d2", 0750, getgid(), &qid), 0);
	cr_assert_eq(qid.type, 0x80);
	cr_assert_eq(g_ops->mkdir(root, "d2", 0750, getgid(), &qid), -EEXIST);

	cr_assert_eq(g_ops->symlink(root, "s", "/outside/target", getgid(), &qid), 0);
	cr_assert_eq(qid.type, 0x02);
	struct sentry_gnode *s = walk_ok(root, "s");
	cr_assert_eq(g_ops->readlink(s, buf, sizeof(buf)), 15);
	cr_assert_str_eq(buf, "/outside/target");
	cr_assert_eq(g_ops->readlink(s, buf, 4), -ENAMETOOLONG);
	int fd;
	uint32_t iounit;
	cr_assert_eq(g_ops->open(s, O_RDONLY, &fd, &iounit), -ELOOP, "a made symlink is no way out");
	g_ops->release(s);

	struct sentry_gnode *file = walk_ok(root, "file");
	cr_assert_eq(g_ops->readlink(file, buf, sizeof(buf)), -EINVAL);
	cr_assert_eq(g_ops->link(root, file, "hard"), 0);
	assert_host_file("root/hard", "hello");
	cr_assert_eq(g_ops->link(root, file, "hard"), -EEXIST);
	struct sentry_gnode *dir = walk_ok(root, "dir");
	cr_assert_eq(g_ops->link(root, dir, "dirlink"), -EPERM);

	cr_assert_eq(g_ops->renameat(root, "hard", dir, "moved"), 0);
	assert_host_file("root/dir/moved", "hello");
	cr_assert_eq(g_ops->renameat(root, "missing", dir, "x"), -ENOENT);
	cr_assert_eq(g_ops->renameat(root, "file", dir, ".."), -EINVAL);

	cr_assert_eq(g_ops->unlinkat(dir, "moved", 0), 0);
	cr_assert_eq(g_ops->unlinkat(dir, "moved", 0), -ENOENT);
	cr_assert_eq(g_ops->unlinkat(root, "d2", 0), -EISDIR);
	cr_assert_eq(g_ops->unlinkat(root, "d2", AT_REMOVEDIR), 0);
	cr_assert_eq(g_ops->unlinkat(root, "dir", AT_REMOVEDIR), -ENOTEMPTY);
	cr_assert_eq(g_ops->unlinkat(root, "file", 0x1), -EINVAL);
	cr_assert_eq(g_ops->unlinkat(file, "x", 0), -ENOTDIR);
	g_ops->release(dir);
	g_ops->release(file);
}

Test(hostdir, mknod_fifo_not_opened_and_bad_types)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_qid qid;
	int fd;
	uint32_t iounit;

	cr_assert_eq(g_ops->mknod(root, "fifo", S_IFIFO | 0600, 0, 0, getgid(), &qid), 0);
	cr_assert_eq(g_ops->mknod(root, "plain", 0600, 0, 0, getgid(), &qid), 0);
	assert_host_file("root/plain", "");
	cr_assert_eq(g_ops->mknod(root, "d", S_IFDIR | 0700, 0, 0, 0, &qid), -EINVAL);
	if (geteuid() != 0)
		cr_assert_eq(g_ops->mknod(root, "null", S_IFCHR | 0600, 1, 3, 0, &qid), -EPERM);

	/* Opening a FIFO would block the Gofer. */
	struct sentry_gnode *fifo = walk_ok(root, "fifo");
	cr_assert_eq(g_ops->open(fifo, O_RDONLY, &fd, &iounit), -EPERM);
	g_ops->release(fifo);
}

Test(hostdir, setattr_truncate_chmod_times)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *file = walk_ok(root, "file");
	struct sentry_statx st = { .size = 2, .mode = 0604,
				   .atime = { .sec = 1000, .nsec = 5 },
				   .mtime = { .sec = 2000, .nsec = 6 } }, got;

	cr_assert_eq(g_ops->setattr(file, &st, SENTRY_STATX_SIZE), 0);
	assert_host_file("root/file", "he");
	cr_assert_eq(g_ops->setattr(file, &st, SENTRY_STATX_MODE), 0);
	cr_assert_eq(g_ops->setattr(file, &st, SENTRY_STATX_ATIME | SENTRY_STATX_MTIME), 0);
	st.uid = getuid();
	st.gid = getgid();
	cr_assert_eq(g_ops->setattr(file, &st, SENTRY_STATX_UID | SENTRY_STATX_GID), 0);
	cr_assert_eq(g_ops->getattr(file, 0, &got), 0);
	cr_assert_eq(got.mode & 07777, 0604);
	cr_assert_eq(got.size, 2);
	cr_assert_eq(got.atime.sec, 1000);
	cr_assert_eq(got.mtime.sec, 2000);
	cr_assert_eq(got.mtime.nsec, 6);
	cr_assert_eq(g_ops->setattr(file, &st, SENTRY_STATX_INO), -EINVAL);
	g_ops->release(file);

	struct sentry_gnode *dir = walk_ok(root, "dir");
	cr_assert_eq(g_ops->setattr(dir, &st, SENTRY_STATX_SIZE), -EISDIR);
	g_ops->release(dir);
	struct sentry_gnode *abs = walk_ok(root, "abs");
	cr_assert_eq(g_ops->setattr(abs, &st, SENTRY_STATX_MODE), -EOPNOTSUPP);
	g_ops->release(abs);

	struct stat host;
	cr_assert_eq(stat("/", &host), 0);
	cr_assert_neq(host.st_mode & 07777, 0604, "the symlink's target was not touched");
}

Test(hostdir, statfs_and_fsync_errors)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_statfs sf;

	cr_assert_eq(g_ops->statfs(root, &sf), 0);
	cr_assert_gt(sf.bsize, 0);
	cr_assert_geq(sf.namelen, 255);
	struct sentry_gnode *file = walk_ok(root, "file");
	cr_assert_eq(g_ops->fsync(file, 0), -EBADF, "not opened");
	g_ops->release(file);
}

Test(hostdir, xattrs_in_the_user_namespace)
{
	struct sentry_gnode *root = attach(0);
	struct sentry_gnode *file = walk_ok(root, "file");
	char buf[64];

	int r = g_ops->setxattr(file, "user.k", "v1", 2, 0);
	if (r == -EOPNOTSUPP) {
		g_ops->release(file);
		cr_skip_test("host filesystem has no user xattrs");
	}
	cr_assert_eq(r, 0);
	cr_assert_eq(g_ops->setxattr(file, "user.k", "v2", 2, XATTR_CREATE), -EEXIST);
	cr_assert_eq(g_ops->getxattr(file, "user.k", NULL, 0), 2);
	cr_assert_eq(g_ops->getxattr(file, "user.k", buf, sizeof(buf)), 2);
	cr_assert_eq(memcmp(buf, "v1", 2), 0);
	cr_assert_eq(g_ops->getxattr(file, "user.k", buf, 1), -ERANGE);
	r = (int)g_ops->listxattr(file, buf, sizeof(buf));
	cr_assert_eq(r, 7);
	cr_assert_str_eq(buf, "user.k");
	cr_assert_eq(g_ops->removexattr(file, "user.k"), 0);
	cr_assert_eq(g_ops->getxattr(file, "user.k", buf, sizeof(buf)), -ENODATA);
	cr_assert_eq(g_ops->removexattr(file, "user.k"), -ENODATA);
	cr_assert_eq(g_ops->setxattr(file, "trusted.k", "v", 1, 0), -EOPNOTSUPP);
	cr_assert_eq(g_ops->getxattr(file, "security.k", buf, sizeof(buf)), -EOPNOTSUPP);
	cr_assert_eq(g_ops->setxattr(file, "user.k", "v", 1, 0x10), -EINVAL);
	g_ops->release(file);

	struct sentry_gnode *abs = walk_ok(root, "abs");
	cr_assert_eq(g_ops->setxattr(abs, "user.k", "v", 1, 0), -EPERM);
	g_ops->release(abs);
}

Test(hostdir, read_only_mount_refuses_every_change)
{
	struct sentry_gnode *root = attach(SENTRY_GOFER_RDONLY);
	struct sentry_gnode *file = walk_ok(root, "file"), *node;
	struct sentry_statx st = { .size = 0 };
	struct sentry_qid qid;
	int fd;
	uint32_t iounit;
	char buf[8] = { 0 };

	cr_assert_eq(g_ops->create(root, "n", O_RDWR, 0600, 0, &node, &qid, &fd), -EROFS);
	cr_assert_eq(g_ops->mkdir(root, "n", 0700, 0, &qid), -EROFS);
	cr_assert_eq(g_ops->mknod(root, "n", S_IFIFO | 0600, 0, 0, 0, &qid), -EROFS);
	cr_assert_eq(g_ops->symlink(root, "n", "t", 0, &qid), -EROFS);
	cr_assert_eq(g_ops->link(root, file, "n"), -EROFS);
	cr_assert_eq(g_ops->renameat(root, "file", root, "n"), -EROFS);
	cr_assert_eq(g_ops->unlinkat(root, "file", 0), -EROFS);
	cr_assert_eq(g_ops->setattr(file, &st, SENTRY_STATX_SIZE), -EROFS);
	cr_assert_eq(g_ops->setxattr(file, "user.a", "b", 1, 0), -EROFS);
	cr_assert_eq(g_ops->removexattr(file, "user.a"), -EROFS);
	cr_assert_eq(g_ops->open(file, O_WRONLY, &fd, &iounit), -EROFS);
	cr_assert_eq(g_ops->open(file, O_RDWR, &fd, &iounit), -EROFS);
	cr_assert_eq(g_ops->open(file, O_RDONLY | O_TRUNC, &fd, &iounit), -EROFS);
	cr_assert_eq(g_ops->open(file, O_RDONLY, &fd, &iounit), 0);
	cr_assert_eq(g_ops->read(file, buf, sizeof(buf) - 1, 0), 5);
	cr_assert_eq(g_ops->write(file, "x", 1, 0), -EROFS);
	assert_host_file("root/file", "hello");

	/* Nodes walked from a read-only root stay read-only. */
	struct sentry_gnode *dir = walk_ok(root, "dir");
	cr_assert_eq(g_ops->mkdir(dir, "n", 0700, 0, &qid), -EROFS);
	g_ops->release(dir);
	g_ops->release(file);
}
