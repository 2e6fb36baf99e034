// SPDX-License-Identifier: GPL-2.0
/*
 * Verifier exercise, case "ctx" (FIXED): the packet is shortened by the
 * helper made for it, which updates skb->len itself.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define CLAMP_LEN 128

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int bl_vf_ctx(struct __sk_buff *skb)
{
	/* the fix: ask the kernel to trim the packet */
	if (skb->len > CLAMP_LEN)
		bpf_skb_change_tail(skb, CLAMP_LEN, 0);
	return TC_ACT_OK;
}
