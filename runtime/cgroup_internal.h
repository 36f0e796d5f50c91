/*
 * runtime/cgroup_internal.h: what cgroup.c (making and using the cgroup) and cgroup_layout.c
 * (finding the hierarchies and the cgroup's place in them) share. Not for other users.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgroup.h"
#include "error.h"

/* The controllers the module uses, as bits. */
enum {
	CG_MEMORY = 1u << 0,
	CG_PIDS = 1u << 1,
	CG_CPUACCT = 1u << 2,
	CG_ALL = CG_MEMORY | CG_PIDS | CG_CPUACCT,
};
#define CG_NCTL 3

/* The controllers' names, indexed by bit number. */
extern const char *const g_cgroup_ctl_names[CG_NCTL];

/* rt_cgroup_set_test_hooks's; all NULL outside unit tests. */
extern struct rt_cgroup_test_hooks g_cgroup_hooks;

/* A hierarchy the cgroup lives in. */
struct cg_hier {
	unsigned ctls;	/* CG_* it serves */
	char *point;	/* mount point, owned */
	char *root;	/* the mount's root in the hierarchy (mountinfo's 4th field), owned */
};

/* The hierarchies in use: v1's for memory, pids and cpuacct (co-mounted ones once), or the one
 * cgroup2 mount. */
struct cg_layout {
	int version;			/* 1 or 2 */
	struct cg_hier h[CG_NCTL];
	size_t count;
};

/* Fills *@l from mountinfo (see cgroup.h for the rules); the caller ends it with
 * rt_cg_layout_fini. Errors: mountinfo unreadable (its errno), no usable hierarchy (status 0). */
int rt_cg_layout_detect(struct cg_layout *l, struct rt_error **err);
void rt_cg_layout_fini(struct cg_layout *l);

/* The clean cgroup path config.json asks for (cgroupsPath, container @id, the @systemd flag);
 * *@ret_relative if it is below runsc's own cgroup rather than below each hierarchy's root.
 * *@ret is the caller's. Errors (status 0): a malformed systemd path, an @id that cannot name a
 * directory. */
int rt_cg_wanted_path(const char *cgroups_path, const char *id, int systemd, char **ret,
		      bool *ret_relative, struct rt_error **err);

/* The cgroup's clean path below the mount of @h, for a @path from rt_cg_wanted_path. */
int rt_cg_subpath(const struct cg_layout *l, const struct cg_hier *h, const char *path,
		  bool relative, char **ret, struct rt_error **err);

/* @in cleaned lexically as if absolute (".." stops at the root); NULL on ENOMEM. */
char *rt_cg_clean_path(const char *in);

/* Whether @word is one of the items of @list, separated by spaces, commas or newlines. */
bool rt_cg_has_token(const char *list, const char *word);

/* Reads all of @path (or @dir/@name), NUL-terminated, into *@ret. Returns 0 or -errno. */
int rt_cg_read_all(const char *path, char **ret);
int rt_cg_read_file(const char *dir, const char *name, char **ret);

/* Sets the "out of memory" error; returns its negative value. */
int rt_cg_oom(struct rt_error **err);
