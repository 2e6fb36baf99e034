#!/usr/bin/env bash
# `bpflab doctor --json` parses and agrees with what HOST.md measured on this
# host; the table names each gap's cost; nothing is left behind.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
# doctor journals the mounts it makes (lab scope): `down` puts them back
export BPFLAB_RUN_DIR=/run/bpflab-test-doctor
trap '"$BPFLAB" down >/dev/null 2>&1' EXIT
need_root
need_cmd python3
need_cmd bpftool

out=$("$BPFLAB" doctor --json 2>/tmp/bpflab-doctor-test.err)
rc=$?
[ $rc -eq 0 ] || fail "doctor --json exited $rc: $(cat /tmp/bpflab-doctor-test.err)"

# Every check has the documented members; statuses match HOST.md.
python3 - "$out" <<'PY' || fail "doctor --json disagrees with HOST.md"
import json, sys
d = json.loads(sys.argv[1])
checks = {c["name"]: c for c in d["checks"]}
for c in d["checks"]:
    for k in ("name", "ok", "status", "detail", "impact", "kind", "required"):
        assert k in c, f"{c.get('name')}: no '{k}'"
    assert c["status"] in ("yes", "no", "partial"), c
    assert c["ok"] == (c["status"] == "yes"), c
    assert c["ok"] or c["impact"], f"{c['name']}: missing feature without impact"
want = {
    "btf": "yes", "cgroup2": "yes", "tracefs": "yes", "securityfs": "yes",
    "tracepoint": "yes", "raw_tp": "yes", "tp_btf": "yes", "tc": "yes",
    "xdp": "yes", "cgroup_connect4": "yes", "cgroup_sendmsg4": "yes",
    "cgroup_sock_create": "yes", "cgroup_device": "yes", "ringbuf": "yes",
    "send_signal": "yes", "enable_stats": "yes",
    "kprobe": "no", "fentry": "no", "bpf_lsm": "no",
    "lockdown": "partial", "lsm_list": "yes",
}
bad = [f"{n}: want {s}, got {checks[n]['status']} ({checks[n]['detail']})"
       for n, s in want.items() if checks[n]["status"] != s]
assert not bad, "\n".join(bad)
# a "yes" program probe really ran; the signal probe saw its own signal
assert "ran" in checks["tc"]["detail"], checks["tc"]
assert "SIGUSR1" in checks["send_signal"]["detail"], checks["send_signal"]
assert "run_cnt" in checks["enable_stats"]["detail"], checks["enable_stats"]
s = d["summary"]
assert s["usable"] is True and s["missing"] is None, s
assert s["yes"] + s["partial"] + s["no"] == len(d["checks"]), s
for tool in ("runc", "containerd", "libvirtd", "qemu-system-x86_64",
             "iptables-legacy", "iptables-nft", "nft", "nginx", "mariadbd",
             "strace", "auditctl", "wrk"):
    assert checks[tool]["kind"] == "tool", tool
print("json ok:", s)
PY

# The table says what each gap costs.
table=$("$BPFLAB" doctor) || fail "doctor exited $?"
assert_contains "$table" "BPF-LSM  *no  *file deny falls back to kill-before-write"
assert_contains "$table" "kprobe  *no  *Tetragon kprobe policies map onto syscall tracepoints"
assert_contains "$table" "bpf_send_signal  *yes"
assert_contains "$table" "This host can run bpflab."

# -q: silent, exit status answers
quiet=$("$BPFLAB" doctor -q 2>&1)
assert_eq "$?" 0 "doctor -q exit"
assert_eq "$quiet" "" "doctor -q output"

help=$("$BPFLAB" doctor --help)
for s in SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES; do
	assert_contains "$help" "$s"
done

# Nothing of the doctor's is left: programs, cgroups, namespaces, journal.
# the kernel frees a closed program after an RCU grace period: allow for it
no_doctor_progs() { ! bpftool prog show 2>/dev/null | grep -q 'name bl_dr_'; }
WAIT_SECS=5 wait_for no_doctor_progs ||
	fail "doctor programs left loaded: $(bpftool prog show | grep 'name bl_dr_')"
cgs=$(find /sys/fs/cgroup/unified -maxdepth 1 -name 'bpflab-doctor*' 2>/dev/null)
[ -z "$cgs" ] || fail "doctor cgroups left: $cgs"
# its netns is anonymous; other engineers' namespaces come and go meanwhile
ns=$(ip netns list 2>/dev/null | grep -i doctor)
[ -z "$ns" ] || fail "doctor network namespaces left: $ns"
journal=${BPFLAB_RUN_DIR:-/run/bpflab}/journal
if [ -f "$journal" ]; then
	live=$(awk '$2=="done"{done[$1]=1; next} {kind[$1]=$0} END{for (s in kind) if (!done[s]) print kind[s]}' "$journal" | grep 'bpflab-doctor')
	[ -z "$live" ] || fail "doctor cgroup still live in the journal: $live"
fi
left=$(leftovers | grep -Ei 'doctor|bl_dr_')
[ -z "$left" ] || fail "leftovers: $left"
exit 0
