#!/usr/bin/env bash
# timeout: 60
# `bpflab top --programs` lists the host's BPF programs with real run-time
# figures (a busy bl_sched_switch has runs/s > 0 and an average > 0 ns),
# turns kernel run-time stats on only while it watches, and off after.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
need_cmd bpftool
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-observe}

stats() { cat /proc/sys/kernel/bpf_stats_enabled; }
loader=
cleanup() { [ -n "$loader" ] && kill "$loader" 2>/dev/null && wait "$loader" 2>/dev/null; true; }
trap cleanup EXIT

# A process top keeps bl_sched_switch / bl_sys_enter loaded meanwhile.
"$BPFLAB" top -n 30 -d 500ms >/dev/null &
loader=$!
loaded() { bpftool prog show 2>/dev/null | grep -q 'name bl_sched_switch'; }
wait_for loaded || fail "bl_sched_switch never loaded"

out=$("$BPFLAB" top --programs --json -n 2 -d 1) || fail "top --programs failed"
# Once it exits the kernel stops counting: run_cnt stands still (unless
# someone else turned stats on for the whole host).
run_cnt() { bpftool -j prog show name bl_sched_switch 2>/dev/null |
	python3 -c 'import json,sys; d=json.load(sys.stdin); d=d if isinstance(d,dict) else d[0]; print(d.get("run_cnt",0))'; }
# Another process holding a BPF_ENABLE_STATS fd keeps the kernel counting.
others_hold_stats() {
	local fd
	for fd in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:bpf-stats" ] && return 0
	done
	return 1
}
if others_hold_stats; then
	echo "someone else holds a bpf-stats fd: not checking that counting stopped"
elif [ "$(stats)" = 0 ]; then
	c0=$(run_cnt); sleep 1; c1=$(run_cnt)
	echo "run_cnt after watching: $c0 -> $c1"
	[ "$c0" -gt 0 ] || fail "no runs were counted while watching"
	assert_eq "$c1" "$c0" "run_cnt must not grow once top --programs exited"
fi

read -r -d '' check <<'PY'
import json, sys
lines = [json.loads(l) for l in sys.stdin]
assert len(lines) == 2, f"{len(lines)} updates"
for d in lines:
    progs = {p["name"]: p for p in d["programs"]}
    p = progs.get("bl_sched_switch")
    assert p, "bl_sched_switch missing: %s" % sorted(progs)
    assert p["type"] == "tracing", p
    assert p["runs_per_sec"] > 0 and p["avg_ns"] > 0, p
    assert 0 < p["cpu_pct"] < 100, p
    # % CPU is run time over the interval: check the arithmetic.
    want = p["avg_ns"] * p["runs_per_sec"] / 1e9 * 100
    assert abs(p["cpu_pct"] - want) <= 1e-6 + want * 1e-6, (p, want)
    print(f'bl_sched_switch: {p["avg_ns"]:.0f} ns/run, {p["runs_per_sec"]:.0f} runs/s, {p["cpu_pct"]:.4f}% CPU')
PY
python3 -c "$check" <<<"$out" || fail "bad program figures: $out"
echo PASS
