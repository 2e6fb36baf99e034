#!/usr/bin/env bash
# Scenario passwd-write in a vm sandbox in monitor mode: the policy only
# reports, so every write lands in the guest (its /etc/passwd's sha256
# changes, each writer exits 0) and every one is reported to the host as a
# process_kprobe from the guest with action KPROBE_ACTION_POST. This is the
# proof that the enforce-mode test's checks are able to fail.
# long
# timeout: 300
source "$(dirname "$0")/../lib.sh"
need_root
source "$(dirname "$0")/../helpers/vm.sh"
vm_prereqs
vm_start_engine

out=$("$BPFLAB" scenario run --json --mode monitor --sandbox vm passwd-write) ||
	fail "scenario did not pass: $out"
python3 - "$out" <<'PY' || fail "report: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "PASS" and r["mode"] == "monitor", r
checks = r["checks"]
changed = [c for c in checks if c["check"].startswith("/etc/passwd changed")]
exited = [c for c in checks if c["check"].startswith("exited 0")]
events = [c["evidence"]["event"]["process_kprobe"] for c in checks
          if c["check"].startswith("an event from policy")]
assert len(changed) == 4 and len(exited) == 4 and len(events) == 4, checks
for c in changed:
    assert c["evidence"]["sha256_before"] != c["evidence"]["sha256_after"], c
for e in events:
    assert e["action"] == "KPROBE_ACTION_POST" and e["return"]["int_arg"] == 0, e
    assert e["process"]["sandbox"]["kind"] == "vm", e
PY
stop_engine
vm_nothing_left
