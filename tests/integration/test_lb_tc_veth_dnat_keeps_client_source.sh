#!/usr/bin/env bash
# The tc LB on a node's veths: a client in another netns (the socket-LB is
# limited to the host netns here) reaches a backend through a VIP; the
# backend sees the client's own source address, the replies come back from
# the VIP (reverse NAT, or the handshake would fail), and bytes are counted.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/netns.sh"
need_root
need_cmd ip
PY=/usr/bin/python3
[ -x $PY ] || skip "python3 is not installed"
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-lbtc}
ENGINE_LOG=$(mktemp /tmp/bpflab-lbtc.XXXXXX)
export ENGINE_LOG
export BPFLAB_LB_SOCK_HOSTNS_ONLY=1
C=bpflab-lbtc-c N=bpflab-lbtc-n B=bpflab-lbtc-b
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	stop_engine
	for ns in $C $N $B; do ip netns del $ns 2>/dev/null; done
	rm -f "$ENGINE_LOG"
}
trap cleanup EXIT

netns_router $C $N $B 40 41
ip netns exec $B $PY -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.41.2", 8080)); s.listen(64)
while True:
    c, a = s.accept()
    c.recv(64); c.sendall(("seen-from " + a[0]).encode()); c.close()
' &
SRV=$!

start_engine
"$BPFLAB" svc add tcweb --vip 198.19.201.40:80 --backend 198.18.41.2:8080 || fail "svc add"
"$BPFLAB" svc tc --netns $N c0 || fail "svc tc c0"
"$BPFLAB" svc tc --netns $N b0 || fail "svc tc b0"
out=$(ip netns exec $C $PY - <<'PYEOF'
import socket
for i in range(20):
    s = socket.create_connection(("198.19.201.40", 80), timeout=3)
    assert s.getpeername() == ("198.19.201.40", 80)
    s.sendall(b"hi")
    data = s.recv(100).decode()
    s.close()
print(data)
PYEOF
) || fail "client through the tc LB: $out"
assert_eq "$out" "seen-from 198.18.40.2" "the backend must see the client's own address"
json=$("$BPFLAB" svc list --json)
conns=$($PY -c 'import json,sys; s=json.load(sys.stdin)["services"][0]; print(s["connections"], s["bytes"] > 0)' <<<"$json")
assert_eq "$conns" "20 True" "tc LB counters"
stop_engine
# the filters went with the engine: the VIP no longer answers
ip netns exec $C $PY -c 'import socket; socket.create_connection(("198.19.201.40", 80), timeout=1)' 2>/dev/null &&
	fail "the tc LB outlived the engine"
exit 0
