#!/bin/sh
# `runsc plugins` end to end: lists every test plugin, shows each refusal with its reason in text
# and JSON, and answers bad flags and a bad directory with one error line and status 1.
set -u
runsc=${RUNSC:?run through make check}
build=${TEST_PLUGIN_BUILD_DIR:?}
tmp=$(mktemp -d /tmp/cvisor-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# The SDK's ABI minor: the test plugins built against it, newer_minor.so against one more.
minor=$(sed -n 's/^#define SENTRY_ABI_MINOR \([0-9][0-9]*\).*/\1/p' \
	"${abs_top_srcdir:?}/include/sentry/plugin.h")
fail=0
check() { # description, command...
	desc=$1; shift
	if "$@"; then echo "ok - $desc"; else echo "not ok - $desc"; fail=1; fi
}

mkdir "$tmp/plugins"
for so in "$build"/*.so; do cp "$so" "$tmp/plugins/"; done
echo "not a plugin" >"$tmp/plugins/garbage.so"

"$runsc" plugins --plugin-dir "$tmp/plugins" >"$tmp/text" 2>"$tmp/err"
check "text listing exits 0" test $? -eq 0
cat "$tmp/text"
for name in skel-platform skel-fs skel-net skel-gofer newer-minor newer-minor-b twin; do
	check "lists $name" grep -Eq "^$name +" "$tmp/text"
done
check "shows the newer minor's ABI" grep -Eq "^newer-minor +platform +1\\.$((minor + 1)) " "$tmp/text"
for what in "garbage.so: not a loadable shared object" "no_symbol.so: does not export" \
	"bad_magic.so: descriptor 0 has bad magic" "bad_major.so: descriptor 0 is built for plugin ABI 2.3" \
	"bad_kind.so: plugin \"bad-kind\": unknown kind 9" "dup_name.so: plugin \"twin\": duplicate name" \
	"small_ops.so: plugin \"small-ops\": platform ops table is 16 bytes" \
	"null_mandatory.so: plugin \"null-mandatory\": mandatory platform ops slot ctx_new is NULL" \
	"null_nested.so: plugin \"null-nested\": mandatory context ops slot interrupt is NULL" \
	"unterminated.so: descriptor array has no end marker"; do
	check "refusal: $what" grep -Fq "$what" "$tmp/text"
done

"$runsc" plugins --plugin-dir="$tmp/plugins" --format=json >"$tmp/json"
check "json listing exits 0" test $? -eq 0
check "json has the plugins array" grep -q '"plugins": \[' "$tmp/json"
for reason in not-shared-object no-symbol bad-magic abi-major unknown-kind duplicate-name \
	ops-too-small null-mandatory bad-descriptor; do
	check "json reason $reason" grep -q "\"reason\": \"$reason\"" "$tmp/json"
done
check "json lists skel-gofer as gofer" grep -A2 '"name": "skel-gofer"' "$tmp/json"

# The global flag works too.
"$runsc" --plugin-dir "$tmp/plugins" plugins >/dev/null
check "global --plugin-dir" test $? -eq 0

"$runsc" plugins --plugin-dir "$tmp/none" >/dev/null 2>"$tmp/err"
check "missing directory exits 1" test $? -eq 1
check "missing directory message" grep -q "^runsc: plugin directory $tmp/none: No such file or directory$" "$tmp/err"

"$runsc" plugins --format=yaml --plugin-dir "$tmp/plugins" >/dev/null 2>"$tmp/err"
check "bad format exits 1" test $? -eq 1
check "bad format message" grep -q 'invalid format "yaml"' "$tmp/err"

"$runsc" plugins --plugin-dir >/dev/null 2>"$tmp/err"
check "flag without value exits 1" test $? -eq 1
check "flag without value message" grep -q "flag needs an argument: --plugin-dir" "$tmp/err"

"$runsc" --bogus plugins >/dev/null 2>"$tmp/err"
check "unknown global flag exits 1" test $? -eq 1
"$runsc" frobnicate >/dev/null 2>"$tmp/err"
check "unknown command exits 1" test $? -eq 1
check "unknown command message" grep -q 'unknown command "frobnicate"' "$tmp/err"
"$runsc" --network=bridge plugins >/dev/null 2>"$tmp/err"
check "bad --network exits 1" test $? -eq 1

exit $fail
