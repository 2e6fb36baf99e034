#!/usr/bin/env bash
# `bpflab policy apply --sandbox VM FILE` outside a scenario: the engine
# forwards the TracingPolicy to that guest's agent, where BPF-LSM denies the
# write with EPERM; the denial comes back on the event stream with
# sandbox.kind "vm"; `policy list` shows the policy as the guest's and
# `policy delete` removes it (the same write then lands). A missing or
# non-vm sandbox is refused. A whole-syscall policy denies mount (sb_mount)
# and a write to a cgroup v1 release_agent mounted before it. The same guest
# proves `sandbox exec` stdin: a pipe reaches the guest's process byte for
# byte (300 kB, sha256).
# long
# timeout: 240
source "$(dirname "$0")/../lib.sh"
need_root
source "$(dirname "$0")/../helpers/vm.sh"
vm_prereqs
start_engine --modules enforce,vm # policy list asks the host's enforcer too

VM=vmpol-$$
POL=$(mktemp /tmp/bpflab-vmpol.XXXXXX.yaml)
EV=$(mktemp /tmp/bpflab-vmpol-ev.XXXXXX)
BIG=$(mktemp /tmp/bpflab-vmpol-big.XXXXXX)
trap 'rm -f "$POL" "$EV" "$BIG"; vm_cleanup' EXIT
cat >"$POL" <<'YAML'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "vmtest-protect-passwd"
spec:
  kprobes:
  - call: "security_file_permission"
    syscall: false
    args:
    - index: 0
      type: "file"
    - index: 1
      type: "int"
    selectors:
    - matchArgs:
      - index: 0
        operator: "Equal"
        values:
        - "/etc/passwd"
      matchActions:
      - action: Sigkill
YAML

# refused before anything boots: no such sandbox
out=$("$BPFLAB" policy apply --sandbox "no-such-$$" "$POL" 2>&1) &&
	fail "a missing sandbox was accepted: $out"
grep -q "no sandbox named" <<<"$out" || fail "unclear refusal: $out"

# and for a sandbox of another kind: matchSandboxes reaches those
"$BPFLAB" sandbox run --kind ns "$VM-ns" >/dev/null || fail "ns sandbox"
out=$("$BPFLAB" policy apply --sandbox "$VM-ns" "$POL" 2>&1) && fail "an ns sandbox was accepted: $out"
grep -q "kind ns" <<<"$out" || fail "unclear refusal: $out"
"$BPFLAB" sandbox rm "$VM-ns" >/dev/null || fail "rm the ns sandbox"

"$BPFLAB" sandbox run --kind vm "$VM" || fail "the vm did not boot"

# stdin: a pipe, byte for byte
[ "$(echo hi | "$BPFLAB" sandbox exec "$VM" -- cat)" = hi ] || fail "stdin did not reach the guest"
head -c 300000 /dev/urandom >"$BIG"
want=$(sha256sum <"$BIG" | cut -d' ' -f1)
got=$("$BPFLAB" sandbox exec "$VM" -- sha256sum <"$BIG" | cut -d' ' -f1)
[ "$want" = "$got" ] || fail "stdin bytes differ in the guest: $want vs $got"

out=$("$BPFLAB" policy apply --sandbox "$VM" "$POL") || fail "apply: $out"
grep -q "applied in vm $VM" <<<"$out" || fail "apply said: $out"
"$BPFLAB" policy list | grep -E "^vmtest-protect-passwd +enabled +enforce .*in vm $VM" ||
	fail "policy list: $("$BPFLAB" policy list)"

"$BPFLAB" events --sandbox "$VM" --type kprobe --count 1 --timeout 30s >"$EV" &
EVPID=$!
sleep 1
err=$("$BPFLAB" sandbox exec "$VM" -- sh -c 'echo evil >> /etc/passwd' 2>&1) &&
	fail "the write was not denied"
grep -q "Operation not permitted" <<<"$err" || fail "not EPERM: $err"
wait "$EVPID"
python3 - "$EV" "$VM" <<'PY' || fail "event: $(cat "$EV")"
import json, sys
e = json.loads(open(sys.argv[1]).readline())["process_kprobe"]
assert e["process"]["sandbox"] == {"name": sys.argv[2], "kind": "vm"}, e
assert e["policy_name"] == "vmtest-protect-passwd", e
assert e["action"] == "KPROBE_ACTION_OVERRIDE" and e["return"]["int_arg"] == -1, e
assert e["args"][0]["file_arg"]["path"] == "/etc/passwd", e
PY

out=$("$BPFLAB" policy delete vmtest-protect-passwd) || fail "delete: $out"
grep -q "deleted from vm $VM" <<<"$out" || fail "delete said: $out"
"$BPFLAB" policy list | grep -q vmtest-protect-passwd && fail "still listed after delete"
"$BPFLAB" sandbox exec "$VM" -- sh -c 'echo evil >> /etc/passwd && tail -1 /etc/passwd' |
	grep -qx evil || fail "the write still fails after delete"

# a whole-syscall policy (no argument match): mount is denied, and so is a
# write to an already mounted cgroup v1 release_agent (the escape's second
# step), each reported by the hook that acted
cat >"$POL" <<'YAML'
apiVersion: cilium.io/v1alpha1
kind: TracingPolicy
metadata:
  name: "vmtest-deny-mount"
spec:
  kprobes:
  - call: "sys_mount"
    syscall: true
    selectors:
    - matchActions:
      - action: Sigkill
YAML
"$BPFLAB" sandbox exec "$VM" -- sh -c 'mkdir -p /tmp/cg && mount -t cgroup -o none,name=bl-vmtest cgroup /tmp/cg' ||
	fail "mounting a cgroup v1 hierarchy before the policy"
"$BPFLAB" policy apply --sandbox "$VM" "$POL" >/dev/null || fail "apply the mount policy"
"$BPFLAB" events --sandbox "$VM" --type kprobe --count 2 --timeout 30s >"$EV" &
EVPID=$!
sleep 1
err=$("$BPFLAB" sandbox exec "$VM" -- sh -c 'echo /bin/true > /tmp/cg/release_agent' 2>&1) &&
	fail "the release_agent write was not denied"
grep -q "Operation not permitted" <<<"$err" || fail "release_agent: not EPERM: $err"
err=$("$BPFLAB" sandbox exec "$VM" -- mount -t tmpfs none /mnt 2>&1) && fail "the mount was not denied"
wait "$EVPID"
python3 - "$EV" <<'PY' || fail "events: $(cat "$EV")"
import json, sys
evs = [json.loads(l)["process_kprobe"] for l in open(sys.argv[1])]
assert len(evs) == 2, evs
ra, mnt = evs
assert ra["function_name"] == "security_file_open", ra
assert ra["args"][0]["file_arg"]["path"] == "release_agent", ra
assert mnt["function_name"] == "__x64_sys_mount" and mnt["bpflab"]["hook"] == "sb_mount", mnt
for e in evs:
    assert e["policy_name"] == "vmtest-deny-mount" and e["action"] == "KPROBE_ACTION_OVERRIDE", e
PY
"$BPFLAB" policy delete vmtest-deny-mount >/dev/null || fail "delete the mount policy"
"$BPFLAB" sandbox exec "$VM" -- umount /tmp/cg || fail "umount after delete"

"$BPFLAB" sandbox rm "$VM" || fail "sandbox rm"
stop_engine
vm_nothing_left
