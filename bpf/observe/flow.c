// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "engine/journal.h"
#include "lab/net/net.h"
#include "observe/flow.bpf.h"
#include "observe/flow.h"
#include "skel/flow.skel.h"
#include "util/log.h"

struct flow_attach {
	char netns[64]; /* "" = ours */
	char ifname[IF_NAMESIZE];
	uint32_t ifindex;
	int seq[2]; /* journal entries: ingress, egress (0 = not attached) */
};

struct flow_obs {
	struct flow_bpf *skel;
	struct ring_buffer *rb; /* NULL when an engine polls the map */
	struct flow_attach at[FLOW_MAX_IFACES];
	int n_at;
	flow_rec_fn fn;
	void *ctx;
};

static const char *const dir_name[2] = { "ingress", "egress" };

/* Detach our filter from one hook; a missing link or filter is already done. */
static int tc_detach(const char *ns, const char *ifname, int egress)
{
	int saved, ifindex, err;

	if (ns && !net_ns_exists(ns))
		return 0; /* the namespace took it along */
	err = net_ns_enter(ns, &saved);
	if (err)
		return err;
	ifindex = if_nametoindex(ifname);
	if (ifindex) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point =
				    egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FLOW_TC_HANDLE,
			    .priority = FLOW_TC_PRIO);

		err = bpf_tc_detach(&hook, &opts);
		if (err == -ENOENT || err == -EINVAL)
			err = 0;
	}
	net_ns_leave(saved);
	return err;
}

/* Journal arg: "NS IFNAME ingress|egress", NS "-" for the host's. */
static int undo_tc(const char *arg)
{
	char ns[64], ifname[IF_NAMESIZE + 1], dir[16];

	if (sscanf(arg, "%63s %16s %15s", ns, ifname, dir) != 3)
		return -EINVAL;
	return tc_detach(strcmp(ns, "-") ? ns : NULL, ifname,
			 !strcmp(dir, "egress"));
}
JOURNAL_UNDO("tc", undo_tc, "tc filter");

static int attach_one(struct flow_obs *f, struct flow_attach *a, int egress)
{
	struct bpf_program *prog = egress ? f->skel->progs.bl_flow_egress :
					    f->skel->progs.bl_flow_ingress;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
		    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = FLOW_TC_HANDLE,
		    .priority = FLOW_TC_PRIO, .prog_fd = bpf_program__fd(prog));
	int seq, err;

	/* clsact is shared with other tc users (the LB): create it if absent. */
	log_quiet_libbpf(true); /* "exclusivity flag on" just means it exists */
	err = bpf_tc_hook_create(&hook);
	log_quiet_libbpf(false);
	if (err && err != -EEXIST) {
		pr_err("observe: couldn't add clsact on %s: %s\n", a->ifname,
		       strerror(-err));
		return err;
	}
	seq = journal_record("tc", "%s %s %s", a->netns[0] ? a->netns : "-",
			     a->ifname, dir_name[egress]);
	if (seq < 0)
		return seq;
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		pr_err("observe: couldn't attach at %s %s: %s\n", a->ifname,
		       dir_name[egress], strerror(-err));
		journal_release(seq);
		return err;
	}
	a->seq[egress] = seq;
	return 0;
}

static void detach(struct flow_attach *a)
{
	for (int d = 0; d < 2; d++) {
		if (!a->seq[d])
			continue;
		if (tc_detach(a->netns[0] ? a->netns : NULL, a->ifname, d))
			pr_warn("observe: couldn't detach from %s %s\n",
				a->ifname, dir_name[d]);
		else
			journal_release(a->seq[d]);
		a->seq[d] = 0;
	}
}

int flow_obs__attach(struct flow_obs *f, const char *netns, const char *ifname)
{
	struct flow_attach *a;
	int saved, err;

	if (f->n_at == FLOW_MAX_IFACES)
		return -ENOSPC;
	for (int i = 0; i < f->n_at; i++)
		if (!strcmp(f->at[i].ifname, ifname) &&
		    !strcmp(f->at[i].netns, netns ? netns : ""))
			return -EALREADY;
	a = &f->at[f->n_at];
	memset(a, 0, sizeof(*a));
	snprintf(a->netns, sizeof(a->netns), "%s", netns ? netns : "");
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	err = net_ns_enter(netns, &saved);
	if (err) {
		pr_err("observe: couldn't enter netns %s: %s\n", netns,
		       strerror(-err));
		return err;
	}
	a->ifindex = if_nametoindex(ifname);
	if (!a->ifindex) {
		pr_err("observe: no interface '%s'%s%s\n", ifname,
		       netns ? " in netns " : "", netns ? netns : "");
		err = -ENODEV;
		goto out;
	}
	err = attach_one(f, a, 0);
	if (!err)
		err = attach_one(f, a, 1);
	if (err)
		detach(a);
	else
		f->n_at++;
out:
	net_ns_leave(saved);
	return err;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct flow_obs *f = ctx;

	if (len < sizeof(struct bl_hdr))
		return 0;
	return f->fn(data, len, f->ctx);
}

int flow_obs__open(struct flow_obs **out, const struct flow_obs_opts *o,
		   flow_rec_fn fn, void *ctx)
{
	struct flow_obs *f;
	int err;

	if (o->n_ifaces < 0 || o->n_ifaces > FLOW_MAX_IFACES)
		return -EINVAL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fn = fn;
	f->ctx = ctx;
	f->skel = flow_bpf__open();
	if (!f->skel) {
		err = -errno;
		goto fail;
	}
	f->skel->rodata->disable_l7 = o->no_l7;
	f->skel->rodata->wakeup_bytes = o->wakeup_bytes;
	err = flow_bpf__load(f->skel);
	if (err) {
		pr_err("observe: couldn't load the tc programs: %s\n",
		       strerror(-err));
		goto fail;
	}
	if (fn) {
		f->rb = ring_buffer__new(bpf_map__fd(f->skel->maps.flow_rb),
					 on_record, f, NULL);
		if (!f->rb) {
			err = -errno;
			goto fail;
		}
	}
	for (int i = 0; i < o->n_ifaces && !err; i++)
		err = flow_obs__attach(f, o->netns, o->ifaces[i]);
	if (err)
		goto fail;
	*out = f;
	return 0;
fail:
	flow_obs__close(f);
	return err;
}

int flow_obs__rb_fd(struct flow_obs *f)
{
	return bpf_map__fd(f->skel->maps.flow_rb);
}

int flow_obs__stats_fd(struct flow_obs *f)
{
	return bpf_map__fd(f->skel->maps.flow_stats);
}

int flow_obs__count(struct flow_obs *f)
{
	return f->n_at;
}

int flow_obs__poll(struct flow_obs *f, int timeout_ms)
{
	int n;

	if (!f->rb)
		return -EINVAL;
	n = ring_buffer__poll(f->rb, timeout_ms);
	if (n < 0)
		return n;
	/* Batched wakeups: records may wait without having woken us. */
	return ring_buffer__consume(f->rb);
}

int flow_obs__stats(struct flow_obs *f, uint64_t *out, int n)
{
	int ncpus = libbpf_num_possible_cpus(), fd, err = 0;
	uint64_t *vals;

	if (ncpus <= 0)
		return -EINVAL;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	fd = bpf_map__fd(f->skel->maps.flow_stats);
	for (uint32_t k = 0; k < (uint32_t)n && k < BL_STAT_MAX; k++) {
		out[k] = 0;
		if (bpf_map_lookup_elem(fd, &k, vals)) {
			err = -errno;
			break;
		}
		for (int c = 0; c < ncpus; c++)
			out[k] += vals[c];
	}
	free(vals);
	return err;
}

const char *flow_obs__ifname(struct flow_obs *f, uint32_t ifindex)
{
	for (int i = 0; i < f->n_at; i++)
		if (f->at[i].ifindex == ifindex)
			return f->at[i].ifname;
	return NULL;
}

void flow_obs__close(struct flow_obs *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n_at; i++)
		detach(&f->at[i]);
	ring_buffer__free(f->rb);
	flow_bpf__destroy(f->skel);
	free(f);
}
