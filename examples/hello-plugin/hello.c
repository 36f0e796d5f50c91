/*
 * hello: a third-party filesystem plugin built out of tree against the installed SDK alone:
 *
 *   cc -shared -fPIC -fvisibility=hidden $(pkg-config --cflags sentry-plugin) \
 *      -o hello.so hello.c
 *   runsc plugins --plugin-dir .
 *
 * It serves nothing yet: every mandatory slot answers ENOSYS, every optional slot is left NULL so
 * the core's default applies.
 */
#include <errno.h>

#include <sentry/sentry.h>

static int hello_init(const struct sentry_services *svc, size_t svc_size, const char *options,
		      void **ret_state)
{
	/* An older core has a shorter table: check before using a slot. */
	if (SENTRY_OPS_HAS(svc, svc_size, log))
		svc->log(svc, SENTRY_LOG_INFO, "hello from a third-party plugin");
	*ret_state = NULL;
	return 0;
}

static int hello_get_fs(void *state, const char *source, const char *data, uint64_t flags,
			const struct sentry_creds *creds, struct sentry_fs **ret_fs,
			struct sentry_dentry **ret_root)
{
	return -ENOSYS;
}

static void hello_release_fs(struct sentry_fs *fs)
{
}

static void hello_dentry_ref(struct sentry_fs *fs, struct sentry_dentry *d)
{
}

static int hello_get_dentry_at(struct sentry_fs *fs, struct sentry_rp *rp,
			       struct sentry_dentry **ret_d)
{
	return -ENOSYS;
}

static int hello_open_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t flags,
			 uint32_t mode, struct sentry_file **ret_file)
{
	return -ENOSYS;
}

static int hello_dentry_stat(struct sentry_fs *fs, struct sentry_dentry *d, uint32_t mask,
			     struct sentry_statx *ret_stat)
{
	return -ENOSYS;
}

static const struct sentry_fs_ops hello_ops = {
	.get_fs	       = hello_get_fs,
	.release_fs    = hello_release_fs,
	.dentry_get    = hello_dentry_ref,
	.dentry_put    = hello_dentry_ref,
	.get_dentry_at = hello_get_dentry_at,
	.open_at       = hello_open_at,
	.dentry_stat   = hello_dentry_stat,
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic	     = SENTRY_PLUGIN_MAGIC,
		.abi_major   = SENTRY_ABI_MAJOR,
		.abi_minor   = SENTRY_ABI_MINOR,
		.desc_size   = sizeof(struct sentry_plugin),
		.kind	     = SENTRY_PLUGIN_FS,
		.name	     = "hello",
		.version     = "1.0.0",
		.description = "out-of-tree example filesystem",
		.init	     = hello_init,
		.ops	     = &hello_ops,
		.ops_size    = sizeof(hello_ops),
	},
	{ .magic = 0 },
};
