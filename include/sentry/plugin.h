/*
 * sentry/plugin.h: how a plugin declares itself to the core.
 *
 * A plugin is a shared object that exports exactly one symbol, sentry_plugin_v1: an array of
 * descriptors ended by an entry whose magic is 0. Each descriptor names one plugin of one kind
 * and points at that kind's ops table (sentry/platform.h, sentry/fs.h, sentry/net.h,
 * sentry/gofer.h).
 *
 * Versioning. ABI major changes when anything but an append happens to a descriptor, an ops
 * table or the services table; the core refuses a plugin whose major differs from its own. A new
 * minor only appends slots, so a plugin built against an older minor has a shorter table (the core
 * reads a slot only if it lies inside ops_size) and a plugin built against a newer minor has a
 * longer one (the core ignores what it does not know). Never reorder or delete a slot: retire it
 * as `void *reserved_N`.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* "SNTY" in little-endian byte order. */
#define SENTRY_PLUGIN_MAGIC 0x59544e53u

/* ABI version this header describes. */
#define SENTRY_ABI_MAJOR 1
#define SENTRY_ABI_MINOR 3	/* 1: sentry_services.block_seq; 2: sentry_plugin.host_caps;
				 * 3: sentry_ctx_ops.fpu_get, recycle;
				 * sentry_as_ops.reset */

/* Name of the exported descriptor array; the core looks it up with dlsym. */
#define SENTRY_PLUGIN_SYMBOL "sentry_plugin_v1"

/* What a descriptor's ops table implements. Values are part of the ABI. */
enum sentry_plugin_kind {
	SENTRY_PLUGIN_PLATFORM = 1,	/* struct sentry_platform_ops: how application code runs */
	SENTRY_PLUGIN_FS = 2,		/* struct sentry_fs_ops: a filesystem type for the VFS */
	SENTRY_PLUGIN_NET = 3,		/* struct sentry_net_ops: AF_INET/AF_INET6 sockets */
	SENTRY_PLUGIN_GOFER = 4,	/* struct sentry_gofer_ops: a Gofer's 9P backend */
};

/* Host system call rule for the seccomp filter the core composes (DESIGN.md, Confinement).
 * A rule allows call `nr` when every one of its argument conditions holds. Rules for the same
 * call are alternatives: the call is allowed when any of them holds. clone3 cannot be allowed
 * (its flags are in memory, out of the filter's sight): the core answers it ENOSYS so that
 * glibc falls back to clone, whose flags a rule can check. */
enum sentry_host_cmp {
	SENTRY_CMP_EQ = 1,		/* arg == value */
	SENTRY_CMP_NE = 2,		/* arg != value */
	SENTRY_CMP_MASKED_EQ = 3,	/* (arg & mask) == value */
};

struct sentry_host_arg {
	uint32_t index;	/* argument number, 0..5 */
	uint32_t cmp;	/* enum sentry_host_cmp */
	uint64_t mask;	/* for SENTRY_CMP_MASKED_EQ, otherwise ignored */
	uint64_t value;	/* value compared against */
};

struct sentry_host_rule {
	int32_t nr;			/* x86-64 system call number */
	uint32_t arg_count;		/* entries used in args[], 0 allows the call unconditionally */
	struct sentry_host_arg args[3];	/* conditions, all must hold */
};

/* Rule initializers: call @n (SYS_x from sys/syscall.h) outright, when argument @i equals
 * @v, or when argument @i masked with @m equals @v. */
#define SENTRY_ALLOW(n) { .nr = (n) }
#define SENTRY_ALLOW_IF(n, i, v)                                                               \
	{ .nr = (n), .arg_count = 1,                                                           \
	  .args = { { .index = (i), .cmp = SENTRY_CMP_EQ, .value = (uint64_t)(v) } } }
#define SENTRY_ALLOW_MASKED(n, i, m, v)                                                        \
	{ .nr = (n), .arg_count = 1,                                                           \
	  .args = { { .index = (i), .cmp = SENTRY_CMP_MASKED_EQ, .mask = (uint64_t)(m),        \
		      .value = (uint64_t)(v) } } }

struct sentry_services;

/*
 * One plugin. Instances are static const with designated initializers; the array they live in
 * ends with { .magic = 0 }.
 */
struct sentry_plugin {
	/* SENTRY_PLUGIN_MAGIC. Anything else and the core refuses the file. */
	uint32_t magic;
	/* SENTRY_ABI_MAJOR the plugin was built against; must equal the core's. */
	uint16_t abi_major;
	/* SENTRY_ABI_MINOR the plugin was built against; any value loads. */
	uint16_t abi_minor;
	/* sizeof(struct sentry_plugin) as the plugin saw it. The core walks the array with this
	 * stride, so a later minor may append fields to the descriptor itself. */
	uint32_t desc_size;
	/* enum sentry_plugin_kind. */
	uint32_t kind;
	/* Short unique name used on command lines and in config: "ptrace", "memfs", "host". At most
	 * 31 bytes of [a-z0-9_-]. Unique among all loaded plugins of all kinds. */
	const char *name;
	/* The plugin's own version string, free form ("1.2.0"). Mandatory. */
	const char *version;
	/* One line for `runsc plugins`; may be NULL. */
	const char *description;

	/* Optional. Called once, before any ops slot, with the core's services table and its size
	 * in bytes (a plugin checks svc_size before using a slot added in a later minor; see
	 * SENTRY_OPS_HAS). @options is the plugin's option string from the command line, or NULL.
	 * On success *ret_state is the plugin's state, passed back as the first argument of the
	 * kind's top-level ops. Returns 0 or -errno; on error the plugin is unusable and fini is not
	 * called. NULL: state is NULL. */
	int (*init)(const struct sentry_services *svc, size_t svc_size, const char *options,
		    void **ret_state);
	/* Optional. Undoes init. Called once, after every object the plugin made is released. */
	void (*fini)(void *state);

	/* The kind's ops table: static const, lives as long as the shared object. Mandatory. */
	const void *ops;
	/* sizeof the ops table as the plugin saw it. Must cover the kind's mandatory slots. */
	size_t ops_size;

	/* Host system calls the plugin makes after the sandbox is confined, beyond what the core
	 * makes itself. May be NULL when rule_count is 0. */
	const struct sentry_host_rule *host_rules;
	/* Entries in host_rules. */
	size_t host_rule_count;

	/* ABI minor 2. Capabilities (bit 1 << CAP_x, linux/capability.h) the plugin needs the
	 * Sentry to keep once confined, such as CAP_NET_BIND_SERVICE for a network plugin that
	 * binds host ports; every other capability is dropped. Read only when desc_size covers
	 * it; 0 keeps none. */
	uint64_t host_caps;
};

/*
 * True when @ops, whose size is @size, has a non-NULL slot @slot. The only way the core reads an
 * optional slot, and the way a plugin reads a services slot added after its minor.
 */
#define SENTRY_OPS_HAS(ops, size, slot)                                                        \
	(offsetof(__typeof__(*(ops)), slot) + sizeof((ops)->slot) <= (size) && (ops)->slot != NULL)

/* Size of an ops table type up to and including @slot: the minimum ops_size for which every slot
 * up to @slot exists. */
#define SENTRY_OPS_SIZE_THROUGH(type, slot) (offsetof(type, slot) + sizeof(((type *)0)->slot))

#ifdef __cplusplus
}
#endif
