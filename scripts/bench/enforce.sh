#!/usr/bin/env bash
# Syscall cost of runtime enforcement (`bpflab bench enforce`): write() to
# /dev/null with no hook, an empty tp_btf/sys_enter program (the floor),
# bpflab with 10 and 10,000 protected files, an empty per-syscall
# tracepoint, strace -f and audit -w; then an open/read/close mix with
# bpflab off and on; then nginx + wrk on loopback off / empty hook / bpflab.
# CPU time per call, medians. Env: ITERS (1000000), REPS (7), WEB_SECS (5,
# 0 skips nginx + wrk), BPFLAB, RESULTS.
set -u
cd "$(dirname "$0")/../.."
: "${BPFLAB:=$PWD/build/bpflab}" "${RESULTS:=$PWD/results/enforce-$(date -u +%Y%m%dT%H%M%SZ)}"
[ "$(id -u)" -eq 0 ] || { echo "enforce bench: needs root" >&2; exit 77; }
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-bench-enforce}
mkdir -p "$RESULTS"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs" | tee "$RESULTS/enforce.txt"
"$BPFLAB" bench enforce --iters "${ITERS:-1000000}" --reps "${REPS:-7}" --web-secs "${WEB_SECS:-5}" --out "$RESULTS" | tee -a "$RESULTS/enforce.txt"
rc=${PIPESTATUS[0]}
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$RESULTS/enforce.txt"
exit "$rc"
