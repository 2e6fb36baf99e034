# Sourced by the LB and reload tests: the small network namespace layouts
# they run a client and a backend in. The caller names the namespaces
# (bpflab-... so leftovers() sees them), picks unused 198.18.N.0/24 nets and
# deletes the namespaces in its cleanup (their veths go with them).
# shellcheck shell=bash

# netns_pair C B LINK NET: C (198.18.NET.1 on veth LINK) -- B (198.18.NET.2
# on eth0), both with lo up.
netns_pair() {
	local c=$1 b=$2 link=$3 net=198.18.$4
	ip netns add "$c" && ip netns add "$b" || fail "netns $c $b"
	ip -n "$c" link set lo up
	ip -n "$b" link set lo up
	ip link add "$link" netns "$c" type veth peer name eth0 netns "$b" || fail "veth $link"
	ip -n "$c" addr add "$net.1/24" dev "$link"
	ip -n "$c" link set "$link" up
	ip -n "$b" addr add "$net.2/24" dev eth0
	ip -n "$b" link set eth0 up
}

# netns_router C N B CNET BNET: client C (198.18.CNET.2) and backend B
# (198.18.BNET.2), each on its eth0, routed through N (veths c0 and b0,
# .1 in each net, forwarding on): the LB's tc programs go on N's veths.
netns_router() {
	local c=$1 n=$2 b=$3 cnet=198.18.$4 bnet=198.18.$5 ns l
	for ns in "$c" "$n" "$b"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || fail "netns $ns"
	done
	ip link add eth0 netns "$c" type veth peer name c0 netns "$n" || fail "veth c0"
	ip link add eth0 netns "$b" type veth peer name b0 netns "$n" || fail "veth b0"
	ip -n "$c" addr add "$cnet.2/24" dev eth0
	ip -n "$n" addr add "$cnet.1/24" dev c0
	ip -n "$n" addr add "$bnet.1/24" dev b0
	ip -n "$b" addr add "$bnet.2/24" dev eth0
	for l in "$c eth0" "$n c0" "$n b0" "$b eth0"; do
		# shellcheck disable=SC2086 # "NS DEV" splits on purpose
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip -n "$c" route add default via "$cnet.1"
	ip -n "$b" route add default via "$bnet.1"
	ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1
}
