# Sourced by shell tests. Exit 0 = pass, 77 = skip, anything else = fail.
# shellcheck shell=bash
set -u
: "${TOP:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${BPFLAB:=$TOP/build/bpflab}"
export TOP BPFLAB

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
need_root() { [ "$(id -u)" -eq 0 ] || skip "needs root"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed"; }
assert_eq() { [ "$1" = "$2" ] || fail "${3:-values differ}: expected '$2', got '$1'"; }
assert_contains() { grep -q -- "$2" <<<"$1" || fail "${3:-missing text}: '$2' not in: $(head -c 2000 <<<"$1")"; }
assert_not_contains() { ! grep -q -- "$2" <<<"$1" || fail "${3:-unexpected text}: '$2' in: $(head -c 2000 <<<"$1")"; }

# Wait until "$@" succeeds, up to $WAIT_SECS (default 10) seconds.
wait_for() {
	local deadline=$((SECONDS + ${WAIT_SECS:-10}))
	until "$@"; do
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# Start a background engine for the test; stopped by stop_engine / the trap.
ENGINE_PID=
start_engine() {
	"$BPFLAB" engine "$@" >"${ENGINE_LOG:-/tmp/bpflab-test-engine.log}" 2>&1 &
	ENGINE_PID=$!
	WAIT_SECS=30 wait_for test -S "${BPFLAB_RUN_DIR:-/run/bpflab}/engine.sock" || { cat "${ENGINE_LOG:-/tmp/bpflab-test-engine.log}"; fail "engine did not start"; }
	WAIT_SECS=30 wait_for "$BPFLAB" status >/dev/null 2>&1 || fail "engine does not answer"
}
stop_engine() {
	[ -n "$ENGINE_PID" ] || return 0
	kill -INT "$ENGINE_PID" 2>/dev/null
	wait "$ENGINE_PID" 2>/dev/null
	ENGINE_PID=
}

# What bpflab may leave behind: nothing. Prints leftovers, returns 1 if any.
leftovers() {
	local out=""
	out+=$(ip netns list 2>/dev/null | grep -i bpflab)
	out+=$(ip -o link show 2>/dev/null | grep -Ei 'bl-|bpflab' | awk -F': ' '{print "link " $2}')
	out+=$(find /sys/fs/cgroup/unified -maxdepth 3 -iname '*bpflab*' -type d 2>/dev/null)
	out+=$(ls -A /sys/fs/bpf/bpflab 2>/dev/null | sed 's/^/pin /')
	out+=$(iptables-save 2>/dev/null | grep -E 'KUBE-|BPFLAB' | head -3)
	out+=$(iptables-legacy-save 2>/dev/null | grep -E 'KUBE-|BPFLAB' | head -3)
	out+=$(nft list tables 2>/dev/null | grep -i -E 'bpflab|kube' )
	out+=$(bpftool prog show 2>/dev/null | grep -E 'name (bl_|bpflab)' )
	if [ -n "$out" ]; then
		echo "$out"
		return 1
	fi
	return 0
}
