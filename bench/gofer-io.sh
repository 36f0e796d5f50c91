#!/bin/sh
# bench/gofer-io.sh: sequential read (cold through the Gofer, then cached) and write of a
# 64 MiB file through fs-gofer9p, with round trips per MiB, against memfs and the host
# (bench/gofer_bench.c). Builds the program on demand: it is a check program.
set -eu
BUILDDIR=${BUILDDIR:?run through bench/run.sh}
prog=$BUILDDIR/bench/gofer_bench
libs=$BUILDDIR/plugins
if [ ! -x "$prog" ] || [ ! -f "$libs/fs-gofer9p/.libs/gofer9p.so" ]; then
	${MAKE:-make} -C "$BUILDDIR" plugins/fs-memfs/memfs.la plugins/fs-gofer9p/hostdir.la \
		plugins/fs-gofer9p/gofer9p.la bench/gofer_bench >/dev/null
fi
exec "$prog" io "$libs/fs-gofer9p/.libs/hostdir.so" "$libs/fs-gofer9p/.libs/gofer9p.so" \
	"$libs/fs-memfs/.libs/memfs.so"
