/*
 * core/sentry/compose.c: picks and initialises the plugins a Sentry is made of (compose.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sentry/compose.h"
#include "sentry/plugin.h"

/* "a, b, c" of the accepted plugins of @kind, or "none". */
static void list_kind(const struct plg_set *set, int kind, char *buf, size_t size)
{
	size_t w = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < set->plugin_count && w < size; i++) {
		if ((int)set->plugins[i].desc->kind != kind)
			continue;
		int n = snprintf(buf + w, size - w, "%s%s", w ? ", " : "", set->plugins[i].desc->name);
		if (n < 0)
			break;
		w += (size_t)n;
	}
	if (!buf[0])
		snprintf(buf, size, "none");
}

/* Finds and initialises plugin @name of @kind; on failure fills @msg. */
static int pick(struct plg_set *set, const struct sentry_services *svc, int kind,
		const char *name, const char *options, struct plg_plugin **ret, char *msg,
		size_t msg_size)
{
	const char *what = plg_kind_name(kind);
	struct plg_plugin *p = plg_set_find(set, kind, name);
	if (!p) {
		char avail[256];
		list_kind(set, kind, avail, sizeof(avail));
		snprintf(msg, msg_size, "%s \"%s\": no such plugin (available: %s)", what, name,
			 avail);
		return -ENOENT;
	}
	int rc = plg_plugin_init(p, svc, options);
	if (rc < 0) {
		snprintf(msg, msg_size, "%s \"%s\" (%s): initialisation failed: %s", what, name,
			 p->file, strerror(-rc));
		return rc;
	}
	*ret = p;
	return 0;
}

static int compose_platform(struct plg_set *set, const struct sentry_services *svc,
			    const struct sentry_choice *c, struct sentry_composition *out,
			    char *msg, size_t msg_size)
{
	int rc = pick(set, svc, SENTRY_PLUGIN_PLATFORM, c->platform, c->platform_options,
		      &out->platform, msg, msg_size);
	if (rc < 0)
		return rc;
	const struct sentry_platform_ops *ops = out->platform->desc->ops;
	if (SENTRY_OPS_HAS(ops, out->platform->desc->ops_size, probe)) {
		rc = (int)plg_check_rc(out->platform, ops->probe(out->platform->state));
		if (rc < 0) {
			snprintf(msg, msg_size, "platform \"%s\": not usable on this host: %s",
				 c->platform, strerror(-rc));
			return rc;
		}
	}
	rc = (int)plg_check_rc(out->platform, ops->info(out->platform->state, &out->platform_info));
	if (rc == 0 && out->platform_info.min_user_addr >= out->platform_info.max_user_addr)
		rc = -EINVAL;
	if (rc < 0)
		snprintf(msg, msg_size, "platform \"%s\": cannot describe itself: %s", c->platform,
			 strerror(-rc));
	return rc;
}

int sentry_compose(struct plg_set *set, const struct sentry_services *svc,
		   const struct sentry_choice *choice, struct sentry_composition *ret,
		   char *msg, size_t msg_size)
{
	struct sentry_composition out = { 0 };
	int rc = compose_platform(set, svc, choice, &out, msg, msg_size);
	if (rc == 0 && choice->net)
		rc = pick(set, svc, SENTRY_PLUGIN_NET, choice->net, NULL, &out.net, msg, msg_size);
	for (size_t i = 0; rc == 0 && choice->fs && choice->fs[i]; i++) {
		if (out.fs_count == sizeof(out.fs) / sizeof(out.fs[0])) {
			snprintf(msg, msg_size, "too many filesystem plugins (at most %zu)",
				 sizeof(out.fs) / sizeof(out.fs[0]));
			return -EINVAL;
		}
		rc = pick(set, svc, SENTRY_PLUGIN_FS, choice->fs[i], NULL, &out.fs[out.fs_count++],
			  msg, msg_size);
	}
	if (rc == 0)
		*ret = out;
	return rc;
}
