#!/usr/bin/env bash
# Real flows on a veth pair between two namespaces show up on the Flows
# screen; `/` with a filter word (port=N, as `bpflab observe --port`) keeps
# only that port's rows, and Esc brings the others back.
# timeout: 180
. "$(dirname "$0")/tmux_lib.sh"
need_root
need_cmd ip

A=bl-cons-fa B=bl-cons-fb
cleanup_ns() {
	ip netns del $A 2>/dev/null
	ip netns del $B 2>/dev/null
}
trap 'con_cleanup; cleanup_ns' EXIT
cleanup_ns
ip netns add $A && ip netns add $B || fail "cannot create namespaces"
ip link add bl-cons-fva netns $A type veth peer name bl-cons-fvb netns $B || fail "veth"
ip -n $A addr add 198.18.78.1/24 dev bl-cons-fva
ip -n $B addr add 198.18.78.2/24 dev bl-cons-fvb
ip -n $A link set bl-cons-fva up
ip -n $B link set bl-cons-fvb up

con_start 160 48
# ask the console's engine to watch the B side while we send
timeout 30 "$BPFLAB" observe -i bl-cons-fvb --netns $B --duration 6s -o compact \
	>/tmp/bl-cons-observe-$$.log 2>&1 &
obs=$!
sleep 2
for p in 5101 5102 5101 5103; do
	ip netns exec $A bash -c "echo hi >/dev/udp/198.18.78.2/$p" || fail "udp send"
done
wait $obs
grep -q 5102 /tmp/bl-cons-observe-$$.log || skip "the observe module saw no flow (observe: $(head -c 300 /tmp/bl-cons-observe-$$.log))"
rm -f /tmp/bl-cons-observe-$$.log

con_keys 2
con_wait "198.18.78.2:5102" 10 || fail "flow rows missing: $(con_capture)"
all=$(con_capture | grep -c "198.18.78.2:510")
[ "$all" -ge 3 ] || fail "expected at least 3 flow rows, got $all"
con_keys / port=5102 Enter
sleep 0.5
screen=$(con_capture)
some=$(grep -c "198.18.78.2:510" <<<"$screen")
assert_eq "$some" 1 "rows after /port=5102"
assert_contains "$screen" "198.18.78.2:5102"
con_keys / Escape
sleep 0.5
again=$(con_capture | grep -c "198.18.78.2:510")
[ "$again" -ge "$all" ] || fail "Esc did not clear the filter ($again < $all rows)"
con_quit
exit 0
