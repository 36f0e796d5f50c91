/*
 * core/kernel/process_internal.h: what process.c (processes seen from outside) and fork.c
 * (processes made inside) share.
 */
#pragma once

#include <pthread.h>

#include "kernel/process.h"

struct vfs_ctx;

/* How a new task thread's start went, for the thread that asked for it. */
struct kernel_start {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;		/* reported */
	int rc;			/* 0 or -errno */
	int pid;		/* the new task's, when rc is 0 */
};

/* Runs detached thread @fn(@arg), counted in k->threads, and waits until it reports through
 * kernel_start_report(@st). Returns the reported rc, or -EAGAIN (st->done 0) when no thread
 * could be made. */
int kernel_start_thread(struct kernel *k, void *(*fn)(void *), void *arg,
			struct kernel_start *st);
void kernel_start_report(struct kernel_start *st, int rc, int pid);
/* A task thread's last act when it made no task (kernel_task_thread_end does it otherwise). */
void kernel_thread_done(struct kernel *k);
/* Ends the parked task threads and waits for them all (worker.c). After the last task thread
 * is done. */
void kernel_workers_stop(struct kernel *k);
/* Puts @t in the task list, held or not. -EAGAIN when the sandbox is ending (PID 1 gone). */
int kernel_task_enter(struct kernel *k, struct task *t, int held);

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
