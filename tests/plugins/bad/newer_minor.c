/* Test plugin for the loader: built against a newer minor: a larger descriptor and a larger ops table, which must load. */
#include "bad_common.h"

/* What a later minor might append: a slot in the ops table, a field in the descriptor. */
struct future_platform_ops {
	struct sentry_platform_ops v1;
	int (*future_slot)(void *state);
};

struct future_plugin {
	struct sentry_plugin v1;
	uint64_t future_field;
};

static int future(void *state)
{
	return 0;
}

static struct future_platform_ops future_ops;

__attribute__((constructor)) static void future_setup(void)
{
	future_ops.v1 = skel_platform_ops;
	future_ops.future_slot = future;
}

#define FUTURE_DESC(plugin_name)                                                               \
	{                                                                                      \
		.v1 = { BAD_DESC(plugin_name), .abi_minor = SENTRY_ABI_MINOR + 1,              \
			.desc_size = sizeof(struct future_plugin), .ops = &future_ops,          \
			.ops_size = sizeof(future_ops) },                                      \
		.future_field = 42,                                                            \
	}

/* Two entries, so the loader must stride by desc_size to find the second. */
SENTRY_EXPORT const struct future_plugin sentry_plugin_v1[] = {
	FUTURE_DESC("newer-minor"),
	FUTURE_DESC("newer-minor-b"),
	{ .v1 = { .magic = 0 } },
};
