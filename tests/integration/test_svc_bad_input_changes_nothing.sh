#!/usr/bin/env bash
# `svc add` with a bad VIP, port, protocol, name or backend, and `svc apply`
# with a broken file, exit 2 with a clear message (file:line:col for YAML)
# and change nothing: no engine is started, no service appears.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-svc}
tmp=$(mktemp -d /tmp/bpflab-svc.XXXXXX)
export ENGINE_LOG=$tmp/engine.log
trap 'stop_engine; rm -rf "$tmp"' EXIT

bad() { # expected-message args...
	local want=$1 out rc
	shift
	out=$("$BPFLAB" svc "$@" 2>&1)
	rc=$?
	[ $rc -eq 2 ] || fail "svc $*: exit $rc, want 2 ($out)"
	assert_contains "$out" "$want"
}
bad "port must be 1-65535" add web --vip 198.19.201.10:99999 --backend 198.18.1.2:80
bad "port must be 1-65535" add web --vip 198.19.201.10:0 --backend 198.18.1.2:80
bad "protocol must be tcp or udp" add web --vip 198.19.201.10:80/sctp
bad "not an IPv4 address" add web --vip 198.19.0.300:80
bad "expected IPv4:PORT" add web --vip 198.19.201.10
bad "not a unicast address" add web --vip 224.0.0.1:80
bad "port must be 1-65535" add web --vip 198.19.201.10:80 --backend 198.18.1.2:70000
bad "weight must be 1-65535" add web --vip 198.19.201.10:80 --backend 198.18.1.2:80@0
bad "service name" add Web_1 --vip 198.19.201.10:80
bad "--table-size" add web --vip 198.19.201.10:80 --table-size 1000
bad "--vip" add web --backend 198.18.1.2:80
engine_is_up() { "$BPFLAB" status >/dev/null 2>&1; }
engine_is_up && fail "bad input started an engine"

cat >"$tmp/bad.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  clusterIP: 198.19.201.10
  ports:
  - port: 80
    protocol: SCTP
YAML
bad "bad.yaml:9:15: protocol 'SCTP'" apply "$tmp/bad.yaml"
printf 'kind: Service\nmetadata: {name: web\n' >"$tmp/broken.yaml"
bad "broken.yaml:3:1" apply "$tmp/broken.yaml"
cat >"$tmp/slice.yaml" <<'YAML'
kind: Service
metadata: {name: web}
spec: {clusterIP: 198.19.201.10, ports: [{port: 80}]}
---
kind: EndpointSlice
metadata:
  name: web-1
  labels: {kubernetes.io/service-name: web}
addressType: IPv4
endpoints:
- addresses: [198.18.1.2]
- addresses: [198.18.1.999]
ports: [{port: 8080}]
YAML
bad "slice.yaml:12:15: '198.18.1.999' is not an IPv4 address" apply "$tmp/slice.yaml"
engine_is_up && fail "bad YAML started an engine"

# a good file applies; a bad add next to it leaves it as it was
sed -i 's/198.18.1.999/198.18.1.3/' "$tmp/slice.yaml"
start_engine
out=$("$BPFLAB" svc apply "$tmp/slice.yaml") || fail "apply: $out"
assert_contains "$out" "service web: 2 endpoint(s)"
before=$("$BPFLAB" svc backends web)
bad "protocol must be tcp or udp" add web --vip 198.19.201.10:80/icmp --backend 198.18.1.9:80
out=$("$BPFLAB" svc add web --vip 198.19.201.11:80 --backend 198.18.1.9:80 2>&1) && fail "duplicate name accepted"
assert_contains "$out" "exists"
out=$("$BPFLAB" svc add web2 --vip 198.19.201.10:80 --backend 198.18.1.9:80 2>&1) && fail "duplicate VIP accepted"
assert_contains "$out" "already has VIP"
assert_eq "$("$BPFLAB" svc backends web)" "$before" "a refused change altered the service"
assert_not_contains "$("$BPFLAB" svc list)" "web2"
exit 0
