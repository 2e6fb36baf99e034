#!/usr/bin/env bash
# timeout: 120
# A real Prometheus scrapes the engine's /metrics (served from the engine's
# epoll loop by the observe module) and its HTTP API returns the flow and
# HTTP counters for traffic the tc programs saw: 3 requests → 3 in
# hubble_http_requests_total{status="404"}, lost events 0.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd prometheus
need_cmd curl
need_cmd ip
need_cmd python3
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-observe}
# Our own port, so several engines on one host don't collide on 9965.
mport=$((20000 + $$ % 10000)) pport=$((30000 + $$ % 10000))
export BPFLAB_METRICS_ADDR=127.0.0.1:$mport

ns_c=bpflab-obm$$c ns_s=bpflab-obm$$s
if_c=bl-obm$$c if_s=bl-obm$$s
tmp=$(mktemp -d /tmp/bl-obs-prom.XXXXXX)
server= prom=
cleanup() {
	[ -n "$prom" ] && kill "$prom" 2>/dev/null && wait "$prom" 2>/dev/null
	stop_engine
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	ip netns del "$ns_c" 2>/dev/null
	ip netns del "$ns_s" 2>/dev/null
	rm -rf "$tmp"
	true
}
trap cleanup EXIT

ip netns add "$ns_c" && ip netns add "$ns_s" || fail "netns"
ip -n "$ns_c" link add "$if_c" type veth peer name "$if_s" netns "$ns_s" || fail "veth"
ip -n "$ns_c" addr add 198.18.11.1/24 dev "$if_c"
ip -n "$ns_s" addr add 198.18.11.2/24 dev "$if_s"
ip -n "$ns_c" link set "$if_c" up && ip -n "$ns_s" link set "$if_s" up || fail "link up"
mkdir "$tmp/www"
ip netns exec "$ns_s" python3 -m http.server 8080 --bind 198.18.11.2 --directory "$tmp/www" >/dev/null 2>&1 &
server=$!

ENGINE_LOG=$tmp/engine.log start_engine -m proc,observe
metrics() { curl -sf "http://127.0.0.1:$mport/metrics"; }
wait_for metrics >/dev/null || { cat "$tmp/engine.log"; fail "no /metrics on $mport"; }
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mport/other" | grep -q 404 || fail "non-/metrics path not 404"

"$BPFLAB" observe -i "$if_c" --netns "$ns_c" --duration 1s >/dev/null || fail "observe.attach via the engine failed"
up() { ip netns exec "$ns_c" curl -s -o /dev/null --max-time 1 http://198.18.11.2:8080/; }
wait_for up || fail "server did not come up"
for i in 1 2 3; do
	ip netns exec "$ns_c" curl -s -o /dev/null "http://198.18.11.2:8080/missing$i"
done

cat >"$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: bpflab
    static_configs:
      - targets: ["127.0.0.1:$mport"]
YML
prometheus --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/data" \
	--web.listen-address="127.0.0.1:$pport" >"$tmp/prom.log" 2>&1 &
prom=$!

q() { curl -sf "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1"; }
# The instant value of a query, -1 while Prometheus is not up or has no sample.
read -r -d '' first_value <<'PY'
import json, sys
try:
    r = json.load(sys.stdin)["data"]["result"]
    print(int(float(r[0]["value"][1])) if r else -1)
except ValueError:
    print(-1)
PY
value() { q "$1" 2>/dev/null | python3 -c "$first_value"; }
scraped() { [ "$(value 'hubble_http_requests_total{status="404",method="GET"}')" -ge 3 ]; }
WAIT_SECS=40 wait_for scraped || { tail -5 "$tmp/prom.log"; metrics | grep hubble_http; fail "Prometheus never saw the HTTP counter"; }
got=$(value 'hubble_http_requests_total{status="404",method="GET"}')
echo "prometheus: hubble_http_requests_total{status=404} = $got"
# The ping (up) may have been a 200 (directory listing); the three misses are 404s.
assert_eq "$got" "3" "404 requests seen by Prometheus"
up_val=$(value 'up{job="bpflab"}')
assert_eq "$up_val" "1" "scrape target up"
fl=$(value 'sum(hubble_flows_processed_total{type="L3_L4"})')
[ "$fl" -ge 6 ] || fail "flows processed $fl < 6 (3 connections, 2 directions)"
lost=$(value 'bpflab_events_lost_total{module="observe"}')
assert_eq "$lost" "0" "lost observe events"
ev=$(value 'bpflab_events_total{module="observe"}')
[ "$ev" -ge 9 ] || fail "observe events $ev"
echo PASS
