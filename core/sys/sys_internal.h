/*
 * core/sys/sys_internal.h: handler prototypes, shared by the sys_<family>.c files and the table.
 */
#pragma once

#include <stdint.h>

#include "sys/sys.h"

struct task;
struct vfs_file;

#define SYS_DECL(name) int64_t sys_##name(struct task *t, const uint64_t a[6])

/* sys_mm.c */
SYS_DECL(brk);
SYS_DECL(mmap);
SYS_DECL(munmap);
SYS_DECL(mprotect);
SYS_DECL(arch_prctl);

/* sys_proc.c */
SYS_DECL(exit);
SYS_DECL(exit_group);
SYS_DECL(getpid);
SYS_DECL(gettid);
SYS_DECL(getppid);
SYS_DECL(getuid);
SYS_DECL(geteuid);
SYS_DECL(getgid);
SYS_DECL(getegid);
SYS_DECL(set_tid_address);
SYS_DECL(set_robust_list);
SYS_DECL(uname);
SYS_DECL(prlimit64);
SYS_DECL(getrandom);

/* sys_file.c */
SYS_DECL(read);
SYS_DECL(write);
SYS_DECL(pread64);
SYS_DECL(pwrite64);
SYS_DECL(openat);
SYS_DECL(open);
SYS_DECL(close);
SYS_DECL(fstat);
SYS_DECL(newfstatat);
SYS_DECL(lseek);
SYS_DECL(readlinkat);
SYS_DECL(readlink);
SYS_DECL(dup);
SYS_DECL(dup3);
SYS_DECL(dup2);

/* The open file description behind @fd with a new reference, or -EBADF. */
int sys_get_file(struct task *t, int64_t fd, struct vfs_file **ret_file);
