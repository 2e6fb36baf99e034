// SPDX-License-Identifier: GPL-2.0
/*
 * A vm sandbox's network: libvirt makes the guest's tap (bl-vt-<hash of
 * run dir and name>) in the host's namespace when the domain starts; a lab
 * host (the C2 of c2-connect) takes it into its own namespace, so the
 * guest's eth0 and the lab host share one link and nothing of it is on the
 * host's network. The tap goes with that namespace or with the domain,
 * whichever goes first. A guest booted while `lab up` runs joins the lab
 * instead: its tap goes on the lab's bridge and eth0 gets a lab address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "lab/net/net.h"
#include "lab/sandbox/vm.h"
#include "lab/topology/topology.h"
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

/* Run a shell command in the guest; 0 if it exited 0. */
static int guest_sh(const struct sandbox *sb, const char *cmd)
{
	char *argv[] = { "/bin/busybox", "sh", "-c", (char *)cmd, NULL };
	struct sandbox_io io = { -1, -1, -1, false };
	int err, status;
	pid_t pid;

	err = vm_spawn(sb, argv, &io, &pid, NULL);
	if (err)
		return err;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

/*
 * 198.18.4.N/16 on the lab's segment: the lab's own nodes use 198.18.0-2
 * and .66; N comes from the tap's hash, so a name keeps its address.
 */
static void lab_address(const char *tap, char *ip, size_t size)
{
	unsigned long h = strtoul(tap + 6, NULL, 16);

	snprintf(ip, size, "198.18.4.%lu", h % 250 + 1);
}

int vm_net_join_lab(struct sandbox *sb)
{
	char tap[16], ip[32], cmd[160];
	int err;

	if (!topology_is_up())
		return 0;
	vm_tap_name(tap, sizeof(tap), sb->name);
	lab_address(tap, ip, sizeof(ip));
	err = net_link_move(NULL, tap, TOPO_HUB_NS);
	if (!err)
		err = net_link_set_master(TOPO_HUB_NS, tap, TOPO_BRIDGE);
	if (!err)
		err = net_link_set_up(TOPO_HUB_NS, tap);
	snprintf(cmd, sizeof(cmd),
		 "/bin/busybox ip link set eth0 up && "
		 "/bin/busybox ip addr add %s/16 dev eth0",
		 ip);
	if (!err)
		err = guest_sh(sb, cmd);
	if (err) {
		pr_err("vm %s: joining the lab's bridge %s: %s\n", sb->name,
		       TOPO_BRIDGE, strerror(-err));
		return err;
	}
	snprintf(sb->ip, sizeof(sb->ip), "%s", ip);
	pr_info("vm %s: on the lab's bridge as %s (tap %s)\n", sb->name, ip,
		tap);
	return 0;
}

int vm_net_attach(const struct sandbox *sb, const char *ns,
		  const char *host_cidr, const char *guest_cidr)
{
	char tap[16], cmd[256];
	int err;

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
	return guest_sh(sb, cmd);
}
