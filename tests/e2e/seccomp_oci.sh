#!/bin/bash
# seccomp_oci.sh: config.json's linux.seccomp, compiled by runsc and enforced by the Sentry on
# the container's process (issue #9). Two bundles on the cached Debian rootfs
# (debian_rootfs.sh): a small profile whose rules check ERRNO data, argument conditions
# (EQ, GT, MASKED_EQ) and inheritance by a child process; and, when the host has
# containers-common's profile (/usr/share/containers/seccomp.json, the Docker default with
# Podman's edits), that profile resolved as Docker and Podman write it (seccomp_profile.py),
# under which a shell, coreutils and python3 work and what it blocks gets EPERM. Exit 0 when
# all pass, 1 on a failure, 77 without root or a rootfs.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${abs_top_builddir:-$here/../..}
runsc=${RUNSC:-$build/runtime/runsc}
plugins=${CVISOR_PLUGIN_DIR:-$build/plugins.d}
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
rootfs=$(sh "$here/debian_rootfs.sh" 2>/dev/null) || { echo "SKIP: no Debian rootfs"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# bundle NAME PROFILE-JSON-OR-FILE SCRIPT: a bundle running python3 -c SCRIPT.
bundle() {
	mkdir -p "$tmp/$1"
	"$runsc" spec --bundle "$tmp/$1" >/dev/null || exit 1
	python3 - "$tmp/$1/config.json" "$rootfs" "$3" <<'PY'
import json, sys
p, root, script = sys.argv[1:4]
c = json.load(open(p))
c["root"]["path"] = root
c["process"]["terminal"] = False
c["process"]["args"] = ["/usr/bin/python3", "-c", script]
json.dump(c, open(p, "w"))
PY
}

# check NAME EXPECTED: runs bundle NAME, compares its output with EXPECTED.
check() {
	local out
	out=$(timeout 60 env CVISOR_PLUGIN_DIR="$plugins" "$runsc" --network=none \
		--root "$tmp/state" run --bundle "$tmp/$1" "sc-$1" 2>"$tmp/$1.err")
	if [ "$out" = "$2" ]; then
		echo "PASS: $1"
	else
		echo "FAIL: $1"
		diff <(echo "$2") <(echo "$out") | sed 's/^/    /'
		sed 's/^/    stderr: /' "$tmp/$1.err"
		fail=1
	fi
}

probe='
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def call(name, nr, *a):
    r = libc.syscall(nr, *a)
    print(name, os.strerror(ctypes.get_errno()) if r == -1 else "ok", flush=True)
'

bundle small - "$probe"'
call("getppid", 110)
call("dup(0)", 32, 0)
call("dup(1)", 32, 1)
call("dup(500)", 32, 500)
call("dup(300)", 32, 300)
call("socket(AF_INET6)", 41, 10, 1, 0)
call("socket(AF_UNIX)", 41, 1, 1, 0)
print([l.split()[1] for l in open("/proc/self/status") if l.startswith("Seccomp")],
      flush=True)
pid = os.fork()
if pid == 0:
    call("child getppid", 110)
    os._exit(0)
os.waitpid(pid, 0)
'
python3 - "$tmp/small/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["linux"]["seccomp"] = {
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
        {"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
        {"names": ["dup"], "action": "SCMP_ACT_ERRNO",
         "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
        {"names": ["dup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
         "args": [{"index": 0, "value": 400, "op": "SCMP_CMP_GT"}]},
        {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
         "args": [{"index": 0, "value": 0xfe, "valueTwo": 10, "op": "SCMP_CMP_MASKED_EQ"}]},
        {"names": ["not_a_call_here", "arm_fadvise64_64"], "action": "SCMP_ACT_KILL"},
    ],
}
json.dump(c, open(sys.argv[1], "w"))
PY
check small "getppid Permission denied
dup(0) Operation not permitted
dup(1) ok
dup(500) Invalid argument
dup(300) Bad file descriptor
socket(AF_INET6) Address family not supported by protocol
socket(AF_UNIX) ok
['2', '1']
child getppid Permission denied"

# runsc exec: a process started in the running container gets the profile too, as with runc.
python3 - "$tmp/small/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["/bin/sleep", "30"]
json.dump(c, open(sys.argv[1], "w"))
PY
R() { timeout 30 env CVISOR_PLUGIN_DIR="$plugins" "$runsc" --network=none --root "$tmp/state" "$@"; }
R create --bundle "$tmp/small" sc-exec && R start sc-exec
out=$(R exec sc-exec /usr/bin/python3 -c "$probe"'
call("getppid", 110)' 2>&1)
R kill sc-exec KILL >/dev/null 2>&1
R delete --force sc-exec >/dev/null 2>&1
if [ "$out" = "getppid Permission denied" ]; then
	echo "PASS: exec"
else
	echo "FAIL: exec: $out"
	fail=1
fi

profile=/usr/share/containers/seccomp.json
if [ -r "$profile" ]; then
	bundle docker - "$probe"'
import subprocess
print(subprocess.run(["/bin/sh", "-c", "echo a b | wc -w; ls / | grep -c bin"],
                     capture_output=True, text=True).stdout.split())
call("getpid", 39)
call("kexec_load", 246, 0, 0, 0, 0)
call("acct", 163, 0)
call("init_module", 175, 0, 0, 0)
'
	python3 "$here/seccomp_profile.py" "$profile" "$tmp/docker/config.json" || exit 1
	check docker "['2', '2']
getpid ok
kexec_load Operation not permitted
acct Operation not permitted
init_module Operation not permitted"
else
	echo "SKIP: docker (no $profile)"
fi
exit $fail
