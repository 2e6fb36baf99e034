# Sourced by tests/console/test_*.sh: drive `bpflab console` in a private
# tmux server (send-keys / capture-pane). Every test gets its own server
# socket and run dir, and the trap stops the console (so its engine removes
# what it made) and the server.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CON_TMUX="tmux -L bl-console-test-$$"
CON_EXIT=/tmp/bl-console-test-$$.exit
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-console}

con_cleanup() {
	if $CON_TMUX has-session -t con 2>/dev/null; then
		$CON_TMUX send-keys -t con q 2>/dev/null
		WAIT_SECS=20 wait_for test -s "$CON_EXIT" || true
	fi
	$CON_TMUX kill-server 2>/dev/null
	rm -f "$CON_EXIT"
}

# con_start COLS ROWS [console args...]: start and wait for the first frame.
# The default lab stays down (--no-lab) unless CON_LAB=1: each test brings up
# only what it checks.
con_start() {
	local cols=$1 rows=$2
	shift 2
	need_cmd tmux
	rm -f "$CON_EXIT"
	$CON_TMUX new-session -d -s con -x "$cols" -y "$rows" \
		"env BPFLAB_RUN_DIR=$BPFLAB_RUN_DIR LANG=${CON_LANG:-C.UTF-8} TERM=${CON_TERM:-xterm-256color} $BPFLAB console $([ "${CON_LAB:-0}" = 1 ] || echo --no-lab) $* 2>/tmp/bl-console-test-$$.err; echo \$? >$CON_EXIT; echo BL-CONSOLE-EXIT; sleep 600" ||
		fail "tmux would not start"
	WAIT_SECS=60 wait_for con_has " Ev/s " ||
		fail "the console did not draw: $(con_capture; cat /tmp/bl-console-test-$$.err)"
}

con_capture() { $CON_TMUX capture-pane -p -t con; }
con_has() { con_capture | grep -q -- "$1"; }
con_keys() { $CON_TMUX send-keys -t con "$@"; }
# con_wait PATTERN [secs]: until the screen shows PATTERN.
con_wait() { WAIT_SECS=${2:-10} wait_for con_has "$1"; }

# con_quit: q, then the exit code must be 0 and the shell screen back.
con_quit() {
	con_keys q
	WAIT_SECS=30 wait_for test -s "$CON_EXIT" || fail "the console did not exit after q"
	assert_eq "$(cat "$CON_EXIT")" 0 "console exit code"
}

# Text that must never appear on a screen.
con_assert_clean() {
	local screen
	screen=$(con_capture)
	assert_not_contains "$screen" "rror:" "error text on screen $1"
	assert_not_contains "$screen" "could not open" "screen $1 failed to open"
	assert_not_contains "$screen" "too small" "screen $1 says the terminal is too small"
}

# con_storm_measure [RATE]: send a flow storm through an engine and
# measure, twice: first through `bpflab console` (its engine runs in the
# console's process), which then quits (q, exit 0), then through a bare
# `bpflab engine` with the same modules (the baseline: what the engine
# costs at that rate without the console). The storm is
# real: UDP datagrams (tests/console/flow_storm.c), each to a new address
# and port, leave a namespace over a veth where observe is attached at tc,
# so each is one flow record through the ring buffer, the engine and its
# sinks. Sets:
#   RATE        events/s the engine delivered to the console (status counters)
#   CPU         % of one CPU used by the console process (engine included)
#   ENGINE_CPU  % of one CPU used by the bare engine at the same storm
#   ENGINE_RATE events/s it delivered meanwhile
#   UI_CPU      what the console itself adds at 50,000 events/s: the
#               difference of the two CPU-per-event figures, times 50,000
#   LAT, LAT_MEDIAN  ms from send-keys to the new tab on screen, 7 presses
# Skips on a host already loaded by other work (CON_STORM_ANY_LOAD=1
# measures anyway).
CON_STORM_NS=bl-cons-st$$
CON_STORM_PID=
con_storm_cleanup() {
	[ -n "$CON_STORM_PID" ] && kill "$CON_STORM_PID" 2>/dev/null && wait "$CON_STORM_PID" 2>/dev/null
	stop_engine
	ip netns del "$CON_STORM_NS-a" 2>/dev/null
	ip netns del "$CON_STORM_NS-b" 2>/dev/null
	rm -f "/tmp/$CON_STORM_NS-gen" "/tmp/$CON_STORM_NS.out"
	true
}
# Delivered events so far, summed over the engine's modules.
con_events_total() {
	"$BPFLAB" status --json | python3 -c 'import json,sys; print(sum(m.get("events", 0) for m in json.load(sys.stdin)["modules"]))'
}
# con_storm_window PID RATE: run the storm; after 4 s measure PID's CPU and
# the delivered events over 5 s. Sets _CPU and _RATE; the storm keeps going
# for the caller (CON_STORM_PID) until it ends by itself.
con_storm_window() {
	local pid=$1 want=$2 c0 c1 t0 t1 e0 e1
	"$BPFLAB" observe -i "bl-cst$$a" --netns "$CON_STORM_NS-a" --duration 1s >/dev/null 2>&1 ||
		fail "observe.attach on the storm's veth"
	ip netns exec "$CON_STORM_NS-a" "/tmp/$CON_STORM_NS-gen" "$want" 16 >"/tmp/$CON_STORM_NS.out" &
	CON_STORM_PID=$!
	sleep 4
	e0=$(con_events_total) c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") t0=$(date +%s%N)
	sleep 5
	e1=$(con_events_total) c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") t1=$(date +%s%N)
	_CPU=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f", (b - a) / hz / ((t1 - t0) / 1e9) * 100 }')
	_RATE=$(awk -v a="$e0" -v b="$e1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%d", (b - a) / ((t1 - t0) / 1e9) }')
}
con_storm_measure() {
	local want=${1:-55000} load1 shell pid s e k mods meter
	local a=$CON_STORM_NS-a b=$CON_STORM_NS-b
	need_cmd "${CC:-cc}"
	need_cmd ip
	need_cmd python3
	read -r load1 _ </proc/loadavg
	[ "${CON_STORM_ANY_LOAD:-0}" = 1 ] ||
		! awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > 2 * n) }' ||
		skip "host load $load1 on $(nproc) CPUs: timings would measure the other work"
	"${CC:-cc}" -O2 -o "/tmp/$CON_STORM_NS-gen" "$TOP/tests/console/flow_storm.c" ||
		fail "cannot build the storm generator"
	trap 'con_cleanup; con_storm_cleanup' EXIT
	ip netns add "$a" && ip netns add "$b" || fail "netns"
	ip link add "bl-cst$$a" netns "$a" type veth peer name "bl-cst$$b" netns "$b" || fail "veth"
	ip -n "$a" addr add 198.18.91.1/24 dev "bl-cst$$a"
	ip -n "$b" addr add 198.18.91.2/24 dev "bl-cst$$b"
	ip -n "$a" link set "bl-cst$$a" up && ip -n "$b" link set "bl-cst$$b" up || fail "link up"
	ip -n "$a" route add 198.19.0.0/16 via 198.18.91.2 || fail "route"

	con_start 80 24
	shell=$($CON_TMUX display -p -t con '#{pane_pid}')
	pid=$(pgrep -P "$shell" -x bpflab | head -1)
	[ -n "$pid" ] || fail "no console process under the pane"
	mods=$("$BPFLAB" status --json | python3 -c 'import json,sys; print(",".join(m["name"] for m in json.load(sys.stdin)["modules"]))')
	con_storm_window "$pid" "$want"
	CPU=$_CPU RATE=$_RATE
	LAT=()
	for k in 4 1 6 1 5 1 4; do
		s=$(date +%s%N)
		con_keys "$k"
		for _ in $(seq 2000); do
			con_capture | sed -n 2p | grep -q " $k [A-Z]" && break
		done
		e=$(date +%s%N)
		LAT+=($(((e - s) / 1000000)))
	done
	meter=$(con_capture | head -1 | cut -c8-)
	wait "$CON_STORM_PID"
	CON_STORM_PID=
	con_quit

	# the baseline: the same storm through a bare engine with the same modules
	ENGINE_LOG=/tmp/$CON_STORM_NS-engine.log start_engine --modules "$mods"
	con_storm_window "$ENGINE_PID" "$want"
	ENGINE_CPU=$_CPU ENGINE_RATE=$_RATE
	wait "$CON_STORM_PID"
	CON_STORM_PID=
	stop_engine
	rm -f "/tmp/$CON_STORM_NS-engine.log"
	# per event, so a storm the busy host slowed in one run compares fairly
	UI_CPU=$(awk -v c="$CPU" -v r="$RATE" -v e="$ENGINE_CPU" -v er="$ENGINE_RATE" \
		'BEGIN { printf "%.1f", (c / (r > 0 ? r : 1) - e / (er > 0 ? er : 1)) * 50000 }')
	LAT_MEDIAN=$(printf '%s\n' "${LAT[@]}" | sort -n | sed -n 4p)
	echo "storm: $(cat "/tmp/$CON_STORM_NS.out"); delivered to the console: $RATE events/s; its meter: $meter"
	echo "CPU at that rate: console process $CPU% (bare engine $ENGINE_CPU% at $ENGINE_RATE events/s, so the console adds $UI_CPU% at 50k events/s); host load $load1"
	echo "key latency ms: ${LAT[*]} (median $LAT_MEDIAN)"
}

trap con_cleanup EXIT
