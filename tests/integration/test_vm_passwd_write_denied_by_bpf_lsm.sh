#!/usr/bin/env bash
# Scenario passwd-write in vm sandboxes (libvirt, QEMU TCG, Debian's kernel,
# the guest agent enforcing with BPF-LSM), enforce mode. Each guest's own
# /etc/passwd keeps its sha256 through an append, `sed -i` (a rename over
# it), a truncating rewrite and shadow's useradd; each writer fails with
# EPERM and lives (LSM denies before the operation, nothing is killed);
# each denial reaches the
# host engine's event stream as a process_kprobe with sandbox.kind "vm" and
# mechanism "bpf-lsm". Afterwards no domain, qemu, libvirtd, relay or
# scratch directory is left. The kernel package is fetched with apt-get
# download when /var/lib/bpflab/vm has none yet (allow for it in the limit).
# timeout: 300
source "$(dirname "$0")/../lib.sh"
need_root
source "$(dirname "$0")/../helpers/vm.sh"
vm_prereqs
vm_start_engine

out=$("$BPFLAB" scenario run --json --mode enforce --sandbox vm passwd-write) ||
	fail "scenario did not pass: $out $(tail -20 "$ENGINE_LOG")"
python3 - "$out" <<'PY' || fail "report: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "PASS" and r["sandbox"] == "vm", r
checks = r["checks"]
denied = [c for c in checks if c["check"].startswith("denied with EPERM")]
unchanged = [c for c in checks if "unchanged" in c["check"]]
events = [c["evidence"]["event"]["process_kprobe"] for c in checks
          if c["check"].startswith("an event from policy")]
useradd = [c for c in checks if c["check"].startswith("useradd failed")]
assert len(denied) == 3 and len(useradd) == 1, checks
assert len(unchanged) == 4 and len(events) == 4, checks
for c in denied:
    assert "not permitted" in c["evidence"]["stderr"], c
    assert "signal" not in c["evidence"], c  # it lived: denied, not killed
for c in unchanged:
    e = c["evidence"]
    assert e["sha256_before"] == e["sha256_after"], e
for e in events:
    assert e["process"]["sandbox"]["kind"] == "vm", e
    assert e["bpflab"]["mechanism"] == "bpf-lsm", e
    assert e["action"] == "KPROBE_ACTION_OVERRIDE" and e["return"]["int_arg"] == -1, e
print("passwd-write in vm:", r["duration_ms"], "ms")
PY
stop_engine
vm_nothing_left
