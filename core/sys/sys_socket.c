/*
 * core/sys/sys_socket.c: the socket calls that set sockets up (net/socket.c's __sys_*):
 * socket, socketpair, bind, listen, accept, accept4, connect, getsockname, getpeername,
 * shutdown, getsockopt, setsockopt. Each checks its arguments in Linux's order, copies the
 * address or option in, calls the socket's table (core/net/socket.h) and copies the result
 * out; the data calls are in sys_sockmsg.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>

#include "fd/fdtable.h"
#include "kernel/task.h"
#include "mm/mm.h"
#include "net/socket.h"
#include "sys/sys_internal.h"
#include "vfs/vfs.h"

/* SOCK_TYPE_MASK: the type in socket(2)'s second argument, the rest being flags. */
#define SOCK_TYPE_BITS 0xf
#define SOCK_FLAGS (SOCK_CLOEXEC | SOCK_NONBLOCK)
/* The most getsockopt/setsockopt move: every option value Linux has fits. */
#define OPT_MAX 256

int sys_get_sock(struct task *t, int64_t fd, struct vfs_file **ret_f, struct sock **ret_s)
{
	int rc = sys_get_file(t, fd, ret_f);
	if (rc < 0)
		return rc;
	*ret_s = sock_of(*ret_f);
	if (!*ret_s) {
		vfs_file_put(*ret_f);
		return -ENOTSOCK;
	}
	return 0;
}

int sys_sockaddr_in(struct task *t, uint64_t addr, int64_t len, struct sockaddr_storage *ret)
{
	if (len < 0 || len > (int64_t)sizeof(*ret))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	if (len == 0)
		return 0;
	return mm_copy_in(t->mm, addr, ret, (size_t)len) < 0 ? -EFAULT : 0;
}

int sys_sockaddr_out(struct task *t, const void *sa, uint32_t klen, uint64_t addr,
		     uint64_t lenp)
{
	int len;
	if (mm_copy_in(t->mm, lenp, &len, sizeof(len)) < 0)
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	if ((uint32_t)len > klen)
		len = (int)klen;
	if (len && mm_copy_out(t->mm, addr, sa, (size_t)len) < 0)
		return -EFAULT;
	int full = (int)klen;
	return mm_copy_out(t->mm, lenp, &full, sizeof(full)) < 0 ? -EFAULT : 0;
}

/* A file for @s (its reference taken) at the lowest free descriptor. */
static int64_t install_sock(struct task *t, struct sock *s, int flags)
{
	struct vfs_file *f;
	int rc = sock_file_new(s, &t->fs->creds, (flags & SOCK_NONBLOCK) ? O_NONBLOCK : 0, &f);
	if (rc < 0)
		return rc;
	int fd;
	rc = fdt_install(t->fdt, f, (flags & SOCK_CLOEXEC) != 0, 0, &fd);
	vfs_file_put(f);
	return rc < 0 ? rc : fd;
}

int64_t sys_socket(struct task *t, const uint64_t a[6])
{
	int type = (int)a[1];
	int flags = type & ~SOCK_TYPE_BITS;
	if (flags & ~SOCK_FLAGS)
		return -EINVAL;
	struct sock *s;
	int rc = net_socket(t, (int)a[0], type & SOCK_TYPE_BITS, (int)a[2], &s);
	return rc < 0 ? rc : install_sock(t, s, flags);
}

int64_t sys_socketpair(struct task *t, const uint64_t a[6])
{
	int type = (int)a[1];
	int flags = type & ~SOCK_TYPE_BITS;
	if (flags & ~SOCK_FLAGS)
		return -EINVAL;
	struct sock *s[2];
	int rc = net_socketpair(t, (int)a[0], type & SOCK_TYPE_BITS, (int)a[2], s);
	if (rc < 0)
		return rc;
	int64_t fd0 = install_sock(t, s[0], flags);
	if (fd0 < 0) {
		s[1]->ops->release(s[1]);
		return fd0;
	}
	int64_t fd1 = install_sock(t, s[1], flags);
	int fds[2] = { (int)fd0, (int)fd1 };
	if (fd1 < 0 || mm_copy_out(t->mm, a[3], fds, sizeof(fds)) < 0) {
		if (fd1 >= 0)
			(void)fdt_close(t->fdt, (int)fd1);
		(void)fdt_close(t->fdt, (int)fd0);
		return fd1 < 0 ? fd1 : -EFAULT;
	}
	return 0;
}

int64_t sys_bind(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	struct sockaddr_storage ss;
	rc = sys_sockaddr_in(t, a[1], (int)a[2], &ss);
	if (rc == 0)
		rc = s->ops->bind(s, t, &ss, (uint32_t)(int)a[2]);
	vfs_file_put(f);
	return rc;
}

int64_t sys_listen(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	rc = s->ops->listen(s, t, (int)a[1]);
	vfs_file_put(f);
	return rc;
}

/* accept4(2): the descriptor is installed only once the peer's address is out, as Linux
 * drops the connection when that copy fails. */
static int64_t do_accept(struct task *t, int64_t fd, uint64_t addr, uint64_t lenp, int flags)
{
	/* __sys_accept4: the descriptor, the flags, then whether it is a socket. */
	struct vfs_file *f;
	int rc = sys_get_file(t, fd, &f);
	if (rc < 0)
		return rc;
	struct sock *s = sock_of(f);
	rc = flags & ~SOCK_FLAGS ? -EINVAL : s ? 0 : -ENOTSOCK;
	if (rc < 0) {
		vfs_file_put(f);
		return rc;
	}
	struct sock *ns;
	rc = s->ops->accept(s, t, (f->flags & O_NONBLOCK) != 0, &ns);
	vfs_file_put(f);
	if (rc < 0)
		return rc;
	if (addr) {
		struct sockaddr_storage ss;
		uint32_t len = sizeof(ss);
		rc = ns->ops->getname(ns, 1, &ss, &len);
		if (rc < 0)
			rc = -ECONNABORTED;
		else
			rc = sys_sockaddr_out(t, &ss, len, addr, lenp);
		if (rc < 0) {
			ns->ops->release(ns);
			return rc;
		}
	}
	return install_sock(t, ns, flags);
}

int64_t sys_accept(struct task *t, const uint64_t a[6])
{
	return do_accept(t, (int64_t)a[0], a[1], a[2], 0);
}

int64_t sys_accept4(struct task *t, const uint64_t a[6])
{
	return do_accept(t, (int64_t)a[0], a[1], a[2], (int)a[3]);
}

int64_t sys_connect(struct task *t, const uint64_t a[6])
{
	/* __sys_connect: the descriptor, then the address, then whether it is a socket. */
	struct vfs_file *f;
	int rc = sys_get_file(t, (int64_t)a[0], &f);
	if (rc < 0)
		return rc;
	struct sockaddr_storage ss;
	rc = sys_sockaddr_in(t, a[1], (int)a[2], &ss);
	struct sock *s = sock_of(f);
	if (rc == 0 && !s)
		rc = -ENOTSOCK;
	if (rc == 0)
		rc = s->ops->connect(s, t, &ss, (uint32_t)(int)a[2], (f->flags & O_NONBLOCK) != 0);
	vfs_file_put(f);
	return rc;
}

static int64_t do_getname(struct task *t, const uint64_t a[6], int peer)
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	struct sockaddr_storage ss;
	uint32_t len = sizeof(ss);
	rc = s->ops->getname(s, peer, &ss, &len);
	vfs_file_put(f);
	if (rc < 0)
		return rc;
	return sys_sockaddr_out(t, &ss, len, a[1], a[2]);
}

int64_t sys_getsockname(struct task *t, const uint64_t a[6])
{
	return do_getname(t, a, 0);
}

int64_t sys_getpeername(struct task *t, const uint64_t a[6])
{
	return do_getname(t, a, 1);
}

int64_t sys_shutdown(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	int how = (int)a[1];
	rc = how < SHUT_RD || how > SHUT_RDWR ? -EINVAL : s->ops->shutdown(s, how);
	vfs_file_put(f);
	return rc;
}

int64_t sys_setsockopt(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	int len = (int)a[4];
	char val[OPT_MAX];
	size_t n = len < 0 ? 0 : (size_t)len < sizeof(val) ? (size_t)len : sizeof(val);
	if (len < 0)
		rc = -EINVAL;
	else if (n && mm_copy_in(t->mm, a[3], val, n) < 0)
		rc = -EFAULT;
	if (rc == 0)
		rc = s->ops->setsockopt(s, t, (int)a[1], (int)a[2], val, (uint32_t)n);
	vfs_file_put(f);
	return rc;
}

int64_t sys_getsockopt(struct task *t, const uint64_t a[6])
{
	struct vfs_file *f;
	struct sock *s;
	int rc = sys_get_sock(t, (int64_t)a[0], &f, &s);
	if (rc < 0)
		return rc;
	int len;
	char val[OPT_MAX];
	if (mm_copy_in(t->mm, a[4], &len, sizeof(len)) < 0)
		rc = -EFAULT;
	else if (len < 0)
		rc = -EINVAL;
	uint32_t n = len < 0 ? 0 : (size_t)len < sizeof(val) ? (uint32_t)len : sizeof(val);
	if (rc == 0)
		rc = s->ops->getsockopt(s, t, (int)a[1], (int)a[2], val, &n);
	vfs_file_put(f);
	if (rc < 0)
		return rc;
	if (n && mm_copy_out(t->mm, a[3], val, n) < 0)
		return -EFAULT;
	len = (int)n;
	return mm_copy_out(t->mm, a[4], &len, sizeof(len)) < 0 ? -EFAULT : 0;
}
