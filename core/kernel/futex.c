/*
 * core/kernel/futex.c: the futex table (see futex.h).
 *
 * Waiters hash by key into buckets. A key is (mm, address) for a private mapping and the
 * memory-file offset of the word for a shared one, so processes sharing a file or shm page meet
 * on the same word whatever address they map it at. Each waiter sleeps on a waiter queue of its
 * own, so a wake reaches exactly the waiters it picks, also after a requeue moved them to
 * another bucket. A waiter's bucket changes only under both buckets' locks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "kernel/futex.h"
#include "kernel/wait.h"
#include "mm/mm.h"

#define FUTEX_BUCKETS 256

struct futex_key {
	uintptr_t space;	/* the mm for a private word; 0 for a shared one */
	uint64_t off;		/* its address, or memory-file offset */
};

struct futex_bucket;

struct futex_waiter {
	struct futex_waiter *next;
	struct futex_bucket *bucket;	/* where it is queued */
	struct futex_key key;
	uint32_t bitset;
	int woken;			/* dequeued by a wake */
	struct sentry_waitq *wq;	/* its own */
};

struct futex_bucket {
	pthread_mutex_t lock;
	struct futex_waiter *head;
};

static struct futex_bucket g_buckets[FUTEX_BUCKETS];
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void buckets_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++)
		pthread_mutex_init(&g_buckets[i].lock, NULL);
}

static struct futex_bucket *bucket_of(const struct futex_key *k)
{
	uint64_t h = (k->off >> 2) ^ ((uint64_t)k->space * 0x9e3779b97f4a7c15ull);
	h ^= h >> 29;
	return &g_buckets[h % FUTEX_BUCKETS];
}

static int key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->off == b->off;
}

/* The word at @addr and its key. */
static int futex_lookup(struct task *t, uint64_t addr, int write, uint32_t **ret_word,
			struct futex_key *key)
{
	pthread_once(&g_once, buckets_init);
	if (addr & 3)
		return -EINVAL;
	int shared;
	int rc = mm_futex_word(t->mm, addr, write, ret_word, &key->off, &shared);
	if (rc < 0)
		return rc;
	key->space = shared ? 0 : (uintptr_t)t->mm;
	return 0;
}

/* Locks @w's current bucket (a requeue may move it while we wait for the lock). */
static struct futex_bucket *lock_waiter_bucket(struct futex_waiter *w)
{
	for (;;) {
		struct futex_bucket *b = __atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE);
		pthread_mutex_lock(&b->lock);
		if (__atomic_load_n(&w->bucket, __ATOMIC_ACQUIRE) == b)
			return b;
		pthread_mutex_unlock(&b->lock);
	}
}

static void dequeue_locked(struct futex_bucket *b, struct futex_waiter *w)
{
	for (struct futex_waiter **p = &b->head; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			return;
		}
}

int futex_wait(struct task *t, uint64_t addr, uint32_t val, uint32_t bitset, int clock,
	       int64_t deadline_ns)
{
	if (!bitset)
		return -EINVAL;
	uint32_t *word;
	struct futex_waiter w = { .bitset = bitset };
	int rc = futex_lookup(t, addr, 0, &word, &w.key);
	if (rc < 0)
		return rc;
	if (!(w.wq = kwait_wq_new()))
		return -ENOMEM;
	struct futex_bucket *b = bucket_of(&w.key);
	struct kwait_reg reg;
	kwait_prepare(t, w.wq, 1, &reg);
	pthread_mutex_lock(&b->lock);
	/* Read under the bucket lock: a waker changes the word, then takes the lock to wake,
	 * so either we see its value or it sees us queued. */
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != val) {
		pthread_mutex_unlock(&b->lock);
		kwait_finish(&reg);
		kwait_wq_free(w.wq);
		return -EAGAIN;
	}
	w.bucket = b;
	w.next = b->head;
	b->head = &w;
	pthread_mutex_unlock(&b->lock);
	while (!__atomic_load_n(&w.woken, __ATOMIC_ACQUIRE) &&
	       (rc = kwait_sleep(&reg, clock, deadline_ns)) == 0)
		;
	kwait_finish(&reg);
	b = lock_waiter_bucket(&w);
	if (!w.woken)
		dequeue_locked(b, &w);
	pthread_mutex_unlock(&b->lock);
	kwait_wq_free(w.wq);
	return w.woken ? 0 : rc;
}

/* Wakes up to @n waiters on @key in @b whose bitset meets @bitset. b->lock held. */
static int wake_locked(struct futex_bucket *b, const struct futex_key *key, int n,
		       uint32_t bitset)
{
	int woken = 0;
	for (struct futex_waiter **p = &b->head; *p && woken < n;) {
		struct futex_waiter *w = *p;
		if (!key_eq(&w->key, key) || !(w->bitset & bitset)) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		/* woken first, so the waiter's recheck after this notify sees it. It cannot free
		 * w->wq yet: it takes the bucket lock to leave, which we hold. */
		__atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
		kwait_wq_notify(w->wq, 1);
		woken++;
	}
	return woken;
}

int futex_wake(struct task *t, uint64_t addr, int n, uint32_t bitset, int private)
{
	(void)private;
	if (!bitset)
		return -EINVAL;
	uint32_t *word;
	struct futex_key key;
	int rc = futex_lookup(t, addr, 0, &word, &key);
	if (rc < 0)
		return rc;
	struct futex_bucket *b = bucket_of(&key);
	pthread_mutex_lock(&b->lock);
	rc = wake_locked(b, &key, n, bitset);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

/* Both buckets locked, in address order; one lock when they are the same. */
static void lock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	if (a == b) {
		pthread_mutex_lock(&a->lock);
	} else if (a < b) {
		pthread_mutex_lock(&a->lock);
		pthread_mutex_lock(&b->lock);
	} else {
		pthread_mutex_lock(&b->lock);
		pthread_mutex_lock(&a->lock);
	}
}

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b)
{
	pthread_mutex_unlock(&a->lock);
	if (a != b)
		pthread_mutex_unlock(&b->lock);
}

int futex_requeue(struct task *t, uint64_t addr, int n_wake, int n_requeue, uint64_t addr2,
		  int cmp, uint32_t val)
{
	if (n_wake < 0 || n_requeue < 0)
		return -EINVAL;
	uint32_t *word, *word2;
	struct futex_key k1, k2;
	int rc = futex_lookup(t, addr, 0, &word, &k1);
	if (rc == 0)
		rc = futex_lookup(t, addr2, 0, &word2, &k2);
	if (rc < 0)
		return rc;
	struct futex_bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	lock_two(b1, b2);
	if (cmp && __atomic_load_n(word, __ATOMIC_SEQ_CST) != val) {
		unlock_two(b1, b2);
		return -EAGAIN;
	}
	int done = wake_locked(b1, &k1, n_wake, FUTEX_BITSET_ANY);
	int moved = 0;
	for (struct futex_waiter **p = &b1->head; *p && moved < n_requeue;) {
		struct futex_waiter *w = *p;
		if (!key_eq(&w->key, &k1)) {
			p = &w->next;
			continue;
		}
		w->key = k2;
		moved++;
		if (b1 == b2) {
			p = &w->next;
			continue;
		}
		*p = w->next;
		w->next = b2->head;
		b2->head = w;
		__atomic_store_n(&w->bucket, b2, __ATOMIC_RELEASE);
	}
	unlock_two(b1, b2);
	return done + moved;
}

/* FUTEX_WAKE_OP's operation on the old value, and its comparison. */
static int wake_op_apply(uint32_t encoded, uint32_t *word, int *ret_cmp)
{
	uint32_t op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	uint32_t oparg = (encoded >> 12) & 0xfff, cmparg = encoded & 0xfff;
	if (encoded & (8u << 28))	/* FUTEX_OP_OPARG_SHIFT */
		oparg = oparg < 32 ? 1u << oparg : 0;
	/* Sign-extend the 12-bit arguments, as the kernel does. */
	int32_t soparg = (int32_t)(oparg << 20) >> 20;
	if (encoded & (8u << 28))
		soparg = (int32_t)oparg;
	int32_t scmparg = (int32_t)(cmparg << 20) >> 20;
	uint32_t old = __atomic_load_n(word, __ATOMIC_RELAXED), nv;
	do {
		switch (op) {
		case 0: nv = (uint32_t)soparg; break;			/* SET */
		case 1: nv = old + (uint32_t)soparg; break;		/* ADD */
		case 2: nv = old | (uint32_t)soparg; break;		/* OR */
		case 3: nv = old & ~(uint32_t)soparg; break;		/* ANDN */
		case 4: nv = old ^ (uint32_t)soparg; break;		/* XOR */
		default: return -ENOSYS;
		}
	} while (!__atomic_compare_exchange_n(word, &old, nv, 0, __ATOMIC_SEQ_CST,
					      __ATOMIC_RELAXED));
	int32_t o = (int32_t)old;
	switch (cmp) {
	case 0: *ret_cmp = o == scmparg; break;
	case 1: *ret_cmp = o != scmparg; break;
	case 2: *ret_cmp = o < scmparg; break;
	case 3: *ret_cmp = o <= scmparg; break;
	case 4: *ret_cmp = o > scmparg; break;
	case 5: *ret_cmp = o >= scmparg; break;
	default: return -ENOSYS;
	}
	return 0;
}

int futex_wake_op(struct task *t, uint64_t addr, int n, uint64_t addr2, int n2, uint32_t op)
{
	uint32_t *word, *word2;
	struct futex_key k1, k2;
	int rc = futex_lookup(t, addr, 0, &word, &k1);
	if (rc == 0)
		rc = futex_lookup(t, addr2, 1, &word2, &k2);
	if (rc < 0)
		return rc;
	struct futex_bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	lock_two(b1, b2);
	int cmp = 0;
	rc = wake_op_apply(op, word2, &cmp);
	if (rc == 0) {
		rc = wake_locked(b1, &k1, n, FUTEX_BITSET_ANY);
		if (cmp)
			rc += wake_locked(b2, &k2, n2, FUTEX_BITSET_ANY);
	}
	unlock_two(b1, b2);
	return rc;
}
