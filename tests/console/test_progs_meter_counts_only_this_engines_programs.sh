#!/usr/bin/env bash
# The Progs meter counts the programs the console's own engine loaded, not
# every bl_ program on the host: two bl_-named programs loaded and pinned by
# bpftool (another tool's, as far as the console knows) leave it unchanged,
# while the host's count of bl_ programs goes up by two.
# timeout: 90
. "$(dirname "$0")/tmux_lib.sh"
need_root
need_cmd bpftool
obj=$TOP/$BUILD/bpf/enforce_floor.bpf.o
[ -f "$obj" ] || skip "no $obj (build first)"
pin=/sys/fs/bpf/bl-console-decoy-$$
trap 'con_cleanup; rm -rf "$pin"' EXIT

meter() { con_capture | head -1 | sed -n 's/.*Progs \([0-9]*\) .*/\1/p'; }
host_bl() { bpftool prog show | grep -c 'name bl_'; }

con_start 80 24
# the first refresh comes a second after start
WAIT_SECS=10 wait_for bash -c "[ \"\$($CON_TMUX capture-pane -p -t con | head -1 | sed -n 's/.*Progs \([0-9]*\) .*/\1/p')\" -gt 0 ]" ||
	fail "the meter shows no program: $(con_capture | head -1)"
sleep 2
before=$(meter) host_before=$(host_bl)
bpftool prog loadall "$obj" "$pin" || fail "bpftool could not load the decoys"
[ "$(host_bl)" -ge $((host_before + 2)) ] || fail "the decoys are not on the host"
sleep 2.5
after=$(meter)
assert_eq "$after" "$before" "the Progs meter after two foreign bl_ programs"
rm -rf "$pin"
con_quit
exit 0
