# bench/lib.sh: helpers for bench/*.sh (sourced, not run).
#
# Every benchmark prints `NAME.METRIC VALUE UNIT [native=VALUE] [gvisor=VALUE]` (DESIGN.md). The
# native and gVisor figures come from running the same static program on the host and inside
# gVisor's runsc (Debian package runsc, ptrace platform: its KVM platform hangs on our machines,
# hence the timeout) in the same run.

# Runs a program under gVisor. Prints its output; fails (status 124 on timeout) if gVisor is
# missing or does not finish within $GVISOR_TIMEOUT seconds. GVISOR_CPU=N pins all of gVisor
# to CPU N: its ptrace round trip across CPUs costs several times one on the same CPU.
# GVISOR_NETWORK picks its --network (default none; the socket benchmarks use host).
bench_gvisor() {
	# Debian's package path, so an installed cvisor runsc earlier in PATH is never taken for it.
	gvisor=${GVISOR_RUNSC:-/usr/bin/runsc}
	[ -x "$gvisor" ] || return 127
	set -- "$gvisor" --platform=ptrace --network="${GVISOR_NETWORK:-none}" \
		--root="${TMPDIR:-/tmp}/bench-gvisor-root" do "$@"
	[ -z "${GVISOR_CPU:-}" ] || set -- taskset -c "$GVISOR_CPU" "$@"
	timeout "${GVISOR_TIMEOUT:-120}" "$@" 2>/dev/null
}

# Prints one figure line: bench_line NAME.METRIC VALUE UNIT [NATIVE] [GVISOR]; an empty NATIVE or
# GVISOR is left out.
bench_line() {
	line="$1 $2 $3"
	[ -n "${4:-}" ] && line="$line native=$4"
	[ -n "${5:-}" ] && line="$line gvisor=$5"
	echo "$line"
}
