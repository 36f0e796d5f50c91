/*
 * p9fs.h: the fs-gofer9p filesystem ("9p"): the Sentry's files over 9P2000.L from a Gofer.
 *
 * Objects.
 * - p9fs_inode: one file of the server, keyed by qid.path, so hard links share attributes and
 *   pages. Holds the cached attributes, a symlink's target, the I/O handle (a fid opened on the
 *   server, shared by every open file of the inode) and the page cache.
 * - p9fs_dentry: a name in a directory, or a negative entry (inode NULL: the name is known not
 *   to exist). Each positive dentry owns a walked, unopened fid of its own. Dentries are found
 *   in one hash keyed by (parent, name).
 * - p9fs_file: an open file description.
 *
 * Cache policy (mount data cache=): exclusive (the sandbox owns the files: everything stays
 * cached, nothing is revalidated; the default) or shared (every lookup walks again from the
 * last dentry the walk trusts, one round trip per run of up to 16 names, and an open rereads
 * the attributes and drops pages when the file changed).
 *
 * Writes go through to the Gofer at once (write-through); pages already cached are updated in
 * place, so reads see them without a round trip. Pages dirtied through mmap (translate with
 * write access) are written back at fsync and at the last release of a file.
 *
 * Locks, in order: fs->mu (the hash, dentry tree shape and the mode/uid/gid of inodes) ->
 * fs->ino_mu (the inode table and inode references) -> inode->io (I/O handle, pages, size and
 * times) -> the channel's own. No lock is held across a round trip except inode->io (I/O of one
 * inode is serialised; different files proceed in parallel on the channel).
 *
 * References. The hash holds one reference on each dentry in it; a dentry holds one on its
 * parent and one on its inode; the core and open files hold theirs. A dentry leaving the hash
 * is marked dead and freed by its last put (which clunks its fid, posted, without waiting).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "sentry/fs.h"
#include "sentry/services.h"

#include "p9_client.h"

#define P9FS_PAGE     4096u
#define P9FS_CHUNK    512u		/* page slots per second-level table */
#define P9FS_MAX_PAGE (1u << 24)	/* pages past 64 GiB are not cached: read through */
#define P9FS_PG_DIRTY 1ull		/* low bit of a page slot (mf offsets are page aligned) */
#define P9FS_PG_SET   2ull		/* slot holds a page */

/* Bytes of one Tread/Twrite, and of Rread/Rreaddir replies. */
#define P9FS_MSIZE ((1u << 20) + P9_IOHDRSZ)

/* cvisor's own ioctl on any file of the filesystem: returns the channel's round trips so far
 * (batches of requests waited for), for benchmarks and tests. */
#define P9FS_IOC_ROUNDTRIPS 0x39500001u
/* The same for requests sent (several per round trip when pipelined). */
#define P9FS_IOC_MESSAGES 0x39500002u

enum p9fs_cache {
	P9FS_CACHE_EXCLUSIVE = 0,
	P9FS_CACHE_SHARED = 1,
};

struct p9fs_inode {
	struct p9fs_inode *hnext;	/* fs->inodes chain */
	uint64_t path;			/* qid.path */
	long refs;			/* dentries, under fs->ino_mu */
	struct sentry_statx st;		/* cached attributes */
	char *target;			/* symlink target, once read */
	void *endpoint;			/* AF_UNIX endpoint bound in the sandbox */
	pthread_mutex_t io;
	uint32_t hfid;			/* opened I/O handle, or P9_NOFID */
	int hwrite;			/* hfid is open for writing (O_RDWR) */
	int dirty;			/* some page slot has P9FS_PG_DIRTY */
	uint64_t **pages;		/* [index / P9FS_CHUNK][index % P9FS_CHUNK]: mf offset | bits */
	size_t nchunks;
	uint64_t npages;		/* pages held */
};

struct p9fs_dentry {
	struct sentry_dentry base;	/* first: the core's part */
	atomic_long refs;
	struct p9fs_dentry *parent;	/* reference held; the root points to itself */
	struct p9fs_inode *inode;	/* reference held; NULL: negative */
	struct p9fs_dentry *hnext;	/* fs->hash chain */
	uint32_t fid;			/* walked, unopened; P9_NOFID for a negative dentry */
	uint32_t hash;
	int hashed;			/* in fs->hash (the hash's reference) */
	uint32_t nkids;			/* hashed children */
	uint64_t seq;			/* shared cache: walk that last revalidated it */
	uint16_t name_len;
	char *name;			/* NUL-terminated, owned */
};

struct p9fs_fs {
	const struct sentry_services *svc;
	const struct sentry_rp_ops *rp;
	struct p9c *ch;
	int cache;			/* enum p9fs_cache */
	pthread_mutex_t mu;
	pthread_mutex_t ino_mu;
	struct p9fs_dentry *root;
	struct p9fs_dentry **hash;
	size_t hash_size;		/* power of two */
	size_t hash_count;
	struct p9fs_inode **inodes;
	size_t inode_size;		/* power of two */
	uint64_t seq;			/* walks so far (shared cache), under mu */
	uint64_t gen;			/* changes to the hash, under mu: a lookup whose answer
					 * arrives after one keeps the newer cache */
	pthread_mutex_t buf_mu;
	void *bufs[4];			/* spare reply buffers of msize bytes */
	int nbufs;
};

/* A reply buffer of msize bytes (from the spares when there is one); NULL: ENOMEM. */
void *p9fs_buf_get(struct p9fs_fs *fs);
void p9fs_buf_put(struct p9fs_fs *fs, void *buf);

struct p9fs_file {
	struct sentry_file base;	/* first: the core's part */
	struct p9fs_fs *fs;
	struct p9fs_dentry *own;	/* the file's reference on its dentry */
	/* Directories: the entries read at the first getdents (or after a rewind to 0). */
	struct p9fs_dirent *ents;
	size_t nents;
	int have_ents;
};

/* A directory entry of a listing snapshot. */
struct p9fs_dirent {
	uint64_t ino;
	uint8_t type;
	uint16_t len;
	char *name;
};

static inline struct p9fs_dentry *p9fs_d(struct sentry_dentry *d)
{
	return (struct p9fs_dentry *)d;
}

/* p9fs_cache.c: dentries, inodes, the hash. */
/* The hashed child @name of @dir (positive or negative), or NULL. Under fs->mu. */
struct p9fs_dentry *p9fs_lookup(struct p9fs_fs *fs, struct p9fs_dentry *dir, const char *name,
				size_t len);
/* Enters a new dentry for @name under @dir with @fid (taken) and the inode of @path with
 * attributes @st (P9_NOFID and NULL @st: a negative dentry), replacing a hashed one of the same
 * name. *ret is borrowed (the hash holds it). Returns 0 or -ENOMEM (then @fid was clunked).
 * Under fs->mu. */
int p9fs_enter(struct p9fs_fs *fs, struct p9fs_dentry *dir, const char *name, size_t len,
	       uint32_t fid, uint64_t path, const struct sentry_statx *st, struct p9fs_dentry **ret);
/* Takes @d out of the hash (dead; freed by its last put). Under fs->mu. */
void p9fs_unhash(struct p9fs_fs *fs, struct p9fs_dentry *d);
/* Moves hashed @d to @name under @dir (rename). Returns 0 or -ENOMEM. Under fs->mu. */
int p9fs_move(struct p9fs_fs *fs, struct p9fs_dentry *d, struct p9fs_dentry *dir,
	      const char *name, size_t len);
/* The root dentry for attach fid @fid. NULL: ENOMEM. */
struct p9fs_dentry *p9fs_root_new(struct p9fs_fs *fs, uint32_t fid, uint64_t path,
				  const struct sentry_statx *st);
void p9fs_dentry_get(struct sentry_fs *fs, struct sentry_dentry *d);
void p9fs_dentry_put(struct sentry_fs *fs, struct sentry_dentry *d);
/* Frees every dentry and inode (release_fs). */
void p9fs_cache_free(struct p9fs_fs *fs);
/* Rgetattr into statx. */
void p9fs_attr_from(const struct p9_rgetattr *g, struct sentry_statx *st);
/* Updates @in's attributes from a reply (under fs->mu, takes in->io). */
void p9fs_attr_set(struct p9fs_inode *in, const struct p9_rgetattr *g);
/* Frees pages of @in from page @first on (under in->io). */
void p9fs_pages_trim(struct p9fs_fs *fs, struct p9fs_inode *in, uint64_t first);

/* p9fs_walk.c */
/* State of one path operation across the round trips its walk makes. */
struct p9fs_wk {
	struct p9fs_dentry *held;	/* a reference kept across a dropped fs->mu, or NULL */
	uint64_t seq;			/* shared cache: dentries validated at or after it are fresh */
};
/* Walks @rp from its start, all of it or (@stop_final) to the final component's directory,
 * leaving the final unconsumed. *ret is borrowed. Drops and retakes fs->mu around round trips
 * (a run of up to 16 uncached names is one round trip). Returns 0, -ENOENT, -ENOTDIR, -EACCES,
 * -ELOOP, -ENAMETOOLONG, -EXDEV, -SENTRY_ERESOLVE, -ECONNRESET. Under fs->mu; @wk zeroed by the
 * caller, finished with p9fs_wk_done once the caller holds its own references. */
int p9fs_walk(struct p9fs_fs *fs, struct sentry_rp *rp, int stop_final, struct p9fs_dentry **ret,
	      struct p9fs_wk *wk);
/* The child @name of @dir, from the cache or one round trip (negative when it does not exist).
 * *ret is borrowed. Under fs->mu. */
int p9fs_child(struct p9fs_fs *fs, struct p9fs_dentry *dir, const char *name, size_t len,
	       struct p9fs_dentry **ret, struct p9fs_wk *wk);
/* Keeps @d alive across a dropped fs->mu (until p9fs_wk_done). Under fs->mu. */
void p9fs_wk_hold(struct p9fs_fs *fs, struct p9fs_wk *wk, struct p9fs_dentry *d);
/* Drops what the walk kept. Any lock state. */
void p9fs_wk_done(struct p9fs_fs *fs, struct p9fs_wk *wk);
/* may_access for the rp's caller on @in. Returns 0 or -EACCES. */
int p9fs_may(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_inode *in, uint32_t may);
/* Reads and caches the target of symlink @d (fs->mu dropped around the round trip). */
int p9fs_target(struct p9fs_fs *fs, struct p9fs_dentry *d, struct p9fs_wk *wk);
/* Request builders. */
void p9fs_req_getattr(struct p9c_call *call, uint32_t fid);
/* A Twalk of one name (@name NULL: none, a clone) from @fid to @newfid. */
void p9fs_req_walk(struct p9c_call *call, uint32_t fid, uint32_t newfid, const char *name,
		   size_t len);
/* Runs @calls with fs->mu dropped, keeping @d alive. Returns p9c_run's result. */
int p9fs_run_unlocked(struct p9fs_fs *fs, struct p9fs_wk *wk, struct p9fs_dentry *d,
		      struct p9c_call *calls, size_t n);

/* p9fs_ops.c: the fs ops slots (see sentry/fs.h). */
int p9fs_get_dentry_at(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry **ret_d);
int p9fs_open_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
		 struct sentry_file **ret_file);
int p9fs_dentry_stat(struct sentry_fs *fs, struct sentry_dentry *d, uint32_t mask,
		     struct sentry_statx *ret);
int p9fs_stat_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mask,
		 struct sentry_statx *ret);
int p9fs_dentry_setstat(struct sentry_fs *fs, struct sentry_dentry *d,
			const struct sentry_creds *creds, const struct sentry_setstat *ss);
int64_t p9fs_readlink_at(struct sentry_fs *fs, struct sentry_rp *rp, char *buf, size_t size);
int p9fs_statfs_at(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_statfs *st);
int64_t p9fs_getxattr_at(struct sentry_fs *fs, struct sentry_rp *rp, const char *name,
			 void *buf, size_t size);
int p9fs_setxattr_at(struct sentry_fs *fs, struct sentry_rp *rp, const char *name,
		     const void *value, size_t size, int flags);
int64_t p9fs_listxattr_at(struct sentry_fs *fs, struct sentry_rp *rp, char *buf, size_t size);
int p9fs_removexattr_at(struct sentry_fs *fs, struct sentry_rp *rp, const char *name);
/* Opens @in's I/O handle from dentry fid @fid if it has none fit for @want_write. Under in->io. */
int p9fs_handle(struct p9fs_fs *fs, struct p9fs_inode *in, uint32_t fid, int want_write);
/* Creates the file of open(O_CREAT) as @name in @dir; *ret borrowed. Under fs->mu. */
int p9fs_create_file(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir,
		     const char *name, size_t len, uint32_t mode, struct p9fs_dentry **ret,
		     struct p9fs_wk *wk);

/* p9fs_namei.c */
int p9fs_mkdir_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode);
int p9fs_mknod_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode, uint32_t major,
		  uint32_t minor);
int p9fs_symlink_at(struct sentry_fs *fs, struct sentry_rp *rp, const char *target);
int p9fs_link_at(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry *target);
int p9fs_rename_at(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry *old_parent,
		   const char *old_name, uint32_t flags);
int p9fs_unlink_at(struct sentry_fs *fs, struct sentry_rp *rp);
int p9fs_rmdir_at(struct sentry_fs *fs, struct sentry_rp *rp);
int p9fs_bind_endpoint_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode,
			  void *endpoint);
int p9fs_bound_endpoint_at(struct sentry_fs *fs, struct sentry_rp *rp, void **ret_endpoint);
/* Finishes a creation in @dir: sends @npre requests @pre (the creation last) followed by a walk
 * to @name, its owner set to the caller's fsuid (and @mode again when it has setuid/setgid
 * bits, which the chown cleared; @mode 0: no owner change, for links), and both attributes, in one round trip; enters the new dentry
 * (*ret, borrowed). @pre is updated with the replies. Returns 0 or the first -errno. Under
 * fs->mu, dropped around the round trip. */
int p9fs_made(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir,
	      const char *name, size_t len, struct p9c_call *pre, size_t npre, uint32_t mode,
	      struct p9fs_dentry **ret, struct p9fs_wk *wk);
/* The group of a new file in @dir: the directory's when it is setgid, else the fsgid. */
uint32_t p9fs_new_gid(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir);

/* p9fs_data.c: file ops. */
extern const struct sentry_file_ops p9fs_reg_ops, p9fs_dir_ops;
