#!/usr/bin/env bash
# Scenario c2-connect in a vm sandbox, both modes. The guest's tap (made by
# libvirt) is moved into the C2 host's own network namespace, so the guest's
# eth0 reaches 198.18.66.1 over one link and nothing is on the host's
# network. Enforce: the guest's BPF-LSM socket_connect hook fails each
# implant's connect() with EPERM (bash /dev/tcp, nc, wget), the C2 sees zero
# connections, and each denial is a process_kprobe on the host with
# sandbox.kind "vm". Monitor: all three beacons reach the C2 (the link
# works, so the enforce checks can fail) and each is reported. Afterwards
# no tap, namespace, domain or libvirtd is left.
# long
# timeout: 300
source "$(dirname "$0")/../lib.sh"
need_root
source "$(dirname "$0")/../helpers/vm.sh"
vm_prereqs
vm_start_engine

out=$("$BPFLAB" scenario run --json --mode enforce --sandbox vm c2-connect) ||
	fail "enforce: $out"
python3 - "$out" <<'PY' || fail "enforce report: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "PASS", r
checks = r["checks"]
assert any(c["check"].startswith("no connection") and c["ok"] for c in checks), checks
assert sum(c["check"].startswith("denied with EPERM") for c in checks) == 3, checks
for c in checks:
    ev = c["evidence"].get("event", {}).get("process_kprobe")
    if ev:
        assert ev["function_name"] == "security_socket_connect", ev
        assert ev["args"][0]["sockaddr_arg"]["addr"] == "198.18.66.1", ev
        assert ev["bpflab"]["mechanism"] == "bpf-lsm", ev
        assert ev["process"]["sandbox"]["kind"] == "vm", ev
PY
out=$("$BPFLAB" scenario run --json --mode monitor --sandbox vm c2-connect) ||
	fail "monitor: $out"
python3 - "$out" <<'PY' || fail "monitor report: $out"
import json, sys
r = json.loads(sys.argv[1])
assert r["verdict"] == "PASS", r
assert any("saw 3" in c["check"] for c in r["checks"]), r["checks"]
PY
stop_engine
# the guest's tap, named as vm_tap_name() does: FNV-1a of "<run dir>/<name>"
tap=$(python3 -c 'import sys
h = 2166136261
for c in sys.argv[1].encode(): h = ((h ^ c) * 16777619) % 2**32
print("bl-vt-%08x" % h)' "$BPFLAB_RUN_DIR/bl-c2-victim")
! ip link show "$tap" >/dev/null 2>&1 || fail "the guest's tap $tap is left"
vm_nothing_left
