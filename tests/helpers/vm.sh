# shellcheck shell=bash
# Sourced by tests/integration/test_vm_*.sh after tests/lib.sh: an own run
# dir, an engine with the vm module, and the check that a test left no
# guest, libvirtd, relay or state behind.
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

# vm only: the host's own process events (proc) are no part of a vm test,
# and on a busy machine they crowd the scenario's subscription until the
# engine drops events for it as a slow subscriber.
vm_start_engine() {
	start_engine --modules vm
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

# The guest's tap, named as vm_tap_name() does: FNV-1a of "<run dir>/<name>"
vm_tap() {
	python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode(): h = ((h ^ c) * 16777619) % 2**32
print("bl-vt-%08x" % h)' "$BPFLAB_RUN_DIR/$1"
}

# On the host, or on the lab's bridge when a lab was up at boot.
vm_tap_exists() {
	ip link show "$1" >/dev/null 2>&1 ||
		ip -n bpflab-lab-hub link show "$1" >/dev/null 2>&1
}
