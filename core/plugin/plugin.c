/*
 * core/plugin/plugin.c: the plugin loader.
 *
 * Every check reads the descriptor only as far as what was already validated allows: magic and
 * ABI major first (a foreign major may have any layout past the fixed header), then the
 * descriptor's size, then its fields, then the ops table up to ops_size. The exported array is
 * bounded by the ELF symbol's size where the dynamic loader reports it, so a missing end marker is
 * a refusal, not a read past the object.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/fs.h"
#include "sentry/gofer.h"
#include "sentry/net.h"
#include "sentry/platform.h"
#include "sentry/plugin.h"

#include "plugin.h"
#include "util/cleanup.h"
#include "util/log.h"

/* Fields of the v1.0 descriptor: the least desc_size the core accepts. */
#define PLG_DESC_MIN_SIZE SENTRY_OPS_SIZE_THROUGH(struct sentry_plugin, host_rule_count)
/* The fixed header every ABI major keeps: magic, abi_major, abi_minor, desc_size. */
#define PLG_DESC_HEADER_SIZE SENTRY_OPS_SIZE_THROUGH(struct sentry_plugin, desc_size)
/* More descriptors than this in one file means a corrupt array. */
#define PLG_MAX_DESCRIPTORS 256
#define PLG_NAME_MAX 31

/* A mandatory slot of an ops table. */
struct plg_slot {
	const char *name;
	size_t off;	/* offsetof the slot */
	size_t end;	/* offsetof + sizeof: the ops_size that includes it */
};

#define PLG_SLOT(type, s) { #s, offsetof(type, s), SENTRY_OPS_SIZE_THROUGH(type, s) },
#define PLG_PLATFORM_SLOT(s) PLG_SLOT(struct sentry_platform_ops, s)
#define PLG_AS_SLOT(s) PLG_SLOT(struct sentry_as_ops, s)
#define PLG_CTX_SLOT(s) PLG_SLOT(struct sentry_ctx_ops, s)
#define PLG_FS_SLOT(s) PLG_SLOT(struct sentry_fs_ops, s)
#define PLG_NET_SLOT(s) PLG_SLOT(struct sentry_net_ops, s)
#define PLG_GOFER_SLOT(s) PLG_SLOT(struct sentry_gofer_ops, s)

static const struct plg_slot g_platform_slots[] = { SENTRY_PLATFORM_OPS_MANDATORY(PLG_PLATFORM_SLOT) };
static const struct plg_slot g_as_slots[] = { SENTRY_AS_OPS_MANDATORY(PLG_AS_SLOT) };
static const struct plg_slot g_ctx_slots[] = { SENTRY_CTX_OPS_MANDATORY(PLG_CTX_SLOT) };
static const struct plg_slot g_fs_slots[] = { SENTRY_FS_OPS_MANDATORY(PLG_FS_SLOT) };
static const struct plg_slot g_net_slots[] = { SENTRY_NET_OPS_MANDATORY(PLG_NET_SLOT) };
static const struct plg_slot g_gofer_slots[] = { SENTRY_GOFER_OPS_MANDATORY(PLG_GOFER_SLOT) };

/* One ops table to check: its slots and its name in messages. */
struct plg_table {
	const char *what;
	const struct plg_slot *slots;
	size_t count;
	size_t min_size;	/* least ops_size when non-slot fields are mandatory too, else 0 */
};

#define PLG_TABLE(what, slots) { what, slots, ARRAY_SIZE(slots), 0 }

static const struct {
	int kind;
	const char *name;
	struct plg_table table;
} g_kinds[] = {
	/* The nested tables' sizes follow their pointers and are as mandatory. */
	{ SENTRY_PLUGIN_PLATFORM, "platform",
	  { "platform ops", g_platform_slots, ARRAY_SIZE(g_platform_slots),
	    SENTRY_OPS_SIZE_THROUGH(struct sentry_platform_ops, ctx_ops_size) } },
	{ SENTRY_PLUGIN_FS, "fs", PLG_TABLE("fs ops", g_fs_slots) },
	{ SENTRY_PLUGIN_NET, "net", PLG_TABLE("net ops", g_net_slots) },
	{ SENTRY_PLUGIN_GOFER, "gofer", PLG_TABLE("gofer ops", g_gofer_slots) },
};

const char *plg_kind_name(int kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(g_kinds); i++)
		if (g_kinds[i].kind == kind)
			return g_kinds[i].name;
	return "unknown";
}

const char *plg_reason_name(int reason)
{
	static const char *const names[] = {
		[PLG_REFUSE_NOT_SO] = "not-shared-object",
		[PLG_REFUSE_NO_SYMBOL] = "no-symbol",
		[PLG_REFUSE_BAD_MAGIC] = "bad-magic",
		[PLG_REFUSE_ABI_MAJOR] = "abi-major",
		[PLG_REFUSE_BAD_DESCRIPTOR] = "bad-descriptor",
		[PLG_REFUSE_UNKNOWN_KIND] = "unknown-kind",
		[PLG_REFUSE_DUPLICATE] = "duplicate-name",
		[PLG_REFUSE_OPS_TOO_SMALL] = "ops-too-small",
		[PLG_REFUSE_NULL_MANDATORY] = "null-mandatory",
	};
	if (reason <= 0 || (size_t)reason >= ARRAY_SIZE(names) || !names[reason])
		return "unknown";
	return names[reason];
}

void plg_set_init(struct plg_set *set)
{
	memset(set, 0, sizeof(*set));
}

void plg_set_fini(struct plg_set *set)
{
	for (size_t i = set->plugin_count; i-- > 0;) {
		struct plg_plugin *p = &set->plugins[i];
		if (p->initialised && p->desc->fini)
			p->desc->fini(p->state);
		free(p->svc);
	}
	for (size_t i = 0; i < set->refused_count; i++) {
		free(set->refused[i].file);
		free(set->refused[i].name);
		free(set->refused[i].message);
	}
	for (size_t i = set->handle_count; i-- > 0;) {
		(void)dlclose(set->handles[i]);
		free(set->files[i]);
	}
	free(set->plugins);
	free(set->refused);
	free(set->handles);
	free(set->files);
	plg_set_init(set);
}

/* Grows *@arr of *@count elements of @size bytes by one zeroed element. Returns it or NULL. */
static void *plg_grow(void *arr_ptr, size_t *count, size_t size)
{
	void **arr = arr_ptr;
	void *n = realloc(*arr, (*count + 1) * size);
	if (!n)
		return NULL;
	*arr = n;
	void *elem = (char *)n + *count * size;
	memset(elem, 0, size);
	(*count)++;
	return elem;
}

/* Records a refusal. @name may be NULL when the descriptor could not be trusted that far.
 * Returns 0 or -ENOMEM. */
__attribute__((format(printf, 5, 6))) static int plg_refuse(struct plg_set *set, int reason,
							     const char *file, const char *name,
							     const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	struct plg_refusal *r = plg_grow(&set->refused, &set->refused_count, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->reason = reason;
	r->file = strdup(file);
	r->name = name ? strndup(name, PLG_NAME_MAX) : NULL;
	int rc = name ? asprintf(&r->message, "%s: plugin \"%s\": %s", file, r->name ? r->name : "",
				 what)
		      : asprintf(&r->message, "%s: %s", file, what);
	if (rc < 0)
		r->message = NULL;
	if (!r->file || (name && !r->name) || !r->message) {
		free(r->file);
		free(r->name);
		free(r->message);
		set->refused_count--;
		return -ENOMEM;
	}
	log_msg(SENTRY_LOG_DEBUG, "plugin", "refused %s", r->message);
	return 0;
}

static int plg_name_valid(const char *name)
{
	size_t len = strnlen(name, PLG_NAME_MAX + 1);
	if (len == 0 || len > PLG_NAME_MAX)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int plg_slot_is_null(const void *ops, const struct plg_slot *slot)
{
	uintptr_t v;
	memcpy(&v, (const char *)ops + slot->off, sizeof(v));
	return v == 0;
}

/* Checks one ops table of @size bytes at @ops against @t. Returns 0, or records the refusal and
 * returns 1 (or -ENOMEM). */
static int plg_check_table(struct plg_set *set, const char *file, const struct sentry_plugin *d,
			   const struct plg_table *t, const void *ops, size_t size)
{
	size_t need = t->min_size;
	for (size_t i = 0; i < t->count; i++)
		if (t->slots[i].end > need)
			need = t->slots[i].end;
	if (!ops)
		return plg_refuse(set, PLG_REFUSE_BAD_DESCRIPTOR, file, d->name, "%s pointer is NULL",
				  t->what) ?: 1;
	if (size < need)
		return plg_refuse(set, PLG_REFUSE_OPS_TOO_SMALL, file, d->name,
				  "%s table is %zu bytes, the mandatory entries need %zu "
				  "(plugin ABI %u.%u, core ABI %u.%u)",
				  t->what, size, need, d->abi_major, d->abi_minor, SENTRY_ABI_MAJOR,
				  SENTRY_ABI_MINOR) ?: 1;
	for (size_t i = 0; i < t->count; i++)
		if (plg_slot_is_null(ops, &t->slots[i]))
			return plg_refuse(set, PLG_REFUSE_NULL_MANDATORY, file, d->name,
					  "mandatory %s slot %s is NULL", t->what,
					  t->slots[i].name) ?: 1;
	return 0;
}

/* The kind-specific part: the kind's table, then tables it points to. */
static int plg_check_ops(struct plg_set *set, const char *file, const struct sentry_plugin *d)
{
	const struct plg_table *t = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(g_kinds); i++)
		if (g_kinds[i].kind == (int)d->kind)
			t = &g_kinds[i].table;
	if (!t)
		return plg_refuse(set, PLG_REFUSE_UNKNOWN_KIND, file, d->name,
				  "unknown kind %" PRIu32 " (this core knows 1..4: platform, fs, "
				  "net, gofer)",
				  d->kind) ?: 1;

	int rc = plg_check_table(set, file, d, t, d->ops, d->ops_size);
	if (rc || d->kind != SENTRY_PLUGIN_PLATFORM)
		return rc;

	const struct sentry_platform_ops *p = d->ops;
	static const struct plg_table as = PLG_TABLE("address space ops", g_as_slots);
	static const struct plg_table ctx = PLG_TABLE("context ops", g_ctx_slots);
	rc = plg_check_table(set, file, d, &as, p->as_ops, p->as_ops_size);
	return rc ?: plg_check_table(set, file, d, &ctx, p->ctx_ops, p->ctx_ops_size);
}

/* Validates the fields of a descriptor whose header already passed. 0 accepted, 1 refused. */
static int plg_check_desc(struct plg_set *set, const char *file, const struct sentry_plugin *d)
{
	if (!d->name || !plg_name_valid(d->name))
		return plg_refuse(set, PLG_REFUSE_BAD_DESCRIPTOR, file, NULL,
				  "descriptor has a missing or invalid name (1..31 of [a-z0-9_-])") ?: 1;
	if (!d->version)
		return plg_refuse(set, PLG_REFUSE_BAD_DESCRIPTOR, file, d->name,
				  "descriptor has no version string") ?: 1;
	if (!d->host_rules && d->host_rule_count)
		return plg_refuse(set, PLG_REFUSE_BAD_DESCRIPTOR, file, d->name,
				  "host_rule_count is %zu but host_rules is NULL",
				  d->host_rule_count) ?: 1;

	int rc = plg_check_ops(set, file, d);
	if (rc)
		return rc;

	for (size_t i = 0; i < set->plugin_count; i++)
		if (strcmp(set->plugins[i].desc->name, d->name) == 0)
			return plg_refuse(set, PLG_REFUSE_DUPLICATE, file, d->name,
					  "duplicate name: a %s plugin of that name was already "
					  "loaded from %s",
					  plg_kind_name((int)set->plugins[i].desc->kind),
					  set->plugins[i].file) ?: 1;
	return 0;
}

/* Size of the exported array from the ELF symbol, or 0 when unknown. */
static size_t plg_symbol_size(const void *sym)
{
	Dl_info info;
	const ElfW(Sym) *ent = NULL;
	if (!dladdr1(sym, &info, (void **)&ent, RTLD_DL_SYMENT) || !ent)
		return 0;
	return ent->st_size;
}

/* Walks the descriptor array of an opened file. Returns the number accepted or -ENOMEM. */
static int plg_walk_array(struct plg_set *set, const char *file, const char *kept_file,
			  const unsigned char *base)
{
	size_t bound = plg_symbol_size(base);
	size_t off = 0;
	int accepted = 0;

	for (int i = 0;; i++) {
		if (i == PLG_MAX_DESCRIPTORS || (bound && off + PLG_DESC_HEADER_SIZE > bound))
			return plg_refuse(set, PLG_REFUSE_BAD_DESCRIPTOR, file, NULL,
					  "descriptor array has no end marker (magic 0) within "
					  "%zu bytes",
					  bound ? bound : off) ?: accepted;

		const struct sentry_plugin *d = (const void *)(base + off);
		if (d->magic == 0)
			return accepted;
		if (d->magic != SENTRY_PLUGIN_MAGIC)
			return plg_refuse(set, PLG_REFUSE_BAD_MAGIC, file, NULL,
					  "descriptor %d has bad magic 0x%08" PRIx32
					  " (expected 0x%08x)",
					  i, d->magic, SENTRY_PLUGIN_MAGIC) ?: accepted;
		/* A foreign major may lay out everything after the header differently: trust
		 * nothing more, name included. */
		if (d->abi_major != SENTRY_ABI_MAJOR)
			return plg_refuse(set, PLG_REFUSE_ABI_MAJOR, file, NULL,
					  "descriptor %d is built for plugin ABI %u.%u, this core "
					  "implements ABI %u.%u (majors must match)",
					  i, d->abi_major, d->abi_minor, SENTRY_ABI_MAJOR,
					  SENTRY_ABI_MINOR) ?: accepted;
		if (d->desc_size < PLG_DESC_MIN_SIZE || (bound && off + d->desc_size > bound))
			return plg_refuse(set, PLG_REFUSE_BAD_DESCRIPTOR, file, NULL,
					  "descriptor %d has desc_size %" PRIu32
					  ", expected at least %zu",
					  i, d->desc_size, (size_t)PLG_DESC_MIN_SIZE) ?: accepted;

		int rc = plg_check_desc(set, file, d);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			struct plg_plugin *p =
				plg_grow(&set->plugins, &set->plugin_count, sizeof(*p));
			if (!p)
				return -ENOMEM;
			p->desc = d;
			p->file = kept_file;
			accepted++;
		}
		off += d->desc_size;
	}
}

/* Text of dlerror() without the leading "PATH: " it usually repeats. */
static const char *plg_dlerror(const char *path)
{
	const char *e = dlerror();
	if (!e)
		return "unknown dynamic loader error";
	size_t n = strlen(path);
	if (strncmp(e, path, n) == 0 && e[n] == ':' && e[n + 1] == ' ')
		return e + n + 2;
	return e;
}

int plg_set_load_file(struct plg_set *set, const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return plg_refuse(set, PLG_REFUSE_NOT_SO, path, NULL,
				  "not a loadable shared object: %s", plg_dlerror(path));

	const unsigned char *arr = dlsym(h, SENTRY_PLUGIN_SYMBOL);
	if (!arr) {
		(void)dlclose(h);
		return plg_refuse(set, PLG_REFUSE_NO_SYMBOL, path, NULL,
				  "does not export %s (is it a cvisor plugin?)",
				  SENTRY_PLUGIN_SYMBOL);
	}

	/* Reserve the handle slot first, so accepted descriptors can point at the kept path. */
	char *kept = strdup(path);
	void **handles = realloc(set->handles, (set->handle_count + 1) * sizeof(*handles));
	if (handles)
		set->handles = handles;
	char **files = realloc(set->files, (set->handle_count + 1) * sizeof(*files));
	if (files)
		set->files = files;
	if (!kept || !handles || !files) {
		free(kept);
		(void)dlclose(h);
		return -ENOMEM;
	}

	int accepted = plg_walk_array(set, path, kept, arr);
	if (accepted <= 0) {
		/* Nothing of this file stays in use: drop entries added before an ENOMEM. */
		while (set->plugin_count && set->plugins[set->plugin_count - 1].file == kept)
			set->plugin_count--;
		free(kept);
		(void)dlclose(h);
		return accepted < 0 ? accepted : 0;
	}
	set->handles[set->handle_count] = h;
	set->files[set->handle_count] = kept;
	set->handle_count++;
	return 0;
}

static int plg_so_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);
	return n > 3 && strcmp(de->d_name + n - 3, ".so") == 0;
}

int plg_set_load_dir(struct plg_set *set, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;

	struct dirent **list = NULL;
	int n = scandir(dir, &list, plg_so_filter, alphasort);
	if (n < 0)
		return -errno;

	int rc = 0;
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];
		if (rc == 0 && snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name) <
				       (int)sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			rc = plg_set_load_file(set, path);
		free(list[i]);
	}
	free(list);
	return rc;
}

uint64_t plg_set_host_caps(const struct plg_set *set)
{
	uint64_t caps = 0;
	for (size_t i = 0; i < set->plugin_count; i++) {
		const struct plg_plugin *p = &set->plugins[i];
		/* host_caps came with ABI minor 2: an older descriptor ends before it. */
		if (p->initialised &&
		    p->desc->desc_size >= SENTRY_OPS_SIZE_THROUGH(struct sentry_plugin, host_caps))
			caps |= p->desc->host_caps;
	}
	return caps;
}

struct plg_plugin *plg_set_find(const struct plg_set *set, int kind, const char *name)
{
	for (size_t i = 0; i < set->plugin_count; i++) {
		struct plg_plugin *p = &set->plugins[i];
		if ((int)p->desc->kind == kind && strcmp(p->desc->name, name) == 0)
			return p;
	}
	return NULL;
}

long plg_check_rc(struct plg_plugin *p, long rc)
{
	if (rc >= -4095 && rc <= INT_MAX)
		return rc;
	log_msg(SENTRY_LOG_ERR, "plugin", "%s (%s) returned %ld, outside the errno range; using -EIO",
		p->desc->name, p->file, rc);
	return -EIO;
}

int plg_plugin_init(struct plg_plugin *p, const struct sentry_services *svc, const char *options)
{
	if (p->initialised)
		return 0;

	/* Each plugin gets its own copy so log() knows who is talking. */
	struct sentry_services *copy = malloc(svc->size);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, svc, svc->size);
	copy->plugin_name = p->desc->name;

	void *state = NULL;
	int rc = 0;
	if (p->desc->init)
		rc = (int)plg_check_rc(p, p->desc->init(copy, copy->size, options, &state));
	if (rc < 0) {
		free(copy);
		return rc;
	}
	p->svc = copy;
	p->state = state;
	p->initialised = 1;
	return 0;
}
