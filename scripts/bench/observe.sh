#!/usr/bin/env bash
# Flow-path overhead of `bpflab observe`: wrk requests/s between two network
# namespaces with the tc programs off, on (flows + HTTP), and flows only
# (--no-l7), side by side, in alternating rounds so drift hits all alike.
# "on" prints every record as JSON (to /dev/null) and logs it; "log" is the
# same capture with -o none: records go to the binary flow log and nothing
# renders JSON, as with an engine nobody is subscribed to.
# Both use the default L7 record budget (--l7-records adaptive: every pair
# counted in the kernel, errors/slow/first-per-connection always sent, the
# rest up to 2000 records/s, then counted as sampled); "onall" and "logall"
# are the same with --l7-records all (a record for every request).
# "empty" is the floor: an empty tc program (bl_flow_floor, FLOOR_OBJ) on the
# same ingress and egress hooks, no capture; what flows cost above it is the
# flow programs' own work, the rest is the tc hook itself.
# Reports events/s delivered to user space and events lost, never hiding them.
# Also the capture's CPU per record (utime + stime of the capture between
# attach and stop, over the records it delivered): a figure the shared
# machine's noise moves far less than req/s.
# Env: ROUNDS (3), SECS (10), CONNS (32), WORKLOADS ("keepalive close"),
# MODES ("off empty on onall log logall flows"),
# FLOW_LOG (the capture's flow-log directory; default on /tmp's disk),
# BPFLAB, FLOOR_OBJ (default: flow_floor.bpf.o next to BPFLAB), RESULTS.
set -u
cd "$(dirname "$0")/../.."
: "${BPFLAB:=$PWD/build/bpflab}" "${RESULTS:=$PWD/results/observe-$(date -u +%Y%m%dT%H%M%SZ)}"
: "${ROUNDS:=3}" "${SECS:=10}" "${CONNS:=32}" "${WORKLOADS:=keepalive close}"
: "${MODES:=off empty on onall log logall flows}"
: "${FLOOR_OBJ:=$(dirname "$BPFLAB")/bpf/flow_floor.bpf.o}"
export BPFLAB_RUN_DIR=${BPFLAB_RUN_DIR:-/run/bpflab-bench-observe}
for c in wrk nginx ip; do
	command -v "$c" >/dev/null || { echo "observe bench: $c is not installed (scripts/deps/observe.txt)" >&2; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "observe bench: needs root" >&2; exit 77; }
mkdir -p "$RESULTS"
tmp=$(mktemp -d /tmp/bl-obs-bench.XXXXXX)
ns_c=bpflab-obb$$c ns_s=bpflab-obb$$s if_c=bl-obb$$c if_s=bl-obb$$s
nginx_pid= cap_pid=
cleanup() {
	[ -n "$cap_pid" ] && kill -INT "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	ip netns del "$ns_c" 2>/dev/null
	ip netns del "$ns_s" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns_c" && ip netns add "$ns_s" || exit 1
ip -n "$ns_c" link add "$if_c" type veth peer name "$if_s" netns "$ns_s" || exit 1
ip -n "$ns_c" addr add 198.18.12.1/24 dev "$if_c"
ip -n "$ns_s" addr add 198.18.12.2/24 dev "$if_s"
ip -n "$ns_c" link set "$if_c" up
ip -n "$ns_s" link set "$if_s" up
ip -n "$ns_c" link set lo up
ip -n "$ns_s" link set lo up

cat >"$tmp/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp;
	proxy_temp_path $tmp;
	fastcgi_temp_path $tmp;
	uwsgi_temp_path $tmp;
	scgi_temp_path $tmp;
	server {
		listen 198.18.12.2:8080;
		location / { return 200 "ok\n"; }
	}
}
CONF
ip netns exec "$ns_s" nginx -c "$tmp/nginx.conf" &
nginx_pid=$!
for _ in $(seq 50); do
	ip netns exec "$ns_c" wrk -t1 -c1 -d1s http://198.18.12.2:8080/ >/dev/null 2>&1 && break
	sleep 0.1
done

# New connections per request (Connection: close) make every request a flow:
# the worst case for a per-connection flow table.
wrk_rps() { # extra wrk args...
	ip netns exec "$ns_c" wrk -t2 -c"$CONNS" -d"${SECS}s" "$@" http://198.18.12.2:8080/ 2>&1 |
		awk '/^Requests\/sec/ {print $2}'
}

# The floor: the empty program on both hooks, or off again.
floor() { # attach|detach
	local dir
	# An earlier capture may have left the clsact qdisc: reuse it.
	[ "$1" = attach ] && { tc -n "$ns_c" qdisc replace dev "$if_c" clsact || return 1; }
	for dir in ingress egress; do
		if [ "$1" = attach ]; then
			tc -n "$ns_c" filter add dev "$if_c" "$dir" bpf da \
				obj "$FLOOR_OBJ" sec tc || return 1
		else
			tc -n "$ns_c" filter del dev "$if_c" "$dir"
		fi
	done
}

run() { # mode keepalive|close
	local hdr=()
	[ "$2" = close ] && hdr=(-H "Connection: close")
	if [ "$1" = empty ]; then
		floor attach >&2 || { floor detach 2>/dev/null; echo "- - - - - -"; return; }
		echo "$(wrk_rps "${hdr[@]}") - - - - -"
		floor detach
		return
	fi
	if [ "$1" != off ]; then
		local l7=() out=json
		case $1 in
		flows) l7=(--no-l7) ;;
		onall) l7=(--l7-records all) ;;
		log) out=none ;;
		logall) out=none l7=(--l7-records all) ;;
		esac
		"$BPFLAB" observe -i "$if_c" --netns "$ns_c" -o "$out" "${l7[@]}" \
			--flow-log "${FLOW_LOG:-$tmp/flows}" >/dev/null 2>"$tmp/cap.err" &
		cap_pid=$!
		for _ in $(seq 50); do
			tc -n "$ns_c" filter show dev "$if_c" egress | grep -q bl_flow && break
			sleep 0.1
		done
	fi
	local t0 t1 rps c0 c1
	c0=$(cpu_ticks "$cap_pid")
	t0=$(date +%s.%N)
	rps=$(wrk_rps "${hdr[@]}")
	t1=$(date +%s.%N)
	if [ "$1" != off ]; then
		c1=$(cpu_ticks "$cap_pid")
		kill -INT "$cap_pid"
		wait "$cap_pid"
		cap_pid=
		# "observe: P packets, R records, L lost, ..." from the kernel counters
		read -r pk rec lost <<<"$(sed -n 's/^observe: \([0-9]*\) packets, \([0-9]*\) records, \([0-9]*\) lost.*/\1 \2 \3/p' "$tmp/cap.err")"
		# pairs the record budget counted but did not send (not lost)
		smp=$(sed -n 's/.*, \([0-9]*\) L7 sampled$/\1/p' "$tmp/cap.err")
		echo "$rps $(awk -v r="$rec" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", r/(b-a)}') ${lost:-?} ${pk:-?}" \
			"$(awk -v r="$rec" -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" \
				'BEGIN{if (r > 0) printf "%.2f", (b-a)*1e6/hz/r; else print "-"}')" \
			"$(awk -v r="${smp:-0}" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", r/(b-a)}')"
	else
		echo "$rps - - - - -"
	fi
}

# utime + stime of a process, in clock ticks (0 once it is gone).
cpu_ticks() {
	[ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}

echo "# $(uptime)" | tee "$RESULTS/observe.txt"
printf '%-10s %-6s %5s %12s %12s %10s %8s %10s %10s\n' workload mode round req_per_s events_per_s lost packets us_per_rec sampled_s | tee -a "$RESULTS/observe.txt"
for wl in $WORKLOADS; do
	for r in $(seq "$ROUNDS"); do
		for mode in $MODES; do
			read -r rps eps lost pk us smp <<<"$(run $mode $wl)"
			printf '%-10s %-6s %5s %12s %12s %10s %8s %10s %10s\n' "$wl" "$mode" "$r" "$rps" "$eps" "$lost" "$pk" "$us" "$smp" | tee -a "$RESULTS/observe.txt"
		done
	done
done
echo "# $(uptime)" | tee -a "$RESULTS/observe.txt"
# Median per workload and mode, and the loss from off to on.
python3 - "$RESULTS/observe.txt" <<'PY' | tee -a "$RESULTS/observe.txt"
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split() and l.split()[0] in ("keepalive", "close")]
for wl in ("keepalive", "close"):
    off = [float(r[3]) for r in rows if r[0] == wl and r[1] == "off" and r[3] != ""]
    if not off:
        continue
    m_off = statistics.median(off)
    for mode in ("empty", "on", "onall", "log", "logall", "flows"):
        on = [r for r in rows if r[0] == wl and r[1] == mode]
        if not on:
            continue
        m_on = statistics.median(float(r[3]) for r in on)
        if mode == "empty":  # the floor: no capture, no records
            print(f"{wl:10s} {mode:6s} median {m_on:.0f} req/s vs off {m_off:.0f}: "
                  f"overhead {(m_off - m_on) * 100 / m_off:.1f}% (the tc hook alone)")
            continue
        eps = statistics.median(float(r[4]) for r in on)
        lost = sum(int(r[5]) for r in on if r[5].isdigit())
        us = [float(r[7]) for r in on if len(r) > 7 and r[7] != "-"]
        cpu = f", {statistics.median(us):.2f} us capture CPU/record" if us else ""
        smp = [float(r[8]) for r in on if len(r) > 8 and r[8] != "-"]
        cpu += f", {statistics.median(smp):.0f} sampled/s" if smp else ""
        print(f"{wl:10s} {mode:6s} median {m_on:.0f} req/s vs off {m_off:.0f}: "
              f"overhead {(m_off - m_on) * 100 / m_off:.1f}%, {eps:.0f} events/s delivered, {lost} lost{cpu}")
PY
