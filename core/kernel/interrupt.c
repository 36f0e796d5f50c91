/*
 * core/kernel/interrupt.c: signals that end waits (see interrupt.h).
 */
#define _GNU_SOURCE
#include <signal.h>

#include "kernel/interrupt.h"
#include "kernel/task.h"

int task_signal_pending(struct task *t)
{
	task_take_signals(t);
	for (uint64_t s = t->sigpending & ~t->sigmask; s; s &= s - 1) {
		int sig = __builtin_ctzll(s) + 1;
		if (task_handler_ignores(t->tg->sigactions[sig - 1].handler, sig))
			continue;
		return 1;
	}
	return 0;
}

int task_wait_interrupted(struct task *t)
{
	if (task_signal_pending(t))
		return 1;
	/* Nothing to act on: clear, unless a sender raced in (its signal is taken next time). */
	struct kwait *w = &t->wait;
	pthread_mutex_lock(&w->lock);
	int incoming = t->sig_incoming != 0;
	if (!incoming)
		kwait_clear_interrupt_locked(w);
	pthread_mutex_unlock(&w->lock);
	return incoming ? task_signal_pending(t) : 0;
}
