/*
 * core/vfs/anon.c: files with no name (Linux's anon_inodefs): host-backed stdio now, pipes,
 * eventfds and sockets later. An open file description always has a vfs_path, so these files
 * live on one internal filesystem, never mounted in any namespace, whose dentries carry just
 * the attributes fstat reports. The filesystem is a core-internal plugin (a static descriptor
 * behind a plg_plugin that no loader made), which keeps file.c free of special cases.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vfs_internal.h"

struct anon_dentry {
	struct sentry_dentry base;
	atomic_long refs;
	struct sentry_statx st;
	const struct vfs_anon_ops *ops;	/* NULL until vfs_anon_set_ops */
	void *obj;			/* vfs_anon_set_obj's, put by ops->put */
};

static struct anon_dentry g_anon_root = {
	.refs = 1,
	.st = { .mask = SENTRY_STATX_BASIC_STATS, .mode = S_IFDIR | 0500, .nlink = 1, .ino = 1 },
};
static atomic_ulong g_anon_next_ino = 2;

static int anon_get_fs(void *state, const char *source, const char *data, uint64_t flags,
		       const struct sentry_creds *creds, struct sentry_fs **ret_fs,
		       struct sentry_dentry **ret_root)
{
	atomic_fetch_add(&g_anon_root.refs, 1);
	*ret_fs = (struct sentry_fs *)&g_anon_root;
	*ret_root = &g_anon_root.base;
	return 0;
}

static void anon_release_fs(struct sentry_fs *fs)
{
}

static void anon_dentry_get(struct sentry_fs *fs, struct sentry_dentry *d)
{
	atomic_fetch_add(&((struct anon_dentry *)d)->refs, 1);
}

static void anon_dentry_put(struct sentry_fs *fs, struct sentry_dentry *d)
{
	struct anon_dentry *ad = (struct anon_dentry *)d;
	if (atomic_fetch_sub(&ad->refs, 1) != 1 || ad == &g_anon_root)
		return;
	if (ad->obj && ad->ops && ad->ops->put)
		ad->ops->put(ad->obj);
	free(ad);
}

/* The only walks that reach the filesystem start at one of its files with an empty path
 * (fstat as newfstatat(fd, "", AT_EMPTY_PATH)) or land on one through a magic link
 * (/proc/self/fd/N): nothing can be looked up below a file, and nothing is mounted where a
 * path could lead here. */
static int anon_get_dentry_at(struct sentry_fs *fs, struct sentry_rp *rp,
			      struct sentry_dentry **ret_d)
{
	if (!g_vfs_rp_ops.done(rp) || g_vfs_rp_ops.must_be_dir(rp))
		return -ENOTDIR;
	anon_dentry_get(fs, rp->start);
	*ret_d = rp->start;
	return 0;
}

/* open(2) through /proc/PID/fd/N: a new file over the same object where the file's maker
 * says how (a pipe, as Linux's fifo_open), else -ENXIO, as Linux gives for an eventfd or a
 * socket. */
static int anon_open_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
			struct sentry_file **ret_file)
{
	if (!g_vfs_rp_ops.done(rp) || g_vfs_rp_ops.must_be_dir(rp))
		return -ENOTDIR;
	struct anon_dentry *d = (struct anon_dentry *)rp->start;
	struct vfs_file *f = vfs_rp_jumped_file(rp);
	if (!f || !d->ops || !d->ops->reopen)
		return -ENXIO;
	struct sentry_file *sf = NULL;
	int rc = d->ops->reopen(f, flags, &sf);
	if (rc < 0)
		return rc;
	sf->dentry = &d->base;	/* referenced by @f for the walk, then by the new file */
	*ret_file = sf;
	return 0;
}

static int anon_dentry_stat(struct sentry_fs *fs, struct sentry_dentry *d, uint32_t mask,
			    struct sentry_statx *ret_stat)
{
	const struct anon_dentry *ad = (const struct anon_dentry *)d;
	*ret_stat = ad->st;
	if (ad->obj && ad->ops && ad->ops->stat)
		ad->ops->stat(ad->obj, ret_stat);
	return 0;
}

/* ftruncate(2) of a file whose object can be resized (a memfd); nothing else changes. */
static int anon_dentry_setstat(struct sentry_fs *fs, struct sentry_dentry *d,
			       const struct sentry_creds *creds, const struct sentry_setstat *ss)
{
	const struct anon_dentry *ad = (const struct anon_dentry *)d;
	if (ss->mask != SENTRY_STATX_SIZE || !ad->obj || !ad->ops || !ad->ops->truncate)
		return -EPERM;
	return ad->ops->truncate(ad->obj, ss->size);
}

static const struct sentry_fs_ops g_anon_ops = {
	.get_fs = anon_get_fs,
	.release_fs = anon_release_fs,
	.dentry_get = anon_dentry_get,
	.dentry_put = anon_dentry_put,
	.get_dentry_at = anon_get_dentry_at,
	.open_at = anon_open_at,
	.dentry_stat = anon_dentry_stat,
	.dentry_setstat = anon_dentry_setstat,
};

PLG_CORE_FS(g_anon_plugin, "anon", g_anon_ops);

/* The one mount of the filesystem, made on first use and kept for the life of the Sentry. */
static struct vfs_mount *g_anon_mnt;
static pthread_once_t g_anon_once = PTHREAD_ONCE_INIT;

static void anon_setup(void)
{
	struct vfs_fs *fs;
	struct sentry_dentry *root;
	if (vfs_fs_new(&g_anon_plugin, "anon", NULL, 0, NULL, &fs, &root) < 0)
		return;
	g_anon_mnt = vfs_mnt_alloc(fs, root, 0);	/* takes both references */
	if (!g_anon_mnt) {
		vfs_fs_dput(fs, root);
		vfs_fs_put(fs);
	}
}

int vfs_anon_inode_file(struct sentry_file *sf, uint32_t flags, int stream,
			struct vfs_file **ret_file)
{
	static const struct sentry_statx st = {
		.mask = SENTRY_STATX_TYPE | SENTRY_STATX_MODE | SENTRY_STATX_UID | SENTRY_STATX_GID |
			SENTRY_STATX_SIZE | SENTRY_STATX_BLOCKS,
		.mode = 0600,
		.blksize = 4096,
	};
	int rc = vfs_anon_file(sf, &st, flags, ret_file);
	if (rc == 0)
		(*ret_file)->stream = stream;
	return rc;
}

int vfs_anon_file(struct sentry_file *sf, const struct sentry_statx *st, uint32_t flags,
		  struct vfs_file **ret_file)
{
	pthread_once(&g_anon_once, anon_setup);
	struct anon_dentry *d = g_anon_mnt ? calloc(1, sizeof(*d)) : NULL;
	if (!d) {
		if (SENTRY_OPS_HAS(sf->ops, sf->ops_size, release))
			sf->ops->release(sf);
		return -ENOMEM;
	}
	atomic_init(&d->refs, 1);	/* the file's, put on release through the path */
	d->st = *st;
	d->st.mask |= SENTRY_STATX_INO | SENTRY_STATX_NLINK;
	d->st.ino = atomic_fetch_add(&g_anon_next_ino, 1);
	d->st.nlink = 1;
	d->st.dev_minor = g_anon_mnt->fs->dev_minor;
	sf->dentry = &d->base;
	vfs_dref_taken();
	struct vfs_path p = { .mnt = g_anon_mnt, .d = &d->base };
	vfs_mount_get(g_anon_mnt);
	*ret_file = vfs_file_wrap(&p, sf, flags);
	vfs_path_put(&p);
	return *ret_file ? 0 : -ENOMEM;
}

int vfs_anon_file_share(struct vfs_file *like, struct sentry_file *sf, uint32_t flags,
			struct vfs_file **ret_file)
{
	if (like->path.mnt != g_anon_mnt) {
		if (SENTRY_OPS_HAS(sf->ops, sf->ops_size, release))
			sf->ops->release(sf);
		return -EINVAL;
	}
	sf->dentry = like->path.d;
	*ret_file = vfs_file_wrap(&like->path, sf, flags);	/* takes its own path references */
	return *ret_file ? 0 : -ENOMEM;
}

void vfs_anon_set_ops(struct vfs_file *f, const struct vfs_anon_ops *ops)
{
	if (f->path.mnt == g_anon_mnt)
		((struct anon_dentry *)f->path.d)->ops = ops;
}

void vfs_anon_set_obj(struct vfs_file *f, const struct vfs_anon_ops *ops, void *obj)
{
	if (f->path.mnt != g_anon_mnt) {
		if (ops->put)
			ops->put(obj);
		return;
	}
	struct anon_dentry *d = (struct anon_dentry *)f->path.d;
	d->ops = ops;
	d->obj = obj;
}

int vfs_mount_is_anon(const struct vfs_mount *m)
{
	return m && m == g_anon_mnt;
}

int64_t vfs_anon_name(struct vfs_file *f, char *buf, size_t size)
{
	if (!vfs_mount_is_anon(f->path.mnt))
		return -EINVAL;
	const struct anon_dentry *d = (const struct anon_dentry *)f->path.d;
	int n;
	if (d->obj && d->ops && d->ops->name_of)
		return d->ops->name_of(d->obj, buf, size);
	if (d->ops && d->ops->name)
		n = snprintf(buf, size, "%s", d->ops->name);
	else
		n = snprintf(buf, size, "%s:[%llu]",
			     S_ISFIFO(d->st.mode) ? "pipe" : S_ISSOCK(d->st.mode) ? "socket"
							     : "anon_inode",
			     (unsigned long long)d->st.ino);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}
