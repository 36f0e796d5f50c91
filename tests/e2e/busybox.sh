#!/bin/sh
# busybox.sh MODE: runs busybox applets from the bundle mkbundle.sh builds and checks their
# output and exit status, the same cases in every MODE:
#   chroot  natively, `chroot ROOTFS CMD` (needs root): proves the bundle and the expectations
#   runsc   cvisor: `$RUNSC run --bundle`, stdout a regular file (as a caller's often is)
#   gvisor  gVisor's runsc (Debian package) on the ptrace platform, stdout through a pipe:
#           it loses output written to a regular file it shares with its caller
# Applets that need no fork, one per sandbox; files made in the rootfs must reach the host's
# rootfs and stay there for the next command.
set -u
mode=${1:?usage: busybox.sh chroot|runsc|gvisor}
here=$(cd "$(dirname "$0")" && pwd)
runsc=${RUNSC:-${abs_top_builddir:-$here/../..}/runtime/runsc}
gvisor=${GVISOR_RUNSC:-/usr/bin/runsc}
case $mode in
chroot)
	[ "$(id -u)" -eq 0 ] || { echo "skip: chroot needs root"; exit 77; }
	chroot=$(command -v chroot) || { echo "no chroot"; exit 1; }
	hostname=$(uname -n)
	;;
runsc) hostname=cvisor ;; # config.json's hostname, from runsc spec
gvisor)
	[ -x "$gvisor" ] || { echo "skip: no $gvisor"; exit 77; }
	hostname=cvisor
	;;
*) echo "busybox.sh: unknown mode $mode" >&2; exit 2 ;;
esac

tmp=$(mktemp -d /tmp/cvisor-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT PIPE TERM
bundle=$tmp/bundle
root=$bundle/rootfs
mkdir "$bundle"
RUNSC=$runsc sh "$here/mkbundle.sh" "$bundle" || exit 1
fail=0 n=0
stdin=/dev/null

# run CMD...: runs CMD in the bundle; leaves $status and $tmp/out, $tmp/err.
run() {
	n=$((n + 1))
	case $mode in
	chroot)
		env -i PATH=/bin HOME=/root "$chroot" "$root" "$@" <"$stdin" >"$tmp/out" 2>"$tmp/err"
		status=$?
		;;
	runsc)
		RUNSC=$runsc sh "$here/mkbundle.sh" --config-only "$bundle" "$@" || exit 1
		"$runsc" --root "$tmp/state" --network=none run --bundle "$bundle" "e2e-$$-$n" \
			<"$stdin" >"$tmp/out" 2>"$tmp/err"
		status=$?
		;;
	gvisor)
		RUNSC=$runsc sh "$here/mkbundle.sh" --config-only "$bundle" "$@" || exit 1
		{
			timeout 60 "$gvisor" --platform=ptrace --network=none --root "$tmp/state" \
				run --bundle "$bundle" "e2e-$$-$n" <"$stdin" 2>"$tmp/err"
			echo $? >"$tmp/status"
		} | cat >"$tmp/out"
		status=$(cat "$tmp/status")
		;;
	esac
}

verdict() { # description, test...
	desc=$1
	shift
	if "$@"; then
		echo "ok - $desc"
	else
		echo "not ok - $desc"
		fail=1
	fi
}

# expect DESC STATUS STDOUT CMD...: CMD exits with STATUS and prints exactly STDOUT (one line
# per \n; "" for nothing).
expect() {
	desc=$1 want_status=$2 want_out=$3
	shift 3
	run "$@"
	if [ -n "$want_out" ]; then printf '%b\n' "$want_out"; fi >"$tmp/want"
	if [ "$status" = "$want_status" ] && cmp -s "$tmp/want" "$tmp/out"; then
		echo "ok - $desc"
	else
		echo "not ok - $desc: status $status (expected $want_status)"
		diff "$tmp/want" "$tmp/out" | head -10
		head -5 "$tmp/err"
		fail=1
	fi
}

# stderr_has TEXT: the last command's stderr holds TEXT.
stderr_has() {
	grep -qF "$1" "$tmp/err"
}

expect "echo" 0 "hello world" echo hello world
expect "true" 0 "" true
expect "false: its status is the runtime's" 1 "" false
expect "sh -c exit 7" 7 "" sh -c "exit 7"
expect "cat a rootfs file" 0 "cvisor runs busybox\nline two" cat /etc/hello.txt
expect "cat a missing file" 1 "" cat /missing
verdict "cat's error message" stderr_has "cat: can't open '/missing': No such file or directory"
printf 'from stdin\n' >"$tmp/in"
stdin=$tmp/in
expect "cat reads stdin" 0 "from stdin" cat
stdin=/dev/null
expect "ls /" 0 "bin\ndev\netc\nproc\nroot\nsys\ntmp" ls /
run ls -la /
verdict "ls -la / exits 0" test "$status" -eq 0
for d in . .. bin etc tmp; do
	verdict "ls -la / lists $d" grep -q " $d\$" "$tmp/out"
done
verdict "ls -la / shows modes" grep -q '^drwxrwxrwt .* tmp$' "$tmp/out"
run ls -l /bin/echo
verdict "ls -l shows a symlink" grep -q ' /bin/echo -> busybox$' "$tmp/out"
expect "uname -s" 0 "Linux" uname -s
expect "uname -m" 0 "x86_64" uname -m
expect "uname -n" 0 "$hostname" uname -n
run uname -a
verdict "uname -a" grep -q "^Linux $hostname .* x86_64 GNU/Linux\$" "$tmp/out"
expect "wc" 0 "        2         5        29 /etc/hello.txt" wc /etc/hello.txt
expect "wc -l" 0 "2 /etc/hello.txt" wc -l /etc/hello.txt
sum=$(sha256sum <"$root/etc/hello.txt" | cut -d' ' -f1)
expect "sha256sum of a rootfs file" 0 "$sum  /etc/hello.txt" sha256sum /etc/hello.txt
expect "sleep 0.1" 0 "" sleep 0.1
expect "sleep with a bad argument" 1 "" sleep x

# The rootfs is the host's directory: what one command makes, the host and the next one see.
expect "mkdir in the rootfs" 0 "" mkdir /made
verdict "the host sees the directory" test -d "$root/made"
expect "mkdir existing" 1 "" mkdir /made
verdict "mkdir's error message" stderr_has "mkdir: can't create directory '/made': File exists"
expect "touch in the rootfs" 0 "" touch /made/f
verdict "the host sees the file" test -f "$root/made/f"
expect "ls the new directory" 0 "f" ls /made
expect "rm a directory without -r" 1 "" rm /made
expect "rm -r" 0 "" rm -r /made
verdict "the host sees it gone" test ! -e "$root/made"
expect "rm missing" 1 "" rm /made
verdict "rm's error message" stderr_has "rm: can't remove '/made': No such file or directory"

# /tmp: each command is a sandbox of its own, so each check is one command.
expect "mkdir -p in /tmp" 0 "" mkdir -p /tmp/a/b/c
expect "touch in /tmp" 0 "" touch /tmp/t
expect "write and read back in /tmp" 0 "data" \
	sh -c 'echo data >/tmp/f && read l </tmp/f && echo "$l"'
expect "rm missing in /tmp" 1 "" rm /tmp/missing

# A caller appending to the file that is also the container's stdout keeps every byte in order.
if [ "$mode" != gvisor ]; then
	echo first >"$tmp/log"
	{
		echo before
		case $mode in
		chroot) env -i PATH=/bin "$chroot" "$root" echo inside ;;
		runsc)
			RUNSC=$runsc sh "$here/mkbundle.sh" --config-only "$bundle" echo inside &&
				"$runsc" --root "$tmp/state" --network=none run --bundle "$bundle" \
					"e2e-$$-append" </dev/null
			;;
		esac
		echo after
	} >>"$tmp/log" 2>"$tmp/err"
	printf 'first\nbefore\ninside\nafter\n' >"$tmp/want"
	verdict "stdout appended to a shared file keeps order" cmp -s "$tmp/want" "$tmp/log"
fi
exit $fail
