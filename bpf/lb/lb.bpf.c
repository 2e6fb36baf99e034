// SPDX-License-Identifier: GPL-2.0
/*
 * Service load balancing. Two datapaths over the same service tables:
 *  - socket-LB: cgroup connect4/sendmsg4 rewrite a VIP to a backend once per
 *    socket, recvmsg4/getpeername4 show the VIP again;
 *  - tc LB: for packets arriving over a veth, DNAT to a backend with a BPF
 *    conntrack so a flow keeps its backend, and reverse NAT on the replies.
 *    The client's source address is left alone.
 */
#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lb/lb.bpf.h"

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

char LICENSE[] SEC("license") = "GPL";

/* ---- socket-LB ------------------------------------------------------------ */

static __always_inline void lb_sk_remember(__u64 cookie, __u8 proto, __u8 dir,
					   __be32 addr, __be16 port,
					   const struct lb_nat *nat)
{
	struct lb_sk_key k = {
		.cookie = cookie,
		.addr = addr,
		.port = port,
		.proto = proto,
		.dir = dir,
	};

	bpf_map_update_elem(&lb_sk, &k, nat, BPF_ANY);
}

/*
 * connect4 and sendmsg4: a VIP becomes a backend. A UDP socket that sends
 * to the VIP again keeps its backend while that backend is not down.
 * Returns 1 to let the call go on, 0 to fail it (no backend: EPERM).
 */
static __always_inline int lb_sock_fwd(struct bpf_sock_addr *ctx, __u8 hook)
{
	struct lb_svc_key key = {
		.vip = ctx->user_ip4,
		.port = (__be16)ctx->user_port,
		.proto = (__u8)ctx->protocol,
	};
	struct lb_nat fwd, rev, *known;
	struct lb_sk_key sk_key = {};
	struct lb_svc_val *svc;
	struct lb_be_val *be;
	__u64 cookie;
	__u32 be_id;

	if (key.proto != IPPROTO_TCP_ && key.proto != IPPROTO_UDP_)
		return 1;
	svc = bpf_map_lookup_elem(&lb_svc, &key);
	if (!svc)
		return 1;
	if (sock_hostns_only &&
	    bpf_get_netns_cookie(ctx) != bpf_get_netns_cookie(NULL))
		return 1;
	cookie = bpf_get_socket_cookie(ctx);
	if (key.proto == IPPROTO_UDP_) {
		sk_key.cookie = cookie;
		sk_key.addr = key.vip;
		sk_key.port = key.port;
		sk_key.proto = key.proto;
		sk_key.dir = LB_DIR_FWD;
		known = bpf_map_lookup_elem(&lb_sk, &sk_key);
		if (known) {
			be = bpf_map_lookup_elem(&lb_be, &known->be_id);
			if (be && be->state != LB_BE_DOWN &&
			    be->svc_id == svc->id) {
				ctx->user_ip4 = be->addr;
				ctx->user_port = be->port;
				return 1;
			}
		}
	}
	be_id = lb_select(svc, lb_mix((__u32)cookie ^ (__u32)(cookie >> 32)),
			  bpf_get_netns_cookie(ctx), &be);
	if (!be_id || !be) {
		lb_count_svc(svc->id, 0, 0, 1);
		lb_emit(hook, 0, key.vip, 0, key.port, key.proto, NULL,
			svc->id);
		return 0;
	}
	lb_emit(hook, 0, key.vip, 0, key.port, key.proto, be, svc->id);
	ctx->user_ip4 = be->addr;
	ctx->user_port = be->port;
	rev = (struct lb_nat){ .addr = key.vip,
			       .port = key.port,
			       .be_id = be_id,
			       .svc_id = svc->id };
	lb_sk_remember(cookie, key.proto, LB_DIR_REV, be->addr, be->port, &rev);
	if (key.proto == IPPROTO_UDP_) {
		fwd = (struct lb_nat){ .addr = be->addr,
				       .port = be->port,
				       .be_id = be_id,
				       .svc_id = svc->id };
		lb_sk_remember(cookie, key.proto, LB_DIR_FWD, key.vip, key.port,
			       &fwd);
	}
	lb_count_svc(svc->id, 1, 0, 0);
	lb_count_be(be_id, 1, 0);
	return 1;
}

/* recvmsg4 and getpeername4: a backend's address reads as the VIP. */
static __always_inline int lb_sock_rev(struct bpf_sock_addr *ctx)
{
	struct lb_sk_key key = {
		.cookie = bpf_get_socket_cookie(ctx),
		.addr = ctx->user_ip4,
		.port = (__be16)ctx->user_port,
		.proto = (__u8)ctx->protocol,
		.dir = LB_DIR_REV,
	};
	struct lb_nat *nat = bpf_map_lookup_elem(&lb_sk, &key);

	if (nat) {
		ctx->user_ip4 = nat->addr;
		ctx->user_port = nat->port;
	}
	return 1;
}

SEC("cgroup/connect4")
int bl_lb_conn4(struct bpf_sock_addr *ctx)
{
	return lb_sock_fwd(ctx, BL_LB_CONNECT4);
}

SEC("cgroup/sendmsg4")
int bl_lb_send4(struct bpf_sock_addr *ctx)
{
	return lb_sock_fwd(ctx, BL_LB_SENDMSG4);
}

SEC("cgroup/recvmsg4")
int bl_lb_recv4(struct bpf_sock_addr *ctx)
{
	return lb_sock_rev(ctx);
}

SEC("cgroup/getpeername4")
int bl_lb_peer4(struct bpf_sock_addr *ctx)
{
	return lb_sock_rev(ctx);
}

/* ---- tc LB ---------------------------------------------------------------- */

#define LB_IP_OFF ((int)sizeof(struct ethhdr))
#define LB_L4_OFF (LB_IP_OFF + (int)sizeof(struct iphdr))

/* Rewrite the destination (dst) or source address and port, checksums too. */
static __always_inline int lb_rewrite(struct __sk_buff *skb, __u8 proto,
				      bool dst, __be32 old_addr,
				      __be32 new_addr, __be16 old_port,
				      __be16 new_port)
{
	int addr_off =
		LB_IP_OFF + (dst ? __builtin_offsetof(struct iphdr, daddr) :
				   __builtin_offsetof(struct iphdr, saddr));
	int port_off = LB_L4_OFF + (dst ? 2 : 0);
	int csum_off =
		LB_L4_OFF + (proto == IPPROTO_TCP_ ?
				     __builtin_offsetof(struct tcphdr, check) :
				     __builtin_offsetof(struct udphdr, check));
	__u64 l4 = proto == IPPROTO_UDP_ ? BPF_F_MARK_MANGLED_0 : 0;

	if (bpf_l4_csum_replace(skb, csum_off, old_addr, new_addr,
				l4 | BPF_F_PSEUDO_HDR | sizeof(new_addr)))
		return -1;
	if (bpf_l3_csum_replace(
		    skb, LB_IP_OFF + __builtin_offsetof(struct iphdr, check),
		    old_addr, new_addr, sizeof(new_addr)))
		return -1;
	if (bpf_skb_store_bytes(skb, addr_off, &new_addr, sizeof(new_addr), 0))
		return -1;
	if (old_port == new_port)
		return 0;
	if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port,
				l4 | sizeof(new_port)))
		return -1;
	return bpf_skb_store_bytes(skb, port_off, &new_port, sizeof(new_port),
				   0) ?
		       -1 :
		       0;
}

/* Both directions of a new flow to backend be: DNAT one way, SNAT back. */
static __always_inline void lb_ct_create(const struct lb_ct_key *fwd_key,
					 const struct lb_svc_val *svc,
					 const struct lb_be_val *be,
					 __u32 be_id, __u64 now)
{
	struct lb_ct_key rev_key = {
		.saddr = be->addr,
		.daddr = fwd_key->saddr,
		.sport = be->port,
		.dport = fwd_key->sport,
		.proto = fwd_key->proto,
	};
	struct lb_ct_val v = {
		.nat = { .addr = be->addr,
			 .port = be->port,
			 .be_id = be_id,
			 .svc_id = svc->id },
		.dir = LB_DIR_FWD,
		.seen_ns = now,
	};

	bpf_map_update_elem(&lb_ct, fwd_key, &v, BPF_ANY);
	v.nat.addr = fwd_key->daddr;
	v.nat.port = fwd_key->dport;
	v.dir = LB_DIR_REV;
	bpf_map_update_elem(&lb_ct, &rev_key, &v, BPF_ANY);
}

static __always_inline int lb_tc(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + LB_IP_OFF;
	__be16 *ports = data + LB_L4_OFF;
	struct lb_svc_key svc_key = {};
	struct lb_ct_key key = {};
	struct lb_svc_val *svc;
	struct lb_ct_val *ct;
	struct lb_be_val *be;
	__u64 now, len = skb->len;
	__u32 be_id;
	int err;

	if ((void *)(ports + 2) > end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 ||
	    (ip->frag_off & bpf_htons(0x3fff)))
		return TC_ACT_OK; /* options and fragments are not balanced */
	if (ip->protocol != IPPROTO_TCP_ && ip->protocol != IPPROTO_UDP_)
		return TC_ACT_OK;
	key.saddr = ip->saddr;
	key.daddr = ip->daddr;
	key.sport = ports[0];
	key.dport = ports[1];
	key.proto = ip->protocol;
	now = bpf_ktime_get_ns();

	ct = bpf_map_lookup_elem(&lb_ct, &key);
	if (ct && now - ct->seen_ns <= ct_idle_ns) {
		ct->seen_ns = now;
		lb_count_svc(ct->nat.svc_id, 0, len, 0);
		lb_count_be(ct->nat.be_id, 0, len);
		if (ct->dir == LB_DIR_FWD)
			err = lb_rewrite(skb, key.proto, true, key.daddr,
					 ct->nat.addr, key.dport, ct->nat.port);
		else
			err = lb_rewrite(skb, key.proto, false, key.saddr,
					 ct->nat.addr, key.sport, ct->nat.port);
		return err ? TC_ACT_SHOT : TC_ACT_OK;
	}

	svc_key.vip = key.daddr;
	svc_key.port = key.dport;
	svc_key.proto = key.proto;
	svc = bpf_map_lookup_elem(&lb_svc, &svc_key);
	if (!svc)
		return TC_ACT_OK;
	be_id = lb_select(svc,
			  lb_flow_hash(key.saddr, key.daddr, key.sport,
				       key.dport, key.proto),
			  key.saddr, &be);
	if (!be_id || !be) {
		lb_count_svc(svc->id, 0, 0, 1);
		lb_emit(BL_LB_TC, key.saddr, key.daddr, key.sport, key.dport,
			key.proto, NULL, svc->id);
		return TC_ACT_SHOT;
	}
	lb_emit(BL_LB_TC, key.saddr, key.daddr, key.sport, key.dport, key.proto,
		be, svc->id);
	lb_ct_create(&key, svc, be, be_id, now);
	lb_count_svc(svc->id, 1, len, 0);
	lb_count_be(be_id, 1, len);
	err = lb_rewrite(skb, key.proto, true, key.daddr, be->addr, key.dport,
			 be->port);
	return err ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int bl_lb_tc(struct __sk_buff *skb)
{
	return lb_tc(skb);
}
