#!/usr/bin/env bash
# Scenario passwd-write in a vm sandbox in monitor mode: the policy only
# reports, so every write lands in the guest (its /etc/passwd's sha256
# changes, each writer exits 0) and every one is reported to the host as a
# process_kprobe from the guest with action KPROBE_ACTION_POST. This is the
# proof that the enforce-mode test's checks are able to fail.
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

out=$("$BPFLAB" scenario run --json --mode monitor --sandbox vm passwd-write) ||
	fail "scenario did not pass: $out"
python3 - "$out" <<'PY' || fail "report: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "PASS" and r["mode"] == "monitor", r
checks = r["checks"]
changed = [c for c in checks if c["check"].startswith("/etc/passwd changed")]
exited = [c for c in checks if c["check"].startswith("exited 0")]
events = [c["evidence"]["event"]["process_kprobe"] for c in checks
          if c["check"].startswith("an event from policy")]
assert len(changed) == 3 and len(exited) == 3 and len(events) == 3, checks
for c in changed:
    assert c["evidence"]["sha256_before"] != c["evidence"]["sha256_after"], c
for e in events:
    assert e["action"] == "KPROBE_ACTION_POST" and e["return"]["int_arg"] == 0, e
    assert e["process"]["sandbox"]["kind"] == "vm", e
PY
stop_engine
vm_nothing_left
