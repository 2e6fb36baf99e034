#!/usr/bin/env bash
# Scenario container-escape in a vm sandbox, both modes, one guest each.
# Enforce: the guest's BPF-LSM fails mount (sb_mount), setns (capable:
# 6.1 has no setns hook), the cgroup v1 mount of the release_agent chain,
# the module load and shocker's open_by_handle_at with EPERM; every attacker
# lives, the guest's mount table has no /mnt/host, and each denial reaches
# the host's event stream as a process_kprobe naming the syscall, the hook
# that acted and sandbox.kind "vm". Monitor: the same calls succeed (the
# bind mount is read through, nsenter and shocker exit 0) and are reported
# at sys_exit. Nothing is left.
# long
# timeout: 300
source "$(dirname "$0")/../lib.sh"
need_root
source "$(dirname "$0")/../helpers/vm.sh"
vm_prereqs
vm_start_engine

for mode in enforce monitor; do
	out=$("$BPFLAB" scenario run --json --mode $mode --sandbox vm container-escape) ||
		fail "$mode: scenario did not pass: $out $(tail -20 "$ENGINE_LOG")"
	python3 - "$mode" "$out" <<'PY' || fail "$mode report: $out"
import json, sys
mode, r = sys.argv[1], json.loads(sys.argv[2])
assert r["verdict"] == "PASS" and r["sandbox"] == "vm", r
checks = r["checks"]
events = [c["evidence"]["event"]["process_kprobe"] for c in checks
          if c["check"].startswith("an event from policy")]
funcs = {e["function_name"] for e in events}
for e in events:
    assert e["process"]["sandbox"]["kind"] == "vm", e
    assert e["policy_name"] == "lab-deny-escape", e
if mode == "enforce":
    denied = [c for c in checks if c["check"].startswith("denied with EPERM")]
    # mount-disk, nsenter, kmod, shocker: the attacker lived, its call failed
    assert len(denied) == 4, checks
    for c in denied:
        assert "signal" not in c["evidence"], c
        assert "not permitted" in c["evidence"]["stderr"] or \
            "permission denied" in c["evidence"]["stderr"], c
    for e in events:
        assert e["action"] == "KPROBE_ACTION_OVERRIDE", e
        assert e["bpflab"]["mechanism"] == "bpf-lsm", e
    hooks = {e["function_name"]: e["bpflab"]["hook"] for e in events}
    assert hooks.get("__x64_sys_mount") == "sb_mount", hooks
    assert hooks.get("__x64_sys_setns") == "capable", hooks
    assert hooks.get("__x64_sys_open_by_handle_at") == "capable", hooks
    assert any(f in funcs for f in ("__x64_sys_finit_module", "__x64_sys_init_module")), funcs
    assert any("no /mnt/host" in c["check"] for c in checks), checks
else:
    ok = [c for c in checks if c["check"].startswith("exited 0")]
    assert len(ok) == 2, checks  # nsenter and shocker got through
    assert any(c["check"].startswith("monitor: the root file system was mounted")
               for c in checks), checks
    for e in events:
        assert e["action"] == "KPROBE_ACTION_POST", e
        assert e["bpflab"]["hook"] == "sys_exit", e
assert len(events) == 5, events
print("container-escape in vm,", mode + ":", r["duration_ms"], "ms")
PY
done
stop_engine
vm_nothing_left
