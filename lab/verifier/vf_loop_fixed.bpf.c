// SPDX-License-Identifier: GPL-2.0
/*
 * Verifier exercise, case "loop" (FIXED): the loop has a constant upper
 * bound (the first 64 bytes, the headers), so the verifier sees it end.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define SUM_MAX_BYTES 64

char LICENSE[] SEC("license") = "GPL";

__u64 byte_sum;

SEC("tc")
int bl_vf_loop(struct __sk_buff *skb)
{
	__u32 len = skb->len;
	__u64 sum = 0;
	__u8 byte;

	/* the fix: a constant bound the verifier can count to */
	for (__u32 i = 0; i < SUM_MAX_BYTES && i < len; i++) {
		if (bpf_skb_load_bytes(skb, i, &byte, 1))
			break;
		sum += byte;
	}
	byte_sum = sum;
	return TC_ACT_OK;
}
