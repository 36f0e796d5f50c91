#!/bin/sh
# bench/unix-rr.sh: AF_UNIX stream sockets (bench/sock_bench.c, a socketpair and fork):
#   unix-rr.round_trip  microseconds for a 1-byte request and answer, one CPU (bench/sock.sh)
#   unix-rr.throughput  MB/s of 64 KiB writes a child reads, unpinned, ~2 s
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sock.sh"
sock_figure unix-rr.round_trip us 1 rr unix "${UNIX_RR_COUNT:-20000}"
sock_figure unix-rr.throughput MB/s 0 bulk unix "${UNIX_BULK_MIB:-2048}" "${UNIX_BULK_SECONDS:-2}"
