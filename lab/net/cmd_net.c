// SPDX-License-Identifier: GPL-2.0
/*
 * `bpflab net`: proves the namespace plumbing end to end (two hosts on a
 * bridge in a third netns) and removes what it built.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console/cli.h"
#include "engine/journal.h"
#include "lab/net/net.h"
#include "util/log.h"
#include "util/util.h"

#define NT_SW "bpflab-nt-sw"
#define NT_A "bpflab-nt-a"
#define NT_B "bpflab-nt-b"

static int build_host(const char *ns, const char *sw_port, const char *addr)
{
	int err;

	err = net_ns_create(ns);
	if (!err)
		err = net_veth_create(ns, "eth0", NT_SW, sw_port);
	if (!err)
		err = net_link_set_master(NT_SW, sw_port, "br0");
	if (!err)
		err = net_link_set_up(NT_SW, sw_port);
	if (!err)
		err = net_addr_add(ns, "eth0", addr);
	if (!err)
		err = net_link_set_up(ns, "eth0");
	if (!err)
		err = net_route_add(ns, "198.19.0.0/16", "198.18.250.1",
				    "eth0");
	return err;
}

/* Runs inside NT_A: its own netns inode must differ from the host's. */
static int check_inside(void *arg)
{
	struct stat here;

	if (stat("/proc/thread-self/ns/net", &here))
		return 1;
	return here.st_ino == *(ino_t *)arg ? 2 : 0;
}

static int net_check(void)
{
	char *ping[] = { "ping", "-q", "-c",	       "1",
			 "-W",	 "2",  "198.18.250.3", NULL };
	struct stat host;
	char val[16];
	int err, saved;

	err = net_ns_create(NT_SW);
	if (!err)
		err = net_bridge_create(NT_SW, "br0");
	if (!err)
		err = net_addr_add(NT_SW, "br0", "198.18.250.1/24");
	if (!err)
		err = net_link_set_up(NT_SW, "br0");
	if (!err)
		err = build_host(NT_A, "a0", "198.18.250.2/24");
	if (!err)
		err = build_host(NT_B, "b0", "198.18.250.3/24");
	if (!err)
		err = net_sysctl_set(NT_SW, "net.ipv4.ip_forward", "1");
	if (err)
		goto out;
	/* the sysctl is per-namespace: read it back from inside */
	err = net_ns_enter(NT_SW, &saved);
	if (err)
		goto out;
	err = read_file("/proc/sys/net/ipv4/ip_forward", val, sizeof(val));
	net_ns_leave(saved);
	if (err < 0 || val[0] != '1') {
		pr_err("ip_forward in %s is not 1\n", NT_SW);
		err = -EIO;
		goto out;
	}
	if (stat("/proc/thread-self/ns/net", &host) ||
	    net_ns_run(NT_A, check_inside, &host.st_ino)) {
		pr_err("a function did not run inside %s\n", NT_A);
		err = -EIO;
		goto out;
	}
	err = net_ns_exec(NT_A, ping);
	if (err) {
		pr_err("ping %s -> 198.18.250.3 failed (status %d)\n", NT_A,
		       err);
		err = -EIO;
		goto out;
	}
	printf("net: ok (netns %s, %s, %s; veth, bridge, addresses, routes, sysctl, run, exec)\n",
	       NT_SW, NT_A, NT_B);
out:
	return err;
}

/* Undo the live netns/link journal entries, newest first. */
static int net_down(void)
{
	struct journal_entry *ents = NULL;
	int i, n = 0, failed = 0, err;

	err = journal_live(&ents, &n);
	if (err)
		return err;
	for (i = n - 1; i >= 0; i--)
		if (!strcmp(ents[i].kind, "link") ||
		    !strcmp(ents[i].kind, "netns"))
			if (journal_undo_one(ents[i].seq))
				failed++;
	free(ents);
	return failed ? -EIO : 0;
}

static int cmd_net(int argc, char **argv)
{
	bool keep = false;
	int err;

	if (argc < 2) {
		cli_print_usage(cli_find("net"));
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "down"))
		return net_down() ? EXIT_FAIL : EXIT_OK;
	if (strcmp(argv[1], "check") != 0) {
		fprintf(stderr, "bpflab net: unknown command '%s'\n", argv[1]);
		return EXIT_USAGE;
	}
	keep = argc > 2 && !strcmp(argv[2], "--keep");
	err = net_check();
	if (!keep && net_down())
		err = err ? err : -EIO;
	return err ? EXIT_FAIL : EXIT_OK;
}

CLI_COMMAND(
	net, .name = "net",
	.summary = "check or clean the lab's namespace plumbing",
	.usage =
		"usage: bpflab net check [--keep]\n"
		"       bpflab net down\n"
		"\n"
		"  check    build netns " NT_SW
		" (bridge br0, 198.18.250.1/24) with\n"
		"           " NT_A " and " NT_B
		" on it over veth pairs, set a\n"
		"           sysctl inside, run a function and ping inside, then\n"
		"           remove it all. --keep leaves the topology up.\n"
		"  down     remove every namespace and link bpflab's journal\n"
		"           still holds (BPFLAB_RUN_DIR selects the journal).\n",
	.run = cmd_net, .needs_root = true, .order = 80);
