/*
 * p9_client.h: the Sentry's end of a 9P2000.L channel: requests in flight by tag, batches, fids.
 *
 * Pipelining. Any number of threads may have requests outstanding on one channel. A caller
 * registers its requests under their tags, writes them (one write per batch), then waits; the
 * waiters take turns reading (leader/follower: whichever waiter finds nobody reading becomes the
 * reader, hands each reply to the call with its tag and wakes the others). No thread of its own,
 * so a lone caller reads its reply itself, with no wakeup in between.
 *
 * A batch is a list of requests sent in one write and waited for together: one round trip. The
 * Gofer answers a channel's requests in order, so a later request of a batch may use a fid an
 * earlier one makes (Twalk to a new fid, then Tgetattr of it); when the earlier one fails, the
 * later one fails too (an unknown fid), and the caller reads the first error.
 *
 * Locks: c->mu (tags, the pending table, the reader role), c->wmu (writes), c->fmu (fids); none
 * is held while the caller runs. Errors are negative errnos: a request's own from Rlerror, -EIO
 * for a reply that does not match its request, -ECONNRESET once the channel is broken (then for
 * every later request too).
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "p9_wire.h"

/* Room for every reply but Rread, Rreaddir and Rreadlink, which bring their own buffer. */
#define P9C_SMALL_REPLY 256u

/* One request and its reply. The caller fills req (its tag is set by the channel) and, for
 * large replies, rx/rx_cap; after p9c_run, err is 0 and rep the decoded reply (pointing into
 * rx or small), or err is the request's -errno. */
struct p9c_call {
	struct p9_msg req;
	uint8_t *rx;			/* reply buffer, or NULL for small[] */
	size_t rx_cap;
	struct p9_msg rep;
	int err;
	/* Channel's own. */
	int done;
	uint8_t small[P9C_SMALL_REPLY];
};

struct p9c {
	int fd;				/* owned: closed by p9c_close */
	uint32_t msize;			/* negotiated */
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a reply arrived or the reader role is free */
	pthread_mutex_t wmu;
	struct p9_tags tags;
	struct p9c_call **pending;	/* by tag; NULL: free, or a fire-and-forget request */
	uint8_t *posted;		/* by tag: a fire-and-forget request is in flight */
	int reading;			/* a waiter holds the reader role */
	int dead;			/* -errno once the channel broke, else 0 */
	uint8_t *rbuf;			/* reader's input: msize bytes */
	size_t rlen;
	pthread_mutex_t fmu;
	uint32_t next_fid;
	uint32_t *free_fids;
	size_t nfree, free_cap;
	atomic_ullong roundtrips;	/* batches waited for */
	atomic_ullong messages;		/* requests sent */
};

/* Negotiates 9P2000.L with at most @msize on stream @fd and returns the channel, which takes
 * @fd on success. Returns 0, -EPROTONOSUPPORT (the server refused 9P2000.L), -EMSGSIZE (its
 * msize is below P9_MSIZE_MIN), -ENOMEM, -ECONNRESET. */
int p9c_open(int fd, uint32_t msize, struct p9c **ret);
/* Closes the fd (the Gofer sees the end of the session and clunks everything) and frees. */
void p9c_close(struct p9c *c);

/* Sends @n requests in one write and waits for all their replies. Returns 0 when every reply
 * arrived (each call's err says how it went), or the channel's -errno (every call's err is set
 * to it). */
int p9c_run(struct p9c *c, struct p9c_call *calls, size_t n);
/* One request, one round trip: returns its err. */
int p9c_rpc(struct p9c *c, struct p9c_call *call);
/* Sends @msg without waiting (Tclunk of a fid nobody needs); its reply is dropped when read. */
void p9c_post(struct p9c *c, const struct p9_msg *msg);
/* Tclunk of @fid, posted, and @fid back to the free list. */
void p9c_clunk(struct p9c *c, uint32_t fid);

/* A fid number not in use, or P9_NOFID when out of memory. */
uint32_t p9c_fid_get(struct p9c *c);
/* @fid is unused again (the server never made it, or it was clunked). */
void p9c_fid_put(struct p9c *c, uint32_t fid);

/* Largest data count of one Tread/Twrite. */
static inline uint32_t p9c_iounit(const struct p9c *c)
{
	return c->msize - P9_IOHDRSZ;
}
