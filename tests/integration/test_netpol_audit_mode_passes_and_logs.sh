#!/usr/bin/env bash
# --mode audit: traffic the policy would drop passes, and its flow says
# AUDIT (with POLICY_DENIED and the policy name); `netpol check` says audit.
# Re-applying in enforce mode then drops it.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/data/cnp/topology.sh"
np_setup

np_endpoint client app=client >/dev/null || fail "endpoint client"
np_endpoint web app=web >/dev/null || fail "endpoint web"
np_endpoint db app=db >/dev/null || fail "endpoint db"
"$BPFLAB" netpol apply --mode audit "$TOP/tests/data/cnp/good/web-db.yaml" >/dev/null || fail "apply audit"

ev=$(mktemp)
np_flows_start "$ev"
np_connect client db 3306 || fail "audit mode must let client -> db through"
np_flows_stop
audit=$(grep '"destination_port":3306' "$ev" | grep '"verdict":"AUDIT"' | head -1)
[ -n "$audit" ] || { cat "$ev"; fail "no AUDIT flow"; }
assert_contains "$audit" '"policy_name":"db-ingress"'
assert_not_contains "$(cat "$ev")" '"verdict":"DROPPED"'
rm -f "$ev"
out=$("$BPFLAB" netpol check --from client --to db --port 3306) || fail "audit is not a deny"
assert_contains "$out" "audit"

"$BPFLAB" netpol apply --mode enforce "$TOP/tests/data/cnp/good/web-db.yaml" >/dev/null || fail "apply enforce"
! np_connect client db 3306 || fail "enforce mode must drop client -> db"
np_teardown_check
