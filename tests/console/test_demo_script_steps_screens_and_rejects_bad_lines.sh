#!/usr/bin/env bash
# --demo runs a script: it switches screens, shows the narration and waits
# at each pause for n. A script with an unknown command is refused with
# file:line before anything starts (no engine is left behind).
# timeout: 120
. "$(dirname "$0")/tmux_lib.sh"
need_root
demo=/tmp/bl-console-demo-$$.demo
trap 'con_cleanup; rm -f $demo' EXIT

printf 'screen 6\nsay first-step\npause\nscreen 4\nkey Enter\nsay second-step\npause\n' >"$demo"
con_start 80 24 --demo "$demo"
con_wait "DEMO first-step" 10 || fail "no narration: $(con_capture)"
con_has "6 Programs" || fail "the demo did not switch to Programs: $(con_capture)"
sleep 1
con_has "DEMO second-step" && fail "the demo did not wait at the pause"
con_keys n
con_wait "DEMO second-step" 5 || fail "n did not advance: $(con_capture)"
con_has "4 Security" || fail "the demo did not switch to Security"
con_quit
con_cleanup

printf 'screen 2\nfly away\n' >"$demo"
out=$("$BPFLAB" console --demo "$demo" </dev/null 2>&1)
rc=$?
# without a terminal the verb stops earlier; run it under tmux for the check
con_start_err() {
	$CON_TMUX new-session -d -s err -x 80 -y 24 \
		"env BPFLAB_RUN_DIR=$BPFLAB_RUN_DIR $BPFLAB console --demo $demo 2>/tmp/bl-cons-demo-$$.out; echo \$? >>/tmp/bl-cons-demo-$$.out; sleep 5"
	WAIT_SECS=60 wait_for grep -q '^[0-9]*$' /tmp/bl-cons-demo-$$.out
}
con_start_err || fail "the console with a bad demo did not exit"
out=$(cat /tmp/bl-cons-demo-$$.out)
rm -f /tmp/bl-cons-demo-$$.out
assert_contains "$out" "$demo:2: unknown command 'fly'" "file:line error"
assert_eq "$(tail -1 <<<"$out")" 1 "exit code for a bad demo"
[ ! -S "$BPFLAB_RUN_DIR/engine.sock" ] || fail "an engine was left running"
[ "$rc" -ne 0 ] || fail "without a terminal the console must refuse"
exit 0
