#!/usr/bin/env bash
# timeout: 90
# A curl between two network namespaces, watched by `bpflab observe` at tc on
# the client's veth, shows: the SYN flow and its SYN-ACK reply, the FIN with
# packet totals, and one L7 record with the right method, path, status and a
# latency that includes the server's delay. The flow log then answers
# --last / --since / HTTP filters, and nothing stays attached afterwards.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
need_cmd tc
need_cmd python3
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-observe}

obs_pair obs 8
logdir=$tmp

# A server that answers /slow after 150 ms, and 404 for the rest.
obs_http_server /slow=200:150 /=404
obs_wait_http /ping

out=$logdir/capture.json
"$BPFLAB" observe -i "$if_c" --netns "$ns_c" -o json --flow-log "$logdir" >"$out" 2>"$logdir/capture.err" &
capture=$!
wait_for obs_attached || { cat "$logdir/capture.err"; fail "tc filter not attached"; }
# our programs' ids (other engines on the host may load their own bl_flow_*)
prog_ids=$({ tc -n "$ns_c" filter show dev "$if_c" egress
	tc -n "$ns_c" filter show dev "$if_c" ingress; } | grep -o ' id [0-9]*' | awk '{print $2}')
[ -n "$prog_ids" ] || fail "no program ids on the filters"
code=$(ip netns exec "$ns_c" curl -s -o /dev/null -w '%{http_code}' --local-port 45678 \
	"http://$ip_s:8080/slow/item?x=1")
assert_eq "$code" "200" "curl status"
sleep 0.5
kill -INT "$capture"; wait "$capture"; rc=$?; capture=
cat "$logdir/capture.err"
[ $rc -eq 0 ] || fail "observe exited $rc"
cat "$out"

read -r -d '' check <<'PY'
import json, sys
flows = [json.loads(l)["flow"] for l in open(sys.argv[1])]
mine = [f for f in flows if 45678 in (f.get("l4", {}).get("TCP", {}).get("source_port"),
                                      f.get("l4", {}).get("TCP", {}).get("destination_port"))]
syn = [f for f in mine if f["Type"] == "L3_L4" and f["l4"]["TCP"].get("flags") == {"SYN": True}]
assert len(syn) == 1, f"SYN flows: {syn}"
s = syn[0]
assert s["IP"] == {"source": "198.18.8.1", "destination": "198.18.8.2", "ipVersion": "IPv4"}, s["IP"]
assert s["verdict"] == "FORWARDED" and not s["is_reply"] and s["traffic_direction"] == "EGRESS", s
assert s["interface"]["name"] == sys.argv[2], s["interface"]
synack = [f for f in mine if f["Type"] == "L3_L4" and f["l4"]["TCP"].get("flags") == {"SYN": True, "ACK": True}]
assert len(synack) == 1 and synack[0]["is_reply"], synack
ends = [f for f in mine if f.get("bpflab", {}).get("event") == "end" and f["IP"]["source"] == "198.18.8.1"]
assert len(ends) == 1, ends
assert ends[0]["bpflab"]["packets"] >= 4, ends[0]
l7 = [f for f in mine if f["Type"] == "L7"]
assert len(l7) == 1, f"L7 records: {l7}"
h = l7[0]["l7"]
assert h["type"] == "RESPONSE", h
assert h["http"] == {"code": 200, "method": "GET", "url": "/slow/item?x=1", "protocol": "HTTP/1.1"}, h
assert 0.15e9 <= h["latency_ns"] < 0.6e9, h["latency_ns"]
assert l7[0]["IP"]["source"] == "198.18.8.2" and l7[0]["is_reply"], l7[0]
print("latency_ms", h["latency_ns"] / 1e6)
PY
python3 -c "$check" "$out" "$if_c" || fail "flows are wrong"
assert_contains "$(cat "$logdir/capture.err")" " 0 lost" "lost records"

# History from the flow log, with filters.
hist=$("$BPFLAB" observe --flow-log "$logdir" --since 1m --protocol http -o compact)
echo "$hist"
assert_contains "$hist" "GET /slow/item?x=1 => 200" "compact L7 line"
n=$("$BPFLAB" observe --flow-log "$logdir" --last 2 -o json | wc -l)
assert_eq "$n" "2" "--last 2"
n=$("$BPFLAB" observe --flow-log "$logdir" --http-status 4+ -o json | wc -l)
assert_eq "$n" "0" "--http-status 4+ (only the ping before capture was a 404)"
n=$("$BPFLAB" observe --flow-log "$logdir" --http-path '^/slow/' --http-method GET -o json | wc -l)
assert_eq "$n" "1" "--http-path/--http-method"
n=$("$BPFLAB" observe --flow-log "$logdir" --since 2000-01-01T00:00:00Z --from-ip 198.18.8.2 --to-port 45678 -o json | wc -l)
[ "$n" -ge 2 ] || fail "--from-ip/--to-port found $n"
n=$("$BPFLAB" observe --flow-log "$logdir" --since "$(date -u -d '+1 min' +%Y-%m-%dT%H:%M:%SZ)" -o json | wc -l)
assert_eq "$n" "0" "--since in the future"
"$BPFLAB" observe --flow-log "$logdir" --http-path '(' >/dev/null 2>&1 && fail "bad regex accepted"
"$BPFLAB" observe -i no-such-if0 --duration 1s >/dev/null 2>&1 && fail "missing interface accepted"

# Detached, journal released.
tc -n "$ns_c" filter show dev "$if_c" ingress | grep -q bl_flow && fail "ingress filter left"
tc -n "$ns_c" filter show dev "$if_c" egress | grep -q bl_flow && fail "egress filter left"
gone() {
	for id in $prog_ids; do bpftool prog show id "$id" >/dev/null 2>&1 && return 1; done
	return 0
}
wait_for gone || fail "flow programs left loaded"
echo PASS
