/*
 * The services table's own logic: generic_permission() semantics (fs/namei.c, capabilities(7)).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/stat.h>

#include "plugin/services.h"
#include "sentry/fs.h"
#include "sentry/plugin.h"

static struct sentry_creds user(uint32_t uid, uint32_t gid)
{
	struct sentry_creds c = { .uid = uid, .gid = gid, .euid = uid, .egid = gid,
				  .fsuid = uid, .fsgid = gid };
	return c;
}

#define R SENTRY_MAY_READ
#define W SENTRY_MAY_WRITE
#define X SENTRY_MAY_EXEC

Test(svc_may_access, owner_bits_apply_to_the_owner_only)
{
	struct sentry_creds c = user(1000, 1000);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0600, 1000, 0, R | W), 0);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0400, 1000, 0, W), -EACCES);
	/* Owner matches: group and other bits are not consulted even if they grant more. */
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0077, 1000, 1000, R), -EACCES);
}

Test(svc_may_access, group_and_supplementary_groups)
{
	struct sentry_creds c = user(1000, 1000);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0040, 0, 1000, R), 0);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0040, 0, 50, R), -EACCES);
	c.ngroups = 1;
	c.groups[0] = 50;
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0040, 0, 50, R), 0);
}

Test(svc_may_access, other_bits)
{
	struct sentry_creds c = user(1000, 1000);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0004, 0, 0, R), 0);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0004, 0, 0, R | W), -EACCES);
}

Test(svc_may_access, dac_override_except_exec_without_any_x_bit)
{
	struct sentry_creds c = user(0, 0);
	c.cap_effective = 1ull << SENTRY_CAP_DAC_OVERRIDE;
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0000, 1000, 1000, R | W), 0);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0000, 1000, 1000, X), -EACCES);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0001, 1000, 1000, X), 0);
	cr_assert_eq(svc_may_access(&c, S_IFDIR | 0000, 1000, 1000, X), 0);
}

Test(svc_may_access, dac_read_search_reads_and_searches_only)
{
	struct sentry_creds c = user(1000, 1000);
	c.cap_effective = 1ull << SENTRY_CAP_DAC_READ_SEARCH;
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0000, 0, 0, R), 0);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0000, 0, 0, W), -EACCES);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0000, 0, 0, X), -EACCES);
	cr_assert_eq(svc_may_access(&c, S_IFDIR | 0000, 0, 0, R | X), 0);
}

Test(svc_may_access, root_without_capabilities_is_an_ordinary_user)
{
	struct sentry_creds c = user(0, 0);
	cr_assert_eq(svc_may_access(&c, S_IFREG | 0000, 1000, 1000, R), -EACCES);
}

Test(svc_init, fills_the_size_and_version)
{
	struct sentry_services svc;
	svc_init(&svc);
	cr_assert_eq(svc.size, sizeof(svc));
	cr_assert_eq(svc.abi_major, SENTRY_ABI_MAJOR);
	cr_assert_not_null(svc.log);
	cr_assert_gt(svc.now_ns(SENTRY_CLOCK_MONOTONIC), 0);
	cr_assert_gt(svc.now_ns(SENTRY_CLOCK_REALTIME), 1600000000ll * 1000000000ll);
}
