#!/usr/bin/env bash
# kill -9 the engine: its programs die with it (bpf_link), and the next start
# removes what the journal says the dead engine left (mounts, cgroups, netns).
# After `bpflab down` nothing from bpflab remains.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd bpftool
export BPFLAB_RUN_DIR=/run/bpflab-test-crash
trap '"$BPFLAB" down >/dev/null 2>&1' EXIT
mounted_before=$(grep -cE ' /sys/kernel/tracing | /sys/fs/bpf ' /proc/mounts)

"$BPFLAB" engine --daemon --modules all >/dev/null || fail "engine --daemon failed"
pid=$(cat "$BPFLAB_RUN_DIR/engine.lock")
# the programs this engine holds, from its fds (other bpflab processes may
# run alongside, and bpftool 7.1 cannot tell owners)
ids=$(cat /proc/"$pid"/fdinfo/* 2>/dev/null | awk '/^prog_id:/{print $2}' | sort -u)
[ -n "$ids" ] || fail "no bl_ programs loaded"
# a resource the engine owns, recorded the way a module records it (a line in
# the engine scope), with a live process inside so removal has to kill it
cg=/sys/fs/cgroup/unified/bpflab-crash-test
mkdir -p "$cg"
sleep 300 &
echo $! >"$cg/cgroup.procs"
echo "1000 engine/cgroup $cg" >>"$BPFLAB_RUN_DIR/journal"
"$BPFLAB" status >/dev/null || fail "status before crash"
kill -9 "$pid"
sleep 0.5
for id in $ids; do
	bpftool prog show id "$id" >/dev/null 2>&1 && fail "program $id outlived the engine"
done
[ -d "$cg" ] || fail "test setup: cgroup vanished too early"

"$BPFLAB" engine --daemon >/dev/null || fail "restart after crash failed"
[ -d "$cg" ] && fail "the restarted engine did not remove the crashed engine's cgroup"
"$BPFLAB" down >/dev/null || fail "down failed"
lo=$(leftovers) || fail "leftovers after down: $lo"
[ ! -e "$BPFLAB_RUN_DIR" ] || fail "$BPFLAB_RUN_DIR still exists after down"
mounted_after=$(grep -cE ' /sys/kernel/tracing | /sys/fs/bpf ' /proc/mounts)
assert_eq "$mounted_after" "$mounted_before" "bpffs/tracefs mounts not as found"
