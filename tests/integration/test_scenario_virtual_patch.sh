#!/usr/bin/env bash
# Scenario virtual-patch against a running engine: ns sandbox in both modes,
# runc (where installed) in enforce mode (containerd passes too, but its
# daemon start makes the test too slow for CI). A command injection in
# vulnsvc (lab/tools) is patched live by a TracingPolicy (execve by the
# service's binary -> SIGKILL) while httpload keeps a steady legitimate
# load on it. Enforce: the exploit's marker file is absent under the
# patch, present before it and after its removal. Monitor: the marker lands
# under the policy too (so the enforce checks can fail). Both: the service's
# id (pid + start nonce) is the same before and after and the only one the
# load saw, zero failed legitimate requests, p99 measured for every phase;
# nothing is left behind. First, the load client's own checks are shown
# able to fail (a service restarted under it).
# timeout: 90
source "$(dirname "$0")/../lib.sh"
need_root
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-test-vpatch}
export BPFLAB_SCENARIOS=$TOP/scenarios
"$BPFLAB" policy --help >/dev/null 2>&1 || skip "this build has no policy verb (enforce module)"
[ -x "$(dirname "$BPFLAB")/tools/vulnsvc" ] || fail "the tools were not built beside $BPFLAB"

# The load client can fail: a restarted service (new id) and the gap while
# it is down are counted, in a private network namespace with only lo.
tools=$(dirname "$BPFLAB")/tools
# shellcheck disable=SC2016 # the inner script expands its own variables
restart=$(unshare -n bash -c '
	t=$1; d=$(mktemp -d /tmp/bpflab-vpatch-load.XXXXXX)
	ip link set lo up
	"$t/vulnsvc" 18080 2>/dev/null & svc=$!
	sleep 0.2
	"$t/httpload" run "$d" 127.0.0.1 18080 / 200 & load=$!
	sleep 0.5; kill $svc; wait $svc 2>/dev/null
	sleep 0.3; "$t/vulnsvc" 18080 2>/dev/null & svc=$!
	sleep 0.5
	"$t/httpload" stop "$d"
	kill $svc; wait $load; rm -rf "$d"' _ "$tools")
echo "$restart"
assert_contains "$restart" "ids=2" "httpload did not see the restart"
grep -q "^total .* failed=0 " <<<"$restart" && fail "httpload counted no failure while the service was down"

ENGINE_LOG=$(mktemp /tmp/bpflab-vpatch-engine.XXXXXX)
trap 'stop_engine; rm -f "$ENGINE_LOG"' EXIT
start_engine
"$BPFLAB" status 2>/dev/null | grep -q '^enforce ' || skip "the engine runs without its enforce module"

"$BPFLAB" scenario list | grep -q '^virtual-patch ' || fail "scenario list does not show virtual-patch"

# The verdict and the evidence, read from the report, not the exit code only.
check_report='
import json, sys
mode = sys.argv[1]
r = json.load(sys.stdin)
print(r["verdict"], r["error"] or "")
ev = {}
for c in r["checks"]:
    print("  ", "ok " if c["ok"] else "BAD", c["check"])
    ev[c["check"]] = c["evidence"]
def find(prefix):
    hits = [e for k, e in ev.items() if k.startswith(prefix)]
    assert hits, "no check starting with " + prefix
    return hits[0]
def marker(path):
    for e in ev.values():
        if e.get("path") == path and "present" in e:
            return e["present"]
    raise AssertionError("no marker evidence for " + path)
assert r["verdict"] == "PASS", r["verdict"]
assert marker("/tmp/pwned-before") is True
assert marker("/tmp/pwned-after") is True
assert marker("/tmp/pwned-patched") is (mode == "monitor")
pid = find("the service kept its pid")
assert pid["ids_seen"] == 1 and pid["id_before"] == pid["id_after"], pid
lat = find("p99 latency")
assert lat["failed"] == 0 and lat["requests"] > 0, lat
for name in ("before", "apply", "patched", "delete", "after"):
    p = lat["phases"][name]
    assert p["failed"] == 0 and p["requests"] > 0, p
    assert 0 < p["svc_p99_us"] <= p["svc_max_us"] and p["svc_p99_us"] <= p["p99_us"], p
    print("   %-8s %5d requests  p99 %7d us (service %6d us)  max %7d us" %
          (name, p["requests"], p["p99_us"], p["svc_p99_us"], p["max_us"]))
print("   apply %.1f ms, delete %.1f ms" % (lat["apply_ms"], lat["delete_ms"]))
'

runs="ns/enforce ns/monitor"
command -v runc >/dev/null && runs+=" runc/enforce"
for run in $runs; do
	kind=${run%/*} mode=${run#*/}
	out=$("$BPFLAB" scenario run --json --mode "$mode" --sandbox "$kind" virtual-patch)
	rc=$?
	echo "== virtual-patch $mode $kind (exit $rc)"
	python3 -c "$check_report" "$mode" <<<"$out" || fail "virtual-patch $mode $kind: report checks failed"
	[ "$rc" -eq 0 ] || fail "virtual-patch $mode $kind exited $rc"
done

left=$(leftovers | grep -E 'bl-vpatch')
[ -z "$left" ] || fail "leftovers: $left"
[ ! -d /sys/fs/cgroup/unified/bpflab/bl-vpatch-svc ] || fail "the sandbox's cgroup is left"
[ ! -e "$BPFLAB_RUN_DIR/sandboxes/bl-vpatch-svc.json" ] || fail "the sandbox's state is left"
mount | grep -q 'bl-vpatch' && fail "a sandbox mount is left"
"$BPFLAB" policy list 2>/dev/null | grep -q '^lab-virtual-patch' && fail "the policy is still applied"
echo ok
