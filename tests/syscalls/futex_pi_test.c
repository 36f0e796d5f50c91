/*
 * futex(2)'s priority-inheritance locks and robust lists: FUTEX_LOCK_PI, LOCK_PI2, TRYLOCK_PI
 * and UNLOCK_PI on a raw lock word (its errors: a lock already ours, a word naming no thread,
 * unlocking what is not ours, bad addresses and timeouts), the handoff to a waiter (the word
 * then names the waiter, with FUTEX_WAITERS), timeouts on both clocks, a signal handler during
 * LOCK_PI (which restarts, never EINTR), the lock of a thread that exits holding it (handed
 * over with FUTEX_OWNER_DIED); then glibc's PTHREAD_PRIO_INHERIT mutexes under contention and
 * robust mutexes (plain and PI) whose owner exits: EOWNERDEAD, pthread_mutex_consistent.
 * get_robust_list and set_robust_list's errors.
 *
 * A waiter's state is known without timing: a waiter in LOCK_PI has set FUTEX_WAITERS in the
 * word before it sleeps, and the main thread polls the word for it (1 ms apart, bounded).
 * alarm(20) ends anything that would hang.
 */
#include "expect.h"

#include <linux/futex.h>
#include <stddef.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BAD_PTR ((void *)8)
#define NO_SUCH_TID 0x3ffffff0u

static long fx(uint32_t *word, int op, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, 0, ts, NULL, 0);
}

static uint32_t my_tid(void)
{
	return (uint32_t)syscall(SYS_gettid);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Polls until @word has FUTEX_WAITERS: someone waits in FUTEX_LOCK_PI. */
static int wait_for_waiter(uint32_t *word)
{
	for (int i = 0; i < 5000; i++) {
		if (__atomic_load_n(word, __ATOMIC_SEQ_CST) & FUTEX_WAITERS)
			return 1;
		sleep_ms(1);
	}
	return 0;
}

static struct timespec abs_in(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static void test_uncontended(void)
{
	uint32_t lock = 0;
	expect_ok("LOCK_PI of a free lock", fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL));
	expect_eq("the word names the owner", lock == my_tid(), 1);
	expect_errno("LOCK_PI of a lock already ours", fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL),
		     EDEADLK);
	expect_errno("TRYLOCK_PI of a lock already ours",
		     fx(&lock, FUTEX_TRYLOCK_PI_PRIVATE, NULL), EDEADLK);
	expect_ok("UNLOCK_PI", fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	expect_eq("the word after UNLOCK_PI", lock, 0);
	expect_errno("UNLOCK_PI of a free lock", fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL), EPERM);
	expect_ok("TRYLOCK_PI of a free lock", fx(&lock, FUTEX_TRYLOCK_PI_PRIVATE, NULL));
	expect_ok("UNLOCK_PI after TRYLOCK_PI", fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	/* The shared form works on private memory too. */
	expect_ok("LOCK_PI, shared form", fx(&lock, FUTEX_LOCK_PI, NULL));
	expect_ok("UNLOCK_PI, shared form", fx(&lock, FUTEX_UNLOCK_PI, NULL));

	lock = NO_SUCH_TID;
	expect_errno("LOCK_PI of a word naming no thread", fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL),
		     ESRCH);
	expect_errno("TRYLOCK_PI of a word naming no thread",
		     fx(&lock, FUTEX_TRYLOCK_PI_PRIVATE, NULL), ESRCH);
	expect_errno("UNLOCK_PI of another's lock", fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL),
		     EPERM);
	lock = FUTEX_OWNER_DIED;
	expect_ok("LOCK_PI of a lock whose owner died", fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL));
	expect_eq("OWNER_DIED is kept", lock == (my_tid() | FUTEX_OWNER_DIED), 1);
	expect_ok("UNLOCK_PI clears OWNER_DIED", fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	expect_eq("the word after", lock, 0);

	char buf[8] = { 0 };
	expect_errno("LOCK_PI, misaligned", fx((uint32_t *)(buf + 1), FUTEX_LOCK_PI_PRIVATE, NULL),
		     EINVAL);
	expect_errno("LOCK_PI, bad address", fx(BAD_PTR, FUTEX_LOCK_PI_PRIVATE, NULL), EFAULT);
	expect_errno("UNLOCK_PI, bad address", fx(BAD_PTR, FUTEX_UNLOCK_PI_PRIVATE, NULL), EFAULT);
	struct timespec bad = { 0, -1 };
	expect_errno("LOCK_PI, bad timeout", fx(&lock, FUTEX_LOCK_PI_PRIVATE, &bad), EINVAL);
	expect_errno("LOCK_PI with FUTEX_CLOCK_REALTIME",
		     fx(&lock, FUTEX_LOCK_PI_PRIVATE | FUTEX_CLOCK_REALTIME, NULL), ENOSYS);
	struct timespec soon = abs_in(CLOCK_MONOTONIC, 10);
	expect_ok("LOCK_PI2 of a free lock, with a deadline",
		  fx(&lock, FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG, &soon));
	expect_ok("UNLOCK_PI after LOCK_PI2", fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL));
}

/* ---- contended locks, with waiter threads ---- */

struct waiter {
	uint32_t *lock;
	int op;
	const struct timespec *deadline;
	long rc;
	int err;
	int owned;		/* the word named the waiter when LOCK_PI returned */
	long unlock_rc;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	w->rc = fx(w->lock, w->op, w->deadline);
	w->err = errno;
	if (w->rc == 0) {
		w->owned = (*w->lock & FUTEX_TID_MASK) == my_tid();
		w->unlock_rc = fx(w->lock, FUTEX_UNLOCK_PI_PRIVATE, NULL);
	}
	return NULL;
}

static void report(const char *what, const struct waiter *w, long want_errno)
{
	errno = w->err;
	if (want_errno)
		expect_errno(what, w->rc, (int)want_errno);
	else
		expect_ok(what, w->rc);
}

static void test_handoff(void)
{
	uint32_t lock = 0;
	fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL);
	struct waiter w = { .lock = &lock, .op = FUTEX_LOCK_PI_PRIVATE };
	pthread_t th;
	pthread_create(&th, NULL, waiter_main, &w);
	expect_eq("a waiter sets FUTEX_WAITERS", wait_for_waiter(&lock), 1);
	expect_eq("the word still names us", (lock & FUTEX_TID_MASK) == my_tid(), 1);
	expect_ok("UNLOCK_PI with a waiter", fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	pthread_join(th, NULL);
	report("the waiter's LOCK_PI", &w, 0);
	expect_eq("the word named the waiter", w.owned, 1);
	expect_eq("the waiter's UNLOCK_PI", w.unlock_rc, 0);
	expect_eq("the word at the end", lock, 0);
}

static void test_timeouts(void)
{
	uint32_t lock = 0;
	fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL);
	struct timespec rt = abs_in(CLOCK_REALTIME, 50), mono = abs_in(CLOCK_MONOTONIC, 50);
	struct waiter a = { .lock = &lock, .op = FUTEX_LOCK_PI_PRIVATE, .deadline = &rt };
	struct waiter b = { .lock = &lock, .op = FUTEX_LOCK_PI2 | FUTEX_PRIVATE_FLAG,
			    .deadline = &mono };
	struct waiter c = { .lock = &lock, .op = FUTEX_TRYLOCK_PI_PRIVATE };
	pthread_t th;
	pthread_create(&th, NULL, waiter_main, &a);
	pthread_join(th, NULL);
	report("LOCK_PI past its CLOCK_REALTIME deadline", &a, ETIMEDOUT);
	pthread_create(&th, NULL, waiter_main, &b);
	pthread_join(th, NULL);
	report("LOCK_PI2 past its CLOCK_MONOTONIC deadline", &b, ETIMEDOUT);
	pthread_create(&th, NULL, waiter_main, &c);
	pthread_join(th, NULL);
	report("TRYLOCK_PI of a held lock", &c, EAGAIN);
	expect_ok("UNLOCK_PI after the timeouts", fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL));
	expect_eq("the word at the end", lock, 0);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled = 1;
}

static void test_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	uint32_t lock = 0;
	fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL);
	struct waiter w = { .lock = &lock, .op = FUTEX_LOCK_PI_PRIVATE };
	pthread_t th;
	pthread_create(&th, NULL, waiter_main, &w);
	wait_for_waiter(&lock);
	pthread_kill(th, SIGUSR1);
	for (int i = 0; i < 5000 && !handled; i++)
		sleep_ms(1);
	expect_eq("the waiter's handler ran", handled, 1);
	/* Restarted, it waits again (and the bit is still set). */
	expect_eq("still waiting after the handler", wait_for_waiter(&lock), 1);
	fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL);
	pthread_join(th, NULL);
	report("LOCK_PI interrupted by a handler, then handed the lock", &w, 0);
	expect_eq("the word named the waiter", w.owned, 1);
}

/* A thread that takes @lock and exits holding it. */
static void *take_and_exit(void *arg)
{
	fx(arg, FUTEX_LOCK_PI_PRIVATE, NULL);
	sleep_ms(50);
	return NULL;
}

static void test_owner_exit(void)
{
	/* Waiting when the owner exits: the lock is handed over, marked OWNER_DIED. */
	uint32_t lock = 0;
	pthread_t th;
	pthread_create(&th, NULL, take_and_exit, &lock);
	while (!__atomic_load_n(&lock, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	long rc = fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL);
	expect_ok("LOCK_PI while the owner exits", rc);
	expect_eq("the word names us", (lock & FUTEX_TID_MASK) == my_tid(), 1);
	expect_eq("with FUTEX_OWNER_DIED", (lock & FUTEX_OWNER_DIED) != 0, 1);
	pthread_join(th, NULL);
	fx(&lock, FUTEX_UNLOCK_PI_PRIVATE, NULL);

	/* Taken after the owner is gone: the word names no thread. */
	lock = 0;
	pthread_create(&th, NULL, take_and_exit, &lock);
	pthread_join(th, NULL);
	expect_errno("LOCK_PI of a lock whose owner is gone", fx(&lock, FUTEX_LOCK_PI_PRIVATE, NULL),
		     ESRCH);
}

/* Shared form, so a waiter's word is the shared mapping's page, not (mm, address). */
static void *take_shared_and_exit(void *arg)
{
	fx(arg, FUTEX_LOCK_PI, NULL);
	sleep_ms(50);
	return NULL;
}

static void test_owner_exit_shared(void)
{
	/* The handoff at the owner's exit reaches a word in a MAP_SHARED page. */
	uint32_t *lock = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			      -1, 0);
	if (lock == MAP_FAILED) {
		expect_ok("mmap MAP_SHARED", -1);
		return;
	}
	pthread_t th;
	pthread_create(&th, NULL, take_shared_and_exit, lock);
	while (!__atomic_load_n(lock, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	expect_ok("LOCK_PI (shared) while the owner exits", fx(lock, FUTEX_LOCK_PI, NULL));
	expect_eq("the shared word names us", (*lock & FUTEX_TID_MASK) == my_tid(), 1);
	pthread_join(th, NULL);
	expect_ok("UNLOCK_PI (shared) after the handoff", fx(lock, FUTEX_UNLOCK_PI, NULL));
	expect_eq("the shared word after UNLOCK_PI", *lock, 0);
	munmap(lock, 4096);
}

/* A robust PI lock in the private form, as musl's process-private robust mutexes take it: a
 * robust list of our own making with one PI entry (bit 0), the owner waiting-for while it
 * exits. */
struct robust_entry {
	uint64_t next;
	uint32_t word;
};
static struct robust_entry private_robust;
static struct {
	uint64_t next;
	int64_t futex_offset;
	uint64_t pending;
} private_head;

static void *take_private_robust_and_exit(void *arg)
{
	private_head.next = (uint64_t)(uintptr_t)&private_robust | 1;
	private_head.futex_offset = (int64_t)offsetof(struct robust_entry, word);
	private_robust.next = (uint64_t)(uintptr_t)&private_head;
	fx(&private_robust.word, FUTEX_LOCK_PI_PRIVATE, NULL);
	syscall(SYS_set_robust_list, &private_head, sizeof(private_head));
	__atomic_store_n((int *)arg, 1, __ATOMIC_SEQ_CST);
	sleep_ms(50);
	return NULL;
}

static void test_owner_exit_private_robust(void)
{
	int held = 0;
	pthread_t th;
	pthread_create(&th, NULL, take_private_robust_and_exit, &held);
	while (!__atomic_load_n(&held, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	uint32_t *lock = &private_robust.word;
	expect_ok("LOCK_PI (private, robust) while the owner exits",
		  fx(lock, FUTEX_LOCK_PI_PRIVATE, NULL));
	expect_eq("the robust word names us", (*lock & FUTEX_TID_MASK) == my_tid(), 1);
	expect_eq("the robust word has FUTEX_OWNER_DIED", (*lock & FUTEX_OWNER_DIED) != 0, 1);
	pthread_join(th, NULL);
	expect_ok("UNLOCK_PI of the robust word", fx(lock, FUTEX_UNLOCK_PI_PRIVATE, NULL));
}

/* ---- glibc's mutexes ---- */

#define PI_THREADS 4
#define PI_ROUNDS 20000

static pthread_mutex_t pi_mutex;
static long counter;

static void *count_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < PI_ROUNDS; i++) {
		pthread_mutex_lock(&pi_mutex);
		counter++;
		pthread_mutex_unlock(&pi_mutex);
	}
	return NULL;
}

static void test_pi_mutex(void)
{
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	expect_eq("pthread_mutexattr_setprotocol(PTHREAD_PRIO_INHERIT)",
		  pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT), 0);
	expect_eq("pthread_mutex_init, PI", pthread_mutex_init(&pi_mutex, &at), 0);
	pthread_t th[PI_THREADS];
	for (int i = 0; i < PI_THREADS; i++)
		pthread_create(&th[i], NULL, count_main, NULL);
	for (int i = 0; i < PI_THREADS; i++)
		pthread_join(th[i], NULL);
	expect_eq("PI mutex: increments under contention", counter, PI_THREADS * PI_ROUNDS);
	expect_eq("PI mutex: trylock of a free mutex", pthread_mutex_trylock(&pi_mutex), 0);
	expect_eq("PI mutex: unlock", pthread_mutex_unlock(&pi_mutex), 0);
	pthread_mutex_destroy(&pi_mutex);
}

static pthread_mutex_t robust;

static void *lock_and_die(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	return NULL;	/* exits holding it */
}

static void *lock_and_wait_then_die(void *arg)
{
	pthread_mutex_lock(&robust);
	__atomic_store_n((int *)arg, 1, __ATOMIC_SEQ_CST);
	sleep_ms(50);
	return NULL;
}

static void robust_case(const char *kind, int protocol)
{
	char what[128];
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setprotocol(&at, protocol);
	pthread_mutex_init(&robust, &at);

	/* The owner is gone before we ask. */
	pthread_t th;
	pthread_create(&th, NULL, lock_and_die, NULL);
	pthread_join(th, NULL);
	snprintf(what, sizeof(what), "%s robust mutex, owner gone: lock", kind);
	expect_eq(what, pthread_mutex_lock(&robust), EOWNERDEAD);
	snprintf(what, sizeof(what), "%s robust mutex: pthread_mutex_consistent", kind);
	expect_eq(what, pthread_mutex_consistent(&robust), 0);
	pthread_mutex_unlock(&robust);
	snprintf(what, sizeof(what), "%s robust mutex: lock after consistent", kind);
	expect_eq(what, pthread_mutex_lock(&robust), 0);
	pthread_mutex_unlock(&robust);

	/* We wait while the owner exits. */
	int held = 0;
	pthread_create(&th, NULL, lock_and_wait_then_die, &held);
	while (!__atomic_load_n(&held, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	snprintf(what, sizeof(what), "%s robust mutex, owner exits while we wait: lock", kind);
	expect_eq(what, pthread_mutex_lock(&robust), EOWNERDEAD);
	pthread_join(th, NULL);
	/* Unlocked without consistent: the mutex is dead for good. */
	pthread_mutex_unlock(&robust);
	snprintf(what, sizeof(what), "%s robust mutex, never made consistent: lock", kind);
	expect_eq(what, pthread_mutex_lock(&robust), ENOTRECOVERABLE);
	pthread_mutex_destroy(&robust);
}

/* One owner holding a robust PI mutex and a robust plain one, each with a waiter, exits: both
 * waiters get EOWNERDEAD (the PI handoff must not lose the walk to the rest of the list). */
static pthread_mutex_t g_rpi, g_rplain;
static int g_both_held;

static void *hold_both_then_die(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&g_rpi);
	pthread_mutex_lock(&g_rplain);
	__atomic_store_n(&g_both_held, 1, __ATOMIC_SEQ_CST);
	sleep_ms(100);
	return NULL;
}

static void *lock_one(void *m)
{
	long rc = pthread_mutex_lock(m);
	if (rc == EOWNERDEAD) {
		pthread_mutex_consistent(m);
		pthread_mutex_unlock(m);
	}
	return (void *)rc;
}

static void test_robust_two_waiters(void)
{
	pthread_mutexattr_t at;
	pthread_mutexattr_init(&at);
	pthread_mutexattr_setrobust(&at, PTHREAD_MUTEX_ROBUST);
	pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&g_rpi, &at);
	pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_NONE);
	pthread_mutex_init(&g_rplain, &at);
	pthread_t owner, w1, w2;
	pthread_create(&owner, NULL, hold_both_then_die, NULL);
	while (!__atomic_load_n(&g_both_held, __ATOMIC_SEQ_CST))
		sleep_ms(1);
	pthread_create(&w1, NULL, lock_one, &g_rpi);
	pthread_create(&w2, NULL, lock_one, &g_rplain);
	void *r1, *r2;
	pthread_join(owner, NULL);
	pthread_join(w1, &r1);
	pthread_join(w2, &r2);
	expect_eq("robust PI mutex's waiter after its owner exits", (long)r1, EOWNERDEAD);
	expect_eq("robust plain mutex's waiter, same owner", (long)r2, EOWNERDEAD);
}

static void test_robust_list(void)
{
	void *head = NULL;
	size_t len = 0;
	expect_ok("get_robust_list of the caller", syscall(SYS_get_robust_list, 0, &head, &len));
	expect_eq("its length", (long)len, 24);
	expect_eq("glibc registered a head", head != NULL, 1);
	expect_ok("get_robust_list by our TID",
		  syscall(SYS_get_robust_list, (int)my_tid(), &head, &len));
	expect_errno("get_robust_list of no thread",
		     syscall(SYS_get_robust_list, (int)NO_SUCH_TID, &head, &len), ESRCH);
	expect_errno("get_robust_list, bad head pointer",
		     syscall(SYS_get_robust_list, 0, BAD_PTR, &len), EFAULT);
	expect_errno("get_robust_list, bad length pointer",
		     syscall(SYS_get_robust_list, 0, &head, BAD_PTR), EFAULT);
	expect_errno("set_robust_list, bad length", syscall(SYS_set_robust_list, head, 23), EINVAL);
	expect_ok("set_robust_list, the same head again", syscall(SYS_set_robust_list, head, 24));
}

int main(void)
{
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_uncontended();
	test_handoff();
	test_timeouts();
	test_signal();
	test_owner_exit();
	test_owner_exit_shared();
	test_owner_exit_private_robust();
	test_pi_mutex();
	robust_case("plain", PTHREAD_PRIO_NONE);
	robust_case("PI", PTHREAD_PRIO_INHERIT);
	test_robust_two_waiters();
	test_robust_list();
	return expect_status();
}
