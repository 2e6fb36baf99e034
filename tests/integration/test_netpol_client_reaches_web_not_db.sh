#!/usr/bin/env bash
# A CiliumNetworkPolicy lets client reach web:80 and keeps it from db:3306:
# real TCP connections through tc on the endpoints' veths, a DROPPED /
# POLICY_DENIED flow naming the policy, and `netpol check` agrees. Then web
# can still reach db (the rule allows it) and nothing is left behind.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/data/cnp/topology.sh"
np_setup

np_connect client db 3306 || fail "client cannot reach db even before any policy"
np_endpoint client app=client >/dev/null || fail "endpoint client"
np_endpoint web app=web >/dev/null || fail "endpoint web"
np_endpoint db app=db >/dev/null || fail "endpoint db"
np_connect client db 3306 || fail "endpoints alone (no policy) must not block"

# explain: what it selects and the matrix, without applying anything
out=$("$BPFLAB" netpol explain --json "$TOP/tests/data/cnp/good/web-db.yaml") || fail "explain: $out"
m=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%s>%s:%d=%s" % (r["from"], r["to"], r["port"], r["verdict"]) for p in d["policies"] for r in p["matrix"]))' <<<"$out")
assert_contains "$m" "client>web:80=allowed"
assert_contains "$m" "client>db:3306=denied"
assert_contains "$m" "web>db:3306=allowed"
assert_contains "$out" "HTTP rules are visibility only"
txt=$("$BPFLAB" netpol explain "$TOP/tests/data/cnp/good/web-db.yaml") || fail "explain (text)"
assert_contains "$txt" "selects: db"
grep -Eq '^ +client +db +3306/TCP +denied +db-ingress: default deny' <<<"$txt" || fail "explain text matrix: $txt"
np_connect client db 3306 || fail "explain must not apply"

out=$("$BPFLAB" netpol apply "$TOP/tests/data/cnp/good/web-db.yaml" 2>&1) || fail "apply: $out"
assert_contains "$out" "applied db-ingress"

ev=$(mktemp)
np_flows_start "$ev"
np_connect client web 80 || fail "client -> web:80 must be allowed"
! np_connect client db 3306 || fail "client -> db:3306 must be denied"
np_connect web db 3306 || fail "web -> db:3306 must be allowed"
np_flows_stop

drop=$(grep '"destination_port":3306' "$ev" | grep '"DROPPED"' | head -1)
[ -n "$drop" ] || { cat "$ev"; fail "no DROPPED flow for client -> db"; }
assert_contains "$drop" '"drop_reason_desc":"POLICY_DENIED"'
assert_contains "$drop" '"ingress_denied_by":\[{"name":"db-ingress"'
assert_contains "$drop" '"pod_name":"client"'
fwd=$(grep '"destination_port":80' "$ev" | grep '"FORWARDED"' | head -1)
assert_contains "$fwd" '"ingress_allowed_by":\[{"name":"web-ingress"'
rm -f "$ev"

out=$("$BPFLAB" netpol check --from client --to db --port 3306) && fail "check must exit 1 for denied: $out"
assert_contains "$out" "denied"
assert_contains "$out" "db-ingress: default deny"
out=$("$BPFLAB" netpol check --from client --to web --port 80) || fail "check client->web: $out"
assert_contains "$out" "allowed"
assert_contains "$out" "web-ingress: rule at line 12"

# delete: db takes everyone again
"$BPFLAB" netpol delete db-ingress || fail "delete"
np_connect client db 3306 || fail "after delete, client -> db must pass"

np_teardown_check
