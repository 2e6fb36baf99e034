# Sourced by tests/integration/test_netpol*.sh: a small lab of network
# namespaces on one bridge, for real connections under policy.
#   bl-np-core    holds the bridge and the endpoints' host-side veths
#   bl-np-client  198.18.8.10   (app=client)
#   bl-np-web     198.18.8.20   (app=web)       python3 http.server on :80
#   bl-np-db      198.18.8.30   (app=db)        python3 http.server on :3306
#   bl-np-c2      198.18.66.6   (not an endpoint: world, CIDR rules)
# shellcheck shell=bash
NP_NS=(client web db c2)
declare -A NP_IP=([client]=198.18.8.10 [web]=198.18.8.20 [db]=198.18.8.30 [c2]=198.18.66.6)
NP_PIDS=()

np_topology_up() {
	ip netns add bl-np-core || return 1
	ip -n bl-np-core link add bl-np-br0 type bridge || return 1
	ip -n bl-np-core link set bl-np-br0 up
	ip -n bl-np-core link set lo up
	for n in "${NP_NS[@]}"; do
		ip netns add "bl-np-$n" || return 1
		ip -n "bl-np-$n" link set lo up
		ip link add "bl-np-$n-h" netns bl-np-core type veth peer name eth0 netns "bl-np-$n" || return 1
		ip -n bl-np-core link set "bl-np-$n-h" master bl-np-br0 up
		ip -n "bl-np-$n" addr add "${NP_IP[$n]}/16" dev eth0
		ip -n "bl-np-$n" link set eth0 up
	done
}

np_topology_down() {
	for p in "${NP_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${NP_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	NP_PIDS=()
	for n in "${NP_NS[@]}" core; do ip netns del "bl-np-$n" 2>/dev/null; done
	return 0
}

# np_serve NS PORT: a real HTTP listener inside bl-np-NS.
np_serve() {
	local d
	d=$(mktemp -d /tmp/bl-np-www.XXXXXX)
	echo "hello from $1" >"$d/index.html"
	ip netns exec "bl-np-$1" python3 -m http.server "$2" --bind "${NP_IP[$1]}" --directory "$d" >/dev/null 2>&1 &
	NP_PIDS+=($!)
	WAIT_SECS=10 wait_for ip netns exec "bl-np-$1" bash -c "</dev/tcp/${NP_IP[$1]}/$2" 2>/dev/null
}

# np_connect FROM TO PORT: 0 when a TCP connection is established within 2 s.
np_connect() {
	ip netns exec "bl-np-$1" timeout 2 bash -c "</dev/tcp/${NP_IP[$2]}/$3" 2>/dev/null
}

# np_endpoint NAME [LABEL...]: declare bl-np-NAME to the engine, tc on its veth.
np_endpoint() {
	local n=$1
	shift
	local args=()
	for l in "$@"; do args+=(--label "$l"); done
	"$BPFLAB" netpol endpoint add "$n" --ip "${NP_IP[$n]}" --netns bl-np-core \
		--ifname "bl-np-$n-h" "${args[@]}"
}

# What a test may leave behind: nothing of ours. Other engines on this host
# may hold netpol programs of their own, so programs are matched by owner pid.
np_leftovers() {
	local out="" pid=${1:-}
	out+=$(ip netns list 2>/dev/null | grep bl-np-)
	[ -n "$pid" ] && out+=$(bpftool prog show 2>/dev/null | grep -A3 -E 'name bl_np_' | grep -E "pids .*\($pid\)")
	out+=$(find /sys/fs/cgroup/unified -maxdepth 1 -name 'bl-np-*' -type d 2>/dev/null)
	[ -z "$out" ] || { echo "$out"; return 1; }
}

NP_ENGINE_PID=
# Stop our engine; its log's tail goes into the test log, the file goes away.
np_stop_engine() {
	stop_engine
	if [ -n "${ENGINE_LOG:-}" ] && [ -f "$ENGINE_LOG" ]; then
		tail -5 "$ENGINE_LOG" | sed 's/^/engine: /'
		rm -f "$ENGINE_LOG"
	fi
}
np_cleanup() {
	np_stop_engine
	np_topology_down
	rmdir /sys/fs/cgroup/unified/bl-np-* 2>/dev/null
	rm -rf /tmp/bl-np-www.* 2>/dev/null
}

# Root, a topology with web:80 and db:3306 listening, and an engine of our own.
np_setup() {
	need_root
	need_cmd python3
	need_cmd bpftool
	[ -x "$BPFLAB" ] || skip "no $BPFLAB (build first)"
	export ENGINE_LOG=${ENGINE_LOG:-/tmp/bl-np-engine.$$.log}
	trap np_cleanup EXIT
	np_topology_down
	np_topology_up || fail "topology"
	np_serve web 80 || fail "web did not listen"
	np_serve db 3306 || fail "db did not listen"
	start_engine
	NP_ENGINE_PID=$ENGINE_PID
}

# np_teardown_check: stop everything now and prove nothing of ours is left.
np_teardown_check() {
	local pid=$NP_ENGINE_PID
	np_cleanup
	trap - EXIT
	np_leftovers "$pid" || fail "left behind"
}

# Flows seen while running "$@": np_flows OUT CMD...
np_flows_start() {
	"$BPFLAB" events --type flow --timeout "${2:-20s}" >"$1" 2>/dev/null &
	NP_EVENTS_PID=$!
	sleep 0.5
}
np_flows_stop() {
	sleep 0.5
	kill "$NP_EVENTS_PID" 2>/dev/null
	wait "$NP_EVENTS_PID" 2>/dev/null
	return 0
}
