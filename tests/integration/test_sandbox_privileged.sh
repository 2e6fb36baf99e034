#!/usr/bin/env bash
# --privileged is what the escape drills need (host /dev, writable cgroup2,
# capabilities); a plain sandbox has none of it.
# timeout: 60
source "$(dirname "$0")/../lib.sh"
need_root
plain=t-plain-$$ priv=t-priv-$$
trap '"$BPFLAB" sandbox rm "$plain" >/dev/null 2>&1; "$BPFLAB" sandbox rm "$priv" >/dev/null 2>&1' EXIT
"$BPFLAB" sandbox run "$plain" >/dev/null || fail "run plain"
"$BPFLAB" sandbox run --privileged "$priv" >/dev/null || fail "run privileged"
assert_contains "$("$BPFLAB" sandbox list --json)" '"privileged":true' "state records the flag"

# /dev: a handful of nodes vs the host's devices
n_plain=$("$BPFLAB" sandbox exec "$plain" -- sh -c 'ls /dev | wc -l')
n_priv=$("$BPFLAB" sandbox exec "$priv" -- sh -c 'ls /dev | wc -l')
[ "$n_plain" -lt 12 ] || fail "plain sandbox sees $n_plain /dev entries"
[ "$n_priv" -gt "$n_plain" ] || fail "privileged sandbox does not see the host's /dev"
# sysfs read-only vs cgroup2 mounted read-write
"$BPFLAB" sandbox exec "$plain" -- sh -c 'grep -q " /sys sysfs ro," /proc/mounts' || fail "plain /sys is not read-only"
"$BPFLAB" sandbox exec "$plain" -- sh -c 'grep -q cgroup2 /proc/mounts' && fail "plain sandbox has cgroupfs"
"$BPFLAB" sandbox exec "$priv" -- sh -c 'grep -q " /sys/fs/cgroup cgroup2 rw" /proc/mounts' || fail "privileged lacks a rw cgroup2"
# the cgroup namespace still hides the host hierarchy: its root is its own cgroup
"$BPFLAB" sandbox exec "$priv" -- sh -c 'mkdir /sys/fs/cgroup/sub && rmdir /sys/fs/cgroup/sub' || fail "privileged cannot manage its cgroup"
[ -z "$(ls /sys/fs/cgroup/unified/bpflab/$priv | grep -x sub)" ] || fail "sub cgroup leaked"
"$BPFLAB" sandbox rm "$plain" && "$BPFLAB" sandbox rm "$priv" || fail "rm"
trap - EXIT
left=$(leftovers | grep -E -- "$plain|$priv")
[ -z "$left" ] || fail "leftovers: $left"
echo ok
