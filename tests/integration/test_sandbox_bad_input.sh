#!/usr/bin/env bash
# Bad sandbox requests get a clear error, exit 2 (or 5 for unsupported) and
# change nothing on the host.
# timeout: 60
source "$(dirname "$0")/../lib.sh"
need_root
run_dir=${BPFLAB_RUN_DIR:-/run/bpflab}
name=t-bad-$$
trap '"$BPFLAB" sandbox rm "$name" >/dev/null 2>&1' EXIT

expect_refusal() { # want_rc message_regex args...
	local want=$1 msg=$2 out rc
	shift 2
	out=$("$BPFLAB" sandbox "$@" 2>&1)
	rc=$?
	assert_eq "$rc" "$want" "exit code of 'sandbox $*'"
	assert_contains "$out" "$msg" "message of 'sandbox $*'"
}

expect_refusal 2 "bad name" run 'Bad_Name!'
expect_refusal 2 "bad name" run "$(printf 'x%.0s' {1..40})"
expect_refusal 2 "unknown kind 'kvm'" run --kind kvm "$name"
expect_refusal 2 "unknown kind 'bogus'" run --kind bogus "$name"
expect_refusal 2 "bad label" run --label novalue "$name"
expect_refusal 2 "bad label" run --label bpflab.name=x "$name"
expect_refusal 5 "not supported yet" run --userns "$name"
expect_refusal 2 "after '--'" run "$name" sh
expect_refusal 2 "no running sandbox" exec "$name" -- true
expect_refusal 2 "NAME -- CMD" exec "$name" true
expect_refusal 2 "no sandbox" rm "$name"
expect_refusal 2 "unknown subcommand" frobnicate
[ ! -d "/sys/fs/cgroup/unified/bpflab/$name" ] || fail "a refused run made a cgroup"
[ ! -e "$run_dir/sandboxes/$name.json" ] || fail "a refused run wrote state"

# a duplicate name is refused and the first sandbox is unharmed
"$BPFLAB" sandbox run "$name" >/dev/null || fail "first run"
expect_refusal 2 "already exists" run "$name"
"$BPFLAB" sandbox exec "$name" -- true || fail "the first sandbox broke"
# cgroup names are host-wide: another run dir may not take (or kill) it
other=$(mktemp -d /tmp/bpflab-lab-other.XXXXXX)
out=$(BPFLAB_RUN_DIR=$other "$BPFLAB" sandbox run "$name" 2>&1)
rc=$?
rm -rf "$other"
assert_eq "$rc" 2 "a name taken in another run dir"
assert_contains "$out" "is taken"
"$BPFLAB" sandbox exec "$name" -- true || fail "the other run dir's attempt hurt the sandbox"
"$BPFLAB" sandbox rm "$name" || fail "rm"
trap - EXIT
left=$(leftovers | grep -- "$name")
[ -z "$left" ] || fail "leftovers: $left"
echo ok
