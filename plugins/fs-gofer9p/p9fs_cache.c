/*
 * p9fs_cache.c: fs-gofer9p's dentry hash, inode table, references, attribute conversion and
 * page freeing. See p9fs.h for the locks and who references whom.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "p9fs.h"

static uint32_t name_hash(const struct p9fs_dentry *dir, const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)(uintptr_t)dir;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

struct p9fs_dentry *p9fs_lookup(struct p9fs_fs *fs, struct p9fs_dentry *dir, const char *name,
				size_t len)
{
	uint32_t h = name_hash(dir, name, len);

	for (struct p9fs_dentry *d = fs->hash[h & (fs->hash_size - 1)]; d; d = d->hnext)
		if (d->hash == h && d->parent == dir && d->name_len == len &&
		    memcmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

static void hash_insert(struct p9fs_fs *fs, struct p9fs_dentry *d)
{
	struct p9fs_dentry **b = &fs->hash[d->hash & (fs->hash_size - 1)];

	d->hnext = *b;
	*b = d;
}

/* Doubles the table when it is twice as full as it is wide; a failed grow only costs speed. */
static void hash_grow(struct p9fs_fs *fs)
{
	if (fs->hash_count < 2 * fs->hash_size)
		return;
	struct p9fs_dentry **old = fs->hash, **nh = calloc(2 * fs->hash_size, sizeof(*nh));
	size_t n = fs->hash_size;
	if (!nh)
		return;
	fs->hash = nh;
	fs->hash_size = 2 * n;
	for (size_t i = 0; i < n; i++)
		for (struct p9fs_dentry *d = old[i], *next; d; d = next) {
			next = d->hnext;
			hash_insert(fs, d);
		}
	free(old);
}

static void hash_remove(struct p9fs_fs *fs, struct p9fs_dentry *d)
{
	struct p9fs_dentry **pp = &fs->hash[d->hash & (fs->hash_size - 1)];

	while (*pp != d)
		pp = &(*pp)->hnext;
	*pp = d->hnext;
}

void p9fs_attr_from(const struct p9_rgetattr *g, struct sentry_statx *st)
{
	memset(st, 0, sizeof(*st));
	st->mask = SENTRY_STATX_BASIC_STATS | ((g->valid & P9_GETATTR_BTIME) ? SENTRY_STATX_BTIME : 0);
	st->blksize = (uint32_t)g->blksize;
	st->nlink = (uint32_t)g->nlink;
	st->uid = g->uid;
	st->gid = g->gid;
	st->mode = (uint16_t)g->mode;
	st->ino = g->qid.path;
	st->size = g->size;
	st->blocks = g->blocks;
	st->atime = (struct sentry_timespec){ (int64_t)g->atime_sec, (int64_t)g->atime_nsec };
	st->mtime = (struct sentry_timespec){ (int64_t)g->mtime_sec, (int64_t)g->mtime_nsec };
	st->ctime = (struct sentry_timespec){ (int64_t)g->ctime_sec, (int64_t)g->ctime_nsec };
	st->btime = (struct sentry_timespec){ (int64_t)g->btime_sec, (int64_t)g->btime_nsec };
	/* The Gofer sends rdev as major << 32 | minor. */
	st->rdev_major = (uint32_t)(g->rdev >> 32);
	st->rdev_minor = (uint32_t)g->rdev;
}

static void attr_store(struct p9fs_inode *in, const struct sentry_statx *st)
{
	pthread_mutex_lock(&in->io);
	/* A size we wrote and the server has not shown yet cannot happen: writes are synchronous.
	 * The mode's type never changes for one qid.path. */
	in->st = *st;
	pthread_mutex_unlock(&in->io);
}

void p9fs_attr_set(struct p9fs_inode *in, const struct p9_rgetattr *g)
{
	struct sentry_statx st;

	p9fs_attr_from(g, &st);
	attr_store(in, &st);
}

/* The inode of @path with a new reference, made or refreshed with @st. NULL: ENOMEM. */
static struct p9fs_inode *inode_get(struct p9fs_fs *fs, uint64_t path,
				    const struct sentry_statx *st)
{
	pthread_mutex_lock(&fs->ino_mu);
	struct p9fs_inode **b = &fs->inodes[path & (fs->inode_size - 1)], *in = *b;
	while (in && in->path != path)
		in = in->hnext;
	if (in) {
		in->refs++;
		pthread_mutex_unlock(&fs->ino_mu);
		attr_store(in, st);
		return in;
	}
	in = calloc(1, sizeof(*in));
	if (in) {
		in->path = path;
		in->refs = 1;
		in->st = *st;
		in->hfid = P9_NOFID;
		pthread_mutex_init(&in->io, NULL);
		in->hnext = *b;
		*b = in;
	}
	pthread_mutex_unlock(&fs->ino_mu);
	return in;
}

static void inode_free(struct p9fs_fs *fs, struct p9fs_inode *in)
{
	p9fs_pages_trim(fs, in, 0);
	free(in->pages);
	free(in->target);
	pthread_mutex_destroy(&in->io);
	free(in);
}

static void inode_put(struct p9fs_fs *fs, struct p9fs_inode *in)
{
	pthread_mutex_lock(&fs->ino_mu);
	if (--in->refs > 0) {
		pthread_mutex_unlock(&fs->ino_mu);
		return;
	}
	struct p9fs_inode **pp = &fs->inodes[in->path & (fs->inode_size - 1)];
	while (*pp != in)
		pp = &(*pp)->hnext;
	*pp = in->hnext;
	pthread_mutex_unlock(&fs->ino_mu);
	p9c_clunk(fs->ch, in->hfid);
	inode_free(fs, in);
}

static struct p9fs_dentry *dentry_alloc(const char *name, size_t len)
{
	struct p9fs_dentry *d = calloc(1, sizeof(*d));

	if (d && !(d->name = malloc(len + 1))) {
		free(d);
		return NULL;
	}
	if (d) {
		memcpy(d->name, name, len);
		d->name[len] = 0;
		d->name_len = (uint16_t)len;
		atomic_init(&d->refs, 1);
		d->fid = P9_NOFID;
	}
	return d;
}

int p9fs_enter(struct p9fs_fs *fs, struct p9fs_dentry *dir, const char *name, size_t len,
	       uint32_t fid, uint64_t path, const struct sentry_statx *st, struct p9fs_dentry **ret)
{
	struct p9fs_dentry *d = dentry_alloc(name, len);

	if (d && st && !(d->inode = inode_get(fs, path, st))) {
		free(d->name);
		free(d);
		d = NULL;
	}
	if (!d) {
		p9c_clunk(fs->ch, fid);
		return -ENOMEM;
	}
	struct p9fs_dentry *old = p9fs_lookup(fs, dir, name, len);
	if (old)
		p9fs_unhash(fs, old);
	d->fid = fid;
	d->parent = dir;
	p9fs_dentry_get(NULL, &dir->base);
	dir->nkids++;
	d->hash = name_hash(dir, name, len);
	d->hashed = 1;
	d->seq = fs->seq;
	fs->gen++;
	hash_insert(fs, d);
	fs->hash_count++;
	hash_grow(fs);
	*ret = d;
	return 0;
}

/* Unhashes every hashed child of @dir: a directory that goes takes its negative entries (and
 * anything a racing lookup put there) along. */
static void unhash_kids(struct p9fs_fs *fs, struct p9fs_dentry *dir)
{
	for (size_t i = 0; i < fs->hash_size && dir->nkids; i++)
		for (struct p9fs_dentry *d = fs->hash[i], *next; d; d = next) {
			next = d->hnext;
			if (d->parent == dir) {
				p9fs_unhash(fs, d);
				next = fs->hash[i];	/* the chain changed: rescan it */
			}
		}
}

void p9fs_unhash(struct p9fs_fs *fs, struct p9fs_dentry *d)
{
	if (!d->hashed)
		return;
	if (d->nkids)
		unhash_kids(fs, d);
	hash_remove(fs, d);
	fs->gen++;
	fs->hash_count--;
	d->hashed = 0;
	d->base.flags |= SENTRY_DENTRY_DEAD;
	d->parent->nkids--;
	p9fs_dentry_put((struct sentry_fs *)fs, &d->base);
}

int p9fs_move(struct p9fs_fs *fs, struct p9fs_dentry *d, struct p9fs_dentry *dir,
	      const char *name, size_t len)
{
	char *n = malloc(len + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n, name, len);
	n[len] = 0;
	struct p9fs_dentry *old = p9fs_lookup(fs, dir, name, len);
	if (old && old != d)
		p9fs_unhash(fs, old);
	hash_remove(fs, d);
	fs->gen++;
	struct p9fs_dentry *oldp = d->parent;
	oldp->nkids--;
	p9fs_dentry_get(NULL, &dir->base);
	dir->nkids++;
	d->parent = dir;
	free(d->name);
	d->name = n;
	d->name_len = (uint16_t)len;
	d->hash = name_hash(dir, name, len);
	hash_insert(fs, d);
	p9fs_dentry_put((struct sentry_fs *)fs, &oldp->base);
	return 0;
}

struct p9fs_dentry *p9fs_root_new(struct p9fs_fs *fs, uint32_t fid, uint64_t path,
				  const struct sentry_statx *st)
{
	struct p9fs_dentry *d = dentry_alloc("/", 1);

	if (d && !(d->inode = inode_get(fs, path, st))) {
		free(d->name);
		free(d);
		return NULL;
	}
	if (d) {
		d->parent = d;
		d->fid = fid;
	}
	return d;
}

void p9fs_dentry_get(struct sentry_fs *fs, struct sentry_dentry *sd)
{
	atomic_fetch_add_explicit(&p9fs_d(sd)->refs, 1, memory_order_relaxed);
}

void p9fs_dentry_put(struct sentry_fs *sfs, struct sentry_dentry *sd)
{
	struct p9fs_fs *fs = (struct p9fs_fs *)sfs;
	struct p9fs_dentry *d = p9fs_d(sd);

	/* The last reference of an unhashed dentry frees it (nobody can find it any more); its
	 * parent may follow. The root goes only with release_fs. */
	while (d) {
		long old = atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel);
		if (old > 1)
			return;
		if (old < 1)
			abort();
		struct p9fs_dentry *parent = d->parent != d ? d->parent : NULL;
		if (!parent)
			return;
		p9c_clunk(fs->ch, d->fid);
		if (d->inode)
			inode_put(fs, d->inode);
		free(d->name);
		free(d);
		d = parent;
	}
}

void p9fs_cache_free(struct p9fs_fs *fs)
{
	/* Every reference but the hash's is gone: each hashed dentry is freed outright, its
	 * parent's and inode's counts ignored; the inodes go with their table. */
	for (size_t i = 0; i < fs->hash_size; i++)
		for (struct p9fs_dentry *d = fs->hash[i], *next; d; d = next) {
			next = d->hnext;
			free(d->name);
			free(d);
		}
	free(fs->hash);
	if (fs->root) {
		free(fs->root->name);
		free(fs->root);
	}
	for (size_t i = 0; i < fs->inode_size; i++)
		for (struct p9fs_inode *in = fs->inodes[i], *next; in; in = next) {
			next = in->hnext;
			inode_free(fs, in);
		}
	free(fs->inodes);
}

/* Gives back one run of pages whose memory-file offsets are consecutive. */
static void free_run(struct p9fs_fs *fs, uint64_t start, uint64_t count)
{
	if (count)
		fs->svc->mf_free(start, count * P9FS_PAGE);
}

void p9fs_pages_trim(struct p9fs_fs *fs, struct p9fs_inode *in, uint64_t first)
{
	uint64_t run_start = 0, run_len = 0;

	for (size_t c = first / P9FS_CHUNK; c < in->nchunks; c++) {
		uint64_t *chunk = in->pages[c];
		if (!chunk)
			continue;
		int empty = 1;
		for (size_t i = 0; i < P9FS_CHUNK; i++) {
			uint64_t idx = (uint64_t)c * P9FS_CHUNK + i;
			if (!(chunk[i] & P9FS_PG_SET))
				continue;
			if (idx < first) {
				empty = 0;
				continue;
			}
			uint64_t off = chunk[i] & ~(uint64_t)(P9FS_PAGE - 1);
			if (run_len && off == run_start + run_len * P9FS_PAGE) {
				run_len++;
			} else {
				free_run(fs, run_start, run_len);
				run_start = off;
				run_len = 1;
			}
			chunk[i] = 0;
			in->npages--;
		}
		if (empty) {
			free(chunk);
			in->pages[c] = NULL;
		}
	}
	free_run(fs, run_start, run_len);
}
