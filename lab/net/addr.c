// SPDX-License-Identifier: GPL-2.0
/* IPv4 addresses and routes. They live on links, so they need no journal. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/route.h>
#include <string.h>

#include "lab/net/net.h"
#include "lab/net/nl.h"
#include "util/log.h"

static int parse(const char *text, struct nl_addr **out)
{
	int err = nl_addr_parse(text, AF_INET, out);

	if (err < 0) {
		pr_err("bad IPv4 address '%s'\n", text);
		return -EINVAL;
	}
	return 0;
}

int net_addr_add(const char *ns, const char *ifname, const char *cidr)
{
	struct nl_addr *local = NULL;
	struct rtnl_addr *addr = NULL;
	struct nl_sock *sk = NULL;
	int err, ifindex;

	ifindex = net_ifindex(ns, ifname);
	if (ifindex < 0)
		return ifindex;
	err = parse(cidr, &local);
	if (err)
		goto out;
	err = net_nl_open(ns, &sk);
	if (err)
		goto out;
	addr = rtnl_addr_alloc();
	if (!addr) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_family(addr, AF_INET);
	err = net_nl_errno(rtnl_addr_set_local(addr, local));
	if (err)
		goto out;
	rtnl_addr_set_prefixlen(addr, nl_addr_get_prefixlen(local));
	err = net_nl_errno(rtnl_addr_add(sk, addr, 0));
out:
	if (err)
		pr_err("address %s on %s (netns %s): %s\n", cidr, ifname,
		       ns ? ns : "host", strerror(-err));
	rtnl_addr_put(addr);
	nl_addr_put(local);
	net_nl_close(sk);
	return err;
}

int net_route_add(const char *ns, const char *dst, const char *via,
		  const char *dev)
{
	struct nl_addr *dst_a = NULL, *gw = NULL;
	struct rtnl_nexthop *nh = NULL;
	struct rtnl_route *route = NULL;
	struct nl_sock *sk = NULL;
	int err, ifindex = 0;

	if (dev) {
		ifindex = net_ifindex(ns, dev);
		if (ifindex < 0)
			return ifindex;
	}
	err = parse(strcmp(dst, "default") ? dst : "0.0.0.0/0", &dst_a);
	if (!err && via)
		err = parse(via, &gw);
	if (err)
		goto out;
	err = net_nl_open(ns, &sk);
	if (err)
		goto out;
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_table(route, RT_TABLE_MAIN);
	rtnl_route_set_protocol(route, RTPROT_BOOT);
	rtnl_route_set_scope(route, gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	rtnl_route_set_type(route, RTN_UNICAST);
	err = net_nl_errno(rtnl_route_set_dst(route, dst_a));
	if (err)
		goto out;
	if (ifindex)
		rtnl_route_nh_set_ifindex(nh, ifindex);
	if (gw)
		rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* owned by the route now */
	err = net_nl_errno(
		rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_EXCL));
out:
	if (err)
		pr_err("route %s via %s dev %s (netns %s): %s\n", dst,
		       via ? via : "-", dev ? dev : "-", ns ? ns : "host",
		       strerror(-err));
	if (nh)
		rtnl_route_nh_free(nh);
	rtnl_route_put(route);
	nl_addr_put(gw);
	nl_addr_put(dst_a);
	net_nl_close(sk);
	return err;
}
