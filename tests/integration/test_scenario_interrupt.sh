#!/usr/bin/env bash
# Ctrl-C during a scenario stops the script (ERROR "interrupted") and its
# teardown still runs: the sandbox it made is gone afterwards.
# timeout: 60
source "$(dirname "$0")/../lib.sh"
need_root
dir=$(mktemp -d /tmp/bpflab-lab-int.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/spin.lua" <<'LUA'
return scenario {
  name = "spin",
  setup = function(ctx) ctx.box = lab.sandbox { name = "t-int" } end,
  run = function(ctx)
    lab.say "spinning"
    local x = 0
    for i = 1, 1e7 do for j = 1, 10 do x = x + 1 end; if i % 1e5 == 0 then lab.sleep(0.05) end end
  end,
  teardown = function(ctx) lab.say "teardown ran" end,
}
LUA
"$BPFLAB" scenario run "$dir/spin.lua" >"$dir/out" 2>&1 &
pid=$!
WAIT_SECS=10 wait_for grep -q spinning "$dir/out" || fail "scenario did not start: $(cat "$dir/out")"
[ -d /sys/fs/cgroup/unified/bpflab/bl-t-int ] || fail "no sandbox while running"
kill -INT "$pid"
wait "$pid"
rc=$?
cat "$dir/out"
assert_eq "$rc" 3 "interrupted is ERROR"
assert_contains "$(cat "$dir/out")" "interrupted" "message"
assert_contains "$(cat "$dir/out")" "teardown ran" "teardown ran"
[ ! -d /sys/fs/cgroup/unified/bpflab/bl-t-int ] || fail "sandbox left after Ctrl-C"
echo ok
