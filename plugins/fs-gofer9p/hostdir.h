/*
 * hostdir.h: internals of the hostdir Gofer backend (not part of the SDK).
 *
 * A node is one file of the served tree. It holds an O_PATH fd on the file itself (never
 * followed if it is a symlink) and, to reopen the file with real access flags without going
 * through /proc/self/fd (gone once the Gofer pivots into the root), an O_PATH fd on the
 * directory it was walked from plus its name there. Lookups are single components resolved
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) relative to a
 * node's fd, so no request can leave the tree through "..", an absolute path or a symlink.
 *
 * Limit (as for any fd-based server, gVisor's included): a directory that a host process moves
 * out of the tree while a node holds it stays reachable through that node. Requests themselves
 * can only move files within the tree.
 *
 * Nodes are independent (no shared mutable state), so ops on different nodes may run
 * concurrently (SENTRY_GOFER_THREADSAFE). A node is used by one request at a time.
 */
#pragma once

#include <stdint.h>
#include <sys/stat.h>

#include "sentry/gofer.h"

struct sentry_gnode {
	int fd;			/* O_PATH | O_NOFOLLOW on the file itself */
	int parent_fd;		/* O_PATH on the directory it was walked from; -1 for the root */
	char *name;		/* its name in that directory; NULL for the root */
	int open_fd;		/* after open/create: fd with real access flags, else -1 */
	uint32_t flags;		/* SENTRY_GOFER_RDONLY from attach */
	uint32_t mode;		/* S_IFMT bits, fixed at walk time */
	dev_t dev;		/* identity at walk time, checked when reopening */
	ino_t ino;
};

/* -EINVAL unless @name is one path component: not "", ".", "..", no '/'; -ENAMETOOLONG over
 * NAME_MAX. */
int hostdir_check_name(const char *name);

/* The qid of a file with stat @st. */
void hostdir_qid(const struct stat *st, struct sentry_qid *ret_qid);

/* New node for @name below @dir (walk and the create-like ops use it). Returns 0, -ENOENT,
 * -ENOTDIR, -ENOMEM, -EXDEV (openat2 refused to leave the tree). */
int hostdir_lookup(struct sentry_gnode *dir, const char *name, struct sentry_gnode **ret_node,
		   struct sentry_qid *ret_qid);

/* Opens the file of @node again with @flags (O_NOFOLLOW and O_CLOEXEC added) and checks that
 * it is still the same inode. Returns an fd or -errno (-ELOOP for a symlink, -ESTALE when the
 * name now names another file). */
int hostdir_reopen(struct sentry_gnode *node, int flags);

void hostdir_release(struct sentry_gnode *node);

/* Slots implemented in hostdir_mod.c: every change to the tree, plus readlink, statfs, fsync
 * and xattrs. See sentry/gofer.h for their contracts. */
int64_t hostdir_write(struct sentry_gnode *node, const void *buf, size_t size, uint64_t off);
int hostdir_create(struct sentry_gnode *dir, const char *name, uint32_t flags, uint32_t mode,
		   uint32_t gid, struct sentry_gnode **ret_node, struct sentry_qid *ret_qid,
		   int *ret_fd);
int hostdir_setattr(struct sentry_gnode *node, const struct sentry_statx *st, uint32_t valid);
int hostdir_mkdir(struct sentry_gnode *dir, const char *name, uint32_t mode, uint32_t gid,
		  struct sentry_qid *ret_qid);
int hostdir_mknod(struct sentry_gnode *dir, const char *name, uint32_t mode, uint32_t major,
		  uint32_t minor, uint32_t gid, struct sentry_qid *ret_qid);
int hostdir_symlink(struct sentry_gnode *dir, const char *name, const char *target,
		    uint32_t gid, struct sentry_qid *ret_qid);
int hostdir_link(struct sentry_gnode *dir, struct sentry_gnode *target, const char *name);
int hostdir_renameat(struct sentry_gnode *olddir, const char *oldname,
		     struct sentry_gnode *newdir, const char *newname);
int hostdir_unlinkat(struct sentry_gnode *dir, const char *name, uint32_t flags);
int hostdir_readlink(struct sentry_gnode *node, char *buf, size_t size);
int hostdir_statfs(struct sentry_gnode *node, struct sentry_statfs *ret_st);
int hostdir_fsync(struct sentry_gnode *node, int datasync);
int64_t hostdir_getxattr(struct sentry_gnode *node, const char *name, void *buf, size_t size);
int64_t hostdir_listxattr(struct sentry_gnode *node, char *buf, size_t size);
int hostdir_setxattr(struct sentry_gnode *node, const char *name, const void *val, size_t size,
		     int flags);
int hostdir_removexattr(struct sentry_gnode *node, const char *name);
