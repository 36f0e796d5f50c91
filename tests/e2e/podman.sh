#!/bin/bash
# podman.sh: the acceptance test for runsc as podman's OCI runtime, a drop-in for gVisor's runsc
# or crun. Builds a busybox image with two static helpers (sigcatch.c, memhog.c), imports it and
# drives podman through run, exit statuses, detached containers with exec, kill, logs and stop,
# stop's escalation to SIGKILL, a memory limit, a terminal with a resize, and missing files and
# programs. One PASS/FAIL/SKIP line per scenario, podman's output under a failure; exit 0 when
# all pass, 1 when one fails, 77 (skip) without podman or root.
#
# Environment:
#   PODMAN_RUNTIME        the runtime under test (default: $RUNSC, cvisor's runsc of the build)
#   PODMAN_RUNTIME_FLAGS  podman flags for it, split on blanks (default, for cvisor:
#                         --runtime-flag=plugin-dir=$CVISOR_PLUGIN_DIR; "" for gVisor or crun)
#   PODMAN_RUNTIME_LOG    a file: podman calls the runtime through a wrapper that appends
#                         each call's argv, cwd, pid file and status there (debugging aid)
#   PODMAN_TIMEOUT        seconds one podman command may take (default 20); the whole run is
#                         also bounded (80 s) so a runtime that hangs fails instead of blocking
#   CC                    compiles the helpers with -static (default cc)
#   BUSYBOX               the static busybox (default /bin/busybox, Debian's busybox-static)
#
# The sandbox cannot fork yet: every scenario runs one program or shell builtins only.
# Validated with gVisor (PODMAN_RUNTIME=/usr/bin/runsc PODMAN_RUNTIME_FLAGS=), Debian 12's
# podman 4.3.1, conmon 2.1.6 and runsc 0.0~20221219.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${abs_top_builddir:-$here/../..}
runtime=${PODMAN_RUNTIME:-${RUNSC:-$build/runtime/runsc}}
call_timeout=${PODMAN_TIMEOUT:-20}
busybox=${BUSYBOX:-/bin/busybox}
cc=${CC:-cc}

skip() {
	echo "SKIP: $*"
	exit 77
}
die() {
	echo "podman.sh: $*" >&2
	exit 1
}

command -v podman >/dev/null || skip "no podman (tools/install-deps.sh installs it)"
[ "$(id -u)" -eq 0 ] || skip "podman's containers here are root's: run as root"
case $runtime in
/*) ;;
*) runtime=$(command -v "$runtime") || die "no runtime $PODMAN_RUNTIME" ;;
esac
[ -x "$runtime" ] || die "$runtime: no runtime to test (build first, or set PODMAN_RUNTIME)"
[ -x "$busybox" ] || die "$busybox: missing (apt-get install busybox-static)"
# A dynamic busybox would need a loader and libc inside the image.
if readelf -l "$busybox" 2>/dev/null | grep -q INTERP; then
	die "$busybox is dynamically linked; install busybox-static"
fi

if [ -n "${PODMAN_RUNTIME_FLAGS+set}" ]; then
	read -r -a runtime_flags <<<"$PODMAN_RUNTIME_FLAGS"
else
	runtime_flags=("--runtime-flag=plugin-dir=${CVISOR_PLUGIN_DIR:-$build/plugins.d}")
fi
# Containers get no network: podman's --network=none (an empty namespace, no netavark) on every
# run, and for runsc the same in the sandbox, since gVisor refuses a network in the host's
# namespace ("cannot run with network enabled in root network namespace"). crun and runc have
# no such flag and reject it.
case ${runtime##*/} in
crun | runc) ;;
*) runtime_flags+=("--runtime-flag=network=none") ;;
esac

tmp=$(mktemp -d /tmp/cvisor-podman-XXXXXX)
# conmon works in its caller's directory and leaves files there (an "oom" marker after an OOM
# kill): here, not in the build tree.
log_path=$(realpath -m "${PODMAN_RUNTIME_LOG:-/dev/null}")
cd "$tmp" || die "cannot enter $tmp"
tag=cvisor-e2e-$$-$(date +%s)
img=localhost/$tag
names=()
tmux_sock=
cleanup() {
	# Every container by name, so one whose ID was never printed goes too, in one bounded
	# command (a runtime that hangs in delete must not hang here); then the image.
	[ ${#names[@]} -gt 0 ] && timeout -k 5 30 podman "${podman_args[@]}" rm -f -i -t 0 \
		"${names[@]}" >/dev/null 2>&1
	timeout -k 5 20 podman rmi -f "$img" >/dev/null 2>&1
	[ -n "$tmux_sock" ] && tmux -S "$tmux_sock" kill-server >/dev/null 2>&1
	rm -rf "$tmp"
}
podman_args=(--runtime "$runtime" "${runtime_flags[@]}")
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

if [ -n "${PODMAN_RUNTIME_LOG:-}" ]; then
	# conmon starts the runtime with a filtered environment, so the wrapper has its paths
	# written in. It waits for the runtime instead of exec'ing it, to log the status; what
	# the runtime leaves behind is still reparented to conmon, the subreaper.
	log_q=$(printf %q "$log_path")
	runtime_q=$(printf %q "$runtime")
	cat >"$tmp/runtime-log" <<EOF
#!/bin/bash
pidfile= prev=
for a in "\$@"; do
	[ "\$prev" = --pid-file ] && pidfile=\$a
	prev=\$a
done
{
	echo "=== \$(date +%T.%N) parent \$PPID (\$(cat /proc/\$PPID/comm)) cwd \$PWD"
	printf '  argv:'
	printf ' [%s]' "\$@"
	echo
} >>$log_q
$runtime_q "\$@"
rc=\$?
{
	echo "  status \$rc"
	[ -n "\$pidfile" ] && [ -f "\$pidfile" ] && echo "  pid file: '\$(cat "\$pidfile")'"
} >>$log_q
exit \$rc
EOF
	chmod +x "$tmp/runtime-log"
	podman_args=(--runtime "$tmp/runtime-log" "${runtime_flags[@]}")
fi

# The whole run stops at this deadline: a runtime that hangs costs the rest of the scenarios,
# not make check.
deadline=$((SECONDS + 80))
last="" status=0

# pm ARG...: one podman command with the runtime under test, bounded in time; leaves $status,
# $tmp/out and $tmp/err.
pm() {
	last="podman $*"
	local left=$((deadline - SECONDS)) t0=$SECONDS
	: >"$tmp/out"
	if [ $left -le 0 ]; then
		echo "(not run: the test is out of time)" >"$tmp/err"
		status=124
		return
	fi
	[ $left -gt "$call_timeout" ] && left=$call_timeout
	# podman run forwards SIGTERM to the container instead of dying of it: SIGKILL follows.
	timeout -k 5 "$left" podman "${podman_args[@]}" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ $((SECONDS - t0)) -ge "$left" ] && echo "(timed out after ${left} s)" >>"$tmp/err"
}

# pm_run ARG...: pm run with the flags every container gets ($run_limits).
pm_run() {
	pm run "${run_limits[@]}" "$@"
}

# bad MESSAGE: explains a scenario's failure with the last podman command and its output.
bad() {
	echo "  $*"
	echo "  last: $last (status $status)"
	sed 's/^/  stdout: /' "$tmp/out" | head -n 20
	sed 's/^/  stderr: /' "$tmp/err" | head -n 20
	return 1
}
want_status() {
	[ "$status" -eq "$1" ] || bad "status $status, expected $1"
}
want_out() { # TEXT: stdout is exactly TEXT and a newline
	printf '%s\n' "$1" >"$tmp/want"
	cmp -s "$tmp/want" "$tmp/out" || bad "stdout is not exactly '$1'"
}
# new_name: a fresh container name in $name, removed at exit whatever happens.
new_name() {
	name=$tag-$((${#names[@]} + 1))
	names+=("$name")
}
# poll_logs NAME LINE: waits up to 5 s for LINE in NAME's log.
poll_logs() {
	for _ in $(seq 50); do
		pm logs "$1"
		grep -qxF "$2" "$tmp/out" && return 0
		[ "$status" -eq 0 ] || break
		sleep 0.1
	done
	bad "no line '$2' in the log"
}
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# The image: busybox with a link per applet, the helpers, root's passwd entry and the usual
# mount points.
root=$tmp/rootfs
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/proc" "$root/dev" "$root/sys"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for a in $("$busybox" --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
for p in sigcatch memhog; do
	"$cc" -static -O2 -Wall -Wextra -o "$root/bin/$p" "$here/$p.c" ||
		die "cannot build $p statically with $cc (libc6-dev has the static libc)"
done
echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
tar -C "$root" -cf "$tmp/rootfs.tar" . || die "cannot pack the rootfs"
timeout -k 5 60 podman import -q "$tmp/rootfs.tar" "$img" >"$tmp/out" 2>"$tmp/err" ||
	die "podman import failed: $(cat "$tmp/err")"

echo "# runtime $runtime${runtime_flags[*]:+ (${runtime_flags[*]})}, image $img"

# Podman 4.3.1 as root puts RLIMIT_NOFILE=1048576 and RLIMIT_NPROC=pid_max in every spec,
# without looking at its own limits. A runtime that applies rlimits with setrlimit() on the
# host (crun, runc) fails with EPERM where the hard limits are lower and CAP_SYS_RESOURCE is
# withheld, as on this machine; a sandbox that keeps rlimits in its own kernel (gVisor) does
# not. Only when the first run shows that failure, every run asks for the limits podman itself
# lives under. `--ulimit host` would be the cure in later podman; 4.3.1 ignores it.
run_limits=()
new_name
pm_run --rm --network=none --name "$name" "$img" true
if [ "$status" -ne 0 ] && grep -q 'setrlimit.*Operation not permitted' "$tmp/err"; then
	pid_max=$(cat /proc/sys/kernel/pid_max)
	nproc=$(ulimit -Hu)
	[ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ] && nproc=$pid_max
	nofile=$(ulimit -Hn)
	run_limits=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
	echo "# the runtime cannot raise rlimits here: every run gets ${run_limits[*]}"
	new_name
	pm_run --rm --network=none --name "$name" "$img" true
fi
# Every scenario needs this much: one verdict instead of seven copies of the same failure.
if [ "$status" -ne 0 ]; then
	echo "FAIL: 0 podman run --rm true: the runtime cannot run a container"
	bad "status $status"
	exit 1
fi
run_limits+=(--network=none)

failed=()
# scenario NAME FUNCTION: runs one scenario and prints its verdict.
scenario() {
	local t0 rc ms
	t0=$(now_ms)
	# Not in a subshell: the names it makes must reach the cleanup.
	"$2" >"$tmp/scenario" 2>&1
	rc=$?
	ms=$(($(now_ms) - t0))
	if [ $rc -eq 0 ]; then
		echo "PASS: $1 (${ms} ms)"
	elif [ $rc -eq 77 ]; then
		echo "SKIP: $1"
	else
		echo "FAIL: $1 (${ms} ms)"
		failed+=("${1%% *}")
	fi
	cat "$tmp/scenario"
	return 0
}

s_echo() {
	new_name
	pm_run --rm --name "$name" "$img" echo hi
	want_status 0 && want_out hi
}

s_exit_status() {
	new_name
	pm_run --rm --name "$name" "$img" sh -c 'exit 3'
	want_status 3
}

s_detached() {
	local cid
	new_name
	pm_run -d --name "$name" "$img" sigcatch
	want_status 0 || return 1
	cid=$(cat "$tmp/out")
	# USR1's default action would kill it: no signal before its handlers are in.
	poll_logs "$name" ready || return 1
	pm ps --no-trunc --format '{{.ID}} {{.Status}}'
	grep -q "^$cid Up" "$tmp/out" || bad "podman ps does not list $cid as up" || return 1
	pm inspect --format '{{.State.Status}}' "$name"
	want_out running || return 1
	pm exec "$name" echo inexec
	want_status 0 && want_out inexec || return 1
	pm exec "$name" sh -c 'exit 5'
	want_status 5 || return 1
	pm kill -s USR1 "$name"
	want_status 0 || return 1
	poll_logs "$name" "got USR1" || return 1
	# sigcatch exits 0 on SIGTERM: a status of 0 proves stop sent it and did not escalate.
	pm stop -t 2 "$name"
	want_status 0 || return 1
	pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$name"
	want_out "exited 0" || return 1
	pm logs "$name"
	grep -qxF "got TERM" "$tmp/out" || bad "no 'got TERM' in the log" || return 1
	pm rm "$name"
	want_status 0 || return 1
	pm container exists "$name"
	[ "$status" -eq 1 ] || bad "the container still exists after podman rm"
}

# stop_within NAME CODES...: `podman stop -t 1` ends NAME within 10 s, with an exit code among
# CODES.
stop_within() {
	local n=$1 t0 ms state got
	shift
	t0=$(now_ms)
	pm stop -t 1 "$n"
	ms=$(($(now_ms) - t0))
	want_status 0 || return 1
	[ "$ms" -le 10000 ] || bad "podman stop took $ms ms" || return 1
	pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$n"
	want_status 0 || return 1
	read -r state got <"$tmp/out"
	[ "$state" = exited ] || bad "the container is $state after podman stop" || return 1
	case " $* " in
	*" $got "*) ;;
	*) bad "exit code $got, expected one of: $*" || return 1 ;;
	esac
	echo "  stopped in $ms ms, exit code $got"
	pm rm "$n"
	want_status 0
}

s_stop_escalation() {
	# sleep as PID 1 has no handler for SIGTERM. Linux ignores it for a namespace's init, so
	# podman has to escalate to SIGKILL (137); gVisor delivers it and sleep dies of it (143).
	new_name
	pm_run -d --name "$name" "$img" sleep 1000
	want_status 0 || return 1
	stop_within "$name" 137 143 || return 1
	# SIGTERM ignored (inherited through exec, no fork): only SIGKILL ends it, on any runtime.
	new_name
	pm_run -d --name "$name" "$img" sh -c 'trap "" TERM; exec sleep 1000'
	want_status 0 || return 1
	stop_within "$name" 137
}

s_memory() {
	# podman sets the limit through the memory controller: v1's memory hierarchy or v2's.
	if [ ! -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] &&
		! grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
		echo "  no memory cgroup controller to enforce --memory"
		return 77
	fi
	new_name
	pm_run --rm --memory=64m --name "$name" "$img" memhog 16
	want_status 0 && want_out "ok 16" || return 1
	# Kept after the run to read its state: the OOM killer's SIGKILL gives 137. gVisor on
	# this machine: 137 (the memory cgroup kills the Sentry), State.OOMKilled false: conmon
	# sees the event but drops its "oom" marker in its working directory, not podman's.
	new_name
	pm_run --memory=64m --name "$name" "$img" memhog 256
	[ "$status" -ne 0 ] || bad "memhog 256 succeeded under --memory=64m" || return 1
	# 137 and nothing else: a sandbox dying otherwise (159, its own seccomp filter's SIGSYS
	# when a log line made glibc open /etc/localtime) is a runtime bug, not the OOM killer.
	[ "$status" -eq 137 ] || bad "memhog 256 under --memory=64m: status $status, not 137" ||
		return 1
	! grep -q "^ok" "$tmp/out" || bad "memhog 256 completed under --memory=64m" || return 1
	local code=$status
	pm inspect --format '{{.State.OOMKilled}}' "$name"
	echo "  memhog 256 under 64m: status $code, OOMKilled $(cat "$tmp/out")"
	pm rm "$name"
	want_status 0
}

# A terminal, from tmux: a pane is a pty that podman takes for its own, that tmux types into,
# reads back and resizes.
tmux_do() {
	tmux -S "$tmux_sock" "$@"
}
# tty_start SESSION ARG...: `podman run -it --rm ARG...` in a new 80x24 tmux session; its
# status lands in $tmp/SESSION.status.
tty_start() {
	local s=$1
	shift
	rm -f "$tmp/$s.status"
	# timeout --foreground: podman must stay in the pane's foreground process group to read
	# the terminal.
	{
		printf '%q ' timeout --foreground -k 5 60 podman "${podman_args[@]}" run \
			"${run_limits[@]}" -it --rm "$@"
		printf '\necho $? >%q\n' "$tmp/$s.status"
	} >"$tmp/$s.sh"
	last="podman run -it --rm $* (in tmux session $s)" status=0
	: >"$tmp/out"
	: >"$tmp/err"
	TERM=xterm tmux_do -f /dev/null new-session -d -s "$s" -x 80 -y 24 \
		"bash $tmp/$s.sh; sleep 60" || bad "tmux cannot start"
}
# pane_has SESSION LINE: waits up to 10 s for a line of the pane that is exactly LINE, less
# trailing blanks.
pane_has() {
	for _ in $(seq 100); do
		tmux_do capture-pane -p -J -S -200 -t "$1" 2>/dev/null | sed 's/[[:space:]]*$//' \
			>"$tmp/pane"
		grep -qxF -- "$2" "$tmp/pane" && return 0
		[ "$SECONDS" -lt "$deadline" ] || break
		sleep 0.1
	done
	echo "  no line '$2' on the terminal; it shows:"
	grep -v '^$' "$tmp/pane" | sed 's/^/  | /'
	return 1
}
type_line() { # SESSION TEXT
	tmux_do send-keys -t "$1" -l -- "$2" && tmux_do send-keys -t "$1" Enter
}
# tty_status SESSION: waits up to 10 s for podman in SESSION to end; leaves $status.
tty_status() {
	for _ in $(seq 100); do
		[ -s "$tmp/$1.status" ] && break
		sleep 0.1
	done
	status=$(cat "$tmp/$1.status" 2>/dev/null || echo "none (still running)")
}

s_terminal() {
	command -v tmux >/dev/null || { echo "  no tmux"; return 77; }
	tmux_sock=$tmp/tmux
	# A shell: its output comes back, its stdio is a terminal, and stty sees a resize (conmon
	# sets the size on the pty it got through the console socket).
	new_name
	tty_start sh --name "$name" "$img" sh || return 1
	pane_has sh "/ #" || bad "no shell prompt" || return 1
	type_line sh 'echo tty-$((6*7))'
	pane_has sh tty-42 || bad "the shell's output did not come back" || return 1
	type_line sh '[ -t 0 ] && [ -t 1 ] && echo is-a-$((2*3))-tty'
	pane_has sh is-a-6-tty || bad "stdin and stdout are not a terminal" || return 1
	tmux_do resize-window -t sh -x 100 -y 30
	# podman passes the size to conmon as soon as it gets SIGWINCH; typing after it is enough.
	sleep 0.5
	type_line sh 'exec stty size'
	pane_has sh "30 100" || bad "stty size after the resize is not 30 100" || return 1
	tty_status sh
	[ "$status" = 0 ] || bad "podman run -it sh ended with status $status (stty exits 0)" ||
		return 1
	# sigcatch: the resize also reaches the container as SIGWINCH (podman sends it with
	# `runtime kill ID 28`), after the size changed.
	new_name
	tty_start winch --name "$name" "$img" sigcatch || return 1
	pane_has winch ready || bad "sigcatch did not start" || return 1
	tmux_do resize-window -t winch -x 100 -y 30
	pane_has winch "got WINCH 30x100" || bad "no SIGWINCH with the new size" || return 1
	pm kill -s TERM "$name"
	want_status 0 || return 1
	pane_has winch "got TERM" || bad "no SIGTERM" || return 1
	tty_status winch
	[ "$status" = 0 ] || bad "podman run -it sigcatch ended with status $status"
}

s_missing() {
	new_name
	pm_run --rm --name "$name" "$img" cat /nonexistent
	want_status 1 || return 1
	[ ! -s "$tmp/out" ] || bad "cat printed on stdout" || return 1
	grep -qF "cat: can't open '/nonexistent': No such file or directory" "$tmp/err" ||
		bad "no error from cat on stderr" || return 1
	# podman's convention: 127 when the runtime says the program was not found, 126 when it
	# cannot run it. gVisor: 126, as it only finds out in `runsc start` (crun: 127 at create).
	new_name
	pm_run --rm --name "$name" "$img" /nonexistent-binary
	case $status in
	126 | 127) echo "  /nonexistent-binary: status $status" ;;
	*) bad "status $status, expected 126 or 127" || return 1 ;;
	esac
	grep -qF nonexistent-binary "$tmp/err" || bad "the error does not name the program"
}

scenario "1 podman run --rm echo hi prints hi" s_echo
scenario "2 the exit status of sh -c 'exit 3' is 3" s_exit_status
scenario "3 detached: ps, exec, exec status, kill -s USR1, logs, stop, rm" s_detached
scenario "4 stop escalates to SIGKILL within 10 s" s_stop_escalation
scenario "5 --memory=64m: memhog 16 runs, memhog 256 is killed" s_memory
scenario "6 run -it: a shell on a terminal, a resize, SIGWINCH" s_terminal
scenario "7 missing file and missing program" s_missing

if [ ${#failed[@]} -gt 0 ]; then
	echo "${#failed[@]} scenario(s) failed: ${failed[*]} (${SECONDS} s)"
	exit 1
fi
echo "all scenarios passed (${SECONDS} s)"
exit 0
