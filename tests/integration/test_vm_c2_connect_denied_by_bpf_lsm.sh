#!/usr/bin/env bash
# Scenario c2-connect in a vm sandbox, both modes. The guest's tap (made by
# libvirt) is moved into the C2 host's own network namespace, so the guest's
# eth0 reaches 198.18.66.1 over one link and nothing is on the host's
# network. Enforce: the guest's BPF-LSM socket_connect hook fails each
# implant's connect() with EPERM (bash /dev/tcp, nc, wget), the C2 sees zero
# connections, and each denial is a process_kprobe on the host with
# sandbox.kind "vm". Monitor: all three beacons reach the C2 (the link
# works, so the enforce checks can fail) and each is reported. Afterwards
# no tap, namespace, domain or libvirtd is left.
# long
# timeout: 300
source "$(dirname "$0")/../lib.sh"
need_root
# ---- the vm tests' common part (own run dir, engine, leftovers) ----
export BPFLAB_RUN_DIR=/run/bpflab-vmtest-$$
export BPFLAB_SCENARIOS=$TOP/scenarios
ENGINE_LOG=$(mktemp /tmp/bpflab-vm-engine.XXXXXX)

vm_cleanup() {
	stop_engine
	"$BPFLAB" down >/dev/null 2>&1
	rm -f "$ENGINE_LOG"
}
trap vm_cleanup EXIT

vm_prereqs() {
	need_cmd qemu-system-x86_64
	[ -x /usr/sbin/libvirtd ] || skip "libvirt-daemon is not installed"
	[ -x "$(dirname "$BPFLAB")/bpflab-agent" ] || fail "the guest agent was not built"
}

vm_start_engine() {
	start_engine --modules proc,vm
	"$BPFLAB" status 2>/dev/null | grep -q '^vm ' || fail "the engine has no vm module"
}

# No qemu of ours, no libvirtd we started, no relay, no state or scratch dir.
vm_nothing_left() {
	local left=""
	# ours only: other run dirs (other tests, other engineers) may boot guests now
	left+=$(pgrep -af "qemu-system.*$BPFLAB_RUN_DIR/" | grep -v pgrep)
	for pid in $(pgrep -x libvirtd); do
		grep -qs "$BPFLAB_RUN_DIR/vm/libvirtd" "/proc/$pid/mountinfo" &&
			left+="libvirtd $pid "
	done
	left+=$(ls -A "$BPFLAB_RUN_DIR/vm" 2>/dev/null | sed 's/^/vm dir /')
	left+=$(ls -A "$BPFLAB_RUN_DIR/sandboxes" 2>/dev/null | sed 's/^/state /')
	[ -z "$left" ] || fail "left behind: $left"
}
# ----
vm_prereqs
vm_start_engine

out=$("$BPFLAB" scenario run --json --mode enforce --sandbox vm c2-connect) ||
	fail "enforce: $out"
python3 - "$out" <<'PY' || fail "enforce report: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "PASS", r
checks = r["checks"]
assert any(c["check"].startswith("no connection") and c["ok"] for c in checks), checks
assert sum(c["check"].startswith("denied with EPERM") for c in checks) == 3, checks
for c in checks:
    ev = c["evidence"].get("event", {}).get("process_kprobe")
    if ev:
        assert ev["function_name"] == "security_socket_connect", ev
        assert ev["args"][0]["sockaddr_arg"]["addr"] == "198.18.66.1", ev
        assert ev["bpflab"]["mechanism"] == "bpf-lsm", ev
        assert ev["process"]["sandbox"]["kind"] == "vm", ev
PY
out=$("$BPFLAB" scenario run --json --mode monitor --sandbox vm c2-connect) ||
	fail "monitor: $out"
python3 - "$out" <<'PY' || fail "monitor report: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "PASS", r
assert any("saw 3" in c["check"] for c in r["checks"]), r["checks"]
PY
stop_engine
# the guest's tap, named as vm_tap_name() does: FNV-1a of "<run dir>/<name>"
tap=$(python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode(): h = ((h ^ c) * 16777619) % 2**32
print("bl-vt-%08x" % h)' "$BPFLAB_RUN_DIR/bl-c2-victim")
! ip link show "$tap" >/dev/null 2>&1 || fail "the guest's tap $tap is left"
vm_nothing_left
