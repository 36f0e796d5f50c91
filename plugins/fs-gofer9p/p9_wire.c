/*
 * p9_wire.c: cursor, encoder and decoder of 9P2000.L messages. See p9_wire.h for the contract.
 *
 * Every access goes through a cursor whose failure sticks: once a read or write would pass the
 * end (or a field is invalid), every later access does nothing and returns zeros, and one check
 * at the end decides whether the message was good (diod's np.c does the same). That keeps each
 * per-message function a flat list of fields with no error handling in between.
 */
#include <errno.h>
#include <string.h>

#include "p9_wire.h"

/* What a cursor does with each field. One field list per message layout serves all three, so
 * the encoder and the decoder cannot disagree about a layout. */
enum p9_cur_mode {
	P9_CUR_COUNT,	/* encoder, first pass: only advance pos */
	P9_CUR_WRITE,	/* encoder, second pass: store fields into w */
	P9_CUR_READ,	/* decoder: load fields from r */
};

struct p9_cur {
	int mode;		/* enum p9_cur_mode */
	uint8_t *w;		/* P9_CUR_WRITE: output */
	const uint8_t *r;	/* P9_CUR_READ: input */
	size_t len;		/* bytes available from the base */
	size_t pos;		/* next byte */
	uint32_t msize;		/* P9_CUR_READ: negotiated msize, for count checks */
	int bad;		/* sticky: ran past len or met a malformed field */
	int inval;		/* sticky (encoder): the struct itself cannot be encoded */
};

/* Reserves @n bytes; returns 1 with the offset of the first, or marks the cursor bad. */
static int cur_take(struct p9_cur *c, size_t n, size_t *ret_at)
{
	if (c->bad || n > c->len - c->pos) {
		c->bad = 1;
		return 0;
	}
	*ret_at = c->pos;
	c->pos += n;
	return 1;
}

/* A field is malformed: bad input when decoding, an unencodable struct when encoding. */
static void cur_reject(struct p9_cur *c)
{
	if (c->mode == P9_CUR_READ)
		c->bad = 1;
	else
		c->inval = 1;
}

/* Moves an @n-byte little-endian integer between the wire and *@v, byte by byte. A failed
 * read leaves *v zero. */
static void io_uint(struct p9_cur *c, uint64_t *v, size_t n)
{
	size_t at;

	if (!cur_take(c, n, &at)) {
		if (c->mode == P9_CUR_READ)
			*v = 0;
		return;
	}
	if (c->mode == P9_CUR_WRITE) {
		for (size_t i = 0; i < n; i++)
			c->w[at + i] = (uint8_t)(*v >> (8 * i));
	} else if (c->mode == P9_CUR_READ) {
		*v = 0;
		for (size_t i = 0; i < n; i++)
			*v |= (uint64_t)c->r[at + i] << (8 * i);
	}
}

#define DEFINE_IO(bits)                                                                        \
	static void io##bits(struct p9_cur *c, uint##bits##_t *p)                              \
	{                                                                                      \
		uint64_t v = *p;                                                               \
		io_uint(c, &v, (bits) / 8);                                                    \
		*p = (uint##bits##_t)v;                                                        \
	}
DEFINE_IO(8)
DEFINE_IO(16)
DEFINE_IO(32)
DEFINE_IO(64)

/* Moves @n raw bytes: copies *@p out when writing, points *@p into the input when reading
 * (zero-copy; NULL when the bytes are not all there). */
static void io_bytes(struct p9_cur *c, const void **p, size_t n)
{
	size_t at;

	if (c->mode != P9_CUR_READ && n && !*p)
		c->inval = 1;
	if (!cur_take(c, n, &at)) {
		if (c->mode == P9_CUR_READ)
			*p = NULL;
		return;
	}
	if (c->mode == P9_CUR_WRITE && n && *p)
		memcpy(c->w + at, *p, n);
	else if (c->mode == P9_CUR_READ)
		*p = c->r + at;
}

/* A 9P string: len[2] and bytes. A NUL inside would let a peer hide the rest of a name from
 * whoever turns it into a C string, so it is malformed on input. */
static void io_str(struct p9_cur *c, struct p9_str *s)
{
	const void *p = s->s;

	io16(c, &s->len);
	io_bytes(c, &p, s->len);
	s->s = p;
	if (c->mode == P9_CUR_READ && (!s->s || memchr(s->s, 0, s->len))) {
		c->bad = 1;
		*s = (struct p9_str){ 0 };
	}
}

/* count[4] then count bytes (Rread, Rreaddir, Twrite). */
static void io_data(struct p9_cur *c, uint32_t *count, const uint8_t **data)
{
	const void *p = *data;

	io32(c, count);
	io_bytes(c, &p, *count);
	*data = p;
}

static void io_qid(struct p9_cur *c, struct p9_qid *q)
{
	io8(c, &q->type);
	io32(c, &q->version);
	io64(c, &q->path);
}

struct p9_str p9_str_of(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n > UINT16_MAX)
		return (struct p9_str){ .s = NULL, .len = UINT16_MAX };
	return (struct p9_str){ .s = s, .len = (uint16_t)n };
}

ssize_t p9_str_copy(const struct p9_str *str, char *buf, size_t cap)
{
	if ((size_t)str->len >= cap)
		return -ENAMETOOLONG;
	if (str->len)
		memcpy(buf, str->s, str->len);
	buf[str->len] = '\0';
	return str->len;
}

int p9_str_eq(const struct p9_str *str, const char *s)
{
	size_t n = strlen(s);

	return n == str->len && (n == 0 || memcmp(str->s, s, n) == 0);
}

/*
 * Message bodies: one field list per layout, run by the encoder (count, then write) and by the
 * decoder (read). Counts are checked here; lengths are checked by the cursor.
 */

static void io_version(struct p9_cur *c, struct p9_version *v)
{
	io32(c, &v->msize);
	io_str(c, &v->version);
}

static void io_tauth(struct p9_cur *c, struct p9_tauth *t)
{
	io32(c, &t->afid);
	io_str(c, &t->uname);
	io_str(c, &t->aname);
	io32(c, &t->n_uname);
}

static void io_tattach(struct p9_cur *c, struct p9_tattach *t)
{
	io32(c, &t->fid);
	io32(c, &t->afid);
	io_str(c, &t->uname);
	io_str(c, &t->aname);
	io32(c, &t->n_uname);
}

static void io_twalk(struct p9_cur *c, struct p9_twalk *t)
{
	io32(c, &t->fid);
	io32(c, &t->newfid);
	io16(c, &t->nwname);
	/* Checked before the loop: wname[] has room for P9_MAXWELEM only. */
	if (t->nwname > P9_MAXWELEM) {
		cur_reject(c);
		return;
	}
	for (uint16_t i = 0; i < t->nwname; i++)
		io_str(c, &t->wname[i]);
}

static void io_rwalk(struct p9_cur *c, struct p9_rwalk *r)
{
	io16(c, &r->nwqid);
	if (r->nwqid > P9_MAXWELEM) {
		cur_reject(c);
		return;
	}
	for (uint16_t i = 0; i < r->nwqid; i++)
		io_qid(c, &r->wqid[i]);
}

static void io_tlopen(struct p9_cur *c, struct p9_tlopen *t)
{
	io32(c, &t->fid);
	io32(c, &t->flags);
}

static void io_ropen(struct p9_cur *c, struct p9_ropen *r)
{
	io_qid(c, &r->qid);
	io32(c, &r->iounit);
}

static void io_tlcreate(struct p9_cur *c, struct p9_tlcreate *t)
{
	io32(c, &t->fid);
	io_str(c, &t->name);
	io32(c, &t->flags);
	io32(c, &t->mode);
	io32(c, &t->gid);
}

/* A read count that no reply within msize could carry is a broken client, not a request to
 * clamp: Linux's client never asks for more than msize - P9_IOHDRSZ. */
static void io_tread(struct p9_cur *c, struct p9_tread *t)
{
	io32(c, &t->fid);
	io64(c, &t->offset);
	io32(c, &t->count);
	if (c->mode == P9_CUR_READ && t->count > c->msize - (P9_HDRSZ + 4))
		c->bad = 1;
}

static void io_twrite(struct p9_cur *c, struct p9_twrite *t)
{
	io32(c, &t->fid);
	io64(c, &t->offset);
	io_data(c, &t->count, &t->data);
}

/* Rreaddir data must be whole entries, so a client's iterator never meets a torn one. */
static void io_rreaddir(struct p9_cur *c, struct p9_rdata *r)
{
	struct p9_dirent_iter it;
	struct p9_dirent de;
	int n;

	io_data(c, &r->count, &r->data);
	if (c->mode != P9_CUR_READ || c->bad)
		return;
	p9_dirent_iter_init(&it, r);
	while ((n = p9_dirent_next(&it, &de)) > 0)
		continue;
	if (n < 0)
		c->bad = 1;
}

static void io_rstatfs(struct p9_cur *c, struct p9_rstatfs *r)
{
	io32(c, &r->type);
	io32(c, &r->bsize);
	io64(c, &r->blocks);
	io64(c, &r->bfree);
	io64(c, &r->bavail);
	io64(c, &r->files);
	io64(c, &r->ffree);
	io64(c, &r->fsid);
	io32(c, &r->namelen);
}

static void io_tsymlink(struct p9_cur *c, struct p9_tsymlink *t)
{
	io32(c, &t->dfid);
	io_str(c, &t->name);
	io_str(c, &t->symtgt);
	io32(c, &t->gid);
}

static void io_tmknod(struct p9_cur *c, struct p9_tmknod *t)
{
	io32(c, &t->dfid);
	io_str(c, &t->name);
	io32(c, &t->mode);
	io32(c, &t->major);
	io32(c, &t->minor);
	io32(c, &t->gid);
}

static void io_trename(struct p9_cur *c, struct p9_trename *t)
{
	io32(c, &t->fid);
	io32(c, &t->dfid);
	io_str(c, &t->name);
}

static void io_tgetattr(struct p9_cur *c, struct p9_tgetattr *t)
{
	io32(c, &t->fid);
	io64(c, &t->request_mask);
}

static void io_rgetattr(struct p9_cur *c, struct p9_rgetattr *r)
{
	uint64_t *u64[] = {
		&r->nlink, &r->rdev, &r->size, &r->blksize, &r->blocks,
		&r->atime_sec, &r->atime_nsec, &r->mtime_sec, &r->mtime_nsec,
		&r->ctime_sec, &r->ctime_nsec, &r->btime_sec, &r->btime_nsec,
		&r->gen, &r->data_version,
	};

	io64(c, &r->valid);
	io_qid(c, &r->qid);
	io32(c, &r->mode);
	io32(c, &r->uid);
	io32(c, &r->gid);
	for (size_t i = 0; i < sizeof(u64) / sizeof(u64[0]); i++)
		io64(c, u64[i]);
}

static void io_tsetattr(struct p9_cur *c, struct p9_tsetattr *t)
{
	io32(c, &t->fid);
	io32(c, &t->valid);
	io32(c, &t->mode);
	io32(c, &t->uid);
	io32(c, &t->gid);
	io64(c, &t->size);
	io64(c, &t->atime_sec);
	io64(c, &t->atime_nsec);
	io64(c, &t->mtime_sec);
	io64(c, &t->mtime_nsec);
}

static void io_txattrwalk(struct p9_cur *c, struct p9_txattrwalk *t)
{
	io32(c, &t->fid);
	io32(c, &t->newfid);
	io_str(c, &t->name);
}

static void io_txattrcreate(struct p9_cur *c, struct p9_txattrcreate *t)
{
	io32(c, &t->fid);
	io_str(c, &t->name);
	io64(c, &t->attr_size);
	io32(c, &t->flags);
}

static void io_tfsync(struct p9_cur *c, struct p9_tfsync *t)
{
	io32(c, &t->fid);
	io32(c, &t->datasync);
}

static void io_tlock(struct p9_cur *c, struct p9_tlock *t)
{
	io32(c, &t->fid);
	io8(c, &t->type);
	io32(c, &t->flags);
	io64(c, &t->start);
	io64(c, &t->length);
	io32(c, &t->proc_id);
	io_str(c, &t->client_id);
}

/* Tgetlock carries a fid first; Rgetlock is the same fields without it. */
static void io_getlock(struct p9_cur *c, struct p9_getlock *g, int with_fid)
{
	if (with_fid)
		io32(c, &g->fid);
	io8(c, &g->type);
	io64(c, &g->start);
	io64(c, &g->length);
	io32(c, &g->proc_id);
	io_str(c, &g->client_id);
}

static void io_tlink(struct p9_cur *c, struct p9_tlink *t)
{
	io32(c, &t->dfid);
	io32(c, &t->fid);
	io_str(c, &t->name);
}

static void io_tmkdir(struct p9_cur *c, struct p9_tmkdir *t)
{
	io32(c, &t->dfid);
	io_str(c, &t->name);
	io32(c, &t->mode);
	io32(c, &t->gid);
}

static void io_trenameat(struct p9_cur *c, struct p9_trenameat *t)
{
	io32(c, &t->olddirfid);
	io_str(c, &t->oldname);
	io32(c, &t->newdirfid);
	io_str(c, &t->newname);
}

static void io_tunlinkat(struct p9_cur *c, struct p9_tunlinkat *t)
{
	io32(c, &t->dirfid);
	io_str(c, &t->name);
	io32(c, &t->flags);
}

/* Messages whose body is a single fixed field or none. Returns 0 for a type not handled. */
static int io_small(struct p9_cur *c, struct p9_msg *m)
{
	switch (m->type) {
	case P9_RLERROR:
		io32(c, &m->u.rlerror.ecode);
		return 1;
	case P9_TFLUSH:
		io16(c, &m->u.tflush.oldtag);
		return 1;
	case P9_TCLUNK: case P9_TREMOVE: case P9_TSTATFS: case P9_TREADLINK:
		io32(c, &m->u.tfid.fid);
		return 1;
	case P9_RAUTH: case P9_RATTACH: case P9_RSYMLINK: case P9_RMKNOD: case P9_RMKDIR:
		io_qid(c, &m->u.rqid.qid);
		return 1;
	case P9_RWRITE:
		io32(c, &m->u.rcount.count);
		return 1;
	case P9_RREADLINK:
		io_str(c, &m->u.rreadlink.target);
		return 1;
	case P9_RXATTRWALK:
		io64(c, &m->u.rxattrwalk.size);
		return 1;
	case P9_RLOCK:
		io8(c, &m->u.rlock.status);
		return 1;
	case P9_RCLUNK: case P9_RREMOVE: case P9_RFLUSH: case P9_RSETATTR: case P9_RXATTRCREATE:
	case P9_RFSYNC: case P9_RLINK: case P9_RRENAME: case P9_RRENAMEAT: case P9_RUNLINKAT:
		return 1;
	default:
		return 0;
	}
}

/* The body of @m for its type. Returns 0 when the type is not a known message. */
static int io_body(struct p9_cur *c, struct p9_msg *m)
{
	switch (m->type) {
	case P9_TVERSION: case P9_RVERSION: io_version(c, &m->u.version); break;
	case P9_TAUTH: io_tauth(c, &m->u.tauth); break;
	case P9_TATTACH: io_tattach(c, &m->u.tattach); break;
	case P9_TWALK: io_twalk(c, &m->u.twalk); break;
	case P9_RWALK: io_rwalk(c, &m->u.rwalk); break;
	case P9_TLOPEN: io_tlopen(c, &m->u.tlopen); break;
	case P9_RLOPEN: case P9_RLCREATE: io_ropen(c, &m->u.ropen); break;
	case P9_TLCREATE: io_tlcreate(c, &m->u.tlcreate); break;
	case P9_TREAD: case P9_TREADDIR: io_tread(c, &m->u.tread); break;
	case P9_RREAD: io_data(c, &m->u.rdata.count, &m->u.rdata.data); break;
	case P9_RREADDIR: io_rreaddir(c, &m->u.rdata); break;
	case P9_TWRITE: io_twrite(c, &m->u.twrite); break;
	case P9_RSTATFS: io_rstatfs(c, &m->u.rstatfs); break;
	case P9_TSYMLINK: io_tsymlink(c, &m->u.tsymlink); break;
	case P9_TMKNOD: io_tmknod(c, &m->u.tmknod); break;
	case P9_TRENAME: io_trename(c, &m->u.trename); break;
	case P9_TGETATTR: io_tgetattr(c, &m->u.tgetattr); break;
	case P9_RGETATTR: io_rgetattr(c, &m->u.rgetattr); break;
	case P9_TSETATTR: io_tsetattr(c, &m->u.tsetattr); break;
	case P9_TXATTRWALK: io_txattrwalk(c, &m->u.txattrwalk); break;
	case P9_TXATTRCREATE: io_txattrcreate(c, &m->u.txattrcreate); break;
	case P9_TFSYNC: io_tfsync(c, &m->u.tfsync); break;
	case P9_TLOCK: io_tlock(c, &m->u.tlock); break;
	case P9_TGETLOCK: io_getlock(c, &m->u.getlock, 1); break;
	case P9_RGETLOCK: io_getlock(c, &m->u.getlock, 0); break;
	case P9_TLINK: io_tlink(c, &m->u.tlink); break;
	case P9_TMKDIR: io_tmkdir(c, &m->u.tmkdir); break;
	case P9_TRENAMEAT: io_trenameat(c, &m->u.trenameat); break;
	case P9_TUNLINKAT: io_tunlinkat(c, &m->u.tunlinkat); break;
	default: return io_small(c, m);
	}
	return 1;
}

/* size[4] type[1] tag[2] body. The encoder runs it twice over a private copy of the message
 * (counting, then writing), so the struct it was given is never touched. */
static int io_msg(struct p9_cur *c, struct p9_msg *m, uint32_t *size)
{
	io32(c, size);
	io8(c, &m->type);
	io16(c, &m->tag);
	return io_body(c, m);
}

int p9_msg_size(const struct p9_msg *msg, size_t *ret_size)
{
	struct p9_cur c = { .mode = P9_CUR_COUNT, .len = SIZE_MAX };
	struct p9_msg m = *msg;
	uint32_t size = 0;

	if (!io_msg(&c, &m, &size) || c.inval)
		return -EINVAL;
	*ret_size = c.pos;
	return 0;
}

int p9_encode(void *buf, size_t cap, uint32_t msize, const struct p9_msg *msg, size_t *ret_len)
{
	size_t size;
	int r = p9_msg_size(msg, &size);

	if (r < 0)
		return r;
	if (size > cap || size > msize || size > UINT32_MAX)
		return -EMSGSIZE;

	struct p9_cur c = { .mode = P9_CUR_WRITE, .w = buf, .len = size };
	struct p9_msg m = *msg;
	uint32_t size32 = (uint32_t)size;
	(void)io_msg(&c, &m, &size32);
	/* Both passes ran the same field list over the same struct, so the sizes agree. */
	if (c.bad || c.inval || c.pos != size)
		return -EINVAL;
	*ret_len = size;
	return 0;
}

int p9_decode(const void *buf, size_t len, uint32_t msize, struct p9_msg *ret_msg)
{
	struct p9_cur c = { .mode = P9_CUR_READ, .r = buf, .len = len, .msize = msize };
	struct p9_msg m;
	uint32_t size = 0;

	if (len < P9_HDRSZ || len > msize)
		return -EBADMSG;
	memset(&m, 0, sizeof(m));
	int known = io_msg(&c, &m, &size);
	if (size != len)
		return -EBADMSG;
	if (!known) {
		memset(ret_msg, 0, sizeof(*ret_msg));
		ret_msg->type = m.type;
		ret_msg->tag = m.tag;
		return -EOPNOTSUPP;
	}
	/* Trailing bytes are malformed too: a peer that pads is not speaking our protocol. */
	if (c.bad || c.pos != len)
		return -EBADMSG;
	*ret_msg = m;
	return 0;
}

ssize_t p9_frame_size(const void *buf, size_t len, uint32_t msize)
{
	struct p9_cur c = { .mode = P9_CUR_READ, .r = buf, .len = len };
	uint32_t size = 0;

	if (len < 4)
		return 0;
	io32(&c, &size);
	if (size < P9_HDRSZ || size > msize)
		return -EBADMSG;
	return (ssize_t)size;
}

uint16_t p9_frame_tag(const void *buf)
{
	struct p9_cur c = { .mode = P9_CUR_READ, .r = buf, .len = P9_HDRSZ, .pos = 5 };
	uint16_t tag = 0;

	io16(&c, &tag);
	return tag;
}

int p9_version_negotiate(const struct p9_version *req, uint32_t server_max,
			 struct p9_version *ret_reply)
{
	uint32_t msize = req->msize < server_max ? req->msize : server_max;

	if (msize < P9_MSIZE_MIN)
		return -EINVAL;
	ret_reply->msize = msize;
	/* 9P (version(5)): a version the server does not speak is answered "unknown". Suffixes
	 * such as "9P2000.L.x" are not ours either. */
	ret_reply->version = p9_str_of(p9_str_eq(&req->version, P9_VERSION_L) ? P9_VERSION_L
									     : P9_VERSION_UNKNOWN);
	return 0;
}

void p9_dirent_iter_init(struct p9_dirent_iter *it, const struct p9_rdata *rd)
{
	it->data = rd->data;
	it->count = rd->data ? rd->count : 0;
	it->pos = 0;
}

static void io_dirent(struct p9_cur *c, struct p9_dirent *de)
{
	io_qid(c, &de->qid);
	io64(c, &de->offset);
	io8(c, &de->type);
	io_str(c, &de->name);
}

int p9_dirent_next(struct p9_dirent_iter *it, struct p9_dirent *ret_de)
{
	struct p9_cur c = { .mode = P9_CUR_READ, .r = it->data, .len = it->count, .pos = it->pos };
	struct p9_dirent de = { 0 };

	if (it->pos >= it->count)
		return 0;
	io_dirent(&c, &de);
	if (c.bad)
		return -EBADMSG;
	it->pos = (uint32_t)c.pos;
	*ret_de = de;
	return 1;
}

size_t p9_dirent_size(const struct p9_dirent *de)
{
	return P9_QIDSZ + 8 + 1 + 2 + (size_t)de->name.len;
}

int p9_dirent_put(void *buf, size_t cap, size_t *used, const struct p9_dirent *de)
{
	size_t n = p9_dirent_size(de);

	if (!de->name.s && de->name.len)
		return -EINVAL;
	if (*used > cap || n > cap - *used)
		return -ENOSPC;

	struct p9_cur c = { .mode = P9_CUR_WRITE, .w = buf, .len = cap, .pos = *used };
	struct p9_dirent tmp = *de;
	io_dirent(&c, &tmp);
	*used = c.pos;
	return 0;
}

static const char *const g_type_names[256] = {
	[P9_RLERROR] = "Rlerror",
	[P9_TSTATFS] = "Tstatfs",
	[P9_RSTATFS] = "Rstatfs",
	[P9_TLOPEN] = "Tlopen",
	[P9_RLOPEN] = "Rlopen",
	[P9_TLCREATE] = "Tlcreate",
	[P9_RLCREATE] = "Rlcreate",
	[P9_TSYMLINK] = "Tsymlink",
	[P9_RSYMLINK] = "Rsymlink",
	[P9_TMKNOD] = "Tmknod",
	[P9_RMKNOD] = "Rmknod",
	[P9_TRENAME] = "Trename",
	[P9_RRENAME] = "Rrename",
	[P9_TREADLINK] = "Treadlink",
	[P9_RREADLINK] = "Rreadlink",
	[P9_TGETATTR] = "Tgetattr",
	[P9_RGETATTR] = "Rgetattr",
	[P9_TSETATTR] = "Tsetattr",
	[P9_RSETATTR] = "Rsetattr",
	[P9_TXATTRWALK] = "Txattrwalk",
	[P9_RXATTRWALK] = "Rxattrwalk",
	[P9_TXATTRCREATE] = "Txattrcreate",
	[P9_RXATTRCREATE] = "Rxattrcreate",
	[P9_TREADDIR] = "Treaddir",
	[P9_RREADDIR] = "Rreaddir",
	[P9_TFSYNC] = "Tfsync",
	[P9_RFSYNC] = "Rfsync",
	[P9_TLOCK] = "Tlock",
	[P9_RLOCK] = "Rlock",
	[P9_TGETLOCK] = "Tgetlock",
	[P9_RGETLOCK] = "Rgetlock",
	[P9_TLINK] = "Tlink",
	[P9_RLINK] = "Rlink",
	[P9_TMKDIR] = "Tmkdir",
	[P9_RMKDIR] = "Rmkdir",
	[P9_TRENAMEAT] = "Trenameat",
	[P9_RRENAMEAT] = "Rrenameat",
	[P9_TUNLINKAT] = "Tunlinkat",
	[P9_RUNLINKAT] = "Runlinkat",
	[P9_TVERSION] = "Tversion",
	[P9_RVERSION] = "Rversion",
	[P9_TAUTH] = "Tauth",
	[P9_RAUTH] = "Rauth",
	[P9_TATTACH] = "Tattach",
	[P9_RATTACH] = "Rattach",
	[P9_TFLUSH] = "Tflush",
	[P9_RFLUSH] = "Rflush",
	[P9_TWALK] = "Twalk",
	[P9_RWALK] = "Rwalk",
	[P9_TREAD] = "Tread",
	[P9_RREAD] = "Rread",
	[P9_TWRITE] = "Twrite",
	[P9_RWRITE] = "Rwrite",
	[P9_TCLUNK] = "Tclunk",
	[P9_RCLUNK] = "Rclunk",
	[P9_TREMOVE] = "Tremove",
	[P9_RREMOVE] = "Rremove",
};

const char *p9_type_name(uint8_t type)
{
	return g_type_names[type];
}

void p9_tags_init(struct p9_tags *tags)
{
	memset(tags, 0, sizeof(*tags));
}

int p9_tags_get(struct p9_tags *tags, uint16_t *ret_tag)
{
	if (tags->count >= P9_NOTAG)
		return -EAGAIN;
	/* Round robin from the last tag handed out, so a tag is not reused right after its reply
	 * (a late Rflush race then cannot hit the next request). */
	for (uint32_t i = 0; i < P9_NOTAG; i++) {
		uint32_t t = (tags->next + i) % P9_NOTAG;
		uint64_t bit = 1ull << (t % 64);

		if (tags->used[t / 64] & bit)
			continue;
		tags->used[t / 64] |= bit;
		tags->count++;
		tags->next = (t + 1) % P9_NOTAG;
		*ret_tag = (uint16_t)t;
		return 0;
	}
	return -EAGAIN;
}

int p9_tags_put(struct p9_tags *tags, uint16_t tag)
{
	uint64_t bit = 1ull << (tag % 64);

	if (tag == P9_NOTAG || !(tags->used[tag / 64] & bit))
		return -ENOENT;
	tags->used[tag / 64] &= ~bit;
	tags->count--;
	return 0;
}
