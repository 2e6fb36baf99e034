#!/usr/bin/env bash
# Every malformed or unsupported CNP of tests/data/cnp/bad is refused with
# exit 2 and FILE:LINE:COL (the CLI checks before sending), the engine
# refuses the same text sent to it directly, and the policy in force is
# untouched: same generation, same keys, same verdicts.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/data/cnp/topology.sh"
need_root
need_cmd python3
[ -x "$BPFLAB" ] || skip "no $BPFLAB (build first)"
export ENGINE_LOG=/tmp/bl-np-engine.$$.log
trap np_stop_engine EXIT
start_engine
pid=$ENGINE_PID

"$BPFLAB" netpol endpoint add web --ip 198.18.8.20 --label app=web >/dev/null || fail "endpoint web"
"$BPFLAB" netpol endpoint add db --ip 198.18.8.30 --label app=db >/dev/null || fail "endpoint db"
"$BPFLAB" netpol apply "$TOP/tests/data/cnp/good/web-db.yaml" >/dev/null || fail "apply good"
state() { "$BPFLAB" netpol list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["generation"], d["keys"], [p["name"] for p in d["policies"]])'; }
before=$(state)

n=0
for f in "$TOP"/tests/data/cnp/bad/*.yaml; do
	want=$(head -1 "$f" | sed 's/^# expect: //')
	out=$("$BPFLAB" netpol apply "$f" 2>&1)
	rc=$?
	assert_eq "$rc" 2 "exit status for $f"
	assert_contains "$out" "$f:$want"
	# straight to the engine, past the CLI's own check
	reply=$(python3 - "${BPFLAB_RUN_DIR:-/run/bpflab}/engine.sock" "$f" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
req = {"op": "netpol.apply", "file": sys.argv[2], "yaml": open(sys.argv[2]).read()}
s.sendall((json.dumps(req) + "\n").encode())
buf = b""
while not buf.endswith(b"\n"):
    c = s.recv(65536)
    if not c:
        break
    buf += c
print(buf.decode().strip())
PY
)
	assert_contains "$reply" '"ok":false'
	assert_contains "$reply" "$(basename "$f"):${want%%: *}"
	n=$((n + 1))
done
[ $n -ge 10 ] || fail "only $n bad files"
assert_eq "$(state)" "$before" "policy state after $n refused files"
out=$("$BPFLAB" netpol check --from web --to db --port 3306) || fail "web -> db must still be allowed: $out"
np_stop_engine
trap - EXIT
np_leftovers "$pid" || fail "left behind"
