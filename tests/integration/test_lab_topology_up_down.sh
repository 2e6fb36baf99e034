#!/usr/bin/env bash
# `lab up` builds the default lab for real: the client sandbox reaches each
# nginx backend and the C2 over the bridge (198.18.0.0/16), each answering
# with its own name, and MariaDB (where installed) greets on :3306; `lab status` shows every node; a second `up` is refused;
# `lab down` removes every namespace, link, cgroup, server process and mount.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd nginx
trap '"$BPFLAB" lab down >/dev/null 2>&1' EXIT
"$BPFLAB" lab status | grep -q '^lab: up' && skip "a lab is already up on this host"

out=$("$BPFLAB" lab up) || fail "lab up: $out"
echo "$out"
assert_contains "$out" "^lab: up"
for n in web1 web2 web3 c2 client; do
	assert_contains "$out" "^$n .*running" "$n running"
done
ip netns list | grep -q '^bpflab-lab-hub' || fail "no hub namespace"
for i in 1 2 3; do
	got=$("$BPFLAB" sandbox exec bl-lab-client -- wget -q -O - "http://198.18.1.$i/")
	assert_eq "$got" "web$i" "backend web$i answers from 198.18.1.$i"
done
assert_eq "$("$BPFLAB" sandbox exec bl-lab-client -- wget -q -O - http://198.18.66.1/)" c2 "the C2 answers"
if command -v mariadbd >/dev/null; then
	# the server's greeting over the wire: protocol 10 + its version
	greeting=$("$BPFLAB" sandbox exec bl-lab-client -- sh -c 'echo | nc -w 2 198.18.2.1 3306 | head -c 64' | tr -cd '[:print:]')
	assert_contains "$greeting" "MariaDB" "MariaDB answers on 198.18.2.1:3306"
else
	"$BPFLAB" sandbox exec bl-lab-client -- ping -c1 -W2 198.18.2.1 >/dev/null || fail "db node unreachable"
fi
# the lab is isolated: no route from the client to the host's networks
"$BPFLAB" sandbox exec bl-lab-client -- sh -c 'ip route | grep -q default' && fail "client has a default route"
json=$("$BPFLAB" lab status --json)
assert_contains "$json" '"up":true'
[ "$(grep -o '"name"' <<<"$json" | wc -l)" -eq 6 ] || fail "status lists $(grep -o '"name"' <<<"$json" | wc -l) nodes, want 6"
out=$("$BPFLAB" lab up 2>&1)
assert_eq "$?" 2 "second lab up is refused"
assert_contains "$out" "already up"

workers=$(pgrep -f 'nginx: (master|worker)|mariadbd' | while read -r p; do
	grep -q 'bpflab/bl-lab-' "/proc/$p/cgroup" 2>/dev/null && echo "$p"; done)
[ -n "$workers" ] || fail "no nginx in the lab's cgroups"
"$BPFLAB" lab down >/dev/null || fail "lab down"
trap - EXIT
sleep 0.3
for p in $workers; do
	[ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" && fail "server $p survived lab down"
done
ip netns list | grep -q 'bpflab-lab-' && fail "lab namespaces left: $(ip netns list | grep bpflab-lab-)"
ls /sys/fs/cgroup/unified/bpflab 2>/dev/null | grep -q 'bl-lab-' && fail "lab cgroups left"
mount | grep -q 'bpflab-lab-' && fail "netns mounts left"
assert_contains "$("$BPFLAB" lab status)" "^lab: down"
left=$(leftovers | grep -E 'bpflab-lab-|bl-lab-')
[ -z "$left" ] || fail "leftovers: $left"
echo ok
