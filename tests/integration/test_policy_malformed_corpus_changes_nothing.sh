#!/usr/bin/env bash
# timeout: 120
# Every file of tests/data/policies/bad (wrong types, unknown fields, six
# selectors, unknown operators, bad CIDRs, an empty file, binary junk, ...)
# is refused with FILE:LINE:COL and exit 2 by the CLI, and refused by the
# engine too when sent straight over the socket; after each, the engine's
# policy set is exactly what it was. A batch with one bad file applies none.
. "$(dirname "$0")/../lib.sh"
need_root
need_cmd python3
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-enforce}
bad=$TOP/tests/data/policies/bad
good=$TOP/tests/data/policies/good
dir=$(mktemp -d /tmp/bl-enforce-corpus.XXXXXX)
cleanup() {
	stop_engine
	rm -rf "$dir"
}
trap cleanup EXIT

# send FILE...: a policy.apply straight to the engine, no CLI validation
send() {
	python3 - "$BPFLAB_RUN_DIR/engine.sock" "$@" <<'EOF'
import json, socket, sys
files = [{"file": p, "yaml": open(p, "rb").read().decode("utf-8", "replace")} for p in sys.argv[2:]]
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall((json.dumps({"op": "policy.apply", "files": files}) + "\n").encode())
buf = b""
while not buf.endswith(b"\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    buf += chunk
print(buf.decode().strip())
EOF
}
state() { "$BPFLAB" policy list --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sorted((p["name"], p["mode"], p["hooks"], p["rules"], p["keys"]) for p in d["policies"]), d["protected_files"])'; }

ENGINE_LOG=$dir/engine.log start_engine --modules proc,enforce
"$BPFLAB" policy apply "$good/deny-escape.yaml" "$good/block-c2.yaml" || fail "good policies refused"
before=$(state)
echo "state: $before"

n=0
while IFS=$'\t' read -r file pos msg; do
	out=$("$BPFLAB" policy apply "$good/protect-passwd.yaml" "$bad/$file" 2>&1)
	rc=$?
	assert_eq "$rc" 2 "$file: CLI exit status"
	assert_contains "$out" "$bad/$file:$pos: " "$file: position"
	assert_contains "$out" "$msg" "$file: message"
	reply=$(send "$bad/$file")
	assert_contains "$reply" '"ok":false' "$file: the engine accepted it"
	assert_contains "$reply" "$file:$pos" "$file: engine error position"
	assert_eq "$(state)" "$before" "$file: engine state changed"
	n=$((n + 1))
done <"$bad/EXPECT"
[ "$n" -ge 15 ] || fail "only $n corpus entries"

# one bad file in a batch: the good one in it is not applied either
reply=$(send "$good/protect-passwd.yaml" "$bad/bad-cidr.yaml")
assert_contains "$reply" '"ok":false' "mixed batch accepted"
assert_eq "$(state)" "$before" "a mixed batch changed the state"
echo "ok: $n malformed files refused, state unchanged"
