// SPDX-License-Identifier: GPL-2.0
/*
 * Verifier exercise, case "ctx" (UNSAFE): clamp every packet to 128 bytes
 * by writing skb->len. The length is a read-only field of the context: only
 * the kernel may change it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define CLAMP_LEN 128

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int bl_vf_ctx(struct __sk_buff *skb)
{
	if (skb->len > CLAMP_LEN)
		skb->len = CLAMP_LEN;
	return TC_ACT_OK;
}
