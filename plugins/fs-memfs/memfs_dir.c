/*
 * plugins/fs-memfs/memfs_dir.c: inodes, dentries and directories.
 *
 * A directory keeps its children twice: in a hash table by name, so lookups stay O(1) with
 * 100,000 entries, and in a list ordered by a per-directory cookie, so getdents can resume
 * from an offset while entries come and go (each reader keeps a cursor node in that list).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "memfs.h"

int64_t memfs_now(const struct memfs_fs *fs)
{
	return fs->svc->now_ns(SENTRY_CLOCK_REALTIME);
}

uint32_t memfs_hash(const char *name, size_t len)
{
	/* FNV-1a: short names, a few ns. */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	return h;
}

struct memfs_dentry *memfs_lookup(struct memfs_dentry *dir, const char *name, size_t len)
{
	struct memfs_inode *in = dir->inode;
	uint32_t h = memfs_hash(name, len);
	for (struct memfs_dentry *c = in->dir.buckets[h & (in->dir.nbuckets - 1)]; c; c = c->hnext)
		/* The hash matched: check the first byte inline, so one-letter names skip memcmp. */
		if (c->hash == h && c->name_len == len && c->name[0] == name[0] &&
		    (len == 1 || !memcmp(c->name + 1, name + 1, len - 1)))
			return c;
	return NULL;
}

int memfs_dir_init(struct memfs_inode *in)
{
	in->dir.nbuckets = 8;
	in->dir.buckets = calloc(in->dir.nbuckets, sizeof(*in->dir.buckets));
	if (!in->dir.buckets)
		return -ENOMEM;
	in->dir.list.prev = in->dir.list.next = &in->dir.list;
	in->dir.next_cookie = 3; /* 0: ".", 1: "..", 2: first entry's lower bound */
	return 0;
}

static int dir_grow(struct memfs_inode *in)
{
	size_t n = in->dir.nbuckets * 2;
	struct memfs_dentry **b = calloc(n, sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < in->dir.nbuckets; i++) {
		for (struct memfs_dentry *c = in->dir.buckets[i], *next; c; c = next) {
			next = c->hnext;
			c->hnext = b[c->hash & (n - 1)];
			b[c->hash & (n - 1)] = c;
		}
	}
	free(in->dir.buckets);
	in->dir.buckets = b;
	in->dir.nbuckets = n;
	return 0;
}

static void list_insert_before(struct memfs_node *at, struct memfs_node *n)
{
	n->next = at;
	n->prev = at->prev;
	at->prev->next = n;
	at->prev = n;
}

static void list_remove(struct memfs_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->prev = n->next = n;
}

/* Links @child (its tree reference and its reference on @dir are taken here). */
int memfs_dir_link(struct memfs_dentry *dir, struct memfs_dentry *child)
{
	struct memfs_inode *in = dir->inode;
	if (in->dir.count >= in->dir.nbuckets && dir_grow(in) < 0 && in->dir.count > (1u << 20))
		return -ENOMEM; /* a crowded table still works; only refuse when absurdly so */
	size_t b = child->hash & (in->dir.nbuckets - 1);
	child->hnext = in->dir.buckets[b];
	in->dir.buckets[b] = child;
	child->node.cookie = in->dir.next_cookie++;
	child->node.d = child;
	list_insert_before(&in->dir.list, &child->node);
	in->dir.count++;
	child->parent = dir;
	atomic_fetch_add(&dir->refs, 1);
	child->linked = 1;
	return 0;
}

/* Unlinks @child from @dir; the caller drops the tree reference afterwards. */
void memfs_dir_unlink(struct memfs_dentry *dir, struct memfs_dentry *child)
{
	struct memfs_inode *in = dir->inode;
	struct memfs_dentry **pp = &in->dir.buckets[child->hash & (in->dir.nbuckets - 1)];
	while (*pp && *pp != child)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = child->hnext;
	child->hnext = NULL;
	list_remove(&child->node);
	in->dir.count--;
	child->linked = 0;
}

struct memfs_inode *memfs_inode_new(struct memfs_fs *fs, uint32_t mode, uint32_t uid,
				    uint32_t gid)
{
	unsigned long long n = atomic_fetch_add(&fs->nr_inodes, 1);
	if (fs->max_inodes && n >= fs->max_inodes) {
		atomic_fetch_sub(&fs->nr_inodes, 1);
		return NULL;
	}
	struct memfs_inode *in = calloc(1, sizeof(*in));
	if (!in || (S_ISDIR(mode) && memfs_dir_init(in) < 0)) {
		free(in);
		atomic_fetch_sub(&fs->nr_inodes, 1);
		return NULL;
	}
	atomic_init(&in->refs, 0);
	in->ino = atomic_fetch_add(&fs->next_ino, 1);
	in->mode = mode;
	in->uid = uid;
	in->gid = gid;
	in->nlink = S_ISDIR(mode) ? 2 : 1;
	int64_t now = memfs_now(fs);
	in->mtime_ns = in->ctime_ns = in->btime_ns = now;
	atomic_init(&in->atime_ns, now);
	return in;
}

void memfs_inode_put(struct memfs_fs *fs, struct memfs_inode *in)
{
	if (atomic_fetch_sub(&in->refs, 1) != 1)
		return;
	if (S_ISREG(in->mode))
		memfs_data_free(fs, in);
	else if (S_ISDIR(in->mode))
		free(in->dir.buckets);
	else if (S_ISLNK(in->mode))
		free(in->lnk.target);
	memfs_xattrs_free(in);
	free(in);
	atomic_fetch_sub(&fs->nr_inodes, 1);
}

char *memfs_name_buf(struct memfs_dentry *d, size_t len)
{
	return len < sizeof(d->iname) ? d->iname : malloc(len + 1);
}

void memfs_name_commit(struct memfs_dentry *d, char *buf, const char *name, size_t len)
{
	char *old = d->name;
	memmove(buf, name, len);
	buf[len] = 0;
	if (old && old != d->iname && old != buf)
		free(old);
	d->name = buf;
	d->name_len = (uint16_t)len;
	d->hash = memfs_hash(buf, len);
}

static void name_free(struct memfs_dentry *d)
{
	if (d->name != d->iname)
		free(d->name);
}

struct memfs_dentry *memfs_dentry_new(const char *name, size_t len, struct memfs_inode *in)
{
	struct memfs_dentry *d = calloc(1, sizeof(*d));
	char *buf = d ? memfs_name_buf(d, len) : NULL;
	if (!buf) {
		free(d);
		return NULL;
	}
	memfs_name_commit(d, buf, name, len);
	atomic_init(&d->refs, 1);
	d->inode = in;
	atomic_fetch_add(&in->refs, 1);
	d->node.prev = d->node.next = &d->node;
	d->node.d = d;
	return d;
}

void memfs_dentry_get(struct sentry_fs *sfs, struct sentry_dentry *sd)
{
	atomic_fetch_add_explicit(&memfs_d(sd)->refs, 1, memory_order_relaxed);
}

void memfs_dentry_put(struct sentry_fs *sfs, struct sentry_dentry *sd)
{
	struct memfs_fs *fs = (struct memfs_fs *)sfs;
	struct memfs_dentry *d = memfs_d(sd);
	/* Unlinked dentries die here; their parents may follow, hence the loop. */
	while (d) {
		long old = atomic_fetch_sub_explicit(&d->refs, 1, memory_order_acq_rel);
		if (old > 1)
			return;
		if (old < 1)
			abort();
		struct memfs_dentry *parent = d->parent != d ? d->parent : NULL;
		memfs_inode_put(fs, d->inode);
		name_free(d);
		free(d);
		d = parent;
	}
}

/* Frees the whole tree below and including @d, ignoring counts (release_fs: nobody else holds
 * a reference by then). */
void memfs_tree_free(struct memfs_fs *fs, struct memfs_dentry *d)
{
	if (S_ISDIR(d->inode->mode)) {
		struct memfs_node *head = &d->inode->dir.list;
		while (head->next != head) {
			struct memfs_node *n = head->next;
			list_remove(n);
			if (n->d)
				memfs_tree_free(fs, n->d);
		}
	}
	memfs_inode_put(fs, d->inode);
	name_free(d);
	free(d);
}

static uint8_t dtype(uint32_t mode)
{
	return (uint8_t)((mode & S_IFMT) >> 12);
}

/* Places the cursor before the first entry at or after @off. */
static void cursor_seek(struct memfs_file *f, struct memfs_inode *dir, int64_t off)
{
	if (f->cursor_linked)
		list_remove(&f->cursor);
	struct memfs_node *n = dir->dir.list.next;
	while (n != &dir->dir.list && (!n->d || n->cookie < off))
		n = n->next;
	list_insert_before(n, &f->cursor);
	f->cursor_linked = 1;
	f->cursor_off = off;
}

static int emit(struct sentry_dir_emitter *e, uint64_t ino, int64_t next, uint32_t mode,
		const char *name, size_t len)
{
	struct sentry_dirent de = { .ino = ino, .next_off = next, .type = dtype(mode),
				    .name_len = (uint16_t)len, .name = name };
	return e->emit(e, &de);
}

int memfs_iterate(struct sentry_file *file, struct sentry_dir_emitter *e, int64_t *off)
{
	struct memfs_file *f = (struct memfs_file *)file;
	struct memfs_dentry *d = memfs_d(file->dentry);
	struct memfs_inode *in = d->inode;
	pthread_rwlock_wrlock(&f->fs->lock);
	if (d->base.flags & SENTRY_DENTRY_DEAD) {
		/* A removed directory lists nothing, not even "." (fs/readdir.c IS_DEADDIR). */
		pthread_rwlock_unlock(&f->fs->lock);
		return -ENOENT;
	}
	int rc = 0;
	if (*off == 0) {
		if ((rc = emit(e, in->ino, 1, in->mode, ".", 1)) == 0)
			*off = 1;
	}
	if (rc == 0 && *off == 1) {
		struct memfs_inode *p = d->parent->inode;
		if ((rc = emit(e, p->ino, 2, p->mode, "..", 2)) == 0)
			*off = 2;
	}
	if (rc == 0 && (!f->cursor_linked || f->cursor_off != *off))
		cursor_seek(f, in, *off);
	while (rc == 0) {
		struct memfs_node *n = f->cursor.next;
		while (n != &in->dir.list && !n->d)
			n = n->next; /* other readers' cursors */
		if (n == &in->dir.list)
			break;
		struct memfs_dentry *c = n->d;
		rc = emit(e, c->inode->ino, n->cookie + 1, c->inode->mode, c->name, c->name_len);
		if (rc)
			break;
		list_remove(&f->cursor);
		list_insert_before(n->next, &f->cursor);
		*off = f->cursor_off = n->cookie + 1;
	}
	atomic_store(&in->atime_ns, memfs_now(f->fs));
	pthread_rwlock_unlock(&f->fs->lock);
	return rc > 0 ? 1 : 0;
}

void memfs_cursor_drop(struct memfs_file *f)
{
	if (!f->cursor_linked)
		return;
	pthread_rwlock_wrlock(&f->fs->lock);
	list_remove(&f->cursor);
	f->cursor_linked = 0;
	pthread_rwlock_unlock(&f->fs->lock);
}
