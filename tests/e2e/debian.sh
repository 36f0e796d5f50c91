#!/bin/bash
# debian.sh: the acceptance test for real programs in the sandbox (issue #7): bash scripts
# (pipelines, subshells, traps, job control, here-docs), coreutils, and python3 with threads,
# subprocesses, fork, signals and select, on a Debian 12 rootfs (tests/e2e/debian_rootfs.sh
# builds it once per machine and caches it outside the tree).
#
# Each scenario is one `RUNTIME run --bundle B ID` of the same bundle: the cached rootfs,
# read-only, with a tmpfs on /tmp, config.json from `$RUNSC spec` with its args set. Most
# compare what the sandbox prints with what the same command prints natively, in a chroot of
# the same rootfs mounted the same way (read-only, tmpfs on /tmp and /dev/shm, a proc): those
# with fixed expectations check them on both sides, so a wrong expectation shows as a native
# failure. One PASS/FAIL line per scenario, the difference under a failure; exit 0 when all
# pass, 1 when one fails, 77 (skip) without root or without a rootfs (none cached and none can
# be built, e.g. no network).
#
# Environment:
#   DEBIAN_RUNTIME        the runtime under test (default: $RUNSC, cvisor's runsc of the build)
#   DEBIAN_RUNTIME_FLAGS  its global flags, split on blanks (default, for cvisor:
#                         --plugin-dir=$CVISOR_PLUGIN_DIR; for gVisor: --network=none)
#   DEBIAN_TIMEOUT        seconds one run may take (default 20); the scenarios together stop
#                         at DEBIAN_DEADLINE seconds (default 110), the rest failing unrun, so
#                         a runtime that hangs fails instead of blocking
#   RUNSC                 cvisor's runsc, which writes config.json (`runsc spec`)
#   CVISOR_DEBIAN_ROOTFS  the rootfs (see debian_rootfs.sh)
#
# Validated with gVisor (DEBIAN_RUNTIME=/usr/bin/runsc DEBIAN_RUNTIME_FLAGS=--network=none),
# runsc 0.0~20221219 on its default platform (ptrace): every scenario passes but ls -la / and
# stat, which hit a bug of that gVisor's (statx and AT_NO_AUTOMOUNT) and are reported as
# KNOWN for gVisor only. Every scenario passes with cvisor.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${abs_top_builddir:-$here/../..}
runsc=${RUNSC:-$build/runtime/runsc}
runtime=${DEBIAN_RUNTIME:-$runsc}
run_timeout=${DEBIAN_TIMEOUT:-20}
deadline=$((SECONDS + ${DEBIAN_DEADLINE:-110}))
env_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

skip() {
	echo "SKIP: $*"
	exit 77
}
die() {
	echo "debian.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "chroot, mounts and debootstrap need root"
for c in unshare chroot mount timeout; do
	command -v "$c" >/dev/null || die "no $c"
done
case $runtime in
/*) ;;
*) runtime=$(command -v "$runtime") || die "no runtime $DEBIAN_RUNTIME" ;;
esac
[ -x "$runtime" ] || die "$runtime: no runtime to test (build first, or set DEBIAN_RUNTIME)"
[ -x "$runsc" ] || die "$runsc: no runsc to write config.json (build first, or set RUNSC)"
if [ -n "${DEBIAN_RUNTIME_FLAGS+set}" ]; then
	read -r -a runtime_flags <<<"$DEBIAN_RUNTIME_FLAGS"
else
	runtime_flags=("--plugin-dir=${CVISOR_PLUGIN_DIR:-$build/plugins.d}")
fi

tmp=$(mktemp -d /tmp/cvisor-debian-XXXXXX) || die "no temporary directory"
bundle=$tmp/bundle
state=$tmp/state
mnt=$tmp/mnt
mkdir "$bundle" "$state" "$mnt"
current=
cleanup() {
	# A run cut short by a signal to this script leaves its sandbox; it goes with its state.
	[ -n "$current" ] && timeout -k 2 10 "$runtime" --root "$state" "${runtime_flags[@]}" \
		delete --force "$current" >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

# The rootfs: cached, or built now (a minute or more, once per machine). Without debootstrap
# or a network there is nothing to test, which is not a failure of the runtime.
if ! rootfs=$(sh "$here/debian_rootfs.sh" 2>"$tmp/rootfs.err"); then
	# debootstrap's last lines come before the reason: worth seeing.
	[ "$(wc -l <"$tmp/rootfs.err")" -le 1 ] || cat "$tmp/rootfs.err" >&2
	reason=$(tail -n 1 "$tmp/rootfs.err")
	skip "no Debian rootfs: ${reason#debian_rootfs.sh: }"
fi
case $rootfs in
*[\"\\\|\&]* | *[[:cntrl:]]*) die "$rootfs: a path this script cannot put in config.json" ;;
esac

# config.json: `runsc spec`'s, without a terminal, its root the cached rootfs (read-only, as
# spec has it), a tmpfs on /tmp, and the args line split out: each run writes its own.
"$runsc" spec --bundle "$bundle" || die "$runsc spec failed"
tmpfs='    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs",\n'
tmpfs+='      "options": [ "nosuid", "nodev", "mode=1777" ] },'
sed -i -e 's/^\(    "terminal": \)true,$/\1false,/' \
	-e 's|^\(  "root": { "path": \)"rootfs"\(, "readonly": true }\)|\1"'"$rootfs"'"\2|' \
	-e 's|^\(  "mounts": \[\)$|\1\n'"$tmpfs"'|' "$bundle/config.json"
spec=$bundle/config.json
grep -q '^    "terminal": false,$' "$spec" || die "config.json: cannot unset terminal"
grep -qF "\"root\": { \"path\": \"$rootfs\", \"readonly\": true }" "$spec" ||
	die "config.json: cannot set a read-only root at $rootfs"
grep -qF '"destination": "/tmp", "type": "tmpfs"' "$spec" || die "config.json: no tmpfs on /tmp"
grep -q '^    "args": \[ "sh" \],$' "$spec" || die "config.json: no args line to replace"
sed '/^    "args": \[ "sh" \],$/,$d' "$spec" >"$tmp/spec.head"
sed '1,/^    "args": \[ "sh" \],$/d' "$spec" >"$tmp/spec.tail"

# One JSON string: backslashes and quotes escaped, newlines and tabs as \n and \t (scripts
# span lines); other control characters refused.
json_string() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	case $s in *[[:cntrl:]]*) die "an argument with a control character: not supported" ;; esac
	printf '"%s"' "$s"
}

# native CMD...: CMD in a chroot of the rootfs mounted as the sandbox has it, with the
# sandbox's environment; leaves $status, $tmp/out and $tmp/err. Its own mount namespace: the
# mounts go with it.
native() {
	timeout -k 5 "$run_timeout" unshare --mount --propagation private sh -c '
		r=$1 m=$2 p=$3
		shift 3
		mount --bind -o ro "$r" "$m" &&
			mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs "$m/tmp" &&
			mount -t tmpfs -o nosuid,nodev,noexec,mode=1777 shm "$m/dev/shm" &&
			mount -t proc proc "$m/proc" || exit 125
		exec chroot "$m" /usr/bin/env -i PATH="$p" TERM=xterm "$@"' \
		sh "$rootfs" "$mnt" "$env_path" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
	case $status in
	124 | 137) echo "timed out after $run_timeout s" >>"$tmp/err" ;;
	esac
}

# sandbox CMD...: CMD as the container's process, under the runtime under test; leaves
# $status, $tmp/out and $tmp/err. Its stdout is a pipe (gVisor loses what a container writes
# to a regular file it shares with its caller), read under a timeout too, as a sandbox that
# outlives its runtime would hold the pipe open.
n=0
sandbox() {
	local a args='' id left t
	for a in "$@"; do
		args="${args:+$args, }$(json_string "$a")"
	done
	{
		cat "$tmp/spec.head"
		printf '    "args": [ %s ],\n' "$args"
		cat "$tmp/spec.tail"
	} >"$spec"
	n=$((n + 1))
	id=debian-$$-$n
	left=$((deadline - SECONDS))
	t=$run_timeout
	[ "$left" -lt "$t" ] && t=$left
	[ "$t" -lt 1 ] && t=1
	current=$id
	{
		timeout -k 5 "$t" "$runtime" --root "$state" "${runtime_flags[@]}" run \
			--bundle "$bundle" "$id" </dev/null 2>"$tmp/err"
		echo $? >"$tmp/status"
	} | timeout -k 2 $((t + 10)) cat >"$tmp/out"
	status=$(cat "$tmp/status" 2>/dev/null || echo 255)
	case $status in
	124 | 137) echo "timed out after $t s" >>"$tmp/err" ;;
	esac
	if [ "$status" -ne 0 ]; then
		timeout -k 2 10 "$runtime" --root "$state" "${runtime_flags[@]}" delete --force \
			"$id" >/dev/null 2>&1
	fi
	current=
}

failed=() known=()
# gVisor's runsc says "runsc version 0.0~20221219.0"; cvisor's runsc names itself.
is_gvisor=0
"$runtime" --version 2>/dev/null | head -n 1 | grep -q '^runsc version' &&
	! "$runtime" --version 2>/dev/null | grep -q cvisor && is_gvisor=1
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}
# show WHAT FILE: FILE indented under a heading; of a long one, its first and last lines (a
# Python traceback ends with the error).
show() {
	[ -s "$2" ] || return 0
	echo "  $1:"
	if [ "$(wc -l <"$2")" -le 16 ]; then
		sed 's/^/  | /' "$2"
	else
		head -n 8 "$2" | sed 's/^/  | /'
		echo "  | ..."
		tail -n 6 "$2" | sed 's/^/  | /'
	fi
}
# sandbox_ok: the sandbox's run exited 0; explains otherwise.
sandbox_ok() {
	[ "$status" -eq 0 ] && return 0
	echo "  sandbox: status $status"
	show stdout "$tmp/out"
	show stderr "$tmp/err"
	return 1
}
# same WANT GOT: the two files are equal; shows the difference otherwise.
same() {
	cmp -s "$1" "$2" && return 0
	echo "  expected (-) and printed (+):"
	diff -u "$1" "$2" | sed -n '3,$p' | head -n 25 | sed 's/^/  | /'
	show stderr "$tmp/err"
	return 1
}

# same_stderr FILE: the sandbox's stderr is FILE's (what the native run wrote there, or
# nothing): an error that does not change stdout, like ls failing to read an ACL, still fails.
same_stderr() {
	cmp -s "$1" "$tmp/err" && return 0
	echo "  stderr, expected (-) and written (+):"
	diff -u "$1" "$tmp/err" | sed -n '3,$p' | head -n 25 | sed 's/^/  | /'
	return 1
}

# scenario NAME KIND ARG CMD...: runs CMD natively and in the sandbox and prints the verdict.
# With gvisor_bug=TEXT and gvisor_why=WHY in its environment, a failure under gVisor with TEXT
# on the sandbox's stderr is that known bug of gVisor's (reported as KNOWN, not a failure);
# every other runtime, and a gVisor without the bug, must pass.
#   fixed TEXT    both print exactly TEXT (plus a newline) and exit 0, and the same stderr
#   native FILTER the sandbox prints what the native run prints, both through FILTER (a
#                 function, "cat" for none) and the same stderr; the native run must exit 0
#                 and print something
#   check FUNC    the sandbox exits 0, FUNC accepts its stdout ($tmp/out), its stderr is
#                 empty; no native run
scenario() {
	local name=$1 kind=$2 arg=$3 t0 ok=1
	shift 3
	t0=$(now_ms)
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "FAIL: $name (not run: the ${DEBIAN_DEADLINE:-110} s deadline has passed)"
		failed+=("$name")
		return 0
	fi
	{
		case $kind in
		fixed)
			printf '%s\n' "$arg" >"$tmp/want"
			native "$@"
			if [ "$status" -ne 0 ] || ! cmp -s "$tmp/want" "$tmp/out"; then
				echo "  the native run disagrees with the expectation" \
					"(status $status)"
				same "$tmp/want" "$tmp/out" && show stderr "$tmp/err"
				ok=0
			else
				cp "$tmp/err" "$tmp/native.err"
				sandbox "$@"
				sandbox_ok && same "$tmp/want" "$tmp/out" &&
					same_stderr "$tmp/native.err" || ok=0
			fi
			;;
		native)
			native "$@"
			if [ "$status" -ne 0 ] || [ ! -s "$tmp/out" ]; then
				echo "  the native run failed (status $status) or printed nothing"
				show stdout "$tmp/out"
				show stderr "$tmp/err"
				ok=0
			else
				"$arg" <"$tmp/out" >"$tmp/want"
				cp "$tmp/err" "$tmp/native.err"
				sandbox "$@"
				if sandbox_ok; then
					"$arg" <"$tmp/out" >"$tmp/got"
					same "$tmp/want" "$tmp/got" && same_stderr "$tmp/native.err" ||
						ok=0
				else
					ok=0
				fi
			fi
			;;
		check)
			sandbox "$@"
			sandbox_ok && "$arg" && same_stderr /dev/null || ok=0
			;;
		*) die "scenario $name: unknown kind $kind" ;;
		esac
	} >"$tmp/verdict" 2>&1
	if [ $ok -eq 1 ]; then
		echo "PASS: $name ($(($(now_ms) - t0)) ms)"
	elif [ "$is_gvisor" -eq 1 ] && [ -n "${gvisor_bug:-}" ] &&
		grep -qF -- "$gvisor_bug" "$tmp/err"; then
		echo "KNOWN: $name ($(($(now_ms) - t0)) ms): a bug of gVisor's," \
			"${gvisor_why:-}"
		known+=("$name")
	else
		echo "FAIL: $name ($(($(now_ms) - t0)) ms)"
		failed+=("$name")
	fi
	cat "$tmp/verdict"
	return 0
}

# bad TEXT: a check's failure, with what the sandbox printed.
bad() {
	echo "  $*"
	show stdout "$tmp/out"
	show stderr "$tmp/err"
	return 1
}

echo "# runtime $runtime${runtime_flags[*]:+ (${runtime_flags[*]})}, rootfs $rootfs"

# --- The simplest forms of fork, exec, wait and pipes, first: the first to fail says most.
scenario "bash runs a program and waits for it" fixed $'child\nstatus 0' \
	bash -c '/bin/echo child; echo "status $?"'
scenario "bash: a program's exit status" fixed "status 3" \
	bash -c 'sh -c "exit 3"; echo "status $?"'
scenario "bash: a two-command pipe" fixed "hi" bash -c 'echo hi | cat'

# --- bash scripts.
scenario "bash: seq 1 1000 | grep 7 | wc -l" fixed 271 bash -c 'seq 1 1000 | grep 7 | wc -l'
# Over 500 KiB through pipes that hold 64 KiB; head leaves early and sort gets SIGPIPE.
scenario "bash: a long pipeline, head closing early" fixed $'100000\n99999\n99998' \
	bash -c 'seq 1 100000 | sort -rn | head -n 3'
scenario "bash: pipefail and PIPESTATUS" fixed $'1\n0 1 0' \
	bash -c 'set -o pipefail; true | false | true; echo $?
		true | false | true; echo "${PIPESTATUS[*]}"'
scenario "bash: subshells and command substitution" fixed \
	$'a b st=3\n/etc /\nnested\ndistinct pid\nsub 42' \
	bash -c 'x=$(echo a; (echo b; exit 3); echo "st=$?"); echo $x
		echo "$(cd /etc && pwd) $PWD"
		echo "$(echo $(echo nested))"
		[ "$(echo $BASHPID)" != "$$" ] && echo distinct pid
		(v=42; echo "sub $v") | cat'
scenario "bash: process substitution (/dev/fd)" fixed $'same\n3' \
	bash -c 'diff <(seq 3) <(seq 1 3) && echo same; wc -l < <(seq 3)'
# /dev/fd/N, /dev/stdin and /proc/self/fd/N of a pipe open a new end of that pipe.
scenario "bash: cat <(echo hi), /dev/stdin and /proc/self/fd of a pipe" fixed $'hi\nthere\nfd' \
	bash -c 'cat <(echo hi); echo there | cat /dev/stdin; echo fd | cat /proc/self/fd/0'
scenario "bash: trap on a signal the script sends itself" fixed $'got USR1\nafter\nbye' \
	bash -c 'trap "echo got USR1" USR1; trap "echo bye" EXIT; kill -USR1 $$; echo after'
scenario "bash: trap on TERM from a child interrupts wait" fixed \
	$'got TERM\nwait returned 143\ndone' \
	bash -c 'trap "echo got TERM" TERM; (sleep 0.2; kill -TERM $$) & wait $!
		echo "wait returned $?"; wait; echo done'
scenario "bash: job control, set -m; sleep 1 & jobs; wait" fixed \
	"[1]+  Running                 sleep 1 &" bash -c 'set -m; sleep 1 & jobs; wait'
scenario "bash: job control, kill %1 and its status" fixed "status 143" \
	bash -c 'set -m; sleep 10 & kill %1; wait %1; echo "status $?"'
scenario "bash: loops over files" native cat bash -c '
	mkdir /tmp/d && for i in 1 2 3; do echo "line $i" >"/tmp/d/f$i"; done
	for f in /tmp/d/*; do printf "%s: %s\n" "${f##*/}" "$(cat "$f")"; done
	for f in /etc/*.conf; do echo "$f $(wc -l <"$f")"; done
	n=0; while IFS=: read -r user _; do n=$((n + 1)); done </etc/passwd; echo "users $n"'
scenario "bash: here-documents and here-strings" fixed \
	$'answer 42\nno $((expansion)) here\ntabs stripped\n3 words here\nHERE STRING' \
	bash -c "$(printf '%s\n' 'cat <<EOF' 'answer $((6 * 7))' 'EOF' \
		"cat <<'EOF'" 'no $((expansion)) here' 'EOF' \
		'cat <<-EOF' $'\t\ttabs stripped' $'\tEOF' \
		'wc -w <<EOF | sed "s/\$/ words here/"' 'one two' 'three' 'EOF' \
		'tr a-z A-Z <<<"here string"')"

# --- coreutils and friends. ls -la / differs in the mount points only (/dev, /proc, /sys and
# /tmp are the runtime's there), in total's block count, and so in the columns' widths (the
# host's /proc has 3 digits of links when over 97 processes run).
ls_root_filter() {
	grep -v -e '^total ' -e ' dev$' -e ' proc$' -e ' sys$' -e ' tmp$' | tr -s ' '
}
# gVisor 20221219 fails statx(2) with EINVAL when given AT_NO_AUTOMOUNT, which coreutils 9.1's
# ls and stat always pass.
statx_bug="statx rejects AT_NO_AUTOMOUNT, as coreutils 9.1 passes it"
gvisor_bug="Invalid argument" gvisor_why=$statx_bug \
	scenario "ls -la /" native ls_root_filter ls -la /
scenario "sort and uniq" fixed $'      3 a\n      2 b\n      1 c' \
	bash -c 'printf "b\na\nc\na\nb\na\n" | sort | uniq -c | sort -rn'
scenario "head and tail" fixed $'10\n11\n12\nPRETTY_NAME' \
	bash -c 'seq 1 50 | head -n 12 | tail -n 3; head -c 11 /etc/os-release; echo'
scenario "cut and tr" native cat \
	bash -c 'cut -d: -f1,7 /etc/passwd | head -n 3; echo hello world | tr a-z A-Z
		echo a:b:c | cut -d: -f2 | tr -d "\n"; echo'
sums=$(cd "$rootfs" && sha256sum etc/debian_version usr/bin/bash | sed 's|  |  /|')
scenario "sha256sum of known files" fixed "$sums" sha256sum /etc/debian_version /usr/bin/bash
scenario "date +%Y" fixed "$(date +%Y)" date +%Y
gvisor_bug="Invalid argument" gvisor_why=$statx_bug scenario "stat" native cat \
	stat -c '%n %s %a %U %G %F %Y' /etc/passwd /usr/bin/bash /etc/os-release /bin /usr
# Sorted: the order is the directory's, which a sandbox need not keep.
sorted() {
	sort
}
scenario "find /etc -name passwd" native sorted find /etc -name passwd
scenario "find over a large tree" native cat bash -c 'find /usr/lib -name "*.py" | wc -l'
scenario "xargs" native cat bash -c 'seq 1 10 | xargs -n 3 echo
	printf "%s\n" /etc/passwd /etc/group | xargs wc -l
	seq 1 6 | xargs -P 3 -n 1 sh -c "sleep 0.1; echo \$0" | sort -n | tr "\n" " "; echo'

# --- python3.
scenario "python3: os.fork and waitpid" fixed $'child\nexit 7' python3 -c '
import os
pid = os.fork()
if pid == 0:
    print("child", flush=True)
    os._exit(7)
_, st = os.waitpid(pid, 0)
print("exit", os.waitstatus_to_exitcode(st))'
scenario "python3: threads summing" fixed $'499999500000 499999500000\n40000\n1' python3 -c '
import threading
parts = [0] * 4
count = 0
lock = threading.Lock()
def work(i):
    global count
    parts[i] = sum(range(i * 250000, (i + 1) * 250000))
    for _ in range(10000):
        with lock:
            count += 1
ts = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sum(parts), sum(range(1000000)))
print(count)
print(threading.active_count())'
scenario "python3: subprocess" fixed $'hi\n\'hi\\n\' 0\n3' python3 -c '
import subprocess
subprocess.run(["echo", "hi"], check=True)
r = subprocess.run(["echo", "hi"], capture_output=True, text=True)
print(repr(r.stdout), r.returncode)
print(subprocess.run(["sh", "-c", "exit 3"]).returncode)'
scenario "python3: multiprocessing Pool(2).map, fork" fixed \
	"[0, 1, 4, 9, 16, 25, 36, 49, 64, 81] True" python3 -c '
import multiprocessing as mp, os
def square(x):
    return x * x
def pid(_):
    return os.getpid()
mp.set_start_method("fork")
with mp.Pool(2) as p:
    sq = p.map(square, range(10))
    pids = set(p.map(pid, range(20), chunksize=1))
print(sq, os.getpid() not in pids)'
scenario "python3: signal handlers" fixed $'SIGUSR1\nSIGALRM\n[\'SIGUSR1\', \'SIGALRM\']' \
	python3 -c '
import os, signal
got = []
def on(sig, frame):
    got.append(signal.Signals(sig).name)
    print(got[-1], flush=True)
signal.signal(signal.SIGUSR1, on)
signal.signal(signal.SIGALRM, on)
os.kill(os.getpid(), signal.SIGUSR1)
signal.setitimer(signal.ITIMER_REAL, 0.1)
signal.pause()
print(got)'
scenario "python3: select on pipes" fixed \
	$'idle True True\nready True\nb\'x\'\ntimeout ok\neof b\'\'' python3 -c '
import os, select, time
r, w = os.pipe()
rd, wr, _ = select.select([r], [w], [], 0)
print("idle", rd == [], wr == [w])
os.write(w, b"x")
print("ready", select.select([r], [], [], 1)[0] == [r])
print(os.read(r, 1))
t = time.monotonic()
select.select([r], [], [], 0.2)
print("timeout", "ok" if 0.15 <= time.monotonic() - t < 5 else "wrong")
os.close(w)
select.select([r], [], [], 1)
print("eof", os.read(r, 1))'

# ps aux from a shell with a child: the shell is PID 1, ps and sleep are listed too, each with
# its memory (VSZ, RSS) and state (the shell a sleeping session leader, ps running).
ps_check() {
	head -n 1 "$tmp/out" | grep -q '^USER  *PID  *%CPU  *%MEM ' || bad "no ps aux header" ||
		return 1
	awk '$2 == 1 && $1 == "root" && / bash -c / { f = 1 } END { exit !f }' "$tmp/out" ||
		bad "no bash as PID 1" || return 1
	awk '$2 != 1 && / ps aux$/ { f = 1 } END { exit !f }' "$tmp/out" ||
		bad "ps does not list itself" || return 1
	awk '$2 != 1 && / sleep 30$/ { f = 1 } END { exit !f }' "$tmp/out" ||
		bad "ps does not list the shell's sleep" || return 1
	awk 'NR > 1 && ($5 <= 0 || $6 <= 0) { f = 1 } END { exit f }' "$tmp/out" ||
		bad "a process without VSZ or RSS" || return 1
	awk '$2 == 1 && $8 == "Ss" { a = 1 } / ps aux$/ && $8 ~ /^R/ { b = 1 }
		/ sleep 30$/ && $8 ~ /^S/ { c = 1 } END { exit !(a && b && c) }' "$tmp/out" ||
		bad "STAT is not Ss for the shell, R for ps, S for sleep" || return 1
	echo "  $(($(wc -l <"$tmp/out") - 1)) processes"
}
scenario "ps aux lists PID 1, itself and a sibling" check ps_check \
	bash -c 'sleep 30 & ps aux; kill $!'
# top's batch mode: the summary from /proc/{uptime,loadavg,stat,meminfo}, and a line for each
# process (PID 1 the shell, top itself).
top_check() {
	grep -q '^top - .* load average: ' "$tmp/out" || bad "no top summary line" || return 1
	grep -q '^Tasks: *[0-9]* total, *[0-9]* running' "$tmp/out" || bad "no Tasks line" ||
		return 1
	grep -q '^MiB Mem : *[0-9.]* total' "$tmp/out" || bad "no memory line" || return 1
	awk '$1 == 1 && $NF == "bash" { a = 1 } $NF == "top" && $8 == "R" { b = 1 }
		END { exit !(a && b) }' "$tmp/out" || bad "no bash as PID 1 or no running top" ||
		return 1
}
scenario "top -bn1 lists the shell and itself" check top_check bash -c 'top -bn1; true'
# /proc of a child, from python: its cmdline, parent, exe, fd links and place in /proc. Read
# once it sleeps: natively, Popen returns before exec has set the new image's arguments.
scenario "python3: /proc/PID of a child" fixed \
	$'S\nlisted True\ncmdline [\'sleep\', \'5\']\nppid True\nexe /usr/bin/sleep\nstdin pipe True' \
	python3 -c '
import os, subprocess, time
p = subprocess.Popen(["sleep", "5"], stdin=subprocess.PIPE)
d = "/proc/%d" % p.pid
for _ in range(500):
    state = open(d + "/stat").read().rsplit(")", 1)[1].split()[0]
    if state == "S" and open(d + "/cmdline").read():
        break
    time.sleep(0.01)
print(state)
print("listed", str(p.pid) in os.listdir("/proc"))
print("cmdline", open(d + "/cmdline").read().split("\0")[:-1])
st = dict(l.split(":\t", 1) for l in open(d + "/status").read().splitlines())
print("ppid", int(st["PPid"]) == os.getpid())
print("exe", os.readlink(d + "/exe"))
print("stdin pipe", os.readlink(d + "/fd/0") == "pipe:[%d]" % os.fstat(p.stdin.fileno()).st_ino)
p.kill()
p.wait()'
# The CPU count as glibc (/sys/devices/system/cpu/online) and nproc (affinity) see it.
scenario "getconf _NPROCESSORS_ONLN is nproc" fixed "same" \
	bash -c '[ "$(getconf _NPROCESSORS_ONLN)" = "$(nproc)" ] && echo same'
# grep as the container's process: PID 1, its parent outside.
status_check() {
	printf '%s\n' $'Name:\tgrep' $'State:\tR (running)' $'Pid:\t1' $'PPid:\t0' \
		$'Uid:\t0\t0\t0\t0' $'Gid:\t0\t0\t0\t0' $'Threads:\t1' >"$tmp/want"
	same "$tmp/want" "$tmp/out"
}
scenario "/proc/self/status of PID 1" check status_check \
	grep -E '^(Name|State|Pid|PPid|Threads|Uid|Gid):' /proc/self/status
scenario "python3: /proc/self/status counts threads" fixed $'python3 1 2 1' python3 -c '
import threading, time
def field(name):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split()[1]
before = field("Threads")
go = threading.Event()
t = threading.Thread(target=go.wait)
t.start()
during = field("Threads")
go.set()
t.join()
# join() returns when the thread is done with Python, maybe before the kernel is done with it.
for _ in range(200):
    if field("Threads") == before:
        break
    time.sleep(0.01)
print(field("Name"), before, during, field("Threads"))'

# Sockets over loopback (issue #8). A free port, chosen now: the kernel's pick for port 0.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# http.server and urllib in ONE sandbox (--network's default: loopback only until netstack).
scenario "python3: http.server on 127.0.0.1 answers urllib" fixed "200 yes" sh -c '
cd /etc && python3 -m http.server --bind 127.0.0.1 "$1" >/dev/null 2>&1 &
python3 -c "
import sys, time, urllib.request
for _ in range(200):
    try:
        r = urllib.request.urlopen(\"http://127.0.0.1:%s/hostname\" % sys.argv[1], timeout=5)
        break
    except OSError:
        time.sleep(0.05)
print(r.status, \"yes\" if r.read() else \"no\")" "$1"
kill $!' sh "$(free_port)"

# --network=host: the sandbox shares the host's loopback both ways (cvisor's flag; gVisor's
# runsc takes the same one).
saved_flags=("${runtime_flags[@]}")
runtime_flags+=(--network=host)
mkdir -p "$tmp/www" && echo "from the host" >"$tmp/www/greeting"
host_port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/www" "$host_port" >/dev/null 2>&1 &
host_server=$!
scenario "--network=host: a sandbox client reaches a host server" fixed "from the host" \
	python3 -c '
import sys, time, urllib.request
for _ in range(200):
    try:
        print(urllib.request.urlopen("http://127.0.0.1:%s/greeting" % sys.argv[1], timeout=5).read().decode().strip())
        break
    except OSError:
        time.sleep(0.05)' "$host_port"
kill "$host_server" 2>/dev/null
wait "$host_server" 2>/dev/null

sb_port=$(free_port)
# The host's client polls until the sandbox's server (one request, then it exits) is up.
python3 -c '
import sys, time, urllib.request
for _ in range(300):
    try:
        r = urllib.request.urlopen("http://127.0.0.1:%s/etc/hostname" % sys.argv[1], timeout=5)
        print(r.status)
        break
    except OSError:
        time.sleep(0.05)' "$sb_port" >"$tmp/host_client" 2>&1 &
host_client=$!
host_client_check() {
	wait "$host_client"
	printf 'served\n' >"$tmp/want"
	same "$tmp/want" "$tmp/out" || return 1
	printf '200\n' >"$tmp/want"
	same "$tmp/want" "$tmp/host_client"
}
scenario "--network=host: a host client reaches a sandbox server" check host_client_check \
	python3 -c '
import http.server, sys
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), lambda *a: Quiet(*a, directory="/"))
s.handle_request()
print("served")' "$sb_port"
runtime_flags=("${saved_flags[@]}")

# Terminals: the Sentry's own ptys (/dev/ptmx, devpts). No native run: the chroot has no
# devpts of its own.
pty_fork_check() {
	printf '%s\n' "'tty True True True\\r\\nhello\\r\\ngot hello\\r\\n'" 3 >"$tmp/want"
	same "$tmp/want" "$tmp/out" && [ ! -s "$tmp/err" ]
}
scenario "python3: pty.fork, a child on its controlling terminal" check pty_fork_check \
	python3 -c '
import os, pty
pid, fd = pty.fork()
if pid == 0:
    print("tty", os.isatty(0), os.ttyname(0).startswith("/dev/pts/"), os.getsid(0) == os.getpid())
    print("got", input(), flush=True)  # stdout was a pipe at startup: block-buffered
    os._exit(3)
out = b""
def more():
    global out
    try:
        d = os.read(fd, 1024)
    except OSError:  # EIO: the slave side is closed
        return False
    out += d
    return bool(d)
while b"True\r\n" not in out and more():
    pass
os.write(fd, b"hello\n")
while more():
    pass
_, st = os.waitpid(pid, 0)
print(repr(out.decode()))
print(os.waitstatus_to_exitcode(st))'
# util-linux's script(1) runs its command on a new pty: tty names it, stty reads its termios.
script_check() {
	tr -d '\r' <"$tmp/out" >"$tmp/got"
	grep -qx '/dev/pts/[0-9]*' "$tmp/got" &&
		grep -q '^speed 38400 baud; rows 0; columns 0; line = 0;$' "$tmp/got" &&
		grep -q '^isig icanon iexten echo echoe echok -echonl ' "$tmp/got" &&
		grep -q ' icrnl ixon ' "$tmp/got" && grep -q '^opost .* onlcr ' "$tmp/got" &&
		[ ! -s "$tmp/err" ] && return 0
	show stdout "$tmp/out"
	show stderr "$tmp/err"
	return 1
}
scenario "script -qc 'tty; stty -a' on a pty" check script_check \
	script -qc 'tty; stty -a' /dev/null
# An interactive bash on a pty: fg hands the terminal over (TIOCSPGRP) and back, a background
# read stops with SIGTTIN, a background write under stty tostop with SIGTTOU.
jobctl_tty_check() {
	tr -d '\r' <"$tmp/out" >"$tmp/got"
	grep -qx 'fg 0' "$tmp/got" && grep -qx '\[1\]+  Stopped                 cat' "$tmp/got" &&
		grep -qx '\[1\]+  Stopped                 ( echo out )' "$tmp/got" &&
		! grep -qx out "$tmp/got" && [ "$(tail -n 1 "$tmp/got")" = end ] && return 0
	show stdout "$tmp/out"
	show stderr "$tmp/err"
	return 1
}
scenario "bash -i on a pty: fg, SIGTTIN, tostop's SIGTTOU" check jobctl_tty_check \
	script -qc 'bash --norc -ic "sleep 0.2 & fg >/dev/null; echo fg \$?; cat & sleep 0.3; jobs
kill -KILL %1; wait 2>/dev/null; stty tostop; (echo out) & sleep 0.3; jobs; kill -KILL %1
wait 2>/dev/null; echo end"' /dev/null

if [ ${#known[@]} -gt 0 ]; then
	echo "${#known[@]} scenario(s) hit a known bug of gVisor's:"
	printf '  %s\n' "${known[@]}"
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "${#failed[@]} scenario(s) failed (${SECONDS} s):"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
echo "all scenarios passed (${SECONDS} s)"
exit 0
