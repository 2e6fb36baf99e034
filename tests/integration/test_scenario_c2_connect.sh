#!/usr/bin/env bash
# Scenario c2-connect against a running engine, in ns sandboxes (and runc
# and containerd where installed), both modes. It covers an implant
# beaconing to the C2 with busybox nc and wget: enforce gives the C2 zero
# connections and kills both; monitor delivers both beacons and reports
# them. PASS in monitor mode proves the enforce-mode checks are able to
# fail. Skips (77) only while the engine or its enforce module is missing.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
need_root
scenario=c2-connect
export BPFLAB_SCENARIOS=$TOP/scenarios
"$BPFLAB" engine --help >/dev/null 2>&1 || skip "this build has no engine verb yet"
"$BPFLAB" policy --help >/dev/null 2>&1 || skip "this build has no policy verb yet (enforce module)"
ENGINE_LOG=$(mktemp /tmp/bpflab-lab-engine.XXXXXX)
trap 'stop_engine; rm -f "$ENGINE_LOG"' EXIT
start_engine
"$BPFLAB" status 2>/dev/null | grep -q '^enforce ' || skip "the engine runs without its enforce module"

run_one() { # mode kind
	local out rc
	out=$("$BPFLAB" scenario run --json --mode "$1" --sandbox "$2" "$scenario")
	rc=$?
	echo "== $scenario $1 $2 (exit $rc)"
	python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["verdict"], r["error"] or "")
for c in r["checks"]:
    print("  ", "ok " if c["ok"] else "BAD", c["check"], json.dumps(c["evidence"])[:400])
' <<<"$out"
	# every mode and kind runs, so one report shows the whole picture
	[ "$rc" -eq 0 ] || failures+=" $1/$2"
}
failures=""

kinds=ns
command -v runc >/dev/null && kinds+=" runc"
command -v containerd >/dev/null && command -v ctr >/dev/null && kinds+=" containerd"
for kind in $kinds; do
	run_one enforce "$kind"
	run_one monitor "$kind"
done
[ -z "$failures" ] || fail "$scenario did not PASS in:$failures"
left=$(leftovers | grep -E 'bl-(passwd|c2|escape)')
[ -z "$left" ] || fail "leftovers: $left"
[ -z "$(ls /sys/fs/cgroup/unified/bpflab 2>/dev/null | grep -E '^bl-')" ] || fail "sandbox cgroups left"
"$BPFLAB" policy list 2>/dev/null | grep -q '^lab-' && fail "a lab policy is still applied"
echo ok
