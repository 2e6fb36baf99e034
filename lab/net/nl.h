/* SPDX-License-Identifier: GPL-2.0 */
/* Internal to lab/net: libnl sockets bound to a namespace, error mapping. */
#ifndef BPFLAB_LAB_NET_NL_H
#define BPFLAB_LAB_NET_NL_H

struct nl_sock;

/* A NETLINK_ROUTE socket created inside ns (it stays bound to ns). */
int net_nl_open(const char *ns, struct nl_sock **out);
void net_nl_close(struct nl_sock *sk);
/* libnl's negative NLE_* code to -errno. */
int net_nl_errno(int nlerr);
/* The journal seq of a live (kind, arg) entry, or 0. */
int net_journal_find(const char *kind, const char *arg);

#endif
