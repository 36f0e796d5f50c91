/*
 * runtime/control.h: how later runsc invocations talk to a running sandbox.
 *
 * The sandbox process listens on a unix socket in its state directory (DIR/control). Each
 * message is a 4-byte little-endian length and that many bytes of JSON; descriptors (an exec'd
 * process's stdio) ride as SCM_RIGHTS on the first byte. A connection carries any number of
 * request/reply pairs. Requests, by "op":
 *   start                          let PID 1 run                       -> {}
 *   kill  {pid, sig}               a signal from outside (pid -1: all) -> {}
 *   exec  {args, env, cwd, uid, gid} + 3 fds                           -> {pid}
 *   wait  {pid}                    blocks until pid exits               -> {status} (wait(2))
 *   ps                             the processes                       -> {procs: [...]}
 * A failed request gets {"error": "one line"}.
 */
#pragma once

#include <json-c/json.h>

#include "error.h"

struct rt_sandbox_proc;

/* Binds and listens on DIR/control, @dirfd the state directory. Returns the socket or -1. */
int rt_control_listen(int dirfd, struct rt_error **err);

/* Serves requests for @p until @stop_fd becomes readable, then closes the connections and
 * waits for their threads. Signals read from signalfd @sig_fd (-1: none) are forwarded to the
 * container's PID 1, as the host delivers them to the sandbox process: a terminal's ^C and
 * resizes, a kill(1) of the sandbox's PID. */
void rt_control_serve(int listen_fd, int stop_fd, int sig_fd, struct rt_sandbox_proc *p);

/* Connects to the sandbox of state directory @dirfd. -1 with "container is not running"
 * style errors in *@err when nobody listens. */
int rt_control_connect(int dirfd, struct rt_error **err);

/* Sends @req (taken) with @nfds descriptors and returns the reply in *@ret_reply (caller
 * puts). An "error" reply, a closed connection or a bad message is -1 with *@err set. */
int rt_control_call(int fd, json_object *req, const int *fds, int nfds, json_object **ret_reply,
		    struct rt_error **err);
