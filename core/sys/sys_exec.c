/*
 * core/sys/sys_exec.c: execve(2) and execveat(2).
 *
 * The process's image is replaced in place: a process has one thread today, so there are no
 * other threads to end first (#7 brings them). The argument and environment strings are copied
 * in under Linux's limits (MAX_ARG_STRLEN per string, a quarter of the 8 MiB default stack for
 * all of them); task_exec_path does the rest (scripts, permissions, close-on-exec).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
};

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int strv_push(struct strv *s, char *str)
{
	char **grown = realloc(s->v, (s->n + 2) * sizeof(char *));
	if (!grown) {
		free(str);
		return -ENOMEM;
	}
	grown[s->n++] = str;
	grown[s->n] = NULL;
	s->v = grown;
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

static int64_t do_execve(struct task *t, int64_t dirfd, uint64_t path_addr, uint64_t argv_addr,
			 uint64_t envp_addr, int at)
{
	if (at & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	struct sys_path sp;
	int rc = sys_path_get(t, dirfd, path_addr, (at & AT_EMPTY_PATH) != 0, &sp);
	if (rc < 0)
		return rc;
	struct strv argv = { 0 }, envp = { 0 };
	size_t total = 0;
	rc = copy_strv(t, argv_addr, &argv, &total);
	if (rc == 0)
		rc = copy_strv(t, envp_addr, &envp, &total);
	/* AT_EXECFN and a script's argument name the file as the caller did; an fd alone is
	 * /dev/fd/N, as Linux names it. */
	char execfn[4096];
	if (sp.path[0] || dirfd < 0)
		snprintf(execfn, sizeof(execfn), "%s", sp.path);
	else
		snprintf(execfn, sizeof(execfn), "/dev/fd/%lld", (long long)dirfd);
	if (rc == 0)
		rc = task_exec_path(t, sp.dirf, sp.path, at, execfn, argv.v, envp.v);
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
