#!/usr/bin/env bash
# The Service map screen draws real traffic through the console's engine: a
# client box with an edge to web:80 carrying req/s, errors and p99 (HTTP
# parsed at tc by observe), and an edge to db:3306 that a
# CiliumNetworkPolicy denies, drawn red with its drop count. At 80x24 the
# map is taller than the screen and scrolls.
# timeout: 120
. "$(dirname "$0")/tmux_lib.sh"
need_root
need_cmd ip
need_cmd python3
need_cmd curl

P=bl-cm
declare -A IP=([client]=198.18.90.10 [web]=198.18.90.20 [db]=198.18.90.30)
PIDS=()
cleanup_topo() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for n in client web db core; do ip netns del "$P-$n" 2>/dev/null; done
	rm -rf "/tmp/$P-www.$$"
	true
}
trap 'con_cleanup; cleanup_topo' EXIT
cleanup_topo
ip netns add "$P-core" || fail "netns"
ip -n "$P-core" link add "$P-br" type bridge && ip -n "$P-core" link set "$P-br" up || fail "bridge"
for n in client web db; do
	ip netns add "$P-$n" || fail "netns $n"
	ip -n "$P-$n" link set lo up
	ip link add "$P-$n-h" netns "$P-core" type veth peer name eth0 netns "$P-$n" || fail "veth $n"
	ip -n "$P-core" link set "$P-$n-h" master "$P-br" up
	ip -n "$P-$n" addr add "${IP[$n]}/24" dev eth0
	ip -n "$P-$n" link set eth0 up
done
mkdir -p "/tmp/$P-www.$$" && echo ok >"/tmp/$P-www.$$/index.html"
for n in web:80 db:3306; do
	ip netns exec "$P-${n%:*}" python3 -m http.server "${n#*:}" --bind "${IP[${n%:*}]}" \
		--directory "/tmp/$P-www.$$" >/dev/null 2>&1 &
	PIDS+=($!)
done
up() { ip netns exec "$P-client" curl -s -o /dev/null --max-time 1 "http://${IP[web]}/"; }
wait_for up || fail "web did not come up"

con_start 80 24
for n in client web db; do
	"$BPFLAB" netpol endpoint add "$n" --ip "${IP[$n]}" --netns "$P-core" \
		--ifname "$P-$n-h" --label "app=$n" >/dev/null || fail "endpoint $n"
done
"$BPFLAB" netpol apply "$TOP/tests/data/cnp/good/web-db.yaml" >/dev/null || fail "netpol apply"
"$BPFLAB" observe -i "$P-web-h" --netns "$P-core" --duration 1s >/dev/null 2>&1 || fail "observe.attach"

# traffic for the whole check: GETs to web (one of them a 404: not a 5xx),
# and connection attempts to db that the policy drops
(
	end=$((SECONDS + 25))
	while [ $SECONDS -lt $end ]; do
		ip netns exec "$P-client" curl -s -o /dev/null --max-time 1 "http://${IP[web]}/"
		ip netns exec "$P-client" curl -s -o /dev/null --max-time 1 "http://${IP[web]}/missing"
		ip netns exec "$P-client" timeout 0.3 bash -c "</dev/tcp/${IP[db]}/3306" 2>/dev/null
		sleep 0.1
	done
) &
PIDS+=($!)

con_keys 3
con_wait "Traffic" || fail "no Traffic part on the map: $(con_capture)"
WAIT_SECS=15 wait_for con_has "req/s" || fail "no edge with req/s: $(con_capture)"
screen=$(con_capture)
assert_contains "$screen" "${IP[client]}" "the client's box"
assert_contains "$screen" "${IP[web]}:80/TCP" "the edge to web"
grep -Eq "[0-9]+ req/s [0-9]+ err p99 [0-9.]+ms" <<<"$screen" || fail "req/s, errors, p99 on the edge: $screen"
WAIT_SECS=15 wait_for con_has "DENIED" || fail "no denied edge: $(con_capture)"
screen=$(con_capture)
assert_contains "$screen" "${IP[db]}:3306/TCP" "the denied edge goes to db"
# red: the denied edge's row carries the red colour (SGR 31 or 38;5;1 / 91)
red=$($CON_TMUX capture-pane -p -e -t con | grep "DENIED")
grep -Eq $'\e\\[([0-9;]*;)?(31|91|38;5;(1|9))m' <<<"$red" || fail "the denied edge is not red: $(cat -v <<<"$red")"
con_assert_clean 3
# scrolling: the last row of the map moves when Down is pressed
before=$(con_capture | sed -n 3,22p)
for _ in 1 2 3 4 5 6; do con_keys Down; done
sleep 0.5
after=$(con_capture | sed -n 3,22p)
[ "$before" != "$after" ] || fail "Down did not scroll the map"
con_quit
exit 0
