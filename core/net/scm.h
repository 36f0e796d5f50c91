/*
 * core/net/scm.h: control messages (cmsg(3)) of sendmsg(2) and recvmsg(2): checking them,
 * parsing SCM_RIGHTS and SCM_CREDENTIALS for AF_UNIX, and delivering what an AF_UNIX message
 * carried into the application's control buffer (net/core/scm.c).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "net/socket.h"

struct task;

/* Checks the layout of the control buffer @ctl (@len bytes, Sentry memory) as __scm_send's
 * CMSG_OK does: every header within the buffer and at least a header long. Returns 0 or
 * -EINVAL. */
int net_cmsg_check(const void *ctl, size_t len);

/* Parses @ctl (@len bytes, checked) of a send by @t on an AF_UNIX socket into @scm (empty on
 * entry; on failure empty again): SCM_RIGHTS descriptors (at most NET_SCM_MAX_FD in all)
 * become file references, SCM_CREDENTIALS is checked against @t's credentials; messages of
 * other levels are ignored. Returns 0, -EINVAL (unknown SOL_SOCKET type, bad SCM_CREDENTIALS
 * length, more than 253 descriptors), -EBADF (a descriptor not open), -EPERM (credentials @t
 * may not claim), -ETOOMANYREFS (more descriptors in flight than RLIMIT_NOFILE, without
 * CAP_SYS_RESOURCE or CAP_SYS_ADMIN), -ENOMEM. */
int net_scm_parse(struct task *t, const void *ctl, size_t len, struct net_scm *scm);

/* Writes what @scm holds into @t's control buffer at @addr (@room bytes): SCM_CREDENTIALS
 * first, then SCM_RIGHTS with each file installed as a new descriptor (FD_CLOEXEC with
 * @cloexec). What does not fit is dropped with MSG_CTRUNC in *@flags (descriptors are then
 * closed, as scm_detach_fds does; a control buffer that faults reads as truncated too).
 * Empties @scm. Returns the bytes written (the new msg_controllen). */
int64_t net_scm_deliver(struct task *t, struct net_scm *scm, uint64_t addr, size_t room,
			int cloexec, uint32_t *flags);

/* Descriptors in flight in AF_UNIX messages (for ETOOMANYREFS). */
long unix_inflight(void);
