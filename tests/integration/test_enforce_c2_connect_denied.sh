#!/usr/bin/env bash
# timeout: 120
# Override on sys_connect is a real deny: connect() to the lab "C2" in a
# network namespace fails with EPERM and the listener counts zero SYNs; with
# Sigkill too (the block-c2 example) the caller dies with SIGKILL; a connect
# to an allowed address still succeeds.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
need_cmd iptables
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-enforce}

ns=bl-enf-c2-$$
dir=$(mktemp -d /tmp/bl-enforce-c2.XXXXXX)
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	stop_engine
	ip link del bl-enfc2-$$ 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

# C2 at 198.18.66.2 (blocked), a harmless service at 198.18.67.2 (allowed)
ip netns add "$ns" || fail "netns"
ip link add bl-enfc2-$$ type veth peer name bl-enfc2p-$$ || fail "veth"
ip link set bl-enfc2p-$$ netns "$ns"
ip addr add 198.18.66.1/24 dev bl-enfc2-$$
ip addr add 198.18.67.1/24 dev bl-enfc2-$$
ip link set bl-enfc2-$$ up
ip -n "$ns" addr add 198.18.66.2/24 dev bl-enfc2p-$$
ip -n "$ns" addr add 198.18.67.2/24 dev bl-enfc2p-$$
ip -n "$ns" link set bl-enfc2p-$$ up
ip -n "$ns" link set lo up
# count every SYN that reaches the namespace, whatever its address
ip netns exec "$ns" iptables -I INPUT -p tcp --syn --dport 4444 || fail "iptables counter"
ip netns exec "$ns" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 4444)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()
' &
SERVER_PID=$!
syns() { ip netns exec "$ns" iptables -L INPUT -v -x -n | awk '/dpt:4444/ {print $1}'; }
wait_for bash -c "ip netns exec $ns ss -ltn | grep -q 4444" || fail "listener did not start"

client() { # ADDR: prints the connect() result
	python3 -c '
import socket, sys, errno
s = socket.socket(); s.settimeout(3)
try:
    s.connect((sys.argv[1], 4444)); print("connected")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
' "$1"
}

sed 's/^\(\s*\)- action: Sigkill$/\1- action: Post/' /work/shared/formats/block-c2.yaml >"$dir/deny-only.yaml"
sed -i 's/name: "block-c2"/name: "block-c2-deny"/' "$dir/deny-only.yaml"
ENGINE_LOG=$dir/engine.log start_engine --modules proc,enforce

assert_eq "$(client 198.18.66.2)" connected "before any policy the C2 answers"
base=$(syns)

"$BPFLAB" policy apply "$dir/deny-only.yaml" || fail "apply deny-only"
out=$(client 198.18.66.2)
assert_eq "$out" EPERM "Override denies connect"
assert_eq "$(syns)" "$base" "SYNs reached the C2 despite the deny"
assert_eq "$(client 198.18.67.2)" connected "an allowed address connects"
"$BPFLAB" policy delete block-c2-deny || fail "delete"

"$BPFLAB" policy apply /work/shared/formats/block-c2.yaml || fail "apply block-c2"
base=$(syns)
out=$(client 198.18.66.2)
rc=$?
echo "block-c2: client printed '$out', exit $rc"
[ $rc -eq 137 ] || fail "the caller was not SIGKILLed (exit $rc)"
assert_eq "$(syns)" "$base" "SYNs reached the C2 under block-c2"
assert_eq "$(client 198.18.67.2)" connected "an allowed address connects under block-c2"
"$BPFLAB" policy list
"$BPFLAB" policy delete block-c2 || fail "delete"
assert_eq "$(client 198.18.66.2)" connected "after delete the C2 answers again"
echo "ok: zero SYNs while denied"
