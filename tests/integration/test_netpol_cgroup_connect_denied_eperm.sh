#!/usr/bin/env bash
# An endpoint declared with its cgroup is held at connect(2): a denied
# connection fails at once with EPERM (no SYN leaves), the verdict flow says
# cgroup-connect4 and names the policy, and an allowed one connects. The
# socket hook coexists with the lb module's programs on the same cgroup.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/data/cnp/topology.sh"
np_setup
cg=/sys/fs/cgroup/unified/bl-np-client
[ -d /sys/fs/cgroup/unified ] || skip "no cgroup v2 at /sys/fs/cgroup/unified"
mkdir -p "$cg" || fail "mkdir $cg"

# the client is declared without a link: only the socket hooks can hold it
"$BPFLAB" netpol endpoint add client --ip "${NP_IP[client]}" --cgroup "$cg" --label app=client >/dev/null || fail "endpoint client"
np_endpoint web app=web >/dev/null || fail "endpoint web"
np_endpoint db app=db >/dev/null || fail "endpoint db"
"$BPFLAB" netpol apply "$TOP/tests/data/cnp/good/client-egress.yaml" >/dev/null || fail "apply"

# connect from inside the cgroup (joined before `ip netns exec` remounts
# /sys), in the client's netns
in_cg() { # port host
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
		ip netns exec bl-np-client python3 - "$2" "$1" <<'PY'
import errno, socket, sys, time
s = socket.socket()
s.settimeout(3)
t = time.monotonic()
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except OSError as e:
    print(errno.errorcode.get(e.errno, "timeout"), "after %.3f s" % (time.monotonic() - t))
PY
}
ev=$(mktemp)
np_flows_start "$ev"
out=$(in_cg 3306 "${NP_IP[db]}")
assert_contains "$out" "EPERM" "client -> db:3306 at connect()"
out=$(in_cg 80 "${NP_IP[web]}")
assert_eq "$out" "connected" "client -> web:80"
np_flows_stop
flow=$(grep '"enforced_at":"cgroup-connect4"' "$ev" | grep '"DROPPED"' | head -1)
[ -n "$flow" ] || { cat "$ev"; fail "no cgroup-connect4 DROPPED flow"; }
assert_contains "$flow" '"egress_denied_by":\[{"name":"client-egress"'
rm -f "$ev"
np_teardown_check
