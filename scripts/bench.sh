#!/usr/bin/env bash
# `make bench`: every benchmark in scripts/bench/*.sh, side by side in one run.
# Results land in results/<timestamp>/; figures are copied into docs by hand
# with the command that produced them (docs/benchmarks.md).
set -u
cd "$(dirname "$0")/.."
export BPFLAB=${BPFLAB:-$PWD/build/bpflab}
export RESULTS=${RESULTS:-$PWD/results/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$RESULTS"
[ "$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null)" = 1 ] &&
	echo "warning: kernel.bpf_stats_enabled is on: it adds ~50 ns per program run" >&2
rc=0
for b in scripts/bench/*.sh; do
	[ -f "$b" ] || continue
	[ -n "${BENCH:-}" ] && [[ "$b" != *"$BENCH"* ]] && continue
	echo "== $(basename "$b" .sh) =="
	bash "$b" || rc=1
done
echo "results: $RESULTS"
exit $rc
