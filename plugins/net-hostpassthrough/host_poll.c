/*
 * plugins/net-hostpassthrough/host_poll.c: readiness of every host socket through one epoll
 * instance and one poller thread.
 *
 * Sockets are registered edge-triggered at creation; each event bumps the socket's seq (so a
 * blocking call that raced with it retries instead of sleeping) and notifies its waiter queue.
 *
 * Release against an event in flight: epoll_wait may hand the poller a pointer to a socket that
 * is released before the poller looks at it. Release therefore only marks the socket dead
 * (under st->lock, which the poller holds while dispatching a batch) and parks its memory on
 * the grave list; the poller frees the grave before its next epoll_wait, when no fetched
 * event can name those sockets any more (they left the epoll set before that wait began).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host.h"

#define HN_BATCH 64

static void sweep(struct hn_state *st)
{
	pthread_mutex_lock(&st->lock);
	struct hn_sock *g = st->grave;
	st->grave = NULL;
	pthread_mutex_unlock(&st->lock);
	while (g) {
		struct hn_sock *next = g->next_grave;
		free(g);
		g = next;
	}
}

static uint32_t to_sentry(uint32_t ev)
{
	uint32_t r = 0;
	if (ev & EPOLLIN)
		r |= SENTRY_EV_IN;
	if (ev & EPOLLPRI)
		r |= SENTRY_EV_PRI;
	if (ev & EPOLLOUT)
		r |= SENTRY_EV_OUT;
	if (ev & EPOLLERR)
		r |= SENTRY_EV_ERR;
	if (ev & EPOLLHUP)
		r |= SENTRY_EV_HUP;
	if (ev & EPOLLRDHUP)
		r |= SENTRY_EV_RDHUP;
	return r;
}

static void *poller(void *arg)
{
	struct hn_state *st = arg;
	struct epoll_event evs[HN_BATCH];
	while (!atomic_load(&st->stop)) {
		sweep(st);
		int n = epoll_wait(st->epfd, evs, HN_BATCH, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			st->svc->log(st->svc, SENTRY_LOG_ERR, "epoll_wait: errno %d; poller stops",
				     errno);
			break;
		}
		pthread_mutex_lock(&st->lock);
		for (int i = 0; i < n; i++) {
			struct hn_sock *s = evs[i].data.ptr;
			if (!s) {
				eventfd_t v;
				(void)eventfd_read(st->efd, &v);
				continue;
			}
			if (s->dead)
				continue;
			__atomic_fetch_add(&s->seq, 1, __ATOMIC_RELEASE);
			st->svc->wq_notify(s->wq, to_sentry(evs[i].events));
		}
		pthread_mutex_unlock(&st->lock);
	}
	return NULL;
}

static void start(struct hn_state *st)
{
	st->epfd = epoll_create1(EPOLL_CLOEXEC);
	st->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (st->epfd < 0 || st->efd < 0) {
		st->poll_rc = -errno;
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (epoll_ctl(st->epfd, EPOLL_CTL_ADD, st->efd, &ev) < 0) {
		st->poll_rc = -errno;
		return;
	}
	int rc = pthread_create(&st->thread, NULL, poller, st);
	st->poll_rc = -rc;
	st->started = rc == 0;
}

/* pthread_once takes no argument; the plugin has one state per process in practice, but the
 * once control lives in the state, so this trampoline finds it through a thread-local. */
static _Thread_local struct hn_state *t_starting;

static void start_once(void)
{
	start(t_starting);
}

int hn_poll_add(struct hn_sock *s)
{
	struct hn_state *st = s->st;
	t_starting = st;
	pthread_once(&st->once, start_once);
	if (st->poll_rc < 0)
		return st->poll_rc;
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLPRI | EPOLLRDHUP | EPOLLET,
		.data.ptr = s,
	};
	return epoll_ctl(st->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0 ? -errno : 0;
}

void hn_poll_release(struct hn_sock *s)
{
	struct hn_state *st = s->st;
	int fd = s->fd;
	struct sentry_waitq *wq = s->wq;
	pthread_mutex_lock(&st->lock);
	if (st->epfd >= 0)
		(void)epoll_ctl(st->epfd, EPOLL_CTL_DEL, fd, NULL);
	s->dead = 1;
	s->fd = -1;
	s->wq = NULL;
	s->next_grave = st->grave;
	st->grave = s;
	pthread_mutex_unlock(&st->lock);
	/* @s is the poller's now: its next sweep may free it at any moment, even before the
	 * eventfd below (any other socket's event wakes it), so only the copies are used. The
	 * poller no longer touches the queue or the descriptor: @s is dead. */
	close(fd);
	if (wq)
		st->svc->wq_free(wq);
	if (st->efd >= 0)
		(void)eventfd_write(st->efd, 1);
}

void hn_poll_fini(struct hn_state *st)
{
	if (st->started) {
		atomic_store(&st->stop, 1);
		(void)eventfd_write(st->efd, 1);
		pthread_join(st->thread, NULL);
	}
	sweep(st);
	if (st->epfd >= 0)
		close(st->epfd);
	if (st->efd >= 0)
		close(st->efd);
}
