// SPDX-License-Identifier: GPL-2.0
/*
 * The tc LB on a veth's ingress, through lab/net's journaled tc filters, so
 * a crash never leaves the program on a link that survives.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lab/net/net.h"
#include "skel/lb.skel.h"
#include "lb/lb_priv.h"

#define LB_TC_HANDLE 0xb1
#define LB_TC_PRIO 0xb1

int lb__tc_prog_fd(const struct lb *lb)
{
	return bpf_program__fd(lb->skel->progs.bl_lb_tc);
}

int lb__tc_attach(struct lb *lb, const char *ns, const char *ifname)
{
	struct net_tc *t;
	int err;

	if (lb->ntc >= LB_MAX_TC)
		return -ENOSPC;
	t = &lb->tc[lb->ntc];
	*t = (struct net_tc){ .handle = LB_TC_HANDLE, .prio = LB_TC_PRIO };
	snprintf(t->netns, sizeof(t->netns), "%s", ns ? ns : "");
	snprintf(t->ifname, sizeof(t->ifname), "%s", ifname);
	err = net_tc_attach(t, lb__tc_prog_fd(lb), -1);
	if (!err)
		lb->ntc++;
	return err;
}

void lb_tc_detach_all(struct lb *lb)
{
	for (int i = lb->ntc - 1; i >= 0; i--)
		net_tc_detach(&lb->tc[i]);
	lb->ntc = 0;
}
