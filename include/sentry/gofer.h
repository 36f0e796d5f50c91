/*
 * sentry/gofer.h: backends of the Gofer's 9P2000.L server (the hostdir backend, third-party).
 *
 * The Gofer decodes 9P2000.L and calls its backend with decoded, validated arguments: names are
 * single components (no "/", not "" or "." or ".."; the server answers those itself), counts fit
 * the negotiated msize. A node is what a fid points at, plugin-defined and opaque. A backend must
 * never reach outside the root it was attached to: every lookup is relative to a node it made,
 * never by absolute host path, never following a symlink out of the root.
 *
 * The Gofer is single-threaded per channel unless the backend sets SENTRY_GOFER_THREADSAFE, in
 * which case several requests may be served concurrently (pipelining on one channel).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/services.h"
#include "sentry/types.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sentry_gnode;

/* Flags of a mount, from attach. */
#define SENTRY_GOFER_RDONLY 1u	/* refuse every change with -EROFS */

/* Capability bits from info. */
#define SENTRY_GOFER_THREADSAFE 1u	/* ops may run concurrently on different nodes */
#define SENTRY_GOFER_DONATE_FD	2u	/* open can hand out a host fd (SCM_RIGHTS to the Sentry) */

/* 9P qid: the server's identity of a file. */
struct sentry_qid {
	uint8_t type;		/* QTDIR 0x80, QTSYMLINK 0x02, QTFILE 0 */
	uint32_t version;	/* changes when the file does, or 0 */
	uint64_t path;		/* unique per file in the tree (inode number) */
};

/* One directory entry of readdir. */
struct sentry_gdirent {
	struct sentry_qid qid;	/* entry's qid */
	uint64_t off;		/* offset that resumes after this entry */
	uint8_t type;		/* DT_* */
	const char *name;	/* NUL-terminated, borrowed until the next readdir call */
};

/* Receives readdir entries; returns 0 to continue, 1 when the reply is full (entry not taken). */
struct sentry_gdir_sink {
	int (*put)(struct sentry_gdir_sink *sink, const struct sentry_gdirent *de);
};

/* The Gofer backend kind's ops table (descriptor kind SENTRY_PLUGIN_GOFER). Every slot taking a
 * node may run on any node the backend returned and not yet released. Errors are Linux errnos,
 * sent to the Sentry in Rlerror. */
struct sentry_gofer_ops {
	/* Mandatory. SENTRY_GOFER_* capability bits. */
	uint32_t (*info)(void *state);
	/* Mandatory. Tattach: the root node of the tree at host path @root (opened once, before the
	 * Gofer confines itself) with SENTRY_GOFER_* @flags. Returns 0, -ENOENT, -ENOTDIR, -EACCES. */
	int (*attach)(void *state, const char *root, uint32_t flags, struct sentry_gnode **ret_node,
		      struct sentry_qid *ret_qid);
	/* Mandatory. Twalk of one component @name below directory @dir. A symlink is walked to,
	 * never through: walking below it fails with -ENOTDIR. Returns 0, -ENOENT, -ENOTDIR,
	 * -EINVAL (a name that is not one component), -ENAMETOOLONG. The Gofer loops over
	 * components so a multi-name walk is one round trip. *ret_node is released with release. */
	int (*walk)(struct sentry_gnode *dir, const char *name, struct sentry_gnode **ret_node,
		    struct sentry_qid *ret_qid);
	/* Mandatory. Tgetattr of the node itself (a symlink is not followed). @mask is the
	 * request (SENTRY_STATX_* bits); ret_stat->mask says what was filled. Returns 0 or -errno. */
	int (*getattr)(struct sentry_gnode *node, uint64_t mask, struct sentry_statx *ret_stat);
	/* Mandatory. Tlopen with Linux @flags (O_CREAT, O_EXCL and O_PATH are ignored). A node is
	 * opened once. *ret_fd is a host fd the Gofer may donate (owned by the Gofer, only with
	 * SENTRY_GOFER_DONATE_FD), or -1; *ret_iounit is 0 for msize - P9_IOHDRSZ. Returns 0,
	 * -EACCES, -EISDIR, -ELOOP (a symlink), -EROFS, -EPERM (a device, FIFO or socket the
	 * backend will not open), -EBUSY (already open), -ESTALE (the name now names another
	 * file). */
	int (*open)(struct sentry_gnode *node, uint32_t flags, int *ret_fd, uint32_t *ret_iounit);
	/* Mandatory. Tread of an opened node into @buf. Returns bytes (0 at end of file) or
	 * -errno (-EBADF when not opened, -EISDIR). */
	int64_t (*read)(struct sentry_gnode *node, void *buf, size_t size, uint64_t off);
	/* Mandatory. Treaddir of an opened directory from @off (0, or an entry's off): puts
	 * entries into @sink until it is full or the directory ends; "." and ".." are left to
	 * the Sentry. Returns 0, -ENOTDIR, -EBADF (not opened), -EINVAL (@off). */
	int (*readdir)(struct sentry_gnode *dir, uint64_t off, struct sentry_gdir_sink *sink);
	/* Mandatory. Tclunk: the node is no longer used. */
	void (*release)(struct sentry_gnode *node);

	/* Optional. Twrite. NULL: -EROFS. */
	int64_t (*write)(struct sentry_gnode *node, const void *buf, size_t size, uint64_t off);
	/* Optional. Tlcreate: creates and opens @name in @dir; *ret_node is the new file. NULL:
	 * -EROFS. */
	int (*create)(struct sentry_gnode *dir, const char *name, uint32_t flags, uint32_t mode,
		      uint32_t gid, struct sentry_gnode **ret_node, struct sentry_qid *ret_qid,
		      int *ret_fd);
	/* Optional. Tsetattr: @valid holds SENTRY_STATX_MODE (permission bits of st->mode),
	 * _UID, _GID, _SIZE, _ATIME and _MTIME for the fields of @st to apply; a time's nsec may
	 * be SENTRY_UTIME_NOW. Permissions were checked by the Sentry. Returns 0, -EINVAL (other
	 * bits), -EROFS, -EISDIR (size of a directory), -EOPNOTSUPP (mode of a symlink), -EPERM.
	 * NULL: -EROFS. */
	int (*setattr)(struct sentry_gnode *node, const struct sentry_statx *st, uint32_t valid);
	/* Optional. Tmkdir, Tmknod (S_IF* in @mode; a backend may refuse device nodes with
	 * -EPERM), Tsymlink (@target is stored, never resolved by the backend). @gid is the new
	 * file's group; *ret_qid its qid. Return 0, -EEXIST, -EROFS, -EINVAL, -ENOTDIR, -EPERM.
	 * NULL: -EROFS. */
	int (*mkdir)(struct sentry_gnode *dir, const char *name, uint32_t mode, uint32_t gid,
		     struct sentry_qid *ret_qid);
	int (*mknod)(struct sentry_gnode *dir, const char *name, uint32_t mode, uint32_t major,
		     uint32_t minor, uint32_t gid, struct sentry_qid *ret_qid);
	int (*symlink)(struct sentry_gnode *dir, const char *name, const char *target, uint32_t gid,
		       struct sentry_qid *ret_qid);
	/* Optional. Tlink: @name in @dir becomes a link to @target. NULL: -EROFS. */
	int (*link)(struct sentry_gnode *dir, struct sentry_gnode *target, const char *name);
	/* Optional. Trenameat. NULL: -EROFS. */
	int (*renameat)(struct sentry_gnode *olddir, const char *oldname,
			struct sentry_gnode *newdir, const char *newname);
	/* Optional. Tunlinkat with AT_REMOVEDIR in @flags for directories. NULL: -EROFS. */
	int (*unlinkat)(struct sentry_gnode *dir, const char *name, uint32_t flags);
	/* Optional. Treadlink into @buf of @size bytes, NUL-terminated. Returns the target's
	 * length, -EINVAL (not a symlink), -ENAMETOOLONG (@buf too small). NULL: -EINVAL. */
	int (*readlink)(struct sentry_gnode *node, char *buf, size_t size);
	/* Optional. Tstatfs. NULL: -ENOSYS. */
	int (*statfs)(struct sentry_gnode *node, struct sentry_statfs *ret_st);
	/* Optional. Tfsync. NULL: 0. */
	int (*fsync)(struct sentry_gnode *node, int datasync);
	/* Optional. Txattrwalk/Txattrcreate data: get (size 0 asks for the size), list, set, remove.
	 * get and list return bytes; a backend may limit names to a namespace ("user.") and answer
	 * -EOPNOTSUPP for others. NULL: -EOPNOTSUPP. */
	int64_t (*getxattr)(struct sentry_gnode *node, const char *name, void *buf, size_t size);
	int64_t (*listxattr)(struct sentry_gnode *node, char *buf, size_t size);
	int (*setxattr)(struct sentry_gnode *node, const char *name, const void *val, size_t size,
			int flags);
	int (*removexattr)(struct sentry_gnode *node, const char *name);
	/* Optional. Tlock/Tgetlock on an opened node. NULL: locks stay inside the sandbox. */
	int (*lock)(struct sentry_gnode *node, int cmd, uint32_t type, uint64_t start,
		    uint64_t len, uint32_t proc_id, int *ret_status);
	/* Optional (appended after lock). Twalk of no names and Tattach: a new, unopened node for
	 * the same file as @node (which may be open), released with release. Returns 0, -ENOMEM,
	 * -EMFILE. NULL: the server refuses walks of no names with -EOPNOTSUPP and serves one
	 * Tattach with the root node itself. */
	int (*clone)(struct sentry_gnode *node, struct sentry_gnode **ret_node);
};

/* Mandatory slots, for the loader and for plugin authors. */
#define SENTRY_GOFER_OPS_MANDATORY(X)                                                          \
	X(info) X(attach) X(walk) X(getattr) X(open) X(read) X(readdir) X(release)

#ifdef __cplusplus
}
#endif
