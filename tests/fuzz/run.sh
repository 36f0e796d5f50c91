#!/bin/sh
# Builds the 9P2000.L decoder fuzzer with clang outside automake and runs it for a bounded time.
#
# Usage: tests/fuzz/run.sh [SECONDS [WORKDIR]]
#   SECONDS  fuzzing time, default 30 (libFuzzer -max_total_time)
#   WORKDIR  where the binaries, the corpus and any crash file go; default a temporary
#            directory, removed afterwards unless a crash was found.
# Exit status: 0 no crash, 1 a crash (its input is kept and named), 77 clang or libFuzzer is
# missing (nothing was tested). Environment: CLANG (default clang).
set -eu

secs=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
wire=$here/../../plugins/fs-gofer9p
clang=${CLANG:-clang}

if [ $# -ge 2 ]; then
	work=$2
	mkdir -p "$work"
	keep=1
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/cvisor-fuzz.XXXXXX")
	keep=0
fi
cleanup() { [ "$keep" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

if ! command -v "$clang" >/dev/null 2>&1; then
	echo "fuzz: $clang not found, skipping" >&2
	exit 77
fi
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
	>"$work/probe.c"
if ! "$clang" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" >/dev/null 2>&1; then
	echo "fuzz: $clang cannot build libFuzzer targets (libclang-rt missing?), skipping" >&2
	exit 77
fi

flags="-std=gnu11 -g -O1 -Wall -Wextra -Werror -I$wire"
"$clang" $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	"$here/fuzz_p9_decode.c" "$wire/p9_wire.c" -o "$work/fuzz_p9_decode"
"$clang" $flags "$here/p9_seeds.c" "$wire/p9_wire.c" -o "$work/p9_seeds"

mkdir -p "$work/corpus" "$work/seeds"
"$work/p9_seeds" "$work/seeds"

# Two workers' worth of time is more than the shared machine gives make check; one process.
status=0
"$work/fuzz_p9_decode" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	-max_len=9000 -print_final_stats=1 -artifact_prefix="$work/" \
	"$work/corpus" "$work/seeds" || status=$?
if [ "$status" -ne 0 ]; then
	keep=1
	echo "fuzz: crash (exit $status); inputs kept in $work:" >&2
	ls "$work" | grep -E '^(crash|leak|timeout|oom)-' >&2 || true
	exit 1
fi
exit 0
