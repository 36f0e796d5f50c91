/*
 * core/sentry/hostfilter.c: composing and installing the host seccomp filter (hostfilter.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <termios.h>
#include <unistd.h>

#include "sentry/hostfilter.h"
#include "sys/sys.h"
#include "util/log.h"

#define ALLOW(n) SENTRY_ALLOW(SYS_##n)
#define ALLOW_IF(n, i, v) SENTRY_ALLOW_IF(SYS_##n, i, v)
#define ALLOW_MASKED(n, i, m, v) SENTRY_ALLOW_MASKED(SYS_##n, i, m, v)

/* The flags glibc's pthread_create passes to clone; a thread of ours is never anything else,
 * and a process is never made with them. */
#define THREAD_CLONE_FLAGS                                                                     \
	(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |     \
	 CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)

static const struct sentry_host_rule g_base[] = {
	/* Descriptors already open: nothing here names a host path. */
	ALLOW(read), ALLOW(write), ALLOW(readv), ALLOW(writev), ALLOW(pread64), ALLOW(pwrite64),
	ALLOW(close), ALLOW(fstat), ALLOW(lseek), ALLOW(dup), ALLOW(dup3), ALLOW(fcntl),
	/* glibc's fstat is fstatat(fd, "", AT_EMPTY_PATH). */
	ALLOW_MASKED(newfstatat, 3, AT_EMPTY_PATH, AT_EMPTY_PATH),
	ALLOW(poll), ALLOW(ppoll), ALLOW(epoll_create1), ALLOW(epoll_ctl), ALLOW(epoll_wait),
	ALLOW(epoll_pwait), ALLOW(eventfd2), ALLOW(sendmsg), ALLOW(recvmsg), ALLOW(shutdown),
	/* Memory. */
	ALLOW(mmap), ALLOW(munmap), ALLOW(mprotect), ALLOW(mremap), ALLOW(madvise), ALLOW(brk),
	/* Signals, threads, time. */
	ALLOW(rt_sigaction), ALLOW(rt_sigprocmask), ALLOW(rt_sigreturn), ALLOW(sigaltstack),
	ALLOW(restart_syscall), ALLOW(futex), ALLOW(set_robust_list), ALLOW(rseq),
	ALLOW_IF(clone, 0, THREAD_CLONE_FLAGS), ALLOW(exit), ALLOW(exit_group), ALLOW(gettid),
	ALLOW(getpid), ALLOW(sched_yield), ALLOW(sched_getaffinity), ALLOW(clock_gettime),
	ALLOW(clock_getres), ALLOW(clock_nanosleep), ALLOW(nanosleep), ALLOW(getrandom),
	ALLOW(prlimit64), ALLOW(getrusage), ALLOW(getuid), ALLOW(geteuid), ALLOW(getgid),
	ALLOW(getegid),
	ALLOW_IF(prctl, 0, PR_SET_NAME), ALLOW_IF(prctl, 0, PR_GET_NAME),
	ALLOW_IF(prctl, 0, PR_SET_VMA),
	ALLOW_IF(ioctl, 1, TCGETS),	/* isatty */
#ifdef __SANITIZE_ADDRESS__
	/* The sanitizer runtime's own calls (test builds). */
	ALLOW(getppid), ALLOW(sched_getparam), ALLOW(uname),
#endif
};

static const struct sentry_host_rule g_sentry[] = {
	/* The memory file: grown once, pages punched back. */
	ALLOW(ftruncate), ALLOW(fallocate),
	/* Stdio donated by runsc: the terminal requests host.c passes on. */
	ALLOW_IF(ioctl, 1, TCSETS), ALLOW_IF(ioctl, 1, TCSETSW), ALLOW_IF(ioctl, 1, TCSETSF),
	ALLOW_IF(ioctl, 1, TIOCGWINSZ), ALLOW_IF(ioctl, 1, TIOCSWINSZ),
	ALLOW_IF(ioctl, 1, FIONREAD),
	/* The 9p channels, and host-backed pipes and sockets among the stdio. */
	ALLOW(sendto), ALLOW(recvfrom), ALLOW(splice),
	ALLOW(timerfd_create), ALLOW(timerfd_settime), ALLOW(timerfd_gettime),
	ALLOW(sysinfo), ALLOW(times),	/* times(2)'s return value is the host's tick count */
};

const struct hostfilter_set hostfilter_base = {
	"base", g_base, sizeof(g_base) / sizeof(g_base[0])
};
const struct hostfilter_set hostfilter_sentry = {
	"core", g_sentry, sizeof(g_sentry) / sizeof(g_sentry[0])
};

/* Fills @out (room for @max) with one set per initialised plugin of @set that declares rules.
 * Returns how many it filled, or -E2BIG when @max is too small. */
static int plugin_sets(const struct plg_set *set, struct hostfilter_set *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < set->plugin_count; i++) {
		const struct plg_plugin *p = &set->plugins[i];
		if (!p->initialised || !p->desc->host_rule_count)
			continue;
		if (n == max)
			return -E2BIG;
		out[n++] = (struct hostfilter_set){ p->desc->name, p->desc->host_rules,
						    p->desc->host_rule_count };
	}
	return (int)n;
}

static const char *call_name(int nr)
{
	const char *s = nr >= 0 ? sys_name((uint64_t)nr) : NULL;
	return s ? s : "?";
}

int hostfilter_check(const struct hostfilter_set *sets, size_t n, char *msg, size_t size)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sets[i].count; k++) {
			const struct sentry_host_rule *r = &sets[i].rules[k];
			const char *bad = NULL;
			if (r->nr < 0 || r->nr >= 1024 || !sys_name((uint64_t)r->nr))
				bad = "unknown system call";
			else if (r->nr == SYS_clone3)
				bad = "clone3 cannot be checked; declare clone";
			else if (r->arg_count > 3)
				bad = "more than 3 conditions";
			for (uint32_t a = 0; !bad && a < r->arg_count; a++)
				if (r->args[a].index > 5)
					bad = "argument index above 5";
				else if (r->args[a].cmp < SENTRY_CMP_EQ ||
					 r->args[a].cmp > SENTRY_CMP_MASKED_EQ)
					bad = "unknown comparison";
			if (bad)
				return msg_fail(msg, size, -EINVAL, "host rule %zu of %s (%s, %d)", k,
						sets[i].owner, bad, r->nr);
		}
	return 0;
}

static struct scmp_arg_cmp to_scmp(const struct sentry_host_arg *a)
{
	switch (a->cmp) {
	case SENTRY_CMP_NE:
		return (struct scmp_arg_cmp){ a->index, SCMP_CMP_NE, a->value, 0 };
	case SENTRY_CMP_MASKED_EQ:
		return (struct scmp_arg_cmp){ a->index, SCMP_CMP_MASKED_EQ, a->mask, a->value };
	default:
		return (struct scmp_arg_cmp){ a->index, SCMP_CMP_EQ, a->value, 0 };
	}
}

/* One rule as --debug shows it: "ioctl(arg1 == 0x5401)". */
static void print_rule(const char *owner, const struct sentry_host_rule *r)
{
	char line[256];
	int len = snprintf(line, sizeof(line), "%s", call_name(r->nr));
	for (uint32_t a = 0; a < r->arg_count && len < (int)sizeof(line); a++) {
		const struct sentry_host_arg *x = &r->args[a];
		const char *sep = a ? " && " : "(";
		if (x->cmp == SENTRY_CMP_MASKED_EQ)
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					"%sarg%u & %#" PRIx64 " == %#" PRIx64, sep, x->index,
					x->mask, x->value);
		else
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					"%sarg%u %s %#" PRIx64, sep, x->index,
					x->cmp == SENTRY_CMP_NE ? "!=" : "==", x->value);
	}
	if (r->arg_count && len < (int)sizeof(line))
		snprintf(line + len, sizeof(line) - (size_t)len, ")");
	log_msg(SENTRY_LOG_DEBUG, "seccomp", "allow %s [%s]", line, owner);
}

/* Formats @v in decimal at the end of @p, which has room; returns the start. No stdio: this
 * runs in a signal handler. */
static char *utoa_end(char *p, unsigned long v)
{
	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	return p;
}

static int g_trap_fd = 2;

/* Trap mode: a call outside the filter is logged and fails with ENOSYS. Async-signal-safe:
 * only write(2), which the filter allows. */
static void on_sigsys(int sig, siginfo_t *si, void *ucv)
{
	(void)sig;
	ucontext_t *uc = ucv;
	char num[24];
	const char *name = call_name(si->si_syscall);
	const char *parts[] = { "cvisor: seccomp: host system call ", name, " (",
				utoa_end(num + sizeof(num), (unsigned long)si->si_syscall),
				") is outside the filter: failed with ENOSYS\n" };
	char line[160];
	size_t len = 0;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (const char *c = parts[i]; *c && len < sizeof(line); c++)
			line[len++] = *c;
	ssize_t w = write(g_trap_fd, line, len);
	(void)w;
	uc->uc_mcontext.gregs[REG_RAX] = -ENOSYS;
}

static int add_rules(scmp_filter_ctx ctx, const struct hostfilter_set *s, int print, char *msg,
		     size_t size)
{
	for (size_t k = 0; k < s->count; k++) {
		const struct sentry_host_rule *r = &s->rules[k];
		struct scmp_arg_cmp cmp[3];
		for (uint32_t a = 0; a < r->arg_count; a++)
			cmp[a] = to_scmp(&r->args[a]);
		int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r->nr, r->arg_count, cmp);
		/* A condition under a call already allowed outright is no news. */
		if (rc < 0 && rc != -EEXIST)
			return msg_fail(msg, size, rc, "seccomp rule %s of %s", call_name(r->nr),
					s->owner);
		if (print)
			print_rule(s->owner, r);
	}
	return 0;
}

int hostfilter_install(const struct hostfilter_set *sets, size_t n, int flags, char *msg,
		       size_t size)
{
	int rc = hostfilter_check(sets, n, msg, size);
	if (rc < 0)
		return rc;
	scmp_filter_ctx ctx = seccomp_init(flags & HOSTFILTER_TRAP ? SCMP_ACT_TRAP
								 : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return msg_fail(msg, size, -ENOMEM, "seccomp_init");
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc < 0)
		msg_fail(msg, size, rc, "seccomp: TSYNC");
	/* A binary tree over the call numbers: every host call of the Sentry's pays for the
	 * filter, and a linear chain of a hundred rules costs a hundred comparisons. */
	else
		(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	/* clone3 keeps its flags in memory, out of the filter's sight: ENOSYS sends glibc back
	 * to clone, whose flags the rules check. */
	if (rc == 0 && (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) < 0)
		msg_fail(msg, size, rc, "seccomp rule clone3");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_rules(ctx, &sets[i], flags & HOSTFILTER_PRINT, msg, size);
	if (rc == 0 && (flags & HOSTFILTER_TRAP)) {
		g_trap_fd = log_fd();
		struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) < 0)
			rc = msg_fail(msg, size, -errno, "seccomp: SIGSYS handler");
	}
	if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rc = msg_fail(msg, size, -errno, "no_new_privs");
	if (rc == 0 && (rc = seccomp_load(ctx)) < 0)
		msg_fail(msg, size, rc, "seccomp: load");
	seccomp_release(ctx);
	return rc;
}

int hostfilter_install_with(const struct plg_set *set, const struct hostfilter_set *own,
			    size_t n, int flags, char *msg, size_t size)
{
	struct hostfilter_set sets[HOSTFILTER_MAX_SETS];
	if (n > HOSTFILTER_MAX_SETS)
		return msg_fail(msg, size, -E2BIG, "host filter: %zu sets", n);
	memcpy(sets, own, n * sizeof(*own));
	int k = plugin_sets(set, sets + n, HOSTFILTER_MAX_SETS - n);
	if (k < 0)
		return msg_fail(msg, size, k, "host filter: plugins with host rules");
	return hostfilter_install(sets, n + (size_t)k, flags, msg, size);
}
