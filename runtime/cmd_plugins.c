/*
 * runtime/cmd_plugins.c: `runsc plugins [--plugin-dir DIR] [--format=text|json]`.
 *
 * Lists what the loader accepted (name, kind, ABI, version, file) and what it refused with the
 * reason. Refusals are information, not failure: the exit status is 0 unless the directory itself
 * cannot be read.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "plugin/plugin.h"
#include "runsc.h"

static void print_text(const struct plg_set *set)
{
	printf("%-16s %-9s %-6s %-10s %s\n", "NAME", "KIND", "ABI", "VERSION", "FILE");
	for (size_t i = 0; i < set->plugin_count; i++) {
		const struct plg_plugin *p = &set->plugins[i];
		char abi[16];
		snprintf(abi, sizeof(abi), "%u.%u", p->desc->abi_major, p->desc->abi_minor);
		printf("%-16s %-9s %-6s %-10s %s\n", p->desc->name,
		       plg_kind_name((int)p->desc->kind), abi, p->desc->version, p->file);
	}
	if (set->refused_count)
		printf("\nREFUSED\n");
	for (size_t i = 0; i < set->refused_count; i++)
		printf("%s\n", set->refused[i].message);
}

static json_object *plugin_json(const struct plg_plugin *p)
{
	json_object *o = json_object_new_object();
	char abi[16];
	snprintf(abi, sizeof(abi), "%u.%u", p->desc->abi_major, p->desc->abi_minor);
	json_object_object_add(o, "name", json_object_new_string(p->desc->name));
	json_object_object_add(o, "kind", json_object_new_string(plg_kind_name((int)p->desc->kind)));
	json_object_object_add(o, "abi", json_object_new_string(abi));
	json_object_object_add(o, "version", json_object_new_string(p->desc->version));
	json_object_object_add(o, "file", json_object_new_string(p->file));
	if (p->desc->description)
		json_object_object_add(o, "description",
				       json_object_new_string(p->desc->description));
	return o;
}

static json_object *refusal_json(const struct plg_refusal *r)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "file", json_object_new_string(r->file));
	json_object_object_add(o, "name", r->name ? json_object_new_string(r->name) : NULL);
	json_object_object_add(o, "reason", json_object_new_string(plg_reason_name(r->reason)));
	json_object_object_add(o, "message", json_object_new_string(r->message));
	return o;
}

static int print_json(const struct plg_set *set, struct rt_error **err)
{
	json_object *root = json_object_new_object();
	json_object *ok = json_object_new_array();
	json_object *bad = json_object_new_array();
	if (!root || !ok || !bad) {
		json_object_put(root);
		json_object_put(ok);
		json_object_put(bad);
		return rt_error_make(err, ENOMEM, "plugins");
	}
	json_object_object_add(root, "plugins", ok);
	json_object_object_add(root, "refused", bad);
	for (size_t i = 0; i < set->plugin_count; i++)
		json_object_array_add(ok, plugin_json(&set->plugins[i]));
	for (size_t i = 0; i < set->refused_count; i++)
		json_object_array_add(bad, refusal_json(&set->refused[i]));
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return 0;
}

int rt_cmd_plugins(const struct rt_globals *g, int argc, char **argv, struct rt_error **err)
{
	const char *dir = g->plugin_dir ? g->plugin_dir : PLUGINDIR;
	const char *format = "text";

	for (int i = 1; i < argc; i++) {
		int m = rt_flag_value(argc, argv, &i, "plugin-dir", &dir, err);
		if (m == 0)
			m = rt_flag_value(argc, argv, &i, "format", &format, err);
		if (m < 0)
			return 1;
		if (m == 0)
			return rt_error_make(err, 0, "plugins: unexpected argument \"%s\"", argv[i]),
			       1;
	}
	if (strcmp(format, "text") && strcmp(format, "json"))
		return rt_error_make(err, 0, "plugins: invalid format \"%s\": must be text or json",
				     format),
		       1;

	struct plg_set set;
	plg_set_init(&set);
	int rc = plg_set_load_dir(&set, dir);
	if (rc < 0) {
		plg_set_fini(&set);
		return rt_error_make(err, -rc, "plugin directory %s", dir), 1;
	}
	if (strcmp(format, "json") == 0)
		rc = print_json(&set, err);
	else
		print_text(&set);
	plg_set_fini(&set);
	return rc < 0 ? 1 : 0;
}
