// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lab/net/net.h"
#include "observe/flow.bpf.h"
#include "observe/flow.h"
#include "skel/flow.skel.h"
#include "engine/reload.h"
#include "util/log.h"
#include "util/util.h"

struct flow_attach {
	struct net_tc tc; /* where, and its journal entry */
	uint32_t ifindex; /* to name the interface of a record */
};

/*
 * Owners looked up recently: a keep-alive connection answers many requests,
 * and a map lookup is a syscall. An entry is trusted for a second, so a
 * tuple reused by another process is not misattributed for long.
 */
#define OWNER_CACHE 256 /* the hash keeps 8 bits */
#define OWNER_CACHE_NS 1000000000ull

struct owner_slot {
	struct bl_flow_tuple t;
	struct flow_owner_val v;
	uint64_t at_ns; /* 0: empty */
};

struct flow_obs {
	struct flow_bpf *skel;
	struct ring_buffer *rb; /* NULL when an engine polls the map */
	struct bpf_link *owner_link; /* the socket-state tracepoint */
	struct flow_attach at[FLOW_MAX_IFACES];
	int n_at;
	flow_rec_fn fn;
	void *ctx;
	struct owner_slot owners[OWNER_CACHE];
};

static void detach(struct flow_attach *a)
{
	if (net_tc_detach(&a->tc))
		pr_warn("observe: couldn't detach from %s", a->tc.ifname);
}

/* ifindex of ifname in netns (NULL: ours), or -errno. */
static int iface_index(const char *netns, const char *ifname)
{
	int saved, err, ifindex;

	err = net_ns_enter(netns, &saved);
	if (err) {
		pr_err("observe: couldn't enter netns %s: %s\n", netns,
		       strerror(-err));
		return err;
	}
	ifindex = (int)if_nametoindex(ifname);
	net_ns_leave(saved);
	if (!ifindex) {
		pr_err("observe: no interface '%s'%s%s\n", ifname,
		       netns ? " in netns " : "", netns ? netns : "");
		return -ENODEV;
	}
	return ifindex;
}

/* Attach to slot a's interface, now at ifindex. */
static int attach_slot(struct flow_obs *f, struct flow_attach *a, int ifindex)
{
	a->ifindex = ifindex;
	return net_tc_attach(&a->tc,
			     bpf_program__fd(f->skel->progs.bl_flow_ingress),
			     bpf_program__fd(f->skel->progs.bl_flow_egress));
}

int flow_obs__attach(struct flow_obs *f, const char *netns, const char *ifname)
{
	struct flow_attach *a;
	int ifindex, err;

	ifindex = iface_index(netns, ifname);
	if (ifindex < 0)
		return ifindex;
	for (int i = 0; i < f->n_at; i++) {
		a = &f->at[i];
		if (strcmp(a->tc.ifname, ifname) ||
		    strcmp(a->tc.netns, netns ? netns : ""))
			continue;
		if (a->ifindex == (uint32_t)ifindex)
			return -EALREADY;
		/*
		 * Same name, new link (the lab was rebuilt): the old link took
		 * its filters along; release them and watch the new one.
		 */
		detach(a);
		return attach_slot(f, a, ifindex);
	}
	if (f->n_at == FLOW_MAX_IFACES)
		return -ENOSPC;
	a = &f->at[f->n_at];
	memset(a, 0, sizeof(*a));
	a->tc.handle = FLOW_TC_HANDLE;
	a->tc.prio = FLOW_TC_PRIO;
	snprintf(a->tc.netns, sizeof(a->tc.netns), "%s", netns ? netns : "");
	snprintf(a->tc.ifname, sizeof(a->tc.ifname), "%s", ifname);
	err = attach_slot(f, a, ifindex);
	if (!err)
		f->n_at++;
	return err;
}

static int on_record(void *ctx, void *data, size_t len)
{
	struct flow_obs *f = ctx;

	if (len < sizeof(struct bl_hdr))
		return 0;
	return f->fn(data, len, f->ctx);
}

/* The kernel keeps the budget per CPU: split the machine-wide rate. */
static uint32_t per_cpu_rate(unsigned int rate)
{
	int ncpus = libbpf_num_possible_cpus();

	if (!rate)
		return 0;
	if (ncpus <= 0)
		ncpus = 1;
	return (rate + ncpus - 1) / ncpus;
}

int flow_parse_l7_records(const char *s, unsigned int *rate)
{
	unsigned long v;
	char *end;

	if (!strcmp(s, "all")) {
		*rate = 0;
		return 0;
	}
	if (!strcmp(s, "adaptive")) {
		*rate = FLOW_L7_RATE_DEFAULT;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || !v || v > 10000000)
		return -EINVAL;
	*rate = v;
	return 0;
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
	f->skel->rodata->l7_rate = per_cpu_rate(o->l7_rate);
	err = flow_bpf__load(f->skel);
	if (err) {
		pr_err("observe: couldn't load the tc programs: %s\n",
		       strerror(-err));
		goto fail;
	}
	reload_track(f->skel->skeleton);
	/* Without it flows still work: only the client process is unknown. */
	f->owner_link = bpf_program__attach(f->skel->progs.bl_flow_skstate);
	if (!f->owner_link)
		pr_warn("observe: no socket owners (tp_btf/inet_sock_set_state): %s\n",
			strerror(errno));
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

int flow_obs__owner(struct flow_obs *f, const struct bl_flow_tuple *t,
		    struct flow_owner_val *out)
{
	struct bl_flow_tuple k = *t;
	struct owner_slot *slot;
	uint64_t now = now_mono_ns();

	memset(k.pad, 0, sizeof(k.pad));
	/* the client's port varies most: keep it in the low bits */
	slot = &f->owners[((k.saddr ^ k.daddr ^ ((uint32_t)k.dport << 16) ^
			    k.sport) *
			   2654435761u) >>
			  24];
	if (slot->at_ns && now - slot->at_ns < OWNER_CACHE_NS &&
	    !memcmp(&slot->t, &k, sizeof(k))) {
		*out = slot->v;
		return 0;
	}
	if (bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.conn_owner), &k, out))
		return -errno;
	slot->t = k;
	slot->v = *out;
	slot->at_ns = now;
	return 0;
}

int flow_obs__l7_agg(struct flow_obs *f,
		     void (*fn)(const struct l7_agg_key *k,
				const struct l7_agg_val *v, void *ctx),
		     void *ctx)
{
	int ncpus = libbpf_num_possible_cpus(), fd, err = 0;
	struct l7_agg_key k, next, *prev = NULL;
	struct l7_agg_val *vals, sum;

	if (ncpus <= 0)
		return -EINVAL;
	vals = calloc(ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	fd = bpf_map__fd(f->skel->maps.l7_agg);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue; /* evicted meanwhile */
		memset(&sum, 0, sizeof(sum));
		for (int c = 0; c < ncpus; c++) {
			sum.count += vals[c].count;
			sum.lat_sum_ns += vals[c].lat_sum_ns;
			for (int b = 0; b < L7_LAT_BUCKETS; b++)
				sum.bucket[b] += vals[c].bucket[b];
		}
		fn(&k, &sum, ctx);
	}
	if (errno != ENOENT)
		err = -errno;
	free(vals);
	return err;
}

const char *flow_obs__ifname(struct flow_obs *f, uint32_t ifindex)
{
	for (int i = 0; i < f->n_at; i++)
		if (f->at[i].ifindex == ifindex)
			return f->at[i].tc.ifname;
	return NULL;
}

void flow_obs__close(struct flow_obs *f)
{
	if (!f)
		return;
	for (int i = 0; i < f->n_at; i++)
		detach(&f->at[i]);
	ring_buffer__free(f->rb);
	bpf_link__destroy(f->owner_link);
	if (f->skel)
		reload_untrack(f->skel->obj);
	flow_bpf__destroy(f->skel);
	free(f);
}
