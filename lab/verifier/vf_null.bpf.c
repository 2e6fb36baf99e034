// SPDX-License-Identifier: GPL-2.0
/*
 * Verifier exercise, case "null" (UNSAFE): count packets per mark in a hash
 * map. bpf_map_lookup_elem() returns NULL for a key that is not there, and
 * the value is dereferenced without checking.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} vf_per_mark SEC(".maps");

SEC("tc")
int bl_vf_null(struct __sk_buff *skb)
{
	__u32 mark = skb->mark;
	__u64 *packets;

	packets = bpf_map_lookup_elem(&vf_per_mark, &mark);
	*packets += 1;
	return TC_ACT_OK;
}
