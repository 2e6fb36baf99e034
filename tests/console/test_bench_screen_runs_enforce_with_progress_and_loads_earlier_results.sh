#!/usr/bin/env bash
# The Bench screen (7) charts the newest bench lb result and steps back to
# an earlier one with `<`, and charts the enforce result (ns per write()
# for none, floor, bpflab's rules, strace). `e` runs the quick `bpflab bench
# enforce` from the console: a progress bar fed by the bench's own
# BPFLAB-PROGRESS lines shows its rounds; x stops it, and the screen says so.
# timeout: 120
. "$(dirname "$0")/tmux_lib.sh"
need_root
need_cmd python3

RESULTS=$(mktemp -d /tmp/bl-cons-bench.XXXXXX)
export RESULTS
trap 'con_cleanup; rm -rf "$RESULTS"' EXIT
# two earlier bench lb runs (the shape bench lb writes), older and newer
for f in 20260101-100000:11111 20260102-100000:22222; do
	printf '{"results":[{"mode":"ebpf","services":1000,"conn_per_s":%s},{"mode":"iptables-legacy","services":1000,"conn_per_s":9000}]}\n' \
		"${f#*:}" >"$RESULTS/bench-lb-${f%:*}.json"
done

printf '{"iters":100000,"reps":3,"write_dev_null":[{"setup":"none","ns":140.5},{"setup":"floor","ns":220.1},{"setup":"rules10k","ns":251.0},{"setup":"strace","ns":16968.0}]}\n' \
	>"$RESULTS/bench-enforce.json"

con_start 80 24
con_keys 7
con_wait "bench-lb-20260102-100000.json" || fail "the newest result is not charted: $(con_capture)"
assert_contains "$(con_capture)" "22222"
con_keys '<'
con_wait "bench-lb-20260101-100000.json" || fail "< did not load the earlier result: $(con_capture)"
assert_contains "$(con_capture)" "11111"
assert_contains "$(con_capture)" "2 of 2"
con_assert_clean 7

for setup in none floor rules10k strace; do
	grep -Eq "^$setup +[0-9.]+ ns" <<<"$(con_capture)" || fail "no $setup row in the enforce chart: $(con_capture)"
done
con_assert_clean 7

con_keys e
WAIT_SECS=45 wait_for con_has "[0-9]/[0-9] [a-z +]*" ||
	fail "no progress bar from the bench: $(con_capture)"
screen=$(con_capture)
assert_contains "$screen" "bench enforce (quick): running"
# the bar, then DONE/TOTAL: the progress lines are read, not shown raw
grep -Eq "[█░]+ [0-9]/[0-9] " <<<"$screen" || fail "no progress bar: $screen"
assert_not_contains "$screen" "BPFLAB-PROGRESS" "a raw progress line in the output"
con_keys x
WAIT_SECS=30 wait_for con_has "bench enforce (quick): failed" ||
	fail "x did not stop the bench: $(con_capture)"
con_assert_clean 7
con_quit
exit 0
