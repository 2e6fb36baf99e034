/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netpol's kernel side: the maps and the one decision function that the tc
 * programs, the cgroup connect4/sendmsg4 programs and the `netpol check`
 * program all call.
 *
 * Decision for a peer pair in one direction (np_decide_dir), constant work
 * whatever the number of rules: at most six hash lookups, over
 *   remote ∈ {the peer, world (when the peer is a CIDR identity), any}
 *   × port ∈ {(port, proto), (any, any)}
 * An enforcing deny ends it at once (deny wins); otherwise an audit deny
 * makes the verdict AUDIT; an allow forwards; no match on an endpoint that
 * a policy selects in this direction is the default deny; an endpoint no
 * policy selects is allowed.
 */
#ifndef BPFLAB_NETPOL_BPF_H
#define BPFLAB_NETPOL_BPF_H

#include "abi/abi.h"
#include "netpol/netpol_maps.h"
#include "util/common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, NP_MAX_IPCACHE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_lpm_key);
	__type(value, struct np_ipc_val);
} np_ipcache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_MAX_POLICY_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_pol_key);
	__type(value, struct np_pol_val);
} np_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_MAX_SELECTED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct np_sel_key);
	__type(value, struct np_sel_val);
} np_selected SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct np_config);
} np_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NP_MAX_CT);
	__type(key, struct np_ct_key);
	__type(value, struct np_ct_val);
} np_ct SEC(".maps");

/* cgroup id of an endpoint's cgroup → its identity (socket hooks). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NP_MAX_CGROUPS);
	__type(key, __u64);
	__type(value, __u32);
} np_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct np_decision);
} np_last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} np_rb SEC(".maps");

BL_DECLARE_STATS(np_stats);

/* 0: every decision is logged; 1: only drops and audits (set before load). */
const volatile __u32 np_log_drops_only = 0;

struct np_verdict {
	__u32 rule_id; /* deciding rule, 0 = none */
	__u8 verdict; /* enum bl_verdict */
	__u8 dir; /* enum np_dir of the deciding side */
};

static __always_inline __u32 np_gen(void)
{
	__u32 zero = 0;
	struct np_config *c = bpf_map_lookup_elem(&np_config, &zero);

	return c ? c->gen : 0;
}

/* Identity of an address: ipcache, else world. */
static __always_inline __u32 np_identity(__u32 addr)
{
	struct np_lpm_key k = { .prefixlen = 32, .addr = addr };
	struct np_ipc_val *v = bpf_map_lookup_elem(&np_ipcache, &k);

	return v ? v->identity : NP_ID_WORLD;
}

/* A policy-key lookup; returns 1 when an enforcing deny decided. */
static __always_inline int np_probe(struct np_pol_key *k,
				    struct np_pol_val *best)
{
	struct np_pol_val *v = bpf_map_lookup_elem(&np_policy, k);

	if (!v)
		return 0;
	if (v->action == NP_DENY && !v->audit) {
		*best = *v;
		return 1;
	}
	/* audit deny outranks allow: the verdict must show the would-be drop */
	if (!best->action || (v->action == NP_DENY && best->action != NP_DENY))
		*best = *v;
	return 0;
}

static __always_inline void np_decide_dir(__u32 gen, __u32 local, __u32 remote,
					  __u16 port, __u8 proto, __u8 dir,
					  struct np_verdict *out)
{
	struct np_pol_val best = {};
	struct np_pol_key k = {
		.gen = gen,
		.local = local,
		.dir = dir,
	};
	struct np_sel_key sk = { .gen = gen, .identity = local, .dir = dir };
	__u32 remotes[3] = { remote, NP_ID_ANY, NP_ID_ANY };
	struct np_sel_val *sel;

	/* a CIDR identity is part of world, as in Cilium */
	if (remote >= NP_ID_CIDR_BASE)
		remotes[1] = NP_ID_WORLD;
	out->dir = dir;
#pragma unroll
	for (int i = 0; i < 3; i++) {
		if (i == 2 && remotes[1] == NP_ID_ANY)
			break;
		k.remote = remotes[i];
		k.port = port;
		k.proto = proto;
		if (np_probe(&k, &best))
			goto decided;
		k.port = 0;
		k.proto = 0;
		if (np_probe(&k, &best))
			goto decided;
	}
	if (best.action == NP_DENY) {
		out->rule_id = best.rule_id;
		out->verdict = BL_VERDICT_AUDIT;
		return;
	}
	if (best.action == NP_ALLOW) {
		out->rule_id = best.rule_id;
		out->verdict = BL_VERDICT_FORWARDED;
		return;
	}
	sel = bpf_map_lookup_elem(&np_selected, &sk);
	if (!sel) {
		out->rule_id = 0;
		out->verdict = BL_VERDICT_FORWARDED;
		return;
	}
	out->rule_id = sel->rule_id;
	out->verdict = sel->audit ? BL_VERDICT_AUDIT : BL_VERDICT_DROPPED;
	return;
decided:
	out->rule_id = best.rule_id;
	out->verdict = BL_VERDICT_DROPPED;
}

/*
 * The decision for traffic src → dst: src's egress policy, then dst's
 * ingress policy. A drop on either side drops; otherwise an audit on either
 * side is reported. The first side that did not simply forward is kept.
 */
static __always_inline void np_decide(__u32 gen, __u32 src_id, __u32 dst_id,
				      __u16 dport, __u8 proto,
				      struct np_verdict *out)
{
	struct np_verdict in = {};

	np_decide_dir(gen, src_id, dst_id, dport, proto, NP_EGRESS, out);
	if (out->verdict == BL_VERDICT_DROPPED)
		return;
	np_decide_dir(gen, dst_id, src_id, dport, proto, NP_INGRESS, &in);
	if (in.verdict == BL_VERDICT_DROPPED ||
	    (in.verdict == BL_VERDICT_AUDIT &&
	     out->verdict == BL_VERDICT_FORWARDED) ||
	    (in.rule_id && !out->rule_id))
		*out = in;
}

static __always_inline void np_log(struct np_verdict *v,
				   struct bl_flow_tuple *t, __u32 src_id,
				   __u32 dst_id, __u8 hook, __u32 ifindex,
				   __u64 cgroup_id, __u8 tcp_flags)
{
	struct bl_netpol_event *e;

	/* as Hubble: a verdict is news only where a policy took part */
	if (!v->rule_id ||
	    (np_log_drops_only && v->verdict == BL_VERDICT_FORWARDED))
		return;
	e = bl_rb_reserve(&np_rb, &np_stats, sizeof(*e));
	if (!e)
		return;
	bl_hdr_init(&e->hdr, BL_OP_NETPOL, sizeof(*e));
	e->tuple = *t;
	e->cgroup_id = cgroup_id;
	e->src_id = src_id;
	e->dst_id = dst_id;
	e->rule_id = v->rule_id;
	e->ifindex = ifindex;
	e->verdict = v->verdict;
	e->dir = v->dir;
	e->hook = hook;
	e->tcp_flags = tcp_flags;
	e->pad = 0;
	bpf_ringbuf_submit(e, 0);
}

#endif
