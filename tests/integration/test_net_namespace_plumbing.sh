#!/usr/bin/env bash
# lab/net builds namespaces, veth pairs, a bridge, addresses, routes and
# sysctls that iproute2 sees, traffic flows across them, and the journal
# removes every one of them.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd ip
need_cmd ping
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-net}
trap '"$BPFLAB" net down >/dev/null 2>&1' EXIT

out=$("$BPFLAB" net check 2>&1) || fail "net check: $out"
assert_contains "$out" "1 received"
assert_not_contains "$(ip netns list)" "bpflab-nt-" "check left namespaces"

"$BPFLAB" net check --keep >/dev/null 2>&1 || fail "net check --keep failed"
ns=$(ip netns list)
for n in bpflab-nt-sw bpflab-nt-a bpflab-nt-b; do
	assert_contains "$ns" "$n" "ip netns does not see $n"
done
assert_contains "$(ip -n bpflab-nt-a -4 addr show eth0)" "198.18.250.2/24"
assert_contains "$(ip -n bpflab-nt-a route)" "198.19.0.0/16 via 198.18.250.1 dev eth0"
assert_contains "$(ip -n bpflab-nt-sw link show a0)" "master br0"
assert_eq "$(ip netns exec bpflab-nt-sw cat /proc/sys/net/ipv4/ip_forward)" 1
# the sysctl stayed inside: a fresh namespace still has the default
assert_eq "$(ip netns exec bpflab-nt-a cat /proc/sys/net/ipv4/ip_forward)" 0
ip netns exec bpflab-nt-b ping -q -c 1 -W 2 198.18.250.2 >/dev/null ||
	fail "no traffic from b to a"

# creating a namespace that exists fails and leaves it alone
out=$("$BPFLAB" net check --keep 2>&1) && fail "a second check over a live topology succeeded"
assert_contains "$out" "File exists"
assert_contains "$(ip netns list)" "bpflab-nt-a"

"$BPFLAB" net down || fail "net down failed"
assert_not_contains "$(ip netns list)" "bpflab-nt-" "net down left namespaces"
exit 0
