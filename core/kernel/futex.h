/*
 * core/kernel/futex.h: futex(2)'s wait queues, shared by the threads and processes of the
 * sandbox (kernel/futex.c). Errors are futex(2)'s: -EINVAL (misaligned word, zero bitset),
 * -EFAULT, -EAGAIN (the word did not hold the expected value), -ETIMEDOUT, -EINTR.
 *
 * @private is FUTEX_PRIVATE_FLAG: the private form's key is this process's address space and the
 * address, which needs no access to the word where the operation reads or writes none (a wake,
 * a requeue without compare); the shared form's follows the mapping (a shared mapping's word is
 * the same in every process). A waiter is reached only by operations of its own form.
 */
#pragma once

#include <stdint.h>

#include "kernel/task.h"

#define FUTEX_BITSET_ANY 0xffffffffu

/* Sleeps while the word at @addr holds @val, until woken by a wake whose bitset meets @bitset,
 * @deadline_ns (absolute on @clock, a SENTRY_CLOCK_*; -1: none) or a signal. Returns 0 when
 * woken. */
int futex_wait(struct task *t, uint64_t addr, uint32_t val, uint32_t bitset, int private,
	       int clock, int64_t deadline_ns);

/* Wakes up to @n waiters on @addr whose bitset meets @bitset; a count below 1 wakes one, as on
 * Linux. Returns the number woken. */
int futex_wake(struct task *t, uint64_t addr, int n, uint32_t bitset, int private);

/* FUTEX_REQUEUE (@cmp 0) and FUTEX_CMP_REQUEUE (@cmp 1, with -EAGAIN unless @addr holds @val):
 * wakes @n_wake waiters of @addr and moves up to @n_requeue others to @addr2. Returns the
 * number woken plus moved. */
int futex_requeue(struct task *t, uint64_t addr, int n_wake, int n_requeue, uint64_t addr2,
		  int cmp, uint32_t val, int private);

/* FUTEX_WAKE_OP: applies the encoded @op to the word at @addr2, wakes @n waiters of @addr and,
 * when the old value passes op's comparison, @n2 of @addr2 (counts below 1 wake one). Returns
 * the number woken, -ENOSYS for an unknown operation or comparison (the operation is applied
 * before the comparison is looked at, as on Linux). */
int futex_wake_op(struct task *t, uint64_t addr, int n, uint64_t addr2, int n2, uint32_t op,
		  int private);

/* FUTEX_LOCK_PI/LOCK_PI2 (@try 0) and FUTEX_TRYLOCK_PI (@try 1) on the lock word at @addr (the
 * owner's TID | FUTEX_WAITERS | FUTEX_OWNER_DIED): takes a free word, else marks it contended
 * and sleeps until an unlock or the owner's death hands it over. There is no priority boosting
 * (the host schedules the threads); the ownership protocol is Linux's. Returns 0 (owned),
 * -EDEADLK (already ours), -ESRCH (the word names no thread), -EAGAIN (try: held),
 * -ETIMEDOUT, -EINTR. */
int futex_lock_pi(struct task *t, uint64_t addr, int private, int try, int clock,
		  int64_t deadline_ns);

/* FUTEX_UNLOCK_PI: gives the word to its first waiter, or zeroes it. -EPERM unless @t owns it. */
int futex_unlock_pi(struct task *t, uint64_t addr, int private);

/* A thread's end (Linux's futex_exit_release): walks its robust list, marking each lock it held
 * FUTEX_OWNER_DIED and letting a waiter in, then hands any PI lock it still holds to a waiter. */
void futex_exit(struct task *t);
