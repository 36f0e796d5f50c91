#!/bin/sh
# bench/vfs-stat.sh: stat through the Sentry VFS on memfs by path depth (bench/vfs_stat.c).
# Builds the program on demand: it is a check program, so a plain `make` does not build it.
set -eu
BUILDDIR=${BUILDDIR:?run through bench/run.sh}
prog=$BUILDDIR/bench/vfs_stat
so=$BUILDDIR/plugins/fs-memfs/.libs/memfs.so
if [ ! -x "$prog" ] || [ ! -f "$so" ]; then
	${MAKE:-make} -C "$BUILDDIR" plugins/fs-memfs/memfs.la bench/vfs_stat >/dev/null
fi
exec "$prog" "$so"
