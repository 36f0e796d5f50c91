/*
 * core/vfs/vfs_internal.h: what the files of core/vfs share and nobody else sees.
 */
#pragma once

#include "plugin/plugin.h"
#include "vfs.h"

/* Resolving-path flags (struct sentry_rp.flags). */
enum {
	VFS_RP_NOFOLLOW = 1u << 0,	/* final symlink is not followed */
	VFS_RP_DIRECTORY = 1u << 1,	/* O_DIRECTORY: final must be a directory */
	VFS_RP_NO_SYMLINKS = 1u << 2,	/* RESOLVE_NO_SYMLINKS */
	VFS_RP_BENEATH = 1u << 3,	/* RESOLVE_BENEATH */
	VFS_RP_IN_ROOT = 1u << 4,	/* RESOLVE_IN_ROOT */
	VFS_RP_NO_XDEV = 1u << 5,	/* RESOLVE_NO_XDEV */
	VFS_RP_EMPTY_PATH = 1u << 6,	/* AT_EMPTY_PATH */
	VFS_RP_NO_MAGICLINKS = 1u << 7,	/* RESOLVE_NO_MAGICLINKS (no magic links exist yet) */
	VFS_RP_NO_MOUNTS = 1u << 8,	/* stay in the start mount: ".." walks of the core */
};

/* Magic links one walk may follow: Linux bounds them by the symlink limit; nothing chains
 * more than a couple (/dev/stdin -> /proc/self/fd/0 -> the file). */
#define VFS_RP_MAX_JUMPS 8

/* One magic link of a walk: where it leads, and the open file it names (NULL for a task's cwd
 * or root), both referenced. */
struct vfs_rp_jump {
	struct vfs_path path;
	struct vfs_file *file;
};

/* Remaining text of the path or of a symlink target spliced into it. */
struct vfs_rp_seg {
	const char *p;
	const char *end;
};

/*
 * The core's resolving path (opaque to plugins as struct sentry_rp). Mounts and dentries in it
 * are borrowed: the walk runs under the namespace's read lock, so no mount can be detached and
 * no mountpoint or mount root released while it runs (README.md).
 */
struct sentry_rp {
	const struct vfs_ctx *ctx;
	struct vfs_mount *mnt;		/* mount of start */
	struct sentry_dentry *start;	/* where the filesystem starts (or continues) */
	struct vfs_path root;		/* effective root: ctx root, or the start under IN_ROOT */
	struct vfs_path beneath;	/* RESOLVE_BENEATH anchor */
	uint32_t flags;			/* VFS_RP_* */
	int pending;			/* an rp op asked the core to take over */
	int nlinks;			/* symlinks followed */
	int nseg;			/* used entries of seg[] */
	/* Current component. */
	const char *comp;
	size_t comp_len;
	int is_final;
	int trailing;			/* a "/" follows the final component */
	int link_trailing;		/* a final symlink had one: its target's final inherits it */
	struct vfs_rp_seg seg[SENTRY_SYMLOOP_MAX + 2];
	char *links[SENTRY_SYMLOOP_MAX + 1];	/* copies of symlink targets */
	/* Magic links followed (vfs_rp_jump) or read (vfs_rp_magic), newest last: each holds
	 * references until vfs_rp_fini, since the walk goes on from what it names. */
	int njumps;
	struct vfs_rp_jump jumps[VFS_RP_MAX_JUMPS];
};

/* Sets up @rp for @path from @dirf (NULL: cwd) with VFS_RP_* @flags. Returns 0, -ENOENT (empty
 * path without AT_EMPTY_PATH), -ENAMETOOLONG, -EXDEV (absolute path under BENEATH), -EBADF
 * (O_PATH-less dirf issues are the caller's), -ENOTDIR (dirf not a directory is checked by the
 * filesystem). Call with the namespace read lock held. */
int vfs_rp_init(struct sentry_rp *rp, const struct vfs_ctx *ctx, struct vfs_file *dirf,
		const char *path, uint32_t flags);
/* Frees symlink copies and drops the magic links' references. Call without the namespace
 * lock (a file's last reference may go here). */
void vfs_rp_fini(struct sentry_rp *rp);

/*
 * Magic links (Linux's nd_jump_link), for /proc/PID/fd/N, cwd and root: the walk continues at
 * @to itself (an open file's @file, NULL for a directory), not at a path text, so an unlinked
 * file, a pipe or a directory outside the caller's root is reached all the same. Called by a
 * core filesystem instead of handle_symlink, after consuming the link's component. Takes
 * references on both. Returns -SENTRY_ERESOLVE (the walk goes on at @to), -ELOOP (symlink
 * limit, RESOLVE_NO_MAGICLINKS or RESOLVE_NO_SYMLINKS), -EXDEV (RESOLVE_BENEATH, IN_ROOT: as
 * Linux, a scoped walk takes no magic link).
 */
int vfs_rp_jump(struct sentry_rp *rp, const struct vfs_path *to, struct vfs_file *file);

/* Returned by a core filesystem's readlink_at when the link is magic: it recorded what the link
 * names with vfs_rp_magic, and the core names it once the walk is over (vfs_readlinkat), since
 * naming walks paths and no walk may start inside another. */
#define VFS_EMAGIC 4001
/* Records @to (and @file, may be NULL) for the VFS_EMAGIC a readlink_at returns next. Returns
 * -VFS_EMAGIC, or -ENOMEM when the walk holds too many links already. */
int vfs_rp_magic(struct sentry_rp *rp, const struct vfs_path *to, struct vfs_file *file);
/* The open file of the magic link the walk ended on, when it ended exactly there (borrowed),
 * else NULL: what an anonymous file's open_at reopens. */
struct vfs_file *vfs_rp_jumped_file(struct sentry_rp *rp);

/* The filesystem of the rp's current mount. */
static inline struct vfs_fs *vfs_rp_fs(struct sentry_rp *rp)
{
	return rp->mnt->fs;
}

/* Calls plugin rc through the loader's range check. */
static inline long vfs_rc(struct vfs_fs *fs, long rc)
{
	if (__builtin_expect(rc >= -4095 && rc <= 0x7fffffff, 1))
		return rc;
	return plg_check_rc(fs->plugin, rc);
}

/* Mount table lookups; caller holds ns->lock. */
struct vfs_mount *vfs_mnt_lookup(struct vfs_mntns *ns, struct vfs_mount *parent,
				 struct sentry_dentry *d);

/* A detached mount of @fs at @root (references taken by the caller for the mount). */
struct vfs_mount *vfs_mnt_alloc(struct vfs_fs *fs, struct sentry_dentry *root, uint32_t flags);
/* Attaches @m at @mp (whose references it takes). Called with ns->lock written. */
int vfs_mnt_attach(struct vfs_mntns *ns, struct vfs_mount *m, struct vfs_path *mp);
/* MS_BIND|MS_REC: copies the mounts below @source onto the new bind mount @m (bind.c). */
int vfs_bind_submounts(struct vfs_ctx *ctx, const char *source, struct vfs_mount *m);

/* Dentry references the core holds, counted for leak checks: vfs_dref_taken for one a plugin
 * returned (get_fs, get_dentry_at), vfs_dget/vfs_dput for the rest. */
extern atomic_long g_vfs_nr_drefs;
static inline void vfs_dref_taken(void)
{
	atomic_fetch_add_explicit(&g_vfs_nr_drefs, 1, memory_order_relaxed);
}
static inline void vfs_dget(struct vfs_fs *fs, struct sentry_dentry *d)
{
	vfs_dref_taken();
	fs->ops->dentry_get(fs->fs, d);
}
static inline void vfs_dput(struct vfs_fs *fs, struct sentry_dentry *d)
{
	atomic_fetch_sub_explicit(&g_vfs_nr_drefs, 1, memory_order_relaxed);
	fs->ops->dentry_put(fs->fs, d);
}

/* The services the vfs hands to plugins, filled once (rp ops). */
extern const struct sentry_rp_ops g_vfs_rp_ops;

/* @path with empty and "." components dropped and ".." folded into the component before it
 * (lexically: names, not symlinks; a leading ".." of a relative path stays, one above "/" goes),
 * in a new string the caller frees; "." for an empty result. NULL: -ENOMEM. */
char *vfs_name_fold(const char *path);

/* Is @m the anonymous files' mount (anon.c)? */
int vfs_mount_is_anon(const struct vfs_mount *m);

/* Counters (atomic), see vfs_counters. */
extern atomic_long g_vfs_nr_mounts, g_vfs_nr_files, g_vfs_nr_fss, g_vfs_nr_ns;

/* Makes a file for @path (references taken) around plugin file @sf (taken). NULL: -ENOMEM
 * (and @sf was released). */
struct vfs_file *vfs_file_wrap(const struct vfs_path *path, struct sentry_file *sf,
			       uint32_t flags);

/* Resolves @path to a vfs_path with references (get_dentry_at). */
int vfs_resolve(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path, uint32_t rpflags,
		struct vfs_path *ret);

/* Last reference of @f going (vfs_file_put, before the plugin's release): drops its flock and
 * OFD locks and its reference on the inode's lock state (lock.c). */
void vfs_lock_file_release(struct vfs_file *f);
