/*
 * core/tty/tty_ioctl.c: terminal ioctls on either end of a pty, and the controlling terminal
 * (drivers/tty/tty_io.c, tty_jobctrl.c, tty_ioctl.c, pty.c).
 *
 * Requests on the master act on the slave's state, as Linux's tty_pair_get_tty: one termios,
 * one window size, one foreground group. The checks that a slave is the caller's controlling
 * terminal (TIOCGPGRP, TIOCGSID, TIOCNOTTY) apply to the slave's files only. A session's
 * controlling terminal is the pty whose session is that session: a process that joined the
 * session before the terminal was acquired has it too, and TIOCNOTTY from a process other than
 * the leader changes nothing (Linux drops that one process's terminal).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "fd/fdtable.h"
#include "kernel/process.h"
#include "kernel/task.h"
#include "kernel/wait.h"
#include "mm/mm.h"
#include "tty/tty_internal.h"
#include "vfs/vfs.h"

/* asm-generic/ioctls.h numbers; glibc's termios.h and asm/termbits.h cannot both be had. */
enum {
	K_TCGETS = 0x5401, K_TCSETS = 0x5402, K_TCSETSW = 0x5403, K_TCSETSF = 0x5404,
	K_TCSBRK = 0x5409, K_TCXONC = 0x540A, K_TCFLSH = 0x540B, K_TIOCEXCL = 0x540C,
	K_TIOCNXCL = 0x540D, K_TIOCSCTTY = 0x540E, K_TIOCGPGRP = 0x540F, K_TIOCSPGRP = 0x5410,
	K_TIOCOUTQ = 0x5411, K_TIOCSTI = 0x5412, K_TIOCGWINSZ = 0x5413, K_TIOCSWINSZ = 0x5414,
	K_FIONREAD = 0x541B, K_TIOCPKT = 0x5420, K_TIOCNOTTY = 0x5422, K_TIOCSETD = 0x5423,
	K_TIOCGETD = 0x5424, K_TCSBRKP = 0x5425, K_TIOCSBRK = 0x5427, K_TIOCCBRK = 0x5428,
	K_TIOCGSID = 0x5429, K_TCGETS2 = 0x802C542A, K_TCSETS2 = 0x402C542B,
	K_TCSETSW2 = 0x402C542C, K_TCSETSF2 = 0x402C542D, K_TIOCGPTN = 0x80045430,
	K_TIOCSPTLCK = 0x40045431, K_TIOCSIG = 0x40045436, K_TIOCGPKT = 0x80045438,
	K_TIOCGPTLCK = 0x80045439, K_TIOCGEXCL = 0x80045440, K_TIOCGPTPEER = 0x5441,
};

#define CAP_SYS_ADMIN_BIT 21

int tty_capable_admin(const struct task *t)
{
	return (t->fs->creds.cap_effective >> CAP_SYS_ADMIN_BIT) & 1;
}

struct pty *tty_of_session_locked(int sid)
{
	for (int i = 0; i < PTY_MAX; i++) {
		struct pty *p = g_ptys[i];
		if (!p)
			continue;
		pthread_mutex_lock(&p->lock);
		int hit = p->session && p->session == sid;
		pthread_mutex_unlock(&p->lock);
		if (hit)
			return p;
	}
	return NULL;
}

/* Whether @p is @t's controlling terminal. */
static int is_ctty(struct pty *p, struct task *t)
{
	pthread_mutex_lock(&p->lock);
	int r = t && p->session && p->session == task_sid(t);
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* A session leader's @t has a terminal other than @p? Then it keeps that one. */
static int set_ctty(struct pty *p, struct task *t)
{
	pthread_mutex_lock(&p->lock);
	p->session = task_sid(t);
	p->pgrp = task_pgid(t);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void tty_maybe_acquire(struct pty *p, struct task *t)
{
	if (task_sid(t) != t->tgid)
		return;
	pthread_mutex_lock(&g_pty_lock);
	if (!tty_of_session_locked(task_sid(t))) {
		pthread_mutex_lock(&p->lock);
		int free_tty = !p->session && p->masters;
		pthread_mutex_unlock(&p->lock);
		if (free_tty)
			set_ctty(p, t);
	}
	pthread_mutex_unlock(&g_pty_lock);
}

/* __tty_check_change: a member of a background group of the terminal's session. */
static int check_change(struct pty *p, struct task *t, int sig)
{
	if (!t || !is_ctty(p, t))
		return 0;
	pthread_mutex_lock(&p->lock);
	int fg = p->pgrp, pgrp = task_pgid(t);
	pthread_mutex_unlock(&p->lock);
	if (!fg || fg == pgrp)
		return 0;
	if (task_sig_blocked_or_ignored(t, sig))
		return sig == SIGTTIN ? -EIO : 0;
	/* No shell is left to continue an orphaned group: it gets EIO instead of a stop. */
	if (kernel_pgrp_orphaned(t->k, pgrp))
		return -EIO;
	(void)kernel_signal_pgrp(t->k, pgrp, sig);
	return -EINTR;
}

int tty_check_job(struct pty *p, struct task *t, int write)
{
	if (!write)
		return check_change(p, t, SIGTTIN);
	pthread_mutex_lock(&p->lock);
	int tostop = (p->tio.lflag & TOSTOP) != 0;
	pthread_mutex_unlock(&p->lock);
	return tostop ? check_change(p, t, SIGTTOU) : 0;
}

static int put_int(struct task *t, uint64_t arg, int v)
{
	return mm_copy_out(t->mm, arg, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

static int get_int(struct task *t, uint64_t arg, int *v)
{
	return mm_copy_in(t->mm, arg, v, sizeof(*v)) < 0 ? -EFAULT : 0;
}

/* asm/termbits.h's speed fields of c_cflag. */
#define K_CBAUD 0010017u
#define K_CBAUDEX 0010000u
#define K_BOTHER 0010000u
#define K_IBSHIFT 16

/* tty_termios_baud_rate for the speed code @cbaud (BOTHER: @other). */
static uint32_t baud_of(uint32_t cbaud, uint32_t other)
{
	static const uint32_t table[] = {
		0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200,
		38400, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000,
		1500000, 2000000, 2500000, 3000000, 3500000, 4000000,
	};
	if (cbaud == K_BOTHER)
		return other;
	if (cbaud & K_CBAUDEX)
		cbaud = (cbaud & ~K_CBAUDEX) + 15;
	return cbaud < sizeof(table) / sizeof(table[0]) ? table[cbaud] : 0;
}

/* What Linux makes of a new termios on a pty: the speeds follow c_cflag's codes (set_termios;
 * BOTHER keeps the given number, an input code of B0 means the output speed), and the pty
 * driver forces 8 bits, no parity and the receiver on (pty_set_termios). */
static void pty_fix_termios(struct ktermios *t)
{
	uint32_t ocode = t->cflag & K_CBAUD, icode = (t->cflag >> K_IBSHIFT) & K_CBAUD;
	uint32_t ospeed = baud_of(ocode, t->ospeed);
	t->ispeed = icode ? baud_of(icode, t->ispeed) : ospeed;
	t->ospeed = ospeed;
	t->cflag = (t->cflag & ~(uint32_t)(CSIZE | PARENB)) | CS8 | CREAD;
}

/* Whether ^S/^Q flow control is on as a packet-mode master's reader can rely on it. */
static int std_flow(const struct ktermios *t)
{
	return (t->iflag & IXON) && t->cc[VSTOP] == '\023' && t->cc[VSTART] == '\021';
}

/* pty_set_termios: a change of flow control is TIOCPKT_DOSTOP or NOSTOP for the master. */
static void note_flow(struct pty *p, const struct ktermios *old)
{
	int was = std_flow(old), now = std_flow(&p->tio);
	if (was == now)
		return;
	p->pktstatus &= (uint8_t)~(TIOCPKT_DOSTOP | TIOCPKT_NOSTOP);
	p->pktstatus |= now ? TIOCPKT_DOSTOP : TIOCPKT_NOSTOP;
}

/* TCSETS and friends: @size 36 (termios) or 44 (termios2); @flush: TCSETSF. */
static int set_termios(struct pty *p, struct task *t, uint64_t arg, size_t size, int flush)
{
	int rc = check_change(p, t, SIGTTOU);
	if (rc < 0)
		return rc;
	struct ktermios nt;
	pthread_mutex_lock(&p->lock);
	nt = p->tio;
	pthread_mutex_unlock(&p->lock);
	if (mm_copy_in(t->mm, arg, &nt, size) < 0)
		return -EFAULT;
	pthread_mutex_lock(&p->lock);
	struct ktermios old = p->tio;
	if (size == KTERMIOS_SIZE) {	/* the old struct has no speeds: BOTHER keeps ours */
		nt.ispeed = old.ispeed;
		nt.ospeed = old.ospeed;
	}
	pty_fix_termios(&nt);
	p->tio = nt;
	if (p->packet)
		note_flow(p, &old);
	if (flush)
		ldisc_flush_input(p);
	ldisc_termios_changed(p, &old);
	pthread_mutex_unlock(&p->lock);
	kwait_wq_notify(p->wq, ~0u);
	return 0;
}

static int set_winsize(struct pty *p, struct task *t, uint64_t arg)
{
	struct kwinsize ws;
	if (mm_copy_in(t->mm, arg, &ws, sizeof(ws)) < 0)
		return -EFAULT;
	pthread_mutex_lock(&p->lock);
	int changed = memcmp(&ws, &p->ws, sizeof(ws)) != 0, pgrp = p->pgrp;
	p->ws = ws;
	pthread_mutex_unlock(&p->lock);
	if (changed && pgrp && p->k)
		(void)kernel_signal_pgrp(p->k, pgrp, SIGWINCH);
	return 0;
}

/* TIOCSCTTY (tiocsctty). */
static int sctty(struct pty *p, struct task *t, uint32_t fflags, uint64_t arg)
{
	int leader = task_sid(t) == t->tgid, rc = 0;
	pthread_mutex_lock(&g_pty_lock);
	pthread_mutex_lock(&p->lock);
	int session = p->session;
	pthread_mutex_unlock(&p->lock);
	if (leader && session == task_sid(t))
		goto out;
	if (!leader || tty_of_session_locked(task_sid(t))) {
		rc = -EPERM;
		goto out;
	}
	if (session && !(arg == 1 && tty_capable_admin(t))) {
		rc = -EPERM;
		goto out;
	}
	if ((fflags & O_ACCMODE) == O_WRONLY && !tty_capable_admin(t)) {
		rc = -EPERM;
		goto out;
	}
	set_ctty(p, t);
out:
	pthread_mutex_unlock(&g_pty_lock);
	return rc;
}

/* TIOCNOTTY: the leader gives the terminal up, its foreground group hears SIGHUP, SIGCONT. */
static int notty(struct pty *p, struct task *t)
{
	int sid = task_sid(t), leader = sid == t->tgid;
	/* The check and the release in one hold: a steal (TIOCSCTTY 1) or a hangup between them
	 * would otherwise have us clear the next session's terminal and signal its group. */
	pthread_mutex_lock(&p->lock);
	int mine = p->session && p->session == sid, pgrp = 0;
	if (mine && leader) {
		pgrp = p->pgrp;
		p->session = p->pgrp = 0;
	}
	pthread_mutex_unlock(&p->lock);
	if (!mine)
		return -ENOTTY;
	if (pgrp) {
		(void)kernel_signal_pgrp(t->k, pgrp, SIGHUP);
		(void)kernel_signal_pgrp(t->k, pgrp, SIGCONT);
	}
	return 0;
}

/* TIOCSPGRP (tiocspgrp), in Linux's order of checks. */
static int spgrp(struct pty *p, struct task *t, uint64_t arg)
{
	int rc = check_change(p, t, SIGTTOU);
	if (rc == -EIO)
		return -ENOTTY;
	if (rc < 0)
		return rc;
	int pgrp;
	if (get_int(t, arg, &pgrp) < 0)
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	if (!is_ctty(p, t))
		return -ENOTTY;
	int sid = kernel_pgrp_session(t->k, pgrp);
	if (sid < 0)
		return -ESRCH;
	if (sid != task_sid(t))
		return -EPERM;
	/* Still ours? The terminal may have been hung up or given away since is_ctty. */
	pthread_mutex_lock(&p->lock);
	int mine = p->session && p->session == sid;
	if (mine)
		p->pgrp = pgrp;
	pthread_mutex_unlock(&p->lock);
	return mine ? 0 : -ENOTTY;
}

/*
 * TIOCSTI (tiocsti) with dev.tty.legacy_tiocsti off, as current kernels default: CAP_SYS_ADMIN
 * only (EIO otherwise). The byte enters the input of the end the file is on: the slave's goes
 * through the line discipline as if the master wrote it; the master's input is raw (a pty
 * master's termios has no processing) and is what the master reads.
 */
static int sti(struct pty *p, int master, struct task *t, uint64_t arg)
{
	if (!tty_capable_admin(t))
		return -EIO;
	unsigned char c;
	if (mm_copy_in(t->mm, arg, &c, 1) < 0)
		return -EFAULT;
	int sig = 0;
	pthread_mutex_lock(&p->lock);
	if (!master)
		(void)ldisc_receive(p, c, &sig);	/* no room: dropped, as receive_buf drops */
	else if (p->out_len < TTY_OUTQ)
		p->out[(p->out_head + p->out_len++) % TTY_OUTQ] = c;
	int pgrp = p->pgrp;
	pthread_mutex_unlock(&p->lock);
	kwait_wq_notify(p->wq, SENTRY_EV_IN);
	if (sig && pgrp && p->k)
		(void)kernel_signal_pgrp(p->k, pgrp, sig);
	return 0;
}

/* TIOCGPTPEER: the slave opened from the master, as /dev/pts/N in the caller's root. */
static int64_t open_peer(struct pty *p, struct task *t, uint64_t arg)
{
	uint32_t flags = (uint32_t)arg & (O_ACCMODE | O_NONBLOCK | O_CLOEXEC);
	pthread_mutex_lock(&p->lock);
	int locked = p->locked, index = p->index;
	pthread_mutex_unlock(&p->lock);
	if (locked)
		return -EIO;
	char path[32];
	snprintf(path, sizeof(path), "/dev/pts/%d", index);
	struct vfs_file *f;
	int rc = vfs_openat(t->fs, NULL, path, flags | O_NOCTTY, 0, &f);
	if (rc < 0)
		return rc;
	int fd;
	rc = fdt_install(t->fdt, f, (flags & O_CLOEXEC) != 0, 0, &fd);
	vfs_file_put(f);	/* the table took its own reference */
	return rc < 0 ? rc : fd;
}

/* The master's own requests (pty_unix98_ioctl). 1: not one of them. */
static int64_t master_ioctl(struct pty *p, struct task *t, uint32_t cmd, uint64_t arg)
{
	int v, rc;
	switch (cmd) {
	case K_TIOCGPTN:
		return put_int(t, arg, p->index);
	case K_TIOCSPTLCK:
		if ((rc = get_int(t, arg, &v)) < 0)
			return rc;
		pthread_mutex_lock(&p->lock);
		p->locked = v != 0;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case K_TIOCGPTLCK:
		return put_int(t, arg, p->locked);
	case K_TIOCPKT:
		if ((rc = get_int(t, arg, &v)) < 0)
			return rc;
		pthread_mutex_lock(&p->lock);
		if (v && !p->packet)
			p->pktstatus = 0;	/* only what happens from now on */
		p->packet = v != 0;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case K_TIOCGPKT:
		return put_int(t, arg, p->packet);
	case K_TIOCSIG:
		if ((int)arg <= 0 || (int)arg > TASK_NSIG)
			return -EINVAL;
		pthread_mutex_lock(&p->lock);
		v = p->pgrp;
		pthread_mutex_unlock(&p->lock);
		if (v && p->k)
			(void)kernel_signal_pgrp(p->k, v, (int)arg);
		return 0;
	case K_TIOCGPTPEER:
		return open_peer(p, t, arg);
	default:
		return 1;
	}
}

static int64_t flush(struct pty *p, int master, uint64_t arg)
{
	if (arg > TCIOFLUSH)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	int in = arg == TCIFLUSH || arg == TCIOFLUSH, out = arg == TCOFLUSH || arg == TCIOFLUSH;
	/* The master reads the slave's output; the slave its input. */
	if (master ? in : out)
		p->out_len = 0;
	if (!master && out && p->packet)	/* pty_flush_buffer tells the master */
		p->pktstatus |= TIOCPKT_FLUSHWRITE;
	if (!master && in)
		ldisc_flush_input(p);
	pthread_mutex_unlock(&p->lock);
	kwait_wq_notify(p->wq, ~0u);
	return 0;
}

int64_t tty_ioctl(struct pty *p, int master, struct task *t, uint32_t fflags, uint32_t cmd,
		  uint64_t arg)
{
	if (!t)
		return -ENOTTY;
	pthread_mutex_lock(&p->lock);
	int hung = !master && !p->masters;
	pthread_mutex_unlock(&p->lock);
	if (hung)	/* hung_up_tty_ioctl */
		return cmd == K_TIOCSPGRP ? -ENOTTY : -EIO;
	if (master) {
		int64_t r = master_ioctl(p, t, cmd, arg);
		if (r != 1)
			return r;
	}
	struct ktermios tio;
	int v, rc;
	switch (cmd) {
	case K_TCGETS:
	case K_TCGETS2:
		pthread_mutex_lock(&p->lock);
		tio = p->tio;
		pthread_mutex_unlock(&p->lock);
		return mm_copy_out(t->mm, arg, &tio,
				   cmd == K_TCGETS ? KTERMIOS_SIZE : KTERMIOS2_SIZE) < 0 ? -EFAULT : 0;
	case K_TCSETS: case K_TCSETSW:
		return set_termios(p, t, arg, KTERMIOS_SIZE, 0);
	case K_TCSETSF:
		return set_termios(p, t, arg, KTERMIOS_SIZE, 1);
	case K_TCSETS2: case K_TCSETSW2:
		return set_termios(p, t, arg, KTERMIOS2_SIZE, 0);
	case K_TCSETSF2:
		return set_termios(p, t, arg, KTERMIOS2_SIZE, 1);
	case K_TIOCGWINSZ: {
		/* A copy under the lock: a TIOCSWINSZ racing the copy-out must not tear it. */
		pthread_mutex_lock(&p->lock);
		struct kwinsize ws = p->ws;
		pthread_mutex_unlock(&p->lock);
		return mm_copy_out(t->mm, arg, &ws, sizeof(ws)) < 0 ? -EFAULT : 0;
	}
	case K_TIOCSWINSZ:
		return set_winsize(p, t, arg);
	case K_TCFLSH:
		if (!master && (rc = check_change(p, t, SIGTTOU)) < 0)
			return rc;
		return flush(p, master, arg);
	case K_TCXONC:
		if (!master && (rc = check_change(p, t, SIGTTOU)) < 0)
			return rc;
		return arg <= TCION ? 0 : -EINVAL;
	case K_TCSBRK: case K_TCSBRKP: case K_TIOCSBRK: case K_TIOCCBRK:
		/* A background job's break is a change of the terminal too (tty_ioctl's prep). */
		return master ? 0 : check_change(p, t, SIGTTOU);
	case K_TIOCEXCL: case K_TIOCNXCL:
		/* The end the file is on, as Linux's tty->flags: a slave's blocks its reopen. */
		pthread_mutex_lock(&p->lock);
		p->excl[master] = cmd == K_TIOCEXCL;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case K_TIOCGEXCL:
		pthread_mutex_lock(&p->lock);
		v = p->excl[master];
		pthread_mutex_unlock(&p->lock);
		return put_int(t, arg, v);
	case K_TIOCGETD:
		return put_int(t, arg, 0);	/* N_TTY */
	case K_TIOCSETD:
		if (!master && (rc = check_change(p, t, SIGTTOU)) < 0)
			return rc;
		if ((rc = get_int(t, arg, &v)) < 0)
			return rc;
		return v == 0 ? 0 : -EINVAL;
	case K_FIONREAD:
		pthread_mutex_lock(&p->lock);
		v = (int)(master ? p->out_len : ldisc_readable(p));
		pthread_mutex_unlock(&p->lock);
		return put_int(t, arg, v);
	case K_TIOCOUTQ:
		return put_int(t, arg, 0);	/* a pty's driver buffers nothing */
	case K_TIOCSTI:
		return sti(p, master, t, arg);
	case K_TIOCGPTPEER:
		return -EIO;	/* on a slave: ptm_open_peer's "not the ptmx driver" */
	case K_TIOCSCTTY:
		return sctty(p, t, fflags, arg);
	case K_TIOCNOTTY:
		return master ? -ENOTTY : notty(p, t);
	case K_TIOCGPGRP:
		if (!master && !is_ctty(p, t))
			return -ENOTTY;
		pthread_mutex_lock(&p->lock);
		v = p->pgrp;
		pthread_mutex_unlock(&p->lock);
		return put_int(t, arg, v);
	case K_TIOCSPGRP:
		return spgrp(p, t, arg);
	case K_TIOCGSID:
		if (!master && !is_ctty(p, t))
			return -ENOTTY;
		/* One read: the session may end between a check and a second read. */
		pthread_mutex_lock(&p->lock);
		v = p->session;
		pthread_mutex_unlock(&p->lock);
		if (!v)
			return -ENOTTY;
		return put_int(t, arg, v);
	default:
		return -ENOTTY;
	}
}
