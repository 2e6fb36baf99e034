#!/usr/bin/env bash
# With no engine running, `svc add` starts `bpflab engine --daemon`; the
# service lives in that engine after the CLI exits (svc list from a new CLI
# sees it) and `bpflab down` takes the engine and the service away.
# timeout: 60
. "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-svcd}
trap '"$BPFLAB" down >/dev/null 2>&1' EXIT
"$BPFLAB" status >/dev/null 2>&1 && skip "an engine already runs in $BPFLAB_RUN_DIR"

out=$("$BPFLAB" svc add api --vip 198.19.201.77:8443/tcp --backend 198.18.7.2:8443@2 \
	--backend 198.18.7.3:8443 --algorithm random --affinity 30 2>&1) || fail "svc add: $out"
"$BPFLAB" status >/dev/null 2>&1 || fail "svc add did not leave an engine running"
list=$("$BPFLAB" svc list) || fail "svc list"
assert_contains "$list" "api .*198.19.201.77:8443/tcp .*random"
be=$("$BPFLAB" svc backends api)
assert_contains "$be" "198.18.7.2:8443 .* 2 active"
assert_contains "$be" "198.18.7.3:8443 .* 1 active"
"$BPFLAB" svc health api 198.18.7.3:8443 down || fail "svc health"
assert_contains "$("$BPFLAB" svc backends api)" "198.18.7.3:8443 .* down"
"$BPFLAB" svc health api 198.18.7.9:8443 down 2>/dev/null && fail "health of an unknown backend succeeded"

"$BPFLAB" down >/dev/null 2>&1 || fail "bpflab down"
"$BPFLAB" status >/dev/null 2>&1 && fail "the engine survived bpflab down"
exit 0
