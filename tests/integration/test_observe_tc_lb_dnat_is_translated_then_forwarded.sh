#!/usr/bin/env bash
# timeout: 60
# The tc LB (DNAT on a node's veth, not the socket-LB) is shown as Hubble
# shows a translation: observe watching the same veth sees client -> VIP,
# and the connection starts with one TRANSLATED flow (lb_hook tc, the VIP
# and the backend) followed by its FORWARDED flow carrying
# destination_service; /metrics counts the TRANSLATED verdict.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
source "$(dirname "$0")/../helpers/netns.sh"
need_cmd python3
export BPFLAB_RUN_DIR=/run/bpflab-test-obstclb
export BPFLAB_METRICS_ADDR=127.0.0.1:19475
export BPFLAB_LB_SOCK_HOSTNS_ONLY=1 # the client's netns: only tc balances
# client (198.18.146.2) -- node: c0 .1 | b0 198.18.147.1 -- backend (.2)
ns_c=bpflab-obt$$c ns_s=bpflab-obt$$n ns_b=bpflab-obt$$b
tmp=$(mktemp -d /tmp/bl-obs-obt.XXXXXX)
cleanup() {
	obs_cleanup
	ip netns del "$ns_b" 2>/dev/null
	true
}
trap cleanup EXIT
export ENGINE_LOG=$tmp/engine.log
flowdir=/var/lib/bpflab/flows/bpflab-test-obstclb
rm -rf "$flowdir"
netns_router "$ns_c" "$ns_s" "$ns_b" 146 147
ip netns exec "$ns_b" python3 -m http.server --bind 198.18.147.2 8080 >/dev/null 2>&1 &
server=$!

start_engine --modules proc,lb,observe
"$BPFLAB" svc add obt-web --vip 198.19.146.10:80 --backend 198.18.147.2:8080 >/dev/null || fail "svc add"
"$BPFLAB" svc tc --netns "$ns_s" c0 >/dev/null || fail "svc tc c0"
"$BPFLAB" svc tc --netns "$ns_s" b0 >/dev/null || fail "svc tc b0"
"$BPFLAB" observe -i c0 --netns "$ns_s" --duration 1s >/dev/null 2>&1 || fail "observe.attach"
backend_up() { ip netns exec "$ns_b" curl -s -o /dev/null --max-time 1 http://198.18.147.2:8080/; }
wait_for backend_up || fail "the backend did not come up"
ip netns exec "$ns_c" curl -s -o /dev/null --max-time 3 --local-port 45999 http://198.19.146.10/ || fail "no answer through the VIP"

sleep 1.2 # the engine writes its flow log out once a second
"$BPFLAB" observe --since 1m --from-port 45999 -o json >"$tmp/flows.json"
head -c 1500 "$tmp/flows.json"; echo
python3 - "$tmp/flows.json" <<'PY' || fail "the tc LB's translation is not shown"
import json, sys
flows = [json.loads(l)["flow"] for l in open(sys.argv[1])]
l34 = [f for f in flows if f["Type"] == "L3_L4" and f["IP"]["source"] == "198.18.146.2"]
assert l34, flows
t = l34[0]
assert t["verdict"] == "TRANSLATED", t
assert t["IP"]["destination"] == "198.19.146.10" and t["l4"]["TCP"]["destination_port"] == 80, t
b = t["bpflab"]
assert b["lb_hook"] == "tc" and b["backend"] == "198.18.147.2:8080" and b["vip"] == "198.19.146.10:80", b
assert l34[1]["verdict"] == "FORWARDED", l34[1]
assert l34[1]["destination_service"]["name"] == "obt-web", l34[1]
assert len([f for f in l34 if f["verdict"] == "TRANSLATED"]) == 1, l34
PY
metrics=$(curl -s --max-time 2 "http://$BPFLAB_METRICS_ADDR/metrics")
assert_contains "$metrics" 'verdict="TRANSLATED"' "TRANSLATED counted"
echo PASS
