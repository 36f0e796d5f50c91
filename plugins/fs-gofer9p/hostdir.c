/*
 * hostdir.c: the hostdir Gofer backend plugin. Serves a host directory tree over the Gofer's
 * 9P2000.L server, read-write or read-only, without ever letting a request reach outside it.
 * This file: the plugin descriptor, nodes, attach, walk, getattr, open, read, readdir.
 * hostdir_mod.c: everything that changes the tree, readlink, statfs, fsync, xattrs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sentry/plugin.h"

#include "hostdir.h"

struct hostdir_state {
	const struct sentry_services *svc;	/* borrowed from the core for the plugin's life */
};

int hostdir_check_name(const char *name)
{
	size_t len = strlen(name);

	/* A 9P server answers these itself (walk(5)); a backend that saw one would be walking
	 * somewhere the name does not say, so it is refused again here. */
	if (len == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/'))
		return -EINVAL;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	return 0;
}

void hostdir_qid(const struct stat *st, struct sentry_qid *ret_qid)
{
	ret_qid->type = S_ISDIR(st->st_mode) ? 0x80 : S_ISLNK(st->st_mode) ? 0x02 : 0;
	ret_qid->version = 0;
	ret_qid->path = (uint64_t)st->st_ino;
}

/* O_PATH fd on @name below @dirfd, never following a symlink and never leaving @dirfd.
 * Returns the fd or -errno. */
static int open_beneath(int dirfd, const char *name)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, name, &how, sizeof(how));

	/* Before Linux 5.6: @name is one checked component and O_NOFOLLOW keeps a final symlink
	 * unfollowed, which is all RESOLVE_* adds for a single component. */
	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

/* A node taking ownership of @fd (O_PATH) and @parent_fd; NULL name for the root. On failure
 * both fds are closed. */
static int node_new(int fd, int parent_fd, const char *name, uint32_t flags,
		    struct sentry_gnode **ret_node, struct sentry_qid *ret_qid)
{
	struct sentry_gnode *node = calloc(1, sizeof(*node));
	struct stat st;
	int r = 0;

	if (!node)
		r = -ENOMEM;
	else if (fstat(fd, &st) < 0)
		r = -errno;
	else if (name && !(node->name = strdup(name)))
		r = -ENOMEM;
	if (r < 0) {
		if (node)
			free(node->name);
		free(node);
		(void)close(fd);
		if (parent_fd >= 0)
			(void)close(parent_fd);
		return r;
	}
	node->fd = fd;
	node->parent_fd = parent_fd;
	node->open_fd = -1;
	node->flags = flags;
	node->mode = st.st_mode & S_IFMT;
	node->dev = st.st_dev;
	node->ino = st.st_ino;
	hostdir_qid(&st, ret_qid);
	*ret_node = node;
	return 0;
}

/* Closes what @node holds (each fd may be -1) and frees it. */
static void hostdir_release_fds(struct sentry_gnode *node)
{
	if (node->open_fd >= 0)
		(void)close(node->open_fd);
	if (node->parent_fd >= 0)
		(void)close(node->parent_fd);
	if (node->fd >= 0)
		(void)close(node->fd);
	free(node->name);
	free(node);
}

void hostdir_release(struct sentry_gnode *node)
{
	if (node)
		hostdir_release_fds(node);
}

int hostdir_lookup(struct sentry_gnode *dir, const char *name, struct sentry_gnode **ret_node,
		   struct sentry_qid *ret_qid)
{
	int r = hostdir_check_name(name);

	if (r < 0)
		return r;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	int fd = open_beneath(dir->fd, name);
	if (fd < 0)
		return fd;
	int parent = fcntl(dir->fd, F_DUPFD_CLOEXEC, 0);
	if (parent < 0) {
		r = -errno;
		(void)close(fd);
		return r;
	}
	return node_new(fd, parent, name, dir->flags, ret_node, ret_qid);
}

int hostdir_reopen(struct sentry_gnode *node, int flags)
{
	struct stat st;
	int fd;

	/* O_TMPFILE includes O_DIRECTORY, which a caller may rightly pass: drop only the rest. */
	flags &= ~(O_CREAT | O_EXCL | O_PATH | O_NOCTTY | (O_TMPFILE & ~O_DIRECTORY));
	if (S_ISLNK(node->mode))
		return -ELOOP;
	/* A directory reopens through itself; anything else by name in its parent, with
	 * O_NOFOLLOW so a symlink swapped in under that name is refused, not followed. */
	if (S_ISDIR(node->mode))
		fd = openat(node->fd, ".", flags | O_DIRECTORY | O_CLOEXEC);
	else
		fd = openat(node->parent_fd, node->name, flags | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_dev != node->dev || st.st_ino != node->ino) {
		(void)close(fd);
		return -ESTALE;
	}
	return fd;
}

/* Same file, own fds (so each node can be opened once on its own), never opened yet. */
static int hostdir_clone(struct sentry_gnode *node, struct sentry_gnode **ret_node)
{
	struct sentry_gnode *c = calloc(1, sizeof(*c));
	int r = -ENOMEM;

	if (!c)
		return -ENOMEM;
	*c = *node;
	c->open_fd = -1;
	c->parent_fd = -1;
	c->name = NULL;
	c->fd = fcntl(node->fd, F_DUPFD_CLOEXEC, 0);
	if (c->fd < 0) {
		r = -errno;
		goto fail;
	}
	if (node->parent_fd >= 0 && (c->parent_fd = fcntl(node->parent_fd, F_DUPFD_CLOEXEC, 0)) < 0) {
		r = -errno;
		goto fail;
	}
	if (node->name && !(c->name = strdup(node->name)))
		goto fail;
	*ret_node = c;
	return 0;
fail:
	hostdir_release_fds(c);
	return r;
}

static uint32_t hostdir_info(void *state)
{
	return SENTRY_GOFER_THREADSAFE;
}

static int hostdir_attach(void *state, const char *root, uint32_t flags,
			  struct sentry_gnode **ret_node, struct sentry_qid *ret_qid)
{
	if (flags & ~SENTRY_GOFER_RDONLY)
		return -EINVAL;
	/* The only open by host path: runsc names the root before the Gofer confines itself.
	 * Its own symlinks are runsc's business. The root is a directory, or a regular file
	 * served alone (a file bind mount): nothing can be walked from it. */
	int fd = open(root, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))) {
		close(fd);
		return -ENOTDIR;
	}
	return node_new(fd, -1, NULL, flags, ret_node, ret_qid);
}

static int hostdir_walk(struct sentry_gnode *dir, const char *name,
			struct sentry_gnode **ret_node, struct sentry_qid *ret_qid)
{
	return hostdir_lookup(dir, name, ret_node, ret_qid);
}

static void stat_to_statx(const struct statx *sx, struct sentry_statx *st)
{
	memset(st, 0, sizeof(*st));
	st->mask = sx->stx_mask & (SENTRY_STATX_BASIC_STATS | SENTRY_STATX_BTIME);
	st->blksize = sx->stx_blksize;
	st->attributes = sx->stx_attributes;
	st->nlink = sx->stx_nlink;
	st->uid = sx->stx_uid;
	st->gid = sx->stx_gid;
	st->mode = sx->stx_mode;
	st->ino = sx->stx_ino;
	st->size = sx->stx_size;
	st->blocks = sx->stx_blocks;
	st->attributes_mask = sx->stx_attributes_mask;
	st->atime = (struct sentry_timespec){ sx->stx_atime.tv_sec, sx->stx_atime.tv_nsec };
	st->btime = (struct sentry_timespec){ sx->stx_btime.tv_sec, sx->stx_btime.tv_nsec };
	st->ctime = (struct sentry_timespec){ sx->stx_ctime.tv_sec, sx->stx_ctime.tv_nsec };
	st->mtime = (struct sentry_timespec){ sx->stx_mtime.tv_sec, sx->stx_mtime.tv_nsec };
	st->rdev_major = sx->stx_rdev_major;
	st->rdev_minor = sx->stx_rdev_minor;
	st->dev_major = sx->stx_dev_major;
	st->dev_minor = sx->stx_dev_minor;
}

static int hostdir_getattr(struct sentry_gnode *node, uint64_t mask,
			   struct sentry_statx *ret_stat)
{
	struct statx sx;

	/* The fd itself, never a path: AT_EMPTY_PATH on the O_PATH fd stats a symlink as one. */
	if (statx(node->fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
		  STATX_BASIC_STATS | STATX_BTIME, &sx) < 0)
		return -errno;
	stat_to_statx(&sx, ret_stat);
	return 0;
}

static int hostdir_open(struct sentry_gnode *node, uint32_t flags, int *ret_fd,
			uint32_t *ret_iounit)
{
	int acc = (int)flags & O_ACCMODE;

	if (node->open_fd >= 0)
		return -EBUSY;	/* 9P: a fid is opened once (open(5)) */
	if ((node->flags & SENTRY_GOFER_RDONLY) && (acc != O_RDONLY || (flags & O_TRUNC)))
		return -EROFS;
	if (S_ISLNK(node->mode))
		return -ELOOP;
	/* A FIFO would block the Gofer and a device node is host access the sandbox must not
	 * get; the Sentry makes both itself. */
	if (!S_ISREG(node->mode) && !S_ISDIR(node->mode))
		return -EPERM;
	if (S_ISDIR(node->mode) && acc != O_RDONLY)
		return -EISDIR;

	int fd = hostdir_reopen(node, (int)flags);
	if (fd < 0)
		return fd;
	node->open_fd = fd;
	*ret_fd = -1;		/* no SENTRY_GOFER_DONATE_FD: the node keeps its fd */
	*ret_iounit = 0;
	return 0;
}

static int64_t hostdir_read(struct sentry_gnode *node, void *buf, size_t size, uint64_t off)
{
	if (node->open_fd < 0)
		return -EBADF;
	if (off > INT64_MAX)
		return -EINVAL;
	ssize_t n = pread(node->open_fd, buf, size, (off_t)off);
	return n < 0 ? -errno : n;
}

/* Hands the entries of one getdents64 batch in @buf (@len bytes) to @sink. Returns 1 when
 * the sink is full, else 0. */
static int emit_batch(const char *buf, long len, struct sentry_gdir_sink *sink)
{
	for (long pos = 0; pos < len;) {
		const struct dirent64 *d = (const void *)(buf + pos);

		pos += d->d_reclen;
		/* The Sentry makes "." and ".." itself; the host's would name the host's parent. */
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		struct sentry_gdirent de = {
			.qid = { .type = d->d_type == DT_DIR ? 0x80 : d->d_type == DT_LNK ? 0x02 : 0,
				 .path = d->d_ino },
			.off = (uint64_t)d->d_off,
			.type = d->d_type,
			.name = d->d_name,
		};
		if (sink->put(sink, &de) != 0)
			return 1;
	}
	return 0;
}

static int hostdir_readdir(struct sentry_gnode *dir, uint64_t off, struct sentry_gdir_sink *sink)
{
	char buf[8192] __attribute__((aligned(8)));

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->open_fd < 0)
		return -EBADF;
	/* Offsets are the host filesystem's own d_off cookies, so seeking resumes exactly. */
	if (off > INT64_MAX)
		return -EINVAL;
	if (lseek(dir->open_fd, (off_t)off, SEEK_SET) < 0)
		return -errno;
	for (;;) {
		long n = syscall(SYS_getdents64, dir->open_fd, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		if (n == 0 || emit_batch(buf, n, sink))
			return 0;
	}
}

static int hostdir_init(const struct sentry_services *svc, size_t svc_size, const char *options,
			void **ret_state)
{
	struct hostdir_state *st;

	if (options && *options)
		return -EINVAL;	/* no options yet */
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->svc = svc;
	*ret_state = st;
	return 0;
}

static void hostdir_fini(void *state)
{
	free(state);
}

static const struct sentry_gofer_ops hostdir_ops = {
	.info	     = hostdir_info,
	.attach	     = hostdir_attach,
	.walk	     = hostdir_walk,
	.getattr     = hostdir_getattr,
	.open	     = hostdir_open,
	.read	     = hostdir_read,
	.readdir     = hostdir_readdir,
	.release     = hostdir_release,
	.write	     = hostdir_write,
	.create	     = hostdir_create,
	.setattr     = hostdir_setattr,
	.mkdir	     = hostdir_mkdir,
	.mknod	     = hostdir_mknod,
	.symlink     = hostdir_symlink,
	.link	     = hostdir_link,
	.renameat    = hostdir_renameat,
	.unlinkat    = hostdir_unlinkat,
	.readlink    = hostdir_readlink,
	.statfs	     = hostdir_statfs,
	.fsync	     = hostdir_fsync,
	.getxattr    = hostdir_getxattr,
	.listxattr   = hostdir_listxattr,
	.setxattr    = hostdir_setxattr,
	.removexattr = hostdir_removexattr,
	.lock	     = NULL,	/* locks stay inside the sandbox */
	.clone	     = hostdir_clone,
};

/* What the backend calls once the Gofer is confined: descriptor-relative file operations under
 * the served root, which the Gofer's pivot_root made "/". */
#define HD_ALLOW(n) SENTRY_ALLOW(SYS_##n)
static const struct sentry_host_rule hostdir_rules[] = {
	HD_ALLOW(openat), HD_ALLOW(openat2), HD_ALLOW(newfstatat), HD_ALLOW(fstatfs),
	HD_ALLOW(getdents64), HD_ALLOW(mkdirat), HD_ALLOW(mknodat), HD_ALLOW(symlinkat),
	HD_ALLOW(linkat), HD_ALLOW(unlinkat), HD_ALLOW(renameat), HD_ALLOW(renameat2),
	HD_ALLOW(readlinkat), HD_ALLOW(fchownat), HD_ALLOW(fchown), HD_ALLOW(fchmodat),
	HD_ALLOW(fchmod), HD_ALLOW(utimensat), HD_ALLOW(ftruncate), HD_ALLOW(fsync),
	HD_ALLOW(fdatasync), HD_ALLOW(fallocate), HD_ALLOW(fgetxattr), HD_ALLOW(fsetxattr),
	HD_ALLOW(flistxattr), HD_ALLOW(fremovexattr), HD_ALLOW(statx),
};

SENTRY_EXPORT const struct sentry_plugin sentry_plugin_v1[] = {
	{
		.magic	     = SENTRY_PLUGIN_MAGIC,
		.abi_major   = SENTRY_ABI_MAJOR,
		.abi_minor   = SENTRY_ABI_MINOR,
		.desc_size   = sizeof(struct sentry_plugin),
		.kind	     = SENTRY_PLUGIN_GOFER,
		.name	     = "hostdir",
		.version     = "0.1.0",
		.description = "Gofer backend serving a host directory tree",
		.init	     = hostdir_init,
		.fini	     = hostdir_fini,
		.ops	     = &hostdir_ops,
		.ops_size    = sizeof(hostdir_ops),
		.host_rules  = hostdir_rules,
		.host_rule_count = sizeof(hostdir_rules) / sizeof(hostdir_rules[0]),
		/* Files of any owner, as the Sentry's credentials say (no CAP_MKNOD: device
		 * nodes are not made on the host). */
		.host_caps   = (1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) |
			       (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_FOWNER) |
			       (1ull << CAP_FSETID),
	},
	{ .magic = 0 },
};
