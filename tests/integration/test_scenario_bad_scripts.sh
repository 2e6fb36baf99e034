#!/usr/bin/env bash
# Broken scenario scripts end in ERROR (exit 3) with a clear message, and
# leave nothing behind: teardown runs even when setup or run blew up.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_SCENARIOS=$TOP/scenarios
dir=$(mktemp -d /tmp/bpflab-lab-bad.XXXXXX)
trap 'rm -rf "$dir"' EXIT

script() { # name body
	printf '%s\n' "$2" >"$dir/$1.lua"
	echo "$dir/$1.lua"
}
expect_error() { # file message [args]
	local f=$1 msg=$2 out rc
	shift 2
	out=$("$BPFLAB" scenario run "$@" "$f" 2>&1)
	rc=$?
	assert_eq "$rc" 3 "exit code for $(basename "$f")"
	assert_contains "$out" "ERROR" "verdict for $(basename "$f")"
	assert_contains "$out" "$msg" "message for $(basename "$f")"
}

expect_error "$(script syntax 'return scenario {
  name = "syntax",
  run = function(ctx) if then end,
}')" "syntax.lua:3:"

# a runtime error in run: traceback names the line; the sandbox made in setup is removed
f=$(script runtime 'return scenario {
  name = "runtime",
  setup = function(ctx) ctx.box = lab.sandbox { name = "t-rt-box" } end,
  run = function(ctx)
    local t = nil
    return t.field
  end,
  teardown = function(ctx) lab.say("teardown ran") end,
}')
out=$("$BPFLAB" scenario run "$f" 2>&1)
assert_eq "$?" 3 "runtime error exit"
assert_contains "$out" "runtime.lua:6: attempt to index a nil value" "error with line"
assert_contains "$out" "stack traceback" "traceback"
assert_contains "$out" "teardown ran" "script teardown ran after the error"
[ ! -d /sys/fs/cgroup/unified/bpflab/bl-t-rt-box ] || fail "sandbox survived the error"

expect_error "$(script loop 'return scenario { name = "loop", run = function() while true do end end }')" \
	"instruction limit"
expect_error "$(script execute 'return scenario { name = "exec", run = function() os.execute("touch /tmp/bpflab-lab-pwned") end }')" \
	"attempt to call a nil value (field 'execute')"
[ ! -e /tmp/bpflab-lab-pwned ] || fail "os.execute ran"
expect_error "$(script io 'return scenario { name = "io", run = function() io.open("/etc/shadow") end }')" \
	"attempt to index a nil value (global 'io')"
expect_error "$(script require 'return scenario { name = "req", run = function() require("os") end }')" \
	"attempt to call a nil value (global 'require')"
expect_error "$(script dofile 'return scenario { name = "dof", run = function() dofile("/etc/passwd") end }')" \
	"attempt to call a nil value (global 'dofile')"
expect_error "$(script memory 'return scenario { name = "mem", run = function() local t = {} for i = 1, 1e9 do t[i] = string.rep("x", 4096) .. i end end }')" \
	"not enough memory"
expect_error "$(script kind 'return scenario { name = "kind", run = function() lab.sandbox { name = "t-kind", kind = "kvm" } end }')" \
	"unknown sandbox kind 'kvm'"
expect_error "$(script norun 'return scenario { name = "norun" }')" "'run' (a function) is missing"
expect_error "$(script notable 'return 42')" "must return scenario"
expect_error "$(script nocheck 'return scenario { name = "nocheck", run = function() end }')" "checked nothing"
# a missing sandbox kind on the command line: refused before anything starts
expect_error "$(script ok 'return scenario { name = "ok", run = function(ctx) lab.sandbox { name = "t-ok" } end }')" \
	"unknown sandbox kind 'containerd-x'" --sandbox containerd-x
# policies only from the scenario directory
expect_error "$(script escape 'return scenario { name = "esc", run = function() lab.policy.apply("../../etc/shadow") end }')" \
	"scenario directory"

out=$("$BPFLAB" scenario run --mode bogus x 2>&1)
assert_eq "$?" 2 "bad --mode is usage"
out=$("$BPFLAB" scenario run no-such-scenario 2>&1)
assert_eq "$?" 2 "unknown scenario is usage"
assert_contains "$out" "no scenario 'no-such-scenario'"

left=$(leftovers | grep -E 'bl-t-')
[ -z "$left" ] || fail "leftovers: $left"
[ -z "$(ls "${BPFLAB_RUN_DIR:-/run/bpflab}/sandboxes" 2>/dev/null | grep bl-t-)" ] || fail "sandbox state left"
echo ok
