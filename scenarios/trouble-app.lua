-- trouble-app: "checkout is broken", and it is the application. The shop
-- (busybox httpd on web2:8080) answers every request at once over a clean
-- network, but its checkout handler fails with HTTP 500. The evidence the
-- operator reads: `bpflab observe` shows the L7 records GET /cgi-bin/checkout
-- => 500 next to FORWARDED handshakes and a 200 for the home page, with no
-- drop anywhere; `bpflab map` counts the 5xx on the client -> web2 edge.
--
-- Runs on the default lab (brought up and down here when it is not already
-- up) with an engine that has the observe module.

local SHOP = "198.18.1.2"
local URL = "http://" .. SHOP .. ":8080"

local function curl(path)
  return lab.node { "client", "curl", "-s", "-m", "2", "-o", "/dev/null", "-w", "%{http_code}", URL .. path, timeout = 5 }.stdout
end

return scenario {
  name = "trouble-app",
  title = "Network or app? Checkout fails (an application returning 500s)",
  requires = { "observe" },

  setup = function(ctx)
    ctx.since = os.date("!%Y-%m-%dT%H:%M:%SZ") -- only this run's flows count
    if not lab.bpflab { "lab", "status" }.stdout:find("lab: up", 1, true) then
      local up = lab.bpflab { "lab", "up", timeout = 60 }
      if up.exit ~= 0 then error("lab up failed: " .. up.stderr) end
      ctx.lab_ours = true
    end
    ctx.shop = lab.node { "web2", "busybox", "httpd", "-f", "-p", SHOP .. ":8080",
      "-h", lab.dir() .. "/policies/trouble-shop-www", background = true }
    -- flows and HTTP on the client's port of the lab bridge, by the engine
    local r = lab.bpflab { "observe", "-i", "bl-client", "--netns", "bpflab-lab-hub", "--duration", "1s", "-o", "compact" }
    if r.exit ~= 0 then error("observe attach: " .. r.stderr) end
  end,

  run = function(ctx)
    lab.step "A customer opens the shop on web2:8080, then checks out (4 tries)"
    ctx.home = curl("/")
    ctx.codes = {}
    for i = 1, 4 do ctx.codes[i] = curl("/cgi-bin/checkout") end
    lab.say("home page: HTTP " .. ctx.home .. "; checkout: HTTP " .. table.concat(ctx.codes, ", "))
  end,

  verify = function(ctx)
    lab.expect.that(ctx.home == "200" and ctx.codes[1] == "500", "the home page loads, checkout answers 500",
      { home = ctx.home, checkout = table.concat(ctx.codes, ",") })
    local l7, fwd, drops
    for _ = 1, 10 do
      l7 = lab.bpflab { "observe", "--since", ctx.since, "--ip", SHOP, "--type", "l7", "-o", "compact" }.stdout
      if l7:find("=> 500", 1, true) then break end
      lab.sleep(0.5)
    end
    local bad = l7:match("[^\n]*GET /cgi%-bin/checkout => 500[^\n]*") or ""
    lab.say("observe: " .. bad)
    lab.expect.that(bad ~= "", "observe's L7 records show GET /cgi-bin/checkout => 500", { record = bad })
    lab.expect.that(l7:find("GET / => 200", 1, true) ~= nil, "and GET / => 200 from the same server")
    fwd = lab.bpflab { "observe", "--since", ctx.since, "--ip", SHOP, "--verdict", "FORWARDED", "--type", "l3_l4", "-o", "compact" }.stdout
    drops = lab.bpflab { "observe", "--since", ctx.since, "--ip", SHOP, "--verdict", "DROPPED", "-o", "compact" }.stdout
    lab.expect.that(fwd:find("SYN, ACK", 1, true) ~= nil and drops == "",
      "the network is clean: handshakes FORWARDED, no DROPPED flow to or from " .. SHOP,
      { dropped = drops })
    local map = lab.bpflab { "map", "--since", ctx.since }.stdout
    -- endpoints show as addresses, or as lab names once identities resolve
    local edge = map:match("[^\n]*" .. SHOP:gsub("%.", "%%.") .. ":8080[^\n]*") or map:match("[^\n]*web2:8080[^\n]*") or ""
    local errors = tonumber(edge:match("^%S+%s+%S+%s+%d+%s+%d+%s+(%d+)") or "0")
    lab.say("map: " .. edge)
    lab.expect.that(errors >= 1, "the service map counts " .. errors .. " 5xx on the client -> " .. SHOP .. ":8080 edge", { map = map })
  end,

  teardown = function(ctx)
    if ctx.shop then lab.kill(ctx.shop) end
    if ctx.lab_ours then lab.bpflab { "lab", "down", timeout = 60 } end
  end,
}
