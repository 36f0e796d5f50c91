/*
 * runtime/confine.h: confining runsc's host-facing processes (DESIGN.md, Confinement).
 *
 * The sandbox process, which becomes the Sentry, is confined in two steps around boot:
 *
 * 1. rt_confine_namespaces, while it is still one thread and before any plugin loads: new
 *    user (unless the Sentry must keep capabilities over the host's network namespace), mount,
 *    IPC and UTS namespaces. `runsc create` already made it PID 1 of a PID namespace of its
 *    own. Host paths still resolve, since the new mount namespace is a copy: the plugins load
 *    and the Sentry boots.
 * 2. rt_confine_finish, once the Sentry holds every descriptor it will use: pivot_root into an
 *    empty read-only tmpfs (nothing of the host stays mounted), every capability dropped but
 *    those the plugins declared, no_new_privs, and the host seccomp filter
 *    (core/sentry/hostfilter.h).
 *
 * The Gofer confines itself in cmd_gofer.c with rt_confine_caps and a filter of its own.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "plugin/plugin.h"
#include "sentry/hostfilter.h"

/* Step 1. @userns: make a user namespace too (root inside maps to our own user outside).
 * Returns 0 or -1 with *@err set. */
int rt_confine_namespaces(int userns, struct rt_error **err);

/* Step 2: makes an empty tmpfs the root, keeps only the capabilities the initialised plugins
 * of @set declare (plg_set_host_caps) in every set and the bounding set, clears the ambient
 * set, then installs the @n sets in @own with the plugins' (hostfilter_install_with; @flags:
 * HOSTFILTER_*). Returns 0 or -1 with *@err set. */
int rt_confine_finish(const struct plg_set *set, const struct hostfilter_set *own, size_t n,
		      int flags, struct rt_error **err);

/* What must happen while host paths still resolve, before a process confines itself: glibc's
 * time zone is read, and in sanitizer builds leaks are checked now and the check at exit is
 * turned off (it needs /proc and calls a confined process may not make). */
void rt_confine_prepare(void);

/* Drops every capability but @keep in every thread of the process, as step 2 does. The other
 * threads are found in @task_dir, an open /proc/self/task (opened while it resolved to the
 * host's), and each drops its own from a SIGRTMIN handler: none may block SIGRTMIN. Returns 0
 * or -errno. */
int rt_confine_caps(uint64_t keep, int task_dir);

/* Closes every descriptor from 3 up except the @n in @keep. */
void rt_close_fds_except(const int *keep, size_t n);

/* The host calls runsc's sandbox process makes besides the Sentry's own: the control socket,
 * the exit status file, the Gofers' end. */
extern const struct hostfilter_set rt_sandbox_rules;
