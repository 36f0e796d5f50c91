/*
 * core/sentry/compose.h: composing a Sentry from the selected plugins.
 *
 * The user picks a platform (--platform), a network stack (--network: "sandbox" means the
 * netstack plugin, "host" the host-passthrough plugin, "none" a stack with loopback only) and
 * the filesystems come from config.json's mounts; compose finds each plugin by kind and name in
 * the loaded set, initialises it with its own copy of the services table and, for the platform,
 * asks whether it can run on this host. Errors name what was asked for and what exists, in one
 * line: runsc prints them as they are.
 */
#pragma once

#include <stddef.h>

#include "plugin/plugin.h"
#include "sentry/platform.h"
#include "sentry/services.h"

/* What the Sentry runs on: each member borrowed from the plugin set. */
struct sentry_composition {
	struct plg_plugin *platform;
	struct sentry_platform_info platform_info;
	struct plg_plugin *net;		/* NULL when no network plugin was asked for */
	struct plg_plugin *fs[8];	/* filesystem plugins, in the order asked */
	size_t fs_count;
};

/* The choices, by plugin name. */
struct sentry_choice {
	const char *platform;		/* "ptrace", "kvm", ... */
	const char *net;		/* network plugin name, or NULL for none */
	const char *const *fs;		/* filesystem plugin names, NULL-terminated, may be NULL */
	const char *platform_options;	/* passed to the platform's init, may be NULL */
};

/*
 * Finds, initialises and probes the chosen plugins in @set. On failure writes one line into
 * @msg (e.g. `platform "kvm": no such plugin (available: ptrace)` or
 * `platform "kvm": not usable on this host: /dev/kvm: Permission denied`) and returns -ENOENT
 * (missing plugin), the plugin's -errno from init/probe/info, or -EINVAL (too many filesystems).
 */
int sentry_compose(struct plg_set *set, const struct sentry_services *svc,
		   const struct sentry_choice *choice, struct sentry_composition *ret,
		   char *msg, size_t msg_size);
