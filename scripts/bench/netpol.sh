#!/usr/bin/env bash
# netpol: per-packet decision cost (BPF_PROG_TEST_RUN of bl_np_check, best of
# 5 × 200,000 runs inside each sample) at 10 and at 10,000 policy keys, and
# the time to apply a policy over 1 and 1,000 identities × 10 ports.
# Medians of 5 samples; the raw lines go to $RESULTS/netpol.txt.
# Needs root and the unit test binary (make BUILD=... test-unit builds it).
set -u
cd "$(dirname "$0")/../.." || exit 1
BPFLAB=${BPFLAB:-$PWD/build/bpflab}
BUILD_DIR=${BUILD_DIR:-$(dirname "$BPFLAB")}
RESULTS=${RESULTS:-$PWD/results/netpol-$(date -u +%Y%m%dT%H%M%SZ)}
bin=$BUILD_DIR/tests/test_netpol_datapath
[ "$(id -u)" -eq 0 ] || { echo "netpol bench: needs root" >&2; exit 77; }
[ -x "$bin" ] || make -s BUILD="${BUILD_DIR#"$PWD"/}" "$bin" || exit 1
mkdir -p "$RESULTS"
out=$RESULTS/netpol.txt
: >"$out"
for i in 1 2 3 4 5; do
	"$bin" 2>/dev/null | grep '^netpol-bench:' >>"$out" || { echo "netpol bench: run $i failed" >&2; exit 1; }
done
python3 - "$out" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    kv = dict(f.split("=") for f in line.split()[1:])
    rows.setdefault(kv["rules"], []).append(kv)
print("%-8s %14s %14s %12s" % ("keys", "allow ns/pkt", "deny ns/pkt", "apply ms"))
for rules in sorted(rows, key=int):
    r = rows[rules]
    med = lambda k: statistics.median(float(x[k]) for x in r)
    print("%-8s %14.1f %14.1f %12.2f" % (rules, med("allow_ns"), med("deny_ns"), med("apply_s") * 1000))
PY
