#!/usr/bin/env bash
# In a non-UTF-8 locale on a terminal without colours the console draws its
# boxes in ASCII and still renders every screen; after the window is
# resized it redraws at the new size (the key bar's "q Quit" moves to the
# new right edge).
# timeout: 120
. "$(dirname "$0")/tmux_lib.sh"
need_root

CON_LANG=C CON_TERM=vt100 con_start 80 24
screen=$(con_capture)
assert_contains "$screen" "+- Load balancing" "ASCII box corners"
assert_not_contains "$screen" "┌" "UTF-8 box drawing in the C locale"
for i in 2 3 4 5 6 7 8 9; do
	con_keys "$i"
	con_wait " $i [A-Z]" 5 || fail "screen $i did not open in ASCII mode: $(con_capture)"
	con_assert_clean "$i (ASCII)"
done
con_keys 1
$CON_TMUX resize-window -t con -x 120 -y 30 || skip "this tmux cannot resize a detached window"
WAIT_SECS=5 wait_for bash -c "$CON_TMUX capture-pane -p -t con | tail -1 | grep -q '^.\{114\}q Quit\$'" ||
	fail "no redraw at 120x30: $(con_capture | tail -1 | cat -A | head -c 300)"
con_has "2 Flows" || fail "the wide tab bar did not appear after the resize"
con_quit
exit 0
