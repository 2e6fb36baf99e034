#!/usr/bin/env bash
# Three real nginx backends behind a VIP (socket-LB): every one of 3,000
# connections is answered, each backend gets a third ±10%, getpeername()
# shows the VIP, and a drained backend keeps its established connection
# while no new connection reaches it. Nothing is left behind.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd nginx
need_cmd ip
PY=/usr/bin/python3
[ -x $PY ] || skip "python3 is not installed"
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-lb}
tmp=$(mktemp -d /tmp/bpflab-lbt.XXXXXX)
export ENGINE_LOG=$tmp/engine.log
C=bpflab-lbt-c
cleanup() {
	for i in 1 2 3; do
		[ -f "$tmp/nginx$i.pid" ] && kill "$(cat "$tmp/nginx$i.pid")" 2>/dev/null
	done
	stop_engine
	for i in 1 2 3; do ip netns del bpflab-lbt-b$i 2>/dev/null; done
	ip netns del $C 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add $C && ip -n $C link set lo up || fail "netns"
for i in 1 2 3; do
	ns=bpflab-lbt-b$i
	ip netns add $ns
	ip -n $ns link set lo up
	ip link add bl-lbt-b$i netns $C type veth peer name eth0 netns $ns
	ip -n $C addr add 198.18.1$i.1/24 dev bl-lbt-b$i
	ip -n $C link set bl-lbt-b$i up
	ip -n $ns addr add 198.18.1$i.2/24 dev eth0
	ip -n $ns link set eth0 up
	cat >"$tmp/nginx$i.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx$i.pid;
error_log $tmp/nginx$i.err;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp; proxy_temp_path $tmp; fastcgi_temp_path $tmp;
	uwsgi_temp_path $tmp; scgi_temp_path $tmp;
	server { listen 198.18.1$i.2:8080; keepalive_requests 100000;
		location / { return 200 "b$i\n"; } }
}
CONF
	ip netns exec $ns nginx -e "$tmp/nginx$i.err" -c "$tmp/nginx$i.conf" -p "$tmp" &
done
for i in 1 2 3; do
	WAIT_SECS=10 wait_for test -s "$tmp/nginx$i.pid" || fail "nginx $i did not start: $(cat "$tmp/nginx$i.err")"
done

start_engine
"$BPFLAB" svc add web --vip 198.19.201.10:80/tcp --backend 198.18.11.2:8080 \
	--backend 198.18.12.2:8080 --backend 198.18.13.2:8080 || fail "svc add"

# 3,000 connections, one GET each; count who answered
out=$(ip netns exec $C $PY - <<'PYEOF'
import socket, collections
c = collections.Counter(); peers = set(); bad = 0
for i in range(3000):
    s = socket.create_connection(("198.19.201.10", 80), timeout=5)
    peers.add(s.getpeername())
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        d = s.recv(4096)
        if not d: break
        data += d
    s.close()
    body = data.split(b"\r\n\r\n", 1)[-1].strip().decode()
    if body in ("b1", "b2", "b3"): c[body] += 1
    else: bad += 1
print("answered", sum(c.values()), "bad", bad)
for k in ("b1", "b2", "b3"): print(k, c[k])
print("peers", sorted(peers))
PYEOF
) || fail "client failed: $out"
echo "$out"
assert_contains "$out" "answered 3000 bad 0"
assert_contains "$out" "peers \[('198.19.201.10', 80)\]" "getpeername must show the VIP"
for i in 1 2 3; do
	n=$(awk -v k=b$i '$1 == k {print $2}' <<<"$out")
	[ "$n" -ge 900 ] && [ "$n" -le 1100 ] || fail "backend b$i got $n of 3000 (want 1000 ±10%)"
done
list=$("$BPFLAB" svc list) || fail "svc list"
assert_contains "$list" "web"
conns=$("$BPFLAB" svc list --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["services"][0]["connections"])')
[ "$conns" -ge 3000 ] || fail "service counter says $conns connections"

# drain: an established keep-alive connection goes on, new ones avoid it
ip netns exec $C $PY - "$BPFLAB" <<'PYEOF' || fail "drain check failed"
import socket, subprocess, sys
def get(s):
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith(b"\n"):
        data += s.recv(4096)
    return data.split(b"\r\n\r\n", 1)[1].strip().decode()
s = socket.create_connection(("198.19.201.10", 80), timeout=5)
who = get(s)
addr = "198.18.1%s.2:8080" % who[1]
subprocess.run([sys.argv[1], "svc", "drain", "web", addr], check=True)
out = subprocess.run([sys.argv[1], "svc", "backends", "web"], check=True,
                     capture_output=True, text=True).stdout
assert "draining" in out, out
for i in range(5):
    assert get(s) == who, "established connection moved"
for i in range(300):
    n = socket.create_connection(("198.19.201.10", 80), timeout=5)
    assert get(n) != who, "a new connection reached the drained backend"
    n.close()
assert get(s) == who
s.close()
print("drained", who, "kept its connection; 300 new connections avoided it")
PYEOF

"$BPFLAB" svc rm web || fail "svc rm"
assert_not_contains "$("$BPFLAB" svc list)" "web"
# with the service removed and the engine gone, the VIP is unreachable again
stop_engine
ip netns exec $C $PY -c 'import socket; socket.create_connection(("198.19.201.10", 80), timeout=2)' 2>/dev/null &&
	fail "the VIP still answers after the engine stopped"
exit 0
