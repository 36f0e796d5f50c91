/*
 * runtime/oci_config.c: config.json into struct oci_config (see oci_config.h).
 *
 * One function per object of the spec; each validates what runc validates (or what cvisor cannot
 * honour) and names the field in its error. The Linux-specific part is in oci_linux.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "oci_config.h"
#include "oci_internal.h"
#include "oci_json.h"

/* Capability names, index = CAP_* number (capability.h, up to CAP_CHECKPOINT_RESTORE). */
static const char *const g_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
	"CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
	"CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
	"CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
	"CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

static const char *const g_rlimits[] = {
	[RLIMIT_CPU] = "RLIMIT_CPU",	       [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	[RLIMIT_DATA] = "RLIMIT_DATA",	       [RLIMIT_STACK] = "RLIMIT_STACK",
	[RLIMIT_CORE] = "RLIMIT_CORE",	       [RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
	[RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
	[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

int oci_lookup(const char *const *names, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

/* One capability set: a list of names into a bit mask. */
static int parse_capset(json_object *caps, const char *key, uint64_t *ret, struct rt_error **err)
{
	struct oci_strv v = { 0 };
	int rc = oj_strv(caps, key, "process.capabilities", 0, 0, &v, err);
	uint64_t mask = 0;
	for (size_t i = 0; rc == 0 && i < v.count; i++) {
		int cap = oci_lookup(g_caps, sizeof(g_caps) / sizeof(g_caps[0]), v.v[i]);
		if (cap < 0)
			rc = rt_error_make(err, 0,
					   "config.json: process.capabilities.%s[%zu]: unknown "
					   "capability \"%s\"",
					   key, i, v.v[i]);
		else
			mask |= 1ull << cap;
	}
	oci_strv_clear(&v);
	if (rc == 0)
		*ret = mask;
	return rc;
}

static int parse_capabilities(json_object *proc, struct oci_process *p, struct rt_error **err)
{
	json_object *caps = NULL;
	int rc = oj_object(proc, "capabilities", "process", 0, &caps, err);
	if (rc < 0 || !caps)
		return rc;
	if ((rc = parse_capset(caps, "bounding", &p->cap_bounding, err)) < 0 ||
	    (rc = parse_capset(caps, "effective", &p->cap_effective, err)) < 0 ||
	    (rc = parse_capset(caps, "inheritable", &p->cap_inheritable, err)) < 0 ||
	    (rc = parse_capset(caps, "permitted", &p->cap_permitted, err)) < 0)
		return rc;
	return parse_capset(caps, "ambient", &p->cap_ambient, err);
}

static int parse_rlimits(json_object *proc, struct oci_process *p, struct rt_error **err)
{
	json_object *a = NULL;
	int rc = oj_array(proc, "rlimits", "process", 0, &a, err);
	if (rc < 0 || !a)
		return rc;
	size_t n = json_object_array_length(a);
	p->rlimits = calloc(n ? n : 1, sizeof(*p->rlimits));
	if (!p->rlimits)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		char path[64];
		oj_path(path, sizeof(path), "process.rlimits", NULL, (long)i);
		json_object *e = json_object_array_get_idx(a, i);
		struct oci_rlimit *r = &p->rlimits[p->rlimit_count++];
		char *type = NULL;
		if (!json_object_is_type(e, json_type_object))
			return oj_fail(err, path, NULL, "expected an object");
		if ((rc = oj_string(e, "type", path, 1, &type, err)) < 0)
			return rc;
		r->resource = oci_lookup(g_rlimits, sizeof(g_rlimits) / sizeof(g_rlimits[0]), type);
		if (r->resource < 0)
			rc = oj_fail(err, path, "type", "unknown resource \"%s\"", type);
		free(type);
		if (rc < 0 || (rc = oj_u64(e, "soft", path, 1, &r->soft, err)) < 0 ||
		    (rc = oj_u64(e, "hard", path, 1, &r->hard, err)) < 0)
			return rc;
		/* setrlimit(2): EINVAL when soft exceeds hard. */
		if (r->soft > r->hard)
			return oj_fail(err, path, "soft", "%llu is above hard %llu",
				       (unsigned long long)r->soft, (unsigned long long)r->hard);
	}
	return 0;
}

static int parse_user(json_object *proc, struct oci_process *p, struct rt_error **err)
{
	json_object *u = NULL, *gids = NULL;
	int rc = oj_object(proc, "user", "process", 0, &u, err);
	if (rc < 0 || !u)
		return rc;
	if ((rc = oj_u32(u, "uid", "process.user", 1, &p->uid, err)) < 0 ||
	    (rc = oj_u32(u, "gid", "process.user", 1, &p->gid, err)) < 0 ||
	    (rc = oj_u32(u, "umask", "process.user", 0, &p->umask, err)) < 0 ||
	    (rc = oj_array(u, "additionalGids", "process.user", 0, &gids, err)) < 0)
		return rc;
	p->has_umask = oj_get(u, "umask") != NULL;
	if (p->has_umask && p->umask > 0777)
		return oj_fail(err, "process.user", "umask", "%o is not a file mode mask", p->umask);
	if (!gids)
		return 0;
	size_t n = json_object_array_length(gids);
	p->additional_gids = calloc(n ? n : 1, sizeof(uint32_t));
	if (!p->additional_gids)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		char path[64];
		oj_path(path, sizeof(path), "process.user.additionalGids", NULL, (long)i);
		rc = oj_value_u32(json_object_array_get_idx(gids, i), path,
				  &p->additional_gids[p->additional_gid_count++], err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_process(json_object *root, struct oci_process *p, struct rt_error **err)
{
	json_object *proc = NULL, *size = NULL;
	int rc = oj_object(root, "process", "", 1, &proc, err);
	if (rc < 0)
		return rc;
	if ((rc = oj_bool(proc, "terminal", "process", &p->terminal, err)) < 0 ||
	    (rc = oj_object(proc, "consoleSize", "process", 0, &size, err)) < 0 ||
	    (size && (rc = oj_u32(size, "height", "process.consoleSize", 1, &p->console_height,
				  err)) < 0) ||
	    (size && (rc = oj_u32(size, "width", "process.consoleSize", 1, &p->console_width,
				  err)) < 0) ||
	    (rc = parse_user(proc, p, err)) < 0 ||
	    (rc = oj_strv(proc, "args", "process", 1, 1, &p->args, err)) < 0 ||
	    (rc = oj_strv(proc, "env", "process", 0, 0, &p->env, err)) < 0 ||
	    (rc = oj_abspath(proc, "cwd", "process", 1, &p->cwd, err)) < 0 ||
	    (rc = parse_capabilities(proc, p, err)) < 0 || (rc = parse_rlimits(proc, p, err)) < 0 ||
	    (rc = oj_bool(proc, "noNewPrivileges", "process", &p->no_new_privileges, err)) < 0)
		return rc;
	int64_t adj = 0;
	if ((rc = oj_i64(proc, "oomScoreAdj", "process", 0, &adj, err)) < 0)
		return rc;
	if (oj_get(proc, "oomScoreAdj")) {
		if (adj < -1000 || adj > 1000)
			return oj_fail(err, "process", "oomScoreAdj", "%lld is outside -1000..1000",
				       (long long)adj);
		p->has_oom_score_adj = 1;
		p->oom_score_adj = (int)adj;
	}
	return 0;
}

static int parse_root(json_object *root, const char *bundle, struct oci_config *cfg,
		      struct rt_error **err)
{
	json_object *r = NULL;
	char *path = NULL;
	int rc = oj_object(root, "root", "", 1, &r, err);
	if (rc < 0 || (rc = oj_string(r, "path", "root", 1, &path, err)) < 0)
		return rc;
	if (!*path) {
		free(path);
		return oj_fail(err, "root", "path", "must not be empty");
	}
	/* The spec allows a path relative to the bundle. */
	if (path[0] != '/') {
		char *abs = NULL;
		rc = asprintf(&abs, "%s/%s", bundle, path);
		free(path);
		if (rc < 0)
			return rt_error_make(err, ENOMEM, "config.json");
		path = abs;
	}
	cfg->root_path = path;
	return oj_bool(r, "readonly", "root", &cfg->root_readonly, err);
}

static int parse_hook_list(json_object *hooks, const char *key, struct oci_hook **ret,
			   size_t *ret_count, struct rt_error **err)
{
	json_object *a = NULL;
	int rc = oj_array(hooks, key, "hooks", 0, &a, err);
	if (rc < 0 || !a)
		return rc;
	size_t n = json_object_array_length(a);
	*ret = calloc(n ? n : 1, sizeof(**ret));
	if (!*ret)
		return rt_error_make(err, ENOMEM, "config.json");
	for (size_t i = 0; i < n; i++) {
		char base[64], path[80];
		snprintf(base, sizeof(base), "hooks.%s", key);
		oj_path(path, sizeof(path), base, NULL, (long)i);
		json_object *e = json_object_array_get_idx(a, i);
		struct oci_hook *h = &(*ret)[(*ret_count)++];
		uint32_t timeout = 0;
		if (!json_object_is_type(e, json_type_object))
			return oj_fail(err, path, NULL, "expected an object");
		if ((rc = oj_abspath(e, "path", path, 1, &h->path, err)) < 0 ||
		    (rc = oj_strv(e, "args", path, 0, 0, &h->args, err)) < 0 ||
		    (rc = oj_strv(e, "env", path, 0, 0, &h->env, err)) < 0 ||
		    (rc = oj_u32(e, "timeout", path, 0, &timeout, err)) < 0)
			return rc;
		/* The spec: "timeout ... MUST be greater than zero" when present. */
		if (oj_get(e, "timeout") && (timeout == 0 || timeout > INT32_MAX))
			return oj_fail(err, path, "timeout", "must be a positive number of seconds");
		h->timeout = (int)timeout;
	}
	return 0;
}

static int parse_hooks(json_object *root, struct oci_hooks *h, struct rt_error **err)
{
	json_object *hooks = NULL;
	int rc = oj_object(root, "hooks", "", 0, &hooks, err);
	if (rc < 0 || !hooks)
		return rc;
	if ((rc = parse_hook_list(hooks, "prestart", &h->prestart, &h->prestart_count, err)) < 0 ||
	    (rc = parse_hook_list(hooks, "createRuntime", &h->create_runtime,
				  &h->create_runtime_count, err)) < 0 ||
	    (rc = parse_hook_list(hooks, "createContainer", &h->create_container,
				  &h->create_container_count, err)) < 0 ||
	    (rc = parse_hook_list(hooks, "startContainer", &h->start_container,
				  &h->start_container_count, err)) < 0 ||
	    (rc = parse_hook_list(hooks, "poststart", &h->poststart, &h->poststart_count, err)) < 0)
		return rc;
	return parse_hook_list(hooks, "poststop", &h->poststop, &h->poststop_count, err);
}

int oci_config_parse(const char *json, const char *bundle, struct oci_config **ret_cfg,
		     struct rt_error **err)
{
	enum json_tokener_error jerr = json_tokener_success;
	json_object *root = json_tokener_parse_verbose(json, &jerr);
	if (!root)
		return rt_error_make(err, 0, "config.json: invalid JSON: %s",
				     json_tokener_error_desc(jerr));
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return rt_error_make(err, 0, "config.json: expected a JSON object at the top level");
	}

	struct oci_config *cfg = calloc(1, sizeof(*cfg));
	if (!cfg) {
		json_object_put(root);
		return rt_error_make(err, ENOMEM, "config.json");
	}
	cfg->lx.memory_limit = -1;
	cfg->lx.pids_limit = -1;
	int rc;
	if ((rc = oj_string(root, "ociVersion", "", 1, &cfg->oci_version, err)) < 0 ||
	    (rc = parse_root(root, bundle, cfg, err)) < 0 ||
	    (rc = parse_process(root, &cfg->process, err)) < 0 ||
	    (rc = oj_string(root, "hostname", "", 0, &cfg->hostname, err)) < 0 ||
	    (rc = oj_string(root, "domainname", "", 0, &cfg->domainname, err)) < 0 ||
	    (rc = oci_parse_mounts(root, cfg, err)) < 0 ||
	    (rc = parse_hooks(root, &cfg->hooks, err)) < 0 ||
	    (rc = oj_string_map(root, "annotations", "", &cfg->annotations,
				&cfg->annotation_count, err)) < 0 ||
	    (rc = oci_parse_linux(root, &cfg->lx, err)) < 0) {
		json_object_put(root);
		oci_config_free(cfg);
		return rc;
	}
	json_object_put(root);
	*ret_cfg = cfg;
	return 0;
}

/* Reads a whole small file; refuses anything over 16 MiB (no config.json is that large). */
static int read_file(const char *path, char **ret, struct rt_error **err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rt_error_make(err, errno, "open %s", path);
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) < 0)
		rc = rt_error_make(err, errno, "stat %s", path);
	else if (!S_ISREG(st.st_mode))
		rc = rt_error_make(err, 0, "%s: not a regular file of at most 16 MiB", path);
	else if ((rc = rt_read_fd(fd, 16u << 20, ret, NULL)) < 0)
		rc = rc == -EFBIG ? rt_error_make(err, 0, "%s: not a regular file of at most 16 MiB",
						  path)
				  : rt_error_make(err, -rc, "read %s", path);
	close(fd);
	return rc;
}

int oci_config_load(const char *bundle, struct oci_config **ret_cfg, struct rt_error **err)
{
	char *abs = realpath(bundle, NULL);
	if (!abs)
		return rt_error_make(err, errno, "bundle %s", bundle);
	char *path = NULL, *text = NULL;
	int rc = asprintf(&path, "%s/config.json", abs) < 0 ? rt_error_make(err, ENOMEM, "bundle")
							     : read_file(path, &text, err);
	struct oci_config *cfg = NULL;
	if (rc == 0)
		rc = oci_config_parse(text, abs, &cfg, err);
	struct stat st;
	if (rc == 0) {
		if (stat(cfg->root_path, &st) < 0)
			rc = rt_error_make(err, errno, "config.json: root.path: rootfs %s",
					   cfg->root_path);
		else if (!S_ISDIR(st.st_mode))
			rc = rt_error_make(err, ENOTDIR, "config.json: root.path: rootfs %s",
					   cfg->root_path);
		if (rc < 0)
			oci_config_free(cfg);
	}
	free(abs);
	free(path);
	free(text);
	if (rc == 0)
		*ret_cfg = cfg;
	return rc;
}

int oci_process_load(const char *path, struct oci_process *p, struct rt_error **err)
{
	char *text = NULL;
	if (read_file(path, &text, err) < 0)
		return -1;
	json_object *proc = json_tokener_parse(text);
	free(text);
	if (!proc || !json_object_is_type(proc, json_type_object)) {
		json_object_put(proc);
		return rt_error_make(err, 0, "%s: not a JSON object", path);
	}
	/* The same rules as config.json's "process", so both give the same messages. */
	json_object *root = json_object_new_object();
	json_object_object_add(root, "process", proc);
	memset(p, 0, sizeof(*p));
	int rc = parse_process(root, p, err);
	json_object_put(root);
	if (rc < 0) {
		oci_process_clear(p);
		return rt_error_wrap(err, "%s", path);
	}
	return 0;
}

void oci_process_clear(struct oci_process *p)
{
	free(p->additional_gids);
	oci_strv_clear(&p->args);
	oci_strv_clear(&p->env);
	free(p->cwd);
	free(p->rlimits);
	memset(p, 0, sizeof(*p));
}

static void free_hooks(struct oci_hook *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].path);
		oci_strv_clear(&h[i].args);
		oci_strv_clear(&h[i].env);
	}
	free(h);
}

void oci_keyval_free(struct oci_keyval *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void oci_config_free(struct oci_config *cfg)
{
	if (!cfg)
		return;
	oci_process_clear(&cfg->process);
	for (size_t i = 0; i < cfg->mount_count; i++) {
		free(cfg->mounts[i].destination);
		free(cfg->mounts[i].type);
		free(cfg->mounts[i].source);
		free(cfg->mounts[i].data);
		oci_strv_clear(&cfg->mounts[i].options);
	}
	free(cfg->mounts);
	struct oci_hooks *h = &cfg->hooks;
	free_hooks(h->prestart, h->prestart_count);
	free_hooks(h->create_runtime, h->create_runtime_count);
	free_hooks(h->create_container, h->create_container_count);
	free_hooks(h->start_container, h->start_container_count);
	free_hooks(h->poststart, h->poststart_count);
	free_hooks(h->poststop, h->poststop_count);
	oci_keyval_free(cfg->annotations, cfg->annotation_count);
	oci_linux_clear(&cfg->lx);
	free(cfg->oci_version);
	free(cfg->root_path);
	free(cfg->hostname);
	free(cfg->domainname);
	free(cfg);
}
