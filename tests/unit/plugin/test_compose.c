/*
 * Composing a Sentry from chosen plugins: found by kind and name, initialised, described; every
 * failure is one line naming the choice and what exists instead.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "plugin/services.h"
#include "sentry/compose.h"

static struct plg_set g_set;
static struct sentry_services g_svc;
static char g_msg[512];

static void load(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s.so", getenv("TEST_PLUGIN_BUILD_DIR"), name);
	cr_assert_eq(plg_set_load_file(&g_set, path), 0);
}

static void setup(void)
{
	plg_set_init(&g_set);
	svc_init(&g_svc);
	load("skel_platform");
	load("skel_net");
	load("skel_fs");
	load("skel_gofer");
	cr_assert_eq(g_set.plugin_count, 4);
}

static void teardown(void)
{
	plg_set_fini(&g_set);
}

TestSuite(compose, .init = setup, .fini = teardown);

Test(compose, picks_each_kind_by_name)
{
	const char *fs[] = { "skel-fs", NULL };
	struct sentry_choice c = { .platform = "skel-platform", .net = "skel-net", .fs = fs };
	struct sentry_composition out;
	cr_assert_eq(sentry_compose(&g_set, &g_svc, &c, &out, g_msg, sizeof(g_msg)), 0, "%s", g_msg);
	cr_assert_str_eq(out.platform->desc->name, "skel-platform");
	cr_assert(out.platform->initialised);
	cr_assert_eq(out.platform_info.max_user_addr, 0x7fffffffe000);
	cr_assert_str_eq(out.net->desc->name, "skel-net");
	cr_assert_eq(out.fs_count, 1);
	cr_assert_str_eq(out.fs[0]->svc->plugin_name, "skel-fs");
}

Test(compose, network_is_optional)
{
	struct sentry_choice c = { .platform = "skel-platform" };
	struct sentry_composition out;
	cr_assert_eq(sentry_compose(&g_set, &g_svc, &c, &out, g_msg, sizeof(g_msg)), 0, "%s", g_msg);
	cr_assert_null(out.net);
	cr_assert_eq(out.fs_count, 0);
}

Test(compose, missing_platform_lists_the_available_ones)
{
	struct sentry_choice c = { .platform = "kvm" };
	struct sentry_composition out;
	cr_assert_eq(sentry_compose(&g_set, &g_svc, &c, &out, g_msg, sizeof(g_msg)), -ENOENT);
	cr_assert_str_eq(g_msg, "platform \"kvm\": no such plugin (available: skel-platform)");
}

Test(compose, kind_is_part_of_the_choice)
{
	/* A filesystem plugin is no network stack, even with the right name. */
	struct sentry_choice c = { .platform = "skel-platform", .net = "skel-fs" };
	struct sentry_composition out;
	cr_assert_eq(sentry_compose(&g_set, &g_svc, &c, &out, g_msg, sizeof(g_msg)), -ENOENT);
	cr_assert_str_eq(g_msg, "net \"skel-fs\": no such plugin (available: skel-net)");
}

Test(compose, missing_filesystem_is_named)
{
	const char *fs[] = { "skel-fs", "9p", NULL };
	struct sentry_choice c = { .platform = "skel-platform", .fs = fs };
	struct sentry_composition out;
	cr_assert_eq(sentry_compose(&g_set, &g_svc, &c, &out, g_msg, sizeof(g_msg)), -ENOENT);
	cr_assert_str_eq(g_msg, "fs \"9p\": no such plugin (available: skel-fs)");
}

Test(compose, too_many_filesystems_is_einval)
{
	const char *fs[10];
	for (int i = 0; i < 9; i++)
		fs[i] = "skel-fs";
	fs[9] = NULL;
	struct sentry_choice c = { .platform = "skel-platform", .fs = fs };
	struct sentry_composition out;
	cr_assert_eq(sentry_compose(&g_set, &g_svc, &c, &out, g_msg, sizeof(g_msg)), -EINVAL);
	cr_assert(strstr(g_msg, "too many filesystem plugins"), "%s", g_msg);
}
