#!/bin/sh
# bench/tcp-rr.sh: TCP request/response over 127.0.0.1 (bench/sock_bench.c rr tcp):
#   tcp-rr.round_trip  microseconds for a 1-byte request and its 1-byte answer between a
#                      process and its child, both on one CPU (bench/sock.sh)
# Target (issue #8): at most 120 us. TCP_RR_COUNT round trips (default 20000).
set -eu
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sock.sh"
sock_figure tcp-rr.round_trip us 1 rr tcp "${TCP_RR_COUNT:-20000}"
