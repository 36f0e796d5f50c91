/*
 * core/tty/devpts.c: /dev/pts, the devpts filesystem: a directory of the live slaves (0, 1, ...)
 * and ptmx. As Linux's devpts with its default options (and ptmxmode=666): a slave is
 * 136+N/256:N%256, owned by the user and group that opened the master, mode 0600 (chmod, chown
 * and utimensat change a slave's; see pty_node_attr); ptmx is 5:2, root's, 0666, and keeps
 * that (chmod: EPERM). Inode numbers as Linux's: the root 1, ptmx 2, slave N N+3. Opening
 * either gives the core a device file (sentry_file.special) that core/dev serves by its number,
 * so this file only walks, lists, stats and sets a slave's attributes. Every mount shows the one
 * set of ptys (there are no separate instances).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plugin/plugin.h"
#include "tty/tty_internal.h"
#include "vfs/vfs_internal.h"

enum { D_ROOT, D_PTMX, D_SLAVE };

struct ddent {
	struct sentry_dentry base;
	atomic_long refs;
	int kind;		/* D_* */
	int index;		/* a slave's */
	int kept;		/* the root and ptmx: freed with the instance */
};

struct devpts_fs {
	struct ddent root, ptmx;
};

static int64_t g_devpts_time;	/* when the first instance was made: every node's times */

static void dd_put(struct ddent *d)
{
	if (atomic_fetch_sub(&d->refs, 1) == 1 && !d->kept)
		free(d);
}

static void devpts_dentry_get(struct sentry_fs *fs, struct sentry_dentry *d)
{
	atomic_fetch_add(&((struct ddent *)d)->refs, 1);
}

static void devpts_dentry_put(struct sentry_fs *fs, struct sentry_dentry *d)
{
	dd_put((struct ddent *)d);
}

static int devpts_get_fs(void *state, const char *source, const char *data, uint64_t flags,
			 const struct sentry_creds *creds, struct sentry_fs **ret_fs,
			 struct sentry_dentry **ret_root)
{
	struct devpts_fs *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	if (!g_devpts_time) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		g_devpts_time = (int64_t)ts.tv_sec;
	}
	f->root = (struct ddent){ .kind = D_ROOT, .kept = 1 };
	f->ptmx = (struct ddent){ .kind = D_PTMX, .kept = 1 };
	atomic_init(&f->root.refs, 1);
	atomic_init(&f->ptmx.refs, 0);
	*ret_fs = (struct sentry_fs *)f;
	*ret_root = &f->root.base;
	return 0;
}

static void devpts_release_fs(struct sentry_fs *fs)
{
	free(fs);
}

/* Parses a slave's name (decimal, no leading zero). */
static int parse_index(const char *name, size_t len)
{
	if (len == 0 || len > 4 || (name[0] == '0' && len > 1))
		return -1;
	int n = 0;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		n = n * 10 + (name[i] - '0');
	}
	return n < PTY_MAX ? n : -1;
}

static int lookup(struct devpts_fs *f, const char *name, size_t len, struct ddent **ret)
{
	if (len == 4 && !memcmp(name, "ptmx", 4)) {
		atomic_fetch_add(&f->ptmx.refs, 1);
		*ret = &f->ptmx;
		return 0;
	}
	int n = parse_index(name, len);
	struct pty_node_attr a;
	if (n < 0 || pty_node(n, &a) < 0)
		return -ENOENT;
	struct ddent *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	atomic_init(&d->refs, 1);
	d->kind = D_SLAVE;
	d->index = n;
	*ret = d;
	return 0;
}

/* Walks @rp: the root, or one entry below it. *ret holds a reference. */
static int walk(struct devpts_fs *f, struct sentry_rp *rp, struct ddent **ret)
{
	const struct sentry_rp_ops *o = &g_vfs_rp_ops;
	struct ddent *d = (struct ddent *)o->start(rp);
	atomic_fetch_add(&d->refs, 1);
	int rc = 0;
	for (;;) {
		size_t len;
		const char *name = o->component(rp, &len);
		if (!name)
			break;
		if (d->kind != D_ROOT) {
			rc = -ENOTDIR;
			break;
		}
		if (len == 1 && name[0] == '.') {
			o->advance(rp);
			continue;
		}
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			rc = o->check_root(rp, &d->base);
			if (rc < 0)
				break;
			o->advance(rp);	/* the root is its own parent */
			rc = 0;
			continue;
		}
		struct ddent *next;
		if ((rc = lookup(f, name, len, &next)) < 0)
			break;
		o->advance(rp);
		dd_put(d);
		d = next;
		if (d->base.mount_count && (rc = o->check_mount(rp, &d->base)) < 0)
			break;
	}
	if (rc < 0) {
		dd_put(d);
		return rc;
	}
	*ret = d;
	return 0;
}

static int devpts_get_dentry_at(struct sentry_fs *fs, struct sentry_rp *rp,
				struct sentry_dentry **ret_d)
{
	struct ddent *d;
	int rc = walk((struct devpts_fs *)fs, rp, &d);
	if (rc == 0 && g_vfs_rp_ops.must_be_dir(rp) && d->kind != D_ROOT) {
		dd_put(d);
		return -ENOTDIR;
	}
	if (rc == 0)
		*ret_d = &d->base;
	return rc;
}

static int stat_of(const struct ddent *d, struct sentry_statx *st)
{
	struct pty_node_attr a;
	*st = (struct sentry_statx){ .mask = SENTRY_STATX_BASIC_STATS, .blksize = 1024 };
	st->atime.sec = st->mtime.sec = st->ctime.sec = g_devpts_time;
	switch (d->kind) {
	case D_ROOT:
		st->mode = S_IFDIR | 0755;
		st->nlink = 2;
		st->ino = 1;
		return 0;
	case D_PTMX:
		st->mode = S_IFCHR | 0666;
		st->nlink = 1;
		st->ino = 2;
		st->rdev_major = TTY_MAJOR_TTYAUX;
		st->rdev_minor = TTY_MINOR_PTMX;
		return 0;
	default:
		if (pty_node(d->index, &a) < 0)
			return -ENOENT;
		st->mode = S_IFCHR | a.mode;
		st->nlink = 1;
		st->ino = (uint64_t)d->index + 3;
		st->uid = a.uid;
		st->gid = a.gid;
		st->atime = a.atime;
		st->mtime = a.mtime;
		st->ctime = a.ctime;
		st->rdev_major = TTY_MAJOR_PTS + (uint32_t)d->index / 256;
		st->rdev_minor = (uint32_t)d->index % 256;
		return 0;
	}
}

static int devpts_dentry_stat(struct sentry_fs *fs, struct sentry_dentry *d, uint32_t mask,
			      struct sentry_statx *ret_stat)
{
	return stat_of((const struct ddent *)d, ret_stat);
}

/* A slave's chmod, chown, utimensat (sshd and screen set a terminal's group and mode). The
 * root and ptmx keep their attributes: -EPERM, as before. */
static int devpts_dentry_setstat(struct sentry_fs *fs, struct sentry_dentry *sd,
				 const struct sentry_creds *creds, const struct sentry_setstat *ss)
{
	const struct ddent *d = (const struct ddent *)sd;
	return d->kind == D_SLAVE ? pty_node_setstat(d->index, ss) : -EPERM;
}

/* The mode bits of @st for @c (acc: 4 read, 2 write), as generic_permission. */
static int may(const struct sentry_statx *st, const struct sentry_creds *c, uint32_t acc)
{
	if ((c->cap_effective >> SENTRY_CAP_DAC_OVERRIDE) & 1)
		return 0;
	uint32_t bits = st->mode & 07;
	int in_group = c->fsgid == st->gid;
	for (uint32_t i = 0; i < c->ngroups && !in_group; i++)
		in_group = c->groups[i] == st->gid;
	if (c->fsuid == st->uid)
		bits = (st->mode >> 6) & 07;
	else if (in_group)
		bits = (st->mode >> 3) & 07;
	return (bits & acc) == acc ? 0 : -EACCES;
}

/* A device node's file: the core serves it (special), this one only holds the dentry. */
struct devpts_file {
	struct sentry_file base;
	struct ddent *d;
};

static void df_release(struct sentry_file *file)
{
	struct devpts_file *f = (struct devpts_file *)file;
	dd_put(f->d);
	free(f);
}

static int df_emit(struct sentry_dir_emitter *e, int64_t next, uint8_t type, uint64_t ino,
		   const char *name)
{
	struct sentry_dirent de = { .ino = ino, .next_off = next, .type = type,
				    .name_len = (uint16_t)strlen(name), .name = name };
	return e->emit(e, &de);
}

/* Offsets: 0 ".", 1 "..", 2 ptmx, 3 + N slave N. */
static int df_iterate(struct sentry_file *file, struct sentry_dir_emitter *e, int64_t *off)
{
	int rc = 0;
	if (*off == 0 && (rc = df_emit(e, 1, 4 /* DT_DIR */, 1, ".")) == 0)
		*off = 1;
	if (rc == 0 && *off == 1 && (rc = df_emit(e, 2, 4, 1, "..")) == 0)
		*off = 2;
	if (rc == 0 && *off == 2 && (rc = df_emit(e, 3, 2 /* DT_CHR */, 2, "ptmx")) == 0)
		*off = 3;
	while (rc == 0 && *off >= 3 && *off - 3 < PTY_MAX) {
		int n = pty_next((int)(*off - 3));
		if (n < 0)
			break;
		char name[16];
		snprintf(name, sizeof(name), "%d", n);
		if ((rc = df_emit(e, n + 4, 2, (uint64_t)n + 3, name)) != 0)
			break;
		*off = n + 4;
	}
	return rc < 0 ? rc : 0;
}

static const struct sentry_file_ops g_node_ops = { .release = df_release };
static const struct sentry_file_ops g_dir_ops = { .iterate = df_iterate, .release = df_release };

static int devpts_open_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t flags,
			  uint32_t mode, struct sentry_file **ret_file)
{
	struct ddent *d;
	int rc = walk((struct devpts_fs *)fs, rp, &d);
	if (rc < 0)
		return (rc == -ENOENT && (flags & O_CREAT)) ? -EACCES : rc;
	struct sentry_statx st;
	uint32_t acc = flags & O_ACCMODE;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		rc = -EEXIST;
	else if (rc == 0)
		rc = stat_of(d, &st);
	if (rc == 0 && d->kind == D_ROOT && acc != O_RDONLY)
		rc = -EISDIR;
	else if (rc == 0 && d->kind != D_ROOT && g_vfs_rp_ops.must_be_dir(rp))
		rc = -ENOTDIR;
	if (rc == 0)
		rc = may(&st, g_vfs_rp_ops.creds(rp),
			 (acc != O_WRONLY ? 4u : 0u) | (acc != O_RDONLY ? 2u : 0u));
	struct devpts_file *f = rc == 0 ? calloc(1, sizeof(*f)) : NULL;
	if (rc == 0 && !f)
		rc = -ENOMEM;
	if (rc < 0) {
		dd_put(d);
		return rc;
	}
	f->base.ops = d->kind == D_ROOT ? &g_dir_ops : &g_node_ops;
	f->base.ops_size = sizeof(struct sentry_file_ops);
	f->base.flags = flags;
	f->base.special = d->kind == D_ROOT ? 0 : S_IFCHR;
	f->base.dentry = &d->base;
	f->d = d;
	*ret_file = &f->base;
	return 0;
}

static const struct sentry_fs_ops g_devpts_ops = {
	.get_fs = devpts_get_fs,
	.release_fs = devpts_release_fs,
	.dentry_get = devpts_dentry_get,
	.dentry_put = devpts_dentry_put,
	.get_dentry_at = devpts_get_dentry_at,
	.open_at = devpts_open_at,
	.dentry_stat = devpts_dentry_stat,
	.dentry_setstat = devpts_dentry_setstat,
};

PLG_CORE_FS(g_devpts_plugin, "devpts", g_devpts_ops);

struct plg_plugin *devpts_plugin(void)
{
	return &g_devpts_plugin;
}
