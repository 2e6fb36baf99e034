// SPDX-License-Identifier: GPL-2.0
/*
 * Network policy by identity, in the kernel. Thin hooks over np_decide()
 * (netpol.bpf.h):
 *  - tc ingress and egress of each endpoint's link: every packet whose
 *    connection is not already tracked is decided for both ends (the
 *    source's egress policy, the destination's ingress policy);
 *  - cgroup connect4/sendmsg4 for endpoints registered with a cgroup: the
 *    call fails with EPERM before any packet exists;
 *  - bl_np_check: the same decision on a crafted packet, driven by
 *    BPF_PROG_TEST_RUN for `netpol check` and the tests.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "netpol/netpol.bpf.h"

#define ETH_P_IP_ 0x0800
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define TC_ACT_OK_ 0
#define TC_ACT_SHOT_ 2
#define IP_OFFSET_MASK 0x1fff

char LICENSE[] SEC("license") = "GPL";

/* IPv4 tuple of an Ethernet frame; returns 0, or -1 for anything else. */
static __always_inline int np_parse(struct __sk_buff *skb,
				    struct bl_flow_tuple *t, __u8 *tcp_flags)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	void *l4;

	if ((void *)(eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP_))
		return -1;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return -1;
	t->saddr = ip->saddr;
	t->daddr = ip->daddr;
	t->proto = ip->protocol;
	t->sport = 0;
	t->dport = 0;
	*tcp_flags = 0;
	/* later fragments carry no ports: the first one was decided */
	if (ip->frag_off & bpf_htons(IP_OFFSET_MASK))
		return 0;
	l4 = (void *)ip + ip->ihl * 4;
	if (t->proto == IPPROTO_TCP_) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end)
			return -1;
		t->sport = bpf_ntohs(th->source);
		t->dport = bpf_ntohs(th->dest);
		*tcp_flags = ((__u8 *)th)[13];
	} else if (t->proto == IPPROTO_UDP_) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			return -1;
		t->sport = bpf_ntohs(uh->source);
		t->dport = bpf_ntohs(uh->dest);
	}
	return 0;
}

/* A packet of a connection allowed under this generation (either way)? */
static __always_inline int np_ct_known(const struct bl_flow_tuple *t, __u32 gen)
{
	struct np_ct_key k = {
		.saddr = t->saddr,
		.daddr = t->daddr,
		.sport = t->sport,
		.dport = t->dport,
		.proto = t->proto,
	};
	struct np_ct_val *v = bpf_map_lookup_elem(&np_ct, &k);

	if (v && v->gen == gen)
		return 1;
	k.saddr = t->daddr;
	k.daddr = t->saddr;
	k.sport = t->dport;
	k.dport = t->sport;
	v = bpf_map_lookup_elem(&np_ct, &k);
	return v && v->gen == gen;
}

static __always_inline void np_ct_open(const struct bl_flow_tuple *t, __u32 gen)
{
	struct np_ct_key k = {
		.saddr = t->saddr,
		.daddr = t->daddr,
		.sport = t->sport,
		.dport = t->dport,
		.proto = t->proto,
	};
	struct np_ct_val v = { .gen = gen };

	bpf_map_update_elem(&np_ct, &k, &v, BPF_ANY);
}

static __always_inline int np_tc(struct __sk_buff *skb, __u8 hook)
{
	struct bl_flow_tuple t = {};
	struct np_verdict v = {};
	__u32 gen, src_id, dst_id;
	__u8 flags;

	if (np_parse(skb, &t, &flags))
		return TC_ACT_OK_;
	gen = np_gen();
	if (np_ct_known(&t, gen))
		return TC_ACT_OK_;
	src_id = np_identity(t.saddr);
	dst_id = np_identity(t.daddr);
	np_decide(gen, src_id, dst_id, t.dport, t.proto, &v);
	/* only a connection's opening packet opens it: a stray ACK re-decides */
	if (v.verdict != BL_VERDICT_DROPPED &&
	    (t.proto != IPPROTO_TCP_ ||
	     (flags & (BL_TCP_SYN | BL_TCP_ACK)) == BL_TCP_SYN))
		np_ct_open(&t, gen);
	np_log(&v, &t, src_id, dst_id, hook, skb->ifindex, 0, flags);
	return v.verdict == BL_VERDICT_DROPPED ? TC_ACT_SHOT_ : TC_ACT_OK_;
}

SEC("tc")
int bl_np_tc_in(struct __sk_buff *skb)
{
	return np_tc(skb, NP_HOOK_TC_INGRESS);
}

SEC("tc")
int bl_np_tc_eg(struct __sk_buff *skb)
{
	return np_tc(skb, NP_HOOK_TC_EGRESS);
}

/* connect4/sendmsg4: 1 lets the call go on, 0 fails it with EPERM. */
static __always_inline int np_sock(struct bpf_sock_addr *ctx, __u8 hook)
{
	__u64 cgroup_id = bpf_get_current_cgroup_id();
	struct bl_flow_tuple t = {};
	struct np_verdict v = {};
	__u32 *src_id, dst_id;

	src_id = bpf_map_lookup_elem(&np_cgroup, &cgroup_id);
	if (!src_id)
		return 1;
	t.daddr = ctx->user_ip4;
	t.dport = bpf_ntohs((__u16)ctx->user_port);
	t.proto = (__u8)ctx->protocol;
	dst_id = np_identity(t.daddr);
	np_decide(np_gen(), *src_id, dst_id, t.dport, t.proto, &v);
	np_log(&v, &t, *src_id, dst_id, hook, 0, cgroup_id, 0);
	return v.verdict == BL_VERDICT_DROPPED ? 0 : 1;
}

SEC("cgroup/connect4")
int bl_np_conn4(struct bpf_sock_addr *ctx)
{
	return np_sock(ctx, NP_HOOK_CONNECT4);
}

SEC("cgroup/sendmsg4")
int bl_np_send4(struct bpf_sock_addr *ctx)
{
	return np_sock(ctx, NP_HOOK_SENDMSG4);
}

/* The decision alone, no conntrack and no log: returns the verdict. */
SEC("tc")
int bl_np_check(struct __sk_buff *skb)
{
	struct bl_flow_tuple t = {};
	struct np_verdict v = {};
	struct np_decision *d;
	__u32 zero = 0;
	__u8 flags;

	if (np_parse(skb, &t, &flags))
		return -1;
	d = bpf_map_lookup_elem(&np_last, &zero);
	if (!d)
		return -1;
	d->src_id = np_identity(t.saddr);
	d->dst_id = np_identity(t.daddr);
	np_decide(np_gen(), d->src_id, d->dst_id, t.dport, t.proto, &v);
	d->rule_id = v.rule_id;
	d->verdict = v.verdict;
	d->dir = v.dir;
	return v.verdict;
}
