#!/usr/bin/env bash
# timeout: 120
# A real MariaDB (Debian mariadb-server, our own mariadbd with a private
# datadir in a lab netns, never the host service) answers a
# `SELECT SLEEP(0.2)` and a fast query; `bpflab observe mysql --slow 50ms`
# lists only the slow one, with its query text and a latency within 10% of
# 200 ms, measured at tc from the COM_QUERY to the first response byte, and
# the client that sent it: the sandbox whose cgroup the mariadb client runs
# in, and its pid and binary.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../helpers/observe.sh"
need_cmd mariadbd
need_cmd mariadb-install-db
need_cmd mariadb
need_cmd busybox
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-observe}

sb=obq-client-$$
cleanup() {
	"$BPFLAB" sandbox rm "$sb" >/dev/null 2>&1
	obs_cleanup
}
obs_pair obq 16
trap cleanup EXIT

mariadb-install-db --no-defaults --datadir="$tmp/data" --user=root \
	--auth-root-authentication-method=normal --skip-test-db >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; fail "mariadb-install-db"; }
ip netns exec "$ns_s" mariadbd --no-defaults --datadir="$tmp/data" --user=root \
	--socket="$tmp/sock" --pid-file="$tmp/pid" --bind-address="$ip_s" --port=3306 \
	--skip-grant-tables --skip-name-resolve --log-error="$tmp/err.log" &
db=$!
sql() { ip netns exec "$ns_c" mariadb --no-defaults -h "$ip_s" -u root --skip-ssl -N -e "$1"; }
# The client sandbox: its cgroup holds the mariadb client (in the lab netns).
"$BPFLAB" sandbox run --label app=obq-client "$sb" >/dev/null || fail "sandbox run"
cg=/sys/fs/cgroup/unified/bpflab/$sb
[ -d "$cg" ] || fail "no cgroup $cg"
sb_sql() { sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg" \
	ip netns exec "$ns_c" mariadb --no-defaults -h "$ip_s" -u root --skip-ssl -N -e "$1"; }
WAIT_SECS=30 wait_for sql "SELECT 1" >/dev/null || { tail "$tmp/err.log"; fail "mariadbd did not come up"; }
# A first SLEEP on a fresh server runs long (thread set-up): warm it up.
sql "SELECT SLEEP(0.05)" >/dev/null

"$BPFLAB" observe -i "$if_c" --netns "$ns_c" -o json --flow-log "$tmp/flows" \
	>"$tmp/capture.json" 2>"$tmp/capture.err" &
capture=$!
wait_for obs_attached || { cat "$tmp/capture.err"; fail "not attached"; }
assert_eq "$(sb_sql 'SELECT SLEEP(0.2)')" "0" "slow query"
assert_eq "$(sql 'SELECT 40 + 2')" "42" "fast query"
sleep 0.3
kill -INT "$capture"; wait "$capture"; capture=
cat "$tmp/capture.err"

out=$("$BPFLAB" observe mysql --slow 50ms --flow-log "$tmp/flows")
echo "$out"
assert_eq "$(tail -n +2 <<<"$out" | wc -l)" "1" "slow queries listed"
assert_contains "$out" "SELECT SLEEP(0.2)" "the slow query's text"
assert_not_contains "$out" "SELECT 40 + 2" "the fast query"
ms=$(tail -1 <<<"$out" | awk '{print $6}')
assert_eq "$(tail -1 <<<"$out" | awk '{print $2, $3}')" "198.18.16.1 $sb" "client address and sandbox"
tail -1 <<<"$out" | awk '{print $4}' | grep -Eq '^[0-9]+/mariadb$' || fail "client process (pid/binary)"
awk -v m="$ms" 'BEGIN{exit !(m >= 180 && m <= 220)}' || fail "latency $ms ms not within 10% of 200"
# Both queries are in the log, the fast one well under the threshold.
all=$("$BPFLAB" observe --flow-log "$tmp/flows" --protocol mysql -o compact)
echo "$all"
assert_contains "$all" "COM_QUERY SELECT 40 + 2 => RESULTSET" "fast query record"
json=$("$BPFLAB" observe mysql --slow 50ms --json --flow-log "$tmp/flows")
assert_contains "$json" '"query":"SELECT SLEEP(0.2)"' "JSON query text"
assert_contains "$json" "\"sandbox\":\"$sb\"" "JSON client sandbox"
echo PASS
