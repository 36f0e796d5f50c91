/*
 * p9fs_data.c: fs-gofer9p's open files: the page cache of regular files in the Sentry's memory
 * file (reads fill it a window of up to 1 MiB per round trip and are then served from it; mmap
 * maps its pages), write-through writes, and directory listings.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/platform.h"

#include "p9fs.h"

#define PG_MASK ((uint64_t)P9FS_PAGE - 1)

void *p9fs_buf_get(struct p9fs_fs *fs)
{
	void *b = NULL;

	pthread_mutex_lock(&fs->buf_mu);
	if (fs->nbufs)
		b = fs->bufs[--fs->nbufs];
	pthread_mutex_unlock(&fs->buf_mu);
	return b ? b : malloc(fs->ch->msize);
}

void p9fs_buf_put(struct p9fs_fs *fs, void *buf)
{
	pthread_mutex_lock(&fs->buf_mu);
	if (fs->nbufs < (int)(sizeof(fs->bufs) / sizeof(fs->bufs[0]))) {
		fs->bufs[fs->nbufs++] = buf;
		buf = NULL;
	}
	pthread_mutex_unlock(&fs->buf_mu);
	free(buf);
}

/* The slot of page @idx; with @alloc the tables on the way are made. NULL past P9FS_MAX_PAGE
 * or when out of memory. Under in->io. */
static uint64_t *slot(struct p9fs_inode *in, uint64_t idx, int alloc)
{
	size_t c = idx / P9FS_CHUNK;

	if (idx >= P9FS_MAX_PAGE)
		return NULL;
	if (c >= in->nchunks) {
		if (!alloc)
			return NULL;
		size_t n = in->nchunks ? in->nchunks : 4;
		while (n <= c)
			n *= 2;
		uint64_t **p = realloc(in->pages, n * sizeof(*p));
		if (!p)
			return NULL;
		memset(p + in->nchunks, 0, (n - in->nchunks) * sizeof(*p));
		in->pages = p;
		in->nchunks = n;
	}
	if (!in->pages[c] && (!alloc || !(in->pages[c] = calloc(P9FS_CHUNK, sizeof(uint64_t)))))
		return NULL;
	return &in->pages[c][idx % P9FS_CHUNK];
}

static void *page_ptr(struct p9fs_fs *fs, uint64_t s)
{
	return fs->svc->mf_ptr(s & ~PG_MASK);
}

/* Tread of @count bytes at @off on the handle into @buf (a p9fs_buf). Returns the reply's data
 * (in @buf) and its length, or -errno. */
static int64_t tread(struct p9fs_fs *fs, struct p9fs_inode *in, uint64_t off, uint32_t count,
		     void *buf, const uint8_t **ret_data)
{
	struct p9c_call c = { .req.type = P9_TREAD, .rx = buf, .rx_cap = fs->ch->msize };

	c.req.u.tread = (struct p9_tread){ .fid = in->hfid, .offset = off, .count = count };
	int r = p9c_rpc(fs->ch, &c);
	if (r < 0)
		return r;
	/* The Gofer is not trusted to stay within what was asked: callers copy this many. */
	if (c.rep.u.rdata.count > count)
		return -EIO;
	*ret_data = c.rep.u.rdata.data;
	return c.rep.u.rdata.count;
}

/* Fills the pages from @idx on, up to 1 MiB, the end of the file or the next cached page, in
 * one round trip. Under in->io. */
static int fill(struct p9fs_fs *fs, struct p9fs_inode *in, uint64_t idx)
{
	uint64_t last = (in->st.size + PG_MASK) / P9FS_PAGE, n = 0, mf;
	uint64_t max = p9c_iounit(fs->ch) / P9FS_PAGE;

	while (n < max && idx + n < last && idx + n < P9FS_MAX_PAGE) {
		uint64_t *s = slot(in, idx + n, 1);
		if (!s)
			return -ENOMEM;
		if (*s & P9FS_PG_SET)
			break;
		n++;
	}
	if (n == 0)
		n = 1;	/* mmap of the page holding the end */
	void *buf = p9fs_buf_get(fs);
	if (!buf)
		return -ENOMEM;
	int r = fs->svc->mf_alloc(n * P9FS_PAGE, &mf);
	const uint8_t *data;
	int64_t got = r < 0 ? r : tread(fs, in, idx * P9FS_PAGE, (uint32_t)(n * P9FS_PAGE), buf,
				       &data);
	if (got < 0) {
		if (r == 0)
			fs->svc->mf_free(mf, n * P9FS_PAGE);
		p9fs_buf_put(fs, buf);
		return (int)got;
	}
	/* Past what the server had, the pages stay zero, as after a truncation. */
	memcpy(fs->svc->mf_ptr(mf), data, (size_t)got);
	p9fs_buf_put(fs, buf);
	for (uint64_t i = 0; i < n; i++)
		*slot(in, idx + i, 0) = (mf + i * P9FS_PAGE) | P9FS_PG_SET;
	in->npages += n;
	return 0;
}

/* Pages past P9FS_MAX_PAGE: read through, uncached. */
static int64_t read_direct(struct p9fs_fs *fs, struct p9fs_inode *in, uint8_t *dst, size_t len,
			   uint64_t off)
{
	void *buf = p9fs_buf_get(fs);
	const uint8_t *data;

	if (!buf)
		return -ENOMEM;
	uint32_t count = len < p9c_iounit(fs->ch) ? (uint32_t)len : p9c_iounit(fs->ch);
	int64_t n = tread(fs, in, off, count, buf, &data);
	if (n > 0)
		memcpy(dst, data, (size_t)n);
	p9fs_buf_put(fs, buf);
	return n;
}

static struct p9fs_inode *file_inode(struct sentry_file *file)
{
	return p9fs_d(file->dentry)->inode;
}

/* Copies from the file at *@off into one buffer; returns bytes or -errno. Under in->io. */
static int64_t read_span(struct p9fs_fs *fs, struct p9fs_inode *in, uint8_t *dst, size_t len,
			 int64_t *off)
{
	size_t done = 0;

	while (done < len && (uint64_t)*off < in->st.size) {
		uint64_t idx = (uint64_t)*off / P9FS_PAGE, po = (uint64_t)*off & PG_MASK;
		size_t n = P9FS_PAGE - po;
		if (n > len - done)
			n = len - done;
		if (n > in->st.size - (uint64_t)*off)
			n = in->st.size - (uint64_t)*off;
		uint64_t *s = slot(in, idx, 1);
		int64_t r = 0;
		if (!s)
			r = idx >= P9FS_MAX_PAGE ? read_direct(fs, in, dst + done, n, (uint64_t)*off)
						 : -ENOMEM;
		else if (!(*s & P9FS_PG_SET))
			r = fill(fs, in, idx);
		if (r < 0)
			return done ? (int64_t)done : r;
		if (s)
			memcpy(dst + done, (char *)page_ptr(fs, *s) + po, n);
		else if (r == 0)
			break;
		else
			n = (size_t)r;
		done += n;
		*off += (int64_t)n;
	}
	return (int64_t)done;
}

static int64_t reg_read(struct sentry_file *file, struct sentry_task *task,
			const struct sentry_iov *iov, size_t count, int64_t *off)
{
	struct p9fs_fs *fs = ((struct p9fs_file *)file)->fs;
	struct p9fs_inode *in = file_inode(file);
	int64_t total = 0;

	pthread_mutex_lock(&in->io);
	for (size_t i = 0; i < count; i++) {
		int64_t n = read_span(fs, in, iov[i].base, iov[i].len, off);
		if (n < 0) {
			if (!total)
				total = n;
			break;
		}
		total += n;
		if ((size_t)n < iov[i].len)
			break;
	}
	pthread_mutex_unlock(&in->io);
	return total;
}

/* Cached pages overlapping a write of @len bytes at @off take the new bytes. Under in->io. */
static void cache_write(struct p9fs_fs *fs, struct p9fs_inode *in, const uint8_t *src,
			size_t len, uint64_t off)
{
	while (len) {
		uint64_t po = off & PG_MASK, *s = slot(in, off / P9FS_PAGE, 0);
		size_t n = P9FS_PAGE - po < len ? P9FS_PAGE - po : len;
		if (s && (*s & P9FS_PG_SET))
			memcpy((char *)page_ptr(fs, *s) + po, src, n);
		src += n;
		off += n;
		len -= n;
	}
}

/* Up to 16 Twrites of one iounit each in one round trip; returns bytes written or -errno. */
static int64_t write_batch(struct p9fs_fs *fs, struct p9fs_inode *in, const struct sentry_iov *iov,
			   size_t count, size_t *iv, size_t *ioff, uint64_t off)
{
	struct p9c_call c[16];
	size_t n = 0;
	int64_t done = 0;

	while (n < 16 && *iv < count) {
		size_t left = iov[*iv].len - *ioff;
		if (!left) {
			(*iv)++;
			*ioff = 0;
			continue;
		}
		uint32_t k = left < p9c_iounit(fs->ch) ? (uint32_t)left : p9c_iounit(fs->ch);
		memset(&c[n], 0, sizeof(c[n]));
		c[n].req.type = P9_TWRITE;
		c[n].req.u.twrite = (struct p9_twrite){ .fid = in->hfid, .offset = off + done,
							.count = k,
							.data = (uint8_t *)iov[*iv].base + *ioff };
		n++;
		*ioff += k;
		done += k;
	}
	int r = p9c_run(fs->ch, c, n);
	done = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (c[i].err) {
			r = c[i].err;
			break;
		}
		uint32_t got = c[i].rep.u.rcount.count;
		cache_write(fs, in, c[i].req.u.twrite.data, got, c[i].req.u.twrite.offset);
		done += got;
		if (got < c[i].req.u.twrite.count)
			break;	/* short: ENOSPC or EFBIG comes with the next try */
	}
	return done ? done : r;
}

static void touch(struct p9fs_fs *fs, struct p9fs_inode *in)
{
	int64_t now = fs->svc->now_ns(SENTRY_CLOCK_REALTIME);

	in->st.mtime = in->st.ctime =
		(struct sentry_timespec){ now / 1000000000, now % 1000000000 };
}

static int64_t reg_write(struct sentry_file *file, struct sentry_task *task,
			 const struct sentry_iov *iov, size_t count, int64_t *off)
{
	struct p9fs_fs *fs = ((struct p9fs_file *)file)->fs;
	struct p9fs_inode *in = file_inode(file);
	size_t want = 0, iv = 0, ioff = 0;
	int64_t total = 0;

	for (size_t i = 0; i < count; i++)
		want += iov[i].len;
	pthread_mutex_lock(&in->io);
	if (file->flags & O_APPEND)
		*off = (int64_t)in->st.size;	/* under in->io: appends do not interleave */
	while ((size_t)total < want) {
		int64_t n = write_batch(fs, in, iov, count, &iv, &ioff, (uint64_t)*off);
		if (n <= 0) {
			if (!total)
				total = n;
			break;
		}
		total += n;
		*off += n;
		if ((uint64_t)*off > in->st.size)
			in->st.size = (uint64_t)*off;
	}
	if (total > 0) {
		touch(fs, in);
		in->st.blocks = (in->st.size + 511) / 512;
	}
	pthread_mutex_unlock(&in->io);
	return total;
}

static int reg_translate(struct sentry_file *file, int64_t off, uint32_t access,
			 uint64_t *ret_mf_off, uint64_t *ret_len)
{
	struct p9fs_fs *fs = ((struct p9fs_file *)file)->fs;
	struct p9fs_inode *in = file_inode(file);
	int r = 0;

	pthread_mutex_lock(&in->io);
	uint64_t idx = (uint64_t)off / P9FS_PAGE, *s = NULL;
	if (off < 0 || (uint64_t)off >= ((in->st.size + PG_MASK) & ~PG_MASK))
		r = -EFAULT;	/* past the end: SIGBUS */
	else if (!(s = slot(in, idx, 1)))
		r = -ENOMEM;
	else if (!(*s & P9FS_PG_SET))
		r = fill(fs, in, idx);
	if (r == 0) {
		if (access & SENTRY_ACCESS_WRITE) {
			*s |= P9FS_PG_DIRTY;
			in->dirty = 1;
		}
		*ret_mf_off = *s & ~PG_MASK;
		*ret_len = P9FS_PAGE;
	}
	pthread_mutex_unlock(&in->io);
	return r;
}

/* Writes pages dirtied through mmap back, clamped to the size. Under in->io. */
static int writeback(struct p9fs_fs *fs, struct p9fs_inode *in, uint32_t fid)
{
	int r = 0;

	if (!in->dirty)
		return 0;
	if ((r = p9fs_handle(fs, in, fid, 1)) < 0)
		return r;
	for (uint64_t idx = 0; idx * P9FS_PAGE < in->st.size && r == 0; idx++) {
		uint64_t *s = slot(in, idx, 0);
		if (!s || !(*s & P9FS_PG_DIRTY))
			continue;
		uint64_t len = in->st.size - idx * P9FS_PAGE;
		struct p9c_call c = { .req.type = P9_TWRITE };
		c.req.u.twrite = (struct p9_twrite){ .fid = in->hfid, .offset = idx * P9FS_PAGE,
						     .count = len < P9FS_PAGE ? (uint32_t)len
									      : P9FS_PAGE,
						     .data = page_ptr(fs, *s) };
		if ((r = p9c_rpc(fs->ch, &c)) == 0)
			*s &= ~P9FS_PG_DIRTY;
	}
	if (r == 0)
		in->dirty = 0;
	return r;
}

static int reg_fsync(struct sentry_file *file, int datasync)
{
	struct p9fs_fs *fs = ((struct p9fs_file *)file)->fs;
	struct p9fs_inode *in = file_inode(file);

	pthread_mutex_lock(&in->io);
	int r = writeback(fs, in, p9fs_d(file->dentry)->fid);
	if (r == 0 && in->hfid != P9_NOFID) {
		struct p9c_call c = { .req.type = P9_TFSYNC };
		c.req.u.tfsync = (struct p9_tfsync){ .fid = in->hfid, .datasync = datasync != 0 };
		r = p9c_rpc(fs->ch, &c);
	}
	pthread_mutex_unlock(&in->io);
	return r;
}

static int64_t p9fs_ioctl(struct sentry_file *file, struct sentry_task *task, uint32_t cmd,
			  uint64_t arg)
{
	struct p9c *ch = ((struct p9fs_file *)file)->fs->ch;

	if (cmd == P9FS_IOC_ROUNDTRIPS)
		return (int64_t)atomic_load(&ch->roundtrips);
	if (cmd == P9FS_IOC_MESSAGES)
		return (int64_t)atomic_load(&ch->messages);
	return -ENOTTY;
}

static void free_ents(struct p9fs_file *f)
{
	for (size_t i = 0; i < f->nents; i++)
		free(f->ents[i].name);
	free(f->ents);
	f->ents = NULL;
	f->nents = 0;
	f->have_ents = 0;
}

static void file_release(struct sentry_file *file)
{
	struct p9fs_file *f = (struct p9fs_file *)file;
	struct p9fs_inode *in = file_inode(file);

	if (S_ISREG(in->st.mode)) {
		pthread_mutex_lock(&in->io);
		(void)writeback(f->fs, in, f->own->fid);
		pthread_mutex_unlock(&in->io);
	}
	free_ents(f);
	p9fs_dentry_put((struct sentry_fs *)f->fs, &f->own->base);
	free(f);
}

/* Appends the entries of one Rreaddir to the snapshot; *last is the offset to resume from. */
static int add_ents(struct p9fs_file *f, const struct p9_rdata *rd, uint64_t *last)
{
	struct p9_dirent_iter it;
	struct p9_dirent de;

	p9_dirent_iter_init(&it, rd);
	while (p9_dirent_next(&it, &de) > 0) {
		*last = de.offset;
		/* Names reach the application's getdents: one component, as a filesystem's are
		 * ("." and ".." are the core's to emit). */
		if (de.name.len == 0 || memchr(de.name.s, '/', de.name.len) ||
		    memchr(de.name.s, '\0', de.name.len) ||
		    (de.name.len <= 2 && de.name.s[0] == '.' &&
		     (de.name.len == 1 || de.name.s[1] == '.')))
			continue;
		/* Capacity doubles: big directories must not cost a copy per entry. */
		if (f->nents == 0 || (f->nents >= 16 && (f->nents & (f->nents - 1)) == 0)) {
			size_t cap = f->nents ? f->nents * 2 : 16;
			struct p9fs_dirent *n = realloc(f->ents, cap * sizeof(*n));
			if (!n)
				return -ENOMEM;
			f->ents = n;
		}
		char *name = malloc((size_t)de.name.len + 1);
		if (!name)
			return -ENOMEM;
		(void)p9_str_copy(&de.name, name, (size_t)de.name.len + 1);
		f->ents[f->nents++] = (struct p9fs_dirent){ .ino = de.qid.path, .type = de.type,
							    .len = de.name.len, .name = name };
	}
	return 0;
}

/* Reads the whole listing on a fresh fid opened for it: the first round trip walks, opens and
 * reads; later ones (big directories) read on. */
static int load_ents(struct p9fs_file *f)
{
	struct p9fs_fs *fs = f->fs;
	uint32_t nf = p9c_fid_get(fs->ch);
	void *buf = p9fs_buf_get(fs);
	struct p9c_call c[3];
	uint64_t last = 0;
	int r = nf == P9_NOFID || !buf ? -ENOMEM : 0;

	free_ents(f);
	p9fs_req_walk(&c[0], f->own->fid, nf, NULL, 0);
	memset(&c[1], 0, 2 * sizeof(c[1]));
	c[1].req.type = P9_TLOPEN;
	c[1].req.u.tlopen = (struct p9_tlopen){ .fid = nf, .flags = O_RDONLY | O_DIRECTORY };
	for (int first = 1; r == 0; first = 0) {
		struct p9c_call *rd = &c[2];
		rd->req.type = P9_TREADDIR;
		rd->req.u.tread = (struct p9_tread){ .fid = nf, .offset = last,
						     .count = p9c_iounit(fs->ch) };
		rd->rx = buf;
		rd->rx_cap = fs->ch->msize;
		r = first ? p9c_run(fs->ch, c, 3) : p9c_rpc(fs->ch, rd);
		if (r == 0 && first)
			r = c[0].err ? c[0].err : c[1].err ? c[1].err : rd->err;
		else if (r == 0)
			r = rd->err;
		if (r < 0 || rd->rep.u.rdata.count == 0)
			break;
		uint64_t prev = last;
		r = add_ents(f, &rd->rep.u.rdata, &last);
		/* A server that does not move forward would keep the Sentry here forever. */
		if (r == 0 && !first && last == prev)
			r = -EIO;
	}
	if (nf != P9_NOFID) {
		if (c[0].done && c[0].err == 0)
			p9c_clunk(fs->ch, nf);
		else
			p9c_fid_put(fs->ch, nf);
	}
	if (buf)
		p9fs_buf_put(fs, buf);
	f->have_ents = r == 0;
	return r;
}

static int emit(struct sentry_dir_emitter *e, uint64_t ino, int64_t next, uint8_t type,
		const char *name, size_t len)
{
	struct sentry_dirent de = { .ino = ino, .next_off = next, .type = type,
				    .name_len = (uint16_t)len, .name = name };
	return e->emit(e, &de);
}

/* Offsets: 0 ".", 1 "..", 2 + i the i-th entry of the snapshot; a rewind to 0 rereads it. */
static int dir_iterate(struct sentry_file *file, struct sentry_dir_emitter *e, int64_t *off)
{
	struct p9fs_file *f = (struct p9fs_file *)file;
	struct p9fs_dentry *d = f->own;
	int r = 0;

	if (d->base.flags & SENTRY_DENTRY_DEAD)
		return -ENOENT;	/* a removed directory lists nothing (fs/readdir.c) */
	if ((*off == 0 || !f->have_ents) && (r = load_ents(f)) < 0)
		return r;
	pthread_mutex_lock(&f->fs->mu);
	uint64_t self = d->inode->st.ino, up = d->parent->inode->st.ino;
	pthread_mutex_unlock(&f->fs->mu);
	if (*off == 0 && (r = emit(e, self, 1, DT_DIR, ".", 1)) == 0)
		*off = 1;
	if (r == 0 && *off == 1 && (r = emit(e, up, 2, DT_DIR, "..", 2)) == 0)
		*off = 2;
	while (r == 0 && *off >= 2 && (size_t)(*off - 2) < f->nents) {
		const struct p9fs_dirent *de = &f->ents[*off - 2];
		if ((r = emit(e, de->ino, *off + 1, de->type, de->name, de->len)) == 0)
			(*off)++;
	}
	return r > 0 ? 1 : 0;
}

static int64_t dir_rw(struct sentry_file *file, struct sentry_task *task,
		      const struct sentry_iov *iov, size_t count, int64_t *off)
{
	return -EISDIR;
}

const struct sentry_file_ops p9fs_reg_ops = {
	.read	   = reg_read,
	.write	   = reg_write,
	.translate = reg_translate,
	.fsync	   = reg_fsync,
	.ioctl	   = p9fs_ioctl,
	.release   = file_release,
};

const struct sentry_file_ops p9fs_dir_ops = {
	.read	 = dir_rw,
	.write	 = dir_rw,
	.iterate = dir_iterate,
	.ioctl	 = p9fs_ioctl,
	.release = file_release,
};
