/*
 * core/plugin/services.c: the parts of the services table that need no subsystem: logging, the
 * clock and permission checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sentry/fs.h"
#include "sentry/plugin.h"

#include "kernel/wait.h"
#include "mm/memfile.h"
#include "services.h"
#include "util/log.h"
#include "vfs/vfs.h"

static void svc_log(const struct sentry_services *svc, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_msgv(level, svc && svc->plugin_name ? svc->plugin_name : "plugin", fmt, ap);
	va_end(ap);
}

static int64_t svc_now_ns(int clock)
{
	struct timespec ts;
	clockid_t id = clock == SENTRY_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	if (clock_gettime(id, &ts) < 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int svc_in_group(const struct sentry_creds *c, uint32_t gid)
{
	if (c->fsgid == gid)
		return 1;
	for (uint32_t i = 0; i < c->ngroups && i < sizeof(c->groups) / sizeof(c->groups[0]); i++)
		if (c->groups[i] == gid)
			return 1;
	return 0;
}

static int svc_capable(const struct sentry_creds *c, int cap)
{
	return (c->cap_effective >> cap) & 1;
}

int svc_may_access(const struct sentry_creds *creds, uint32_t mode, uint32_t uid, uint32_t gid,
		   uint32_t may)
{
	uint32_t bits;
	if (creds->fsuid == uid)
		bits = (mode >> 6) & 7;
	else if (svc_in_group(creds, gid))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	if ((may & ~bits & 7) == 0)
		return 0;

	/* CAP_DAC_OVERRIDE grants everything except executing a file no one may execute. */
	if (svc_capable(creds, SENTRY_CAP_DAC_OVERRIDE) &&
	    (!(may & SENTRY_MAY_EXEC) || S_ISDIR(mode) || (mode & 0111)))
		return 0;
	/* CAP_DAC_READ_SEARCH grants reading anything and searching directories. */
	if (svc_capable(creds, SENTRY_CAP_DAC_READ_SEARCH)) {
		uint32_t allowed = S_ISDIR(mode) ? (SENTRY_MAY_READ | SENTRY_MAY_EXEC) : SENTRY_MAY_READ;
		if ((may & ~allowed) == 0)
			return 0;
	}
	return -EACCES;
}

void svc_init(struct sentry_services *svc)
{
	memset(svc, 0, sizeof(*svc));
	svc->size = sizeof(*svc);
	svc->abi_major = SENTRY_ABI_MAJOR;
	svc->abi_minor = SENTRY_ABI_MINOR;
	svc->log = svc_log;
	svc->now_ns = svc_now_ns;
	svc->may_access = svc_may_access;
	svc->mf_alloc = mf_alloc;
	svc->mf_free = mf_free;
	svc->mf_ptr = mf_ptr;
	svc->mf_fd = mf_fd;
	vfs_fill_services(svc);
	kwait_fill_services(svc);
}
