#!/usr/bin/env bash
# The containerd kind: bpflab starts its own containerd (private config,
# root, state and socket under the run dir), imports the busybox base as a
# locally built OCI tarball (no registry), runs the sandbox in the cgroup it
# names, and stops that containerd with its last sandbox. Nothing is left:
# no daemon, container, snapshot mount, cgroup (v1 or v2) or state.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd containerd
need_cmd ctr
run_dir=${BPFLAB_RUN_DIR:-/run/bpflab}
a=t-ctd-$$ b=t-ctdp-$$
trap '"$BPFLAB" sandbox rm "$a" >/dev/null 2>&1; "$BPFLAB" sandbox rm "$b" >/dev/null 2>&1' EXIT

"$BPFLAB" sandbox run --kind containerd --label app=db "$a" >/dev/null || fail "containerd sandbox run"
sock=$run_dir/containerd/containerd.sock
[ -S "$sock" ] || fail "no private containerd socket at $sock"
grep -q 'io.containerd.grpc.v1.cri' "$run_dir/containerd/config.toml" || fail "private config missing"
ctr --address "$sock" -n bpflab images ls -q | grep -qx 'bpflab/busybox:1' || fail "local image not imported"
ctr --address "$sock" -n bpflab task ls | grep -q "^$a .*RUNNING" || fail "task not running"
cgid=$("$BPFLAB" sandbox list --json | python3 -c 'import json,sys; print([s for s in json.load(sys.stdin) if s["name"]==sys.argv[1]][0]["cgroup_id"])' "$a")
assert_eq "$(stat -c %i "/sys/fs/cgroup/unified/bpflab/$a")" "$cgid" "cgroup id"

inside=$("$BPFLAB" sandbox exec "$a" -- sh -c 'hostname; ls /sys/class/net | tr "\n" " "')
assert_contains "$inside" "^$a\$" "hostname"
assert_contains "$inside" "^lo \$" "own netns"
"$BPFLAB" sandbox exec "$a" -- sh -c 'exit 9'
assert_eq "$?" 9 "exit code"
"$BPFLAB" sandbox run --kind containerd --privileged "$b" >/dev/null || fail "privileged containerd sandbox"
"$BPFLAB" sandbox exec "$b" -- grep -q 'CapEff:.*fffff' /proc/self/status || fail "privileged lacks caps"

daemon=$(cut -d' ' -f1 "$run_dir/containerd/daemon")
"$BPFLAB" sandbox rm "$a" || fail "rm $a"
kill -0 "$daemon" 2>/dev/null || fail "containerd stopped while $b still runs"
"$BPFLAB" sandbox rm "$b" || fail "rm $b"
trap - EXIT
sleep 0.5
kill -0 "$daemon" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$daemon/status" && fail "containerd $daemon left running"
[ ! -e "$run_dir/containerd" ] || fail "containerd state dir left"
mount | grep -q "$run_dir/containerd" && fail "snapshot mount left"
for d in /sys/fs/cgroup/*/bpflab/"$a" /sys/fs/cgroup/*/bpflab/"$b"; do [ ! -d "$d" ] || fail "cgroup $d left"; done
left=$(leftovers | grep -E -- "$a|$b")
[ -z "$left" ] || fail "leftovers: $left"
echo ok
