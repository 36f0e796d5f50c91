/*
 * core/vfs/mount.c: filesystem instances, mounts, mount namespaces and the caller context.
 *
 * Mounts are found by (parent mount, mountpoint dentry) in the namespace's hash, never by
 * rewriting the dentry tree, which is what gives bind mounts and namespaces (VFS2). A dentry's
 * mount_count tells the walk whether the lookup is needed at all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "plugin/services.h"
#include "util/cleanup.h"
#include "vfs_internal.h"

#define VFS_CAP_SYS_CHROOT 18

atomic_long g_vfs_nr_mounts, g_vfs_nr_files, g_vfs_nr_fss, g_vfs_nr_ns, g_vfs_nr_drefs;
static atomic_uint g_vfs_next_dev = 1;

void vfs_counters(struct vfs_counters *ret)
{
	ret->mounts = atomic_load(&g_vfs_nr_mounts);
	ret->files = atomic_load(&g_vfs_nr_files);
	ret->fss = atomic_load(&g_vfs_nr_fss);
	ret->namespaces = atomic_load(&g_vfs_nr_ns);
	ret->dentry_refs = atomic_load(&g_vfs_nr_drefs);
}

static int vfs_capable(const struct sentry_creds *c, int cap)
{
	return (c->cap_effective >> cap) & 1;
}

int vfs_fs_new(struct plg_plugin *p, const char *source, const char *data, uint64_t flags,
	       const struct sentry_creds *creds, struct vfs_fs **ret_fs,
	       struct sentry_dentry **ret_root)
{
	if (!p || p->desc->kind != SENTRY_PLUGIN_FS || !p->initialised)
		return -ENODEV;
	struct vfs_fs *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->plugin = p;
	fs->ops = p->desc->ops;
	fs->ops_size = p->desc->ops_size;
	struct sentry_dentry *root = NULL;
	int rc = (int)plg_check_rc(p, fs->ops->get_fs(p->state, source ? source : "none", data,
						      flags, creds, &fs->fs, &root));
	if (rc < 0) {
		free(fs);
		return rc;
	}
	vfs_dref_taken();
	atomic_init(&fs->refs, 1);
	fs->dev_minor = atomic_fetch_add(&g_vfs_next_dev, 1);
	atomic_fetch_add(&g_vfs_nr_fss, 1);
	*ret_fs = fs;
	*ret_root = root;
	return 0;
}

void vfs_fs_dput(struct vfs_fs *fs, struct sentry_dentry *d)
{
	vfs_dput(fs, d);
}

void vfs_fs_get(struct vfs_fs *fs)
{
	atomic_fetch_add_explicit(&fs->refs, 1, memory_order_relaxed);
}

void vfs_fs_put(struct vfs_fs *fs)
{
	if (!fs)
		return;
	long old = atomic_fetch_sub_explicit(&fs->refs, 1, memory_order_acq_rel);
	if (old > 1)
		return;
	if (old < 1)
		abort(); /* underflow: a reference bug in the core */
	fs->ops->release_fs(fs->fs);
	free(fs);
	atomic_fetch_sub(&g_vfs_nr_fss, 1);
}

void vfs_mount_get(struct vfs_mount *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
}

void vfs_mount_put(struct vfs_mount *m)
{
	if (!m)
		return;
	long old = atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel);
	if (old > 1)
		return;
	if (old < 1)
		abort();
	/* Only detached mounts reach zero: attachment holds a reference. */
	vfs_dput(m->fs, m->root);
	vfs_fs_put(m->fs);
	free(m);
	atomic_fetch_sub(&g_vfs_nr_mounts, 1);
}

void vfs_path_get(const struct vfs_path *p)
{
	vfs_mount_get(p->mnt);
	vfs_dget(p->mnt->fs, p->d);
}

void vfs_path_put(struct vfs_path *p)
{
	if (!p->mnt)
		return;
	struct vfs_mount *m = p->mnt;
	vfs_dput(m->fs, p->d);
	vfs_mount_put(m);
	p->mnt = NULL;
	p->d = NULL;
}

static size_t mnt_hash(const struct vfs_mntns *ns, const struct vfs_mount *parent,
		       const struct sentry_dentry *d)
{
	uintptr_t h = (uintptr_t)parent * 0x9e3779b97f4a7c15u ^ (uintptr_t)d * 0xc2b2ae3d27d4eb4fu;
	return (size_t)(h >> 17) & (ns->hash_size - 1);
}

struct vfs_mount *vfs_mnt_lookup(struct vfs_mntns *ns, struct vfs_mount *parent,
				 struct sentry_dentry *d)
{
	if (!ns)
		return NULL;
	for (struct vfs_mount *m = ns->hash[mnt_hash(ns, parent, d)]; m; m = m->hash_next)
		if (m->parent == parent && m->mountpoint == d)
			return m;
	return NULL;
}

/* Doubles the hash when it gets crowded. Called with ns->lock written. */
static int mnt_hash_grow(struct vfs_mntns *ns)
{
	if (ns->count < ns->hash_size)
		return 0;
	size_t old_size = ns->hash_size;
	struct vfs_mount **old = ns->hash;
	struct vfs_mount **nh = calloc(old_size * 2, sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	ns->hash = nh;
	ns->hash_size = old_size * 2;
	for (size_t i = 0; i < old_size; i++) {
		for (struct vfs_mount *m = old[i], *next; m; m = next) {
			next = m->hash_next;
			size_t b = mnt_hash(ns, m->parent, m->mountpoint);
			m->hash_next = nh[b];
			nh[b] = m;
		}
	}
	free(old);
	return 0;
}

struct vfs_mount *vfs_mnt_alloc(struct vfs_fs *fs, struct sentry_dentry *root, uint32_t flags)
{
	struct vfs_mount *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	atomic_init(&m->refs, 1);
	m->fs = fs;
	m->root = root;
	m->flags = flags;
	atomic_fetch_add(&g_vfs_nr_mounts, 1);
	return m;
}

/* Attaches @m (its reference becomes the attachment) at @mp, whose references it takes.
 * Called with ns->lock written. */
int vfs_mnt_attach(struct vfs_mntns *ns, struct vfs_mount *m, struct vfs_path *mp)
{
	int rc = mnt_hash_grow(ns);
	if (rc < 0)
		return rc;
	m->parent = mp->mnt;
	m->mountpoint = mp->d;
	mp->mnt = NULL;
	mp->d = NULL;
	m->ns = ns;
	m->parent->child_count++;
	m->mountpoint->mount_count++;
	size_t b = mnt_hash(ns, m->parent, m->mountpoint);
	m->hash_next = ns->hash[b];
	ns->hash[b] = m;
	m->sib_next = ns->all;
	ns->all = m;
	ns->count++;
	return 0;
}

static void list_unlink(struct vfs_mount **head, struct vfs_mount *m, int hash)
{
	for (struct vfs_mount **pp = head; *pp; pp = hash ? &(*pp)->hash_next : &(*pp)->sib_next) {
		if (*pp == m) {
			*pp = hash ? m->hash_next : m->sib_next;
			return;
		}
	}
}

/* Detaches @m and, first, every mount below it. Called with ns->lock written. */
static void mnt_detach_tree(struct vfs_mntns *ns, struct vfs_mount *m)
{
	while (m->child_count > 0) {
		struct vfs_mount *c = ns->all;
		while (c && c->parent != m)
			c = c->sib_next;
		if (!c)
			break;
		mnt_detach_tree(ns, c);
	}
	if (m->parent) {
		list_unlink(&ns->hash[mnt_hash(ns, m->parent, m->mountpoint)], m, 1);
		m->parent->child_count--;
		m->mountpoint->mount_count--;
		struct vfs_path mp = { m->parent, m->mountpoint };
		m->parent = NULL;
		m->mountpoint = NULL;
		vfs_path_put(&mp);
	}
	list_unlink(&ns->all, m, 0);
	ns->count--;
	m->ns = NULL;
	vfs_mount_put(m);
}

int vfs_mntns_new(struct vfs_fs *fs, struct sentry_dentry *root, struct vfs_mntns **ret_ns)
{
	struct vfs_mntns *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns->hash_size = 16;
	ns->hash = calloc(ns->hash_size, sizeof(*ns->hash));
	struct vfs_mount *m = ns->hash ? vfs_mnt_alloc(fs, root, 0) : NULL;
	if (!m) {
		free(ns->hash);
		free(ns);
		return -ENOMEM;
	}
	vfs_fs_get(fs);
	vfs_dget(fs, root);
	m->ns = ns;
	ns->root = m;
	ns->all = m;
	ns->count = 1;
	atomic_init(&ns->refs, 1);
	pthread_rwlock_init(&ns->lock, NULL);
	atomic_fetch_add(&g_vfs_nr_ns, 1);
	*ret_ns = ns;
	return 0;
}

void vfs_mntns_get(struct vfs_mntns *ns)
{
	atomic_fetch_add(&ns->refs, 1);
}

void vfs_mntns_put(struct vfs_mntns *ns)
{
	if (!ns || atomic_fetch_sub(&ns->refs, 1) > 1)
		return;
	pthread_rwlock_wrlock(&ns->lock);
	mnt_detach_tree(ns, ns->root);
	pthread_rwlock_unlock(&ns->lock);
	pthread_rwlock_destroy(&ns->lock);
	free(ns->hash);
	free(ns);
	atomic_fetch_sub(&g_vfs_nr_ns, 1);
}

int vfs_ctx_new(struct vfs_mntns *ns, const struct sentry_creds *creds, struct vfs_ctx **ret_ctx)
{
	struct vfs_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refs = 1;
	ctx->creds = *creds;
	vfs_mntns_get(ns);
	ctx->ns = ns;
	ctx->umask = 022;
	pthread_rwlock_rdlock(&ns->lock);
	ctx->root.mnt = ns->root;
	ctx->root.d = ns->root->root;
	vfs_path_get(&ctx->root);
	ctx->cwd = ctx->root;
	vfs_path_get(&ctx->cwd);
	pthread_rwlock_unlock(&ns->lock);
	*ret_ctx = ctx;
	return 0;
}

int vfs_ctx_copy(const struct vfs_ctx *src, struct vfs_ctx **ret_ctx)
{
	struct vfs_ctx *ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refs = 1;
	ctx->creds = src->creds;
	ctx->umask = src->umask;
	vfs_mntns_get(src->ns);
	ctx->ns = src->ns;
	ctx->root = src->root;
	vfs_path_get(&ctx->root);
	ctx->cwd = src->cwd;
	vfs_path_get(&ctx->cwd);
	*ret_ctx = ctx;
	return 0;
}

void vfs_ctx_ref(struct vfs_ctx *ctx)
{
	__atomic_add_fetch(&ctx->refs, 1, __ATOMIC_RELAXED);
}

void vfs_ctx_free(struct vfs_ctx *ctx)
{
	if (!ctx || __atomic_sub_fetch(&ctx->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	vfs_path_put(&ctx->cwd);
	vfs_path_put(&ctx->root);
	vfs_mntns_put(ctx->ns);
	free(ctx);
}

static uint32_t mnt_flags_from_ms(uint64_t ms)
{
	return ((ms & MS_RDONLY) ? VFS_MNT_RDONLY : 0) | ((ms & MS_NOSUID) ? VFS_MNT_NOSUID : 0) |
	       ((ms & MS_NODEV) ? VFS_MNT_NODEV : 0) | ((ms & MS_NOEXEC) ? VFS_MNT_NOEXEC : 0);
}

static int path_type(const struct vfs_path *p, uint32_t *ret_mode)
{
	struct sentry_statx st;
	struct vfs_fs *fs = p->mnt->fs;
	int rc = (int)vfs_rc(fs, fs->ops->dentry_stat(fs->fs, p->d, SENTRY_STATX_TYPE, &st));
	if (rc == 0)
		*ret_mode = st.mode & S_IFMT;
	return rc;
}

/* Changes the flags of the mount whose root is @t. */
static int mnt_remount(struct vfs_ctx *ctx, struct vfs_path *t, uint64_t flags)
{
	if (t->d != t->mnt->root)
		return -EINVAL;
	int rc = 0;
	pthread_rwlock_wrlock(&ctx->ns->lock);
	/* Going read-only with files open for writing is EBUSY (mount(2)). */
	if ((flags & MS_RDONLY) && !(t->mnt->flags & VFS_MNT_RDONLY) &&
	    atomic_load(&t->mnt->writers) > 0)
		rc = -EBUSY;
	else
		t->mnt->flags = mnt_flags_from_ms(flags);
	pthread_rwlock_unlock(&ctx->ns->lock);
	return rc;
}

/* A new mount for MS_BIND of @source, or a new filesystem instance of @p. */
static int mnt_make(struct vfs_ctx *ctx, struct plg_plugin *p, const char *source, uint64_t flags,
		    const char *data, uint32_t target_type, struct vfs_mount **ret)
{
	struct vfs_fs *fs;
	struct sentry_dentry *root;
	if (flags & MS_BIND) {
		struct vfs_path src = { 0 };
		int rc = vfs_resolve(ctx, NULL, source, 0, &src);
		if (rc < 0)
			return rc;
		uint32_t st = 0;
		rc = path_type(&src, &st);
		if (rc == 0 && (st == S_IFDIR) != (target_type == S_IFDIR))
			rc = -ENOTDIR;
		if (rc < 0) {
			vfs_path_put(&src);
			return rc;
		}
		fs = src.mnt->fs;
		root = src.d;
		vfs_fs_get(fs);
		vfs_dget(fs, root);
		vfs_path_put(&src);
	} else {
		int rc = vfs_fs_new(p, source, data, flags, &ctx->creds, &fs, &root);
		if (rc < 0)
			return rc;
		/* A filesystem whose root is a file (a Gofer serving one host file, as engines
		 * bind /etc/hosts) goes over a file; any other over a directory. */
		struct sentry_statx st;
		rc = (int)vfs_rc(fs, fs->ops->dentry_stat(fs->fs, root, SENTRY_STATX_TYPE, &st));
		if (rc == 0 && S_ISDIR(st.mode) != (target_type == S_IFDIR))
			rc = -ENOTDIR;
		if (rc < 0) {
			vfs_dput(fs, root);
			vfs_fs_put(fs);
			return rc;
		}
	}
	*ret = vfs_mnt_alloc(fs, root, mnt_flags_from_ms(flags));
	if (!*ret) {
		vfs_dput(fs, root);
		vfs_fs_put(fs);
		return -ENOMEM;
	}
	return 0;
}

int vfs_mount(struct vfs_ctx *ctx, struct plg_plugin *p, const char *source, const char *target,
	      uint64_t flags, const char *data)
{
	if (!vfs_capable(&ctx->creds, SENTRY_CAP_SYS_ADMIN))
		return -EPERM;
	if ((flags & MS_BIND) && !(flags & MS_REMOUNT) && !source)
		return -EFAULT;
	struct vfs_path t = { 0 };
	int rc = vfs_resolve(ctx, NULL, target, 0, &t);
	if (rc < 0)
		return rc;
	if (flags & MS_REMOUNT) {
		rc = mnt_remount(ctx, &t, flags);
		vfs_path_put(&t);
		return rc;
	}
	uint32_t ttype = 0;
	struct vfs_mount *m = NULL;
	rc = path_type(&t, &ttype);
	if (rc == 0)
		rc = mnt_make(ctx, p, source, flags, data, ttype, &m);
	if (rc == 0) {
		pthread_rwlock_wrlock(&ctx->ns->lock);
		if (t.mnt->ns != ctx->ns || (t.d->flags & SENTRY_DENTRY_DEAD))
			rc = -ENOENT;
		else
			rc = vfs_mnt_attach(ctx->ns, m, &t);
		pthread_rwlock_unlock(&ctx->ns->lock);
		if (rc < 0)
			vfs_mount_put(m);
		else if ((flags & (MS_BIND | MS_REC)) == (MS_BIND | MS_REC))
			rc = vfs_bind_submounts(ctx, source, m);
	}
	vfs_path_put(&t);
	return rc;
}

int vfs_umount(struct vfs_ctx *ctx, const char *target, int flags)
{
	if (!vfs_capable(&ctx->creds, SENTRY_CAP_SYS_ADMIN))
		return -EPERM;
	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	struct vfs_path t = { 0 };
	int rc = vfs_resolve(ctx, NULL, target, (flags & UMOUNT_NOFOLLOW) ? VFS_RP_NOFOLLOW : 0, &t);
	if (rc < 0)
		return rc;
	struct vfs_mount *m = t.mnt;
	pthread_rwlock_wrlock(&ctx->ns->lock);
	if (t.d != m->root || m->ns != ctx->ns)
		rc = -EINVAL;
	else if (!m->parent)
		rc = -EBUSY;
	else if (!(flags & MNT_DETACH) && (m->child_count > 0 || atomic_load(&m->refs) > 2))
		rc = -EBUSY; /* 2: the attachment and our own resolution */
	else
		mnt_detach_tree(ctx->ns, m);
	pthread_rwlock_unlock(&ctx->ns->lock);
	vfs_path_put(&t);
	return rc;
}

/* Resolves a directory the caller may search, for chdir and chroot. */
static int resolve_dir(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path,
		       struct vfs_path *ret)
{
	uint32_t flags = VFS_RP_DIRECTORY | (dirf && !path[0] ? VFS_RP_EMPTY_PATH : 0);
	int rc = vfs_resolve(ctx, dirf, path, flags, ret);
	if (rc < 0)
		return rc;
	struct sentry_statx st;
	struct vfs_fs *fs = ret->mnt->fs;
	rc = (int)vfs_rc(fs, fs->ops->dentry_stat(fs->fs, ret->d, SENTRY_STATX_BASIC_STATS, &st));
	if (rc == 0 && !S_ISDIR(st.mode))
		rc = -ENOTDIR;
	if (rc == 0)
		rc = svc_may_access(&ctx->creds, st.mode, st.uid, st.gid, SENTRY_MAY_EXEC);
	if (rc < 0)
		vfs_path_put(ret);
	return rc;
}

/* Guards the cwd and root of every context while they change, for readers on other threads
 * (vfs_ctx_dir: /proc/PID/cwd); the owner's own thread reads them without it. A leaf. */
static pthread_mutex_t g_ctx_dirs_lock = PTHREAD_MUTEX_INITIALIZER;

/* Makes @p (taken) @ctx's directory @slot and drops the old one, outside the lock. */
static void ctx_set_dir(struct vfs_path *slot, struct vfs_path p)
{
	pthread_mutex_lock(&g_ctx_dirs_lock);
	struct vfs_path old = *slot;
	*slot = p;
	pthread_mutex_unlock(&g_ctx_dirs_lock);
	vfs_path_put(&old);
}

void vfs_ctx_dir(const struct vfs_ctx *ctx, int root, struct vfs_path *ret)
{
	pthread_mutex_lock(&g_ctx_dirs_lock);
	*ret = root ? ctx->root : ctx->cwd;
	vfs_path_get(ret);
	pthread_mutex_unlock(&g_ctx_dirs_lock);
}

int vfs_chdir(struct vfs_ctx *ctx, struct vfs_file *dirf, const char *path)
{
	struct vfs_path p = { 0 };
	int rc = resolve_dir(ctx, dirf, path ? path : "", &p);
	if (rc < 0)
		return rc;
	ctx_set_dir(&ctx->cwd, p);
	return 0;
}

int vfs_chroot(struct vfs_ctx *ctx, const char *path)
{
	if (!vfs_capable(&ctx->creds, VFS_CAP_SYS_CHROOT))
		return -EPERM;
	struct vfs_path p = { 0 };
	int rc = resolve_dir(ctx, NULL, path, &p);
	if (rc < 0)
		return rc;
	ctx_set_dir(&ctx->root, p);
	return 0;
}

/* Finds the copy of @m in the parallel arrays @from/@to. */
static struct vfs_mount *copy_of(struct vfs_mount **from, struct vfs_mount **to, size_t n,
				 const struct vfs_mount *m)
{
	for (size_t i = 0; i < n; i++)
		if (from[i] == m)
			return to[i];
	return NULL;
}

/* Copies every mount of @old, parents before children (ns->all lists children first). */
static int ns_copy_mounts(struct vfs_mntns *old, struct vfs_mntns *ns, struct vfs_mount **from,
			  struct vfs_mount **to)
{
	size_t n = 0;
	for (struct vfs_mount *m = old->all; m; m = m->sib_next)
		from[n++] = m;
	/* Reverse: the list is newest first, and a mount is always newer than its parent. */
	for (size_t i = 0; i < n / 2; i++) {
		struct vfs_mount *t = from[i];
		from[i] = from[n - 1 - i];
		from[n - 1 - i] = t;
	}
	for (size_t i = 0; i < n; i++) {
		struct vfs_mount *m = from[i];
		to[i] = vfs_mnt_alloc(m->fs, m->root, m->flags);
		if (!to[i])
			return -ENOMEM;
		vfs_fs_get(m->fs);
		vfs_dget(m->fs, m->root);
		if (!m->parent) {
			to[i]->ns = ns;
			ns->root = to[i];
			ns->all = to[i];
			ns->count = 1;
			continue;
		}
		struct vfs_path mp = { copy_of(from, to, i, m->parent), m->mountpoint };
		vfs_path_get(&mp);
		int rc = vfs_mnt_attach(ns, to[i], &mp);
		if (rc < 0) {
			vfs_path_put(&mp);
			vfs_mount_put(to[i]);
			to[i] = NULL;
			return rc;
		}
	}
	return 0;
}

int vfs_mntns_copy(struct vfs_mntns *old, struct vfs_mntns **ret_ns)
{
	struct vfs_mntns *ns = calloc(1, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	pthread_rwlock_rdlock(&old->lock);
	ns->hash_size = 16;
	while (ns->hash_size < old->count)
		ns->hash_size *= 2;
	ns->hash = calloc(ns->hash_size, sizeof(*ns->hash));
	struct vfs_mount **from = calloc(old->count, sizeof(*from));
	struct vfs_mount **to = calloc(old->count, sizeof(*to));
	int rc = ns->hash && from && to ? ns_copy_mounts(old, ns, from, to) : -ENOMEM;
	pthread_rwlock_unlock(&old->lock);
	free(from);
	free(to);
	atomic_init(&ns->refs, 1);
	pthread_rwlock_init(&ns->lock, NULL);
	atomic_fetch_add(&g_vfs_nr_ns, 1);
	if (rc < 0 || !ns->root) {
		if (ns->root)
			vfs_mntns_put(ns);
		else {
			pthread_rwlock_destroy(&ns->lock);
			free(ns->hash);
			free(ns);
			atomic_fetch_sub(&g_vfs_nr_ns, 1);
		}
		return rc < 0 ? rc : -ENOMEM;
	}
	*ret_ns = ns;
	return 0;
}

/* The mount of @ns that copies @m of @old (same fs, root and place), or NULL. */
static struct vfs_mount *ns_find_copy(struct vfs_mntns *ns, struct vfs_mount *m)
{
	if (!m->parent)
		return m->ns ? ns->root : NULL;
	struct vfs_mount *p = ns_find_copy(ns, m->parent);
	if (!p)
		return NULL;
	for (struct vfs_mount *c = ns->all; c; c = c->sib_next)
		if (c->parent == p && c->mountpoint == m->mountpoint && c->root == m->root &&
		    c->fs == m->fs)
			return c;
	return NULL;
}

/* Moves @p into @ns: the copy of its mount there, or @p unchanged when it has none. */
static void path_move(struct vfs_mntns *ns, struct vfs_path *p)
{
	struct vfs_mount *c = ns_find_copy(ns, p->mnt);
	if (!c)
		return; /* a detached mount stays what it is */
	vfs_mount_get(c);
	vfs_mount_put(p->mnt);
	p->mnt = c;
}

int vfs_ctx_unshare_ns(struct vfs_ctx *ctx)
{
	struct vfs_mntns *ns = NULL;
	int rc = vfs_mntns_copy(ctx->ns, &ns);
	if (rc < 0)
		return rc;
	pthread_rwlock_rdlock(&ctx->ns->lock);
	pthread_rwlock_rdlock(&ns->lock);
	pthread_mutex_lock(&g_ctx_dirs_lock);
	path_move(ns, &ctx->root);
	path_move(ns, &ctx->cwd);
	pthread_mutex_unlock(&g_ctx_dirs_lock);
	pthread_rwlock_unlock(&ns->lock);
	pthread_rwlock_unlock(&ctx->ns->lock);
	vfs_mntns_put(ctx->ns);
	ctx->ns = ns;
	return 0;
}
