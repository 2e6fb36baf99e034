-- passwd-write: a root shell in a sandbox adds a second root account.
-- Three ways in: a shell append, `sed -i` (a temp file renamed over the
-- original) and a truncating rewrite. The bytes on disk decide, not the
-- event: in enforce mode /etc/passwd must keep its exact bytes and the writer
-- must die by SIGKILL; in monitor mode the write lands and the event is seen.

local EVIL = "evil:x:0:0::/root:/bin/sh"

local attacks = {
  { name = "append", cmd = "echo '" .. EVIL .. "' >> /etc/passwd" },
  { name = "sed-i", cmd = "exec sed -i '$a " .. EVIL .. "' /etc/passwd" },
  { name = "rewrite", cmd = "{ cat /etc/passwd; echo '" .. EVIL .. "'; } > /tmp/p && cat /tmp/p > /etc/passwd" },
}

return scenario {
  name = "passwd-write",
  title = "A root shell in a container appends a root user to /etc/passwd",
  requires = { "enforce" },

  setup = function(ctx)
    ctx.boxes = {}
    for i, a in ipairs(attacks) do
      ctx.boxes[i] = lab.sandbox { name = "passwd-" .. a.name, labels = { role = "victim" } }
    end
    lab.policy.apply "policies/protect-passwd.yaml"
  end,

  run = function(ctx)
    ctx.procs = {}
    for i, a in ipairs(attacks) do
      lab.step("attacker: " .. a.cmd)
      ctx.procs[i] = ctx.boxes[i]:spawn { "sh", "-c", a.cmd, timeout = 10 }
    end
  end,

  verify = function(ctx)
    for i, a in ipairs(attacks) do
      local p, box = ctx.procs[i], ctx.boxes[i]
      if ctx.mode == "enforce" then
        lab.expect.unchanged(box, "/etc/passwd")
        -- the append and sed are one process; the rewrite's writer is a child
        if a.name ~= "rewrite" then lab.expect.killed(p) end
      else
        lab.expect.changed(box, "/etc/passwd")
        lab.expect.exited(p, 0)
      end
      -- by pid where the spawned process is the writer: an event made in a
      -- sandbox's first half second may not carry its name yet
      if a.name == "rewrite" then
        lab.expect.event { policy = "lab-protect-passwd", sandbox = box.name, timeout = 5 }
      else
        lab.expect.event { policy = "lab-protect-passwd", pid = p.pid, timeout = 5 }
      end
    end
  end,
}
