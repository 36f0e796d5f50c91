/*
 * Advisory locks: flock(2) (shared, exclusive, conversion, LOCK_NB, dups, last close) and POSIX
 * record locks (fcntl(2) F_GETLK/F_SETLK/F_SETLKW and the OFD forms: owners, ranges, splitting
 * and merging, whence, errors, release on any close of the owner, blocking, EDEADLK), the
 * interruption hook, concurrency, and a filesystem's lock slot. Errnos are those of flock(2)
 * and fcntl(2) on Linux.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "vfs/vfs_internal.h"
#include "vfs_test.h"

/* A lock that never comes must fail the test, not hang make check. */
TestSuite(vfs_lock, .init = vt_setup, .fini = vt_teardown, .timeout = 20);

static struct vfs_file *open_ok(const char *path, uint32_t flags)
{
	struct vfs_file *f = NULL;
	cr_assert_eq(vfs_openat(g_vt.ctx, NULL, path, flags | O_CREAT, 0644, &f), 0, "%s", path);
	return f;
}

/* F_SETLK-style call from process @owner (its pid is the owner too). */
static int setlk(struct vfs_file *f, int cmd, uint64_t owner, int type, int64_t start,
		 int64_t len)
{
	struct vfs_record_lock rl = { (int16_t)type, SEEK_SET, start, len, 0 };
	return vfs_fcntl_lock(f, cmd, owner, (int32_t)owner, &rl, NULL);
}

/* F_GETLK from @owner for @type over [start, start+len). */
static struct vfs_record_lock getlk(struct vfs_file *f, uint64_t owner, int type, int64_t start,
				    int64_t len)
{
	struct vfs_record_lock rl = { (int16_t)type, SEEK_SET, start, len, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_GETLK, owner, (int32_t)owner, &rl, NULL), 0);
	return rl;
}

static void assert_conflict(struct vfs_record_lock rl, int type, int64_t start, int64_t len,
			    int32_t pid)
{
	cr_assert_eq(rl.type, type, "type %d, expected %d", rl.type, type);
	cr_assert_eq(rl.whence, SEEK_SET);
	cr_assert_eq(rl.start, start, "start %lld", (long long)rl.start);
	cr_assert_eq(rl.len, len, "len %lld", (long long)rl.len);
	cr_assert_eq(rl.pid, pid, "pid %d", rl.pid);
}

static long nlocks(void)
{
	struct vfs_lock_counters c;
	vfs_lock_counters(&c);
	return c.locks;
}

/* Waits (up to 5 s) until @n requests are blocked. */
static void wait_waiters(long n)
{
	for (int i = 0; i < 5000; i++) {
		struct vfs_lock_counters c;
		vfs_lock_counters(&c);
		if (c.waiters == n)
			return;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	cr_assert_fail("never reached %ld blocked requests", n);
}

/* A lock call on another thread. */
struct bg {
	pthread_t t;
	struct vfs_file *f;
	int cmd;		/* 0: flock(op) */
	int op;
	uint64_t owner;
	int type;
	int64_t start, len;
	struct vfs_lock_wait w;
	atomic_int done;
	int rc;
};

static void *bg_main(void *arg)
{
	struct bg *b = arg;
	if (b->cmd == 0) {
		b->rc = vfs_flock(b->f, b->op, &b->w);
	} else {
		struct vfs_record_lock rl = { (int16_t)b->type, SEEK_SET, b->start, b->len, 0 };
		b->rc = vfs_fcntl_lock(b->f, b->cmd, b->owner, (int32_t)b->owner, &rl, &b->w);
	}
	atomic_store(&b->done, 1);
	return NULL;
}

static void bg_start(struct bg *b)
{
	b->w = (struct vfs_lock_wait)VFS_LOCK_WAIT_INIT(NULL, NULL);
	atomic_init(&b->done, 0);
	cr_assert_eq(pthread_create(&b->t, NULL, bg_main, b), 0);
}

static int bg_join(struct bg *b)
{
	cr_assert_eq(pthread_join(b->t, NULL), 0);
	return b->rc;
}

/* The request is asleep, not just slow: still not done a while after it blocked. */
static void assert_still_blocked(struct bg *b)
{
	nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	cr_assert_eq(atomic_load(&b->done), 0, "returned %d instead of waiting", b->rc);
}

/* --- flock(2) --- */

Test(vfs_lock, flock_shared_locks_coexist_and_exclude_exclusive)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDONLY);
	struct vfs_file *c = open_ok("/f", O_WRONLY);
	cr_assert_eq(vfs_flock(a, LOCK_SH, NULL), 0);
	cr_assert_eq(vfs_flock(b, LOCK_SH | LOCK_NB, NULL), 0);
	cr_assert_eq(vfs_flock(c, LOCK_EX | LOCK_NB, NULL), -EWOULDBLOCK);
	cr_assert_eq(vfs_flock(c, LOCK_SH | LOCK_NB, NULL), 0);
	cr_assert_eq(vfs_flock(a, LOCK_UN, NULL), 0);
	cr_assert_eq(vfs_flock(b, LOCK_UN, NULL), 0);
	cr_assert_eq(vfs_flock(c, LOCK_EX | LOCK_NB, NULL), 0); /* conversion, nobody else */
	cr_assert_eq(vfs_flock(a, LOCK_SH | LOCK_NB, NULL), -EWOULDBLOCK);
	cr_assert_eq(vfs_flock(a, LOCK_EX | LOCK_NB, NULL), -EWOULDBLOCK);
	vfs_file_put(a);
	vfs_file_put(b);
	vfs_file_put(c);
	vt_assert_no_leaks();
}

Test(vfs_lock, flock_converts_both_ways_and_relocking_is_a_no_op)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	cr_assert_eq(vfs_flock(a, LOCK_SH, NULL), 0);
	cr_assert_eq(vfs_flock(a, LOCK_SH, NULL), 0);
	cr_assert_eq(nlocks(), 1);
	cr_assert_eq(vfs_flock(a, LOCK_EX, NULL), 0);
	cr_assert_eq(nlocks(), 1);
	cr_assert_eq(vfs_flock(b, LOCK_SH | LOCK_NB, NULL), -EWOULDBLOCK);
	cr_assert_eq(vfs_flock(a, LOCK_SH, NULL), 0); /* downgrade lets readers in */
	cr_assert_eq(vfs_flock(b, LOCK_SH | LOCK_NB, NULL), 0);
	cr_assert_eq(vfs_flock(a, LOCK_UN, NULL), 0);
	cr_assert_eq(vfs_flock(a, LOCK_UN, NULL), 0); /* nothing held: still 0 */
	cr_assert_eq(nlocks(), 1);
	vfs_file_put(a);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

/* flock(2) NOTES: a conversion first removes the lock; refused under LOCK_NB it is gone. */
Test(vfs_lock, flock_refused_conversion_loses_the_old_lock_as_linux)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	cr_assert_eq(vfs_flock(a, LOCK_SH, NULL), 0);
	cr_assert_eq(vfs_flock(b, LOCK_SH, NULL), 0);
	cr_assert_eq(vfs_flock(a, LOCK_EX | LOCK_NB, NULL), -EWOULDBLOCK);
	cr_assert_eq(vfs_flock(b, LOCK_EX | LOCK_NB, NULL), 0); /* a holds nothing now */
	vfs_file_put(a);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

Test(vfs_lock, flock_bad_operations_are_einval)
{
	struct vfs_file *a = open_ok("/f", O_RDWR);
	const int bad[] = { 0, LOCK_NB, LOCK_SH | LOCK_EX, LOCK_SH | LOCK_UN, LOCK_EX | LOCK_UN, 16,
			    64, -1 & ~LOCK_MAND };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(vfs_flock(a, bad[i], NULL), -EINVAL, "op %#x", bad[i]);
	/* LOCK_MAND is accepted and does nothing (Linux since 5.15 only warns). */
	cr_assert_eq(vfs_flock(a, LOCK_MAND | LOCK_READ, NULL), 0);
	cr_assert_eq(nlocks(), 0);
	vfs_file_put(a);
	vt_assert_no_leaks();
}

Test(vfs_lock, flock_and_fcntl_on_o_path_are_ebadf)
{
	cr_assert_eq(vt_write_file(g_vt.ctx, "/f", "x"), 0);
	struct vfs_file *p = NULL;
	cr_assert_eq(vfs_openat(g_vt.ctx, NULL, "/f", O_PATH, 0, &p), 0);
	cr_assert_eq(vfs_flock(p, LOCK_EX, NULL), -EBADF);
	cr_assert_eq(vfs_flock(p, LOCK_UN, NULL), -EBADF);
	cr_assert_eq(setlk(p, F_SETLK, 1, F_UNLCK, 0, 0), -EBADF);
	struct vfs_record_lock rl = { F_WRLCK, SEEK_SET, 0, 0, 0 };
	cr_assert_eq(vfs_fcntl_lock(p, F_GETLK, 1, 1, &rl, NULL), -EBADF);
	cr_assert_eq(vfs_fcntl_lock(p, F_OFD_SETLK, 1, 1, &rl, NULL), -EBADF);
	vfs_file_put(p);
	vt_assert_no_leaks();
}

Test(vfs_lock, flock_belongs_to_the_description_and_dups_share_it)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	cr_assert_eq(vfs_flock(a, LOCK_EX, NULL), 0);
	vfs_file_get(a); /* dup(2): the same description */
	cr_assert_eq(vfs_flock(a, LOCK_EX | LOCK_NB, NULL), 0);
	/* A separate open(2) of the same file is another description: it conflicts. */
	cr_assert_eq(vfs_flock(b, LOCK_EX | LOCK_NB, NULL), -EWOULDBLOCK);
	vfs_file_put(a); /* close of one dup keeps the lock */
	cr_assert_eq(vfs_flock(b, LOCK_SH | LOCK_NB, NULL), -EWOULDBLOCK);
	vfs_file_put(a); /* the last close releases it */
	cr_assert_eq(vfs_flock(b, LOCK_EX | LOCK_NB, NULL), 0);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

Test(vfs_lock, flock_is_per_inode_across_hard_links)
{
	struct vfs_file *a = open_ok("/a", O_RDWR);
	cr_assert_eq(vfs_linkat(g_vt.ctx, NULL, "/a", NULL, "/b", 0), 0);
	struct vfs_file *b = open_ok("/b", O_RDONLY), *other = open_ok("/c", O_RDWR);
	cr_assert_eq(vfs_flock(a, LOCK_EX, NULL), 0);
	cr_assert_eq(vfs_flock(b, LOCK_SH | LOCK_NB, NULL), -EWOULDBLOCK);
	cr_assert_eq(vfs_flock(other, LOCK_EX | LOCK_NB, NULL), 0);
	vfs_file_put(a);
	vfs_file_put(b);
	vfs_file_put(other);
	vt_assert_no_leaks();
}

Test(vfs_lock, flock_and_record_locks_do_not_interact)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	cr_assert_eq(vfs_flock(a, LOCK_EX, NULL), 0);
	cr_assert_eq(setlk(b, F_SETLK, 2, F_WRLCK, 0, 0), 0);
	cr_assert_eq(setlk(b, F_OFD_SETLK, 0, F_WRLCK, 0, 0), -EAGAIN); /* vs owner 2's */
	assert_conflict(getlk(a, 3, F_RDLCK, 0, 0), F_WRLCK, 0, 0, 2);
	vfs_lock_release_owner(b, 2);
	cr_assert_eq(vfs_flock(b, LOCK_SH | LOCK_NB, NULL), -EWOULDBLOCK);
	vfs_file_put(a);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

Test(vfs_lock, flock_blocks_until_the_holder_unlocks)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	struct vfs_file *c = open_ok("/f", O_RDWR);
	cr_assert_eq(vfs_flock(a, LOCK_SH, NULL), 0);
	struct bg bg = { .f = b, .op = LOCK_EX };
	bg_start(&bg);
	wait_waiters(1);
	assert_still_blocked(&bg);
	cr_assert_eq(vfs_flock(a, LOCK_UN, NULL), 0);
	cr_assert_eq(bg_join(&bg), 0);
	cr_assert_eq(vfs_flock(c, LOCK_SH | LOCK_NB, NULL), -EWOULDBLOCK); /* b holds it */
	vfs_file_put(b); /* closing releases, also for a lock got after a wait */
	cr_assert_eq(vfs_flock(c, LOCK_EX | LOCK_NB, NULL), 0);
	vfs_file_put(a);
	vfs_file_put(c);
	vt_assert_no_leaks();
}

Test(vfs_lock, flock_wait_is_ended_by_an_interrupt)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	cr_assert_eq(vfs_flock(a, LOCK_EX, NULL), 0);
	struct bg bg = { .f = b, .op = LOCK_SH };
	bg_start(&bg);
	wait_waiters(1);
	vfs_lock_wait_interrupt(&bg.w);
	cr_assert_eq(bg_join(&bg), -EINTR);
	wait_waiters(0);
	cr_assert_eq(vfs_flock(b, LOCK_SH | LOCK_NB, NULL), -EWOULDBLOCK); /* a still holds */
	cr_assert_eq(nlocks(), 1);
	/* The flag is sticky: the next wait with the same struct ends at once. */
	cr_assert_eq(vfs_flock(b, LOCK_SH, &bg.w), -EINTR);
	vfs_file_put(a);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

static int always_interrupted(void *arg)
{
	(*(int *)arg)++;
	return 1;
}

Test(vfs_lock, interrupted_callback_ends_a_wait_but_not_a_grant)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	int asked = 0;
	struct vfs_lock_wait w = VFS_LOCK_WAIT_INIT(always_interrupted, &asked);
	/* No conflict: granted, the callback is not even asked. */
	cr_assert_eq(vfs_flock(a, LOCK_EX, &w), 0);
	cr_assert_eq(setlk(a, F_SETLK, 1, F_WRLCK, 0, 10), 0);
	cr_assert_eq(asked, 0);
	cr_assert_eq(vfs_flock(b, LOCK_EX, &w), -EINTR);
	struct vfs_record_lock rl = { F_RDLCK, SEEK_SET, 0, 1, 0 };
	cr_assert_eq(vfs_fcntl_lock(b, F_SETLKW, 2, 2, &rl, &w), -EINTR);
	cr_assert_eq(asked, 2);
	vfs_lock_release_owner(a, 1);
	vfs_file_put(a);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

/* --- POSIX record locks --- */

Test(vfs_lock, posix_owners_conflict_where_one_writes)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, 100), 0);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_RDLCK, 50, 10), -EAGAIN);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_WRLCK, 99, 1), -EAGAIN);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_RDLCK, 100, 10), 0); /* just past it */
	cr_assert_eq(setlk(f, F_SETLK, 3, F_RDLCK, 105, 10), 0); /* readers share */
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 105, 1), -EAGAIN);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, 50), 0); /* own locks never conflict */
	/* Same process through another description: still the same owner. */
	struct vfs_file *g = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(g, F_SETLK, 1, F_WRLCK, 10, 10), 0);
	vfs_lock_release_owner(f, 1);
	vfs_lock_release_owner(f, 2);
	vfs_lock_release_owner(f, 3);
	cr_assert_eq(nlocks(), 0);
	vfs_file_put(f);
	vfs_file_put(g);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_unlock_in_the_middle_splits_the_lock)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, 101), 0);	/* bytes 0-100 */
	cr_assert_eq(setlk(f, F_SETLK, 1, F_UNLCK, 40, 21), 0);	/* bytes 40-60 */
	cr_assert_eq(nlocks(), 2);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 0), F_WRLCK, 0, 40, 1);
	assert_conflict(getlk(f, 2, F_WRLCK, 39, 1), F_WRLCK, 0, 40, 1);
	assert_conflict(getlk(f, 2, F_RDLCK, 40, 0), F_WRLCK, 61, 40, 1);
	assert_conflict(getlk(f, 2, F_RDLCK, 100, 1), F_WRLCK, 61, 40, 1);
	cr_assert_eq(getlk(f, 2, F_WRLCK, 40, 21).type, F_UNLCK);
	cr_assert_eq(getlk(f, 2, F_WRLCK, 101, 0).type, F_UNLCK);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_WRLCK, 40, 21), 0);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_WRLCK, 39, 2), -EAGAIN);
	vfs_lock_release_owner(f, 1);
	vfs_lock_release_owner(f, 2);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_same_type_locks_of_an_owner_merge)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_RDLCK, 0, 10), 0);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_RDLCK, 10, 10), 0); /* adjacent */
	cr_assert_eq(nlocks(), 1);
	assert_conflict(getlk(f, 2, F_WRLCK, 0, 0), F_RDLCK, 0, 20, 1);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_RDLCK, 30, 10), 0); /* a gap: separate */
	cr_assert_eq(nlocks(), 2);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_RDLCK, 15, 20), 0); /* bridges both */
	cr_assert_eq(nlocks(), 1);
	assert_conflict(getlk(f, 2, F_WRLCK, 0, 0), F_RDLCK, 0, 40, 1);
	/* A write lock next to the read lock stays a lock of its own. */
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 40, 0), 0);
	cr_assert_eq(nlocks(), 2);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 0), F_WRLCK, 40, 0, 1);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_UNLCK, 0, 0), 0);
	cr_assert_eq(nlocks(), 0);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_downgrade_of_a_middle_range_splits_by_type)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, 100), 0);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_RDLCK, 40, 20), 0);
	cr_assert_eq(nlocks(), 3);
	cr_assert_eq(getlk(f, 2, F_RDLCK, 40, 20).type, F_UNLCK);
	assert_conflict(getlk(f, 2, F_WRLCK, 40, 20), F_RDLCK, 40, 20, 1);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 0), F_WRLCK, 0, 40, 1);
	assert_conflict(getlk(f, 2, F_RDLCK, 50, 0), F_WRLCK, 60, 40, 1);
	/* Upgrading it back merges the three again. */
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 40, 20), 0);
	cr_assert_eq(nlocks(), 1);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 0), F_WRLCK, 0, 100, 1);
	vfs_lock_release_owner(f, 1);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_refused_upgrade_keeps_the_read_lock)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_RDLCK, 0, 10), 0);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_RDLCK, 5, 10), 0);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, 10), -EAGAIN);
	assert_conflict(getlk(f, 3, F_WRLCK, 0, 5), F_RDLCK, 0, 10, 1); /* still there */
	cr_assert_eq(setlk(f, F_SETLK, 2, F_UNLCK, 0, 0), 0);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, 10), 0);
	assert_conflict(getlk(f, 3, F_RDLCK, 0, 0), F_WRLCK, 0, 10, 1);
	vfs_lock_release_owner(f, 1);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_getlk_reports_only_other_owners_and_leaves_input_when_free)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(getlk(f, 1, F_WRLCK, 0, 0).type, F_UNLCK); /* nothing locked at all */
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 100, 0), 0);
	cr_assert_eq(getlk(f, 1, F_WRLCK, 0, 0).type, F_UNLCK); /* its own lock */
	assert_conflict(getlk(f, 2, F_RDLCK, 1000000, 1), F_WRLCK, 100, 0, 1);
	/* No conflict: only l_type changes (fcntl_getlk()). */
	cr_assert_eq(vfs_lseek(f, 7, SEEK_SET), 7);
	struct vfs_record_lock rl = { F_RDLCK, SEEK_CUR, 3, 5, 1234 };
	cr_assert_eq(vfs_fcntl_lock(f, F_GETLK, 2, 2, &rl, NULL), 0);
	cr_assert_eq(rl.type, F_UNLCK);
	cr_assert_eq(rl.whence, SEEK_CUR);
	cr_assert_eq(rl.start, 3);
	cr_assert_eq(rl.len, 5);
	cr_assert_eq(rl.pid, 1234);
	/* The pid reported is the one the owner gave. */
	struct vfs_record_lock w = { F_WRLCK, SEEK_SET, 0, 1, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLK, 77, 4321, &w, NULL), 0);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 1), F_WRLCK, 0, 1, 4321);
	vfs_lock_release_owner(f, 1);
	vfs_lock_release_owner(f, 77);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_whence_and_negative_lengths)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(vfs_write(f, "0123456789abcdefghij", 20), 20);
	cr_assert_eq(vfs_lseek(f, 50, SEEK_SET), 50);
	struct vfs_record_lock rl = { F_WRLCK, SEEK_CUR, 0, 10, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLK, 1, 1, &rl, NULL), 0);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 0), F_WRLCK, 50, 10, 1);
	rl = (struct vfs_record_lock){ F_RDLCK, SEEK_CUR, -10, 5, 0 }; /* 40-44 */
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLK, 1, 1, &rl, NULL), 0);
	assert_conflict(getlk(f, 2, F_WRLCK, 0, 0), F_RDLCK, 40, 5, 1);
	rl = (struct vfs_record_lock){ F_WRLCK, SEEK_END, -5, 5, 0 }; /* size 20: 15-19 */
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLK, 3, 3, &rl, NULL), 0);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 40), F_WRLCK, 15, 5, 3);
	/* len < 0 covers the bytes before start (POSIX-2001): 5-9. */
	cr_assert_eq(setlk(f, F_SETLK, 4, F_WRLCK, 10, -5), 0);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 15), F_WRLCK, 5, 5, 4);
	cr_assert_eq(setlk(f, F_SETLK, 5, F_RDLCK, 5, -5), 0); /* down to byte 0 */
	assert_conflict(getlk(f, 2, F_WRLCK, 0, 5), F_RDLCK, 0, 5, 5);
	for (uint64_t o = 1; o <= 5; o++)
		vfs_lock_release_owner(f, o);
	cr_assert_eq(nlocks(), 0);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_lock_type_needs_the_matching_access_mode)
{
	struct vfs_file *r = open_ok("/f", O_RDONLY), *w = open_ok("/f", O_WRONLY);
	cr_assert_eq(setlk(r, F_SETLK, 1, F_WRLCK, 0, 1), -EBADF);
	cr_assert_eq(setlk(r, F_SETLKW, 1, F_WRLCK, 0, 1), -EBADF);
	cr_assert_eq(setlk(r, F_OFD_SETLK, 0, F_WRLCK, 0, 1), -EBADF);
	cr_assert_eq(setlk(w, F_SETLK, 1, F_RDLCK, 0, 1), -EBADF);
	cr_assert_eq(setlk(w, F_OFD_SETLKW, 0, F_RDLCK, 0, 1), -EBADF);
	cr_assert_eq(nlocks(), 0);
	cr_assert_eq(setlk(r, F_SETLK, 1, F_RDLCK, 0, 1), 0);
	cr_assert_eq(setlk(w, F_SETLK, 2, F_WRLCK, 1, 1), 0);
	cr_assert_eq(setlk(w, F_SETLK, 1, F_UNLCK, 0, 0), 0); /* unlock needs no mode */
	/* F_GETLK checks no mode. */
	assert_conflict(getlk(r, 3, F_WRLCK, 0, 0), F_WRLCK, 1, 1, 2);
	vfs_lock_release_owner(r, 2);
	vfs_file_put(r);
	vfs_file_put(w);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_bad_requests_are_einval_or_eoverflow)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(vfs_write(f, "0123456789abcdefghij", 20), 20);
	struct vfs_record_lock rl;
	cr_assert_eq(setlk(f, F_SETLK, 1, 3, 0, 1), -EINVAL);
	cr_assert_eq(setlk(f, F_SETLK, 1, -1, 0, 1), -EINVAL);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, -1, 1), -EINVAL);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 5, -6), -EINVAL);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, INT64_MIN), -EINVAL);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, INT64_MAX, 2), -EOVERFLOW);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 2, INT64_MAX), -EOVERFLOW);
	/* The range is checked before the type, as flock64_to_posix_lock() does. */
	cr_assert_eq(setlk(f, F_SETLK, 1, 9, INT64_MAX, 2), -EOVERFLOW);
	rl = (struct vfs_record_lock){ F_WRLCK, SEEK_END, INT64_MAX, 1, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLK, 1, 1, &rl, NULL), -EOVERFLOW);
	rl = (struct vfs_record_lock){ F_WRLCK, SEEK_END, -21, 1, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLK, 1, 1, &rl, NULL), -EINVAL);
	rl = (struct vfs_record_lock){ F_WRLCK, SEEK_DATA, 0, 1, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLK, 1, 1, &rl, NULL), -EINVAL);
	rl = (struct vfs_record_lock){ F_WRLCK, -1, 0, 1, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_GETLK, 1, 1, &rl, NULL), -EINVAL);
	/* F_GETLK wants a read or write lock to test. */
	rl = (struct vfs_record_lock){ F_UNLCK, SEEK_SET, 0, 1, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_GETLK, 1, 1, &rl, NULL), -EINVAL);
	/* OFD requests need l_pid 0. */
	rl = (struct vfs_record_lock){ F_WRLCK, SEEK_SET, 0, 1, 5 };
	cr_assert_eq(vfs_fcntl_lock(f, F_OFD_SETLK, 1, 1, &rl, NULL), -EINVAL);
	cr_assert_eq(vfs_fcntl_lock(f, F_OFD_SETLKW, 1, 1, &rl, NULL), -EINVAL);
	cr_assert_eq(vfs_fcntl_lock(f, F_OFD_GETLK, 1, 1, &rl, NULL), -EINVAL);
	cr_assert_eq(vfs_fcntl_lock(f, F_GETFL, 1, 1, &rl, NULL), -EINVAL);
	/* The largest range there is works: INT64_MAX is the last byte. */
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, INT64_MAX, 1), 0);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 0), F_WRLCK, INT64_MAX, 0, 1);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, INT64_MAX), 0);
	cr_assert_eq(nlocks(), 1);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_UNLCK, 1, INT64_MAX - 1), 0);
	assert_conflict(getlk(f, 2, F_RDLCK, 0, 0), F_WRLCK, 0, 1, 1);
	vfs_lock_release_owner(f, 1);
	cr_assert_eq(nlocks(), 0);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_close_of_any_descriptor_releases_all_the_owners_locks)
{
	struct vfs_file *f1 = open_ok("/a", O_RDWR), *f3 = open_ok("/a", O_RDWR);
	cr_assert_eq(vfs_linkat(g_vt.ctx, NULL, "/a", NULL, "/b", 0), 0);
	cr_assert_eq(setlk(f1, F_SETLK, 1, F_WRLCK, 0, 10), 0);
	cr_assert_eq(setlk(f1, F_SETLK, 1, F_RDLCK, 20, 10), 0);
	cr_assert_eq(setlk(f3, F_SETLK, 3, F_RDLCK, 50, 10), 0);
	/* Owner 1 opens the inode again, through the other name, never locks through it... */
	struct vfs_file *f2 = open_ok("/b", O_RDONLY);
	vfs_lock_release_owner(f2, 2);	/* someone else's close: nothing */
	struct vfs_file *p = NULL;
	cr_assert_eq(vfs_openat(g_vt.ctx, NULL, "/b", O_PATH, 0, &p), 0);
	vfs_lock_release_owner(p, 1);	/* O_PATH closes release nothing (filp_flush()) */
	vfs_file_put(p);
	cr_assert_eq(setlk(f3, F_SETLK, 2, F_RDLCK, 0, 1), -EAGAIN);
	/* ...and its close releases every lock owner 1 has on the inode. */
	vfs_lock_release_owner(f2, 1);
	vfs_file_put(f2);
	cr_assert_eq(setlk(f3, F_SETLK, 2, F_WRLCK, 0, 30), 0);
	cr_assert_eq(setlk(f3, F_SETLK, 2, F_WRLCK, 50, 1), -EAGAIN); /* owner 3's stays */
	/* f1 is still open and usable by owner 1. */
	cr_assert_eq(setlk(f1, F_SETLK, 1, F_RDLCK, 30, 10), 0);
	vfs_lock_release_owner(f1, 1);
	vfs_lock_release_owner(f3, 2);
	vfs_lock_release_owner(f3, 3);
	cr_assert_eq(nlocks(), 0);
	vfs_file_put(f1);
	vfs_file_put(f3);
	vt_assert_no_leaks();
}

Test(vfs_lock, ofd_locks_belong_to_the_description)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(a, F_OFD_SETLK, 0, F_WRLCK, 0, 10), 0);
	cr_assert_eq(setlk(b, F_OFD_SETLK, 0, F_RDLCK, 5, 1), -EAGAIN);
	/* A classic lock of any process conflicts with it, the opener's included. */
	cr_assert_eq(setlk(a, F_SETLK, 1, F_WRLCK, 0, 1), -EAGAIN);
	assert_conflict(getlk(b, 1, F_RDLCK, 0, 0), F_WRLCK, 0, 10, -1);
	struct vfs_record_lock rl = { F_RDLCK, SEEK_SET, 0, 0, 0 };
	cr_assert_eq(vfs_fcntl_lock(b, F_OFD_GETLK, 0, 0, &rl, NULL), 0);
	assert_conflict(rl, F_WRLCK, 0, 10, -1);
	rl = (struct vfs_record_lock){ F_RDLCK, SEEK_SET, 0, 0, 0 };
	cr_assert_eq(vfs_fcntl_lock(a, F_OFD_GETLK, 0, 0, &rl, NULL), 0);
	cr_assert_eq(rl.type, F_UNLCK);
	/* Dups share it; no process close releases it. */
	vfs_file_get(a);
	cr_assert_eq(setlk(a, F_OFD_SETLK, 0, F_WRLCK, 10, 10), 0); /* merges */
	cr_assert_eq(nlocks(), 1);
	vfs_lock_release_owner(a, 1);
	vfs_lock_release_owner(a, 0);
	vfs_file_put(a);
	assert_conflict(getlk(b, 1, F_RDLCK, 0, 0), F_WRLCK, 0, 20, -1);
	vfs_file_put(a); /* the last reference */
	cr_assert_eq(setlk(b, F_OFD_SETLK, 0, F_WRLCK, 0, 0), 0);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

Test(vfs_lock, ofd_getlk_with_unlck_reports_the_descriptions_own_lock)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(a, F_OFD_SETLK, 0, F_RDLCK, 10, 10), 0);
	struct vfs_record_lock rl = { F_UNLCK, SEEK_SET, 0, 100, 0 };
	cr_assert_eq(vfs_fcntl_lock(a, F_OFD_GETLK, 0, 0, &rl, NULL), 0);
	assert_conflict(rl, F_RDLCK, 10, 10, -1);
	rl = (struct vfs_record_lock){ F_UNLCK, SEEK_SET, 0, 100, 0 };
	cr_assert_eq(vfs_fcntl_lock(b, F_OFD_GETLK, 0, 0, &rl, NULL), 0);
	cr_assert_eq(rl.type, F_UNLCK);
	vfs_file_put(a);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_setlkw_is_woken_by_an_unlock_from_another_thread)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, 10), 0);
	struct bg bg = { .f = f, .cmd = F_SETLKW, .owner = 2, .type = F_WRLCK, .start = 5,
			 .len = 10 };
	bg_start(&bg);
	wait_waiters(1);
	assert_still_blocked(&bg);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_UNLCK, 10, 0), 0); /* not the part it wants */
	assert_still_blocked(&bg);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_UNLCK, 0, 0), 0);
	cr_assert_eq(bg_join(&bg), 0);
	assert_conflict(getlk(f, 3, F_RDLCK, 0, 0), F_WRLCK, 5, 10, 2);
	vfs_lock_release_owner(f, 2);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, ofd_setlkw_waits_for_a_close)
{
	struct vfs_file *a = open_ok("/f", O_RDWR), *b = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(a, F_OFD_SETLK, 0, F_RDLCK, 0, 0), 0);
	struct bg bg = { .f = b, .cmd = F_OFD_SETLKW, .type = F_WRLCK, .start = 0, .len = 1 };
	bg_start(&bg);
	wait_waiters(1);
	assert_still_blocked(&bg);
	vfs_file_put(a);
	cr_assert_eq(bg_join(&bg), 0);
	vfs_file_put(b);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_setlkw_is_ended_by_an_interrupt)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_RDLCK, 0, 10), 0);
	struct bg bg = { .f = f, .cmd = F_SETLKW, .owner = 2, .type = F_WRLCK, .len = 1 };
	bg_start(&bg);
	wait_waiters(1);
	vfs_lock_wait_interrupt(&bg.w);
	cr_assert_eq(bg_join(&bg), -EINTR);
	wait_waiters(0);
	cr_assert_eq(getlk(f, 3, F_WRLCK, 0, 0).pid, 1); /* nothing changed */
	cr_assert_eq(nlocks(), 1);
	vfs_lock_release_owner(f, 1);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_setlkw_cycle_of_two_owners_is_edeadlk)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	cr_assert_eq(setlk(f, F_SETLK, 1, F_WRLCK, 0, 10), 0);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_WRLCK, 10, 10), 0);
	struct bg bg = { .f = f, .cmd = F_SETLKW, .owner = 1, .type = F_WRLCK, .start = 10,
			 .len = 10 };
	bg_start(&bg);		/* owner 1 waits for owner 2 */
	wait_waiters(1);
	cr_assert_eq(setlk(f, F_SETLKW, 2, F_WRLCK, 0, 10), -EDEADLK);
	cr_assert_eq(setlk(f, F_SETLKW, 2, F_RDLCK, 5, 1), -EDEADLK);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_WRLCK, 0, 10), -EAGAIN); /* no wait: no EDEADLK */
	assert_still_blocked(&bg);
	cr_assert_eq(setlk(f, F_SETLK, 2, F_UNLCK, 0, 0), 0);	/* owner 2 backs off */
	cr_assert_eq(bg_join(&bg), 0);
	assert_conflict(getlk(f, 3, F_RDLCK, 0, 0), F_WRLCK, 0, 20, 1);
	vfs_lock_release_owner(f, 1);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

Test(vfs_lock, posix_setlkw_cycle_of_three_owners_is_edeadlk)
{
	struct vfs_file *f = open_ok("/f", O_RDWR);
	for (uint64_t o = 1; o <= 3; o++)
		cr_assert_eq(setlk(f, F_SETLK, o, F_WRLCK, (int64_t)o * 10, 10), 0);
	struct bg b1 = { .f = f, .cmd = F_SETLKW, .owner = 1, .type = F_WRLCK, .start = 20,
			 .len = 1 };
	struct bg b2 = { .f = f, .cmd = F_SETLKW, .owner = 2, .type = F_WRLCK, .start = 30,
			 .len = 1 };
	bg_start(&b1);		/* 1 waits for 2 */
	wait_waiters(1);
	bg_start(&b2);		/* 2 waits for 3 */
	wait_waiters(2);
	cr_assert_eq(setlk(f, F_SETLKW, 3, F_WRLCK, 10, 1), -EDEADLK); /* 3 for 1: a cycle */
	/* An owner outside the chain just waits; interrupt it to go on. */
	struct bg b4 = { .f = f, .cmd = F_SETLKW, .owner = 4, .type = F_RDLCK, .start = 10,
			 .len = 1 };
	bg_start(&b4);
	wait_waiters(3);
	vfs_lock_wait_interrupt(&b4.w);
	cr_assert_eq(bg_join(&b4), -EINTR);
	vfs_lock_release_owner(f, 3);	/* 3 exits: 2, then 1 get their locks */
	cr_assert_eq(bg_join(&b2), 0);
	vfs_lock_release_owner(f, 2);
	cr_assert_eq(bg_join(&b1), 0);
	vfs_lock_release_owner(f, 1);
	vfs_file_put(f);
	vt_assert_no_leaks();
}

/* Threads of separate owners take one exclusive lock in turn around a non-atomic update. */
struct churn {
	struct vfs_file *f;
	uint64_t owner;
	int use_flock;
	long *counter;
};

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	for (int i = 0; i < 300; i++) {
		if (c->use_flock) {
			if (vfs_flock(c->f, LOCK_EX, NULL) < 0)
				return (void *)1;
		} else if (setlk(c->f, F_SETLKW, c->owner, F_WRLCK, 0, 1) < 0) {
			return (void *)1;
		}
		long v = *c->counter;
		sched_yield();
		*c->counter = v + 1;
		int rc = c->use_flock ? vfs_flock(c->f, LOCK_UN, NULL)
				      : setlk(c->f, F_SETLK, c->owner, F_UNLCK, 0, 1);
		if (rc < 0)
			return (void *)1;
	}
	return NULL;
}

static void run_churn(int use_flock)
{
	enum { N = 4 };
	struct vfs_file *f[N];
	struct churn c[N];
	pthread_t t[N];
	long counter = 0;
	for (int i = 0; i < N; i++) {
		f[i] = open_ok("/f", O_RDWR);
		c[i] = (struct churn){ f[i], (uint64_t)i + 1, use_flock, &counter };
		cr_assert_eq(pthread_create(&t[i], NULL, churn_main, &c[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		void *ret;
		cr_assert_eq(pthread_join(t[i], &ret), 0);
		cr_assert_null(ret, "thread %d failed a lock call", i);
	}
	cr_assert_eq(counter, N * 300);
	for (int i = 0; i < N; i++)
		vfs_file_put(f[i]);
	vt_assert_no_leaks();
}

Test(vfs_lock, concurrent_record_locks_exclude_each_other)
{
	run_churn(0);
}

Test(vfs_lock, concurrent_flocks_exclude_each_other)
{
	run_churn(1);
}

/* --- a filesystem with a lock slot --- */

struct fake_file {
	struct sentry_file sf;
	int calls;
	int getlk;
	struct sentry_lock last;
};

static int fake_lock(struct sentry_file *file, struct sentry_task *task, struct sentry_lock *lk,
		     int getlk)
{
	struct fake_file *ff = (struct fake_file *)file;
	(void)task;
	ff->calls++;
	ff->getlk = getlk;
	ff->last = *lk;
	if (getlk) {
		lk->type = F_RDLCK;
		lk->start = 7;
		lk->len = 0;
		lk->pid = 42;
	}
	return 0;
}

static const struct sentry_file_ops g_fake_ops = { .lock = fake_lock };

Test(vfs_lock, filesystem_lock_slot_gets_the_requests_and_the_closes)
{
	cr_assert_eq(vt_write_file(g_vt.ctx, "/f", "x"), 0);
	struct vfs_path p;
	cr_assert_eq(vfs_resolve(g_vt.ctx, NULL, "/f", 0, &p), 0);
	struct fake_file ff = { .sf = { .ops = &g_fake_ops, .ops_size = sizeof(g_fake_ops),
					.dentry = p.d } };
	struct vfs_file *f = vfs_file_wrap(&p, &ff.sf, O_RDWR);
	vfs_path_put(&p);
	cr_assert_not_null(f);

	cr_assert_eq(vfs_flock(f, LOCK_EX | LOCK_NB, NULL), 0);
	cr_assert_eq(ff.calls, 1);
	cr_assert_eq(ff.last.type, F_WRLCK);
	cr_assert_eq(ff.last.flags, 0);
	cr_assert_eq(ff.last.start, 0);
	cr_assert_eq(ff.last.len, 0);
	cr_assert_eq(ff.last.owner, (uint64_t)(uintptr_t)f);

	struct vfs_record_lock rl = { F_WRLCK, SEEK_SET, 10, 5, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLKW, 9, 99, &rl, NULL), 0);
	cr_assert_eq(ff.calls, 2);
	cr_assert_eq(ff.last.flags, 1);
	cr_assert_eq(ff.last.start, 10);
	cr_assert_eq(ff.last.len, 5);
	cr_assert_eq(ff.last.owner, 9);
	cr_assert_eq(ff.last.pid, 99);
	cr_assert_eq(nlocks(), 0); /* the core's table holds none of them */

	rl = (struct vfs_record_lock){ F_WRLCK, SEEK_SET, 0, 0, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_GETLK, 3, 3, &rl, NULL), 0);
	cr_assert_eq(ff.getlk, 1);
	assert_conflict(rl, F_RDLCK, 7, 0, 42);
	/* Checks happen before the filesystem is asked. */
	rl = (struct vfs_record_lock){ F_WRLCK, SEEK_SET, -1, 0, 0 };
	cr_assert_eq(vfs_fcntl_lock(f, F_SETLK, 3, 3, &rl, NULL), -EINVAL);
	cr_assert_eq(ff.calls, 3);

	uint64_t desc = (uintptr_t)f;
	vfs_lock_release_owner(f, 9);
	cr_assert_eq(ff.calls, 4);
	cr_assert_eq(ff.last.type, F_UNLCK);
	cr_assert_eq(ff.last.owner, 9);
	cr_assert_eq(ff.last.len, 0);
	vfs_file_put(f);
	cr_assert_eq(ff.calls, 5);
	cr_assert_eq(ff.last.type, F_UNLCK);
	cr_assert_eq(ff.last.owner, desc); /* flock and OFD locks of the description */
	vt_assert_no_leaks();
}
