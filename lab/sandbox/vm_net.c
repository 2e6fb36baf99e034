// SPDX-License-Identifier: GPL-2.0
/*
 * A vm sandbox's network: libvirt makes the guest's tap (bl-vt-<hash of
 * run dir and name>) in the host's namespace when the domain starts; a lab
 * host (the C2 of c2-connect) takes it into its own namespace, so the
 * guest's eth0 and the lab host share one link and nothing of it is on the
 * host's network. The tap goes with that namespace or with the domain,
 * whichever goes first.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "lab/net/net.h"
#include "lab/sandbox/vm.h"
#include "util/log.h"
#include "util/paths.h"
#include "util/util.h"

char *vm_tap_name(char *buf, size_t size, const char *name)
{
	uint32_t h = 2166136261u; /* FNV-1a: short, stable, fits IFNAMSIZ */
	/* of the run dir too: two bpflab instances may both run "bl-c2-victim" */
	const char *const parts[] = { bl_run_dir(), "/", name };

	for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(buf, size, "bl-vt-%08x", h);
	return buf;
}

int vm_net_attach(const struct sandbox *sb, const char *ns,
		  const char *host_cidr, const char *guest_cidr)
{
	char tap[16], cmd[256];
	char *argv[] = { "/bin/busybox", "sh", "-c", cmd, NULL };
	struct sandbox_io io = { -1, -1, -1, false };
	int err, status;
	pid_t pid;

	vm_tap_name(tap, sizeof(tap), sb->name);
	err = net_link_move(NULL, tap, ns);
	if (!err)
		err = net_link_set_up(ns, tap);
	if (!err)
		err = net_addr_add(ns, tap, host_cidr);
	if (err) {
		pr_err("vm %s: wiring its tap %s into %s: %s\n", sb->name, tap,
		       ns, strerror(-err));
		return err;
	}
	snprintf(cmd, sizeof(cmd),
		 "/bin/busybox ip link set eth0 up && "
		 "/bin/busybox ip addr add %s dev eth0",
		 guest_cidr);
	err = vm_spawn(sb, argv, &io, &pid, NULL);
	if (err)
		return err;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}
