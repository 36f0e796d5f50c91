#!/bin/sh
# bench/syscall.sh: the cost of one system call (bench/syscall_loop.c), in ns per call:
#   syscall.getppid      the cheapest call there is: the platform's round trip
#   syscall.stat_rootfs  stat of a path in the root filesystem (the host's /, as `runsc do`
#                        serves it): lookup through the Sentry's VFS and, uncached, the Gofer
# VALUE is cvisor's (`runsc do`), native= the host's, gvisor= gVisor's runsc on ptrace. A
# runtime that cannot run the program is left out with a note on stderr; VALUE is then "-".
# GVISOR_CPU=N pins gVisor to CPU N (bench/lib.sh), as cvisor pins each task to its stub.
# SYSCALL_N / SYSCALL_SANDBOX_N set the calls per round natively and in a sandbox (a sandboxed
# call costs 100x more); STAT_PATH the path to stat.
set -eu
BUILDDIR=${BUILDDIR:?run through bench/run.sh}
. "$(dirname "$0")/lib.sh"
prog=$BUILDDIR/bench/syscall_loop
[ -x "$prog" ] || ${MAKE:-make} -C "$BUILDDIR" bench/syscall_loop >/dev/null
native_n=${SYSCALL_N:-1000000}
sandbox_n=${SYSCALL_SANDBOX_N:-20000}
stat_path=${STAT_PATH:-/etc/passwd}
err=$(mktemp /tmp/cvisor-bench-XXXXXX)
trap 'rm -f "$err"' EXIT
trap 'exit 1' HUP INT PIPE TERM

# cvisor's figure, or nothing (with the reason on stderr) until `runsc do` runs programs.
cvisor() {
	if out=$("$BUILDDIR/runtime/runsc" --network=none do "$@" 2>"$err") && [ -n "$out" ]; then
		echo "$out"
	else
		echo "bench/syscall.sh: no cvisor figure for $2: runsc do failed: $(head -1 "$err")" >&2
	fi
}

gvisor() {
	bench_gvisor "$@" || echo "bench/syscall.sh: no gVisor figure for $2 (status $?)" >&2
}

figure() { # NAME, syscall_loop arguments after the count...
	name=$1
	shift
	op=$1
	shift
	native=$("$prog" "$op" "$native_n" "$@")
	g=$(gvisor "$prog" "$op" "$sandbox_n" "$@")
	c=$(cvisor "$prog" "$op" "$sandbox_n" "$@")
	bench_line "$name" "${c:--}" ns "$native" "$g"
}

figure syscall.getppid getppid
figure syscall.stat_rootfs stat "$stat_path"
