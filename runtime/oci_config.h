/*
 * runtime/oci_config.h: the OCI runtime spec's config.json, parsed once into typed structs (as
 * crun does with libocispec), validated field by field. After oci_config_load() succeeds nothing
 * else in runsc touches JSON.
 *
 * Only the Linux parts of the spec are kept. Unknown fields are ignored, as runc does (the spec
 * allows extensions); fields of the wrong type, out-of-range values, relative paths where the
 * spec wants absolute ones, and unknown enumeration values are errors naming the field, e.g.
 * "config.json: process.user.uid: expected an integer in 0..4294967295".
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A NULL-terminated array of strings and its length. */
struct oci_strv {
	char **v;
	size_t count;
};

struct oci_rlimit {
	int resource;		/* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

struct oci_process {
	int terminal;
	uint32_t console_height, console_width;
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t additional_gid_count;
	int has_umask;
	uint32_t umask;
	struct oci_strv args;		/* at least one */
	struct oci_strv env;		/* "NAME=value" */
	char *cwd;			/* absolute */
	/* Capability sets as bit masks of CAP_* numbers. */
	uint64_t cap_bounding, cap_effective, cap_inheritable, cap_permitted, cap_ambient;
	struct oci_rlimit *rlimits;
	size_t rlimit_count;
	int no_new_privileges;
	int has_oom_score_adj;
	int oom_score_adj;
};

struct oci_mount {
	char *destination;		/* absolute */
	char *type;			/* "bind", "tmpfs", "proc", ...; NULL: bind if options say so */
	char *source;			/* may be NULL */
	struct oci_strv options;	/* raw, as given */
	/* Decoded from options. */
	uint64_t flags;			/* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC */
	char *data;			/* the remaining options ("size=64m,mode=755"), or NULL */
};

struct oci_hook {
	char *path;			/* absolute */
	struct oci_strv args;
	struct oci_strv env;
	int timeout;			/* seconds, 0 = none */
};

struct oci_hooks {
	struct oci_hook *prestart, *create_runtime, *create_container, *start_container,
		*poststart, *poststop;
	size_t prestart_count, create_runtime_count, create_container_count,
		start_container_count, poststart_count, poststop_count;
};

enum oci_ns_type {
	OCI_NS_PID, OCI_NS_NETWORK, OCI_NS_MOUNT, OCI_NS_IPC, OCI_NS_UTS, OCI_NS_USER,
	OCI_NS_CGROUP, OCI_NS_TIME, OCI_NS_COUNT
};

struct oci_namespace {
	int type;			/* enum oci_ns_type */
	char *path;			/* join this one, or NULL for a new one */
};

struct oci_idmap {
	uint32_t container_id, host_id, size;
};

struct oci_keyval {
	char *key;
	char *value;
};

struct oci_seccomp_arg {
	uint32_t index;			/* 0..5 */
	uint64_t value, value_two;
	int op;				/* SCMP_CMP_* */
};

struct oci_seccomp_rule {
	struct oci_strv names;
	uint32_t action;		/* SCMP_ACT_* value (with errno for SCMP_ACT_ERRNO) */
	struct oci_seccomp_arg *args;
	size_t arg_count;
};

struct oci_seccomp {
	uint32_t default_action;	/* SCMP_ACT_* */
	struct oci_strv architectures;
	struct oci_strv flags;
	struct oci_seccomp_rule *rules;
	size_t rule_count;
};

struct oci_linux {
	struct oci_namespace *namespaces;
	size_t namespace_count;
	struct oci_idmap *uid_mappings, *gid_mappings;
	size_t uid_mapping_count, gid_mapping_count;
	struct oci_keyval *sysctl;
	size_t sysctl_count;
	int64_t memory_limit;		/* bytes, -1 = unlimited / unset */
	int64_t pids_limit;		/* -1 = unlimited / unset */
	char *cgroups_path;
	struct oci_strv masked_paths;	/* absolute */
	struct oci_strv readonly_paths;	/* absolute */
	struct oci_seccomp *seccomp;	/* NULL when absent */
};

struct oci_config {
	char *oci_version;
	char *root_path;		/* absolute: a relative root.path is resolved against the bundle */
	int root_readonly;
	char *hostname;
	char *domainname;
	struct oci_process process;
	struct oci_mount *mounts;
	size_t mount_count;
	struct oci_hooks hooks;
	struct oci_keyval *annotations;
	size_t annotation_count;
	struct oci_linux lx;	/* "linux" ("linux" itself is a predefined macro in GNU C) */
};

/* Reads and validates BUNDLE/config.json. Returns 0 or a negative error with *@err set to one
 * line naming the file and the field. The rootfs must exist and be a directory. */
int oci_config_load(const char *bundle, struct oci_config **ret_cfg, struct rt_error **err);

/* Parses config.json text @json for a bundle at absolute path @bundle (for a relative
 * root.path). Does not look at the filesystem. */
int oci_config_parse(const char *json, const char *bundle, struct oci_config **ret_cfg,
		     struct rt_error **err);

void oci_config_free(struct oci_config *cfg);

/* Reads a process JSON file (`runsc exec --process`), validated as config.json's "process". */
int oci_process_load(const char *path, struct oci_process *p, struct rt_error **err);
void oci_process_clear(struct oci_process *p);

/* The default config.json of `runsc spec` (a busybox-friendly sh in rootfs), as text the caller
 * frees. NULL on ENOMEM. */
char *oci_config_default(void);
