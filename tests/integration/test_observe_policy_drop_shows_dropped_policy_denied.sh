#!/usr/bin/env bash
# timeout: 60
# A connection a CiliumNetworkPolicy refuses (applied with `bpflab netpol
# apply`, enforced at tc on the server's veth) is a DROPPED flow with
# drop_reason_desc POLICY_DENIED in the engine's flow log: `bpflab observe
# --verdict DROPPED` lists it with both ends named (pod_name, labels), the
# identity filters select it, and /metrics counts it in hubble_drop_total.
# observe watching the same link does not add a FORWARDED record of the
# dropped packet: one verdict per packet.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
need_cmd python3
export BPFLAB_RUN_DIR=/run/bpflab-test-obspol
export BPFLAB_METRICS_ADDR=127.0.0.1:19472
obs_pair obp 143
export ENGINE_LOG=$tmp/engine.log
flowdir=/var/lib/bpflab/flows/bpflab-test-obspol
rm -rf "$flowdir"
obs_serve python3 -m http.server --bind "$ip_s" 8080 >/dev/null 2>&1
obs_wait_http /

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
# observe watches the same link: its tc program runs before netpol's
"$BPFLAB" observe -i "$if_s" --netns "$ns_s" --duration 1s >/dev/null 2>&1 || fail "observe.attach"
"$BPFLAB" netpol apply "$tmp/cnp.yaml" >/dev/null || fail "netpol apply"
obs_curl_ok / && fail "the policy did not stop the client"

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
# One verdict per packet: observe's own record of a dropped packet is not
# a FORWARDED flow next to the drop.
"$BPFLAB" observe --since 1m -o json >"$tmp/all.json"
python3 - "$tmp/all.json" <<'PY' || fail "a dropped packet has two verdicts"
import json, sys
flows = [json.loads(l)["flow"] for l in open(sys.argv[1])]
def key(f):
    t = f["l4"].get("TCP", {})
    return (f["IP"]["source"], f["IP"]["destination"], t.get("source_port"), t.get("destination_port"))
dropped = {key(f) for f in flows if f["verdict"] == "DROPPED"}
assert dropped, "no drop"
other = [f for f in flows if f["verdict"] != "DROPPED" and key(f) in dropped]
assert not other, other
print(len(dropped), "dropped tuples,", len(flows), "flows, none also FORWARDED")
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
# observe did see the dropped packets, and left its own record of them out
sup=$(awk '$1 == "bpflab_flows_superseded_total" {print $2}' <<<"$metrics")
[ "${sup:-0}" -ge 1 ] || fail "observe saw no dropped packet (superseded: ${sup:-none})"
echo PASS
