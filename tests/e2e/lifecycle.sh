#!/bin/bash
# The OCI lifecycle through cvisor's runsc command line, as an engine drives it: create, start,
# state, list, ps, exec, kill, wait, events, delete; the exit status of the container's process;
# bad configs that must fail with one line and leave nothing behind; concurrent invocations.
# Every runsc call is bounded by a timeout so a hang fails the test instead of blocking
# make check.
set -u
here=$(cd "$(dirname "$0")" && pwd)
runsc=${RUNSC:-${abs_top_builddir:-$here/../..}/runtime/runsc}
export CVISOR_PLUGIN_DIR=${CVISOR_PLUGIN_DIR:-$(dirname "$runsc")/../plugins.d}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (ptrace, cgroups)"; exit 77; }
[ -x /bin/busybox ] || { echo "SKIP: busybox-static missing"; exit 77; }

tmp=$(mktemp -d /tmp/cvisor-lifecycle.XXXXXX)
root=$tmp/state
bundle=$tmp/bundle
mkdir -p "$bundle"
fails=0
cleanup() {
	for id in $(ls "$root" 2>/dev/null); do
		timeout 20 "$runsc" --root "$root" delete --force "$id" >/dev/null 2>&1
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

R() { timeout 30 "$runsc" --root "$root" "$@"; }
ok() { echo "ok - $*"; }
bad() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi
}
field() { # field JSON KEY: a top-level string or number of runsc state's output
	sed -n "s/^ *\"$2\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" <<<"$1" | head -n 1
}
bundle_for() { # bundle_for ARG...: config.json running ARG...
	sh "$here/mkbundle.sh" --config-only "$bundle" "$@" >/dev/null || exit 1
}
sh "$here/mkbundle.sh" "$bundle" true >/dev/null || exit 1

# --- create, start, state, kill, wait, delete ---
bundle_for sleep 1000
R create --bundle "$bundle" --pid-file "$tmp/pid" c1
check "create exits 0" 0 $?
st=$(R state c1)
check "state after create" created "$(field "$st" status)"
pid=$(field "$st" pid)
check "pid file is the state's pid" "$pid" "$(cat "$tmp/pid" 2>/dev/null)"
[ -d "/proc/$pid" ] && ok "sandbox process $pid exists" || bad "no sandbox process $pid"
check "state names the bundle" "$bundle" "$(field "$st" bundle)"
R list | grep -q "^c1 .* created " && ok "list shows c1 created" || bad "list: $(R list)"
R list --format json | grep -q '"id":"c1"' && ok "list --format json" || bad "list json"
R start c1
check "start exits 0" 0 $?
check "state after start" running "$(field "$(R state c1)" status)"
R start c1 2>"$tmp/err"
check "second start fails" 1 $?
grep -q "already running" "$tmp/err" && ok "second start says why" || bad "$(cat "$tmp/err")"
R ps --format json c1 | grep -q '"PID":1,.*"Cmd":"sleep 1000"' && ok "ps shows PID 1" ||
	bad "ps: $(R ps --format json c1)"
R events --stats c1 | grep -q '"type":"stats".*"memory"' && ok "events --stats" ||
	bad "events: $(R events --stats c1 2>&1)"
# PID 1 without a handler ignores SIGTERM from outside (as Linux's init); SIGKILL ends it.
R kill c1 TERM
sleep 0.3
check "SIGTERM leaves init running" running "$(field "$(R state c1)" status)"
R delete c1 2>"$tmp/err"
check "delete of a running container fails" 1 $?
grep -q "cannot delete container c1 that is not stopped: running" "$tmp/err" &&
	ok "delete says why" || bad "delete: $(cat "$tmp/err")"
R kill c1 SIGKILL
check "kill KILL exits 0" 0 $?
check "wait gives 128+9" '{"id":"c1","exitStatus":137}' "$(R wait c1)"
check "state after the end" stopped "$(field "$(R state c1)" status)"
R kill c1 KILL 2>/dev/null
check "kill of a stopped container fails" 1 $?
R delete c1
check "delete exits 0" 0 $?
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
alive "$pid" && bad "sandbox $pid survived delete" || ok "sandbox gone"
R state c1 2>"$tmp/err"
check "state after delete fails" 1 $?
check "state error" 'runsc: container "c1" does not exist' "$(cat "$tmp/err")"

# --- exit status, run, run --detach, exec ---
bundle_for sh -c 'exit 7'
R create --bundle "$bundle" c2 && R start c2
check "wait for exit 7" '{"id":"c2","exitStatus":7}' "$(R wait c2)"
R delete c2
out=$(cd "$bundle" && R run c3 2>&1)
check "run of exit 7" "7" "$?"
[ -e "$root/c3" ] && bad "run left its state" || ok "run deletes its container"
bundle_for echo hello from run
check "run output" "hello from run" "$(R run --bundle "$bundle" c4)"

bundle_for sleep 1000
R run -d --bundle "$bundle" c5
check "run --detach" running "$(field "$(R state c5)" status)"
check "exec output" "in exec" "$(R exec c5 echo in exec)"
R exec c5 sh -c 'exit 5'
check "exec exit status" 5 $?
R exec c5 /no/such/program 2>"$tmp/err"
check "exec of a missing program fails" 1 $?
grep -q "/no/such/program: No such file or directory" "$tmp/err" && ok "exec error names it" ||
	bad "exec error: $(cat "$tmp/err")"
R exec --cwd /etc --env FOO=bar c5 sh -c 'echo $PWD $FOO' >"$tmp/out"
check "exec --cwd --env" "/etc bar" "$(cat "$tmp/out")"
R exec --detach --pid-file "$tmp/epid" c5 sh -c 'exit 4'
check "exec --detach exits 0" 0 $?
[ -s "$tmp/epid" ] && ok "exec --detach wrote its pid file" || bad "no exec pid file"
R pause c5 2>"$tmp/err"
check "pause is refused" 1 $?
grep -q "not supported" "$tmp/err" && ok "pause says so" || bad "pause: $(cat "$tmp/err")"
R kill c5 NOSUCHSIG 2>/dev/null
check "unknown signal" 1 $?
R create --bundle "$bundle" c5 2>"$tmp/err"
check "duplicate id fails" 1 $?
check "duplicate id error" "runsc: container with id exists: c5" "$(cat "$tmp/err")"
R delete --force c5
check "delete --force of a running container" 0 $?
[ -e "$root/c5" ] && bad "delete --force left state" || ok "delete --force cleans state"

# --- what config.json says of the process and its tree ---
edit_config() {
	sed -i -e 's/"hostname": "cvisor"/"hostname": "lc-host"/' \
		-e 's/"hard": 1024, "soft": 1024/"hard": 4096, "soft": 512/' \
		-e 's|"maskedPaths": \[|"maskedPaths": [ "/etc/hello.txt",|' \
		-e 's|"readonlyPaths": \[|"readonlyPaths": [ "/root",|' "$bundle/config.json"
}
bundle_for busybox hostname
edit_config
check "hostname" "lc-host" "$(R run --bundle "$bundle" c9 2>&1)"
bundle_for sh -c 'ulimit -n; ulimit -Hn; umask; read l </etc/hello.txt; echo "[$l]"; echo x >/root/f'
edit_config
out=$(R run --bundle "$bundle" c9 2>&1)
check "rlimits, umask, masked and read-only paths" \
	"512|4096|0022|[]|sh: can't create /root/f: Read-only file system" \
	"$(tr '\n' '|' <<<"$out" | sed 's/|$//')"

# --- bad configs: one line, status 1, nothing left ---
bad_config() { # bad_config NAME EXPECTED-SUBSTRING
	out=$(R create --bundle "$bundle" bad 2>&1)
	rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ $rc = 1 ] && [ "$lines" = 1 ] && grep -q -- "$2" <<<"$out" && [ ! -e "$root/bad" ]; then
		ok "bad config: $1"
	else
		bad "bad config $1: rc=$rc out=[$out] state=$(ls "$root")"
	fi
}
bundle_for true
cp "$bundle/config.json" "$tmp/good.json"
echo '{"ociVersion": "1.1.0", "root": ' >"$bundle/config.json"
bad_config "invalid JSON" "config.json"
sed 's/"args": *\[[^]]*\]/"args": "sh"/' "$tmp/good.json" >"$bundle/config.json"
bad_config "args of the wrong type" "process.args"
sed 's/"cwd": *"[^"]*"/"cwd": "relative"/' "$tmp/good.json" >"$bundle/config.json"
bad_config "relative cwd" "process.cwd"
sed 's/"path": *"rootfs"/"path": "no-such-rootfs"/' "$tmp/good.json" >"$bundle/config.json"
bad_config "missing rootfs" "root.path"
rm "$bundle/config.json"
bad_config "no config.json" "config.json"
cp "$tmp/good.json" "$bundle/config.json"
bundle_for /no/such/program
bad_config "missing program" "/no/such/program: No such file or directory"
# A boot that fails before mounting its shares (no such platform) used to leave the 9p mount's
# duplicate of each Gofer channel open: the sandbox then waited for its Gofers forever.
cp "$tmp/good.json" "$bundle/config.json"
out=$(timeout 10 "$runsc" --root "$root" --platform=no-such create --bundle "$bundle" bad 2>&1)
rc=$?
if [ $rc = 1 ] && grep -q 'platform "no-such"' <<<"$out" && [ ! -e "$root/bad" ]; then
	ok "bad config: unknown platform fails at once"
else
	bad "bad config unknown platform: rc=$rc out=[$out]"
fi
R create --bundle "$bundle" 'bad/id' 2>/dev/null
check "bad id" 1 $?
[ -z "$(ls "$root")" ] && ok "nothing left by bad configs" || bad "left: $(ls "$root")"

# --- concurrency: of two creates of one id, exactly one wins ---
bundle_for sleep 1000
R create --bundle "$bundle" c6 2>/dev/null &
R create --bundle "$bundle" c6 2>/dev/null &
wait %1; a=$?
wait %2; b=$?
check "one of two concurrent creates wins" 1 $((a + b))
R delete --force c6

# --- a sandbox killed from outside: delete --force still cleans ---
R run -d --bundle "$bundle" c7
pid=$(field "$(R state c7)" pid)
kill -9 "$pid"
sleep 0.3
check "state of a killed sandbox" stopped "$(field "$(R state c7)" status)"
R delete c7
check "delete of a killed sandbox" 0 $?
# a create that died before recording anything
mkdir -p "$root/c8"
R delete --force c8
check "delete --force of a half-created container" 0 $?
[ -e "$root/c8" ] && bad "half-created state left" || ok "half-created state removed"

# a create killed mid-way: its sandbox dies with it, delete --force cleans what is left
bundle_for sleep 1000
"$runsc" --root "$root" create --bundle "$bundle" c10 &
sleep 0.05
kill -9 $! 2>/dev/null
wait $! 2>/dev/null
R delete --force c10
check "delete --force after a killed create" 0 $?
[ -e "$root/c10" ] && bad "killed create left state" || ok "killed create cleaned"
left=$(ls -d /sys/fs/cgroup/*/cvisor/c10 /sys/fs/cgroup/cvisor/c10 2>/dev/null)
[ -n "$left" ] && bad "killed create left its cgroup: $left" || ok "no cgroup left"

# --- runsc run forwards the signals it gets to the container ---
bundle_for sh -c 'trap "echo got-usr1; exit 9" USR1; echo ready; while :; do :; done'
# Not through timeout(1), which would get the signal itself: a watchdog instead.
"$runsc" --root "$root" run --bundle "$bundle" c11 >"$tmp/out" 2>&1 &
runpid=$!
(sleep 30; kill -9 $runpid 2>/dev/null) &
watchdog=$!
for _ in $(seq 100); do grep -q ready "$tmp/out" && break; sleep 0.05; done
kill -USR1 $runpid
wait $runpid
rc=$?
kill $watchdog 2>/dev/null
check "run's exit status after a forwarded USR1" 9 $rc
check "run's output after a forwarded USR1" "ready got-usr1" "$(tr '\n' ' ' <"$tmp/out" | sed 's/ $//')"

# --- --log and --log-format json: the error as a JSON line, as containerd reads it ---
R --log "$tmp/log.json" --log-format json state nope 2>/dev/null
grep -q '^{"level":"error","msg":"container \\"nope\\" does not exist","time":"' "$tmp/log.json" &&
	ok "--log-format json" || bad "--log: $(cat "$tmp/log.json")"

left=$(pgrep -f "runsc.*$tmp" | grep -v "^$$\$" || true)
[ -z "$left" ] && ok "no runsc process left" || bad "processes left: $(ps -o pid,args -p $left)"
echo "$fails failed"
[ $fails = 0 ]
