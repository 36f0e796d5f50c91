/*
 * core/proc/proc_sys.c: the files of /proc about the machine and the sandbox as a whole, and
 * /sys's CPU counts.
 *
 * The machine's numbers are the host's, read from the host's own /proc when the Sentry can
 * (cpuinfo, meminfo, the CPU times of stat, the load) and otherwise made from what cpuid and
 * sysinfo(2) tell. What belongs to the sandbox is its own: its processes, its boot time (the
 * first mount of /proc or /sys), its uptime, its kernel identity (the uname(2) the Sentry
 * gives: sys_proc.c) and its CPUs (the Sentry's affinity at start).
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "fd/fdtable.h"
#include "ipc/pipe.h"
#include "kernel/proc_view.h"
#include "proc/proc_internal.h"

int64_t g_proc_boot_mono_ns, g_proc_boot_real_ns;
static pthread_once_t g_boot_once = PTHREAD_ONCE_INIT;
static int g_ncpus = 1;

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t proc_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void host_files_open(void);

static void boot_once(void)
{
	g_proc_boot_mono_ns = clock_ns(CLOCK_MONOTONIC);
	g_proc_boot_real_ns = clock_ns(CLOCK_REALTIME);
	host_files_open();
}

void proc_boot_init(void)
{
	pthread_once(&g_boot_once, boot_once);
}

/* Counted before any task thread is pinned to one CPU (the platform pins them for its round
 * trips), as sched_getaffinity(2) of the sandbox reports them (sys_info.c). */
__attribute__((constructor)) static void count_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		g_ncpus = CPU_COUNT(&set);
}

int proc_ncpus(void)
{
	return g_ncpus;
}

/* The host files some of ours are made from, opened once when /proc is first mounted: a
 * confined Sentry opens no host path, and a procfs file gives nothing but its own text (no
 * path walks from it). Reread from offset 0 each time, which regenerates them. */
static const char *const g_host_paths[] = { "/proc/cpuinfo", "/proc/meminfo", "/proc/stat",
					    "/proc/sys/kernel/pid_max" };
enum { HOST_CPUINFO, HOST_MEMINFO, HOST_STAT, HOST_PID_MAX, HOST_FILES };
static int g_host_fds[HOST_FILES] = { -1, -1, -1, -1 };

static void host_files_open(void)
{
	for (int i = 0; i < HOST_FILES; i++)
		g_host_fds[i] = open(g_host_paths[i], O_RDONLY | O_CLOEXEC);
}

/* Appends host file @which whole. Returns 0 or -errno (the Sentry may not see the host's). */
static int host_file(int which, struct pbuf *b)
{
	proc_boot_init();
	int fd = g_host_fds[which];
	if (fd < 0)
		return -ENOENT;
	char buf[4096];
	ssize_t n;
	off_t off = 0;
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		pbuf_put(b, buf, (size_t)n);
		off += n;
	}
	return n < 0 ? -errno : 0;
}

/* cpuinfo made from cpuid, when the host's cannot be read. */
static void cpuinfo_cpuid(struct pbuf *b)
{
	unsigned a = 0, bx = 0, c = 0, d = 0;
	char vendor[13] = { 0 }, model[49] = { 0 };
	__get_cpuid(0, &a, &bx, &c, &d);
	memcpy(vendor, &bx, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	for (unsigned i = 0; i < 3; i++) {
		unsigned r[4];
		if (__get_cpuid(0x80000002 + i, &r[0], &r[1], &r[2], &r[3]))
			memcpy(model + 16 * i, r, 16);
	}
	__get_cpuid(1, &a, &bx, &c, &d);
	unsigned family = (a >> 8) & 0xf, mdl = (a >> 4) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family >= 6)
		mdl |= ((a >> 16) & 0xf) << 4;
	for (int i = 0; i < g_ncpus; i++)
		pbuf_printf(b, "processor\t: %d\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			       "model name\t: %s\nstepping\t: %u\ncpu cores\t: %d\nflags\t\t: fpu tsc "
			       "cx8 cmov mmx fxsr sse sse2%s%s%s\n\n",
			    i, vendor, family, mdl, model, a & 0xf, g_ncpus, (c & 1) ? " pni" : "",
			    (c & (1u << 19)) ? " sse4_1" : "", (c & (1u << 28)) ? " avx" : "");
}

/* The host's, cut to the sandbox's CPUs (one block per processor, blank-line separated). */
int proc_gen_cpuinfo(const struct pctx *c, struct pbuf *b)
{
	struct pbuf host = { 0 };
	if (host_file(HOST_CPUINFO, &host) < 0 || host.oom || !host.len) {
		free(host.p);
		cpuinfo_cpuid(b);
		return 0;
	}
	size_t end = 0;
	for (int n = 0; end < host.len && n < g_ncpus; n++) {
		char *sep = memmem(host.p + end, host.len - end, "\n\n", 2);
		end = sep ? (size_t)(sep - host.p) + 2 : host.len;
	}
	pbuf_put(b, host.p, end);
	free(host.p);
	return 0;
}

int proc_gen_meminfo(const struct pctx *c, struct pbuf *b)
{
	if (host_file(HOST_MEMINFO, b) == 0 && b->len)
		return 0;
	b->len = 0;
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		memset(&si, 0, sizeof(si));
	unsigned long long unit = si.mem_unit ? si.mem_unit : 1;
	unsigned long long total = si.totalram * unit / 1024, free_kb = si.freeram * unit / 1024;
	pbuf_printf(b, "MemTotal:       %8llu kB\nMemFree:        %8llu kB\n"
		       "MemAvailable:   %8llu kB\nBuffers:        %8llu kB\n"
		       "Cached:                0 kB\nSwapCached:            0 kB\n"
		       "SwapTotal:      %8llu kB\nSwapFree:       %8llu kB\n"
		       "Shmem:          %8llu kB\n",
		    total, free_kb, free_kb, si.bufferram * unit / 1024, si.totalswap * unit / 1024,
		    si.freeswap * unit / 1024, si.sharedram * unit / 1024);
	return 0;
}

static double uptime_s(void)
{
	proc_boot_init();
	return (double)(proc_mono_ns() - g_proc_boot_mono_ns) / 1e9;
}

/* The sandbox's uptime; its CPUs idle but for what it ran, as far as anyone can tell. */
int proc_gen_uptime(const struct pctx *c, struct pbuf *b)
{
	double up = uptime_s();
	pbuf_printf(b, "%.2f %.2f\n", up, up * g_ncpus);
	return 0;
}

int proc_gen_loadavg(const struct pctx *c, struct pbuf *b)
{
	struct proc_view_counts n = { .processes = 1, .threads = 1 };
	if (c->k)
		proc_view_counts(c->k, &n);
	struct sysinfo si;
	double l[3] = { 0 };
	if (sysinfo(&si) == 0)
		for (int i = 0; i < 3; i++)
			l[i] = (double)si.loads[i] / (1 << SI_LOAD_SHIFT);
	/* Runnable threads: the reader, at least. */
	pbuf_printf(b, "%.2f %.2f %.2f 1/%d %d\n", l[0], l[1], l[2], n.threads, n.last_pid);
	return 0;
}

/* /proc/stat: the host's CPU time lines for the sandbox's CPUs, the sandbox's own counts. */
int proc_gen_kstat(const struct pctx *c, struct pbuf *b)
{
	struct proc_view_counts n = { .processes = 1, .threads = 1 };
	if (c->k)
		proc_view_counts(c->k, &n);
	struct pbuf host = { 0 };
	int lines = 0;
	if (host_file(HOST_STAT, &host) == 0 && !host.oom) {
		for (char *p = host.p; p && p < host.p + host.len && lines <= g_ncpus;) {
			char *nl = memchr(p, '\n', (size_t)(host.p + host.len - p));
			if (!nl || strncmp(p, "cpu", 3))
				break;
			pbuf_put(b, p, (size_t)(nl - p) + 1);
			lines++;
			p = nl + 1;
		}
	}
	free(host.p);
	if (lines == 0) {
		unsigned long long idle = (unsigned long long)(uptime_s() * PROC_HZ);
		pbuf_printf(b, "cpu  0 0 0 %llu 0 0 0 0 0 0\n", idle * (unsigned)g_ncpus);
		for (int i = 0; i < g_ncpus; i++)
			pbuf_printf(b, "cpu%d 0 0 0 %llu 0 0 0 0 0 0\n", i, idle);
	}
	pbuf_printf(b, "intr 0\nctxt 0\nbtime %lld\nprocesses %lld\nprocs_running 1\n"
		       "procs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		    (long long)(g_proc_boot_real_ns / 1000000000), (long long)n.forks);
	return 0;
}

/* The kernel uname(2) names (sys_proc.c). */
#define PROC_OSRELEASE "6.1.0"
#define PROC_KVERSION "#1 SMP cvisor"

int proc_gen_version(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, "Linux version " PROC_OSRELEASE " (cvisor) " PROC_KVERSION "\n");
	return 0;
}

int proc_gen_filesystems(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\t9p\n");
	return 0;
}

int proc_gen_hostname(const struct pctx *c, struct pbuf *b)
{
	char host[65] = "cvisor", domain[65];
	if (c->k)
		proc_view_uts(c->k, host, domain);
	pbuf_printf(b, "%s\n", host);
	return 0;
}

int proc_gen_domainname(const struct pctx *c, struct pbuf *b)
{
	char host[65], domain[65] = "(none)";
	if (c->k)
		proc_view_uts(c->k, host, domain);
	pbuf_printf(b, "%s\n", domain);
	return 0;
}

int proc_gen_ostype(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, "Linux\n");
	return 0;
}

int proc_gen_osrelease(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, PROC_OSRELEASE "\n");
	return 0;
}

int proc_gen_kversion(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, PROC_KVERSION "\n");
	return 0;
}

/* The host's limit on IDs (the sandbox's are below it), else Linux's 64-bit default. */
int proc_gen_pid_max(const struct pctx *c, struct pbuf *b)
{
	struct pbuf host = { 0 };
	long v = 0;
	if (host_file(HOST_PID_MAX, &host) == 0 && host.len && !host.oom) {
		pbuf_put(&host, "", 1);
		v = strtol(host.p, NULL, 10);
	}
	free(host.p);
	pbuf_printf(b, "%ld\n", v > 0 ? v : 4194304L);
	return 0;
}

int proc_gen_ngroups_max(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, "65536\n");	/* NGROUPS_MAX */
	return 0;
}

int proc_gen_cap_last_cap(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, "%d\n", PROC_CAP_LAST);
	return 0;
}

int proc_gen_nr_open(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, "%u\n", FDT_NR_OPEN);
	return 0;
}

int proc_gen_pipe_max_size(const struct pctx *c, struct pbuf *b)
{
	pbuf_printf(b, "%u\n", PIPE_MAX_SIZE);
	return 0;
}

/* The sandbox's CPUs are 0..n-1 whichever host CPUs it runs on. */
static int cpu_range(struct pbuf *b)
{
	if (g_ncpus > 1)
		pbuf_printf(b, "0-%d\n", g_ncpus - 1);
	else
		pbuf_printf(b, "0\n");
	return 0;
}

int proc_gen_cpus_online(const struct pctx *c, struct pbuf *b)
{
	return cpu_range(b);
}

int proc_gen_cpus_possible(const struct pctx *c, struct pbuf *b)
{
	return cpu_range(b);
}

int proc_gen_cpus_present(const struct pctx *c, struct pbuf *b)
{
	return cpu_range(b);
}
