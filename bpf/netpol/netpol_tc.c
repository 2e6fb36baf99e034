// SPDX-License-Identifier: GPL-2.0
/*
 * tc ingress+egress on an endpoint's link, through lab/net's journaled tc
 * filters: a crash never leaves ours on a link that outlives the engine.
 */
#include <stdio.h>

#include "engine/journal.h"
#include "lab/net/net.h"
#include "netpol/netpol_priv.h"

#define NP_TC_HANDLE 0xb2
#define NP_TC_PRIO 0xb2

/* The endpoint's attachment as lab/net's tc helper describes it. */
static struct net_tc ep_tc(const struct netpol_endpoint *ep)
{
	struct net_tc t = { .handle = NP_TC_HANDLE,
			    .prio = NP_TC_PRIO,
			    .seq = ep->tc_seq };

	snprintf(t.netns, sizeof(t.netns), "%s", ep->netns);
	snprintf(t.ifname, sizeof(t.ifname), "%s", ep->ifname);
	return t;
}

/*
 * Attach, or attach again: the filter replaces ours on a link that has it
 * and lands on a new link of the same name (a rebuilt lab), so a
 * re-announced endpoint is always enforced on the link it has now.
 */
int np_tc_attach(struct netpol *np, struct netpol_endpoint *ep)
{
	struct net_tc t = ep_tc(ep);
	int err = net_tc_attach(&t, netpol__tc_prog_fd(np, true),
				netpol__tc_prog_fd(np, false));

	if (!err) {
		if (ep->tc_seq && ep->tc_seq != t.seq)
			journal_release(ep->tc_seq);
		ep->tc_seq = t.seq;
	}
	return err;
}

void np_tc_detach(struct netpol *np, struct netpol_endpoint *ep)
{
	struct net_tc t = ep_tc(ep);

	(void)np;
	net_tc_detach(&t);
	ep->tc_seq = 0;
}
