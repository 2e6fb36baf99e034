#!/usr/bin/env bash
# timeout: 60
# A rebuilt lab gives the same interface names to new links. With the engine
# running, asking observe to watch a known name whose link was re-created
# attaches its tc programs to the new link (it used to answer EALREADY and
# watch nothing), and netpol re-attaches an endpoint announced again with
# that interface; flows on the new link reach the flow log, and stopping the
# engine leaves no filter behind.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
need_cmd tc
need_cmd python3
export BPFLAB_RUN_DIR=/run/bpflab-test-obsrelink
export BPFLAB_METRICS_ADDR=127.0.0.1:19474
obs_pair obl 145
export ENGINE_LOG=$tmp/engine.log
flowdir=/var/lib/bpflab/flows/bpflab-test-obsrelink
rm -rf "$flowdir"

start_engine --modules proc,netpol,observe
watch_link() { "$BPFLAB" observe -i "$if_c" --netns "$ns_c" --duration 1s >/dev/null 2>&1; }
announce() {
	"$BPFLAB" netpol endpoint add obl-client --ip "$ip_c" --label app=obl-client \
		--netns "$ns_c" --ifname "$if_c" >/dev/null
}
np_attached() { tc -n "$ns_c" filter show dev "$if_c" ingress | grep -q bl_np_tc_in; }
watch_link || fail "first observe.attach"
announce || fail "first endpoint add"
wait_for obs_attached || fail "observe not on the first link"
np_attached || fail "netpol not on the first link"
old=$(ip -n "$ns_c" -o link show "$if_c" | cut -d: -f1)

# The lab is rebuilt: same names, new links.
ip -n "$ns_c" link del "$if_c" || fail "link del"
ip -n "$ns_c" link add "$if_c" type veth peer name "$if_s" netns "$ns_s" || fail "veth again"
ip -n "$ns_c" addr add "$ip_c/24" dev "$if_c"
ip -n "$ns_s" addr add "$ip_s/24" dev "$if_s"
ip -n "$ns_c" link set "$if_c" up && ip -n "$ns_s" link set "$if_s" up || fail "link up"
new=$(ip -n "$ns_c" -o link show "$if_c" | cut -d: -f1)
[ "$old" != "$new" ] || fail "the link kept its ifindex $old"
obs_attached && fail "a new link came with our filter"

watch_link || fail "observe.attach of the re-created link"
wait_for obs_attached || fail "observe did not attach to the new link"
announce || fail "endpoint add again"
np_attached || fail "netpol did not attach to the new link"
assert_eq "$(tc -n "$ns_c" filter show dev "$if_c" egress | grep -c bl_flow_egress)" 1 "one observe filter"

# Flows of the new link reach the log, named by its interface.
obs_serve python3 -m http.server --bind "$ip_s" 8080 >/dev/null 2>&1
obs_wait_http /relinked
sleep 1.2 # the engine writes the log out once a second
out=$("$BPFLAB" observe --since 1m --http-path '^/relinked' -o json)
assert_contains "$out" "\"name\":\"$if_c\"" "the new link's flows in the log"

stop_engine
obs_attached && fail "observe's filter left after stop"
np_attached && fail "netpol's filter left after stop"
echo PASS
