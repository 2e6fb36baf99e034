#!/usr/bin/env bash
# A short `bench enforce` measures every setup, nginx + wrk included (off,
# empty hook, bpflab: requests went through in each), writes its JSON, and
# leaves nothing behind: no nginx, no bench files, no immutable flag, no
# bl_ program of its own, audit as it was.
# timeout: 240
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd nginx
need_cmd wrk
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-enforce-bench}
out_dir=$(mktemp -d /tmp/bl-enforce-benchtest.XXXXXX)
trap 'rm -rf "$out_dir"' EXIT
audit_before=$(auditctl -s 2>/dev/null | grep '^enabled')
# another bench may run meanwhile: compare what exists before and after
mine() { ls -d /tmp/bl-enforce-bench.* 2>/dev/null; pgrep -f 'nginx.*bl-enforce-bench'; }
mine_before=$(mine | sort)
bench_progs() { bpftool prog show 2>/dev/null | grep -c 'name bl_enf_\|name bl_bench_'; }
progs_before=$(bench_progs)

out=$("$BPFLAB" bench enforce --iters 20000 --reps 1 --web-secs 1 --out "$out_dir" 2>&1) ||
	fail "bench enforce failed: $out"
echo "$out"
for s in none floor rules10 rules10k tp-write; do
	assert_contains "$out" "^$s  *[0-9]"
done
for s in off "empty hook" bpflab; do
	assert_contains "$out" "^$s  *[1-9][0-9]* "
done
python3 - "$out_dir/bench-enforce.json" <<'PY' || fail "bad JSON"
import json, sys
d = json.load(open(sys.argv[1]))
w = d["nginx_wrk"]
assert all(w["rps"][k] > 0 and w["per_cpu"][k] > 0 for k in ("off", "floor", "on")), w
PY

left=$(comm -13 <(echo "$mine_before") <(mine | sort))
[ -z "$left" ] || fail "left behind (bench dir or nginx pid): $left"
assert_eq "$(auditctl -s 2>/dev/null | grep '^enabled')" "$audit_before" "audit state changed"
# other engines may run enforce programs meanwhile: ours add none. The kernel
# frees a program a moment after its last fd closes (deferred), so wait.
progs_back() { [ "$(bench_progs)" -le "$progs_before" ]; }
WAIT_SECS=10 wait_for progs_back || fail "bench programs left: $progs_before -> $(bench_progs)"
echo ok
