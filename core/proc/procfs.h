/*
 * core/proc/procfs.h: /proc and /sys, the Sentry's view of its own processes and machine.
 *
 * Core filesystems (like the anonymous one): their contents come from the kernel's objects
 * (kernel/proc_view.h), generated when a file is read, the way Linux's seq_files are, so a read
 * sees one consistent snapshot. Served: /proc/PID (every live process of the sandbox) and
 * /proc/PID/task/TID with {cmdline, comm, cwd, environ, exe, fd/, limits, maps, mounts,
 * mountinfo, root, stat, statm, status, cgroup}; /proc/self, /proc/thread-self;
 * /proc/{cpuinfo, meminfo, stat, uptime, loadavg, version, filesystems, mounts};
 * /proc/sys/kernel/{hostname,
 * domainname, ostype, osrelease, version, pid_max, ngroups_max, cap_last_cap} and
 * /proc/sys/fs/{nr_open, pipe-max-size}. /sys holds devices/system/cpu/{online, possible,
 * present, cpuN/}, what glibc and nproc count CPUs by. The machine's numbers (memory, CPU
 * times, load) are the host's; processes, uptime and boot time are the sandbox's.
 */
#pragma once

struct plg_plugin;

/* The filesystems, for vfs_mount(ctx, procfs_plugin(), "proc", "/proc", ...) and
 * vfs_mount(ctx, sysfs_plugin(), "sysfs", "/sys", ...). */
struct plg_plugin *procfs_plugin(void);
struct plg_plugin *sysfs_plugin(void);

/* Sets what /proc/mounts shows (the lines of the container's mount table); copied. */
void procfs_set_mounts(const char *text);
