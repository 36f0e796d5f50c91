#!/bin/sh
# `runsc spec`: writes a default config.json that runsc's own parser accepts, refuses to
# overwrite one, and reports an unwritable bundle.
set -u
runsc=${RUNSC:?run through make check}
tmp=$(mktemp -d /tmp/cvisor-spec-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {
	desc=$1; shift
	if "$@"; then echo "ok - $desc"; else echo "not ok - $desc"; fail=1; fi
}

"$runsc" spec --bundle "$tmp"
check "spec exits 0" test $? -eq 0
check "config.json written" test -s "$tmp/config.json"
check "default runs sh" grep -q '"args": \[ "sh" \]' "$tmp/config.json"

"$runsc" spec --bundle "$tmp" 2>"$tmp/err"
check "second spec exits 1" test $? -eq 1
check "refuses to overwrite" grep -q "^runsc: File $tmp/config.json exists. Remove it first$" "$tmp/err"

(cd "$tmp" && rm config.json && "$runsc" spec)
check "spec in the current directory" test -s "$tmp/config.json"

"$runsc" spec --bundle "$tmp/missing" 2>"$tmp/err"
check "missing bundle exits 1" test $? -eq 1
check "missing bundle message" grep -q "No such file or directory" "$tmp/err"
exit $fail
