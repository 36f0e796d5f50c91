/*
 * plugins/fs-memfs/memfs_namei.h: tree-changing operations (memfs_namei.c).
 */
#pragma once

#include "memfs.h"

/* Walks to the directory of the final component; *name is NULL when there is none. */
int memfs_parent_of_final(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry **dir,
			  const char **name, size_t *len);
/* Creates @name in @dir with @mode (type included) for the rp's caller; *ret is borrowed (the
 * tree holds it). Returns 0, -EROFS, -EACCES, -ENOSPC, -EMLINK, -ENOMEM. */
int memfs_create(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_dentry *dir,
		 const char *name, size_t len, uint32_t mode, struct memfs_dentry **ret);
void memfs_remove(struct memfs_fs *fs, struct memfs_dentry *dir, struct memfs_dentry *victim);

int memfs_mkdir_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode);
int memfs_mknod_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode, uint32_t major,
		   uint32_t minor);
int memfs_symlink_at(struct sentry_fs *fs, struct sentry_rp *rp, const char *target);
int memfs_link_at(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry *target);
int memfs_unlink_at(struct sentry_fs *fs, struct sentry_rp *rp);
int memfs_rmdir_at(struct sentry_fs *fs, struct sentry_rp *rp);
/* AF_UNIX binding: a socket inode holding @endpoint; the endpoint of a socket inode. */
int memfs_bind_endpoint_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode,
			   void *endpoint);
int memfs_bound_endpoint_at(struct sentry_fs *fs, struct sentry_rp *rp, void **ret_endpoint);
int memfs_rename_at(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry *old_parent,
		    const char *old_name, uint32_t flags);
