#!/usr/bin/env bash
# timeout: 120
# The tc LB (DNAT, conntrack, reverse NAT at tc on a router namespace's
# veths) across 10 reloads: its tc filters are replaced in place on the
# same handle and priority, so new connections through the VIP never fail,
# and one connection opened before the first reload keeps exchanging
# messages through all of them (its conntrack entry, in a reused map,
# carries over to the new program, which keeps reverse-NATting its
# replies). Each reload reports the tc filters it replaced.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/netns.sh"
need_root
need_cmd python3
need_cmd ip
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-reload-tc}
export BPFLAB_LB_SOCK_HOSTNS_ONLY=1 # other namespaces go through tc
RELOADS=${RELOADS:-10}

tmp=$(mktemp -d /tmp/bl-reload-tc.XXXXXX)
export ENGINE_LOG=$tmp/engine.log
C=bpflab-rltc-c-$$ N=bpflab-rltc-n-$$ B=bpflab-rltc-b-$$
PIDS=()
cleanup() {
	touch "$tmp/stop"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	stop_engine
	for ns in $C $N $B; do ip netns del $ns 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

netns_router $C $N $B 42 43
# the backend answers every message with the address it came from
ip netns exec $B python3 -c '
import socketserver
class H(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            d = self.request.recv(64)
            if not d: return
            self.request.sendall(b"from " + self.client_address[0].encode() + b" " + d)
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.request_queue_size = 256
socketserver.ThreadingTCPServer(("198.18.43.2", 8080), H).serve_forever()
' &
PIDS+=($!)
wait_for bash -c "ip netns exec $B ss -ltn | grep -q 8080" || fail "backend did not start"

start_engine --modules proc,lb
"$BPFLAB" svc add rltc --vip 198.19.212.40:80 --backend 198.18.43.2:8080 || fail "svc add"
"$BPFLAB" svc tc --netns $N c0 || fail "svc tc c0"
"$BPFLAB" svc tc --netns $N b0 || fail "svc tc b0"

# new connections, one message each, and one long-lived connection
ip netns exec $C python3 - "$tmp" >"$tmp/client.out" 2>&1 <<'PYEOF' &
import os, socket, sys, time
stop = os.path.join(sys.argv[1], "stop")
want = b"from 198.18.42.2 "
long = socket.create_connection(("198.19.212.40", 80), timeout=3)
new_ok = new_fail = long_ok = long_fail = 0; errs = {}
while not os.path.exists(stop):
    try:
        s = socket.create_connection(("198.19.212.40", 80), timeout=3)
        s.sendall(b"new")
        if s.recv(64) == want + b"new": new_ok += 1
        else: new_fail += 1
        s.close()
    except OSError as e:
        new_fail += 1; errs[str(e)] = errs.get(str(e), 0) + 1
    try:
        long.sendall(b"long")
        if long.recv(64) == want + b"long": long_ok += 1
        else: long_fail += 1
    except OSError as e:
        long_fail += 1; errs["long: " + str(e)] = errs.get("long: " + str(e), 0) + 1
    time.sleep(0.005)
print("new ok", new_ok, "fail", new_fail, "long ok", long_ok, "fail", long_fail, errs)
PYEOF
PIDS+=($!)
sleep 1

for i in $(seq "$RELOADS"); do
	out=$("$BPFLAB" reload --json) || fail "reload $i failed"
	read -r tc lb_tc total find swap < <(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
lb = [o for o in r["objects"] if o["name"] == "lb"][0]
print(r["tc_replaced"], lb["tc_replaced"], r["total_ms"], r["find_ms"], r["swap_ms"])
' "$out")
	echo "reload $i: $tc tc filters replaced ($lb_tc lb) in $total ms; on the loop: find $find ms, swap $swap ms"
	[ "$lb_tc" -eq 2 ] || fail "reload $i replaced $lb_tc lb tc filters, want 2 (c0 and b0)"
	sleep 0.2
done
sleep 0.5
touch "$tmp/stop"
wait "${PIDS[1]}"
cat "$tmp/client.out"
read -r new_ok new_fail long_ok long_fail < <(awk '/^new ok/ {print $3, $5, $8, $10}' "$tmp/client.out")
[ -n "$new_ok" ] || fail "the client printed no totals"
[ "$new_fail" -eq 0 ] || fail "$new_fail new connections through the VIP failed"
[ "$long_fail" -eq 0 ] || fail "the long-lived connection failed $long_fail times"
[ "$new_ok" -ge 100 ] && [ "$long_ok" -ge 100 ] || fail "too little traffic: $new_ok new, $long_ok long"
echo "ok: $RELOADS reloads, $new_ok new connections and $long_ok messages on one connection, none failed"
exit 0
