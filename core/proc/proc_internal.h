/*
 * core/proc/proc_internal.h: what the files of core/proc share: the buffer a file's content is
 * generated into and the generators of each file (proc_pid.c: a process's files; proc_sys.c:
 * the machine's and the sandbox's).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct kernel;
struct vfs_ctx;

/* A generated file's content. An allocation failure sticks (@oom) so generators need not check
 * every print; the caller turns it into -ENOMEM once. */
struct pbuf {
	char *p;
	size_t len, cap;
	int oom;
};

/* Appends printf output to @b. */
__attribute__((format(printf, 2, 3))) void pbuf_printf(struct pbuf *b, const char *fmt, ...);
/* Appends @len bytes of @data (binary: cmdline, environ). */
void pbuf_put(struct pbuf *b, const void *data, size_t len);

/* Whom a generator works for: the process (and thread) the file belongs to, and the reader. */
struct pctx {
	struct kernel *k;	/* the reader's kernel */
	int pid, tid;		/* the file's process and thread; 0 for a global file */
	struct vfs_ctx *fs;	/* the reader's filesystem context (names are seen from its root) */
};

/* Generates one file into @b. Returns 0, -ESRCH (the process is gone), -ENOMEM, -EACCES. */
typedef int (*pgen_fn)(const struct pctx *c, struct pbuf *b);

/* Clock ticks per second of /proc's times (USER_HZ). */
#define PROC_HZ 100
/* The highest capability Linux 6.1 knows (CAP_CHECKPOINT_RESTORE): /proc/sys/kernel/cap_last_cap
 * and the width of the Cap* masks. */
#define PROC_CAP_LAST 40

/* When the sandbox booted: CLOCK_MONOTONIC and CLOCK_REALTIME ns (set on the first mount). */
extern int64_t g_proc_boot_mono_ns, g_proc_boot_real_ns;
/* Sets the boot times if unset. */
void proc_boot_init(void);
int64_t proc_mono_ns(void);
/* CPUs the sandbox has (the Sentry's affinity when it started). */
int proc_ncpus(void);

/* proc_pid.c */
int proc_gen_stat(const struct pctx *c, struct pbuf *b);
int proc_gen_status(const struct pctx *c, struct pbuf *b);
int proc_gen_statm(const struct pctx *c, struct pbuf *b);
int proc_gen_limits(const struct pctx *c, struct pbuf *b);
int proc_gen_cmdline(const struct pctx *c, struct pbuf *b);
int proc_gen_environ(const struct pctx *c, struct pbuf *b);
int proc_gen_comm(const struct pctx *c, struct pbuf *b);
int proc_gen_maps(const struct pctx *c, struct pbuf *b);
int proc_gen_mounts(const struct pctx *c, struct pbuf *b);
int proc_gen_mountinfo(const struct pctx *c, struct pbuf *b);
int proc_gen_cgroup(const struct pctx *c, struct pbuf *b);
/* The boot mount table procfs_set_mounts keeps (mounts' lines), for mounts and mountinfo. */
void proc_mounts_text(struct pbuf *b);

/* proc_sys.c */
int proc_gen_cpuinfo(const struct pctx *c, struct pbuf *b);
int proc_gen_meminfo(const struct pctx *c, struct pbuf *b);
int proc_gen_uptime(const struct pctx *c, struct pbuf *b);
int proc_gen_loadavg(const struct pctx *c, struct pbuf *b);
int proc_gen_kstat(const struct pctx *c, struct pbuf *b);
int proc_gen_version(const struct pctx *c, struct pbuf *b);
int proc_gen_filesystems(const struct pctx *c, struct pbuf *b);
int proc_gen_hostname(const struct pctx *c, struct pbuf *b);
int proc_gen_domainname(const struct pctx *c, struct pbuf *b);
int proc_gen_ostype(const struct pctx *c, struct pbuf *b);
int proc_gen_osrelease(const struct pctx *c, struct pbuf *b);
int proc_gen_kversion(const struct pctx *c, struct pbuf *b);
int proc_gen_pid_max(const struct pctx *c, struct pbuf *b);
int proc_gen_ngroups_max(const struct pctx *c, struct pbuf *b);
int proc_gen_cap_last_cap(const struct pctx *c, struct pbuf *b);
int proc_gen_nr_open(const struct pctx *c, struct pbuf *b);
int proc_gen_pipe_max_size(const struct pctx *c, struct pbuf *b);
/* /sys/devices/system/cpu/{online,possible,present} */
int proc_gen_cpus_online(const struct pctx *c, struct pbuf *b);
int proc_gen_cpus_possible(const struct pctx *c, struct pbuf *b);
int proc_gen_cpus_present(const struct pctx *c, struct pbuf *b);
