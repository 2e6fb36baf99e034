# shellcheck shell=bash
# Shared by tests/integration/test_observe_*.sh: a client and a server
# network namespace joined by one veth pair, a server in the server's
# namespace, and a cleanup that takes all of it away again. Source after
# tests/lib.sh.
#
#   obs_pair TAG NET     netns bpflab-TAG<pid>c/s, veth bl-TAG<pid>c/s,
#                        client 198.18.NET.1 ($ip_c), server .2 ($ip_s),
#                        a scratch dir $tmp; installs obs_cleanup as the trap
#   obs_serve CMD...     run CMD (the server) in the server's netns, in the
#                        background, as $server
#   obs_http_server RULE...  obs_http_server.py on $ip_s:8080 as $server:
#                        PREFIX=CODE[:DELAY_MS] per rule (see the script)
#   obs_wait_http PATH   until a curl from the client to PATH answers
#   obs_attached         the capture's tc programs are on the client's veth
#
# obs_cleanup stops, when set: $capture and $follower (SIGINT: they detach
# and print their counters), $server and $db, the test's engine; then it
# deletes both namespaces, $tmp and $flowdir. A test with more to undo
# defines its own cleanup that calls obs_cleanup last.
need_root
need_cmd ip
need_cmd curl

server='' capture='' follower='' db='' flowdir=''

obs_cleanup() {
	local p
	for p in "$capture" "$follower"; do
		[ -n "$p" ] && kill -INT "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	for p in "$server" "$db"; do
		[ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	stop_engine
	ip netns del "$ns_c" 2>/dev/null
	ip netns del "$ns_s" 2>/dev/null
	rm -rf "$tmp" ${flowdir:+"$flowdir"}
	true
}

obs_pair() {
	ns_c=bpflab-$1$$c ns_s=bpflab-$1$$s
	if_c=bl-$1$$c if_s=bl-$1$$s
	ip_c=198.18.$2.1 ip_s=198.18.$2.2
	tmp=$(mktemp -d "/tmp/bl-obs-$1.XXXXXX")
	trap obs_cleanup EXIT
	ip netns add "$ns_c" && ip netns add "$ns_s" || fail "netns"
	ip -n "$ns_c" link add "$if_c" type veth peer name "$if_s" netns "$ns_s" || fail "veth"
	ip -n "$ns_c" addr add "$ip_c/24" dev "$if_c"
	ip -n "$ns_s" addr add "$ip_s/24" dev "$if_s"
	ip -n "$ns_c" link set "$if_c" up && ip -n "$ns_s" link set "$if_s" up || fail "link up"
	ip -n "$ns_s" link set lo up
}

obs_serve() {
	ip netns exec "$ns_s" "$@" &
	server=$!
}

obs_http_server() {
	need_cmd python3
	obs_serve python3 "$(dirname "${BASH_SOURCE[0]}")/obs_http_server.py" "$ip_s" "$@"
}

obs_curl_ok() { ip netns exec "$ns_c" curl -s -o /dev/null --max-time 1 "http://$ip_s:8080$1"; }
obs_wait_http() { wait_for obs_curl_ok "$1" || fail "server did not come up"; }
obs_attached() { tc -n "$ns_c" filter show dev "$if_c" egress | grep -q bl_flow; }
