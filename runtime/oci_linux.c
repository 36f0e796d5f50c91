/*
 * runtime/oci_linux.c: the Linux-specific parts of config.json: mounts, namespaces, ID mappings,
 * sysctl, resources, masked and read-only paths, and the application's seccomp profile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "oci_internal.h"
#include "oci_json.h"

/* Filesystem types cvisor can mount inside the sandbox (issue: bind, tmpfs, proc, sysfs,
 * devpts, mqueue, cgroup). */
static const char *const g_mount_types[] = {
	"bind", "tmpfs", "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2", "none",
};

/* Mount options that are flags; everything else is filesystem data ("size=64m"). */
static const struct {
	const char *name;
	uint64_t set, clear;
} g_mount_flags[] = {
	{ "ro", MS_RDONLY, 0 },	     { "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },  { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },    { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },  { "exec", 0, MS_NOEXEC },
	{ "bind", MS_BIND, 0 },	     { "rbind", MS_BIND | MS_REC, 0 },
	/* Accepted and without effect in the sandbox: propagation stays private, atime
	 * behaviour is the filesystem's, sync semantics are the Gofer's. */
	{ "private", 0, 0 },	     { "rprivate", 0, 0 },
	{ "shared", 0, 0 },	     { "rshared", 0, 0 },
	{ "slave", 0, 0 },	     { "rslave", 0, 0 },
	{ "unbindable", 0, 0 },	     { "runbindable", 0, 0 },
	{ "relatime", 0, 0 },	     { "norelatime", 0, 0 },
	{ "noatime", 0, 0 },	     { "atime", 0, 0 },
	{ "strictatime", 0, 0 },     { "nostrictatime", 0, 0 },
	{ "nodiratime", 0, 0 },	     { "diratime", 0, 0 },
	{ "defaults", 0, 0 },	     { "sync", 0, 0 },
	{ "async", 0, 0 },	     { "dirsync", 0, 0 },
};

/* Splits @m->options into flags and the data string. */
static int decode_mount_options(struct oci_mount *m, struct rt_error **err)
{
	size_t data_len = 0;
	for (size_t i = 0; i < m->options.count; i++) {
		const char *o = m->options.v[i];
		size_t k;
		for (k = 0; k < sizeof(g_mount_flags) / sizeof(g_mount_flags[0]); k++) {
			if (strcmp(o, g_mount_flags[k].name) == 0) {
				m->flags = (m->flags | g_mount_flags[k].set) & ~g_mount_flags[k].clear;
				break;
			}
		}
		if (k < sizeof(g_mount_flags) / sizeof(g_mount_flags[0]) || !*o)
			continue;
		char *d = realloc(m->data, data_len + strlen(o) + 2);
		if (!d)
			return rt_error_make(err, ENOMEM, "config.json");
		m->data = d;
		data_len += (size_t)sprintf(d + data_len, "%s%s", data_len ? "," : "", o);
	}
	return 0;
}

static int parse_mount(json_object *e, const char *path, struct oci_mount *m,
		       struct rt_error **err)
{
	int rc;
	if (!json_object_is_type(e, json_type_object))
		return oj_fail(err, path, NULL, "expected an object");
	if ((rc = oj_abspath(e, "destination", path, 1, &m->destination, err)) < 0 ||
	    (rc = oj_string(e, "type", path, 0, &m->type, err)) < 0 ||
	    (rc = oj_string(e, "source", path, 0, &m->source, err)) < 0 ||
	    (rc = oj_strv(e, "options", path, 0, 0, &m->options, err)) < 0 ||
	    (rc = decode_mount_options(m, err)) < 0)
		return rc;
	const char *type = m->type ? m->type : "none";
	if (oci_lookup(g_mount_types, sizeof(g_mount_types) / sizeof(g_mount_types[0]), type) < 0)
		return oj_fail(err, path, "type", "unsupported filesystem type \"%s\"", type);
	if (strcmp(type, "bind") == 0)
		m->flags |= MS_BIND;
	if (strcmp(type, "none") == 0 && !(m->flags & MS_BIND))
		return oj_fail(err, path, "type", "missing, and options do not say bind or rbind");
	if ((m->flags & MS_BIND) && (!m->source || !*m->source))
		return oj_fail(err, path, "source", "missing (required for a bind mount)");
	return 0;
}

int oci_parse_mounts(json_object *root, struct oci_config *cfg, struct rt_error **err)
{
	json_object *a = NULL;
	int rc = oj_array(root, "mounts", "", 0, &a, err);
	if (rc < 0 || !a)
		return rc;
	size_t n = json_object_array_length(a);
	cfg->mounts = calloc(n ? n : 1, sizeof(*cfg->mounts));
	if (!cfg->mounts)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		char path[32];
		oj_path(path, sizeof(path), "mounts", NULL, (long)i);
		rc = parse_mount(json_object_array_get_idx(a, i), path, &cfg->mounts[cfg->mount_count++],
				 err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static const char *const g_ns_names[OCI_NS_COUNT] = {
	[OCI_NS_PID] = "pid",	  [OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
	[OCI_NS_IPC] = "ipc",	  [OCI_NS_UTS] = "uts",		[OCI_NS_USER] = "user",
	[OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

static int parse_namespaces(json_object *lxo, struct oci_linux *lx, struct rt_error **err)
{
	json_object *a = NULL;
	int rc = oj_array(lxo, "namespaces", "linux", 0, &a, err);
	if (rc < 0 || !a)
		return rc;
	size_t n = json_object_array_length(a);
	lx->namespaces = calloc(n ? n : 1, sizeof(*lx->namespaces));
	if (!lx->namespaces)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		char path[48], *type = NULL;
		oj_path(path, sizeof(path), "linux.namespaces", NULL, (long)i);
		json_object *e = json_object_array_get_idx(a, i);
		struct oci_namespace *ns = &lx->namespaces[lx->namespace_count++];
		if (!json_object_is_type(e, json_type_object))
			return oj_fail(err, path, NULL, "expected an object");
		if ((rc = oj_string(e, "type", path, 1, &type, err)) < 0)
			return rc;
		ns->type = oci_lookup(g_ns_names, OCI_NS_COUNT, type);
		if (ns->type < 0)
			rc = oj_fail(err, path, "type", "unknown namespace type \"%s\"", type);
		for (size_t j = 0; rc == 0 && j + 1 < lx->namespace_count; j++)
			if (lx->namespaces[j].type == ns->type)
				rc = oj_fail(err, path, "type", "duplicate namespace \"%s\"", type);
		free(type);
		if (rc < 0 || (rc = oj_abspath(e, "path", path, 0, &ns->path, err)) < 0)
			return rc;
	}
	return 0;
}

static int parse_idmaps(json_object *lxo, const char *key, struct oci_idmap **ret,
			size_t *ret_count, struct rt_error **err)
{
	json_object *a = NULL;
	int rc = oj_array(lxo, key, "linux", 0, &a, err);
	if (rc < 0 || !a)
		return rc;
	size_t n = json_object_array_length(a);
	*ret = calloc(n ? n : 1, sizeof(**ret));
	if (!*ret)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		char base[32], path[48];
		snprintf(base, sizeof(base), "linux.%s", key);
		oj_path(path, sizeof(path), base, NULL, (long)i);
		json_object *e = json_object_array_get_idx(a, i);
		struct oci_idmap *m = &(*ret)[(*ret_count)++];
		if (!json_object_is_type(e, json_type_object))
			return oj_fail(err, path, NULL, "expected an object");
		if ((rc = oj_u32(e, "containerID", path, 1, &m->container_id, err)) < 0 ||
		    (rc = oj_u32(e, "hostID", path, 1, &m->host_id, err)) < 0 ||
		    (rc = oj_u32(e, "size", path, 1, &m->size, err)) < 0)
			return rc;
		/* user_namespaces(7): a line's count must be positive and ranges must not wrap. */
		if (m->size == 0 || m->container_id > UINT32_MAX - m->size ||
		    m->host_id > UINT32_MAX - m->size)
			return oj_fail(err, path, "size", "must be positive and keep both ranges "
							  "below 2^32");
	}
	return 0;
}

static int parse_resources(json_object *lxo, struct oci_linux *lx, struct rt_error **err)
{
	json_object *res = NULL, *mem = NULL, *pids = NULL;
	int rc = oj_object(lxo, "resources", "linux", 0, &res, err);
	if (rc < 0 || !res)
		return rc;
	if ((rc = oj_object(res, "memory", "linux.resources", 0, &mem, err)) < 0 ||
	    (rc = oj_object(res, "pids", "linux.resources", 0, &pids, err)) < 0 ||
	    (mem && (rc = oj_i64(mem, "limit", "linux.resources.memory", 0, &lx->memory_limit,
				 err)) < 0) ||
	    (pids && (rc = oj_i64(pids, "limit", "linux.resources.pids", 1, &lx->pids_limit,
				  err)) < 0))
		return rc;
	/* -1 means unlimited in both; cgroup v2 also takes 0 for pids.max but not for memory. */
	if (lx->memory_limit == 0 || lx->memory_limit < -1)
		return oj_fail(err, "linux.resources.memory", "limit",
			       "must be a positive number of bytes or -1");
	if (lx->pids_limit < -1)
		return oj_fail(err, "linux.resources.pids", "limit", "must be >= 0 or -1");
	return 0;
}

/* Each entry of a path list must be absolute. */
static int parse_paths(json_object *lxo, const char *key, struct oci_strv *ret,
		       struct rt_error **err)
{
	int rc = oj_strv(lxo, key, "linux", 0, 0, ret, err);
	for (size_t i = 0; rc == 0 && i < ret->count; i++)
		if (ret->v[i][0] != '/')
			rc = rt_error_make(err, 0,
					   "config.json: linux.%s[%zu]: \"%s\" is not an absolute "
					   "path",
					   key, i, ret->v[i]);
	return rc;
}

int oci_parse_linux(json_object *root, struct oci_linux *lx, struct rt_error **err)
{
	json_object *lxo = NULL;
	int rc = oj_object(root, "linux", "", 0, &lxo, err);
	if (rc < 0 || !lxo)
		return rc;
	if ((rc = parse_namespaces(lxo, lx, err)) < 0 ||
	    (rc = parse_idmaps(lxo, "uidMappings", &lx->uid_mappings, &lx->uid_mapping_count,
			       err)) < 0 ||
	    (rc = parse_idmaps(lxo, "gidMappings", &lx->gid_mappings, &lx->gid_mapping_count,
			       err)) < 0 ||
	    (rc = oj_string_map(lxo, "sysctl", "linux", &lx->sysctl, &lx->sysctl_count, err)) < 0 ||
	    (rc = parse_resources(lxo, lx, err)) < 0 ||
	    (rc = oj_string(lxo, "cgroupsPath", "linux", 0, &lx->cgroups_path, err)) < 0 ||
	    (rc = parse_paths(lxo, "maskedPaths", &lx->masked_paths, err)) < 0 ||
	    (rc = parse_paths(lxo, "readonlyPaths", &lx->readonly_paths, err)) < 0 ||
	    (rc = oci_parse_seccomp(lxo, &lx->seccomp, err)) < 0)
		return rc;

	int userns = 0;
	for (size_t i = 0; i < lx->namespace_count; i++)
		userns |= lx->namespaces[i].type == OCI_NS_USER;
	if ((lx->uid_mapping_count || lx->gid_mapping_count) && !userns)
		return rt_error_make(err, 0, "config.json: linux.%s: ID mappings need a user "
					     "namespace in linux.namespaces",
				     lx->uid_mapping_count ? "uidMappings" : "gidMappings");
	return 0;
}

void oci_linux_clear(struct oci_linux *lx)
{
	for (size_t i = 0; i < lx->namespace_count; i++)
		free(lx->namespaces[i].path);
	free(lx->namespaces);
	free(lx->uid_mappings);
	free(lx->gid_mappings);
	oci_keyval_free(lx->sysctl, lx->sysctl_count);
	free(lx->cgroups_path);
	oci_strv_clear(&lx->masked_paths);
	oci_strv_clear(&lx->readonly_paths);
	oci_seccomp_free(lx->seccomp);
	memset(lx, 0, sizeof(*lx));
}
