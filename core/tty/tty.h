/*
 * core/tty/tty.h: pseudo-terminals the Sentry serves itself (pty(7), pts(4)).
 *
 * /dev/ptmx (5:2) opens a new master; /dev/pts is devpts, a core filesystem listing the live
 * slaves (136:N) and its own ptmx; /dev/tty (5:0) is the caller's controlling terminal. Between
 * the two ends runs a line discipline like Linux's N_TTY: termios input and output processing,
 * canonical line editing with echo, signals for the foreground process group, VMIN/VTIME. The
 * controlling terminal of a session is the pty whose session is that session's ID (see
 * tty_internal.h).
 */
#pragma once

#include <stdint.h>

#include "sentry/fs.h"

struct plg_plugin;

/* Linux's device numbers. */
#define TTY_MAJOR_TTYAUX 5	/* 5:0 /dev/tty, 5:2 /dev/ptmx */
#define TTY_MINOR_TTY 0
#define TTY_MINOR_PTMX 2
#define TTY_MAJOR_PTS 136	/* slaves: 136..143 (UNIX98_PTY_MAJOR_COUNT 8) */
#define TTY_MAJOR_PTS_COUNT 8

/* Whether @major:@minor is one of the devices here. */
int tty_is_dev(uint32_t major, uint32_t minor);

/* dev_open_chr for the devices here, on the calling task's thread: a new master, a slave
 * (acquiring it as controlling terminal as Linux's tty_open does unless O_NOCTTY), or the
 * controlling terminal. Returns 0, -ENXIO (/dev/tty without one, no such device), -EIO (a
 * locked or hung-up slave), -ENOSPC (no free pty), -ENOMEM. */
int tty_open_chr(uint32_t major, uint32_t minor, uint32_t flags, struct sentry_file **ret_file);

/* The devpts filesystem, for vfs_mount(ctx, devpts_plugin(), "devpts", "/dev/pts", ...). */
struct plg_plugin *devpts_plugin(void);

/* /proc/PID/stat's tty_nr and tpgid for session @sid: the device number (major << 8 | minor,
 * as the kernel's new_encode_dev for small numbers) of its controlling terminal, 0 without
 * one, and the terminal's foreground group in *ret_tpgid (-1 without one). */
uint32_t tty_session_dev(int sid, int *ret_tpgid);

struct kernel;

/* kernel.session_end: session @sid's leader exits (Linux's disassociate_ctty(1)): the
 * foreground group of its controlling terminal gets SIGHUP and the terminal belongs to no
 * session any more. */
void tty_session_end(struct kernel *k, int sid);
