/*
 * core/vfs/vfs.h: the Sentry's virtual filesystem, the API the system calls use.
 *
 * VFS2 shape (DESIGN.md, Filesystem ops; core/vfs/README.md for references and lock order):
 * a path operation builds a resolving path (struct vfs_rp, resolve.c) and hands it to the
 * filesystem of the start point through its ops table; the filesystem walks what it owns and
 * calls back (svc->rp) to cross mounts, climb above its root and follow absolute symlinks.
 * Mounts live in a mount namespace, looked up by (parent mount, mountpoint dentry).
 *
 * Conventions: every function returns 0 (or a count) or a negative Linux errno. @dirf is the
 * directory file of an *at call (borrowed), NULL for AT_FDCWD. Paths are NUL-terminated and
 * already copied in from the application.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sentry/fs.h"

struct eventpoll_item;
struct plg_plugin;
struct vfs_lock_inode;
struct vfs_mount;
struct vfs_mntns;

/* A filesystem instance in the core: one per get_fs, shared by its bind mounts. */
struct vfs_fs {
	atomic_long refs;		/* mounts and open files */
	struct plg_plugin *plugin;	/* the plugin that made it (borrowed from the plugin set) */
	const struct sentry_fs_ops *ops;
	size_t ops_size;
	struct sentry_fs *fs;		/* the plugin's instance */
	uint32_t dev_minor;		/* st_dev minor (major 0, as Linux's anonymous devices) */
};

/* A position in the tree: a dentry as seen through a mount. Holders of a vfs_path own one
 * reference on each of mnt and d. */
struct vfs_path {
	struct vfs_mount *mnt;
	struct sentry_dentry *d;
};

/* A mount. See README.md for who references whom. */
struct vfs_mount {
	atomic_long refs;		/* namespace attachment + paths + child mounts */
	struct vfs_fs *fs;		/* one reference */
	struct sentry_dentry *root;	/* one dentry reference */
	struct vfs_mount *parent;	/* NULL for a namespace root or a detached mount */
	struct sentry_dentry *mountpoint; /* dentry of parent, one reference while attached */
	struct vfs_mntns *ns;		/* NULL once detached */
	uint32_t flags;			/* VFS_MNT_* */
	uint32_t child_count;		/* mounts whose parent is this one */
	atomic_long writers;		/* files open for writing (remount read-only: EBUSY) */
	struct vfs_mount *hash_next;	/* chain in ns->hash */
	struct vfs_mount *sib_next;	/* list of all mounts in ns (ns->all) */
};

/* Per-mount flags (mount(2) MS_* equivalents kept by the core). */
enum {
	VFS_MNT_RDONLY = 1u << 0,
	VFS_MNT_NOSUID = 1u << 1,
	VFS_MNT_NODEV = 1u << 2,
	VFS_MNT_NOEXEC = 1u << 3,
};

/* A mount namespace: the mount tree of a set of processes, copied by unshare(CLONE_NEWNS). */
struct vfs_mntns {
	atomic_long refs;
	pthread_rwlock_t lock;		/* the mount tree; walks hold it for reading */
	struct vfs_mount *root;		/* one reference (the attachment of the root mount) */
	struct vfs_mount **hash;	/* buckets keyed by (parent, mountpoint) */
	size_t hash_size;		/* power of two */
	size_t count;			/* mounts attached */
	struct vfs_mount *all;		/* every attached mount */
};

/* The caller's filesystem context: credentials, root (chroot) and cwd, umask, namespace. */
struct vfs_ctx {
	int refs;			/* tasks sharing it (CLONE_FS); vfs_ctx_free drops one */
	struct sentry_creds creds;
	struct vfs_path root;		/* references owned */
	struct vfs_path cwd;		/* references owned */
	struct vfs_mntns *ns;		/* one reference */
	uint32_t umask;
};

/* An open file description. */
struct vfs_file {
	atomic_long refs;
	struct sentry_file *sf;		/* the plugin's file; NULL for O_PATH */
	struct vfs_path path;		/* references owned */
	uint32_t flags;			/* O_* status flags and access mode, O_PATH */
	pthread_mutex_t pos_lock;	/* serialises offset updates (read, write, lseek) */
	int64_t off;			/* file offset */
	/* The offset is kept by the file itself (a host descriptor's): sequential I/O passes
	 * offset -1 to the file's read/write, lseek goes straight to its seek. */
	int stream;
	/* The filesystem's file of a device node whose I/O sf serves (sentry_file.special);
	 * released with the description. NULL otherwise. */
	struct sentry_file *node_sf;
	struct vfs_lock_inode *lk;	/* lock state of the inode (lock.c), under its mutex; NULL
					 * until this description first locks */
	/* The name it was opened by, for /proc/PID/fd and maps (vfs_file_name): the core keeps
	 * no dentry names, so the path as given, with "." and ".." folded; relative to
	 * @name_dir (referenced) unless it starts with "/". NULL for files made by the core. */
	char *name;
	struct vfs_path name_dir;
	/* The epoll items watching this description (ipc/epoll.h), changed under epoll's lock;
	 * vfs_file_put reads it unlocked only to see whether there are any to drop. */
	struct eventpoll_item *_Atomic epolls;
};

/* Debug counters of live objects, for leak checks in tests. */
struct vfs_counters {
	long mounts;
	long files;
	long fss;
	long namespaces;
	long dentry_refs;	/* dentry references held by the core (paths, mounts, files) */
};
void vfs_counters(struct vfs_counters *ret);

/* Fills svc->rp with the resolving-path operations. */
void vfs_fill_services(struct sentry_services *svc);

/* --- filesystems and namespaces (mount.c) --- */

/* Drops a dentry reference the core was given (the root from vfs_fs_new). */
void vfs_fs_dput(struct vfs_fs *fs, struct sentry_dentry *d);

/* Makes a filesystem instance with plugin @p (initialised, kind FS) for @source/@data.
 * *ret_root is its root with a reference. Returns 0 or the plugin's -errno, -ENODEV. */
int vfs_fs_new(struct plg_plugin *p, const char *source, const char *data, uint64_t flags,
	       const struct sentry_creds *creds, struct vfs_fs **ret_fs,
	       struct sentry_dentry **ret_root);
void vfs_fs_get(struct vfs_fs *fs);
void vfs_fs_put(struct vfs_fs *fs);

/* A new namespace whose root mount is @fs at @root (both references taken). */
int vfs_mntns_new(struct vfs_fs *fs, struct sentry_dentry *root, struct vfs_mntns **ret_ns);
void vfs_mntns_get(struct vfs_mntns *ns);
/* Drops a reference; the last one detaches every mount. */
void vfs_mntns_put(struct vfs_mntns *ns);

/* A new namespace with a copy of every mount of @old (same filesystems, roots, places and
 * flags): what unshare(CLONE_NEWNS)/clone(CLONE_NEWNS) give the child. Returns 0 or -ENOMEM. */
int vfs_mntns_copy(struct vfs_mntns *old, struct vfs_mntns **ret_ns);
/* unshare(CLONE_NEWNS) for @ctx: its namespace becomes a copy, root and cwd move to the copies
 * of their mounts. Returns 0 or -ENOMEM. */
int vfs_ctx_unshare_ns(struct vfs_ctx *ctx);

void vfs_mount_get(struct vfs_mount *m);
void vfs_mount_put(struct vfs_mount *m);

void vfs_path_get(const struct vfs_path *p);
void vfs_path_put(struct vfs_path *p);

/* A context rooted (root and cwd) at the root of @ns, with @creds and umask 022. */
int vfs_ctx_new(struct vfs_mntns *ns, const struct sentry_creds *creds, struct vfs_ctx **ret_ctx);
/* fork(2)'s copy of @src: the same namespace, root, cwd, creds and umask. */
int vfs_ctx_copy(const struct vfs_ctx *src, struct vfs_ctx **ret_ctx);
void vfs_ctx_free(struct vfs_ctx *ctx);
/* Another reference for a task sharing @ctx (CLONE_FS). */
void vfs_ctx_ref(struct vfs_ctx *ctx);

/* mount(2) of a new instance of plugin @p (NULL with MS_BIND) at @target. @flags: MS_RDONLY,
 * MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_REMOUNT (with MS_BIND: change flags).
 * Returns 0, -EPERM (no CAP_SYS_ADMIN), -ENOENT, -ENOTDIR (directory over non-directory or
 * the reverse), -EINVAL (remount of a non-mount root, bad flags), -ENODEV, the plugin's errors. */
int vfs_mount(struct vfs_ctx *ctx, struct plg_plugin *p, const char *source, const char *target,
	      uint64_t flags, const char *data);
/* umount2(2) with MNT_DETACH/UMOUNT_NOFOLLOW. Returns 0, -EPERM, -EINVAL (not a mount root),
 * -EBUSY (in use without MNT_DETACH, or the namespace root). */
int vfs_umount(struct vfs_ctx *ctx, const char *target, int flags);

/* @ctx's cwd (@root 0) or root (@root 1) with references (vfs_path_put), safe against the
 * owner changing it on its own thread meanwhile: /proc/PID/cwd and root of another process. */
void vfs_ctx_dir(const struct vfs_ctx *ctx, int root, struct vfs_path *ret);

/* chdir(2)/fchdir(2) and chroot(2). Return 0, -ENOENT, -ENOTDIR, -EACCES, -EPERM (chroot). */
int vfs_chdir(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path);
int vfs_chroot(struct vfs_ctx *ctx, const char *path);

/* The path of @p as seen from @ctx's root, NUL-terminated in @buf: getcwd(2)'s string (a path
 * outside the root starts with "(unreachable)"). Returns its length without the NUL, -ERANGE
 * (@size too small), -ENOENT (@p, or a directory above it, was unlinked), -ENAMETOOLONG
 * (longer than SENTRY_PATH_MAX), -ENOMEM. Takes the namespace lock for reading. */
int64_t vfs_path_string(struct vfs_ctx *ctx, const struct vfs_path *p, char *buf, size_t size);

/* --- path operations (ops.c) --- */

/* openat2(2) "how". */
struct vfs_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;	/* RESOLVE_* */
};

int vfs_openat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t flags,
	       uint32_t mode, struct vfs_file **ret_file);
int vfs_openat2(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
		const struct vfs_open_how *how, struct vfs_file **ret_file);
/* Opens the file @f refers to anew, whatever @f was opened with (O_PATH too; NULL: the cwd),
 * with open(2) @flags but O_CREAT: execveat(fd, "", AT_EMPTY_PATH) opens its file this way.
 * Returns 0 or what vfs_openat returns (-EBADF, -EACCES, -ELOOP for a symlink, ...). */
int vfs_reopen(struct vfs_ctx *ctx, struct vfs_file *f, uint32_t flags,
	       struct vfs_file **ret_file);
/* statx(2)-style stat of a path. @at: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH, AT_NO_AUTOMOUNT. */
int vfs_statat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
	       uint32_t mask, struct sentry_statx *ret_st);
int vfs_mkdirat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t mode);
int vfs_mknodat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t mode,
		uint64_t dev);
/* unlinkat(2): @at may hold AT_REMOVEDIR. */
int vfs_unlinkat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at);
int vfs_renameat2(struct vfs_ctx *ctx, struct vfs_file *olddirf, const char *oldpath,
		  struct vfs_file *newdirf, const char *newpath, uint32_t flags);
/* linkat(2): @at may hold AT_SYMLINK_FOLLOW, AT_EMPTY_PATH. */
int vfs_linkat(struct vfs_ctx *ctx, struct vfs_file *olddirf, const char *oldpath,
	       struct vfs_file *newdirf, const char *newpath, int at);
int vfs_symlinkat(struct vfs_ctx *ctx, const char *target, struct vfs_file *dirf,
		  const char *path);
/* readlinkat(2): returns bytes placed in @buf (not NUL-terminated). */
int64_t vfs_readlinkat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, char *buf,
		       size_t size);

/* setstat: chmod, chown, utimensat, truncate in one shape. @at: AT_SYMLINK_NOFOLLOW,
 * AT_EMPTY_PATH. Permission rules are Linux's (chmod: owner or CAP_FOWNER; chown: CAP_CHOWN
 * or owner giving to own group; truncate: write access; utimes NOW: write access or owner). */
int vfs_setstatat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
		  const struct sentry_setstat *ss);
int vfs_statfs(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
	       struct sentry_statfs *ret_st);
/* access(2)/faccessat2: @mode is R_OK|W_OK|X_OK or F_OK; @at may hold AT_EACCESS,
 * AT_SYMLINK_NOFOLLOW. */
int vfs_accessat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int mode, int at);

/* Extended attributes (user. and trusted. namespaces; trusted. needs CAP_SYS_ADMIN). */
int64_t vfs_getxattrat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
		       const char *name, void *buf, size_t size);
int vfs_setxattrat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
		   const char *name, const void *value, size_t size, int flags);
int64_t vfs_listxattrat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
			char *buf, size_t size);
int vfs_removexattrat(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, int at,
		      const char *name);

/* AF_UNIX path names: bind(2) makes a socket inode at @path holding @endpoint (umask applied
 * to @mode); connect(2) finds the endpoint (borrowed) of the socket at @path. Return 0,
 * -EADDRINUSE, -ECONNREFUSED (not a socket, or no endpoint), -EACCES, -ENOENT, -ENOTDIR... */
int vfs_bind_endpoint(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t mode,
		      void *endpoint);
int vfs_bound_endpoint(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
		       void **ret_endpoint);

/* --- open file descriptions (file.c) --- */

/* An open file description over core-made @sf (taken; released on failure) with no name: it
 * lives on the core's anonymous filesystem, and fstat reports @st (type and mode, at least)
 * with an inode number of its own. Returns 0 or -ENOMEM. */
int vfs_anon_file(struct sentry_file *sf, const struct sentry_statx *st, uint32_t flags,
		  struct vfs_file **ret_file);
/* vfs_anon_file for Linux's anon_inode files (eventfd, timerfd, signalfd, pidfd, epoll): fstat
 * shows mode 0600 with no file type, owned by root; @stream: the file has no position. */
int vfs_anon_inode_file(struct sentry_file *sf, uint32_t flags, int stream,
			struct vfs_file **ret_file);
/* Another open file description over @sf (taken; released on failure) on the same anonymous
 * inode as @like (borrowed, made by vfs_anon_file): the two ends of a pipe, which fstat shows
 * as one inode. Returns 0, -ENOMEM, or -EINVAL when @like is not anonymous. */
int vfs_anon_file_share(struct vfs_file *like, struct sentry_file *sf, uint32_t flags,
			struct vfs_file **ret_file);

/* What a core-made anonymous file shows and allows through /proc/PID/fd (vfs_anon_set_ops). */
struct vfs_anon_ops {
	/* Optional. The link's text, "anon_inode:[eventfd]" (Linux's anon_inode names). NULL:
	 * by file type, "pipe:[INO]", "socket:[INO]", else "anon_inode:[INO]". */
	const char *name;
	/* Optional. open(2) of /proc/PID/fd/N naming @f (borrowed): a new file over the same
	 * object for open(2) @flags (the access mode, O_NONBLOCK...), which the core wraps in a
	 * new open file description on @f's inode, as Linux's fifo_open gives a pipe a new end.
	 * Returns 0 with *ret_sf, or -errno (-ENOMEM, -EACCES). NULL: -ENXIO, as for an eventfd. */
	int (*reopen)(struct vfs_file *f, uint32_t flags, struct sentry_file **ret_sf);
	/* Optional, for an inode with an object (vfs_anon_set_obj): the link's text per inode
	 * ("/memfd:NAME (deleted)") into @buf, NUL-terminated; returns its length or
	 * -ENAMETOOLONG. Takes precedence over @name. */
	int64_t (*name_of)(void *obj, char *buf, size_t size);
	/* Optional: fstat's changing fields (size, blocks) filled from the object. */
	void (*stat)(void *obj, struct sentry_statx *st);
	/* Optional: ftruncate(2) to @size. NULL: -EPERM. */
	int (*truncate)(void *obj, uint64_t size);
	/* Optional: the inode went; drop its reference on the object. */
	void (*put)(void *obj);
};

/* Gives anonymous file @f (made by vfs_anon_file; shared with vfs_anon_file_share's files) its
 * /proc ops (@ops borrowed for the inode's life: a static table). No-op for other files. */
void vfs_anon_set_ops(struct vfs_file *f, const struct vfs_anon_ops *ops);
/* vfs_anon_set_ops with an object (taken: @ops->put drops it with the inode) that the inode's
 * name_of/stat/truncate slots are given. */
void vfs_anon_set_obj(struct vfs_file *f, const struct vfs_anon_ops *ops, void *obj);
/* The /proc/PID/fd text of anonymous file @f into @buf, NUL-terminated. Returns its length,
 * -EINVAL (not anonymous), -ENAMETOOLONG (@size too small). */
int64_t vfs_anon_name(struct vfs_file *f, char *buf, size_t size);

/* What /proc/PID/fd/N reads for @f as seen from @ctx's root, NUL-terminated: a directory's
 * path (vfs_path_string), an anonymous file's kind (vfs_anon_name), or the name the file was
 * opened by, checked to still lead to it (else, when it was unlinked, that name and
 * " (deleted)", as Linux). Returns the length, -ENAMETOOLONG, -ENOMEM, -ERANGE (@size). Walks
 * paths: call outside any walk. */
int64_t vfs_file_name(struct vfs_ctx *ctx, struct vfs_file *f, char *buf, size_t size);

void vfs_file_get(struct vfs_file *f);
void vfs_file_put(struct vfs_file *f);

/* Installs the epoll code's cleanup (ipc/epoll.h's eventpoll_file_closing), which vfs_file_put
 * calls as the last reference of a description with epoll items goes, before its file is
 * released. The epoll code installs it before it makes its first instance, so the VFS does not
 * depend on it. */
void vfs_set_epoll_closing(void (*fn)(struct vfs_file *f));

ssize_t vfs_read(struct vfs_file *f, void *buf, size_t len);
ssize_t vfs_write(struct vfs_file *f, const void *buf, size_t len);
ssize_t vfs_pread(struct vfs_file *f, void *buf, size_t len, int64_t off);
ssize_t vfs_pwrite(struct vfs_file *f, const void *buf, size_t len, int64_t off);
/* Vectored forms; @off -1 uses and advances the file offset. */
ssize_t vfs_readv(struct vfs_file *f, const struct sentry_iov *iov, size_t count, int64_t off);
ssize_t vfs_writev(struct vfs_file *f, const struct sentry_iov *iov, size_t count, int64_t off);
/* lseek(2): returns the new offset or -EINVAL, -ENXIO, -ESPIPE, -EBADF (O_PATH). */
int64_t vfs_lseek(struct vfs_file *f, int64_t off, int whence);
/* getdents64(2) into @buf (struct linux_dirent64 records). Returns bytes, 0 at the end,
 * -EINVAL (buffer too small for the next entry), -ENOTDIR, -EBADF. */
ssize_t vfs_getdents64(struct vfs_file *f, void *buf, size_t size);
int vfs_fstat(struct vfs_file *f, uint32_t mask, struct sentry_statx *ret_st);
int vfs_fsync(struct vfs_file *f, int datasync);
/* ftruncate(2): -EINVAL (not a regular file or not open for writing, negative length),
 * -EBADF (O_PATH), -EFBIG, -EROFS. */
int vfs_ftruncate(struct vfs_ctx *ctx, struct vfs_file *f, int64_t len);
int vfs_fallocate(struct vfs_file *f, int mode, int64_t off, int64_t len);
/* Whether @f was opened for reading (writing): not O_PATH and its access mode allows it. */
int vfs_file_can_read(const struct vfs_file *f);
int vfs_file_can_write(const struct vfs_file *f);
/* fcntl(F_GETFL)/fcntl(F_SETFL): only O_APPEND, O_NONBLOCK, O_ASYNC, O_DIRECT, O_NOATIME change. */
uint32_t vfs_file_getfl(struct vfs_file *f);
int vfs_file_setfl(struct vfs_file *f, uint32_t flags);
/* ioctl(2) through the file's ioctl slot; @task is the caller, for copies of @arg. Returns
 * the slot's result, -ENOTTY (no slot), -EBADF (O_PATH). */
int64_t vfs_ioctl(struct vfs_file *f, struct sentry_task *task, uint32_t cmd, uint64_t arg);
/* Readiness among @mask (SENTRY_EV_*), and the queue that announces changes (NULL: never). */
uint32_t vfs_file_readiness(struct vfs_file *f, uint32_t mask);
struct sentry_waitq *vfs_file_waitq(struct vfs_file *f);

/* --- advisory locks (lock.c; README.md, "Advisory locks") ---
 *
 * flock(2) locks and OFD record locks belong to the open file description (dups share them) and
 * go when its last reference does (vfs_file_put). Classic POSIX record locks belong to an owner
 * the caller names, the process (the syscall layer passes the tgid), and go when that owner
 * closes ANY descriptor of the inode: the fd table calls vfs_lock_release_owner on every close.
 * The two families never conflict with each other. A filesystem with a lock slot gets the
 * requests instead of the core's table (task NULL, flock as a whole-file lock owned by the
 * description, as Linux's NFS client does). Locks are per inode: hard links and bind mounts
 * share them. Thread-safe.
 */

/*
 * How a blocking lock request (flock without LOCK_NB, F_SETLKW, F_OFD_SETLKW) waits, so that
 * the kernel can end it when a signal arrives. The caller owns it: one per blocking call, set up
 * with VFS_LOCK_WAIT_INIT; the functions take NULL for a wait only the lock ends.
 */
struct vfs_lock_wait {
	/* Optional. Nonzero ends the wait with -EINTR (a signal is pending). Asked before every
	 * sleep, with the lock table's mutex held: it must not call the lock functions. */
	int (*interrupted)(void *arg);
	void *arg;			/* for interrupted */
	int cancelled;			/* set by vfs_lock_wait_interrupt; stays set */
	void *cur;			/* the request asleep on it (lock.c's, under its mutex) */
};
#define VFS_LOCK_WAIT_INIT(fn, fn_arg) { .interrupted = (fn), .arg = (fn_arg) }

/* From any thread: ends the wait in progress on @w with -EINTR, or the next one (the flag is
 * sticky, so a signal that lands just before the sleep is not lost). */
void vfs_lock_wait_interrupt(struct vfs_lock_wait *w);

/* flock(2) on @f: @op is LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB not to wait. A conversion
 * drops the old lock first, as Linux does (not atomic: refused under LOCK_NB, it leaves no
 * lock). Returns 0, -EWOULDBLOCK (conflict under LOCK_NB), -EINVAL (bad @op; LOCK_MAND is
 * accepted and ignored), -EBADF (O_PATH), -EINTR (@w interrupted), -ENOMEM. */
int vfs_flock(struct vfs_file *f, int op, struct vfs_lock_wait *w);

/* fcntl(2)'s struct flock, field for field, as the syscall layer copies it in and out. */
struct vfs_record_lock {
	int16_t type;	/* F_RDLCK, F_WRLCK, F_UNLCK */
	int16_t whence;	/* SEEK_SET, SEEK_CUR (@f's offset), SEEK_END (its size): resolved here */
	int64_t start;	/* from whence; the result must not be negative */
	int64_t len;	/* bytes; 0: to the end of the file however it grows; < 0: the bytes
			 * before start, as POSIX-2001 */
	int32_t pid;	/* F_GETLK out: the owner's pid, -1 for an OFD lock; OFD in: must be 0 */
};

/*
 * fcntl(2) record locks on @f. @cmd: F_GETLK, F_SETLK, F_SETLKW (owned by @owner, reported to
 * F_GETLK callers as @pid) or F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW (owned by @f; @owner and
 * @pid unused). A lock of an owner replaces, splits and merges with that owner's locks over its
 * range. F_GETLK rewrites *@rl with the first conflicting lock (whence SEEK_SET, len 0 to the
 * end) or only sets type F_UNLCK if there is none; F_OFD_GETLK with F_UNLCK reports @f's own
 * lock in the range (Linux 6.7). Waits block until the lock can be had.
 * Returns 0, -EAGAIN (conflict under F_SETLK), -EDEADLK (an F_SETLKW would wait on an owner
 * that waits, through a chain, for @owner), -EINVAL (bad @cmd, type, whence, a negative start,
 * OFD pid not 0, F_UNLCK to F_GETLK), -EOVERFLOW (range past INT64_MAX), -EBADF (O_PATH; read
 * lock without read access or write lock without write access), -EINTR, -ENOLCK (no memory).
 */
int vfs_fcntl_lock(struct vfs_file *f, int cmd, uint64_t owner, int32_t pid,
		   struct vfs_record_lock *rl, struct vfs_lock_wait *w);

/* close(2) of a descriptor of @f by process @owner: drops @owner's classic POSIX locks on @f's
 * inode, whichever descriptor took them (Linux's locks_remove_posix from filp_flush). The fd
 * table calls it on every close, dup2/dup3 over a descriptor, close-on-exec and exit, before
 * putting its reference. Cheap when nothing is locked anywhere. */
void vfs_lock_release_owner(struct vfs_file *f, uint64_t owner);

/* Live lock objects, for leak checks in tests: inodes with lock state, granted locks,
 * blocked requests. */
struct vfs_lock_counters {
	long inodes;
	long locks;
	long waiters;
};
void vfs_lock_counters(struct vfs_lock_counters *ret);
