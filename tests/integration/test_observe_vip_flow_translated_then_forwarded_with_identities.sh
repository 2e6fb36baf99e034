#!/usr/bin/env bash
# timeout: 90
# A curl through a service VIP, watched by the engine's observe module at tc
# on the client's veth: the socket-LB's rewrite at connect() is one
# TRANSLATED flow (client -> VIP, naming the service and the backend), then
# the SYN is a FORWARDED flow to the backend, and one L7 record carries the
# method, path and status. Every record names both ends by their netpol
# endpoint (pod_name, labels, identity) and the service; the L7 record names
# the curl process. --from-sandbox/--to-sandbox/--from-label/--to-label
# select them in the flow log, and unknown names select nothing. The
# service map has one edge obv-client -> service obv-web.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
need_cmd python3
export BPFLAB_RUN_DIR=/run/bpflab-test-obsvip
export BPFLAB_METRICS_ADDR=127.0.0.1:19471
obs_pair obv 142
export ENGINE_LOG=$tmp/engine.log
flowdir=/var/lib/bpflab/flows/bpflab-test-obsvip
rm -rf "$flowdir"
# the VIP is routed out of the client's veth (it never reaches the wire)
ip -n "$ns_c" route add 198.19.142.0/24 dev "$if_c" || fail "route"

obs_http_server /hello=200 /=404
obs_wait_http /

start_engine --modules proc,netpol,lb,observe
"$BPFLAB" netpol endpoint add obv-client --ip 198.18.142.1 --label app=obv-client >/dev/null ||
	fail "endpoint obv-client"
"$BPFLAB" netpol endpoint add obv-web --ip 198.18.142.2 --label app=obv-web >/dev/null ||
	fail "endpoint obv-web"
"$BPFLAB" svc add obv-web --vip 198.19.142.10:80 --backend 198.18.142.2:8080 >/dev/null ||
	fail "svc add"
"$BPFLAB" observe -i "$if_c" --netns "$ns_c" --duration 1s >/dev/null 2>"$tmp/attach.err" ||
	{ cat "$tmp/attach.err"; fail "observe.attach"; }

code=$(ip netns exec "$ns_c" curl -s -o /dev/null -w '%{http_code}' --local-port 46123 \
	http://198.19.142.10/hello/vip)
assert_eq "$code" "200" "curl through the VIP"
# the engine writes its flow log once a second; wait for both FINs
logged() { [ "$("$BPFLAB" observe --port 46123 -o json | grep -c '"event":"end"')" -ge 2 ]; }
WAIT_SECS=10 wait_for logged || fail "the connection's end is not in the flow log"
"$BPFLAB" observe --port 46123 -o json >"$tmp/flows.json"
cat "$tmp/flows.json"

read -r -d '' check <<'PY'
import json, sys
flows = [json.loads(l)["flow"] for l in open(sys.argv[1])]
def tcp(f): return f.get("l4", {}).get("TCP", {})
xl = [f for f in flows if f["verdict"] == "TRANSLATED"]
assert len(xl) == 1, f"TRANSLATED flows: {xl}"
t = xl[0]
assert t["IP"]["source"] == "198.18.142.1" and t["IP"]["destination"] == "198.19.142.10", t["IP"]
assert tcp(t)["destination_port"] == 80, tcp(t)
assert t["destination_service"] == {"name": "obv-web", "namespace": "default"}, t
assert t["bpflab"]["backend"] == "198.18.142.2:8080" and t["bpflab"]["lb_hook"] == "connect4", t["bpflab"]
assert t["source"]["pod_name"] == "obv-client", t["source"]
assert "k8s:app=obv-client" in t["source"]["labels"] and t["source"]["identity"] >= 256, t["source"]
fwd = [f for f in flows if f["Type"] == "L3_L4" and f["verdict"] == "FORWARDED"]
syn = [i for i, f in enumerate(flows) if f in fwd and tcp(f).get("flags") == {"SYN": True}]
assert len(syn) == 1, f"SYN flows: {syn}"
assert flows.index(t) < syn[0], "TRANSLATED must come before the FORWARDED SYN"
s = flows[syn[0]]
assert s["IP"]["destination"] == "198.18.142.2" and tcp(s)["destination_port"] == 8080, s
assert s["destination"]["pod_name"] == "obv-web" and "k8s:app=obv-web" in s["destination"]["labels"], s
assert s["destination_service"]["name"] == "obv-web", s
assert s["source"]["identity"] == t["source"]["identity"], s["source"]
replies = [f for f in fwd if f["is_reply"]]
assert replies and all(r.get("source_service", {}).get("name") == "obv-web" for r in replies), replies
l7 = [f for f in flows if f["Type"] == "L7"]
assert len(l7) == 1, f"L7 records: {l7}"
h = l7[0]
assert h["l7"]["http"]["method"] == "GET" and h["l7"]["http"]["url"] == "/hello/vip", h["l7"]
assert h["l7"]["http"]["code"] == 200, h["l7"]
assert h["source"]["pod_name"] == "obv-web" and h["destination"]["pod_name"] == "obv-client", h
assert h["source_service"]["name"] == "obv-web", h
c = h["bpflab"]["client"]
assert c["comm"] == "curl" and c["pid"] > 1 and c["sandbox"] == "host", c
print("ok: TRANSLATED then FORWARDED; L7", h["l7"]["http"], "client", c)
PY
python3 -c "$check" "$tmp/flows.json" || fail "flows are wrong"

# identity filters, on the flow log
n() { "$BPFLAB" observe "$@" -o json | wc -l; }
[ "$(n --port 46123 --from-sandbox obv-client)" -ge 3 ] || fail "--from-sandbox"
assert_eq "$(n --port 46123 --from-sandbox obv-client --verdict TRANSLATED)" "1" "--from-sandbox + --verdict"
assert_eq "$(n --port 46123 --to-sandbox obv-client --type l7)" "1" "--to-sandbox: the response goes to the client"
assert_eq "$(n --port 46123 --from-sandbox obv-web --to-sandbox obv-client --protocol http)" "1" "both ends"
assert_eq "$(n --port 46123 --from-sandbox no-such-sandbox)" "0" "an unknown sandbox selects nothing"
[ "$(n --port 46123 --from-label app=obv-client)" -ge 3 ] || fail "--from-label"
assert_eq "$(n --port 46123 --to-label app=obv-web --verdict TRANSLATED)" "0" "the VIP is not the web endpoint"
assert_eq "$(n --port 46123 --to-service obv-web --verdict TRANSLATED)" "1" "--to-service"
compact=$("$BPFLAB" observe --port 46123 --verdict TRANSLATED)
echo "$compact"
assert_contains "$compact" "default/obv-client:46123 -> 198.19.142.10:80" "compact names the client"
assert_contains "$compact" "TRANSLATED to 198.18.142.2:8080 (service obv-web, connect4)" "compact translation"

# the service map: identity -> service, with the request, latency and bytes
"$BPFLAB" map || fail "map"
json=$("$BPFLAB" map --json) || fail "map --json"
echo "$json"
python3 - <<PY || fail "service map edge"
import json
edges = json.loads('''$json''')["edges"]
e = [x for x in edges if x["source"] == "obv-client"]
assert len(e) == 1, edges
e = e[0]
assert e["destination"] == "obv-web" and e["destination_kind"] == "service", e
assert e["source_kind"] == "endpoint" and e["port"] == 8080, e
assert e["connections"] == 1 and e["requests"] == 1 and e["errors"] == 0, e
assert 0 < e["p50_ms"] <= e["p99_ms"] < 1000 and e["bytes"] > 0, e
PY
assert_contains "$("$BPFLAB" map --dot)" '"obv-client" -> "obv-web:8080"' "DOT edge"
echo PASS
