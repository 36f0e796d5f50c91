/*
 * runtime/container.h: what the lifecycle commands share: finding a container's state under
 * --root (locked, so concurrent runsc invocations on one container take turns), talking to
 * its sandbox, and the runc conventions for signals and IDs.
 */
#pragma once

#include <json-c/json.h>
#include <sys/ioctl.h>
#include <sys/types.h>

#include "error.h"
#include "runsc.h"
#include "state.h"

struct rt_container {
	int dirfd;		/* the state directory */
	int lockfd;		/* the held lock, -1 when not locked */
	struct rt_state st;	/* as loaded */
};

/* Opens container @id under --root, locked when @lock, and loads its state. */
int rt_container_open(const struct rt_globals *g, const char *id, int lock,
		      struct rt_container *c, struct rt_error **err);
void rt_container_close(struct rt_container *c);

/* A connection to the container's sandbox, or -1 "container \"ID\" is not running". */
int rt_container_connect_fd(struct rt_container *c, struct rt_error **err);

/* One request to the container's sandbox (see control.h); @req is taken. */
int rt_container_call(struct rt_container *c, json_object *req, const int *fds, int nfds,
		      json_object **ret_reply, struct rt_error **err);

/* A signal as kill(1) takes it: "9", "KILL", "SIGKILL", "sigkill". 0 or -EINVAL. */
int rt_signal_parse(const char *s, int *ret_sig);

/* Where the sandbox records its exit status when PID 1 ends (DIR/exitstatus). */
#define RT_EXIT_FILE "exitstatus"
/* The recorded exit status, or -1 when none. */
int rt_container_exit_status(const struct rt_container *c);

/* Waits up to @ms for the sandbox process of @st to be gone; 0 when it is. */
int rt_container_wait_gone(const struct rt_state *st, int ms);

/* A pty for process.terminal: its master goes to the engine over the unix socket at
 * @socket_path (SCM_RIGHTS with the pty's name, as runc sends it) and is closed here; the
 * slave, sized @ws (NULL: the default), is the process's stdio. */
int rt_console_pty(const char *socket_path, const struct winsize *ws, int *ret_slave,
		   struct rt_error **err);

/* Writes @pid to @path atomically (a temporary file renamed), as runc writes --pid-file. */
int rt_write_pid_file(const char *path, pid_t pid, struct rt_error **err);

/* The single ID argument of a command at argv[i] (exactly one more argument when @extra). */
int rt_container_id_arg(int argc, char **argv, int i, int extra, const char **ret_id,
			struct rt_error **err);
