#!/usr/bin/env bash
# timeout: 120
# deny-escape.yaml: unshare, setns and pivot_root are SIGKILLed inside a
# sandbox cgroup (also after the process moved itself out of the cgroup:
# the mark follows the process tree), and the same calls on the host are
# untouched.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd unshare
need_cmd nsenter
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-enforce}

parent=/sys/fs/cgroup/unified/bpflab
cg=$parent/bl-enf-esc-$$
dir=$(mktemp -d /tmp/bl-enforce-esc.XXXXXX)
made_parent=
cleanup() {
	stop_engine
	rmdir "$cg" 2>/dev/null
	[ -n "$made_parent" ] && rmdir "$parent" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
[ -d "$parent" ] || { mkdir "$parent" && made_parent=1; } || fail "cannot create $parent"
mkdir "$cg" || fail "cannot create $cg"

ENGINE_LOG=$dir/engine.log start_engine --modules proc,enforce
"$BPFLAB" policy apply /work/shared/formats/deny-escape.yaml || fail "apply"

# in_sandbox CMD: run CMD as a process placed in the sandbox cgroup
in_sandbox() { bash -c "echo \$\$ > $cg/cgroup.procs && exec $1" >/dev/null 2>&1; echo $?; }
# escaped CMD: a process started in the sandbox moves itself back to the
# root cgroup (as a --privileged container can), then runs CMD
escaped() {
	bash -c "echo \$\$ > $cg/cgroup.procs && exec bash -c 'echo \$\$ > /sys/fs/cgroup/unified/cgroup.procs && exec $1'" >/dev/null 2>&1
	echo $?
}
on_host() { bash -c "exec $1" >/dev/null 2>&1; echo $?; }

for cmd in "unshare -m true" "nsenter --mount=/proc/self/ns/mnt true" "unshare -U true"; do
	rc=$(in_sandbox "$cmd")
	echo "sandbox: $cmd → exit $rc"
	assert_eq "$rc" 137 "'$cmd' in a sandbox was not killed"
	rc=$(escaped "$cmd")
	echo "escaped: $cmd → exit $rc"
	assert_eq "$rc" 137 "'$cmd' after leaving the sandbox cgroup was not killed"
	rc=$(on_host "$cmd")
	echo "host:    $cmd → exit $rc"
	assert_eq "$rc" 0 "'$cmd' on the host was disturbed"
done
pivot="python3 -c 'import ctypes; ctypes.CDLL(None).syscall(155, b\"/tmp\", b\"/tmp\")'"
rc=$(in_sandbox "$pivot")
assert_eq "$rc" 137 "pivot_root in a sandbox was not killed"
rc=$(on_host "$pivot")
[ "$rc" != 137 ] || fail "pivot_root on the host was killed"
"$BPFLAB" policy list
"$BPFLAB" policy delete deny-escape || fail "delete"
echo ok
