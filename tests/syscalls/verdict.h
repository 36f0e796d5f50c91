/*
 * tests/syscalls/verdict.h: the verdict lines syscall test programs print, identical natively
 * and in the sandbox: "name: ok", "name: ERRNONAME", or "name: value" for deterministic values.
 * Never an address, a pid, a time or an inode number.
 */
#pragma once

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* An address no test maps: the first page. */
#define BAD_PTR ((void *)8)

/* @rc is a libc-style result: -1 with errno, anything else success. */
static inline void verdict(const char *name, long rc)
{
	if (rc == -1)
		printf("%s: %s\n", name, strerrorname_np(errno) ?: "?");
	else
		printf("%s: ok\n", name);
}

/* As verdict, but prints the value on success. */
static inline void verdict_val(const char *name, long rc)
{
	if (rc == -1)
		printf("%s: %s\n", name, strerrorname_np(errno) ?: "?");
	else
		printf("%s: %ld\n", name, rc);
}
