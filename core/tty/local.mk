# core/tty: pseudo-terminals and devpts (included from the top Makefile.am).
core_libsentry_core_la_SOURCES += core/tty/tty.h core/tty/tty_internal.h core/tty/pty.c \
	core/tty/ldisc.c core/tty/tty_ioctl.c core/tty/devpts.c
EXTRA_DIST += core/tty/README.md
