/*
 * core/ipc/epoll.c: epoll instances (see epoll.h).
 *
 * The ready list is a list of items under the instance's ready lock; an item is on it exactly
 * when its `ready` flag is set. A scan (epoll_wait, or the instance's own readiness) holds the
 * instance's mutex, moves the whole list aside, and takes items off that private list one at a
 * time, clearing `ready` before asking the file: a notify arriving while the file is asked puts
 * the item back on the live list, so no edge is lost (Linux keeps such items on its ovflist for
 * the same reason). What the scan did not get to goes back in front, as ep_done_scan splices it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "sentry/plugin.h"
#include "ipc/epoll.h"
#include "kernel/interrupt.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "util/cleanup.h"
#include "vfs/vfs.h"

/* EP_MAX_NESTS: a chain of instances watching instances has at most this many links. */
#define EP_MAX_NESTS 4
/* The bits that are no event (EP_PRIVATE_BITS), and what EPOLLEXCLUSIVE allows beside it. */
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_EXCLUSIVE_OK_BITS                                                                   \
	(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)

struct eplink {
	struct eplink *next, *prev;
};

struct eventpoll_item {
	struct eventpoll *ep;		/* the instance whose interest list holds it */
	struct vfs_file *file;		/* watched; borrowed (see epoll.h) */
	int fd;
	/* Asked for, ERR and HUP included; a fired ONESHOT item keeps only private bits. Written
	 * under the instance's mutex and ready lock, so either suffices to read them. */
	uint32_t events;
	uint64_t data;
	struct kwait_reg reg;		/* on the file's queue (reg.wq NULL: it has none) */
	struct eventpoll_item *hnext;	/* in the instance's hash chain */
	struct eventpoll_item *fnext;	/* in the file's list (vfs_file.epolls); g_ep_lock */
	struct eplink rd;		/* on a ready list, when ready */
	int ready;			/* under the ready lock */
};

struct eventpoll {
	struct sentry_file base;
	struct vfs_file *file;		/* this instance's description (it owns us) */
	pthread_mutex_t mtx;		/* the interest list, scans */
	pthread_mutex_t lock;		/* the ready list and items' ready flags */
	struct eplink rdlist;
	struct sentry_waitq *wq;	/* epoll_wait callers, pollers and outer instances */
	/* The interest list: a hash of items by (file, fd), changed under g_ep_lock and mtx, so
	 * either keeps it still. */
	struct eventpoll_item **table;
	size_t buckets;			/* a power of two */
	size_t count;
	unsigned long gen;		/* loop check visited mark (under g_ep_lock) */
	int depth;			/* the depth found on that visit */
};

/* Linux's epnested_mutex and every file's f_lock for its item list, in one. */
static pthread_mutex_t g_ep_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long g_ep_gen;		/* under g_ep_lock */

static const struct sentry_file_ops g_ep_ops;

/* --- lists --- */

static void link_tail(struct eplink *head, struct eplink *l)
{
	l->next = head;
	l->prev = head->prev;
	head->prev->next = l;
	head->prev = l;
}

static void link_head(struct eplink *head, struct eplink *l)
{
	l->prev = head;
	l->next = head->next;
	head->next->prev = l;
	head->next = l;
}

static void unlink_one(struct eplink *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->next = l->prev = l;
}

/* Moves all of @from in front of what @to holds; @from ends empty. */
static void splice_head(struct eplink *from, struct eplink *to)
{
	if (from->next == from)
		return;
	from->prev->next = to->next;
	to->next->prev = from->prev;
	to->next = from->next;
	from->next->prev = to;
	from->next = from->prev = from;
}

static struct eventpoll_item *rd_item(struct eplink *l)
{
	return container_of(l, struct eventpoll_item, rd);
}

/* Puts @epi on the live ready list unless it is on one. Called with ep->lock held. */
static void mark_ready(struct eventpoll *ep, struct eventpoll_item *epi)
{
	if (!epi->ready) {
		link_tail(&ep->rdlist, &epi->rd);
		epi->ready = 1;
	}
}

/* --- the hash of items --- */

static size_t bucket_of(const struct eventpoll *ep, const struct vfs_file *f, int fd)
{
	uintptr_t h = (uintptr_t)f / sizeof(void *) * 31u + (unsigned)fd;
	h ^= h >> 17;
	return h & (ep->buckets - 1);
}

static struct eventpoll_item *find_item(struct eventpoll *ep, struct vfs_file *f, int fd)
{
	for (struct eventpoll_item *i = ep->table[bucket_of(ep, f, fd)]; i; i = i->hnext)
		if (i->file == f && i->fd == fd)
			return i;
	return NULL;
}

/* Doubles the table when it is full. Called with ep->mtx held. Returns 0 or -ENOMEM. */
static int grow_table(struct eventpoll *ep)
{
	if (ep->count < ep->buckets)
		return 0;
	size_t old = ep->buckets;
	struct eventpoll_item **t = calloc(old * 2, sizeof(*t)), **prev = ep->table;
	if (!t)
		return -ENOMEM;
	ep->table = t;
	ep->buckets = old * 2;
	for (size_t b = 0; b < old; b++)
		for (struct eventpoll_item *i = prev[b], *n; i; i = n) {
			n = i->hnext;
			size_t k = bucket_of(ep, i->file, i->fd);
			i->hnext = t[k];
			t[k] = i;
		}
	free(prev);
	return 0;
}

static void unhash(struct eventpoll *ep, struct eventpoll_item *epi)
{
	struct eventpoll_item **p = &ep->table[bucket_of(ep, epi->file, epi->fd)];
	while (*p != epi)
		p = &(*p)->hnext;
	*p = epi->hnext;
	ep->count--;
}

/* --- waking --- */

/* ep_poll_callback: the watched file notified @events. Runs under the file queue's lock. */
static void item_wake(struct kwait_reg *reg, uint32_t events)
{
	struct eventpoll_item *epi = container_of(reg, struct eventpoll_item, reg);
	struct eventpoll *ep = epi->ep;
	pthread_mutex_lock(&ep->lock);
	/* A disarmed ONESHOT item, or a notify of nothing it asked for, wakes no one. */
	int wake = (epi->events & ~EP_PRIVATE_BITS) && (events & epi->events);
	if (wake)
		mark_ready(ep, epi);
	pthread_mutex_unlock(&ep->lock);
	if (wake)
		kwait_wq_notify(ep->wq, EPOLLIN | EPOLLRDNORM);
}

/* ep_item_poll: what the file has of what the item asks. Called with ep->mtx held. */
static uint32_t item_poll(struct eventpoll_item *epi)
{
	return vfs_file_readiness(epi->file, epi->events) & epi->events & ~EP_PRIVATE_BITS;
}

/* After ADD or MOD: an item whose file is ready now goes on the list at once (ep_insert). */
static void queue_if_ready(struct eventpoll *ep, struct eventpoll_item *epi)
{
	if (!item_poll(epi))
		return;
	pthread_mutex_lock(&ep->lock);
	mark_ready(ep, epi);
	pthread_mutex_unlock(&ep->lock);
	kwait_wq_notify(ep->wq, EPOLLIN | EPOLLRDNORM);
}

/* --- scans --- */

/* ep_start_scan: the ready list, moved to @scan. */
static void start_scan(struct eventpoll *ep, struct eplink *scan)
{
	scan->next = scan->prev = scan;
	pthread_mutex_lock(&ep->lock);
	splice_head(&ep->rdlist, scan);
	pthread_mutex_unlock(&ep->lock);
}

/* The next item of @scan, off every list (a notify from now on queues it again), or NULL. */
static struct eventpoll_item *scan_next(struct eventpoll *ep, struct eplink *scan)
{
	struct eventpoll_item *epi = NULL;
	pthread_mutex_lock(&ep->lock);
	if (scan->next != scan) {
		epi = rd_item(scan->next);
		unlink_one(&epi->rd);
		epi->ready = 0;
	}
	pthread_mutex_unlock(&ep->lock);
	return epi;
}

/* Gives @epi back to the front of @scan, unless a notify queued it meanwhile. */
static void scan_putback(struct eventpoll *ep, struct eplink *scan, struct eventpoll_item *epi)
{
	pthread_mutex_lock(&ep->lock);
	if (!epi->ready) {
		link_head(scan, &epi->rd);
		epi->ready = 1;
	}
	pthread_mutex_unlock(&ep->lock);
}

/* ep_done_scan: what is left of @scan goes back in front; other waiters are woken while the
 * list holds anything (a level-triggered item stays ready for them too). */
static void done_scan(struct eventpoll *ep, struct eplink *scan)
{
	pthread_mutex_lock(&ep->lock);
	splice_head(scan, &ep->rdlist);
	int more = ep->rdlist.next != &ep->rdlist;
	pthread_mutex_unlock(&ep->lock);
	if (more)
		kwait_wq_notify(ep->wq, EPOLLIN | EPOLLRDNORM);
}

/* ep_send_events: up to @max events to @addr. Returns the count or -EFAULT (none copied). */
static int64_t send_events(struct eventpoll *ep, struct task *t, uint64_t addr, int max)
{
	struct eplink scan;
	int64_t n = 0;
	pthread_mutex_lock(&ep->mtx);
	start_scan(ep, &scan);
	struct eventpoll_item *epi;
	while (n < max && (epi = scan_next(ep, &scan))) {
		uint32_t rev = item_poll(epi);
		if (!rev)
			continue;	/* not ready after all: off the list until a notify */
		struct eventpoll_event ev = { .events = rev, .data = epi->data };
		if (mm_copy_out(t->mm, addr + (uint64_t)n * sizeof(ev), &ev, sizeof(ev)) < 0) {
			scan_putback(ep, &scan, epi);
			if (!n)
				n = -EFAULT;
			break;
		}
		n++;
		pthread_mutex_lock(&ep->lock);
		if (epi->events & EPOLLONESHOT)
			epi->events &= EP_PRIVATE_BITS;
		else if (!(epi->events & EPOLLET))
			mark_ready(ep, epi);	/* level-triggered: asked again next time */
		pthread_mutex_unlock(&ep->lock);
	}
	done_scan(ep, &scan);
	pthread_mutex_unlock(&ep->mtx);
	return n;
}

/* The instance as a watched file (ep_eventpoll_poll): readable while an item on its ready list
 * really is ready; the ones that are not are dropped from the list on the way. */
static uint32_t ep_readiness(struct sentry_file *file, uint32_t mask)
{
	struct eventpoll *ep = (struct eventpoll *)file;
	struct eplink scan;
	uint32_t r = 0;
	pthread_mutex_lock(&ep->mtx);
	start_scan(ep, &scan);
	struct eventpoll_item *epi;
	while (!r && (epi = scan_next(ep, &scan)))
		if (item_poll(epi)) {
			scan_putback(ep, &scan, epi);
			r = EPOLLIN | EPOLLRDNORM;
		}
	pthread_mutex_lock(&ep->lock);
	splice_head(&scan, &ep->rdlist);
	pthread_mutex_unlock(&ep->lock);
	pthread_mutex_unlock(&ep->mtx);
	return r & mask;
}

int64_t eventpoll_wait(struct task *t, struct vfs_file *f, uint64_t events_addr, int maxevents,
		       int64_t deadline_ns)
{
	struct eventpoll *ep = (struct eventpoll *)f->sf;
	struct kwait_reg reg;
	int registered = 0;
	int64_t rc;
	for (;;) {
		rc = send_events(ep, t, events_addr, maxevents);
		/* Events first, then the timeout, then signals: ep_poll's order, so a zero timeout
		 * never gives -EINTR (poll(2) checks signals first). */
		if (rc || deadline_ns == 0)
			break;
		if (task_signal_pending(t)) {
			rc = -EINTR;
			break;
		}
		if (!registered) {
			/* Scan again once registered: a notify before had no one to wake. */
			kwait_prepare(t, ep->wq, EPOLLIN, &reg);
			registered = 1;
			continue;
		}
		int w = kwait_sleep(&reg, SENTRY_CLOCK_MONOTONIC, deadline_ns);
		if (w == -ETIMEDOUT)
			deadline_ns = 0;	/* one last scan, then 0 */
		else if (w == -EINTR)
			(void)task_wait_interrupted(t);	/* acted on by the next pass */
	}
	if (registered)
		kwait_finish(&reg);
	return rc;
}

/* --- the interest list --- */

/* ep_remove. Called with g_ep_lock and ep->mtx held. */
static void remove_item(struct eventpoll *ep, struct eventpoll_item *epi)
{
	if (epi->reg.wq)
		kwait_finish(&epi->reg);	/* from here on, item_wake cannot run for it */
	pthread_mutex_lock(&ep->lock);
	if (epi->ready)
		unlink_one(&epi->rd);
	pthread_mutex_unlock(&ep->lock);
	unhash(ep, epi);
	struct vfs_file *f = epi->file;
	struct eventpoll_item *head = atomic_load_explicit(&f->epolls, memory_order_relaxed);
	if (head == epi) {
		/* Last touch of @f: its vfs_file_put may free it once it sees the list empty. */
		atomic_store_explicit(&f->epolls, epi->fnext, memory_order_release);
	} else {
		while (head->fnext != epi)
			head = head->fnext;
		head->fnext = epi->fnext;
	}
	free(epi);
}

/* ep_insert. Called with g_ep_lock and ep->mtx held. Returns 0 or -ENOMEM. */
static int insert_item(struct eventpoll *ep, struct vfs_file *target, int fd,
		       const struct eventpoll_event *ev)
{
	struct eventpoll_item *epi = calloc(1, sizeof(*epi));
	if (!epi || grow_table(ep) < 0) {
		free(epi);
		return -ENOMEM;
	}
	epi->ep = ep;
	epi->file = target;
	epi->fd = fd;
	epi->events = ev->events | EPOLLERR | EPOLLHUP;
	epi->data = ev->data;
	epi->rd.next = epi->rd.prev = &epi->rd;
	size_t b = bucket_of(ep, target, fd);
	epi->hnext = ep->table[b];
	ep->table[b] = epi;
	ep->count++;
	epi->fnext = atomic_load_explicit(&target->epolls, memory_order_relaxed);
	atomic_store_explicit(&target->epolls, epi, memory_order_release);
	struct sentry_waitq *wq = vfs_file_waitq(target);
	if (wq)
		kwait_attach(wq, ~0u, item_wake, &epi->reg);
	queue_if_ready(ep, epi);
	return 0;
}

/* ep_modify. Called with ep->mtx held. */
static void modify_item(struct eventpoll *ep, struct eventpoll_item *epi,
			const struct eventpoll_event *ev)
{
	pthread_mutex_lock(&ep->lock);
	epi->events = ev->events | EPOLLERR | EPOLLHUP;
	epi->data = ev->data;
	pthread_mutex_unlock(&ep->lock);
	queue_if_ready(ep, epi);
}

/* ep_loop_check_proc: the longest chain of instances below @ep (0: it watches none), or INT_MAX
 * when one leads back to @into or the chain is too long. Visited instances keep their answer
 * for this check (g_ep_gen), so shared sub-instances are walked once. Under g_ep_lock. */
static int depth_below(struct eventpoll *ep, const struct eventpoll *into, int depth)
{
	if (ep->gen == g_ep_gen)
		return ep->depth;
	ep->gen = g_ep_gen;
	int r = 0;
	for (size_t b = 0; b < ep->buckets && r <= EP_MAX_NESTS; b++) {
		struct eventpoll_item *i = ep->table[b];
		for (; i && r <= EP_MAX_NESTS; i = i->hnext) {
			if (!eventpoll_is(i->file))
				continue;
			struct eventpoll *sub = (struct eventpoll *)i->file->sf;
			int d = sub == into || depth > EP_MAX_NESTS
					? INT_MAX
					: depth_below(sub, into, depth + 1);
			r = d == INT_MAX ? INT_MAX : (d + 1 > r ? d + 1 : r);
		}
	}
	ep->depth = r;
	return r;
}

/* ep_get_upwards_depth_proc: the longest chain of instances watching @ep. Under g_ep_lock. */
static int depth_above(struct eventpoll *ep)
{
	if (ep->gen == g_ep_gen)
		return ep->depth;
	int r = 0;
	struct eventpoll_item *i = atomic_load_explicit(&ep->file->epolls, memory_order_relaxed);
	for (; i; i = i->fnext) {
		int d = depth_above(i->ep) + 1;
		if (d > r)
			r = d;
	}
	ep->gen = g_ep_gen;
	ep->depth = r;
	return r;
}

/* ep_loop_check for adding instance @sub to @ep: -ELOOP when that makes a cycle or a chain of
 * more than EP_MAX_NESTS links. Under g_ep_lock. */
static int loop_check(struct eventpoll *ep, struct eventpoll *sub)
{
	g_ep_gen++;
	int below = depth_below(sub, ep, 0);
	if (below > EP_MAX_NESTS)
		return -ELOOP;
	return below + 1 + depth_above(ep) > EP_MAX_NESTS ? -ELOOP : 0;
}

/* The checks of do_epoll_ctl that need no lock, in its order. */
static int ctl_check(struct vfs_file *f, int op, struct vfs_file *target,
		     const struct eventpoll_event *ev)
{
	if (!SENTRY_OPS_HAS(target->sf->ops, target->sf->ops_size, readiness))
		return -EPERM;
	if (f == target || !eventpoll_is(f))
		return -EINVAL;
	/* Exclusive waits are set up at ADD only, and not nested. */
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE) &&
	    (op == EPOLL_CTL_MOD ||
	     (op == EPOLL_CTL_ADD &&
	      (eventpoll_is(target) || (ev->events & ~EP_EXCLUSIVE_OK_BITS)))))
		return -EINVAL;
	return 0;
}

int eventpoll_ctl(struct vfs_file *f, int op, struct vfs_file *target, int fd,
		  const struct eventpoll_event *ev)
{
	int rc = ctl_check(f, op, target, ev);
	if (rc < 0)
		return rc;
	struct eventpoll *ep = (struct eventpoll *)f->sf;
	pthread_mutex_lock(&g_ep_lock);
	if (op == EPOLL_CTL_ADD && eventpoll_is(target))
		rc = loop_check(ep, (struct eventpoll *)target->sf);
	if (rc == 0) {
		pthread_mutex_lock(&ep->mtx);
		struct eventpoll_item *epi = find_item(ep, target, fd);
		if (op == EPOLL_CTL_ADD)
			rc = epi ? -EEXIST : insert_item(ep, target, fd, ev);
		else if (op == EPOLL_CTL_DEL && epi)
			remove_item(ep, epi);
		else if (op == EPOLL_CTL_MOD && epi && !(epi->events & EPOLLEXCLUSIVE))
			modify_item(ep, epi, ev);
		else if (op == EPOLL_CTL_MOD && epi)
			rc = -EINVAL;
		else
			rc = op == EPOLL_CTL_DEL || op == EPOLL_CTL_MOD ? -ENOENT : -EINVAL;
		pthread_mutex_unlock(&ep->mtx);
	}
	pthread_mutex_unlock(&g_ep_lock);
	return rc;
}

void eventpoll_file_closing(struct vfs_file *f)
{
	pthread_mutex_lock(&g_ep_lock);
	struct eventpoll_item *epi;
	while ((epi = atomic_load_explicit(&f->epolls, memory_order_relaxed))) {
		struct eventpoll *ep = epi->ep;
		pthread_mutex_lock(&ep->mtx);	/* waits out a scan asking @f */
		remove_item(ep, epi);
		pthread_mutex_unlock(&ep->mtx);
	}
	pthread_mutex_unlock(&g_ep_lock);
}

/* --- the file --- */

int eventpoll_is(const struct vfs_file *f)
{
	return f->sf && f->sf->ops == &g_ep_ops;
}

/* noop_llseek. */
static int ep_seek(struct sentry_file *file, int64_t *off, int whence)
{
	*off = 0;
	return 0;
}

static struct sentry_waitq *ep_waitq(struct sentry_file *file)
{
	return ((struct eventpoll *)file)->wq;
}

/* ep_free: every item goes; nothing waits on the queue any more (waiters and pollers hold a
 * reference on the file, outer instances dropped theirs in eventpoll_file_closing). */
static void ep_release(struct sentry_file *file)
{
	struct eventpoll *ep = (struct eventpoll *)file;
	pthread_mutex_lock(&g_ep_lock);
	pthread_mutex_lock(&ep->mtx);
	for (size_t b = 0; b < ep->buckets; b++)
		while (ep->table[b])
			remove_item(ep, ep->table[b]);
	pthread_mutex_unlock(&ep->mtx);
	pthread_mutex_unlock(&g_ep_lock);
	kwait_wq_free(ep->wq);
	pthread_mutex_destroy(&ep->mtx);
	pthread_mutex_destroy(&ep->lock);
	free(ep->table);
	free(ep);
}

static const struct sentry_file_ops g_ep_ops = {
	.seek = ep_seek,
	.readiness = ep_readiness,
	.waitq = ep_waitq,
	.release = ep_release,
};

int eventpoll_new(struct vfs_file **ret_file)
{
	vfs_set_epoll_closing(eventpoll_file_closing);	/* before any file can have an item */
	struct eventpoll *ep = calloc(1, sizeof(*ep));
	struct sentry_waitq *wq = ep ? kwait_wq_new() : NULL;
	struct eventpoll_item **table = wq ? calloc(16, sizeof(*table)) : NULL;
	if (!table) {
		kwait_wq_free(wq);
		free(ep);
		return -ENOMEM;
	}
	ep->base.ops = &g_ep_ops;
	ep->base.ops_size = sizeof(g_ep_ops);
	ep->wq = wq;
	ep->table = table;
	ep->buckets = 16;
	ep->rdlist.next = ep->rdlist.prev = &ep->rdlist;
	pthread_mutex_init(&ep->mtx, NULL);
	pthread_mutex_init(&ep->lock, NULL);
	int rc = vfs_anon_inode_file(&ep->base, O_RDWR, 0, ret_file);
	if (rc == 0)
		ep->file = *ret_file;
	return rc;
}
