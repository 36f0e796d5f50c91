/*
 * runtime/cgroup.h: the sandbox's host cgroup. runsc puts the Sentry and its Gofers in it, applies
 * config.json's linux.resources memory and pids limits, reads it for `runsc events --stats`,
 * kills what is left in it on `runsc delete --force`, and removes it.
 *
 * The hierarchy is detected at run time from /proc/self/mountinfo:
 *  - cgroup v1 when a "cgroup" mount carries the memory or pids controller. Each of memory, pids
 *    and cpuacct is used in the mount that carries it (co-mounted controllers share one
 *    directory); a controller that is not mounted is left out. A cgroup2 mount next to them (the
 *    empty "unified" one of hybrid systems) is ignored.
 *  - cgroup v2 otherwise, in a "cgroup2" mount, preferring one whose cgroup.controllers offers
 *    memory or pids. The parents get "+memory +pids" in cgroup.subtree_control as needed.
 *
 * Where the cgroup is, relative to the root of each hierarchy (runc's cgroupfs and systemd rules):
 *  - cgroupsPath absolute ("/libpod_parent/libpod-ID"): that path below the mount;
 *  - cgroupsPath relative: below runsc's own cgroup (/proc/self/cgroup, seen through the mount's
 *    root field);
 *  - cgroupsPath empty: "/cvisor/ID";
 *  - with the systemd flag, "slice:prefix:name" is "/SLICE-PATH/prefix-name.scope", the slice
 *    expanded as systemd does ("a-b.slice" is "a.slice/a-b.slice"); an empty slice is
 *    system.slice, an empty prefix gives "name.scope", a name ending in ".slice" is used as is,
 *    and an empty cgroupsPath is "system.slice:cvisor:ID". No D-Bus: the directories are made
 *    directly, so this works on machines without systemd.
 * Paths are cleaned lexically as if absolute, so ".." never climbs above the hierarchy's root
 * (or, for a relative path, above runsc's own cgroup).
 *
 * Functions return 0 or a negative value with *err set (runtime/error.h); messages start with
 * "cgroup: " and name the file and the errno, e.g.
 * "cgroup: /sys/fs/cgroup/memory/x/memory.limit_in_bytes: Device or resource busy".
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* The smallest memory limit accepted, as runc: below this the container cannot even start. */
#define RT_CGROUP_MIN_MEMORY (6 * 1024 * 1024)

/* A cgroup made (or reused) by rt_cgroup_create or reopened by rt_cgroup_open. Opaque. */
struct rt_cgroup;

/* What rt_cgroup_create writes. */
struct rt_cgroup_limits {
	/* Bytes, -1 = leave as is; 0 up to RT_CGROUP_MIN_MEMORY - 1 is refused. v1 writes
	 * memory.limit_in_bytes and, when it exists, memory.memsw.limit_in_bytes with the same
	 * value; v2 writes memory.max and, when it exists, memory.swap.max = 0. Either way swap
	 * cannot escape the limit. */
	int64_t memory;
	/* pids.max, -1 = leave as is; 0 is allowed (no new process at all). */
	int64_t pids;
};

/* A snapshot for `runsc events --stats`. A controller that is not available reads as 0 usage and
 * no limit. */
struct rt_cgroup_stats {
	/* Bytes: v1 memory.usage_in_bytes, v2 memory.current. */
	uint64_t memory_usage;
	/* Bytes: v1 memory.max_usage_in_bytes, v2 memory.peak (0 without it, before 5.19). */
	uint64_t memory_max_usage;
	/* Bytes, UINT64_MAX = none. */
	uint64_t memory_limit;
	/* pids.current: tasks, zombies not yet reaped included. */
	uint64_t pids_current;
	/* pids.max, UINT64_MAX = none. */
	uint64_t pids_limit;
	/* v1 cpuacct.usage, v2 cpu.stat usage_usec * 1000. */
	uint64_t cpu_usage_ns;
	/* Page cache bytes: memory.stat total_cache (v1), file (v2). */
	uint64_t memory_cache;
	/* Anonymous memory bytes: memory.stat total_rss (v1), anon (v2). */
	uint64_t memory_rss;
};

/* Makes the cgroup of container @id at @cgroups_path (see the top of this file; NULL is the same
 * as ""), with the systemd rules if @systemd, or reuses it if it exists, then writes *@lim
 * (NULL: nothing). Directories are made like mkdir -p and remembered, so rt_cgroup_destroy removes
 * only those. @id is used only for the default paths. On success *@ret is a new cgroup the caller
 * frees with rt_cgroup_free. Errors whose message says it all (status 0): a malformed systemd
 * path (naming it), an @id that cannot name a directory, a memory limit too low ("cgroup: memory
 * limit too low: N bytes, the minimum is 6291456 (6 MiB)", before any directory is made), no
 * usable hierarchy, a limit for a controller that is not there. Errors with the errno: mountinfo
 * unreadable, a failed mkdir or write (naming the path). What was made before a failure is
 * removed again. */
int rt_cgroup_create(const char *cgroups_path, const char *id, int systemd,
		     const struct rt_cgroup_limits *lim, struct rt_cgroup **ret,
		     struct rt_error **err);

/* rt_cgroup_create, calling @note(handle, @arg) before the first directory is made, with a
 * handle that names what is about to be made: a caller killed in the middle has then recorded
 * what to remove (rt_cgroup_destroy skips what was never made). A non-zero return from @note
 * stops there, with nothing made, and is returned. */
int rt_cgroup_create_noted(const char *cgroups_path, const char *id, int systemd,
			   const struct rt_cgroup_limits *lim,
			   int (*note)(const char *handle, void *arg), void *arg,
			   struct rt_cgroup **ret, struct rt_error **err);

/* A one-line printable ASCII string that rt_cgroup_open turns back into this cgroup in another
 * runsc process (for the container state). It lists the hierarchy version, and per directory its
 * controllers, how many trailing components were made, and the path:
 * "cgroup1 memory:2:/sys/fs/cgroup/memory/cvisor/ID pids:2:/sys/fs/cgroup/pids/cvisor/ID" or
 * "cgroup2 unified:1:/sys/fs/cgroup/cvisor/ID". Spaces, '%' and bytes of paths that are not
 * printable ASCII are written %XX. Owned by @cg, valid until rt_cgroup_free. */
const char *rt_cgroup_handle(const struct rt_cgroup *cg);

/* Reopens a cgroup from rt_cgroup_handle's string. The directories need not exist any more (so
 * a later destroy can return 0). Errors: "cgroup: bad handle \"...\"" (status 0). */
int rt_cgroup_open(const char *handle, struct rt_cgroup **ret, struct rt_error **err);

/* Moves process @pid (all its threads) into the cgroup in every hierarchy. */
int rt_cgroup_join(struct rt_cgroup *cg, pid_t pid, struct rt_error **err);

/* Fills *@st. Missing controller files read as in struct rt_cgroup_stats; a directory that is
 * gone is an error (ENOENT, naming it). */
int rt_cgroup_stats(struct rt_cgroup *cg, struct rt_cgroup_stats *st, struct rt_error **err);

/* The processes in the cgroup: the union of cgroup.procs over its directories, sorted and
 * deduplicated. On success *@ret (NULL when there are none) is an array of *@ret_count PIDs the
 * caller frees. */
int rt_cgroup_pids(struct rt_cgroup *cg, pid_t **ret, size_t *ret_count, struct rt_error **err);

/* SIGKILLs everything in the cgroup and waits until cgroup.procs is empty, for at most about 2 s
 * (EBUSY "... processes remain after SIGKILL" after that). v2 writes cgroup.kill when it exists,
 * which also catches processes forking meanwhile; otherwise (v1, older v2) it loops over
 * cgroup.procs. The calling process itself is never killed, even if it is in the cgroup.
 * Killed children of the caller stay zombies until the caller reaps them. For delete --force. */
int rt_cgroup_kill(struct rt_cgroup *cg, struct rt_error **err);

/* Removes the directories rt_cgroup_create made, leaf first; a parent that is still in use (by
 * another container) is left. A busy leaf (processes still exiting) is retried for about 1 s in
 * total, then EBUSY naming it. Returns 0 as well when they are already gone. */
int rt_cgroup_destroy(struct rt_cgroup *cg, struct rt_error **err);

/* Frees @cg (NULL is fine); the cgroup itself stays. */
void rt_cgroup_free(struct rt_cgroup *cg);

/*
 * For unit tests only: run against a fake tree of regular files instead of the kernel's.
 */
struct rt_cgroup_test_hooks {
	/* Read instead of /proc/self/mountinfo (NULL: that one). */
	const char *mountinfo;
	/* Read instead of /proc/self/cgroup (NULL: that one). */
	const char *self_cgroup;
	/* Optional. Called after each directory the module makes, to fill it with the files the
	 * kernel would put there. */
	void (*after_mkdir)(const char *dir);
	/* Optional, NULL: rmdir(2). Removes cgroup directory @dir like the kernel: 0, or -1 with
	 * errno (EBUSY while it has processes or children). */
	int (*rmdir)(const char *dir);
};

/* Installs *@hooks (copied; the strings must outlive their use), NULL restores the real files. */
void rt_cgroup_set_test_hooks(const struct rt_cgroup_test_hooks *hooks);
