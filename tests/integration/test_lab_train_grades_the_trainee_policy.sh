#!/usr/bin/env bash
# `bpflab train` grades for real: the unedited starter policy lets the C2
# beacons through (NOT YET, exit 1, with the hint), and the same exercise
# passes once the "trainee" (an EDITOR script) fixes the address.
# Every exercise ships a starter and a hint.
# timeout: 300
source "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_SCENARIOS=$TOP/scenarios
for s in passwd-write c2-connect container-escape; do
	[ -s "$TOP/scenarios/training/$s.yaml" ] && [ -s "$TOP/scenarios/training/$s.hint" ] ||
		fail "exercise $s lacks its starter or hint"
done
out=$("$BPFLAB" train no-such-exercise 2>&1)
assert_eq "$?" 2 "unknown exercise is usage"
"$BPFLAB" engine --help >/dev/null 2>&1 || skip "this build has no engine verb yet"
"$BPFLAB" policy --help >/dev/null 2>&1 || skip "this build has no policy verb yet (enforce module)"
ENGINE_LOG=$(mktemp /tmp/bpflab-lab-engine.XXXXXX)
work=$(mktemp /tmp/bpflab-lab-train.XXXXXX.yaml)
editor=$(mktemp /tmp/bpflab-lab-editor.XXXXXX)
trap 'stop_engine; rm -f "$ENGINE_LOG" "$work" "$editor"' EXIT
rm -f "$work"
start_engine
"$BPFLAB" status 2>/dev/null | grep -q '^enforce ' || skip "the engine runs without its enforce module"

out=$("$BPFLAB" train --no-edit --policy "$work" c2-connect)
rc=$?
echo "$out"
assert_eq "$rc" 1 "the starter policy is not enough"
assert_contains "$out" "NOT YET"
assert_contains "$out" "198.18.66.0/24" "the hint"
assert_contains "$out" "a connection at the C2" "step 1 shows the attack succeeding"

printf '#!/bin/sh\nsed -i "s|198.18.77.0/24|198.18.66.0/24|" "$1"\n' >"$editor"
chmod +x "$editor"
out=$(EDITOR=$editor "$BPFLAB" train --policy "$work" c2-connect)
rc=$?
echo "$out"
assert_eq "$rc" 0 "the fixed policy passes"
assert_contains "$out" "PASSED"
assert_contains "$out" "no connection at the C2"
left=$(leftovers | grep -E 'bl-c2|lab-block')
[ -z "$left" ] || fail "leftovers: $left"
echo ok
