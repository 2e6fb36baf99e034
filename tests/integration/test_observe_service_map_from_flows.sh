#!/usr/bin/env bash
# timeout: 90
# `bpflab map` builds edges from observed connections: three HTTP requests
# from a client netns to a server (one answered 500) give one edge
# client → server:8080/TCP with 3 connections, 3 requests, 1 error, p50/p99
# latencies that include the server's 100 ms delay, and bytes. --dot and
# --json render the same edge.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip
need_cmd curl
need_cmd python3
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-observe}

ns_c=bpflab-obp$$c ns_s=bpflab-obp$$s
if_c=bl-obp$$c if_s=bl-obp$$s
logdir=$(mktemp -d /tmp/bl-obs-map.XXXXXX)
server= capture=
cleanup() {
	[ -n "$capture" ] && kill -INT "$capture" 2>/dev/null && wait "$capture" 2>/dev/null
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	ip netns del "$ns_c" 2>/dev/null
	ip netns del "$ns_s" 2>/dev/null
	rm -rf "$logdir"
	true
}
trap cleanup EXIT

ip netns add "$ns_c" && ip netns add "$ns_s" || fail "netns"
ip -n "$ns_c" link add "$if_c" type veth peer name "$if_s" netns "$ns_s" || fail "veth"
ip -n "$ns_c" addr add 198.18.14.1/24 dev "$if_c"
ip -n "$ns_s" addr add 198.18.14.2/24 dev "$if_s"
ip -n "$ns_c" link set "$if_c" up && ip -n "$ns_s" link set "$if_s" up || fail "link up"

read -r -d '' srv <<'PY'
import http.server, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        time.sleep(0.1)
        code = 500 if self.path == "/fail" else 200
        self.send_response(code)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("198.18.14.2", 8080), H).serve_forever()
PY
ip netns exec "$ns_s" python3 -c "$srv" &
server=$!
up() { ip netns exec "$ns_c" curl -s -o /dev/null --max-time 1 http://198.18.14.2:8080/; }
wait_for up || fail "server did not come up"

"$BPFLAB" observe -i "$if_c" --netns "$ns_c" -o json --flow-log "$logdir" >/dev/null 2>"$logdir/err" &
capture=$!
attached() { tc -n "$ns_c" filter show dev "$if_c" egress | grep -q bl_flow_egress; }
wait_for attached || { cat "$logdir/err"; fail "not attached"; }
for p in /a /b /fail; do
	ip netns exec "$ns_c" curl -s -o /dev/null "http://198.18.14.2:8080$p"
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
