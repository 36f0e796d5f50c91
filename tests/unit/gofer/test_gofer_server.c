/*
 * The Gofer's 9P server at the wire level: a raw client (the shared codec) against a real
 * `runsc gofer` process on a host temporary directory. Fid validation, names that would leave
 * the root, symlinks out of the root, msize negotiation, malformed and unknown messages, and the
 * end of the session. Errnos are Linux's, as a 9P2000.L server sends them in Rlerror.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "p9_wire.h"
#include "vfs_test.h"

static char g_dir[64];
static int g_fd = -1, g_pid = -1;
static uint8_t g_buf[1 << 17];

static void start(int ro)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/cvisor-gofer-XXXXXX");
	if (!mkdtemp(g_dir))
		abort();
	char p[128];
	snprintf(p, sizeof(p), "%s/f", g_dir);
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "hello", 5) != 5)
		abort();
	close(fd);
	snprintf(p, sizeof(p), "%s/d", g_dir);
	if (mkdir(p, 0755) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/abs", g_dir);
	if (symlink("/etc", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/rel", g_dir);
	if (symlink("../../../../../etc", p) < 0)
		abort();
	g_fd = vt_gofer_start(g_dir, ro, &g_pid);
}

static void setup(void)
{
	start(0);
}

static void setup_ro(void)
{
	start(1);
}

static void teardown(void)
{
	if (g_fd >= 0)
		close(g_fd);
	if (g_pid > 0)
		(void)vt_gofer_wait(g_pid);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", g_dir);
	(void)system(cmd);
}

TestSuite(gofer, .init = setup, .fini = teardown, .timeout = 30);
TestSuite(gofer_ro, .init = setup_ro, .fini = teardown, .timeout = 30);

static void send_msg(const struct p9_msg *m)
{
	uint8_t out[8192];
	size_t len;
	cr_assert_eq(p9_encode(out, sizeof(out), UINT32_MAX, m, &len), 0);
	cr_assert_eq(write(g_fd, out, len), (ssize_t)len);
}

static void send_raw(const void *buf, size_t len)
{
	cr_assert_eq(write(g_fd, buf, len), (ssize_t)len);
}

/* Reads one reply; returns 0, or -1 when the server closed the channel. */
static int recv_msg(struct p9_msg *m)
{
	size_t have = 0;
	for (;;) {
		ssize_t fs = p9_frame_size(g_buf, have, sizeof(g_buf));
		cr_assert_geq(fs, 0);
		if (fs > 0 && have >= (size_t)fs) {
			cr_assert_eq(p9_decode(g_buf, (size_t)fs, sizeof(g_buf), m), 0);
			return 0;
		}
		ssize_t n = read(g_fd, g_buf + have, sizeof(g_buf) - have);
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
}

/* Sends @m (tag 1) and returns the reply's errno (0 for a non-error reply), filling *rep. */
static int rpc(struct p9_msg m, struct p9_msg *rep)
{
	struct p9_msg tmp;
	if (!rep)
		rep = &tmp;
	if (m.type != P9_TVERSION)
		m.tag = 1;
	send_msg(&m);
	cr_assert_eq(recv_msg(rep), 0, "channel closed");
	cr_assert_eq(rep->tag, m.tag);
	if (rep->type == P9_RLERROR)
		return (int)rep->u.rlerror.ecode;
	cr_assert_eq(rep->type, m.type + 1, "reply type %u to %u", rep->type, m.type);
	return 0;
}

static void version(uint32_t msize)
{
	struct p9_msg r;
	struct p9_msg m = { .type = P9_TVERSION, .tag = P9_NOTAG,
			    .u.version = { .msize = msize, .version = p9_str_of("9P2000.L") } };
	cr_assert_eq(rpc(m, &r), 0);
}

static int attach(uint32_t fid)
{
	struct p9_msg m = { .type = P9_TATTACH,
			    .u.tattach = { .fid = fid, .afid = P9_NOFID, .uname = p9_str_of(""),
					   .aname = p9_str_of("") } };
	return rpc(m, NULL);
}

static int walk(uint32_t fid, uint32_t newfid, int n, const char **names, struct p9_msg *rep)
{
	struct p9_msg m = { .type = P9_TWALK, .u.twalk = { .fid = fid, .newfid = newfid,
							   .nwname = (uint16_t)n } };
	for (int i = 0; i < n; i++)
		m.u.twalk.wname[i] = p9_str_of(names[i]);
	return rpc(m, rep);
}

static int getattr(uint32_t fid)
{
	struct p9_msg m = { .type = P9_TGETATTR,
			    .u.tgetattr = { .fid = fid, .request_mask = P9_GETATTR_BASIC } };
	return rpc(m, NULL);
}

static int lopen(uint32_t fid, uint32_t flags)
{
	struct p9_msg m = { .type = P9_TLOPEN, .u.tlopen = { .fid = fid, .flags = flags } };
	return rpc(m, NULL);
}

static void session(void)
{
	version(65536);
	cr_assert_eq(attach(0), 0);
}

/* The server must end the session without crashing: exit status, not a signal. */
static void assert_closed_cleanly(void)
{
	struct p9_msg m;
	cr_assert_eq(recv_msg(&m), -1, "the channel stays open");
	int st = vt_gofer_wait(g_pid);
	g_pid = -1;
	cr_assert_lt(st, 128, "the Gofer died of signal %d", st - 128);
}

Test(gofer, fid_never_attached_is_ebadf)
{
	version(65536);
	cr_assert_eq(getattr(7), EBADF);
	const char *n[] = { "f" };
	cr_assert_eq(walk(7, 8, 1, n, NULL), EBADF);
	cr_assert_eq(lopen(7, O_RDONLY), EBADF);
	struct p9_msg m = { .type = P9_TCLUNK, .u.tfid.fid = 7 };
	cr_assert_eq(rpc(m, NULL), EBADF);
}

Test(gofer, fids_in_use_and_opened_are_refused)
{
	session();
	cr_assert_eq(attach(0), EBADF);		/* in use */
	const char *n[] = { "d" };
	cr_assert_eq(walk(0, 1, 1, n, NULL), 0);
	cr_assert_eq(walk(0, 1, 1, n, NULL), EBADF);	/* newfid in use */
	cr_assert_eq(lopen(1, O_RDONLY | O_DIRECTORY), 0);
	cr_assert_eq(lopen(1, O_RDONLY), EBUSY);	/* opened once */
	cr_assert_eq(walk(1, 2, 0, NULL, NULL), EBUSY);	/* no walk from an opened fid */
	struct p9_msg r = { .type = P9_TREAD, .u.tread = { .fid = 0, .count = 10 } };
	cr_assert_eq(rpc(r, NULL), EBADF);		/* not opened */
	cr_assert_eq(walk(0, 3, 0, NULL, NULL), 0);	/* clone */
	cr_assert_eq(getattr(3), 0);
}

Test(gofer, names_that_leave_the_root_are_einval)
{
	session();
	const char *bad[] = { "..", ".", "", "d/../..", "/etc" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(walk(0, 1, 1, &bad[i], NULL), EINVAL, "name \"%s\"", bad[i]);
	struct p9_msg m = { .type = P9_TMKDIR,
			    .u.tmkdir = { .dfid = 0, .name = p9_str_of(".."), .mode = 0755 } };
	cr_assert_eq(rpc(m, NULL), EINVAL);
	m.u.tmkdir.name = p9_str_of("a/b");
	cr_assert_eq(rpc(m, NULL), EINVAL);
	/* A partial walk: the qids of what exists, newfid not made. */
	const char *n[] = { "d", "nope", "x" };
	struct p9_msg rep;
	cr_assert_eq(walk(0, 1, 3, n, &rep), 0);
	cr_assert_eq(rep.u.rwalk.nwqid, 1);
	cr_assert_eq(getattr(1), EBADF);
}

Test(gofer, symlinks_out_of_the_root_are_not_followed)
{
	session();
	const char *abs[] = { "abs", "passwd" }, *rel[] = { "rel", "passwd" };
	struct p9_msg w;
	/* Walked to, never through: the walk stops at the link (walk(5): a partial walk). */
	cr_assert_eq(walk(0, 1, 2, abs, &w), 0);
	cr_assert_eq(w.u.rwalk.nwqid, 1);
	cr_assert_eq(w.u.rwalk.wqid[0].type, P9_QTSYMLINK);
	cr_assert_eq(walk(0, 1, 2, rel, &w), 0);
	cr_assert_eq(w.u.rwalk.nwqid, 1);
	cr_assert_eq(getattr(1), EBADF);	/* no fid for the partial walk */
	const char *below[] = { "passwd" };
	cr_assert_eq(walk(0, 1, 1, abs, NULL), 0);
	cr_assert_eq(walk(1, 2, 1, below, NULL), ENOTDIR);
	cr_assert_eq(lopen(1, O_RDONLY), ELOOP);
	struct p9_msg m = { .type = P9_TREADLINK, .u.tfid.fid = 1 }, rep;
	cr_assert_eq(rpc(m, &rep), 0);
	cr_assert(p9_str_eq(&rep.u.rreadlink.target, "/etc"));
}

Test(gofer, io_needs_a_fid_opened_for_it)
{
	session();
	const char *n[] = { "f" };
	cr_assert_eq(walk(0, 1, 1, n, NULL), 0);
	cr_assert_eq(lopen(1, O_RDONLY), 0);
	struct p9_msg w = { .type = P9_TWRITE,
			    .u.twrite = { .fid = 1, .count = 1, .data = (const uint8_t *)"x" } };
	cr_assert_eq(rpc(w, NULL), EBADF);
	struct p9_msg r = { .type = P9_TREAD, .u.tread = { .fid = 1, .count = 100 } }, rep;
	cr_assert_eq(rpc(r, &rep), 0);
	cr_assert_eq(rep.u.rdata.count, 5);
	cr_assert_eq(memcmp(rep.u.rdata.data, "hello", 5), 0);
}

Test(gofer, msize_is_negotiated_down_and_floored)
{
	struct p9_msg r;
	struct p9_msg m = { .type = P9_TVERSION, .tag = P9_NOTAG,
			    .u.version = { .msize = 1u << 30, .version = p9_str_of("9P2000.L") } };
	cr_assert_eq(rpc(m, &r), 0);
	cr_assert_lt(r.u.version.msize, 1u << 30);
	cr_assert_geq(r.u.version.msize, 1u << 20);
	m.u.version.msize = 100;
	cr_assert_eq(rpc(m, &r), EINVAL);
	m.u.version.msize = 8192;
	m.u.version.version = p9_str_of("9P2000");
	cr_assert_eq(rpc(m, &r), 0);
	cr_assert(p9_str_eq(&r.u.version.version, "unknown"));
	cr_assert_eq(attach(0), EPROTO);	/* no session after "unknown" */
}

Test(gofer, nothing_before_tversion)
{
	cr_assert_eq(attach(0), EPROTO);
}

Test(gofer, flush_and_unknown_types)
{
	session();
	struct p9_msg f = { .type = P9_TFLUSH, .u.tflush.oldtag = 5 };
	cr_assert_eq(rpc(f, NULL), 0);
	/* Legacy 9P2000 Topen (112): well-framed, not ours. */
	uint8_t topen[] = { 12, 0, 0, 0, 112, 9, 0, 0, 0, 0, 0, 0 };
	send_raw(topen, sizeof(topen));
	struct p9_msg rep;
	cr_assert_eq(recv_msg(&rep), 0);
	cr_assert_eq(rep.type, P9_RLERROR);
	cr_assert_eq(rep.tag, 9);
	cr_assert_eq(rep.u.rlerror.ecode, EOPNOTSUPP);
	struct p9_msg a = { .type = P9_TAUTH, .u.tauth = { .afid = 1 } };
	cr_assert_eq(rpc(a, NULL), EOPNOTSUPP);
	cr_assert_eq(getattr(0), 0);	/* the session goes on */
}

Test(gofer, malformed_body_closes_the_channel)
{
	session();
	/* Tclunk whose size says 12 but carries a 5-byte body. */
	uint8_t bad[] = { 12, 0, 0, 0, P9_TCLUNK, 1, 0, 1, 2, 3, 4, 5 };
	send_raw(bad, sizeof(bad));
	assert_closed_cleanly();
}

Test(gofer, oversized_frame_closes_the_channel)
{
	version(8192);
	uint8_t big[] = { 0, 0, 0, 1, P9_TREAD, 1, 0 };	/* 16 MiB frame */
	send_raw(big, sizeof(big));
	assert_closed_cleanly();
}

Test(gofer, short_frame_size_closes_the_channel)
{
	version(8192);
	uint8_t tiny[] = { 3, 0, 0, 0, 0, 0, 0 };
	send_raw(tiny, sizeof(tiny));
	assert_closed_cleanly();
}

Test(gofer, peer_close_ends_the_gofer_with_status_0)
{
	session();
	close(g_fd);
	g_fd = -1;
	cr_assert_eq(vt_gofer_wait(g_pid), 0);
	g_pid = -1;
}

Test(gofer, unlink_and_xattrs_round_trip)
{
	session();
	const char *n[] = { "f" };
	cr_assert_eq(walk(0, 1, 1, n, NULL), 0);
	struct p9_msg c = { .type = P9_TXATTRCREATE,
			    .u.txattrcreate = { .fid = 1, .name = p9_str_of("user.k"),
						.attr_size = 2 } };
	cr_assert_eq(rpc(c, NULL), 0);
	struct p9_msg w = { .type = P9_TWRITE,
			    .u.twrite = { .fid = 1, .count = 2, .data = (const uint8_t *)"vv" } };
	cr_assert_eq(rpc(w, NULL), 0);
	struct p9_msg cl = { .type = P9_TCLUNK, .u.tfid.fid = 1 };
	cr_assert_eq(rpc(cl, NULL), 0);
	struct p9_msg xw = { .type = P9_TXATTRWALK,
			     .u.txattrwalk = { .fid = 0, .newfid = 2, .name = p9_str_of("") } };
	cr_assert_eq(rpc(xw, NULL), 0);	/* the root's list (maybe empty) */
	struct p9_msg u = { .type = P9_TUNLINKAT,
			    .u.tunlinkat = { .dirfid = 0, .name = p9_str_of("f") } };
	cr_assert_eq(rpc(u, NULL), 0);
	cr_assert_eq(rpc(u, NULL), ENOENT);
	u.u.tunlinkat.name = p9_str_of("..");
	cr_assert_eq(rpc(u, NULL), EINVAL);
}

Test(gofer_ro, changes_are_erofs)
{
	session();
	struct p9_msg m = { .type = P9_TMKDIR,
			    .u.tmkdir = { .dfid = 0, .name = p9_str_of("x"), .mode = 0755 } };
	cr_assert_eq(rpc(m, NULL), EROFS);
	const char *n[] = { "f" };
	cr_assert_eq(walk(0, 1, 1, n, NULL), 0);
	cr_assert_eq(lopen(1, O_RDWR), EROFS);
	struct p9_msg u = { .type = P9_TUNLINKAT,
			    .u.tunlinkat = { .dirfid = 0, .name = p9_str_of("f") } };
	cr_assert_eq(rpc(u, NULL), EROFS);
	cr_assert_eq(lopen(1, O_RDONLY), 0);
}
