-- trouble-backend: "the shop fails now and then", and it is one backend
-- behind the load balancer. The service trouble-shop (VIP 198.18.5.80:8080)
-- spreads customers over web1..web3; the shop process on web3 has crashed,
-- but the LB still sends it its share. The evidence the operator reads:
-- `bpflab svc backends trouble-shop` shows web3 active and taking
-- connections, and `bpflab observe` shows those connections answered with
-- TCP resets from 198.18.1.3:8080 while web1 and web2 answer HTTP 200.
--
-- Runs on the default lab (brought up and down here when it is not already
-- up) with an engine that has the lb and observe modules.

local SVC, VIP = "trouble-shop", "198.18.5.80"
local DEAD = "198.18.1.3"

return scenario {
  name = "trouble-backend",
  title = "Network or app? The shop fails now and then (a backend is down)",
  requires = { "lb", "observe" },

  setup = function(ctx)
    ctx.since = os.date("!%Y-%m-%dT%H:%M:%SZ") -- only this run's flows count
    if not lab.bpflab { "lab", "status" }.stdout:find("lab: up", 1, true) then
      local up = lab.bpflab { "lab", "up", timeout = 60 }
      if up.exit ~= 0 then error("lab up failed: " .. up.stderr) end
      ctx.lab_ours = true
    end
    ctx.shops = {}
    for i = 1, 3 do
      ctx.shops[i] = lab.node { "web" .. i, "busybox", "httpd", "-f", "-p", "198.18.1." .. i .. ":8080",
        "-h", lab.dir() .. "/policies/trouble-shop-www", background = true }
    end
    for i = 1, 3 do -- each shop answers before the LB sends it anyone
      local ip, up = "198.18.1." .. i, false
      for _ = 1, 20 do
        up = lab.node { "web" .. i, "curl", "-s", "-m", "1", "-o", "/dev/null", "http://" .. ip .. ":8080/" }.exit == 0
        if up then break end
        lab.sleep(0.1)
      end
      if not up then error("the shop on " .. ip .. ":8080 did not start") end
    end
    local r = lab.bpflab { "svc", "add", SVC, "--vip", VIP .. ":8080/tcp", "--backend", "198.18.1.1:8080",
      "--backend", "198.18.1.2:8080", "--backend", DEAD .. ":8080" }
    if r.exit ~= 0 then error("svc add: " .. r.stderr .. r.stdout) end
    ctx.svc = true
    -- flows at the backends' ports of the lab bridge, by the engine
    r = lab.bpflab { "observe", "-i", "bl-web1", "-i", "bl-web2", "-i", "bl-web3", "--netns", "bpflab-lab-hub",
      "--duration", "1s", "-o", "compact" }
    if r.exit ~= 0 then error("observe attach: " .. r.stderr) end
  end,

  run = function(ctx)
    lab.step "The shop process on web3 crashes"
    lab.kill(ctx.shops[3])
    ctx.shops[3] = nil
    lab.step "Customers keep opening the shop through the VIP (18 connections)"
    -- distinct source ports: the socket-LB picks a backend per connection;
    -- fresh ones per run, so no earlier run's flow state is reused
    local ports, base = {}, math.random(20000, 50000)
    for i = 1, 18 do ports[i] = tostring(base + i * 7) end
    local r = lab.node { "client", "sh", "-c",
      "for p in " .. table.concat(ports, " ") .. "; do " ..
      "curl -s -m 2 --local-port $p -o /dev/null -w '%{http_code} ' http://" .. VIP .. ":8080/; done", timeout = 40 }
    ctx.codes = r.stdout
    lab.say("HTTP codes (000: failed): " .. ctx.codes)
  end,

  verify = function(ctx)
    local ok = select(2, ctx.codes:gsub("200", ""))
    local failed = select(2, ctx.codes:gsub("000", ""))
    lab.expect.that(ok > 0 and failed > 0, ok .. " requests succeed and " .. failed .. " fail", { codes = ctx.codes })
    local be = lab.bpflab { "svc", "backends", SVC }.stdout
    lab.say("svc backends " .. SVC .. ":\n" .. be)
    local dead = be:match("[^\n]*" .. DEAD:gsub("%.", "%%.") .. ":8080[^\n]*") or ""
    local conns = tonumber(dead:match("^%S+%s+%d+%s+%S+%s+(%d+)") or "0")
    lab.expect.that(dead:find("active", 1, true) and conns > 0,
      "the LB still sends " .. DEAD .. ":8080 connections (" .. conns .. ")", { backend = dead })
    local rst
    for _ = 1, 10 do
      rst = lab.bpflab { "observe", "--since", ctx.since, "--from-ip", DEAD, "-o", "compact" }.stdout
      if rst:find("RST", 1, true) then break end
      lab.sleep(0.5)
    end
    local line = rst:match("[^\n]*RST[^\n]*") or ""
    lab.say("observe: " .. line)
    -- endpoints show as addresses, or as lab names once identities resolve
    local from_dead = line:find(DEAD .. ":8080 ->", 1, true) or line:find("web3:8080 ->", 1, true)
    lab.expect.that(from_dead ~= nil, "observe shows TCP resets from " .. DEAD .. ":8080 (web3)", { flow = line })
    local good = lab.bpflab { "observe", "--since", ctx.since, "--type", "l7", "-o", "compact" }.stdout
    lab.expect.that(good:find("=> 200", 1, true) ~= nil and not good:find(DEAD .. ":8080 ->", 1, true)
      and not good:find("web3:8080 ->", 1, true), "the other backends answer HTTP 200")
  end,

  teardown = function(ctx)
    if ctx.svc then lab.bpflab { "svc", "rm", SVC } end
    for _, p in pairs(ctx.shops or {}) do lab.kill(p) end
    if ctx.lab_ours then lab.bpflab { "lab", "down", timeout = 60 } end
  end,
}
