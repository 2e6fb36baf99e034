#!/usr/bin/env bash
# Scale through the running engine: 1,000 endpoints with distinct identities
# declared in one netpol.endpoint request, then a policy letting all of them
# reach web on 10 ports (10,000 policy keys) applies in under a second, and
# `netpol check` still answers for the last one.
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

reply=$(python3 - "${BPFLAB_RUN_DIR:-/run/bpflab}/engine.sock" <<'PY'
import json, socket, sys
eps = [{"name": f"c{i}", "ip": f"198.18.{10 + i // 250}.{1 + i % 250}",
        "labels": {"tier": "client", "idx": str(i)}} for i in range(1000)]
eps.append({"name": "web", "ip": "198.19.0.1", "labels": {"app": "web"}})
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall((json.dumps({"op": "netpol.endpoint", "endpoints": eps}) + "\n").encode())
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print(buf.decode().strip())
PY
)
assert_contains "$reply" '"ok":true'
assert_contains "$reply" '"endpoints":1001'

pol=$(mktemp --suffix=.yaml)
cat >"$pol" <<'Y'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: scale
spec:
  endpointSelector:
    matchLabels: {app: web}
  ingress:
  - fromEndpoints:
    - matchLabels: {tier: client}
    toPorts:
    - ports: [{port: "8000"}, {port: "8001"}, {port: "8002"}, {port: "8003"}, {port: "8004"},
              {port: "8005"}, {port: "8006"}, {port: "8007"}, {port: "8008"}, {port: "8009", protocol: TCP}]
Y
t0=$(date +%s%N)
out=$("$BPFLAB" netpol apply --json "$pol") || fail "apply: $out"
t1=$(date +%s%N)
rm -f "$pol"
ms=$(( (t1 - t0) / 1000000 ))
echo "apply of 1,000 identities x 10 ports: ${ms} ms wall clock (CLI included)"
echo "$out" | grep -E '"(keys|compile_ms|load_ms)"'
# ANY ports expand to TCP and UDP: 9 × 2 + 1 = 19 keys per client identity
assert_contains "$out" '"keys":19000'
[ "$ms" -lt 1000 ] || fail "apply took ${ms} ms (>= 1 s)"

out=$("$BPFLAB" netpol check --from c999 --to web --port 8009) || fail "check c999: $out"
assert_contains "$out" "allowed"
out=$("$BPFLAB" netpol check --from c999 --to web --port 22)
assert_contains "$out" "denied"
ids=$("$BPFLAB" netpol list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["identities"])')
assert_eq "$ids" 1001 "identities"
np_stop_engine
trap - EXIT
np_leftovers "$pid" || fail "left behind"
