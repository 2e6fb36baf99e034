#!/usr/bin/env bash
# A vm sandbox by hand: `sandbox run --kind vm` boots a libvirt QEMU (TCG)
# domain with Debian's kernel and says when its agent is ready (the boot
# time is printed); `sandbox list` shows it; `sandbox exec` runs commands in
# the guest's own kernel with their stdout, stderr, exit status and signal;
# `sandbox rm` removes the domain, its qemu and tap, the relay and the libvirtd
# bpflab started. Then a guest that cannot boot (an agent that is not a
# static program) fails `sandbox run` with a clear error within the 60 s
# boot limit, and leaves nothing behind either.
# long
# timeout: 300
source "$(dirname "$0")/../lib.sh"
need_root
source "$(dirname "$0")/../helpers/vm.sh"
vm_prereqs
name=bl-vmtest-$$

t0=$SECONDS
out=$("$BPFLAB" sandbox run --kind vm "$name" 2>&1) || fail "sandbox run: $out"
assert_contains "$out" "agent ready after"
echo "boot: $(grep -o 'agent ready after.*' <<<"$out") (wall $((SECONDS - t0)) s)"
list=$("$BPFLAB" sandbox list)
assert_contains "$list" "$name .*vm .*running"
uname_r=$("$BPFLAB" sandbox exec "$name" -- uname -r) || fail "exec uname"
[ "$uname_r" != "$(uname -r)" ] || fail "the guest runs the host's kernel?"
assert_contains "$uname_r" "amd64"
out=$("$BPFLAB" sandbox exec "$name" -- sh -c 'echo out; echo err >&2; exit 7' 2>/tmp/vm-err.$$)
rc=$?
assert_eq "$rc" 7 "exit status from the guest"
assert_eq "$out" "out" "stdout from the guest"
assert_eq "$(cat /tmp/vm-err.$$)" "err" "stderr from the guest"
rm -f /tmp/vm-err.$$
"$BPFLAB" sandbox exec "$name" -- sh -c 'kill -9 $$'
assert_eq "$?" 137 "a SIGKILL in the guest shows as 128+9"
pgrep -f "guest=bpflab-$name," >/dev/null || fail "no qemu for $name"
tap=$(vm_tap "$name")
vm_tap_exists "$tap" || fail "no tap $tap for the guest"
"$BPFLAB" sandbox rm "$name" || fail "sandbox rm"
! vm_tap_exists "$tap" || fail "the tap $tap is left"
vm_nothing_left

# a guest whose agent cannot run: the kernel panics, the domain stops
bad=$(mktemp /tmp/bpflab-bad-agent.XXXXXX)
printf '#!/bin/nonexistent\n' >"$bad"
chmod +x "$bad"
t0=$SECONDS
out=$(BPFLAB_AGENT=$bad "$BPFLAB" sandbox run --kind vm "$name" 2>&1) && fail "a guest without an agent started: $out"
rm -f "$bad"
[ $((SECONDS - t0)) -le 75 ] || fail "the error took $((SECONDS - t0)) s"
assert_contains "$out" "vm $name: the guest"
assert_contains "$out" "Kernel panic"
echo "boot failure reported after $((SECONDS - t0)) s: $(grep -m1 error <<<"$out")"
vm_nothing_left
