#!/usr/bin/env bash
# The control socket answers status in JSON, refuses malformed requests with a
# clear error, and a second engine refuses to start while one holds the lock.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_RUN_DIR=/run/bpflab-test-sock
trap '"$BPFLAB" down >/dev/null 2>&1' EXIT
"$BPFLAB" engine --daemon >/dev/null || fail "engine --daemon failed"
st=$("$BPFLAB" status --json) || fail "status failed"
python3 -c 'import json,sys; s=json.loads(sys.argv[1]); assert s["ok"] and any(m["name"]=="proc" for m in s["modules"]); assert "lost" in s["modules"][0]' "$st" ||
	fail "status JSON lacks modules/lost: $st"
sock=$BPFLAB_RUN_DIR/engine.sock
reply=$(python3 - "$sock" <<'PY'
import socket, sys
def ask(req):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(req + b"\n")
    return s.makefile().readline().strip()
print(ask(b"not json"))
print(ask(b'{"op":"no-such-op"}'))
print(ask(b'{"op":"subscribe","filter":{"types":["bogus"]}}'))
PY
)
assert_contains "$reply" '"error":"a request is one JSON object'
assert_contains "$reply" "unknown request 'no-such-op'"
assert_contains "$reply" "unknown event type 'bogus'"
out=$("$BPFLAB" engine 2>&1) && fail "a second engine started"
assert_contains "$out" "another engine is running"
"$BPFLAB" status | grep -q "engine: running" || fail "engine died after the bad requests"
