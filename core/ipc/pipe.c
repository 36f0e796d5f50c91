/*
 * core/ipc/pipe.c: pipes (see pipe.h).
 *
 * The buffer is Linux's ring of page-sized slots, not a byte ring, because the slots are what
 * applications can observe: capacity is counted in slots (a pipe holding one byte in each of its
 * 16 slots is full), a small write merges into the last slot only when it fits there whole, a
 * write otherwise takes fresh slots of up to a page each (so one of at most a page is atomic),
 * POLLOUT means a free slot, and F_SETPIPE_SZ refuses to shrink below the slots in use. Pages
 * come from a per-pipe cache, refilled by reads, so steady streaming allocates nothing.
 *
 * Every change of state notifies the waiter queue with the events it may have made true: data
 * in (IN), room out (OUT), an end closing (all). Blocked readers and writers sleep on the same
 * queue with the events they wait for, through the exact wait of kernel/wait.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "ipc/ipc_io.h"
#include "ipc/pipe.h"
#include "kernel/interrupt.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "vfs/vfs.h"

#define PIPE_PAGE 4096u
#define PIPE_DEFAULT_SLOTS (PIPE_DEFAULT_SIZE / PIPE_PAGE)
/* Linux's CAP_SYS_RESOURCE (linux/capability.h). */
#define PIPE_CAP_SYS_RESOURCE 24
/* The events one side can make true, and all of them (an end closing). */
#define PIPE_EV_DATA (SENTRY_EV_IN | POLLRDNORM)
#define PIPE_EV_ROOM (SENTRY_EV_OUT | POLLWRNORM)
#define PIPE_EV_ALL (PIPE_EV_DATA | PIPE_EV_ROOM | SENTRY_EV_ERR | SENTRY_EV_HUP)

enum {
	SLOT_MERGE = 1u << 0,	/* later small writes may append (PIPE_BUF_FLAG_CAN_MERGE) */
	SLOT_PACKET = 1u << 1,	/* an O_DIRECT write: one read takes the slot whole */
};

/* One slot of the ring: @len bytes at @off in @page. */
struct pipe_slot {
	char *page;		/* PIPE_PAGE bytes, owned while the slot is in use */
	uint32_t off;
	uint32_t len;
	uint32_t flags;		/* SLOT_* */
};

struct pipe {
	pthread_mutex_t lock;		/* everything below */
	struct sentry_waitq *wq;	/* readers, writers and pollers of both ends */
	struct pipe_slot *slots;	/* ring of nslots */
	uint32_t nslots;		/* capacity in pages, a power of two */
	uint32_t head;			/* next slot to fill; free-running */
	uint32_t tail;			/* next slot to read; in use: tail..head-1 */
	int readers;			/* open read ends */
	int writers;			/* open write ends */
	void *cache;			/* free pages, linked through their first word */
};

enum {
	END_READ = 1u << 0,
	END_WRITE = 1u << 1,
};

/* An end: the file of one open file description. */
struct pipe_end {
	struct sentry_file base;
	struct pipe *p;
	uint32_t mode;		/* END_* */
};

static const struct sentry_file_ops g_pipe_ops;

static struct pipe_slot *slot_at(struct pipe *p, uint32_t i)
{
	return &p->slots[i & (p->nslots - 1)];
}

static int pipe_full(const struct pipe *p)
{
	return p->head - p->tail >= p->nslots;
}

static char *page_get(struct pipe *p)
{
	void *pg = p->cache;
	if (pg) {
		memcpy(&p->cache, pg, sizeof(void *));
		return pg;
	}
	return aligned_alloc(64, PIPE_PAGE);
}

static void page_put(struct pipe *p, char *pg)
{
	memcpy(pg, &p->cache, sizeof(void *));
	p->cache = pg;
}

static void pipe_free(struct pipe *p)
{
	for (uint32_t i = p->tail; i != p->head; i++)
		free(slot_at(p, i)->page);
	while (p->cache)
		free(page_get(p));
	free(p->slots);
	kwait_wq_free(p->wq);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* SIGPIPE for a write with no reader (send_sig: an ignored, unblocked signal is discarded). */
static void pipe_sigpipe(struct task *t)
{
	if (!t)
		return;
	uint64_t h = t->tg->sigactions[SIGPIPE - 1].handler;
	if (h == (uint64_t)(uintptr_t)SIG_IGN && !(t->sigmask & SIGBIT(SIGPIPE)))
		return;
	task_queue_signal(t, SIGPIPE, SI_USER, 0, t->tgid, t->fs ? t->fs->creds.uid : 0);
}

/* Sleeps, with p->lock held on entry and on return, until @events may hold, after notifying
 * @wake (what the caller changed but did not announce yet). Returns 0 (recheck), -EINTR, or
 * -EAGAIN when there is no task to block. */
static int pipe_wait(struct pipe *p, struct task *t, uint32_t events, uint32_t wake)
{
	if (!t)
		return -EAGAIN;
	struct kwait_reg r;
	kwait_prepare(t, p->wq, events, &r);
	pthread_mutex_unlock(&p->lock);
	if (wake)
		kwait_wq_notify(p->wq, wake);
	int rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, -1);
	kwait_finish(&r);
	pthread_mutex_lock(&p->lock);
	return rc == -EINTR && task_wait_interrupted(t) ? -EINTR : 0;
}

/* Appends the next bytes of @io to the last slot if they fit there whole (pipe_write's merge:
 * it packs small writes and page-aligns the rest of large ones). Returns bytes taken (0: no
 * merge) or -EFAULT. */
static int64_t pipe_merge(struct pipe *p, struct ipc_io *io)
{
	size_t chars = io->left & (PIPE_PAGE - 1);
	if (!chars || p->head == p->tail)
		return 0;
	struct pipe_slot *s = slot_at(p, p->head - 1);
	if (!(s->flags & SLOT_MERGE) || s->off + s->len + chars > PIPE_PAGE)
		return 0;
	if (ipc_io_move(io, s->page + s->off + s->len, chars, 1) < 0)
		return -EFAULT;
	s->len += (uint32_t)chars;
	return (int64_t)chars;
}

static int64_t pipe_write_io(struct pipe_end *e, struct task *t, struct ipc_io *io, int nonblock)
{
	struct pipe *p = e->p;
	if (!io->left)
		return 0;	/* even with no reader: no EPIPE for an empty write */
	uint32_t flags = (e->base.flags & O_DIRECT) ? SLOT_PACKET : SLOT_MERGE;
	int64_t ret = 0;
	int sigpipe = 0;
	pthread_mutex_lock(&p->lock);
	if (!p->readers) {
		sigpipe = 1;
		ret = -EPIPE;
	} else {
		ret = pipe_merge(p, io);
	}
	while (ret >= 0 && io->left) {
		if (!p->readers) {
			sigpipe = 1;
			break;
		}
		if (!pipe_full(p)) {
			/* Copied before the slot is published: a fault leaves no trace. */
			size_t n = io->left < PIPE_PAGE ? io->left : PIPE_PAGE;
			char *pg = page_get(p);
			if (!pg || ipc_io_move(io, pg, n, 1) < 0) {
				if (pg)
					page_put(p, pg);
				ret = ret ? ret : pg ? -EFAULT : -ENOMEM;
				break;
			}
			*slot_at(p, p->head) = (struct pipe_slot){ pg, 0, (uint32_t)n, flags };
			p->head++;
			ret += (int64_t)n;
			continue;
		}
		if (nonblock || (e->base.flags & O_NONBLOCK)) {
			ret = ret ? ret : -EAGAIN;
			break;
		}
		int rc = pipe_wait(p, t, PIPE_EV_ROOM | SENTRY_EV_ERR, ret ? PIPE_EV_DATA : 0);
		if (rc < 0) {
			ret = ret ? ret : rc;
			break;
		}
	}
	if (sigpipe && ret <= 0)
		ret = -EPIPE;
	pthread_mutex_unlock(&p->lock);
	if (sigpipe)
		pipe_sigpipe(t);
	if (ret > 0)
		kwait_wq_notify(p->wq, PIPE_EV_DATA);
	return ret;
}

/* Takes up to io->left bytes from the tail slot. Returns bytes, or -EFAULT (nothing taken);
 * *ret_stop is set when the read must end there (a packet). */
static int64_t pipe_take(struct pipe *p, struct ipc_io *io, int *ret_stop)
{
	struct pipe_slot *s = slot_at(p, p->tail);
	size_t n = s->len < io->left ? s->len : io->left;
	if (ipc_io_move(io, s->page + s->off, n, 0) < 0)
		return -EFAULT;
	s->off += (uint32_t)n;
	s->len -= (uint32_t)n;
	*ret_stop = (s->flags & SLOT_PACKET) != 0;
	if (*ret_stop)
		s->len = 0;	/* the rest of a packet too big for the buffer is gone */
	if (!s->len) {
		page_put(p, s->page);
		p->tail++;
	}
	return (int64_t)n;
}

/* Waits for data or the last writer's close, as a read of an empty pipe does: 0, or -EAGAIN
 * (@nonblock or O_NONBLOCK), -EINTR. p->lock held (dropped while asleep). */
static int pipe_wait_readable(struct pipe_end *e, struct task *t, int nonblock)
{
	if (nonblock || (e->base.flags & O_NONBLOCK))
		return -EAGAIN;
	return pipe_wait(e->p, t, PIPE_EV_DATA | SENTRY_EV_HUP, 0);
}

static int64_t pipe_read_io(struct pipe_end *e, struct task *t, struct ipc_io *io, int nonblock)
{
	struct pipe *p = e->p;
	if (!io->left)
		return 0;
	int64_t ret = 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		int stop = 0;
		while (p->head != p->tail && io->left && !stop) {
			int64_t n = pipe_take(p, io, &stop);
			if (n < 0) {
				ret = ret ? ret : n;
				stop = 1;
				break;
			}
			ret += n;
		}
		if (ret || stop || !io->left || !p->writers)
			break;
		int rc = pipe_wait_readable(e, t, nonblock);
		if (rc < 0) {
			ret = rc;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (ret > 0)
		kwait_wq_notify(p->wq, PIPE_EV_ROOM);
	return ret;
}

int pipe_is_end(const struct vfs_file *f)
{
	return f->sf && f->sf->ops == &g_pipe_ops;
}

int64_t pipe_user_io(struct task *t, struct vfs_file *f, const struct iovec *iov, size_t count,
		     int write)
{
	struct pipe_end *e = (struct pipe_end *)f->sf;
	if (!(e->mode & (write ? END_WRITE : END_READ)))
		return -EBADF;
	struct ipc_io io;
	ipc_io_init(&io, t->mm, iov, count);
	return write ? pipe_write_io(e, t, &io, 0) : pipe_read_io(e, t, &io, 0);
}

int pipe_same(const struct vfs_file *a, const struct vfs_file *b)
{
	return ((const struct pipe_end *)a->sf)->p == ((const struct pipe_end *)b->sf)->p;
}

int64_t pipe_splice_io(struct task *t, struct vfs_file *f, const struct iovec *iov,
		       size_t count, int write, int nonblock)
{
	struct pipe_end *e = (struct pipe_end *)f->sf;
	if (!(e->mode & (write ? END_WRITE : END_READ)))
		return -EBADF;
	struct ipc_io io;
	ipc_io_init(&io, t->mm, iov, count);
	return write ? pipe_write_io(e, t, &io, nonblock) : pipe_read_io(e, t, &io, nonblock);
}

int64_t pipe_write_buf(struct task *t, struct vfs_file *f, const void *buf, size_t len,
		       int nonblock)
{
	struct pipe_end *e = (struct pipe_end *)f->sf;
	if (!(e->mode & END_WRITE))
		return -EBADF;
	struct iovec v = { (void *)buf, len };
	struct ipc_io io;
	ipc_io_init(&io, NULL, &v, 1);
	return pipe_write_io(e, t, &io, nonblock);
}

int64_t pipe_peek(struct task *t, struct vfs_file *f, void *buf, size_t len, int nonblock)
{
	struct pipe_end *e = (struct pipe_end *)f->sf;
	if (!(e->mode & END_READ))
		return -EBADF;
	if (!len)
		return 0;
	struct pipe *p = e->p;
	int64_t ret = 0;
	pthread_mutex_lock(&p->lock);
	while (p->head == p->tail && p->writers && ret == 0)
		ret = pipe_wait_readable(e, t, nonblock);
	for (uint32_t i = p->tail; ret >= 0 && i != p->head && (size_t)ret < len; i++) {
		const struct pipe_slot *s = slot_at(p, i);
		size_t n = s->len < len - (size_t)ret ? s->len : len - (size_t)ret;
		memcpy((char *)buf + ret, s->page + s->off, n);
		ret += (int64_t)n;
		if (s->flags & SLOT_PACKET)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void pipe_consume(struct vfs_file *f, size_t n)
{
	struct pipe *p = ((struct pipe_end *)f->sf)->p;
	pthread_mutex_lock(&p->lock);
	while (n && p->head != p->tail) {
		struct pipe_slot *s = slot_at(p, p->tail);
		size_t k = s->len < n ? s->len : n;
		s->off += (uint32_t)k;
		s->len -= (uint32_t)k;
		n -= k;
		if ((s->flags & SLOT_PACKET) && k)
			s->len = 0;
		if (!s->len) {
			page_put(p, s->page);
			p->tail++;
		}
	}
	pthread_mutex_unlock(&p->lock);
	kwait_wq_notify(p->wq, PIPE_EV_ROOM);
}

/* The file slots, for the core's own callers: Sentry buffers, the task from the slot or the
 * calling thread's (none: the end behaves as O_NONBLOCK rather than block where no signal
 * could end the wait). */
static int64_t pipe_file_io(struct sentry_file *file, struct sentry_task *task,
			    const struct sentry_iov *iov, size_t count, int64_t *off, int write)
{
	struct pipe_end *e = (struct pipe_end *)file;
	if (*off >= 0)
		return -ESPIPE;
	struct task *t = task ? (struct task *)task : task_current();
	struct ipc_io io;
	int rc = ipc_io_init_sentry(&io, iov, count);
	if (rc < 0)
		return rc;
	int64_t n = write ? pipe_write_io(e, t, &io, 0) : pipe_read_io(e, t, &io, 0);
	ipc_io_fini(&io);
	return n;
}

static int64_t pipe_read(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return pipe_file_io(file, task, iov, count, off, 0);
}

static int64_t pipe_write(struct sentry_file *file, struct sentry_task *task,
			  const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return pipe_file_io(file, task, iov, count, off, 1);
}

static int pipe_seek(struct sentry_file *file, int64_t *off, int whence)
{
	return -ESPIPE;
}

/* pipe_poll: data or no writer (HUP) for a reader, a free slot or no reader (ERR) for a
 * writer. IN comes with POLLRDNORM and OUT with POLLWRNORM, as Linux reports them. */
static uint32_t pipe_readiness(struct sentry_file *file, uint32_t mask)
{
	struct pipe_end *e = (struct pipe_end *)file;
	struct pipe *p = e->p;
	uint32_t r = 0;
	pthread_mutex_lock(&p->lock);
	if (e->mode & END_READ) {
		if (p->head != p->tail)
			r |= PIPE_EV_DATA;
		if (!p->writers)
			r |= SENTRY_EV_HUP;
	}
	if (e->mode & END_WRITE) {
		if (!pipe_full(p))
			r |= PIPE_EV_ROOM;
		if (!p->readers)
			r |= SENTRY_EV_ERR;
	}
	pthread_mutex_unlock(&p->lock);
	return r & mask;
}

static struct sentry_waitq *pipe_waitq(struct sentry_file *file)
{
	return ((struct pipe_end *)file)->p->wq;
}

/* FIONREAD: the bytes held (pipe_ioctl). Any other request: -ENOTTY. */
static int64_t pipe_ioctl(struct sentry_file *file, struct sentry_task *task, uint32_t cmd,
			  uint64_t arg)
{
	struct pipe *p = ((struct pipe_end *)file)->p;
	struct task *t = (struct task *)task;
	if (cmd != FIONREAD || !t)
		return -ENOTTY;
	uint32_t n = 0;
	pthread_mutex_lock(&p->lock);
	for (uint32_t i = p->tail; i != p->head; i++)
		n += slot_at(p, i)->len;
	pthread_mutex_unlock(&p->lock);
	int v = (int)n;
	return mm_copy_out(t->mm, arg, &v, sizeof(v));
}

static void pipe_release(struct sentry_file *file)
{
	struct pipe_end *e = (struct pipe_end *)file;
	struct pipe *p = e->p;
	pthread_mutex_lock(&p->lock);
	if (e->mode & END_READ)
		p->readers--;
	if (e->mode & END_WRITE)
		p->writers--;
	int last = !p->readers && !p->writers;
	/* Under the lock: once it is dropped the other end may go and free the pipe. With no end
	 * left nobody waits: waiters and pollers hold a reference on an end. */
	if (!last)
		kwait_wq_notify(p->wq, PIPE_EV_ALL);
	pthread_mutex_unlock(&p->lock);
	free(e);
	if (last)
		pipe_free(p);
}

static const struct sentry_file_ops g_pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.seek = pipe_seek,
	.readiness = pipe_readiness,
	.waitq = pipe_waitq,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

static struct pipe_end *end_new(struct pipe *p, uint32_t mode)
{
	struct pipe_end *e = calloc(1, sizeof(*e));
	if (e) {
		e->base.ops = &g_pipe_ops;
		e->base.ops_size = sizeof(g_pipe_ops);
		e->p = p;
		e->mode = mode;
	}
	return e;
}

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->wq = kwait_wq_new();
	p->slots = calloc(PIPE_DEFAULT_SLOTS, sizeof(*p->slots));
	if (!p->wq || !p->slots) {
		kwait_wq_free(p->wq);
		free(p->slots);
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->nslots = PIPE_DEFAULT_SLOTS;
	p->readers = 1;
	p->writers = 1;
	return p;
}

/* open(2) of /proc/PID/fd/N naming an end: a new end of the same pipe for the access mode
 * asked, whichever end @f is (fifo_open on the pipe's inode; no wait for a partner, as for any
 * pipe that is not a named FIFO). */
static int pipe_reopen(struct vfs_file *f, uint32_t flags, struct sentry_file **ret_sf)
{
	if (!pipe_is_end(f))
		return -ENXIO;	/* an O_PATH descriptor of the pipe: no end to find it by */
	struct pipe *p = ((struct pipe_end *)f->sf)->p;
	uint32_t acc = flags & O_ACCMODE;
	uint32_t mode = acc == O_RDONLY ? END_READ : acc == O_WRONLY ? END_WRITE
				     : END_READ | END_WRITE;
	struct pipe_end *e = end_new(p, mode);
	if (!e)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	if (mode & END_READ)
		p->readers++;
	if (mode & END_WRITE)
		p->writers++;
	pthread_mutex_unlock(&p->lock);
	/* A reader's HUP or a writer's ERR may have ended. */
	kwait_wq_notify(p->wq, PIPE_EV_ALL);
	*ret_sf = &e->base;
	return 0;
}

static const struct vfs_anon_ops g_pipe_anon_ops = { .reopen = pipe_reopen };

int pipe_new(uint32_t flags, const struct sentry_creds *creds, struct vfs_file **ret_read,
	     struct vfs_file **ret_write)
{
	struct pipe *p = pipe_alloc();
	struct pipe_end *r = p ? end_new(p, END_READ) : NULL;
	struct pipe_end *w = r ? end_new(p, END_WRITE) : NULL;
	if (!w) {
		free(r);
		if (p)
			pipe_free(p);
		return -ENOMEM;
	}
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct sentry_timespec ts = { now.tv_sec, now.tv_nsec };
	struct sentry_statx st = {
		.mask = SENTRY_STATX_BASIC_STATS & ~SENTRY_STATX_INO & ~SENTRY_STATX_NLINK,
		.mode = S_IFIFO | 0600,
		.uid = creds->fsuid,
		.gid = creds->fsgid,
		.blksize = PIPE_PAGE,
		.atime = ts,
		.mtime = ts,
		.ctime = ts,
	};
	/* From here each end's release, on failure too, closes that end of the pipe. */
	struct vfs_file *rf, *wf;
	int rc = vfs_anon_file(&r->base, &st, O_RDONLY | (flags & O_NONBLOCK), &rf);
	if (rc < 0) {
		pipe_release(&w->base);
		return rc;
	}
	rc = vfs_anon_file_share(rf, &w->base, O_WRONLY | (flags & (O_NONBLOCK | O_DIRECT)), &wf);
	if (rc < 0) {
		vfs_file_put(rf);
		return rc;
	}
	rf->stream = 1;
	wf->stream = 1;
	vfs_anon_set_ops(rf, &g_pipe_anon_ops);	/* both ends: they share the inode */
	*ret_read = rf;
	*ret_write = wf;
	return 0;
}

/* round_pipe_size: a power-of-two number of pages, one at least; 0 above 2^31 bytes. */
static uint64_t pipe_round_size(uint32_t size)
{
	if (size > (1u << 31))
		return 0;
	uint64_t r = PIPE_PAGE;
	while (r < size)
		r <<= 1;
	return r;
}

/* pipe_resize_ring: moves the slots in use to the front of a ring of @n. Called with the lock
 * held. Returns 0, -EBUSY, -ENOMEM. */
static int pipe_resize(struct pipe *p, uint32_t n)
{
	uint32_t used = p->head - p->tail;
	if (n < used)
		return -EBUSY;
	struct pipe_slot *s = calloc(n, sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (uint32_t i = 0; i < used; i++)
		s[i] = *slot_at(p, p->tail + i);
	free(p->slots);
	p->slots = s;
	p->nslots = n;
	p->tail = 0;
	p->head = used;
	/* Pages cached beyond the new capacity would never be used. */
	uint32_t cached = 0;
	for (void *pg = p->cache; pg; memcpy(&pg, pg, sizeof(pg)))
		cached++;
	for (; cached > n - used; cached--)
		free(page_get(p));
	return 0;
}

int64_t pipe_fcntl(struct vfs_file *f, int cmd, uint64_t arg, const struct sentry_creds *creds)
{
	if (!pipe_is_end(f))
		return -EBADF;
	struct pipe *p = ((struct pipe_end *)f->sf)->p;
	if (cmd == F_GETPIPE_SZ) {
		pthread_mutex_lock(&p->lock);
		int64_t size = (int64_t)p->nslots * PIPE_PAGE;
		pthread_mutex_unlock(&p->lock);
		return size;
	}
	if (cmd != F_SETPIPE_SZ)
		return -EINVAL;
	uint64_t size = pipe_round_size((uint32_t)arg);
	if (!size)
		return -EINVAL;
	uint32_t n = (uint32_t)(size / PIPE_PAGE);
	int64_t rc;
	pthread_mutex_lock(&p->lock);
	int privileged = (creds->cap_effective >> PIPE_CAP_SYS_RESOURCE) & 1;
	int grows = n > p->nslots;
	if (grows && size > PIPE_MAX_SIZE && !privileged)
		rc = -EPERM;
	else
		rc = pipe_resize(p, n);
	pthread_mutex_unlock(&p->lock);
	if (rc < 0)
		return rc;
	if (grows)
		kwait_wq_notify(p->wq, PIPE_EV_ROOM);
	return (int64_t)size;
}
