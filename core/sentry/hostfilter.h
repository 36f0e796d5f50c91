/*
 * core/sentry/hostfilter.h: the seccomp filter that confines a cvisor process on the host.
 *
 * Once set up, the Sentry (and, with a smaller filter, each Gofer) may make only the host system
 * calls its parts declared: a base every process of ours needs (memory, signals, threads, time),
 * the Sentry's core, each plugin it initialised (sentry_plugin.host_rules) and what runsc's
 * sandbox process adds (its control socket). The filter is their union, built with libseccomp
 * and installed on every thread at once (TSYNC). A call outside it kills the process; in trap
 * mode (runsc --debug) it is logged by number and name and fails with ENOSYS instead, so one
 * run lists every missing rule.
 */
#pragma once

#include <stddef.h>

#include "plugin/plugin.h"
#include "sentry/plugin.h"

/* Rules from one declarer, named in --debug output and in errors. */
struct hostfilter_set {
	const char *owner;			/* "core", "runsc", a plugin's name */
	const struct sentry_host_rule *rules;
	size_t count;
};

enum {
	HOSTFILTER_TRAP = 1,	/* log a call outside the filter and fail it with ENOSYS */
	HOSTFILTER_PRINT = 2,	/* log every rule at debug level before installing */
};

/* What every cvisor process needs after confinement, whatever its role. */
extern const struct hostfilter_set hostfilter_base;
/* The Sentry's core: the task loop, the VFS's host-backed files, the memory file. */
extern const struct hostfilter_set hostfilter_sentry;


/* Checks every rule of @sets: a call number libseccomp knows, at most 3 conditions on
 * arguments 0..5 with a known comparison. Returns 0, or -EINVAL with @msg naming the owner and
 * the rule. */
int hostfilter_check(const struct hostfilter_set *sets, size_t n, char *msg, size_t size);

/* Sets no_new_privs and installs the union of @sets on every thread of the process. Returns 0,
 * or -errno with @msg saying what failed; on failure nothing is installed. */
int hostfilter_install(const struct hostfilter_set *sets, size_t n, int flags, char *msg,
		       size_t size);

/* hostfilter_install of the @n sets in @own and those of every initialised plugin of @set
 * that declares rules (-E2BIG past HOSTFILTER_MAX_SETS in all). */
int hostfilter_install_with(const struct plg_set *set, const struct hostfilter_set *own,
			    size_t n, int flags, char *msg, size_t size);

#define HOSTFILTER_MAX_SETS 16
