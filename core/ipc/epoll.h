/*
 * core/ipc/epoll.h: epoll instances (fs/eventpoll.c's semantics, epoll(7)).
 *
 * An epoll instance is an open file description on the core's anonymous filesystem holding an
 * interest list: one item per (open file description, descriptor number) added with
 * EPOLL_CTL_ADD. An item is registered on its file's waiter queue with a wake function, so a
 * notify puts it on the instance's ready list whether or not anyone is in epoll_wait; epoll_wait
 * takes the ready list, asks each file its readiness again, and reports what it has, keeping
 * level-triggered items on the list, dropping edge-triggered ones until their next notify, and
 * disarming EPOLLONESHOT ones until EPOLL_CTL_MOD. Readiness comes from the files' own
 * readiness slots and queues (what poll(2) uses); a file without a readiness slot cannot be
 * watched (EPERM, as Linux refuses a file without poll). An epoll instance is itself pollable,
 * so instances nest, at most five deep and never in a cycle (ELOOP).
 *
 * An item does not hold its file: it goes when the file's last reference does (vfs_file_put
 * calls eventpoll_file_closing), not when one descriptor of it is closed, and it goes with its
 * instance. EPOLLEXCLUSIVE is accepted under Linux's rules and wakes every
 * waiter (Linux wakes at least one). Linux's limits on wakeup paths (reverse_path_check) and
 * fs.epoll.max_user_watches are not enforced.
 *
 * Locks, in order: the global interest lock (every interest list and every file's list of
 * items: ctl, closing and freeing), then an instance's mutex (its list and its scans; nested
 * instances' mutexes outer first), then the watched file's own locks and its waiter queue,
 * then the instance's ready-list lock (taken by wake functions under the file's queue lock),
 * then the instance's own queue. No instance lock is held while a file reference is dropped.
 */
#pragma once

#include <stdint.h>

struct task;
struct vfs_file;

/* struct epoll_event as x86-64 lays it out (packed: 12 bytes). */
struct eventpoll_event {
	uint32_t events;	/* EPOLL* bits */
	uint64_t data;		/* returned as given */
} __attribute__((packed));

/* The most events one epoll_wait(2) may ask for: EP_MAX_EVENTS (INT_MAX / 12). */
#define EVENTPOLL_MAX_EVENTS (0x7fffffff / (int)sizeof(struct eventpoll_event))

/* A new, empty epoll instance, as *ret_file with one reference the caller owns (flags O_RDWR;
 * O_CLOEXEC is the descriptor's business). Returns 0 or -ENOMEM. */
int eventpoll_new(struct vfs_file **ret_file);

/* Whether @f (borrowed) is an epoll instance. */
int eventpoll_is(const struct vfs_file *f);

/* epoll_ctl(2) on @ep for @target at descriptor @fd, both files borrowed and already looked up
 * (the caller gave -EFAULT and -EBADF first). @op is EPOLL_CTL_ADD, EPOLL_CTL_MOD or
 * EPOLL_CTL_DEL; @ev (unused by DEL) is the event copied in. Checks in Linux's order: -EPERM
 * (@target has no readiness), -EINVAL (@ep is not an epoll instance or is @target;
 * EPOLLEXCLUSIVE with MOD, on an epoll target, with bits other than IN, OUT, ERR, HUP, ET and
 * WAKEUP; MOD of an exclusive item; an unknown @op), -ELOOP (a cycle, or a chain of more than
 * five instances), -EEXIST (ADD of a present item), -ENOENT (MOD or DEL of an absent one),
 * -ENOMEM. Returns 0 or one of those. */
int eventpoll_ctl(struct vfs_file *ep, int op, struct vfs_file *target, int fd,
		  const struct eventpoll_event *ev);

/* epoll_wait(2) on @ep (an epoll instance, borrowed) for @t: copies up to @maxevents (1 to
 * EVENTPOLL_MAX_EVENTS) ready events to application address @events_addr, waiting until one is
 * ready, @deadline_ns passes (absolute CLOCK_MONOTONIC; 0: do not wait; -1: no deadline) or a
 * signal to act on arrives. Returns the number of events, 0 at the deadline, -EINTR, or -EFAULT
 * (the first event could not be copied; it stays ready). */
int64_t eventpoll_wait(struct task *t, struct vfs_file *ep, uint64_t events_addr, int maxevents,
		       int64_t deadline_ns);

/* Called by vfs_file_put (installed with vfs_set_epoll_closing) as the last reference of @f
 * goes, before its file is released: drops every epoll item watching @f, waiting for scans in
 * progress to finish. */
void eventpoll_file_closing(struct vfs_file *f);
