#!/bin/sh
# bench/gofer-stat.sh: stat through fs-gofer9p (cold, warm, shared caching; depth 1 and 8), the
# round trips each costs, and open+read+close of a small file, against memfs and the host
# (bench/gofer_bench.c). Builds the program on demand: it is a check program.
set -eu
BUILDDIR=${BUILDDIR:?run through bench/run.sh}
prog=$BUILDDIR/bench/gofer_bench
libs=$BUILDDIR/plugins
if [ ! -x "$prog" ] || [ ! -f "$libs/fs-gofer9p/.libs/gofer9p.so" ]; then
	${MAKE:-make} -C "$BUILDDIR" plugins/fs-memfs/memfs.la plugins/fs-gofer9p/hostdir.la \
		plugins/fs-gofer9p/gofer9p.la bench/gofer_bench >/dev/null
fi
exec "$prog" stat "$libs/fs-gofer9p/.libs/hostdir.so" "$libs/fs-gofer9p/.libs/gofer9p.so" \
	"$libs/fs-memfs/.libs/memfs.so"
