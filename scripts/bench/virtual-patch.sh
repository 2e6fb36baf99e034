#!/usr/bin/env bash
# Virtual patching under load (scenario virtual-patch): RUNS runs per mode;
# per phase (before, apply, patched, delete, after) the failed legitimate
# requests and the median/range of p99 over the runs; the service ids the
# load saw; how long apply and delete took. Raw reports: one JSON per line.
# Env: RUNS (5), BPFLAB, RESULTS.
set -u
cd "$(dirname "$0")/../.." || exit 1
: "${BPFLAB:=$PWD/build/bpflab}" "${RESULTS:=$PWD/results/vpatch-$(date -u +%Y%m%dT%H%M%SZ)}"
[ "$(id -u)" -eq 0 ] || { echo "virtual-patch bench: needs root" >&2; exit 77; }
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-bench-vpatch}
export BPFLAB_SCENARIOS=$PWD/scenarios
mkdir -p "$RESULTS"
raw=$RESULTS/virtual-patch.jsonl
: >"$raw"
"$BPFLAB" engine >"$RESULTS/virtual-patch-engine.log" 2>&1 &
engine=$!
trap 'kill -INT $engine 2>/dev/null; wait $engine 2>/dev/null' EXIT
for _ in $(seq 100); do "$BPFLAB" status >/dev/null 2>&1 && break; sleep 0.2; done
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs" | tee "$RESULTS/virtual-patch.txt"
for mode in enforce monitor; do
	for _ in $(seq "${RUNS:-5}"); do
		"$BPFLAB" scenario run --json --mode "$mode" virtual-patch |
			python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))' >>"$raw"
	done
done
python3 - "$raw" <<'EOF' | tee -a "$RESULTS/virtual-patch.txt"
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def evidence(r, prefix):
    return next(c["evidence"] for c in r["checks"] if c["check"].startswith(prefix))
def measured(r):
    # an ERROR run (e.g. the sandbox name taken by someone else's run) has no figures
    return any(c["check"].startswith("p99 latency") for c in r["checks"])
for mode in ("enforce", "monitor"):
    everyone = [r for r in rows if r["mode"] == mode]
    rs = [r for r in everyone if measured(r)]
    if len(rs) < len(everyone):
        print(f"{mode}: {len(everyone) - len(rs)} run(s) without figures: "
              f"{[r['error'] for r in everyone if not measured(r)]}")
    lat = [evidence(r, "p99 latency") for r in rs]
    ids = [evidence(r, "the service kept")["ids_seen"] for r in rs]
    print(f"{mode}: {len(rs)} runs, verdicts {[r['verdict'] for r in rs]}, "
          f"service ids seen per run {ids}")
    print(f"  apply ms {[round(l['apply_ms'], 1) for l in lat]}, "
          f"delete ms {[round(l['delete_ms'], 1) for l in lat]}")
    # medians over the runs; "svc": from the send, else from the schedule
    print("  phase    requests failed  p50  p99 (range)          max   "
          "svc p50  svc p99 (range)      svc max  [us]")
    for name in ("before", "apply", "patched", "delete", "after"):
        ph = [l["phases"][name] for l in lat]
        med = lambda k: statistics.median(p[k] for p in ph)
        rng = lambda k: "%d-%d" % (min(p[k] for p in ph), max(p[k] for p in ph))
        print("  %-8s %8d %6d %4d %5d (%-13s) %6d   %6d %7d (%-13s) %6d" % (
            name, sum(p["requests"] for p in ph), sum(p["failed"] for p in ph),
            med("p50_us"), med("p99_us"), rng("p99_us"), max(p["max_us"] for p in ph),
            med("svc_p50_us"), med("svc_p99_us"), rng("svc_p99_us"),
            max(p["svc_max_us"] for p in ph)))
EOF
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS/virtual-patch.txt"
