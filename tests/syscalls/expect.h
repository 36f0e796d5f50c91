/*
 * expect.h: verdict lines for the syscall test programs (header-only, static functions).
 *
 * Each case prints one line "WHAT: OUTCOME", where OUTCOME is "ok", an errno name, a number or
 * "yes"/"no" -- never an address, pid, time or inode number -- so a native run and a run in the
 * Sentry print the same bytes. Each case also states what Linux gives; a case that gets
 * something else appends "(expected ...)" and makes expect_status() nonzero, so the program
 * checks itself natively too and a disagreement cannot hide behind equal output. Include it
 * before any system header: it needs _GNU_SOURCE (strerrorname_np).
 */
#ifndef CVISOR_TESTS_SYSCALLS_EXPECT_H
#define CVISOR_TESTS_SYSCALLS_EXPECT_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Cases that did not get what Linux gives. */
static int expect_failures;

static inline void expect_miss(const char *want)
{
	printf(" (expected %s)\n", want);
	expect_failures++;
}

/* rc is a libc or syscall() result: -1 with errno on failure. Expects success. */
static inline void expect_ok(const char *what, long rc)
{
	int e = errno;
	printf("%s: %s", what, rc == -1 ? strerrorname_np(e) : "ok");
	if (rc == -1)
		expect_miss("ok");
	else
		putchar('\n');
}

/* Expects rc == -1 with errno want. */
static inline void expect_errno(const char *what, long rc, int want)
{
	int e = errno;
	printf("%s: %s", what, rc == -1 ? strerrorname_np(e) : "ok");
	if (rc != -1 || e != want)
		expect_miss(strerrorname_np(want));
	else
		putchar('\n');
}

/* Expects the value want (a count, a size, a mode: never an address or an id). */
static inline void expect_eq(const char *what, long rc, long want)
{
	int e = errno;
	if (rc == -1 && want != -1)
		printf("%s: %s", what, strerrorname_np(e));
	else
		printf("%s: %ld", what, rc);
	if (rc != want) {
		char buf[32];
		snprintf(buf, sizeof(buf), "%ld", want);
		expect_miss(buf);
	} else {
		putchar('\n');
	}
}

/* Like expect_eq for modes, printed in octal. */
static inline void expect_mode(const char *what, unsigned long mode, unsigned long want)
{
	printf("%s: 0%lo", what, mode);
	if (mode != want) {
		char buf[32];
		snprintf(buf, sizeof(buf), "0%lo", want);
		expect_miss(buf);
	} else {
		putchar('\n');
	}
}

/* A relation that holds on Linux in every environment: prints yes or no. */
static inline void expect_true(const char *what, int cond)
{
	printf("%s: %s", what, cond ? "yes" : "no");
	if (!cond)
		expect_miss("yes");
	else
		putchar('\n');
}

/* Expects the string want (got may be NULL when the call failed). */
static inline void expect_str(const char *what, const char *got, const char *want)
{
	printf("%s: \"%s\"", what, got ? got : "(null)");
	if (!got || strcmp(got, want) != 0) {
		printf(" (expected \"%s\")\n", want);
		expect_failures++;
	} else {
		putchar('\n');
	}
}

/* The program's exit status: 0 when every case got what Linux gives. */
static inline int expect_status(void)
{
	return expect_failures ? 1 : 0;
}

#endif
