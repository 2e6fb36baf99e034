// SPDX-License-Identifier: GPL-2.0
/*
 * tc ingress+egress on an endpoint's link. libbpf 1.1 has no tc links, so
 * each attachment is journaled ("netpol-tc NS IFNAME") and a crash never
 * leaves our filters on a link that outlives the engine.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "engine/journal.h"
#include "lab/net/net.h"
#include "netpol/netpol_priv.h"
#include "util/log.h"

#define NP_TC_HANDLE 0xb2
#define NP_TC_PRIO 0xb2

static const enum bpf_tc_attach_point points[2] = { BPF_TC_INGRESS,
						    BPF_TC_EGRESS };

/* Remove our two filters from ifname in ns; clsact stays for the others. */
static int tc_detach(const char *ns, const char *ifname)
{
	int saved, ifindex, err = 0;

	if (ns && !net_ns_exists(ns))
		return 0; /* went with its namespace */
	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	ifindex = if_nametoindex(ifname);
	for (int i = 0; ifindex && i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = points[i]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NP_TC_HANDLE,
			    .priority = NP_TC_PRIO);
		int ret = bpf_tc_detach(&hook, &opts);

		if (ret && ret != -ENOENT && ret != -EINVAL && !err)
			err = ret;
	}
	net_ns_leave(saved);
	return err;
}

static int undo_netpol_tc(const char *arg)
{
	char ns[64], ifname[IF_NAMESIZE + 1];

	if (sscanf(arg, "%63s %16s", ns, ifname) != 2)
		return -EINVAL;
	return tc_detach(strcmp(ns, "-") ? ns : NULL, ifname);
}
JOURNAL_UNDO("netpol-tc", undo_netpol_tc, "tc network-policy filters");

int np_tc_attach(struct netpol *np, struct netpol_endpoint *ep)
{
	const char *ns = ep->netns[0] ? ep->netns : NULL;
	int saved, err, seq = 0, ifindex;

	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	ifindex = if_nametoindex(ep->ifname);
	if (!ifindex) {
		err = -ENODEV;
		goto out;
	}
	seq = journal_record("netpol-tc", "%s %s", ns ? ns : "-", ep->ifname);
	if (seq < 0) {
		err = seq;
		goto out;
	}
	for (int i = 0; i < 2 && !err; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = points[i]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = NP_TC_HANDLE,
			    .priority = NP_TC_PRIO, .flags = BPF_TC_F_REPLACE,
			    .prog_fd = netpol__tc_prog_fd(np, i == 0));

		/* clsact holds both points: -EEXIST means it is already there */
		err = bpf_tc_hook_create(&hook);
		if (err == -EEXIST)
			err = 0;
		if (!err)
			err = bpf_tc_attach(&hook, &opts);
	}
out:
	net_ns_leave(saved);
	if (err && seq > 0) {
		tc_detach(ns, ep->ifname);
		journal_release(seq);
	} else if (!err) {
		ep->tc_seq = seq;
	}
	if (err)
		pr_err("netpol: tc on %s (netns %s): %s\n", ep->ifname,
		       ns ? ns : "host", strerror(-err));
	return err;
}

void np_tc_detach(struct netpol *np, struct netpol_endpoint *ep)
{
	(void)np;
	if (!ep->tc_seq)
		return;
	if (!tc_detach(ep->netns[0] ? ep->netns : NULL, ep->ifname))
		journal_release(ep->tc_seq);
	ep->tc_seq = 0;
}
