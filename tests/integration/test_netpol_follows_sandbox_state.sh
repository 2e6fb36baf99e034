#!/usr/bin/env bash
# The engine follows the lab's sandbox state files with no request: a
# sandbox with an address becomes an endpoint with its labels and cgroup, a
# new address in its state is a readdress (same identity), and removing the
# state removes the endpoint. The state file is written here in the lab's
# format (lab/sandbox/sandbox_state.c), pointing at a cgroup of ours.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/data/cnp/topology.sh"
need_root
need_cmd python3
[ -x "$BPFLAB" ] || skip "no $BPFLAB (build first)"
run=${BPFLAB_RUN_DIR:-/run/bpflab}
state=$run/sandboxes/bl-np-sb.json
cg=/sys/fs/cgroup/unified/bl-np-sb
export ENGINE_LOG=/tmp/bl-np-engine.$$.log
cleanup() { np_stop_engine; rm -f "$state"; rmdir "$cg" 2>/dev/null; }
trap cleanup EXIT
start_engine
pid=$ENGINE_PID
mkdir -p "$run/sandboxes" "$cg"

write_state() { # ip
	cat >"$state.tmp" <<J
{"name":"bl-np-sb","kind":"ns","labels":{"bpflab.name":"bl-np-sb","bpflab.kind":"ns","app":"shop","tier":"front"},
 "privileged":false,"userns":false,"init_pid":1,"init_start":0,"cgroup_id":0,"cgroup":"$cg","ip":"$1","journal":[]}
J
	mv "$state.tmp" "$state"
}
ep() { "$BPFLAB" netpol list --json | python3 -c '
import json, sys
for e in json.load(sys.stdin)["endpoints"]:
    if e["name"] == "bl-np-sb":
        print(e["ip"], e["identity"], ",".join("%s=%s" % kv for kv in sorted(e["labels"].items())), e["cgroup"])'; }

# until_ep PATTERN: wait up to 10 s for the endpoint line to match (empty: gone)
until_ep() {
	local _
	for _ in $(seq 100); do
		if [ -z "$1" ]; then [ -z "$(ep)" ] && return 0
		else ep | grep -q -- "$1" && return 0; fi
		sleep 0.1
	done
	return 1
}

write_state 198.18.5.5
until_ep 198.18.5.5 || fail "sandbox never became an endpoint"
first=$(ep)
assert_contains "$first" "198.18.5.5"
assert_contains "$first" "app=shop,tier=front"
assert_contains "$first" "$cg"
id=$(awk '{print $2}' <<<"$first")

write_state 198.18.5.6
until_ep 198.18.5.6 || fail "readdress not followed"
assert_eq "$(ep | awk '{print $2}')" "$id" "identity after readdress"
out=$("$BPFLAB" netpol check --from 198.18.5.6 --to 198.18.5.5 --port 80)
assert_contains "$out" "identity $id -> 2"

rm -f "$state"
until_ep "" || fail "removed sandbox is still an endpoint"
cleanup
trap - EXIT
np_leftovers "$pid" || fail "left behind"
