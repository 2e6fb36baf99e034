// SPDX-License-Identifier: GPL-2.0
/*
 * Verifier exercise, case "null" (FIXED): the lookup's result is checked
 * before it is used; a mark seen for the first time gets its entry.
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
	__u64 *packets, one = 1;

	packets = bpf_map_lookup_elem(&vf_per_mark, &mark);
	/* the fix: no entry yet is a normal case, not a crash */
	if (!packets) {
		bpf_map_update_elem(&vf_per_mark, &mark, &one, BPF_NOEXIST);
		return TC_ACT_OK;
	}
	__sync_fetch_and_add(packets, 1);
	return TC_ACT_OK;
}
