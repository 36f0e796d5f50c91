#!/bin/sh
# bench/pipe.sh: pipe throughput in MB/s (bench/pipe.c):
#   pipe.throughput          a process writes 64 KiB chunks into a pipe its child reads (fork),
#                            ~1 GiB or ~2 s
#   pipe.throughput_oneproc  one process writing 64 KiB and reading it back: the cost of the
#                            pipe and two system calls per chunk, without a second process
# VALUE is cvisor's (`runsc do`), or n/a when the sandbox run fails (fork is not in the Sentry
# yet: the reason goes to stderr); native= the host's, gvisor= gVisor's runsc on ptrace (left
# out when it fails). GVISOR_CPU=N pins gVisor to CPU N (bench/lib.sh). PIPE_MIB and
# PIPE_SECONDS bound the fork run; PIPE_SELF_MIB sizes the one-process run.
set -eu
BUILDDIR=${BUILDDIR:?run through bench/run.sh}
. "$(dirname "$0")/lib.sh"
prog=$BUILDDIR/bench/pipe_bench
[ -x "$prog" ] || ${MAKE:-make} -C "$BUILDDIR" bench/pipe_bench >/dev/null
mib=${PIPE_MIB:-1024}
secs=${PIPE_SECONDS:-2}
self_mib=${PIPE_SELF_MIB:-256}
err=$(mktemp /tmp/cvisor-bench-XXXXXX)
trap 'rm -f "$err"' EXIT
trap 'exit 1' HUP INT PIPE TERM

cvisor() {
	if out=$(timeout "${CVISOR_TIMEOUT:-120}" "$BUILDDIR/runtime/runsc" --network=none do \
		"$@" 2>"$err") && [ -n "$out" ]; then
		echo "$out"
	else
		echo "bench/pipe.sh: no cvisor figure for $2: runsc do failed: $(head -1 "$err")" >&2
		echo n/a
	fi
}

gvisor() {
	bench_gvisor "$@" || echo "bench/pipe.sh: no gVisor figure for $2 (status $?)" >&2
}

figure() { # NAME, pipe_bench arguments...
	name=$1
	shift
	native=$("$prog" "$@") || native=
	g=$(gvisor "$prog" "$@")
	c=$(cvisor "$prog" "$@")
	bench_line "$name" "$c" MB/s "$native" "$g"
}

figure pipe.throughput fork "$mib" "$secs"
figure pipe.throughput_oneproc self "$self_mib"
