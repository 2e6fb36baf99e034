# shellcheck shell=bash
# Shared by tests/integration/test_trouble_*.sh: an engine with every module
# the "network or app?" scenarios use, the default lab, and the checks that
# they leave nothing behind. Source after tests/lib.sh; set BPFLAB_RUN_DIR.
need_root
need_cmd nginx
need_cmd curl
need_cmd busybox

trouble_cleanup() {
	"$BPFLAB" lab down >/dev/null 2>&1
	"$BPFLAB" down >/dev/null 2>&1
	true
}

# Engine and lab up; skips when another lab is up (lab hosts are host-wide).
trouble_setup() {
	local out
	"$BPFLAB" lab status 2>/dev/null | grep -q '^lab: up' && skip "a lab is already up on this host"
	trap trouble_cleanup EXIT
	"$BPFLAB" engine --daemon --modules proc,netpol,observe,lb >/dev/null || fail "engine --daemon"
	if ! out=$("$BPFLAB" lab up 2>&1); then
		# another run dir's lab came up between the check and ours
		grep -q 'already up' <<<"$out" && skip "a lab is already up on this host"
		fail "lab up: $out"
	fi
}

# The scenario passes, the right answer is PASSED, a wrong one NOT YET with
# the key's hint.  trouble_grades NAME RIGHT WRONG-OBJECT WRONG-LAYER
trouble_grades() {
	local name=$1 right=$2 wrong_obj=$3 wrong_layer=$4 out rc
	out=$("$BPFLAB" scenario run "$name" 2>&1) || fail "scenario $name did not pass: $out"
	echo "$out"
	assert_contains "$out" "== $name: PASS"
	out=$("$BPFLAB" train "$name" --answer "$right" </dev/null 2>&1) || fail "right answer $right not accepted: $out"
	assert_contains "$out" "PASSED: the fault is in the"
	out=$("$BPFLAB" train "$name" --answer "$wrong_obj" </dev/null 2>&1)
	rc=$?
	echo "$out" | tail -6
	assert_eq "$rc" "1" "exit status for $wrong_obj"
	assert_contains "$out" "NOT YET: right layer, wrong object"
	assert_contains "$out" "Hint:"
	out=$("$BPFLAB" train "$name" --answer "$wrong_layer" </dev/null 2>&1)
	rc=$?
	assert_eq "$rc" "1" "exit status for $wrong_layer"
	assert_contains "$out" "NOT YET: that is not the layer that failed"
	out=$("$BPFLAB" train "$name" --answer "nonsense" </dev/null 2>&1)
	assert_eq "$?" "2" "a malformed answer is a usage error"
}

# After lab down and bpflab down: no lab netns, no shop server, no bl_ program
# of this run dir's engine.
trouble_nothing_left() {
	"$BPFLAB" lab down >/dev/null 2>&1 || fail "lab down"
	"$BPFLAB" down >/dev/null 2>&1 || fail "down"
	! ip netns list | grep -q '^bpflab-lab-' || fail "lab namespaces left: $(ip netns list | grep bpflab-lab)"
	! pgrep -f 'busybox httpd -f -p 198\.18\.1\.' >/dev/null || fail "a shop server is still running"
	[ ! -S "$BPFLAB_RUN_DIR/engine.sock" ] || fail "the engine is still up"
}
