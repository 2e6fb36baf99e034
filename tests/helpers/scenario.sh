# Sourced by the scenario tests: run one scenario against a running engine in
# every sandbox kind this host has (ns, and runc/containerd where installed),
# in both modes, print each report, and fail on any non-PASS or leftover.
# Usage: scenario_in_every_kind NAME
# shellcheck shell=bash
scenario_in_every_kind() {
	local scenario=$1 failures="" kinds=ns kind left
	export BPFLAB_SCENARIOS=$TOP/scenarios
	"$BPFLAB" engine --help >/dev/null 2>&1 || skip "this build has no engine verb yet"
	"$BPFLAB" policy --help >/dev/null 2>&1 || skip "this build has no policy verb yet (enforce module)"
	ENGINE_LOG=$(mktemp /tmp/bpflab-lab-engine.XXXXXX)
	trap 'stop_engine; rm -f "$ENGINE_LOG"' EXIT
	start_engine
	"$BPFLAB" status 2>/dev/null | grep -q '^enforce ' || skip "the engine runs without its enforce module"

	command -v runc >/dev/null && kinds+=" runc"
	command -v containerd >/dev/null && command -v ctr >/dev/null && kinds+=" containerd"
	for kind in $kinds; do
		for mode in enforce monitor; do
			local out rc
			out=$("$BPFLAB" scenario run --json --mode "$mode" --sandbox "$kind" "$scenario")
			rc=$?
			echo "== $scenario $mode $kind (exit $rc)"
			python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["verdict"], r["error"] or "")
for c in r["checks"]:
    print("  ", "ok " if c["ok"] else "BAD", c["check"], json.dumps(c["evidence"])[:400])
' <<<"$out"
			# every mode and kind runs, so one report shows the whole picture
			[ "$rc" -eq 0 ] || failures+=" $mode/$kind"
		done
	done
	[ -z "$failures" ] || fail "$scenario did not PASS in:$failures"
	left=$(leftovers | grep -E 'bl-(passwd|c2|escape)')
	[ -z "$left" ] || fail "leftovers: $left"
	[ -z "$(ls /sys/fs/cgroup/unified/bpflab 2>/dev/null | grep -E '^bl-')" ] || fail "sandbox cgroups left"
	"$BPFLAB" policy list 2>/dev/null | grep -q '^lab-' && fail "a lab policy is still applied"
	echo ok
}
