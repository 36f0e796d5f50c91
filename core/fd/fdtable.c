/*
 * core/fd/fdtable.c: the descriptor table (see fdtable.h).
 *
 * A growable array indexed by descriptor and a hint of the lowest free slot, which keeps the
 * common open-after-close pattern O(1) without a bitmap: POSIX requires the lowest free number,
 * and programs that hold thousands of descriptors are rare enough that a scan above the hint is
 * acceptable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fd/fdtable.h"

struct fdt_slot {
	void *obj;		/* NULL: free */
	int cloexec;
};

struct fdt {
	int refs;		/* tasks sharing it (CLONE_FILES) */
	pthread_mutex_t lock;
	const struct fdt_ops *ops;
	struct fdt_slot *slots;
	unsigned int cap;	/* slots allocated */
	unsigned int lowest;	/* no free slot below this */
	unsigned int limit;	/* RLIMIT_NOFILE */
	uint64_t owner;
};

int fdt_new(const struct fdt_ops *ops, struct fdt **ret_fdt)
{
	struct fdt *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	t->refs = 1;
	t->ops = ops;
	t->limit = FDT_NR_OPEN;
	*ret_fdt = t;
	return 0;
}

/* Grows the array to hold index @fd. Called with the lock held. */
static int grow(struct fdt *t, unsigned int fd)
{
	if (fd < t->cap)
		return 0;
	unsigned int cap = t->cap ? t->cap : 64;
	while (cap <= fd)
		cap *= 2;
	struct fdt_slot *s = realloc(t->slots, cap * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + t->cap, 0, (cap - t->cap) * sizeof(*s));
	t->slots = s;
	t->cap = cap;
	return 0;
}

int fdt_copy(struct fdt *src, struct fdt **ret_fdt)
{
	struct fdt *t;
	int rc = fdt_new(src->ops, &t);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&src->lock);
	t->limit = src->limit;
	t->lowest = src->lowest;
	if (src->cap && (rc = grow(t, src->cap - 1)) == 0) {
		memcpy(t->slots, src->slots, src->cap * sizeof(*t->slots));
		for (unsigned int i = 0; i < src->cap; i++)
			if (t->slots[i].obj)
				t->ops->get(t->slots[i].obj);
	}
	pthread_mutex_unlock(&src->lock);
	if (rc < 0) {
		fdt_free(t);
		return rc;
	}
	*ret_fdt = t;
	return 0;
}

/* Drops a descriptor's object after the table lock is released. */
static void drop(struct fdt *t, void *obj, uint64_t owner)
{
	if (!obj)
		return;
	if (t->ops->closed)
		t->ops->closed(obj, owner);
	t->ops->put(obj);
}

void fdt_ref(struct fdt *t)
{
	__atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void fdt_free(struct fdt *t)
{
	if (!t || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (unsigned int i = 0; i < t->cap; i++)
		drop(t, t->slots[i].obj, t->owner);
	free(t->slots);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

void fdt_set_owner(struct fdt *t, uint64_t owner)
{
	t->owner = owner;
}

int fdt_set_limit(struct fdt *t, uint32_t limit)
{
	if (limit == 0 || limit > FDT_NR_OPEN)
		return -EINVAL;
	pthread_mutex_lock(&t->lock);
	t->limit = limit;
	pthread_mutex_unlock(&t->lock);
	return 0;
}

uint32_t fdt_limit(struct fdt *t)
{
	return t->limit;
}

/* Puts @obj (already referenced) at the lowest free slot >= @minfd. Lock held. */
static int place(struct fdt *t, void *obj, int cloexec, unsigned int minfd, int *ret_fd)
{
	unsigned int fd = minfd > t->lowest ? minfd : t->lowest;
	while (fd < t->cap && t->slots[fd].obj)
		fd++;
	if (fd >= t->limit)
		return -EMFILE;
	int rc = grow(t, fd);
	if (rc < 0)
		return rc;
	t->slots[fd] = (struct fdt_slot){ .obj = obj, .cloexec = cloexec != 0 };
	if (fd == t->lowest)
		t->lowest = fd + 1;
	*ret_fd = (int)fd;
	return 0;
}

int fdt_install(struct fdt *t, void *obj, int cloexec, int minfd, int *ret_fd)
{
	pthread_mutex_lock(&t->lock);
	int rc = minfd < 0 || (unsigned int)minfd >= t->limit ? -EINVAL : 0;
	if (rc == 0) {
		t->ops->get(obj);
		rc = place(t, obj, cloexec, (unsigned int)minfd, ret_fd);
		if (rc < 0)
			t->ops->put(obj);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

/* The slot of @fd when it is open, or NULL. Lock held. */
static struct fdt_slot *slot(struct fdt *t, int fd)
{
	if (fd < 0 || (unsigned int)fd >= t->cap || !t->slots[fd].obj)
		return NULL;
	return &t->slots[fd];
}

int fdt_get(struct fdt *t, int fd, void **ret_obj, int *ret_cloexec)
{
	pthread_mutex_lock(&t->lock);
	struct fdt_slot *s = slot(t, fd);
	if (s) {
		t->ops->get(s->obj);
		*ret_obj = s->obj;
		if (ret_cloexec)
			*ret_cloexec = s->cloexec;
	}
	pthread_mutex_unlock(&t->lock);
	return s ? 0 : -EBADF;
}

int fdt_set_cloexec(struct fdt *t, int fd, int cloexec)
{
	pthread_mutex_lock(&t->lock);
	struct fdt_slot *s = slot(t, fd);
	if (s)
		s->cloexec = cloexec != 0;
	pthread_mutex_unlock(&t->lock);
	return s ? 0 : -EBADF;
}

/* Empties slot @fd and returns what it held. Lock held. */
static void *take(struct fdt *t, unsigned int fd)
{
	void *obj = t->slots[fd].obj;
	t->slots[fd] = (struct fdt_slot){ 0 };
	if (fd < t->lowest)
		t->lowest = fd;
	return obj;
}

int fdt_close(struct fdt *t, int fd)
{
	pthread_mutex_lock(&t->lock);
	void *obj = slot(t, fd) ? take(t, (unsigned int)fd) : NULL;
	pthread_mutex_unlock(&t->lock);
	if (!obj)
		return -EBADF;
	drop(t, obj, t->owner);
	return 0;
}

int fdt_close_range(struct fdt *t, unsigned int first, unsigned int last, int cloexec_only)
{
	if (first > last)
		return -EINVAL;
	for (;;) {
		/* One descriptor per lock hold: drops happen unlocked. */
		void *obj = NULL;
		pthread_mutex_lock(&t->lock);
		unsigned int end = last < t->cap ? last + 1 : t->cap;
		for (unsigned int fd = first; fd < end && !obj; fd++) {
			if (!t->slots[fd].obj)
				continue;
			if (cloexec_only)
				t->slots[fd].cloexec = 1;
			else
				obj = take(t, fd);
			first = fd + 1;
		}
		pthread_mutex_unlock(&t->lock);
		if (!obj)
			return 0;
		drop(t, obj, t->owner);
	}
}

int fdt_dup(struct fdt *t, int fd, int minfd, int cloexec, int *ret_fd)
{
	pthread_mutex_lock(&t->lock);
	struct fdt_slot *s = slot(t, fd);
	int rc = !s ? -EBADF : minfd < 0 || (unsigned int)minfd >= t->limit ? -EINVAL : 0;
	if (rc == 0) {
		void *obj = s->obj;
		t->ops->get(obj);
		rc = place(t, obj, cloexec, (unsigned int)minfd, ret_fd);
		if (rc < 0)
			t->ops->put(obj);
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

int fdt_dup3(struct fdt *t, int oldfd, int newfd, int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	void *old = NULL;
	pthread_mutex_lock(&t->lock);
	struct fdt_slot *s = slot(t, oldfd);
	int rc = !s ? -EBADF : newfd == oldfd ? -EINVAL : 0;
	if (rc == 0 && (newfd < 0 || (unsigned int)newfd >= t->limit))
		rc = -EBADF;
	if (rc == 0)
		rc = grow(t, (unsigned int)newfd);
	if (rc == 0) {
		void *obj = t->slots[oldfd].obj; /* grow may have moved the array */
		t->ops->get(obj);
		old = t->slots[newfd].obj;
		t->slots[newfd] = (struct fdt_slot){ .obj = obj, .cloexec = (flags & O_CLOEXEC) != 0 };
		while (t->lowest < t->cap && t->slots[t->lowest].obj)
			t->lowest++;
	}
	pthread_mutex_unlock(&t->lock);
	drop(t, old, t->owner);
	return rc < 0 ? rc : newfd;
}

void fdt_close_on_exec(struct fdt *t)
{
	unsigned int fd = 0;
	for (;;) {
		/* One descriptor per lock hold, as in close_range. */
		void *obj = NULL;
		pthread_mutex_lock(&t->lock);
		while (fd < t->cap && !obj) {
			if (t->slots[fd].obj && t->slots[fd].cloexec)
				obj = take(t, fd);
			fd++;
		}
		pthread_mutex_unlock(&t->lock);
		if (!obj)
			return;
		drop(t, obj, t->owner);
	}
}

int fdt_next(struct fdt *t, int from)
{
	int found = -1;
	pthread_mutex_lock(&t->lock);
	for (unsigned int fd = from < 0 ? 0 : (unsigned int)from; fd < t->cap && found < 0; fd++)
		if (t->slots[fd].obj)
			found = (int)fd;
	pthread_mutex_unlock(&t->lock);
	return found;
}

unsigned int fdt_count(struct fdt *t)
{
	unsigned int n = 0;
	pthread_mutex_lock(&t->lock);
	for (unsigned int fd = 0; fd < t->cap; fd++)
		n += t->slots[fd].obj != NULL;
	pthread_mutex_unlock(&t->lock);
	return n;
}

unsigned int fdt_size(struct fdt *t)
{
	pthread_mutex_lock(&t->lock);
	unsigned int n = t->cap > 64 ? t->cap : 64;
	pthread_mutex_unlock(&t->lock);
	return n;
}
