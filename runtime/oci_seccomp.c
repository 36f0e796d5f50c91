/*
 * runtime/oci_seccomp.c: linux.seccomp, the application's own seccomp profile (enforced by the
 * Sentry, not the host). Actions are kept as the kernel's SECCOMP_RET_* values, comparison
 * operators as libseccomp's SCMP_CMP_* numbers, so the Sentry's filter builder needs no
 * translation table of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_internal.h"
#include "oci_json.h"

#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000u
#endif

static const struct {
	const char *name;
	uint32_t ret;
	int takes_errno;	/* 1: ERRNO (default EPERM), 2: TRACE (default 0) */
} g_actions[] = {
	{ "SCMP_ACT_KILL", SECCOMP_RET_KILL_THREAD, 0 },
	{ "SCMP_ACT_KILL_THREAD", SECCOMP_RET_KILL_THREAD, 0 },
	{ "SCMP_ACT_KILL_PROCESS", SECCOMP_RET_KILL_PROCESS, 0 },
	{ "SCMP_ACT_TRAP", SECCOMP_RET_TRAP, 0 },
	{ "SCMP_ACT_ERRNO", SECCOMP_RET_ERRNO, 1 },
	{ "SCMP_ACT_TRACE", SECCOMP_RET_TRACE, 2 },
	{ "SCMP_ACT_ALLOW", SECCOMP_RET_ALLOW, 0 },
	{ "SCMP_ACT_LOG", SECCOMP_RET_LOG, 0 },
	{ "SCMP_ACT_NOTIFY", SECCOMP_RET_USER_NOTIF, 0 },
};

/* SCMP_CMP_NE is 1 ... SCMP_CMP_MASKED_EQ is 7 in libseccomp. */
static const char *const g_ops[] = {
	NULL, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
	"SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};

static const char *const g_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* An action name at @key plus its optional errno at @errno_key into a SECCOMP_RET_* value. */
static int parse_action(json_object *o, const char *path, const char *key, const char *errno_key,
			uint32_t *ret, struct rt_error **err)
{
	char *name = NULL;
	int rc = oj_string(o, key, path, 1, &name, err);
	if (rc < 0)
		return rc;
	size_t k;
	for (k = 0; k < sizeof(g_actions) / sizeof(g_actions[0]); k++)
		if (strcmp(name, g_actions[k].name) == 0)
			break;
	if (k == sizeof(g_actions) / sizeof(g_actions[0])) {
		rc = oj_fail(err, path, key, "unknown action \"%s\"", name);
		free(name);
		return rc;
	}
	free(name);
	uint32_t data = g_actions[k].takes_errno == 1 ? EPERM : 0;
	if ((rc = oj_u32(o, errno_key, path, 0, &data, err)) < 0)
		return rc;
	if (data > SECCOMP_RET_DATA)
		return oj_fail(err, path, errno_key, "must fit in 16 bits");
	*ret = g_actions[k].ret | (g_actions[k].takes_errno ? data : 0);
	return 0;
}

static int parse_args(json_object *e, const char *path, struct oci_seccomp_rule *r,
		      struct rt_error **err)
{
	json_object *a = NULL;
	int rc = oj_array(e, "args", path, 0, &a, err);
	if (rc < 0 || !a)
		return rc;
	size_t n = json_object_array_length(a);
	r->args = calloc(n ? n : 1, sizeof(*r->args));
	if (!r->args)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		char base[80], apath[96], *op = NULL;
		snprintf(base, sizeof(base), "%s.args", path);
		oj_path(apath, sizeof(apath), base, NULL, (long)i);
		json_object *ae = json_object_array_get_idx(a, i);
		struct oci_seccomp_arg *arg = &r->args[r->arg_count++];
		if (!json_object_is_type(ae, json_type_object))
			return oj_fail(err, apath, NULL, "expected an object");
		if ((rc = oj_u32(ae, "index", apath, 1, &arg->index, err)) < 0 ||
		    (rc = oj_u64(ae, "value", apath, 1, &arg->value, err)) < 0 ||
		    (rc = oj_u64(ae, "valueTwo", apath, 0, &arg->value_two, err)) < 0 ||
		    (rc = oj_string(ae, "op", apath, 1, &op, err)) < 0)
			return rc;
		arg->op = oci_lookup(g_ops, sizeof(g_ops) / sizeof(g_ops[0]), op);
		if (arg->op < 0)
			rc = oj_fail(err, apath, "op", "unknown operator \"%s\"", op);
		free(op);
		if (rc < 0)
			return rc;
		if (arg->index > 5)
			return oj_fail(err, apath, "index", "%u is not an argument number (0..5)",
				       arg->index);
	}
	return 0;
}

static int parse_rules(json_object *sc, struct oci_seccomp *out, struct rt_error **err)
{
	json_object *a = NULL;
	int rc = oj_array(sc, "syscalls", "linux.seccomp", 0, &a, err);
	if (rc < 0 || !a)
		return rc;
	size_t n = json_object_array_length(a);
	out->rules = calloc(n ? n : 1, sizeof(*out->rules));
	if (!out->rules)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		char path[64];
		oj_path(path, sizeof(path), "linux.seccomp.syscalls", NULL, (long)i);
		json_object *e = json_object_array_get_idx(a, i);
		struct oci_seccomp_rule *r = &out->rules[out->rule_count++];
		if (!json_object_is_type(e, json_type_object))
			return oj_fail(err, path, NULL, "expected an object");
		if ((rc = oj_strv(e, "names", path, 1, 1, &r->names, err)) < 0 ||
		    (rc = parse_action(e, path, "action", "errnoRet", &r->action, err)) < 0 ||
		    (rc = parse_args(e, path, r, err)) < 0)
			return rc;
	}
	return 0;
}

int oci_parse_seccomp(json_object *lxo, struct oci_seccomp **ret, struct rt_error **err)
{
	json_object *sc = NULL;
	int rc = oj_object(lxo, "seccomp", "linux", 0, &sc, err);
	if (rc < 0 || !sc)
		return rc;
	struct oci_seccomp *out = calloc(1, sizeof(*out));
	if (!out)
		return rt_error_make(err, ENOMEM, "config.json");
	*ret = out;	/* freed with the config on error */
	if ((rc = parse_action(sc, "linux.seccomp", "defaultAction", "defaultErrnoRet",
				 &out->default_action, err)) < 0 ||
	    (rc = oj_strv(sc, "architectures", "linux.seccomp", 0, 0, &out->architectures, err)) < 0 ||
	    (rc = oj_strv(sc, "flags", "linux.seccomp", 0, 0, &out->flags, err)) < 0)
		return rc;
	for (size_t i = 0; i < out->flags.count; i++)
		if (oci_lookup(g_flags, sizeof(g_flags) / sizeof(g_flags[0]), out->flags.v[i]) < 0)
			return rt_error_make(err, 0,
					     "config.json: linux.seccomp.flags[%zu]: unknown flag "
					     "\"%s\"",
					     i, out->flags.v[i]);
	return parse_rules(sc, out, err);
}

void oci_seccomp_free(struct oci_seccomp *sc)
{
	if (!sc)
		return;
	oci_strv_clear(&sc->architectures);
	oci_strv_clear(&sc->flags);
	for (size_t i = 0; i < sc->rule_count; i++) {
		oci_strv_clear(&sc->rules[i].names);
		free(sc->rules[i].args);
	}
	free(sc->rules);
	free(sc);
}
