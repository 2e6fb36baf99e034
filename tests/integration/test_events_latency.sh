#!/usr/bin/env bash
# With an engine daemon up, a subscriber sees the exec of a command run in
# another process within 100 ms of the exec (median of 20 runs).
# timeout: 90
. "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_RUN_DIR=/run/bpflab-test-latency
trap '"$BPFLAB" down >/dev/null 2>&1' EXIT
"$BPFLAB" engine --daemon >/dev/null || fail "engine --daemon failed"
python3 - "$BPFLAB" <<'PY' || fail "latency above 100 ms"
import json, os, select, statistics, subprocess, sys, time
bpflab = sys.argv[1]
sub = subprocess.Popen([bpflab, "events", "--type", "exec", "--binary", "/usr/bin/env"],
                       stdout=subprocess.PIPE, text=True)
time.sleep(1.0)
lat = []
for i in range(20):
    t0 = time.time()
    subprocess.run(["/usr/bin/env", "true", f"marker-{i}"], check=True)
    deadline = t0 + 2
    while time.time() < deadline:
        r, _, _ = select.select([sub.stdout], [], [], 0.5)
        if not r:
            continue
        line = sub.stdout.readline()
        if f"marker-{i}" in line:
            lat.append(time.time() - t0)
            break
sub.terminate()
print(f"{len(lat)} of 20 seen; median {statistics.median(lat)*1000:.1f} ms, max {max(lat)*1000:.1f} ms")
sys.exit(0 if len(lat) == 20 and statistics.median(lat) < 0.1 else 1)
PY
