/*
 * core/sys/table.c: the system call table, the dispatcher and --strace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "util/log.h"

#define FULL(nr, fn_, ...) [nr] = { .fn = sys_##fn_, .name = #fn_, .support = SYS_FULL, .args = { __VA_ARGS__ } }
#define PART(nr, fn_, note_, ...)                                                              \
	[nr] = { .fn = sys_##fn_, .name = #fn_, .support = SYS_PARTIAL, .note = note_,           \
		 .args = { __VA_ARGS__ } }
/* Known to the table for --strace, answered -ENOSYS on purpose (glibc copes). */
#define NOSYS(nr, name_, note_) [nr] = { .name = name_, .note = note_ }

const struct sys_entry g_sys_table[SYS_TABLE_SIZE] = {
	FULL(SYS_read, read, SA_FD, SA_PTR, SA_INT),
	FULL(SYS_write, write, SA_FD, SA_BUF, SA_INT),
	FULL(SYS_open, open, SA_PATH, SA_HEX, SA_HEX),
	FULL(SYS_close, close, SA_FD),
	FULL(SYS_fstat, fstat, SA_FD, SA_PTR),
	FULL(SYS_lseek, lseek, SA_FD, SA_INT, SA_INT),
	PART(SYS_mmap, mmap, "no MAP_HUGETLB", SA_HEX, SA_HEX, SA_HEX, SA_HEX, SA_FD, SA_HEX),
	FULL(SYS_mprotect, mprotect, SA_HEX, SA_HEX, SA_HEX),
	FULL(SYS_munmap, munmap, SA_HEX, SA_HEX),
	FULL(SYS_brk, brk, SA_HEX),
	FULL(SYS_pread64, pread64, SA_FD, SA_PTR, SA_INT, SA_INT),
	FULL(SYS_pwrite64, pwrite64, SA_FD, SA_BUF, SA_INT, SA_INT),
	FULL(SYS_dup, dup, SA_FD),
	FULL(SYS_dup2, dup2, SA_FD, SA_FD),
	FULL(SYS_getpid, getpid),
	PART(SYS_exit, exit, "single-threaded: ends the task", SA_INT),
	FULL(SYS_uname, uname, SA_PTR),
	FULL(SYS_readlink, readlink, SA_PATH, SA_PTR, SA_INT),
	FULL(SYS_getuid, getuid),
	FULL(SYS_getgid, getgid),
	FULL(SYS_geteuid, geteuid),
	FULL(SYS_getegid, getegid),
	FULL(SYS_getppid, getppid),
	PART(SYS_arch_prctl, arch_prctl, "FS/GS base only", SA_HEX, SA_HEX),
	FULL(SYS_gettid, gettid),
	FULL(SYS_set_tid_address, set_tid_address, SA_PTR),
	PART(SYS_exit_group, exit_group, "single-threaded", SA_INT),
	FULL(SYS_openat, openat, SA_FD, SA_PATH, SA_HEX, SA_HEX),
	FULL(SYS_newfstatat, newfstatat, SA_FD, SA_PATH, SA_PTR, SA_HEX),
	FULL(SYS_readlinkat, readlinkat, SA_FD, SA_PATH, SA_PTR, SA_INT),
	PART(SYS_set_robust_list, set_robust_list, "recorded, not walked at exit", SA_PTR, SA_INT),
	FULL(SYS_dup3, dup3, SA_FD, SA_FD, SA_HEX),
	PART(SYS_prlimit64, prlimit64, "reports defaults; setting is not enforced", SA_INT, SA_INT,
	     SA_PTR, SA_PTR),
	FULL(SYS_getrandom, getrandom, SA_PTR, SA_INT, SA_HEX),
	NOSYS(SYS_rseq, "rseq", "restartable sequences are not offered; glibc falls back"),
};

static int g_strace;

void sys_set_strace(int on)
{
	g_strace = on;
}

/* Appends one argument to @out as strace would show it. */
static int strace_arg(struct task *t, int kind, uint64_t v, uint64_t next, char *out, size_t size)
{
	char s[48];
	switch (kind) {
	case SA_INT:
	case SA_FD:
		return snprintf(out, size, "%" PRId64, (int64_t)v);
	case SA_PATH:
		if (mm_copy_string(t->mm, v, s, sizeof(s)) >= 0)
			return snprintf(out, size, "\"%s\"", s);
		return snprintf(out, size, "%#" PRIx64, v);
	case SA_BUF: {
		size_t n = next < 32 ? (size_t)next : 32;
		if (mm_copy_in(t->mm, v, s, n) < 0)
			return snprintf(out, size, "%#" PRIx64, v);
		int w = snprintf(out, size, "\"");
		for (size_t i = 0; i < n && (size_t)w + 5 < size; i++)
			w += snprintf(out + w, size - (size_t)w, (s[i] >= 32 && s[i] < 127 && s[i] != '"')
								? "%c" : "\\x%02x",
				      (unsigned char)s[i]);
		return w + snprintf(out + w, size - (size_t)w, "\"%s", next > n ? "..." : "");
	}
	default:
		return snprintf(out, size, "%#" PRIx64, v);
	}
}

static void strace_line(struct task *t, uint64_t nr, const uint64_t a[6], int64_t ret)
{
	const struct sys_entry *e = nr < SYS_TABLE_SIZE ? &g_sys_table[nr] : NULL;
	char line[512];
	int w = e && e->name ? snprintf(line, sizeof(line), "[%d] %s(", t->tid, e->name)
			     : snprintf(line, sizeof(line), "[%d] syscall_%" PRIu64 "(", t->tid, nr);
	for (int i = 0; e && i < 6 && e->args[i] && w < (int)sizeof(line) - 160; i++) {
		if (i)
			w += snprintf(line + w, sizeof(line) - (size_t)w, ", ");
		w += strace_arg(t, e->args[i], a[i], i < 5 ? a[i + 1] : 0, line + w,
				sizeof(line) - (size_t)w);
		if (w > (int)sizeof(line) - 1)
			w = (int)sizeof(line) - 1;
	}
	if (ret < 0 && ret >= -4095)
		log_msg(SENTRY_LOG_ERR, NULL, "%s) = %" PRId64 " %s (%s)", line, ret,
			strerrorname_np((int)-ret) ?: "?", strerror((int)-ret));
	else
		log_msg(SENTRY_LOG_ERR, NULL, "%s) = %#" PRIx64, line, (uint64_t)ret);
}

int64_t sys_dispatch(struct task *t, uint64_t nr, const uint64_t args[6])
{
	const struct sys_entry *e = nr < SYS_TABLE_SIZE ? &g_sys_table[nr] : NULL;
	int64_t ret = e && e->fn ? e->fn(t, args) : -ENOSYS;
	if (g_strace && !(t->exited && e && e->fn == sys_exit_group))
		strace_line(t, nr, args, ret);
	return ret;
}
