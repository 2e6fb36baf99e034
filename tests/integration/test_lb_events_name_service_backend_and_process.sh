#!/usr/bin/env bash
# Every new flow the socket-LB translates (or drops for want of a backend)
# is an "lb" event naming the service, VIP, backend, verdict and the
# process story line of the caller.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
PY=/usr/bin/python3
[ -x $PY ] || skip "python3 is not installed"
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-lbev}
tmp=$(mktemp -d /tmp/bpflab-lbev.XXXXXX)
export ENGINE_LOG=$tmp/engine.log
trap 'stop_engine; rm -rf "$tmp"' EXIT

start_engine
# the backend is on loopback: a refused connection still was translated
"$BPFLAB" svc add ev --vip 198.19.201.99:80 --backend 127.0.0.1:9 >/dev/null || fail "svc add ev"
"$BPFLAB" svc add evnone --vip 198.19.201.98:80 >/dev/null || fail "svc add evnone"
# (the events filter has no "lb" type yet: take everything, keep the lb lines)
"$BPFLAB" events --timeout 6s >"$tmp/all.json" 2>"$tmp/ev.err" &
ev=$!
sleep 1
$PY - <<'PYEOF'
import socket
for a in (("198.19.201.99", 80), ("198.19.201.98", 80)):
    try:
        socket.create_connection(a, timeout=1).close()
    except OSError:
        pass
PYEOF
wait $ev || fail "events: $(cat "$tmp/ev.err")"
grep '^{"lb":' "$tmp/all.json" >"$tmp/ev.json"
out=$(cat "$tmp/ev.json")
echo "$out" | cut -c1-300
$PY - "$tmp/ev.json" <<'PYEOF' || fail "lb events are wrong"
import json, sys
ev = [json.loads(l)["lb"] for l in open(sys.argv[1]) if l.strip()]
assert len(ev) == 2, ev
ok, drop = ev
assert ok["service"] == "ev" and ok["vip"] == "198.19.201.99:80/tcp", ok
assert ok["verdict"] == "TRANSLATED" and ok["backend"] == "127.0.0.1:9", ok
assert ok["hook"] == "connect4", ok
assert "python3" in ok["process"]["binary"], ok["process"]
assert drop["service"] == "evnone" and drop["verdict"] == "DROPPED", drop
assert "backend" not in drop, drop
PYEOF
exit 0
