#!/usr/bin/env bash
# long
# `scenario run --all` runs every shipped scenario once and reports one JSON
# array; afterwards no netns, veth, cgroup, mount, sandbox process, policy
# or iptables rule of the lab remains (the shared leak check, filtered to
# the names the lab uses: other areas run side by side). Verdicts are the
# per-scenario tests' job: here any verdict is accepted, but every scenario
# must have run (no ERROR).
# timeout: 600
source "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_SCENARIOS=$TOP/scenarios
"$BPFLAB" engine --help >/dev/null 2>&1 || skip "this build has no engine verb yet"
"$BPFLAB" policy --help >/dev/null 2>&1 || skip "this build has no policy verb yet (enforce module)"
ENGINE_LOG=$(mktemp /tmp/bpflab-lab-engine.XXXXXX)
trap 'stop_engine; rm -f "$ENGINE_LOG"' EXIT
start_engine
"$BPFLAB" status 2>/dev/null | grep -q '^enforce ' || skip "the engine runs without its enforce module"

out=$("$BPFLAB" scenario run --all --json)
echo "$out" | python3 -c 'import json,sys; [print(r["scenario"], r["verdict"], r["error"] or "") for r in json.load(sys.stdin)]'
n=$("$BPFLAB" scenario list | wc -l)
assert_eq "$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' <<<"$out")" "$n" "one report per scenario"
assert_not_contains "$out" '"verdict":"ERROR"' "no scenario broke"
left=$(leftovers | grep -E 'bl-(passwd|c2|escape)|lab-(protect|block|deny)')
[ -z "$left" ] || fail "leftovers after --all: $left"
[ -z "$(ls /sys/fs/cgroup/unified/bpflab 2>/dev/null | grep -E '^bl-')" ] || fail "sandbox cgroups left"
mount | grep -q 'sandboxes/bl-' && fail "sandbox mounts left"
[ -z "$(ls "${BPFLAB_RUN_DIR:-/run/bpflab}/sandboxes" 2>/dev/null | grep '^bl-')" ] || fail "sandbox state left"
"$BPFLAB" policy list 2>/dev/null | grep -q '^lab-' && fail "a lab policy is still applied"
echo ok
