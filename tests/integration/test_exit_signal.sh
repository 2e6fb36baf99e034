#!/usr/bin/env bash
# A process killed by SIGKILL ends with process_exit {signal: "SIGKILL"}; a
# normal exit carries its status. --pid keeps only that process and its children.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_RUN_DIR=/run/bpflab-test-exit
out=$(mktemp)
trap '"$BPFLAB" down >/dev/null 2>&1; rm -f "$out"' EXIT
"$BPFLAB" engine --daemon >/dev/null || fail "engine --daemon failed"
"$BPFLAB" events --type exit --timeout 10s >"$out" &
ev=$!
sleep 1
sh -c 'kill -9 $$'
sh -c 'exit 7'
sleep 1
kill -INT $ev; wait $ev
q=$TOP/tests/helpers/jsonq.py
$q find "$out" 'e["process_exit"].get("signal") == "SIGKILL"' >/dev/null || fail "no SIGKILL exit: $(head -c 2000 "$out")"
$q find "$out" 'e["process_exit"]["status"] == 7 and "signal" not in e["process_exit"]' >/dev/null || fail "no exit with status 7"
$q valid "$out" >/dev/null || fail "invalid JSON"

# --pid: only the subtree of one shell
"$BPFLAB" events --type exec --timeout 6s -o json --pid 999999999 >"$out" &
ev=$!
sleep 1
/bin/true
wait $ev
[ ! -s "$out" ] || fail "--pid of a non-existent process still printed events"
