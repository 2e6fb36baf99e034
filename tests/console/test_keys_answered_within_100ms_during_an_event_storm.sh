#!/usr/bin/env bash
# During a fork storm (thousands of process events a second through the
# console's in-process engine), a key switching screens is answered within
# 100 ms: the median of 7 presses, from send-keys to the new tab on screen.
# timeout: 180
. "$(dirname "$0")/tmux_lib.sh"
need_root
con_storm_measure
[ "$LAT_MEDIAN" -lt 100 ] || fail "median key latency ${LAT_MEDIAN} ms at $RATE events/s"
con_quit
exit 0
