-- trouble-mysql: "the orders page takes seconds", and it is the database.
-- The shop's app server (web1) asks the lab's MariaDB (db, 198.18.2.1) for
-- the orders report; the query is slow (it sleeps per row, as a missing
-- index makes a query crawl), the quick lookups next to it are not, and the
-- network answers at once. The evidence the operator reads: `bpflab observe
-- mysql --slow 100ms` lists the report query with its latency and text,
-- measured at tc from the COM_QUERY to the first response byte.
--
-- Runs on the default lab (brought up and down here when it is not already
-- up) with an engine that has the observe module; needs MariaDB on the lab.

local DB = "198.18.2.1"
local SLOW = "SELECT SUM(total) FROM orders WHERE SLEEP(0.1) = 0"
local FAST = "SELECT total FROM orders WHERE id = 2"

local function sql(q)
  return lab.node { "web1", "mariadb", "--no-defaults", "-h", DB, "-u", "lab", "-plab",
    "--skip-ssl", "-N", "lab", "-e", q, timeout = 10 }
end

return scenario {
  name = "trouble-mysql",
  title = "Network or app? The orders page is slow (a slow MySQL query)",
  requires = { "observe" },

  setup = function(ctx)
    ctx.since = os.date("!%Y-%m-%dT%H:%M:%SZ") -- only this run's queries count
    if not lab.bpflab { "lab", "status" }.stdout:find("lab: up", 1, true) then
      local up = lab.bpflab { "lab", "up", timeout = 60 }
      if up.exit ~= 0 then error("lab up failed: " .. up.stderr) end
      ctx.lab_ours = true
    end
    local r
    for _ = 1, 20 do -- MariaDB may still be starting
      r = sql "CREATE TABLE IF NOT EXISTS orders (id INT PRIMARY KEY, total INT); REPLACE INTO orders VALUES (1, 10), (2, 20), (3, 30), (4, 40)"
      if r.exit == 0 then break end
      lab.sleep(0.5)
    end
    if r.exit ~= 0 then error("the lab's MariaDB does not answer: " .. r.stderr) end
    ctx.table = true
    -- a first SLEEP on a fresh server runs long (thread set-up): warm it up
    sql "SELECT SLEEP(0.01)"
    r = lab.bpflab { "observe", "-i", "bl-db", "--netns", "bpflab-lab-hub", "--duration", "1s", "-o", "compact" }
    if r.exit ~= 0 then error("observe attach: " .. r.stderr) end
  end,

  run = function(ctx)
    lab.step "The app server (web1) loads the orders page: two lookups and the report"
    ctx.t = {}
    for i, q in ipairs { FAST, SLOW, FAST } do
      ctx.t[i] = sql(q)
      lab.say(q .. " -> " .. (ctx.t[i].stdout:gsub("\n", "")) .. " (exit " .. tostring(ctx.t[i].exit) .. ")")
    end
    lab.step "The network team pings the database port: it answers"
    ctx.ping = lab.node { "web1", "bash", "-c", "exec 3<>/dev/tcp/" .. DB .. "/3306", timeout = 5 }
  end,

  verify = function(ctx)
    lab.expect.that(ctx.t[2].exit == 0 and ctx.ping.exit == 0, "the queries succeed and db:3306 accepts connections")
    local out
    for _ = 1, 10 do
      out = lab.bpflab { "observe", "mysql", "--slow", "100ms", "--since", ctx.since }.stdout
      if out:find("orders", 1, true) then break end
      lab.sleep(0.5)
    end
    lab.say("observe mysql --slow 100ms:\n" .. out)
    local row = out:match("[^\n]*" .. SLOW:gsub("[%(%)%.%=]", "%%%0") .. "[^\n]*") or ""
    local ms = tonumber(row:match("^%S+%s+%S+%s+%S+%s+([%d%.]+)") or "0")
    lab.expect.that(row ~= "" and ms >= 300, "the MySQL latency view lists the report query at " .. ms .. " ms", { row = row })
    lab.expect.that(not out:find(FAST, 1, true), "and not the quick lookups")
  end,

  teardown = function(ctx)
    if ctx.table then sql "DROP TABLE orders" end
    if ctx.lab_ours then lab.bpflab { "lab", "down", timeout = 60 } end
  end,
}
