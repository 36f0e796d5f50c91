#!/bin/bash
# escape.sh: escape tests for the sandbox (issue #9), from both sides.
#
# Inside: a busybox bundle (mkbundle.sh) runs `sleep 1000` under `runsc run --network=none`,
# and `runsc exec` runs escape.c in it: host paths (absolute, "..", symlinks made inside and
# made on the host in the rootfs, /proc/*/root, /proc/*/fd, a chroot climb, a forged file
# handle), a sweep of raw system calls, ptrace and process_vm_readv, mounts and device nodes,
# /proc/sys writes, the host's /proc, kill of a host PID, connections to host listeners, and
# ops written into the ptrace stub's batch page or return addresses onto its stack page.
# Each attempt prints "escape NAME: ok (...)" or "escape NAME: REACHED HOST (...)".
#
# Host side: the marker file is untouched, the listeners saw nothing, the host's sleep survived,
# the host's /proc/sys values and hostname are unchanged, nothing escape.c makes in its /tmp
# appeared in the host's /tmp, and the container still runs afterwards.
#
# Outside, while the container runs: the confinement of the Sentry (the PID `runsc state`
# reports) and of each Gofer (its children running `runsc ... gofer`): Seccomp 2, NoNewPrivs 1,
# capabilities, namespaces, open descriptors and root directory; and that `runsc --debug`
# prints the composed filter's rules. ESCAPE_EXPECT_CONFINED=0 reports the confinement checks as
# "xfail" without counting them (for a runtime under test that does not confine, e.g. crun).
#
# Environment: RUNSC, CVISOR_PLUGIN_DIR, CC (builds escape.c with -static; default cc),
# ESCAPE_EXPECT_CONFINED=1, ESCAPE_GOFER_CAPEFF (the Gofer's exact CapEff in hex; by default
# only the absence of the capabilities that reach beyond its files is checked),
# ESCAPE_KEEP=1 (keep the temporary directory). Exit 0 when all pass, 1 on a failure, 77
# without root, busybox-static or a static C toolchain.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${abs_top_builddir:-$here/../..}
runsc=${RUNSC:-$build/runtime/runsc}
export CVISOR_PLUGIN_DIR=${CVISOR_PLUGIN_DIR:-$build/plugins.d}
cc=${CC:-cc}
confined=${ESCAPE_EXPECT_CONFINED:-1}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, cgroups)"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static missing"; exit 77; }

tmp=$(mktemp -d /tmp/cvisor-escape.XXXXXX)
root=$tmp/state
bundle=$tmp/bundle
id=escape-$$
mkdir -p "$bundle"
fails=0 xfails=0
bg_pids=
cleanup() {
	timeout 20 "$runsc" --root "$root" delete --force "$id" >/dev/null 2>&1
	for p in $bg_pids; do kill "$p" 2>/dev/null; done
	rm -f "$marker" "$sock"
	[ "${ESCAPE_KEEP:-0}" = 1 ] && echo "kept $tmp" || rm -rf "$tmp"
}
marker=/tmp/cvisor-escape-MARK.$$
sock=/tmp/cvisor-escape.$$.sock
trap cleanup EXIT

R() { timeout 60 "$runsc" --root "$root" "$@"; }
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
# A confinement check: counts only under ESCAPE_EXPECT_CONFINED=1.
cbad() {
	if [ "$confined" = 1 ]; then
		bad "$*"
	else
		echo "xfail - $* (ESCAPE_EXPECT_CONFINED=0)"
		xfails=$((xfails + 1))
	fi
}
field() { # field JSON KEY: a top-level string or number of runsc state's output
	sed -n "s/^ *\"$2\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" <<<"$1" | head -n 1
}
devino() { stat -L -c %d:%i "$1" 2>/dev/null; }
# is_held NAME DEVINO: NAME is the file held (a descriptor of a symlink holds the link itself).
is_held() { [ "$(devino "$1")" = "$2" ] || [ "$(stat -c %d:%i "$1" 2>/dev/null)" = "$2" ]; }

# --- the bundle, with escape.c and the host-made links ---
sh "$here/mkbundle.sh" "$bundle" sleep 1000 >/dev/null || exit 1
rootfs=$bundle/rootfs
if ! "$cc" -static -O2 -Wall -Wextra -o "$rootfs/bin/escape" "$here/escape.c" 2>"$tmp/cc.err"; then
	echo "SKIP: cannot build escape.c statically with $cc: $(head -n 3 "$tmp/cc.err")"
	exit 77
fi
secret="cvisor escape marker $$ $RANDOM"
echo "$secret" >"$marker"
[ -e "$rootfs$marker" ] && { bad "the rootfs has the marker's path"; exit 1; }
mkdir "$rootfs/escape-links"
ln -s "$marker" "$rootfs/escape-links/abs"
ln -s ../../../../../../../.. "$rootfs/escape-links/up"
ln -s "$(dirname "$marker")" "$rootfs/escape-links/dir"

# --- host things the sandbox must not reach ---
sleep 1000 &
host_sleep=$!
bg_pids="$bg_pids $host_sleep"
addrs="127.0.0.1 $(ip -o addr show scope global 2>/dev/null |
	sed -n 's/^.* inet6\{0,1\} \([^/ ]*\).*/\1/p' | tr '\n' ' ')"
port=
if command -v python3 >/dev/null; then
	python3 - "$tmp/port" "$tmp/listener.log" "$sock" "cvisor-escape-$$" $addrs <<'PY' &
import socket, sys, select
port_file, log, path, abstract, addrs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
socks, port = [], 0
for a in addrs:
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        s = socket.socket(fam, kind)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((a, port))
        except OSError:
            continue  # an address that cannot take this port: no listener there
        port = s.getsockname()[1]
        if kind == socket.SOCK_STREAM:
            s.listen(16)
        socks.append(s)
for name in (path, "\0" + abstract):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(name)
    s.listen(16)
    socks.append(s)
open(port_file, "w").write("%d\n" % port)
while True:
    for s in select.select(socks, [], [])[0]:
        if s.type == socket.SOCK_STREAM:
            c, peer = s.accept()
            c.close()
        else:
            _, peer = s.recvfrom(65536)
        with open(log, "a") as f:
            f.write("connection on %r from %r\n" % (s.getsockname(), peer))
PY
	bg_pids="$bg_pids $!"
	for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	port=$(cat "$tmp/port" 2>/dev/null)
	[ -n "$port" ] && ok "host listeners on port $port of $addrs" || bad "no host listener"
else
	echo "# no python3: the connection attempts run without host listeners"
fi
: >"$tmp/listener.log"

sysctl_files="/proc/sys/kernel/hostname /proc/sys/kernel/domainname /proc/sys/kernel/core_pattern
	/proc/sys/kernel/modprobe"
host_values() { for f in $sysctl_files; do echo "$f=$(cat "$f" 2>/dev/null)"; done; hostname; }
host_values >"$tmp/sysctl.before"
host_tmp_probe="/tmp/escape-link-abs /tmp/escape-link-up /tmp/escape-jail /tmp/escape-mnt
	/tmp/escape-node /tmp/escape-core /tmp/escape-modprobe"
preexisting=
for f in $host_tmp_probe; do [ -e "$f" ] && preexisting="$preexisting $f"; done
root_dev=$(mountpoint -d / 2>/dev/null || echo 8:1)
host_names=$( (ls /sys/block; ls /sys/class/net) 2>/dev/null | grep -vx lo | sort -u | head -n 32)

# --- the container ---
# runsc's stderr reaches the file through a pipe: the sandbox process inherits it, and a
# confined Sentry may hold pipes but no host files.
R --network=none --debug-log "$tmp/debug.log" run -d --bundle "$bundle" "$id" \
	</dev/null >/dev/null 2> >(cat >"$tmp/run.err")
st=$(R state "$id")
sentry=$(field "$st" pid)
if [ "$(field "$st" status)" != running ] || [ -z "$sentry" ]; then
	bad "the container did not start: $(cat "$tmp/run.err")"
	exit 1
fi
ok "container $id running, sandbox process $sentry"

# --- confinement, from outside ---
children() { cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep .; }
gofers() {
	for c in $(children "$sentry"); do
		tr '\0' '\n' <"/proc/$c/cmdline" 2>/dev/null | grep -qx gofer && echo "$c"
	done
}
# The platform's stub processes: the sandbox's descendants that are not Gofers (the ptrace
# template, its stubs, their threads' processes).
stubs() {
	local c g
	for c in $(children "$sentry"); do
		tr '\0' '\n' <"/proc/$c/cmdline" 2>/dev/null | grep -qx gofer && continue
		echo "$c"
		for g in $(children "$c"); do echo "$g"; done
	done
}
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# check_status WHO PID: seccomp in filter mode and no_new_privs.
check_status() {
	local s n
	s=$(status_field "$2" Seccomp)
	n=$(status_field "$2" NoNewPrivs)
	[ "$s" = 2 ] && ok "$1: Seccomp 2" || cbad "$1: Seccomp is [$s], not 2"
	[ "$n" = 1 ] && ok "$1: NoNewPrivs 1" || cbad "$1: NoNewPrivs is [$n], not 1"
}

# check_caps_within WHO PID MASK FIELD...: each capability set holds nothing outside MASK (hex).
# The Sentry keeps only what its plugins declare: the host network plugin's NET_BIND_SERVICE
# (10) and NET_RAW (13), 0x2400, over the network namespace its own user namespace owns.
check_caps_within() {
	local who=$1 pid=$2 mask=$3 f v
	shift 3
	for f; do
		v=$(status_field "$pid" "$f")
		[ -n "$v" ] && (((0x$v & ~0x$mask) == 0)) && ok "$who: $f $v within $mask" ||
			cbad "$who: $f is [$v], beyond $mask"
	done
}

# The Gofer keeps what serving files needs, but none of the capabilities that reach past them:
# NET_ADMIN 12, NET_RAW 13, SYS_MODULE 16, SYS_RAWIO 17, SYS_PTRACE 19, SYS_ADMIN 21,
# SYS_BOOT 22, SYS_TIME 25, MAC_ADMIN 33, BPF 39, PERFMON 38.
check_gofer_caps() {
	local v
	v=$(status_field "$2" CapEff)
	if [ -n "${ESCAPE_GOFER_CAPEFF:-}" ]; then
		[ "$v" = "$ESCAPE_GOFER_CAPEFF" ] && ok "$1: CapEff $v" ||
			cbad "$1: CapEff is $v, not $ESCAPE_GOFER_CAPEFF"
		return
	fi
	local bad_caps=0 c
	for c in 12 13 16 17 19 21 22 25 33 38 39; do
		(((0x$v >> c) & 1)) && bad_caps=1
	done
	[ $bad_caps = 0 ] && ok "$1: CapEff $v, none beyond its files" ||
		cbad "$1: CapEff $v keeps a capability beyond its files"
}

# check_ns WHO PID NS...: each namespace differs from the host's (this script's).
check_ns() {
	local who=$1 pid=$2 ns mine theirs
	shift 2
	for ns; do
		mine=$(readlink "/proc/self/ns/$ns")
		theirs=$(readlink "/proc/$pid/ns/$ns")
		# A PID namespace made by unshare shows only in pid_for_children.
		[ "$ns" = pid ] && [ "$theirs" = "$mine" ] &&
			theirs=$(readlink "/proc/$pid/ns/pid_for_children")
		[ -n "$theirs" ] && [ "$theirs" != "$mine" ] && ok "$who: own $ns namespace" ||
			cbad "$who: $ns namespace is the host's ($theirs)"
	done
}

# fd_allowed WHO PID FD TARGET: the descriptors a confined process may hold.
fd_allowed() {
	case $4 in
	socket:* | pipe:* | anon_inode:* | /memfd:* | /dev/null | /dev/pts/*) return 0 ;;
	"$tmp/debug.log") return 0 ;;
	esac
	# The host /proc files the Sentry's own /proc is made from, opened before it confined
	# itself and reread in place: regular files of text, no directory to walk from.
	[ "$1" = sentry ] && case $4 in
	/proc/cpuinfo | /proc/meminfo | /proc/stat | /proc/sys/kernel/pid_max) return 0 ;;
	esac
	# The container's own files in its state directory (the exit status), not the directory.
	case $4 in "$root/$id/"*) [ ! -d "/proc/$2/fd/$3" ] && return 0 ;; esac
	[ "$1" = gofer ] || return 1
	# A Gofer's files must lie inside the tree it serves. Seen from here the name is a host
	# path under the tree while the Gofer shares our mounts, or, once it has pivoted into a
	# mount namespace of its own, a path read in its root; either way it names the file held.
	local t=${4% (deleted)} held
	held=$(devino "/proc/$2/fd/$3")
	case $t in
	"$rootfs" | "$rootfs"/*) is_held "$t" "$held" && return 0 ;;
	esac
	[ "$(devino "/proc/$2/root/")" = "$(devino "$rootfs")" ] &&
		is_held "/proc/$2/root$t" "$held" && return 0
	return 1
}

check_fds() {
	local who=$1 pid=$2 n t extra=
	for n in $(ls "/proc/$pid/fd" 2>/dev/null); do
		t=$(readlink "/proc/$pid/fd/$n") || continue
		fd_allowed "$who" "$pid" "$n" "$t" || extra="$extra $n->$t"
	done
	[ -z "$extra" ] && ok "$who: only the descriptors it needs" ||
		cbad "$who: holds host files or directories:$extra"
}

confinement() { # confinement WHEN
	local g r
	# Every thread: capabilities are per thread in Linux, and the Sentry has threads before it
	# confines itself (the filter reaches them by TSYNC, a capability drop does not by itself).
	local tid threads=0
	for tid in $(ls "/proc/$sentry/task"); do
		threads=$((threads + 1))
		check_status "sentry thread $tid ($1)" "$sentry/task/$tid"
		check_caps_within "sentry thread $tid ($1)" "$sentry/task/$tid" 2400 CapEff CapPrm CapBnd
		check_caps_within "sentry thread $tid ($1)" "$sentry/task/$tid" 0 CapInh CapAmb
	done
	[ $threads -ge 2 ] && ok "sentry ($1): $threads threads checked" ||
		cbad "sentry ($1): only $threads thread(s); the init task's should be there too"
	check_ns "sentry ($1)" "$sentry" user mnt pid ipc uts net
	check_fds sentry "$sentry"
	r=$(devino "/proc/$sentry/root/")
	[ -n "$r" ] && [ "$r" != "$(devino /)" ] && ok "sentry ($1): root is not the host's" ||
		cbad "sentry ($1): root is the host's /"
	[ -z "$(ls -A "/proc/$sentry/root/" 2>/dev/null)" ] && ok "sentry ($1): root is empty" ||
		cbad "sentry ($1): root is not empty: $(ls -A "/proc/$sentry/root/" | head -n 5 | tr '\n' ' ')"
	local count=0
	for g in $(gofers); do
		count=$((count + 1))
		check_status "gofer $g ($1)" "$g"
		check_gofer_caps "gofer $g ($1)" "$g"
		check_ns "gofer $g ($1)" "$g" net
		check_fds gofer "$g"
		r=$(devino "/proc/$g/root/")
		[ "$r" = "$(devino "$rootfs")" ] && ok "gofer $g ($1): root is the served tree" ||
			cbad "gofer $g ($1): root $r is not the served tree $(devino "$rootfs")"
	done
	[ $count -ge 1 ] && ok "$count gofer(s) found" || bad "no gofer among the sandbox's children"
	# Stubs run application code: a filter of their own, no capabilities at all.
	local s n=0
	for s in $(stubs); do
		n=$((n + 1))
		check_status "stub $s ($1)" "$s"
		check_caps_within "stub $s ($1)" "$s" 0 CapEff CapPrm
	done
	[ $n -ge 1 ] && ok "$n stub process(es) checked" ||
		cbad "no stub process among the sandbox's descendants (ptrace platform)"
}
confinement before

# --- inside: escape.c ---
args=(--marker "$marker" --host-pid "$host_sleep" --host-pid "$sentry" --host-dev "$root_dev"
	--host-path "$tmp" --host-path "$(dirname "$rootfs")" --pid1 "sleep 1000"
	--unix "$sock" --abstract "cvisor-escape-$$")
for g in $(gofers); do args+=(--host-pid "$g"); done
for n in $host_names; do args+=(--host-name "$n"); done
if [ -n "$port" ]; then
	args+=(--port "$port")
	for a in $addrs; do args+=(--addr "$a"); done
fi
timeout 300 "$runsc" --root "$root" exec --env ESCAPE_IN_SANDBOX=1 "$id" /bin/escape "${args[@]}" \
	>"$tmp/escape.out" 2>"$tmp/escape.err"
rc=$?
sed 's/^/    /' "$tmp/escape.out"
grep -q "REACHED HOST" "$tmp/escape.out" && bad "an attempt reached the host (lines above)"
grep -q '^escape: [0-9]* attempts, 0 reached the host$' "$tmp/escape.out" &&
	ok "escape.c ran every attempt" ||
	bad "escape.c did not finish: status $rc, stderr: $(head -n 5 "$tmp/escape.err")"
[ $rc = 0 ] && ok "escape.c exits 0" || bad "escape.c exits $rc"
[ "$(grep -c '^escape [^:]*: skipped' "$tmp/escape.out")" = 0 ] && ok "no attempt skipped" ||
	bad "some attempts were skipped (lines above)"

# --- the host side ---
[ "$(cat "$marker" 2>/dev/null)" = "$secret" ] && ok "marker untouched" || bad "marker changed"
[ ! -s "$tmp/listener.log" ] && ok "host listeners saw nothing" ||
	bad "host listeners: $(cat "$tmp/listener.log")"
kill -0 "$host_sleep" 2>/dev/null && ok "host sleep $host_sleep survived" ||
	bad "host sleep $host_sleep was killed"
host_values >"$tmp/sysctl.after"
cmp -s "$tmp/sysctl.before" "$tmp/sysctl.after" && ok "host /proc/sys values unchanged" ||
	bad "host values changed: $(diff "$tmp/sysctl.before" "$tmp/sysctl.after" | tr '\n' ' ')"
leaked=
for f in $host_tmp_probe; do
	case " $preexisting " in *" $f "*) continue ;; esac
	[ -e "$f" ] && leaked="$leaked $f"
done
[ -z "$leaked" ] && ok "nothing escape.c made reached the host's /tmp" ||
	bad "host /tmp has:$leaked"
[ "$(field "$(R state "$id")" status)" = running ] && ok "container still running" ||
	bad "container no longer running"
[ "$(R exec "$id" echo alive 2>&1)" = alive ] && ok "the Sentry still serves exec" ||
	bad "exec after escape.c failed"
# config.json's process.noNewPrivileges (runsc spec's default: true) holds for the container's
# processes, so set-user-ID files inside gain nothing.
nnp=$(R exec "$id" /bin/busybox sh -c 'grep NoNewPrivs /proc/1/status /proc/self/status' 2>&1)
[ "$(echo "$nnp" | grep -c 'NoNewPrivs:.1')" = 2 ] && ok "noNewPrivileges: PID 1 and an exec have no_new_privs" ||
	bad "noNewPrivileges not applied: $nnp"
confinement after

# --- runsc --debug prints the composed filter, each rule with its declarer ---
sh "$here/mkbundle.sh" --config-only "$bundle" true >/dev/null
rm -f "$tmp/rules.log"
R --network=none --debug --debug-log "$tmp/rules.log" run --bundle "$bundle" "$id-rules" \
	</dev/null >/dev/null 2>&1
for rule in "allow ptrace [ptrace]" "allow clone(arg0 == 0x3d0f00) [base]" \
	"allow socket(arg0 == 0x2) [host]" "allow accept4 [runsc]" "allow openat [hostdir]"; do
	grep -qF "seccomp: $rule" "$tmp/rules.log" 2>/dev/null && ok "--debug prints: $rule" ||
		cbad "--debug does not print \"$rule\""
done

echo "# $fails failure(s), $xfails confinement check(s) not counted"
[ $fails = 0 ]
