#!/bin/sh
# bench/thread.sh: see bench/spawn.sh.
BENCH_NAME=thread exec sh "$(dirname "$0")/spawn.sh"
