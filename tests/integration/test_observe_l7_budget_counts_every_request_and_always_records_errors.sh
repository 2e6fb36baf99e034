#!/usr/bin/env bash
# timeout: 60
# The L7 record budget (BPFLAB_L7_RECORDS=20 records/s for the engine): 300
# keep-alive requests, every 50th answered 500, send far fewer than 300 L7
# records to the flow log, but every error and the connection's first
# request are among them; the kernel counts every request, so /metrics has
# hubble_http_requests_total and the L7 hubble_flows_processed_total at
# exactly 300, and bpflab_l7_records_sampled_total is what the log lacks;
# the engine's "observe.l7" request returns the same counters.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
need_cmd python3
export BPFLAB_RUN_DIR=/run/bpflab-test-obsbudget
export BPFLAB_METRICS_ADDR=127.0.0.1:19473
obs_pair obb 144
export ENGINE_LOG=$tmp/engine.log
flowdir=/var/lib/bpflab/flows/bpflab-test-obsbudget
rm -rf "$flowdir"

obs_http_server /err=500 /=200
obs_wait_http /

BPFLAB_L7_RECORDS=20 start_engine --modules proc,observe
"$BPFLAB" observe -i "$if_c" --netns "$ns_c" --duration 1s >/dev/null 2>&1 || fail "observe.attach"
wait_for obs_attached || fail "not attached"

# One curl, one connection, 300 requests: /err<i> every 50th.
urls=()
for i in $(seq 300); do
	if [ $((i % 50)) -eq 0 ]; then urls+=("http://$ip_s:8080/err$i"); else urls+=("http://$ip_s:8080/ok$i"); fi
	urls+=(-o /dev/null)
done
t0=$(date +%s.%N)
ip netns exec "$ns_c" curl -s "${urls[@]}" || fail "curl"
t1=$(date +%s.%N)

metric() { # the sum of a metric's series whose line matches $2
	curl -s "http://$BPFLAB_METRICS_ADDR/metrics" | awk -v m="$1" -v f="$2" \
		'index($0, m "{") == 1 && index($0, f) {s += $NF} END {print s + 0}'
}
all_counted() { [ "$(metric hubble_http_requests_total method)" -eq 300 ]; }
wait_for all_counted || fail "hubble_http_requests_total $(metric hubble_http_requests_total method), want 300"
assert_eq "$(metric hubble_flows_processed_total 'type="L7",subtype="HTTP"')" 300 "L7 flows processed"
assert_eq "$(metric hubble_http_requests_total 'status="500"')" 6 "500s counted"
assert_eq "$(metric hubble_http_request_duration_seconds_count 'method="GET"')" 300 "latency histogram count"

sleep 1 # the engine's tick writes the flow log out
rec=$("$BPFLAB" observe --type l7 -o json --since 1m | wc -l)
errs=$("$BPFLAB" observe --type l7 --http-status 500 -o json --since 1m | wc -l)
first=$("$BPFLAB" observe --type l7 --http-path '^/ok1$' -o json --since 1m | wc -l)
sampled=$(curl -s "http://$BPFLAB_METRICS_ADDR/metrics" | awk '$1 == "bpflab_l7_records_sampled_total" {print $2}')
lost=$(metric bpflab_events_lost_total 'module="observe"')
echo "records $rec, errors $errs, first $first, sampled $sampled, lost $lost"
assert_eq "$errs" 6 "every 500 has a record"
assert_eq "$first" 1 "the connection's first request has a record"
# 6 errors + the first, and at most 20/s (10 per CPU and second-long window)
max=$(awk -v a="$t0" -v b="$t1" -v n="$(nproc)" 'BEGIN{printf "%d", 7 + 10 * n * (int(b - a) + 2)}')
echo "curl took $(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}') s; at most $max records"
[ "$rec" -le "$max" ] && [ "$rec" -lt 300 ] || fail "$rec L7 records for 300 requests under a 20/s budget (max $max)"
assert_eq "$lost" 0 "lost records"
assert_eq "$((rec + sampled))" 300 "records + sampled"
# The same counters through the engine's socket ("observe.l7").
python3 - "$BPFLAB_RUN_DIR/engine.sock" "$ip_c" "$sampled" <<'PY' || fail "observe.l7 counters"
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b'{"op":"observe.l7"}\n')
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    assert chunk, buf
    buf += chunk
r = json.loads(buf)
pairs = [p for p in r["pairs"] if p["client"] == sys.argv[2] and p["protocol"] == "HTTP"]
assert sum(p["count"] for p in pairs) == 300, pairs
assert sum(p["count"] for p in pairs if p["status"] == 500) == 6, pairs
assert all(sum(p["latency_buckets"]) == p["count"] and p["method"] == "GET" for p in pairs), pairs
assert r["sampled"] == int(sys.argv[3]), r
print("observe.l7:", len(pairs), "series,", r["sampled"], "sampled")
PY
echo PASS
