#!/usr/bin/env bash
# A short `bench lb` over every mode measures each one (no failed
# connections, eBPF programming under 1 ms per added service), writes JSON
# and CSV, and leaves no iptables rules, nft tables, namespaces, cgroups or
# BPF programs behind. (Other bpflab engines may run on the host meanwhile,
# so the check looks for what only this benchmark makes: its namespaces, its
# cgroup and the programs attached there, and KUBE- rules on the host.)
# timeout: 240
. "$(dirname "$0")/../lib.sh"
need_root
for c in iptables-legacy-restore iptables-nft-restore nft conntrack; do need_cmd $c; done
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-lbbench}
out_dir=$(mktemp -d /tmp/bpflab-lbbench.XXXXXX)
trap 'rm -rf "$out_dir"' EXIT
mine() { leftovers | grep -E 'bpflab-bl-|bpflab-bench-lb|KUBE-|kube'; }
before=$(mine)

out=$("$BPFLAB" bench lb --services 1,50 --modes none,iptables-legacy,iptables-nft,ebpf \
	--nftables --duration 300ms --reps 1 --warmup 20 --out "$out_dir" 2>&1) ||
	fail "bench lb failed: $out"
echo "$out"
for m in none iptables-legacy iptables-nft nftables ebpf; do
	assert_contains "$out" "^$m "
done
assert_contains "$out" "Ratios at the last VIP"
csv=$(cat "$out_dir"/bench-lb-*.csv) || fail "no CSV written"
# none: 1 row; each other mode: N=1 (last) + N=50 (last, first)
[ "$(wc -l <<<"$csv")" -eq 14 ] || fail "expected 13 rows in the CSV: $csv"
# no connection failed in any mode; every mode moved traffic
awk -F, 'NR > 1 && ($14 != 0 || $5 < 20) { bad = 1 } END { exit bad }' <<<"$csv" ||
	fail "a mode failed connections or measured nothing: $csv"
# adding one service to 50 through the maps takes well under a millisecond
add=$(awk -F, '$1 == "ebpf" && $2 == 50 && $3 == "last" { print $13 }' <<<"$csv")
awk -v a="$add" 'BEGIN { exit !(a < 1.0) }' || fail "eBPF add-one took $add ms"
grep -q '"benchmark":"lb"' "$out_dir"/bench-lb-*.json || fail "no JSON written"

after=$(mine)
[ "$after" = "$before" ] || fail "bench lb left behind: $after"
ip netns list | grep -q bpflab-bl- && fail "bench namespaces remain"
[ -d /sys/fs/cgroup/unified/bpflab-bench-lb ] && fail "bench cgroup remains"
bpftool cgroup tree 2>/dev/null | grep -q bpflab-bench-lb && fail "programs still attached to the bench cgroup"
exit 0
