#!/usr/bin/env bash
# The runc kind: a generated OCI bundle run detached, in the cgroup bpflab
# names (/sys/fs/cgroup/unified/bpflab/NAME, id = its inode), entered with
# `sandbox exec`, writing only to its overlay; `rm` leaves no container,
# mount, cgroup (v1 or v2) or state behind. Runs where runc is installed.
# timeout: 90
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd runc
name=t-runc-$$ priv=t-runcp-$$
run_dir=${BPFLAB_RUN_DIR:-/run/bpflab}
cg=/sys/fs/cgroup/unified/bpflab/$name
trap '"$BPFLAB" sandbox rm "$name" >/dev/null 2>&1; "$BPFLAB" sandbox rm "$priv" >/dev/null 2>&1' EXIT

"$BPFLAB" sandbox run --kind runc --label app=db "$name" >/dev/null || fail "runc sandbox run"
json=$("$BPFLAB" sandbox list --json)
assert_contains "$json" "\"name\":\"$name\",\"kind\":\"runc\"" "listed as runc"
cgid=$(python3 -c 'import json,sys; print([s for s in json.load(sys.stdin) if s["name"]==sys.argv[1]][0]["cgroup_id"])' "$name" <<<"$json")
assert_eq "$(stat -c %i "$cg")" "$cgid" "cgroup id is the inode of the unified dir"
runc --root "$run_dir/runc" list | grep -q "^$name .*running" || fail "runc does not list it running"

inside=$("$BPFLAB" sandbox exec "$name" -- sh -c 'hostname; grep "^0::" /proc/self/cgroup; ls /sys/class/net | tr "\n" " "')
assert_contains "$inside" "^$name\$" "uts"
assert_contains "$inside" "^0::/\$" "cgroup namespace"
assert_contains "$inside" "^lo \$" "own netns"
"$BPFLAB" sandbox exec "$name" -- sh -c 'exit 5'
assert_eq "$?" 5 "exit code through runc sandbox"
"$BPFLAB" sandbox exec "$name" -- sh -c 'echo x >> /etc/passwd' || fail "write"
grep -q '^x$' /var/lib/bpflab/rootfs/busybox/etc/passwd && fail "base rootfs touched"

# privileged: every capability we hold
"$BPFLAB" sandbox run --kind runc --privileged "$priv" >/dev/null || fail "privileged runc"
"$BPFLAB" sandbox exec "$priv" -- sh -c 'grep -q "CapEff:.*fffff" /proc/self/status' || fail "privileged runc lacks caps"
"$BPFLAB" sandbox exec "$name" -- sh -c 'grep -q "CapEff:.*fffff" /proc/self/status' && fail "plain runc has all caps"

"$BPFLAB" sandbox rm "$name" && "$BPFLAB" sandbox rm "$priv" || fail "rm"
trap - EXIT
runc --root "$run_dir/runc" list | grep -qE "^($name|$priv) " && fail "runc still has the container"
mount | grep -qE "$name|$priv" && fail "overlay mount left"
[ ! -d "$cg" ] || fail "cgroup left"
for d in /sys/fs/cgroup/*/bpflab/"$name"; do [ ! -d "$d" ] || fail "v1 cgroup $d left"; done
left=$(leftovers | grep -E -- "$name|$priv")
[ -z "$left" ] || fail "leftovers: $left"
echo ok
