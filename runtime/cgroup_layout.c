/*
 * runtime/cgroup_layout.c: where the cgroup is: the hierarchies from /proc/self/mountinfo, runsc's
 * own cgroup from /proc/self/cgroup, and config.json's cgroupsPath, systemd's form included
 * (see cgroup.h for the rules).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "fileio.h"
#include "util/cleanup.h"

const char *const g_cgroup_ctl_names[CG_NCTL] = { "memory", "pids", "cpuacct" };

static const char *mountinfo_path(void)
{
	return g_cgroup_hooks.mountinfo ? g_cgroup_hooks.mountinfo : "/proc/self/mountinfo";
}

static const char *self_cgroup_path(void)
{
	return g_cgroup_hooks.self_cgroup ? g_cgroup_hooks.self_cgroup : "/proc/self/cgroup";
}

int rt_cg_oom(struct rt_error **err)
{
	return rt_error_make(err, ENOMEM, "cgroup");
}

/* Cleans @in lexically as if it were absolute: empty and "." components go, ".." drops the one
 * before it (nothing at the root). The result starts with '/' and has no trailing '/'. */
char *rt_cg_clean_path(const char *in)
{
	char *out = malloc(strlen(in) + 2);
	if (!out)
		return NULL;
	size_t o = 0;
	for (const char *p = in; *p;) {
		while (*p == '/')
			p++;
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, s, n);
		o += n;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

/* Whether @word is one of the items of @list, separated by spaces, commas or newlines. */
bool rt_cg_has_token(const char *list, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ,\n\t");
		if (n == len && !memcmp(p, word, len))
			return true;
		p += n;
		p += *p != '\0';
	}
	return false;
}

/* Reads all of @path, NUL-terminated. Returns 0 or -errno. */
int rt_cg_read_all(const char *path, char **ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return rt_read_fd(fd, SIZE_MAX - 1, ret, NULL);
}

/* Reads @dir/@name. Returns 0 or -errno. */
int rt_cg_read_file(const char *dir, const char *name, char **ret)
{
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return -ENOMEM;
	return rt_cg_read_all(path, ret);
}

/* Decodes mountinfo's octal escapes ("\040" for a space) in place. */
static void unescape_octal(char *s)
{
	char *o = s;
	for (char *p = s; *p;) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			*o++ = (char)((p[1] - '0') << 6 | (p[2] - '0') << 3 | (p[3] - '0'));
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
}

/*
 * Finding the hierarchies.
 */

void rt_cg_layout_fini(struct cg_layout *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->h[i].point);
		free(l->h[i].root);
	}
	l->count = 0;
}

/* A cgroup mount from one line of mountinfo. Its strings point into the line. */
struct cg_mount {
	bool v2;
	unsigned ctls;		/* v1: the CG_* among its super options */
	const char *point, *root;
};

/* Parses a mountinfo line: "ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER".
 * Returns whether it is a cgroup or cgroup2 mount. */
static bool parse_mount(char *line, struct cg_mount *m)
{
	char *save = NULL, *f[6];
	for (int i = 0; i < 6; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, " ", &save)))
			return false;
	char *tok;
	while ((tok = strtok_r(NULL, " ", &save)) && strcmp(tok, "-"))
		;
	char *type = strtok_r(NULL, " ", &save);
	char *source = strtok_r(NULL, " ", &save);
	char *super = strtok_r(NULL, " ", &save);
	if (!type || !source || !super)
		return false;
	*m = (struct cg_mount){ .v2 = !strcmp(type, "cgroup2"), .root = f[3], .point = f[4] };
	if (!m->v2 && strcmp(type, "cgroup"))
		return false;
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	for (int c = 0; c < CG_NCTL && !m->v2; c++)
		if (rt_cg_has_token(super, g_cgroup_ctl_names[c]))
			m->ctls |= 1u << c;
	return true;
}

static int layout_add(struct cg_layout *l, unsigned ctls, const struct cg_mount *m)
{
	for (size_t i = 0; i < l->count; i++)
		if (!strcmp(l->h[i].point, m->point)) {
			l->h[i].ctls |= ctls;
			return 0;
		}
	struct cg_hier *h = &l->h[l->count];
	h->ctls = ctls;
	h->point = strdup(m->point);
	h->root = strdup(m->root);
	l->count++;
	return h->point && h->root ? 0 : -ENOMEM;
}

/* Whether cgroup2 mount @m offers memory or pids to its children. */
static bool v2_has_controllers(const struct cg_mount *m)
{
	_cleanup_free_ char *text = NULL;
	return rt_cg_read_file(m->point, "cgroup.controllers", &text) == 0 &&
	       (rt_cg_has_token(text, "memory") || rt_cg_has_token(text, "pids"));
}

/* Picks the hierarchies from the parsed mounts: v1 for each controller that a v1 mount carries
 * (a mount of the whole hierarchy, root "/", preferred over a bind mount of a part), as long as
 * memory or pids is among them; else a cgroup2 mount. */
static int layout_pick(struct cg_layout *l, const struct cg_mount *m, size_t n)
{
	for (int c = 0; c < CG_NCTL; c++) {
		const struct cg_mount *best = NULL;
		for (size_t i = 0; i < n; i++)
			if ((m[i].ctls & (1u << c)) && (!best || (strcmp(best->root, "/") &&
								  !strcmp(m[i].root, "/"))))
				best = &m[i];
		if (best && layout_add(l, 1u << c, best) < 0)
			return -ENOMEM;
	}
	bool v1 = false;
	for (size_t i = 0; i < l->count; i++)
		v1 |= (l->h[i].ctls & (CG_MEMORY | CG_PIDS)) != 0;
	if (v1) {
		l->version = 1;
		return 0;
	}
	rt_cg_layout_fini(l);
	const struct cg_mount *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (m[i].v2 && (!best || (!v2_has_controllers(best) && v2_has_controllers(&m[i]))))
			best = &m[i];
	if (!best)
		return -ENOENT;
	l->version = 2;
	return layout_add(l, CG_ALL, best);
}

/* Finds the hierarchies from mountinfo. */
int rt_cg_layout_detect(struct cg_layout *l, struct rt_error **err)
{
	*l = (struct cg_layout){ 0 };
	_cleanup_free_ char *text = NULL;
	int rc = rt_cg_read_all(mountinfo_path(), &text);
	if (rc < 0)
		return rt_error_make(err, -rc, "cgroup: %s", mountinfo_path());
	size_t n = 0, cap = 0;
	_cleanup_free_ struct cg_mount *mounts = NULL;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct cg_mount m;
		if (!parse_mount(line, &m))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			struct cg_mount *bigger = realloc(mounts, cap * sizeof(*mounts));
			if (!bigger)
				return rt_cg_oom(err);
			mounts = bigger;
		}
		mounts[n++] = m;
	}
	rc = layout_pick(l, mounts, n);
	if (rc == -ENOENT)
		return rt_error_make(err, 0,
				     "cgroup: %s: no cgroup v1 memory or pids hierarchy and no "
				     "cgroup2 mount",
				     mountinfo_path());
	if (rc < 0) {
		rt_cg_layout_fini(l);
		return rt_cg_oom(err);
	}
	return 0;
}

/* runsc's own cgroup in hierarchy @h (from /proc/self/cgroup), made relative to the mount's root:
 * a mount of a subtree (in a container) shows only that subtree. */
static int own_cgroup(const struct cg_layout *l, const struct cg_hier *h, char **ret,
		      struct rt_error **err)
{
	_cleanup_free_ char *text = NULL;
	int rc = rt_cg_read_all(self_cgroup_path(), &text);
	if (rc < 0)
		return rt_error_make(err, -rc, "cgroup: %s", self_cgroup_path());
	const char *want = l->version == 2 ? NULL : g_cgroup_ctl_names[__builtin_ctz(h->ctls)];
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		/* v1 lines are "ID:CONTROLLERS:PATH"; the v2 line is "0::PATH". */
		bool match = want ? rt_cg_has_token(c1 + 1, want)
				  : c1 == line + 1 && line[0] == '0' && c1[1] == '\0';
		if (!match)
			continue;
		const char *own = c2 + 1;
		size_t rlen = strlen(h->root);
		if (strcmp(h->root, "/") && !strncmp(own, h->root, rlen) &&
		    (own[rlen] == '/' || own[rlen] == '\0'))
			own += rlen;
		*ret = rt_cg_clean_path(own);
		return *ret ? 0 : rt_cg_oom(err);
	}
	return rt_error_make(err, 0, "cgroup: %s: no entry for the %s hierarchy",
			     self_cgroup_path(), want ? want : "cgroup2");
}

/*
 * Where the cgroup is.
 */

/* Whether container id @id can name a directory. */
static int check_id(const char *id, struct rt_error **err)
{
	if (!id || !*id || strchr(id, '/') || !strcmp(id, ".") || !strcmp(id, ".."))
		return rt_error_make(err, 0, "cgroup: container id \"%s\" cannot name a cgroup",
				     id ? id : "");
	return 0;
}

/* Writes systemd's path of slice @slice ("a-b.slice" is "/a.slice/a-b.slice", "-.slice" the
 * root; see systemd.slice(5)) to @out. Returns 0 or -EINVAL for a name systemd refuses. */
static int expand_slice(const char *slice, FILE *out)
{
	size_t len = strlen(slice), stem = len - 6;
	if (len < 6 || strcmp(slice + stem, ".slice"))
		return -EINVAL;
	if (stem == 1 && slice[0] == '-')
		return 0;
	if (stem == 0 || memchr(slice, '/', len) || slice[0] == '-' || slice[stem - 1] == '-')
		return -EINVAL;
	for (size_t i = 0; i + 1 < stem; i++)
		if (slice[i] == '-' && slice[i + 1] == '-')
			return -EINVAL;
	for (size_t i = 0; i < stem; i++)
		if (slice[i] == '-')
			fprintf(out, "/%.*s.slice", (int)i, slice);
	fprintf(out, "/%s", slice);
	return 0;
}

/* Maps systemd's "slice:prefix:name" to the path systemd would give the unit: runc's rules
 * (an empty slice is system.slice; a name ending in ".slice" is that slice, else the scope
 * "prefix-name.scope"), without asking systemd over D-Bus. */
static int systemd_path(const char *spec, const char *id, char **ret, struct rt_error **err)
{
	_cleanup_free_ char *dflt = NULL;
	if (!*spec) {
		if (check_id(id, err) < 0)
			return -1;
		if (asprintf(&dflt, "system.slice:cvisor:%s", id) < 0)
			return rt_cg_oom(err);
		spec = dflt;
	}
	const char *c1 = strchr(spec, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2 || strchr(c2 + 1, ':'))
		return rt_error_make(err, 0,
				     "cgroup: cgroupsPath \"%s\": the systemd cgroup manager needs "
				     "\"slice:prefix:name\"",
				     spec);
	_cleanup_free_ char *slice = strndup(spec, (size_t)(c1 - spec));
	_cleanup_free_ char *prefix = strndup(c1 + 1, (size_t)(c2 - c1 - 1));
	const char *name = c2 + 1;
	if (!slice || !prefix)
		return rt_cg_oom(err);
	if (!*name || strchr(name, '/') || strchr(prefix, '/') || !strcmp(name, ".slice"))
		return rt_error_make(err, 0,
				     "cgroup: cgroupsPath \"%s\": prefix and name must be names, "
				     "and the name not empty",
				     spec);
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);
	if (!out)
		return rt_cg_oom(err);
	int rc = expand_slice(*slice ? slice : "system.slice", out);
	size_t nlen = strlen(name);
	if (nlen > 6 && !strcmp(name + nlen - 6, ".slice"))
		fprintf(out, "/%s", name);
	else
		fprintf(out, "/%s%s%s.scope", prefix, *prefix ? "-" : "", name);
	if (fclose(out) != 0) {
		free(text);
		return rt_cg_oom(err);
	}
	if (rc < 0) {
		free(text);
		return rt_error_make(err, 0, "cgroup: cgroupsPath \"%s\": \"%s\" is not a slice",
				     spec, slice);
	}
	*ret = text;
	return 0;
}

/* The cgroup's path as config.json means it, clean; *@ret_relative if it is below runsc's own
 * cgroup rather than below each hierarchy's root. */
int rt_cg_wanted_path(const char *cgroups_path, const char *id, int systemd, char **ret,
		       bool *ret_relative, struct rt_error **err)
{
	_cleanup_free_ char *raw = NULL;
	*ret_relative = false;
	if (systemd) {
		if (systemd_path(cgroups_path, id, &raw, err) < 0)
			return -1;
	} else if (!*cgroups_path) {
		if (check_id(id, err) < 0)
			return -1;
		if (asprintf(&raw, "/cvisor/%s", id) < 0)
			return rt_cg_oom(err);
	} else {
		*ret_relative = cgroups_path[0] != '/';
	}
	*ret = rt_cg_clean_path(raw ? raw : cgroups_path);
	return *ret ? 0 : rt_cg_oom(err);
}

/* The cgroup's path below the mount of @h. */
int rt_cg_subpath(const struct cg_layout *l, const struct cg_hier *h, const char *path,
			bool relative, char **ret, struct rt_error **err)
{
	if (!relative) {
		*ret = strdup(path);
		return *ret ? 0 : rt_cg_oom(err);
	}
	_cleanup_free_ char *own = NULL;
	if (own_cgroup(l, h, &own, err) < 0)
		return -1;
	_cleanup_free_ char *joined = NULL;
	if (asprintf(&joined, "%s/%s", own, path) < 0)
		return rt_cg_oom(err);
	*ret = rt_cg_clean_path(joined);
	return *ret ? 0 : rt_cg_oom(err);
}
