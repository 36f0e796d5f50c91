/*
 * core/sys/sys_sockmsg.c: the socket data calls: sendto, recvfrom, sendmsg, recvmsg, sendmmsg,
 * recvmmsg (net/socket.c's ____sys_sendmsg and ____sys_recvmsg, in Linux's order of checks:
 * the header, the name length, the segment count (EMSGSIZE past UIO_MAXIOV), the segments,
 * the control buffer). Data moves straight between the application's segments and the
 * protocol (struct ipc_io); addresses and control messages through Sentry copies.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "kernel/task.h"
#include "mm/mm.h"
#include "net/scm.h"
#include "net/socket.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* UIO_MAXIOV, MAX_RW_COUNT, and net.core.optmem_max (what sock_kmalloc allows a control
 * buffer; 128 KiB since Linux 6.9). */
#define MSG_MAX_IOV 1024
#define MSG_MAX_RW 0x7ffff000ull
#define MSG_OPTMEM_MAX 131072u
/* How much of a received control buffer the network plugin may fill. */
#define MSG_CTL_RECV_MAX (64u << 10)
/* struct mmsghdr is a msghdr and its msg_len. */
#define MMSG_SIZE sizeof(struct mmsghdr)
/* The kernel-internal flag a 64-bit recvmmsg(2) refuses (linux/socket.h). */
#define MSG_CMSG_COMPAT 0x80000000

/* import_iovec: @count segments at @addr into *@ret (malloc'd; free it). Returns 0, -EINVAL
 * (a negative length), -EFAULT, -ENOMEM; lengths clipped so the total stays within
 * MAX_RW_COUNT. */
static int copy_iov(struct task *t, uint64_t addr, size_t count, struct iovec **ret)
{
	struct iovec *iov = malloc((count ? count : 1) * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (count && mm_copy_in(t->mm, addr, iov, count * sizeof(*iov)) < 0) {
		free(iov);
		return -EFAULT;
	}
	uint64_t total = 0;
	for (size_t i = 0; i < count; i++) {
		if ((int64_t)iov[i].iov_len < 0) {
			free(iov);
			return -EINVAL;
		}
		if (iov[i].iov_len > MSG_MAX_RW - total)
			iov[i].iov_len = MSG_MAX_RW - total;
		total += iov[i].iov_len;
	}
	*ret = iov;
	return 0;
}

/* The control buffer of a send, copied in and checked, into @m: parsed for AF_UNIX, raw for
 * the rest. *@ret_buf is the copy to free. Returns 0, -ENOBUFS, -EFAULT, -EINVAL and
 * net_scm_parse's errnos. */
static int send_control(struct task *t, struct sock *s, uint64_t addr, uint64_t len,
			struct sock_msg *m, void **ret_buf)
{
	*ret_buf = NULL;
	if (len > INT_MAX || len >= MSG_OPTMEM_MAX)
		return -ENOBUFS;
	if (!len)
		return 0;
	void *buf = malloc(len);
	if (!buf)
		return -ENOBUFS;
	int rc = mm_copy_in(t->mm, addr, buf, len) < 0 ? -EFAULT : 0;
	if (rc == 0 && s->parsed_scm)
		rc = net_scm_parse(t, buf, len, &m->scm);
	else if (rc == 0)
		rc = net_cmsg_check(buf, len);
	if (rc == 0 && !s->parsed_scm) {
		m->control = buf;
		m->control_len = len;
	}
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*ret_buf = buf;
	return 0;
}

/* Sends @m (its data set up) with @name (NULL: none) and the control buffer at @ctl. */
static int64_t send_common(struct task *t, struct vfs_file *f, struct sock *s, struct sock_msg *m,
			   struct sockaddr_storage *name, uint32_t name_len, uint64_t ctl,
			   uint64_t ctl_len, int flags)
{
	if (f->flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	void *cbuf;
	int64_t n = send_control(t, s, ctl, ctl_len, m, &cbuf);
	if (n == 0) {
		m->name = name;
		m->name_len = name ? name_len : 0;
		n = s->ops->sendmsg(s, t, m, flags);
		sock_sigpipe(s, t, n, flags);
	}
	net_scm_clear(&m->scm);
	free(cbuf);
	return n;
}

/* Receives into @m (its data set up). @want_name: the caller wants the source in @ss. The
 * control messages go to @ctl (@ctl_len bytes of room); *@ret_ctl is what they used. */
static int64_t recv_common(struct task *t, struct vfs_file *f, struct sock *s, struct sock_msg *m,
			   struct sockaddr_storage *ss, uint64_t ctl, uint64_t ctl_len, int flags,
			   uint64_t *ret_ctl)
{
	if (f->flags & O_NONBLOCK)
		flags |= MSG_DONTWAIT;
	m->name = ss;
	m->name_len = ss ? sizeof(*ss) : 0;
	void *cbuf = NULL;
	if (!s->parsed_scm && ctl_len) {
		m->control_len = ctl_len < MSG_CTL_RECV_MAX ? ctl_len : MSG_CTL_RECV_MAX;
		cbuf = m->control = calloc(1, m->control_len);
		if (!cbuf)
			return -ENOMEM;
	}
	int64_t n = s->ops->recvmsg(s, t, m, flags & ~MSG_CMSG_CLOEXEC);
	*ret_ctl = 0;
	if (n >= 0 && s->parsed_scm) {
		*ret_ctl = (uint64_t)net_scm_deliver(t, &m->scm, ctl, ctl_len,
						      (flags & MSG_CMSG_CLOEXEC) != 0, &m->flags);
	} else if (n >= 0 && cbuf && m->control_len) {
		if (mm_copy_out(t->mm, ctl, cbuf, m->control_len) < 0)
			n = -EFAULT;
		*ret_ctl = m->control_len;
	}
	net_scm_clear(&m->scm);
	free(cbuf);
	return n;
}

int64_t sys_sendto(struct task *t, const uint64_t a[6])
{
	struct iovec iov = { (void *)a[1], a[2] > MSG_MAX_RW ? MSG_MAX_RW : a[2] };
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	struct sockaddr_storage ss;
	int len = (int)a[5];
	if (a[4])
		rc = sys_sockaddr_in(t, a[4], len, &ss);
	int64_t n = rc;
	if (rc == 0) {
		struct sock_msg m = { 0 };
		ipc_io_init(&m.io, t->mm, &iov, 1);
		n = send_common(t, f, s, &m, a[4] ? &ss : NULL, (uint32_t)len, 0, 0, (int)a[3]);
	}
	vfs_file_put(f);
	return n;
}

int64_t sys_recvfrom(struct task *t, const uint64_t a[6])
{
	struct iovec iov = { (void *)a[1], a[2] > MSG_MAX_RW ? MSG_MAX_RW : a[2] };
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	struct sock_msg m = { 0 };
	ipc_io_init(&m.io, t->mm, &iov, 1);
	struct sockaddr_storage ss;
	uint64_t ctl;
	int64_t n = recv_common(t, f, s, &m, a[4] ? &ss : NULL, 0, 0, (int)a[3], &ctl);
	vfs_file_put(f);
	if (n >= 0 && a[4]) {
		rc = sys_sockaddr_out(t, &ss, m.name_len, a[4], a[5]);
		if (rc < 0)
			return rc;
	}
	return n;
}

/* copy_msghdr_from_user: the header at @umsg and its segments. Returns 0, -EFAULT, -EINVAL,
 * -EMSGSIZE, -ENOMEM. */
static int msghdr_in(struct task *t, uint64_t umsg, struct msghdr *h, struct iovec **ret_iov)
{
	if (mm_copy_in(t->mm, umsg, h, sizeof(*h)) < 0)
		return -EFAULT;
	if ((int)h->msg_namelen < 0)
		return -EINVAL;
	if (h->msg_namelen > sizeof(struct sockaddr_storage))
		h->msg_namelen = sizeof(struct sockaddr_storage);
	if (!h->msg_name)
		h->msg_namelen = 0;
	if (h->msg_iovlen > MSG_MAX_IOV)
		return -EMSGSIZE;
	return copy_iov(t, (uint64_t)(uintptr_t)h->msg_iov, h->msg_iovlen, ret_iov);
}

/* One sendmsg(2) of the header at @umsg; *@ret_left the bytes it did not send. */
static int64_t sendmsg1(struct task *t, struct vfs_file *f, struct sock *s, uint64_t umsg,
			int flags, size_t *ret_left)
{
	struct msghdr h;
	struct iovec *iov;
	int rc = msghdr_in(t, umsg, &h, &iov);
	if (rc < 0)
		return rc;
	struct sockaddr_storage ss;
	if (h.msg_namelen)
		rc = sys_sockaddr_in(t, (uint64_t)(uintptr_t)h.msg_name, h.msg_namelen, &ss);
	int64_t n = rc;
	struct sock_msg m = { 0 };
	ipc_io_init(&m.io, t->mm, iov, h.msg_iovlen);
	if (rc == 0)
		n = send_common(t, f, s, &m, h.msg_namelen ? &ss : NULL, h.msg_namelen,
				(uint64_t)(uintptr_t)h.msg_control, h.msg_controllen, flags);
	*ret_left = m.io.left;
	free(iov);
	return n;
}

/* One recvmsg(2) into the header at @umsg: the data, then msg_namelen, msg_flags and
 * msg_controllen written back. */
static int64_t recvmsg1(struct task *t, struct vfs_file *f, struct sock *s, uint64_t umsg,
			int flags)
{
	struct msghdr h;
	struct iovec *iov;
	int rc = msghdr_in(t, umsg, &h, &iov);
	if (rc < 0)
		return rc;
	struct sock_msg m = { 0 };
	ipc_io_init(&m.io, t->mm, iov, h.msg_iovlen);
	struct sockaddr_storage ss;
	uint64_t ctl_used;
	int64_t n = recv_common(t, f, s, &m, h.msg_name ? &ss : NULL,
				(uint64_t)(uintptr_t)h.msg_control, h.msg_controllen, flags,
				&ctl_used);
	free(iov);
	if (n < 0)
		return n;
	if (h.msg_name) {
		rc = sys_sockaddr_out(t, &ss, m.name_len, (uint64_t)(uintptr_t)h.msg_name,
				      umsg + offsetof(struct msghdr, msg_namelen));
		if (rc < 0)
			return rc;
	}
	int mflags = (int)m.flags | (flags & MSG_CMSG_CLOEXEC);
	size_t cl = (size_t)ctl_used;
	if (mm_copy_out(t->mm, umsg + offsetof(struct msghdr, msg_flags), &mflags,
			sizeof(mflags)) < 0 ||
	    mm_copy_out(t->mm, umsg + offsetof(struct msghdr, msg_controllen), &cl,
			sizeof(cl)) < 0)
		return -EFAULT;
	return n;
}

int64_t sys_sendmsg(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	size_t left;
	int64_t n = sendmsg1(t, f, s, a[1], (int)a[2], &left);
	vfs_file_put(f);
	return n;
}

int64_t sys_recvmsg(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	int64_t n = recvmsg1(t, f, s, a[1], (int)a[2]);
	vfs_file_put(f);
	return n;
}

/* __sys_sendmmsg: messages until one fails or is sent in part; each gets its msg_len. */
int64_t sys_sendmmsg(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	unsigned int vlen = (unsigned int)a[2] > MSG_MAX_IOV ? MSG_MAX_IOV : (unsigned int)a[2];
	int64_t n = 0;
	unsigned int done = 0;
	while (done < vlen) {
		uint64_t entry = a[1] + (uint64_t)done * MMSG_SIZE;
		size_t left;
		n = sendmsg1(t, f, s, entry, (int)a[3], &left);
		if (n < 0)
			break;
		unsigned int len = (unsigned int)n;
		if (mm_copy_out(t->mm, entry + offsetof(struct mmsghdr, msg_len), &len,
				sizeof(len)) < 0) {
			n = -EFAULT;
			break;
		}
		done++;
		if (left)
			break;
	}
	vfs_file_put(f);
	return done ? (int64_t)done : n;
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* do_recvmmsg: messages until @vlen, an error, or the timeout (checked after each message,
 * as Linux does: it never ends a wait). MSG_WAITFORONE stops waiting after the first. */
static int64_t recvmmsg_loop(struct task *t, struct vfs_file *f, struct sock *s, uint64_t vec,
			     unsigned int vlen, int flags, int64_t end)
{
	int err = 0;
	uint32_t elen = sizeof(err);
	if (!(flags & MSG_ERRQUEUE) && s->ops->getsockopt(s, t, SOL_SOCKET, SO_ERROR, &err,
							  &elen) == 0 && err)
		return -err;
	unsigned int done = 0;
	int64_t n = 0;
	while (done < vlen) {
		uint64_t entry = vec + (uint64_t)done * MMSG_SIZE;
		n = recvmsg1(t, f, s, entry, flags & ~MSG_WAITFORONE);
		if (n < 0)
			break;
		unsigned int len = (unsigned int)n;
		if (mm_copy_out(t->mm, entry + offsetof(struct mmsghdr, msg_len), &len,
				sizeof(len)) < 0) {
			n = -EFAULT;
			break;
		}
		done++;
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (end >= 0 && mono_ns() >= end)
			break;
	}
	return done ? (int64_t)done : n;
}

int64_t sys_recvmmsg(struct task *t, const uint64_t a[6])
{
	int flags = (int)a[3];
	if (flags & MSG_CMSG_COMPAT)
		return -EINVAL;
	struct timespec ts;
	int64_t end = -1;
	if (a[4]) {
		if (mm_copy_in(t->mm, a[4], &ts, sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		end = mono_ns() + (ts.tv_sec > INT32_MAX ? (int64_t)INT32_MAX * 1000000000
							  : ts.tv_sec * 1000000000 + ts.tv_nsec);
	}
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	unsigned int vlen = (unsigned int)a[2] > MSG_MAX_IOV ? MSG_MAX_IOV : (unsigned int)a[2];
	int64_t n = recvmmsg_loop(t, f, s, a[1], vlen, flags, end);
	vfs_file_put(f);
	if (n > 0 && a[4]) {
		int64_t left = end - mono_ns();
		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000000000;
		ts.tv_nsec = left % 1000000000;
		if (mm_copy_out(t->mm, a[4], &ts, sizeof(ts)) < 0)
			return -EFAULT;
	}
	return n;
}
