/*
 * runtime/state.h: the state directory of each container, ROOT/ID under runsc's --root, as runc
 * keeps it: ROOT/ID/state.json (what create recorded, replaced atomically), ROOT/ID/lock (the
 * flock that serialises runsc invocations on one container) and whatever else the sandbox puts
 * there (its control socket). The directory's existence is what "the container exists" means.
 *
 * state.json is runsc's own format, read only by runsc; what `runsc state` prints is the OCI
 * state of rt_state_oci_json(). All functions returning int give 0 or a negative rt_error.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "oci_config.h"

/* One container's recorded state. Every string is owned by the struct (rt_state_clear frees
 * them); rt_state_load fills a zeroed one. */
struct rt_state {
	char *id;			/* valid by rt_state_id_valid */
	char *bundle;			/* absolute */
	char *rootfs;			/* absolute */
	int pid;			/* the sandbox process (host PID); 0 while creating */
	/* Field 22 (starttime) of /proc/PID/stat when recorded: a PID reused by another
	 * process is not taken for ours. */
	uint64_t pid_start;
	char *status;			/* as recorded: creating, created, running, stopped */
	int64_t created_ns;		/* CLOCK_REALTIME at create, ns */
	uint32_t owner;			/* uid of the creator */
	struct oci_keyval *annotations;	/* config.json's annotations, in their order */
	size_t annotation_count;
	char *cgroup;			/* opaque string the cgroup module gives (may be NULL) */
	char *control;			/* opaque: the sandbox's control socket (may be NULL) */
	int has_exit_status;		/* exit_status below is known */
	int exit_status;		/* the container's exit code, or 128+signal: 0..255 */
};

/* The longest container id accepted. Ids past NAME_MAX (255) pass the check but fail mkdir
 * (ENAMETOOLONG). */
#define RT_STATE_ID_MAX 1024

/* The file names inside a state directory. */
#define RT_STATE_FILE "state.json"
#define RT_STATE_LOCK_FILE "lock"

/* Whether @id is a valid container id: runc's rule, one or more of [A-Za-z0-9_+.-], not "." or
 * "..", at most RT_STATE_ID_MAX characters. Returns 1 or 0. */
int rt_state_id_valid(const char *id);

/* mkdir -p @root (0711 less the umask), then mkdir ROOT/ID (0711) exclusively, so two creates
 * of one id cannot both succeed. Errors (rt_error status in brackets): "container with id
 * exists: ID" [EEXIST], "invalid container id format ID" [EINVAL] (see rt_state_id_valid),
 * "mkdir PATH: strerror". On success *@ret_dirfd is an O_DIRECTORY, O_CLOEXEC fd of ROOT/ID
 * that the caller closes. */
int rt_state_dir_create(const char *root, const char *id, int *ret_dirfd, struct rt_error **err);

/* Opens the existing ROOT/ID as rt_state_dir_create does. Errors: "container \"ID\" does not
 * exist" [ENOENT] (also when ROOT is missing), "invalid container id format ID" [EINVAL],
 * "open PATH: strerror". */
int rt_state_dir_open(const char *root, const char *id, int *ret_dirfd, struct rt_error **err);

/* Takes flock(LOCK_EX) on DIR/lock (created 0600 if missing), waiting for whoever holds it, so
 * concurrent runsc invocations on one container serialise. *@ret_lockfd (O_CLOEXEC) goes to
 * rt_state_unlock. A lock taken before fork stays shared with the child until unlocked. */
int rt_state_lock(int dirfd, int *ret_lockfd, struct rt_error **err);

/* Releases the lock and closes @lockfd. A negative fd is ignored. */
void rt_state_unlock(int lockfd);

/* Writes DIR/state.json atomically: a temp file in DIR (0600), written, fsynced, renamed over
 * state.json, then DIR fsynced. A reader sees the old file or the new one, never a mix; no temp
 * file is left behind, even on error. A state rt_state_load would refuse (bad id, unknown
 * status) is not written [EINVAL]. */
int rt_state_save(int dirfd, const struct rt_state *st, struct rt_error **err);

/* Reads DIR/state.json into @st, which must be zeroed (or cleared); on error @st is left
 * zeroed. Errors name the file: "open DIR/state.json: strerror" when missing [ENOENT] or
 * unreadable, "DIR/state.json: WHAT" when it is not a state this code wrote [0], e.g.
 * "DIR/state.json: pid: expected an integer in 0..2147483647". */
int rt_state_load(int dirfd, struct rt_state *st, struct rt_error **err);

/* Frees the fields of @st and zeroes it. */
void rt_state_clear(struct rt_state *st);

/* rm -rf ROOT/ID: the state directory and everything in it, sockets included; symlinks inside
 * are removed, never followed. A missing ROOT/ID (or ROOT) is success. Errors: "invalid
 * container id format ID", "remove PATH: strerror". */
int rt_state_remove(const char *root, const char *id, struct rt_error **err);

/* 1 if st->pid is a live (non-zombie) process whose starttime equals st->pid_start, else 0. */
int rt_state_pid_alive(const struct rt_state *st);

/* The status to report: the recorded one, except "stopped" when the sandbox process is gone
 * (recorded "creating", "created" or "running" but !rt_state_pid_alive). A "creating" with pid 0
 * is thus "stopped": a create in progress holds the lock, so a reader that took the lock sees
 * "creating" only when that create died. The string is static or st->status. */
const char *rt_state_status(const struct rt_state *st);

/* The starttime of /proc/PID/stat (field 22, in clock ticks since boot, parsed after the last
 * ')' since comm may hold anything), or 0 if there is no such process. */
uint64_t rt_proc_start_time(int pid);

/* Calls @cb(st, @arg) for each container under @root whose state loads, in strcmp order of the
 * ids; entries that are not valid ids, not directories or whose state.json does not load are
 * skipped, as runc list does. No lock is taken (state.json is replaced atomically). Stops at the
 * first negative return of @cb and returns it (@cb sets *@err if it wants one); returns 0 when
 * all were visited. A missing root is an empty list. Errors: "open ROOT: strerror". */
int rt_state_list(const char *root, int (*cb)(const struct rt_state *st, void *arg), void *arg,
		  struct rt_error **err);

/* The OCI state JSON, runtime-spec "State" as `runc state` prints it: ociVersion "1.0.2", id,
 * pid (0 when stopped), status (rt_state_status), bundle, runc's extra rootfs and created (see
 * rt_state_format_time), annotations only when there are some, and owner "". Pretty-printed
 * with a two-space indent and "key": value, like Go's json.MarshalIndent, no trailing newline.
 * The caller frees it; NULL on ENOMEM. */
char *rt_state_oci_json(const struct rt_state *st);

/* Enough for any rt_state_format_time result (int64 ns span the years 1677..2262). */
#define RT_STATE_TIME_SIZE 32

/* The RFC 3339 UTC time of @ns (ns since the epoch) with nine fraction digits,
 * "2026-12-02T07:40:01.123456789Z", into @buf (truncated to @size, always terminated). */
void rt_state_format_time(int64_t ns, char *buf, size_t size);
