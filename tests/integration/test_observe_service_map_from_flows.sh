#!/usr/bin/env bash
# timeout: 90
# `bpflab map` builds edges from observed connections: three HTTP requests
# from a client netns to a server (one answered 500) give one edge
# client → server:8080/TCP with 3 connections, 3 requests, 1 error, p50/p99
# latencies that include the server's 100 ms delay, and bytes. --dot and
# --json render the same edge.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
need_cmd python3
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-observe}

obs_pair obm 14
logdir=$tmp

obs_http_server /fail=500:100 /=200:100
obs_wait_http /

"$BPFLAB" observe -i "$if_c" --netns "$ns_c" -o json --flow-log "$logdir" >/dev/null 2>"$logdir/err" &
capture=$!
wait_for obs_attached || { cat "$logdir/err"; fail "not attached"; }
for p in /a /b /fail; do
	ip netns exec "$ns_c" curl -s -o /dev/null "http://$ip_s:8080$p"
done
sleep 0.5
kill -INT "$capture"; wait "$capture"; capture=

"$BPFLAB" map --flow-log "$logdir" || fail "map failed"
json=$("$BPFLAB" map --flow-log "$logdir" --json) || fail "map --json failed"
echo "$json"
read -r -d '' check <<'PY'
import json, sys
edges = json.loads(sys.stdin.read())["edges"]
e = [x for x in edges if x["source"] == "198.18.14.1" and x["destination"] == "198.18.14.2" and x["port"] == 8080]
assert len(edges) == 1 and len(e) == 1, edges
e = e[0]
assert e["protocol"] == "TCP", e
assert e["connections"] == 3 and e["requests"] == 3 and e["errors"] == 1, e
assert 100 <= e["p50_ms"] <= e["p99_ms"] < 1000, e
assert e["bytes"] > 3 * 200, e
PY
python3 -c "$check" <<<"$json" || fail "wrong edge"
dot=$("$BPFLAB" map --flow-log "$logdir" --dot)
echo "$dot"
assert_contains "$dot" '"198.18.14.1" -> "198.18.14.2:8080"' "DOT edge"
assert_contains "$dot" "3 req, 1 err" "DOT label"
"$BPFLAB" map --dot --json >/dev/null 2>&1 && fail "--dot --json accepted"
echo PASS
