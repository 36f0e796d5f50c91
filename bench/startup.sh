#!/bin/sh
# bench/startup.sh: what a sandbox costs to start and to keep, on the busybox bundle
# (tests/e2e/mkbundle.sh):
#   startup.true  wall ms of `runsc run` of /bin/true, start to exit, median of STARTUP_RUNS
#   startup.pss   KiB: the summed PSS (/proc/PID/smaps_rollup) of every host process of a
#                 sandbox running `sleep`: the runtime's process and all its descendants
# VALUE is cvisor's, native= crun's (the same bundle in a container without a sandbox),
# gvisor= gVisor's runsc on ptrace. A runtime that is missing or fails is left out with a note
# on stderr; VALUE is then "-". Needs root (all three runtimes run rootful here).
set -eu
BUILDDIR=${BUILDDIR:?run through bench/run.sh}
here=$(cd "$(dirname "$0")" && pwd)
runs=${STARTUP_RUNS:-10}
gvisor_bin=${GVISOR_RUNSC:-/usr/bin/runsc}
crun_bin=${CRUN:-$(command -v crun || echo /usr/bin/crun)}
tmp=$(mktemp -d /tmp/cvisor-startup-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM
bundle=$tmp/bundle
mkdir "$bundle" "$tmp/state-cvisor" "$tmp/state-gvisor" "$tmp/state-crun"
RUNSC=$BUILDDIR/runtime/runsc sh "$here/../tests/e2e/mkbundle.sh" "$bundle"
seq=0

# launch RUNTIME ID: becomes RUNTIME running the bundle (call it in a subshell).
launch() {
	case $1 in
	cvisor) exec "$BUILDDIR/runtime/runsc" --root "$tmp/state-cvisor" --network=none \
		run --bundle "$bundle" "$2" ;;
	gvisor) exec "$gvisor_bin" --platform=ptrace --network=none --root "$tmp/state-gvisor" \
		run --bundle "$bundle" "$2" ;;
	crun)
		set -- "$crun_bin" --root "$tmp/state-crun" run --bundle "$bundle" "$2"
		# crun refuses hybrid cgroups whose v2 half has controllers (hugetlb on our machines);
		# in a mount namespace of its own (private: unshare's default) v2 is out of sight.
		if grep -qs . /sys/fs/cgroup/unified/cgroup.controllers; then
			exec unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "$@"
		fi
		exec "$@"
		;;
	esac
}

available() {
	case $1 in
	cvisor) [ -x "$BUILDDIR/runtime/runsc" ] ;;
	gvisor) [ -x "$gvisor_bin" ] ;;
	crun) [ -x "$crun_bin" ] ;;
	esac
}

# run_once RUNTIME: one run of the bundle's process, its output discarded (to /dev/null, never
# a regular file shared with us, which gVisor mishandles); fails with a note on stderr.
run_once() {
	seq=$((seq + 1))
	if ! (launch "$1" "bench-$$-$seq") </dev/null >/dev/null 2>"$tmp/err"; then
		echo "bench/startup.sh: $1 failed: $(head -1 "$tmp/err")" >&2
		return 1
	fi
}

# startup_ms RUNTIME: the median wall ms of $runs runs of /bin/true after one unmeasured run,
# or nothing when the runtime is missing or a run fails.
startup_ms() {
	available "$1" || { echo "bench/startup.sh: no $1: left out" >&2; return 0; }
	run_once "$1" || return 0
	: >"$tmp/times"
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		t0=$(date +%s%N)
		run_once "$1" || return 0
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$tmp/times"
	done
	sort -n "$tmp/times" | awk -v n="$runs" 'NR == int((n + 1) / 2) { printf "%.1f\n", $1 / 1000 }'
}

# tree_pss PID: the summed PSS in KiB of PID and all its descendants, shells left out (a shell
# whose sh does not exec the last command of a subshell would stand between us and PID's tree).
tree_pss() {
	for st in /proc/[0-9]*/stat; do
		# comm may hold spaces and parentheses: ppid is the 2nd field after the last ")".
		line=$(cat "$st" 2>/dev/null) || continue
		pid=${st#/proc/}
		comm=${line#*(}
		echo "${pid%/stat} $(echo "${line##*) }" | cut -d' ' -f2) ${comm%)*}"
	done | awk -v root="$1" '
		{ parent[$1] = $2; shell[$1] = $3 ~ /^(sh|dash|bash)$/ }
		END {
			want[root] = 1
			do {
				grew = 0
				for (p in parent)
					if (!(p in want) && (parent[p] in want)) { want[p] = 1; grew = 1 }
			} while (grew)
			for (p in want)
				if (!shell[p])
					print p
		}' | while read -r p; do
		cat "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '/^Pss:/ { kib += $2 } END { print kib + 0 }'
}

# sandbox_pss RUNTIME: the PSS of a sandbox running `sleep 3`, measured once it has settled.
sandbox_pss() {
	available "$1" || return 0
	seq=$((seq + 1))
	(launch "$1" "bench-$$-$seq") </dev/null >/dev/null 2>"$tmp/err" &
	pid=$!
	sleep "${STARTUP_SETTLE:-1.5}"
	kib=
	if kill -0 "$pid" 2>/dev/null; then
		kib=$(tree_pss "$pid")
	fi
	if wait "$pid" && [ -n "$kib" ]; then
		echo "$kib"
	else
		echo "bench/startup.sh: $1 sleep failed: $(head -1 "$tmp/err")" >&2
	fi
}

RUNSC=$BUILDDIR/runtime/runsc sh "$here/../tests/e2e/mkbundle.sh" --config-only "$bundle" /bin/true
c=$(startup_ms cvisor)
g=$(startup_ms gvisor)
n=$(startup_ms crun)
echo "startup.true ${c:--} ms${n:+ native=$n}${g:+ gvisor=$g}"

RUNSC=$BUILDDIR/runtime/runsc sh "$here/../tests/e2e/mkbundle.sh" --config-only "$bundle" sleep 3
c=$(sandbox_pss cvisor)
g=$(sandbox_pss gvisor)
n=$(sandbox_pss crun)
echo "startup.pss ${c:--} KiB${n:+ native=$n}${g:+ gvisor=$g}"
