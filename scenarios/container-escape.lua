-- container-escape: from a privileged sandbox (all capabilities, the host's
-- /dev, writable cgroupfs), try the classic ways out. Each technique runs in
-- its own privileged sandbox so one kill does not hide the next.
--   mount-disk     mount the host's root block device and read its files
--   nsenter        enter pid 1's namespaces (setns)
--   release-agent  mount a cgroup v1 hierarchy and plant a release_agent
--   kmod           load a kernel module (finit_module)
--   shocker        open a host inode by a forged handle (open_by_handle_at),
--                  the 2014 "shocker" technique (lab/tools/shocker.c)
--   cgroup-procs   (ns sandboxes) with the host's cgroup namespace in view,
--                  write its own pid to the root cgroup.procs, leaving the
--                  sandbox's cgroup, then nsenter: the policy follows the
--                  process tree, so leaving the cgroup escapes nothing
-- In enforce mode every attempt dies by SIGKILL (the release-agent chain's
-- mount is a child of its shell: the chain must stop) and the host is untouched:
-- the sandbox never read the host's files. In monitor mode the attempts run
-- and are reported. Some fail on their own here: the host refuses the disk
-- mount (EPERM) and modules (ENOSYS), and a new v1 hierarchy cannot be made
-- from inside a cgroup namespace (EPERM). For those, monitor mode requires
-- the attempt to be seen; nsenter must succeed.
-- cgroup-procs needs the cgroup tree in view (docker's --cgroupns=host):
-- only bpflab's own ns launcher offers that here; with runc and containerd
-- the sandbox's cgroup namespace hides every parent, and it is not run.
-- In a vm sandbox the attacker is root on the guest's own kernel, and the
-- guest's agent denies each call with EPERM (BPF-LSM: sb_mount, capable for
-- setns and open_by_handle_at, kernel_read_file/kernel_load_data), so the
-- attacker lives and its call fails. One guest takes every technique. The
-- guest has no disk: mount-disk mounts the guest's own root file system
-- again (the same mount(2) of the machine's root), and the mount table,
-- read inside the guest, is the evidence.

return scenario {
  name = "container-escape",
  title = "A privileged container tries to break out to the host",
  requires = { "enforce" },

  setup = function(ctx)
    ctx.vm = ctx.opt.sandbox == "vm"
    ctx.dev = ctx.vm and "/" or lab.host_root_device()
    ctx.leak_file = ctx.vm and "/mnt/host/etc/os-release" or "/mnt/host/etc/hostname"
    ctx.techniques = {
      { name = "mount-disk",
        cmd = "mkdir -p /mnt/host && exec mount -o " .. (ctx.vm and "bind " or "ro ")
          .. ctx.dev .. " /mnt/host", direct = true },
      { name = "nsenter", cmd = "exec nsenter -t 1 -m -u -i -n -p hostname", direct = true },
      -- a named v1 hierarchy: the plant is proven by the write, never triggered
      { name = "release-agent",
        cmd = "mkdir -p /tmp/cg && mount -t cgroup -o none,name=bl-escape cgroup /tmp/cg"
          .. " && echo /bin/true > /tmp/cg/release_agent && umount /tmp/cg" },
      { name = "kmod", cmd = "echo junk > /tmp/evil.ko && exec insmod /tmp/evil.ko", direct = true },
      -- the host's devtmpfs is in a privileged sandbox's /dev
      { name = "shocker", cmd = "exec /usr/lib/bpflab/shocker /dev/null", direct = true },
      -- the shell moves itself; /proc/self/cgroup proves it left; then exec
      { name = "cgroup-procs", cgroupns = "host", direct = true, only = "ns",
        cmd = "echo $$ > /sys/fs/cgroup/cgroup.procs && grep '^0::' /proc/self/cgroup"
          .. " && exec nsenter -t 1 -m -u -i -n -p hostname" },
    }
    ctx.boxes = {}
    for i, t in ipairs(ctx.techniques) do
      -- every box exists (the policy names them all); a technique this
      -- kind cannot stage is skipped
      t.skip = t.only and t.only ~= ctx.opt.sandbox
      if ctx.vm and i > 1 then
        -- one guest takes every technique: an EPERM leaves it as it was
        ctx.boxes[i] = ctx.boxes[1]
      else
        ctx.boxes[i] = lab.sandbox { name = "escape-" .. t.name, privileged = true,
          cgroupns = not t.skip and t.cgroupns or nil }
      end
    end
    lab.policy.apply "policies/deny-escape.yaml"
  end,

  run = function(ctx)
    ctx.procs = {}
    for i, t in ipairs(ctx.techniques) do
      if t.skip then
        lab.say("escape via " .. t.name .. ": needs a " .. t.only .. " sandbox, skipped")
      else
        lab.step("escape via " .. t.name .. ": " .. t.cmd)
        ctx.procs[i] = ctx.boxes[i]:spawn { "sh", "-c", t.cmd, timeout = 10 }
      end
    end
    -- what the disk mount exposed, read from inside the box
    ctx.leak = ctx.boxes[1]:spawn { "cat", ctx.leak_file, timeout = 5 }
    if ctx.vm then ctx.mounts = ctx.boxes[1]:read "/proc/mounts" end
  end,

  verify = function(ctx)
    local must_succeed = { nsenter = true, shocker = true, ["cgroup-procs"] = true }
    for i, t in ipairs(ctx.techniques) do
      local p = ctx.procs[i]
      if t.skip then goto continue end
      if ctx.mode == "enforce" then
        if t.direct and ctx.vm then
          -- BPF-LSM fails the call before it acts: nothing to kill
          lab.expect.denied(p, "EPERM")
        elseif t.direct then
          lab.expect.killed(p)
        else
          lab.expect.that(p.exit ~= 0, t.name .. ": the chain stopped (exit " .. tostring(p.exit or p.signal) .. ")")
        end
      elseif must_succeed[t.name] then
        lab.expect.exited(p, 0)
      end
      -- by pid where the spawned process made the call itself (a vm's
      -- pids are its guest's: name the box too)
      if t.direct then
        lab.expect.event { policy = "lab-deny-escape", pid = p.pid, timeout = 5,
                           sandbox = ctx.vm and ctx.boxes[i].name or nil }
      else
        lab.expect.event { policy = "lab-deny-escape", sandbox = ctx.boxes[i].name, timeout = 5 }
      end
      ::continue::
    end
    for i, t in ipairs(ctx.techniques) do
      if t.name == "shocker" and ctx.mode == "enforce" then
        lab.expect.that(not ctx.procs[i].stdout:find("opened by handle", 1, true),
          "shocker: no host inode was opened by handle")
      elseif t.name == "cgroup-procs" and not t.skip then
        -- it really left: its cgroup v2 path was the root, not the sandbox's
        lab.expect.that(ctx.procs[i].stdout:find("0::/\n", 1, true) ~= nil,
          "cgroup-procs: the shell left its cgroup (" .. ctx.procs[i].stdout:gsub("\n", " ") .. ")")
      end
    end
    if ctx.mode == "enforce" then
      lab.expect.that(ctx.leak.stdout == "",
        "the host's disk stayed out of reach (" .. #ctx.leak.stdout .. " bytes leaked)")
    end
    if ctx.vm then
      -- the guest's own mount table says whether the mounts happened
      local mounted = ctx.mounts and ctx.mounts:find(" /mnt/host ", 1, true) ~= nil
      local v1 = ctx.mounts and ctx.mounts:find(" cgroup ", 1, true) ~= nil
      if ctx.mode == "enforce" then
        lab.expect.that(ctx.mounts and not mounted and not v1,
          "the guest's mount table has no /mnt/host and no cgroup v1 hierarchy")
      else
        lab.expect.that(mounted and ctx.leak.stdout ~= "",
          "monitor: the root file system was mounted again and read through (" .. #ctx.leak.stdout .. " bytes)")
      end
    end
  end,
}
