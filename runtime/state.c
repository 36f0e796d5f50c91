/*
 * runtime/state.c: container state directories (see state.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "state.h"
#include "util/cleanup.h"

/* A state.json larger than this is not one we wrote (annotations are its only unbounded part). */
#define STATE_FILE_MAX (16u << 20)

/* rm -rf gives up below this many levels rather than run out of fds. */
#define REMOVE_DEPTH_MAX 64

static const char *const g_statuses[] = { "creating", "created", "running", "stopped" };

DEFINE_CLEANUP(json_object, json_object_put)
DEFINE_CLEANUP(DIR, closedir)

/* rt_error_make without the ": strerror" suffix but with @status kept for callers that test it
 * (ENOENT for "does not exist", EEXIST for "exists"). */
__attribute__((format(printf, 3, 4))) static int fail_as(struct rt_error **err, int status,
							 const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;
	va_start(ap, fmt);
	int rc = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rt_error_make(err, ENOMEM, "out of memory");
	rc = rt_error_make(err, 0, "%s", text);
	free(text);
	if (rc != -1)
		return rc;	/* the shared out-of-memory error, which must not be changed */
	(*err)->status = status;
	return -status - 1;
}

int rt_state_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0 || n > RT_STATE_ID_MAX || !strcmp(id, ".") || !strcmp(id, ".."))
		return 0;
	/* Spelled out rather than isalnum(), whose answer depends on the locale. */
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

static int bad_id(const char *id, struct rt_error **err)
{
	return fail_as(err, EINVAL, "invalid container id format %s", id ? id : "");
}

/* mkdir -p @path with @mode for the directories it makes. On failure *@ret_failed is the
 * length of the prefix of @path that could not be made. Returns 0 or -errno. */
static int mkdir_p(const char *path, mode_t mode, size_t *ret_failed)
{
	size_t len = strlen(path);
	_cleanup_free_ char *buf = strdup(path);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && buf[i] != '/')
			continue;
		if (buf[i - 1] == '/')
			continue;	/* "//" or a trailing '/' */
		char saved = buf[i];
		buf[i] = '\0';
		int r = mkdir(buf, mode) < 0 ? errno : 0;
		buf[i] = saved;
		if (r && r != EEXIST) {
			*ret_failed = i;
			return -r;
		}
	}
	struct stat sb;
	int r = stat(path, &sb) < 0 ? -errno : S_ISDIR(sb.st_mode) ? 0 : -ENOTDIR;
	if (r < 0)
		*ret_failed = len;
	return r;
}

int rt_state_dir_create(const char *root, const char *id, int *ret_dirfd, struct rt_error **err)
{
	if (!rt_state_id_valid(id))
		return bad_id(id, err);
	size_t failed = 0;
	int r = mkdir_p(root, 0711, &failed);
	if (r < 0)
		return rt_error_make(err, -r, "mkdir %.*s", (int)failed, root);
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return rt_error_make(err, errno, "open %s", root);
	/* The exclusive mkdir is what makes two creates of one id race safely. */
	if (mkdirat(rootfd, id, 0711) < 0) {
		if (errno == EEXIST)
			return fail_as(err, EEXIST, "container with id exists: %s", id);
		return rt_error_make(err, errno, "mkdir %s/%s", root, id);
	}
	int fd = openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		(void)unlinkat(rootfd, id, AT_REMOVEDIR);
		return rt_error_make(err, e, "open %s/%s", root, id);
	}
	*ret_dirfd = fd;
	return 0;
}

int rt_state_dir_open(const char *root, const char *id, int *ret_dirfd, struct rt_error **err)
{
	if (!rt_state_id_valid(id))
		return bad_id(id, err);
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0 && errno != ENOENT)
		return rt_error_make(err, errno, "open %s", root);
	int fd = rootfd < 0 ? -1
			    : openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (rootfd < 0 || errno == ENOENT)
			return fail_as(err, ENOENT, "container \"%s\" does not exist", id);
		return rt_error_make(err, errno, "open %s/%s", root, id);
	}
	*ret_dirfd = fd;
	return 0;
}

/* The path of @dirfd for messages, "state directory" if /proc cannot tell. */
static void dir_name(int dirfd, char *buf, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	ssize_t n = readlink(link, buf, size - 1);
	if (n > 0)
		buf[n] = '\0';
	else
		snprintf(buf, size, "state directory");
}

int rt_state_lock(int dirfd, int *ret_lockfd, struct rt_error **err)
{
	char dir[PATH_MAX];
	_cleanup_close_ int fd = openat(dirfd, RT_STATE_LOCK_FILE,
					O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		dir_name(dirfd, dir, sizeof(dir));
		return rt_error_make(err, errno, "open %s/" RT_STATE_LOCK_FILE, dir);
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			dir_name(dirfd, dir, sizeof(dir));
			return rt_error_make(err, errno, "lock %s/" RT_STATE_LOCK_FILE, dir);
		}
	}
	*ret_lockfd = TAKE_FD(fd);
	return 0;
}

void rt_state_unlock(int lockfd)
{
	if (lockfd < 0)
		return;
	/* LOCK_UN first: a copy of the fd inherited by a child would otherwise keep it held. */
	(void)flock(lockfd, LOCK_UN);
	(void)close(lockfd);
}

static int status_known(const char *status)
{
	for (size_t i = 0; status && i < ARRAY_SIZE(g_statuses); i++)
		if (!strcmp(status, g_statuses[i]))
			return 1;
	return 0;
}

/* Adds @key: @s (nothing when @s is NULL). Returns 0 or -ENOMEM. */
static int put_string(json_object *o, const char *key, const char *s)
{
	if (!s)
		return 0;
	json_object *v = json_object_new_string(s);
	if (!v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

static int put_value(json_object *o, const char *key, json_object *v)
{
	if (!v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* The annotations as a JSON object, keys in @order's order (NULL: as stored). */
static json_object *annotations_object(const struct rt_state *st, const size_t *order)
{
	_cleanup_(json_object_putp) json_object *a = json_object_new_object();
	if (!a)
		return NULL;
	for (size_t i = 0; i < st->annotation_count; i++) {
		const struct oci_keyval *kv = &st->annotations[order ? order[i] : i];
		if (put_string(a, kv->key, kv->value ? kv->value : "") < 0)
			return NULL;
	}
	return TAKE_PTR(a);
}

/* state.json's text for @st. Returns 0 or -ENOMEM. */
static int state_to_text(const struct rt_state *st, char **ret_text)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	int r = 0;
	r |= put_string(o, "id", st->id);
	r |= put_string(o, "bundle", st->bundle);
	r |= put_string(o, "rootfs", st->rootfs);
	r |= put_value(o, "pid", json_object_new_int(st->pid));
	r |= put_value(o, "pidStart", json_object_new_uint64(st->pid_start));
	r |= put_string(o, "status", st->status);
	r |= put_value(o, "created", json_object_new_int64(st->created_ns));
	r |= put_value(o, "owner", json_object_new_int64(st->owner));
	if (st->annotation_count)
		r |= put_value(o, "annotations", annotations_object(st, NULL));
	r |= put_string(o, "cgroup", st->cgroup);
	r |= put_string(o, "control", st->control);
	if (st->has_exit_status)
		r |= put_value(o, "exitStatus", json_object_new_int(st->exit_status));
	if (r)
		return -ENOMEM;
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	char *copy = text ? strdup(text) : NULL;
	if (!copy)
		return -ENOMEM;
	*ret_text = copy;
	return 0;
}

/* Creates a fresh temp file in @dirfd, its name into @name. Returns the fd or -errno. */
static int temp_create(int dirfd, char *name, size_t size)
{
	static atomic_uint g_counter;
	for (int attempt = 0; attempt < 100; attempt++) {
		snprintf(name, size, "." RT_STATE_FILE ".%d.%u", (int)getpid(),
			 atomic_fetch_add(&g_counter, 1));
		int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				0600);
		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

/* Writes @len bytes of @text to the new file @fd, durably. Returns 0 or -errno. */
static int write_durably(int fd, const char *text, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return fsync(fd) < 0 ? -errno : 0;
}

int rt_state_save(int dirfd, const struct rt_state *st, struct rt_error **err)
{
	char dir[PATH_MAX];
	/* What rt_state_load would refuse is not written. */
	if (!rt_state_id_valid(st->id))
		return bad_id(st->id, err);
	if (!status_known(st->status))
		return rt_error_make(err, EINVAL, "save state: unknown status \"%s\"",
				     st->status ? st->status : "");
	_cleanup_free_ char *text = NULL;
	if (state_to_text(st, &text) < 0)
		return rt_error_make(err, ENOMEM, "save state");
	char tmp[64];
	int fd = temp_create(dirfd, tmp, sizeof(tmp));
	if (fd < 0) {
		dir_name(dirfd, dir, sizeof(dir));
		return rt_error_make(err, -fd, "create a temp file in %s", dir);
	}
	int r = write_durably(fd, text, strlen(text));
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(dirfd, tmp, dirfd, RT_STATE_FILE) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		dir_name(dirfd, dir, sizeof(dir));
		return rt_error_make(err, -r, "write %s/" RT_STATE_FILE, dir);
	}
	/* The rename itself is durable only once the directory is. */
	if (fsync(dirfd) < 0) {
		dir_name(dirfd, dir, sizeof(dir));
		return rt_error_make(err, errno, "fsync %s", dir);
	}
	return 0;
}

/* Parses @text (all of it) as a JSON object; NULL with *@ret_why set when it is not one. */
static json_object *parse_object(const char *text, size_t len, const char **ret_why)
{
	json_tokener *tok = json_tokener_new();
	if (!tok) {
		*ret_why = "out of memory";
		return NULL;
	}
	json_object *o = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!o || jerr != json_tokener_success) {
		*ret_why = jerr == json_tokener_continue ? "unexpected end of data"
							 : json_tokener_error_desc(jerr);
		json_object_put(o);
		return NULL;
	}
	while (end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (end < len || !json_object_is_type(o, json_type_object)) {
		*ret_why = end < len ? "trailing data after the JSON value" : "not a JSON object";
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* What the field readers need to name the file in their errors. */
struct load_ctx {
	const char *file;
	struct rt_error **err;
};

static int field_fail(const struct load_ctx *c, const char *key, const char *what)
{
	return rt_error_make(c->err, 0, "%s: %s: %s", c->file, key, what);
}

/* Reads string @key into *@ret (a new copy), leaving it NULL when absent and not @required. */
static int get_string(const struct load_ctx *c, json_object *o, const char *key, int required,
		      char **ret)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? field_fail(c, key, "missing") : 0;
	if (!json_object_is_type(v, json_type_string))
		return field_fail(c, key, "expected a string");
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : rt_error_make(c->err, ENOMEM, "%s", c->file);
}

/* Reads integer @key in @min..@max into *@ret; absent is an error when @required, else 0. */
static int get_int(const struct load_ctx *c, json_object *o, const char *key, int required,
		   int64_t min, int64_t max, int64_t *ret)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? field_fail(c, key, "missing") : 0;
	int64_t x = json_object_get_int64(v);
	/* json-c clamps what does not fit an int64 to INT64_MAX; the uint64 view tells. */
	if (!json_object_is_type(v, json_type_int) || x < min || x > max ||
	    (x == INT64_MAX && json_object_get_uint64(v) > (uint64_t)INT64_MAX)) {
		char what[96];
		snprintf(what, sizeof(what), "expected an integer in %lld..%lld", (long long)min,
			 (long long)max);
		return field_fail(c, key, what);
	}
	*ret = x;
	return 0;
}

static int get_u64(const struct load_ctx *c, json_object *o, const char *key, uint64_t *ret)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return field_fail(c, key, "missing");
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return field_fail(c, key, "expected an unsigned integer");
	*ret = json_object_get_uint64(v);
	return 0;
}

static int get_annotations(const struct load_ctx *c, json_object *o, struct rt_state *st)
{
	json_object *a = NULL;
	if (!json_object_object_get_ex(o, "annotations", &a) ||
	    json_object_is_type(a, json_type_null))
		return 0;
	if (!json_object_is_type(a, json_type_object))
		return field_fail(c, "annotations", "expected an object");
	size_t n = (size_t)json_object_object_length(a);
	if (!n)
		return 0;
	st->annotations = calloc(n, sizeof(*st->annotations));
	if (!st->annotations)
		return rt_error_make(c->err, ENOMEM, "%s", c->file);
	json_object_object_foreach(a, key, val) {
		if (!json_object_is_type(val, json_type_string))
			return field_fail(c, "annotations", "expected string values");
		struct oci_keyval *kv = &st->annotations[st->annotation_count];
		kv->key = strdup(key);
		kv->value = strdup(json_object_get_string(val));
		st->annotation_count++;
		if (!kv->key || !kv->value)
			return rt_error_make(c->err, ENOMEM, "%s", c->file);
	}
	return 0;
}

/* Fills @st from the parsed state @o; on error the caller clears @st. */
static int state_from_object(const struct load_ctx *c, json_object *o, struct rt_state *st)
{
	int64_t pid = 0, created = 0, owner = 0, status = 0;
	int r;
	if ((r = get_string(c, o, "id", 1, &st->id)) < 0 ||
	    (r = get_string(c, o, "bundle", 0, &st->bundle)) < 0 ||
	    (r = get_string(c, o, "rootfs", 0, &st->rootfs)) < 0 ||
	    (r = get_int(c, o, "pid", 1, 0, INT_MAX, &pid)) < 0 ||
	    (r = get_u64(c, o, "pidStart", &st->pid_start)) < 0 ||
	    (r = get_string(c, o, "status", 1, &st->status)) < 0 ||
	    (r = get_int(c, o, "created", 1, INT64_MIN, INT64_MAX, &created)) < 0 ||
	    (r = get_int(c, o, "owner", 1, 0, UINT32_MAX, &owner)) < 0 ||
	    (r = get_annotations(c, o, st)) < 0 ||
	    (r = get_string(c, o, "cgroup", 0, &st->cgroup)) < 0 ||
	    (r = get_string(c, o, "control", 0, &st->control)) < 0 ||
	    (r = get_int(c, o, "exitStatus", 0, 0, 255, &status)) < 0)
		return r;
	if (!rt_state_id_valid(st->id))
		return field_fail(c, "id", "not a valid container id");
	if (!status_known(st->status))
		return field_fail(c, "status", "unknown status");
	st->pid = (int)pid;
	st->created_ns = created;
	st->owner = (uint32_t)owner;
	json_object *v = NULL;
	st->has_exit_status = json_object_object_get_ex(o, "exitStatus", &v) &&
			      !json_object_is_type(v, json_type_null);
	st->exit_status = (int)status;
	return 0;
}

int rt_state_load(int dirfd, struct rt_state *st, struct rt_error **err)
{
	char dir[PATH_MAX], file[PATH_MAX + sizeof(RT_STATE_FILE) + 1];
	dir_name(dirfd, dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/" RT_STATE_FILE, dir);

	_cleanup_close_ int fd = openat(dirfd, RT_STATE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return rt_error_make(err, errno, "open %s", file);
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = rt_read_fd(fd, STATE_FILE_MAX, &text, &len);
	if (r == -EFBIG)
		return rt_error_make(err, 0, "%s: larger than %u bytes", file, STATE_FILE_MAX);
	if (r < 0)
		return rt_error_make(err, -r, "read %s", file);
	const char *why = NULL;
	_cleanup_(json_object_putp) json_object *o = parse_object(text, len, &why);
	if (!o)
		return rt_error_make(err, 0, "%s: %s", file, why);
	struct load_ctx c = { .file = file, .err = err };
	r = state_from_object(&c, o, st);
	if (r < 0)
		rt_state_clear(st);
	return r;
}

void rt_state_clear(struct rt_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->status);
	for (size_t i = 0; i < st->annotation_count; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	free(st->cgroup);
	free(st->control);
	memset(st, 0, sizeof(*st));
}

/* rm -rf @name in @dirfd without following symlinks. Returns 0 or -errno (-ENOENT when
 * @name is gone). */
static int remove_at(int dirfd, const char *name, int depth)
{
	if (unlinkat(dirfd, name, 0) == 0)
		return 0;
	/* Linux says EISDIR for a directory, POSIX allows EPERM. */
	int e = errno;
	if (e != EISDIR && e != EPERM)
		return -e;
	if (depth >= REMOVE_DEPTH_MAX)
		return -ELOOP;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? -e : -errno;
	_cleanup_(closedirp) DIR *d = fdopendir(fd);
	if (!d) {
		e = errno;
		(void)close(fd);
		return -e;
	}
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de) {
			if (errno)
				return -errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		int r = remove_at(fd, de->d_name, depth + 1);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

int rt_state_remove(const char *root, const char *id, struct rt_error **err)
{
	if (!rt_state_id_valid(id))
		return bad_id(id, err);
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return errno == ENOENT ? 0 : rt_error_make(err, errno, "open %s", root);
	int r = remove_at(rootfd, id, 0);
	if (r < 0 && r != -ENOENT)
		return rt_error_make(err, -r, "remove %s/%s", root, id);
	return 0;
}

/* The state letter (field 3) and starttime (field 22) of /proc/@pid/stat. Returns 0 or -errno. */
static int proc_stat(int pid, char *ret_state, uint64_t *ret_start)
{
	if (pid <= 0)
		return -ESRCH;
	char path[32], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	buf[n] = '\0';
	/* comm (field 2) may contain spaces and ')': the last ')' ends it. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	for (int field = 3; field <= 22; field++) {
		while (*p == ' ')
			p++;
		if (!*p)
			return -EIO;
		if (field == 3) {
			*ret_state = *p;
		} else if (field == 22) {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(p, &end, 10);
			if (end == p || errno)
				return -EIO;
			*ret_start = v;
			return 0;
		}
		while (*p && *p != ' ')
			p++;
	}
	return -EIO;
}

uint64_t rt_proc_start_time(int pid)
{
	char state;
	uint64_t start = 0;
	return proc_stat(pid, &state, &start) < 0 ? 0 : start;
}

int rt_state_pid_alive(const struct rt_state *st)
{
	char state = 0;
	uint64_t start = 0;
	if (proc_stat(st->pid, &state, &start) < 0)
		return 0;
	/* A zombie has exited: only its exit status is left for the parent to collect. */
	return state != 'Z' && state != 'X' && start == st->pid_start;
}

const char *rt_state_status(const struct rt_state *st)
{
	if (!st->status || !strcmp(st->status, "stopped"))
		return "stopped";
	return rt_state_pid_alive(st) ? st->status : "stopped";
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct name_list {
	char **v;
	size_t count, cap;
};

static void name_list_clear(struct name_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* The valid ids among the entries of @d, sorted. Returns 0 or -errno. */
static int list_ids(DIR *d, struct name_list *ret)
{
	for (;;) {
		errno = 0;
		struct dirent *de = readdir(d);
		if (!de)
			return errno ? -errno : 0;
		if (!rt_state_id_valid(de->d_name) ||
		    (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (ret->count == ret->cap) {
			size_t cap = ret->cap ? ret->cap * 2 : 16;
			char **v = reallocarray(ret->v, cap, sizeof(*v));
			if (!v)
				return -ENOMEM;
			ret->v = v;
			ret->cap = cap;
		}
		if (!(ret->v[ret->count] = strdup(de->d_name)))
			return -ENOMEM;
		ret->count++;
	}
}

/* Loads and reports the container @id, skipping it when it does not load. Returns @cb's
 * result, or 0 when skipped. */
static int list_one(const char *root, const char *id, int (*cb)(const struct rt_state *, void *),
		    void *arg)
{
	struct rt_error *ignored = NULL;
	_cleanup_close_ int dirfd = -1;
	struct rt_state st = { 0 };
	if (rt_state_dir_open(root, id, &dirfd, &ignored) < 0 ||
	    rt_state_load(dirfd, &st, &ignored) < 0) {
		rt_error_free(&ignored);
		return 0;
	}
	int r = cb(&st, arg);
	rt_state_clear(&st);
	return r;
}

int rt_state_list(const char *root, int (*cb)(const struct rt_state *st, void *arg), void *arg,
		  struct rt_error **err)
{
	struct name_list ids = { 0 };
	int r;
	{
		_cleanup_(closedirp) DIR *d = opendir(root);
		if (!d)
			return errno == ENOENT ? 0 : rt_error_make(err, errno, "open %s", root);
		r = list_ids(d, &ids);
	}
	if (r < 0) {
		name_list_clear(&ids);
		return rt_error_make(err, -r, "read %s", root);
	}
	if (ids.count)	/* qsort's base must not be NULL, even for 0 elements */
		qsort(ids.v, ids.count, sizeof(*ids.v), compare_names);
	for (size_t i = 0; i < ids.count && r >= 0; i++)
		r = list_one(root, ids.v[i], cb, arg);
	name_list_clear(&ids);
	return r < 0 ? r : 0;
}

static int compare_keys(const void *a, const void *b, void *arg)
{
	const struct oci_keyval *kv = arg;
	return strcmp(kv[*(const size_t *)a].key, kv[*(const size_t *)b].key);
}

/* The annotations of the OCI state: Go marshals a map with its keys sorted, so runc does too. */
static json_object *sorted_annotations(const struct rt_state *st)
{
	_cleanup_free_ size_t *order = calloc(st->annotation_count, sizeof(*order));
	if (!order)
		return NULL;
	for (size_t i = 0; i < st->annotation_count; i++)
		order[i] = i;
	qsort_r(order, st->annotation_count, sizeof(*order), compare_keys, st->annotations);
	return annotations_object(st, order);
}

char *rt_state_oci_json(const struct rt_state *st)
{
	_cleanup_(json_object_putp) json_object *o = json_object_new_object();
	if (!o)
		return NULL;
	const char *status = rt_state_status(st);
	char created[RT_STATE_TIME_SIZE];
	rt_state_format_time(st->created_ns, created, sizeof(created));
	/* runc's field order (its containerState struct), which is also what it prints. */
	int r = 0;
	r |= put_string(o, "ociVersion", "1.0.2");
	r |= put_string(o, "id", st->id ? st->id : "");
	r |= put_value(o, "pid", json_object_new_int(strcmp(status, "stopped") ? st->pid : 0));
	r |= put_string(o, "status", status);
	r |= put_string(o, "bundle", st->bundle ? st->bundle : "");
	r |= put_string(o, "rootfs", st->rootfs ? st->rootfs : "");
	r |= put_string(o, "created", created);
	if (st->annotation_count)
		r |= put_value(o, "annotations", sorted_annotations(st));
	r |= put_string(o, "owner", "");
	if (r)
		return NULL;
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							    JSON_C_TO_STRING_SPACED |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	return text ? strdup(text) : NULL;
}

void rt_state_format_time(int64_t ns, char *buf, size_t size)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		sec--;
	}
	time_t t = (time_t)sec;
	struct tm tm;
	if (!size)
		return;
	if (!gmtime_r(&t, &tm)) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%09dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
}
