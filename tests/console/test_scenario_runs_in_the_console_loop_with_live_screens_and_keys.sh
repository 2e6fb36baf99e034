#!/usr/bin/env bash
# Invariant 7: a scenario started from the Scenarios screen runs in the
# console's own process, as coroutines resumed by its one epoll loop. A
# script whose steps wait for seconds (a command running 4 s in its
# sandbox, lab.sleep, lab.wait_event that times out) runs while:
#  - no `bpflab scenario` process exists; the sandbox's processes are the
#    console's own children;
#  - the meter row keeps changing (the attack's exec events come in live);
#  - a tab switch is answered within 100 ms (median of 5) and never waits
#    for the step (max under 1 s), all while the step is still running.
# Its commands start with no signal blocked (the engine's signalfd mask
# stays out of the box). Then x stops a second run mid-step (ERROR
# "interrupted", its teardown runs), q during a third quits only after its
# teardown, and so does Ctrl-C during a fourth: none leaves the sandbox.
# timeout: 150
. "$(dirname "$0")/tmux_lib.sh"
need_root

dir=$(mktemp -d /tmp/bl-c3-scen.XXXXXX)
BOX=/sys/fs/cgroup/unified/bpflab/bl-c3-slow
# the sandbox's cgroup and its state file are both gone
box_left() { [ -d "$BOX" ] || [ -e "$BPFLAB_RUN_DIR/sandboxes/bl-c3-slow.json" ]; }
trap 'con_cleanup; rm -rf "$dir"' EXIT
cat >"$dir/bl-c3-slow.lua" <<'LUA'
return scenario {
  name = "bl-c3-slow",
  title = "waits that must not block the console",
  setup = function(ctx) ctx.box = lab.sandbox { name = "c3-slow" } end,
  run = function(ctx)
    lab.step "a command that runs 4 s, starting a process every 50 ms"
    ctx.p = ctx.box:spawn { "sh", "-c",
      "i=0; while [ $i -lt 80 ]; do /bin/true; i=$((i+1)); sleep 0.05; done; echo spun", timeout = 20 }
    lab.step "lab.sleep(1.5)"
    lab.sleep(1.5)
    lab.step "an event that never comes (1.5 s)"
    ctx.ev = lab.wait_event { type = "process_exec", binary = "/bl-c3/never", timeout = 1.5 }
    ctx.sig = ctx.box:spawn { "sh", "-c", "grep SigBlk /proc/self/status" }
  end,
  verify = function(ctx)
    lab.expect.exited(ctx.p, 0)
    lab.expect.that(ctx.p.stdout == "spun\n", "the command's output came back")
    lab.expect.that(ctx.ev == nil, "no event from a binary that never ran")
    lab.expect.that(ctx.sig.stdout:match("^SigBlk:%s*0+\n$") ~= nil,
      "a command starts with no signal blocked (" .. ctx.sig.stdout:gsub("%s+", " ") .. ")")
  end,
}
LUA
export BPFLAB_SCENARIOS=$dir

start_run() {
	con_keys 8
	con_wait "8 Scenarios" || fail "no Scenarios screen: $(con_capture)"
	con_keys Enter
	con_wait "bl-c3-slow  running" 10 || fail "the scenario did not start: $(con_capture)"
	con_wait " 1\. a command that runs" 10 || fail "no first step: $(con_capture)"
}

con_start 160 48
shell=$($CON_TMUX display -p -t con '#{pane_pid}')
console=$(pgrep -P "$shell" -x bpflab | head -1)
[ -n "$console" ] || fail "no console process under the pane"

start_run
# no child scenario process anywhere; the sandbox's processes are ours
! pgrep -f "scenario run bl-c3-slow" >/dev/null || fail "a child 'bpflab scenario run' exists"
[ -n "$(pgrep -P "$console")" ] || fail "the console has no children: where does the sandbox run?"
for c in $(pgrep -P "$console"); do
	assert_not_contains "$(tr '\0' ' ' </proc/"$c"/cmdline)" "scenario" "child $c of the console"
done

# the meter row changes while the step runs
meters=()
for _ in 1 2 3 4 5 6; do
	meters+=("$(con_capture | head -1)")
	sleep 0.4
done
[ "$(printf '%s\n' "${meters[@]}" | sort -u | wc -l)" -ge 2 ] ||
	fail "the meter row did not change during the step: ${meters[0]}"

# keys are answered mid-step: tab switches, send-keys to the tab on screen
lat=()
for k in 4 8 2 8 4; do
	s=$(date +%s%N)
	con_keys "$k"
	for _ in $(seq 2000); do
		con_capture | sed -n 2p | grep -q " $k [A-Z]" && break
	done
	e=$(date +%s%N)
	lat+=($(((e - s) / 1000000)))
done
con_keys 8
con_wait "8 Scenarios"
screen=$(con_capture)
assert_contains "$screen" "bl-c3-slow  running" "the presses happened while the scenario ran"
assert_not_contains "$screen" " 2\. lab.sleep" "the presses happened during the 4 s step"
median=$(printf '%s\n' "${lat[@]}" | sort -n | sed -n 3p)
max=$(printf '%s\n' "${lat[@]}" | sort -n | tail -1)
echo "key latency mid-step ms: ${lat[*]} (median $median, max $max); load $(cut -d' ' -f1 /proc/loadavg)"
[ "$median" -lt 100 ] || fail "median key latency $median ms during the scenario"
[ "$max" -lt 1000 ] || fail "a key waited $max ms: the loop blocked"

con_wait "bl-c3-slow  PASS" 30 || fail "the scenario did not pass: $(con_capture)"
screen=$(con_capture)
assert_contains "$screen" "✔ exited 0" "the command's exit is checked"
assert_contains "$screen" "✔ no event from a binary" "wait_event timed out as a wait, not a block"
assert_contains "$screen" "✔ a command starts with no signal blocked" "the engine's blocked signals stay out of the box"
assert_contains "$screen" "== bl-c3-slow: PASS (4 checks)" "the verdict line"
! box_left || fail "the sandbox is left after the run"

# x mid-step: the script stops, teardown runs
start_run
con_keys x
con_wait "bl-c3-slow  ERROR" 15 || fail "x did not stop the scenario: $(con_capture)"
assert_contains "$(con_capture)" "interrupted" "the stop is reported"
! box_left || fail "the sandbox is left after x"

# q mid-step: teardown, then the console quits (exit 0)
start_run
[ -d "$BOX" ] || fail "no sandbox while running"
con_quit
! box_left || fail "the sandbox is left after q"
con_cleanup

# Ctrl-C mid-step ends the loop; the teardown still runs before the exit
con_start 160 48
start_run
[ -d "$BOX" ] || fail "no sandbox while running"
con_keys C-c
WAIT_SECS=30 wait_for test -s "$CON_EXIT" || fail "the console did not exit after Ctrl-C"
! box_left || fail "the sandbox is left after Ctrl-C"
exit 0
