// SPDX-License-Identifier: GPL-2.0
/*
 * Verifier exercise, case "loop" (UNSAFE): sum the packet's bytes for a
 * checksum. The loop runs skb->len times, and the verifier cannot prove
 * that ends: it walks iteration after iteration until its budget runs out.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0

char LICENSE[] SEC("license") = "GPL";

__u64 byte_sum;

SEC("tc")
int bl_vf_loop(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u64 sum = 0;
	__u8 byte;

	for (__u32 i = 0; i < len; i++) {
		if (bpf_skb_load_bytes(skb, i, &byte, 1))
			break;
		sum += byte;
	}
	byte_sum = sum;
	return TC_ACT_OK;
}
