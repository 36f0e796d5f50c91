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
};

/* Sets up @rp for @path from @dirf (NULL: cwd) with VFS_RP_* @flags. Returns 0, -ENOENT (empty
 * path without AT_EMPTY_PATH), -ENAMETOOLONG, -EXDEV (absolute path under BENEATH), -EBADF
 * (O_PATH-less dirf issues are the caller's), -ENOTDIR (dirf not a directory is checked by the
 * filesystem). Call with the namespace read lock held. */
int vfs_rp_init(struct sentry_rp *rp, const struct vfs_ctx *ctx, struct vfs_file *dirf,
		const char *path, uint32_t flags);
/* Frees symlink copies. */
void vfs_rp_fini(struct sentry_rp *rp);

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
