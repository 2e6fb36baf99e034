#!/usr/bin/env bash
# timeout: 120
# The immutable flag is set only in enforce mode, only by bpflab's own
# journaled change, and always put back: by `policy delete`, by a clean
# engine stop, and after `kill -9` of the engine by the next start's journal
# recovery. A file that was already immutable before the policy keeps its
# flag after the policy goes. Monitor mode never sets the flag.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/policies.sh"
need_root
need_cmd lsattr
need_cmd chattr
export BPFLAB_RUN_DIR=/run/bpflab-test-enforce-imm
dir=$(mktemp -d /tmp/bl-enforce-imm.XXXXXX)
cleanup() {
	"$BPFLAB" down >/dev/null 2>&1
	chattr -i "$dir"/* 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

echo secret >"$dir/protected"
echo admin >"$dir/already"
chattr +i "$dir/already" || skip "this file system has no immutable flag"
policy() { # mode
	file_write_policy imm-undo "$1" Equal "$dir/protected" "$dir/already"
}
flag() { lsattr "$1" | cut -d' ' -f1 | grep -q i && echo i || echo -; }

"$BPFLAB" engine --daemon --modules proc,enforce >/dev/null || fail "engine --daemon failed"
policy monitor >"$dir/monitor.yaml"
policy enforce >"$dir/enforce.yaml"

"$BPFLAB" policy apply "$dir/monitor.yaml" >/dev/null || fail "monitor apply failed"
assert_eq "$(flag "$dir/protected")" - "monitor mode set the immutable flag"

"$BPFLAB" policy apply "$dir/enforce.yaml" >/dev/null || fail "enforce apply failed"
assert_eq "$(flag "$dir/protected")" i "enforce mode did not set the immutable flag"
grep -q "/immutable .*$dir/protected" "$BPFLAB_RUN_DIR/journal" || fail "the flag change is not journaled"
grep -q "/immutable .*$dir/already" "$BPFLAB_RUN_DIR/journal" && fail "an already-immutable file was journaled as ours"
"$BPFLAB" policy delete imm-undo >/dev/null || fail "delete failed"
assert_eq "$(flag "$dir/protected")" - "policy delete left the immutable flag"
assert_eq "$(flag "$dir/already")" i "policy delete cleared a flag bpflab did not set"

# a clean stop puts it back
"$BPFLAB" policy apply "$dir/enforce.yaml" >/dev/null || fail "enforce apply failed"
assert_eq "$(flag "$dir/protected")" i "re-apply did not set the flag"
"$BPFLAB" down >/dev/null || fail "down failed"
assert_eq "$(flag "$dir/protected")" - "bpflab down left the immutable flag"

# a crash: the flag outlives the engine, the next start's recovery removes it
"$BPFLAB" engine --daemon --modules proc,enforce >/dev/null || fail "engine restart failed"
"$BPFLAB" policy apply "$dir/enforce.yaml" >/dev/null || fail "enforce apply failed"
assert_eq "$(flag "$dir/protected")" i "apply after restart did not set the flag"
kill -9 "$(cat "$BPFLAB_RUN_DIR/engine.lock")"
sleep 0.5
assert_eq "$(flag "$dir/protected")" i "test setup: the flag vanished with the engine"
"$BPFLAB" engine --daemon --modules proc,enforce >/dev/null || fail "restart after crash failed"
assert_eq "$(flag "$dir/protected")" - "crash recovery left the immutable flag"
assert_eq "$(flag "$dir/already")" i "crash recovery cleared a flag bpflab did not set"
"$BPFLAB" down >/dev/null || fail "down failed"
echo "secret" | cmp -s - "$dir/protected" || fail "the protected file changed"
echo ok
