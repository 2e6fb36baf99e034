// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "engine/journal.h"
#include "lab/net/net.h"
#include "util/log.h"
#include "util/num.h"

static const enum bpf_tc_attach_point tc_points[2] = { BPF_TC_INGRESS,
						       BPF_TC_EGRESS };

/* Remove filters with handle/prio at both points of ifname in ns. */
static int tc_remove(const char *ns, const char *ifname, uint32_t handle,
		     uint32_t prio)
{
	int saved, ifindex, err = 0;

	if (ns && !net_ns_exists(ns))
		return 0; /* the namespace took its links along */
	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	ifindex = (int)if_nametoindex(ifname);
	for (int i = 0; ifindex && i < 2; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = tc_points[i]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle,
			    .priority = prio);
		int ret = bpf_tc_detach(&hook, &opts);

		/* not there (never attached on this side): already done */
		if (ret && ret != -ENOENT && ret != -EINVAL && !err)
			err = ret;
	}
	net_ns_leave(saved);
	return err;
}

static const char *ns_or_null(const struct net_tc *t)
{
	return t->netns[0] ? t->netns : NULL;
}

/* "NS IFNAME HANDLE PRIO" as net_tc_attach journals it (hex numbers) */
int net_tc_parse_journal(const char *arg, struct net_tc *t)
{
	unsigned long long handle, prio;
	int off;

	memset(t, 0, sizeof(*t));
	if (sscanf(arg, "%63s %15s%n", t->netns, t->ifname, &off) != 2)
		return -EINVAL;
	arg += off;
	if (scan_ull(&arg, 16, &handle) || handle > UINT32_MAX ||
	    scan_ull(&arg, 16, &prio) || prio > UINT32_MAX)
		return -EINVAL;
	if (!strcmp(t->netns, "-"))
		t->netns[0] = '\0';
	t->handle = (uint32_t)handle;
	t->prio = (uint32_t)prio;
	return 0;
}

static int undo_tc(const char *arg)
{
	struct net_tc t;

	if (net_tc_parse_journal(arg, &t))
		return -EINVAL;
	return tc_remove(ns_or_null(&t), t.ifname, t.handle, t.prio);
}
JOURNAL_UNDO("tc", undo_tc, "tc filter");

int net_tc_attach(struct net_tc *t, int ingress_fd, int egress_fd)
{
	const int fds[2] = { ingress_fd, egress_fd };
	const char *ns = ns_or_null(t);
	int saved, ifindex, err, seq;

	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	ifindex = (int)if_nametoindex(t->ifname);
	if (!ifindex) {
		err = -ENODEV;
		goto out;
	}
	/* journal first: a crash after the attach still leaves the entry */
	seq = journal_record("tc", "%s %s %x %x", ns ? ns : "-", t->ifname,
			     t->handle, t->prio);
	if (seq < 0) {
		err = seq;
		goto out;
	}
	for (int i = 0; i < 2 && !err; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = tc_points[i]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = t->handle,
			    .priority = t->prio, .prog_fd = fds[i],
			    .flags = BPF_TC_F_REPLACE);

		if (fds[i] < 0)
			continue;
		/* libbpf warns "exclusivity flag on" when clsact exists: fine */
		log_quiet_libbpf(true);
		err = bpf_tc_hook_create(&hook);
		log_quiet_libbpf(false);
		if (err == -EEXIST)
			err = 0;
		if (!err)
			err = bpf_tc_attach(&hook, &opts);
	}
	net_ns_leave(saved);
	if (err) {
		tc_remove(ns, t->ifname, t->handle, t->prio);
		journal_release(seq);
		goto fail;
	}
	t->seq = seq;
	return 0;
out:
	net_ns_leave(saved);
fail:
	pr_err("tc on %s (netns %s): %s", t->ifname, ns ? ns : "host",
	       strerror(-err));
	return err;
}

int net_tc_detach(struct net_tc *t)
{
	int err;

	if (!t->seq)
		return 0;
	err = tc_remove(ns_or_null(t), t->ifname, t->handle, t->prio);
	if (err)
		return err;
	journal_release(t->seq);
	t->seq = 0;
	return 0;
}
