/*
 * runtime/cgroup.c: the sandbox's host cgroup, v1 or v2 (see cgroup.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "fileio.h"
#include "util/cleanup.h"

/* The budgets of rt_cgroup_kill and rt_cgroup_destroy, and their polling step. */
#define KILL_BUDGET_NS	  2000000000LL
#define DESTROY_BUDGET_NS 1000000000LL
#define POLL_STEP_NS	  10000000L

/* One directory of the cgroup: v1 has one per hierarchy used, v2 just one. */
struct cg_dir {
	unsigned ctls;		/* CG_* served by this directory (v2: CG_ALL) */
	unsigned created;	/* trailing components of @path that rt_cgroup_create made */
	char *path;		/* absolute, clean */
};

struct rt_cgroup {
	int version;			/* 1 or 2 */
	struct cg_dir dirs[CG_NCTL];
	size_t dir_count;
	char *handle;			/* rt_cgroup_handle's string */
};

DEFINE_CLEANUP(struct rt_cgroup, rt_cgroup_free)

struct rt_cgroup_test_hooks g_cgroup_hooks;

void rt_cgroup_set_test_hooks(const struct rt_cgroup_test_hooks *hooks)
{
	g_cgroup_hooks = hooks ? *hooks : (struct rt_cgroup_test_hooks){ 0 };
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pause_step(void)
{
	struct timespec ts = { .tv_nsec = POLL_STEP_NS };
	(void)nanosleep(&ts, NULL);
}

/* @dir followed by @sub, an absolute clean path ("/" adds nothing). NULL on ENOMEM. */
static char *cat_path(const char *dir, const char *sub)
{
	if (!strcmp(sub, "/"))
		return strdup(dir);
	if (!strcmp(dir, "/"))
		return strdup(sub);
	char *s = NULL;
	return asprintf(&s, "%s%s", dir, sub) < 0 ? NULL : s;
}

static unsigned path_depth(const char *clean)
{
	unsigned n = 0;
	for (const char *p = clean; *p; p++)
		n += *p == '/';
	return strcmp(clean, "/") ? n : 0;
}

/* Writes @val to @dir/@name in one write(2), as cgroupfs wants. */
static int write_file(const char *dir, const char *name, const char *val, struct rt_error **err)
{
	int rc = rt_write_file_at(dir, name, val, O_TRUNC);
	return rc < 0 ? rt_error_make(err, -rc, "cgroup: %s/%s", dir, name) : 0;
}

static bool file_exists(const char *dir, const char *name)
{
	_cleanup_free_ char *path = NULL;
	return asprintf(&path, "%s/%s", dir, name) >= 0 && access(path, F_OK) == 0;
}

/* Parses a decimal or "max" (UINT64_MAX) ending at whitespace or NUL. Returns 0 or -EINVAL. */
static int parse_u64(const char *s, uint64_t *ret)
{
	const char *end = s;
	uint64_t v = 0;
	if (!strncmp(s, "max", 3)) {
		v = UINT64_MAX;
		end = s + 3;
	} else {
		for (; isdigit((unsigned char)*end); end++) {
			unsigned d = (unsigned)(*end - '0');
			if (v > (UINT64_MAX - d) / 10)
				return -EINVAL;
			v = v * 10 + d;
		}
	}
	if (end == s || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	*ret = v;
	return 0;
}

/* The value of the line "@key N" in a flat keyed file (memory.stat, cpu.stat): 0 or -ENOENT,
 * -EINVAL. */
static int keyed_u64(const char *text, const char *key, uint64_t *ret)
{
	size_t len = strlen(key);
	for (const char *p = text; *p;) {
		if (!strncmp(p, key, len) && p[len] == ' ')
			return parse_u64(p + len + 1, ret);
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return -ENOENT;
}

/*
 * Making it.
 */

/* Makes @d->path like mkdir -p, the components after its first @base bytes (the mount point).
 * d->created counts what it made, also on failure, so that the caller can undo it. */
static int make_dirs(struct cg_dir *d, size_t base, struct rt_error **err)
{
	char *path = d->path;
	int restarts = 0;
	d->created = 0;
	for (size_t i = base; path[i];) {
		size_t end = i + 1 + strcspn(path + i + 1, "/");
		char c = path[end];
		path[end] = '\0';
		int rc = mkdir(path, 0755), e = errno;
		if (rc == 0 && g_cgroup_hooks.after_mkdir)
			g_cgroup_hooks.after_mkdir(path);
		if (rc < 0 && e != EEXIST && !(e == ENOENT && i > base && restarts < 3)) {
			rc = rt_error_make(err, e, "cgroup: %s", path);
			path[end] = c;
			return rc;
		}
		path[end] = c;
		if (rc == 0) {
			d->created++;
		} else if (e == EEXIST) {
			d->created = 0;	/* someone else's, and so is what it holds */
		} else {
			/* ENOENT: the last user of a parent removed it meanwhile; start again. */
			restarts++;
			d->created = 0;
			i = base;
			continue;
		}
		i = end;
	}
	return 0;
}

/* Gives the children of v2 cgroup @dir the memory and pids controllers it has. Failing matters
 * only for a controller whose limit is asked for (@needed): stats just miss the others. */
static int v2_delegate(const char *dir, unsigned needed, struct rt_error **err)
{
	_cleanup_free_ char *avail = NULL, *on = NULL;
	if (rt_cg_read_file(dir, "cgroup.controllers", &avail) < 0)
		return 0;	/* nothing to give */
	if (rt_cg_read_file(dir, "cgroup.subtree_control", &on) < 0 && !(on = strdup("")))
		return rt_cg_oom(err);	/* unreadable: let the write below say why */
	char add[32] = "";
	unsigned adding = 0;
	for (int c = 0; c < 2; c++) {
		const char *name = g_cgroup_ctl_names[c];
		if (rt_cg_has_token(avail, name) && !rt_cg_has_token(on, name)) {
			snprintf(add + strlen(add), sizeof(add) - strlen(add), "%s+%s",
				 *add ? " " : "", name);
			adding |= 1u << c;
		}
	}
	struct rt_error *e = NULL;
	if (!adding || write_file(dir, "cgroup.subtree_control", add, &e) == 0)
		return 0;
	if (adding & needed) {
		*err = e;
		return -e->status - 1;
	}
	rt_error_free(&e);
	return 0;
}

/* v2: delegates controllers in each ancestor of the leaf from the mount point (the first @base
 * bytes of the path) down. */
static int v2_delegate_path(const struct cg_dir *d, size_t base, unsigned needed,
			    struct rt_error **err)
{
	_cleanup_free_ char *path = strdup(d->path);
	if (!path)
		return rt_cg_oom(err);
	for (size_t i = base; path[i]; i++) {
		if (path[i] != '/')
			continue;
		path[i] = '\0';
		int rc = v2_delegate(i ? path : "/", needed, err);
		path[i] = '/';
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* v1: memory.limit_in_bytes, and memory.memsw.limit_in_bytes (memory + swap) to the same value
 * when the kernel has swap accounting. The kernel keeps memsw >= the memory limit at every step
 * (EINVAL otherwise), so memsw goes first when the limit grows and last when it shrinks. */
static int v1_memory(const char *dir, const char *val, uint64_t bytes, struct rt_error **err)
{
	_cleanup_free_ char *text = NULL;
	int rc = rt_cg_read_file(dir, "memory.memsw.limit_in_bytes", &text);
	if (rc == -ENOENT)
		return write_file(dir, "memory.limit_in_bytes", val, err);
	uint64_t memsw = 0;
	if (rc == 0 && parse_u64(text, &memsw) == 0 && bytes > memsw)
		return write_file(dir, "memory.memsw.limit_in_bytes", val, err) < 0 ? -1 :
		       write_file(dir, "memory.limit_in_bytes", val, err);
	return write_file(dir, "memory.limit_in_bytes", val, err) < 0 ? -1 :
	       write_file(dir, "memory.memsw.limit_in_bytes", val, err);
}

/* v2: memory.max, and no swap on top of it when the kernel has memory.swap.max. */
static int v2_memory(const char *dir, const char *val, struct rt_error **err)
{
	if (write_file(dir, "memory.max", val, err) < 0)
		return -1;
	return file_exists(dir, "memory.swap.max") ? write_file(dir, "memory.swap.max", "0", err)
						   : 0;
}

static int write_limits(struct rt_cgroup *cg, const struct rt_cgroup_limits *lim,
			struct rt_error **err)
{
	unsigned done = 0;
	char val[24];
	for (size_t i = 0; i < cg->dir_count; i++) {
		const struct cg_dir *d = &cg->dirs[i];
		if ((d->ctls & CG_MEMORY) && lim->memory >= 0) {
			snprintf(val, sizeof(val), "%" PRId64, lim->memory);
			if ((cg->version == 1 ? v1_memory(d->path, val, (uint64_t)lim->memory, err)
					      : v2_memory(d->path, val, err)) < 0)
				return -1;
			done |= CG_MEMORY;
		}
		if ((d->ctls & CG_PIDS) && lim->pids >= 0) {
			snprintf(val, sizeof(val), "%" PRId64, lim->pids);
			if (write_file(d->path, "pids.max", val, err) < 0)
				return -1;
			done |= CG_PIDS;
		}
	}
	if (lim->memory >= 0 && !(done & CG_MEMORY))
		return rt_error_make(err, 0, "cgroup: no memory controller for the memory limit");
	if (lim->pids >= 0 && !(done & CG_PIDS))
		return rt_error_make(err, 0, "cgroup: no pids controller for the pids limit");
	return 0;
}

/* Builds cg->handle; see rt_cgroup_handle. */
static int build_handle(struct rt_cgroup *cg)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	if (!out)
		return -ENOMEM;
	fprintf(out, "cgroup%d", cg->version);
	for (size_t i = 0; i < cg->dir_count; i++) {
		const struct cg_dir *d = &cg->dirs[i];
		fputc(' ', out);
		if (cg->version == 2)
			fputs("unified", out);
		for (int c = 0, n = 0; c < CG_NCTL && cg->version == 1; c++)
			if (d->ctls & (1u << c))
				fprintf(out, "%s%s", n++ ? "," : "", g_cgroup_ctl_names[c]);
		fprintf(out, ":%u:", d->created);
		for (const unsigned char *p = (const unsigned char *)d->path; *p; p++)
			if (*p <= ' ' || *p == '%' || *p >= 0x7f)
				fprintf(out, "%%%02X", *p);
			else
				fputc(*p, out);
	}
	if (fclose(out) != 0) {
		free(text);
		return -ENOMEM;
	}
	free(cg->handle);
	cg->handle = text;
	return 0;
}

/* Fills cg->dirs from layout @l for the clean path @path. */
static int place(struct rt_cgroup *cg, const struct cg_layout *l, const char *path,
		 bool relative, size_t *bases, struct rt_error **err)
{
	cg->version = l->version;
	for (size_t i = 0; i < l->count; i++) {
		_cleanup_free_ char *sub = NULL;
		if (rt_cg_subpath(l, &l->h[i], path, relative, &sub, err) < 0)
			return -1;
		struct cg_dir *d = &cg->dirs[cg->dir_count];
		if (!(d->path = cat_path(l->h[i].point, sub)))
			return rt_cg_oom(err);
		d->ctls = l->h[i].ctls;
		bases[cg->dir_count++] = strcmp(l->h[i].point, "/") ? strlen(l->h[i].point) : 0;
	}
	return 0;
}

/* Makes the directories and writes the limits; on failure the caller undoes what was made. */
static int setup(struct rt_cgroup *cg, const size_t *bases, const struct rt_cgroup_limits *lim,
		 struct rt_error **err)
{
	unsigned needed = (lim->memory >= 0 ? CG_MEMORY : 0) | (lim->pids >= 0 ? CG_PIDS : 0);
	for (size_t i = 0; i < cg->dir_count; i++) {
		if (make_dirs(&cg->dirs[i], bases[i], err) < 0)
			return -1;
		if (cg->version == 2 && v2_delegate_path(&cg->dirs[i], bases[i], needed, err) < 0)
			return -1;
	}
	if (write_limits(cg, lim, err) < 0)
		return -1;
	return build_handle(cg) < 0 ? rt_cg_oom(err) : 0;
}

/* How many trailing components of @d->path, below its first @base bytes, do not exist yet:
 * what make_dirs is about to make. */
static unsigned missing_dirs(const struct cg_dir *d, size_t base)
{
	_cleanup_free_ char *path = strdup(d->path);
	unsigned n = 0;
	struct stat st;
	while (path && strlen(path) > base && stat(path, &st) < 0 && errno == ENOENT) {
		n++;
		*strrchr(path, '/') = '\0';
	}
	return n;
}

int rt_cgroup_create(const char *cgroups_path, const char *id, int systemd,
		     const struct rt_cgroup_limits *lim, struct rt_cgroup **ret,
		     struct rt_error **err)
{
	return rt_cgroup_create_noted(cgroups_path, id, systemd, lim, NULL, NULL, ret, err);
}

int rt_cgroup_create_noted(const char *cgroups_path, const char *id, int systemd,
			   const struct rt_cgroup_limits *lim,
			   int (*note)(const char *handle, void *arg), void *arg,
			   struct rt_cgroup **ret, struct rt_error **err)
{
	static const struct rt_cgroup_limits none = { .memory = -1, .pids = -1 };
	if (!lim)
		lim = &none;
	if (lim->memory >= 0 && lim->memory < RT_CGROUP_MIN_MEMORY)
		return rt_error_make(err, 0,
				     "cgroup: memory limit too low: %" PRId64 " bytes, the minimum "
				     "is %d (6 MiB)",
				     lim->memory, RT_CGROUP_MIN_MEMORY);
	_cleanup_free_ char *path = NULL;
	bool relative;
	if (rt_cg_wanted_path(cgroups_path ? cgroups_path : "", id, systemd, &path, &relative,
			      err) < 0)
		return -1;
	struct cg_layout l;
	if (rt_cg_layout_detect(&l, err) < 0)
		return -1;
	_cleanup_(rt_cgroup_freep) struct rt_cgroup *cg = calloc(1, sizeof(*cg));
	size_t bases[CG_NCTL];
	int rc = cg ? place(cg, &l, path, relative, bases, err) : rt_cg_oom(err);
	rt_cg_layout_fini(&l);
	if (rc < 0)
		return rc;
	if (note) {
		for (size_t i = 0; i < cg->dir_count; i++)
			cg->dirs[i].created = missing_dirs(&cg->dirs[i], bases[i]);
		if (build_handle(cg) < 0)
			return rt_cg_oom(err);
		if ((rc = note(cg->handle, arg)) != 0)
			return rc;
	}
	if ((rc = setup(cg, bases, lim, err)) < 0) {
		struct rt_error *ignored = NULL;
		(void)rt_cgroup_destroy(cg, &ignored);
		rt_error_free(&ignored);
		return rc;
	}
	*ret = TAKE_PTR(cg);
	return 0;
}

const char *rt_cgroup_handle(const struct rt_cgroup *cg)
{
	return cg->handle;
}

/*
 * Reopening it.
 */

/* Decodes %XX escapes in place. Returns 0 or -EINVAL (also for a NUL). */
static int unescape_percent(char *s)
{
	char *o = s;
	for (char *p = s; *p; o++) {
		if (*p != '%') {
			*o = *p++;
			continue;
		}
		unsigned v;
		if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]) ||
		    sscanf(p + 1, "%2x", &v) != 1 || v == 0)
			return -EINVAL;
		*o = (char)v;
		p += 3;
	}
	*o = '\0';
	return 0;
}

/* Parses one "CONTROLLERS:CREATED:PATH" record into the next directory of @cg. */
static int parse_record(struct rt_cgroup *cg, char *rec, unsigned *seen)
{
	char *c1 = strchr(rec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || cg->dir_count == CG_NCTL)
		return -EINVAL;
	*c1 = *c2 = '\0';
	struct cg_dir *d = &cg->dirs[cg->dir_count];
	if (cg->version == 2) {
		if (strcmp(rec, "unified") || cg->dir_count)
			return -EINVAL;
		d->ctls = CG_ALL;
	}
	char *save = NULL;
	for (char *t = cg->version == 1 ? strtok_r(rec, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save)) {
		int c = 0;
		while (c < CG_NCTL && strcmp(t, g_cgroup_ctl_names[c]))
			c++;
		if (c == CG_NCTL || (*seen & (1u << c)))
			return -EINVAL;
		*seen |= 1u << c;
		d->ctls |= 1u << c;
	}
	char *end = NULL;
	unsigned long created = strtoul(c1 + 1, &end, 10);
	if (!d->ctls || !isdigit((unsigned char)c1[1]) || *end || unescape_percent(c2 + 1) < 0 ||
	    c2[1] != '/')
		return -EINVAL;
	_cleanup_free_ char *clean = rt_cg_clean_path(c2 + 1);
	if (!clean)
		return -ENOMEM;
	if (strcmp(clean, c2 + 1) || created > path_depth(clean))
		return -EINVAL;
	d->created = (unsigned)created;
	d->path = TAKE_PTR(clean);
	cg->dir_count++;
	return 0;
}

int rt_cgroup_open(const char *handle, struct rt_cgroup **ret, struct rt_error **err)
{
	_cleanup_(rt_cgroup_freep) struct rt_cgroup *cg = calloc(1, sizeof(*cg));
	_cleanup_free_ char *copy = strdup(handle);
	if (!cg || !copy)
		return rt_cg_oom(err);
	char *save = NULL, *tok = strtok_r(copy, " ", &save);
	cg->version = !tok ? 0 : !strcmp(tok, "cgroup1") ? 1 : !strcmp(tok, "cgroup2") ? 2 : 0;
	unsigned seen = 0;
	int rc = cg->version ? 0 : -EINVAL;
	while (rc == 0 && (tok = strtok_r(NULL, " ", &save)))
		rc = parse_record(cg, tok, &seen);
	if (rc == -ENOMEM || (rc == 0 && build_handle(cg) < 0))
		return rt_cg_oom(err);
	if (rc < 0 || !cg->dir_count)
		return rt_error_make(err, 0, "cgroup: bad handle \"%s\"", handle);
	*ret = TAKE_PTR(cg);
	return 0;
}

/*
 * Using it.
 */

int rt_cgroup_join(struct rt_cgroup *cg, pid_t pid, struct rt_error **err)
{
	char val[16];
	snprintf(val, sizeof(val), "%d", (int)pid);
	for (size_t i = 0; i < cg->dir_count; i++)
		if (write_file(cg->dirs[i].path, "cgroup.procs", val, err) < 0)
			return -1;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

/* Appends the PIDs of @dir/cgroup.procs to *@v. */
static int read_procs(const char *dir, pid_t **v, size_t *n, size_t *cap, struct rt_error **err)
{
	_cleanup_free_ char *text = NULL;
	int rc = rt_cg_read_file(dir, "cgroup.procs", &text);
	if (rc < 0)
		return rt_error_make(err, -rc, "cgroup: %s/cgroup.procs", dir);
	for (char *p = text; *p;) {
		uint64_t pid;
		if (parse_u64(p, &pid) < 0 || pid == 0 || pid > INT32_MAX)
			return rt_error_make(err, 0, "cgroup: %s/cgroup.procs: not a list of PIDs",
					     dir);
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			pid_t *bigger = realloc(*v, *cap * sizeof(**v));
			if (!bigger)
				return rt_cg_oom(err);
			*v = bigger;
		}
		(*v)[(*n)++] = (pid_t)pid;
		p += strcspn(p, "\n");
		p += strspn(p, "\n");
	}
	return 0;
}

int rt_cgroup_pids(struct rt_cgroup *cg, pid_t **ret, size_t *ret_count, struct rt_error **err)
{
	_cleanup_free_ pid_t *v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < cg->dir_count; i++)
		if (read_procs(cg->dirs[i].path, &v, &n, &cap, err) < 0)
			return -1;
	if (n)
		qsort(v, n, sizeof(*v), cmp_pid);
	size_t u = 0;
	for (size_t i = 0; i < n; i++)
		if (!u || v[u - 1] != v[i])
			v[u++] = v[i];
	*ret = u ? TAKE_PTR(v) : NULL;
	*ret_count = u;
	return 0;
}

/* Reads the number in @dir/@name into *@field; a missing file leaves it. */
static int stat_u64(const char *dir, const char *name, uint64_t *field, struct rt_error **err)
{
	_cleanup_free_ char *text = NULL;
	int rc = rt_cg_read_file(dir, name, &text);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rt_error_make(err, -rc, "cgroup: %s/%s", dir, name);
	if (parse_u64(text, field) < 0)
		return rt_error_make(err, 0, "cgroup: %s/%s: not a number", dir, name);
	return 0;
}

/* Reads "@key N" lines of @dir/@name into the fields; missing files and keys leave them. Each
 * key may list a fallback after a '|' ("total_rss|rss"). */
static int stat_keyed(const char *dir, const char *name, const char *const *keys,
		      uint64_t *const *fields, size_t count, struct rt_error **err)
{
	_cleanup_free_ char *text = NULL;
	int rc = rt_cg_read_file(dir, name, &text);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rt_error_make(err, -rc, "cgroup: %s/%s", dir, name);
	for (size_t i = 0; i < count; i++) {
		char key[32];
		snprintf(key, sizeof(key), "%s", keys[i]);
		char *alt = strchr(key, '|');
		if (alt)
			*alt++ = '\0';
		rc = keyed_u64(text, key, fields[i]);
		if (rc == -ENOENT && alt)
			rc = keyed_u64(text, alt, fields[i]);
		if (rc == -EINVAL)
			return rt_error_make(err, 0, "cgroup: %s/%s: bad %s line", dir, name, key);
	}
	return 0;
}

static int stats_v1(const struct cg_dir *d, struct rt_cgroup_stats *st, struct rt_error **err)
{
	const char *const mem_keys[] = { "total_cache|cache", "total_rss|rss" };
	uint64_t *const mem_fields[] = { &st->memory_cache, &st->memory_rss };
	if ((d->ctls & CG_MEMORY) &&
	    (stat_u64(d->path, "memory.usage_in_bytes", &st->memory_usage, err) < 0 ||
	     stat_u64(d->path, "memory.max_usage_in_bytes", &st->memory_max_usage, err) < 0 ||
	     stat_u64(d->path, "memory.limit_in_bytes", &st->memory_limit, err) < 0 ||
	     stat_keyed(d->path, "memory.stat", mem_keys, mem_fields, 2, err) < 0))
		return -1;
	/* v1 says "no limit" with the largest page-aligned long (PAGE_COUNTER_MAX pages). */
	if (st->memory_limit >= (uint64_t)INT64_MAX - 65535)
		st->memory_limit = UINT64_MAX;
	if ((d->ctls & CG_PIDS) &&
	    (stat_u64(d->path, "pids.current", &st->pids_current, err) < 0 ||
	     stat_u64(d->path, "pids.max", &st->pids_limit, err) < 0))
		return -1;
	if ((d->ctls & CG_CPUACCT) &&
	    stat_u64(d->path, "cpuacct.usage", &st->cpu_usage_ns, err) < 0)
		return -1;
	return 0;
}

static int stats_v2(const struct cg_dir *d, struct rt_cgroup_stats *st, struct rt_error **err)
{
	const char *const mem_keys[] = { "file", "anon" };
	uint64_t *const mem_fields[] = { &st->memory_cache, &st->memory_rss };
	const char *const cpu_keys[] = { "usage_usec" };
	uint64_t usec = 0;
	uint64_t *const cpu_fields[] = { &usec };
	if (stat_u64(d->path, "memory.current", &st->memory_usage, err) < 0 ||
	    stat_u64(d->path, "memory.peak", &st->memory_max_usage, err) < 0 ||
	    stat_u64(d->path, "memory.max", &st->memory_limit, err) < 0 ||
	    stat_keyed(d->path, "memory.stat", mem_keys, mem_fields, 2, err) < 0 ||
	    stat_u64(d->path, "pids.current", &st->pids_current, err) < 0 ||
	    stat_u64(d->path, "pids.max", &st->pids_limit, err) < 0 ||
	    stat_keyed(d->path, "cpu.stat", cpu_keys, cpu_fields, 1, err) < 0)
		return -1;
	st->cpu_usage_ns = usec > UINT64_MAX / 1000 ? UINT64_MAX : usec * 1000;
	return 0;
}

int rt_cgroup_stats(struct rt_cgroup *cg, struct rt_cgroup_stats *st, struct rt_error **err)
{
	struct rt_cgroup_stats s = { .memory_limit = UINT64_MAX, .pids_limit = UINT64_MAX };
	for (size_t i = 0; i < cg->dir_count; i++) {
		const struct cg_dir *d = &cg->dirs[i];
		struct stat sb;
		if (stat(d->path, &sb) < 0)
			return rt_error_make(err, errno, "cgroup: %s", d->path);
		if ((cg->version == 1 ? stats_v1(d, &s, err) : stats_v2(d, &s, err)) < 0)
			return -1;
	}
	*st = s;
	return 0;
}

int rt_cgroup_kill(struct rt_cgroup *cg, struct rt_error **err)
{
	int64_t deadline = now_ns() + KILL_BUDGET_NS;
	pid_t self = getpid();
	bool tried_kill_file = false;
	for (;;) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0, others = 0;
		bool self_inside = false;
		if (rt_cgroup_pids(cg, &pids, &n, err) < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (pids[i] == self)
				self_inside = true;
			else
				others++;
		if (!others)
			return 0;
		/* cgroup.kill would kill us too, and the loop below does not need it; it only
		 * saves a race against processes forking while we kill. */
		if (cg->version == 2 && !tried_kill_file && !self_inside &&
		    file_exists(cg->dirs[0].path, "cgroup.kill")) {
			tried_kill_file = true;
			if (write_file(cg->dirs[0].path, "cgroup.kill", "1", err) < 0)
				return -1;
		}
		for (size_t i = 0; i < n; i++)
			if (pids[i] != self)
				(void)kill(pids[i], SIGKILL);
		if (now_ns() >= deadline)
			return rt_error_make(err, EBUSY,
					     "cgroup: %s: %zu processes remain after SIGKILL",
					     cg->dirs[0].path, others);
		pause_step();
	}
}

static int remove_dir(const char *path)
{
	return g_cgroup_hooks.rmdir ? g_cgroup_hooks.rmdir(path) : rmdir(path);
}

/* Removes the @d->created trailing components of @d->path, leaf first. The kernel refuses
 * (EBUSY) a cgroup with processes or children: for the leaf that means its processes are still
 * exiting, so it is retried until @deadline; for a parent, that another cgroup still uses it. */
static int remove_dirs(const struct cg_dir *d, int64_t deadline, struct rt_error **err)
{
	_cleanup_free_ char *path = strdup(d->path);
	if (!path)
		return rt_cg_oom(err);
	for (unsigned level = 0; level < d->created; level++) {
		while (remove_dir(path) < 0 && errno != ENOENT) {
			int e = errno;
			if (level > 0 && (e == EBUSY || e == ENOTEMPTY || e == EEXIST))
				return 0;
			if (e != EBUSY || now_ns() >= deadline)
				return rt_error_make(err, e, "cgroup: %s", path);
			pause_step();
		}
		*strrchr(path, '/') = '\0';
	}
	return 0;
}

int rt_cgroup_destroy(struct rt_cgroup *cg, struct rt_error **err)
{
	int64_t deadline = now_ns() + DESTROY_BUDGET_NS;
	for (size_t i = 0; i < cg->dir_count; i++)
		if (remove_dirs(&cg->dirs[i], deadline, err) < 0)
			return -1;
	return 0;
}

void rt_cgroup_free(struct rt_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->dir_count; i++)
		free(cg->dirs[i].path);
	free(cg->handle);
	free(cg);
}
