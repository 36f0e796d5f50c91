/*
 * core/kernel/process_internal.h: what process.c (processes seen from outside) and fork.c
 * (processes made inside) share.
 */
#pragma once

#include "kernel/process.h"

struct vfs_ctx;

/* The live process @pid; caller holds k->lock. */
struct task *kernel_find_locked(struct kernel *k, int pid);

/* The rest of a task thread's life once @t is in the task list: held until released, run,
 * gone (zombie, SIGCHLD, orphans to init), freed with its @fs. */
void kernel_task_thread_end(struct kernel *k, struct task *t, struct vfs_ctx *fs);

/* Whether @sig does nothing to @t because @t is the sandbox's init: without a handler, only
 * SIGKILL and SIGSTOP from outside (@outside) reach it, nothing from inside. */
int kernel_init_ignores(const struct task *t, int sig, int outside);

/* After a successful execve: setpgid's EACCES from now on, and a vfork parent released. */
void kernel_exec_done(struct task *t);
