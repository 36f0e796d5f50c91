#!/bin/sh
# Syscall tests, gVisor's way: each program is built once and run natively and inside the
# Sentry; the verdicts (standard output and exit status) must be the same. The list and the
# reasons for anything skipped are in tests/syscalls/tests.list.
set -u
build=${abs_top_builddir:?run through make check}
src=${abs_top_srcdir:?}
memfs=$build/plugins/fs-memfs/.libs/memfs.so
ptrace=$build/plugins/platform-ptrace/.libs/ptrace.so
runner=$build/tests/syscalls/sentry_run
# AF_INET/AF_INET6 in every sandbox run: the host plugin, in this namespace.
SENTRY_RUN_NET=$build/plugins/net-hostpassthrough/.libs/host.so
export SENTRY_RUN_NET
tmp=$(mktemp -d /tmp/cvisor-syscalls-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

while read -r name args; do
	case $name in '' | '#'*) continue ;; esac
	prog=$build/tests/syscalls/$name
	"$prog" $args >"$tmp/native" 2>&1
	native=$?
	# A hung program must fail the suite, not stall make check.
	timeout -s KILL 60 "$runner" "$memfs" "$ptrace" "$prog" $args >"$tmp/sandbox" 2>&1
	sandbox=$?
	if [ $native -eq $sandbox ] && cmp -s "$tmp/native" "$tmp/sandbox"; then
		echo "ok - $name $args (status $native)"
		pass=$((pass + 1))
	else
		echo "not ok - $name $args: native status $native, sandbox status $sandbox"
		diff "$tmp/native" "$tmp/sandbox" | head -20
		fail=$((fail + 1))
	fi
done <"$src/tests/syscalls/tests.list"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
