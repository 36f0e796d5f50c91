/*
 * runtime/hooks.h: OCI hooks (runtime-spec config.md, "POSIX-platform Hooks"): programs the
 * runtime runs at points of a container's life, each given the container's state on stdin.
 */
#pragma once

#include <stddef.h>

#include "error.h"
#include "oci_config.h"

/* How much of a hook's stderr is kept for its error message; the rest is read and dropped. */
#define RT_HOOK_STDERR_MAX 4096

/*
 * Runs the @count hooks of one phase (@phase names it in messages: "prestart", "poststop", ...)
 * in order, stopping at the first that fails, as the runtime spec says.
 *
 * Each hook's path is executed directly (no PATH search) with its args as argv (args[0] is
 * argv[0]; with no args, argv is {path}) and exactly its env as the environment (empty when
 * none), in a process group of its own, with default signal dispositions, an empty signal mask
 * and only fds 0-2 open. Its stdin is a pipe carrying @state_json (borrowed; NULL is empty), then
 * EOF; a hook may exit or close stdin without reading it. Its stdout and stderr are pipes that
 * are drained while it runs, so a chatty hook cannot block: stdout is dropped (runsc's own
 * stdout may carry output meant for its caller) and the start of stderr is kept for the
 * error message. The hook's own children are not waited for.
 *
 * A hook (numbered from 0 as runc does, N below) that exits non-zero, is killed by a signal,
 * cannot be executed, or outlives its timeout (its process group is then SIGKILLed and it is
 * reaped) makes the error, one of:
 *   "PHASE hook #N (PATH): exit status S"
 *   "PHASE hook #N (PATH): killed by signal S"
 *   "PHASE hook #N (PATH): timed out after T s"
 *   "PHASE hook #N (PATH): exec: strerror"
 * with ", stderr: LINE" appended, LINE being the first non-empty line of the hook's stderr, when
 * it wrote one.
 *
 * SIGPIPE is blocked in the calling thread while the hooks run (a hook that does not read its
 * stdin gives EPIPE instead of killing runsc). The caller must not have SIGCHLD set to SIG_IGN,
 * which would make the exit status unobtainable. No zombie is ever left: every hook started is
 * reaped before this returns. Returns 0 or a negative rt_error (status 0, or the errno of a
 * failed exec or of the runtime's own failure to set a hook up).
 */
int rt_hooks_run(const char *phase, const struct oci_hook *hooks, size_t count,
		 const char *state_json, struct rt_error **err);
