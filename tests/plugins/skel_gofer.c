/*
 * A skeleton Gofer backend: serves nothing.
 */
#include <errno.h>

#include "sentry/gofer.h"
#include "sentry/plugin.h"

static uint32_t skel_info(void *state)
{
	return 0;
}

static int skel_attach(void *state, const char *root, uint32_t flags,
		       struct sentry_gnode **ret_node, struct sentry_qid *ret_qid)
{
	return -ENOSYS;
}

static int skel_walk(struct sentry_gnode *dir, const char *name, struct sentry_gnode **ret_node,
		     struct sentry_qid *ret_qid)
{
	return -ENOSYS;
}

static int skel_getattr(struct sentry_gnode *node, uint64_t mask, struct sentry_statx *ret_stat)
{
	return -ENOSYS;
}

static int skel_open(struct sentry_gnode *node, uint32_t flags, int *ret_fd, uint32_t *ret_iounit)
{
	return -ENOSYS;
}

static int64_t skel_read(struct sentry_gnode *node, void *buf, size_t size, uint64_t off)
{
	return -ENOSYS;
}

static int skel_readdir(struct sentry_gnode *dir, uint64_t off, struct sentry_gdir_sink *sink)
{
	return -ENOSYS;
}

static void skel_release(struct sentry_gnode *node)
{
}

static const struct sentry_gofer_ops skel_gofer_ops = {
	.info	 = skel_info,
	.attach	 = skel_attach,
	.walk	 = skel_walk,
	.getattr = skel_getattr,
	.open	 = skel_open,
	.read	 = skel_read,
	.readdir = skel_readdir,
	.release = skel_release,
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic	   = SENTRY_PLUGIN_MAGIC,
		.abi_major = SENTRY_ABI_MAJOR,
		.abi_minor = SENTRY_ABI_MINOR,
		.desc_size = sizeof(struct sentry_plugin),
		.kind	   = SENTRY_PLUGIN_GOFER,
		.name	   = "skel-gofer",
		.version   = "0.1.0",
		.ops	   = &skel_gofer_ops,
		.ops_size  = sizeof(skel_gofer_ops),
	},
	{ .magic = 0 },
};
