/*
 * Loader tests: every refusal reason with a purpose-built bad plugin, the accepted kinds, ABI
 * minor compatibility, and init through the services table.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/plugin.h"
#include "sentry/platform.h"
#include "plugin/services.h"

static char g_dir[64];
static struct plg_set g_set;

static void setup(void)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/cvisor-loader-XXXXXX");
	if (!mkdtemp(g_dir))
		abort();
	plg_set_init(&g_set);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	plg_set_fini(&g_set);
	(void)nftw(g_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(plg_loader, .init = setup, .fini = teardown);

/* Puts test plugin @name (built by make check) into the test directory as @as. */
static void add_plugin(const char *name, const char *as)
{
	const char *build = getenv("TEST_PLUGIN_BUILD_DIR");
	cr_assert(build, "TEST_PLUGIN_BUILD_DIR is not set (run through make check)");
	char *src = NULL, *dst = NULL;
	cr_assert_gt(asprintf(&src, "%s/%s.so", build, name), 0);
	cr_assert_gt(asprintf(&dst, "%s/%s.so", g_dir, as ? as : name), 0);
	cr_assert_eq(symlink(src, dst), 0, "symlink %s: %s", src, strerror(errno));
	free(src);
	free(dst);
}

/* Loads the directory and expects exactly one refusal with @reason; returns its message. */
static const char *load_expect_refusal(int reason)
{
	cr_assert_eq(plg_set_load_dir(&g_set, g_dir), 0);
	cr_assert_eq(g_set.refused_count, 1, "expected one refusal, got %zu", g_set.refused_count);
	const struct plg_refusal *r = &g_set.refused[0];
	cr_assert_eq(r->reason, reason, "reason %s, message: %s", plg_reason_name(r->reason),
		     r->message);
	cr_assert(strstr(r->message, g_dir), "message names the file: %s", r->message);
	return r->message;
}

Test(plg_loader, skeletons_of_every_kind_load)
{
	add_plugin("skel_platform", NULL);
	add_plugin("skel_fs", NULL);
	add_plugin("skel_net", NULL);
	add_plugin("skel_gofer", NULL);
	cr_assert_eq(plg_set_load_dir(&g_set, g_dir), 0);
	cr_assert_eq(g_set.refused_count, 0);
	cr_assert_eq(g_set.plugin_count, 4);
	cr_assert(plg_set_find(&g_set, SENTRY_PLUGIN_PLATFORM, "skel-platform"));
	cr_assert(plg_set_find(&g_set, SENTRY_PLUGIN_FS, "skel-fs"));
	cr_assert(plg_set_find(&g_set, SENTRY_PLUGIN_NET, "skel-net"));
	cr_assert(plg_set_find(&g_set, SENTRY_PLUGIN_GOFER, "skel-gofer"));
	cr_assert_null(plg_set_find(&g_set, SENTRY_PLUGIN_NET, "skel-fs"), "kind is part of the key");
	cr_assert_eq(g_set.handle_count, 4);
}

Test(plg_loader, host_rules_are_visible)
{
	add_plugin("skel_net", NULL);
	cr_assert_eq(plg_set_load_dir(&g_set, g_dir), 0);
	const struct plg_plugin *p = plg_set_find(&g_set, SENTRY_PLUGIN_NET, "skel-net");
	cr_assert(p);
	cr_assert_eq(p->desc->host_rule_count, 1);
	cr_assert_eq(p->desc->host_rules[0].nr, 7);
}

Test(plg_loader, newer_minor_with_larger_tables_loads)
{
	add_plugin("newer_minor", NULL);
	cr_assert_eq(plg_set_load_dir(&g_set, g_dir), 0);
	cr_assert_eq(g_set.refused_count, 0, "%s", g_set.refused_count ? g_set.refused[0].message : "");
	/* The second entry is found only by striding with desc_size. */
	cr_assert_eq(g_set.plugin_count, 2);
	const struct plg_plugin *p = plg_set_find(&g_set, SENTRY_PLUGIN_PLATFORM, "newer-minor-b");
	cr_assert(p);
	cr_assert_eq(p->desc->abi_minor, SENTRY_ABI_MINOR + 1);
	cr_assert_gt(p->desc->ops_size, sizeof(struct sentry_platform_ops));
}

Test(plg_loader, text_file_is_not_a_shared_object)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/notes.so", g_dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs("this is not ELF\n", f);
	fclose(f);
	const char *msg = load_expect_refusal(PLG_REFUSE_NOT_SO);
	cr_assert(strstr(msg, "not a loadable shared object"), "%s", msg);
	cr_assert_eq(g_set.handle_count, 0);
}

Test(plg_loader, empty_file_is_not_a_shared_object)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/empty.so", g_dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fclose(f);
	load_expect_refusal(PLG_REFUSE_NOT_SO);
}

Test(plg_loader, missing_symbol_is_refused)
{
	add_plugin("no_symbol", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_NO_SYMBOL);
	cr_assert(strstr(msg, "sentry_plugin_v1"), "%s", msg);
	cr_assert_eq(g_set.handle_count, 0, "a refused file is closed");
}

Test(plg_loader, bad_magic_is_refused)
{
	add_plugin("bad_magic", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_BAD_MAGIC);
	cr_assert(strstr(msg, "0xdeadbeef") && strstr(msg, "0x59544e53"), "%s", msg);
}

Test(plg_loader, other_major_is_refused_with_both_versions)
{
	add_plugin("bad_major", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_ABI_MAJOR);
	char theirs[32], ours[32];
	snprintf(theirs, sizeof(theirs), "ABI %d.3", SENTRY_ABI_MAJOR + 1);
	snprintf(ours, sizeof(ours), "ABI %d.%d", SENTRY_ABI_MAJOR, SENTRY_ABI_MINOR);
	cr_assert(strstr(msg, theirs) && strstr(msg, ours), "%s", msg);
}

Test(plg_loader, unknown_kind_is_refused)
{
	add_plugin("bad_kind", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_UNKNOWN_KIND);
	cr_assert(strstr(msg, "plugin \"bad-kind\"") && strstr(msg, "kind 9"), "%s", msg);
}

Test(plg_loader, duplicate_in_one_file_keeps_the_first)
{
	add_plugin("dup_name", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_DUPLICATE);
	cr_assert(strstr(msg, "\"twin\""), "%s", msg);
	cr_assert_eq(g_set.plugin_count, 1);
	cr_assert_eq(g_set.handle_count, 1, "the file stays open for the accepted entry");
}

Test(plg_loader, duplicate_across_files_names_the_first_file)
{
	add_plugin("skel_fs", "a_fs");
	add_plugin("skel_fs", "b_fs");
	const char *msg = load_expect_refusal(PLG_REFUSE_DUPLICATE);
	cr_assert(strstr(msg, "b_fs.so: plugin \"skel-fs\"") && strstr(msg, "a_fs.so"), "%s", msg);
	cr_assert_eq(g_set.plugin_count, 1);
	cr_assert(strstr(g_set.plugins[0].file, "a_fs.so"), "name order decides who wins");
}

Test(plg_loader, ops_table_too_small_is_refused)
{
	add_plugin("small_ops", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_OPS_TOO_SMALL);
	cr_assert(strstr(msg, "platform ops table is 16 bytes, the mandatory entries need 56"), "%s", msg);
}

Test(plg_loader, null_mandatory_slot_is_refused)
{
	add_plugin("null_mandatory", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_NULL_MANDATORY);
	cr_assert(strstr(msg, "slot ctx_new is NULL"), "%s", msg);
}

Test(plg_loader, null_slot_in_nested_table_is_refused)
{
	add_plugin("null_nested", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_NULL_MANDATORY);
	cr_assert(strstr(msg, "context ops slot interrupt is NULL"), "%s", msg);
}

Test(plg_loader, invalid_name_is_refused)
{
	add_plugin("bad_name", NULL);
	load_expect_refusal(PLG_REFUSE_BAD_DESCRIPTOR);
}

Test(plg_loader, array_without_end_marker_is_refused_not_overread)
{
	add_plugin("unterminated", NULL);
	const char *msg = load_expect_refusal(PLG_REFUSE_BAD_DESCRIPTOR);
	cr_assert(strstr(msg, "no end marker"), "%s", msg);
	/* The single good entry before the bound still loaded. */
	cr_assert_eq(g_set.plugin_count, 1);
}

Test(plg_loader, refusals_do_not_stop_the_others)
{
	add_plugin("bad_magic", NULL);
	add_plugin("skel_fs", NULL);
	add_plugin("small_ops", NULL);
	cr_assert_eq(plg_set_load_dir(&g_set, g_dir), 0);
	cr_assert_eq(g_set.plugin_count, 1);
	cr_assert_eq(g_set.refused_count, 2);
}

Test(plg_loader, only_so_files_are_considered)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/README", g_dir);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/sub.so", g_dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	cr_assert_eq(plg_set_load_dir(&g_set, g_dir), 0);
	cr_assert_eq(g_set.plugin_count + g_set.refused_count, 0);
}

Test(plg_loader, missing_directory_is_enoent)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/none", g_dir);
	cr_assert_eq(plg_set_load_dir(&g_set, path), -ENOENT);
}

Test(plg_loader, file_as_directory_is_enotdir)
{
	add_plugin("skel_fs", NULL);
	char path[128];
	snprintf(path, sizeof(path), "%s/skel_fs.so", g_dir);
	cr_assert_eq(plg_set_load_dir(&g_set, path), -ENOTDIR);
}

Test(plg_loader, init_hands_each_plugin_its_own_services)
{
	add_plugin("skel_fs", NULL);
	add_plugin("skel_net", NULL);
	cr_assert_eq(plg_set_load_dir(&g_set, g_dir), 0);
	struct sentry_services svc;
	svc_init(&svc);

	struct plg_plugin *fs = plg_set_find(&g_set, SENTRY_PLUGIN_FS, "skel-fs");
	struct plg_plugin *net = plg_set_find(&g_set, SENTRY_PLUGIN_NET, "skel-net");
	cr_assert_eq(plg_plugin_init(fs, &svc, "opt"), 0);
	cr_assert_eq(plg_plugin_init(net, &svc, NULL), 0);
	cr_assert_str_eq(fs->svc->plugin_name, "skel-fs");
	cr_assert_str_eq(net->svc->plugin_name, "skel-net");
	cr_assert_not_null(fs->state, "skel-fs init returned its state");
	cr_assert_null(net->state, "no init: NULL state");
	cr_assert_eq(plg_plugin_init(fs, &svc, NULL), 0, "second init is a no-op");
	/* teardown's plg_set_fini calls skel-fs fini, which frees its state (LSan checks). */
}

Test(plg_loader, out_of_range_results_become_eio)
{
	add_plugin("skel_fs", NULL);
	cr_assert_eq(plg_set_load_dir(&g_set, g_dir), 0);
	struct plg_plugin *p = &g_set.plugins[0];
	cr_assert_eq(plg_check_rc(p, -ENOENT), -ENOENT);
	cr_assert_eq(plg_check_rc(p, 12345), 12345);
	cr_assert_eq(plg_check_rc(p, -5000), -EIO);
	cr_assert_eq(plg_check_rc(p, (long)INT_MAX + 1), -EIO);
}

Test(plg_loader, kind_and_reason_names)
{
	cr_assert_str_eq(plg_kind_name(SENTRY_PLUGIN_GOFER), "gofer");
	cr_assert_str_eq(plg_kind_name(77), "unknown");
	cr_assert_str_eq(plg_reason_name(PLG_REFUSE_ABI_MAJOR), "abi-major");
	cr_assert_str_eq(plg_reason_name(0), "unknown");
	cr_assert_str_eq(plg_reason_name(1000), "unknown");
}
