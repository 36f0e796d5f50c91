#!/bin/sh
# Runs every program of tests/syscalls/tests.list twice natively: the two runs must print the
# same bytes and exit with the same status, or run.sh's native/sandbox comparison would fail
# for reasons that are not cvisor's. The self-checking *_test_static programs must also exit 0
# (a case that did not get what Linux gives). Programs this tree does not build are skipped.
set -u
build=${abs_top_builddir:?run through make check}
src=${abs_top_srcdir:?}
tmp=$(mktemp -d /tmp/cvisor-native-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0

while read -r name args; do
	case $name in '' | '#'*) continue ;; esac
	prog=$build/tests/syscalls/$name
	if [ ! -x "$prog" ]; then
		echo "skip - $name${args:+ $args}: not built in this tree"
		skip=$((skip + 1))
		continue
	fi
	"$prog" $args >"$tmp/1" 2>&1
	s1=$?
	"$prog" $args >"$tmp/2" 2>&1
	s2=$?
	why=
	[ $s1 -eq $s2 ] || why="status $s1 then $s2"
	cmp -s "$tmp/1" "$tmp/2" || why="${why:+$why, }output differs between runs"
	case $name in *_test_static) [ $s1 -eq 0 ] || why="${why:+$why, }status $s1" ;; esac
	if [ -z "$why" ]; then
		echo "ok - $name${args:+ $args} (status $s1, $(wc -l <"$tmp/1") lines)"
		pass=$((pass + 1))
	else
		echo "not ok - $name${args:+ $args}: $why"
		grep 'expected' "$tmp/1" | head -20
		diff "$tmp/1" "$tmp/2" | head -20
		fail=$((fail + 1))
	fi
done <"$src/tests/syscalls/tests.list"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
