/*
 * p9_wire.h: the 9P2000.L wire codec shared by the Sentry's 9P client and the Gofer's server.
 *
 * Depends on libc and this header only, so it can be compiled into a plugin and into runsc.
 *
 * Shape (after diod's libnpfs, STYLE.md 1.5): one typed struct per message body, gathered in
 * the tagged union struct p9_msg; one encoder that computes the message size first and writes
 * it once, and one decoder (a switch on the type) that validates every string length, count
 * and the total size against the size[4] header and the negotiated msize. Integers go through
 * the cursor byte by byte, little-endian; nothing is read through a struct cast.
 *
 * Errors (negative errno):
 *   -EBADMSG     malformed input: size header wrong or < 7, message larger than msize, a string
 *                or array running past the end, nwname/nwqid > 16, a data count that disagrees
 *                with the bytes present, a read count larger than an msize reply can carry, a
 *                NUL byte inside a string, trailing bytes after the last field. The decoder
 *                never reads outside [buf, buf + len).
 *   -EOPNOTSUPP  the frame is well-formed but its type is not a 9P2000.L message this codec
 *                knows (Tauth is included, legacy 9P2000 Topen/Tcreate/Tstat are not). The
 *                decoder still fills msg->type and msg->tag so a server can answer Rlerror.
 *   -EMSGSIZE    (encoder) the message does not fit the buffer or msize.
 *   -EINVAL      (encoder) the struct cannot be encoded: unknown type, nwname > 16, a string
 *                longer than 65535 bytes.
 *
 * Strings are zero-copy: a decoded struct p9_str points into the decoded buffer with a length
 * and is NOT NUL-terminated (9P strings are counted); it stays valid as long as the buffer.
 * Use p9_str_copy to get a C string. Data of Rread, Twrite and Rreaddir also points into the
 * buffer. Encoding reads strings by their length only; a NUL-free name is the caller's job
 * (the decoder rejects NULs, so what a peer sends can be turned into a C string safely).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Tag of Tversion/Rversion: the one message sent with no tag. */
#define P9_NOTAG ((uint16_t)0xffff)
/* "No fid", e.g. the afid of a Tattach without authentication. */
#define P9_NOFID ((uint32_t)0xffffffff)
/* Most names of one Twalk (and qids of one Rwalk). */
#define P9_MAXWELEM 16
/* size[4] type[1] tag[2]. */
#define P9_HDRSZ 7
/* Header plus the largest fixed part of an I/O message (Twrite: fid[4] offset[8] count[4] +
 * a margin, as Linux's P9_IOHDRSZ): iounit = msize - P9_IOHDRSZ. */
#define P9_IOHDRSZ 24
/* Smallest msize this codec negotiates (a Tgetattr reply, a readdir entry and a long name fit). */
#define P9_MSIZE_MIN 4096u
/* Bytes of a qid on the wire. */
#define P9_QIDSZ 13
/* Protocol name of 9P2000.L; the answer to anything else is "unknown". */
#define P9_VERSION_L "9P2000.L"
#define P9_VERSION_UNKNOWN "unknown"

/* Message types (the T is even, its R is T + 1). Values from the Linux 9p client. */
enum p9_type {
	P9_TLERROR = 6, P9_RLERROR = 7,
	P9_TSTATFS = 8, P9_RSTATFS = 9,
	P9_TLOPEN = 12, P9_RLOPEN = 13,
	P9_TLCREATE = 14, P9_RLCREATE = 15,
	P9_TSYMLINK = 16, P9_RSYMLINK = 17,
	P9_TMKNOD = 18, P9_RMKNOD = 19,
	P9_TRENAME = 20, P9_RRENAME = 21,
	P9_TREADLINK = 22, P9_RREADLINK = 23,
	P9_TGETATTR = 24, P9_RGETATTR = 25,
	P9_TSETATTR = 26, P9_RSETATTR = 27,
	P9_TXATTRWALK = 30, P9_RXATTRWALK = 31,
	P9_TXATTRCREATE = 32, P9_RXATTRCREATE = 33,
	P9_TREADDIR = 40, P9_RREADDIR = 41,
	P9_TFSYNC = 50, P9_RFSYNC = 51,
	P9_TLOCK = 52, P9_RLOCK = 53,
	P9_TGETLOCK = 54, P9_RGETLOCK = 55,
	P9_TLINK = 70, P9_RLINK = 71,
	P9_TMKDIR = 72, P9_RMKDIR = 73,
	P9_TRENAMEAT = 74, P9_RRENAMEAT = 75,
	P9_TUNLINKAT = 76, P9_RUNLINKAT = 77,
	P9_TVERSION = 100, P9_RVERSION = 101,
	P9_TAUTH = 102, P9_RAUTH = 103,
	P9_TATTACH = 104, P9_RATTACH = 105,
	P9_TFLUSH = 108, P9_RFLUSH = 109,
	P9_TWALK = 110, P9_RWALK = 111,
	P9_TREAD = 116, P9_RREAD = 117,
	P9_TWRITE = 118, P9_RWRITE = 119,
	P9_TCLUNK = 120, P9_RCLUNK = 121,
	P9_TREMOVE = 122, P9_RREMOVE = 123,
};

/* qid.type bits. */
#define P9_QTDIR     0x80u
#define P9_QTAPPEND  0x40u
#define P9_QTEXCL    0x20u
#define P9_QTSYMLINK 0x02u
#define P9_QTFILE    0x00u

/* Tgetattr request_mask / Rgetattr valid bits. */
#define P9_GETATTR_MODE	      0x00000001ull
#define P9_GETATTR_NLINK      0x00000002ull
#define P9_GETATTR_UID	      0x00000004ull
#define P9_GETATTR_GID	      0x00000008ull
#define P9_GETATTR_RDEV	      0x00000010ull
#define P9_GETATTR_ATIME      0x00000020ull
#define P9_GETATTR_MTIME      0x00000040ull
#define P9_GETATTR_CTIME      0x00000080ull
#define P9_GETATTR_INO	      0x00000100ull
#define P9_GETATTR_SIZE	      0x00000200ull
#define P9_GETATTR_BLOCKS     0x00000400ull
#define P9_GETATTR_BTIME      0x00000800ull
#define P9_GETATTR_GEN	      0x00001000ull
#define P9_GETATTR_DATA_VERSION 0x00002000ull
#define P9_GETATTR_BASIC      0x000007ffull
#define P9_GETATTR_ALL	      0x00003fffull

/* Tsetattr valid bits. */
#define P9_SETATTR_MODE	     0x00000001u
#define P9_SETATTR_UID	     0x00000002u
#define P9_SETATTR_GID	     0x00000004u
#define P9_SETATTR_SIZE	     0x00000008u
#define P9_SETATTR_ATIME     0x00000010u
#define P9_SETATTR_MTIME     0x00000020u
#define P9_SETATTR_CTIME     0x00000040u
#define P9_SETATTR_ATIME_SET 0x00000080u
#define P9_SETATTR_MTIME_SET 0x00000100u

/* Txattrcreate flags: Linux's XATTR_CREATE and XATTR_REPLACE, and cvisor's own bit asking the
 * server to remove the attribute at Tclunk (9P2000.L has no Tremovexattr; a zero-length value is
 * a real value, so size 0 cannot mean removal). */
#define P9_XATTR_CREATE	 1u
#define P9_XATTR_REPLACE 2u
#define P9_XATTR_REMOVE	 0x100u

/* Tlock/Tgetlock type, Tlock flags, Rlock status. */
#define P9_LOCK_TYPE_RDLCK 0
#define P9_LOCK_TYPE_WRLCK 1
#define P9_LOCK_TYPE_UNLCK 2
#define P9_LOCK_FLAGS_BLOCK   1u
#define P9_LOCK_FLAGS_RECLAIM 2u
#define P9_LOCK_SUCCESS 0
#define P9_LOCK_BLOCKED 1
#define P9_LOCK_ERROR	2
#define P9_LOCK_GRACE	3

/* A counted string: borrowed bytes, not NUL-terminated. */
struct p9_str {
	const char *s;	/* first byte (may be NULL when len is 0) */
	uint16_t len;	/* bytes */
};

struct p9_qid {
	uint8_t type;		/* P9_QT* */
	uint32_t version;	/* changes when the file does, or 0 */
	uint64_t path;		/* unique per file */
};

/* Tversion and Rversion. */
struct p9_version {
	uint32_t msize;
	struct p9_str version;
};

struct p9_tauth {
	uint32_t afid;
	struct p9_str uname, aname;
	uint32_t n_uname;
};

struct p9_tattach {
	uint32_t fid, afid;		/* afid P9_NOFID: no authentication */
	struct p9_str uname, aname;
	uint32_t n_uname;		/* numeric uid, preferred over uname by 9P2000.L */
};

/* Rattach, Rauth, Rsymlink, Rmknod, Rmkdir: a qid only. */
struct p9_rqid {
	struct p9_qid qid;
};

struct p9_rlerror {
	uint32_t ecode;	/* positive Linux errno; passed on as is, a client maps 0 or > 4095 to EIO */
};

struct p9_tflush {
	uint16_t oldtag;
};

struct p9_twalk {
	uint32_t fid, newfid;
	uint16_t nwname;			/* 0..P9_MAXWELEM */
	struct p9_str wname[P9_MAXWELEM];
};

struct p9_rwalk {
	uint16_t nwqid;				/* 0..P9_MAXWELEM */
	struct p9_qid wqid[P9_MAXWELEM];
};

/* Tclunk, Tremove, Tstatfs, Treadlink: a fid only. */
struct p9_tfid {
	uint32_t fid;
};

struct p9_tlopen {
	uint32_t fid, flags;	/* Linux open flags */
};

/* Rlopen and Rlcreate. */
struct p9_ropen {
	struct p9_qid qid;
	uint32_t iounit;	/* 0: msize - P9_IOHDRSZ */
};

struct p9_tlcreate {
	uint32_t fid;		/* directory; becomes the new open file */
	struct p9_str name;
	uint32_t flags, mode, gid;
};

/* Tread and Treaddir. */
struct p9_tread {
	uint32_t fid;
	uint64_t offset;
	uint32_t count;		/* at most msize - 11 (an Rread header) */
};

/* Rread, Rreaddir: count bytes of data (Rreaddir: packed dirents, see p9_dirent_*). */
struct p9_rdata {
	uint32_t count;
	const uint8_t *data;	/* borrowed */
};

struct p9_twrite {
	uint32_t fid;
	uint64_t offset;
	uint32_t count;
	const uint8_t *data;	/* borrowed */
};

/* Rwrite. */
struct p9_rcount {
	uint32_t count;
};

struct p9_rstatfs {
	uint32_t type, bsize;
	uint64_t blocks, bfree, bavail, files, ffree, fsid;
	uint32_t namelen;
};

struct p9_tsymlink {
	uint32_t dfid;
	struct p9_str name, symtgt;
	uint32_t gid;
};

struct p9_tmknod {
	uint32_t dfid;
	struct p9_str name;
	uint32_t mode, major, minor, gid;
};

struct p9_trename {
	uint32_t fid, dfid;
	struct p9_str name;
};

struct p9_rreadlink {
	struct p9_str target;
};

struct p9_tgetattr {
	uint32_t fid;
	uint64_t request_mask;	/* P9_GETATTR_* */
};

struct p9_rgetattr {
	uint64_t valid;		/* P9_GETATTR_* */
	struct p9_qid qid;
	uint32_t mode, uid, gid;
	uint64_t nlink, rdev, size, blksize, blocks;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
	uint64_t ctime_sec, ctime_nsec, btime_sec, btime_nsec;
	uint64_t gen, data_version;
};

struct p9_tsetattr {
	uint32_t fid, valid;	/* P9_SETATTR_* */
	uint32_t mode, uid, gid;
	uint64_t size;
	uint64_t atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

struct p9_txattrwalk {
	uint32_t fid, newfid;
	struct p9_str name;	/* empty: list */
};

struct p9_rxattrwalk {
	uint64_t size;
};

struct p9_txattrcreate {
	uint32_t fid;
	struct p9_str name;
	uint64_t attr_size;
	uint32_t flags;		/* XATTR_CREATE, XATTR_REPLACE */
};

struct p9_tfsync {
	uint32_t fid, datasync;
};

struct p9_tlock {
	uint32_t fid;
	uint8_t type;		/* P9_LOCK_TYPE_* */
	uint32_t flags;		/* P9_LOCK_FLAGS_* */
	uint64_t start, length;
	uint32_t proc_id;
	struct p9_str client_id;
};

struct p9_rlock {
	uint8_t status;		/* P9_LOCK_SUCCESS... */
};

/* Tgetlock and Rgetlock. */
struct p9_getlock {
	uint32_t fid;		/* Tgetlock only */
	uint8_t type;
	uint64_t start, length;
	uint32_t proc_id;
	struct p9_str client_id;
};

struct p9_tlink {
	uint32_t dfid, fid;
	struct p9_str name;
};

struct p9_tmkdir {
	uint32_t dfid;
	struct p9_str name;
	uint32_t mode, gid;
};

struct p9_trenameat {
	uint32_t olddirfid;
	struct p9_str oldname;
	uint32_t newdirfid;
	struct p9_str newname;
};

struct p9_tunlinkat {
	uint32_t dirfid;
	struct p9_str name;
	uint32_t flags;		/* AT_REMOVEDIR */
};

/* One message: header fields and the body selected by type. Bodyless R messages (Rclunk,
 * Rremove, Rflush, Rsetattr, Rxattrcreate, Rfsync, Rlink, Rrename, Rrenameat, Runlinkat) use
 * no union member. */
struct p9_msg {
	uint8_t type;		/* enum p9_type */
	uint16_t tag;		/* P9_NOTAG for Tversion/Rversion */
	union {
		struct p9_version version;	/* Tversion, Rversion */
		struct p9_tauth tauth;
		struct p9_tattach tattach;
		struct p9_rqid rqid;		/* Rauth Rattach Rsymlink Rmknod Rmkdir */
		struct p9_rlerror rlerror;
		struct p9_tflush tflush;
		struct p9_twalk twalk;
		struct p9_rwalk rwalk;
		struct p9_tfid tfid;		/* Tclunk Tremove Tstatfs Treadlink */
		struct p9_tlopen tlopen;
		struct p9_ropen ropen;		/* Rlopen Rlcreate */
		struct p9_tlcreate tlcreate;
		struct p9_tread tread;		/* Tread Treaddir */
		struct p9_rdata rdata;		/* Rread Rreaddir */
		struct p9_twrite twrite;
		struct p9_rcount rcount;	/* Rwrite */
		struct p9_rstatfs rstatfs;
		struct p9_tsymlink tsymlink;
		struct p9_tmknod tmknod;
		struct p9_trename trename;
		struct p9_rreadlink rreadlink;
		struct p9_tgetattr tgetattr;
		struct p9_rgetattr rgetattr;
		struct p9_tsetattr tsetattr;
		struct p9_txattrwalk txattrwalk;
		struct p9_rxattrwalk rxattrwalk;
		struct p9_txattrcreate txattrcreate;
		struct p9_tfsync tfsync;
		struct p9_tlock tlock;
		struct p9_rlock rlock;
		struct p9_getlock getlock;	/* Tgetlock Rgetlock */
		struct p9_tlink tlink;
		struct p9_tmkdir tmkdir;
		struct p9_trenameat trenameat;
		struct p9_tunlinkat tunlinkat;
	} u;
};

/* A counted string for a C string @s (borrowed). Strings longer than 65535 bytes get len 0 and
 * s NULL, which p9_encode turns into -EINVAL rather than truncating. */
struct p9_str p9_str_of(const char *s);

/* Copies @str into @buf (@cap bytes) with a NUL. Returns its length, or -ENAMETOOLONG when it
 * does not fit. */
ssize_t p9_str_copy(const struct p9_str *str, char *buf, size_t cap);

/* True when @str equals the C string @s. */
int p9_str_eq(const struct p9_str *str, const char *s);

/* Bytes @msg takes on the wire, header included, into *ret_size. Returns 0 or -EINVAL. */
int p9_msg_size(const struct p9_msg *msg, size_t *ret_size);

/* Encodes @msg into @buf of @cap bytes; the message must also fit @msize (pass UINT32_MAX
 * before negotiation). On success *ret_len is the bytes written. Writes nothing on failure.
 * Returns 0, -EINVAL (see above), -EMSGSIZE. */
int p9_encode(void *buf, size_t cap, uint32_t msize, const struct p9_msg *msg, size_t *ret_len);

/* Decodes the one whole message in @buf of @len bytes (exactly one frame: its size[4] must
 * equal @len) with negotiated @msize. On success *ret_msg points into @buf. Returns 0,
 * -EBADMSG, -EOPNOTSUPP (type and tag are filled in then). */
int p9_decode(const void *buf, size_t len, uint32_t msize, struct p9_msg *ret_msg);

/* How many bytes the frame starting at @buf needs, given the @len bytes read so far: 0 when
 * fewer than 4 are there yet (read more), else the frame's size (complete once len >= it).
 * Returns -EBADMSG when its size is < 7 or > @msize (the stream is unusable then). */
ssize_t p9_frame_size(const void *buf, size_t len, uint32_t msize);

/* The tag of a frame of at least P9_HDRSZ bytes (p9_frame_size said it is whole), so a
 * client can find the request a reply answers before decoding it into that request's buffer. */
uint16_t p9_frame_tag(const void *buf);

/* Server side of Tversion: msize is the smaller of the client's and @server_max, refused under
 * P9_MSIZE_MIN; the version is "9P2000.L" when the client asked exactly that, else "unknown"
 * (9P: the server then refuses the session). Fills *ret_reply (an Rversion body; its string is
 * a static literal). Returns 0 or -EINVAL (msize below the floor). */
int p9_version_negotiate(const struct p9_version *req, uint32_t server_max,
			 struct p9_version *ret_reply);

/* One Rreaddir entry. */
struct p9_dirent {
	struct p9_qid qid;
	uint64_t offset;	/* resumes after this entry */
	uint8_t type;		/* DT_* */
	struct p9_str name;	/* borrowed from the data */
};

/* Walks the entries of an Rreaddir's data. */
struct p9_dirent_iter {
	const uint8_t *data;
	uint32_t count;
	uint32_t pos;
};

/* Starts @it at the first entry of @rd (borrowed: the data must outlive the iterator). */
void p9_dirent_iter_init(struct p9_dirent_iter *it, const struct p9_rdata *rd);

/* Next entry into *ret_de. Returns 1 with an entry, 0 at the end, -EBADMSG for a malformed
 * entry (cannot happen after a successful p9_decode, which checks every entry). */
int p9_dirent_next(struct p9_dirent_iter *it, struct p9_dirent *ret_de);

/* Appends @de to a packed Rreaddir data area @buf of @cap bytes with *@used filled so far.
 * Returns 0 (and advances *used), -ENOSPC when the entry does not fit (nothing written),
 * -EINVAL for a name longer than 65535. */
int p9_dirent_put(void *buf, size_t cap, size_t *used, const struct p9_dirent *de);

/* Bytes @de takes in Rreaddir data. */
size_t p9_dirent_size(const struct p9_dirent *de);

/* Name of a message type ("Twalk"), or NULL for an unknown one. */
const char *p9_type_name(uint8_t type);

/* Outstanding tags of one channel, so several requests can be in flight at once
 * (pipelining). The client allocates a tag per request and frees it when its reply arrives. */
struct p9_tags {
	uint64_t used[1024];	/* bit per tag 0..65534; P9_NOTAG is never handed out */
	uint32_t next;		/* where the next search starts */
	uint32_t count;		/* tags in use */
};

/* No tag in use. */
void p9_tags_init(struct p9_tags *tags);
/* A free tag into *ret_tag. Returns 0 or -EAGAIN when all 65535 are in flight. */
int p9_tags_get(struct p9_tags *tags, uint16_t *ret_tag);
/* Releases @tag. Returns 0 or -ENOENT when it was not in use (a reply with a stray tag). */
int p9_tags_put(struct p9_tags *tags, uint16_t tag);
