/*
 * core/tty/ldisc.c: the line discipline between a pty's ends, after Linux's N_TTY
 * (drivers/tty/n_tty.c): input processing (ISTRIP, IGNCR, ICRNL, INLCR), signals (ISIG),
 * canonical line editing (VERASE, VWERASE, VKILL, VLNEXT, VEOF, VEOL, VEOL2), echo (ECHO, ECHOE,
 * ECHOK, ECHOKE, ECHONL, ECHOCTL) and output processing (OPOST with ONLCR and OCRNL).
 * Echoes go out through the output processing like the slave's own writes; one that finds the
 * output queue full is dropped.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "tty/tty_internal.h"

void ldisc_init(struct ktermios *tio)
{
	static const uint8_t cc[NCCS_K] = {
		[VINTR] = 003, [VQUIT] = 034, [VERASE] = 0177, [VKILL] = 025, [VEOF] = 004,
		[VTIME] = 0, [VMIN] = 1, [VSTART] = 021, [VSTOP] = 023, [VSUSP] = 032,
		[VREPRINT] = 022, [VDISCARD] = 017, [VWERASE] = 027, [VLNEXT] = 026,
	};
	*tio = (struct ktermios){
		.iflag = ICRNL | IXON,
		.oflag = OPOST | ONLCR,
		.cflag = B38400 | CS8 | CREAD,
		.lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
		.ispeed = 38400,
		.ospeed = 38400,
	};
	memcpy(tio->cc, cc, sizeof(cc));
}

/* A control character's slot matches @c, unless disabled (_POSIX_VDISABLE, 0). */
static int is_cc(const struct pty *p, int idx, unsigned char c)
{
	return p->tio.cc[idx] != 0 && p->tio.cc[idx] == c;
}

static int out_put(struct pty *p, unsigned char c)
{
	if (p->out_len == TTY_OUTQ)
		return 0;
	p->out[(p->out_head + p->out_len++) % TTY_OUTQ] = c;
	return 1;
}

int ldisc_output(struct pty *p, unsigned char c)
{
	uint32_t o = p->tio.oflag;
	if (!(o & OPOST))
		return out_put(p, c);
	if (c == '\n' && (o & ONLCR)) {
		if (TTY_OUTQ - p->out_len < 2)
			return 0;
		out_put(p, '\r');
		return out_put(p, '\n');
	}
	if (c == '\r' && (o & OCRNL))
		c = '\n';
	return out_put(p, c);
}

/* Echoes @c as typed: a control character as ^X under ECHOCTL (not tab or newline). */
static void echo_char(struct pty *p, unsigned char c)
{
	if ((p->tio.lflag & ECHOCTL) && iscntrl(c) && c != '\t' && c != '\n') {
		if (TTY_OUTQ - p->out_len >= 2) {
			out_put(p, '^');
			out_put(p, c ^ 0100);
		}
		return;
	}
	(void)ldisc_output(p, c);
}

static uint16_t *in_at(struct pty *p, size_t i)
{
	return &p->in[(p->in_head + i) % TTY_INQ];
}

static void in_put(struct pty *p, uint16_t v)
{
	*in_at(p, p->in_len++) = v;
	if (v & INQ_DELIM)
		p->canon_len = p->in_len;
}

/* How many columns the echo of @c took: 2 for ^X, else 1. */
static int echo_width(const struct pty *p, unsigned char c)
{
	return (p->tio.lflag & ECHOCTL) && iscntrl(c) && c != '\t' ? 2 : 1;
}

/* Removes the last character of the edit line, visually too under ECHO+ECHOE. Returns it, or
 * -1 when the line is empty. */
static int erase_one(struct pty *p)
{
	if (p->in_len == p->canon_len)
		return -1;
	unsigned char c = (unsigned char)*in_at(p, --p->in_len);
	if ((p->tio.lflag & (ECHO | ECHOE)) == (ECHO | ECHOE))
		for (int w = echo_width(p, c); w > 0; w--)
			for (const char *s = "\b \b"; *s; s++)
				(void)out_put(p, (unsigned char)*s);
	return c;
}

/* VERASE, VWERASE, VKILL (eraser in n_tty.c). */
static void erase(struct pty *p, int kind)
{
	uint32_t l = p->tio.lflag;
	if (p->in_len == p->canon_len)
		return;
	if (kind == VERASE && !(l & ECHOE) && (l & ECHO)) {
		p->in_len--;
		echo_char(p, p->tio.cc[VERASE]);
		return;
	}
	if (kind == VKILL && (!(l & ECHO) || !(l & ECHOK) || !(l & ECHOKE) || !(l & ECHOE))) {
		p->in_len = p->canon_len;
		if (l & ECHO) {
			echo_char(p, p->tio.cc[VKILL]);
			if (l & ECHOK)
				(void)ldisc_output(p, '\n');
		}
		return;
	}
	if (kind == VERASE) {
		erase_one(p);
		return;
	}
	if (kind == VKILL) {
		while (erase_one(p) >= 0)
			;
		return;
	}
	/* A word: the blanks before it, then its alphanumerics and underscores (or its run of
	 * other characters). */
	while (p->in_len > p->canon_len && isspace((unsigned char)*in_at(p, p->in_len - 1)))
		erase_one(p);
	if (p->in_len == p->canon_len)
		return;
	unsigned char last = (unsigned char)*in_at(p, p->in_len - 1);
	int word = isalnum(last) || last == '_';
	while (p->in_len > p->canon_len) {
		unsigned char c = (unsigned char)*in_at(p, p->in_len - 1);
		if (isspace(c) || (word != (isalnum(c) || c == '_')))
			break;
		erase_one(p);
	}
}

/* The signal character @c is for, under ISIG, or 0. */
static int sig_of(const struct pty *p, unsigned char c)
{
	if (!(p->tio.lflag & ISIG))
		return 0;
	if (is_cc(p, VINTR, c))
		return SIGINT;
	if (is_cc(p, VQUIT, c))
		return SIGQUIT;
	if (is_cc(p, VSUSP, c))
		return SIGTSTP;
	return 0;
}

void ldisc_flush_input(struct pty *p)
{
	p->in_head = p->in_len = p->canon_len = 0;
	p->lnext = 0;
	if (p->packet)
		p->pktstatus |= TIOCPKT_FLUSHREAD;
}

/* A canonical line with no room left: while complete lines wait for the reader, the writer
 * waits (0), as Linux throttles it; with none, the line can only be ended, and the character
 * goes (1). The last slot is kept for the line's end, as n_tty keeps it. */
static int full(const struct pty *p)
{
	return p->canon_len ? 0 : 1;
}

/* A canonical-mode character after the editing ones. Returns 1, or 0 without room. */
static int canon_char(struct pty *p, unsigned char c)
{
	uint32_t l = p->tio.lflag;
	int delim = c == '\n' || is_cc(p, VEOF, c) || is_cc(p, VEOL, c) ||
		    ((l & IEXTEN) && is_cc(p, VEOL2, c));
	if (p->in_len >= TTY_INQ - (delim ? 0 : 1))
		return full(p);
	if (is_cc(p, VEOF, c)) {
		in_put(p, INQ_DELIM | INQ_EOF | c);
		return 1;
	}
	if (c == '\n') {
		if (l & (ECHO | ECHONL))
			(void)ldisc_output(p, '\n');
	} else if (l & ECHO) {
		echo_char(p, c);
	}
	in_put(p, (uint16_t)(c | (delim ? INQ_DELIM : 0)));
	return 1;
}

int ldisc_receive(struct pty *p, unsigned char c, int *ret_sig)
{
	uint32_t i = p->tio.iflag, l = p->tio.lflag;
	*ret_sig = 0;
	if (i & ISTRIP)
		c &= 0x7f;
	if (p->lnext) {
		p->lnext = 0;
	} else {
		if (c == '\r') {
			if (i & IGNCR)
				return 1;
			if (i & ICRNL)
				c = '\n';
		} else if (c == '\n' && (i & INLCR)) {
			c = '\r';
		}
		int sig = sig_of(p, c);
		if (sig) {
			if (!(l & NOFLSH)) {
				ldisc_flush_input(p);
				p->out_len = 0;
				if (p->packet)
					p->pktstatus |= TIOCPKT_FLUSHWRITE;
			}
			if (l & ECHO)
				echo_char(p, c);
			*ret_sig = sig;
			return 1;
		}
		/* Flow control characters are taken and do nothing more here. */
		if ((i & IXON) && (is_cc(p, VSTOP, c) || is_cc(p, VSTART, c)))
			return 1;
		if (l & ICANON) {
			if (is_cc(p, VERASE, c) || is_cc(p, VKILL, c) ||
			    ((l & IEXTEN) && is_cc(p, VWERASE, c))) {
				erase(p, is_cc(p, VERASE, c) ? VERASE
					 : is_cc(p, VKILL, c) ? VKILL : VWERASE);
				return 1;
			}
			if ((l & IEXTEN) && is_cc(p, VLNEXT, c)) {
				p->lnext = 1;
				if ((l & (ECHO | ECHOCTL)) == (ECHO | ECHOCTL) &&
				    TTY_OUTQ - p->out_len >= 2) {
					out_put(p, '^');
					out_put(p, '\b');
				}
				return 1;
			}
			return canon_char(p, c);
		}
	}
	if (l & ICANON) {
		/* A character taken literally: never a line's end. */
		if (p->in_len >= TTY_INQ - 1)
			return full(p);
		if (l & ECHO)
			echo_char(p, c);
		in_put(p, c);
		return 1;
	}
	if (p->in_len == TTY_INQ)
		return 0;
	if (l & ECHO)
		echo_char(p, c);
	in_put(p, c);
	p->canon_len = p->in_len;
	return 1;
}

size_t ldisc_readable(const struct pty *p)
{
	return (p->tio.lflag & ICANON) ? p->canon_len : p->in_len;
}

size_t ldisc_read(struct pty *p, unsigned char *buf, size_t len)
{
	int canon = (p->tio.lflag & ICANON) != 0;
	size_t avail = canon ? p->canon_len : p->in_len, n = 0;
	while (avail && n < len) {
		uint16_t v = p->in[p->in_head];
		p->in_head = (p->in_head + 1) % TTY_INQ;
		p->in_len--;
		avail--;
		if (p->canon_len)
			p->canon_len--;
		if (canon && (v & INQ_EOF))
			break;
		buf[n++] = (unsigned char)v;
		if (canon && (v & INQ_DELIM))
			break;
	}
	if (!canon)
		p->canon_len = p->in_len;
	return n;
}

void ldisc_termios_changed(struct pty *p, const struct ktermios *old)
{
	int was = (old->lflag & ICANON) != 0, now = (p->tio.lflag & ICANON) != 0;
	if (was != now) {
		/* Whatever was typed becomes readable either way: raw reads take it all, and a
		 * canonical read returns it as a line already pushed, as n_tty does. */
		p->canon_len = p->in_len;
		p->lnext = 0;
	}
}
