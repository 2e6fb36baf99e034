// SPDX-License-Identifier: GPL-2.0
/*
 * veth pairs, bridges and link state. A link is journaled as "NS NAME"
 * ("-" for the host) so the undo can find it again; links inside a netns
 * vanish with it, so the undo of a link whose netns is gone is a no-op.
 */
#include <errno.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/journal.h"
#include "lab/net/net.h"
#include "lab/net/nl.h"
#include "util/log.h"

static const char *ns_label(const char *ns)
{
	return ns ? ns : "-";
}

static int link_get(struct nl_sock *sk, const char *ifname,
		    struct rtnl_link **out)
{
	int err = rtnl_link_get_kernel(sk, 0, ifname, out);

	return err < 0 ? net_nl_errno(err) : 0;
}

static void log_fail(const char *what, const char *ns, const char *ifname,
		     int err)
{
	pr_err("%s %s (netns %s): %s\n", what, ifname, ns ? ns : "host",
	       strerror(-err));
}

int net_ifindex(const char *ns, const char *ifname)
{
	struct nl_sock *sk;
	struct rtnl_link *link = NULL;
	int err;

	err = net_nl_open(ns, &sk);
	if (err)
		return err;
	err = link_get(sk, ifname, &link);
	if (!err)
		err = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);
	net_nl_close(sk);
	return err;
}

int net_veth_create(const char *ns, const char *name, const char *peer_ns,
		    const char *peer)
{
	struct rtnl_link *link = NULL, *pl;
	struct nl_sock *sk = NULL;
	int err, seq = 0, peer_fd = -1;

	if (!name || !peer || strlen(name) >= IFNAMSIZ ||
	    strlen(peer) >= IFNAMSIZ) {
		err = -EINVAL;
		goto out;
	}
	err = net_nl_open(ns, &sk);
	if (err)
		goto out;
	link = rtnl_link_veth_alloc();
	if (!link) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_link_set_name(link, name);
	pl = rtnl_link_veth_get_peer(link);
	rtnl_link_set_name(pl, peer);
	if (peer_ns != ns && (!peer_ns || !ns || strcmp(peer_ns, ns) != 0)) {
		peer_fd = net_ns_open(peer_ns);
		if (peer_fd < 0) {
			err = peer_fd;
			rtnl_link_put(pl);
			goto out;
		}
		rtnl_link_set_ns_fd(pl, peer_fd);
	}
	rtnl_link_put(pl);
	seq = journal_record("link", "%s %s", ns_label(ns), name);
	if (seq < 0) {
		err = seq;
		goto out;
	}
	err = net_nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	if (err)
		journal_release(seq);
out:
	if (err)
		log_fail("veth", ns, name ? name : "(null)", err);
	if (peer_fd >= 0)
		close(peer_fd);
	if (link)
		rtnl_link_veth_release(link);
	net_nl_close(sk);
	return err;
}

int net_bridge_create(const char *ns, const char *name)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk = NULL;
	int err, seq;

	err = net_nl_open(ns, &sk);
	if (err)
		goto out;
	link = rtnl_link_alloc();
	if (!link) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_link_set_name(link, name);
	err = net_nl_errno(rtnl_link_set_type(link, "bridge"));
	if (err)
		goto out;
	seq = journal_record("link", "%s %s", ns_label(ns), name);
	if (seq < 0) {
		err = seq;
		goto out;
	}
	err = net_nl_errno(rtnl_link_add(sk, link, NLM_F_CREATE | NLM_F_EXCL));
	if (err)
		journal_release(seq);
out:
	if (err)
		log_fail("bridge", ns, name, err);
	rtnl_link_put(link);
	net_nl_close(sk);
	return err;
}

/* Apply one change to an existing link. */
static int link_change(const char *ns, const char *ifname,
		       void (*fill)(struct rtnl_link *change, void *arg),
		       void *arg)
{
	struct rtnl_link *orig = NULL, *change = NULL;
	struct nl_sock *sk = NULL;
	int err;

	err = net_nl_open(ns, &sk);
	if (err)
		goto out;
	err = link_get(sk, ifname, &orig);
	if (err)
		goto out;
	change = rtnl_link_alloc();
	if (!change) {
		err = -ENOMEM;
		goto out;
	}
	fill(change, arg);
	err = net_nl_errno(rtnl_link_change(sk, orig, change, 0));
out:
	rtnl_link_put(change);
	rtnl_link_put(orig);
	net_nl_close(sk);
	return err;
}

static void fill_up(struct rtnl_link *change, void *arg)
{
	(void)arg;
	rtnl_link_set_flags(change, IFF_UP);
}

int net_link_set_up(const char *ns, const char *ifname)
{
	int err = link_change(ns, ifname, fill_up, NULL);

	if (err)
		log_fail("link up", ns, ifname, err);
	return err;
}

static void fill_master(struct rtnl_link *change, void *arg)
{
	rtnl_link_set_master(change, *(int *)arg);
}

int net_link_set_master(const char *ns, const char *ifname, const char *bridge)
{
	int err, master = net_ifindex(ns, bridge);

	if (master < 0)
		return master;
	err = link_change(ns, ifname, fill_master, &master);
	if (err)
		log_fail("enslave", ns, ifname, err);
	return err;
}

static void fill_ns(struct rtnl_link *change, void *arg)
{
	rtnl_link_set_ns_fd(change, *(int *)arg);
}

int net_link_move(const char *ns, const char *ifname, const char *to_ns)
{
	char arg[160];
	int err, fd, seq;

	fd = net_ns_open(to_ns);
	if (fd < 0)
		return fd;
	err = link_change(ns, ifname, fill_ns, &fd);
	close(fd);
	if (err) {
		log_fail("move", ns, ifname, err);
		return err;
	}
	/* follow the link to its new home in the journal */
	snprintf(arg, sizeof(arg), "%s %s", ns_label(ns), ifname);
	seq = net_journal_find("link", arg);
	if (seq > 0) {
		journal_record("link", "%s %s", ns_label(to_ns), ifname);
		journal_release(seq);
	}
	return 0;
}

static int link_remove(const char *ns, const char *ifname)
{
	struct rtnl_link *link = NULL;
	struct nl_sock *sk = NULL;
	int err;

	if (ns && !net_ns_exists(ns))
		return 0; /* gone with its namespace */
	err = net_nl_open(ns, &sk);
	if (err)
		goto out;
	link = rtnl_link_alloc();
	if (!link) {
		err = -ENOMEM;
		goto out;
	}
	rtnl_link_set_name(link, ifname);
	err = net_nl_errno(rtnl_link_delete(sk, link));
	if (err == -ENODEV)
		err = 0; /* a veth goes when its peer's namespace goes */
out:
	rtnl_link_put(link);
	net_nl_close(sk);
	return err;
}

int net_link_delete(const char *ns, const char *ifname)
{
	char arg[160];
	int err, seq;

	err = link_remove(ns, ifname);
	if (err) {
		log_fail("delete", ns, ifname, err);
		return err;
	}
	snprintf(arg, sizeof(arg), "%s %s", ns_label(ns), ifname);
	seq = net_journal_find("link", arg);
	if (seq > 0)
		journal_release(seq);
	return 0;
}

static int undo_link(const char *arg)
{
	char ns[128], ifname[IFNAMSIZ + 1];

	if (sscanf(arg, "%127s %16s", ns, ifname) != 2)
		return -EINVAL;
	return link_remove(strcmp(ns, "-") ? ns : NULL, ifname);
}
JOURNAL_UNDO("link", undo_link, "network link");
