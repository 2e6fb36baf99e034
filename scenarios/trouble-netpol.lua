-- trouble-netpol: "the site is down", and it is the network. A
-- CiliumNetworkPolicy meant for the web tier names a label no client has,
-- so the client's connections to web1:80 are dropped at tc. The evidence the
-- operator reads: DROPPED / POLICY_DENIED flows naming the policy in
-- `bpflab observe`, and `bpflab netpol check` agreeing; nginx itself is fine
-- (web1 answers from its own host).
--
-- Runs on the default lab (`bpflab lab up`; brought up and down here when it
-- is not already up) with an engine that has the netpol and observe modules.

local POLICY = "trouble-web-ingress"
local WEB1 = "198.18.1.1"

local function curl(node, url)
  return lab.node { node, "curl", "-s", "-m", "1", "-o", "/dev/null", "-w", "%{http_code}", url, timeout = 5 }
end

return scenario {
  name = "trouble-netpol",
  title = "Network or app? The shop is unreachable (a network policy drop)",
  requires = { "netpol", "observe" },

  setup = function(ctx)
    ctx.since = os.date("!%Y-%m-%dT%H:%M:%SZ") -- only this run's flows count
    local st = lab.bpflab { "lab", "status" }
    if not st.stdout:find("lab: up", 1, true) then
      -- an engine that saw an earlier lab keeps its endpoints' old links:
      -- forget them, so `lab up` attaches to the new ones
      for _, host in ipairs { "client", "web1", "web2", "web3", "db", "c2" } do
        lab.bpflab { "netpol", "endpoint", "rm", host }
      end
      local up = lab.bpflab { "lab", "up", timeout = 60 }
      if up.exit ~= 0 then error("lab up failed: " .. up.stderr) end
      ctx.lab_ours = true
    end
    local r = lab.bpflab { "netpol", "apply", lab.dir() .. "/policies/" .. POLICY .. ".yaml" }
    if r.exit ~= 0 then error("netpol apply: " .. r.stderr .. r.stdout) end
    ctx.applied = true
  end,

  run = function(ctx)
    lab.step "A customer (the client sandbox's address) opens the shop on web1:80"
    ctx.codes = {}
    for i = 1, 2 do ctx.codes[i] = curl("client", "http://" .. WEB1 .. "/").stdout end
    lab.say("the client gets: " .. table.concat(ctx.codes, ", ") .. " (000: no answer)")
    lab.step "The web team checks nginx on web1 itself: it answers"
    ctx.local_code = curl("web1", "http://" .. WEB1 .. "/").stdout
    lab.say("web1 to itself: HTTP " .. ctx.local_code)
  end,

  verify = function(ctx)
    lab.expect.that(ctx.codes[1] == "000", "the client's requests get no answer", { codes = table.concat(ctx.codes, ",") })
    lab.expect.that(ctx.local_code == "200", "nginx on web1 is healthy (HTTP " .. ctx.local_code .. " from its own host)")
    -- the evidence, through bpflab's own outputs, within a few seconds: the
    -- flow log (`observe --since`) and the live stream (`events --type
    -- flow`) while the customer retries
    lab.node { "client", "sh", "-c", "for i in 1 2 3 4; do curl -s -m 1 -o /dev/null http://" .. WEB1 .. "/; sleep 0.3; done", background = true }
    local live = lab.bpflab { "events", "--type", "flow", "--timeout", "2s", timeout = 10 }.stdout
    local logged = lab.bpflab { "observe", "--since", ctx.since, "--verdict", "DROPPED", "--to-ip", WEB1, "-o", "json" }.stdout
    local line = (logged .. "\n" .. live):match("[^\n]*POLICY_DENIED[^\n]*") or ""
    lab.say("flow: " .. line:sub(1, 160) .. " ...")
    lab.expect.that(line:find('"DROPPED"', 1, true) and line:find('"198.18.0.10"', 1, true)
      and line:find(POLICY, 1, true),
      "a flow from the client to web1 is DROPPED, POLICY_DENIED by " .. POLICY, { flow = line })
    local chk = lab.bpflab { "netpol", "check", "--from", "client", "--to", "web1", "--port", "80" }.stdout
    lab.say("netpol check: " .. chk:gsub("\n", " "))
    lab.expect.that(chk:find("denied", 1, true) ~= nil, "`netpol check client -> web1:80` says denied", { check = chk })
    local list = lab.bpflab { "netpol", "list" }.stdout
    lab.expect.that(list:find(POLICY, 1, true) ~= nil, "`netpol list` shows " .. POLICY .. " in force")
  end,

  teardown = function(ctx)
    if ctx.applied then lab.bpflab { "netpol", "delete", POLICY } end
    if ctx.lab_ours then lab.bpflab { "lab", "down", timeout = 60 } end
  end,
}
