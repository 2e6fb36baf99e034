#!/usr/bin/env bash
# A non-root `bpflab doctor` stops at once: exit 4, a message naming root,
# no cgroup made.
# timeout: 30
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd setpriv

err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$BPFLAB" doctor --json 2>&1 >/dev/null)
rc=$?
assert_eq "$rc" 4 "exit status as nobody"
assert_contains "$err" "root"
cgs=$(find /sys/fs/cgroup/unified -maxdepth 1 -name 'bpflab-doctor*' 2>/dev/null)
[ -z "$cgs" ] || fail "cgroup created by a non-root run: $cgs"
exit 0
