#!/usr/bin/env bash
# Network policy on the default lab: `lab up` with an engine running declares
# every lab host as an endpoint (labels, address, veth), so a policy letting
# only app=web reach app=db:3306 refuses the client sandbox at tc while web1
# still connects; `netpol check` agrees, and the drop is a POLICY_DENIED flow.
# timeout: 180
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd nginx
need_cmd mariadbd
export BPFLAB_RUN_DIR=/run/bpflab-test-netlab
out=$(mktemp) ev=
cleanup() {
	[ -n "$ev" ] && kill -INT "$ev" 2>/dev/null && wait "$ev" 2>/dev/null
	"$BPFLAB" lab down >/dev/null 2>&1
	"$BPFLAB" down >/dev/null 2>&1
	rm -f "$out"
	true
}
trap cleanup EXIT
"$BPFLAB" lab status 2>/dev/null | grep -q '^lab: up' && skip "a lab is already up on this host"
"$BPFLAB" engine --daemon --modules proc,netpol >/dev/null || fail "engine --daemon"
"$BPFLAB" lab up >/dev/null || fail "lab up"
# a plain TCP connect to db:3306 from a lab host, by bash's /dev/tcp
reach() { # netns
	ip netns exec "$1" timeout 3 bash -c 'exec 3<>/dev/tcp/198.18.2.1/3306' 2>/dev/null
}
WAIT_SECS=10 wait_for "$BPFLAB" netpol list >/dev/null 2>&1 || fail "netpol not answering"
reach bpflab-lab-client || fail "before the policy the client cannot reach db:3306"
"$BPFLAB" events --type flow --timeout 25s >"$out" &
ev=$!
"$BPFLAB" netpol apply "$TOP/scenarios/policies/lab-db-from-web.yaml" || fail "netpol apply"
reach bpflab-lab-client && fail "the client still reaches db:3306 under lab-db-from-web"
reach bpflab-lab-web1 || fail "web1 (app=web) no longer reaches db:3306"
chk=$("$BPFLAB" netpol check --from client --to db --port 3306)
assert_contains "$chk" "denied" "netpol check for client -> db:3306"
"$BPFLAB" netpol check --from web1 --to db --port 3306 | grep -q allowed || fail "netpol check web1 -> db"
WAIT_SECS=10 wait_for grep -q POLICY_DENIED "$out" || fail "no POLICY_DENIED flow: $(head -c 1500 "$out")"
"$TOP"/tests/helpers/jsonq.py find "$out" 'e["flow"]["verdict"] == "DROPPED" and e["flow"]["IP"]["source"] == "198.18.0.10" and e["flow"]["IP"]["destination"] == "198.18.2.1"' >/dev/null ||
	fail "the drop is not the client's flow to db"
"$BPFLAB" netpol delete lab-db-from-web >/dev/null || fail "netpol delete"
reach bpflab-lab-client || fail "after delete the client still cannot reach db"
echo ok
