/*
 * core/kernel/futex.c: the futex table (see futex.h).
 *
 * Waiters hash by key into buckets. Keys are Linux's (get_futex_key): FUTEX_PRIVATE_FLAG's is
 * (mm, address) whatever the mapping; the shared form's is the memory-file offset of the word in
 * a shared mapping, so processes sharing a file or shm page meet on the same word whatever
 * address they map it at, and (mm, address) tagged as the shared form in a private one. So the
 * two forms never meet, not even on private memory, as on Linux. Each waiter sleeps on a waiter
 * queue of its own, so a wake reaches exactly the waiters it picks, also after a requeue moved
 * them to another bucket. A waiter's bucket changes only under both buckets' locks.
 *
 * Lock order: two bucket locks nest in address order (lock_two); under a bucket lock only a
 * waiter's queue (kwait_wq_notify) and, in an exiting owner's handoff, the waiter's mm->lock
 * (reading, to resolve a private word again: pi_waiter_word) are taken. kernel.lock is never
 * taken under a bucket lock: the PI owner's lookup (pi_owner_alive) happens outside it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>

#include "kernel/futex.h"
#include "kernel/wait.h"
#include "mm/memfile.h"
#include "mm/mm.h"

#define FUTEX_BUCKETS 256
/* x86-64's TASK_SIZE_MAX: a private key needs no access to the word, only a user address. */
#define FUTEX_USER_TOP 0x7ffffffff000ull
/* Tags a shared-form key of private memory apart from the private form's (mm is aligned). */
#define FUTEX_KEY_SHARED_FORM 1u

struct futex_key {
	uintptr_t space;	/* the mm (tagged for the shared form); 0 for a shared mapping */
	uint64_t off;		/* the word's address, or its memory-file offset */
};

struct futex_bucket;

struct futex_waiter {
	struct futex_waiter *next;
	struct futex_bucket *bucket;	/* where it is queued */
	struct futex_key key;
	uint32_t bitset;
	int woken;			/* dequeued by a wake (a PI waiter: handed the lock) */
	struct sentry_waitq *wq;	/* its own */
	int pi;				/* waits in FUTEX_LOCK_PI for the lock itself */
	int tid;			/* a PI waiter's TID, written into the word at handoff */
	uint32_t owner;			/* a queued PI waiter's owner: the TID it waits on */
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

/* The key of the word at @addr for the form @private says and, when @ret_word is given, the word
 * (populated for writing with @write). The private form touches the memory only for the word;
 * the shared form needs the mapping for its key. */
static int futex_lookup(struct task *t, uint64_t addr, int private, int write, uint32_t **ret_word,
			struct futex_key *key)
{
	pthread_once(&g_once, buckets_init);
	if (addr & 3)
		return -EINVAL;
	if (addr > FUTEX_USER_TOP - sizeof(uint32_t))
		return -EFAULT;
	uint32_t *word = NULL;
	uint64_t off = addr;
	int shared = 0;
	if (!private || ret_word) {
		int rc = mm_futex_word(t->mm, addr, write, &word, &off, &shared);
		if (rc < 0)
			return rc;
	}
	if (private) {
		key->space = (uintptr_t)t->mm;
		key->off = addr;
	} else if (shared) {
		key->space = 0;
		key->off = off;
	} else {
		key->space = (uintptr_t)t->mm | FUTEX_KEY_SHARED_FORM;
		key->off = addr;
	}
	if (ret_word)
		*ret_word = word;
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

int futex_wait(struct task *t, uint64_t addr, uint32_t val, uint32_t bitset, int private,
	       int clock, int64_t deadline_ns)
{
	if (!bitset)
		return -EINVAL;
	uint32_t *word;
	struct futex_waiter w = { .bitset = bitset };
	int rc = futex_lookup(t, addr, private, 0, &word, &w.key);
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
		/* A PI waiter leaves only with the lock (handoff), never by a plain wake. */
		if (!key_eq(&w->key, key) || !(w->bitset & bitset) || w->pi) {
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
	if (!bitset)
		return -EINVAL;
	struct futex_key key;
	int rc = futex_lookup(t, addr, private, 0, NULL, &key);
	if (rc < 0)
		return rc;
	struct futex_bucket *b = bucket_of(&key);
	pthread_mutex_lock(&b->lock);
	rc = wake_locked(b, &key, n < 1 ? 1 : n, bitset);
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
		  int cmp, uint32_t val, int private)
{
	if (n_wake < 0 || n_requeue < 0)
		return -EINVAL;
	uint32_t *word = NULL;
	struct futex_key k1, k2;
	int rc = futex_lookup(t, addr, private, 0, NULL, &k1);
	if (rc == 0)
		rc = futex_lookup(t, addr2, private, 0, NULL, &k2);
	/* Only the compare reads the first word, after both keys (as Linux orders it). */
	if (rc == 0 && cmp)
		rc = futex_lookup(t, addr, private, 0, &word, &k1);
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
		if (!key_eq(&w->key, &k1) || w->pi) {
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
	/* FUTEX_OP_OPARG_SHIFT: Linux takes a shift outside 0..31 modulo 32 (with a warning). */
	if (encoded & (8u << 28))
		oparg = 1u << (oparg & 31);
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

int futex_wake_op(struct task *t, uint64_t addr, int n, uint64_t addr2, int n2, uint32_t op,
		  int private)
{
	uint32_t *word2;
	struct futex_key k1, k2;
	int rc = futex_lookup(t, addr, private, 0, NULL, &k1);
	if (rc == 0)
		rc = futex_lookup(t, addr2, private, 1, &word2, &k2);
	if (rc < 0)
		return rc;
	struct futex_bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	lock_two(b1, b2);
	int cmp = 0;
	rc = wake_op_apply(op, word2, &cmp);
	if (rc == 0) {
		/* Counts below 1 wake one, as FUTEX_WAKE's do. */
		rc = wake_locked(b1, &k1, n < 1 ? 1 : n, FUTEX_BITSET_ANY);
		if (cmp)
			rc += wake_locked(b2, &k2, n2 < 1 ? 1 : n2, FUTEX_BITSET_ANY);
	}
	unlock_two(b1, b2);
	return rc;
}

/* --- priority-inheritance futexes and robust lists --- */

/* The PI word's layout (futex(2)): the owner's TID and two flags. */
#define PI_TID_MASK 0x3fffffffu
#define PI_OWNER_DIED 0x40000000u
#define PI_WAITERS 0x80000000u

/* Queued PI waiters by owner TID, hashed (a collision only costs a needless scan): a thread's
 * exit scans the buckets for locks it holds only when some waiter counts it as the owner.
 * Changed under the waiter's bucket lock: when it queues, leaves, or its lock changes hands. */
#define PI_OWNER_SLOTS 256
static int g_pi_owned[PI_OWNER_SLOTS];

static void pi_count(uint32_t owner, int delta)
{
	__atomic_add_fetch(&g_pi_owned[owner % PI_OWNER_SLOTS], delta, __ATOMIC_SEQ_CST);
}

static struct futex_waiter *first_pi_waiter(struct futex_bucket *b, const struct futex_key *key,
					    int *ret_more)
{
	struct futex_waiter *first = NULL;
	*ret_more = 0;
	for (struct futex_waiter *w = b->head; w; w = w->next) {
		if (!w->pi || !key_eq(&w->key, key))
			continue;
		if (first) {
			*ret_more = 1;
			break;
		}
		first = w;
	}
	return first;
}

/* The queued PI waiters of @key now wait on @tid, whose exit must find them. b->lock held. */
static void pi_reown_locked(struct futex_bucket *b, const struct futex_key *key, uint32_t tid)
{
	for (struct futex_waiter *o = b->head; o; o = o->next) {
		if (!o->pi || !key_eq(&o->key, key) || o->owner == tid)
			continue;
		pi_count(tid, 1);
		pi_count(o->owner, -1);
		o->owner = tid;
	}
}

/* Gives the lock whose word holds @v to the first PI waiter of @key in @b, keeping @keep's bits
 * (OWNER_DIED after an owner's death), or leaves only those bits when none waits. 0, or -EAGAIN when the word
 * changed under us (user space may still flip FUTEX_WAITERS). b->lock held. */
static int pi_handoff_locked(struct futex_bucket *b, const struct futex_key *key, uint32_t *word,
			     uint32_t v, uint32_t keep)
{
	int more;
	struct futex_waiter *w = first_pi_waiter(b, key, &more);
	uint32_t nv = w ? (uint32_t)w->tid | keep | PI_WAITERS : keep;
	if (!__atomic_compare_exchange_n(word, &v, nv, 0, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		return -EAGAIN;
	if (w) {
		dequeue_locked(b, w);
		if (more)
			pi_reown_locked(b, key, (uint32_t)w->tid);
		__atomic_store_n(&w->woken, 1, __ATOMIC_RELEASE);
		kwait_wq_notify(w->wq, 1);
	}
	return 0;
}

/* A shared mapping's key is the word's memory-file offset, which names the word only while
 * its page is not freed and reused: a queued PI waiter holds the page (mf_page_share), so an
 * exiting owner's handoff (futex_release_pi) never swaps into someone else's memory after an
 * munmap or a truncate. Private memory's keys are (mm, address) and the handoff resolves the
 * word again there instead: a hold would pin a page that MADV_DONTNEED or a copy-on-write
 * break replaced, so the swap would miss the word the application sees. */
static int pi_lookup_held(struct task *t, uint64_t addr, int private, uint32_t **ret_word,
			  struct futex_key *key)
{
	for (;;) {
		uint64_t gen = mf_free_gen();
		int rc = futex_lookup(t, addr, private, 1, ret_word, key);
		if (rc < 0 || key->space)
			return rc;
		mf_page_share(key->off & ~(uint64_t)(MM_PAGE_SIZE - 1));
		/* Nothing freed since the lookup: the page was still the mapping's when held. */
		if (mf_free_gen() == gen)
			return 0;
		mf_page_put(key->off & ~(uint64_t)(MM_PAGE_SIZE - 1));
	}
}

static void pi_unhold(const struct futex_key *key)
{
	if (!key->space)
		mf_page_put(key->off & ~(uint64_t)(MM_PAGE_SIZE - 1));
}

/* The lock word of queued PI waiter @w, for the handoff at its owner's exit: the held page of
 * a shared mapping, or the waiter's address in its mm (alive: the waiter's thread sleeps in
 * futex_lock_pi, which holds its bucket's lock to leave, as we do). NULL when the address no
 * longer maps writable memory. */
static uint32_t *pi_waiter_word(const struct futex_waiter *w)
{
	if (!w->key.space)
		return mf_ptr(w->key.off);
	struct mm *mm = (struct mm *)(w->key.space & ~(uintptr_t)FUTEX_KEY_SHARED_FORM);
	uint32_t *word;
	uint64_t off;
	int shared;
	return mm_futex_word(mm, w->key.off, 1, &word, &off, &shared) == 0 ? word : NULL;
}

/* Whether @tid is a live thread of the sandbox, as a PI word's owner must be. */
static int pi_owner_alive(struct task *t, int tid)
{
	struct kernel *k = t->k;
	int alive = 0;
	pthread_mutex_lock(&k->lock);
	for (struct task *o = k->tasks; o && !alive; o = o->next)
		alive = o->tid == tid && !__atomic_load_n(&o->futex_dead, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&k->lock);
	return alive;
}

/* PI_RETRY: the word named another owner than the one looked at; look again. */
#define PI_RETRY 2

/* One step of taking the lock word under its bucket lock, @owner the TID found alive outside
 * it (0: none seen): 1 taken, 0 must wait (FUTEX_WAITERS now set), PI_RETRY, or -errno. */
static int pi_try_locked(struct task *t, struct futex_bucket *b, const struct futex_key *key,
			 uint32_t *word, uint32_t owner)
{
	for (;;) {
		uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		uint32_t cur = v & PI_TID_MASK;
		if (cur == (uint32_t)t->tid)
			return -EDEADLK;
		if (!cur) {
			int more;
			uint32_t nv = (v & PI_OWNER_DIED) | (uint32_t)t->tid |
				      (first_pi_waiter(b, key, &more) ? PI_WAITERS : 0);
			if (!__atomic_compare_exchange_n(word, &v, nv, 0, __ATOMIC_SEQ_CST,
							 __ATOMIC_RELAXED))
				continue;
			/* A free word with waiters (user space cleared it, or an owner's exit
			 * left it): they wait on us now, or our exit would leave them asleep. */
			if (nv & PI_WAITERS)
				pi_reown_locked(b, key, (uint32_t)t->tid);
			return 1;
		}
		if (cur != owner)
			return PI_RETRY;
		if ((v & PI_WAITERS) || __atomic_compare_exchange_n(word, &v, v | PI_WAITERS, 0,
								    __ATOMIC_SEQ_CST,
								    __ATOMIC_RELAXED))
			return 0;
	}
}

/* One attempt at the lock: the owner is looked up before the bucket lock (pi_owner_alive
 * takes kernel.lock, never nested in a bucket's), then the word is taken or @w queued. The
 * owner may start its exit after the look: it marks itself dead, then scans the buckets
 * (futex_release_pi), so a second look once queued sees it dead unless the scan will find
 * us. Returns as pi_try_locked, with @w queued on 0 unless @try. */
static int pi_attempt(struct task *t, struct futex_waiter *w, uint32_t *word, int try)
{
	uint32_t owner = __atomic_load_n(word, __ATOMIC_SEQ_CST) & PI_TID_MASK;
	/* Linux's attach_to_pi_owner: a word naming no thread is user space's error. */
	if (owner && owner != (uint32_t)t->tid && !pi_owner_alive(t, (int)owner))
		return -ESRCH;
	struct futex_bucket *b = bucket_of(&w->key);
	pthread_mutex_lock(&b->lock);
	int rc = pi_try_locked(t, b, &w->key, word, owner);
	if (rc == 0 && !try) {
		w->bucket = b;
		w->next = b->head;
		b->head = w;
		w->owner = owner;
		pi_count(owner, 1);
	}
	pthread_mutex_unlock(&b->lock);
	if (rc != 0 || try || pi_owner_alive(t, (int)owner))
		return rc;
	b = lock_waiter_bucket(w);
	if (!w->woken)
		dequeue_locked(b, w);
	pi_count(w->owner, -1);
	pthread_mutex_unlock(&b->lock);
	return w->woken ? 1 : PI_RETRY;
}

int futex_lock_pi(struct task *t, uint64_t addr, int private, int try, int clock,
		  int64_t deadline_ns)
{
	uint32_t *word;
	struct futex_waiter w = { .bitset = FUTEX_BITSET_ANY, .pi = 1, .tid = t->tid };
	int rc = try ? futex_lookup(t, addr, private, 1, &word, &w.key)
		     : pi_lookup_held(t, addr, private, &word, &w.key);
	if (rc < 0)
		return rc;
	if (!try && !(w.wq = kwait_wq_new())) {
		pi_unhold(&w.key);
		return -ENOMEM;
	}
	struct kwait_reg reg;
	if (!try)
		kwait_prepare(t, w.wq, 1, &reg);
	while ((rc = pi_attempt(t, &w, word, try)) == PI_RETRY)
		;
	if (rc == 0 && !try) {
		while (!__atomic_load_n(&w.woken, __ATOMIC_ACQUIRE) &&
		       (rc = kwait_sleep(&reg, clock, deadline_ns)) == 0)
			;
		struct futex_bucket *b = lock_waiter_bucket(&w);
		if (!w.woken)
			dequeue_locked(b, &w);
		pi_count(w.owner, -1);
		pthread_mutex_unlock(&b->lock);
		rc = w.woken ? 0 : rc;
	} else {
		rc = rc == 1 ? 0 : rc == 0 ? -EAGAIN : rc;
	}
	if (!try) {
		kwait_finish(&reg);
		kwait_wq_free(w.wq);
		pi_unhold(&w.key);
	}
	return rc;
}

int futex_unlock_pi(struct task *t, uint64_t addr, int private)
{
	uint32_t *word;
	struct futex_key key;
	int rc = futex_lookup(t, addr, private, 1, &word, &key);
	if (rc < 0)
		return rc;
	struct futex_bucket *b = bucket_of(&key);
	pthread_mutex_lock(&b->lock);
	do {
		uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		rc = (v & PI_TID_MASK) == (uint32_t)t->tid ? pi_handoff_locked(b, &key, word, v, 0)
							   : -EPERM;
	} while (rc == -EAGAIN);
	pthread_mutex_unlock(&b->lock);
	return rc;
}

/* Linux's handle_futex_death for the word at @addr, which @t may hold: mark the owner dead and
 * let a waiter in (a PI waiter gets the lock itself). The wake is the shared form, as glibc's
 * robust mutexes wait in it for this reason. */
static void futex_owner_died(struct task *t, uint64_t addr, int pi, int pending)
{
	uint32_t *word;
	struct futex_key key;
	if (futex_lookup(t, addr, 0, 1, &word, &key) < 0)
		return;
	struct futex_bucket *b = bucket_of(&key);
	pthread_mutex_lock(&b->lock);
	for (;;) {
		uint32_t v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		/* Died between taking a free lock and listing it: a waiter may sleep on 0. */
		if (pending && !pi && !v) {
			wake_locked(b, &key, 1, FUTEX_BITSET_ANY);
			break;
		}
		if ((v & PI_TID_MASK) != (uint32_t)t->tid)
			break;
		if (pi) {
			if (pi_handoff_locked(b, &key, word, v, PI_OWNER_DIED) == 0)
				break;
			continue;
		}
		uint32_t nv = (v & PI_WAITERS) | PI_OWNER_DIED;
		if (!__atomic_compare_exchange_n(word, &v, nv, 0, __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED))
			continue;
		if (v & PI_WAITERS)
			wake_locked(b, &key, 1, FUTEX_BITSET_ANY);
		break;
	}
	pthread_mutex_unlock(&b->lock);
}

/* ROBUST_LIST_LIMIT: a list looping on itself ends the walk. */
#define ROBUST_LIST_LIMIT 2048

/* The robust list of set_robust_list(2): { next, futex_offset, list_op_pending }, each entry a
 * pointer to the next (bit 0: a PI lock), the word at entry + futex_offset. Read whole before
 * anything is released: a waiter that gets a lock links its entry into its own list at once,
 * and a walk following it then would leave ours for its list (Linux's exit_robust_list runs
 * before exit_pi_state_list hands PI locks over). */
struct robust_walk {
	size_t n;
	uint64_t words[ROBUST_LIST_LIMIT];	/* each lock word's address, bit 0 the PI flag */
	uint64_t pending;			/* list_op_pending's word, bit 0 PI; 0: none */
};

static void futex_read_robust(struct task *t, struct robust_walk *w)
{
	w->n = 0;
	w->pending = 0;
	uint64_t head = t->robust_list, h[3];
	if (!head || mm_copy_in(t->mm, head, h, sizeof(h)) < 0)
		return;
	int64_t off = (int64_t)h[1];
	uint64_t entry = h[0], pending = h[2] & ~1ull;
	while (entry != head && w->n < ROBUST_LIST_LIMIT) {
		uint64_t next;
		if (mm_copy_in(t->mm, entry & ~1ull, &next, sizeof(next)) < 0)
			break;
		if ((entry & ~1ull) != pending)
			w->words[w->n++] = ((entry & ~1ull) + (uint64_t)off) | (entry & 1);
		entry = next;
	}
	if (pending)
		w->pending = (pending + (uint64_t)off) | (h[2] & 1);
}

static void futex_walk_robust(struct task *t, const struct robust_walk *w)
{
	for (size_t i = 0; i < w->n; i++)
		futex_owner_died(t, w->words[i] & ~1ull, (int)(w->words[i] & 1), 0);
	if (w->pending)
		futex_owner_died(t, w->pending & ~1ull, (int)(w->pending & 1), 1);
}

/* PI locks @t still holds with waiters, robust or not: each goes to its first waiter. */
static void futex_release_pi(struct task *t)
{
	/* Read after futex_dead is set: a waiter counts us before its second look at us
	 * (pi_attempt), so either it is counted here or it sees us dead. */
	if (!__atomic_load_n(&g_pi_owned[(uint32_t)t->tid % PI_OWNER_SLOTS], __ATOMIC_SEQ_CST))
		return;
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		struct futex_bucket *b = &g_buckets[i];
		pthread_mutex_lock(&b->lock);
		for (struct futex_waiter *w = b->head; w;) {
			uint32_t *word = w->pi && w->owner == (uint32_t)t->tid ? pi_waiter_word(w)
										: NULL;
			uint32_t v = word ? __atomic_load_n(word, __ATOMIC_SEQ_CST) : 0;
			if (!word || (v & PI_TID_MASK) != (uint32_t)t->tid) {
				w = w->next;
				continue;
			}
			struct futex_key key = w->key;
			/* A failed swap means user space changed the word: once it no longer names
			 * us the lock is not ours to hand off (as futex_owner_died). */
			while (pi_handoff_locked(b, &key, word, v, PI_OWNER_DIED) == -EAGAIN) {
				v = __atomic_load_n(word, __ATOMIC_SEQ_CST);
				if ((v & PI_TID_MASK) != (uint32_t)t->tid)
					break;
			}
			w = b->head;	/* the list changed */
		}
		pthread_mutex_unlock(&b->lock);
	}
}

void futex_exit(struct task *t)
{
	pthread_once(&g_once, buckets_init);
	__atomic_store_n(&t->futex_dead, 1, __ATOMIC_SEQ_CST);
	if (!t->mm)
		return;
	/* PI locks are handed over first: their waiters are found by owner whatever form
	 * (private or shared) they wait in, while the robust walk knows only the word's address
	 * and wakes in the shared form; run after, it finds a handed-off word no longer ours and
	 * leaves it. The list is read before either. */
	struct robust_walk w;	/* 16 KiB, on a task thread's own stack */
	futex_read_robust(t, &w);
	futex_release_pi(t);
	futex_walk_robust(t, &w);
}
