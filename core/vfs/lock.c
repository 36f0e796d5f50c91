/*
 * core/vfs/lock.c: advisory locks, flock(2) and POSIX record locks (fcntl(2) F_GETLK, F_SETLK,
 * F_SETLKW and their OFD forms), with the semantics and errnos of Linux's fs/locks.c.
 *
 * One struct vfs_lock_inode per locked inode, keyed by (vfs_fs, ino) so that hard links, bind
 * mounts and separate opens of one inode share it; a file that took a lock references it
 * (vfs_file.lk) until its last reference goes. A filesystem with a lock slot (a remote one that
 * shares the file with other machines) gets the requests instead, and the table only remembers
 * that the inode was locked there, so closes know to release.
 *
 * One mutex guards the whole table. Deadlock detection walks waiters across inodes, and an
 * interrupt must reach a sleeping waiter without racing with its inode going away; lock calls
 * are short next to the I/O they guard. No filesystem call is made with the mutex held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "walk.h"

/* Linux's OFFSET_MAX: where a lock that runs to the end of the file ends. */
#define LK_END_MAX INT64_MAX
/* Linux's MAX_DEADLK_ITERATIONS: how many waiters the deadlock walk follows. */
#define LK_DEADLK_MAX 10

/* A granted lock, or a request on its way in. */
struct lk_lock {
	struct lk_lock *next;
	uint64_t owner;		/* the caller's process owner id, or a vfs_file address (ofd) */
	int ofd;		/* owned by an open file description: flock and OFD locks */
	int type;		/* F_RDLCK or F_WRLCK (F_UNLCK in requests) */
	int64_t start;		/* first byte */
	int64_t end;		/* last byte; LK_END_MAX: to the end, however the file grows */
	int32_t pid;		/* what F_GETLK reports: the caller's pid, -1 for OFD locks */
};

/* A blocked request, on its caller's stack. */
struct lk_waiter {
	struct lk_waiter *next;		/* in the inode's waiters */
	struct lk_waiter *blocked_next;	/* in g_lk.blocked when process-owned */
	pthread_cond_t cond;
	uint64_t owner;
	int ofd;
	uint64_t blocker;		/* owner of the lock it waits for */
	int blocker_ofd;
};

struct vfs_lock_inode {
	struct vfs_lock_inode *hash_next;
	const struct vfs_fs *fs;	/* borrowed: the attached files' mounts hold it */
	uint64_t ino;
	long refs;			/* files attached (vfs_file.lk) */
	int remote;			/* the filesystem's lock slot holds the locks */
	struct lk_lock *flocks;		/* one per open file description */
	struct lk_lock *posix;		/* sorted by start */
	struct lk_waiter *waiters;
};

static struct {
	pthread_mutex_t mu;
	struct vfs_lock_inode **hash;
	size_t hash_size;		/* power of two, 0 until the first lock */
	size_t count;			/* inodes in the hash */
	struct lk_waiter *blocked;	/* process-owned POSIX waiters, for EDEADLK */
	long nlocks;			/* struct lk_lock allocated */
	long nwaiters;
} g_lk = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* g_lk.count, readable without the mutex: closes skip the table while nothing is locked. */
static atomic_long g_lk_ninodes;

void vfs_lock_counters(struct vfs_lock_counters *ret)
{
	pthread_mutex_lock(&g_lk.mu);
	ret->inodes = (long)g_lk.count;
	ret->locks = g_lk.nlocks;
	ret->waiters = g_lk.nwaiters;
	pthread_mutex_unlock(&g_lk.mu);
}

/* --- the table (g_lk.mu held) --- */

static size_t lk_bucket(const struct vfs_fs *fs, uint64_t ino, size_t size)
{
	uint64_t h = ((uint64_t)(uintptr_t)fs >> 4) * 0x9e3779b97f4a7c15ull;
	h ^= ino * 0xff51afd7ed558ccdull;
	return (size_t)(h ^ (h >> 29)) & (size - 1);
}

static struct vfs_lock_inode *lk_lookup(const struct vfs_fs *fs, uint64_t ino)
{
	if (!g_lk.hash_size)
		return NULL;
	struct vfs_lock_inode *li = g_lk.hash[lk_bucket(fs, ino, g_lk.hash_size)];
	while (li && (li->fs != fs || li->ino != ino))
		li = li->hash_next;
	return li;
}

/* Doubles the buckets; on ENOMEM the chains just get longer. */
static void lk_grow(void)
{
	size_t size = g_lk.hash_size ? g_lk.hash_size * 2 : 64;
	struct vfs_lock_inode **h = calloc(size, sizeof(*h));
	if (!h)
		return;
	for (size_t i = 0; i < g_lk.hash_size; i++) {
		struct vfs_lock_inode *li = g_lk.hash[i], *next;
		for (; li; li = next) {
			next = li->hash_next;
			size_t b = lk_bucket(li->fs, li->ino, size);
			li->hash_next = h[b];
			h[b] = li;
		}
	}
	free(g_lk.hash);
	g_lk.hash = h;
	g_lk.hash_size = size;
}

static struct vfs_lock_inode *lk_insert(const struct vfs_fs *fs, uint64_t ino)
{
	if (g_lk.count >= g_lk.hash_size)
		lk_grow();
	struct vfs_lock_inode *li = g_lk.hash_size ? calloc(1, sizeof(*li)) : NULL;
	if (!li)
		return NULL;
	li->fs = fs;
	li->ino = ino;
	size_t b = lk_bucket(fs, ino, g_lk.hash_size);
	li->hash_next = g_lk.hash[b];
	g_lk.hash[b] = li;
	g_lk.count++;
	atomic_fetch_add(&g_lk_ninodes, 1);
	return li;
}

static struct lk_lock *lk_alloc(void)
{
	struct lk_lock *l = malloc(sizeof(*l));
	if (l)
		g_lk.nlocks++;
	return l;
}

static void lk_free(struct lk_lock *l)
{
	if (!l)
		return;
	free(l);
	g_lk.nlocks--;
}

static void lk_free_list(struct lk_lock *l)
{
	while (l) {
		struct lk_lock *next = l->next;
		lk_free(l);
		l = next;
	}
}

/* Unhashes and frees @li with whatever locks are left (none, when the fd table released every
 * owner's locks at close as it must). Nobody waits on it: waiters hold attached files. */
static void lk_remove(struct vfs_lock_inode *li)
{
	struct vfs_lock_inode **pp = &g_lk.hash[lk_bucket(li->fs, li->ino, g_lk.hash_size)];
	while (*pp != li)
		pp = &(*pp)->hash_next;
	*pp = li->hash_next;
	lk_free_list(li->flocks);
	lk_free_list(li->posix);
	g_lk.count--;
	atomic_fetch_sub(&g_lk_ninodes, 1);
	free(li);
}

/*
 * Finds the lock inode of @f. With @attach it is made if missing and @f references it.
 * *ret_li is NULL when there is none and !@attach. On success returns 0 with g_lk.mu held;
 * otherwise -ENOMEM or the filesystem's stat error, without it.
 */
static int lk_find(struct vfs_file *f, int attach, struct vfs_lock_inode **ret_li)
{
	pthread_mutex_lock(&g_lk.mu);
	if (f->lk) {
		*ret_li = f->lk;
		return 0;
	}
	pthread_mutex_unlock(&g_lk.mu);
	struct sentry_statx st;
	int rc = vfs_path_stat(&f->path, SENTRY_STATX_INO, &st);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&g_lk.mu);
	struct vfs_lock_inode *li = f->lk; /* another thread of the description attached it */
	if (!li)
		li = lk_lookup(f->path.mnt->fs, st.ino);
	if (!li && attach)
		li = lk_insert(f->path.mnt->fs, st.ino);
	if (!li && attach) {
		pthread_mutex_unlock(&g_lk.mu);
		return -ENOMEM;
	}
	if (attach && !f->lk) {
		li->refs++;
		f->lk = li;
	}
	*ret_li = li;
	return 0;
}

/* --- waiting (g_lk.mu held) --- */

/* Something on @li changed: every waiter tries again. */
static void lk_wake(struct vfs_lock_inode *li)
{
	for (struct lk_waiter *wt = li->waiters; wt; wt = wt->next)
		pthread_cond_signal(&wt->cond);
}

static int lk_interrupted(struct vfs_lock_wait *w)
{
	return w && (w->cancelled || (w->interrupted && w->interrupted(w->arg)));
}

static void lk_unlink_waiter(struct lk_waiter **pp, struct lk_waiter *wt, int blocked_list)
{
	while (*pp != wt)
		pp = blocked_list ? &(*pp)->blocked_next : &(*pp)->next;
	*pp = blocked_list ? wt->blocked_next : wt->next;
}

/* Sleeps until @li changes or @w is interrupted. Returns 0 to try again, or -EINTR (checked
 * before sleeping only: a request that can be granted is, even with a signal pending). */
static int lk_sleep(struct vfs_lock_inode *li, struct lk_waiter *wt, struct vfs_lock_wait *w)
{
	if (lk_interrupted(w))
		return -EINTR;
	wt->next = li->waiters;
	li->waiters = wt;
	if (!wt->ofd) {
		wt->blocked_next = g_lk.blocked;
		g_lk.blocked = wt;
	}
	g_lk.nwaiters++;
	if (w)
		w->cur = wt;
	pthread_cond_wait(&wt->cond, &g_lk.mu);
	if (w)
		w->cur = NULL;
	g_lk.nwaiters--;
	if (!wt->ofd)
		lk_unlink_waiter(&g_lk.blocked, wt, 1);
	lk_unlink_waiter(&li->waiters, wt, 0);
	return 0;
}

void vfs_lock_wait_interrupt(struct vfs_lock_wait *w)
{
	pthread_mutex_lock(&g_lk.mu);
	w->cancelled = 1;
	if (w->cur)
		pthread_cond_signal(&((struct lk_waiter *)w->cur)->cond);
	pthread_mutex_unlock(&g_lk.mu);
}

/* --- flock(2) --- */

static const struct lk_lock *flock_conflict(const struct vfs_lock_inode *li, uint64_t owner,
					    int type)
{
	for (const struct lk_lock *l = li->flocks; l; l = l->next)
		if (l->owner != owner && (l->type == F_WRLCK || type == F_WRLCK))
			return l;
	return NULL;
}

/* Drops @owner's flock unless it already has @type. Returns 1 when it has @type. */
static int flock_drop_own(struct vfs_lock_inode *li, uint64_t owner, int type)
{
	for (struct lk_lock **pp = &li->flocks; *pp; pp = &(*pp)->next) {
		struct lk_lock *l = *pp;
		if (l->owner != owner)
			continue;
		if (l->type == type)
			return 1;
		*pp = l->next;
		lk_free(l);
		lk_wake(li);
		return 0;
	}
	return 0;
}

/* flock_lock_inode(): the old lock goes before conflicts are looked at, so a conversion is not
 * atomic and one refused under LOCK_NB leaves no lock (flock(2), NOTES). */
static int flock_local(struct vfs_file *f, int type, int wait, struct vfs_lock_wait *w)
{
	struct vfs_lock_inode *li;
	int rc = lk_find(f, type != F_UNLCK, &li);
	if (rc < 0)
		return rc;
	uint64_t owner = (uintptr_t)f;
	struct lk_waiter wt = { .owner = owner, .ofd = 1 };
	int sleeper = 0;
	while (li) {
		if (flock_drop_own(li, owner, type) || type == F_UNLCK)
			break;
		if (!flock_conflict(li, owner, type)) {
			struct lk_lock *l = lk_alloc();
			if (!l) {
				rc = -ENOMEM;
				break;
			}
			*l = (struct lk_lock){ li->flocks, owner, 1, type, 0, LK_END_MAX, -1 };
			li->flocks = l;
			break;
		}
		rc = -EWOULDBLOCK;
		if (!wait)
			break;
		if (!sleeper)
			sleeper = !pthread_cond_init(&wt.cond, NULL);
		rc = sleeper ? lk_sleep(li, &wt, w) : -ENOMEM;
		if (rc < 0)
			break;
	}
	pthread_mutex_unlock(&g_lk.mu);
	if (sleeper)
		pthread_cond_destroy(&wt.cond);
	return rc;
}

/* Marks @f's inode as locked through the filesystem's slot, so closes release there. */
static int lk_mark_remote(struct vfs_file *f)
{
	struct vfs_lock_inode *li;
	int rc = lk_find(f, 1, &li);
	if (rc < 0)
		return rc;
	li->remote = 1;
	pthread_mutex_unlock(&g_lk.mu);
	return 0;
}

/* The filesystem's lock slot with @sl; @getlk as the slot takes it. */
static int lk_slot(struct vfs_file *f, struct sentry_lock *sl, int getlk)
{
	if (!getlk && sl->type != F_UNLCK) {
		int rc = lk_mark_remote(f);
		if (rc < 0)
			return rc;
	}
	return (int)vfs_rc(f->path.mnt->fs, f->sf->ops->lock(f->sf, NULL, sl, getlk));
}

static int lk_has_slot(const struct vfs_file *f)
{
	return SENTRY_OPS_HAS(f->sf->ops, f->sf->ops_size, lock);
}

int vfs_flock(struct vfs_file *f, int op, struct vfs_lock_wait *w)
{
	/* LOCK_MAND is gone from Linux, which accepts it and does nothing. */
	if (op & LOCK_MAND)
		return 0;
	int type;
	switch (op & ~LOCK_NB) {
	case LOCK_SH:
		type = F_RDLCK;
		break;
	case LOCK_EX:
		type = F_WRLCK;
		break;
	case LOCK_UN:
		type = F_UNLCK;
		break;
	default:
		return -EINVAL;
	}
	/* O_PATH, and the ioctl-only access mode 3 (neither read nor write) for a lock. */
	if (!f->sf || (type != F_UNLCK && (f->flags & O_ACCMODE) == O_ACCMODE))
		return -EBADF;
	int wait = !(op & LOCK_NB);
	if (lk_has_slot(f)) {
		/* A whole-file lock owned by the description, as Linux's NFS client emulates flock. */
		struct sentry_lock sl = { .type = (uint32_t)type, .flags = (uint32_t)wait,
					  .owner = (uintptr_t)f, .pid = -1 };
		return lk_slot(f, &sl, 0);
	}
	return flock_local(f, type, wait, w);
}

/* --- POSIX record locks --- */

static int lk_same_owner(const struct lk_lock *a, const struct lk_lock *b)
{
	return a->owner == b->owner && a->ofd == b->ofd;
}

/* The first lock (by start) of another owner that overlaps @req where either writes. */
static const struct lk_lock *posix_conflict(const struct vfs_lock_inode *li,
					    const struct lk_lock *req)
{
	for (const struct lk_lock *l = li->posix; l && l->start <= req->end; l = l->next)
		if (l->end >= req->start && !lk_same_owner(l, req) &&
		    (l->type == F_WRLCK || req->type == F_WRLCK))
			return l;
	return NULL;
}

/* F_OFD_GETLK with F_UNLCK (Linux 6.7): the first of the description's own locks in range. */
static const struct lk_lock *posix_own(const struct vfs_lock_inode *li, const struct lk_lock *req)
{
	for (const struct lk_lock *l = li->posix; l && l->start <= req->end; l = l->next)
		if (l->end >= req->start && lk_same_owner(l, req))
			return l;
	return NULL;
}

/* Would a process-owned request of @me, blocked by @blocker, close a cycle of waiters? Follows
 * "owner of the blocker waits for" links as posix_locks_deadlock() does; OFD owners end the
 * walk (Linux tracks no deadlocks through them). */
static int posix_deadlock(uint64_t me, const struct lk_lock *blocker)
{
	uint64_t owner = blocker->owner;
	if (blocker->ofd)
		return 0;
	for (int i = 0; i < LK_DEADLK_MAX; i++) {
		const struct lk_waiter *wt = g_lk.blocked;
		while (wt && wt->owner != owner)
			wt = wt->blocked_next;
		if (!wt || wt->blocker_ofd)
			return 0;
		owner = wt->blocker;
		if (owner == me)
			return 1;
	}
	return 0;
}

/* @l and [@s, @e] overlap or are adjacent. */
static int lk_touches(const struct lk_lock *l, int64_t s, int64_t e)
{
	return l->end >= s - 1 && (e == LK_END_MAX || l->start <= e + 1);
}

static void posix_insert(struct vfs_lock_inode *li, struct lk_lock *n)
{
	struct lk_lock **pp = &li->posix;
	while (*pp && (*pp)->start <= n->start)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
}

/*
 * Applies @req (no conflict left) to its owner's locks: the range takes @req's type (or none
 * for F_UNLCK), splitting the owner's locks it cuts and merging the ones of the same type it
 * touches, so an owner's locks never overlap and same-type ones are never adjacent. Returns 0 or
 * -ENOLCK (Linux's "no luck" when it cannot allocate), with nothing changed.
 */
static int posix_apply(struct vfs_lock_inode *li, const struct lk_lock *req)
{
	/* A request cuts at most one lock in two, and adds itself. */
	struct lk_lock *split = lk_alloc(), *added = lk_alloc();
	if (!split || !added) {
		lk_free(split);
		lk_free(added);
		return -ENOLCK;
	}
	int64_t s = req->start, e = req->end;
	struct lk_lock *mine = NULL;
	for (struct lk_lock **pp = &li->posix; *pp;) {
		struct lk_lock *l = *pp;
		if (!lk_same_owner(l, req) || !lk_touches(l, s, e)) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		l->next = mine;
		mine = l;
	}
	/* Same-type ones merge in: the owner's locks are disjoint, so the union is one range. */
	for (const struct lk_lock *l = mine; l; l = l->next)
		if (req->type != F_UNLCK && l->type == req->type) {
			s = l->start < s ? l->start : s;
			e = l->end > e ? l->end : e;
		}
	while (mine) {
		struct lk_lock *l = mine;
		mine = l->next;
		int left = l->start < s, right = l->end > e;
		if ((req->type != F_UNLCK && l->type == req->type) || (!left && !right)) {
			lk_free(l);
			continue;
		}
		if (left && right) {
			*split = *l;
			split->start = e + 1;
			posix_insert(li, split);
			split = NULL;
		}
		if (left)
			l->end = s - 1;
		else
			l->start = e + 1;
		posix_insert(li, l);
	}
	if (req->type != F_UNLCK) {
		*added = *req;
		added->start = s;
		added->end = e;
		posix_insert(li, added);
		added = NULL;
	}
	lk_free(split);
	lk_free(added);
	lk_wake(li);
	return 0;
}

/* F_SETLK/F_SETLKW and the OFD forms, in the core's table. */
static int posix_set(struct vfs_file *f, const struct lk_lock *req, int wait,
		     struct vfs_lock_wait *w)
{
	struct vfs_lock_inode *li;
	int rc = lk_find(f, req->type != F_UNLCK, &li);
	if (rc < 0)
		return rc;
	struct lk_waiter wt = { .owner = req->owner, .ofd = req->ofd };
	int sleeper = 0;
	while (li) {
		const struct lk_lock *c = req->type == F_UNLCK ? NULL : posix_conflict(li, req);
		if (!c) {
			rc = posix_apply(li, req);
			break;
		}
		rc = -EAGAIN;
		if (!wait)
			break;
		rc = -EDEADLK;
		if (!req->ofd && posix_deadlock(req->owner, c))
			break;
		wt.blocker = c->owner;
		wt.blocker_ofd = c->ofd;
		if (!sleeper)
			sleeper = !pthread_cond_init(&wt.cond, NULL);
		rc = sleeper ? lk_sleep(li, &wt, w) : -ENOLCK;
		if (rc < 0)
			break;
	}
	pthread_mutex_unlock(&g_lk.mu);
	if (sleeper)
		pthread_cond_destroy(&wt.cond);
	return rc;
}

/* F_GETLK/F_OFD_GETLK in the core's table: *@req becomes the lock found, or type F_UNLCK. */
static int posix_get(struct vfs_file *f, struct lk_lock *req)
{
	struct vfs_lock_inode *li;
	int rc = lk_find(f, 0, &li);
	if (rc < 0)
		return rc;
	const struct lk_lock *c = NULL;
	if (li)
		c = req->type == F_UNLCK ? posix_own(li, req) : posix_conflict(li, req);
	if (c)
		*req = *c;
	else
		req->type = F_UNLCK;
	pthread_mutex_unlock(&g_lk.mu);
	return 0;
}

/* flock64_to_posix_lock(): the absolute range of @rl. Returns 0, -EINVAL (whence, negative
 * start or range start), -EOVERFLOW (past OFFSET_MAX), or stat's error for SEEK_END. */
static int lk_range(struct vfs_file *f, const struct vfs_record_lock *rl, int64_t *ret_start,
		    int64_t *ret_end)
{
	int64_t base, start, end;
	struct sentry_statx st;
	switch (rl->whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		pthread_mutex_lock(&f->pos_lock);
		base = f->off;
		pthread_mutex_unlock(&f->pos_lock);
		break;
	case SEEK_END: {
		int rc = vfs_path_stat(&f->path, SENTRY_STATX_SIZE, &st);
		if (rc < 0)
			return rc;
		base = st.size > (uint64_t)LK_END_MAX ? LK_END_MAX : (int64_t)st.size;
		break;
	}
	default:
		return -EINVAL;
	}
	if (rl->start > LK_END_MAX - base)
		return -EOVERFLOW;
	start = base + rl->start;
	if (start < 0)
		return -EINVAL;
	if (rl->len > 0) {
		if (rl->len - 1 > LK_END_MAX - start)
			return -EOVERFLOW;
		end = start + (rl->len - 1);
	} else if (rl->len < 0) {
		if (start + rl->len < 0)
			return -EINVAL;
		end = start - 1;
		start += rl->len;
	} else {
		end = LK_END_MAX;
	}
	*ret_start = start;
	*ret_end = end;
	return 0;
}

/* fcntl_getlk()/fcntl_setlk() checks, in Linux's order, turning @rl into *@req. */
static int lk_record_req(struct vfs_file *f, int getlk, int ofd, uint64_t owner, int32_t pid,
			 const struct vfs_record_lock *rl, struct lk_lock *req)
{
	if (!f->sf)
		return -EBADF;
	int t = rl->type;
	if (getlk && t != F_RDLCK && t != F_WRLCK && !(ofd && t == F_UNLCK))
		return -EINVAL;
	int rc = lk_range(f, rl, &req->start, &req->end);
	if (rc < 0)
		return rc;
	if (t != F_RDLCK && t != F_WRLCK && t != F_UNLCK)
		return -EINVAL;
	uint32_t acc = f->flags & O_ACCMODE;
	if (!getlk && ((t == F_RDLCK && acc != O_RDONLY && acc != O_RDWR) ||
		       (t == F_WRLCK && acc != O_WRONLY && acc != O_RDWR)))
		return -EBADF;
	if (ofd && rl->pid != 0)
		return -EINVAL;
	req->next = NULL;
	req->owner = ofd ? (uintptr_t)f : owner;
	req->ofd = ofd;
	req->type = t;
	req->pid = ofd ? -1 : pid;
	return 0;
}

/* posix_lock_to_flock(): what F_GETLK hands back for lock @l. */
static void lk_report(const struct lk_lock *l, struct vfs_record_lock *rl)
{
	rl->type = (int16_t)l->type;
	if (l->type == F_UNLCK)
		return; /* the rest of the caller's struct stays as it was */
	rl->whence = SEEK_SET;
	rl->start = l->start;
	rl->len = l->end == LK_END_MAX ? 0 : l->end - l->start + 1;
	rl->pid = l->pid;
}

/* The request through the filesystem's lock slot. */
static int posix_slot(struct vfs_file *f, struct lk_lock *req, int getlk, int wait,
		      struct vfs_record_lock *rl)
{
	struct sentry_lock sl = {
		.type = (uint32_t)req->type,
		.flags = (uint32_t)wait,
		.start = req->start,
		.len = req->end == LK_END_MAX ? 0 : req->end - req->start + 1,
		.owner = req->owner,
		.pid = req->pid,
	};
	int rc = lk_slot(f, &sl, getlk);
	if (rc < 0 || !getlk)
		return rc;
	req->type = (int)sl.type;
	req->start = sl.start;
	req->end = sl.len > 0 ? sl.start + (sl.len - 1) : LK_END_MAX;
	req->pid = sl.pid;
	lk_report(req, rl);
	return 0;
}

int vfs_fcntl_lock(struct vfs_file *f, int cmd, uint64_t owner, int32_t pid,
		   struct vfs_record_lock *rl, struct vfs_lock_wait *w)
{
	int getlk = cmd == F_GETLK || cmd == F_OFD_GETLK;
	int ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
	int wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	if (!getlk && !wait && cmd != F_SETLK && cmd != F_OFD_SETLK)
		return -EINVAL;
	struct lk_lock req;
	int rc = lk_record_req(f, getlk, ofd, owner, pid, rl, &req);
	if (rc < 0)
		return rc;
	if (lk_has_slot(f))
		return posix_slot(f, &req, getlk, wait, rl);
	if (!getlk)
		return posix_set(f, &req, wait, w);
	rc = posix_get(f, &req);
	if (rc == 0)
		lk_report(&req, rl);
	return rc;
}

/* --- closes --- */

/* Removes the locks of (@owner, @ofd) from list *@pp. Returns how many went. */
static int lk_remove_owner(struct lk_lock **pp, uint64_t owner, int ofd)
{
	int n = 0;
	while (*pp) {
		struct lk_lock *l = *pp;
		if (l->owner == owner && l->ofd == ofd) {
			*pp = l->next;
			lk_free(l);
			n++;
		} else {
			pp = &l->next;
		}
	}
	return n;
}

/* Whole-file unlock of @owner through the lock slot, for closes. */
static void lk_slot_unlock_all(struct vfs_file *f, uint64_t owner, int32_t pid)
{
	struct sentry_lock sl = { .type = F_UNLCK, .owner = owner, .pid = pid };
	(void)vfs_rc(f->path.mnt->fs, f->sf->ops->lock(f->sf, NULL, &sl, 0));
}

void vfs_lock_release_owner(struct vfs_file *f, uint64_t owner)
{
	/* O_PATH closes leave locks alone (filp_flush()); and nothing to do while nothing is
	 * locked anywhere, the common close. */
	if (!f->sf || atomic_load_explicit(&g_lk_ninodes, memory_order_acquire) == 0)
		return;
	struct vfs_lock_inode *li;
	if (lk_find(f, 0, &li) < 0)
		return; /* no inode number, so none of its locks can be in the table */
	int remote = li && li->remote;
	if (li && !remote && lk_remove_owner(&li->posix, owner, 0))
		lk_wake(li);
	pthread_mutex_unlock(&g_lk.mu);
	if (remote)
		lk_slot_unlock_all(f, owner, 0);
}

void vfs_lock_file_release(struct vfs_file *f)
{
	/* No reference is left, so no other thread can attach @f meanwhile. */
	if (!f->lk)
		return;
	pthread_mutex_lock(&g_lk.mu);
	struct vfs_lock_inode *li = f->lk;
	int remote = li->remote;
	f->lk = NULL;
	uint64_t owner = (uintptr_t)f;
	if (lk_remove_owner(&li->flocks, owner, 1) + lk_remove_owner(&li->posix, owner, 1))
		lk_wake(li);
	if (--li->refs == 0)
		lk_remove(li);
	pthread_mutex_unlock(&g_lk.mu);
	if (remote)
		lk_slot_unlock_all(f, owner, -1);
}
