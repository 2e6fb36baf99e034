#!/usr/bin/env bash
# tc filters are not links on libbpf 1.1: each one is journaled. An engine
# killed with SIGKILL leaves its netpol filters on the endpoint's veth; the
# next engine start finds them in the journal and removes them.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/data/cnp/topology.sh"
np_setup
np_endpoint web app=web >/dev/null || fail "endpoint web"
filters() { ip netns exec bl-np-core tc filter show dev bl-np-web-h "$1" 2>/dev/null | grep -c 'bl_np_tc'; }
assert_eq "$(filters ingress)" 1 "ingress filter"
assert_eq "$(filters egress)" 1 "egress filter"
grep -q '/tc bl-np-core bl-np-web-h b2 b2' "${BPFLAB_RUN_DIR:-/run/bpflab}/journal" || fail "tc attachment not journaled"

kill -KILL "$ENGINE_PID"
wait "$ENGINE_PID" 2>/dev/null
ENGINE_PID=
assert_eq "$(filters ingress)" 1 "a killed engine cannot clean up"

start_engine
NP_ENGINE_PID=$ENGINE_PID
assert_eq "$(filters ingress)" 0 "ingress filter after recovery"
assert_eq "$(filters egress)" 0 "egress filter after recovery"
np_teardown_check
