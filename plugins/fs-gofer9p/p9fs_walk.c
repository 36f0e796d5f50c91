/*
 * p9fs_walk.c: fs-gofer9p's half of path resolution.
 *
 * Cached components cost a hash lookup each and no round trip. At the first component that is
 * not cached (or, with cache=shared, not validated by this operation), the walk peeks at the
 * rest of the path (svc->rp->peek) and asks for up to 16 names in one round trip: per name a
 * Twalk of that one name from the previous one's new fid and a Tgetattr of it, all pipelined,
 * so every dentry on the way gets its own fid and attributes (search permission needs them).
 * The Gofer serves the batch in order; the first failing Twalk ends it (a missing name becomes
 * a negative dentry) and the rest fail on fids that were never made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "p9fs.h"

int p9fs_may(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_inode *in, uint32_t may)
{
	return fs->svc->may_access(fs->rp->creds(rp), in->st.mode, in->st.uid, in->st.gid, may);
}

void p9fs_req_getattr(struct p9c_call *call, uint32_t fid)
{
	memset(call, 0, sizeof(*call));
	call->req.type = P9_TGETATTR;
	call->req.u.tgetattr.fid = fid;
	call->req.u.tgetattr.request_mask = P9_GETATTR_BASIC | P9_GETATTR_BTIME;
}

void p9fs_req_walk(struct p9c_call *call, uint32_t fid, uint32_t newfid, const char *name,
		   size_t len)
{
	memset(call, 0, sizeof(*call));
	call->req.type = P9_TWALK;
	call->req.u.twalk.fid = fid;
	call->req.u.twalk.newfid = newfid;
	if (name) {
		call->req.u.twalk.nwname = 1;
		call->req.u.twalk.wname[0] = (struct p9_str){ .s = name, .len = (uint16_t)len };
	}
}

void p9fs_wk_hold(struct p9fs_fs *fs, struct p9fs_wk *wk, struct p9fs_dentry *d)
{
	if (wk->held == d)
		return;
	/* The new reference first: @d may be alive only through the old one. A put never takes
	 * fs->mu, so it may run here. */
	p9fs_dentry_get(NULL, &d->base);
	struct p9fs_dentry *old = wk->held;
	wk->held = d;
	if (old)
		p9fs_dentry_put((struct sentry_fs *)fs, &old->base);
}

void p9fs_wk_done(struct p9fs_fs *fs, struct p9fs_wk *wk)
{
	if (wk->held)
		p9fs_dentry_put((struct sentry_fs *)fs, &wk->held->base);
	wk->held = NULL;
}

int p9fs_run_unlocked(struct p9fs_fs *fs, struct p9fs_wk *wk, struct p9fs_dentry *d,
		      struct p9c_call *calls, size_t n)
{
	p9fs_wk_hold(fs, wk, d);
	pthread_mutex_unlock(&fs->mu);
	int r = p9c_run(fs->ch, calls, n);
	pthread_mutex_lock(&fs->mu);
	return r;
}

struct name {
	const char *s;
	size_t len;
};

/* Enters the results of a fetch batch; returns 0 when at least the first name got an entry,
 * else the first name's error. */
static int enter_results(struct p9fs_fs *fs, struct p9fs_dentry *dir, const struct name *names,
			 size_t n, struct p9c_call *calls, const uint32_t *fids, uint64_t seq,
			 int raced)
{
	struct p9fs_dentry *parent = dir;
	size_t i;
	int r = 0;

	for (i = 0; i < n; i++) {
		struct p9c_call *w = &calls[2 * i], *g = &calls[2 * i + 1];
		struct p9fs_dentry *d = raced ? p9fs_lookup(fs, parent, names[i].s, names[i].len)
					      : NULL;
		if (raced && !d)
			break;	/* maybe moved or removed meanwhile: the caller asks again */
		if (d) {
			/* The tree changed while we asked (a rename, a create): what the cache
			 * holds now is newer than the answer, which only refreshes it. */
			int same = w->err == 0 && !g->err && d->inode &&
				   d->inode->path == w->rep.u.rwalk.wqid[0].path;
			w->err == 0 ? p9c_clunk(fs->ch, fids[i]) : p9c_fid_put(fs->ch, fids[i]);
			if (same)
				p9fs_attr_set(d->inode, &g->rep.u.rgetattr);
			d->seq = seq;
			r = 0;
			if (!same) {
				i++;
				break;
			}
			parent = d;
			continue;
		}
		if (w->err || w->rep.u.rwalk.nwqid != 1 || parent->base.flags & SENTRY_DENTRY_DEAD) {
			r = w->err ? w->err : -ENOENT;
			if (r == -ENOENT && !(parent->base.flags & SENTRY_DENTRY_DEAD) &&
			    p9fs_enter(fs, parent, names[i].s, names[i].len, P9_NOFID, 0, NULL,
				       &d) == 0) {
				d->seq = seq;
				r = 0;
			}
			if (w->err == 0)
				p9c_clunk(fs->ch, fids[i]);
			else
				p9c_fid_put(fs->ch, fids[i]);
			i++;
			break;
		}
		if (g->err) {
			r = g->err;
			p9c_clunk(fs->ch, fids[i]);
			i++;
			break;
		}
		struct p9fs_dentry *old = p9fs_lookup(fs, parent, names[i].s, names[i].len);
		struct sentry_statx st;
		p9fs_attr_from(&g->rep.u.rgetattr, &st);
		if (old && old->inode && old->inode->path == w->rep.u.rwalk.wqid[0].path) {
			/* Still the same file: refresh it, keep its fid. */
			p9fs_attr_set(old->inode, &g->rep.u.rgetattr);
			p9c_clunk(fs->ch, fids[i]);
			d = old;
		} else if ((r = p9fs_enter(fs, parent, names[i].s, names[i].len, fids[i],
					   w->rep.u.rwalk.wqid[0].path, &st, &d)) < 0) {
			i++;
			break;
		}
		d->seq = seq;
		r = 0;
		parent = d;
	}
	/* Names after where the results stopped being used: fids the server made (a race cut
	 * the results short) are clunked, the others were never made. */
	size_t used = i;
	for (; i < n; i++)
		calls[2 * i].err == 0 ? p9c_clunk(fs->ch, fids[i]) : p9c_fid_put(fs->ch, fids[i]);
	/* A later name's failure is the walk's to find when it gets there. */
	return used > 1 || (used == 1 && r == 0) ? 0 : r;
}

/* One round trip for @names below @dir (at most P9_MAXWELEM). Under fs->mu (dropped inside). */
static int fetch(struct p9fs_fs *fs, struct p9fs_dentry *dir, const struct name *names, size_t n,
		 struct p9fs_wk *wk)
{
	struct p9c_call *calls = calloc(2 * n, sizeof(*calls));
	uint32_t fids[P9_MAXWELEM];

	if (!calls)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		fids[i] = p9c_fid_get(fs->ch);
		p9fs_req_walk(&calls[2 * i], i ? fids[i - 1] : dir->fid, fids[i], names[i].s,
			      names[i].len);
		p9fs_req_getattr(&calls[2 * i + 1], fids[i]);
	}
	uint64_t gen = fs->gen;
	int r = p9fs_run_unlocked(fs, wk, dir, calls, 2 * n);
	if (r == 0)
		r = enter_results(fs, dir, names, n, calls, fids, wk->seq, fs->gen != gen);
	else
		for (size_t i = 0; i < n; i++)
			p9c_fid_put(fs->ch, fids[i]);
	free(calls);
	return r;
}

static int is_dot(const char *s, size_t len)
{
	return (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.');
}

/* Fetches the run of plain names that starts at the rp's current component. */
static int fetch_path(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *dir,
		      struct p9fs_wk *wk)
{
	struct name names[P9_MAXWELEM];
	size_t n = 0;

	while (n < P9_MAXWELEM) {
		size_t len;
		const char *s = fs->rp->peek(rp, n, &len);
		if (!s || is_dot(s, len))
			break;
		names[n++] = (struct name){ s, len };
	}
	return fetch(fs, dir, names, n, wk);
}

static int stale(const struct p9fs_fs *fs, const struct p9fs_dentry *d, const struct p9fs_wk *wk)
{
	return fs->cache == P9FS_CACHE_SHARED && d->seq < wk->seq;
}

int p9fs_child(struct p9fs_fs *fs, struct p9fs_dentry *dir, const char *name, size_t len,
	       struct p9fs_dentry **ret, struct p9fs_wk *wk)
{
	if (!wk->seq)
		wk->seq = ++fs->seq;
	struct p9fs_dentry *d = p9fs_lookup(fs, dir, name, len);
	/* A lookup racing with changes may have to ask again (see enter_results). */
	for (int tries = 0; !d || stale(fs, d, wk); tries++) {
		struct name nm = { name, len };
		if (tries == 8 || (dir->base.flags & SENTRY_DENTRY_DEAD))
			return -ENOENT;
		int r = fetch(fs, dir, &nm, 1, wk);
		if (r < 0)
			return r;
		d = p9fs_lookup(fs, dir, name, len);
	}
	*ret = d;
	return 0;
}

int p9fs_target(struct p9fs_fs *fs, struct p9fs_dentry *d, struct p9fs_wk *wk)
{
	struct p9c_call call = { .req.type = P9_TREADLINK, .req.u.tfid.fid = d->fid };
	uint8_t *buf = malloc(SENTRY_PATH_MAX + 64);

	if (!buf)
		return -ENOMEM;
	call.rx = buf;
	call.rx_cap = SENTRY_PATH_MAX + 64;
	int r = p9fs_run_unlocked(fs, wk, d, &call, 1);
	if (r == 0)
		r = call.err;
	if (r == 0 && !d->inode->target) {
		char *t = malloc((size_t)call.rep.u.rreadlink.target.len + 1);
		if (t)
			(void)p9_str_copy(&call.rep.u.rreadlink.target, t,
					  (size_t)call.rep.u.rreadlink.target.len + 1);
		d->inode->target = t;
		r = t ? 0 : -ENOMEM;
	}
	free(buf);
	return r;
}

/* @d must be a directory the caller may search. */
static int may_search(struct p9fs_fs *fs, struct sentry_rp *rp, struct p9fs_dentry *d)
{
	uint32_t mode = d->inode->st.mode;

	if (!S_ISDIR(mode))
		return -ENOTDIR;
	if ((mode & 0111) == 0111)
		return 0;
	return p9fs_may(fs, rp, d->inode, SENTRY_MAY_EXEC);
}

/* One step along plain name @name from *@dir. */
static int step(struct p9fs_fs *fs, struct sentry_rp *rp, const char *name, size_t len,
		struct p9fs_dentry **dir, struct p9fs_wk *wk)
{
	const struct sentry_rp_ops *o = fs->rp;
	struct p9fs_dentry *d = *dir, *next;
	int r;

	if (len == 2 && name[0] == '.' && name[1] == '.') {
		if ((r = o->check_root(rp, &d->base)) < 0)
			return r;
		next = r == 1 ? d : d->parent;
	} else {
		next = p9fs_lookup(fs, d, name, len);
		if (!next || stale(fs, next, wk))
			return 1;	/* the caller fetches, then steps again */
		if (!next->inode)
			return -ENOENT;
	}
	o->advance(rp);
	if (next->base.mount_count && (r = o->check_mount(rp, &next->base)) < 0)
		return r;
	if (S_ISLNK(next->inode->st.mode) && (!o->done(rp) || o->should_follow(rp))) {
		if (!next->inode->target && (r = p9fs_target(fs, next, wk)) < 0)
			return r;
		const char *t = next->inode->target;
		return o->handle_symlink(rp, t, strlen(t));	/* relative: *dir stays */
	}
	*dir = next;
	return 0;
}

int p9fs_walk(struct p9fs_fs *fs, struct sentry_rp *rp, int stop_final, struct p9fs_dentry **ret,
	      struct p9fs_wk *wk)
{
	const struct sentry_rp_ops *o = fs->rp;
	struct p9fs_dentry *d = p9fs_d(o->start(rp));

	if (!wk->seq)
		wk->seq = ++fs->seq;
	for (;;) {
		size_t len;
		const char *name = o->component(rp, &len);
		if (!name)
			break;
		int r = may_search(fs, rp, d);
		if (r < 0)
			return r;
		if (stop_final && o->final(rp))
			break;
		if (len == 1 && name[0] == '.') {
			o->advance(rp);
			continue;
		}
		r = step(fs, rp, name, len, &d, wk);
		if (r == 1)
			r = fetch_path(fs, rp, d, wk);
		if (r < 0)
			return r;
	}
	*ret = d;
	return 0;
}
