#!/usr/bin/env bash
# timeout: 90
# The flow log stores binary records and renders them when read: a capture's
# JSON lines come back byte for byte from the log, across rotations — read
# back by --since (the newest files, oldest first), and live by a --follow
# that started before the log existed and followed it through each rotation.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
need_cmd tc
need_cmd python3
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-observe}

obs_pair obr 9
logdir=$tmp/flows
obs_serve python3 -m http.server --bind "$ip_s" 8080 --directory "$tmp" >/dev/null 2>&1
obs_wait_http /

# A follower first: the log does not exist yet.
"$BPFLAB" observe --follow -o json --flow-log "$logdir" >"$tmp/follow.json" 2>"$tmp/follow.err" &
follower=$!
# 6 KiB files: a few records each, so 40 requests rotate the log many times
# (FLOW_LOG_KEEP old files are kept; the oldest fall off).
BPFLAB_FLOW_LOG_MAX_BYTES=6144 "$BPFLAB" observe -i "$if_c" --netns "$ns_c" -o json \
	--flow-log "$logdir" >"$tmp/capture.json" 2>"$tmp/capture.err" &
capture=$!
wait_for obs_attached || fail "capture did not attach: $(cat "$tmp/capture.err")"
for i in $(seq 40); do
	ip netns exec "$ns_c" curl -s -o /dev/null --max-time 2 "http://$ip_s:8080/r$i" || fail "request $i"
done
sleep 0.5
kill -INT "$capture"
wait "$capture" || fail "capture failed: $(cat "$tmp/capture.err")"
capture=

n_cap=$(wc -l <"$tmp/capture.json")
[ "$n_cap" -ge 120 ] || fail "only $n_cap records captured"
[ -f "$logdir/flows.bin.1" ] || fail "the log never rotated: $(ls "$logdir")"
[ "$(head -c 8 "$logdir/flows.bin")" = BLFLOWS1 ] || fail "flows.bin is not a binary flow log"
grep -q '"flow"' "$logdir/flows.bin" && fail "the log holds rendered JSON"
[ -e "$logdir/flows.bin.5" ] && fail "more than FLOW_LOG_KEEP old files kept"

# --since: the records still on disk, oldest first, as the capture printed them.
"$BPFLAB" observe --flow-log "$logdir" --since 10m -o json >"$tmp/since.json" || fail "--since failed"
n_log=$(wc -l <"$tmp/since.json")
[ "$n_log" -ge 20 ] && [ "$n_log" -lt "$n_cap" ] || fail "$n_log of $n_cap records read back (rotation should drop some)"
tail -n "$n_log" "$tmp/capture.json" | cmp -s - "$tmp/since.json" ||
	fail "--since differs from the capture: $(tail -n "$n_log" "$tmp/capture.json" | diff - "$tmp/since.json" | head -5)"
grep -q '"http":{"code":404,"method":"GET","url":"/r40"' "$tmp/since.json" || fail "the last request is not in the log"

# --follow saw every record, through every rotation.
wait_for_lines() { [ "$(wc -l <"$tmp/follow.json")" -ge "$n_cap" ]; }
wait_for wait_for_lines || fail "--follow printed $(wc -l <"$tmp/follow.json") of $n_cap records: $(cat "$tmp/follow.err")"
kill -INT "$follower"
wait "$follower"
follower=
cmp -s "$tmp/capture.json" "$tmp/follow.json" ||
	fail "--follow differs from the capture: $(diff "$tmp/capture.json" "$tmp/follow.json" | head -5)"

# A damaged log is refused record by record, not rendered as garbage.
printf 'not a flow log' >"$logdir/flows.bin.4"
"$BPFLAB" observe --flow-log "$logdir" -o json >"$tmp/after.json" 2>"$tmp/after.err" || fail "read failed with a foreign file"
grep -q "not a bpflab flow log" "$tmp/after.err" || fail "the foreign file was not named"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/after.json" || fail "unparsable line"
exit 0
