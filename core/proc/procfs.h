/*
 * core/proc/procfs.h: /proc, the Sentry's view of its own processes.
 *
 * A core filesystem (like the anonymous one): its contents come from the kernel's objects,
 * generated when a file is opened, the way Linux's seq_files are, so a read sees one
 * consistent snapshot. Served today: /proc/self, /proc/PID/{exe,cmdline,comm,status,stat,
 * maps,mounts,fd/}, /proc/{cpuinfo,meminfo,mounts,uptime,loadavg,version,filesystems}.
 * Only the calling process's PID directory exists until the process model brings others (#7).
 */
#pragma once

struct plg_plugin;

/* The filesystem, for vfs_mount(ctx, procfs_plugin(), "proc", "/proc", ...). */
struct plg_plugin *procfs_plugin(void);

/* Sets what /proc/mounts shows (the lines of the container's mount table); copied. */
void procfs_set_mounts(const char *text);
