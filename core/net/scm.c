/*
 * core/net/scm.c: control messages (see scm.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fd/fdtable.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "net/scm.h"
#include "vfs/vfs.h"

/* Linux's capability numbers for the checks of scm_check_creds and too_many_unix_fds. */
#define CAP_SETGID_BIT 6
#define CAP_SETUID_BIT 7
#define CAP_SYS_RESOURCE_BIT 24

#define HDR sizeof(struct cmsghdr)
#define ALIGN8(n) (((n) + 7) & ~(size_t)7)

/* The next header after the one at @off, as __cmsg_nxthdr: none unless a whole header fits. */
static size_t next_hdr(const struct cmsghdr *c, size_t off)
{
	return off + ALIGN8(c->cmsg_len);
}

int net_cmsg_check(const void *ctl, size_t len)
{
	const char *b = ctl;
	for (size_t off = 0; len >= HDR && off <= len - HDR;) {
		struct cmsghdr c;
		memcpy(&c, b + off, HDR);
		if (c.cmsg_len < HDR || c.cmsg_len > len - off)
			return -EINVAL;
		off = next_hdr(&c, off);
	}
	return 0;
}

static int has_cap(const struct task *t, int cap)
{
	return (t->fs->creds.cap_effective >> cap) & 1;
}

/* scm_check_creds. */
static int check_creds(struct task *t, const struct ucred *uc)
{
	const struct sentry_creds *c = &t->fs->creds;
	if (uc->uid == (uid_t)-1 || uc->gid == (gid_t)-1)
		return -EINVAL;
	uint32_t suid = t->xcreds.valid ? t->xcreds.suid : c->euid;
	uint32_t sgid = t->xcreds.valid ? t->xcreds.sgid : c->egid;
	int pid_ok = uc->pid == t->tgid || has_cap(t, SENTRY_CAP_SYS_ADMIN);
	int uid_ok = uc->uid == c->uid || uc->uid == c->euid || uc->uid == suid ||
		     has_cap(t, CAP_SETUID_BIT);
	int gid_ok = uc->gid == c->gid || uc->gid == c->egid || uc->gid == sgid ||
		     has_cap(t, CAP_SETGID_BIT);
	return pid_ok && uid_ok && gid_ok ? 0 : -EPERM;
}

/* scm_fp_copy: the descriptors of one SCM_RIGHTS message, appended to @scm. */
static int copy_rights(struct task *t, const char *data, size_t n, struct net_scm *scm)
{
	size_t num = n / sizeof(int);
	if (!num)
		return 0;
	if (num > NET_SCM_MAX_FD || scm->nfiles + num > NET_SCM_MAX_FD)
		return -EINVAL;
	if (!scm->files) {
		scm->files = malloc(NET_SCM_MAX_FD * sizeof(*scm->files));
		if (!scm->files)
			return -ENOMEM;
	}
	for (size_t i = 0; i < num; i++) {
		int fd;
		memcpy(&fd, data + i * sizeof(int), sizeof(int));
		void *obj;
		if (fd < 0 || fdt_get(t->fdt, fd, &obj, NULL) < 0)
			return -EBADF;
		scm->files[scm->nfiles++] = obj;
	}
	return 0;
}

static int parse_one(struct task *t, const struct cmsghdr *c, const char *data,
		     struct net_scm *scm)
{
	size_t n = c->cmsg_len - HDR;
	struct ucred uc;
	switch (c->cmsg_type) {
	case SCM_RIGHTS:
		return copy_rights(t, data, n, scm);
	case SCM_CREDENTIALS:
		if (c->cmsg_len != CMSG_LEN(sizeof(uc)))
			return -EINVAL;
		memcpy(&uc, data, sizeof(uc));
		int rc = check_creds(t, &uc);
		if (rc < 0)
			return rc;
		scm->has_creds = 1;
		scm->pid = uc.pid;
		scm->uid = uc.uid;
		scm->gid = uc.gid;
		return 0;
	default:
		return -EINVAL;
	}
}

int net_scm_parse(struct task *t, const void *ctl, size_t len, struct net_scm *scm)
{
	const char *b = ctl;
	int rc = 0;
	for (size_t off = 0; rc == 0 && len >= HDR && off <= len - HDR;) {
		struct cmsghdr c;
		memcpy(&c, b + off, HDR);
		if (c.cmsg_len < HDR || c.cmsg_len > len - off)
			rc = -EINVAL;
		else if (c.cmsg_level == SOL_SOCKET)
			rc = parse_one(t, &c, b + off + HDR, scm);
		off = next_hdr(&c, off);
	}
	/* too_many_unix_fds: the user's descriptors in flight against RLIMIT_NOFILE. */
	if (rc == 0 && scm->nfiles && unix_inflight() > (long)fdt_limit(t->fdt) &&
	    !has_cap(t, CAP_SYS_RESOURCE_BIT) && !has_cap(t, SENTRY_CAP_SYS_ADMIN))
		rc = -ETOOMANYREFS;
	if (rc < 0) {
		net_scm_clear(scm);
		scm->has_creds = 0;
	}
	return rc;
}

/* put_cmsg: one message of @len data bytes at the cursor, cut to the room left. */
static int put_cmsg(struct task *t, uint64_t *addr, size_t *room, int type, const void *data,
		    size_t len, uint32_t *flags)
{
	if (!*addr || *room < HDR) {
		*flags |= MSG_CTRUNC;
		return 0;
	}
	size_t cmlen = CMSG_LEN(len);
	if (*room < cmlen) {
		*flags |= MSG_CTRUNC;
		cmlen = *room;
	}
	struct cmsghdr c = { .cmsg_len = cmlen, .cmsg_level = SOL_SOCKET, .cmsg_type = type };
	if (mm_copy_out(t->mm, *addr, &c, HDR) < 0 ||
	    mm_copy_out(t->mm, *addr + HDR, data, cmlen - HDR) < 0) {
		*flags |= MSG_CTRUNC;	/* scm_recv ignores put_cmsg's failure */
		return 0;
	}
	size_t used = CMSG_SPACE(len) < *room ? CMSG_SPACE(len) : *room;
	*addr += used;
	*room -= used;
	return 0;
}

/* scm_detach_fds: as many descriptors as the room holds, installed, the rest closed. */
static int put_rights(struct task *t, uint64_t *addr, size_t *room, struct net_scm *scm,
		      int cloexec, uint32_t *flags)
{
	size_t fit = *addr && *room > HDR ? (*room - HDR) / sizeof(int) : 0;
	size_t max = fit < scm->nfiles ? fit : scm->nfiles;
	int fds[NET_SCM_MAX_FD];
	size_t i = 0;
	for (; i < max; i++) {
		if (fdt_install(t->fdt, scm->files[i], cloexec, 0, &fds[i]) < 0)
			break;
	}
	if (i > 0) {
		struct cmsghdr c = { .cmsg_len = CMSG_LEN(i * sizeof(int)), .cmsg_level = SOL_SOCKET,
				     .cmsg_type = SCM_RIGHTS };
		if (mm_copy_out(t->mm, *addr, &c, HDR) < 0 ||
		    mm_copy_out(t->mm, *addr + HDR, fds, i * sizeof(int)) < 0) {
			/* scm_recv_one_fd: a descriptor the application cannot learn is not
			 * installed; the message reads as truncated. */
			for (size_t j = 0; j < i; j++)
				(void)fdt_close(t->fdt, fds[j]);
			i = 0;
		} else {
			size_t used = CMSG_SPACE(i * sizeof(int));
			used = used < *room ? used : *room;
			*addr += used;
			*room -= used;
		}
	}
	if (i < scm->nfiles)
		*flags |= MSG_CTRUNC;
	return 0;
}

int64_t net_scm_deliver(struct task *t, struct net_scm *scm, uint64_t addr, size_t room,
			int cloexec, uint32_t *flags)
{
	uint64_t cur = addr;
	size_t left = room;
	int rc = 0;
	if (scm->has_creds) {
		struct ucred uc = { scm->pid, scm->uid, scm->gid };
		rc = put_cmsg(t, &cur, &left, SCM_CREDENTIALS, &uc, sizeof(uc), flags);
		scm->has_creds = 0;
	}
	if (rc == 0 && scm->nfiles)
		rc = put_rights(t, &cur, &left, scm, cloexec, flags);
	/* The table took its own references on what it installed. */
	net_scm_clear(scm);
	return rc < 0 ? rc : (int64_t)(room - left);
}
