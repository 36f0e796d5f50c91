/*
 * plugins/fs-memfs/memfs.h: the in-memory filesystem's objects, shared by its files.
 *
 * One filesystem instance = one tree of dentries (a name in a directory) over inodes (the file:
 * attributes and data). Every dentry is always in the tree until it is unlinked, like tmpfs:
 * there is nothing below to reload it from. Locks and references: README-style summary
 *   - fs->lock (rwlock) protects the tree, every inode's attributes, directory tables, file
 *     data and the directory cursors. Walks and reads hold it for reading; anything that
 *     changes state holds it for writing. The core's namespace lock is taken before it.
 *   - A linked dentry holds one reference on itself (the tree's), one on its parent and one on
 *     its inode. Open files hold a reference through the core. The last put of an unlinked
 *     dentry frees it without the lock: nobody can find it any more.
 *   - Regular file data lives in memory-file pages (svc->mf_*), indexed by a radix tree.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "sentry/fs.h"
#include "sentry/services.h"

#define MEMFS_PAGE	 4096u
#define MEMFS_RADIX_BITS 9
#define MEMFS_RADIX_FAN	 (1u << MEMFS_RADIX_BITS)
#define MEMFS_RADIX_LEVELS 4
/* 2^36 pages of 4 KiB: 256 TiB, beyond which writes get EFBIG. */
#define MEMFS_MAX_SIZE ((uint64_t)1 << (MEMFS_RADIX_BITS * MEMFS_RADIX_LEVELS + 12))
#define MEMFS_LINK_MAX 65000u
#define MEMFS_MAGIC    0x01021994u	/* TMPFS_MAGIC */

struct memfs_dentry;

/* Node of a directory's ordered child list: a dentry's, or a reader's cursor (d == NULL). */
struct memfs_node {
	struct memfs_node *prev, *next;
	struct memfs_dentry *d;
	int64_t cookie;		/* getdents offset of the entry; increases along the list */
};

struct memfs_xattr {
	struct memfs_xattr *next;
	char *name;
	void *value;
	size_t size;
};

struct memfs_inode {
	atomic_long refs;	/* dentries pointing here */
	uint64_t ino;
	uint32_t mode, uid, gid, nlink;
	uint32_t rdev_major, rdev_minor;
	int64_t mtime_ns, ctime_ns, btime_ns;
	atomic_llong atime_ns;	/* written under the read lock by readers */
	uint64_t size;
	struct memfs_xattr *xattrs;
	void *endpoint;		/* socket inodes made by bind(2): the core's AF_UNIX endpoint */
	union {
		struct {
			void *radix;	/* MEMFS_RADIX_LEVELS levels, leaves hold mf offset + 1 */
			uint64_t pages;	/* allocated pages */
		} reg;
		struct {
			struct memfs_dentry **buckets;
			size_t nbuckets;	/* power of two */
			size_t count;		/* children */
			struct memfs_node list;	/* sentinel of the ordered child list */
			int64_t next_cookie;
		} dir;
		struct {
			char *target;
		} lnk;
	};
};

struct memfs_dentry {
	struct sentry_dentry base;	/* first: the core's part */
	atomic_long refs;
	struct memfs_dentry *parent;	/* reference held; the root points to itself */
	struct memfs_inode *inode;	/* reference held */
	struct memfs_dentry *hnext;	/* hash chain in parent */
	struct memfs_node node;		/* place in parent's ordered list */
	uint32_t hash;
	uint16_t name_len;
	uint8_t linked;			/* in parent's table */
	char *name;			/* NUL-terminated: iname, or the heap when longer */
	char iname[24];			/* short names live here: no allocation, one cache line */
};

struct memfs_fs {
	const struct sentry_services *svc;
	const struct sentry_rp_ops *rp;
	pthread_rwlock_t lock;
	struct memfs_dentry *root;
	uint64_t max_pages;		/* 0: unlimited */
	uint64_t max_inodes;		/* 0: unlimited */
	atomic_ullong used_pages;
	atomic_ullong nr_inodes;
	atomic_ullong next_ino;
};

struct memfs_file {
	struct sentry_file base;	/* first: the core's part */
	struct memfs_fs *fs;
	struct memfs_node cursor;	/* directory readers: where the next getdents resumes */
	int cursor_linked;
	int64_t cursor_off;		/* the offset the cursor stands for */
	struct memfs_dentry *own;	/* the file's reference on its dentry */
};

static inline struct memfs_dentry *memfs_d(struct sentry_dentry *d)
{
	return (struct memfs_dentry *)d;
}

/* memfs_dir.c: inodes, dentries, directories. Callers hold fs->lock (written to change). */
/* FNV-1a of a name: the directory hash. */
uint32_t memfs_hash(const char *name, size_t len);
/* The child @name of directory @dir, borrowed, or NULL. */
struct memfs_dentry *memfs_lookup(struct memfs_dentry *dir, const char *name, size_t len);
/* Puts @child into @dir (takes a reference on @dir). Returns 0 or -ENOMEM. */
int memfs_dir_link(struct memfs_dentry *dir, struct memfs_dentry *child);
/* Takes @child out of @dir; the caller then drops the tree reference. */
void memfs_dir_unlink(struct memfs_dentry *dir, struct memfs_dentry *child);
/* Empty hash table and child list of a new directory inode. Returns 0 or -ENOMEM. */
int memfs_dir_init(struct memfs_inode *in);
/* A new inode with no references (memfs_dentry_new takes one). NULL when nr_inodes is reached
 * or out of memory. */
struct memfs_inode *memfs_inode_new(struct memfs_fs *fs, uint32_t mode, uint32_t uid,
				    uint32_t gid);
/* Drops a reference; the last frees data, table, target and xattrs. */
void memfs_inode_put(struct memfs_fs *fs, struct memfs_inode *in);
/* A new unlinked dentry named @name for @in (takes a reference on @in), refs 1. NULL: ENOMEM. */
struct memfs_dentry *memfs_dentry_new(const char *name, size_t len, struct memfs_inode *in);
/* Buffer for a name of @len bytes for @d (its inline one when it fits); NULL: ENOMEM. */
char *memfs_name_buf(struct memfs_dentry *d, size_t len);
/* Copies @name into @buf (from memfs_name_buf) and makes it @d's name, freeing the old one. */
void memfs_name_commit(struct memfs_dentry *d, char *buf, const char *name, size_t len);
/* The fs ops dentry_get/dentry_put slots; put frees unlinked dentries, lock-free. */
void memfs_dentry_get(struct sentry_fs *fs, struct sentry_dentry *d);
void memfs_dentry_put(struct sentry_fs *fs, struct sentry_dentry *d);
/* Frees the tree from @d down, for release_fs. */
void memfs_tree_free(struct memfs_fs *fs, struct memfs_dentry *d);
/* Wall-clock time for timestamps. */
int64_t memfs_now(const struct memfs_fs *fs);
/* The directory files' iterate slot, and the cursor's removal at release. */
int memfs_iterate(struct sentry_file *file, struct sentry_dir_emitter *e, int64_t *off);
void memfs_cursor_drop(struct memfs_file *f);

/* memfs_data.c: regular file data. Callers hold fs->lock (written when allocating). */
/* Reads/writes @iov at @off; returns bytes (short on ENOSPC after progress) or -errno. */
int64_t memfs_read_data(struct memfs_fs *fs, struct memfs_inode *in, const struct sentry_iov *iov,
			size_t count, int64_t off);
int64_t memfs_write_data(struct memfs_fs *fs, struct memfs_inode *in,
			 const struct sentry_iov *iov, size_t count, int64_t off);
/* Sets the size, freeing whole pages past it and zeroing the tail of the last. -EFBIG. */
int memfs_truncate(struct memfs_fs *fs, struct memfs_inode *in, uint64_t size);
/* Frees every page of @in. */
void memfs_data_free(struct memfs_fs *fs, struct memfs_inode *in);
/* Memory-file offset of page @index, allocating it when @alloc. -ENOENT (hole, !alloc),
 * -ENOSPC (size limit), -ENOMEM. */
int memfs_page_at(struct memfs_fs *fs, struct memfs_inode *in, uint64_t index, int alloc,
		  uint64_t *ret_off);
/* File ops of regular files and directories. */
extern const struct sentry_file_ops memfs_reg_ops, memfs_dir_ops, memfs_special_ops;

/* memfs_ops.c: the fs ops slots (see sentry/fs.h for each contract) */
int memfs_get_dentry_at(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry **ret_d);
int memfs_open_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
		  struct sentry_file **ret_file);
int memfs_dentry_stat(struct sentry_fs *fs, struct sentry_dentry *d, uint32_t mask,
		      struct sentry_statx *ret);
int memfs_stat_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mask,
		  struct sentry_statx *ret);
int memfs_dentry_setstat(struct sentry_fs *fs, struct sentry_dentry *d,
			 const struct sentry_creds *creds, const struct sentry_setstat *ss);
int64_t memfs_readlink_at(struct sentry_fs *fs, struct sentry_rp *rp, char *buf, size_t size);
int memfs_statfs_at(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_statfs *st);
int memfs_stat_inode(struct memfs_fs *fs, struct memfs_inode *in, struct sentry_statx *st);

/* memfs_xattr.c: the xattr slots (sentry/fs.h), and freeing an inode's list. */
int64_t memfs_getxattr_at(struct sentry_fs *fs, struct sentry_rp *rp, const char *name, void *buf,
			  size_t size);
int memfs_setxattr_at(struct sentry_fs *fs, struct sentry_rp *rp, const char *name,
		      const void *value, size_t size, int flags);
int64_t memfs_listxattr_at(struct sentry_fs *fs, struct sentry_rp *rp, char *buf, size_t size);
int memfs_removexattr_at(struct sentry_fs *fs, struct sentry_rp *rp, const char *name);
void memfs_xattrs_free(struct memfs_inode *in);

/* memfs_walk.c */
/* Walks @rp from its start, all of it or (@stop_final) up to the final component, which it
 * leaves unconsumed after checking its directory is searchable. *ret is borrowed. Returns 0,
 * -ENOENT, -ENOTDIR, -EACCES, -ELOOP, -ENAMETOOLONG, -EXDEV, -SENTRY_ERESOLVE. Lock held. */
int memfs_walk(struct memfs_fs *fs, struct sentry_rp *rp, int stop_final,
	       struct memfs_dentry **ret);
/* may_access for the rp's caller on @in. Returns 0 or -EACCES. */
int memfs_may(struct memfs_fs *fs, struct sentry_rp *rp, struct memfs_inode *in, uint32_t may);
