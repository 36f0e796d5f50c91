#!/bin/sh
# bench/spawn.sh, thread.sh and futex.sh share this body (the name picks the figure): process and
# thread costs from bench/proc_bench.c, in microseconds, cvisor beside native and gVisor.
#   spawn.fork_exec_wait   fork + execve(/bin/true) + wait4
#   thread.create_join     pthread_create + pthread_join
#   futex.round_trip       a FUTEX_WAKE/FUTEX_WAIT ping-pong between two threads on one CPU
# A runtime that cannot run it leaves its VALUE "-" with the reason on stderr.
set -eu
BUILDDIR=${BUILDDIR:?run through bench/run.sh}
. "$(dirname "$0")/lib.sh"
prog=$BUILDDIR/bench/proc_bench
[ -x "$prog" ] || ${MAKE:-make} -C "$BUILDDIR" bench/proc_bench >/dev/null
err=$(mktemp /tmp/cvisor-bench-XXXXXX)
trap 'rm -f "$err"' EXIT
what=${BENCH_NAME:-$(basename "$0" .sh)}
case $what in
spawn) metric=spawn.fork_exec_wait args="spawn ${SPAWN_N:-200} /bin/true" ;;
thread) metric=thread.create_join args="thread ${THREAD_N:-2000}" ;;
futex) metric=futex.round_trip args="futex ${FUTEX_N:-20000}" ;;
*) echo "bench/spawn.sh: unknown benchmark $what" >&2; exit 2 ;;
esac
native=$("$prog" $args)
g=$(bench_gvisor "$prog" $args) || { echo "bench/$what.sh: no gVisor figure (status $?)" >&2; g=; }
if c=$("$BUILDDIR/runtime/runsc" --network=none do "$prog" $args 2>"$err"); then :; else
	echo "bench/$what.sh: no cvisor figure: $(head -1 "$err")" >&2
	c=-
fi
bench_line "$metric" "${c:--}" us "$native" "$g"
