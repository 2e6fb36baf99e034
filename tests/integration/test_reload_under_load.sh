#!/usr/bin/env bash
# timeout: 240
# long
# `bpflab reload` ten times under load: a service VIP takes connections
# continuously (every failure counted) and two attack loops run (connect()
# to a blocked C2 address, appends to a protected file) while every
# program of the engine is swapped for a fresh build. Zero failed VIP
# connections, every attack blocked (zero SYNs at the C2, the file's bytes
# unchanged), each reload reports every module's programs swapped, the
# engine ends up holding new programs only (the old ones are released),
# and the service and policies are still in force afterwards.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/policies.sh"
need_root
need_cmd python3
need_cmd iptables
need_cmd ip
need_cmd bpftool
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-reload}
RELOADS=${RELOADS:-10}

tmp=$(mktemp -d /tmp/bl-reload-load.XXXXXX)
export ENGINE_LOG=$tmp/engine.log
C=bpflab-rl-c-$$
C2=bpflab-rl-c2-$$
PIDS=()
cleanup() {
	touch "$tmp/stop"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	stop_engine
	for i in 1 2; do ip netns del bpflab-rl-b$i-$$ 2>/dev/null; done
	ip netns del $C 2>/dev/null
	ip netns del $C2 2>/dev/null
	ip link del bl-rlc2-$$ 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- two backends behind the VIP, one client namespace -------------------
ip netns add $C && ip -n $C link set lo up || fail "netns"
for i in 1 2; do
	ns=bpflab-rl-b$i-$$
	ip netns add $ns
	ip -n $ns link set lo up
	ip link add bl-rlb$i-$$ netns $C type veth peer name eth0 netns $ns
	ip -n $C addr add 198.18.3$i.1/24 dev bl-rlb$i-$$
	ip -n $C link set bl-rlb$i-$$ up
	ip -n $ns addr add 198.18.3$i.2/24 dev eth0
	ip -n $ns link set eth0 up
	ip netns exec $ns python3 -c '
import socketserver, sys
class H(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.recv(64); self.request.sendall(b"b%s\n" % sys.argv[1].encode())
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer.request_queue_size = 256
socketserver.ThreadingTCPServer(("0.0.0.0", 8080), H).serve_forever()
' $i &
	PIDS+=($!)
done

# ---- the C2: a listener that counts SYNs, in its own namespace ----------
ip netns add $C2 || fail "netns c2"
ip link add bl-rlc2-$$ type veth peer name bl-rlc2p-$$ || fail "veth"
ip link set bl-rlc2p-$$ netns $C2
ip addr add 198.18.36.1/24 dev bl-rlc2-$$
ip link set bl-rlc2-$$ up
ip -n $C2 addr add 198.18.36.2/24 dev bl-rlc2p-$$
ip -n $C2 link set bl-rlc2p-$$ up
ip -n $C2 link set lo up
ip netns exec $C2 iptables -I INPUT -p tcp --syn --dport 4444 || fail "iptables counter"
ip netns exec $C2 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 4444)); s.listen(64)
while True:
    c, _ = s.accept(); c.close()
' &
PIDS+=($!)
syns() { ip netns exec $C2 iptables -L INPUT -v -x -n | awk '/dpt:4444/ {print $1}'; }
wait_for bash -c "ip netns exec $C2 ss -ltn | grep -q 4444" || fail "C2 listener did not start"
for i in 1 2; do
	wait_for bash -c "ip netns exec bpflab-rl-b$i-$$ ss -ltn | grep -q 8080" || fail "backend $i did not start"
done

# ---- policies: deny connect() to the C2, kill writers of a protected file
echo "keep these bytes" >"$tmp/protected"
cat >"$tmp/c2.yaml" <<EOF
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "bl-reload-c2"
spec:
  kprobes:
  - call: "sys_connect"
    syscall: true
    args:
    - index: 0
      type: "int"
    - index: 1
      type: "sockaddr"
    selectors:
    - matchArgs:
      - index: 1
        operator: "DAddr"
        values:
        - "198.18.36.0/24"
      matchActions:
      - action: Override
        argError: -1
EOF
file_write_policy bl-reload-file enforce Prefix "$tmp/protected" >"$tmp/file.yaml"

start_engine --modules all
"$BPFLAB" svc add rl-web --vip 198.19.210.10:80/tcp \
	--backend 198.18.31.2:8080 --backend 198.18.32.2:8080 || fail "svc add"
"$BPFLAB" policy apply "$tmp/c2.yaml" || fail "apply c2 policy"
"$BPFLAB" policy apply "$tmp/file.yaml" || fail "apply file policy"
# observe at tc on both backend links: the reload must replace those filters
for i in 1 2; do
	python3 - "$BPFLAB_RUN_DIR/engine.sock" $C bl-rlb$i-$$ <<'PYEOF' || fail "observe.attach"
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(json.dumps({"op": "observe.attach", "netns": sys.argv[2], "ifname": sys.argv[3]}).encode() + b"\n")
r = json.loads(s.makefile().readline())
assert r.get("ok"), r
PYEOF
done
bytes_before=$(sha256sum <"$tmp/protected")
syns_before=$(syns)

# the engine's own BPF fds: programs and links it holds
held() { # KIND (bpf-prog|bpf_link): how many fds of that kind the engine holds
	local n=0 f
	for f in /proc/"$ENGINE_PID"/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == *"$1"* ]] && n=$((n + 1))
	done
	echo $n
}
prog_ids() {
	local f
	for f in /proc/"$ENGINE_PID"/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == *bpf-prog* ]] &&
			awk '/^prog_id:/ {print $2}' /proc/"$ENGINE_PID"/fdinfo/"${f##*/}"
	done | sort -n | tr '\n' ' '
}
progs_before=$(held bpf-prog)
links_before=$(held bpf_link)
ids_before=$(prog_ids)

# ---- load: VIP connections and both attack loops, until $tmp/stop -------
ip netns exec $C python3 - "$tmp" >"$tmp/vip.out" 2>&1 <<'PYEOF' &
import os, socket, sys, time
ok = fail = 0; errs = {}
stop = os.path.join(sys.argv[1], "stop")
while not os.path.exists(stop):
    try:
        s = socket.create_connection(("198.19.210.10", 80), timeout=3)
        s.sendall(b"x")
        d = s.recv(16)
        s.close()
        if d in (b"b1\n", b"b2\n"): ok += 1
        else: fail += 1; errs["reply %r" % d] = errs.get("reply %r" % d, 0) + 1
    except OSError as e:
        fail += 1; errs[str(e)] = errs.get(str(e), 0) + 1
print("vip ok", ok, "fail", fail, errs)
PYEOF
PIDS+=($!)
python3 - "$tmp" >"$tmp/c2.out" 2>&1 <<'PYEOF' &
import errno, os, socket, sys, time
blocked = through = other = 0
stop = os.path.join(sys.argv[1], "stop")
while not os.path.exists(stop):
    s = socket.socket(); s.settimeout(2)
    try:
        s.connect(("198.18.36.2", 4444)); through += 1
    except OSError as e:
        if e.errno == errno.EPERM: blocked += 1
        else: other += 1
    s.close()
    time.sleep(0.002) # leave the CPUs to the verifier
print("c2 blocked", blocked, "through", through, "other", other)
PYEOF
PIDS+=($!)
(
	killed=0 denied=0 wrote=0
	while [ ! -e "$tmp/stop" ]; do
		sh -c "echo pwned >>'$tmp/protected'" 2>/dev/null
		case $? in
		137) killed=$((killed + 1)) ;; # SIGKILL before the write
		0) wrote=$((wrote + 1)) ;;
		*) denied=$((denied + 1)) ;; # EPERM (the immutable flag)
		esac
		sleep 0.01
	done
	echo "file killed $killed denied $denied wrote $wrote"
) >"$tmp/file.out" 2>/dev/null &
PIDS+=($!)

sleep 2 # load is flowing before the first reload
durations=()
for i in $(seq "$RELOADS"); do
	out=$("$BPFLAB" reload --json) || fail "reload $i failed: $out"
	read -r progs tc total find swap objs < <(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
print(r["programs"], r["tc_replaced"], r["total_ms"], r["find_ms"], r["swap_ms"],
      ",".join(o["name"] for o in r["objects"]))
' "$out")
	echo "reload $i: $progs programs ($objs), $tc tc filters, in $total ms; on the loop: find $find ms, swap $swap ms"
	[ "$tc" -eq 4 ] || fail "reload $i replaced $tc tc filters, want 4 (2 links x ingress+egress)"
	[ "$progs" -eq "$progs_before" ] || fail "reload $i swapped $progs programs, the engine holds $progs_before"
	for m in proc enforce netpol lb flow; do
		[[ ,$objs, == *,$m,* ]] || fail "reload $i did not swap $m ($objs)"
	done
	durations+=("$total")
	sleep 0.3
done
sleep 1
touch "$tmp/stop"
for p in "${PIDS[@]:3}"; do wait "$p"; done

cat "$tmp/vip.out" "$tmp/c2.out" "$tmp/file.out"
read -r vip_ok vip_fail < <(awk '/^vip ok/ {print $3, $5}' "$tmp/vip.out")
read -r c2_blocked c2_through c2_other < <(awk '/^c2 blocked/ {print $3, $5, $7}' "$tmp/c2.out")
read -r f_killed f_denied f_wrote < <(awk '/^file killed/ {print $3, $5, $7}' "$tmp/file.out")
[ -n "$vip_ok" ] && [ -n "$c2_blocked" ] && [ -n "$f_killed" ] || fail "a load loop printed no totals"
[ "$vip_fail" -eq 0 ] || fail "$vip_fail VIP connections failed across $RELOADS reloads"
[ "$vip_ok" -ge 100 ] || fail "only $vip_ok VIP connections were made: no real load"
[ "$c2_through" -eq 0 ] && [ "$c2_other" -eq 0 ] || fail "C2 connects not denied: $c2_through through, $c2_other other errors"
[ "$c2_blocked" -ge 10 ] || fail "only $c2_blocked C2 attempts: no real attack loop"
[ "$f_wrote" -eq 0 ] || fail "$f_wrote appends to the protected file went through"
[ $((f_killed + f_denied)) -ge 10 ] || fail "only $((f_killed + f_denied)) file attacks: no real attack loop"
assert_eq "$(syns)" "$syns_before" "SYNs reached the C2 during the reloads"
assert_eq "$(sha256sum <"$tmp/protected")" "$bytes_before" "the protected file changed"

# every program is new, the old ones are released, nothing piles up
ids_after=$(prog_ids)
assert_eq "$(held bpf-prog)" "$progs_before" "the engine holds another number of programs"
assert_eq "$(held bpf_link)" "$links_before" "the engine holds another number of links"
for id in $ids_before; do
	[[ " $ids_after " == *" $id "* ]] && fail "program $id of the first build is still held"
	bpftool prog show id "$id" >/dev/null 2>&1 && fail "program $id of the first build is still loaded"
done

# state carried over: the service's counters and the policies are intact
conns=$("$BPFLAB" svc list --json | python3 -c 'import json,sys; print([s for s in json.load(sys.stdin)["services"] if s["name"] == "rl-web"][0]["connections"])')
[ "$conns" -ge "$vip_ok" ] || fail "the service counter says $conns, the client made $vip_ok: counters did not carry over"
pl=$("$BPFLAB" policy list)
assert_contains "$pl" bl-reload-c2
assert_contains "$pl" bl-reload-file
echo "reload ms: ${durations[*]}"
echo "ok: $RELOADS reloads, $vip_ok VIP connections 0 failed, $c2_blocked C2 connects and $((f_killed + f_denied)) appends ($f_killed killed) blocked"
exit 0
