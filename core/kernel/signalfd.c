/*
 * core/kernel/signalfd.c: signalfds (see signalfd.h).
 *
 * The descriptor belongs to whichever thread reads or polls it, as on Linux: it holds only a
 * mask and a reference on the process it was made in, whose signal queue (tgroup.sig_wq,
 * notified at every send) is its readiness queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/interrupt.h"
#include "kernel/signalfd.h"
#include "kernel/thread.h"
#include "kernel/wait.h"
#include "vfs/vfs.h"

struct sigfd {
	struct sentry_file base;
	uint64_t mask;			/* atomic: signalfd(2) on the fd replaces it */
	struct tgroup *tg;		/* one reference */
};

/* struct signalfd_siginfo, 128 bytes. */
struct k_sfd_info {
	uint32_t signo;
	int32_t errno_;
	int32_t code;
	uint32_t pid, uid;
	int32_t fd;
	uint32_t tid, band, overrun, trapno;
	int32_t status, int_;
	uint64_t ptr, utime, stime, addr;
	uint16_t addr_lsb;
	char pad[46];
};
_Static_assert(sizeof(struct k_sfd_info) == 128, "signalfd_siginfo layout");

static const struct sentry_file_ops g_sigfd_ops;

static uint64_t pending_of(struct task *t)
{
	return t->sigpending | __atomic_load_n(&t->sig_incoming, __ATOMIC_ACQUIRE) |
	       __atomic_load_n(&t->tg->shared_pending, __ATOMIC_ACQUIRE);
}

/* signalfd_poll: for the polling thread. */
static uint32_t sigfd_readiness(struct sentry_file *file, uint32_t mask)
{
	struct sigfd *s = (struct sigfd *)file;
	struct task *t = task_current();
	if (!t)
		return 0;
	uint64_t want = __atomic_load_n(&s->mask, __ATOMIC_RELAXED);
	return (pending_of(t) & want) ? SENTRY_EV_IN & mask : 0;
}

static struct sentry_waitq *sigfd_waitq(struct sentry_file *file)
{
	return ((struct sigfd *)file)->tg->sig_wq;
}

static void fill(const struct task_siginfo *si, int sig, struct k_sfd_info *o)
{
	memset(o, 0, sizeof(*o));
	o->signo = (uint32_t)sig;
	o->code = si->code;
	o->pid = (uint32_t)si->pid;
	o->uid = si->uid;
	o->status = si->status;
	o->addr = si->addr;
	/* si_value of a queued signal, a timer's or a message queue's (signalfd_copyinfo's
	 * ssi_ptr and ssi_int); zero for the rest. */
	o->ptr = si->value;
	o->int_ = (int32_t)si->value;
	if (si->code == SI_TIMER) {
		o->tid = (uint32_t)si->timer_id;
		o->overrun = (uint32_t)si->overrun;
	}
}

/* Reads whole signalfd_siginfo records, one per pending signal of the mask; waits for the
 * first unless O_NONBLOCK. */
static int64_t sigfd_read(struct sentry_file *file, struct sentry_task *task,
			  const struct sentry_iov *iov, size_t count, int64_t *off)
{
	struct sigfd *s = (struct sigfd *)file;
	struct task *t = task ? (struct task *)task : task_current();
	if (!t)
		return -EAGAIN;
	size_t room = 0;
	for (size_t i = 0; i < count; i++)
		room += iov[i].len;
	if (room < sizeof(struct k_sfd_info))
		return -EINVAL;
	int64_t done = 0;
	size_t seg = 0, seg_off = 0;
	while (room - (size_t)done >= sizeof(struct k_sfd_info)) {
		struct task_siginfo si;
		int sig = task_dequeue_signal(t, __atomic_load_n(&s->mask, __ATOMIC_RELAXED), &si);
		if (!sig) {
			if (done)
				break;
			if (s->base.flags & O_NONBLOCK)
				return -EAGAIN;
			struct kwait_reg r;
			kwait_prepare(t, s->tg->sig_wq, SENTRY_EV_IN, &r);
			int rc = 0;
			while (!(pending_of(t) & __atomic_load_n(&s->mask, __ATOMIC_RELAXED)) &&
			       (rc = kwait_sleep(&r, SENTRY_CLOCK_MONOTONIC, -1)) == 0)
				;
			kwait_finish(&r);
			if (rc == -EINTR && task_wait_interrupted(t))
				return -EINTR;
			continue;
		}
		struct k_sfd_info rec;
		fill(&si, sig, &rec);
		/* Scatter the record over the segments. */
		const char *p = (const char *)&rec;
		for (size_t left = sizeof(rec); left;) {
			size_t n = iov[seg].len - seg_off;
			if (n > left)
				n = left;
			memcpy((char *)iov[seg].base + seg_off, p, n);
			p += n;
			left -= n;
			seg_off += n;
			if (seg_off == iov[seg].len) {
				seg++;
				seg_off = 0;
			}
		}
		done += sizeof(rec);
	}
	return done;
}

static void sigfd_release(struct sentry_file *file)
{
	struct sigfd *s = (struct sigfd *)file;
	tgroup_put(s->tg);
	free(s);
}

static const struct sentry_file_ops g_sigfd_ops = {
	.read = sigfd_read,
	.readiness = sigfd_readiness,
	.waitq = sigfd_waitq,
	.release = sigfd_release,
};

int signalfd_new(struct task *t, uint64_t mask, uint32_t flags, struct vfs_file **ret_file)
{
	struct sigfd *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->base.ops = &g_sigfd_ops;
	s->base.ops_size = sizeof(g_sigfd_ops);
	s->mask = mask;
	tgroup_ref(t->tg);
	s->tg = t->tg;
	return vfs_anon_inode_file(&s->base, O_RDWR | (flags & O_NONBLOCK), 1, ret_file);
}

int signalfd_set_mask(struct vfs_file *f, uint64_t mask)
{
	if (!f->sf || f->sf->ops != &g_sigfd_ops)
		return -EINVAL;
	__atomic_store_n(&((struct sigfd *)f->sf)->mask, mask, __ATOMIC_RELAXED);
	return 0;
}
