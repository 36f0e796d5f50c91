#!/bin/sh
# bench/futex.sh: see bench/spawn.sh.
BENCH_NAME=futex exec sh "$(dirname "$0")/spawn.sh"
