#!/usr/bin/env bash
# With /sys/kernel/btf hidden (a tmpfs over it in a private mount namespace)
# the doctor reports BTF missing, exits 5 with a message naming BTF, and
# cleans up as usual.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd unshare
need_cmd python3
[ -e /sys/kernel/btf/vmlinux ] || skip "this host has no BTF to hide"

# Mount tracefs/securityfs on the host first (journaled in the caller's
# journal), so the private namespace below inherits them and mounts nothing.
# doctor journals the mounts it makes (lab scope): `down` puts them back
export BPFLAB_RUN_DIR=/run/bpflab-test-doctor5
trap '"$BPFLAB" down >/dev/null 2>&1' EXIT
"$BPFLAB" doctor -q || fail "doctor on the host exited $?"

run_dir=$(mktemp -d /run/bpflab-doctor-nobtf.XXXXXX)
trap 'rm -rf "$run_dir"; "$BPFLAB" down >/dev/null 2>&1' EXIT
out=$(BPFLAB_RUN_DIR=$run_dir unshare --mount --propagation private sh -c \
	'mount -t tmpfs bpflab-nobtf /sys/kernel/btf && exec "$0" doctor --json' \
	"$BPFLAB" 2>"$run_dir/err")
rc=$?
assert_eq "$rc" 5 "exit status without BTF"
assert_contains "$(cat "$run_dir/err")" "BTF is missing"
python3 - "$out" <<'PY' || fail "JSON without BTF is wrong"
import json, sys
d = json.loads(sys.argv[1])
c = {c["name"]: c for c in d["checks"]}
assert c["btf"]["status"] == "no", c["btf"]
assert c["btf"]["required"] is True
assert d["summary"]["usable"] is False
assert "BTF" in d["summary"]["missing"], d["summary"]
PY
[ -e /sys/kernel/btf/vmlinux ] || fail "the host lost its BTF view"
if [ -f "$run_dir/journal" ]; then
	grep -q ' mount ' "$run_dir/journal" && fail "mounted inside the private namespace: $(cat "$run_dir/journal")"
fi
# the kernel frees a closed program after an RCU grace period: allow for it
no_doctor_progs() { ! bpftool prog show 2>/dev/null | grep -q 'name bl_dr_'; }
WAIT_SECS=5 wait_for no_doctor_progs ||
	fail "doctor programs left loaded: $(bpftool prog show | grep 'name bl_dr_')"
cgs=$(find /sys/fs/cgroup/unified -maxdepth 1 -name 'bpflab-doctor*' 2>/dev/null)
[ -z "$cgs" ] || fail "doctor cgroups left: $cgs"
exit 0
