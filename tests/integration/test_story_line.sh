#!/usr/bin/env bash
# A command run while `bpflab events` streams shows up as process_exec with its
# arguments, its parent shell and its ancestors, within 100 ms, and its exit
# follows. Also proves the engine runs in-process when none is up.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_RUN_DIR=/run/bpflab-test-story
out=$(mktemp) err=$(mktemp)
trap 'kill $ev 2>/dev/null; wait 2>/dev/null; "$BPFLAB" down >/dev/null 2>&1; rm -f "$out" "$err"' EXIT

"$BPFLAB" events --type exec,exit --binary /bin/true --timeout 20s >"$out" 2>"$err" &
ev=$!
WAIT_SECS=20 wait_for test -S "$BPFLAB_RUN_DIR/engine.sock" || fail "events did not start an engine: $(cat "$err")"
sleep 0.5
sh -c 'sleep 0.1; /bin/true a b'
WAIT_SECS=5 wait_for grep -q process_exit "$out" || fail "no exit event for /bin/true: $(head -c 3000 "$out") $(cat "$err")"
kill -INT $ev; wait $ev

q=$TOP/tests/helpers/jsonq.py
line=$($q find "$out" 'e["process_exec"]["process"]["binary"] == "/bin/true"') || fail "no exec of /bin/true"
$q find <(echo "$line") 'e["process_exec"]["process"]["arguments"] == "a b"' >/dev/null || fail "arguments are not 'a b': $line"
$q find <(echo "$line") 'get(e, "process_exec", "parent", "binary") in ("/usr/bin/dash", "/bin/dash", "/usr/bin/sh", "/bin/sh")' >/dev/null ||
	fail "parent is not sh: $line"
# the parent's parent is this test's shell: ancestors oldest last end at pid 1 or its child
$q find <(echo "$line") 'len(e["process_exec"]["ancestors"]) >= 2 and e["process_exec"]["ancestors"][-1]["pid"] in (1,)' >/dev/null ||
	fail "ancestors do not reach pid 1 oldest-last: $line"
$q find <(echo "$line") 'e["process_exec"]["process"]["parent_exec_id"] == e["process_exec"]["parent"]["exec_id"]' >/dev/null ||
	fail "parent_exec_id does not match the parent's exec_id"
# exec_id is base64("node:ktime:pid")
python3 - "$line" <<'PY' || fail "exec_id is not base64(node:ktime:pid)"
import base64, json, sys
p = json.loads(sys.argv[1])["process_exec"]["process"]
node, ktime, pid = base64.b64decode(p["exec_id"]).decode().rsplit(":", 2)
assert int(pid) == p["pid"] and int(ktime) > 0 and node
PY
# delivered within 100 ms: the event's own time against when the line was read is
# checked live by test_events_latency; here the exit follows the exec
$q find "$out" 'e["process_exit"]["process"]["binary"] == "/bin/true" and e["process_exit"]["status"] == 0' >/dev/null ||
	fail "no clean process_exit for /bin/true"
echo "story line ok: $line" | head -c 400
