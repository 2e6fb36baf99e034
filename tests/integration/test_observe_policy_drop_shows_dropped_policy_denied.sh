#!/usr/bin/env bash
# timeout: 60
# A connection a CiliumNetworkPolicy refuses (applied with `bpflab netpol
# apply`, enforced at tc on the server's veth) is a DROPPED flow with
# drop_reason_desc POLICY_DENIED in the engine's flow log: `bpflab observe
# --verdict DROPPED` lists it with both ends named (pod_name, labels), the
# identity filters select it, and /metrics counts it in hubble_drop_total.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip
need_cmd curl
need_cmd python3
export BPFLAB_RUN_DIR=/run/bpflab-test-obspol
export BPFLAB_METRICS_ADDR=127.0.0.1:19472
flowdir=/var/lib/bpflab/flows/bpflab-test-obspol
tmp=$(mktemp -d /tmp/bl-obs-pol.XXXXXX)
export ENGINE_LOG=$tmp/engine.log
ns_c=bpflab-obp$$c ns_s=bpflab-obp$$s
if_c=bl-obp$$c if_s=bl-obp$$s
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	stop_engine
	ip netns del "$ns_c" 2>/dev/null
	ip netns del "$ns_s" 2>/dev/null
	rm -rf "$tmp" "$flowdir"
	true
}
trap cleanup EXIT
rm -rf "$flowdir"

ip netns add "$ns_c" && ip netns add "$ns_s" || fail "netns"
ip -n "$ns_c" link add "$if_c" type veth peer name "$if_s" netns "$ns_s" || fail "veth"
ip -n "$ns_c" addr add 198.18.143.1/24 dev "$if_c"
ip -n "$ns_s" addr add 198.18.143.2/24 dev "$if_s"
ip -n "$ns_c" link set "$if_c" up && ip -n "$ns_s" link set "$if_s" up || fail "link up"
ip netns exec "$ns_s" python3 -m http.server --bind 198.18.143.2 8080 >/dev/null 2>&1 &
server=$!
reach() { ip netns exec "$ns_c" curl -s -o /dev/null --max-time 1 http://198.18.143.2:8080/; }
wait_for reach || fail "server did not come up"

start_engine --modules proc,netpol,observe
"$BPFLAB" netpol endpoint add obp-client --ip 198.18.143.1 --label app=obp-client >/dev/null ||
	fail "endpoint obp-client"
"$BPFLAB" netpol endpoint add obp-web --ip 198.18.143.2 --label app=obp-web \
	--netns "$ns_s" --ifname "$if_s" >/dev/null || fail "endpoint obp-web"
cat >"$tmp/cnp.yaml" <<'YAML'
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: obp-web-from-nobody
spec:
  endpointSelector:
    matchLabels:
      app: obp-web
  ingress:
  - fromEndpoints:
    - matchLabels:
        app: obp-nobody
    toPorts:
    - ports:
      - port: "8080"
        protocol: TCP
YAML
"$BPFLAB" netpol apply "$tmp/cnp.yaml" >/dev/null || fail "netpol apply"
reach && fail "the policy did not stop the client"

dropped() { "$BPFLAB" observe --verdict DROPPED -o json | grep -q POLICY_DENIED; }
WAIT_SECS=10 wait_for dropped || fail "no DROPPED flow in the flow log: $(head -c 2000 "$ENGINE_LOG")"
"$BPFLAB" observe --verdict DROPPED -o json >"$tmp/drops.json"
head -c 1500 "$tmp/drops.json"; echo
python3 - "$tmp/drops.json" <<'PY' || fail "the drop is wrong"
import json, sys
flows = [json.loads(l)["flow"] for l in open(sys.argv[1])]
assert flows and all(f["verdict"] == "DROPPED" for f in flows), flows
d = [f for f in flows if f["IP"] == {"source": "198.18.143.1", "destination": "198.18.143.2", "ipVersion": "IPv4"}]
assert d, flows
f = d[0]
assert f["drop_reason_desc"] == "POLICY_DENIED", f
assert f["l4"]["TCP"]["destination_port"] == 8080, f
assert f["source"]["pod_name"] == "obp-client" and "k8s:app=obp-client" in f["source"]["labels"], f
assert f["destination"]["pod_name"] == "obp-web", f
assert f["traffic_direction"] == "INGRESS", f
assert f["ingress_denied_by"][0]["name"] == "obp-web-from-nobody", f
PY
n() { "$BPFLAB" observe "$@" -o json | wc -l; }
[ "$(n --verdict DROPPED --from-sandbox obp-client --to-label app=obp-web)" -ge 1 ] ||
	fail "identity filters on a policy drop"
assert_eq "$(n --verdict DROPPED --from-sandbox obp-web)" "0" "the server did not send the dropped packet"
compact=$("$BPFLAB" observe --verdict DROPPED --last 1)
echo "$compact"
assert_contains "$compact" "default/obp-client" "compact source"
assert_contains "$compact" "policy-verdict DROPPED" "compact verdict"
metrics=$(curl -s --max-time 2 "http://$BPFLAB_METRICS_ADDR/metrics")
assert_contains "$metrics" 'hubble_drop_total{reason="POLICY_DENIED"}' "drop metric"
echo PASS
