/*
 * core/proc/procfs.c: /proc (see procfs.h).
 *
 * Dentries are made per lookup and freed with their last reference: the tree is small, cheap
 * to rebuild and changes with every process, so nothing is cached. A dentry names a node by
 * kind (and a descriptor number for fd entries); its content or link target is generated from
 * the calling task when the file is opened or the link read.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "fd/fdtable.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "plugin/plugin.h"
#include "proc/procfs.h"
#include "vfs/vfs_internal.h"

enum pnode {
	P_ROOT, P_SELF, P_PID, P_FDDIR, P_FD,
	/* files of the root */
	P_CPUINFO, P_MEMINFO, P_MOUNTS_LINK, P_UPTIME, P_LOADAVG, P_VERSION, P_FILESYSTEMS,
	/* entries of a PID directory */
	P_EXE, P_CMDLINE, P_COMM, P_STATUS, P_STAT, P_MAPS, P_MOUNTS,
};

struct pentry {
	const char *name;
	int node;
	uint32_t mode;
};

static const struct pentry g_root_entries[] = {
	{ "self", P_SELF, S_IFLNK | 0777 },
	{ "cpuinfo", P_CPUINFO, S_IFREG | 0444 },
	{ "meminfo", P_MEMINFO, S_IFREG | 0444 },
	{ "mounts", P_MOUNTS_LINK, S_IFLNK | 0777 },
	{ "uptime", P_UPTIME, S_IFREG | 0444 },
	{ "loadavg", P_LOADAVG, S_IFREG | 0444 },
	{ "version", P_VERSION, S_IFREG | 0444 },
	{ "filesystems", P_FILESYSTEMS, S_IFREG | 0444 },
	{ NULL, 0, 0 },
};

static const struct pentry g_pid_entries[] = {
	{ "exe", P_EXE, S_IFLNK | 0777 },
	{ "cmdline", P_CMDLINE, S_IFREG | 0444 },
	{ "comm", P_COMM, S_IFREG | 0644 },
	{ "status", P_STATUS, S_IFREG | 0444 },
	{ "stat", P_STAT, S_IFREG | 0444 },
	{ "maps", P_MAPS, S_IFREG | 0444 },
	{ "mounts", P_MOUNTS, S_IFREG | 0444 },
	{ "fd", P_FDDIR, S_IFDIR | 0500 },
	{ NULL, 0, 0 },
};

struct pdentry {
	struct sentry_dentry base;
	atomic_long refs;
	struct pdentry *parent;	/* referenced; NULL for the root */
	int node;		/* enum pnode */
	uint32_t mode;
	int num;		/* PID of P_PID, descriptor of P_FD */
};

static pthread_mutex_t g_mounts_lock = PTHREAD_MUTEX_INITIALIZER;
static char *g_mounts;
static int64_t g_boot_ns;

void procfs_set_mounts(const char *text)
{
	char *copy = strdup(text);
	pthread_mutex_lock(&g_mounts_lock);
	free(g_mounts);
	g_mounts = copy;
	pthread_mutex_unlock(&g_mounts_lock);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* --- dentries --- */

static struct pdentry *pd_new(struct pdentry *parent, int node, uint32_t mode, int num)
{
	struct pdentry *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	atomic_init(&d->refs, 1);
	d->parent = parent;
	if (parent)
		atomic_fetch_add(&parent->refs, 1);
	d->node = node;
	d->mode = mode;
	d->num = num;
	return d;
}

static void pd_put(struct pdentry *d)
{
	while (d && atomic_fetch_sub(&d->refs, 1) == 1) {
		struct pdentry *p = d->parent;
		free(d);
		d = p;
	}
}

static void proc_dentry_get(struct sentry_fs *fs, struct sentry_dentry *d)
{
	atomic_fetch_add(&((struct pdentry *)d)->refs, 1);
}

static void proc_dentry_put(struct sentry_fs *fs, struct sentry_dentry *d)
{
	pd_put((struct pdentry *)d);
}

static int cur_tgid(void)
{
	struct task *t = task_current();
	return t ? t->tgid : 0;
}

/* The child @name of directory @dir, with a reference, or -ENOENT. */
static int lookup(struct pdentry *dir, const char *name, size_t len, struct pdentry **ret)
{
	const struct pentry *tab = dir->node == P_ROOT ? g_root_entries
				  : dir->node == P_PID ? g_pid_entries : NULL;
	for (; tab && tab->name; tab++)
		if (strlen(tab->name) == len && !memcmp(tab->name, name, len)) {
			*ret = pd_new(dir, tab->node, tab->mode, dir->num);
			return *ret ? 0 : -ENOMEM;
		}
	char num[16];
	if (len == 0 || len >= sizeof(num) || (name[0] == '0' && len > 1))
		return -ENOENT;
	memcpy(num, name, len);
	num[len] = '\0';
	char *end;
	long n = strtol(num, &end, 10);
	if (*end || n < 0 || n > 0x7fffffff)
		return -ENOENT;
	struct task *t = task_current();
	if (dir->node == P_ROOT && t && n == t->tgid) {
		*ret = pd_new(dir, P_PID, S_IFDIR | 0555, (int)n);
		return *ret ? 0 : -ENOMEM;
	}
	if (dir->node == P_FDDIR && t) {
		void *obj;
		if (fdt_get(t->fdt, (int)n, &obj, NULL) < 0)
			return -ENOENT;
		vfs_file_put(obj);
		*ret = pd_new(dir, P_FD, S_IFLNK | 0700, (int)n);
		return *ret ? 0 : -ENOMEM;
	}
	return -ENOENT;
}

/* What a link of /proc points at, into @buf. Returns its length or -errno. */
static int link_target(const struct pdentry *d, char *buf, size_t size)
{
	struct task *t = task_current();
	int n;
	switch (d->node) {
	case P_SELF:
		n = snprintf(buf, size, "%d", cur_tgid());
		break;
	case P_MOUNTS_LINK:
		n = snprintf(buf, size, "self/mounts");
		break;
	case P_EXE:
		if (!t || !t->exe_path)
			return -ENOENT;
		n = snprintf(buf, size, "%s", t->exe_path);
		break;
	case P_FD: {
		/* Names of open files need a dentry-to-path walk the VFS does not offer yet; the
		 * anonymous form still tells programs what kind of file it is. */
		void *obj;
		if (!t || fdt_get(t->fdt, d->num, &obj, NULL) < 0)
			return -ENOENT;
		struct sentry_statx st;
		int rc = vfs_fstat(obj, SENTRY_STATX_INO | SENTRY_STATX_TYPE, &st);
		vfs_file_put(obj);
		if (rc < 0)
			return rc;
		n = snprintf(buf, size, "%s:[%llu]", S_ISFIFO(st.mode) ? "pipe"
						     : S_ISSOCK(st.mode) ? "socket" : "anon_inode",
			     (unsigned long long)st.ino);
		break;
	}
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : n;
}

/* --- the walk --- */

/* Walks @rp from its start to its end; *ret holds a reference. */
static int walk(struct sentry_rp *rp, struct pdentry **ret)
{
	const struct sentry_rp_ops *o = &g_vfs_rp_ops;
	struct pdentry *d = (struct pdentry *)o->start(rp);
	atomic_fetch_add(&d->refs, 1);
	int rc = 0;
	for (;;) {
		size_t len;
		const char *name = o->component(rp, &len);
		if (!name)
			break;
		if (!S_ISDIR(d->mode)) {
			rc = -ENOTDIR;
			break;
		}
		struct pdentry *next = NULL;
		if (len == 1 && name[0] == '.') {
			o->advance(rp);
			continue;
		}
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			rc = o->check_root(rp, &d->base);
			if (rc < 0)
				break;
			next = rc == 1 || !d->parent ? d : d->parent;
			atomic_fetch_add(&next->refs, 1);
			rc = 0;
		} else if ((rc = lookup(d, name, len, &next)) < 0) {
			break;
		}
		o->advance(rp);
		if (S_ISLNK(next->mode) && (!o->done(rp) || o->should_follow(rp))) {
			char target[4096];
			rc = link_target(next, target, sizeof(target));
			pd_put(next);
			if (rc >= 0)
				rc = o->handle_symlink(rp, target, (size_t)rc);
			if (rc < 0)
				break;
			continue;	/* relative: from d */
		}
		pd_put(d);
		d = next;
	}
	if (rc < 0) {
		pd_put(d);
		return rc;
	}
	*ret = d;
	return 0;
}

/* --- generated contents --- */

struct buf {
	char *p;
	size_t len, cap;
	int oom;
};

__attribute__((format(printf, 2, 3))) static void bprintf(struct buf *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = b->oom ? 0 : vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (b->oom || n < 0)
			return;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

static void gen_cpuinfo(struct buf *b)
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
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	for (long i = 0; i < (n > 0 ? n : 1); i++)
		bprintf(b, "processor\t: %ld\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
			   "model name\t: %s\nstepping\t: %u\ncpu cores\t: %ld\nflags\t\t: fpu tsc "
			   "cx8 cmov mmx fxsr sse sse2%s%s%s\n\n",
			i, vendor, family, mdl, model, a & 0xf, n, (c & 1) ? " pni" : "",
			(c & (1u << 19)) ? " sse4_1" : "", (c & (1u << 28)) ? " avx" : "");
}

static void gen_meminfo(struct buf *b)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		memset(&si, 0, sizeof(si));
	unsigned long long unit = si.mem_unit ? si.mem_unit : 1;
	unsigned long long total = si.totalram * unit / 1024, free_kb = si.freeram * unit / 1024;
	bprintf(b, "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\n"
		   "Buffers:               0 kB\nCached:                0 kB\n"
		   "SwapTotal:             0 kB\nSwapFree:              0 kB\n",
		total, free_kb, free_kb);
}

static void gen_maps(struct buf *b, struct task *t)
{
	struct mm *mm = t->mm;
	pthread_rwlock_rdlock(&mm->lock);
	for (size_t i = 0; i < mm->vma_count; i++) {
		const struct vma *v = &mm->vmas[i];
		const char *name = (v->flags & VMA_HEAP) ? "[heap]"
				   : (v->flags & VMA_GROWSDOWN) ? "[stack]" : "";
		bprintf(b, "%08llx-%08llx %c%c%c%c %08llx 00:00 0%s%s\n",
			(unsigned long long)v->start, (unsigned long long)v->end,
			(v->prot & 1) ? 'r' : '-', (v->prot & 2) ? 'w' : '-', (v->prot & 4) ? 'x' : '-',
			(v->flags & VMA_SHARED) ? 's' : 'p', (unsigned long long)(v->src ? v->off : 0),
			*name ? "                          " : "", name);
	}
	pthread_rwlock_unlock(&mm->lock);
}

static const char *comm_of(struct task *t)
{
	const char *p = t->exe_path ? strrchr(t->exe_path, '/') : NULL;
	return p ? p + 1 : t->exe_path ? t->exe_path : "";
}

/* Fills @b with the content of file node @d for the calling task. */
static int generate(const struct pdentry *d, struct buf *b)
{
	struct task *t = task_current();
	int needs_task = d->node >= P_EXE;
	if (needs_task && (!t || t->tgid != d->num))
		return -ESRCH;
	const struct sentry_creds *c = t ? &t->fs->creds : NULL;
	switch (d->node) {
	case P_CPUINFO: gen_cpuinfo(b); break;
	case P_MEMINFO: gen_meminfo(b); break;
	case P_UPTIME: {
		double up = (double)(mono_ns() - g_boot_ns) / 1e9;
		bprintf(b, "%.2f %.2f\n", up, up);
		break;
	}
	case P_LOADAVG: bprintf(b, "0.00 0.00 0.00 1/1 %d\n", t ? t->tgid : 1); break;
	case P_VERSION: bprintf(b, "Linux version 6.1.0 (cvisor) #1 SMP cvisor\n"); break;
	case P_FILESYSTEMS: bprintf(b, "nodev\ttmpfs\nnodev\tproc\nnodev\t9p\n"); break;
	case P_CMDLINE:
		/* Binary (NUL-separated), so copied rather than formatted. */
		if (t->cmdline_len) {
			b->p = malloc(t->cmdline_len);
			if (!b->p)
				return -ENOMEM;
			memcpy(b->p, t->cmdline, t->cmdline_len);
			b->len = b->cap = t->cmdline_len;
		}
		break;
	case P_COMM: bprintf(b, "%.15s\n", comm_of(t)); break;
	case P_STATUS:
		bprintf(b, "Name:\t%.15s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\n"
			   "Pid:\t%d\nPPid:\t0\nTracerPid:\t0\nUid:\t%u\t%u\t%u\t%u\n"
			   "Gid:\t%u\t%u\t%u\t%u\nFDSize:\t64\nGroups:\t\nThreads:\t1\n"
			   "SigQ:\t0/0\nCapEff:\t%016llx\n",
			comm_of(t), t->fs->umask, t->tgid, t->tid, c->uid, c->euid, c->euid, c->fsuid,
			c->gid, c->egid, c->egid, c->fsgid, (unsigned long long)c->cap_effective);
		break;
	case P_STAT:
		/* Fields 1-52 of proc(5); the ones a task model gives are filled, the rest 0. */
		bprintf(b, "%d (%.15s) R 0 %d %d 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0 "
			   "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 "
			   "0\n",
			t->tgid, comm_of(t), t->tgid, t->tgid);
		break;
	case P_MAPS: gen_maps(b, t); break;
	case P_MOUNTS:
		pthread_mutex_lock(&g_mounts_lock);
		bprintf(b, "%s", g_mounts ? g_mounts : "");
		pthread_mutex_unlock(&g_mounts_lock);
		break;
	default:
		return -EINVAL;
	}
	return b->oom ? -ENOMEM : 0;
}

/* --- files --- */

struct pfile {
	struct sentry_file base;
	struct buf b;		/* generated content (files) */
	struct pdentry *d;	/* referenced */
};

static int64_t pf_read(struct sentry_file *file, struct sentry_task *task,
		       const struct sentry_iov *iov, size_t count, int64_t *off)
{
	struct pfile *f = (struct pfile *)file;
	int64_t done = 0;
	for (size_t i = 0; i < count && *off < (int64_t)f->b.len; i++) {
		size_t n = f->b.len - (size_t)*off;
		if (n > iov[i].len)
			n = iov[i].len;
		memcpy(iov[i].base, f->b.p + *off, n);
		*off += (int64_t)n;
		done += (int64_t)n;
	}
	return done;
}

static int64_t pf_write(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return -EACCES;
}

static int pf_emit(struct sentry_dir_emitter *e, int64_t next, uint32_t mode, uint64_t ino,
		   const char *name)
{
	struct sentry_dirent de = { .ino = ino, .next_off = next, .type = (uint8_t)((mode >> 12) & 017),
				    .name_len = (uint16_t)strlen(name), .name = name };
	return e->emit(e, &de);
}

/* Offsets: 0 ".", 1 "..", 2.. the table's entries, then numbered ones by number + 1000. */
static int pf_iterate(struct sentry_file *file, struct sentry_dir_emitter *e, int64_t *off)
{
	struct pfile *f = (struct pfile *)file;
	struct pdentry *d = f->d;
	struct task *t = task_current();
	int rc = 0;
	if (*off == 0 && (rc = pf_emit(e, 1, S_IFDIR, 1, ".")) == 0)
		*off = 1;
	if (rc == 0 && *off == 1 && (rc = pf_emit(e, 2, S_IFDIR, 1, "..")) == 0)
		*off = 2;
	const struct pentry *tab = d->node == P_ROOT ? g_root_entries
				  : d->node == P_PID ? g_pid_entries : NULL;
	size_t ntab = 0;
	while (tab && tab[ntab].name)
		ntab++;
	for (; rc == 0 && *off >= 2 && *off < 2 + (int64_t)ntab; (*off)++) {
		const struct pentry *p = &tab[*off - 2];
		if ((rc = pf_emit(e, *off + 1, p->mode, 100 + (uint64_t)p->node, p->name)) != 0)
			break;
	}
	if (rc || !t)
		return rc < 0 ? rc : 0;
	if (*off < 1000)
		*off = 1000;
	char name[16];
	if (d->node == P_ROOT && *off <= 1000 + t->tgid) {
		snprintf(name, sizeof(name), "%d", t->tgid);
		if ((rc = pf_emit(e, 1001 + t->tgid, S_IFDIR, 10000 + (uint64_t)t->tgid, name)) == 0)
			*off = 1001 + t->tgid;
	}
	if (*off - 1000 > INT_MAX)
		return 0;	/* an lseek past every descriptor: the end */
	for (int fd = (int)(*off - 1000); d->node == P_FDDIR && rc == 0; fd++) {
		fd = fdt_next(t->fdt, fd);
		if (fd < 0)
			break;
		snprintf(name, sizeof(name), "%d", fd);
		if ((rc = pf_emit(e, 1001 + fd, S_IFLNK, 20000 + (uint64_t)fd, name)) == 0)
			*off = 1001 + fd;
	}
	return rc < 0 ? rc : 0;
}

static void pf_release(struct sentry_file *file)
{
	struct pfile *f = (struct pfile *)file;
	free(f->b.p);
	pd_put(f->d);
	free(f);
}

static const struct sentry_file_ops g_pfile_ops = {
	.read = pf_read, .write = pf_write, .release = pf_release,
};
static const struct sentry_file_ops g_pdir_ops = {
	.iterate = pf_iterate, .release = pf_release,
};

/* --- filesystem ops --- */

static int proc_get_fs(void *state, const char *source, const char *data, uint64_t flags,
		       const struct sentry_creds *creds, struct sentry_fs **ret_fs,
		       struct sentry_dentry **ret_root)
{
	struct pdentry *root = pd_new(NULL, P_ROOT, S_IFDIR | 0555, 0);
	if (!root)
		return -ENOMEM;
	if (!g_boot_ns)
		g_boot_ns = mono_ns();
	atomic_fetch_add(&root->refs, 1);	/* the instance's own, put by release_fs */
	*ret_fs = (struct sentry_fs *)root;
	*ret_root = &root->base;
	return 0;
}

static void proc_release_fs(struct sentry_fs *fs)
{
	pd_put((struct pdentry *)fs);
}

static int proc_get_dentry_at(struct sentry_fs *fs, struct sentry_rp *rp,
			      struct sentry_dentry **ret_d)
{
	struct pdentry *d;
	int rc = walk(rp, &d);
	if (rc == 0 && g_vfs_rp_ops.must_be_dir(rp) && !S_ISDIR(d->mode)) {
		pd_put(d);
		return -ENOTDIR;
	}
	if (rc == 0)
		*ret_d = &d->base;
	return rc;
}

static int proc_open_at(struct sentry_fs *fs, struct sentry_rp *rp, uint32_t flags, uint32_t mode,
			struct sentry_file **ret_file)
{
	struct pdentry *d;
	int rc = walk(rp, &d);
	if (rc < 0)
		return (rc == -ENOENT && (flags & O_CREAT)) ? -EACCES : rc;
	uint32_t acc = flags & O_ACCMODE;
	if (S_ISLNK(d->mode))
		rc = -ELOOP;
	else if (g_vfs_rp_ops.must_be_dir(rp) && !S_ISDIR(d->mode))
		rc = -ENOTDIR;
	else if (S_ISDIR(d->mode) && acc != O_RDONLY)
		rc = -EISDIR;
	else if (acc != O_RDONLY && d->node != P_COMM)
		rc = -EACCES;
	else if (flags & O_CREAT && flags & O_EXCL)
		rc = -EEXIST;
	struct pfile *f = rc == 0 ? calloc(1, sizeof(*f)) : NULL;
	if (rc == 0 && !f)
		rc = -ENOMEM;
	if (rc == 0 && !S_ISDIR(d->mode) && (rc = generate(d, &f->b)) < 0)
		free(f->b.p);
	if (rc < 0) {
		free(f);
		pd_put(d);
		return rc;
	}
	f->base.ops = S_ISDIR(d->mode) ? &g_pdir_ops : &g_pfile_ops;
	f->base.ops_size = sizeof(struct sentry_file_ops);
	f->base.flags = flags;
	f->base.dentry = &d->base;
	f->d = d;
	*ret_file = &f->base;
	return 0;
}

static int proc_dentry_stat(struct sentry_fs *fs, struct sentry_dentry *dd, uint32_t mask,
			    struct sentry_statx *st)
{
	struct pdentry *d = (struct pdentry *)dd;
	struct task *t = task_current();
	const struct sentry_creds *c = t ? &t->fs->creds : NULL;
	int own = d->node >= P_PID;
	*st = (struct sentry_statx){
		.mask = SENTRY_STATX_BASIC_STATS,
		.blksize = 1024,
		.mode = (uint16_t)d->mode,
		.nlink = S_ISDIR(d->mode) ? 2 : 1,
		.uid = own && c ? c->euid : 0,
		.gid = own && c ? c->egid : 0,
		.ino = (uint64_t)d->node * 0x10000 + (uint64_t)d->num + 1,
	};
	int64_t now = (g_boot_ns ? g_boot_ns : mono_ns());
	st->mtime.sec = st->ctime.sec = st->atime.sec = now / 1000000000;
	return 0;
}

static int64_t proc_readlink_at(struct sentry_fs *fs, struct sentry_rp *rp, char *buf,
				size_t size)
{
	struct pdentry *d;
	int rc = walk(rp, &d);
	if (rc < 0)
		return rc;
	char target[4096];
	int n = S_ISLNK(d->mode) ? link_target(d, target, sizeof(target)) : -EINVAL;
	pd_put(d);
	if (n < 0)
		return n;
	size_t len = (size_t)n < size ? (size_t)n : size;
	memcpy(buf, target, len);
	return (int64_t)len;
}

static const struct sentry_fs_ops g_proc_ops = {
	.get_fs = proc_get_fs,
	.release_fs = proc_release_fs,
	.dentry_get = proc_dentry_get,
	.dentry_put = proc_dentry_put,
	.get_dentry_at = proc_get_dentry_at,
	.open_at = proc_open_at,
	.dentry_stat = proc_dentry_stat,
	.readlink_at = proc_readlink_at,
};

static const struct sentry_plugin g_proc_desc = {
	.magic = SENTRY_PLUGIN_MAGIC,
	.abi_major = SENTRY_ABI_MAJOR,
	.abi_minor = SENTRY_ABI_MINOR,
	.desc_size = sizeof(struct sentry_plugin),
	.kind = SENTRY_PLUGIN_FS,
	.name = "proc",
	.version = "core",
	.ops = &g_proc_ops,
	.ops_size = sizeof(g_proc_ops),
};

static struct plg_plugin g_proc_plugin = {
	.desc = &g_proc_desc, .file = "(core)", .initialised = 1,
};

struct plg_plugin *procfs_plugin(void)
{
	return &g_proc_plugin;
}
