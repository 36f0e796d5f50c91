/*
 * core/vfs/resolve.c: the resolving path, the core's half of VFS2 path resolution.
 *
 * The filesystem walks components itself and calls these operations (svc->rp). The path text
 * is never copied: a stack of segments points into the caller's path and into copies of symlink
 * targets, so resolving a path without symlinks allocates nothing. Everything is borrowed under
 * the namespace read lock held by the caller of the walk.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vfs_internal.h"

/* Skips consumed segments and loads the next component with its final/trailing state. */
static void rp_load(struct sentry_rp *rp)
{
	struct vfs_rp_seg *s;
	for (;;) {
		if (rp->nseg == 0) {
			/* Done: is_final/trailing keep describing the last component. */
			rp->comp = NULL;
			rp->comp_len = 0;
			return;
		}
		s = &rp->seg[rp->nseg - 1];
		while (s->p < s->end && *s->p == '/')
			s->p++;
		if (s->p < s->end)
			break;
		rp->nseg--;
	}
	const char *c = s->p, *q = c;
	while (q < s->end && *q != '/')
		q++;
	rp->comp = c;
	rp->comp_len = (size_t)(q - c);
	const char *r = q;
	while (r < s->end && *r == '/')
		r++;
	int final = r == s->end;
	int trailing = q < s->end;
	/* Lower segments (paths around a symlink) can only hold slashes for this to be final. */
	for (int i = rp->nseg - 2; final && i >= 0; i--) {
		const struct vfs_rp_seg *l = &rp->seg[i];
		for (const char *x = l->p; x < l->end; x++)
			if (*x != '/') {
				final = 0;
				break;
			}
		if (l->p < l->end)
			trailing = 1;
	}
	rp->is_final = final;
	rp->trailing = final && (trailing || rp->link_trailing);
}

/* Checks lengths: 4096 per path (NUL included, as PATH_MAX) and 255 per component. */
static int rp_check_names(const char *p, size_t len)
{
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '/') {
			run = 0;
		} else if (++run > SENTRY_NAME_MAX) {
			return -ENAMETOOLONG;
		}
	}
	return 0;
}

int vfs_rp_init(struct sentry_rp *rp, const struct vfs_ctx *ctx, struct vfs_file *dirf,
		const char *path, uint32_t flags)
{
	rp->nlinks = 0;
	rp->njumps = 0;
	size_t len = strnlen(path, SENTRY_PATH_MAX);
	if (len >= SENTRY_PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0 && !(flags & VFS_RP_EMPTY_PATH))
		return -ENOENT;
	int rc = rp_check_names(path, len);
	if (rc < 0)
		return rc;

	const struct vfs_path *from = dirf ? &dirf->path : &ctx->cwd;
	rp->ctx = ctx;
	rp->flags = flags;
	rp->pending = 0;
	rp->nlinks = 0;
	rp->is_final = 0;
	rp->trailing = 0;
	rp->link_trailing = 0;
	rp->root = (flags & VFS_RP_IN_ROOT) ? *from : ctx->root;
	rp->beneath = *from;
	if (path[0] == '/') {
		if (flags & VFS_RP_BENEATH)
			return -EXDEV;
		from = &rp->root;
	}
	rp->mnt = from->mnt;
	rp->start = from->d;
	rp->nseg = 1;
	rp->seg[0].p = path;
	rp->seg[0].end = path + len;
	rp_load(rp);
	return 0;
}

void vfs_rp_fini(struct sentry_rp *rp)
{
	for (int i = 0; i < rp->nlinks && i <= SENTRY_SYMLOOP_MAX; i++)
		free(rp->links[i]);
	rp->nlinks = 0;
	for (int i = 0; i < rp->njumps; i++) {
		vfs_path_put(&rp->jumps[i].path);
		vfs_file_put(rp->jumps[i].file);
	}
	rp->njumps = 0;
}

/* Keeps @to and @file referenced until the walk's end. */
static int rp_keep(struct sentry_rp *rp, const struct vfs_path *to, struct vfs_file *file)
{
	if (rp->njumps == VFS_RP_MAX_JUMPS)
		return -ELOOP;
	struct vfs_rp_jump *j = &rp->jumps[rp->njumps++];
	j->path = *to;
	vfs_path_get(&j->path);
	j->file = file;
	if (file)
		vfs_file_get(file);
	return 0;
}

int vfs_rp_jump(struct sentry_rp *rp, const struct vfs_path *to, struct vfs_file *file)
{
	if (rp->flags & (VFS_RP_NO_MAGICLINKS | VFS_RP_NO_SYMLINKS))
		return -ELOOP;
	if (rp->flags & (VFS_RP_BENEATH | VFS_RP_IN_ROOT))
		return -EXDEV;
	if ((rp->flags & VFS_RP_NO_XDEV) && to->mnt != rp->mnt)
		return -EXDEV;
	if (rp->nlinks >= SENTRY_SYMLOOP_MAX)
		return -ELOOP;
	int rc = rp_keep(rp, to, file);
	if (rc < 0)
		return rc;
	rp->links[rp->nlinks++] = NULL;	/* counts toward the symlink limit, as on Linux */
	rp->mnt = to->mnt;
	rp->start = to->d;
	rp->pending = 1;
	return -SENTRY_ERESOLVE;
}

int vfs_rp_magic(struct sentry_rp *rp, const struct vfs_path *to, struct vfs_file *file)
{
	int rc = rp_keep(rp, to, file);
	return rc < 0 ? -ENOMEM : -VFS_EMAGIC;
}

struct vfs_file *vfs_rp_jumped_file(struct sentry_rp *rp)
{
	if (!rp->njumps || rp->comp)
		return NULL;
	const struct vfs_rp_jump *j = &rp->jumps[rp->njumps - 1];
	return j->file && j->path.mnt == rp->mnt && j->path.d == rp->start ? j->file : NULL;
}

static int rp_done(struct sentry_rp *rp)
{
	return rp->comp == NULL;
}

static int rp_final(struct sentry_rp *rp)
{
	return rp->comp != NULL && rp->is_final;
}

static const char *rp_component(struct sentry_rp *rp, size_t *ret_len)
{
	*ret_len = rp->comp_len;
	return rp->comp;
}

static void rp_advance(struct sentry_rp *rp)
{
	if (!rp->comp)
		return;
	rp->seg[rp->nseg - 1].p = rp->comp + rp->comp_len;
	rp_load(rp);
}

static struct sentry_dentry *rp_start(struct sentry_rp *rp)
{
	return rp->start;
}

static const struct sentry_creds *rp_creds(struct sentry_rp *rp)
{
	return &rp->ctx->creds;
}

/* ".." from @d: stays at the process root, leaves a mount root for the mountpoint. */
static int rp_check_root(struct sentry_rp *rp, struct sentry_dentry *d)
{
	if (d == rp->root.d && rp->mnt == rp->root.mnt)
		return 1;
	if ((rp->flags & VFS_RP_BENEATH) && d == rp->beneath.d && rp->mnt == rp->beneath.mnt)
		return -EXDEV;
	if (d != rp->mnt->root)
		return 0;
	if (!rp->mnt->parent)
		return 1; /* namespace root or detached mount: ".." stays, as Linux's follow_dotdot */
	if (rp->flags & VFS_RP_NO_XDEV)
		return -EXDEV;
	rp->start = rp->mnt->mountpoint;
	rp->mnt = rp->mnt->parent;
	rp->pending = 1;
	return -SENTRY_ERESOLVE;
}

static int rp_check_mount(struct sentry_rp *rp, struct sentry_dentry *d)
{
	if (__builtin_expect(d->mount_count == 0, 1) || (rp->flags & VFS_RP_NO_MOUNTS))
		return 0;
	if (!rp->mnt->ns)
		return 0;	/* a detached mount (reached through a cwd or a magic link) */
	struct vfs_mount *m = vfs_mnt_lookup(rp->mnt->ns, rp->mnt, d);
	if (!m)
		return 0;
	if (rp->flags & VFS_RP_NO_XDEV)
		return -EXDEV;
	/* Mounts stacked on a mount root: the topmost one is visible. */
	for (;;) {
		rp->mnt = m;
		rp->start = m->root;
		if (m->root->mount_count == 0)
			break;
		struct vfs_mount *up = vfs_mnt_lookup(m->ns, m, m->root);
		if (!up)
			break;
		m = up;
	}
	rp->pending = 1;
	return -SENTRY_ERESOLVE;
}

static int rp_should_follow(struct sentry_rp *rp)
{
	return !(rp->flags & VFS_RP_NOFOLLOW) || rp->trailing;
}

static int rp_handle_symlink(struct sentry_rp *rp, const char *target, size_t len)
{
	if (rp->flags & VFS_RP_NO_SYMLINKS)
		return -ELOOP;
	if (rp->nlinks >= SENTRY_SYMLOOP_MAX)
		return -ELOOP;
	if (len == 0)
		return -ENOENT;
	if (len >= SENTRY_PATH_MAX || rp_check_names(target, len) < 0)
		return -ENAMETOOLONG;
	if (target[0] == '/' && (rp->flags & VFS_RP_BENEATH))
		return -EXDEV;
	char *copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, target, len);
	rp->links[rp->nlinks++] = copy;
	/* A symlink that was the final component passes its trailing "/" on to its target. */
	if (rp->comp == NULL && rp->trailing)
		rp->link_trailing = 1;
	rp->seg[rp->nseg].p = copy;
	rp->seg[rp->nseg].end = copy + len;
	rp->nseg++;
	rp_load(rp);
	if (target[0] != '/')
		return 0;
	rp->mnt = rp->root.mnt;
	rp->start = rp->root.d;
	rp->pending = 1;
	return -SENTRY_ERESOLVE;
}

static int rp_must_be_dir(struct sentry_rp *rp)
{
	return (rp->flags & VFS_RP_DIRECTORY) || rp->trailing;
}

static int rp_write_begin(struct sentry_rp *rp)
{
	return (rp->mnt->flags & VFS_MNT_RDONLY) ? -EROFS : 0;
}

static void rp_write_end(struct sentry_rp *rp)
{
}

/* Scans the segments from the top (the current one) down: what follows a symlink's target is
 * the rest of the segment below it. */
static const char *rp_peek(struct sentry_rp *rp, size_t i, size_t *ret_len)
{
	if (!rp->comp)
		return NULL;
	const char *p = rp->comp;
	for (int s = rp->nseg - 1; s >= 0; s--) {
		const char *end = rp->seg[s].end;
		if (s != rp->nseg - 1)
			p = rp->seg[s].p;
		for (;;) {
			while (p < end && *p == '/')
				p++;
			if (p == end)
				break;
			const char *q = p;
			while (q < end && *q != '/')
				q++;
			if (i-- == 0) {
				*ret_len = (size_t)(q - p);
				return p;
			}
			p = q;
		}
	}
	return NULL;
}

const struct sentry_rp_ops g_vfs_rp_ops = {
	.done		= rp_done,
	.final		= rp_final,
	.component	= rp_component,
	.advance	= rp_advance,
	.start		= rp_start,
	.creds		= rp_creds,
	.check_root	= rp_check_root,
	.check_mount	= rp_check_mount,
	.should_follow	= rp_should_follow,
	.handle_symlink = rp_handle_symlink,
	.must_be_dir	= rp_must_be_dir,
	.write_begin	= rp_write_begin,
	.write_end	= rp_write_end,
	.peek		= rp_peek,
};

void vfs_fill_services(struct sentry_services *svc)
{
	svc->rp = &g_vfs_rp_ops;
}
