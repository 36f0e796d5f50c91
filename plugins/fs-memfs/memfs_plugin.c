/*
 * plugins/fs-memfs/memfs_plugin.c: the plugin descriptor, instance creation from mount data
 * ("size=64m,nr_inodes=10k,mode=1777,uid=0,gid=0", as tmpfs(5)), and the fs ops table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "memfs.h"
#include "memfs_namei.h"
#include "sentry/plugin.h"

struct memfs_state {
	const struct sentry_services *svc;
};

static int memfs_init(const struct sentry_services *svc, size_t svc_size, const char *options,
		      void **ret_state)
{
	if (svc_size < SENTRY_OPS_SIZE_THROUGH(struct sentry_services, may_access) || !svc->rp ||
	    !svc->may_access || !svc->now_ns)
		return -EPROTO; /* a core without the VFS services cannot host a filesystem */
	struct memfs_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->svc = svc;
	*ret_state = s;
	return 0;
}

static void memfs_fini(void *state)
{
	free(state);
}

/* Parses a number with an optional k/m/g suffix (and % of RAM when @pct). */
static int parse_size(const char *v, int pct, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 0);
	if (errno || end == v || v[0] == '-')
		return -EINVAL;
	uint64_t mul = 1;
	switch (*end) {
	case 'k': case 'K': mul = 1ull << 10; end++; break;
	case 'm': case 'M': mul = 1ull << 20; end++; break;
	case 'g': case 'G': mul = 1ull << 30; end++; break;
	case '%':
		if (!pct || n > 100)
			return -EINVAL;
		end++;
		mul = 0;
		break;
	default:
		break;
	}
	if (*end)
		return -EINVAL;
	if (mul == 0) {
		uint64_t ram = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
		*ret = ram / 100 * n;
		return 0;
	}
	if (n > UINT64_MAX / mul)
		return -EINVAL;
	*ret = n * mul;
	return 0;
}

struct memfs_opts {
	uint64_t size, inodes;
	uint32_t mode, uid, gid;
};

static int parse_opt(struct memfs_opts *o, char *kv)
{
	char *v = strchr(kv, '=');
	if (!v)
		return -EINVAL;
	*v++ = 0;
	uint64_t n;
	char *end;
	if (!strcmp(kv, "size"))
		return parse_size(v, 1, &o->size);
	if (!strcmp(kv, "nr_inodes"))
		return parse_size(v, 0, &o->inodes);
	if (!strcmp(kv, "mode")) {
		n = strtoull(v, &end, 8);
		if (*end || end == v || n > 07777)
			return -EINVAL;
		o->mode = (uint32_t)n;
		return 0;
	}
	if (!strcmp(kv, "uid") || !strcmp(kv, "gid")) {
		n = strtoull(v, &end, 10);
		if (*end || end == v || n > UINT32_MAX - 1)
			return -EINVAL;
		*(kv[0] == 'u' ? &o->uid : &o->gid) = (uint32_t)n;
		return 0;
	}
	return -EINVAL;
}

static int parse_opts(const char *data, struct memfs_opts *o)
{
	if (!data || !*data)
		return 0;
	char *copy = strdup(data), *save = NULL;
	if (!copy)
		return -ENOMEM;
	int rc = 0;
	for (char *kv = strtok_r(copy, ",", &save); kv && rc == 0; kv = strtok_r(NULL, ",", &save))
		rc = parse_opt(o, kv);
	free(copy);
	return rc;
}

static int memfs_get_fs(void *state, const char *source, const char *data, uint64_t flags,
			const struct sentry_creds *creds, struct sentry_fs **ret_fs,
			struct sentry_dentry **ret_root)
{
	struct memfs_state *s = state;
	struct memfs_opts o = { .mode = 01777, .uid = creds->fsuid, .gid = creds->fsgid };
	int rc = parse_opts(data, &o);
	if (rc < 0)
		return rc;
	struct memfs_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->svc = s->svc;
	fs->rp = s->svc->rp;
	fs->max_pages = (o.size + MEMFS_PAGE - 1) / MEMFS_PAGE;
	fs->max_inodes = o.inodes;
	atomic_init(&fs->next_ino, 1);
	pthread_rwlock_init(&fs->lock, NULL);
	struct memfs_inode *in = memfs_inode_new(fs, S_IFDIR | o.mode, o.uid, o.gid);
	struct memfs_dentry *root = in ? memfs_dentry_new("/", 1, in) : NULL;
	if (!root) {
		if (in) {
			atomic_fetch_add(&in->refs, 1);
			memfs_inode_put(fs, in);
		}
		pthread_rwlock_destroy(&fs->lock);
		free(fs);
		return in ? -ENOMEM : -ENOSPC;
	}
	root->parent = root;
	root->linked = 1;
	fs->root = root;
	atomic_fetch_add(&root->refs, 1); /* the caller's */
	*ret_fs = (struct sentry_fs *)fs;
	*ret_root = &root->base;
	return 0;
}

static void memfs_release_fs(struct sentry_fs *sfs)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	memfs_tree_free(fs, fs->root);
	pthread_rwlock_destroy(&fs->lock);
	free(fs);
}

static const struct sentry_fs_ops memfs_fs_ops = {
	.get_fs		= memfs_get_fs,
	.release_fs	= memfs_release_fs,
	.dentry_get	= memfs_dentry_get,
	.dentry_put	= memfs_dentry_put,
	.get_dentry_at	= memfs_get_dentry_at,
	.open_at	= memfs_open_at,
	.dentry_stat	= memfs_dentry_stat,
	.stat_at	= memfs_stat_at,
	.dentry_setstat = memfs_dentry_setstat,
	.mkdir_at	= memfs_mkdir_at,
	.mknod_at	= memfs_mknod_at,
	.symlink_at	= memfs_symlink_at,
	.link_at	= memfs_link_at,
	.rename_at	= memfs_rename_at,
	.unlink_at	= memfs_unlink_at,
	.rmdir_at	= memfs_rmdir_at,
	.readlink_at	= memfs_readlink_at,
	.statfs_at	= memfs_statfs_at,
	.getxattr_at	= memfs_getxattr_at,
	.setxattr_at	= memfs_setxattr_at,
	.listxattr_at	= memfs_listxattr_at,
	.removexattr_at = memfs_removexattr_at,
	.bound_endpoint_at = memfs_bound_endpoint_at,
	.bind_endpoint_at = memfs_bind_endpoint_at,
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic	     = SENTRY_PLUGIN_MAGIC,
		.abi_major   = SENTRY_ABI_MAJOR,
		.abi_minor   = SENTRY_ABI_MINOR,
		.desc_size   = sizeof(struct sentry_plugin),
		.kind	     = SENTRY_PLUGIN_FS,
		.name	     = "memfs",
		.version     = MEMFS_VERSION,
		.description = "in-memory filesystem (tmpfs, /dev/shm, overlay upper layer)",
		.init	     = memfs_init,
		.fini	     = memfs_fini,
		.ops	     = &memfs_fs_ops,
		.ops_size    = sizeof(memfs_fs_ops),
	},
	{ .magic = 0 }, /* end of table */
};
