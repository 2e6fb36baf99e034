#!/usr/bin/env bash
# timeout: 240
# `bpflab report` turns what bpflab measured into one self-contained HTML
# page: real inputs first (a short `bench enforce` and `bench lb`, one
# c2-connect attack, a scenario whose title and check carry HTML, flows
# captured at tc, a TracingPolicy and a CiliumNetworkPolicy in a running
# engine), then the page must carry their numbers, verdicts, story line,
# map edge, policies and doctor's table, escape every piece of text, load
# nothing from the network, and render in headless Chromium to a PNG that
# is not blank. Empty inputs give "no ... since T" sections and no chart;
# --since drops what is older; bad usage exits 2 and writes nothing.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/helpers/policies.sh"
need_root
CHROMIUM=$(command -v chromium || command -v chromium-browser) || skip "chromium is not installed"
need_cmd curl
PY=/usr/bin/python3 # Debian's, with python3-pil (scripts/deps/report.txt)
"$PY" -c 'import PIL' 2>/dev/null || fail "python3-pil is missing (scripts/install-deps.sh)"

export BPFLAB_RUN_DIR=/run/bpflab-test-report
export BPFLAB_SCENARIOS=$TOP/scenarios
tmp=$(mktemp -d /tmp/bpflab-report.XXXXXX)
export RESULTS=$tmp/bench BPFLAB_RESULTS_DIR=$tmp/runs
flows=$tmp/flows
ns_c=bpflab-rep$$c ns_s=bpflab-rep$$s if_c=bl-rep$$c if_s=bl-rep$$s
ENGINE_LOG=$tmp/engine.log
server= capture=
cleanup() {
	[ -n "$capture" ] && kill -INT "$capture" 2>/dev/null && wait "$capture" 2>/dev/null
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	ip netns del "$ns_c" 2>/dev/null
	ip netns del "$ns_s" 2>/dev/null
	stop_engine
	"$BPFLAB" down >/dev/null 2>&1 # doctor's journaled mounts, if it made any
	rm -rf "$tmp"
	true
}
trap cleanup EXIT
mkdir -p "$RESULTS" "$BPFLAB_RESULTS_DIR"

# ---- bad usage changes nothing; empty inputs are said plainly -------------
"$BPFLAB" report --since yesterday -o "$tmp/bad.html" 2>"$tmp/err"
assert_eq "$?" 2 "bad --since"
assert_contains "$(cat "$tmp/err")" "bad --since 'yesterday'"
"$BPFLAB" report 2>/dev/null
assert_eq "$?" 2 "no -o"
[ -e "$tmp/bad.html" ] && fail "a refused run wrote its file"

"$BPFLAB" report --since 1m --no-doctor --flow-log "$flows" -o "$tmp/empty.html" ||
	fail "report over empty inputs failed"
empty=$(cat "$tmp/empty.html")
for s in "No LB bench since 1m" "No enforcement bench since 1m" \
	"No attack runs since 1m" "No flows in the flow log since 1m" \
	"No engine is running" "not measured for this report"; do
	assert_contains "$empty" "$s"
done
assert_not_contains "$empty" "<svg" "a chart drawn from no data"

# ---- real inputs ------------------------------------------------------------
# the engine loads its programs (15 s and more on a busy machine) while the
# benches run; observe below captures in-process under its own run dir
"$BPFLAB" engine >"$ENGINE_LOG" 2>&1 &
ENGINE_PID=$!
"$BPFLAB" bench enforce --iters 2000 --reps 1 --web-secs 0 --out "$RESULTS" >"$tmp/enf.log" 2>&1 ||
	fail "bench enforce: $(tail -5 "$tmp/enf.log")"
# bench lb's namespaces have fixed names: wait for another run to finish
lb_free() { ! ip netns list | grep -q '^bpflab-bl-'; }
WAIT_SECS=150 wait_for lb_free || fail "another bench lb kept its namespaces for 150 s"
"$BPFLAB" bench lb --services 1,20 --modes none,iptables-legacy,ebpf --duration 300ms \
	--reps 1 --warmup 20 --out "$RESULTS" >"$tmp/lb.log" 2>&1 ||
	fail "bench lb: $(tail -5 "$tmp/lb.log")"

# flows: a client fetches twice from a web server (one 500) while observe
# captures in-process: its own run dir, as with an engine up it would ask the
# engine, which keeps its own flow log
ip netns add "$ns_c" && ip netns add "$ns_s" || fail "netns"
ip -n "$ns_c" link add "$if_c" type veth peer name "$if_s" netns "$ns_s" || fail "veth"
ip -n "$ns_c" addr add 198.18.17.1/24 dev "$if_c"
ip -n "$ns_s" addr add 198.18.17.2/24 dev "$if_s"
ip -n "$ns_c" link set "$if_c" up && ip -n "$ns_s" link set "$if_s" up || fail "link up"
read -r -d '' srv <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(500 if self.path == "/fail" else 200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("198.18.17.2", 8080), H).serve_forever()
PY
ip netns exec "$ns_s" "$PY" -c "$srv" &
server=$!
up() { ip netns exec "$ns_c" curl -s -o /dev/null --max-time 1 http://198.18.17.2:8080/; }
wait_for up || fail "web server did not come up"
BPFLAB_RUN_DIR=/run/bpflab-test-report-obs "$BPFLAB" observe -i "$if_c" --netns "$ns_c" \
	-o json --flow-log "$flows" >/dev/null 2>"$tmp/obs.err" &
capture=$!
attached() { tc -n "$ns_c" filter show dev "$if_c" egress | grep -q bl_flow_egress; }
wait_for attached || fail "observe did not attach: $(cat "$tmp/obs.err")"
for p in /a /fail; do ip netns exec "$ns_c" curl -s -o /dev/null "http://198.18.17.2:8080$p"; done
sleep 0.5
kill -INT "$capture"
wait "$capture"
capture=

WAIT_SECS=120 wait_for "$BPFLAB" status >/dev/null 2>&1 ||
	fail "the engine did not answer: $(tail -5 "$ENGINE_LOG")"
"$BPFLAB" status | grep -q '^enforce ' || fail "the engine runs without its enforce module"
mkdir -p "$tmp/guarded" && echo secret >"$tmp/guarded/file"
file_write_policy bl-report-watch monitor Prefix "$tmp/guarded/" >"$tmp/watch.yaml"
"$BPFLAB" policy apply "$tmp/watch.yaml" >/dev/null || fail "policy apply"
"$BPFLAB" netpol apply "$TOP/tests/data/cnp/good/web-db.yaml" >/dev/null || fail "netpol apply"

out=$("$BPFLAB" scenario run --json c2-connect) || fail "c2-connect did not PASS: $out"
kept=$(ls "$BPFLAB_RESULTS_DIR"/scenarios/*-c2-connect-*.json 2>/dev/null)
[ -n "$kept" ] || fail "the scenario run was not kept under \$BPFLAB_RESULTS_DIR/scenarios"
"$PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["verdict"]=="PASS" and r["time"].endswith("Z"), r' \
	"$kept" || fail "kept report lacks its verdict or time"

cat >"$tmp/escape.lua" <<'LUA'
return scenario {
  name = "bl-report-escape",
  title = "<script>alert('title')</script> & co",
  run = function(ctx) end,
  verify = function(ctx)
    lab.expect.that(true, "<img src=x onerror=alert(1)> held")
  end,
}
LUA
"$BPFLAB" scenario run --json "$tmp/escape.lua" >/dev/null || fail "escape scenario did not PASS"

# ---- the report -------------------------------------------------------------
"$BPFLAB" report --since 10m --flow-log "$flows" -o "$tmp/report.html" || fail "report failed"
html=$(cat "$tmp/report.html")
# its numbers are the bench's: eBPF conn/s at N=20 and bpflab's ns per write
ebpf=$("$PY" -c '
import glob, json, sys
r = json.load(open(glob.glob(sys.argv[1] + "/bench-lb-*.json")[0]))
print("{:,.0f}".format([x for x in r["results"] if x["mode"] == "ebpf" and x["services"] == 20 and x["vip"] == "last"][0]["conn_per_s"]))
' "$RESULTS") || fail "no eBPF row in the LB bench"
assert_contains "$html" "opened <b>$ebpf connections/s"
r10=$("$PY" -c '
import json, sys
r = json.load(open(sys.argv[1] + "/bench-enforce.json"))
print("%.1f ns per write" % [x for x in r["write_dev_null"] if x["setup"] == "rules10"][0]["ns"])
' "$RESULTS") || fail "no rules10 row in the enforce bench"
assert_contains "$html" "$r10"
assert_contains "$html" "connections per second vs number of services"
assert_contains "$html" "badge PASS\">PASS</span> c2-connect"
assert_contains "$html" "at the C2 198.18.66.1:4444: <b>0</b>"
assert_contains "$html" "KPROBE_ACTION_SIGKILL by policy lab-block-c2" "story line"
assert_contains "$html" ">198.18.17.2<" "map node"
assert_contains "$html" "← :8080/TCP · 2 conn · 2 req · 1 err" "map edge"
assert_contains "$html" "bl-report-watch</td><td>monitor"
assert_contains "$html" "web-ingress"
assert_contains "$html" "BTF <b>(required)</b>"
assert_contains "$html" "This host can run bpflab"
# text from inputs is escaped, and the page loads nothing
assert_contains "$html" "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; &amp; co"
assert_contains "$html" "&lt;img src=x onerror=alert(1)&gt; held"
grep -Eiq '<script|<img|<link|<iframe|<object|@import' <<<"$html" && fail "active or external content in the page"
# (a URL in the text is fine: the C2 implant's wget line is evidence)
grep -Eiq '(=|url\() *["'"'"']?(https?:)?//' <<<"$html" && fail "a network reference: $(grep -Eio '.{30}(=|url\() *["'"'"']?(https?:)?//.{30}' <<<"$html" | head -3)"
grep -Eio '(src|href|xlink:href)="[^#"][^"]*"' <<<"$html" | grep -q . && fail "a non-local src/href"
grep -Eo 'url\([^)]*\)' <<<"$html" | grep -vq '^url(#' && fail "a url() that is not a local fragment"

# --since drops what is older
touch -d '2 hours ago' "$RESULTS"/bench-enforce.json
"$BPFLAB" report --since 1h --no-doctor --flow-log "$flows" -o "$tmp/since.html" || fail "report --since 1h"
assert_contains "$(cat "$tmp/since.html")" "No enforcement bench since 1h"
assert_contains "$(cat "$tmp/since.html")" "opened <b>$ebpf connections/s"

# ---- it renders -------------------------------------------------------------
"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--user-data-dir="$tmp/chromium" --screenshot="$tmp/report.png" \
	--window-size=1280,4000 "file://$tmp/report.html" >"$tmp/chromium.log" 2>&1 ||
	fail "chromium failed: $(tail -5 "$tmp/chromium.log")"
"$PY" - "$tmp/report.png" <<'PY' || fail "the screenshot looks blank"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
assert (w, h) == (1280, 4000), im.size
px = im.getdata()
colours = len(set(px))
ink = sum(1 for p in px if sum(p) < 600) / (w * h)
# the lower half carries content too (not only a header on white)
low = im.crop((0, h // 2, w, h)).getdata()
low_ink = sum(1 for p in low if sum(p) < 600) / (w * h / 2)
print(f"{w}x{h}: {colours} colours, {ink:.1%} ink, {low_ink:.1%} in the lower half")
assert colours >= 200 and ink >= 0.02 and low_ink >= 0.01
PY

# the report itself made nothing on the host; what the test made is gone
stop_engine
ip netns del "$ns_c" && ip netns del "$ns_s" || fail "netns del"
kill "$server" && wait "$server" 2>/dev/null
server=
left=$(leftovers | grep -E 'bpflab-rep|bl-rep|bpflab-bl-|bl-c2-victim|bpflab-doctor')
[ -z "$left" ] || fail "left behind: $left"
echo ok
