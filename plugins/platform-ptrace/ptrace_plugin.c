/*
 * plugins/platform-ptrace/ptrace_plugin.c: the platform's descriptor, init and CPU pinning.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <linux/seccomp.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "ptrace.h"
#include "sentry/plugin.h"

#ifndef PTRACE_VERSION
#define PTRACE_VERSION "0"
#endif

/* XSAVE area size for the features the host enabled (CPUID leaf 0xD, sub-leaf 0, EBX). */
static uint32_t xsave_size(void)
{
	unsigned int a, b, c, d;
	if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d) || b < 576)
		return 4096;
	return b;
}

static int pp_init(const struct sentry_services *svc, size_t svc_size, const char *options,
		   void **ret_state)
{
	if (!SENTRY_OPS_HAS(svc, svc_size, mf_fd))
		return -ENOTSUP;	/* a core without a memory file cannot run applications */
	struct ptrace_platform *pp = calloc(1, sizeof(*pp));
	if (!pp)
		return -ENOMEM;
	pp->svc = svc;
	pp->fpu_size = xsave_size();
	int rc = stub_reserve(pp);
	if (rc < 0) {
		free(pp);
		return rc;
	}
	*ret_state = pp;
	return 0;
}

static void pp_fini(void *state)
{
	struct ptrace_platform *pp = state;
	stub_template_stop(pp);
	munmap((void *)pp->stub_base, STUB_PAGES * STUB_PAGE);
	free(pp);
}

static int pp_info(void *state, struct sentry_platform_info *ret)
{
	struct ptrace_platform *pp = state;
	*ret = (struct sentry_platform_info){
		.min_user_addr = MIN_USER_ADDR,
		.max_user_addr = pp->stub_base,
		.fpu_size = pp->fpu_size,
		.flags = SENTRY_PLATFORM_SMP,
	};
	return 0;
}

/* Pins the calling thread to the CPU it runs on unless it is pinned already. The stub forked
 * next inherits the mask, so tracer and tracee wake each other on one CPU (~16 us a round trip
 * on the development machines against ~195 us across CPUs). */
static void pin_here(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) == 1)
		return;
	int cpu = sched_getcpu();
	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static int pp_as_new(void *state, struct sentry_as **ret_as)
{
	pin_here();
	return ptrace_as_new(state, ret_as);
}

/* Each task thread makes its context on itself; its stub threads follow its CPU. */
static int pp_ctx_new(void *state, int cpu_hint, struct sentry_ctx **ret_ctx)
{
	pin_here();
	return ptrace_ctx_new(state, cpu_hint, ret_ctx);
}

/* ptrace can be refused by Yama (ptrace_scope 3) or a seccomp policy: try a real stub thread. */
static int pp_probe(void *state)
{
	struct sentry_as *as;
	struct sentry_ctx *ctx;
	int rc = ptrace_as_new(state, &as);
	if (rc < 0)
		return rc;
	if ((rc = ptrace_ctx_new(state, -1, &ctx)) == 0) {
		struct stub_thread *st;
		pthread_mutex_lock(&as->lock);
		rc = stub_thread_get(as, ctx, &st);
		pthread_mutex_unlock(&as->lock);
		g_ptrace_ctx_ops.release(ctx);
	}
	g_ptrace_as_ops.release(as);
	return rc;
}

static const struct sentry_platform_ops g_ptrace_ops = {
	.info = pp_info,
	.as_new = pp_as_new,
	.ctx_new = pp_ctx_new,
	.as_ops = &g_ptrace_as_ops,
	.as_ops_size = sizeof(g_ptrace_as_ops),
	.ctx_ops = &g_ptrace_ctx_ops,
	.ctx_ops_size = sizeof(g_ptrace_ctx_ops),
	.probe = pp_probe,
};

/* What the platform calls after the Sentry is confined (issue #9 composes the filter). */
static const struct sentry_host_rule g_host_rules[] = {
	SENTRY_ALLOW(SYS_ptrace),
	SENTRY_ALLOW(SYS_wait4),
	SENTRY_ALLOW_IF(SYS_clone, 0, SIGCHLD),
	SENTRY_ALLOW(SYS_futex),	/* the spawner's control page */
	SENTRY_ALLOW(SYS_getpid),
	SENTRY_ALLOW(SYS_kill),
	SENTRY_ALLOW(SYS_tgkill),
	SENTRY_ALLOW(SYS_gettid),
	SENTRY_ALLOW(SYS_sched_getaffinity),
	SENTRY_ALLOW(SYS_sched_setaffinity),
	SENTRY_ALLOW_IF(SYS_seccomp, 0, SECCOMP_SET_MODE_FILTER),	/* a stub's own filter */
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic = SENTRY_PLUGIN_MAGIC,
		.abi_major = SENTRY_ABI_MAJOR,
		.abi_minor = SENTRY_ABI_MINOR,
		.desc_size = sizeof(struct sentry_plugin),
		.kind = SENTRY_PLUGIN_PLATFORM,
		.name = "ptrace",
		.version = PTRACE_VERSION,
		.description = "PTRACE_SYSEMU stub processes, one per address space, a stub thread per task thread",
		.init = pp_init,
		.fini = pp_fini,
		.ops = &g_ptrace_ops,
		.ops_size = sizeof(g_ptrace_ops),
		.host_rules = g_host_rules,
		.host_rule_count = sizeof(g_host_rules) / sizeof(g_host_rules[0]),
	},
	{ .magic = 0 },
};
