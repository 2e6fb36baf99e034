-- virtual-patch: a vulnerable service is patched live, with zero downtime.
-- vulnsvc (lab/tools/vulnsvc.c) answers GET / and has a command injection
-- in GET /ping?host=X (system("ping -c1 " .. X)). httpload keeps a steady
-- legitimate load on GET / the whole time and records every request. The
-- exploit works first (its marker file lands in the sandbox); then a
-- TracingPolicy is applied live that kills any execve the service's binary
-- makes (the forked child of system() still is the service's binary when it
-- calls execve("/bin/sh")); the exploit is stopped; the policy is removed
-- live and the exploit works again. Measured: the service's id (pid and
-- start nonce) never changes, failed legitimate requests per phase (must be
-- zero), p50/p99/max latency before, during and after the apply and the
-- delete. Monitor mode: the exploit succeeds under the policy and is reported.

local TOOLS = "/usr/lib/bpflab/"
local PORT, DIR, RATE = "8080", "/tmp/vp", "400"
local POLICY = "lab-virtual-patch"

local function tool(name, ...)
  return { TOOLS .. name, ... }
end

-- GET / through the service: its body names the process instance
local function service_id(box)
  local p = box:spawn(tool("httpload", "get", "127.0.0.1", PORT, "/"))
  return p.exit == 0 and p.stdout:match("id=(%S+)") or nil
end

-- The injection: ";" ends ping's argument, the rest is the attacker's.
local function exploit(box, marker)
  -- "#": the rest of the service's command line becomes a comment
  local q = "127.0.0.1%3Becho%20pwned%3E" .. marker:gsub("/", "%%2F") .. "%20%23"
  local argv = tool("httpload", "get", "127.0.0.1", PORT, "/ping?host=" .. q)
  argv.timeout = 10
  local p = box:spawn(argv)
  lab.say("exploit GET /ping?host=" .. q .. " -> " .. (p.stdout or ""):gsub("\n", ""))
  return p
end

-- Sleep while reading the engine's event stream: the lab reads events only
-- while it waits for one, and a subscriber that stops reading for seconds
-- on a busy host has events dropped by the engine, the kill event included.
local function pause(s)
  local ev, msg = lab.wait_event { type = "vpatch-none", timeout = s }
  if not ev and msg and msg:match("^no engine") then lab.sleep(s) end
end

-- A new load phase starts; returns the load's clock (ns) at the mark.
local function mark(box, phase)
  return math.tointeger(box:exec(tool("httpload", "mark", DIR, phase)).stdout:match("%d+"))
end

local function now(box)
  return math.tointeger(box:exec(tool("httpload", "now")).stdout:match("%d+"))
end

-- "phase=NAME requests=N ..." lines into { NAME = {requests=N, ...} }
local function parse_report(text)
  local phases, total = {}, {}
  for line in text:gmatch("[^\n]+") do
    local t = {}
    for k, v in line:gmatch("([%w_]+)=(%S+)") do t[k] = tonumber(v) or v end
    if t.phase then phases[t.phase] = t
    elseif line:match("^total ") then total = t end
  end
  return phases, total
end

local function marker_check(ctx, path, want)
  local bytes = ctx.box:read(path)
  lab.expect.that((bytes == "pwned\n") == want,
    (want and "the exploit's marker is on disk: " or "no marker on disk: ") .. path,
    { path = path, present = bytes ~= nil, bytes = bytes and #bytes or 0 })
end

-- The kill event's story line: the shell-to-be, its parent the service.
local function story(ev)
  local k = ev and ev.process_kprobe
  if not k or not k.process then return end
  local p, pp = k.process, k.parent or {}
  lab.say(string.format("event: %s pid %s (child of %s pid %s) %s %s",
    tostring(p.binary), tostring(p.pid), tostring(pp.binary), tostring(pp.pid),
    tostring(k.function_name), tostring(k.action)))
end

return scenario {
  name = "virtual-patch",
  title = "A command injection is patched live under load: no restart, no failed request",
  requires = { "enforce" },

  setup = function(ctx)
    ctx.box = lab.sandbox { name = "vpatch-svc", labels = { role = "victim" } }
    ctx.svc = ctx.box:spawn { background = true, table.unpack(tool("vulnsvc", PORT)) }
    for _ = 1, 50 do
      ctx.id_before = service_id(ctx.box)
      if ctx.id_before then break end
      lab.sleep(0.1)
    end
    if not ctx.id_before then error("vulnsvc did not answer on 127.0.0.1:" .. PORT) end
    ctx.load = ctx.box:spawn { background = true,
      table.unpack(tool("httpload", "run", DIR, "127.0.0.1", PORT, "/", RATE)) }
    lab.say("vulnsvc " .. ctx.id_before .. " (host pid " .. ctx.svc.pid ..
      ") under " .. RATE .. " req/s of GET /")
  end,

  -- Phases (marks in the load's clock): before | exploit-before | apply
  -- (the apply call and the second after it) | patched | exploit-patched |
  -- delete (likewise) | after | exploit-after. The exploits get phases of
  -- their own: system() blocks this one-threaded service while the shell
  -- runs, and that is the bug's cost, not the patch's.
  run = function(ctx)
    lab.step "baseline: legitimate load, no policy"
    pause(2)
    lab.step "the exploit works: a shell runs the attacker's command"
    mark(ctx.box, "exploit-before")
    ctx.e_before = exploit(ctx.box, "/tmp/pwned-before")

    lab.step "apply the virtual patch live"
    local t0 = mark(ctx.box, "apply")
    lab.policy.apply "policies/virtual-patch.yaml"
    ctx.apply_ms = (now(ctx.box) - t0) / 1e6
    pause(1)
    mark(ctx.box, "patched")
    pause(1)
    lab.step "the exploit again, under the patch"
    mark(ctx.box, "exploit-patched")
    ctx.e_patched = exploit(ctx.box, "/tmp/pwned-patched")
    -- checked now, while the event is fresh (see pause)
    if ctx.mode == "enforce" then
      story(lab.expect.event { policy = POLICY, action = "KPROBE_ACTION_SIGKILL", timeout = 5 })
    else
      story(lab.expect.event { policy = POLICY, timeout = 5 })
    end

    lab.step "remove the patch live"
    t0 = mark(ctx.box, "delete")
    lab.policy.remove(POLICY)
    ctx.delete_ms = (now(ctx.box) - t0) / 1e6
    pause(1)
    mark(ctx.box, "after")
    pause(1)
    lab.step "the exploit once more: the patch is gone"
    mark(ctx.box, "exploit-after")
    ctx.e_after = exploit(ctx.box, "/tmp/pwned-after")

    local stop = ctx.box:spawn(tool("httpload", "stop", DIR))
    ctx.report = stop.stdout or ""
    ctx.id_after = service_id(ctx.box)
  end,

  verify = function(ctx)
    local phases, total = parse_report(ctx.report)

    -- 1. the exploit works before the patch, and again after it is removed
    marker_check(ctx, "/tmp/pwned-before", true)
    marker_check(ctx, "/tmp/pwned-after", true)
    -- 2. under the patch: stopped (enforce) or seen (monitor)
    if ctx.mode == "enforce" then
      marker_check(ctx, "/tmp/pwned-patched", false)
      lab.expect.that((ctx.e_patched.stdout or ""):match("killed by signal 9") ~= nil,
        "the service saw its shell die by SIGKILL and answered",
        { response = ctx.e_patched.stdout or "", exit = ctx.e_patched.exit })
    else
      marker_check(ctx, "/tmp/pwned-patched", true)
    end
    -- 3. the service was never restarted
    lab.expect.that(ctx.id_before ~= nil and ctx.id_before == ctx.id_after and total.ids == 1,
      "the service kept its pid (id " .. tostring(ctx.id_before) .. " before and after, " ..
        tostring(total.ids) .. " id seen by the load)",
      { id_before = ctx.id_before, id_after = ctx.id_after, ids_seen = total.ids,
        host_pid = ctx.svc.pid })
    -- 4. zero failed legitimate requests, and the latency of each phase
    local function across(names)
      local f, n, ev = 0, 0, {}
      for _, name in ipairs(names) do
        local p = phases[name]
        if not p then return 1, 0, ev end -- a phase without a request
        f, n, ev[name] = f + p.failed, n + p.requests, p
      end
      return f, n, ev
    end
    local fa, na, ea = across { "apply", "patched", "exploit-patched" }
    ea.apply_ms = ctx.apply_ms
    lab.expect.that(fa == 0 and na > 0, string.format(
      "0 failed legitimate requests across the apply (%d of %d; apply took %.0f ms)",
      fa, na, ctx.apply_ms or -1), ea)
    local fd, nd, ed = across { "delete", "after", "exploit-after" }
    ed.delete_ms = ctx.delete_ms
    lab.expect.that(fd == 0 and nd > 0, string.format(
      "0 failed legitimate requests across the delete (%d of %d; delete took %.0f ms)",
      fd, nd, ctx.delete_ms or -1), ed)
    -- p99 from the request's slot in the schedule / from its send
    local p99 = {}
    for _, name in ipairs { "before", "apply", "patched", "delete", "after" } do
      local p = phases[name] or {}
      p99[#p99 + 1] = name .. " " .. tostring(p.p99_us) .. "/" .. tostring(p.svc_p99_us)
    end
    lab.expect.that(total.requests ~= nil and total.requests > 0 and total.failed == 0,
      "p99 latency (µs, scheduled/service): " .. table.concat(p99, ", ") .. "; " ..
        tostring(total.requests) .. " requests, " .. tostring(total.failed) .. " failed",
      { rate_per_s = tonumber(RATE), requests = total.requests, failed = total.failed,
        apply_ms = ctx.apply_ms, delete_ms = ctx.delete_ms, phases = phases })
  end,
}
