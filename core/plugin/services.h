/*
 * core/plugin/services.h: the services table the core hands to plugins.
 */
#pragma once

#include "sentry/services.h"

/* Fills @svc with the services this core build provides; slots of subsystems not linked into
 * the calling program stay NULL (see sentry/services.h). Subsystems add theirs afterwards. */
void svc_init(struct sentry_services *svc);

/* Linux's generic_permission() (fs/namei.c) over a mode, owner and group; see
 * sentry_services.may_access. Returns 0 or -EACCES. */
int svc_may_access(const struct sentry_creds *creds, uint32_t mode, uint32_t uid, uint32_t gid,
		   uint32_t may);
