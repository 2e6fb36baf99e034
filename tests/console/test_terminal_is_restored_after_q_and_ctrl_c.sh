#!/usr/bin/env bash
# After q, and after Ctrl-C, the shell gets its terminal back: the
# alternate screen is left, echo and canonical mode are on again, and the
# engine the console ran is gone (no socket, no lock holder).
# timeout: 180
. "$(dirname "$0")/tmux_lib.sh"
need_root

check_restored() {
	local how=$1
	WAIT_SECS=30 wait_for con_has BL-CONSOLE-EXIT || fail "no shell after $how: $(con_capture)"
	assert_eq "$($CON_TMUX display -p -t con '#{alternate_on}')" 0 "alternate screen after $how"
	# the pane's tty must be back in cooked mode with echo
	tty=$($CON_TMUX display -p -t con '#{pane_tty}')
	modes=$(stty -a -F "$tty")
	assert_contains "$modes" " icanon" "canonical mode after $how"
	assert_contains "$modes" " echo " "echo after $how"
	[ ! -S "$BPFLAB_RUN_DIR/engine.sock" ] || fail "engine socket left after $how"
}

con_start 80 24
con_keys 6
con_wait "6 Programs"
con_quit
check_restored q
con_cleanup

con_start 80 24
con_keys 4
con_wait "4 Security"
con_keys C-c
WAIT_SECS=30 wait_for test -s "$CON_EXIT" || fail "the console ignored Ctrl-C"
check_restored Ctrl-C
exit 0
