#!/usr/bin/env bash
# CIDR and entity rules: the client may reach the "c2" host through a toCIDR
# allow, but an egressDeny on the world entity for port 8080 wins over it
# (a CIDR identity is part of world). Other destinations are default-denied.
# timeout: 120
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/data/cnp/topology.sh"
np_setup
np_serve c2 443 || fail "c2:443"
np_serve c2 8080 || fail "c2:8080"

np_endpoint client app=client >/dev/null || fail "endpoint client"
np_endpoint web app=web >/dev/null || fail "endpoint web"
np_endpoint db app=db >/dev/null || fail "endpoint db"
np_connect client c2 8080 || fail "before: client -> c2:8080"
"$BPFLAB" netpol apply "$TOP/tests/data/cnp/good/client-egress.yaml" >/dev/null || fail "apply"

np_connect client web 80 || fail "client -> web:80 (toEndpoints allow)"
np_connect client c2 443 || fail "client -> c2:443 (toCIDR allow)"
! np_connect client c2 8080 || fail "client -> c2:8080 must be denied (world deny)"
! np_connect client db 3306 || fail "client -> db:3306 must be denied (default deny)"
np_connect web db 3306 || fail "web -> db: no policy selects them"

out=$("$BPFLAB" netpol check --from client --to "${NP_IP[c2]}" --port 8080)
assert_contains "$out" "denied"
assert_contains "$out" "egress deny toEntities(world"
out=$("$BPFLAB" netpol check --from client --to "${NP_IP[c2]}" --port 443)
assert_contains "$out" "allowed"
assert_contains "$out" "toCIDR(198.18.66.0/24)"
np_teardown_check
