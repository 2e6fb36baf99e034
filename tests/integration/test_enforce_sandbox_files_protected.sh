#!/usr/bin/env bash
# timeout: 180
# A sandbox's own /etc/passwd (its overlayfs inode, not the host's) is
# protected: the (dev, ino) the engine resolves through /proc/<init>/root
# equals what the kernel hook reads from file->f_inode for a file opened
# inside the sandbox; an append, `: >` and `sed -i` inside it are SIGKILLed
# and lose no byte; a sandbox started after the policy was applied is
# protected too; the host's /etc/passwd (outside the policy's sandbox
# scope) gets no immutable flag, and none is left after delete.
# With MODE=monitor the same writes land and are posted (the test can fail).
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/policies.sh"
need_root
need_cmd lsattr
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-enforce}
MODE=${MODE:-enforce}
A=enf-sbx-early
B=enf-sbx-late
dir=$(mktemp -d /tmp/bl-enforce-sbx.XXXXXX)
EVENTS_PID=
cleanup() {
	[ -n "$EVENTS_PID" ] && kill "$EVENTS_PID" 2>/dev/null
	"$BPFLAB" policy delete enf-sbx-passwd >/dev/null 2>&1
	"$BPFLAB" policy delete enf-sbx-group >/dev/null 2>&1
	"$BPFLAB" sandbox rm "$A" >/dev/null 2>&1
	"$BPFLAB" sandbox rm "$B" >/dev/null 2>&1
	stop_engine
	rm -rf "$dir"
}
trap cleanup EXIT

ENGINE_LOG=$dir/engine.log start_engine --modules proc,enforce
"$BPFLAB" sandbox run "$A" >/dev/null || fail "sandbox $A did not start"
pid_of() { "$BPFLAB" sandbox list --json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["name"] == sys.argv[1]: print(s["init_pid"])' "$1"; }
p=$(pid_of "$A")
# user space's view: (ino, kernel dev) of A's /etc/passwd through its root
want="$(stat -c %i "/proc/$p/root/etc/passwd") $(python3 -c '
import os, sys
d = os.stat(sys.argv[1]).st_dev
print((os.major(d) << 20) | os.minor(d))' "/proc/$p/root/etc/passwd")"
# a writer that opened the file before the policy existed: its write() is
# judged by the kernel's file->f_inode alone
"$BPFLAB" sandbox exec "$A" -- sh -c 'exec 3>>/etc/passwd; sleep 3; echo evil:x:0:0::/:/bin/sh >&3' \
	>/dev/null 2>&1 &
HOLDER=$!
sleep 1
file_write_policy --in-sandboxes enf-sbx-passwd "$MODE" Equal /etc/passwd >"$dir/policy.yaml"
"$BPFLAB" policy apply "$dir/policy.yaml" || fail "apply failed"
"$BPFLAB" events -o json --type kprobe --timeout 150s >"$dir/events.json" 2>&1 &
EVENTS_PID=$!
sleep 0.5

# a sandbox that appears after the policy: the engine must pick it up
"$BPFLAB" sandbox run "$B" >/dev/null || fail "sandbox $B did not start"
sleep 0.5

sum_in() { sha256sum "/proc/$(pid_of "$1")/root/etc/passwd" | cut -d' ' -f1; }

declare -A status changed
pre=$(sum_in "$A")
wait "$HOLDER"
status[$A/fd-before-policy]=$?
[ "$pre" = "$(sum_in "$A")" ] || changed[$A/fd-before-policy]=1
echo "attack $A/fd-before-policy: exit ${status[$A/fd-before-policy]}${changed[$A/fd-before-policy]:+, bytes changed}"
attack() { # sandbox name command
	local pre
	pre=$(sum_in "$1")
	"$BPFLAB" sandbox exec "$1" -- sh -c "$3" >/dev/null 2>&1
	status[$1/$2]=$?
	[ "$pre" = "$(sum_in "$1")" ] || changed[$1/$2]=1
	echo "attack $1/$2: exit ${status[$1/$2]}${changed[$1/$2]:+, bytes changed}"
}
for sb in "$A" "$B"; do
	# the fd write: the kernel's f_inode of the sandbox's file goes in the event
	attack "$sb" fd-append 'exec 3>>/etc/passwd; echo evil:x:0:0::/:/bin/sh >&3'
	attack "$sb" truncate ': > /etc/passwd'
	attack "$sb" sed-i "sed -i 's/root/toor/' /etc/passwd"
done

# the lease layer alone, on a sandbox's file: a selector that spares other
# binaries (matchBinaries In) gets no immutable flag, so `: >` (O_TRUNC)
# must be stopped by the read lease the engine holds through /proc/<init>/root
sed -e 's/enf-sbx-passwd/enf-sbx-group/' -e 's|"/etc/passwd"|"/etc/group"|' \
	-e 's|      matchActions:|      matchBinaries:\n      - operator: "In"\n        values:\n        - "/bin/sh"\n      matchActions:|' \
	"$dir/policy.yaml" >"$dir/group.yaml"
"$BPFLAB" policy apply "$dir/group.yaml" || fail "apply of the lease-only policy failed"
pre=$(sha256sum "/proc/$(pid_of "$A")/root/etc/group")
"$BPFLAB" sandbox exec "$A" -- sh -c ': > /etc/group' >/dev/null 2>&1
status[$A/lease-truncate]=$?
[ "$pre" = "$(sha256sum "/proc/$(pid_of "$A")/root/etc/group")" ] || changed[$A/lease-truncate]=1
echo "attack $A/lease-truncate: exit ${status[$A/lease-truncate]}${changed[$A/lease-truncate]:+, bytes changed}"
lsattr "/proc/$(pid_of "$A")/root/etc/group" | grep -q '^[^ ]*i' &&
	fail "a matchBinaries In selector set the immutable flag"
"$BPFLAB" policy delete enf-sbx-group >/dev/null || fail "delete of the lease-only policy failed"
sleep 1
host_flag=$(lsattr /etc/passwd | grep '^[^ ]*i')

if [ "$MODE" = enforce ]; then
	for a in "${!status[@]}"; do
		[ "${status[$a]}" -eq 137 ] || fail "attack $a was not killed (exit ${status[$a]})"
		[ -z "${changed[$a]:-}" ] || fail "attack $a changed the sandbox's /etc/passwd"
	done
	for sb in "$A" "$B"; do
		lsattr "/proc/$(pid_of "$sb")/root/etc/passwd" | grep -q '^[^ ]*i' ||
			fail "$sb's /etc/passwd has no immutable flag"
	done
	[ -z "$host_flag" ] || fail "the host's /etc/passwd got an immutable flag: $host_flag"
	grep -q '"mechanism":"lease+sigkill"' "$dir/events.json" || fail "no event says the lease acted"
	grep -q '"mechanism":"immutable+sigkill"' "$dir/events.json" || fail "no event says the immutable flag acted"
else
	for a in "${!status[@]}"; do
		[ "${status[$a]}" -ne 137 ] || fail "attack $a was killed in monitor mode"
	done
	[ -n "${changed[$A/fd-append]:-}" ] || fail "monitor mode: the append changed nothing"
	[ -n "${changed[$A/fd-before-policy]:-}" ] || fail "monitor mode: the earlier writer changed nothing"
	[ -n "${changed[$A/lease-truncate]:-}" ] || fail "monitor mode: : > /etc/group changed nothing"
fi

# measured: user space's (dev, ino) == the kernel's f_inode for the file
# opened inside the sandbox (overlayfs: ovl_getattr vs the overlay inode)
got=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)["process_kprobe"]
    except (ValueError, KeyError):
        continue
    b = e.get("bpflab", {})
    if b.get("syscall") == "write" and "ino" in b and "'"$A"'" in json.dumps(e):
        print(b["ino"], b["dev"]); break' "$dir/events.json")
echo "sandbox $A /etc/passwd: user space (ino dev) = $want, kernel f_inode = ${got:-none}"
[ "$want" = "$got" ] || fail "user space resolved ($want), the kernel hook saw (${got:-nothing})"
grep -q '"policy_name":"enf-sbx-passwd"' "$dir/events.json" || fail "no event names the policy"

"$BPFLAB" policy delete enf-sbx-passwd || fail "delete failed"
for sb in "$A" "$B"; do
	f=$(lsattr "/proc/$(pid_of "$sb")/root/etc/passwd" | grep '^[^ ]*i')
	[ -z "$f" ] || fail "immutable flag left after delete: $f"
done
"$BPFLAB" sandbox rm "$A" >/dev/null || fail "rm $A failed"
"$BPFLAB" sandbox rm "$B" >/dev/null || fail "rm $B failed"
left=$(leftovers | grep -E 'enf-sbx')
[ -z "$left" ] || fail "leftovers: $left"
echo "ok: $MODE"
