/*
 * A skeleton filesystem plugin, and the SDK's example: make check builds it out of tree against
 * the installed headers alone (tests/sdk/out_of_tree.sh). Mandatory slots answer -ENOSYS, optional
 * ones are NULL so the core's defaults apply. It also shows init/fini and the services table.
 */
#include <errno.h>
#include <stdlib.h>

#include "sentry/fs.h"
#include "sentry/plugin.h"
#include "sentry/services.h"

struct skel_state {
	const struct sentry_services *svc;
};

static int skel_init(const struct sentry_services *svc, size_t svc_size, const char *options,
		     void **ret_state)
{
	if (svc_size < SENTRY_OPS_SIZE_THROUGH(struct sentry_services, log))
		return -EPROTO;
	struct skel_state *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->svc = svc;
	svc->log(svc, SENTRY_LOG_DEBUG, "skeleton fs ready (options %s)", options ? options : "none");
	*ret_state = s;
	return 0;
}

static void skel_fini(void *state)
{
	free(state);
}

static int skel_get_fs(void *state, const char *source, const char *data, uint64_t flags,
		       const struct sentry_creds *creds, struct sentry_fs **ret_fs,
		       struct sentry_dentry **ret_root)
{
	return -ENOSYS;
}

static void skel_release_fs(struct sentry_fs *fs)
{
}

static void skel_dentry_ref(struct sentry_fs *fs, struct sentry_dentry *d)
{
}

static int skel_get_dentry_at(struct sentry_fs *fs, struct sentry_rp *rp,
			      struct sentry_dentry **ret_d)
{
	return -ENOSYS;
}

static int skel_open_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
			struct sentry_file **ret_file)
{
	return -ENOSYS;
}

static int skel_dentry_stat(struct sentry_fs *fs, struct sentry_dentry *d, uint32_t mask,
			    struct sentry_statx *ret_stat)
{
	return -ENOSYS;
}

static const struct sentry_fs_ops skel_fs_ops = {
	.get_fs	       = skel_get_fs,
	.release_fs    = skel_release_fs,
	.dentry_get    = skel_dentry_ref,
	.dentry_put    = skel_dentry_ref,
	.get_dentry_at = skel_get_dentry_at,
	.open_at       = skel_open_at,
	.dentry_stat   = skel_dentry_stat,
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic	     = SENTRY_PLUGIN_MAGIC,
		.abi_major   = SENTRY_ABI_MAJOR,
		.abi_minor   = SENTRY_ABI_MINOR,
		.desc_size   = sizeof(struct sentry_plugin),
		.kind	     = SENTRY_PLUGIN_FS,
		.name	     = "skel-fs",
		.version     = "0.1.0",
		.description = "skeleton filesystem: every operation is ENOSYS",
		.init	     = skel_init,
		.fini	     = skel_fini,
		.ops	     = &skel_fs_ops,
		.ops_size    = sizeof(skel_fs_ops),
	},
	{ .magic = 0 },
};
