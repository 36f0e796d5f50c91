/*
 * core/fd/fdtable.h: a task's file descriptor table.
 *
 * Maps small integers to reference-counted objects (open file descriptions, later sockets and
 * pipes, all behind one vfs_file) plus the per-descriptor FD_CLOEXEC flag, which belongs to the
 * descriptor, not to the description (dup shares the description but not the flag). Threads of
 * one process share a table, so every call is thread-safe; fork copies it (fdt_copy).
 *
 * The table takes its own reference on what it installs (ops->get) and drops it when the
 * descriptor is closed or replaced (ops->put), so a caller keeps and puts its own reference.
 * Replacement and closing drop the old object after the table lock is released: a put may
 * block (flush to a Gofer) or re-enter the table (a socket's release closing SCM_RIGHTS files).
 */
#pragma once

#include <stdint.h>

struct fdt;

struct fdt_ops {
	void (*get)(void *obj);		/* takes a reference */
	void (*put)(void *obj);		/* drops one */
	/* Optional. A descriptor naming @obj was closed by the process @owner (POSIX record locks
	 * of that owner on the file go, whichever descriptor took them). */
	void (*closed)(void *obj, uint64_t owner);
};

/* Linux's default hard limit, and the ceiling of RLIMIT_NOFILE (fs.nr_open). */
#define FDT_NR_OPEN (1u << 20)

/* Makes an empty table whose limit (RLIMIT_NOFILE) is FDT_NR_OPEN. Returns 0 or -ENOMEM. */
int fdt_new(const struct fdt_ops *ops, struct fdt **ret_fdt);

/* A copy for fork(2): every descriptor and its flag, each object referenced again. */
int fdt_copy(struct fdt *src, struct fdt **ret_fdt);

/* Drops every descriptor and the table. */
void fdt_free(struct fdt *t);
/* Another reference for a task sharing @t (CLONE_FILES); fdt_free drops one. */
void fdt_ref(struct fdt *t);

/* The owner passed to ops->closed (the thread group ID); 0 until set. */
void fdt_set_owner(struct fdt *t, uint64_t owner);

/* Sets the descriptor limit (RLIMIT_NOFILE soft value): new descriptors must be below it.
 * Returns 0 or -EINVAL (above FDT_NR_OPEN or zero). Existing higher descriptors stay. */
int fdt_set_limit(struct fdt *t, uint32_t limit);
uint32_t fdt_limit(struct fdt *t);

/* Installs @obj at the lowest free descriptor >= @minfd. Returns 0 with *ret_fd, -EMFILE (none
 * below the limit), -EINVAL (@minfd negative or not below the limit: fcntl F_DUPFD's rule),
 * -ENOMEM. */
int fdt_install(struct fdt *t, void *obj, int cloexec, int minfd, int *ret_fd);

/* The object of @fd with a new reference, and its FD_CLOEXEC flag in *ret_cloexec (may be
 * NULL). Returns 0 or -EBADF. */
int fdt_get(struct fdt *t, int fd, void **ret_obj, int *ret_cloexec);

/* Sets FD_CLOEXEC of @fd. Returns 0 or -EBADF. */
int fdt_set_cloexec(struct fdt *t, int fd, int cloexec);

/* close(2). Returns 0 or -EBADF. */
int fdt_close(struct fdt *t, int fd);

/* close_range(2) of [first, last] without flags, or only marking FD_CLOEXEC with @cloexec_only.
 * Returns 0 or -EINVAL (first > last). */
int fdt_close_range(struct fdt *t, unsigned int first, unsigned int last, int cloexec_only);

/* dup(2) and fcntl(F_DUPFD[_CLOEXEC]): @fd again at the lowest free descriptor >= @minfd.
 * Returns 0 with *ret_fd, -EBADF, -EMFILE, -EINVAL. */
int fdt_dup(struct fdt *t, int fd, int minfd, int cloexec, int *ret_fd);

/* dup3(2): @oldfd at @newfd, closing what @newfd held. @flags may hold O_CLOEXEC only. Returns
 * newfd, -EBADF (oldfd not open, newfd negative or not below the limit), -EINVAL (same fds, bad
 * flags), -ENOMEM. dup2's same-fd rule is the caller's. */
int fdt_dup3(struct fdt *t, int oldfd, int newfd, int flags);

/* Closes every FD_CLOEXEC descriptor (execve). */
void fdt_close_on_exec(struct fdt *t);

/* The lowest open descriptor >= @from, or -1 (listing /proc/self/fd). */
int fdt_next(struct fdt *t, int from);

/* Number of open descriptors. */
unsigned int fdt_count(struct fdt *t);

/* The descriptors the table has room for before it grows, 64 at least: Linux's max_fds, which
 * select(2) clips its nfds to (the array doubles as Linux's fdtable does). */
unsigned int fdt_size(struct fdt *t);
