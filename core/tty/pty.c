/*
 * core/tty/pty.c: pty pairs and their open files (see tty.h): the table devpts lists, opening
 * ptmx, a slave or /dev/tty, reads and writes through the line discipline with Linux's waits,
 * readiness for poll and epoll, and the hangups when one end's last file closes.
 *
 * As on Linux: a master read with nothing queued fails with EIO once the slave was opened and
 * its last file closed (a reader drains what was written first); a slave whose master closed is
 * hung up (hung_up_tty_fops): reads give 0 (what was queued is lost), writes EIO, ioctls EIO,
 * poll says HUP. The master's close also sends
 * SIGHUP then SIGCONT to the foreground group of the session it controls, and the pty stops
 * being that session's controlling terminal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>

#include "kernel/interrupt.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "tty/tty_internal.h"
#include "vfs/vfs.h"

pthread_mutex_t g_pty_lock = PTHREAD_MUTEX_INITIALIZER;
struct pty *g_ptys[PTY_MAX];

struct pty_file {
	struct sentry_file base;
	struct pty *p;
	int master;
};

static const struct sentry_file_ops g_pty_ops;

static struct task *cur(struct sentry_task *task)
{
	return task ? (struct task *)task : task_current();
}

static struct sentry_timespec now_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (struct sentry_timespec){ .sec = ts.tv_sec, .nsec = ts.tv_nsec };
}

int pty_node(int index, struct pty_node_attr *ret)
{
	int rc = -ENOENT;
	pthread_mutex_lock(&g_pty_lock);
	struct pty *p = index >= 0 && index < PTY_MAX ? g_ptys[index] : NULL;
	if (p) {
		pthread_mutex_lock(&p->lock);
		if (p->masters) {
			*ret = p->node;
			rc = 0;
		}
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_unlock(&g_pty_lock);
	return rc;
}

int pty_node_setstat(int index, const struct sentry_setstat *ss)
{
	if (ss->mask & SENTRY_STATX_SIZE)
		return -EINVAL;		/* a device has no size to set */
	struct sentry_timespec now = now_real();
	int rc = -ENOENT;
	pthread_mutex_lock(&g_pty_lock);
	struct pty *p = index >= 0 && index < PTY_MAX ? g_ptys[index] : NULL;
	if (p) {
		pthread_mutex_lock(&p->lock);
		struct pty_node_attr *a = &p->node;
		if (p->masters) {
			if (ss->mask & SENTRY_STATX_MODE)
				a->mode = ss->mode & 07777;
			if (ss->mask & SENTRY_STATX_UID)
				a->uid = ss->uid;
			if (ss->mask & SENTRY_STATX_GID)
				a->gid = ss->gid;
			if ((ss->mask & SENTRY_STATX_ATIME) && ss->atime.nsec != SENTRY_UTIME_OMIT)
				a->atime = ss->atime.nsec == SENTRY_UTIME_NOW ? now : ss->atime;
			if ((ss->mask & SENTRY_STATX_MTIME) && ss->mtime.nsec != SENTRY_UTIME_OMIT)
				a->mtime = ss->mtime.nsec == SENTRY_UTIME_NOW ? now : ss->mtime;
			a->ctime = now;
			rc = 0;
		}
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_unlock(&g_pty_lock);
	return rc;
}

int pty_next(int from)
{
	int found = -1;
	pthread_mutex_lock(&g_pty_lock);
	for (int i = from < 0 ? 0 : from; i < PTY_MAX && found < 0; i++) {
		struct pty *p = g_ptys[i];
		if (!p)
			continue;
		pthread_mutex_lock(&p->lock);
		if (p->masters)
			found = i;
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_unlock(&g_pty_lock);
	return found;
}

static int file_new(struct pty *p, int master, uint32_t flags, struct sentry_file **ret_file)
{
	struct pty_file *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->base.ops = &g_pty_ops;
	f->base.ops_size = sizeof(g_pty_ops);
	f->base.flags = flags;
	f->p = p;
	f->master = master;
	*ret_file = &f->base;
	return 0;
}

/* /dev/ptmx: a new pair at the lowest free index, its slave locked until unlockpt. */
static int open_ptmx(struct task *t, uint32_t flags, struct sentry_file **ret_file)
{
	struct pty *p = calloc(1, sizeof(*p));
	struct sentry_waitq *wq = p ? kwait_wq_new() : NULL;
	if (!wq) {
		free(p);
		return -ENOMEM;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->wq = wq;
	p->masters = 1;
	p->locked = 1;
	p->node.uid = t ? t->fs->creds.fsuid : 0;
	p->node.gid = t ? t->fs->creds.fsgid : 0;
	p->node.mode = 0600;
	p->node.atime = p->node.mtime = p->node.ctime = now_real();
	p->k = t ? t->k : NULL;
	ldisc_init(&p->tio);
	struct sentry_file *sf = NULL;
	int rc = file_new(p, 1, flags, &sf);
	pthread_mutex_lock(&g_pty_lock);
	int i = 0;
	while (i < PTY_MAX && g_ptys[i])
		i++;
	if (rc == 0 && i == PTY_MAX)
		rc = -ENOSPC;
	if (rc == 0) {
		p->index = i;
		g_ptys[i] = p;
		*ret_file = sf;
	}
	pthread_mutex_unlock(&g_pty_lock);
	if (rc < 0) {
		free(sf);
		kwait_wq_free(wq);
		pthread_mutex_destroy(&p->lock);
		free(p);
	}
	return rc;
}

int pty_open_slave_file(struct pty *p, uint32_t flags, struct sentry_file **ret_file)
{
	int rc = file_new(p, 0, flags, ret_file);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&p->lock);
	p->slaves++;
	p->slave_opened = 1;
	pthread_mutex_unlock(&p->lock);
	kwait_wq_notify(p->wq, ~0u);
	return 0;
}

/* tty_reopen's check: a slave under TIOCEXCL opens again only for CAP_SYS_ADMIN. */
static int excl_check(struct pty *p, struct task *t)
{
	pthread_mutex_lock(&p->lock);
	int excl = p->excl[0];
	pthread_mutex_unlock(&p->lock);
	return excl && !(t && tty_capable_admin(t)) ? -EBUSY : 0;
}

/* /dev/pts/N: EIO while locked or once the master is gone (the node is going). */
static int open_slave(struct task *t, int index, uint32_t flags, struct sentry_file **ret_file)
{
	int rc = -EIO;
	pthread_mutex_lock(&g_pty_lock);
	struct pty *p = index < PTY_MAX ? g_ptys[index] : NULL;
	if (p) {
		pthread_mutex_lock(&p->lock);
		rc = !p->masters || p->locked ? -EIO : 0;
		pthread_mutex_unlock(&p->lock);
	}
	if (rc == 0)
		rc = excl_check(p, t);
	if (rc == 0)
		rc = pty_open_slave_file(p, flags, ret_file);
	pthread_mutex_unlock(&g_pty_lock);
	/* A write-only open never acquires (tty_open_proc_set_tty wants FMODE_READ): write access
	 * alone must not lead to /dev/tty's full access. */
	if (rc == 0 && t && !(flags & O_NOCTTY) && (flags & O_ACCMODE) != O_WRONLY)
		tty_maybe_acquire(p, t);
	return rc;
}

/* /dev/tty: a new file on the caller's controlling terminal's slave. */
static int open_ctty(struct task *t, uint32_t flags, struct sentry_file **ret_file)
{
	int rc = -ENXIO;
	pthread_mutex_lock(&g_pty_lock);
	struct pty *p = t ? tty_of_session_locked(task_sid(t)) : NULL;
	if (p)
		rc = excl_check(p, t);
	if (p && rc == 0)
		rc = pty_open_slave_file(p, flags, ret_file);
	pthread_mutex_unlock(&g_pty_lock);
	return rc;
}

int tty_is_dev(uint32_t major, uint32_t minor)
{
	if (major == TTY_MAJOR_TTYAUX)
		return minor == TTY_MINOR_TTY || minor == TTY_MINOR_PTMX;
	return major >= TTY_MAJOR_PTS && major < TTY_MAJOR_PTS + TTY_MAJOR_PTS_COUNT;
}

int tty_open_chr(uint32_t major, uint32_t minor, uint32_t flags, struct sentry_file **ret_file)
{
	struct task *t = task_current();
	if (major == TTY_MAJOR_TTYAUX && minor == TTY_MINOR_PTMX)
		return open_ptmx(t, flags, ret_file);
	if (major == TTY_MAJOR_TTYAUX && minor == TTY_MINOR_TTY)
		return open_ctty(t, flags, ret_file);
	if (tty_is_dev(major, minor))
		return open_slave(t, (int)((major - TTY_MAJOR_PTS) * 256 + minor), flags, ret_file);
	return -ENXIO;
}

/* --- waits --- */

/* Sleeps until the pty changes, with p->lock held on entry and return, or until
 * @deadline (MONOTONIC ns, -1: none). Returns 0 (recheck), -ETIMEDOUT, -EINTR, -EAGAIN (no task). */
static int pty_wait(struct pty *p, struct task *t, uint32_t events, int64_t deadline)
{
	if (!t)
		return -EAGAIN;
	struct kwait_reg r;
	kwait_prepare(t, p->wq, events, &r);
	pthread_mutex_unlock(&p->lock);
	int rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, deadline);
	kwait_finish(&r);
	pthread_mutex_lock(&p->lock);
	if (rc == -EINTR)
		return task_wait_interrupted(t) ? -EINTR : 0;
	return rc;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t iov_total(const struct sentry_iov *iov, size_t count)
{
	int64_t n = 0;
	for (size_t i = 0; i < count; i++)
		n += (int64_t)iov[i].len;
	return n;
}

/* Copies @n bytes of @src into @iov from byte @at. */
static void iov_put(const struct sentry_iov *iov, size_t count, size_t at, const void *src,
		    size_t n)
{
	for (size_t i = 0; i < count && n; i++) {
		if (at >= iov[i].len) {
			at -= iov[i].len;
			continue;
		}
		size_t k = iov[i].len - at < n ? iov[i].len - at : n;
		memcpy((char *)iov[i].base + at, src, k);
		src = (const char *)src + k;
		n -= k;
		at = 0;
	}
}

/* The byte at @at of @iov. */
static unsigned char iov_byte(const struct sentry_iov *iov, size_t count, size_t at)
{
	for (size_t i = 0; i < count; i++) {
		if (at < iov[i].len)
			return ((const unsigned char *)iov[i].base)[at];
		at -= iov[i].len;
	}
	return 0;
}

/* The raw-mode wait of n_tty_read: how many bytes satisfy the read and until when to wait
 * (VMIN, VTIME in tenths of a second). */
static void raw_goal(const struct pty *p, size_t len, size_t *ret_min, int64_t *ret_timeout)
{
	size_t min = p->tio.cc[VMIN];
	int64_t time = (int64_t)p->tio.cc[VTIME] * 100000000;
	*ret_min = min < len ? min : len;
	*ret_timeout = time ? time : -1;
	if (!min && !time)
		*ret_timeout = 0;
}

static int64_t slave_read(struct pty *p, struct task *t, uint32_t fflags,
			  const struct sentry_iov *iov, size_t count)
{
	size_t len = (size_t)iov_total(iov, count);
	unsigned char buf[TTY_INQ];
	if (len > sizeof(buf))
		len = sizeof(buf);
	/* A hung-up file reads end of file, before any job control (hung_up_tty_read). */
	pthread_mutex_lock(&p->lock);
	int hung = !p->masters;
	pthread_mutex_unlock(&p->lock);
	if (hung)
		return 0;
	int rc = tty_check_job(p, t, 0);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&p->lock);
	size_t n = 0, min = 1;
	int64_t timeout = -1, deadline = -1;
	int canon = (p->tio.lflag & ICANON) != 0;
	if (!canon) {
		raw_goal(p, len, &min, &timeout);
		/* VMIN 0 with VTIME: the time runs from the read; VMIN > 0: between bytes. */
		if (timeout > 0 && !p->tio.cc[VMIN])
			deadline = now_ns() + timeout;
	}
	for (;;) {
		/* Hung up while we slept: Linux's reader ends with 0 or EIO, never the queue. */
		if (!p->masters)
			break;
		size_t avail = ldisc_readable(p);
		if (canon && avail) {
			n = ldisc_read(p, buf, len);
			break;
		}
		if (!canon && (avail >= min || (avail && len <= avail) ||
			       (avail && deadline >= 0 && now_ns() >= deadline))) {
			n = ldisc_read(p, buf, len);
			break;
		}
		if (!canon && timeout == 0)
			break;
		if (fflags & O_NONBLOCK) {
			if (avail) {
				n = ldisc_read(p, buf, len);
				break;
			}
			rc = -EAGAIN;
			break;
		}
		rc = pty_wait(p, t, SENTRY_EV_IN | SENTRY_EV_HUP, deadline);
		if (rc == -ETIMEDOUT) {
			rc = 0;
			n = ldisc_read(p, buf, len);
			break;
		}
		if (rc < 0)
			break;
		/* A byte arrived: with VMIN and VTIME, the inter-byte timer starts over. */
		if (!canon && timeout > 0 && p->tio.cc[VMIN] && ldisc_readable(p))
			deadline = now_ns() + timeout;
	}
	pthread_mutex_unlock(&p->lock);
	if (n) {
		iov_put(iov, count, 0, buf, n);
		kwait_wq_notify(p->wq, SENTRY_EV_OUT);
		return (int64_t)n;
	}
	return rc;
}

static int64_t master_read(struct pty *p, struct task *t, uint32_t fflags,
			   const struct sentry_iov *iov, size_t count)
{
	size_t len = (size_t)iov_total(iov, count);
	unsigned char buf[TTY_OUTQ + 1];
	if (len > sizeof(buf))
		len = sizeof(buf);
	if (!len)
		return 0;
	int rc = 0;
	size_t n = 0;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		/* A packet-mode status byte comes alone and before any data (n_tty_read). */
		if (p->packet && p->pktstatus) {
			buf[0] = p->pktstatus;
			p->pktstatus = 0;
			n = 1;
			break;
		}
		if (p->out_len) {
			size_t at = 0;
			if (p->packet)
				buf[at++] = 0;	/* TIOCPKT_DATA */
			while (at < len && p->out_len) {
				buf[at++] = p->out[p->out_head];
				p->out_head = (p->out_head + 1) % TTY_OUTQ;
				p->out_len--;
			}
			n = at;
			break;
		}
		if (p->slave_opened && !p->slaves) {
			rc = -EIO;
			break;
		}
		if (fflags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		if ((rc = pty_wait(p, t, SENTRY_EV_IN | SENTRY_EV_HUP, -1)) < 0)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	if (n) {
		iov_put(iov, count, 0, buf, n);
		kwait_wq_notify(p->wq, SENTRY_EV_OUT);
		return (int64_t)n;
	}
	return rc;
}

static int64_t pty_read(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t count, int64_t *off)
{
	struct pty_file *f = (struct pty_file *)file;
	return f->master ? master_read(f->p, cur(task), file->flags, iov, count)
			 : slave_read(f->p, cur(task), file->flags, iov, count);
}

/* The master's write: each byte through the input processing. Signals go to the foreground
 * group once the lock is dropped. */
static int64_t master_write(struct pty *p, struct task *t, uint32_t fflags,
			    const struct sentry_iov *iov, size_t count)
{
	size_t len = (size_t)iov_total(iov, count), done = 0;
	int rc = 0;
	int sigs[8], nsig = 0;
	pthread_mutex_lock(&p->lock);
	while (done < len) {
		int sig = 0;
		if (ldisc_receive(p, iov_byte(iov, count, done), &sig)) {
			done++;
			if (sig && nsig < 8)
				sigs[nsig++] = sig;
			continue;
		}
		if (done || nsig)
			break;
		if (fflags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		kwait_wq_notify(p->wq, SENTRY_EV_IN);
		if ((rc = pty_wait(p, t, SENTRY_EV_OUT | SENTRY_EV_HUP, -1)) < 0)
			break;
	}
	int pgrp = p->pgrp;
	struct kernel *k = p->k;
	pthread_mutex_unlock(&p->lock);
	kwait_wq_notify(p->wq, SENTRY_EV_IN);
	for (int i = 0; i < nsig && k && pgrp; i++)
		(void)kernel_signal_pgrp(k, pgrp, sigs[i]);
	return done ? (int64_t)done : rc;
}

static int64_t slave_write(struct pty *p, struct task *t, uint32_t fflags,
			   const struct sentry_iov *iov, size_t count)
{
	int rc = tty_check_job(p, t, 1);
	if (rc < 0)
		return rc;
	size_t len = (size_t)iov_total(iov, count), done = 0;
	pthread_mutex_lock(&p->lock);
	while (done < len) {
		if (!p->masters) {
			rc = -EIO;
			break;
		}
		if (ldisc_output(p, iov_byte(iov, count, done))) {
			done++;
			continue;
		}
		if (done)
			break;
		if (fflags & O_NONBLOCK) {
			rc = -EAGAIN;
			break;
		}
		if ((rc = pty_wait(p, t, SENTRY_EV_OUT | SENTRY_EV_HUP, -1)) < 0)
			break;
	}
	pthread_mutex_unlock(&p->lock);
	if (done)
		kwait_wq_notify(p->wq, SENTRY_EV_IN);
	return done ? (int64_t)done : rc;
}

static int64_t pty_write(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t count, int64_t *off)
{
	struct pty_file *f = (struct pty_file *)file;
	return f->master ? master_write(f->p, cur(task), file->flags, iov, count)
			 : slave_write(f->p, cur(task), file->flags, iov, count);
}

/* no_llseek. */
static int pty_seek(struct sentry_file *file, int64_t *off, int whence)
{
	return -ESPIPE;
}

/* n_tty_poll, on each end. */
static uint32_t pty_readiness(struct sentry_file *file, uint32_t mask)
{
	struct pty_file *f = (struct pty_file *)file;
	struct pty *p = f->p;
	uint32_t r = 0;
	pthread_mutex_lock(&p->lock);
	if (f->master) {
		if (p->out_len)
			r |= SENTRY_EV_IN;
		if (p->packet && p->pktstatus)
			r |= SENTRY_EV_IN | SENTRY_EV_PRI;
		if (p->slave_opened && !p->slaves)
			r |= SENTRY_EV_HUP;
		if (p->in_len < TTY_INQ)
			r |= SENTRY_EV_OUT;
	} else if (!p->masters) {
		r = SENTRY_EV_IN | SENTRY_EV_OUT | SENTRY_EV_ERR | SENTRY_EV_HUP;
	} else {
		if (ldisc_readable(p))
			r |= SENTRY_EV_IN;
		if (p->out_len < TTY_OUTQ)
			r |= SENTRY_EV_OUT;
	}
	pthread_mutex_unlock(&p->lock);
	return r & (mask | SENTRY_EV_HUP | SENTRY_EV_ERR);
}

static struct sentry_waitq *pty_waitq(struct sentry_file *file)
{
	return ((struct pty_file *)file)->p->wq;
}

static int64_t pty_file_ioctl(struct sentry_file *file, struct sentry_task *task, uint32_t cmd,
			      uint64_t arg)
{
	struct pty_file *f = (struct pty_file *)file;
	return tty_ioctl(f->p, f->master, cur(task), file->flags, cmd, arg);
}

/* The master's last close hangs the slave up: its session loses the terminal, and the
 * foreground group gets SIGHUP and SIGCONT (tty_vhangup). */
static void pty_release(struct sentry_file *file)
{
	struct pty_file *f = (struct pty_file *)file;
	struct pty *p = f->p;
	int pgrp = 0, gone, master = f->master;
	struct kernel *k;
	free(f);
	pthread_mutex_lock(&g_pty_lock);
	pthread_mutex_lock(&p->lock);
	if (master) {
		if (--p->masters == 0 && p->session) {
			pgrp = p->pgrp;
			p->session = p->pgrp = 0;
		}
	} else {
		p->slaves--;
	}
	k = p->k;
	gone = !p->masters && !p->slaves;
	if (gone)
		g_ptys[p->index] = NULL;
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_unlock(&g_pty_lock);
	if (gone) {
		kwait_wq_free(p->wq);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return;
	}
	/* The signals before the wakeup: a reader woken by the hangup returns to a SIGHUP
	 * already pending, so its handler has run when read(2) returns. */
	if (pgrp && k) {
		(void)kernel_signal_pgrp(k, pgrp, SIGHUP);
		(void)kernel_signal_pgrp(k, pgrp, SIGCONT);
	}
	kwait_wq_notify(p->wq, ~0u);
}

static const struct sentry_file_ops g_pty_ops = {
	.read = pty_read,
	.write = pty_write,
	.seek = pty_seek,
	.readiness = pty_readiness,
	.waitq = pty_waitq,
	.ioctl = pty_file_ioctl,
	.release = pty_release,
};

void tty_session_end(struct kernel *k, int sid)
{
	int pgrp = 0;
	pthread_mutex_lock(&g_pty_lock);
	struct pty *p = tty_of_session_locked(sid);
	if (p) {
		pthread_mutex_lock(&p->lock);
		pgrp = p->pgrp;
		p->session = p->pgrp = 0;
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_unlock(&g_pty_lock);
	/* SIGHUP alone: SIGCONT goes with a hangup or TIOCNOTTY, not with the leader's exit. */
	if (pgrp)
		(void)kernel_signal_pgrp(k, pgrp, SIGHUP);
}

uint32_t tty_session_dev(int sid, int *ret_tpgid)
{
	uint32_t dev = 0;
	*ret_tpgid = -1;
	pthread_mutex_lock(&g_pty_lock);
	struct pty *p = tty_of_session_locked(sid);
	if (p) {
		pthread_mutex_lock(&p->lock);
		uint32_t major = TTY_MAJOR_PTS + (uint32_t)p->index / 256;
		uint32_t minor = (uint32_t)p->index % 256;
		dev = (major << 8) | minor;
		*ret_tpgid = p->pgrp ? p->pgrp : -1;
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_unlock(&g_pty_lock);
	return dev;
}
