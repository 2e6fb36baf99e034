#!/usr/bin/env bash
# timeout: 120
# `bpflab observe export` ships engine events to a Splunk HEC collector and a
# rotating JSON-lines file. While the collector is down, batches go to the
# on-disk spool; once it is up they are delivered, oldest first, and every
# marked event arrives exactly once. A wrong token is never counted as sent.
# The collector is tests/integration/hec_receiver.py (the HEC protocol: token
# header, /services/collector/event body shape, {"code":0} ack), not Splunk.
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-observe}
export BPFLAB_METRICS_ADDR=127.0.0.1:$((20000 + $$ % 10000))
hport=$((40000 + $$ % 10000))
tmp=$(mktemp -d /tmp/bl-obs-hec.XXXXXX)
marker=bl-hec-marker-$$
exporter= receiver=
cleanup() {
	[ -n "$exporter" ] && kill -INT "$exporter" 2>/dev/null && wait "$exporter" 2>/dev/null
	[ -n "$receiver" ] && kill "$receiver" 2>/dev/null && wait "$receiver" 2>/dev/null
	stop_engine
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
	true
}
trap cleanup EXIT

ENGINE_LOG=$tmp/engine.log start_engine -m proc,observe
"$BPFLAB" observe export --file "$tmp/out/events.jsonl" --max-size 100k --keep 100 \
	--splunk-hec "http://127.0.0.1:$hport" --splunk-token s3cret \
	--spool "$tmp/spool" --batch 5 2>"$tmp/export.err" &
exporter=$!
sleep 1
kill -0 "$exporter" 2>/dev/null || { cat "$tmp/export.err"; fail "exporter died"; }

# 12 marked processes while the collector is down.
for i in $(seq 12); do /bin/echo "$marker" "$i" >/dev/null; done
spooled() { ls "$tmp/spool"/batch-* >/dev/null 2>&1; }
WAIT_SECS=20 wait_for spooled || { cat "$tmp/export.err"; fail "nothing spooled while the collector was down"; }
echo "spool while down: $(ls "$tmp/spool" | wc -l) batch(es)"

python3 "$(dirname "$0")/hec_receiver.py" "$hport" s3cret "$tmp/received.jsonl" &
receiver=$!
marked() { local n; n=$(grep -c "echo.*$marker" "$tmp/received.jsonl" 2>/dev/null); [ "${n:-0}" -ge 12 ]; }
WAIT_SECS=60 wait_for marked || { cat "$tmp/export.err"; ls -l "$tmp/spool"; fail "collector did not get the spooled events"; }
# Once delivered, the spool is empty again.
empty() { ! spooled; }
WAIT_SECS=20 wait_for empty || fail "spool not drained"

kill -INT "$exporter"; wait "$exporter"; exporter=
cat "$tmp/export.err"

# Each marked exec exactly once at the collector and in the file sink
# (whose rotation at 100k spread it over several files).
read -r -d '' count <<'PY'
import glob, json, sys
marker, received, files = sys.argv[1], sys.argv[2], sys.argv[3:]
def execs(paths):
    n = {}
    for p in paths:
        for line in open(p):
            ev = json.loads(line)
            pe = ev.get("process_exec")
            p = pe and pe["process"]
            if p and p.get("binary", "").endswith("/echo") and marker in p.get("arguments", ""):
                k = pe["process"]["arguments"]
                n[k] = n.get(k, 0) + 1
    return n
got = execs([received])
assert len(got) == 12 and set(got.values()) == {1}, got
f = execs(files)
assert len(f) == 12 and set(f.values()) == {1}, f
print(f"12 marked events delivered once, file sink in {len(files)} file(s)")
PY
python3 -c "$count" "$marker" "$tmp/received.jsonl" "$tmp/out"/events.jsonl* || fail "events lost or duplicated"
[ "$(ls "$tmp/out" | wc -l)" -ge 2 ] || fail "file sink did not rotate at 100k"

# A wrong token: the collector refuses, nothing counts as sent, all spooled.
before=$(wc -l <"$tmp/received.jsonl")
"$BPFLAB" observe export --splunk-hec "http://127.0.0.1:$hport" --splunk-token wrong \
	--spool "$tmp/spool-bad" --batch 1 --duration 3s 2>"$tmp/bad.err" &
bad=$!
sleep 1
/bin/echo "$marker" bad >/dev/null
wait "$bad"
cat "$tmp/bad.err"
assert_contains "$(cat "$tmp/bad.err")" "hec: 0 sent" "wrong token must not count as sent"
assert_eq "$(wc -l <"$tmp/received.jsonl")" "$before" "collector accepted a wrong token"
ls "$tmp/spool-bad"/batch-* >/dev/null 2>&1 || fail "refused batches were not spooled"
echo PASS
