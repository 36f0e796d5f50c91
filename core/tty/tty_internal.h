/*
 * core/tty/tty_internal.h: what the pty files (pty.c), the line discipline (ldisc.c), the
 * terminal ioctls (tty_ioctl.c) and devpts (devpts.c) share.
 *
 * One struct pty is a master and its slave. Everything in it is under its lock; the table of
 * ptys under g_pty_lock (taken before a pty's lock, never after). Nothing is held while a
 * signal is sent or a task sleeps: the kernel's lock comes after these.
 */
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "tty/tty.h"

struct kernel;
struct task;

#define PTY_MAX 1024		/* ptys at once (Linux's kernel.pty.max default is 4096) */
#define TTY_INQ 4096		/* N_TTY_BUF_SIZE: the input queue, the canonical line limit */
#define TTY_OUTQ 8192		/* slave output waiting for the master's reader */
#define NCCS_K 19		/* the kernel's control characters */

/* The kernel's struct termios2 (asm/termbits.h): struct termios plus the two speeds. */
struct ktermios {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[NCCS_K];
	uint32_t ispeed, ospeed;
};
#define KTERMIOS_SIZE 36	/* TCGETS's struct termios: without the speeds */
#define KTERMIOS2_SIZE 44

struct kwinsize {
	uint16_t row, col, xpixel, ypixel;
};

/* Input queue entries: the character, and flags that canonical reads look at. */
#define INQ_DELIM 0x100		/* ends a line: newline, EOL, EOL2 or EOF */
#define INQ_EOF 0x200		/* the EOF character itself: ends a line, never delivered */

/* What a slave's devpts node shows: first the ptmx opener's fsuid and fsgid, 0600, the time of
 * the open; chmod, chown and utimensat change it (devpts keeps them while the node lives). */
struct pty_node_attr {
	uint32_t uid, gid, mode;
	struct sentry_timespec atime, mtime, ctime;
};

struct pty {
	pthread_mutex_t lock;
	int index;			/* /dev/pts/N */
	int masters, slaves;		/* open descriptions of each end */
	int slave_opened;		/* a slave was opened once: its last close ends the master */
	int locked;			/* TIOCSPTLCK: the slave cannot be opened */
	int packet;			/* TIOCPKT on the master */
	uint8_t pktstatus;		/* TIOCPKT_* events the packet-mode master has to read */
	int excl[2];			/* TIOCEXCL on the slave [0], the master [1] */
	struct pty_node_attr node;	/* the slave's devpts node */
	struct ktermios tio;
	struct kwinsize ws;
	int session;			/* the session it is controlling terminal of, 0: none */
	int pgrp;			/* the foreground process group, 0: none */
	struct kernel *k;		/* the sandbox's, for signals to the groups */
	/* Master to slave, after input processing: @in_len entries from @in_head; the first
	 * @canon_len of them are complete lines (canonical mode), the rest the line edited. */
	uint16_t in[TTY_INQ];
	size_t in_head, in_len, canon_len;
	int lnext;			/* the previous character was VLNEXT: take the next as is */
	/* Slave to master, after output processing (and echoes). */
	unsigned char out[TTY_OUTQ];
	size_t out_head, out_len;
	struct sentry_waitq *wq;	/* every change of either queue or of the state */
};

/* The table (pty.c). g_pty_lock guards g_ptys and each pty's presence in it. */
extern pthread_mutex_t g_pty_lock;
extern struct pty *g_ptys[PTY_MAX];

/* A pty listed in devpts: its master is open. Fills its node's attributes; 0 or -ENOENT. */
int pty_node(int index, struct pty_node_attr *ret);
/* Applies @ss (permissions checked by the core) to that node: 0, -ENOENT, -EINVAL (a size). */
int pty_node_setstat(int index, const struct sentry_setstat *ss);
/* The first listed index at or above @from, or -1. */
int pty_next(int from);

/* --- the line discipline (ldisc.c), p->lock held --- */

/* The default termios of a new pty (Linux's tty_std_termios, with the pts driver's cflag). */
void ldisc_init(struct ktermios *tio);
/* Takes one character the master wrote. Returns 1 (taken, maybe dropped as Linux drops past
 * a full line), 0 (no room: the writer waits). A signal for the foreground group goes to
 * *ret_sig (0: none). */
int ldisc_receive(struct pty *p, unsigned char c, int *ret_sig);
/* Queues one character the slave wrote, with output processing. Returns 1, or 0 for no room. */
int ldisc_output(struct pty *p, unsigned char c);
/* Bytes a slave read may take now (canonical: complete lines; raw: all). */
size_t ldisc_readable(const struct pty *p);
/* A slave read of up to @len bytes of what is readable into @buf; canonical mode stops after a
 * line. Returns the bytes (0 for an EOF line). */
size_t ldisc_read(struct pty *p, unsigned char *buf, size_t len);
/* After TCSETS: the edit line becomes readable when ICANON goes. */
void ldisc_termios_changed(struct pty *p, const struct ktermios *old);
/* The slave's input flush (TCFLSH, TCSETSF, a signal character), told to a packet-mode
 * master as TIOCPKT_FLUSHREAD. */
void ldisc_flush_input(struct pty *p);

/* --- ioctls (tty_ioctl.c) --- */

/* ioctl(2) on either end (@master): terminal requests act on the one termios, window and
 * groups, with Linux's checks where the slave is asked. */
int64_t tty_ioctl(struct pty *p, int master, struct task *t, uint32_t fflags, uint32_t cmd,
		  uint64_t arg);
/* The pty the session @sid has as controlling terminal, with a reference taken on its slave
 * count by the caller when needed; NULL: none. g_pty_lock held. */
struct pty *tty_of_session_locked(int sid);
/* Whether @t has CAP_SYS_ADMIN (TIOCSCTTY's steal, an exclusive terminal's reopen). */
int tty_capable_admin(const struct task *t);
/* tty_open's controlling-terminal step for a slave opened without O_NOCTTY by @t. */
void tty_maybe_acquire(struct pty *p, struct task *t);
/* The background-process check of a read (SIGTTIN) or a write with TOSTOP (SIGTTOU) on the
 * slave: 0 to go on, -EIO, or -EINTR after stopping the caller's group (the call restarts). */
int tty_check_job(struct pty *p, struct task *t, int write);
/* Opens the slave of @p (TIOCGPTPEER and /dev/tty): a sentry_file for it. */
int pty_open_slave_file(struct pty *p, uint32_t flags, struct sentry_file **ret_file);
