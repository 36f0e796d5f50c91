/*
 * core/ipc/memfd.h: memfd_create(2) files, and the files behind MAP_SHARED|MAP_ANONYMOUS
 * memory: open file descriptions on the anonymous filesystem over a shared memory object
 * (mm/shm.h). They read, write, seek, ftruncate and fstat as regular files, map like any file
 * (through g_vfs_mm_source, so a fork or a /proc/self/fd/N reopen shares the pages), and carry
 * memfd's seals. /proc shows them by their Linux names ("/memfd:NAME (deleted)",
 * "/dev/zero (deleted)").
 */
#pragma once

#include <stdint.h>

#include "sentry/types.h"

struct shm_obj;
struct vfs_file;

/* A file over @shm (a reference taken) shown as @label in /proc, with fstat's owner from
 * @creds, open with @flags (access mode, O_APPEND...). Returns 0 or -ENOMEM. System V shm can
 * use this for shmat: map the file MAP_SHARED through g_vfs_mm_source. */
int memfd_file_new(struct shm_obj *shm, const char *label, const struct sentry_creds *creds,
		   uint32_t flags, struct vfs_file **ret_file);

/* The shared memory object of @f (borrowed), or NULL when @f is not one of these files. */
struct shm_obj *memfd_obj(struct vfs_file *f);

/* memfd_create(2)'s flag checks, made before the name is read: 0 or -EINVAL (unknown flags,
 * MFD_EXEC with MFD_NOEXEC_SEAL). */
int memfd_check_flags(uint32_t flags);

/* memfd_create(2)'s checks and file: @name is the name given (at most 249 bytes), @flags
 * MFD_*. Returns 0, -EINVAL (unknown flags), -ENOSYS (MFD_HUGETLB: no hugetlbfs), -ENOMEM. */
int memfd_create_file(const char *name, uint32_t flags, const struct sentry_creds *creds,
		      struct vfs_file **ret_file);

/* F_ADD_SEALS / F_GET_SEALS on @f: -EINVAL for other files, -EPERM (sealed, or F_ADD_SEALS
 * on a description not open for writing), -EBUSY (F_SEAL_WRITE with writable mappings). */
int64_t memfd_fcntl(struct vfs_file *f, int cmd, uint64_t arg);

/* The mm_source shared_map hook for file mappings: counts shared mappings of memfd files (no-op
 * for others). Returns 0 or -EPERM (a writable mapping of a write-sealed memfd). */
int memfd_shared_map(struct vfs_file *f, int delta, uint32_t prot, int fresh);

/* The mm_source punch hook (MADV_REMOVE) for file mappings: [@off, @off+@len) of a memfd's
 * object punched out (mm/shm.h). Returns 0, -EACCES (@f not open for writing), -EPERM
 * (write-sealed), -EOPNOTSUPP for other files. */
int memfd_punch(struct vfs_file *f, int64_t off, uint64_t len);
