// SPDX-License-Identifier: GPL-2.0
/*
 * The floor of the flow benchmark (scripts/bench/observe.sh, mode "empty"):
 * a tc program that does nothing, attached on the same hooks as
 * bl_flow_ingress/bl_flow_egress. What it costs is the price of having a
 * tc program on the path at all; anything the flow programs cost above it
 * is theirs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tc")
int bl_flow_floor(struct __sk_buff *skb)
{
	return -1; /* TC_ACT_UNSPEC: no opinion, as the flow programs */
}
