/*
 * core/plugin/plugin.h: finds, validates and initialises plugins.
 *
 * A plugin set is what one directory (or several files) offered: the descriptors that passed
 * every check, and one refusal per descriptor or file that did not, each with the line
 * `runsc plugins` prints. Loading never calls plugin code except the dynamic loader's own
 * constructors; init runs only when the Sentry or the Gofer picks a plugin.
 *
 * Lifetime: the set keeps every accepted file dlopen'd until plg_set_fini, which calls fini on
 * initialised plugins first. The core never dlcloses while objects made by a plugin exist.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/plugin.h"
#include "sentry/services.h"

/* Why a file or descriptor was refused. */
enum plg_refusal_reason {
	PLG_REFUSE_NOT_SO = 1,		/* dlopen failed: not a shared object, missing dependency */
	PLG_REFUSE_NO_SYMBOL,		/* no sentry_plugin_v1 */
	PLG_REFUSE_BAD_MAGIC,		/* magic is not SENTRY_PLUGIN_MAGIC */
	PLG_REFUSE_ABI_MAJOR,		/* abi_major differs from the core's */
	PLG_REFUSE_BAD_DESCRIPTOR,	/* desc_size too small, NULL name/version/ops, bad name,
					 * unterminated array */
	PLG_REFUSE_UNKNOWN_KIND,	/* kind is not an enum sentry_plugin_kind */
	PLG_REFUSE_DUPLICATE,		/* another accepted plugin has the same name */
	PLG_REFUSE_OPS_TOO_SMALL,	/* ops_size does not cover the mandatory slots */
	PLG_REFUSE_NULL_MANDATORY,	/* a mandatory slot is NULL */
};

/* An accepted plugin. */
struct plg_plugin {
	const struct sentry_plugin *desc;	/* inside the shared object; valid until fini */
	const char *file;			/* path it came from; points into the set */
	struct sentry_services *svc;		/* this plugin's copy of the services, after init */
	void *state;				/* from the plugin's init */
	int initialised;			/* init succeeded and fini is owed */
};

/* A refused file or descriptor. */
struct plg_refusal {
	int reason;	/* enum plg_refusal_reason */
	char *file;	/* path */
	char *name;	/* plugin name when the descriptor could be read that far, else NULL */
	char *message;	/* the whole line: "FILE: plugin NAME: what is wrong" */
};

struct plg_set {
	struct plg_plugin *plugins;	/* accepted, in load order */
	size_t plugin_count;
	struct plg_refusal *refused;	/* refused, in load order */
	size_t refused_count;
	void **handles;			/* dlopen handles kept open */
	char **files;			/* paths of the kept handles, same index */
	size_t handle_count;
};

/* A filesystem the core serves itself (proc, sysfs, devpts, anon): a static accepted-plugin
 * record @var for @fsname with ops table @fsops, mounted as if a loaded plugin offered it. */
#define PLG_CORE_FS(var, fsname, fsops)                                                    \
	static const struct sentry_plugin var##_desc = {                                   \
		.magic = SENTRY_PLUGIN_MAGIC,                                              \
		.abi_major = SENTRY_ABI_MAJOR,                                             \
		.abi_minor = SENTRY_ABI_MINOR,                                             \
		.desc_size = sizeof(struct sentry_plugin),                                 \
		.kind = SENTRY_PLUGIN_FS,                                                  \
		.name = fsname,                                                            \
		.version = "core",                                                         \
		.ops = &(fsops),                                                           \
		.ops_size = sizeof(fsops),                                                 \
	};                                                                                 \
	static struct plg_plugin var = { .desc = &var##_desc, .file = "(core)", .initialised = 1 }

/* Empty set. */
void plg_set_init(struct plg_set *set);

/* Calls fini of initialised plugins (reverse order), dlcloses, frees everything. Leaves @set
 * empty. */
void plg_set_fini(struct plg_set *set);

/* Loads every regular file or symlink ending in ".so" in @dir, in name order, so the result and
 * which duplicate wins do not depend on readdir order. Returns 0 (refusals are recorded, not
 * errors), -ENOENT/-ENOTDIR/-EACCES for @dir itself, -ENOMEM. */
int plg_set_load_dir(struct plg_set *set, const char *dir);

/* Loads one file. Returns 0 or -ENOMEM; refusals are recorded. */
int plg_set_load_file(struct plg_set *set, const char *path);

/* The capabilities the initialised plugins of @set ask the confined process to keep: the
 * union of their sentry_plugin.host_caps (none for a descriptor older than ABI minor 2). */
uint64_t plg_set_host_caps(const struct plg_set *set);

/* The accepted plugin of @kind named @name, or NULL. */
struct plg_plugin *plg_set_find(const struct plg_set *set, int kind, const char *name);

/* Calls the plugin's init with its own copy of @svc. Returns 0 or the plugin's -errno (-EIO if
 * it returned something outside the errno range). A second call is a no-op returning 0. */
int plg_plugin_init(struct plg_plugin *p, const struct sentry_services *svc, const char *options);

/* "platform", "fs", "net", "gofer", or "unknown". */
const char *plg_kind_name(int kind);

/* The refusal reason as a short token for JSON ("bad-magic"). */
const char *plg_reason_name(int reason);

/* Core's check of a value a plugin returned (STYLE.md 3.2): anything outside [-4095, INT_MAX]
 * becomes -EIO, logged once per plugin. */
long plg_check_rc(struct plg_plugin *p, long rc);
