/*
 * Pipes and eventfds across threads, which the syscall tests cannot do in one process: a
 * blocked reader woken by a write, a blocked writer woken by a read, EOF and EPIPE reaching
 * blocked ends when the other end closes, a signal with a handler ending a wait while an
 * ignored one does not, PIPE_BUF writes from two writers never interleaving, pollers woken
 * through the waiter queue at once, a blocked eventfd read, and the throughput of the pipe
 * itself (Sentry buffers, no platform). Every test checks that no open file is left behind.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc/eventfd.h"
#include "ipc/pipe.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "vfs/vfs.h"

static const struct sentry_creds g_creds = { .cap_effective = ~0ull };

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct task *mk_task(void)
{
	struct task *t = calloc(1, sizeof(*t));
	kwait_init(&t->wait);
	t->tid = t->tgid = 1;
	t->tg = calloc(1, sizeof(*t->tg));
	pthread_mutex_init(&t->tg->lock, NULL);
	return t;
}

static void rm_task(struct task *t)
{
	kwait_destroy(&t->wait);
	pthread_mutex_destroy(&t->tg->lock);
	free(t->tg);
	free(t);
}

static long open_files(void)
{
	struct vfs_counters c;
	vfs_counters(&c);
	return c.files;
}

/* The file slots with an explicit task, as the core's own callers use them. */
static int64_t io(struct vfs_file *f, struct task *t, void *buf, size_t len, int write)
{
	struct sentry_iov v = { buf, len };
	int64_t off = -1;
	return write ? f->sf->ops->write(f->sf, (struct sentry_task *)t, &v, 1, &off)
		     : f->sf->ops->read(f->sf, (struct sentry_task *)t, &v, 1, &off);
}

struct job {
	struct vfs_file *f;
	struct task *t;
	char *buf;
	size_t len;
	int write;
	int64_t rc;
	int64_t done_ns;
};

static void *run_job(void *arg)
{
	struct job *j = arg;
	j->rc = io(j->f, j->t, j->buf, j->len, j->write);
	j->done_ns = now_ns();
	return NULL;
}

static void start(pthread_t *th, struct job *j)
{
	pthread_create(th, NULL, run_job, j);
	usleep(50000);	/* long enough for the job to block */
}

Test(pipe, blocked_reader_wakes_on_write)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	struct task *t = mk_task(), *u = mk_task();
	char buf[16] = { 0 };
	struct job j = { r, t, buf, sizeof(buf), 0, 0, 0 };
	pthread_t th;
	start(&th, &j);
	cr_expect_eq(j.done_ns, 0, "the read did not wait");
	int64_t t0 = now_ns();
	cr_expect_eq(io(w, u, "ping", 4, 1), 4);
	pthread_join(th, NULL);
	cr_expect_eq(j.rc, 4);
	cr_expect_str_eq(buf, "ping");
	cr_expect_lt(j.done_ns - t0, 20000000, "woken at once, not by a poll slice");
	vfs_file_put(r);
	vfs_file_put(w);
	rm_task(t);
	rm_task(u);
	cr_expect_eq(open_files(), files);
}

Test(pipe, blocked_writer_wakes_on_read)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	struct task *t = mk_task(), *u = mk_task();
	static char big[PIPE_DEFAULT_SIZE], page[PIPE_ATOMIC_SIZE];
	cr_assert_eq(io(w, u, big, sizeof(big), 1), (int64_t)sizeof(big));
	struct job j = { w, t, page, sizeof(page), 1, 0, 0 };
	pthread_t th;
	start(&th, &j);
	cr_expect_eq(j.done_ns, 0, "the write into a full pipe did not wait");
	cr_expect_eq(io(r, u, big, 100, 0), 100);
	usleep(20000);
	cr_expect_eq(j.done_ns, 0, "part of a slot read frees no room for a page");
	cr_expect_eq(io(r, u, big, sizeof(big), 0), (int64_t)sizeof(big) - 100);
	pthread_join(th, NULL);
	cr_expect_eq(j.rc, (int64_t)sizeof(page));
	vfs_file_put(r);
	vfs_file_put(w);
	rm_task(t);
	rm_task(u);
	cr_expect_eq(open_files(), files);
}

Test(pipe, closing_ends_wake_blocked_ends)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	struct task *t = mk_task();
	char buf[8];
	struct job j = { r, t, buf, sizeof(buf), 0, -1, 0 };
	pthread_t th;
	start(&th, &j);
	vfs_file_put(w);
	pthread_join(th, NULL);
	cr_expect_eq(j.rc, 0, "EOF for the blocked reader");
	vfs_file_put(r);

	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	static char big[PIPE_DEFAULT_SIZE + 5000];
	struct job k = { w, t, big, sizeof(big), 1, 0, 0 };
	start(&th, &k);
	vfs_file_put(r);
	pthread_join(th, NULL);
	cr_expect_eq(k.rc, PIPE_DEFAULT_SIZE, "what went in before the reader left counts");
	cr_expect(t->sigpending & SIGBIT(SIGPIPE), "SIGPIPE queued for the writer");
	t->sigpending = 0;
	cr_expect_eq(io(w, t, big, 1, 1), -EPIPE);
	cr_expect(t->sigpending & SIGBIT(SIGPIPE));
	vfs_file_put(w);
	rm_task(t);
	cr_expect_eq(open_files(), files);
}

/* Sends @sig to @t as another thread would, without a platform to kick. */
static void send_from_outside(struct task *t, int sig)
{
	pthread_mutex_lock(&t->wait.lock);
	t->sig_incoming |= SIGBIT(sig);
	pthread_mutex_unlock(&t->wait.lock);
	kwait_interrupt(&t->wait);
}

Test(pipe, handled_signal_interrupts_ignored_does_not)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	struct task *t = mk_task(), *u = mk_task();
	t->tg->sigactions[SIGUSR1 - 1].handler = 0x1000;	/* an application handler */
	char buf[8];
	struct job j = { r, t, buf, sizeof(buf), 0, 0, 0 };
	pthread_t th;
	start(&th, &j);
	send_from_outside(t, SIGCHLD);	/* default action: ignore */
	usleep(30000);
	cr_expect_eq(j.done_ns, 0, "an ignored signal does not end the wait");
	send_from_outside(t, SIGUSR1);
	pthread_join(th, NULL);
	cr_expect_eq(j.rc, -EINTR);
	cr_expect_eq(io(w, u, "x", 1, 1), 1, "the pipe is still usable");
	vfs_file_put(r);
	vfs_file_put(w);
	rm_task(t);
	rm_task(u);
	cr_expect_eq(open_files(), files);
}

#define RECORDS 2000

struct writer {
	struct vfs_file *w;
	char fill;
	int64_t bad;
};

static void *write_records(void *arg)
{
	struct writer *wr = arg;
	struct task *t = mk_task();
	char rec[PIPE_ATOMIC_SIZE];
	memset(rec, wr->fill, sizeof(rec));
	for (int i = 0; i < RECORDS; i++)
		wr->bad += io(wr->w, t, rec, sizeof(rec), 1) != (int64_t)sizeof(rec);
	rm_task(t);
	return NULL;
}

Test(pipe, pipe_buf_writes_never_interleave)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	struct writer a = { w, 'a', 0 }, b = { w, 'b', 0 };
	pthread_t ta, tb;
	pthread_create(&ta, NULL, write_records, &a);
	pthread_create(&tb, NULL, write_records, &b);
	struct task *t = mk_task();
	static char stream[2 * RECORDS * PIPE_ATOMIC_SIZE];
	size_t got = 0;
	while (got < sizeof(stream)) {
		/* Odd-sized reads, so record boundaries fall anywhere in them. */
		size_t want = sizeof(stream) - got < 7777 ? sizeof(stream) - got : 7777;
		int64_t n = io(r, t, stream + got, want, 0);
		cr_assert_gt(n, 0);
		got += (size_t)n;
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	cr_expect_eq(a.bad + b.bad, 0);
	long mixed = 0, as = 0;
	for (size_t off = 0; off < sizeof(stream); off += PIPE_ATOMIC_SIZE) {
		const char *rec = stream + off;
		mixed += memchr(rec, rec[0] == 'a' ? 'b' : 'a', PIPE_ATOMIC_SIZE) != NULL;
		as += rec[0] == 'a';
	}
	cr_expect_eq(mixed, 0, "%ld records interleaved", mixed);
	cr_expect_eq(as, RECORDS);
	vfs_file_put(r);
	vfs_file_put(w);
	rm_task(t);
	cr_expect_eq(open_files(), files);
}

struct poller {
	struct task *t;
	struct sentry_waitq *wq;
	struct vfs_file *f;
	uint32_t events;
	uint32_t got;
	int64_t woke_ns;
};

/* What poll does for one file: register, check, sleep until the queue fires. */
static void *poll_one(void *arg)
{
	struct poller *p = arg;
	struct kwait_reg reg;
	kwait_prepare(p->t, p->wq, p->events, &reg);
	while (!(p->got = vfs_file_readiness(p->f, p->events)))
		(void)kwait_sleep(&reg, SENTRY_CLOCK_MONOTONIC, now_ns() + 2000000000);
	kwait_finish(&reg);
	p->woke_ns = now_ns();
	return NULL;
}

Test(pipe, waiter_queue_wakes_pollers)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	struct task *t = mk_task(), *u = mk_task();
	struct poller p = { t, vfs_file_waitq(r), r, SENTRY_EV_IN | SENTRY_EV_HUP, 0, 0 };
	cr_assert_not_null(p.wq);
	cr_expect_eq(vfs_file_waitq(w), p.wq, "one queue for both ends");
	pthread_t th;
	pthread_create(&th, NULL, poll_one, &p);
	usleep(50000);
	int64_t t0 = now_ns();
	cr_expect_eq(io(w, u, "x", 1, 1), 1);
	pthread_join(th, NULL);
	cr_expect_eq(p.got, SENTRY_EV_IN);
	cr_expect_lt(p.woke_ns - t0, 20000000, "woken by the write, not a timeout");

	/* The writer's end: room comes back when the reader drains a full pipe. */
	static char big[PIPE_DEFAULT_SIZE];
	cr_assert_eq(io(w, u, big, sizeof(big) - 1, 1), (int64_t)sizeof(big) - 1);
	struct poller q = { t, p.wq, w, SENTRY_EV_OUT, 0, 0 };
	pthread_create(&th, NULL, poll_one, &q);
	usleep(50000);
	cr_expect_eq(q.woke_ns, 0, "full: no POLLOUT");
	t0 = now_ns();
	cr_expect_eq(io(r, u, big, sizeof(big), 0), (int64_t)sizeof(big));
	pthread_join(th, NULL);
	cr_expect_eq(q.got, SENTRY_EV_OUT);
	cr_expect_lt(q.woke_ns - t0, 20000000);
	vfs_file_put(r);
	vfs_file_put(w);
	rm_task(t);
	rm_task(u);
	cr_expect_eq(open_files(), files);
}

Test(pipe, set_size_grows_room_for_a_blocked_writer)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	struct task *t = mk_task();
	static char big[PIPE_DEFAULT_SIZE + PIPE_ATOMIC_SIZE];
	struct job j = { w, t, big, sizeof(big), 1, 0, 0 };
	pthread_t th;
	start(&th, &j);
	cr_expect_eq(j.done_ns, 0);
	cr_expect_eq(pipe_fcntl(w, F_SETPIPE_SZ, 2 * PIPE_DEFAULT_SIZE, &g_creds),
		     2 * PIPE_DEFAULT_SIZE);
	pthread_join(th, NULL);
	cr_expect_eq(j.rc, (int64_t)sizeof(big));
	cr_expect_eq(pipe_fcntl(r, F_SETPIPE_SZ, PIPE_ATOMIC_SIZE, &g_creds), -EBUSY);
	struct sentry_creds plain = { 0 };
	cr_expect_eq(pipe_fcntl(r, F_SETPIPE_SZ, 2 * PIPE_MAX_SIZE, &plain), -EPERM);
	cr_expect_eq(pipe_fcntl(r, F_SETPIPE_SZ, 2 * PIPE_MAX_SIZE, &g_creds), 2 * PIPE_MAX_SIZE,
		     "CAP_SYS_RESOURCE goes past pipe-max-size");
	vfs_file_put(r);
	vfs_file_put(w);
	rm_task(t);
	cr_expect_eq(open_files(), files);
}

Test(pipe, generic_slots_without_a_task_do_not_block)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	char c;
	cr_expect_eq(vfs_read(r, &c, 1), -EAGAIN, "no task to block: as O_NONBLOCK");
	cr_expect_eq(vfs_write(w, "q", 1), 1);
	cr_expect_eq(vfs_read(r, &c, 1), 1);
	cr_expect_eq(c, 'q');
	cr_expect_eq(vfs_pread(r, &c, 1, 0), -ESPIPE);
	cr_expect_eq(vfs_lseek(r, 0, SEEK_SET), -ESPIPE);
	cr_expect_eq(vfs_read(w, &c, 1), -EBADF);
	vfs_file_put(r);
	vfs_file_put(w);
	cr_expect_eq(open_files(), files);
}

Test(eventfd, blocked_read_wakes_on_write)
{
	long files = open_files();
	struct vfs_file *e;
	cr_assert_eq(eventfd_new(0, 0, &e), 0);
	struct task *t = mk_task(), *u = mk_task();
	uint64_t v = 0, add = 42;
	struct job j = { e, t, (char *)&v, sizeof(v), 0, 0, 0 };
	pthread_t th;
	start(&th, &j);
	cr_expect_eq(j.done_ns, 0);
	cr_expect_eq(io(e, u, &add, sizeof(add), 1), 8);
	pthread_join(th, NULL);
	cr_expect_eq(j.rc, 8);
	cr_expect_eq(v, 42);

	uint64_t top = UINT64_MAX - 1;
	cr_expect_eq(io(e, u, &top, 8, 1), 8);
	uint64_t one = 1;
	struct job k = { e, t, (char *)&one, 8, 1, 0, 0 };
	start(&th, &k);
	cr_expect_eq(k.done_ns, 0, "a write that would overflow waits");
	cr_expect_eq(io(e, u, &v, 8, 0), 8);
	pthread_join(th, NULL);
	cr_expect_eq(k.rc, 8);
	vfs_file_put(e);
	rm_task(t);
	rm_task(u);
	cr_expect_eq(open_files(), files);
}

#define STREAM_BYTES (256ull << 20)
#define CHUNK (64u << 10)

static void *drain(void *arg)
{
	struct job *j = arg;
	uint64_t total = 0;
	int64_t n;
	while ((n = io(j->f, j->t, j->buf, j->len, 0)) > 0)
		total += (uint64_t)n;
	j->rc = (int64_t)total;
	return NULL;
}

Test(pipe, streaming_throughput)
{
	long files = open_files();
	struct vfs_file *r, *w;
	cr_assert_eq(pipe_new(0, &g_creds, &r, &w), 0);
	struct task *t = mk_task(), *u = mk_task();
	char *src = malloc(CHUNK), *dst = malloc(CHUNK);
	memset(src, 7, CHUNK);
	struct job j = { r, t, dst, CHUNK, 0, 0, 0 };
	pthread_t th;
	pthread_create(&th, NULL, drain, &j);
	int64_t t0 = now_ns();
	uint64_t sent = 0;
	while (sent < STREAM_BYTES && io(w, u, src, CHUNK, 1) == CHUNK)
		sent += CHUNK;
	vfs_file_put(w);
	pthread_join(th, NULL);
	double secs = (double)(now_ns() - t0) / 1e9;
	cr_expect_eq(sent, STREAM_BYTES);
	cr_expect_eq((uint64_t)j.rc, STREAM_BYTES);
	cr_log_info("pipe core: %.0f MB/s in 64 KiB writes between two threads",
		    (double)STREAM_BYTES / 1e6 / secs);
	free(src);
	free(dst);
	vfs_file_put(r);
	rm_task(t);
	rm_task(u);
	cr_expect_eq(open_files(), files);
}
