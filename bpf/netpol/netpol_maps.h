/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Map keys and values the netpol kernel programs and the control plane share.
 * Fixed-width fields, explicit padding, no bitfields: user space fills these.
 *
 * Identities follow Cilium: 1 host, 2 world, label sets from 256, and CIDR
 * identities (one per prefix a policy names) from NP_ID_CIDR_BASE. Remote
 * identity 0 in a policy key is the wildcard ("all"); port 0 with proto 0 is
 * "any port, any protocol" (an L3-only rule).
 */
#ifndef BPFLAB_NETPOL_MAPS_H
#define BPFLAB_NETPOL_MAPS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define NP_ID_ANY 0u
#define NP_ID_HOST 1u
#define NP_ID_WORLD 2u
#define NP_ID_FIRST 256u
#define NP_ID_CIDR_BASE (1u << 24)

#define NP_MAX_POLICY_KEYS 262144
#define NP_MAX_SELECTED 65536
#define NP_MAX_IPCACHE 16384
#define NP_MAX_CT 65536
#define NP_MAX_CGROUPS 4096

enum np_dir {
	NP_INGRESS = 0,
	NP_EGRESS = 1,
};

enum np_action {
	NP_ALLOW = 1,
	NP_DENY = 2,
};

/* Where a decision was taken (bl_netpol_event.hook). */
enum np_hook {
	NP_HOOK_TC_INGRESS = 1, /* tc ingress of an endpoint's link */
	NP_HOOK_TC_EGRESS = 2, /* tc egress of an endpoint's link */
	NP_HOOK_CONNECT4 = 3, /* cgroup connect4 */
	NP_HOOK_SENDMSG4 = 4, /* cgroup sendmsg4 */
	NP_HOOK_CHECK = 5, /* `netpol check`: BPF_PROG_TEST_RUN, no packet */
};

/* ipcache: longest-prefix match of an IPv4 address to its identity. */
struct np_lpm_key {
	__u32 prefixlen; /* 32 for an endpoint, the CIDR's length otherwise */
	__u32 addr; /* IPv4, network order */
};

struct np_ipc_val {
	__u32 identity; /* endpoint, host or CIDR identity */
	__u32 flags; /* reserved */
};

/* Policy: (generation, local, remote, port, proto, direction) → verdict. */
struct np_pol_key {
	__u32 gen; /* policy generation these contents belong to */
	__u32 local; /* identity of the endpoint the policy selects */
	__u32 remote; /* peer identity, NP_ID_ANY for every peer */
	__u16 port; /* destination port (host order), 0 = any */
	__u8 proto; /* IPPROTO_TCP/UDP, 0 with port 0 = any */
	__u8 dir; /* enum np_dir, as seen from local */
};

struct np_pol_val {
	__u32 rule_id; /* (policy slot << 8) | rule index + 1 */
	__u8 action; /* enum np_action */
	__u8 audit; /* 1: log the would-be drop, let it pass */
	__u16 pad;
};

/* An endpoint some policy selects in a direction: default-deny there. */
struct np_sel_key {
	__u32 gen; /* policy generation */
	__u32 identity; /* selected endpoint identity */
	__u32 dir; /* enum np_dir */
};

struct np_sel_val {
	__u32 rule_id; /* (policy slot << 8): the policy's default deny */
	__u32 audit; /* 1 when every policy selecting it is in audit mode */
};

struct np_config {
	__u32 gen; /* generation in force; the flip makes an apply atomic */
	__u32 pad;
};

/* Connection tracking: packets of an allowed connection skip the policy. */
struct np_ct_key {
	__u32 saddr; /* network order, as the first packet carried them */
	__u32 daddr;
	__u16 sport; /* host order */
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct np_ct_val {
	__u32 gen; /* generation that allowed it; another one re-decides */
	__u32 pad;
};

/* The last decision of bl_np_check (the `netpol check` program). */
struct np_decision {
	__u32 src_id; /* identity of the source address */
	__u32 dst_id; /* identity of the destination address */
	__u32 rule_id; /* rule that decided, 0 = no policy applied */
	__u8 verdict; /* enum bl_verdict */
	__u8 dir; /* enum np_dir of the deciding side */
	__u16 pad;
};

_Static_assert(sizeof(struct np_pol_key) == 16, "np_pol_key drift");
_Static_assert(sizeof(struct np_pol_val) == 8, "np_pol_val drift");
_Static_assert(sizeof(struct np_sel_key) == 12, "np_sel_key drift");
_Static_assert(sizeof(struct np_ct_key) == 16, "np_ct_key drift");
_Static_assert(sizeof(struct np_decision) == 16, "np_decision drift");

#endif
