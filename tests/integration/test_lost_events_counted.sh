#!/usr/bin/env bash
# When the engine cannot keep up, the ring buffer fills and records are lost:
# the loss is counted per module and reported by `bpflab status`, never silent.
# The engine is frozen (SIGSTOP) while an exec storm overflows its 4 MiB ring.
# timeout: 180
. "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_RUN_DIR=/run/bpflab-test-lost
trap 'kill -CONT $pid 2>/dev/null; "$BPFLAB" down >/dev/null 2>&1' EXIT
"$BPFLAB" engine --daemon --modules proc >/dev/null || fail "engine --daemon failed"
pid=$(cat "$BPFLAB_RUN_DIR/engine.lock")
lost() { "$BPFLAB" status --json | python3 -c 'import json,sys; print(sum(m.get("lost",0) for m in json.load(sys.stdin)["modules"] if m["name"]=="proc"))'; }
assert_eq "$(lost)" 0 "lost before the storm"
kill -STOP "$pid"
# ~1.2 KiB per process (exec + fork + exit): 6000 processes overflow 4 MiB
for i in $(seq 6000); do /bin/true; done
kill -CONT "$pid"
sleep 1
n=$(lost)
[ "$n" -gt 0 ] || fail "6000 execs into a frozen engine lost nothing?"
"$BPFLAB" status | grep -E '^proc ' || fail "status has no proc row"
echo "lost events reported: $n"
