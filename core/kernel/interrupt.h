/*
 * core/kernel/interrupt.h: whether a blocking call should end for a signal.
 *
 * kwait_sleep returns -EINTR whenever the task's wait slot was interrupted, which
 * task_send_signal does for any signal not blocked, even one the task ignores. Linux never
 * makes an ignored signal pending (sig_ignored in kernel/signal.c), so its waits go on; these
 * helpers give the core's waits the same answer.
 */
#pragma once

struct task;

/* Whether @t (the calling task) has a pending, unblocked signal whose action is not to ignore
 * it: a handler, or a default action other than ignoring. Takes signals sent by others first
 * (task_take_signals). */
int task_signal_pending(struct task *t);

/* After a wait of @t (the calling task) ended with -EINTR: 1 when a signal to act on is pending
 * (give -EINTR), else 0 with the interrupt cleared so the wait can go on. */
int task_wait_interrupted(struct task *t);
