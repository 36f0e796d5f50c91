/*
 * core/proc/proc_pid.c: the files of /proc/PID and /proc/PID/task/TID, in Linux 6.1's formats
 * (proc(5), fs/proc/array.c, fs/proc/task_mmu.c), from a snapshot of the process
 * (kernel/proc_view.h). What the sandbox does not model reads as Linux shows it for a process
 * without it: no controlling terminal, no tracer, no context switches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "kernel/proc_view.h"
#include "mm/mm.h"
#include "proc/proc_internal.h"
#include "tty/tty.h"
#include "vfs/vfs.h"

/* Linux's kB and page counts. */
#define KB(bytes) ((unsigned long long)((bytes) / 1024))
#define PAGES(bytes) ((unsigned long long)((bytes) / MM_PAGE_SIZE))
/* Every capability Linux 6.1 has. */
#define CAP_ALL ((1ull << (PROC_CAP_LAST + 1)) - 1)

static int view(const struct pctx *c, uint32_t want, struct proc_view *v)
{
	return c->k ? proc_view_get(c->k, c->pid, c->tid, want, v) : -ESRCH;
}

/* The clock ticks from boot to @real_ns (CLOCK_REALTIME). */
static unsigned long long ticks_since_boot(int64_t real_ns)
{
	int64_t d = real_ns - g_proc_boot_real_ns;
	return d > 0 ? (unsigned long long)(d / (1000000000 / PROC_HZ)) : 0;
}

/* What a sandbox thread is doing: the reader surely runs; the others are, as far as the
 * kernel records, waiting in a system call or running elsewhere, and most wait. */
static char state_of(const struct proc_view *v)
{
	return v->zombie ? 'Z' : v->stopped ? 'T' : v->is_caller ? 'R' : 'S';
}

int proc_gen_stat(const struct pctx *c, struct pbuf *b)
{
	struct proc_view v;
	int rc = view(c, PROC_VIEW_MM, &v);
	if (rc < 0)
		return rc;
	unsigned long long utime = (unsigned long long)(v.cpu_ns / (1000000000 / PROC_HZ));
	int cpu = v.is_caller ? sched_getcpu() : 0;
	/* Fields 1-52 of proc(5): the session's terminal and its foreground group (0 and -1
	 * without one), flags PF_RANDOMIZE, the priority and nice of SCHED_OTHER. */
	int tpgid;
	uint32_t tty_nr = tty_session_dev(v.sid, &tpgid);
	pbuf_printf(b, "%d (%s) %c %d %d %d %u %d 4194304 0 0 0 0 %llu 0 0 0 20 0 %d 0 %llu "
		       "%llu %llu %llu %llu %llu %llu 0 0 %llu %llu %llu %llu 0 0 0 %d %d "
		       "0 0 0 0 0 0 0 %llu 0 0 0 0 0\n",
		    v.tid, v.comm, state_of(&v), v.ppid, v.pgid, v.sid, tty_nr, tpgid, utime,
		    v.nthreads,
		    ticks_since_boot(v.start_ns), (unsigned long long)v.mm.vsize,
		    PAGES(v.mm.rss_anon + v.mm.rss_file),
		    (unsigned long long)v.rlimits[RLIMIT_RSS].rlim_cur,
		    (unsigned long long)v.mm.start_code, (unsigned long long)v.mm.end_code,
		    (unsigned long long)v.mm.start_stack, (unsigned long long)v.sig_pending,
		    (unsigned long long)v.sig_blocked, (unsigned long long)v.sig_ignored,
		    (unsigned long long)v.sig_caught, v.exit_signal, cpu < 0 ? 0 : cpu,
		    (unsigned long long)v.mm.start_brk);
	proc_view_fini(&v);
	return 0;
}

/* @n CPUs as Linux's bitmap ("3", "ff,ffffffff") and list ("0-1") formats. */
static void cpus_allowed(struct pbuf *b, int n)
{
	pbuf_printf(b, "Cpus_allowed:\t");
	for (int word = (n - 1) / 32; word >= 0; word--) {
		int bits = n - word * 32 > 32 ? 32 : n - word * 32;
		unsigned long long mask = bits >= 32 ? 0xffffffffull : (1ull << bits) - 1;
		pbuf_printf(b, word == (n - 1) / 32 ? "%llx" : ",%08llx", mask);
	}
	pbuf_printf(b, n > 1 ? "\nCpus_allowed_list:\t0-%d\n" : "\nCpus_allowed_list:\t0\n", n - 1);
}

/* The Name line: comm with "\n" and "\\" escaped (seq_escape_str), as status prints it. */
static void status_name(struct pbuf *b, const char *comm)
{
	pbuf_printf(b, "Name:\t");
	for (const char *p = comm; *p; p++) {
		if (*p == '\n')
			pbuf_printf(b, "\\n");
		else if (*p == '\\')
			pbuf_printf(b, "\\\\");
		else if (*p == '\t')
			pbuf_printf(b, "\\t");
		else
			pbuf_put(b, p, 1);
	}
	pbuf_printf(b, "\n");
}

static void status_ids(struct pbuf *b, const struct proc_view *v)
{
	pbuf_printf(b, "Umask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\n"
		       "TracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%u\n"
		       "Groups:\t",
		    v->umask, state_of(v) == 'R'   ? "R (running)"
			    : v->zombie ? "Z (zombie)"
			    : v->stopped ? "T (stopped)"
					 : "S (sleeping)", v->pid, v->tid,
		    v->ppid, v->uid, v->euid, v->suid, v->fsuid, v->gid, v->egid, v->sgid, v->fsgid,
		    v->fd_size);
	for (uint32_t i = 0; i < v->ngroups; i++)
		pbuf_printf(b, i ? " %u" : "%u", v->groups[i]);
	pbuf_printf(b, " \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", v->pid, v->tid,
		    v->pgid, v->sid);
}

static void status_mm(struct pbuf *b, const struct proc_view *v)
{
	const struct proc_view_mm *m = &v->mm;
	uint64_t rss = m->rss_anon + m->rss_file;
	uint64_t text = m->end_code - m->start_code;
	/* Page tables: one 4 KiB table per 2 MiB mapped, the order of magnitude Linux shows. */
	uint64_t pte = (m->vsize >> 21) * 4096 + 4096 * 4;
	pbuf_printf(b, "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t       0 kB\n"
		       "VmPin:\t       0 kB\nVmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\n"
		       "RssAnon:\t%8llu kB\nRssFile:\t%8llu kB\nRssShmem:\t       0 kB\n"
		       "VmData:\t%8llu kB\nVmStk:\t%8llu kB\nVmExe:\t%8llu kB\nVmLib:\t%8llu kB\n"
		       "VmPTE:\t%8llu kB\nVmSwap:\t       0 kB\nHugetlbPages:\t       0 kB\n",
		    KB(m->vsize), KB(m->vsize), KB(rss), KB(rss), KB(m->rss_anon), KB(m->rss_file),
		    KB(m->data), KB(m->stack), KB(text), KB(m->exec > text ? m->exec - text : 0),
		    KB(pte));
}

int proc_gen_status(const struct pctx *c, struct pbuf *b)
{
	struct proc_view v;
	int rc = view(c, PROC_VIEW_MM, &v);
	if (rc < 0)
		return rc;
	status_name(b, v.comm);
	status_ids(b, &v);
	status_mm(b, &v);
	pbuf_printf(b, "CoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t%d\nSigQ:\t0/%llu\n"
		       "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\n"
		       "SigCgt:\t%016llx\nCapInh:\t0000000000000000\nCapPrm:\t%016llx\n"
		       "CapEff:\t%016llx\nCapBnd:\t%016llx\nCapAmb:\t0000000000000000\n"
		       "NoNewPrivs:\t%d\nSeccomp:\t%d\nSeccomp_filters:\t%u\n",
		    v.nthreads, (unsigned long long)v.rlimits[RLIMIT_SIGPENDING].rlim_cur, 0ull,
		    (unsigned long long)v.sig_pending, (unsigned long long)v.sig_blocked,
		    (unsigned long long)v.sig_ignored, (unsigned long long)v.sig_caught,
		    (unsigned long long)(v.cap_permitted & CAP_ALL),
		    (unsigned long long)(v.cap_effective & CAP_ALL), (unsigned long long)CAP_ALL,
		    v.no_new_privs, v.seccomp_mode, v.seccomp_filters);
	cpus_allowed(b, proc_ncpus());
	pbuf_printf(b, "Mems_allowed:\t00000001\nMems_allowed_list:\t0\n"
		       "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
	proc_view_fini(&v);
	return 0;
}

/* /proc/PID/limits' rows, in RLIMIT_* order (fs/proc/base.c lnames). */
static const struct {
	const char *name, *unit;
} g_limits[RLIM_NLIMITS] = {
	[RLIMIT_CPU] = { "Max cpu time", "seconds" },
	[RLIMIT_FSIZE] = { "Max file size", "bytes" },
	[RLIMIT_DATA] = { "Max data size", "bytes" },
	[RLIMIT_STACK] = { "Max stack size", "bytes" },
	[RLIMIT_CORE] = { "Max core file size", "bytes" },
	[RLIMIT_RSS] = { "Max resident set", "bytes" },
	[RLIMIT_NPROC] = { "Max processes", "processes" },
	[RLIMIT_NOFILE] = { "Max open files", "files" },
	[RLIMIT_MEMLOCK] = { "Max locked memory", "bytes" },
	[RLIMIT_AS] = { "Max address space", "bytes" },
	[RLIMIT_LOCKS] = { "Max file locks", "locks" },
	[RLIMIT_SIGPENDING] = { "Max pending signals", "signals" },
	[RLIMIT_MSGQUEUE] = { "Max msgqueue size", "bytes" },
	[RLIMIT_NICE] = { "Max nice priority", NULL },
	[RLIMIT_RTPRIO] = { "Max realtime priority", NULL },
	[RLIMIT_RTTIME] = { "Max realtime timeout", "us" },
};

static void limit_value(struct pbuf *b, rlim_t v)
{
	if (v == RLIM_INFINITY)
		pbuf_printf(b, "%-20s ", "unlimited");
	else
		pbuf_printf(b, "%-20llu ", (unsigned long long)v);
}

int proc_gen_limits(const struct pctx *c, struct pbuf *b)
{
	struct proc_view v;
	int rc = view(c, 0, &v);
	if (rc < 0)
		return rc;
	pbuf_printf(b, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		if (!g_limits[i].name)
			continue;
		pbuf_printf(b, "%-25s ", g_limits[i].name);
		limit_value(b, v.rlimits[i].rlim_cur);
		limit_value(b, v.rlimits[i].rlim_max);
		if (g_limits[i].unit)
			pbuf_printf(b, "%-10s\n", g_limits[i].unit);
		else
			pbuf_printf(b, "\n");
	}
	proc_view_fini(&v);
	return 0;
}

int proc_gen_statm(const struct pctx *c, struct pbuf *b)
{
	struct proc_view v;
	int rc = view(c, PROC_VIEW_MM, &v);
	if (rc < 0)
		return rc;
	const struct proc_view_mm *m = &v.mm;
	pbuf_printf(b, "%llu %llu %llu %llu 0 %llu 0\n", PAGES(m->vsize),
		    PAGES(m->rss_anon + m->rss_file), PAGES(m->rss_file),
		    PAGES(m->end_code - m->start_code), PAGES(m->data + m->stack));
	proc_view_fini(&v);
	return 0;
}

int proc_gen_cmdline(const struct pctx *c, struct pbuf *b)
{
	struct proc_view v;
	int rc = view(c, PROC_VIEW_CMDLINE, &v);
	if (rc < 0)
		return rc;
	pbuf_put(b, v.cmdline, v.cmdline_len);
	proc_view_fini(&v);
	return 0;
}

int proc_gen_environ(const struct pctx *c, struct pbuf *b)
{
	struct proc_view v;
	int rc = c->k ? proc_view_may_read(c->k, c->pid) : -ESRCH;
	if (rc == 0)
		rc = view(c, PROC_VIEW_ENVIRON, &v);
	if (rc < 0)
		return rc;
	pbuf_put(b, v.environ, v.environ_len);
	proc_view_fini(&v);
	return 0;
}

int proc_gen_comm(const struct pctx *c, struct pbuf *b)
{
	struct proc_view v;
	int rc = view(c, 0, &v);
	if (rc < 0)
		return rc;
	pbuf_printf(b, "%s\n", v.comm);
	proc_view_fini(&v);
	return 0;
}

/* The name a maps line ends with, or NULL for none. */
static const char *vma_name(const struct pctx *c, const struct proc_view_vma *m, char *buf,
			    size_t size)
{
	if (m->kind == PROC_VMA_FILE)
		return vfs_file_name(c->fs, m->file, buf, size) >= 0 ? buf : NULL;
	if (m->kind == PROC_VMA_CORE)
		return (m->prot & PROT_EXEC) ? "[vdso]" : "[vvar]";
	if (m->flags & VMA_HEAP)
		return "[heap]";
	return (m->flags & VMA_GROWSDOWN) ? "[stack]" : NULL;
}

int proc_gen_maps(const struct pctx *c, struct pbuf *b)
{
	struct proc_view_vma *vmas;
	size_t n;
	int rc = c->k ? proc_view_vmas(c->k, c->pid, &vmas, &n) : -ESRCH;
	if (rc < 0)
		return rc;
	char *name = malloc(SENTRY_PATH_MAX);
	if (!name) {
		proc_view_vmas_free(vmas, n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		const struct proc_view_vma *m = &vmas[i];
		struct sentry_statx st = { 0 };
		if (m->file)
			(void)vfs_fstat(m->file, SENTRY_STATX_INO, &st);
		size_t start = b->len;
		pbuf_printf(b, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
			    (unsigned long long)m->start, (unsigned long long)m->end,
			    (m->prot & PROT_READ) ? 'r' : '-', (m->prot & PROT_WRITE) ? 'w' : '-',
			    (m->prot & PROT_EXEC) ? 'x' : '-', (m->flags & VMA_SHARED) ? 's' : 'p',
			    (unsigned long long)m->off, st.dev_major, st.dev_minor,
			    (unsigned long long)st.ino);
		/* The name starts at column 73 (show_vma_header_prefix's width, then seq_pad). */
		const char *s = vma_name(c, m, name, SENTRY_PATH_MAX);
		size_t used = b->len - start;
		if (s)
			pbuf_printf(b, "%*s%s", used < 73 ? (int)(73 - used) : 1, "", s);
		pbuf_printf(b, "\n");
	}
	free(name);
	proc_view_vmas_free(vmas, n);
	return 0;
}

int proc_gen_mounts(const struct pctx *c, struct pbuf *b)
{
	if (c->k && !proc_view_alive(c->k, c->pid, 0))
		return -ESRCH;
	proc_mounts_text(b);
	return 0;
}

/* One mounts line's fields: source, target, type and options. */
struct mline {
	char src[256], target[1024], type[64], opts[256];
};

/* The mount of @lines[0..i) whose target holds @target most closely: its parent. */
static size_t parent_of(const struct mline *lines, size_t i, const char *target)
{
	size_t best = 0, best_len = 0;
	for (size_t j = 0; j < i; j++) {
		size_t l = strlen(lines[j].target);
		int under = !strcmp(lines[j].target, "/") ||
			    (!strncmp(target, lines[j].target, l) && target[l] == '/');
		if (under && l >= best_len) {
			best = j;
			best_len = l;
		}
	}
	return best;
}

/* mountinfo from the mount table mounts shows: IDs in mount order (the root's parent is the
 * ID before the first), each mount's device as stat shows its root, and the options split as
 * Linux splits them (per-mount flags first, the filesystem's after the type). */
int proc_gen_mountinfo(const struct pctx *c, struct pbuf *b)
{
	struct pbuf text = { 0 };
	proc_mounts_text(&text);
	size_t n = 0;
	for (size_t i = 0; i < text.len; i++)
		n += text.p[i] == '\n';
	struct mline *lines = calloc(n ? n : 1, sizeof(*lines));
	if (!lines || text.oom) {
		free(lines);
		free(text.p);
		return -ENOMEM;
	}
	size_t count = 0;
	for (char *line = text.p, *end; line && line < text.p + text.len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(text.p + text.len - line));
		if (!end)
			break;
		*end = '\0';
		struct mline *m = &lines[count];
		int fields = sscanf(line, "%255s %1023s %63s %255s", m->src, m->target, m->type,
				    m->opts);
		count += fields == 4;
	}
	for (size_t i = 0; i < count; i++) {
		const struct mline *m = &lines[i];
		struct sentry_statx st = { 0 };
		if (c->fs)
			(void)vfs_statat(c->fs, NULL, m->target, 0, SENTRY_STATX_INO, &st);
		size_t parent = parent_of(lines, i, m->target);
		const char *ro = strncmp(m->opts, "ro", 2) ? "rw" : "ro";
		pbuf_printf(b, "%zu %zu %u:%u / %s %s - %s %s %s\n", 20 + i,
			    i ? 20 + parent : 19, st.dev_major, st.dev_minor, m->target, m->opts,
			    m->type, m->src, ro);
	}
	free(lines);
	free(text.p);
	return 0;
}

/* One cgroup v2 hierarchy with the process at its root, as a container sees its own. */
int proc_gen_cgroup(const struct pctx *c, struct pbuf *b)
{
	if (c->k && !proc_view_alive(c->k, c->pid, 0))
		return -ESRCH;
	pbuf_printf(b, "0::/\n");
	return 0;
}
