#!/usr/bin/env bash
# A session recorded with --record, in which passwd-write is attacked, plays
# back with --replay (no engine, no root needed) and shows the same kill
# rows on the Security screen, with the same story line.
# timeout: 240
. "$(dirname "$0")/tmux_lib.sh"
need_root
"$BPFLAB" scenario list 2>/dev/null | grep -q '^passwd-write' ||
	skip "the passwd-write scenario is not installed"
rec=/tmp/bl-console-rec-$$.jsonl
trap 'con_cleanup; rm -f $rec' EXIT

con_start 160 48 --record "$rec"
# the scenario talks to the console's engine over its socket
"$BPFLAB" scenario run passwd-write >/tmp/bl-cons-scen-$$.log 2>&1
con_keys 4
con_wait "KILL" 15 || fail "no kill live: $(con_capture; cat /tmp/bl-cons-scen-$$.log)"
rm -f /tmp/bl-cons-scen-$$.log
live=$(con_capture | grep "KILL" | sed 's/ *$//')
con_quit
con_cleanup
grep -q '"process_kprobe"' "$rec" || fail "the recording has no kill event"

con_start 160 48 --replay "$rec" --speed 100
con_keys 4
con_wait "KILL" 20 || fail "no kill in the replay: $(con_capture)"
con_wait "replay finished" 20 || true
replayed=$(con_capture | grep "KILL" | sed 's/ *$//')
assert_eq "$replayed" "$live" "kill rows live vs replay"
con_keys Enter
con_wait "<== this one" 5 || fail "no story line in the replay: $(con_capture)"
con_quit
exit 0
