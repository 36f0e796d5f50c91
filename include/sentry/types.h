/*
 * sentry/types.h: plain data types shared by every ops table of the plugin SDK.
 *
 * Self-contained ISO C11: fixed-width integers only, no host structs (a host struct's layout is
 * the host libc's business, these are the ABI's). Offsets are int64_t, never off_t.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the one symbol a plugin exports (it is built with -fvisibility=hidden). */
#define SENTRY_EXPORT __attribute__((visibility("default")))

/* A span of Sentry-addressable memory. Application buffers reach plugins already translated to
 * the Sentry's mapping of the memory file, page run by page run, so plugins never see
 * application addresses for bulk data and never fault on them. */
struct sentry_iov {
	void *base;	/* first byte; borrowed for the duration of the call */
	size_t len;	/* bytes at base */
};

/* A point in time, as struct timespec but with fixed-width fields. */
struct sentry_timespec {
	int64_t sec;	/* seconds */
	int64_t nsec;	/* nanoseconds, 0..999999999, or SENTRY_UTIME_NOW/OMIT in setstat */
};

/* tv_nsec values with utimensat(2) meaning, in struct sentry_setstat. */
#define SENTRY_UTIME_NOW  ((1l << 30) - 1l)
#define SENTRY_UTIME_OMIT ((1l << 30) - 2l)

/* Credentials of the task on whose behalf an operation runs, already mapped into the sandbox's
 * user namespace. Permission checks use fsuid/fsgid, as Linux does. */
struct sentry_creds {
	uint32_t uid;		/* real user ID */
	uint32_t gid;		/* real group ID */
	uint32_t euid;		/* effective user ID */
	uint32_t egid;		/* effective group ID */
	uint32_t fsuid;		/* filesystem user ID: owner of new files, used for access checks */
	uint32_t fsgid;		/* filesystem group ID */
	uint32_t ngroups;	/* entries used in groups[] */
	uint32_t groups[32];	/* supplementary groups (Linux allows 65536; 32 covers real use) */
	uint64_t cap_effective;	/* effective capability set, bit n = capability n (CAP_*) */
};

/* Linux capability numbers a plugin may test in cap_effective (linux/capability.h values). */
#define SENTRY_CAP_CHOWN	    0
#define SENTRY_CAP_DAC_OVERRIDE	    1
#define SENTRY_CAP_DAC_READ_SEARCH  2
#define SENTRY_CAP_FOWNER	    3
#define SENTRY_CAP_FSETID	    4
#define SENTRY_CAP_NET_BIND_SERVICE 10
#define SENTRY_CAP_NET_ADMIN	    12
#define SENTRY_CAP_NET_RAW	    13
#define SENTRY_CAP_SYS_ADMIN	    21
#define SENTRY_CAP_MKNOD	    27

/* File attributes, statx(2) shaped. Filesystems fill the fields named in mask. */
struct sentry_statx {
	uint32_t mask;			/* SENTRY_STATX_* bits of the fields that are valid */
	uint32_t blksize;		/* preferred I/O size */
	uint64_t attributes;		/* STATX_ATTR_* */
	uint32_t nlink;			/* hard link count */
	uint32_t uid;			/* owner */
	uint32_t gid;			/* group */
	uint16_t mode;			/* file type (S_IFMT bits) and permissions */
	uint16_t pad0;			/* zero */
	uint64_t ino;			/* inode number, unique within the filesystem */
	uint64_t size;			/* bytes */
	uint64_t blocks;		/* 512-byte blocks allocated */
	uint64_t attributes_mask;	/* STATX_ATTR_* bits the filesystem supports */
	struct sentry_timespec atime;	/* last access */
	struct sentry_timespec btime;	/* creation */
	struct sentry_timespec ctime;	/* last status change */
	struct sentry_timespec mtime;	/* last modification */
	uint32_t rdev_major;		/* device of a device node */
	uint32_t rdev_minor;
	uint32_t dev_major;		/* device of the filesystem; the core fills these */
	uint32_t dev_minor;
};

/* statx(2) mask bits, same values as Linux. */
#define SENTRY_STATX_TYPE	0x0001u
#define SENTRY_STATX_MODE	0x0002u
#define SENTRY_STATX_NLINK	0x0004u
#define SENTRY_STATX_UID	0x0008u
#define SENTRY_STATX_GID	0x0010u
#define SENTRY_STATX_ATIME	0x0020u
#define SENTRY_STATX_MTIME	0x0040u
#define SENTRY_STATX_CTIME	0x0080u
#define SENTRY_STATX_INO	0x0100u
#define SENTRY_STATX_SIZE	0x0200u
#define SENTRY_STATX_BLOCKS	0x0400u
#define SENTRY_STATX_BASIC_STATS 0x07ffu
#define SENTRY_STATX_BTIME	0x0800u

/* statfs(2) result. */
struct sentry_statfs {
	uint64_t type;		/* filesystem magic, e.g. TMPFS_MAGIC 0x01021994 */
	uint64_t bsize;		/* block size */
	uint64_t blocks;	/* total blocks */
	uint64_t bfree;		/* free blocks */
	uint64_t bavail;	/* free blocks for unprivileged users */
	uint64_t files;		/* total inodes */
	uint64_t ffree;		/* free inodes */
	uint64_t namelen;	/* longest name */
	uint64_t frsize;	/* fragment size */
	uint64_t flags;		/* ST_* mount flags; the core ORs in the mount's own */
};

#ifdef __cplusplus
}
#endif
