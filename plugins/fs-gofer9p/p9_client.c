/*
 * p9_client.c: requests in flight on a 9P channel, leader/follower reading, fids. See
 * p9_client.h for the model.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "p9_client.h"

#define NTAGS 65536u

/* Writes all of @buf; the channel is a stream socket (or a pipe in tests). */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -ECONNRESET;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The reader's next whole frame in c->rbuf, reading as needed. Returns its size or -errno. */
static ssize_t read_frame(struct p9c *c)
{
	for (;;) {
		ssize_t fs = p9_frame_size(c->rbuf, c->rlen, c->msize);
		if (fs < 0)
			return -ECONNRESET;	/* a broken stream: nothing after it can be trusted */
		if (fs > 0 && c->rlen >= (size_t)fs)
			return fs;
		ssize_t n = read(c->fd, c->rbuf + c->rlen, c->msize - c->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -ECONNRESET;
		c->rlen += (size_t)n;
	}
}

/* Decodes @frame into @call as its reply. */
static void complete(struct p9c *c, struct p9c_call *call, const uint8_t *frame, size_t len)
{
	uint8_t *rx = call->rx ? call->rx : call->small;
	size_t cap = call->rx ? call->rx_cap : sizeof(call->small);

	call->done = 1;
	if (len > cap) {
		call->err = -EIO;
		return;
	}
	memcpy(rx, frame, len);
	if (p9_decode(rx, len, c->msize, &call->rep) < 0) {
		call->err = -EIO;
	} else if (call->rep.type == P9_RLERROR) {
		uint32_t e = call->rep.u.rlerror.ecode;
		call->err = e == 0 || e > 4095 ? -EIO : -(int)e;
	} else {
		call->err = call->rep.type == call->req.type + 1 ? 0 : -EIO;
	}
}

/* Reader role, entered and left with c->mu held: one frame to its call. */
static void read_one(struct p9c *c)
{
	c->reading = 1;
	pthread_mutex_unlock(&c->mu);
	ssize_t fs = read_frame(c);
	pthread_mutex_lock(&c->mu);
	if (fs < 0) {
		c->dead = (int)fs;
	} else {
		uint16_t tag = p9_frame_tag(c->rbuf);
		if (c->pending[tag]) {
			complete(c, c->pending[tag], c->rbuf, (size_t)fs);
			c->pending[tag] = NULL;
			(void)p9_tags_put(&c->tags, tag);
		} else if (c->posted[tag]) {
			c->posted[tag] = 0;
			(void)p9_tags_put(&c->tags, tag);
		}	/* else a stray tag: dropped */
		memmove(c->rbuf, c->rbuf + fs, c->rlen - (size_t)fs);
		c->rlen -= (size_t)fs;
	}
	c->reading = 0;
	pthread_cond_broadcast(&c->cv);
}

/* Tags for @n calls, entered in the pending table. Called with c->mu held. */
static int register_calls(struct p9c *c, struct p9c_call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint16_t tag;
		int r = p9_tags_get(&c->tags, &tag);
		if (r < 0) {
			while (i--) {
				c->pending[calls[i].req.tag] = NULL;
				(void)p9_tags_put(&c->tags, calls[i].req.tag);
			}
			return r;
		}
		calls[i].req.tag = tag;
		calls[i].done = 0;
		calls[i].err = 0;
		c->pending[tag] = &calls[i];
	}
	return 0;
}

/* Encodes @n calls into one buffer. */
static int encode_calls(struct p9c *c, struct p9c_call *calls, size_t n, uint8_t **ret,
			size_t *ret_len)
{
	size_t total = 0, sz, done = 0;

	for (size_t i = 0; i < n; i++) {
		if (p9_msg_size(&calls[i].req, &sz) < 0 || sz > c->msize)
			return -EINVAL;
		total += sz;
	}
	uint8_t *buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (p9_encode(buf + done, total - done, c->msize, &calls[i].req, &sz) < 0) {
			free(buf);
			return -EINVAL;
		}
		done += sz;
	}
	*ret = buf;
	*ret_len = total;
	return 0;
}

static int all_done(const struct p9c_call *calls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!calls[i].done)
			return 0;
	return 1;
}

/* Fails the calls of a batch that will get no reply. Called with c->mu held. */
static void abandon(struct p9c *c, struct p9c_call *calls, size_t n, int err)
{
	for (size_t i = 0; i < n; i++) {
		if (calls[i].done)
			continue;
		calls[i].done = 1;
		calls[i].err = err;
		/* The tag stays taken: a reply may still come and must not meet a new request. */
		c->pending[calls[i].req.tag] = NULL;
		c->posted[calls[i].req.tag] = 1;
	}
}

int p9c_run(struct p9c *c, struct p9c_call *calls, size_t n)
{
	uint8_t *buf;
	size_t len;
	int r;

	if (n == 0)
		return 0;
	pthread_mutex_lock(&c->mu);
	r = c->dead ? c->dead : register_calls(c, calls, n);
	pthread_mutex_unlock(&c->mu);
	if (r < 0)
		goto fail_early;
	if ((r = encode_calls(c, calls, n, &buf, &len)) < 0) {
		pthread_mutex_lock(&c->mu);
		for (size_t i = 0; i < n; i++) {
			c->pending[calls[i].req.tag] = NULL;
			(void)p9_tags_put(&c->tags, calls[i].req.tag);
		}
		pthread_mutex_unlock(&c->mu);
		goto fail_early;
	}
	/* Tags are in the table before the requests leave: no reply can beat its registration. */
	pthread_mutex_lock(&c->wmu);
	r = write_all(c->fd, buf, len);
	pthread_mutex_unlock(&c->wmu);
	free(buf);
	atomic_fetch_add_explicit(&c->roundtrips, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->messages, n, memory_order_relaxed);
	pthread_mutex_lock(&c->mu);
	if (r < 0 && !c->dead)
		c->dead = r;
	while (!all_done(calls, n)) {
		if (c->dead)
			abandon(c, calls, n, c->dead);
		else if (!c->reading)
			read_one(c);
		else
			pthread_cond_wait(&c->cv, &c->mu);
	}
	r = c->dead;
	pthread_mutex_unlock(&c->mu);
	return r;
fail_early:
	for (size_t i = 0; i < n; i++) {
		calls[i].done = 1;
		calls[i].err = r;
	}
	return r;
}

int p9c_rpc(struct p9c *c, struct p9c_call *call)
{
	(void)p9c_run(c, call, 1);
	return call->err;
}

void p9c_post(struct p9c *c, const struct p9_msg *msg)
{
	struct p9_msg m = *msg;
	uint8_t buf[64];
	size_t len;

	pthread_mutex_lock(&c->mu);
	if (c->dead || p9_tags_get(&c->tags, &m.tag) < 0) {
		pthread_mutex_unlock(&c->mu);
		return;
	}
	c->posted[m.tag] = 1;
	pthread_mutex_unlock(&c->mu);
	if (p9_encode(buf, sizeof(buf), c->msize, &m, &len) < 0)
		return;	/* only small fixed messages are posted */
	pthread_mutex_lock(&c->wmu);
	int r = write_all(c->fd, buf, len);
	pthread_mutex_unlock(&c->wmu);
	atomic_fetch_add_explicit(&c->messages, 1, memory_order_relaxed);
	if (r < 0) {
		pthread_mutex_lock(&c->mu);
		c->dead = r;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
}

void p9c_clunk(struct p9c *c, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TCLUNK, .u.tfid.fid = fid };

	if (fid == P9_NOFID)
		return;
	p9c_post(c, &m);
	p9c_fid_put(c, fid);
}

uint32_t p9c_fid_get(struct p9c *c)
{
	uint32_t fid;

	pthread_mutex_lock(&c->fmu);
	if (c->nfree)
		fid = c->free_fids[--c->nfree];
	else if (c->next_fid < P9_NOFID - 1)
		fid = c->next_fid++;
	else
		fid = P9_NOFID;
	pthread_mutex_unlock(&c->fmu);
	return fid;
}

void p9c_fid_put(struct p9c *c, uint32_t fid)
{
	if (fid == P9_NOFID)
		return;
	pthread_mutex_lock(&c->fmu);
	if (c->nfree == c->free_cap) {
		size_t cap = c->free_cap ? 2 * c->free_cap : 64;
		uint32_t *f = realloc(c->free_fids, cap * sizeof(*f));
		if (!f) {
			pthread_mutex_unlock(&c->fmu);
			return;	/* the number is lost, not reused: harmless */
		}
		c->free_fids = f;
		c->free_cap = cap;
	}
	c->free_fids[c->nfree++] = fid;
	pthread_mutex_unlock(&c->fmu);
}

/* Tversion before anything else is in flight: written and read directly. */
static int negotiate(struct p9c *c, uint32_t msize)
{
	struct p9_msg m = { .type = P9_TVERSION, .tag = P9_NOTAG,
			    .u.version = { .msize = msize, .version = p9_str_of(P9_VERSION_L) } };
	uint8_t buf[64];
	size_t len;
	int r = p9_encode(buf, sizeof(buf), msize, &m, &len);

	if (r < 0 || (r = write_all(c->fd, buf, len)) < 0)
		return r < 0 ? r : -EIO;
	c->msize = msize;
	ssize_t fs = read_frame(c);
	if (fs < 0)
		return (int)fs;
	r = p9_decode(c->rbuf, (size_t)fs, msize, &m);
	c->rlen -= (size_t)fs;
	memmove(c->rbuf, c->rbuf + fs, c->rlen);
	if (r < 0 || m.type != P9_RVERSION)
		return -EPROTONOSUPPORT;
	if (!p9_str_eq(&m.u.version.version, P9_VERSION_L))
		return -EPROTONOSUPPORT;
	if (m.u.version.msize < P9_MSIZE_MIN || m.u.version.msize > msize)
		return -EMSGSIZE;
	c->msize = m.u.version.msize;
	return 0;
}

int p9c_open(int fd, uint32_t msize, struct p9c **ret)
{
	struct p9c *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->fd = fd;
	c->next_fid = 1;	/* fid 0 is the attach fid of the mount */
	c->pending = calloc(NTAGS, sizeof(*c->pending));
	c->posted = calloc(NTAGS, 1);
	c->rbuf = malloc(msize);
	int r = c->pending && c->posted && c->rbuf ? negotiate(c, msize) : -ENOMEM;
	if (r < 0) {
		free(c->pending);
		free(c->posted);
		free(c->rbuf);
		free(c);
		return r;
	}
	p9_tags_init(&c->tags);
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->wmu, NULL);
	pthread_mutex_init(&c->fmu, NULL);
	pthread_cond_init(&c->cv, NULL);
	*ret = c;
	return 0;
}

void p9c_close(struct p9c *c)
{
	if (!c)
		return;
	(void)close(c->fd);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->wmu);
	pthread_mutex_destroy(&c->fmu);
	pthread_cond_destroy(&c->cv);
	free(c->pending);
	free(c->posted);
	free(c->rbuf);
	free(c->free_fids);
	free(c);
}
