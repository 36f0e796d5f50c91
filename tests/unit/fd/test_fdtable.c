/*
 * Descriptor table: lowest-free allocation, dup/dup3 rules and errnos, FD_CLOEXEC per
 * descriptor, limits, close_range, fork copies, and that every reference taken is dropped.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>

#include "fd/fdtable.h"

/* A counted object: refs says how many references the table holds. */
struct obj {
	int refs;
	int closed;
	uint64_t last_owner;
};

static void oget(void *o)
{
	((struct obj *)o)->refs++;
}

static void oput(void *o)
{
	((struct obj *)o)->refs--;
}

static void oclosed(void *o, uint64_t owner)
{
	((struct obj *)o)->closed++;
	((struct obj *)o)->last_owner = owner;
}

static const struct fdt_ops g_ops = { .get = oget, .put = oput, .closed = oclosed };

static struct fdt *mk(void)
{
	struct fdt *t;
	cr_assert_eq(fdt_new(&g_ops, &t), 0);
	return t;
}

static int inst(struct fdt *t, struct obj *o, int minfd)
{
	int fd = -1;
	cr_assert_eq(fdt_install(t, o, 0, minfd, &fd), 0);
	return fd;
}

Test(fdtable, lowest_free_and_reuse)
{
	struct fdt *t = mk();
	struct obj a = { 0 };
	cr_expect_eq(inst(t, &a, 0), 0);
	cr_expect_eq(inst(t, &a, 0), 1);
	cr_expect_eq(inst(t, &a, 0), 2);
	cr_expect_eq(a.refs, 3);
	cr_expect_eq(fdt_close(t, 1), 0);
	cr_expect_eq(a.refs, 2);
	cr_expect_eq(inst(t, &a, 0), 1, "the lowest free number is reused");
	cr_expect_eq(inst(t, &a, 10), 10);
	cr_expect_eq(inst(t, &a, 0), 3);
	cr_expect_eq(fdt_count(t), 5);
	fdt_free(t);
	cr_expect_eq(a.refs, 0);
}

Test(fdtable, get_and_bad_fds)
{
	struct fdt *t = mk();
	struct obj a = { 0 };
	void *got;
	int ce = -1;
	cr_expect_eq(fdt_get(t, 0, &got, NULL), -EBADF);
	cr_expect_eq(fdt_get(t, -1, &got, NULL), -EBADF);
	cr_expect_eq(fdt_get(t, 1 << 30, &got, NULL), -EBADF);
	cr_expect_eq(fdt_close(t, 0), -EBADF);
	cr_expect_eq(fdt_close(t, -5), -EBADF);
	cr_expect_eq(fdt_set_cloexec(t, 3, 1), -EBADF);
	int fd;
	cr_expect_eq(fdt_install(t, &a, 1, 0, &fd), 0);
	cr_expect_eq(fdt_get(t, fd, &got, &ce), 0);
	cr_expect_eq(got, &a);
	cr_expect_eq(ce, 1);
	cr_expect_eq(a.refs, 2, "get returns a reference of its own");
	oput(&a);
	cr_expect_eq(fdt_install(t, &a, 0, -1, &fd), -EINVAL);
	cr_expect_eq(fdt_install(t, &a, 0, FDT_NR_OPEN, &fd), -EINVAL);
	cr_expect_eq(a.refs, 1, "failed installs take no reference");
	fdt_free(t);
	cr_expect_eq(a.refs, 0);
}

Test(fdtable, dup_shares_object_not_cloexec)
{
	struct fdt *t = mk();
	struct obj a = { 0 };
	int fd, nfd, ce;
	void *got;
	cr_assert_eq(fdt_install(t, &a, 1, 0, &fd), 0);
	cr_expect_eq(fdt_dup(t, fd, 0, 0, &nfd), 0);
	cr_expect_eq(nfd, 1);
	cr_expect_eq(fdt_get(t, nfd, &got, &ce), 0);
	oput(got);
	cr_expect_eq(ce, 0, "dup clears FD_CLOEXEC on the copy");
	cr_expect_eq(fdt_dup(t, fd, 7, 1, &nfd), 0, "F_DUPFD_CLOEXEC with a minimum");
	cr_expect_eq(nfd, 7);
	cr_expect_eq(fdt_dup(t, 5, 0, 0, &nfd), -EBADF);
	cr_expect_eq(fdt_dup(t, fd, -1, 0, &nfd), -EINVAL);
	cr_expect_eq(a.refs, 3);
	fdt_free(t);
	cr_expect_eq(a.refs, 0);
}

Test(fdtable, dup3_rules)
{
	struct fdt *t = mk();
	struct obj a = { 0 }, b = { 0 };
	int fa = inst(t, &a, 0), fb = inst(t, &b, 0);
	cr_expect_eq(fdt_dup3(t, fa, fa, 0), -EINVAL, "dup3 of a fd onto itself");
	cr_expect_eq(fdt_dup3(t, fa, 9, O_NONBLOCK), -EINVAL, "flags other than O_CLOEXEC");
	cr_expect_eq(fdt_dup3(t, 42, 9, 0), -EBADF, "old not open");
	cr_expect_eq(fdt_dup3(t, fa, -1, 0), -EBADF, "new negative");
	cr_expect_eq(fdt_dup3(t, fa, FDT_NR_OPEN, 0), -EBADF, "new above the limit");
	cr_expect_eq(fdt_dup3(t, fa, fb, O_CLOEXEC), fb, "replaces what new held");
	cr_expect_eq(b.refs, 0);
	cr_expect_eq(b.closed, 1, "the replaced descriptor counts as closed");
	cr_expect_eq(a.refs, 2);
	void *got;
	int ce;
	cr_expect_eq(fdt_get(t, fb, &got, &ce), 0);
	oput(got);
	cr_expect_eq(got, &a);
	cr_expect_eq(ce, 1);
	cr_expect_eq(fdt_dup3(t, fa, 100, 0), 100, "a far descriptor grows the table");
	cr_expect_eq(inst(t, &a, 0), 2, "a hole below stays the lowest free");
	fdt_free(t);
	cr_expect_eq(a.refs, 0);
}

Test(fdtable, limit_gives_emfile)
{
	struct fdt *t = mk();
	struct obj a = { 0 };
	int fd;
	cr_expect_eq(fdt_set_limit(t, 0), -EINVAL);
	cr_expect_eq(fdt_set_limit(t, FDT_NR_OPEN + 1), -EINVAL);
	cr_assert_eq(fdt_set_limit(t, 3), 0);
	for (int i = 0; i < 3; i++)
		inst(t, &a, 0);
	cr_expect_eq(fdt_install(t, &a, 0, 0, &fd), -EMFILE);
	cr_expect_eq(fdt_dup(t, 0, 0, 0, &fd), -EMFILE);
	cr_expect_eq(fdt_dup3(t, 0, 3, 0), -EBADF, "dup3 at the limit is EBADF, as Linux");
	cr_expect_eq(a.refs, 3);
	fdt_free(t);
	cr_expect_eq(a.refs, 0);
}

Test(fdtable, cloexec_and_exec)
{
	struct fdt *t = mk();
	struct obj a = { 0 }, b = { 0 };
	int fd;
	cr_assert_eq(fdt_install(t, &a, 1, 0, &fd), 0);
	cr_assert_eq(fdt_install(t, &b, 0, 0, &fd), 0);
	cr_assert_eq(fdt_install(t, &a, 0, 0, &fd), 0);
	cr_expect_eq(fdt_set_cloexec(t, 2, 1), 0);
	fdt_close_on_exec(t);
	cr_expect_eq(fdt_count(t), 1);
	cr_expect_eq(a.refs, 0);
	cr_expect_eq(b.refs, 1);
	void *got;
	cr_expect_eq(fdt_get(t, 1, &got, NULL), 0);
	oput(got);
	fdt_free(t);
}

Test(fdtable, close_range)
{
	struct fdt *t = mk();
	struct obj a = { 0 };
	for (int i = 0; i < 8; i++)
		inst(t, &a, 0);
	cr_expect_eq(fdt_close_range(t, 5, 3, 0), -EINVAL);
	cr_expect_eq(fdt_close_range(t, 2, 4, 1), 0);
	cr_expect_eq(fdt_count(t), 8, "CLOSE_RANGE_CLOEXEC only marks");
	cr_expect_eq(fdt_close_range(t, 6, ~0u, 0), 0);
	cr_expect_eq(fdt_count(t), 6);
	fdt_close_on_exec(t);
	cr_expect_eq(fdt_count(t), 3);
	cr_expect_eq(a.refs, 3);
	fdt_free(t);
	cr_expect_eq(a.refs, 0);
}

Test(fdtable, copy_for_fork)
{
	struct fdt *t = mk(), *c;
	struct obj a = { 0 };
	inst(t, &a, 0);
	inst(t, &a, 4);
	cr_assert_eq(fdt_copy(t, &c), 0);
	cr_expect_eq(a.refs, 4);
	cr_expect_eq(fdt_close(c, 4), 0);
	void *got;
	cr_expect_eq(fdt_get(t, 4, &got, NULL), 0, "the parent's copy is untouched");
	oput(got);
	cr_expect_eq(inst(c, &a, 0), 1);
	fdt_free(t);
	fdt_free(c);
	cr_expect_eq(a.refs, 0);
}

Test(fdtable, closed_hook_gets_owner)
{
	struct fdt *t = mk();
	struct obj a = { 0 };
	fdt_set_owner(t, 77);
	int fd = inst(t, &a, 0);
	cr_expect_eq(fdt_close(t, fd), 0);
	cr_expect_eq(a.closed, 1);
	cr_expect_eq(a.last_owner, 77);
	fdt_free(t);
}
