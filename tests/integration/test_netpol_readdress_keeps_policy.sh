#!/usr/bin/env bash
# Identity, not IP: the client gets a new address with the same labels and
# the policy still holds with no re-apply (web:80 allowed, db:3306 denied);
# the old address is no longer the client's (it is world again).
# timeout: 120
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/data/cnp/topology.sh"
np_setup

np_endpoint client app=client >/dev/null || fail "endpoint client"
np_endpoint web app=web >/dev/null || fail "endpoint web"
np_endpoint db app=db >/dev/null || fail "endpoint db"
"$BPFLAB" netpol apply "$TOP/tests/data/cnp/good/web-db.yaml" >/dev/null || fail "apply"

np_connect client web 80 || fail "before: client -> web"
! np_connect client db 3306 || fail "before: client -> db must be denied"

old=${NP_IP[client]}
new=198.18.8.111
ip -n bl-np-client addr del "$old/16" dev eth0 || fail "del addr"
ip -n bl-np-client addr add "$new/16" dev eth0 || fail "add addr"
NP_IP[client]=$new
out=$(np_endpoint client app=client) || fail "readdress: $out"
assert_contains "$out" "identity 256"

np_connect client web 80 || fail "after readdress: client -> web must still pass"
! np_connect client db 3306 || fail "after readdress: client -> db must still be denied"
out=$("$BPFLAB" netpol check --from "$new" --to db --port 3306)
assert_contains "$out" "denied"
assert_contains "$out" "identity 256 -> 258"
out=$("$BPFLAB" netpol check --from "$old" --to web --port 80)
assert_contains "$out" "denied: $old"
assert_contains "$out" "identity 2 -> 257"
list=$("$BPFLAB" netpol list --json)
assert_contains "$list" "\"ip\":\"$new\""
# the policy set itself was not re-applied: only endpoint commits moved the generation
n=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(len(d["policies"]))' "$list")
assert_eq "$n" 2 "policies"

np_teardown_check
