/*
 * p9fs_plugin.c: the fs-gofer9p plugin ("9p"): descriptor, mount data, instance lifetime and
 * the fs ops table.
 *
 * Mount data: "fd=N[,cache=exclusive|shared]". N is a connected stream socket to a Gofer (the
 * Sentry gets it from runsc; it opens no host path itself); the filesystem takes it on success
 * and closes it when released, which ends the Gofer's session. Anything else is -EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sentry/plugin.h"

#include "p9fs.h"

struct p9fs_state {
	const struct sentry_services *svc;
};

static int p9fs_init(const struct sentry_services *svc, size_t svc_size, const char *options,
		     void **ret_state)
{
	if (svc_size < SENTRY_OPS_SIZE_THROUGH(struct sentry_services, may_access) || !svc->rp ||
	    !svc->may_access || !svc->now_ns || !svc->mf_alloc ||
	    !SENTRY_OPS_HAS(svc->rp, sizeof(struct sentry_rp_ops), peek))
		return -EPROTO;	/* the page cache and batched walks need these */
	if (options && *options)
		return -EINVAL;
	struct p9fs_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->svc = svc;
	*ret_state = s;
	return 0;
}

static void p9fs_fini(void *state)
{
	free(state);
}

static int parse_opt(char *kv, int *fd, int *cache)
{
	char *v = strchr(kv, '='), *end;

	if (!v)
		return -EINVAL;
	*v++ = 0;
	if (strcmp(kv, "fd") == 0) {
		long n = strtol(v, &end, 10);
		if (*end || end == v || n < 0 || n > INT_MAX)
			return -EINVAL;
		*fd = (int)n;
		return 0;
	}
	if (strcmp(kv, "cache") == 0) {
		if (strcmp(v, "exclusive") == 0)
			*cache = P9FS_CACHE_EXCLUSIVE;
		else if (strcmp(v, "shared") == 0)
			*cache = P9FS_CACHE_SHARED;
		else
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

static int parse_data(const char *data, int *fd, int *cache)
{
	char *copy = strdup(data ? data : ""), *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	*fd = -1;
	*cache = P9FS_CACHE_EXCLUSIVE;
	for (char *kv = strtok_r(copy, ",", &save); kv && r == 0; kv = strtok_r(NULL, ",", &save))
		r = parse_opt(kv, fd, cache);
	free(copy);
	if (r == 0 && (*fd < 0 || fcntl(*fd, F_GETFD) < 0))
		r = -EINVAL;	/* no channel, or not an open descriptor */
	return r;
}

/* Tattach of the root as fid 0 and its attributes: one round trip. */
static int attach(struct p9fs_fs *fs, const struct sentry_creds *creds)
{
	struct p9c_call c[2];

	memset(&c[0], 0, sizeof(c[0]));
	c[0].req.type = P9_TATTACH;
	c[0].req.u.tattach = (struct p9_tattach){ .fid = 0, .afid = P9_NOFID,
						  .uname = p9_str_of(""), .aname = p9_str_of(""),
						  .n_uname = creds->fsuid };
	p9fs_req_getattr(&c[1], 0);
	int r = p9c_run(fs->ch, c, 2);
	if (r == 0)
		r = c[0].err ? c[0].err : c[1].err;
	if (r < 0)
		return r;
	struct sentry_statx st;
	p9fs_attr_from(&c[1].rep.u.rgetattr, &st);
	fs->root = p9fs_root_new(fs, 0, c[0].rep.u.rqid.qid.path, &st);
	return fs->root ? 0 : -ENOMEM;
}

static void fs_free(struct p9fs_fs *fs)
{
	p9fs_cache_free(fs);
	p9c_close(fs->ch);
	for (int i = 0; i < fs->nbufs; i++)
		free(fs->bufs[i]);
	pthread_mutex_destroy(&fs->mu);
	pthread_mutex_destroy(&fs->ino_mu);
	pthread_mutex_destroy(&fs->buf_mu);
	free(fs);
}

static int p9fs_get_fs(void *state, const char *source, const char *data, uint64_t flags,
		       const struct sentry_creds *creds, struct sentry_fs **ret_fs,
		       struct sentry_dentry **ret_root)
{
	struct p9fs_state *s = state;
	int fd, cache;
	int r = parse_data(data, &fd, &cache);

	if (r < 0)
		return r;
	struct p9fs_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->svc = s->svc;
	fs->rp = s->svc->rp;
	fs->cache = cache;
	fs->hash_size = 256;
	fs->inode_size = 1024;
	fs->hash = calloc(fs->hash_size, sizeof(*fs->hash));
	fs->inodes = calloc(fs->inode_size, sizeof(*fs->inodes));
	pthread_mutex_init(&fs->mu, NULL);
	pthread_mutex_init(&fs->ino_mu, NULL);
	pthread_mutex_init(&fs->buf_mu, NULL);
	r = fs->hash && fs->inodes ? p9c_open(fd, P9FS_MSIZE, &fs->ch) : -ENOMEM;
	if (r < 0) {
		/* The fd stays the caller's. */
		free(fs->hash);
		free(fs->inodes);
		fs->hash = NULL;
		fs->inodes = NULL;
		pthread_mutex_destroy(&fs->mu);
		pthread_mutex_destroy(&fs->ino_mu);
		pthread_mutex_destroy(&fs->buf_mu);
		free(fs);
		return r;
	}
	if ((r = attach(fs, creds)) < 0) {
		fs_free(fs);	/* the channel (and so the fd) is ours by now */
		return r;
	}
	atomic_fetch_add(&fs->root->refs, 1);	/* the caller's */
	*ret_fs = (struct sentry_fs *)fs;
	*ret_root = &fs->root->base;
	return 0;
}

static void p9fs_release_fs(struct sentry_fs *sfs)
{
	fs_free((struct p9fs_fs *)sfs);
}

static int p9fs_sync_fs(struct sentry_fs *sfs)
{
	return 0;	/* writes are synchronous; mmap pages are written at fsync/release */
}

static const struct sentry_fs_ops p9fs_fs_ops = {
	.get_fs		   = p9fs_get_fs,
	.release_fs	   = p9fs_release_fs,
	.dentry_get	   = p9fs_dentry_get,
	.dentry_put	   = p9fs_dentry_put,
	.get_dentry_at	   = p9fs_get_dentry_at,
	.open_at	   = p9fs_open_at,
	.dentry_stat	   = p9fs_dentry_stat,
	.stat_at	   = p9fs_stat_at,
	.dentry_setstat	   = p9fs_dentry_setstat,
	.mkdir_at	   = p9fs_mkdir_at,
	.mknod_at	   = p9fs_mknod_at,
	.symlink_at	   = p9fs_symlink_at,
	.link_at	   = p9fs_link_at,
	.rename_at	   = p9fs_rename_at,
	.unlink_at	   = p9fs_unlink_at,
	.rmdir_at	   = p9fs_rmdir_at,
	.readlink_at	   = p9fs_readlink_at,
	.statfs_at	   = p9fs_statfs_at,
	.getxattr_at	   = p9fs_getxattr_at,
	.setxattr_at	   = p9fs_setxattr_at,
	.listxattr_at	   = p9fs_listxattr_at,
	.removexattr_at	   = p9fs_removexattr_at,
	.bound_endpoint_at = p9fs_bound_endpoint_at,
	.bind_endpoint_at  = p9fs_bind_endpoint_at,
	.sync_fs	   = p9fs_sync_fs,
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic	     = SENTRY_PLUGIN_MAGIC,
		.abi_major   = SENTRY_ABI_MAJOR,
		.abi_minor   = SENTRY_ABI_MINOR,
		.desc_size   = sizeof(struct sentry_plugin),
		.kind	     = SENTRY_PLUGIN_FS,
		.name	     = "9p",
		.version     = "0.1.0",
		.description = "the container's files over 9P2000.L from a Gofer",
		.init	     = p9fs_init,
		.fini	     = p9fs_fini,
		.ops	     = &p9fs_fs_ops,
		.ops_size    = sizeof(p9fs_fs_ops),
	},
	{ .magic = 0 },
};
