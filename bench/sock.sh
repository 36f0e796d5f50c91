# bench/sock.sh: the figures of bench/sock_bench.c, for tcp-rr.sh, tcp-bulk.sh and unix-rr.sh
# (sourced after lib.sh). Round trips are measured with both peers (and, for cvisor and
# gVisor, the whole sandbox) pinned to one CPU: a wakeup across CPUs costs ~195 us here, which
# would measure the scheduler rather than the socket. cvisor runs with --network=host (the host
# plugin) and gVisor with --network=host too, so both are host sockets. SOCK_CPU (default 0)
# is the CPU.
BUILDDIR=${BUILDDIR:?run through bench/run.sh}
prog=$BUILDDIR/bench/sock_bench
[ -x "$prog" ] || ${MAKE:-make} -C "$BUILDDIR" bench/sock_bench >/dev/null
cpu=${SOCK_CPU:-0}
err=$(mktemp /tmp/cvisor-bench-XXXXXX)
trap 'rm -f "$err"' EXIT
trap 'exit 1' HUP INT PIPE TERM

sock_cvisor() { # PIN(0|1), sock_bench arguments...
	pin=$1
	shift
	set -- "$BUILDDIR/runtime/runsc" --network=host do "$prog" "$@"
	[ "$pin" = 1 ] && set -- taskset -c "$cpu" "$@"
	if out=$(timeout "${CVISOR_TIMEOUT:-120}" "$@" 2>"$err") && [ -n "$out" ]; then
		echo "$out"
	else
		echo "bench: no cvisor figure for $*: $(head -1 "$err")" >&2
		echo n/a
	fi
}

# sock_figure NAME UNIT PIN sock_bench arguments...
sock_figure() {
	name=$1 unit=$2 pin=$3
	shift 3
	if [ "$pin" = 1 ]; then
		native=$(taskset -c "$cpu" "$prog" "$@") || native=
		g=$(GVISOR_CPU=$cpu GVISOR_NETWORK=host bench_gvisor "$prog" "$@") || g=
	else
		native=$("$prog" "$@") || native=
		g=$(GVISOR_NETWORK=host bench_gvisor "$prog" "$@") || g=
	fi
	[ -n "$g" ] || echo "bench: no gVisor figure for $name" >&2
	c=$(sock_cvisor "$pin" "$@")
	bench_line "$name" "$c" "$unit" "$native" "$g"
}
