#!/usr/bin/env bash
# Scenario passwd-write against a running engine, in ns sandboxes (and runc
# and containerd where installed), both modes. Skips (77) only while the
# engine or its enforce module is missing. Each sandbox's own
# /etc/passwd (its overlayfs copy, not the host's inode) is protected:
# enforce keeps its sha256 through an append, `sed -i` (a rename over it)
# and a truncating rewrite, kills the writers and says which mechanism
# acted; monitor lets every write land and reports it, which proves the
# enforce-mode checks are able to fail. Afterwards no file keeps an
# immutable flag and no sandbox, cgroup or policy is left.
# timeout: 420
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd lsattr
scenario=passwd-write
export BPFLAB_SCENARIOS=$TOP/scenarios
"$BPFLAB" engine --help >/dev/null 2>&1 || skip "this build has no engine verb yet"
"$BPFLAB" policy --help >/dev/null 2>&1 || skip "this build has no policy verb yet (enforce module)"
ENGINE_LOG=$(mktemp /tmp/bpflab-lab-engine.XXXXXX)
EVENTS=$(mktemp /tmp/bpflab-passwd-events.XXXXXX)
EVENTS_PID=
trap '[ -n "$EVENTS_PID" ] && kill "$EVENTS_PID" 2>/dev/null; stop_engine; rm -f "$ENGINE_LOG" "$EVENTS"' EXIT
start_engine
"$BPFLAB" status 2>/dev/null | grep -q '^enforce ' || skip "the engine runs without its enforce module"

# the sandbox overlays and the host's own copy, for leaked immutable flags
immutable_left() {
	lsattr /etc/passwd /etc/shadow 2>/dev/null | grep '^[^ ]*i'
	find "$BPFLAB_RUN_DIR" /var/lib/bpflab -xdev -name passwd -type f 2>/dev/null |
		xargs -r lsattr 2>/dev/null | grep '^[^ ]*i'
}

run_one() { # mode kind
	local out rc
	: >"$EVENTS"
	"$BPFLAB" events -o json --type kprobe --timeout 200s >"$EVENTS" 2>&1 &
	EVENTS_PID=$!
	sleep 0.5
	out=$("$BPFLAB" scenario run --json --mode "$1" --sandbox "$2" "$scenario")
	rc=$?
	sleep 0.5
	kill "$EVENTS_PID" 2>/dev/null
	wait "$EVENTS_PID" 2>/dev/null
	EVENTS_PID=
	echo "== $scenario $1 $2 (exit $rc)"
	python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["verdict"], r["error"] or "")
for c in r["checks"]:
    print("  ", "ok " if c["ok"] else "BAD", c["check"], json.dumps(c["evidence"])[:400])
' <<<"$out"
	# every mode and kind runs, so one report shows the whole picture
	[ "$rc" -eq 0 ] || failures+=" $1/$2"
	if [ "$1" = enforce ]; then
		# the three sandboxes' own files: one kill each at least, and the
		# layer that kept the bytes is named
		kills=$(grep -c '"action":"KPROBE_ACTION_SIGKILL"' "$EVENTS")
		echo "   kill events: $kills; mechanisms:" \
			$(grep -o '"mechanism":"[^"]*"' "$EVENTS" | sort | uniq -c | tr -s ' ')
		[ "$kills" -ge 3 ] || failures+=" $1/$2:kills=$kills"
		grep -q '"mechanism":"immutable+sigkill"' "$EVENTS" ||
			failures+=" $1/$2:no-immutable-mechanism"
	else
		grep -q '"action":"KPROBE_ACTION_SIGKILL"' "$EVENTS" && failures+=" $1/$2:killed-in-monitor"
		grep -q '"policy_name":"lab-protect-passwd"' "$EVENTS" || failures+=" $1/$2:no-post"
	fi
	left=$(immutable_left)
	[ -z "$left" ] || failures+=" $1/$2:immutable-left($left)"
}
failures=""

kinds=ns
command -v runc >/dev/null && kinds+=" runc"
command -v containerd >/dev/null && command -v ctr >/dev/null && kinds+=" containerd"
for kind in $kinds; do
	run_one enforce "$kind"
	run_one monitor "$kind"
done
[ -z "$failures" ] || fail "$scenario did not PASS in:$failures"
left=$(leftovers | grep -E 'bl-(passwd|c2|escape)')
[ -z "$left" ] || fail "leftovers: $left"
[ -z "$(ls /sys/fs/cgroup/unified/bpflab 2>/dev/null | grep -E '^bl-')" ] || fail "sandbox cgroups left"
"$BPFLAB" policy list 2>/dev/null | grep -q '^lab-' && fail "a lab policy is still applied"
echo ok
