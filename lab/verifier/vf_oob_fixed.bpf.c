// SPDX-License-Identifier: GPL-2.0
/*
 * Verifier exercise, case "oob" (FIXED): the IPv4 header is proven to end
 * before data_end before any of its bytes is read.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_OK 0
#define ETH_P_IP 0x0800

char LICENSE[] SEC("license") = "GPL";

__u64 tcp_packets;

SEC("tc")
int bl_vf_oob(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + sizeof(*eth);

	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	/* the fix: prove the whole IPv4 header is inside the packet */
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (ip->protocol == IPPROTO_TCP)
		__sync_fetch_and_add(&tcp_packets, 1);
	return TC_ACT_OK;
}
