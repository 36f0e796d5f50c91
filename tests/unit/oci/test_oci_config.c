/*
 * config.json parsing: a corpus of bad configs, each with the one error line it must give, and
 * the decoded values of good ones.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci_config.h"

/* A minimal valid config with @proc spliced into "process" and @top into the top level; later
 * duplicate keys win in json-c, so a splice can also replace a field. */
static char *cfg(const char *proc, const char *top)
{
	char *s = NULL;
	if (asprintf(&s,
		     "{\"ociVersion\":\"1.1.0\",\"root\":{\"path\":\"rootfs\"},"
		     "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"%s}%s}",
		     proc, top) < 0)
		abort();
	return s;
}

struct bad_case {
	const char *proc;
	const char *top;
	const char *message;
};

/* Each bad config and the exact error line (after "runsc: "). */
static struct bad_case g_bad[] = {
	{ ",\"args\":[]", "", "config.json: process.args: must not be empty" },
	{ ",\"args\":[\"sh\",7]", "", "config.json: process.args[1]: expected a string" },
	{ ",\"args\":\"sh\"", "", "config.json: process.args: expected an array" },
	{ ",\"cwd\":\"tmp\"", "", "config.json: process.cwd: \"tmp\" is not an absolute path" },
	{ ",\"terminal\":\"yes\"", "", "config.json: process.terminal: expected true or false" },
	{ ",\"user\":{\"uid\":-1,\"gid\":0}", "",
	  "config.json: process.user.uid: expected an integer in 0..4294967295" },
	{ ",\"user\":{\"uid\":4294967296,\"gid\":0}", "",
	  "config.json: process.user.uid: expected an integer in 0..4294967295" },
	{ ",\"user\":{\"uid\":\"root\",\"gid\":0}", "",
	  "config.json: process.user.uid: expected an integer in 0..4294967295" },
	{ ",\"user\":{\"uid\":0}", "", "config.json: process.user.gid: missing (required)" },
	{ ",\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,-2]}", "",
	  "config.json: process.user.additionalGids[1]: expected an integer in 0..4294967295" },
	{ ",\"user\":{\"uid\":0,\"gid\":0,\"umask\":4095}", "",
	  "config.json: process.user.umask: 7777 is not a file mode mask" },
	{ ",\"consoleSize\":{\"width\":80}", "",
	  "config.json: process.consoleSize.height: missing (required)" },
	{ ",\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_FLY\"]}", "",
	  "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FLY\"" },
	{ ",\"rlimits\":[{\"type\":\"RLIMIT_SPEED\",\"soft\":1,\"hard\":1}]", "",
	  "config.json: process.rlimits[0].type: unknown resource \"RLIMIT_SPEED\"" },
	{ ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":2048,\"hard\":1024}]", "",
	  "config.json: process.rlimits[0].soft: 2048 is above hard 1024" },
	{ ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024}]", "",
	  "config.json: process.rlimits[0].soft: missing (required)" },
	{ ",\"oomScoreAdj\":2000", "", "config.json: process.oomScoreAdj: 2000 is outside -1000..1000" },
	{ "", ",\"root\":{\"path\":\"\"}", "config.json: root.path: must not be empty" },
	{ "", ",\"root\":{\"path\":\"rootfs\",\"readonly\":1}",
	  "config.json: root.readonly: expected true or false" },
	{ "", ",\"hostname\":42", "config.json: hostname: expected a string" },
	{ "", ",\"mounts\":[{\"destination\":\"proc\",\"type\":\"proc\"}]",
	  "config.json: mounts[0].destination: \"proc\" is not an absolute path" },
	{ "", ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"xfs\"}]",
	  "config.json: mounts[0].type: unsupported filesystem type \"xfs\"" },
	{ "", ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"bind\"}]",
	  "config.json: mounts[0].source: missing (required for a bind mount)" },
	{ "", ",\"mounts\":[{\"destination\":\"/x\",\"source\":\"/y\"}]",
	  "config.json: mounts[0].type: missing, and options do not say bind or rbind" },
	{ "", ",\"mounts\":[{\"destination\":\"/x\",\"type\":\"tmpfs\",\"options\":\"ro\"}]",
	  "config.json: mounts[0].options: expected an array" },
	{ "", ",\"hooks\":{\"prestart\":[{\"path\":\"hook\"}]}",
	  "config.json: hooks.prestart[0].path: \"hook\" is not an absolute path" },
	{ "", ",\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"timeout\":0}]}",
	  "config.json: hooks.poststop[0].timeout: must be a positive number of seconds" },
	{ "", ",\"annotations\":{\"a\":\"b\",\"n\":1}", "config.json: annotations.n: expected a string" },
	{ "", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"moon\"}]}",
	  "config.json: linux.namespaces[1].type: unknown namespace type \"moon\"" },
	{ "", ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}",
	  "config.json: linux.namespaces[1].type: duplicate namespace \"pid\"" },
	{ "", ",\"linux\":{\"namespaces\":[{\"type\":\"net\"}]}",
	  "config.json: linux.namespaces[0].type: unknown namespace type \"net\"" },
	{ "", ",\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"ns\"}]}",
	  "config.json: linux.namespaces[0].path: \"ns\" is not an absolute path" },
	{ "", ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}",
	  "config.json: linux.uidMappings: ID mappings need a user namespace in linux.namespaces" },
	{ "",
	  ",\"linux\":{\"namespaces\":[{\"type\":\"user\"}],"
	  "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}",
	  "config.json: linux.gidMappings[0].size: must be positive and keep both ranges below 2^32" },
	{ "", ",\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}",
	  "config.json: linux.sysctl.net.ipv4.ip_forward: expected a string" },
	{ "", ",\"linux\":{\"resources\":{\"memory\":{\"limit\":0}}}",
	  "config.json: linux.resources.memory.limit: must be a positive number of bytes or -1" },
	{ "", ",\"linux\":{\"resources\":{\"pids\":{\"limit\":-5}}}",
	  "config.json: linux.resources.pids.limit: must be >= 0 or -1" },
	{ "", ",\"linux\":{\"maskedPaths\":[\"/proc/kcore\",\"proc/keys\"]}",
	  "config.json: linux.maskedPaths[1]: \"proc/keys\" is not an absolute path" },
	{ "", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_MAYBE\"}}",
	  "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_MAYBE\"" },
	{ "", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"X\"]}}",
	  "config.json: linux.seccomp.flags[0]: unknown flag \"X\"" },
	{ "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
	  "[{\"names\":[],\"action\":\"SCMP_ACT_ERRNO\"}]}}",
	  "config.json: linux.seccomp.syscalls[0].names: must not be empty" },
	{ "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
	  "[{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":70000}]}}",
	  "config.json: linux.seccomp.syscalls[0].errnoRet: must fit in 16 bits" },
	{ "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
	  "[{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":6,"
	  "\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}}",
	  "config.json: linux.seccomp.syscalls[0].args[0].index: 6 is not an argument number (0..5)" },
	{ "",
	  ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
	  "[{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
	  "\"value\":1,\"op\":\"SCMP_CMP_ALMOST\"}]}]}}",
	  "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_ALMOST\"" },
};

/* Criterion runs each parameter in a fresh process (with its own address layout), so the
 * parameters are indices into g_bad, not pointers. */
static size_t g_bad_index[sizeof(g_bad) / sizeof(g_bad[0])];

ParameterizedTestParameters(oci_config, bad_config_names_the_field)
{
	for (size_t i = 0; i < sizeof(g_bad_index) / sizeof(g_bad_index[0]); i++)
		g_bad_index[i] = i;
	return cr_make_param_array(size_t, g_bad_index,
				   sizeof(g_bad_index) / sizeof(g_bad_index[0]));
}

ParameterizedTest(size_t *index, oci_config, bad_config_names_the_field)
{
	const struct bad_case *c = &g_bad[*index];
	char *json = cfg(c->proc, c->top);
	struct oci_config *out = NULL;
	struct rt_error *err = NULL;
	cr_assert_lt(oci_config_parse(json, "/bundle", &out, &err), 0, "accepted: %s", json);
	cr_assert_null(out, "nothing returned on error");
	cr_assert_str_eq(err->msg, c->message);
	rt_error_free(&err);
	free(json);
}

static void expect_error(const char *json, const char *message)
{
	struct oci_config *out = NULL;
	struct rt_error *err = NULL;
	cr_assert_lt(oci_config_parse(json, "/bundle", &out, &err), 0);
	cr_assert(strstr(err->msg, message), "%s", err->msg);
	rt_error_free(&err);
}

Test(oci_config, top_level_shape_errors)
{
	expect_error("{\"ociVersion\":", "config.json: invalid JSON: ");
	expect_error("[1,2]", "config.json: expected a JSON object at the top level");
	expect_error("{\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"}}",
		     "config.json: ociVersion: missing (required)");
	expect_error("{\"ociVersion\":\"1\",\"process\":{\"args\":[\"a\"],\"cwd\":\"/\"}}",
		     "config.json: root: missing (required)");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"}}",
		     "config.json: process: missing (required)");
	expect_error("{\"ociVersion\":\"1\",\"root\":{\"path\":\"r\"},\"process\":{\"args\":[\"a\"]}}",
		     "config.json: process.cwd: missing (required)");
}

static struct oci_config *parse_ok(const char *json)
{
	struct oci_config *out = NULL;
	struct rt_error *err = NULL;
	int rc = oci_config_parse(json, "/bundle", &out, &err);
	cr_assert_eq(rc, 0, "%s", err ? err->msg : "");
	return out;
}

Test(oci_config, minimal_config_and_defaults)
{
	char *json = cfg("", "");
	struct oci_config *c = parse_ok(json);
	cr_assert_str_eq(c->root_path, "/bundle/rootfs", "relative root is joined to the bundle");
	cr_assert_eq(c->process.args.count, 1);
	cr_assert_str_eq(c->process.args.v[0], "sh");
	cr_assert_null(c->process.args.v[1], "argv is NULL-terminated");
	cr_assert_eq(c->process.uid, 0);
	cr_assert_eq(c->lx.memory_limit, -1);
	cr_assert_eq(c->lx.pids_limit, -1);
	cr_assert_null(c->lx.seccomp);
	oci_config_free(c);
	free(json);
}

Test(oci_config, values_are_decoded)
{
	char *json = cfg(",\"terminal\":true,\"consoleSize\":{\"height\":24,\"width\":80},"
			 "\"user\":{\"uid\":1000,\"gid\":100,\"additionalGids\":[4,27]},"
			 "\"capabilities\":{\"effective\":[\"CAP_CHOWN\",\"CAP_SYS_ADMIN\"]},"
			 "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,"
			 "\"hard\":18446744073709551615}],\"oomScoreAdj\":-500",
			 ",\"root\":{\"path\":\"/abs/root\",\"readonly\":true},\"hostname\":\"h\","
			 "\"annotations\":{\"k\":\"v\"},"
			 "\"linux\":{\"resources\":{\"memory\":{\"limit\":67108864},"
			 "\"pids\":{\"limit\":100}},\"namespaces\":[{\"type\":\"user\"},"
			 "{\"type\":\"network\",\"path\":\"/proc/1/ns/net\"}],"
			 "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}]}");
	struct oci_config *c = parse_ok(json);
	cr_assert(c->process.terminal);
	cr_assert_eq(c->process.console_width, 80);
	cr_assert_eq(c->process.uid, 1000);
	cr_assert_eq(c->process.additional_gid_count, 2);
	cr_assert_eq(c->process.additional_gids[1], 27);
	cr_assert_eq(c->process.cap_effective, (1ull << 0) | (1ull << 21));
	cr_assert_eq(c->process.rlimits[0].resource, RLIMIT_NOFILE);
	cr_assert_eq(c->process.rlimits[0].hard, UINT64_MAX, "RLIM_INFINITY survives");
	cr_assert_eq(c->process.oom_score_adj, -500);
	cr_assert_str_eq(c->root_path, "/abs/root");
	cr_assert(c->root_readonly);
	cr_assert_str_eq(c->annotations[0].value, "v");
	cr_assert_eq(c->lx.memory_limit, 64 << 20);
	cr_assert_eq(c->lx.pids_limit, 100);
	cr_assert_str_eq(c->lx.namespaces[1].path, "/proc/1/ns/net");
	cr_assert_eq(c->lx.uid_mappings[0].size, 65536);
	oci_config_free(c);
	free(json);
}

Test(oci_config, mount_options_split_into_flags_and_data)
{
	char *json = cfg("", ",\"mounts\":[{\"destination\":\"/tmp\",\"type\":\"tmpfs\","
			     "\"options\":[\"nosuid\",\"ro\",\"rw\",\"size=64m\",\"noexec\","
			     "\"mode=1777\",\"rprivate\"]},{\"destination\":\"/data\","
			     "\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\"]}]");
	struct oci_config *c = parse_ok(json);
	cr_assert_eq(c->mount_count, 2);
	cr_assert_eq(c->mounts[0].flags, MS_NOSUID | MS_NOEXEC, "rw after ro clears it");
	cr_assert_str_eq(c->mounts[0].data, "size=64m,mode=1777");
	cr_assert_eq(c->mounts[1].flags, MS_BIND | MS_REC | MS_RDONLY);
	cr_assert_null(c->mounts[1].data);
	oci_config_free(c);
	free(json);
}

Test(oci_config, seccomp_actions_carry_errno)
{
	char *json = cfg("", ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\","
			     "\"defaultErrnoRet\":38,\"architectures\":[\"SCMP_ARCH_X86_64\"],"
			     "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":"
			     "\"SCMP_ACT_ALLOW\"},{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\","
			     "\"args\":[{\"index\":1,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}]}]}}");
	struct oci_config *c = parse_ok(json);
	const struct oci_seccomp *sc = c->lx.seccomp;
	cr_assert_not_null(sc);
	cr_assert_eq(sc->default_action, SECCOMP_RET_ERRNO | 38);
	cr_assert_eq(sc->rule_count, 2);
	cr_assert_eq(sc->rules[0].action, SECCOMP_RET_ALLOW);
	cr_assert_eq(sc->rules[1].action, SECCOMP_RET_ERRNO | EPERM, "ERRNO defaults to EPERM");
	cr_assert_eq(sc->rules[1].args[0].index, 1);
	cr_assert_eq(sc->rules[1].args[0].op, 4, "SCMP_CMP_EQ");
	oci_config_free(c);
	free(json);
}

Test(oci_config, default_spec_parses)
{
	char *json = oci_config_default();
	struct oci_config *c = parse_ok(json);
	cr_assert_str_eq(c->process.args.v[0], "sh");
	cr_assert_eq(c->lx.namespace_count, 6);
	cr_assert_eq(c->mount_count, 6);
	oci_config_free(c);
	free(json);
}

/* Loading from a bundle directory. */

static char g_bundle[64];

static void bundle_setup(void)
{
	snprintf(g_bundle, sizeof(g_bundle), "/tmp/cvisor-bundle-XXXXXX");
	if (!mkdtemp(g_bundle))
		abort();
}

static void bundle_teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_bundle);
	if (system(cmd) != 0)
		abort();
}

static void write_config(const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", g_bundle);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

static void expect_load_error(const char *message)
{
	struct oci_config *c = NULL;
	struct rt_error *err = NULL;
	cr_assert_lt(oci_config_load(g_bundle, &c, &err), 0);
	cr_assert(strstr(err->msg, message), "%s", err->msg);
	rt_error_free(&err);
}

Test(oci_load, missing_bundle_and_file, .init = bundle_setup, .fini = bundle_teardown)
{
	struct oci_config *c = NULL;
	struct rt_error *err = NULL;
	cr_assert_lt(oci_config_load("/nonexistent/bundle", &c, &err), 0);
	cr_assert_str_eq(err->msg, "bundle /nonexistent/bundle: No such file or directory");
	rt_error_free(&err);
	expect_load_error("/config.json: No such file or directory");
}

Test(oci_load, rootfs_must_be_a_directory, .init = bundle_setup, .fini = bundle_teardown)
{
	char *json = cfg("", "");
	write_config(json);
	free(json);
	expect_load_error("config.json: root.path: rootfs ");
	char path[128];
	snprintf(path, sizeof(path), "%s/rootfs", g_bundle);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fclose(f);
	expect_load_error("rootfs: Not a directory");
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(mkdir(path, 0755), 0);

	struct oci_config *c = NULL;
	struct rt_error *err = NULL;
	cr_assert_eq(oci_config_load(g_bundle, &c, &err), 0);
	cr_assert_str_eq(c->root_path, path);
	oci_config_free(c);
}

Test(oci_load, directory_as_config_is_refused, .init = bundle_setup, .fini = bundle_teardown)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/config.json", g_bundle);
	cr_assert_eq(mkdir(path, 0755), 0);
	expect_load_error("not a regular file");
}
