#!/usr/bin/env bash
# UDP through a VIP (socket-LB): datagrams reach a backend, and replies come
# back from the VIP, on unconnected (sendto/recvfrom) and connected sockets.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/netns.sh"
need_root
need_cmd ip
PY=/usr/bin/python3
[ -x $PY ] || skip "python3 is not installed"
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-lb}
ENGINE_LOG=$(mktemp /tmp/bpflab-lbu.XXXXXX)
export ENGINE_LOG
C=bpflab-lbu-c B=bpflab-lbu-b
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	stop_engine
	ip netns del $B 2>/dev/null
	ip netns del $C 2>/dev/null
	rm -f "$ENGINE_LOG"
}
trap cleanup EXIT

netns_pair $C $B bl-lbu-b 21
ip netns exec $B $PY -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.21.2", 5353))
while True:
    d, a = s.recvfrom(2048)
    s.sendto(b"echo:" + d, a)
' &
SRV=$!

start_engine
"$BPFLAB" svc add dns --vip 198.19.201.53:53/udp --backend 198.18.21.2:5353 || fail "svc add"
out=$(ip netns exec $C $PY - <<'PYEOF'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
for i in range(20):
    s.sendto(b"q%d" % i, ("198.19.201.53", 53))
    d, a = s.recvfrom(2048)
    assert d == b"echo:q%d" % i, d
    assert a == ("198.19.201.53", 53), "reply came from %s" % (a,)
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.settimeout(3)
c.connect(("198.19.201.53", 53))
c.send(b"hello")
assert c.recv(2048) == b"echo:hello"
assert c.getpeername() == ("198.19.201.53", 53), c.getpeername()
print("udp ok")
PYEOF
) || fail "UDP through the VIP: $out"
assert_contains "$out" "udp ok"
exit 0
