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

# con_storm_measure: start a console, run a fork storm (3 workers, two
# process events per fork) and measure. Sets RATE (the Ev/s meter), CPU (%
# of one CPU used by the console process, engine included, over 5 s), LAT
# (ms from send-keys to the new tab on screen, 7 presses) and LAT_MEDIAN.
# Skips on a host already loaded by other work.
con_storm_measure() {
	local load1 gen=/tmp/bl-console-storm-$$ shell pid c0 c1 t0 t1 s e k
	need_cmd "${CC:-cc}"
	read -r load1 _ </proc/loadavg
	awk -v l="$load1" -v n="$(nproc)" 'BEGIN { exit !(l > 2 * n) }' &&
		skip "host load $load1 on $(nproc) CPUs: timings would measure the other work"
	printf '%s\n' '#include <stdlib.h>' '#include <sys/wait.h>' '#include <time.h>' \
		'#include <unistd.h>' \
		'int main(int argc, char **argv)' '{' \
		'	time_t end = time(NULL) + atoi(argv[1]);' \
		'	while (time(NULL) < end) {' \
		'		pid_t p = fork();' \
		'		if (p == 0)' '			_exit(0);' \
		'		if (p > 0)' '			waitpid(p, NULL, 0);' \
		'	}' '	return argc < 2;' '}' >"$gen.c"
	"${CC:-cc}" -O2 -o "$gen" "$gen.c" || fail "cannot build the storm generator"

	con_start 80 24
	shell=$($CON_TMUX display -p -t con '#{pane_pid}')
	pid=$(pgrep -P "$shell" -x bpflab | head -1)
	[ -n "$pid" ] || fail "no console process under the pane"

	for _ in 1 2 3; do "$gen" 20 & done
	sleep 3
	c0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") t0=$(date +%s%N)
	sleep 5
	c1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat") t1=$(date +%s%N)
	RATE=$(con_capture | head -1 | sed -n 's/.*Ev\/s \([0-9.k]*\).*/\1/p')
	CPU=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.1f", (b - a) / hz / ((t1 - t0) / 1e9) * 100 }')
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
	wait
	rm -f "$gen" "$gen.c"
	LAT_MEDIAN=$(printf '%s\n' "${LAT[@]}" | sort -n | sed -n 4p)
	echo "events/s: $RATE  console CPU: $CPU%  key latency ms: ${LAT[*]} (median $LAT_MEDIAN)"
}

trap con_cleanup EXIT
