/*
 * runtime/seccomp_bpf.h: config.json's linux.seccomp compiled to the classic-BPF program the
 * Sentry installs as the container process's first filter (kernel/seccomp.h), as runc has
 * libseccomp build it.
 */
#pragma once

#include <linux/filter.h>
#include <stddef.h>

#include "error.h"
#include "oci_config.h"

/* Compiles @sc for x86-64: a foreign architecture is killed (libseccomp's default), x32
 * numbers and calls no rule names get the default action, every rule's calls its action
 * when its argument conditions hold (all of them; a rule with two conditions on one argument
 * counts as one rule per condition, as runc adds them). Names unknown on x86-64 are skipped.
 * *@ret (malloc'd, the caller frees) holds *@ret_len instructions. Returns 0 or -1 with *@err
 * set (more than 4096 instructions, a bad argument index or operator). */
int rt_seccomp_compile(const struct oci_seccomp *sc, struct sock_filter **ret, size_t *ret_len,
		       struct rt_error **err);
