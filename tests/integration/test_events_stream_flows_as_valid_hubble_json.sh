#!/usr/bin/env bash
# Flows and HTTP records reach event subscribers through the engine as one
# valid JSON object per line, Hubble-shaped ({"flow":{...},"node_name","time"})
# — the same line shape as process events, whichever module rendered them.
# timeout: 90
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd curl
export BPFLAB_RUN_DIR=/run/bpflab-test-flowjson
ns_c=bpflab-fj$$c ns_s=bpflab-fj$$s if_c=bl-fj$$c if_s=bl-fj$$s
out=$(mktemp) server= ev=
cleanup() {
	[ -n "$ev" ] && kill -INT "$ev" 2>/dev/null && wait "$ev" 2>/dev/null
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	"$BPFLAB" down >/dev/null 2>&1
	ip netns del "$ns_c" 2>/dev/null
	ip netns del "$ns_s" 2>/dev/null
	rm -f "$out" "$out.obs"
	true
}
trap cleanup EXIT
ip netns add "$ns_c" && ip netns add "$ns_s" || fail "netns"
ip -n "$ns_c" link add "$if_c" type veth peer name "$if_s" netns "$ns_s" || fail "veth"
ip -n "$ns_c" addr add 198.18.15.1/24 dev "$if_c"
ip -n "$ns_s" addr add 198.18.15.2/24 dev "$if_s"
ip -n "$ns_c" link set "$if_c" up && ip -n "$ns_s" link set "$if_s" up || fail "link up"
ip netns exec "$ns_s" python3 -m http.server --bind 198.18.15.2 8080 >/dev/null 2>&1 &
server=$!
up() { ip netns exec "$ns_c" curl -s -o /dev/null --max-time 1 http://198.18.15.2:8080/; }
wait_for up || fail "server did not come up"

"$BPFLAB" engine --daemon --modules proc,observe >/dev/null || fail "engine --daemon"
"$BPFLAB" events --type flow --timeout 20s >"$out" &
ev=$!
# with an engine up, observe asks it to attach (the engine emits the flows)
"$BPFLAB" observe -i "$if_c" --netns "$ns_c" -o json --duration 15s >/dev/null 2>"$out.obs" &
obs=$!
attached() { tc -n "$ns_c" filter show dev "$if_c" egress | grep -q bl_flow_egress; }
wait_for attached || fail "not attached: $(cat "$out.obs")"
sleep 0.5
for p in /a /b; do ip netns exec "$ns_c" curl -s -o /dev/null "http://198.18.15.2:8080$p"; done
WAIT_SECS=10 wait_for grep -q '"flow"' "$out" || fail "no flow reached the event stream"
sleep 1
kill "$obs" 2>/dev/null; wait "$obs" 2>/dev/null
n=$("$TOP"/tests/helpers/jsonq.py valid "$out") || fail "invalid JSON line in the stream: $(head -c 1500 "$out")"
"$TOP"/tests/helpers/jsonq.py find "$out" 'e["flow"]["IP"]["destination"] == "198.18.15.2" and "node_name" in e and "time" in e' >/dev/null ||
	fail "no Hubble-shaped flow to the server: $(head -c 1500 "$out")"
echo "$n valid flow lines"
