/*
 * Container state directories: create/open and the id rule, state.json round trips and its
 * errors, liveness by PID and start time, listing, removal, the lock, and the OCI state JSON.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state.h"

static char g_tmp[64];		/* the test's scratch directory */
static char g_root[128];	/* g_tmp/run/runsc: not there until a create makes it */

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb, (void)type, (void)ftw;
	return remove(path);
}

static void setup(void)
{
	strcpy(g_tmp, "/tmp/test_state.XXXXXX");
	if (!mkdtemp(g_tmp))
		abort();
	snprintf(g_root, sizeof(g_root), "%s/run/runsc", g_tmp);
	umask(022);
}

static void teardown(void)
{
	(void)nftw(g_tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(state, .init = setup, .fini = teardown, .timeout = 20);

/* Creates container @id under g_root; returns its directory fd. */
static int make_dir(const char *id)
{
	struct rt_error *err = NULL;
	int fd = -1;
	cr_assert_eq(rt_state_dir_create(g_root, id, &fd, &err), 0, "%s", err ? err->msg : "");
	return fd;
}

/* A state with every field set, owning copies of its strings. */
static void full_state(struct rt_state *st, const char *id)
{
	*st = (struct rt_state){
		.id = strdup(id),
		.bundle = strdup("/var/lib/b\"und le"),
		.rootfs = strdup("/var/lib/bundle/rootfs"),
		.pid = 4242,
		.pid_start = 18446744073709551615ull,
		.status = strdup("running"),
		.created_ns = -1234567890123456789ll,
		.owner = 4294967295u,
		.annotation_count = 2,
		.cgroup = strdup("/sys/fs/cgroup/pids/cvisor/c1"),
		.control = strdup("control.sock"),
		.has_exit_status = 1,
		.exit_status = 137,
	};
	st->annotations = calloc(2, sizeof(*st->annotations));
	st->annotations[0] = (struct oci_keyval){ strdup("org.z"), strdup("") };
	st->annotations[1] = (struct oci_keyval){ strdup("org.a"), strdup("v\n\"2\"") };
}

/* The names in directory @dirfd, sorted, joined by ','. */
static void dir_entries(int dirfd, char *buf, size_t size)
{
	struct dirent **names = NULL;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", dirfd);
	int n = scandir(path, &names, NULL, alphasort);
	cr_assert_geq(n, 0);
	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, "..")) {
			if (buf[0])
				strncat(buf, ",", size - strlen(buf) - 1);
			strncat(buf, names[i]->d_name, size - strlen(buf) - 1);
		}
		free(names[i]);
	}
	free(names);
}

Test(state, create_makes_root_and_directory)
{
	int fd = make_dir("c1");
	struct stat sb;
	cr_assert_eq(stat(g_root, &sb), 0);
	cr_assert_eq(sb.st_mode & 07777, 0711);
	char path[256];
	snprintf(path, sizeof(path), "%s/c1", g_root);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert(S_ISDIR(sb.st_mode));
	cr_assert_eq(sb.st_mode & 07777, 0711);
	struct stat fsb;
	cr_assert_eq(fstat(fd, &fsb), 0);
	cr_assert_eq(fsb.st_ino, sb.st_ino, "the fd is the new directory");
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert(fcntl(fd, F_GETFL) & O_DIRECTORY);
	close(fd);
}

Test(state, create_twice_is_exists)
{
	close(make_dir("c1"));
	struct rt_error *err = NULL;
	int fd = -1;
	cr_assert_lt(rt_state_dir_create(g_root, "c1", &fd, &err), 0);
	cr_assert_eq(fd, -1, "no fd on error");
	cr_assert_str_eq(err->msg, "container with id exists: c1");
	cr_assert_eq(err->status, EEXIST);
	rt_error_free(&err);
}

Test(state, create_under_a_file_fails_naming_it)
{
	char file[128];
	snprintf(file, sizeof(file), "%s/run", g_tmp);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	struct rt_error *err = NULL;
	int fd = -1;
	cr_assert_lt(rt_state_dir_create(g_root, "c1", &fd, &err), 0);
	char want[256];
	snprintf(want, sizeof(want), "mkdir %s: Not a directory", g_root);
	cr_assert_str_eq(err->msg, want);
	rt_error_free(&err);
}

Test(state, id_rule_is_runcs)
{
	char long_ok[RT_STATE_ID_MAX + 1], too_long[RT_STATE_ID_MAX + 2];
	memset(long_ok, 'a', RT_STATE_ID_MAX);
	long_ok[RT_STATE_ID_MAX] = '\0';
	memset(too_long, 'a', RT_STATE_ID_MAX + 1);
	too_long[RT_STATE_ID_MAX + 1] = '\0';
	const char *good[] = { "a", "Z9", "a-b_c+d.e", "...", ".a", "a..", long_ok };
	const char *bad[] = { "", ".", "..", "a/b", "/a", "a b", "a\n", "caf\xc3\xa9", "a:b",
			      "a*", too_long };
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		cr_assert(rt_state_id_valid(good[i]), "rejected %s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		cr_assert_not(rt_state_id_valid(bad[i]), "accepted %s", bad[i]);
	cr_assert_not(rt_state_id_valid(NULL));
}

Test(state, bad_ids_are_refused_by_every_entry_point)
{
	const char *bad[] = { "", ".", "..", "../escape", "a/b", "x y" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char want[64];
		snprintf(want, sizeof(want), "invalid container id format %s", bad[i]);
		struct rt_error *err = NULL;
		int fd = -1;
		cr_assert_lt(rt_state_dir_create(g_root, bad[i], &fd, &err), 0);
		cr_assert_str_eq(err->msg, want);
		cr_assert_eq(err->status, EINVAL);
		rt_error_free(&err);
		cr_assert_lt(rt_state_dir_open(g_root, bad[i], &fd, &err), 0);
		cr_assert_str_eq(err->msg, want);
		rt_error_free(&err);
		cr_assert_lt(rt_state_remove(g_root, bad[i], &err), 0);
		cr_assert_str_eq(err->msg, want);
		rt_error_free(&err);
	}
	struct stat sb;
	cr_assert_neq(stat(g_root, &sb), 0, "nothing was created for a bad id");
}

Test(state, open_existing_and_missing)
{
	struct rt_error *err = NULL;
	int fd = -1;
	cr_assert_lt(rt_state_dir_open(g_root, "c1", &fd, &err), 0, "missing root");
	cr_assert_str_eq(err->msg, "container \"c1\" does not exist");
	cr_assert_eq(err->status, ENOENT);
	rt_error_free(&err);

	int cfd = make_dir("c1");
	cr_assert_eq(rt_state_dir_open(g_root, "c1", &fd, &err), 0);
	struct stat a, b;
	cr_assert_eq(fstat(fd, &a), 0);
	cr_assert_eq(fstat(cfd, &b), 0);
	cr_assert_eq(a.st_ino, b.st_ino);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	close(cfd);

	cr_assert_lt(rt_state_dir_open(g_root, "c2", &fd, &err), 0, "missing container");
	cr_assert_str_eq(err->msg, "container \"c2\" does not exist");
	rt_error_free(&err);
}

Test(state, save_load_round_trips_every_field)
{
	int fd = make_dir("c1");
	struct rt_state in, out = { 0 };
	full_state(&in, "c1");
	struct rt_error *err = NULL;
	cr_assert_eq(rt_state_save(fd, &in, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(rt_state_load(fd, &out, &err), 0, "%s", err ? err->msg : "");
	cr_assert_str_eq(out.id, "c1");
	cr_assert_str_eq(out.bundle, in.bundle);
	cr_assert_str_eq(out.rootfs, in.rootfs);
	cr_assert_eq(out.pid, 4242);
	cr_assert_eq(out.pid_start, 18446744073709551615ull);
	cr_assert_str_eq(out.status, "running");
	cr_assert_eq(out.created_ns, -1234567890123456789ll);
	cr_assert_eq(out.owner, 4294967295u);
	cr_assert_eq(out.annotation_count, 2);
	cr_assert_str_eq(out.annotations[0].key, "org.z", "order kept");
	cr_assert_str_eq(out.annotations[0].value, "");
	cr_assert_str_eq(out.annotations[1].key, "org.a");
	cr_assert_str_eq(out.annotations[1].value, "v\n\"2\"");
	cr_assert_str_eq(out.cgroup, in.cgroup);
	cr_assert_str_eq(out.control, "control.sock");
	cr_assert_eq(out.has_exit_status, 1);
	cr_assert_eq(out.exit_status, 137);
	rt_state_clear(&out);
	rt_state_clear(&in);
	cr_assert_null(in.id, "clear zeroes");
	cr_assert_eq(in.annotation_count, 0);
	close(fd);
}

Test(state, save_load_minimal_state_keeps_absent_fields_absent)
{
	int fd = make_dir("c1");
	struct rt_state in = { .id = "c1", .status = "creating" }, out = { 0 };
	struct rt_error *err = NULL;
	cr_assert_eq(rt_state_save(fd, &in, &err), 0, "%s", err ? err->msg : "");
	cr_assert_eq(rt_state_load(fd, &out, &err), 0, "%s", err ? err->msg : "");
	cr_assert_str_eq(out.status, "creating");
	cr_assert_eq(out.pid, 0);
	cr_assert_null(out.bundle);
	cr_assert_null(out.cgroup);
	cr_assert_null(out.control);
	cr_assert_null(out.annotations);
	cr_assert_eq(out.annotation_count, 0);
	cr_assert_eq(out.has_exit_status, 0);
	rt_state_clear(&out);
	close(fd);
}

Test(state, save_replaces_atomically_and_leaves_no_temp_file)
{
	int fd = make_dir("c1");
	struct rt_state st;
	full_state(&st, "c1");
	struct rt_error *err = NULL;
	for (int i = 0; i < 5; i++) {
		st.pid = 100 + i;
		cr_assert_eq(rt_state_save(fd, &st, &err), 0, "%s", err ? err->msg : "");
	}
	char names[256];
	dir_entries(fd, names, sizeof(names));
	cr_assert_str_eq(names, RT_STATE_FILE);
	struct stat sb;
	cr_assert_eq(fstatat(fd, RT_STATE_FILE, &sb, 0), 0);
	cr_assert_eq(sb.st_mode & 07777, 0600);
	struct rt_state out = { 0 };
	cr_assert_eq(rt_state_load(fd, &out, &err), 0);
	cr_assert_eq(out.pid, 104, "the last save won");
	rt_state_clear(&out);

	/* A refused save leaves the previous file and no temp file. */
	free(st.status);
	st.status = strdup("paused");
	cr_assert_lt(rt_state_save(fd, &st, &err), 0);
	cr_assert_str_eq(err->msg, "save state: unknown status \"paused\": Invalid argument");
	rt_error_free(&err);
	dir_entries(fd, names, sizeof(names));
	cr_assert_str_eq(names, RT_STATE_FILE);
	rt_state_clear(&st);
	close(fd);
}

Test(state, failed_save_removes_its_temp_file)
{
	int fd = make_dir("c1");
	/* A directory in the way makes the rename fail, after the temp file was written. */
	cr_assert_eq(mkdirat(fd, RT_STATE_FILE, 0700), 0);
	cr_assert_eq(mkdirat(fd, RT_STATE_FILE "/x", 0700), 0);
	struct rt_state st = { .id = "c1", .status = "created" };
	struct rt_error *err = NULL;
	cr_assert_lt(rt_state_save(fd, &st, &err), 0);
	char want[256];
	snprintf(want, sizeof(want), "write %s/c1/state.json: Is a directory", g_root);
	cr_assert_str_eq(err->msg, want);
	rt_error_free(&err);
	char names[256];
	dir_entries(fd, names, sizeof(names));
	cr_assert_str_eq(names, RT_STATE_FILE);
	close(fd);
}

Test(state, load_missing_names_the_file)
{
	int fd = make_dir("c1");
	struct rt_state out = { 0 };
	struct rt_error *err = NULL;
	cr_assert_lt(rt_state_load(fd, &out, &err), 0);
	char want[256];
	snprintf(want, sizeof(want), "open %s/c1/state.json: No such file or directory", g_root);
	cr_assert_str_eq(err->msg, want);
	cr_assert_eq(err->status, ENOENT);
	rt_error_free(&err);
	close(fd);
}

/* Writes @text as DIR/state.json, loads it, and checks the error is "FILE: @what". */
static void check_corrupt(int fd, const char *text, const char *what)
{
	int f = openat(fd, RT_STATE_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(f, 0);
	cr_assert_eq(write(f, text, strlen(text)), (ssize_t)strlen(text));
	close(f);
	struct rt_state out = { 0 };
	struct rt_error *err = NULL;
	cr_assert_lt(rt_state_load(fd, &out, &err), 0, "accepted %s", text);
	char want[512];
	snprintf(want, sizeof(want), "%s/c1/state.json: %s", g_root, what);
	cr_assert_str_eq(err->msg, want, "for %s: %s", text, err->msg);
	cr_assert_eq(err->status, 0);
	rt_error_free(&err);
	struct rt_state zero = { 0 };
	cr_assert_eq(memcmp(&out, &zero, sizeof(out)), 0, "left zeroed");
}

#define GOOD_HEAD "{\"id\":\"c1\",\"pidStart\":1,\"status\":\"created\",\"created\":5,\"owner\":0"

Test(state, corrupt_state_is_an_error_naming_the_file)
{
	int fd = make_dir("c1");
	check_corrupt(fd, "", "unexpected end of data");
	check_corrupt(fd, "{\"id\":\"c1\",", "unexpected end of data");
	check_corrupt(fd, "{oops}", "quoted object property name expected");
	check_corrupt(fd, "[1]", "not a JSON object");
	check_corrupt(fd, GOOD_HEAD ",\"pid\":1} x", "trailing data after the JSON value");
	check_corrupt(fd, GOOD_HEAD "}", "pid: missing");
	check_corrupt(fd, GOOD_HEAD ",\"pid\":\"1\"}", "pid: expected an integer in 0..2147483647");
	check_corrupt(fd, GOOD_HEAD ",\"pid\":-1}", "pid: expected an integer in 0..2147483647");
	check_corrupt(fd, GOOD_HEAD ",\"pid\":1.5}", "pid: expected an integer in 0..2147483647");
	check_corrupt(fd, GOOD_HEAD ",\"pid\":1,\"exitStatus\":256}",
		      "exitStatus: expected an integer in 0..255");
	check_corrupt(fd, GOOD_HEAD ",\"pid\":1,\"bundle\":7}", "bundle: expected a string");
	check_corrupt(fd, GOOD_HEAD ",\"pid\":1,\"annotations\":{\"a\":\"b\",\"c\":1}}",
		      "annotations: expected string values");
	check_corrupt(fd, "{\"id\":\"c1\",\"pid\":1,\"pidStart\":-1,\"status\":\"created\","
			  "\"created\":5,\"owner\":0}",
		      "pidStart: expected an unsigned integer");
	check_corrupt(fd, "{\"id\":\"../x\",\"pid\":1,\"pidStart\":1,\"status\":\"created\","
			  "\"created\":5,\"owner\":0}",
		      "id: not a valid container id");
	check_corrupt(fd, "{\"id\":\"c1\",\"pid\":1,\"pidStart\":1,\"status\":\"paused\","
			  "\"created\":5,\"owner\":0}",
		      "status: unknown status");
	check_corrupt(fd, "{\"id\":\"c1\",\"pid\":1,\"pidStart\":1,\"status\":\"created\","
			  "\"created\":9223372036854775808,\"owner\":0}",
		      "created: expected an integer in -9223372036854775808..9223372036854775807");
	close(fd);
}

/* A child that has exited: reaped (or left a zombie when @reap is 0), its PID and start time. */
static pid_t dead_child(int reap, uint64_t *ret_start)
{
	int go[2];
	cr_assert_eq(pipe(go), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		char c;
		close(go[1]);
		(void)read(go[0], &c, 1);
		_exit(0);
	}
	close(go[0]);
	*ret_start = rt_proc_start_time(pid);
	cr_assert_neq(*ret_start, 0, "start time of a live child");
	close(go[1]);
	if (reap) {
		cr_assert_eq(waitpid(pid, NULL, 0), pid);
	} else {
		/* Wait until it is a zombie: waitid with WNOWAIT leaves it unreaped. */
		siginfo_t si;
		cr_assert_eq(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0);
	}
	return pid;
}

Test(state, proc_start_time_parses_after_the_last_paren)
{
	uint64_t before = rt_proc_start_time(getpid());
	cr_assert_neq(before, 0);
	/* comm may hold ") " and look like more fields. */
	cr_assert_eq(prctl(PR_SET_NAME, "x) R 1 2 (y"), 0);
	cr_assert_eq(rt_proc_start_time(getpid()), before);
	cr_assert_eq(rt_proc_start_time(0), 0);
	cr_assert_eq(rt_proc_start_time(-5), 0);
	uint64_t start;
	pid_t pid = dead_child(1, &start);
	cr_assert_eq(rt_proc_start_time(pid), 0, "no such process");
}

Test(state, pid_alive_needs_the_recorded_start_time)
{
	struct rt_state st = { .pid = getpid(), .pid_start = rt_proc_start_time(getpid()) };
	cr_assert_eq(rt_state_pid_alive(&st), 1);
	st.pid_start++;
	cr_assert_eq(rt_state_pid_alive(&st), 0, "a reused PID is not ours");
	st.pid = 0;
	cr_assert_eq(rt_state_pid_alive(&st), 0);

	pid_t pid = dead_child(1, &st.pid_start);
	st.pid = pid;
	cr_assert_eq(rt_state_pid_alive(&st), 0, "reaped child");

	pid = dead_child(0, &st.pid_start);
	st.pid = pid;
	cr_assert_eq(rt_proc_start_time(pid), st.pid_start, "the zombie is still there");
	cr_assert_eq(rt_state_pid_alive(&st), 0, "a zombie has exited");
	cr_assert_eq(waitpid(pid, NULL, 0), pid);
}

Test(state, status_is_stopped_once_the_process_is_gone)
{
	struct rt_state st = { .pid = getpid(), .pid_start = rt_proc_start_time(getpid()) };
	const char *live[] = { "creating", "created", "running" };
	for (size_t i = 0; i < 3; i++) {
		st.status = (char *)live[i];
		st.pid = getpid();
		cr_assert_str_eq(rt_state_status(&st), live[i]);
		st.pid_start++;
		cr_assert_str_eq(rt_state_status(&st), "stopped", "%s, wrong start", live[i]);
		st.pid_start--;
		st.pid = 0;
		cr_assert_str_eq(rt_state_status(&st), "stopped", "%s, no pid", live[i]);
	}
	st.pid = getpid();
	st.status = "stopped";
	cr_assert_str_eq(rt_state_status(&st), "stopped", "recorded stopped stays stopped");
	st.status = NULL;
	cr_assert_str_eq(rt_state_status(&st), "stopped");
}

/* g_tmp/run, the parent of g_root. */
static const char *tmp_run(void)
{
	static char path[96];
	snprintf(path, sizeof(path), "%s/run", g_tmp);
	return path;
}

struct seen {
	char ids[256];
	int calls;
	int stop_at;		/* return -7 on this call (1-based), 0: never */
};

static int collect(const struct rt_state *st, void *arg)
{
	struct seen *s = arg;
	if (s->ids[0])
		strcat(s->ids, ",");
	strcat(s->ids, st->id);
	s->calls++;
	return s->calls == s->stop_at ? -7 : 0;
}

static void save_simple(const char *id)
{
	int fd = make_dir(id);
	struct rt_state st = { .id = (char *)id, .status = "created" };
	struct rt_error *err = NULL;
	cr_assert_eq(rt_state_save(fd, &st, &err), 0);
	close(fd);
}

Test(state, list_in_id_order_skipping_what_does_not_load)
{
	struct seen s = { 0 };
	struct rt_error *err = NULL;
	cr_assert_eq(rt_state_list(g_root, collect, &s, &err), 0, "missing root");
	cr_assert_eq(s.calls, 0);
	cr_assert_eq(mkdir(tmp_run(), 0700), 0);
	cr_assert_eq(mkdir(g_root, 0700), 0);
	cr_assert_eq(rt_state_list(g_root, collect, &s, &err), 0, "empty root");
	cr_assert_eq(s.calls, 0);

	save_simple("b2");
	save_simple("B1");
	save_simple("a10");
	save_simple("a9");
	close(make_dir("empty"));	/* a create that died before saving */
	int fd = make_dir("corrupt");
	int f = openat(fd, RT_STATE_FILE, O_WRONLY | O_CREAT, 0600);
	cr_assert_eq(write(f, "{\"id\":", 6), 6);
	close(f);
	close(fd);
	char path[256];
	snprintf(path, sizeof(path), "%s/file", g_root);
	close(open(path, O_CREAT | O_WRONLY, 0600));	/* not a directory */
	snprintf(path, sizeof(path), "%s/bad id", g_root);
	cr_assert_eq(mkdir(path, 0700), 0);		/* not a valid id */

	cr_assert_eq(rt_state_list(g_root, collect, &s, &err), 0, "%s", err ? err->msg : "");
	cr_assert_str_eq(s.ids, "B1,a10,a9,b2");

	struct seen stop = { .stop_at = 2 };
	cr_assert_eq(rt_state_list(g_root, collect, &stop, &err), -7);
	cr_assert_str_eq(stop.ids, "B1,a10");
	cr_assert_null(err);
}

Test(state, remove_deletes_nested_files_and_sockets_without_following_links)
{
	int fd = make_dir("c1");
	cr_assert_eq(mkdirat(fd, "sub", 0700), 0);
	cr_assert_eq(mkdirat(fd, "sub/deeper", 0700), 0);
	close(openat(fd, "sub/deeper/file", O_CREAT | O_WRONLY, 0600));
	close(openat(fd, "top", O_CREAT | O_WRONLY, 0000));
	/* A symlink to a directory outside: its target must survive. */
	char outside[128];
	snprintf(outside, sizeof(outside), "%s/outside", g_tmp);
	cr_assert_eq(mkdir(outside, 0700), 0);
	char keep[160];
	snprintf(keep, sizeof(keep), "%s/keep", outside);
	close(open(keep, O_CREAT | O_WRONLY, 0600));
	cr_assert_eq(symlinkat(outside, fd, "sub/link"), 0);

	int sock = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, "sub/control.sock");	/* relative: sun_path is short */
	cr_assert_eq(fchdir(fd), 0);
	cr_assert_eq(bind(sock, (struct sockaddr *)&sa, sizeof(sa)), 0, "%s", strerror(errno));
	cr_assert_eq(listen(sock, 1), 0);
	cr_assert_eq(chdir("/"), 0);
	struct stat sb;
	cr_assert_eq(fstatat(fd, "sub/control.sock", &sb, 0), 0);
	cr_assert(S_ISSOCK(sb.st_mode));
	close(fd);

	struct rt_error *err = NULL;
	cr_assert_eq(rt_state_remove(g_root, "c1", &err), 0, "%s", err ? err->msg : "");
	char path[256];
	snprintf(path, sizeof(path), "%s/c1", g_root);
	cr_assert_lt(lstat(path, &sb), 0);
	cr_assert_eq(errno, ENOENT);
	cr_assert_eq(stat(keep, &sb), 0, "the link's target is untouched");
	close(sock);

	cr_assert_eq(rt_state_remove(g_root, "c1", &err), 0, "missing is fine");
	cr_assert_eq(rt_state_remove("/nonexistent/root", "c1", &err), 0, "missing root too");
	cr_assert_null(err);
	fd = -1;
	cr_assert_lt(rt_state_dir_open(g_root, "c1", &fd, &err), 0, "gone for open");
	rt_error_free(&err);
}

/* Waits up to @ms for a byte on @fd. Returns 1 if one came, 0 if not. */
static int byte_within(int fd, int ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	int n = poll(&pf, 1, ms);
	char c;
	return n == 1 && read(fd, &c, 1) == 1;
}

Test(state, lock_makes_a_second_locker_wait)
{
	int fd = make_dir("c1");
	struct rt_error *err = NULL;
	int lockfd = -1;
	cr_assert_eq(rt_state_lock(fd, &lockfd, &err), 0, "%s", err ? err->msg : "");
	cr_assert(fcntl(lockfd, F_GETFD) & FD_CLOEXEC);

	int note[2];
	cr_assert_eq(pipe(note), 0);
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* Another runsc would not have our open lock file: drop the inherited one. */
		close(lockfd);
		close(note[0]);
		int mine = -1;
		struct rt_error *cerr = NULL;
		if (rt_state_lock(fd, &mine, &cerr) < 0)
			_exit(2);
		(void)write(note[1], "L", 1);
		rt_state_unlock(mine);
		_exit(0);
	}
	close(note[1]);
	int early = byte_within(note[0], 300);
	rt_state_unlock(lockfd);
	int after = early ? 0 : byte_within(note[0], 5000);
	if (!after)
		kill(pid, SIGKILL);
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_not(early, "the child got the lock while we held it");
	cr_assert(after, "the child did not get the lock after unlock");
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(note[0]);

	struct stat sb;
	cr_assert_eq(fstatat(fd, RT_STATE_LOCK_FILE, &sb, 0), 0, "the lock file stays");
	rt_state_unlock(-1);
	close(fd);
}

Test(state, format_time_is_rfc3339_nanoseconds_utc)
{
	char buf[RT_STATE_TIME_SIZE];
	rt_state_format_time(1796197201123456789ll, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2026-12-02T07:40:01.123456789Z");
	rt_state_format_time(0, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1970-01-01T00:00:00.000000000Z");
	rt_state_format_time(-1, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1969-12-31T23:59:59.999999999Z");
	rt_state_format_time(INT64_MAX, buf, sizeof(buf));
	cr_assert_str_eq(buf, "2262-04-11T23:47:16.854775807Z");
	rt_state_format_time(INT64_MIN, buf, sizeof(buf));
	cr_assert_str_eq(buf, "1677-09-21T00:12:43.145224192Z");
	char small[11];
	rt_state_format_time(0, small, sizeof(small));
	cr_assert_str_eq(small, "1970-01-01", "truncated, terminated");
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v = NULL;
	cr_assert(json_object_object_get_ex(o, key, &v), "no %s", key);
	cr_assert(json_object_is_type(v, json_type_string), "%s is not a string", key);
	return json_object_get_string(v);
}

static int64_t jint(json_object *o, const char *key)
{
	json_object *v = NULL;
	cr_assert(json_object_object_get_ex(o, key, &v), "no %s", key);
	cr_assert(json_object_is_type(v, json_type_int), "%s is not an integer", key);
	return json_object_get_int64(v);
}

Test(state, oci_json_of_a_running_container)
{
	struct rt_state st;
	full_state(&st, "c1");
	st.pid = getpid();
	st.pid_start = rt_proc_start_time(getpid());
	st.created_ns = 1796197201123456789ll;
	char *text = rt_state_oci_json(&st);
	cr_assert_not_null(text);
	json_object *o = json_tokener_parse(text);
	cr_assert_not_null(o, "%s", text);
	cr_assert_str_eq(jstr(o, "ociVersion"), "1.0.2");
	cr_assert_str_eq(jstr(o, "id"), "c1");
	cr_assert_str_eq(jstr(o, "status"), "running");
	cr_assert_eq(jint(o, "pid"), getpid());
	cr_assert_str_eq(jstr(o, "bundle"), "/var/lib/b\"und le");
	cr_assert_str_eq(jstr(o, "rootfs"), "/var/lib/bundle/rootfs");
	cr_assert_str_eq(jstr(o, "created"), "2026-12-02T07:40:01.123456789Z");
	cr_assert_str_eq(jstr(o, "owner"), "");
	json_object *ann = NULL;
	cr_assert(json_object_object_get_ex(o, "annotations", &ann));
	cr_assert_eq(json_object_object_length(ann), 2);
	cr_assert_str_eq(jstr(ann, "org.a"), "v\n\"2\"");
	cr_assert_str_eq(jstr(ann, "org.z"), "");
	json_object_put(o);

	/* As runc prints it: two-space indent, "key": value, runc's field order, sorted
	 * annotation keys, slashes unescaped. */
	const char *head = "{\n  \"ociVersion\": \"1.0.2\",\n  \"id\": \"c1\",\n  \"pid\": ";
	cr_assert(!strncmp(text, head, strlen(head)), "%s", text);
	const char *order[] = { "\"ociVersion\"", "\"id\"", "\"pid\"", "\"status\"", "\"bundle\"",
				"\"rootfs\"", "\"created\"", "\"annotations\"", "\"org.a\"",
				"\"org.z\"", "\"owner\"" };
	const char *prev = text;
	for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++) {
		const char *at = strstr(text, order[i]);
		cr_assert(at && at >= prev, "%s out of order in %s", order[i], text);
		prev = at;
	}
	cr_assert(strstr(text, "\n    \"org.a\": "), "nested indent: %s", text);
	cr_assert(strstr(text, "\"/var/lib/bundle/rootfs\""), "%s", text);
	cr_assert_eq(text[strlen(text) - 1], '}');
	free(text);
	rt_state_clear(&st);
}

Test(state, oci_json_of_a_stopped_container_has_pid_0_and_no_annotations)
{
	struct rt_state st = {
		.id = "c2", .bundle = "/b", .rootfs = "/b/rootfs", .status = "running",
		.pid = getpid(), .pid_start = rt_proc_start_time(getpid()) + 1,
	};
	char *text = rt_state_oci_json(&st);
	cr_assert_not_null(text);
	json_object *o = json_tokener_parse(text);
	cr_assert_not_null(o, "%s", text);
	cr_assert_str_eq(jstr(o, "status"), "stopped");
	cr_assert_eq(jint(o, "pid"), 0);
	cr_assert_str_eq(jstr(o, "created"), "1970-01-01T00:00:00.000000000Z");
	cr_assert_not(json_object_object_get_ex(o, "annotations", NULL), "%s", text);
	cr_assert_eq(json_object_object_length(o), 8, "%s", text);
	json_object_put(o);
	free(text);
}
