#!/usr/bin/env bash
# Every screen (1-9) draws at 80x24 and 160x48: meter row, its tab, the key
# bar, and no error text. The help overlay opens and closes.
# timeout: 240
. "$(dirname "$0")/tmux_lib.sh"
need_root

titles=(Overview Flows "Service map" Security Processes Programs Bench Scenarios "Policies")
for size in 80x24 160x48; do
	con_start "${size%x*}" "${size#*x}"
	for i in 1 2 3 4 5 6 7 8 9; do
		con_keys "$i"
		con_wait "$i ${titles[$((i - 1))]}" 5 || fail "screen $i did not open at $size: $(con_capture)"
		sleep 0.3
		screen=$(con_capture)
		assert_contains "$(head -1 <<<"$screen")" "Progs .* Ev/s .* Lost .* Kills .* Drops .* Sandboxes .* Mode" "meter row at $size"
		assert_contains "$(tail -1 <<<"$screen")" "Quit" "key bar on screen $i at $size"
		[ "$(wc -l <<<"$screen")" -le "${size#*x}" ] || fail "screen $i overflows $size"
		con_assert_clean "$i at $size"
	done
	con_keys '?'
	con_wait "keys on every screen" 5 || fail "help did not open: $(con_capture)"
	con_keys x
	WAIT_SECS=5 wait_for bash -c "! $CON_TMUX capture-pane -p -t con | grep -q 'keys on every screen'" ||
		fail "help did not close"
	con_quit
	con_cleanup
done
exit 0
