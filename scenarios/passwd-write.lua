-- passwd-write: a root shell in a sandbox adds a second root account.
-- Four ways in: a shell append, `sed -i` (a temp file renamed over the
-- original), a truncating rewrite and shadow's useradd (the base root file
-- system carries the host's, with its libraries; it writes /etc/passwd+ and
-- renames it over /etc/passwd). The bytes on disk decide, not
-- the event: in enforce mode the sandbox's own /etc/passwd (its overlayfs
-- copy) must keep its exact bytes and the writer must die by SIGKILL (in a
-- vm sandbox: the guest's BPF-LSM fails the write with EPERM); in
-- monitor mode the write lands and the event is seen.

local EVIL = "evil:x:0:0::/root:/bin/sh"

local attacks = {
  { name = "append", cmd = "echo '" .. EVIL .. "' >> /etc/passwd" },
  { name = "sed-i", cmd = "exec sed -i '$a " .. EVIL .. "' /etc/passwd" },
  -- exec: the shell opens /etc/passwd (O_TRUNC) itself, so the spawned
  -- process is the writer the policy must kill
  { name = "rewrite", cmd = "{ cat /etc/passwd; echo '" .. EVIL .. "'; } > /tmp/p && exec cat /tmp/p > /etc/passwd" },
  -- exit 77: this root file system has no useradd, nothing to judge
  { name = "useradd", cmd = "command -v useradd >/dev/null 2>&1 || exit 77; exec useradd -o -u 0 -g 0 -M evil2" },
}
local ABSENT = 77

return scenario {
  name = "passwd-write",
  title = "A root shell in a container appends a root user to /etc/passwd",
  requires = { "enforce" },

  setup = function(ctx)
    ctx.boxes = {}
    for i, a in ipairs(attacks) do
      if ctx.opt.sandbox == "vm" and i > 1 then
        -- one guest takes every attack: a VM boots in seconds, not
        -- milliseconds, and an EPERM leaves it as it was for the next one
        ctx.boxes[i] = ctx.boxes[1]
      else
        ctx.boxes[i] = lab.sandbox { name = "passwd-" .. a.name, labels = { role = "victim" } }
      end
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
      if a.name == "useradd" and p.exit == ABSENT then
        lab.say("useradd: not in this sandbox's root file system, skipped")
        goto continue
      end
      if ctx.mode == "enforce" then
        lab.expect.unchanged(box, "/etc/passwd")
        if ctx.opt.sandbox == "vm" and a.name == "useradd" then
          -- shadow says it in its own words ("cannot open /etc/passwd")
          lab.expect.that(p.exit ~= nil and p.exit ~= 0,
            "useradd failed before writing (exit " .. tostring(p.exit or p.signal) .. ")")
        elseif ctx.opt.sandbox == "vm" then
          -- the guest's BPF-LSM fails the write with EPERM before it lands
          lab.expect.denied(p, "EPERM")
        else
          lab.expect.killed(p)
        end
      else
        lab.expect.changed(box, "/etc/passwd")
        lab.expect.exited(p, 0)
      end
      -- by pid (every spawned process is the writer): an event made in a
      -- sandbox's first half second may not carry its name yet
      -- (a vm's pids are its guest's: every guest has a pid 99, so name the box)
      lab.expect.event { policy = "lab-protect-passwd", pid = p.pid, timeout = 5,
                         sandbox = ctx.opt.sandbox == "vm" and box.name or nil }
      ::continue::
    end
  end,
}
