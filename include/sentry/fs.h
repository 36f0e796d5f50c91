/*
 * sentry/fs.h: filesystems for the Sentry's VFS (fs-memfs, fs-gofer9p, third-party).
 *
 * The VFS2 shape (DESIGN.md, Filesystem ops). Path resolution is driven by the filesystem: for a
 * path operation the core hands the filesystem a resolving path (struct sentry_rp), positioned at
 * a dentry of that filesystem, and the filesystem walks as many components as it owns, asking the
 * resolving path (svc->rp) to cross mounts, handle ".." at a root and follow symlinks. When one
 * of those asks returns -SENTRY_ERESOLVE, the filesystem returns it unchanged; the core then
 * continues the walk elsewhere (another mount, the root for an absolute symlink) and may call the
 * same or another filesystem again. A remote filesystem can so resolve a whole path in one round
 * trip.
 *
 * Objects and ownership:
 * - struct sentry_fs: a filesystem instance (one per mount source), plugin-defined and opaque.
 * - struct sentry_dentry: a name in the tree. The plugin embeds it as the first member of its own
 *   dentry and counts references itself (dentry_get/dentry_put); the core's fields in it are for
 *   mount lookup. A dentry returned through a ret_ pointer carries a new reference.
 * - struct sentry_file: an open file description. The plugin embeds it first in its own file
 *   object; the core holds one reference per FD-table entry and releases it once.
 *
 * Flags: open flags are Linux's O_* values, modes Linux's S_IF* and permission bits, errors the
 * errno Linux gives for the same input (see each slot). Unless a slot says otherwise it is called
 * with no core lock held, from the task thread doing the system call.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/services.h"
#include "sentry/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by a resolving-path operation, and then by the filesystem unchanged, when the core must
 * take over the walk (mount crossing, ".." above a filesystem root, absolute symlink). Inside the
 * errno range so the core's result check passes it, but no real errno uses it. */
#define SENTRY_ERESOLVE 4000

/* Limits Linux enforces on paths (ENAMETOOLONG) and symlink chains (ELOOP). */
#define SENTRY_NAME_MAX	   255
#define SENTRY_PATH_MAX	   4096
#define SENTRY_SYMLOOP_MAX 40

/* Access wanted, for may_access. */
#define SENTRY_MAY_EXEC	 1u
#define SENTRY_MAY_WRITE 2u
#define SENTRY_MAY_READ	 4u

struct sentry_fs;
struct sentry_file;

/* Base of a plugin's dentry. The plugin zeroes it when it makes the dentry; afterwards only the
 * core writes mount_count (under its mount lock) and the plugin sets SENTRY_DENTRY_DEAD when it
 * unlinks the name. */
struct sentry_dentry {
	/* Number of mounts whose mountpoint is this dentry. Nonzero makes rp check_mount look the
	 * mount up; zero keeps the walk free of hash lookups. */
	uint32_t mount_count;
	/* SENTRY_DENTRY_* bits. */
	uint32_t flags;
};

/* The dentry was unlinked or is a mountpoint of a detached mount; new mounts on it fail. */
#define SENTRY_DENTRY_DEAD 1u

/*
 * Resolving path operations, provided by the core in svc->rp. The rp is valid only for the
 * duration of the *_at call it was passed to. "Current component" is the next name to walk;
 * "." and ".." components reach the filesystem (it asks check_root before walking "..").
 */
struct sentry_rp_ops {
	/* True when no components are left: the walk ended on the start dentry or after advance(). */
	int (*done)(struct sentry_rp *rp);
	/* True when the current component is the last one. */
	int (*final)(struct sentry_rp *rp);
	/* The current component, not NUL-terminated; *ret_len is its length (1..SENTRY_NAME_MAX;
	 * the core rejected longer ones with -ENAMETOOLONG before the walk). NULL when done(). */
	const char *(*component)(struct sentry_rp *rp, size_t *ret_len);
	/* Consumes the current component, moving to the next. */
	void (*advance)(struct sentry_rp *rp);
	/* The dentry the walk starts from in this call (borrowed). */
	struct sentry_dentry *(*start)(struct sentry_rp *rp);
	/* The credentials of the caller (borrowed). */
	const struct sentry_creds *(*creds)(struct sentry_rp *rp);
	/* Called before walking ".." from @d. Returns 0 when the filesystem should walk to its own
	 * parent, 1 when @d is the process root (".." stays at @d: the filesystem consumes the
	 * component and goes on), or -SENTRY_ERESOLVE when @d is the root of its mount and the core
	 * must continue in the parent mount. A negative errno (-EXDEV under RESOLVE_BENEATH or
	 * RESOLVE_NO_XDEV) ends the walk: the filesystem returns it. */
	int (*check_root)(struct sentry_rp *rp, struct sentry_dentry *d);
	/* Called after stepping onto @d (not for the start dentry). Returns 0, or -SENTRY_ERESOLVE
	 * when a mount covers @d and the walk continues there. The component leading to @d must
	 * already be consumed with advance(). -EXDEV under RESOLVE_NO_XDEV. A filesystem may skip
	 * the call when d->mount_count is 0 (the answer is then always 0), which keeps its walk
	 * free of calls for the common case. */
	int (*check_mount)(struct sentry_rp *rp, struct sentry_dentry *d);
	/* True if a symlink found as the final component must be followed (no O_NOFOLLOW, no
	 * AT_SYMLINK_NOFOLLOW, or the path ends in "/"). Non-final symlinks are always followed. */
	int (*should_follow)(struct sentry_rp *rp);
	/* Called with a symlink's target after its component was consumed. Splices the target's
	 * components in front of the remaining ones. Returns 0 when the target is relative (walk on
	 * from the symlink's parent), -SENTRY_ERESOLVE when absolute, -ELOOP after
	 * SENTRY_SYMLOOP_MAX symlinks or under RESOLVE_NO_SYMLINKS, -ENAMETOOLONG, -ENOENT for an
	 * empty target, -EXDEV for an absolute target under RESOLVE_BENEATH, -ENOMEM. The target is
	 * copied: the filesystem may drop its locks as soon as the call returns. */
	int (*handle_symlink)(struct sentry_rp *rp, const char *target, size_t len);
	/* True when the path must name a directory (trailing "/" or O_DIRECTORY): a final non-dir is
	 * -ENOTDIR. */
	int (*must_be_dir)(struct sentry_rp *rp);
	/* Before creating, removing, renaming or changing anything: 0, or -EROFS on a read-only
	 * mount. Each successful call is paired with write_end. */
	int (*write_begin)(struct sentry_rp *rp);
	void (*write_end)(struct sentry_rp *rp);
	/* Appended for remote filesystems. The component @i places after the current one (0: the
	 * current one, as component()), not NUL-terminated, with *ret_len; NULL when the path, with
	 * the symlink targets spliced so far, has fewer. Consumes nothing: a filesystem may ask its
	 * server for a run of names in one request, then step onto each with advance(),
	 * check_mount() and the symlink rules as usual. */
	const char *(*peek)(struct sentry_rp *rp, size_t i, size_t *ret_len);
};

/* Attribute changes, for setstat. @mask holds SENTRY_STATX_MODE, _UID, _GID, _SIZE, _ATIME and
 * _MTIME for the fields to set; the core has already checked permissions (chmod, chown rules,
 * write access for truncate) and cleared setuid/setgid bits where Linux does. */
struct sentry_setstat {
	uint32_t mask;			/* which fields below apply */
	uint32_t mode;			/* permission bits only (07777) */
	uint32_t uid;			/* new owner */
	uint32_t gid;			/* new group */
	uint64_t size;			/* new size (truncate) */
	struct sentry_timespec atime;	/* nsec may be SENTRY_UTIME_NOW */
	struct sentry_timespec mtime;	/* nsec may be SENTRY_UTIME_NOW */
};

/* One directory entry for a getdents emitter. */
struct sentry_dirent {
	uint64_t ino;		/* inode number */
	int64_t next_off;	/* directory offset that resumes after this entry */
	uint8_t type;		/* DT_* value */
	uint16_t name_len;	/* bytes at name */
	const char *name;	/* not NUL-terminated; borrowed */
};

/* Where iterate() puts entries. emit returns 0 to continue, or 1 when the caller's buffer is full
 * (the entry was not taken: iterate stops and leaves its offset before that entry). */
struct sentry_dir_emitter {
	int (*emit)(struct sentry_dir_emitter *e, const struct sentry_dirent *de);
};

/* Advisory lock request; the core implements flock and POSIX record locks itself and calls a
 * filesystem only when it has a lock slot (a remote filesystem shared with the host). */
struct sentry_lock {
	uint32_t type;		/* F_RDLCK, F_WRLCK, F_UNLCK */
	uint32_t flags;		/* 1: wait for the lock (F_SETLKW / no LOCK_NB) */
	int64_t start;		/* first byte */
	int64_t len;		/* bytes, 0 = to the end */
	uint64_t owner;		/* opaque lock owner chosen by the core */
	int32_t pid;		/* pid reported by F_GETLK */
};

/* Operations on an open file description. Every slot is optional with the default given, so one
 * table shape fits regular files, directories, pipes and devices. The core reads slots only
 * through SENTRY_OPS_HAS(file->ops, file->ops_size, slot). */
struct sentry_file_ops {
	/* Reads into @iov[0..@iov_count) from *@off (advanced by the bytes read). @task is the
	 * caller (for blocking). Returns bytes, 0 at end of file, -EAGAIN with O_NONBLOCK, -errno.
	 * NULL: -EINVAL. A directory returns -EISDIR. */
	int64_t (*read)(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t iov_count, int64_t *off);
	/* Writes; as read. With O_APPEND the filesystem sets *@off to the end first, under its own
	 * lock, so concurrent appends do not interleave. Returns bytes, -EFBIG, -ENOSPC, -errno.
	 * NULL: -EINVAL. */
	int64_t (*write)(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t iov_count, int64_t *off);
	/* New offset for lseek(2) from *@off. Returns 0 and sets *@off, or -EINVAL, -ENXIO
	 * (SEEK_DATA/SEEK_HOLE past the end). NULL: the core's generic seek over the size from
	 * dentry_stat (SEEK_DATA/SEEK_HOLE treat the file as all data). */
	int (*seek)(struct sentry_file *file, int64_t *off, int whence);
	/* Emits entries from directory offset *@off, updating it past each entry taken; entries added
	 * or removed during the walk must neither repeat nor skip the others. NULL: -ENOTDIR. */
	int (*iterate)(struct sentry_file *file, struct sentry_dir_emitter *e, int64_t *off);
	/* Current readiness among @mask (SENTRY_EV_*). NULL: IN|OUT, as a regular file. */
	uint32_t (*readiness)(struct sentry_file *file, uint32_t mask);
	/* The queue notified when readiness changes. NULL: never changes. */
	struct sentry_waitq *(*waitq)(struct sentry_file *file);
	/* ioctl(2); @arg is an application address or value. Returns >= 0 or -errno. NULL: -ENOTTY. */
	int64_t (*ioctl)(struct sentry_file *file, struct sentry_task *task, uint32_t cmd,
			 uint64_t arg);
	/* The mmap source: the memory-file offset backing the page at file offset @off (page
	 * aligned) and how many contiguous bytes from it (*ret_len >= 4096). @access is
	 * SENTRY_ACCESS_* bits of sentry/platform.h (write: allocate and dirty). Returns 0, -ENOMEM,
	 * -EFAULT (past the end: SIGBUS). NULL: mmap gives -ENODEV. */
	int (*translate)(struct sentry_file *file, int64_t off, uint32_t access, uint64_t *ret_mf_off,
			 uint64_t *ret_len);
	/* fsync(2)/fdatasync(2). NULL: 0. */
	int (*fsync)(struct sentry_file *file, int datasync);
	/* fallocate(2). NULL: -EOPNOTSUPP. */
	int (*fallocate)(struct sentry_file *file, int mode, int64_t off, int64_t len);
	/* Advisory locks held by the filesystem (remote). NULL: the core's local lock table. */
	int (*lock)(struct sentry_file *file, struct sentry_task *task, struct sentry_lock *lk,
		    int getlk);
	/* The last reference went away: free the plugin's file object. NULL: nothing to free. */
	void (*release)(struct sentry_file *file);
};

/* Base of a plugin's open file description, its first member. */
struct sentry_file {
	/* Set by the filesystem before returning the file. */
	const struct sentry_file_ops *ops;
	size_t ops_size;
	/* Linux file status flags (O_APPEND, O_NONBLOCK, O_DIRECT, ...) and access mode; the core
	 * keeps it current for fcntl(F_SETFL) and the filesystem reads it. */
	uint32_t flags;
	/* S_IFCHR, S_IFBLK or S_IFIFO when the filesystem opened a device node or FIFO and leaves
	 * its I/O to the core, as Linux leaves it to the driver: the filesystem only checks
	 * permissions and returns a file with this set (its ops need nothing but release). The
	 * core then serves the description with the device's (or pipe's) operations and keeps
	 * this file for release. 0 for every other file. */
	uint32_t special;
	/* The dentry opened. The filesystem sets it and keeps it referenced until release: it takes
	 * that reference before dropping its locks in open_at, so the dentry cannot go between
	 * open_at returning and the core taking its own. */
	struct sentry_dentry *dentry;
};

/* The filesystem kind's ops table (descriptor kind SENTRY_PLUGIN_FS). @fs is always an instance
 * made by this table's get_fs. Slots marked "NULL: -E" give that errno to the application. */
struct sentry_fs_ops {
	/* Mandatory. Makes a filesystem instance for mount(2): @source and @data are mount's
	 * arguments ("none", "size=64m,mode=1777"), @flags MS_* bits. *ret_root is the root dentry
	 * with a reference. Returns 0, -EINVAL (bad data), -ENOMEM, -ENODEV. */
	int (*get_fs)(void *state, const char *source, const char *data, uint64_t flags,
		      const struct sentry_creds *creds, struct sentry_fs **ret_fs,
		      struct sentry_dentry **ret_root);
	/* Mandatory. The last mount of @fs went away and every dentry reference was put. */
	void (*release_fs)(struct sentry_fs *fs);
	/* Mandatory. Reference counting of the plugin's dentries. */
	void (*dentry_get)(struct sentry_fs *fs, struct sentry_dentry *d);
	void (*dentry_put)(struct sentry_fs *fs, struct sentry_dentry *d);

	/* Mandatory. Resolves the whole of @rp to a dentry (chdir, mount targets, O_PATH, the *at
	 * calls whose filesystem slot is NULL). *ret_d has a new reference. Returns 0, -ENOENT,
	 * -ENOTDIR, -EACCES (search permission), -ELOOP, -ENAMETOOLONG, -SENTRY_ERESOLVE. */
	int (*get_dentry_at)(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry **ret_d);
	/* Mandatory. open(2) of @rp with Linux @flags; creates with @mode (umask applied) under
	 * O_CREAT. *ret_file is new, with flags set. Returns 0, -EEXIST (O_CREAT|O_EXCL), -EISDIR
	 * (write open of a directory), -ENOTDIR, -ENXIO, -ETXTBSY, -EACCES, -EROFS, -ENOSPC, -ELOOP
	 * (final symlink with O_NOFOLLOW), -SENTRY_ERESOLVE. */
	int (*open_at)(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
		       struct sentry_file **ret_file);
	/* Mandatory. Attributes of @d (fstat, O_PATH files, the default of stat_at). */
	int (*dentry_stat)(struct sentry_fs *fs, struct sentry_dentry *d, uint32_t mask,
			   struct sentry_statx *ret_stat);

	/* Optional. stat(2) of @rp in one call. NULL: get_dentry_at + dentry_stat. */
	int (*stat_at)(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mask,
		       struct sentry_statx *ret_stat);
	/* Optional. Applies @ss to @d (fchmod, fchown, ftruncate, futimens). NULL: -EPERM. */
	int (*dentry_setstat)(struct sentry_fs *fs, struct sentry_dentry *d,
			      const struct sentry_creds *creds, const struct sentry_setstat *ss);
	/* Optional. setstat of @rp in one call. NULL: get_dentry_at + dentry_setstat. */
	int (*setstat_at)(struct sentry_fs *fs, struct sentry_rp *rp,
			  const struct sentry_setstat *ss);
	/* Optional. mkdir(2) of the final component of @rp. NULL: -EPERM. */
	int (*mkdir_at)(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode);
	/* Optional. mknod(2): @mode has the type (S_IFREG, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK).
	 * NULL: -EPERM. */
	int (*mknod_at)(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode, uint32_t major,
			uint32_t minor);
	/* Optional. symlink(2) at @rp pointing to @target (NUL-terminated). NULL: -EPERM. */
	int (*symlink_at)(struct sentry_fs *fs, struct sentry_rp *rp, const char *target);
	/* Optional. link(2): new name @rp for @target (same filesystem; the core checked EXDEV). As
	 * for rename_at, @rp is one component from the resolved parent. -EEXIST, -EPERM (directory),
	 * -ENOENT (target unlinked meanwhile, unless an O_TMPFILE file), -EMLINK. NULL: -EPERM. */
	int (*link_at)(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry *target);
	/* Optional. rename(2)/renameat2(2): moves @old_name in @old_parent (same filesystem) to @rp
	 * with RENAME_* @flags. The core resolved both parents (both on one mount, else it gave
	 * -EXDEV) and hands an @rp of one component, the new name, from the new parent; names "."
	 * and ".." never get here (-EBUSY in the core). Returns -EINVAL (directory into its own subtree), -ENOTEMPTY,
	 * -EISDIR, -ENOTDIR, -EEXIST (RENAME_NOREPLACE), -EBUSY (mountpoint). NULL: -EPERM. */
	int (*rename_at)(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_dentry *old_parent,
			 const char *old_name, uint32_t flags);
	/* Optional. unlink(2) of @rp. -EISDIR for a directory, -EBUSY for a mountpoint. NULL:
	 * -EPERM. */
	int (*unlink_at)(struct sentry_fs *fs, struct sentry_rp *rp);
	/* Optional. rmdir(2) of @rp. -ENOTEMPTY, -ENOTDIR, -EBUSY, -EINVAL for ".". NULL: -EPERM. */
	int (*rmdir_at)(struct sentry_fs *fs, struct sentry_rp *rp);
	/* Optional. readlink(2) of @rp into @buf, not NUL-terminated. Returns bytes or -EINVAL (not
	 * a symlink). NULL: -EINVAL. */
	int64_t (*readlink_at)(struct sentry_fs *fs, struct sentry_rp *rp, char *buf, size_t size);
	/* Optional. statfs(2) of the filesystem holding @rp. NULL: -ENOSYS. */
	int (*statfs_at)(struct sentry_fs *fs, struct sentry_rp *rp, struct sentry_statfs *ret_st);
	/* Optional. Extended attributes of @rp, as getxattr(2) (size 0 asks for the size),
	 * setxattr(2) (XATTR_CREATE/XATTR_REPLACE), listxattr(2), removexattr(2). The core checked
	 * the namespace prefix and permissions. NULL: -EOPNOTSUPP. */
	int64_t (*getxattr_at)(struct sentry_fs *fs, struct sentry_rp *rp, const char *name,
			       void *buf, size_t size);
	int (*setxattr_at)(struct sentry_fs *fs, struct sentry_rp *rp, const char *name,
			   const void *value, size_t size, int flags);
	int64_t (*listxattr_at)(struct sentry_fs *fs, struct sentry_rp *rp, char *buf, size_t size);
	int (*removexattr_at)(struct sentry_fs *fs, struct sentry_rp *rp, const char *name);
	/* Optional. The AF_UNIX endpoint bound at socket inode @rp (connect to a path), borrowed:
	 * the core's AF_UNIX code owns endpoints and keeps them valid. -ECONNREFUSED for a socket
	 * inode with none (made by mknod), -ENOENT, -ENOTSOCK... as connect(2) would see them.
	 * NULL: -ECONNREFUSED. Stored by bind_endpoint_at. */
	int (*bound_endpoint_at)(struct sentry_fs *fs, struct sentry_rp *rp, void **ret_endpoint);
	/* Optional. Creates a socket inode at @rp holding @endpoint (bind(2) to a path). -EADDRINUSE
	 * if the name exists. NULL: -EPERM. */
	int (*bind_endpoint_at)(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t mode,
				void *endpoint);
	/* Optional. syncfs(2). NULL: 0. */
	int (*sync_fs)(struct sentry_fs *fs);
};

/* Mandatory slots, for the loader and for plugin authors. */
#define SENTRY_FS_OPS_MANDATORY(X)                                                             \
	X(get_fs) X(release_fs) X(dentry_get) X(dentry_put) X(get_dentry_at) X(open_at)        \
	X(dentry_stat)

#ifdef __cplusplus
}
#endif
