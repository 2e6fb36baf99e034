#!/usr/bin/env bash
# Running the passwd-write scenario from the Scenarios screen (8, filter,
# Enter) kills the writer, and the kill appears on the Security screen (4)
# with its story line: the ancestry down to the killed process, the policy
# and the mechanism.
# timeout: 240
. "$(dirname "$0")/tmux_lib.sh"
need_root
"$BPFLAB" scenario list 2>/dev/null | grep -q '^passwd-write' ||
	skip "the passwd-write scenario is not installed"

con_start 160 48
con_keys 8
con_wait "8 Scenarios"
con_keys / passwd-write Enter
sleep 0.3
con_keys Enter
con_wait "passwd-write  running" 10 || fail "the scenario did not start: $(con_capture)"
con_wait "finished (exit" 120 || con_wait "passwd-write  PASS" 1 || con_wait "passwd-write  FAIL" 1 ||
	fail "the scenario did not finish: $(con_capture)"
con_keys 4
con_wait "KILL" 10 || fail "no kill on the Security screen: $(con_capture)"
screen=$(con_capture)
assert_contains "$screen" "lab-protect-passwd" "the kill names its policy"
con_keys Enter
con_wait "Ancestry" 5 || fail "Enter did not open the story line: $(con_capture)"
screen=$(con_capture)
assert_contains "$screen" "<== this one" "the killed process ends the ancestry"
# the scenario runs in the console's own process (invariant 7)
assert_contains "$screen" "bpflab console" "the ancestry goes through the console"
assert_contains "$screen" "Mechanism:  [a-z+ ]*sigkill" "the mechanism as the engine reports it"
con_keys Escape
con_quit
exit 0
