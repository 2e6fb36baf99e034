#!/usr/bin/env bash
# A vm sandbox booted while `lab up` runs joins the lab: its tap goes on the
# lab's bridge (in the hub namespace), the guest's eth0 gets a 198.18.4.N
# lab address, the guest fetches each lab host's page over it (web1, the
# C2) and the lab's client sandbox reaches the guest. `sandbox rm` takes the
# tap off the bridge; `lab down` then leaves nothing.
# long
# timeout: 240
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd nginx
source "$(dirname "$0")/../helpers/vm.sh"
vm_prereqs
"$BPFLAB" lab status 2>/dev/null | grep -q '^lab: up' && skip "a lab is already up on this host"
trap '"$BPFLAB" lab down >/dev/null 2>&1; vm_cleanup' EXIT
vm_start_engine

VM=vmlab-$$
"$BPFLAB" lab up >/dev/null || fail "lab up"
out=$("$BPFLAB" sandbox run --kind vm "$VM" 2>&1) || fail "vm boot: $out"
ip=$(grep -o "on the lab's bridge as 198\.18\.4\.[0-9]*" <<<"$out" | awk '{print $NF}')
[ -n "$ip" ] || fail "the guest did not join the lab: $out"
tap=$(vm_tap "$VM")
ip -n bpflab-lab-hub link show "$tap" | grep -q "master bl-lab-br0" ||
	fail "tap $tap is not on the lab's bridge"
"$BPFLAB" sandbox exec "$VM" -- ip -4 addr show eth0 | grep -q "inet $ip/16" ||
	fail "the guest's eth0 has no $ip"
assert_eq "$("$BPFLAB" sandbox exec "$VM" -- wget -q -O - http://198.18.1.1/)" web1 \
	"the guest fetches web1's page"
assert_eq "$("$BPFLAB" sandbox exec "$VM" -- wget -q -O - http://198.18.66.1/)" c2 \
	"the guest fetches the C2's page"
"$BPFLAB" sandbox exec bl-lab-client -- ping -c1 -W3 "$ip" >/dev/null ||
	fail "the lab's client does not reach the guest at $ip"

"$BPFLAB" sandbox rm "$VM" || fail "sandbox rm"
! vm_tap_exists "$tap" || fail "the tap $tap is left"
"$BPFLAB" lab down >/dev/null || fail "lab down"
stop_engine
vm_nothing_left
# what this test made (other engines may run on a shared machine)
! ip netns list | grep -q '^bpflab-lab-' || fail "lab namespaces left: $(ip netns list | grep bpflab-lab-)"
