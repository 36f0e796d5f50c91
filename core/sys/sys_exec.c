/*
 * core/sys/sys_exec.c: execve(2) and execveat(2).
 *
 * The process's image is replaced in place: a process has one thread today, so there are no
 * other threads to end first (#7 brings them). The argument and environment strings are copied
 * in under Linux's limits (MAX_ARG_STRLEN per string, a quarter of the 8 MiB default stack for
 * all of them) once the file is open (task_exec_open); task_exec_file does the rest (scripts,
 * close-on-exec).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd/fdtable.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

#define ARG_STRLEN_MAX (32 * 4096)	/* MAX_ARG_STRLEN */
#define ARG_TOTAL_MAX (2u << 20)	/* _STK_LIM / 4 */

struct strv {
	char **v;	/* NULL-terminated, each string owned */
	size_t n;
	size_t cap;	/* room in v, the terminating NULL included */
};

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	*s = (struct strv){ 0 };
}

/* Appends @str, which the vector then owns (freed here on failure). The room doubles, so a
 * million arguments cost a few copies, not one per argument. */
static int strv_push(struct strv *s, char *str)
{
	if (s->n + 2 > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 16;
		char **grown = realloc(s->v, cap * sizeof(char *));
		if (!grown) {
			free(str);
			return -ENOMEM;
		}
		s->v = grown;
		s->cap = cap;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

/* The application's NULL-terminated array at @addr (NULL: empty, as Linux accepts). @total
 * counts the bytes of every string and pointer against the ARG_MAX budget. */
static int copy_strv(struct task *t, uint64_t addr, struct strv *out, size_t *total)
{
	char *buf = malloc(ARG_STRLEN_MAX);
	int rc = buf ? 0 : -ENOMEM;
	if (rc == 0 && !(out->v = calloc(1, sizeof(char *))))
		rc = -ENOMEM;
	out->cap = 1;
	for (uint64_t p = addr; rc == 0 && addr; p += sizeof(uint64_t)) {
		uint64_t str;
		if (mm_copy_in(t->mm, p, &str, sizeof(str)) < 0) {
			rc = -EFAULT;
			break;
		}
		if (!str)
			break;
		int64_t len = mm_copy_string(t->mm, str, buf, ARG_STRLEN_MAX);
		if (len < 0) {
			rc = len == -ENAMETOOLONG ? -E2BIG : (int)len;
			break;
		}
		*total += (size_t)len + 1 + sizeof(uint64_t);
		if (*total > ARG_TOTAL_MAX) {
			rc = -E2BIG;
			break;
		}
		char *copy = strdup(buf);
		rc = copy ? strv_push(out, copy) : -ENOMEM;
	}
	free(buf);
	if (rc < 0)
		strv_free(out);
	return rc;
}

/* The name execve gives the program (AT_EXECFN, a script's argument, the task's name), into
 * @buf: the path as the caller wrote it, or through the descriptor, /dev/fd/N[/path], when it
 * is relative to one (Linux's alloc_bprm). Returns 1 when that name will not exist after exec
 * (the descriptor is close-on-exec), else 0. */
static int exec_name(struct task *t, int64_t dirfd, const char *path, char *buf, size_t size)
{
	if (dirfd == AT_FDCWD || path[0] == '/') {
		snprintf(buf, size, "%s", path);
		return 0;
	}
	snprintf(buf, size, "/dev/fd/%lld%s%s", (long long)dirfd, path[0] ? "/" : "", path);
	void *obj;
	int cloexec = 0;
	if (fdt_get(t->fdt, (int)dirfd, &obj, &cloexec) == 0)
		vfs_file_put(obj);
	return cloexec;
}

static int64_t do_execve(struct task *t, int64_t dirfd, uint64_t path_addr, uint64_t argv_addr,
			 uint64_t envp_addr, int at)
{
	if (at & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	struct sys_path sp;
	int rc = sys_path_get(t, dirfd, path_addr, (at & AT_EMPTY_PATH) != 0, &sp);
	if (rc < 0)
		return rc;
	/* The file first, then the strings, as do_execveat_common: a missing or unusable file
	 * is reported whatever the arguments are. */
	struct vfs_file *f = NULL;
	rc = task_exec_open(t, sp.dirf, sp.path, at, &f);
	struct strv argv = { 0 }, envp = { 0 };
	size_t total = 0;
	if (rc == 0)
		rc = copy_strv(t, argv_addr, &argv, &total);
	if (rc == 0)
		rc = copy_strv(t, envp_addr, &envp, &total);
	/* No arguments at all: Linux (5.18 on) gives the program one empty argv[0]. */
	if (rc == 0 && argv.n == 0) {
		char *empty = strdup("");
		rc = empty ? strv_push(&argv, empty) : -ENOMEM;
	}
	char execfn[PATH_MAX + 32];
	int inaccessible = exec_name(t, dirfd, sp.path, execfn, sizeof(execfn));
	if (rc == 0)
		rc = task_exec_file(t, f, execfn, inaccessible, argv.v, envp.v);
	if (f)
		vfs_file_put(f);
	strv_free(&argv);
	strv_free(&envp);
	sys_path_put(&sp);
	return rc;
}

int64_t sys_execve(struct task *t, const uint64_t a[6])
{
	return do_execve(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

int64_t sys_execveat(struct task *t, const uint64_t a[6])
{
	return do_execve(t, (int)a[0], a[1], a[2], a[3], (int)a[4]);
}
