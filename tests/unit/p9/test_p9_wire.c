/*
 * 9P2000.L codec tests: every message round-trips field by field, every truncation and every
 * oversized count fails with -EBADMSG without reading outside the buffer (ASan watches: each
 * decode gets a heap copy of exactly the bytes under test), unknown types are -EOPNOTSUPP,
 * Rreaddir packs and iterates many entries, msize negotiation, frames, tags.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9_wire.h"

#define MSIZE 8192u

static uint8_t g_buf[65536];
static uint8_t g_data[] = { 0, 1, 2, 3, 0xff, 0xfe, 'x', 0 };

static const struct p9_qid g_qid = { .type = P9_QTDIR, .version = 0xdeadbeef,
				     .path = 0x0123456789abcdefull };

/* Decodes a private heap copy of @len bytes of @src, so ASan flags any read past them. The copy
 * is kept alive (and returned through *ret_copy) because decoded strings point into it. */
static int decode_copy(const void *src, size_t len, uint32_t msize, struct p9_msg *out,
		       void **ret_copy)
{
	void *copy = malloc(len ? len : 1);
	cr_assert(copy);
	memcpy(copy, src, len);
	int r = p9_decode(copy, len, msize, out);
	if (ret_copy)
		*ret_copy = copy;
	else
		free(copy);
	return r;
}

/* Encodes @in, decodes it back into *out (strings point into *ret_copy, freed by caller), and
 * checks that re-encoding the result gives the same bytes. */
static void round_trip(const struct p9_msg *in, struct p9_msg *out, void **ret_copy)
{
	size_t len = 0, len2 = 0, want = 0;
	static uint8_t again[65536];

	cr_assert_eq(p9_msg_size(in, &want), 0, "type %u", in->type);
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, in, &len), 0, "type %u", in->type);
	cr_assert_eq(len, want);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, out, ret_copy), 0, "type %s",
		     p9_type_name(in->type));
	cr_assert_eq(out->type, in->type);
	cr_assert_eq(out->tag, in->tag);
	cr_assert_eq(p9_encode(again, sizeof(again), MSIZE, out, &len2), 0);
	cr_assert_eq(len2, len);
	cr_assert_arr_eq(again, g_buf, len);
}

static void assert_str(struct p9_str got, const char *want)
{
	cr_assert(p9_str_eq(&got, want), "got '%.*s', want '%s'", got.len, got.s ? got.s : "",
		  want);
}

static void assert_qid(struct p9_qid got, struct p9_qid want)
{
	cr_assert_eq(got.type, want.type);
	cr_assert_eq(got.version, want.version);
	cr_assert_eq(got.path, want.path);
}

#define S(x) p9_str_of(x)
#define RT(msg) struct p9_msg out; void *copy; round_trip(&(msg), &out, &copy)
#define DONE() free(copy)

TestSuite(p9_wire);

Test(p9_wire, version_round_trips)
{
	struct p9_msg in = { .type = P9_TVERSION, .tag = P9_NOTAG,
			     .u.version = { .msize = 65536, .version = S("9P2000.L") } };
	RT(in);
	cr_assert_eq(out.u.version.msize, 65536);
	assert_str(out.u.version.version, "9P2000.L");
	DONE();
	in.type = P9_RVERSION;
	in.u.version.version = S("unknown");
	round_trip(&in, &out, &copy);
	assert_str(out.u.version.version, "unknown");
	DONE();
}

Test(p9_wire, tversion_bytes_are_little_endian)
{
	struct p9_msg in = { .type = P9_TVERSION, .tag = P9_NOTAG,
			     .u.version = { .msize = 0x01020304, .version = S("9P2000.L") } };
	const uint8_t want[] = { 21, 0, 0, 0, 100, 0xff, 0xff, 4, 3, 2, 1, 8, 0,
				 '9', 'P', '2', '0', '0', '0', '.', 'L' };
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), UINT32_MAX, &in, &len), 0);
	cr_assert_eq(len, sizeof(want));
	cr_assert_arr_eq(g_buf, want, sizeof(want));
}

Test(p9_wire, auth_and_attach_round_trip)
{
	struct p9_msg in = { .type = P9_TATTACH, .tag = 1,
			     .u.tattach = { .fid = 1, .afid = P9_NOFID, .uname = S("root"),
					    .aname = S("/srv"), .n_uname = 0 } };
	RT(in);
	cr_assert_eq(out.u.tattach.fid, 1);
	cr_assert_eq(out.u.tattach.afid, P9_NOFID);
	assert_str(out.u.tattach.uname, "root");
	assert_str(out.u.tattach.aname, "/srv");
	cr_assert_eq(out.u.tattach.n_uname, 0);
	DONE();

	struct p9_msg ta = { .type = P9_TAUTH, .tag = 2,
			     .u.tauth = { .afid = 9, .uname = S("u"), .aname = S(""),
					  .n_uname = 1000 } };
	round_trip(&ta, &out, &copy);
	cr_assert_eq(out.u.tauth.afid, 9);
	assert_str(out.u.tauth.uname, "u");
	assert_str(out.u.tauth.aname, "");
	cr_assert_eq(out.u.tauth.n_uname, 1000);
	DONE();

	const uint8_t types[] = { P9_RAUTH, P9_RATTACH, P9_RSYMLINK, P9_RMKNOD, P9_RMKDIR };
	for (size_t i = 0; i < sizeof(types); i++) {
		struct p9_msg r = { .type = types[i], .tag = 3, .u.rqid.qid = g_qid };
		round_trip(&r, &out, &copy);
		assert_qid(out.u.rqid.qid, g_qid);
		DONE();
	}
}

Test(p9_wire, walk_round_trips_sixteen_names)
{
	static const char *names[P9_MAXWELEM] = { "a", "bb", "ccc", "", "e", "f", "g", "h", "i",
						   "j", "k", "l", "m", "n", "o", "libc.so.6" };
	struct p9_msg in = { .type = P9_TWALK, .tag = 4,
			     .u.twalk = { .fid = 7, .newfid = 8, .nwname = P9_MAXWELEM } };
	for (int i = 0; i < P9_MAXWELEM; i++)
		in.u.twalk.wname[i] = S(names[i]);
	RT(in);
	cr_assert_eq(out.u.twalk.fid, 7);
	cr_assert_eq(out.u.twalk.newfid, 8);
	cr_assert_eq(out.u.twalk.nwname, P9_MAXWELEM);
	for (int i = 0; i < P9_MAXWELEM; i++)
		assert_str(out.u.twalk.wname[i], names[i]);
	DONE();

	struct p9_msg r = { .type = P9_RWALK, .tag = 4, .u.rwalk = { .nwqid = 3 } };
	for (int i = 0; i < 3; i++)
		r.u.rwalk.wqid[i] = (struct p9_qid){ .type = (uint8_t)i, .version = 10u + i,
						     .path = 100u + i };
	round_trip(&r, &out, &copy);
	cr_assert_eq(out.u.rwalk.nwqid, 3);
	for (int i = 0; i < 3; i++)
		assert_qid(out.u.rwalk.wqid[i], r.u.rwalk.wqid[i]);
	DONE();
}

Test(p9_wire, open_create_round_trip)
{
	struct p9_msg in = { .type = P9_TLOPEN, .tag = 5, .u.tlopen = { .fid = 3, .flags = 02 } };
	RT(in);
	cr_assert_eq(out.u.tlopen.fid, 3);
	cr_assert_eq(out.u.tlopen.flags, 02);
	DONE();

	struct p9_msg c = { .type = P9_TLCREATE, .tag = 6,
			    .u.tlcreate = { .fid = 4, .name = S("new"), .flags = 0101,
					    .mode = 0644, .gid = 55 } };
	round_trip(&c, &out, &copy);
	cr_assert_eq(out.u.tlcreate.fid, 4);
	assert_str(out.u.tlcreate.name, "new");
	cr_assert_eq(out.u.tlcreate.flags, 0101);
	cr_assert_eq(out.u.tlcreate.mode, 0644);
	cr_assert_eq(out.u.tlcreate.gid, 55);
	DONE();

	const uint8_t types[] = { P9_RLOPEN, P9_RLCREATE };
	for (size_t i = 0; i < 2; i++) {
		struct p9_msg r = { .type = types[i], .tag = 7,
				    .u.ropen = { .qid = g_qid, .iounit = 4096 } };
		round_trip(&r, &out, &copy);
		assert_qid(out.u.ropen.qid, g_qid);
		cr_assert_eq(out.u.ropen.iounit, 4096);
		DONE();
	}
}

Test(p9_wire, read_write_round_trip)
{
	const uint8_t types[] = { P9_TREAD, P9_TREADDIR };
	struct p9_msg out;
	void *copy;
	for (size_t i = 0; i < 2; i++) {
		struct p9_msg t = { .type = types[i], .tag = 8,
				    .u.tread = { .fid = 9, .offset = 1ull << 40, .count = 4096 } };
		round_trip(&t, &out, &copy);
		cr_assert_eq(out.u.tread.fid, 9);
		cr_assert_eq(out.u.tread.offset, 1ull << 40);
		cr_assert_eq(out.u.tread.count, 4096);
		DONE();
	}

	struct p9_msg r = { .type = P9_RREAD, .tag = 8,
			    .u.rdata = { .count = sizeof(g_data), .data = g_data } };
	round_trip(&r, &out, &copy);
	cr_assert_eq(out.u.rdata.count, sizeof(g_data));
	cr_assert_arr_eq(out.u.rdata.data, g_data, sizeof(g_data));
	DONE();

	struct p9_msg w = { .type = P9_TWRITE, .tag = 9,
			    .u.twrite = { .fid = 2, .offset = 77, .count = sizeof(g_data),
					  .data = g_data } };
	round_trip(&w, &out, &copy);
	cr_assert_eq(out.u.twrite.fid, 2);
	cr_assert_eq(out.u.twrite.offset, 77);
	cr_assert_eq(out.u.twrite.count, sizeof(g_data));
	cr_assert_arr_eq(out.u.twrite.data, g_data, sizeof(g_data));
	DONE();

	struct p9_msg rw = { .type = P9_RWRITE, .tag = 9, .u.rcount.count = 8 };
	round_trip(&rw, &out, &copy);
	cr_assert_eq(out.u.rcount.count, 8);
	DONE();

	struct p9_msg empty = { .type = P9_RREAD, .tag = 1, .u.rdata = { .count = 0 } };
	round_trip(&empty, &out, &copy);
	cr_assert_eq(out.u.rdata.count, 0);
	DONE();
}

Test(p9_wire, fid_only_and_bodyless_round_trip)
{
	const uint8_t tfid[] = { P9_TCLUNK, P9_TREMOVE, P9_TSTATFS, P9_TREADLINK };
	const uint8_t empty[] = { P9_RCLUNK, P9_RREMOVE, P9_RFLUSH, P9_RSETATTR, P9_RXATTRCREATE,
				  P9_RFSYNC, P9_RLINK, P9_RRENAME, P9_RRENAMEAT, P9_RUNLINKAT };
	struct p9_msg out;
	void *copy;
	size_t len;

	for (size_t i = 0; i < sizeof(tfid); i++) {
		struct p9_msg t = { .type = tfid[i], .tag = 10, .u.tfid.fid = 0xabcdef01 };
		round_trip(&t, &out, &copy);
		cr_assert_eq(out.u.tfid.fid, 0xabcdef01);
		DONE();
	}
	for (size_t i = 0; i < sizeof(empty); i++) {
		struct p9_msg r = { .type = empty[i], .tag = 11 };
		round_trip(&r, &out, &copy);
		DONE();
		cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &r, &len), 0);
		cr_assert_eq(len, P9_HDRSZ);
	}
	struct p9_msg e = { .type = P9_RLERROR, .tag = 12, .u.rlerror.ecode = ENOENT };
	round_trip(&e, &out, &copy);
	cr_assert_eq(out.u.rlerror.ecode, ENOENT);
	DONE();
	struct p9_msg f = { .type = P9_TFLUSH, .tag = 13, .u.tflush.oldtag = 12 };
	round_trip(&f, &out, &copy);
	cr_assert_eq(out.u.tflush.oldtag, 12);
	DONE();
}

Test(p9_wire, statfs_getattr_setattr_round_trip)
{
	struct p9_msg s = { .type = P9_RSTATFS, .tag = 1,
			    .u.rstatfs = { .type = 0x01021994, .bsize = 4096, .blocks = 1, .bfree = 2,
					   .bavail = 3, .files = 4, .ffree = 5, .fsid = 6,
					   .namelen = 255 } };
	RT(s);
	cr_assert_eq(out.u.rstatfs.type, 0x01021994);
	cr_assert_eq(out.u.rstatfs.bsize, 4096);
	cr_assert_eq(out.u.rstatfs.blocks, 1);
	cr_assert_eq(out.u.rstatfs.bfree, 2);
	cr_assert_eq(out.u.rstatfs.bavail, 3);
	cr_assert_eq(out.u.rstatfs.files, 4);
	cr_assert_eq(out.u.rstatfs.ffree, 5);
	cr_assert_eq(out.u.rstatfs.fsid, 6);
	cr_assert_eq(out.u.rstatfs.namelen, 255);
	DONE();

	struct p9_msg g = { .type = P9_TGETATTR, .tag = 2,
			    .u.tgetattr = { .fid = 5, .request_mask = P9_GETATTR_ALL } };
	round_trip(&g, &out, &copy);
	cr_assert_eq(out.u.tgetattr.fid, 5);
	cr_assert_eq(out.u.tgetattr.request_mask, P9_GETATTR_ALL);
	DONE();

	struct p9_rgetattr ra = { .valid = P9_GETATTR_BASIC, .qid = g_qid, .mode = 0100644,
				  .uid = 1, .gid = 2, .nlink = 3, .rdev = 4, .size = 5,
				  .blksize = 6, .blocks = 7, .atime_sec = 8, .atime_nsec = 9,
				  .mtime_sec = 10, .mtime_nsec = 11, .ctime_sec = 12,
				  .ctime_nsec = 13, .btime_sec = 14, .btime_nsec = 15, .gen = 16,
				  .data_version = 17 };
	struct p9_msg r = { .type = P9_RGETATTR, .tag = 2, .u.rgetattr = ra };
	round_trip(&r, &out, &copy);
	const struct p9_rgetattr *o = &out.u.rgetattr;
	cr_assert_eq(o->valid, ra.valid);
	assert_qid(o->qid, g_qid);
	cr_assert_eq(o->mode, ra.mode);
	cr_assert_eq(o->uid, 1);
	cr_assert_eq(o->gid, 2);
	const uint64_t got[] = { o->nlink, o->rdev, o->size, o->blksize, o->blocks, o->atime_sec,
				 o->atime_nsec, o->mtime_sec, o->mtime_nsec, o->ctime_sec,
				 o->ctime_nsec, o->btime_sec, o->btime_nsec, o->gen,
				 o->data_version };
	for (size_t i = 0; i < sizeof(got) / sizeof(got[0]); i++)
		cr_assert_eq(got[i], 3 + i);
	DONE();

	struct p9_tsetattr ts = { .fid = 1, .valid = P9_SETATTR_MODE | P9_SETATTR_SIZE,
				  .mode = 0600, .uid = 2, .gid = 3, .size = 4, .atime_sec = 5,
				  .atime_nsec = 6, .mtime_sec = 7, .mtime_nsec = 8 };
	struct p9_msg t = { .type = P9_TSETATTR, .tag = 3, .u.tsetattr = ts };
	round_trip(&t, &out, &copy);
	cr_assert_eq(out.u.tsetattr.fid, 1);
	cr_assert_eq(out.u.tsetattr.valid, ts.valid);
	cr_assert_eq(out.u.tsetattr.mode, 0600);
	cr_assert_eq(out.u.tsetattr.uid, 2);
	cr_assert_eq(out.u.tsetattr.gid, 3);
	cr_assert_eq(out.u.tsetattr.size, 4);
	cr_assert_eq(out.u.tsetattr.atime_sec, 5);
	cr_assert_eq(out.u.tsetattr.atime_nsec, 6);
	cr_assert_eq(out.u.tsetattr.mtime_sec, 7);
	cr_assert_eq(out.u.tsetattr.mtime_nsec, 8);
	DONE();
}

Test(p9_wire, namespace_messages_round_trip)
{
	struct p9_msg out;
	void *copy;

	struct p9_msg sl = { .type = P9_TSYMLINK, .tag = 1,
			     .u.tsymlink = { .dfid = 1, .name = S("ln"), .symtgt = S("../t"),
					     .gid = 4 } };
	round_trip(&sl, &out, &copy);
	cr_assert_eq(out.u.tsymlink.dfid, 1);
	assert_str(out.u.tsymlink.name, "ln");
	assert_str(out.u.tsymlink.symtgt, "../t");
	cr_assert_eq(out.u.tsymlink.gid, 4);
	DONE();

	struct p9_msg mk = { .type = P9_TMKNOD, .tag = 2,
			     .u.tmknod = { .dfid = 2, .name = S("fifo"), .mode = 010644,
					   .major = 1, .minor = 3, .gid = 5 } };
	round_trip(&mk, &out, &copy);
	cr_assert_eq(out.u.tmknod.dfid, 2);
	assert_str(out.u.tmknod.name, "fifo");
	cr_assert_eq(out.u.tmknod.mode, 010644);
	cr_assert_eq(out.u.tmknod.major, 1);
	cr_assert_eq(out.u.tmknod.minor, 3);
	cr_assert_eq(out.u.tmknod.gid, 5);
	DONE();

	struct p9_msg rn = { .type = P9_TRENAME, .tag = 3,
			     .u.trename = { .fid = 3, .dfid = 4, .name = S("to") } };
	round_trip(&rn, &out, &copy);
	cr_assert_eq(out.u.trename.fid, 3);
	cr_assert_eq(out.u.trename.dfid, 4);
	assert_str(out.u.trename.name, "to");
	DONE();

	struct p9_msg rl = { .type = P9_RREADLINK, .tag = 4, .u.rreadlink.target = S("/etc/x") };
	round_trip(&rl, &out, &copy);
	assert_str(out.u.rreadlink.target, "/etc/x");
	DONE();

	struct p9_msg li = { .type = P9_TLINK, .tag = 5,
			     .u.tlink = { .dfid = 6, .fid = 7, .name = S("hard") } };
	round_trip(&li, &out, &copy);
	cr_assert_eq(out.u.tlink.dfid, 6);
	cr_assert_eq(out.u.tlink.fid, 7);
	assert_str(out.u.tlink.name, "hard");
	DONE();

	struct p9_msg md = { .type = P9_TMKDIR, .tag = 6,
			     .u.tmkdir = { .dfid = 8, .name = S("d"), .mode = 0755, .gid = 9 } };
	round_trip(&md, &out, &copy);
	cr_assert_eq(out.u.tmkdir.dfid, 8);
	assert_str(out.u.tmkdir.name, "d");
	cr_assert_eq(out.u.tmkdir.mode, 0755);
	cr_assert_eq(out.u.tmkdir.gid, 9);
	DONE();

	struct p9_msg ra = { .type = P9_TRENAMEAT, .tag = 7,
			     .u.trenameat = { .olddirfid = 1, .oldname = S("old"), .newdirfid = 2,
					      .newname = S("new") } };
	round_trip(&ra, &out, &copy);
	cr_assert_eq(out.u.trenameat.olddirfid, 1);
	assert_str(out.u.trenameat.oldname, "old");
	cr_assert_eq(out.u.trenameat.newdirfid, 2);
	assert_str(out.u.trenameat.newname, "new");
	DONE();

	struct p9_msg ul = { .type = P9_TUNLINKAT, .tag = 8,
			     .u.tunlinkat = { .dirfid = 3, .name = S("gone"), .flags = 0x200 } };
	round_trip(&ul, &out, &copy);
	cr_assert_eq(out.u.tunlinkat.dirfid, 3);
	assert_str(out.u.tunlinkat.name, "gone");
	cr_assert_eq(out.u.tunlinkat.flags, 0x200);
	DONE();
}

Test(p9_wire, xattr_fsync_lock_round_trip)
{
	struct p9_msg out;
	void *copy;

	struct p9_msg xw = { .type = P9_TXATTRWALK, .tag = 1,
			     .u.txattrwalk = { .fid = 1, .newfid = 2, .name = S("user.a") } };
	round_trip(&xw, &out, &copy);
	cr_assert_eq(out.u.txattrwalk.fid, 1);
	cr_assert_eq(out.u.txattrwalk.newfid, 2);
	assert_str(out.u.txattrwalk.name, "user.a");
	DONE();

	struct p9_msg rx = { .type = P9_RXATTRWALK, .tag = 1, .u.rxattrwalk.size = 1234 };
	round_trip(&rx, &out, &copy);
	cr_assert_eq(out.u.rxattrwalk.size, 1234);
	DONE();

	struct p9_msg xc = { .type = P9_TXATTRCREATE, .tag = 2,
			     .u.txattrcreate = { .fid = 3, .name = S("user.b"), .attr_size = 9,
						 .flags = 1 } };
	round_trip(&xc, &out, &copy);
	cr_assert_eq(out.u.txattrcreate.fid, 3);
	assert_str(out.u.txattrcreate.name, "user.b");
	cr_assert_eq(out.u.txattrcreate.attr_size, 9);
	cr_assert_eq(out.u.txattrcreate.flags, 1);
	DONE();

	struct p9_msg fs = { .type = P9_TFSYNC, .tag = 3, .u.tfsync = { .fid = 4, .datasync = 1 } };
	round_trip(&fs, &out, &copy);
	cr_assert_eq(out.u.tfsync.fid, 4);
	cr_assert_eq(out.u.tfsync.datasync, 1);
	DONE();

	struct p9_msg lk = { .type = P9_TLOCK, .tag = 4,
			     .u.tlock = { .fid = 5, .type = P9_LOCK_TYPE_WRLCK,
					  .flags = P9_LOCK_FLAGS_BLOCK, .start = 10, .length = 20,
					  .proc_id = 99, .client_id = S("host") } };
	round_trip(&lk, &out, &copy);
	cr_assert_eq(out.u.tlock.fid, 5);
	cr_assert_eq(out.u.tlock.type, P9_LOCK_TYPE_WRLCK);
	cr_assert_eq(out.u.tlock.flags, P9_LOCK_FLAGS_BLOCK);
	cr_assert_eq(out.u.tlock.start, 10);
	cr_assert_eq(out.u.tlock.length, 20);
	cr_assert_eq(out.u.tlock.proc_id, 99);
	assert_str(out.u.tlock.client_id, "host");
	DONE();

	struct p9_msg rl = { .type = P9_RLOCK, .tag = 4, .u.rlock.status = P9_LOCK_BLOCKED };
	round_trip(&rl, &out, &copy);
	cr_assert_eq(out.u.rlock.status, P9_LOCK_BLOCKED);
	DONE();

	const uint8_t types[] = { P9_TGETLOCK, P9_RGETLOCK };
	for (size_t i = 0; i < 2; i++) {
		struct p9_msg g = { .type = types[i], .tag = 5,
				    .u.getlock = { .fid = i ? 0 : 6, .type = P9_LOCK_TYPE_RDLCK,
						   .start = 1, .length = 2, .proc_id = 3,
						   .client_id = S("c") } };
		round_trip(&g, &out, &copy);
		cr_assert_eq(out.u.getlock.fid, i ? 0 : 6);
		cr_assert_eq(out.u.getlock.type, P9_LOCK_TYPE_RDLCK);
		cr_assert_eq(out.u.getlock.start, 1);
		cr_assert_eq(out.u.getlock.length, 2);
		cr_assert_eq(out.u.getlock.proc_id, 3);
		assert_str(out.u.getlock.client_id, "c");
		DONE();
	}
}

/* One message of every type the codec knows, with strings and data. */
static size_t all_messages(struct p9_msg *m)
{
	static const uint8_t types[] = {
		P9_RLERROR, P9_TSTATFS, P9_RSTATFS, P9_TLOPEN, P9_RLOPEN, P9_TLCREATE, P9_RLCREATE,
		P9_TSYMLINK, P9_RSYMLINK, P9_TMKNOD, P9_RMKNOD, P9_TRENAME, P9_RRENAME,
		P9_TREADLINK, P9_RREADLINK, P9_TGETATTR, P9_RGETATTR, P9_TSETATTR, P9_RSETATTR,
		P9_TXATTRWALK, P9_RXATTRWALK, P9_TXATTRCREATE, P9_RXATTRCREATE, P9_TREADDIR,
		P9_RREADDIR, P9_TFSYNC, P9_RFSYNC, P9_TLOCK, P9_RLOCK, P9_TGETLOCK, P9_RGETLOCK,
		P9_TLINK, P9_RLINK, P9_TMKDIR, P9_RMKDIR, P9_TRENAMEAT, P9_RRENAMEAT, P9_TUNLINKAT,
		P9_RUNLINKAT, P9_TVERSION, P9_RVERSION, P9_TAUTH, P9_RAUTH, P9_TATTACH,
		P9_RATTACH, P9_TFLUSH, P9_RFLUSH, P9_TWALK, P9_RWALK, P9_TREAD, P9_RREAD,
		P9_TWRITE, P9_RWRITE, P9_TCLUNK, P9_RCLUNK, P9_TREMOVE, P9_RREMOVE,
	};
	static uint8_t dirents[256];
	size_t used = 0;
	struct p9_dirent de = { .qid = g_qid, .offset = 1, .type = 4, .name = S("entry") };
	cr_assert_eq(p9_dirent_put(dirents, sizeof(dirents), &used, &de), 0);

	for (size_t i = 0; i < sizeof(types); i++) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].type = types[i];
		m[i].tag = (uint16_t)i;
		switch (types[i]) {
		case P9_TVERSION: case P9_RVERSION: m[i].u.version.version = S("9P2000.L"); break;
		case P9_TAUTH: m[i].u.tauth.uname = S("u"); break;
		case P9_TATTACH: m[i].u.tattach.aname = S("/"); break;
		case P9_TWALK: m[i].u.twalk.nwname = 2; m[i].u.twalk.wname[0] = S("a");
			m[i].u.twalk.wname[1] = S("bc"); break;
		case P9_RWALK: m[i].u.rwalk.nwqid = 2; break;
		case P9_TLCREATE: m[i].u.tlcreate.name = S("f"); break;
		case P9_RREAD: m[i].u.rdata = (struct p9_rdata){ sizeof(g_data), g_data }; break;
		case P9_RREADDIR: m[i].u.rdata = (struct p9_rdata){ (uint32_t)used, dirents }; break;
		case P9_TWRITE: m[i].u.twrite.count = sizeof(g_data); m[i].u.twrite.data = g_data;
			break;
		case P9_TSYMLINK: m[i].u.tsymlink.name = S("l"); m[i].u.tsymlink.symtgt = S("t");
			break;
		case P9_TMKNOD: m[i].u.tmknod.name = S("n"); break;
		case P9_TRENAME: m[i].u.trename.name = S("r"); break;
		case P9_RREADLINK: m[i].u.rreadlink.target = S("tgt"); break;
		case P9_TXATTRWALK: m[i].u.txattrwalk.name = S("user.x"); break;
		case P9_TXATTRCREATE: m[i].u.txattrcreate.name = S("user.y"); break;
		case P9_TLOCK: m[i].u.tlock.client_id = S("cid"); break;
		case P9_TGETLOCK: case P9_RGETLOCK: m[i].u.getlock.client_id = S("g"); break;
		case P9_TLINK: m[i].u.tlink.name = S("k"); break;
		case P9_TMKDIR: m[i].u.tmkdir.name = S("d"); break;
		case P9_TRENAMEAT: m[i].u.trenameat.oldname = S("o");
			m[i].u.trenameat.newname = S("n"); break;
		case P9_TUNLINKAT: m[i].u.tunlinkat.name = S("u"); break;
		}
	}
	return sizeof(types);
}

Test(p9_wire, every_message_round_trips_byte_for_byte)
{
	struct p9_msg msgs[64], out;
	size_t n = all_messages(msgs);
	void *copy;

	cr_assert_eq(n, 57);
	for (size_t i = 0; i < n; i++) {
		cr_assert_not_null(p9_type_name(msgs[i].type));
		round_trip(&msgs[i], &out, &copy);
		free(copy);
	}
}

/* Every prefix of every message, its size header patched to claim exactly that many bytes,
 * is malformed: each message's body is fully determined by its fields. */
Test(p9_wire, truncation_at_every_length_is_ebadmsg)
{
	struct p9_msg msgs[64], out;
	size_t n = all_messages(msgs);

	for (size_t i = 0; i < n; i++) {
		size_t len;
		cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &msgs[i], &len), 0);
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t saved[4];
			memcpy(saved, g_buf, 4);
			g_buf[0] = (uint8_t)cut;
			g_buf[1] = (uint8_t)(cut >> 8);
			g_buf[2] = g_buf[3] = 0;
			cr_assert_eq(decode_copy(g_buf, cut, MSIZE, &out, NULL), -EBADMSG,
				     "%s cut at %zu of %zu", p9_type_name(msgs[i].type), cut, len);
			memcpy(g_buf, saved, 4);
			/* Unpatched: the header promises more than is there. */
			if (cut >= P9_HDRSZ)
				cr_assert_eq(decode_copy(g_buf, cut, MSIZE, &out, NULL), -EBADMSG);
		}
	}
}

Test(p9_wire, trailing_bytes_are_ebadmsg)
{
	struct p9_msg in = { .type = P9_TCLUNK, .tag = 1, .u.tfid.fid = 1 }, out;
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	g_buf[len] = 0;
	g_buf[0] = (uint8_t)(len + 1);
	cr_assert_eq(decode_copy(g_buf, len + 1, MSIZE, &out, NULL), -EBADMSG);
}

Test(p9_wire, wrong_size_header_is_ebadmsg)
{
	struct p9_msg in = { .type = P9_TCLUNK, .tag = 1, .u.tfid.fid = 1 }, out;
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	g_buf[0] = (uint8_t)(len - 1);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
	g_buf[0] = (uint8_t)(len + 1);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
	g_buf[0] = (uint8_t)len;
	g_buf[3] = 0x80;	/* 2 GiB claimed */
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
}

Test(p9_wire, twalk_with_17_names_is_ebadmsg)
{
	/* size fid newfid nwname=17 then 17 empty names: every byte is there, the count is not
	 * allowed (walk(5): at most MAXWELEM = 16). */
	uint8_t m[7 + 4 + 4 + 2 + 17 * 2] = { sizeof(m), 0, 0, 0, P9_TWALK, 1, 0 };
	struct p9_msg out;
	m[15] = 17;
	cr_assert_eq(decode_copy(m, sizeof(m), MSIZE, &out, NULL), -EBADMSG);
	m[15] = 16;
	m[0] = sizeof(m) - 2;
	cr_assert_eq(decode_copy(m, sizeof(m) - 2, MSIZE, &out, NULL), 0);
	cr_assert_eq(out.u.twalk.nwname, 16);

	struct p9_msg in = { .type = P9_TWALK, .u.twalk.nwname = 17 };
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), -EINVAL);
}

Test(p9_wire, rwalk_with_17_qids_is_ebadmsg)
{
	uint8_t m[7 + 2 + 17 * P9_QIDSZ] = { sizeof(m), 0, 0, 0, P9_RWALK, 1, 0, 17, 0 };
	struct p9_msg out;
	cr_assert_eq(decode_copy(m, sizeof(m), MSIZE, &out, NULL), -EBADMSG);
}

Test(p9_wire, string_length_past_the_end_is_ebadmsg)
{
	/* Tlcreate fid=1 name len 0xffff with only 3 bytes present. */
	uint8_t m[] = { 16, 0, 0, 0, P9_TLCREATE, 1, 0, 1, 0, 0, 0, 0xff, 0xff, 'a', 'b', 'c' };
	struct p9_msg out;
	cr_assert_eq(decode_copy(m, sizeof(m), MSIZE, &out, NULL), -EBADMSG);
}

Test(p9_wire, nul_inside_a_string_is_ebadmsg)
{
	struct p9_msg in = { .type = P9_TMKDIR, .u.tmkdir = { .name = { "a\0/x", 4 } } }, out;
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
}

Test(p9_wire, data_count_disagreeing_with_size_is_ebadmsg)
{
	struct p9_msg in = { .type = P9_TWRITE, .u.twrite = { .count = 4, .data = g_data } }, out;
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	g_buf[7 + 4 + 8] = 5;	/* count 5, 4 bytes present */
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
	g_buf[7 + 4 + 8] = 3;	/* count 3, one trailing byte */
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
	g_buf[7 + 4 + 8] = 0xff;
	g_buf[7 + 4 + 8 + 3] = 0xff;	/* count 4 GiB */
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
}

Test(p9_wire, read_count_beyond_msize_is_ebadmsg)
{
	struct p9_msg in = { .type = P9_TREAD, .u.tread = { .count = MSIZE - 11 } }, out;
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), 0);
	in.u.tread.count = MSIZE - 10;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
	in.type = P9_TREADDIR;
	in.u.tread.count = UINT32_MAX;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);
}

Test(p9_wire, message_larger_than_msize_is_ebadmsg)
{
	static uint8_t big[MSIZE];
	struct p9_msg in = { .type = P9_RREAD, .u.rdata = { .count = MSIZE - 11, .data = big } };
	struct p9_msg out;
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	cr_assert_eq(len, MSIZE);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), 0);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE - 1, &out, NULL), -EBADMSG);
	in.u.rdata.count++;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), -EMSGSIZE);
	cr_assert_eq(p9_encode(g_buf, 100, UINT32_MAX, &in, &len), -EMSGSIZE);
}

Test(p9_wire, unknown_type_is_eopnotsupp_with_tag)
{
	/* Topen (112) is 9P2000, not 9P2000.L; 0 and 255 are nothing. */
	const uint8_t types[] = { 112, 0, 255, P9_TLERROR, 106 };
	for (size_t i = 0; i < sizeof(types); i++) {
		uint8_t m[11] = { 11, 0, 0, 0, types[i], 0x34, 0x12 };
		struct p9_msg out;
		cr_assert_eq(decode_copy(m, sizeof(m), MSIZE, &out, NULL), -EOPNOTSUPP);
		cr_assert_eq(out.type, types[i]);
		cr_assert_eq(out.tag, 0x1234);
		cr_assert_null(p9_type_name(types[i]));
	}
	struct p9_msg in = { .type = 112 };
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), -EINVAL);
}

Test(p9_wire, encoder_refuses_unencodable_structs)
{
	struct p9_msg in = { .type = P9_TWRITE, .u.twrite = { .count = 3, .data = NULL } };
	size_t len;
	char *huge = malloc(70000);
	cr_assert(huge);
	memset(huge, 'a', 69999);
	huge[69999] = 0;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), -EINVAL);
	in = (struct p9_msg){ .type = P9_TMKDIR, .u.tmkdir.name = S(huge) };
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), -EINVAL);
	in = (struct p9_msg){ .type = P9_RWALK, .u.rwalk.nwqid = 17 };
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), -EINVAL);
	free(huge);
}

Test(p9_wire, rreaddir_with_many_entries)
{
	static uint8_t data[MSIZE - 11];
	char names[400][16];
	size_t used = 0, n = 0;
	struct p9_dirent de;

	for (;; n++) {
		snprintf(names[n], sizeof(names[n]), "file-%zu", n);
		de = (struct p9_dirent){ .qid = { .path = n }, .offset = n + 1, .type = 8,
					 .name = S(names[n]) };
		int r = p9_dirent_put(data, sizeof(data), &used, &de);
		if (r == -ENOSPC)
			break;
		cr_assert_eq(r, 0);
	}
	cr_assert_gt(n, 200);
	cr_assert_leq(used, sizeof(data));

	struct p9_msg in = { .type = P9_RREADDIR, .tag = 1,
			     .u.rdata = { .count = (uint32_t)used, .data = data } };
	RT(in);
	struct p9_dirent_iter it;
	size_t i = 0;
	p9_dirent_iter_init(&it, &out.u.rdata);
	while (p9_dirent_next(&it, &de) == 1) {
		cr_assert_eq(de.qid.path, i);
		cr_assert_eq(de.offset, i + 1);
		cr_assert_eq(de.type, 8);
		assert_str(de.name, names[i]);
		i++;
	}
	cr_assert_eq(i, n);
	DONE();
}

Test(p9_wire, rreaddir_with_torn_entry_is_ebadmsg)
{
	uint8_t data[64];
	size_t used = 0;
	struct p9_dirent de = { .name = S("abc") };
	struct p9_msg out;
	cr_assert_eq(p9_dirent_put(data, sizeof(data), &used, &de), 0);
	/* Drop the last name byte but keep the entry's name length: torn. */
	struct p9_msg in = { .type = P9_RREADDIR,
			     .u.rdata = { .count = (uint32_t)used - 1, .data = data } };
	size_t len;
	cr_assert_eq(p9_encode(g_buf, sizeof(g_buf), MSIZE, &in, &len), 0);
	cr_assert_eq(decode_copy(g_buf, len, MSIZE, &out, NULL), -EBADMSG);

	struct p9_dirent_iter it = { .data = data, .count = (uint32_t)used - 1 };
	cr_assert_eq(p9_dirent_next(&it, &de), -EBADMSG);
	size_t full = 5;
	cr_assert_eq(p9_dirent_put(data, 4, &full, &de), -ENOSPC);
}

Test(p9_wire, version_negotiation)
{
	struct p9_version req = { .msize = 1u << 20, .version = S("9P2000.L") }, rep;
	cr_assert_eq(p9_version_negotiate(&req, 65536, &rep), 0);
	cr_assert_eq(rep.msize, 65536);
	assert_str(rep.version, "9P2000.L");

	req.msize = 8192;
	cr_assert_eq(p9_version_negotiate(&req, 65536, &rep), 0);
	cr_assert_eq(rep.msize, 8192);

	req.msize = P9_MSIZE_MIN - 1;
	cr_assert_eq(p9_version_negotiate(&req, 65536, &rep), -EINVAL);
	req.msize = 65536;
	cr_assert_eq(p9_version_negotiate(&req, 100, &rep), -EINVAL);

	const char *others[] = { "9P2000", "9P2000.u", "9P2000.L.x", "9p2000.l", "" };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		req.version = S(others[i]);
		cr_assert_eq(p9_version_negotiate(&req, 65536, &rep), 0);
		assert_str(rep.version, "unknown");
	}
}

Test(p9_wire, frame_size_of_a_stream)
{
	uint8_t stream[256];
	size_t off = 0, len;
	struct p9_msg a = { .type = P9_TCLUNK, .tag = 1, .u.tfid.fid = 1 };
	struct p9_msg b = { .type = P9_TMKDIR, .tag = 2, .u.tmkdir.name = S("dir") };

	/* Pipelining: two requests back to back on one channel, split by frame size. */
	cr_assert_eq(p9_encode(stream, sizeof(stream), MSIZE, &a, &len), 0);
	off += len;
	cr_assert_eq(p9_encode(stream + off, sizeof(stream) - off, MSIZE, &b, &len), 0);
	off += len;

	cr_assert_eq(p9_frame_size(stream, 3, MSIZE), 0);
	ssize_t first = p9_frame_size(stream, off, MSIZE);
	cr_assert_eq(first, 11);
	ssize_t second = p9_frame_size(stream + first, off - (size_t)first, MSIZE);
	cr_assert_eq((size_t)(first + second), off);

	struct p9_msg out;
	cr_assert_eq(p9_decode(stream, (size_t)first, MSIZE, &out), 0);
	cr_assert_eq(out.tag, 1);
	cr_assert_eq(p9_decode(stream + first, (size_t)second, MSIZE, &out), 0);
	cr_assert_eq(out.tag, 2);
	assert_str(out.u.tmkdir.name, "dir");

	uint8_t small[4] = { 6, 0, 0, 0 }, huge[4] = { 0, 0, 1, 0 };
	cr_assert_eq(p9_frame_size(small, 4, MSIZE), -EBADMSG);
	cr_assert_eq(p9_frame_size(huge, 4, MSIZE), -EBADMSG);
}

Test(p9_wire, tags_for_outstanding_requests)
{
	static struct p9_tags tags;
	uint16_t t1, t2, t;

	p9_tags_init(&tags);
	cr_assert_eq(p9_tags_get(&tags, &t1), 0);
	cr_assert_eq(p9_tags_get(&tags, &t2), 0);
	cr_assert_neq(t1, t2);
	cr_assert_eq(p9_tags_put(&tags, t1), 0);
	cr_assert_eq(p9_tags_put(&tags, t1), -ENOENT);
	cr_assert_eq(p9_tags_put(&tags, P9_NOTAG), -ENOENT);
	cr_assert_eq(p9_tags_put(&tags, t2), 0);

	p9_tags_init(&tags);
	for (uint32_t i = 0; i < P9_NOTAG; i++) {
		cr_assert_eq(p9_tags_get(&tags, &t), 0);
		cr_assert_neq(t, P9_NOTAG);
	}
	cr_assert_eq(p9_tags_get(&tags, &t), -EAGAIN);
	cr_assert_eq(p9_tags_put(&tags, 500), 0);
	cr_assert_eq(p9_tags_get(&tags, &t), 0);
	cr_assert_eq(t, 500);
}

Test(p9_wire, str_helpers)
{
	char buf[4];
	struct p9_str s = { "abcd", 3 };
	cr_assert_eq(p9_str_copy(&s, buf, sizeof(buf)), 3);
	cr_assert_str_eq(buf, "abc");
	s.len = 4;
	cr_assert_eq(p9_str_copy(&s, buf, sizeof(buf)), -ENAMETOOLONG);
	cr_assert(p9_str_eq(&s, "abcd"));
	cr_assert_not(p9_str_eq(&s, "abc"));
}

/* Reads one whole frame from @fd into @buf, @chunk bytes per read(2) at most, the way a server
 * loop uses p9_frame_size. Returns the frame's size. */
static size_t read_frame(int fd, uint8_t *buf, size_t cap, size_t chunk)
{
	size_t have = 0;
	ssize_t need;

	while ((need = p9_frame_size(buf, have, MSIZE)) == 0 || have < (size_t)need) {
		cr_assert_geq(need, 0);
		size_t want = need ? (size_t)need - have : 4 - have;
		ssize_t n = read(fd, buf + have, want < chunk ? want : chunk);
		cr_assert_gt(n, 0);
		have += (size_t)n;
		cr_assert_leq(have, cap);
	}
	return have;
}

Test(p9_wire, pipelined_requests_answered_out_of_order)
{
	static struct p9_tags tags;
	int sv[2];
	uint16_t tag[3];
	uint8_t frame[256], out[1024];
	size_t off = 0, len;
	struct p9_msg m;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	p9_tags_init(&tags);
	/* Client: three requests in flight at once, sent in one write. */
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(p9_tags_get(&tags, &tag[i]), 0);
		struct p9_msg t = { .type = P9_TREAD, .tag = tag[i],
				    .u.tread = { .fid = (uint32_t)i, .count = 100 } };
		cr_assert_eq(p9_encode(out + off, sizeof(out) - off, MSIZE, &t, &len), 0);
		off += len;
	}
	cr_assert_eq(write(sv[0], out, off), (ssize_t)off);

	/* Server: reads frames in 5-byte pieces, answers the last request first. */
	struct p9_msg req[3];
	for (int i = 0; i < 3; i++) {
		len = read_frame(sv[1], frame, sizeof(frame), 5);
		cr_assert_eq(p9_decode(frame, len, MSIZE, &req[i]), 0);
		cr_assert_eq(req[i].u.tread.fid, (uint32_t)i);
	}
	for (int i = 2; i >= 0; i--) {
		struct p9_msg r = { .type = P9_RREAD, .tag = req[i].tag,
				    .u.rdata = { .count = 1, .data = (const uint8_t *)"abc" + i } };
		cr_assert_eq(p9_encode(out, sizeof(out), MSIZE, &r, &len), 0);
		cr_assert_eq(write(sv[1], out, len), (ssize_t)len);
	}

	/* Client: matches each reply to its request by tag and frees the tag. */
	for (int i = 2; i >= 0; i--) {
		len = read_frame(sv[0], frame, sizeof(frame), 3);
		cr_assert_eq(p9_decode(frame, len, MSIZE, &m), 0);
		cr_assert_eq(m.tag, tag[i]);
		cr_assert_eq(m.u.rdata.data[0], "abc"[i]);
		cr_assert_eq(p9_tags_put(&tags, m.tag), 0);
	}
	cr_assert_eq(tags.count, 0);
	close(sv[0]);
	close(sv[1]);
}
