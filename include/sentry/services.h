/*
 * sentry/services.h: what the core offers plugins.
 *
 * A plugin never links core symbols (it is linked with -z defs, so a stray reference fails its
 * build). Everything it needs from the core arrives in this table, handed to its init with the
 * table's size. Slots are appended in later minors; a plugin tests a slot it did not know at its
 * own minor with SENTRY_OPS_HAS(svc, svc_size, slot).
 *
 * Unless a slot says otherwise: callable from any thread, pointers borrowed for the call,
 * returns 0 or -errno. A core built without a subsystem leaves that subsystem's slots NULL (the
 * memory file and waiter queues arrive with the Sentry kernel), so a plugin tests optional use
 * with SENTRY_OPS_HAS too.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sentry/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Log levels, most severe first. The core drops messages above its configured level. */
enum sentry_log_level {
	SENTRY_LOG_ERR = 3,
	SENTRY_LOG_WARN = 4,
	SENTRY_LOG_INFO = 6,
	SENTRY_LOG_DEBUG = 7,
};

/* Clocks for now_ns and wait deadlines. */
enum sentry_clock {
	SENTRY_CLOCK_REALTIME = 0,	/* sandbox wall clock */
	SENTRY_CLOCK_MONOTONIC = 1,	/* sandbox monotonic clock */
};

/* Readiness events, same values as poll(2)/epoll(7) so the core passes them through. */
#define SENTRY_EV_IN	0x001u
#define SENTRY_EV_PRI	0x002u
#define SENTRY_EV_OUT	0x004u
#define SENTRY_EV_ERR	0x008u
#define SENTRY_EV_HUP	0x010u
#define SENTRY_EV_RDHUP 0x2000u

/* A waiter queue: the list of waiters interested in an object's readiness (poll, epoll, a task
 * blocked in read). Core-owned and opaque; a plugin makes one per waitable object. */
struct sentry_waitq;

/* The task on whose behalf a call runs. Opaque; passed to copy_in/copy_out and block. */
struct sentry_task;

/* Resolving path state, see sentry/fs.h. */
struct sentry_rp;
struct sentry_rp_ops;

/* A timer created by timer_new. Opaque. */
struct sentry_timer;

/* Called by a timer when it fires, on a core thread, with no core lock held. */
typedef void (*sentry_timer_fn)(void *arg);

struct sentry_services {
	/* sizeof(struct sentry_services) of the core; same value as the svc_size init argument. */
	size_t size;
	/* ABI version of the core. */
	uint16_t abi_major;
	uint16_t abi_minor;

	/* Name of the plugin this copy of the table was made for: each plugin gets its own copy, so
	 * the core knows who logs. */
	const char *plugin_name;
	/* Logs one line (no trailing newline) at @level (enum sentry_log_level), prefixed with
	 * svc->plugin_name. Pass the table the plugin received as @svc. */
	void (*log)(const struct sentry_services *svc, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	/* The memory file: one memfd holding all application memory, mapped into the Sentry.
	 * Files whose pages must be mmappable by the application (memfs) keep their data here. */
	/* Allocates @len bytes (a multiple of 4096) of zeroed pages. *ret_off is their offset in the
	 * memory file. Returns 0, -EINVAL (len), -ENOMEM. */
	int (*mf_alloc)(uint64_t len, uint64_t *ret_off);
	/* Returns pages [off, off+len) from mf_alloc to the core. Their contents are lost to the
	 * plugin. Pages an application still maps (a memfs file truncated under its mmap) are kept
	 * by the core until those mappings drop them, which they do before the application runs
	 * on: its next access faults anew through translate (past the end: SIGBUS, as Linux). */
	void (*mf_free)(uint64_t off, uint64_t len);
	/* The Sentry's address of memory file offset @off, valid until the pages are freed. */
	void *(*mf_ptr)(uint64_t off);
	/* The memory file's descriptor, for platforms that map it into address spaces. */
	int (*mf_fd)(void);

	/* Copies between the application memory of @task and the Sentry. Return 0 or -EFAULT. */
	int (*copy_in)(struct sentry_task *task, uint64_t addr, void *dst, size_t len);
	int (*copy_out)(struct sentry_task *task, uint64_t addr, const void *src, size_t len);

	/* Waiter queues. wq_new returns NULL when out of memory. wq_free takes a queue with no
	 * waiters left (the core guarantees that by releasing the object's file first). */
	struct sentry_waitq *(*wq_new)(void);
	void (*wq_free)(struct sentry_waitq *wq);
	/* Wakes the waiters of @wq interested in any of @events (SENTRY_EV_*). */
	void (*wq_notify)(struct sentry_waitq *wq, uint32_t events);
	/* Blocks the calling task until @wq is notified with one of @events, the absolute
	 * @deadline_ns on @clock passes (-1: none), or a signal arrives. The caller rechecks its
	 * condition after a 0 return (wakeups may be spurious). Returns 0, -ETIMEDOUT, or -EINTR
	 * (the core turns it into -ERESTARTSYS or -EINTR per the signal's SA_RESTART). */
	int (*block)(struct sentry_task *task, struct sentry_waitq *wq, uint32_t events, int clock,
		     int64_t deadline_ns);

	/* Current time on @clock (enum sentry_clock) in nanoseconds. */
	int64_t (*now_ns)(int clock);

	/* One-shot timers, for protocol timeouts (TCP retransmission). timer_new returns NULL on
	 * ENOMEM. timer_arm replaces an armed deadline; deadline_ns is absolute on MONOTONIC.
	 * timer_cancel returns once the callback is not running. timer_free cancels first. */
	struct sentry_timer *(*timer_new)(sentry_timer_fn fn, void *arg);
	void (*timer_arm)(struct sentry_timer *t, int64_t deadline_ns);
	void (*timer_cancel)(struct sentry_timer *t);
	void (*timer_free)(struct sentry_timer *t);

	/* Resolving path operations, see sentry/fs.h. */
	const struct sentry_rp_ops *rp;

	/* Linux's generic_permission(): may @creds access a file of @mode/@uid/@gid for @may
	 * (SENTRY_MAY_* bits from sentry/fs.h)? Honors CAP_DAC_OVERRIDE and
	 * CAP_DAC_READ_SEARCH. Returns 0 or -EACCES. */
	int (*may_access)(const struct sentry_creds *creds, uint32_t mode, uint32_t uid,
			  uint32_t gid, uint32_t may);

	/* Since ABI minor 1 (check with SENTRY_OPS_HAS(svc, svc->size, block_seq)). As block, but
	 * it sleeps only while the counter at @seq still holds @seen, read once the caller is
	 * registered on @wq: a notifier that bumps the counter before wq_notify is never missed,
	 * which block alone cannot promise (it registers after the caller's check, so the core
	 * bounds a lost wakeup by waking every 5 ms). Returns 0 (recheck), -ETIMEDOUT, -EINTR. */
	int (*block_seq)(struct sentry_task *task, struct sentry_waitq *wq, uint32_t events,
			 const uint32_t *seq, uint32_t seen, int clock, int64_t deadline_ns);
};

#ifdef __cplusplus
}
#endif
