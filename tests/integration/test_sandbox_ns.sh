#!/usr/bin/env bash
# An ns sandbox is isolated (pid, net, uts, mount, cgroup), sits in its own
# cgroup v2 directory, writes only to its overlay, passes exit codes and
# signals through `sandbox exec`, outlives the CLI, and `rm` leaves nothing.
# timeout: 60
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd busybox
name=t-ns-$$
cg=/sys/fs/cgroup/unified/bpflab/$name
base=/var/lib/bpflab/rootfs/busybox
trap '"$BPFLAB" sandbox rm "$name" >/dev/null 2>&1' EXIT

out=$("$BPFLAB" sandbox run --label app=web --label tier=front "$name") || fail "sandbox run: $out"
assert_eq "$out" "$name" "run prints the name"

# it outlived the CLI: pid 1 is running, in its cgroup, cgroup id = inode
json=$("$BPFLAB" sandbox list --json)
pid=$(python3 -c 'import json,sys; print([s for s in json.load(sys.stdin) if s["name"]==sys.argv[1]][0]["init_pid"])' "$name" <<<"$json")
cgid=$(python3 -c 'import json,sys; print([s for s in json.load(sys.stdin) if s["name"]==sys.argv[1]][0]["cgroup_id"])' "$name" <<<"$json")
assert_contains "$json" '"app":"web"' "user label"
assert_contains "$json" '"bpflab.kind":"ns"' "kind label"
kill -0 "$pid" || fail "init $pid is not running"
assert_eq "$(stat -c %i "$cg")" "$cgid" "cgroup id is the inode of its directory"
grep -qx "$pid" "$cg/cgroup.procs" || fail "init is not in $cg"
assert_contains "$("$BPFLAB" sandbox list)" "$name" "table lists it"

# namespaces: own pid 1, hostname, only lo, cgroup root
inside=$("$BPFLAB" sandbox exec "$name" -- sh -c 'hostname; cat /proc/1/comm; ls /sys/class/net | tr "\n" " "; echo; cat /proc/self/cgroup | grep "^0::"')
assert_contains "$inside" "^$name\$" "uts namespace"
assert_contains "$inside" "bpflab-init" "pid namespace: pid 1 is the sandbox init"
assert_contains "$inside" "^lo \$" "network namespace holds only lo"
assert_contains "$inside" "^0::/\$" "cgroup namespace rooted at its cgroup"
[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ] || fail "shares the host netns"
# a process started with exec joins the sandbox cgroup
n_before=$(wc -l <"$cg/cgroup.procs")
"$BPFLAB" sandbox exec "$name" -- sh -c "sleep 0.3" &
sleep 0.15
[ "$(wc -l <"$cg/cgroup.procs")" -gt "$n_before" ] || fail "exec'd process not in the sandbox cgroup"
wait

# a plain sandbox keeps docker's default capabilities only: no mount
"$BPFLAB" sandbox exec "$name" -- mount -t tmpfs none /mnt 2>/dev/null && fail "plain sandbox can mount"

# exit codes and signals pass through
"$BPFLAB" sandbox exec "$name" -- sh -c 'exit 7'
assert_eq "$?" 7 "exit code propagated"
"$BPFLAB" sandbox exec "$name" -- sh -c 'kill -9 $$'
assert_eq "$?" 137 "SIGKILL shows as 128+9"
"$BPFLAB" sandbox exec "$name" -- /no/such/binary 2>/dev/null
assert_eq "$?" 127 "missing command is 127"
echo hello | "$BPFLAB" sandbox exec "$name" -- sh -c 'read x; echo got-$x' | grep -q got-hello || fail "stdin not passed through"

# the overlay: writes land in the sandbox, never in the base
before=$(sha256sum "$base/etc/passwd")
"$BPFLAB" sandbox exec "$name" -- sh -c 'echo evil:x:0:0::/:/bin/sh >> /etc/passwd' || fail "write in sandbox"
"$BPFLAB" sandbox exec "$name" -- grep -q evil /etc/passwd || fail "the sandbox does not see its write"
assert_eq "$(sha256sum "$base/etc/passwd")" "$before" "base rootfs untouched"
grep -q evil /etc/passwd && fail "host /etc/passwd touched"

# remove: process, cgroup, state and scratch are gone, the journal released
"$BPFLAB" sandbox rm "$name" || fail "sandbox rm"
trap - EXIT
kill -0 "$pid" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$pid/status" && fail "init $pid survived rm"
[ ! -d "$cg" ] || fail "cgroup $cg left behind"
[ ! -e "${BPFLAB_RUN_DIR:-/run/bpflab}/sandboxes/$name.json" ] || fail "state file left"
[ ! -e "${BPFLAB_RUN_DIR:-/run/bpflab}/sandboxes/$name.d" ] || fail "scratch dir left"
assert_not_contains "$("$BPFLAB" sandbox list)" "$name" "still listed"
left=$(leftovers | grep -- "$name")
[ -z "$left" ] || fail "leftovers: $left"
echo "ok"
