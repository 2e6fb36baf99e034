// SPDX-License-Identifier: GPL-2.0
/*
 * The tc LB on a veth's ingress. Each attachment is journaled ("lb-tc NS
 * IFNAME"), so a crash never leaves the program on a link that survives.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "engine/journal.h"
#include "lab/net/net.h"
#include "skel/lb.skel.h"
#include "lb/lb_priv.h"
#include "util/log.h"

#define LB_TC_HANDLE 0xb1
#define LB_TC_PRIO 0xb1

/* Detach our filter from ingress of ifname in ns; clsact stays for others. */
static int tc_detach(const char *ns, const char *ifname)
{
	int saved, ifindex, err;

	if (ns && !net_ns_exists(ns))
		return 0; /* went with its namespace */
	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	ifindex = if_nametoindex(ifname);
	if (ifindex) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LB_TC_HANDLE,
			    .priority = LB_TC_PRIO);

		err = bpf_tc_detach(&hook, &opts);
		if (err == -ENOENT || err == -EINVAL)
			err = 0;
	}
	net_ns_leave(saved);
	return err;
}

static int undo_lb_tc(const char *arg)
{
	char ns[64], ifname[IF_NAMESIZE + 1];

	if (sscanf(arg, "%63s %16s", ns, ifname) != 2)
		return -EINVAL;
	return tc_detach(strcmp(ns, "-") ? ns : NULL, ifname);
}
JOURNAL_UNDO("lb-tc", undo_lb_tc, "tc load balancer");

int lb__tc_prog_fd(const struct lb *lb)
{
	return bpf_program__fd(lb->skel->progs.bl_lb_tc);
}

int lb__tc_attach(struct lb *lb, const char *ns, const char *ifname)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LB_TC_HANDLE,
		    .priority = LB_TC_PRIO);
	struct lb_tc *t;
	int saved, err, seq;

	if (lb->ntc >= LB_MAX_TC)
		return -ENOSPC;
	t = &lb->tc[lb->ntc];
	snprintf(t->ns, sizeof(t->ns), "%s", ns ? ns : "");
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	t->ifindex = if_nametoindex(ifname);
	if (!t->ifindex) {
		err = -ENODEV;
		goto out;
	}
	seq = journal_record("lb-tc", "%s %s", ns ? ns : "-", ifname);
	if (seq < 0) {
		err = seq;
		goto out;
	}
	hook.ifindex = t->ifindex;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		goto undo;
	opts.prog_fd = lb__tc_prog_fd(lb);
	opts.flags = BPF_TC_F_REPLACE;
	err = bpf_tc_attach(&hook, &opts);
	if (err)
		goto undo;
	t->journal_seq = seq;
	lb->ntc++;
	goto out;
undo:
	journal_release(seq);
out:
	net_ns_leave(saved);
	if (err)
		pr_err("lb: tc on %s (netns %s): %s\n", ifname,
		       ns ? ns : "host", strerror(-err));
	return err;
}

void lb_tc_detach_all(struct lb *lb)
{
	for (int i = lb->ntc - 1; i >= 0; i--) {
		struct lb_tc *t = &lb->tc[i];

		if (!tc_detach(t->ns[0] ? t->ns : NULL, t->ifname))
			journal_release(t->journal_seq);
	}
	lb->ntc = 0;
}
