// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "lab/net/net.h"
#include "lab/net/nl.h"
#include "util/log.h"

int net_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0:
		return 0;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_PERM:
	case NLE_NOACCESS:
		return -EPERM;
	case NLE_INVAL:
	case NLE_RANGE:
		return -EINVAL;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_AF_NOSUPPORT:
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	default:
		return -EIO;
	}
}

int net_nl_open(const char *ns, struct nl_sock **out)
{
	struct nl_sock *sk;
	int saved, err;

	*out = NULL;
	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	sk = nl_socket_alloc();
	if (!sk) {
		err = -ENOMEM;
		goto out;
	}
	/* the socket belongs to the netns it was created in */
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		pr_err("netlink: %s\n", nl_geterror(err));
		err = net_nl_errno(err);
		nl_socket_free(sk);
		goto out;
	}
	*out = sk;
out:
	net_ns_leave(saved);
	return err;
}

void net_nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}
