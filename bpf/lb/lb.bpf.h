/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load balancer's datapath logic, shared by the socket-LB hooks and the
 * tc program in lb.bpf.c: maps, backend choice, conntrack and NAT.
 */
#ifndef BPFLAB_LB_BPF_H
#define BPFLAB_LB_BPF_H

#include "lb/lb_abi.h"
#include "util/common.bpf.h"

#define ETH_P_IP 0x0800
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define NSEC_PER_SEC 1000000000ULL

/* Set at load: how long an idle tc conntrack entry keeps its backend. */
const volatile __u64 ct_idle_ns = 300 * NSEC_PER_SEC;
/*
 * Socket-LB only for sockets of the host netns (Cilium's
 * bpf-lb-sock-hostns-only): other namespaces' traffic then reaches the tc LB
 * on their veth, as pods' traffic does.
 */
const volatile bool sock_hostns_only = false;
/* One BL_OP_LB record per new flow; off in the benchmark's hot path. */
const volatile bool emit_events = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} lb_rb SEC(".maps");

BL_DECLARE_STATS(lb_stats);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_SVC);
	__type(key, struct lb_svc_key);
	__type(value, struct lb_svc_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lb_svc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_BE);
	__type(key, __u32);
	__type(value, struct lb_be_val);
	__uint(map_flags, BPF_F_NO_PREALLOC);
} lb_be SEC(".maps");

/*
 * Every service's Maglev table, side by side: service s owns slots
 * [base, base + table_size). One flat array (not a map of maps: updating
 * those waits for an RCU grace period, milliseconds per service) that user
 * space writes through mmap. Sized at load time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64); /* a backend id; array elements are 8 B anyway */
} lb_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct lb_aff_key);
	__type(value, struct lb_aff_val);
} lb_aff SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_MAX_CT);
	__type(key, struct lb_sk_key);
	__type(value, struct lb_nat);
} lb_sk SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_MAX_CT);
	__type(key, struct lb_ct_key);
	__type(value, struct lb_ct_val);
} lb_ct SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_SVC);
	__type(key, __u32);
	__type(value, struct lb_svc_stats);
} lb_svc_st SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_BE);
	__type(key, __u32);
	__type(value, struct lb_be_stats);
} lb_be_st SEC(".maps");

/* murmur3's finaliser: spreads a flow's words over the table */
static __always_inline __u32 lb_mix(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static __always_inline __u32 lb_flow_hash(__be32 saddr, __be32 daddr,
					  __be16 sport, __be16 dport,
					  __u8 proto)
{
	__u32 h = lb_mix(saddr ^ 0x9e3779b9);

	h = lb_mix(h ^ daddr);
	h = lb_mix(h ^ (((__u32)sport << 16) | dport));
	return lb_mix(h ^ proto);
}

static __always_inline void lb_count_svc(__u32 svc_id, __u64 conns, __u64 bytes,
					 __u64 drops)
{
	struct lb_svc_stats *s = bpf_map_lookup_elem(&lb_svc_st, &svc_id);

	if (!s)
		return;
	s->conns += conns;
	s->bytes += bytes;
	s->drops += drops;
}

static __always_inline void lb_count_be(__u32 be_id, __u64 conns, __u64 bytes)
{
	struct lb_be_stats *s = bpf_map_lookup_elem(&lb_be_st, &be_id);

	if (!s)
		return;
	s->conns += conns;
	s->bytes += bytes;
}

/* Tell user space about a new flow's translation (be NULL: dropped). */
static __always_inline void lb_emit(__u8 hook, __be32 saddr, __be32 daddr,
				    __be16 sport, __be16 dport, __u8 proto,
				    const struct lb_be_val *be, __u32 svc_id)
{
	struct bl_lb_event *e;

	if (!emit_events)
		return;
	e = bl_rb_reserve(&lb_rb, &lb_stats, sizeof(*e));
	if (!e)
		return;
	bl_hdr_init(&e->hdr, BL_OP_LB, sizeof(*e));
	e->hdr.flags = be ? 0 : BL_LB_NO_BACKEND;
	e->tuple.saddr = saddr;
	e->tuple.daddr = daddr;
	e->tuple.sport = bpf_ntohs(sport);
	e->tuple.dport = bpf_ntohs(dport);
	e->tuple.proto = proto;
	e->tuple.pad[0] = e->tuple.pad[1] = e->tuple.pad[2] = 0;
	e->be_addr = be ? be->addr : 0;
	e->be_port = be ? bpf_ntohs(be->port) : 0;
	e->hook = hook;
	e->pad = 0;
	e->svc_id = svc_id;
	e->tgid = hook == BL_LB_TC ? 0 : bpf_get_current_pid_tgid() >> 32;
	e->cgroup_id = hook == BL_LB_TC ? 0 : bpf_get_current_cgroup_id();
	bpf_ringbuf_submit(e, 0);
}

/* A still-usable backend remembered by session affinity, or 0. */
static __always_inline __u32 lb_affinity_get(const struct lb_svc_val *svc,
					     __u64 client, __u64 now)
{
	struct lb_aff_key k = { .svc_id = svc->id, .client = client };
	struct lb_aff_val *v;
	struct lb_be_val *be;

	v = bpf_map_lookup_elem(&lb_aff, &k);
	if (!v || now - v->seen_ns > svc->affinity_sec * NSEC_PER_SEC)
		return 0;
	be = bpf_map_lookup_elem(&lb_be, &v->be_id);
	if (!be || be->state != LB_BE_ACTIVE || be->svc_id != svc->id)
		return 0;
	v->seen_ns = now;
	return v->be_id;
}

static __always_inline void lb_affinity_put(const struct lb_svc_val *svc,
					    __u64 client, __u32 be_id,
					    __u64 now)
{
	struct lb_aff_key k = { .svc_id = svc->id, .client = client };
	struct lb_aff_val v = { .be_id = be_id, .seen_ns = now };

	bpf_map_update_elem(&lb_aff, &k, &v, BPF_ANY);
}

/*
 * Pick a backend for a new flow: affinity first, then the service's Maglev
 * table at the flow hash (or at a random slot). Returns the backend id, or
 * 0 when the service has none, with *be pointing at it.
 */
static __always_inline __u32 lb_select(const struct lb_svc_val *svc, __u32 hash,
				       __u64 client, struct lb_be_val **be)
{
	__u64 now = bpf_ktime_get_ns();
	__u32 slot, be_id = 0;
	__u64 *id;

	*be = NULL;
	if (!svc->table_size)
		return 0;
	if (svc->flags & LB_SVC_AFFINITY)
		be_id = lb_affinity_get(svc, client, now);
	if (!be_id) {
		if (svc->flags & LB_SVC_RANDOM)
			hash = bpf_get_prandom_u32();
		slot = svc->base + hash % svc->table_size;
		id = bpf_map_lookup_elem(&lb_slots, &slot);
		if (!id || !*id)
			return 0;
		be_id = (__u32)*id;
	}
	*be = bpf_map_lookup_elem(&lb_be, &be_id);
	if (!*be)
		return 0;
	if (svc->flags & LB_SVC_AFFINITY)
		lb_affinity_put(svc, client, be_id, now);
	return be_id;
}

#endif
